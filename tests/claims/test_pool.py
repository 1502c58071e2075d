"""Paid claims enter the pseudonymised data pool, once each, with nothing personal."""

from __future__ import annotations

from datetime import date

import pyarrow.dataset as ds

from tests.worlds import World, claim
from thamani.claims.records import ClaimStatus


def rows(w: World) -> list[dict[str, object]]:
    if not w.p.pool.directory.exists():
        return []
    table = ds.dataset(w.p.pool.directory, format="parquet", partitioning="hive").to_table()
    return table.to_pylist()


def test_a_paid_batch_enters_the_pool(world: World) -> None:
    out = world.p.claims.submit_batch(
        [
            claim("NI-1", "kcrh", ["OPD-CONSULT", "MAL-RDT"], dx=("B54",)),
            claim("LM-1", "nyalenda-hc", ["ANC-VISIT"], programme="linda-mama", dx=("Z34.0",)),
            claim("LM-404", "kcrh", ["ANC-VISIT"], programme="linda-mama"),  # rejected
        ]
    )
    assert [c.status for c in out] == [ClaimStatus.PAID, ClaimStatus.PAID, ClaimStatus.REJECTED]
    world.p.claims.flush_pool()  # the pool is fed behind the settlement
    found = rows(world)
    assert len(found) == 2
    by_programme = {r["programme"]: r for r in found}
    ni = by_programme["national-insurance"]
    assert ni["diagnosis_codes"] == ["B54"]
    assert ni["area"] == "Nyando"
    assert ni["year_of_birth"] == 1985
    assert ni["amount_total"] == out[0].payer + out[0].member_pays
    assert ni["paid_cover"] == out[0].payer
    assert by_programme["linda-mama"]["paid_voucher"] == 600_00
    text = repr(found)
    for personal in ("Wanjiru", "Kamau", "NI-1", "LM-1", str(out[0].id)):
        assert personal not in text


def test_single_claims_are_handed_over_once(world: World) -> None:
    c = world.p.claims.submit(claim("NI-3", "kcrh", ["OPD-CONSULT"], day=date(2025, 6, 2)))
    assert c.status is ClaimStatus.PAID
    world.p.claims.publish()  # what waits is handed over at once; repeats change nothing
    world.p.claims.publish()
    assert len(rows(world)) == 1
