"""Encounter batches cover every claim row exactly once."""

from __future__ import annotations

import numpy as np

from thamani.synth import Region
from thamani.synth.batches import CHILD_TABLES, encounter_batches


def test_batches_cover_every_encounter_and_its_rows(small_county: Region) -> None:
    batches = list(encounter_batches(small_county, size=1_000))
    enc = small_county["encounters"]
    assert sum(len(b.encounters) for b in batches) == len(enc)
    for name in CHILD_TABLES:
        assert sum(len(b.children[name]) for b in batches) == len(small_county[name])
    for b in batches:
        ids = b.encounters["encounter_id"]
        assert ids[0] == b.first
        assert ids[-1] == b.stop - 1
        lines = b.children["lines"]
        cost = np.zeros(b.stop - b.first, dtype=np.int64)
        np.add.at(cost, lines["encounter_id"] - b.first, lines["amount"])
        assert (cost == b.encounters["cost"]).all()
