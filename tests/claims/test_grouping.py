"""Single claims submitted at the same moment are decided together, each caller getting
exactly its own answer."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest

from tests.worlds import World, claim
from thamani.claims.grouping import Grouper
from thamani.claims.records import ClaimStatus


def test_callers_waiting_together_form_one_group() -> None:
    gate = threading.Event()
    groups: list[list[int]] = []

    def work(items: Sequence[int]) -> list[int | BaseException]:
        gate.wait(5)
        groups.append(list(items))
        return [ValueError(f"odd {x}") if x % 2 else x * 10 for x in items]

    g: Grouper[int, int] = Grouper(work)
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(g.submit, x) for x in range(8)]
        while sum(len(x) for x in groups) == 0 and not gate.is_set():
            gate.set()
        results = []
        for f in futures:
            try:
                results.append(f.result(10))
            except ValueError as e:
                results.append(str(e))
    assert results == [0, "odd 1", 20, "odd 3", 40, "odd 5", 60, "odd 7"]
    assert sorted(x for grp in groups for x in grp) == list(range(8))


def test_items_that_may_not_share_a_group_wait_for_the_next() -> None:
    seen: list[list[str]] = []

    def work(items: Sequence[str]) -> list[str | BaseException]:
        seen.append(list(items))
        return [x.upper() for x in items]

    g: Grouper[str, str] = Grouper(work, lambda item, others: item not in others)
    with ThreadPoolExecutor(6) as pool:
        out = list(pool.map(g.submit, ["a", "a", "b", "a", "c", "b"]))
    assert out == ["A", "A", "B", "A", "C", "B"]
    assert all(len(set(grp)) == len(grp) for grp in seen)


def test_concurrent_single_claims_are_each_answered(world: World) -> None:
    claims = [
        claim(
            "NI-1",
            "kcrh",
            ["OPD-CONSULT"],
            day=date(2025, 5, 1 + k),
            dx=("R50.9",),
            reference=f"C-{k}",
        )
        for k in range(12)
    ]
    claims.append(claims[3])  # a client retrying while its first attempt is in flight
    with ThreadPoolExecutor(8) as pool:
        out = list(pool.map(world.p.claims.submit, claims))
    assert [c.reference for c in out] == [c.reference for c in claims]
    assert out[-1].id == out[3].id
    assert len(world.p.claims.claims()) == 12
    assert all(c.status in (ClaimStatus.PAID, ClaimStatus.IN_REVIEW) for c in out), [
        (c.status, c.reasons) for c in out
    ]


def test_a_bad_claim_fails_alone(world: World) -> None:
    good = claim("NI-1", "kcrh", ["OPD-CONSULT"], reference="G-1")
    world.p.claims.submit(claim("NI-2", "kcrh", ["FBC"], reference="X-1"))
    reused = claim("NI-3", "kcrh", ["FBC"], reference="X-1")
    with ThreadPoolExecutor(2) as pool:
        a = pool.submit(world.p.claims.submit, good)
        b = pool.submit(world.p.claims.submit, reused)
        assert a.result().status is ClaimStatus.PAID
        with pytest.raises(Exception, match="was used for a different claim"):
            b.result()
