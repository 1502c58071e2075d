"""Encounters in batches, each with the rows its claims carry: the loader's way in.

A later ``load`` step turns synthetic care into claims through the claims room's batch
path. It reads the region here: runs of consecutive encounters (in date order) with their
diagnoses, lines and observations, every child table sliced by binary search (they are
sorted by encounter), so a million-person year streams in fixed-size pieces without
copying the region.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from thamani.synth.region import Column, Region, Table

CHILD_TABLES = ("diagnoses", "lines", "observations", "activity", "prom_responses")


@dataclass(frozen=True, slots=True)
class EncounterBatch:
    """Encounters ``first`` .. ``stop - 1`` and what rides with them.

    first, stop: the encounter ids covered (stop excluded).
    encounters: their rows.
    children: per child table name (diagnoses, lines, observations, activity,
        prom_responses), the rows of these encounters.
    """

    first: int
    stop: int
    encounters: Table
    children: dict[str, Table]


def slice_table(t: Table, start: int, stop: int) -> Table:
    """Rows ``start`` .. ``stop - 1`` of a table (views, no copy)."""
    cols = tuple(Column(c.name, c.type, c.values[start:stop], c.labels) for c in t.columns)
    return Table(t.spec, cols)


def encounter_batches(region: Region, size: int = 8_190) -> Iterator[EncounterBatch]:
    """The region's encounters in batches of ``size`` (the last one may be smaller)."""
    if size < 1:
        raise ValueError("size must be positive")
    enc = region["encounters"]
    n = len(enc)
    keys = {name: region[name]["encounter_id"] for name in CHILD_TABLES}
    for first in range(0, n, size):
        stop = min(first + size, n)
        children = {}
        for name, key in keys.items():
            lo, hi = np.searchsorted(key, [first, stop], side="left")
            children[name] = slice_table(region[name], int(lo), int(hi))
        yield EncounterBatch(first, stop, slice_table(enc, first, stop), children)
