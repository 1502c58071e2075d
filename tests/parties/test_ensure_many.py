"""Many parties at once (``Parties.ensure_many``): the missing ones created, the existing
ones found, a clash refused with nothing created."""

from __future__ import annotations

import pytest

from thamani.errors import Conflict
from thamani.parties.records import PartyKind
from thamani.platform import Platform


def test_missing_parties_are_created_and_existing_ones_found(platform: Platform) -> None:
    before = platform.parties.create(PartyKind.PROVIDER, "Kondele Dispensary", "kondele")
    found = platform.parties.ensure_many(
        PartyKind.PROVIDER, [("Kondele Dispensary", "kondele"), ("Nyalenda HC", "nyalenda")]
    )
    assert found["kondele"] == before.id
    assert platform.parties.get(found["nyalenda"]).name == "Nyalenda HC"
    again = platform.parties.ensure_many(PartyKind.PROVIDER, [("Nyalenda HC", "nyalenda")])
    assert again == {"nyalenda": found["nyalenda"]}
    assert len(platform.parties.all(PartyKind.PROVIDER)) == 2


def test_a_reference_of_another_kind_is_refused_and_nothing_is_created(
    platform: Platform,
) -> None:
    platform.parties.create(PartyKind.PAYER, "Mama Bora Fund", "mama-bora")
    with pytest.raises(Conflict) as e:
        platform.parties.ensure_many(
            PartyKind.PROVIDER, [("New Clinic", "new-clinic"), ("Mama Bora", "mama-bora")]
        )
    assert e.value.code == "party_kind_mismatch"
    assert platform.parties.all(PartyKind.PROVIDER) == []
    with pytest.raises(Conflict):
        platform.parties.ensure_many(PartyKind.PATIENT, [("A", "p-1"), ("B", "p-1")])
    assert platform.parties.all(PartyKind.PATIENT) == []
