"""Batches: claims decided in order (the second sees the first), one result per claim,
and a batch with one malformed claim stores nothing."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from tests.worlds import World, claim
from thamani.claims import service
from thamani.claims.reasons import Reason
from thamani.claims.records import ClaimStatus, LineInput
from thamani.errors import Conflict, InvalidInput


@pytest.mark.parametrize("parts_of", [4095, 1, 2])
def test_a_batch_is_decided_in_order(
    world: World, monkeypatch: pytest.MonkeyPatch, parts_of: int
) -> None:
    # In parts of one or two claims, each part is decided while the one before it is
    # stored: the counters carry from part to part all the same.
    monkeypatch.setattr(service, "BATCH_MAX", 2 * parts_of)
    claims = [
        claim("NI-2", "kcrh", [("AL-24", 4)], day=date(2025, 6, 1)),
        claim("NI-2", "kcrh", [("AL-24", 4)], day=date(2025, 6, 2), dx=("J06.9",)),
        claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama", dx=("Z34.0",)),
        claim("LM-404", "kcrh", ["ANC-VISIT"], programme="linda-mama"),
        claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama", dx=("Z34.0",)),
    ]
    out = world.p.claims.submit_batch(claims)
    assert [c.status for c in out] == [
        ClaimStatus.PAID,
        ClaimStatus.REJECTED,
        ClaimStatus.PAID,
        ClaimStatus.REJECTED,
        ClaimStatus.REJECTED,
    ]
    assert out[1].lines[0].reason == Reason.QUANTITY_LIMIT.value
    assert out[3].findings[0].code == Reason.MEMBER_UNKNOWN.value
    assert out[4].findings[0].code == Reason.DUPLICATE_CLAIM.value
    assert world.receivable("national-insurance", world.kcrh) == out[0].payer
    assert world.receivable("linda-mama", world.kcrh) == 800_00
    stored = world.p.claims.claims()
    assert [c.id for c in stored] == [c.id for c in out]


def test_a_large_batch_is_split_into_ledger_batches(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BATCH_MAX", 10)  # five claims per part
    claims = [
        claim(
            "NI-3",
            "kcrh",
            [("PCM-500", 1)],
            day=date(2025, 5, 1 + k),
            dx=("R50.9",),
            reference=f"R-{k}",
        )
        for k in range(12)
    ]
    out = world.p.claims.submit_batch(claims)
    assert len(out) == 12
    assert {c.status for c in out} <= {ClaimStatus.PAID, ClaimStatus.IN_REVIEW}
    assert len({c.no for c in out}) == 12


@pytest.mark.parametrize(
    ("broken", "where"),
    [
        (lambda c: replace(c, lines=()), "claims[1].lines"),
        (lambda c: replace(c, lines=(LineInput(1, "FBC", 0),)), "claims[1].lines[0].quantity"),
        (
            lambda c: replace(c, lines=(LineInput(1, "FBC"), LineInput(1, "GLU"))),
            "claims[1].lines[1].sequence",
        ),
        (lambda c: replace(c, provider="nobody"), "claims[1].provider"),
        (lambda c: replace(c, programme="no-such-programme"), "claims[1].programme"),
        (
            lambda c: replace(c, encounter=replace(c.encounter, diagnoses=())),
            "claims[1].encounter.diagnoses",
        ),
        (
            lambda c: replace(c, encounter=replace(c.encounter, end=date(2025, 1, 1))),
            "claims[1].encounter.end",
        ),
    ],
)
def test_one_malformed_claim_and_nothing_is_stored(
    world: World, broken: object, where: str
) -> None:
    good = claim("NI-1", "kcrh", ["OPD-CONSULT"])
    bad = broken(claim("NI-2", "kcrh", ["FBC"]))  # type: ignore[operator]
    before = world.fund("national-insurance")
    with pytest.raises(InvalidInput) as err:
        world.p.claims.submit_batch([good, bad])
    assert err.value.where == where
    assert world.p.claims.claims() == []
    assert world.fund("national-insurance") == before


def test_a_reference_given_twice_in_one_batch_is_refused(world: World) -> None:
    a = claim("NI-1", "kcrh", ["OPD-CONSULT"], reference="X-1")
    b = claim("NI-2", "kcrh", ["FBC"], reference="X-1")
    with pytest.raises(InvalidInput) as err:
        world.p.claims.submit_batch([a, b])
    assert err.value.code == "reference_repeated"
    assert world.p.claims.claims() == []


def test_a_batch_reusing_a_stored_reference_for_another_claim_stores_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"], reference="X-9"))
    monkeypatch.setattr(service, "BATCH_MAX", 4)  # several parts: the check is made first
    batch = [claim("NI-3", "kcrh", ["PCM-500"], day=date(2025, 5, k + 1)) for k in range(5)]
    batch.append(claim("NI-2", "kcrh", ["FBC"], reference="X-9"))
    with pytest.raises(Conflict):
        world.p.claims.submit_batch(batch)
    assert len(world.p.claims.claims()) == 1


def test_a_part_that_fails_to_store_stops_the_batch(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "BATCH_MAX", 4)  # two claims per part
    claims = [
        claim("NI-3", "kcrh", [("PCM-500", 1)], day=date(2025, 5, 1 + k), dx=("R50.9",))
        for k in range(6)
    ]
    real = world.p.claims.settlement.settle
    calls: list[int] = []

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls.append(len(calls))
        if len(calls) == 2:
            raise RuntimeError("the disk is full")
        return real(*args, **kwargs)

    monkeypatch.setattr(world.p.claims.settlement, "settle", failing)
    before = world.fund("national-insurance")
    with pytest.raises(RuntimeError, match="the disk is full"):
        world.p.claims.submit_batch(claims)
    stored = world.p.claims.claims()
    assert len(stored) == 2  # the first part; nothing after the one that failed
    assert len(calls) == 2
    assert world.fund("national-insurance") == before - sum(c.payer for c in stored)


def test_a_batch_leaves_no_reference_cycles(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Large batches run with the cyclic collector paused: what they make must be freed
    # by reference counting alone.
    monkeypatch.setattr(service, "BATCH_MAX", 4)  # parts stored while the next is decided
    claims = [
        claim("NI-3", "kcrh", [("PCM-500", 1)], day=date(2025, 5, 1 + k), dx=("R50.9",))
        for k in range(6)
    ]
    gc.collect()
    gc.disable()
    try:
        out = world.p.claims.submit_batch(claims)
        cycles = gc.collect()
    finally:
        gc.enable()
    assert len(out) == 6
    assert cycles == 0
