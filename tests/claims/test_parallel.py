"""A large batch shared between processes by household gives the answers one process
gives: claims in order within a household, the household's deductible met once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import make_settings
from tests.worlds import World, build, claim
from thamani.claims import parallel
from thamani.claims.reasons import Reason
from thamani.claims.records import ClaimStatus
from thamani.clock import ManualClock
from thamani.errors import Conflict, InvalidInput
from thamani.platform import open_platform


@pytest.fixture
def shared(tmp_path: Path, store_url: str | None, clock: ManualClock) -> Iterator[World]:
    plat = open_platform(make_settings(tmp_path, store_url, claim_workers=2), clock=clock)
    try:
        yield build(plat, clock)
    finally:
        plat.close()


def test_a_batch_shared_between_processes(shared: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 4)
    monkeypatch.setattr(parallel, "GROUP_MIN", 1)  # the households go in several groups
    w = shared
    batch = [
        claim("NI-3", "kcrh", ["OPD-CONSULT"], day=date(2025, 6, 1)),  # meets the deductible
        claim("LM-1", "kcrh", ["ANC-VISIT"], programme="linda-mama", dx=("Z34.0",)),
        claim("NI-2", "kcrh", [("AL-24", 4)], day=date(2025, 6, 2)),
        claim("LM-404", "kcrh", ["ANC-VISIT"], programme="linda-mama"),
        claim("NI-2", "kcrh", [("AL-24", 4)], day=date(2025, 6, 3), dx=("J06.9",)),
        claim(
            "LM-1",
            "kcrh",
            ["PNC-VISIT"],
            programme="linda-mama",
            dx=("Z39.2",),
            day=date(2025, 6, 12),
        ),
    ]
    out = w.p.claims.submit_batch(batch)
    assert [c.status for c in out] == [
        ClaimStatus.PAID,
        ClaimStatus.PAID,
        ClaimStatus.PAID,
        ClaimStatus.REJECTED,
        ClaimStatus.REJECTED,
        ClaimStatus.PAID,
    ]
    assert out[0].deductible == 500_00
    assert out[2].deductible == 0  # the household met it already
    assert out[3].findings[0].code == Reason.MEMBER_UNKNOWN.value
    assert out[4].lines[0].reason == Reason.QUANTITY_LIMIT.value
    stored = {c.id: c for c in w.p.claims.claims()}
    assert [stored[c.id] for c in out] == out  # every field, as the store has it
    assert w.receivable("national-insurance", w.kcrh) == out[0].payer + out[2].payer
    assert w.receivable("linda-mama", w.kcrh) == out[1].payer + out[5].payer
    assert w.p.verify_ledger().ok
    assert w.p.claims._pool is not None
    assert w.p.claims._pool._pool is not None  # a worker process took its share


def test_a_shared_batch_checks_its_references_before_anything_is_stored(
    shared: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored references are looked up in a worker while the batch starts; a replay
    gives the stored claim, a reference reused for another claim stops the whole batch."""
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 4)
    monkeypatch.setattr(parallel, "GROUP_MIN", 1)
    w = shared
    members = ["NI-3", "NI-2", "LM-1", "NI-3", "NI-2"]
    batch = [
        claim(m, "kcrh", ["OPD-CONSULT"], day=date(2025, 6, 1 + k), reference=f"R-{k}")
        for k, m in enumerate(members)
    ]
    first = w.p.claims.submit_batch(batch)
    stored = len(w.p.claims.claims())
    again = w.p.claims.submit_batch([*batch, claim("NI-2", "kcrh", ["OPD-CONSULT"])])
    assert again[:5] == first  # replays: the stored claims, not new ones
    assert len(w.p.claims.claims()) == stored + 1
    changed = [*batch[:3], replace(batch[3], member="NI-2"), batch[4]]
    head = w.p.ledger.head()
    with pytest.raises(Conflict) as caught:
        w.p.claims.submit_batch([claim("NI-3", "kcrh", ["OPD-CONSULT"]), *changed])
    assert caught.value.code == "reference_reused"
    assert caught.value.where == "claims[4].reference"
    assert len(w.p.claims.claims()) == stored + 1  # nothing stored, not even the new one
    assert w.p.ledger.head() == head
    with pytest.raises(InvalidInput) as twice:
        w.p.claims.submit_batch([*batch[:4], batch[0]])
    assert twice.value.code == "reference_repeated"


def test_groups_hold_runs_of_whole_households_in_order_largest_first() -> None:
    households = [(k * 7919) % 997 for k in range(40_000)]
    groups = parallel.groups_of(households, processes=2)
    assert sorted(i for g in groups for i in g) == list(range(40_000))
    home = {h: n for n, g in enumerate(groups) for h in {households[i] for i in g}}
    assert all(home[households[i]] == n for n, g in enumerate(groups) for i in g)
    # Households in the order of their ids, one run per group; a household's claims in
    # the order submitted, together.
    order = [households[i] for g in groups for i in g]
    assert order == sorted(order)
    for g in groups:
        for h in {households[i] for i in g}:
            mine = [i for i in g if households[i] == h]
            assert mine == sorted(mine)
    sizes = [len(g) for g in groups]
    assert sizes[0] >= 10_000 > sizes[-1]
    assert all(parallel.GROUP_MIN <= s <= parallel.GROUP_MAX for s in sizes[:-1])


def test_workers_are_started_ahead_only_for_large_batches(
    shared: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "PARALLEL_FROM", 4)
    claims = shared.p.claims
    pool = claims._pool
    assert pool is not None
    claims.prepare_workers(3)
    assert pool._pool is None
    claims.prepare_workers(4)
    assert pool._pool is not None
    out = claims.submit_batch(
        [claim("NI-2", "kcrh", ["OPD-CONSULT"], day=date(2025, 6, d)) for d in (1, 2, 3, 4)]
    )
    assert len(out) == 4
    assert {c.status for c in out} <= {ClaimStatus.PAID, ClaimStatus.IN_REVIEW}
    assert out[0].status is ClaimStatus.PAID
