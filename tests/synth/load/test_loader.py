"""Loading a generated region into a store, on SQLite and PostgreSQL: what the region holds
is what the store holds, the money on the ledger is what the claims paid, a second load
changes nothing, and an interrupted load carries on where it stopped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sqlalchemy import text

from tests.conftest import make_settings
from tests.synth.load.conftest import PEOPLE, SEED
from thamani.claims.records import ClaimInput, ClaimStatus
from thamani.clinical.records import Kind
from thamani.clock import ManualClock
from thamani.db.engine import read_transaction
from thamani.errors import Conflict, InvalidInput
from thamani.platform import Platform, open_platform
from thamani.synth import Parameters, Region, generate
from thamani.synth.load import LoadSummary
from thamani.synth.load.naming import Names
from thamani.synth.load.people import households


def scalar(p: Platform, sql: str, **params: Any) -> Any:
    with read_transaction(p.engine) as conn:
        return conn.execute(text(sql), params).scalar_one()


def rows(p: Platform, sql: str, **params: Any) -> list[Any]:
    with read_transaction(p.engine) as conn:
        return list(conn.execute(text(sql), params).all())


def names_of(region: Region) -> Names:
    return Names.of(region.info.name, region.info.currency, region.info.people)


def fresh_sqlite(tmp: Path, clock: ManualClock) -> Platform:
    return open_platform(make_settings(tmp), clock=clock)


def test_the_store_holds_what_the_region_holds(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    done = platform.synth.load(region, parameters)
    enc = region["encounters"]
    claimed = enc["programme_id"] >= 0
    t = done.tallies

    kinds = dict(rows(platform, "SELECT kind, COUNT(*) FROM parties GROUP BY kind"))
    assert kinds == {
        "provider": len(region["facilities"]),
        "payer": 4,
        "patient": len(region["people"]),
    }
    enr = region["enrolments"]
    assert scalar(platform, "SELECT COUNT(*) FROM members") == np.unique(enr["person_id"]).size
    assert scalar(platform, "SELECT COUNT(*) FROM enrolments") == len(enr)
    assert t.loaded["enrolments"] == len(enr)
    assert scalar(platform, "SELECT COUNT(*) FROM programmes") == 4

    # One claim per encounter a programme pays for, under the encounter's own reference.
    stored = {r[0] for r in rows(platform, "SELECT reference FROM claims")}
    assert stored == {f"E{e}" for e in enc["encounter_id"][claimed].tolist()}
    assert t.claims["submitted"] == int(claimed.sum())
    assert t.claims["submitted"] == (
        t.claims.get("paid", 0) + t.claims.get("rejected", 0) + t.claims.get("in_review", 0)
    )
    assert t.claims["paid"] > 0.95 * t.claims["submitted"]
    # The packages and tariffs fit the generated care: no line falls outside them, and
    # nothing was refused for want of money (funds and wallets held enough).
    reasons = {**t.rejections, **t.line_reasons}
    assert not {"item_not_in_package", "item_not_in_tariff", "not_enrolled"} & set(reasons)
    assert t.refusals == {}
    assert "unsettled" not in t.claims

    # Out-of-pocket care: from the household's wallet when it has one, else in cash.
    hh = households(region)
    home = region["people"]["household_id"][enc["person_id"]]
    oop = ~claimed & (enc["cost"] > 0)
    from_wallet = oop & (hh.holder[home] >= 0)
    assert t.own_money["care_wallet_payments"] == int(from_wallet.sum())
    assert t.own_money["care_wallet"] == int(enc["cost"][from_wallet].sum())
    assert t.own_money["care_desk"] == int(enc["cost"][~claimed & (hh.holder[home] < 0)].sum())
    assert scalar(platform, "SELECT COUNT(*) FROM payments") == int(from_wallet.sum())
    assert t.loaded["wallets"] == int((hh.holder >= 0).sum())

    # Referrals are on the waiting lists; those of people who died have left them.
    ref = region["referrals"]
    assert scalar(platform, "SELECT COUNT(*) FROM capacity_referrals") == len(ref)
    dead = set(region["deaths"]["person_id"].tolist())
    gone = sum(1 for p in ref["person_id"].tolist() if p in dead)
    assert (
        scalar(platform, "SELECT COUNT(*) FROM capacity_referrals WHERE status = 'removed'") == gone
    )
    assert t.loaded["deaths"] == len(region["deaths"])

    # The clinical record: every encounter, its results and PROMs, the known conditions.
    stored_records = platform.clinical.counts("synth")
    pr = region["prom_responses"]
    proms = (
        int((pr["score"] >= 0).sum())
        + int((pr["profile"] != "").sum())
        + int((pr["vas"] >= 0).sum())
        + len(region["prom_items"])
    )
    assert stored_records[Kind.ENCOUNTER] == len(enc) == t.loaded["clinical_encounters"]
    assert stored_records[Kind.OBSERVATION] == len(region["observations"]) + proms
    assert stored_records[Kind.CONDITION] == int(region["conditions"]["diagnosed"].sum())
    assert t.loaded["prom_responses"] == len(pr)
    someone = int(enc["person_id"][~claimed][0])
    mine = platform.clinical.record(
        platform.parties.by_reference(
            names_of(region).member_party(someone)
            if hh.member[someone]
            else names_of(region).patient_party(someone)
        ).id
    )
    assert any(e.source_id == f"E{int(np.flatnonzero(~claimed)[0])}" for e in mine.encounters)


def test_money_paid_on_the_ledger_is_what_the_accepted_claims_owe(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    done = platform.synth.load(region, parameters)
    paid = dict(
        rows(
            platform,
            "SELECT p.code, SUM(c.payer) FROM claims c JOIN programmes p"
            " ON p.id = c.programme_id WHERE c.status = :paid GROUP BY p.code",
            paid=int(ClaimStatus.PAID),
        )
    )
    assert len(done.funds) == 4
    for fund in done.funds:
        d = platform.schemes.programme(fund.code)
        balance = platform.ledger.account(d.programme.fund_account_id).balance
        assert fund.funded - balance == int(paid.get(fund.code, 0)) == fund.paid
        assert done.tallies.programmes[fund.code].get("paid", 0) == fund.paid
    assert sum(f.paid for f in done.funds) > 0
    # The members' shares of paid claims: co-pays from wallets, the rest at the desk.
    member = scalar(
        platform,
        "SELECT SUM(co_pay + deductible) FROM claims WHERE status = :paid",
        paid=int(ClaimStatus.PAID),
    )
    own = done.tallies.own_money
    assert own["co_pay_wallet"] + own["co_pay_desk"] == member
    assert platform.verify_ledger().ok


def test_enrolment_periods_are_the_regions_and_end_at_death(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    done = platform.synth.load(region, parameters)
    names = names_of(region)
    enr = region["enrolments"]
    kinds = region["programmes"].column("kind").decoded()
    died = dict(
        zip(
            region["deaths"]["person_id"].tolist(),
            region["deaths"]["death_date"].astype(object).tolist(),
            strict=True,
        )
    )
    expected = set()
    for p, prog, s, e in zip(
        enr["person_id"].tolist(),
        enr["programme_id"].tolist(),
        enr["start_date"].astype(object).tolist(),
        enr["end_date"].astype(object).tolist(),
        strict=True,
    ):
        end = min(e, died[p]) if p in died and s <= died[p] else e
        expected.add((names.person(p), names.programme(str(kinds[prog])), str(s), str(end)))
    found = {
        (m, c, str(s), str(e))
        for m, c, s, e in rows(
            platform,
            "SELECT m.reference, p.code, e.start_date, e.end_date FROM enrolments e"
            " JOIN members m ON m.id = e.member_id JOIN programmes p ON p.id = e.programme_id",
        )
    }
    assert found == expected
    # Cover a death ended early: before the household's year or the voucher was over.
    last = region.info.end_date
    voucher = names.programme("maternal_voucher")
    vouchers_ended = sum(
        1
        for p, prog, e in zip(
            enr["person_id"].tolist(),
            enr["programme_id"].tolist(),
            enr["end_date"].astype(object).tolist(),
            strict=True,
        )
        if str(kinds[prog]) == "maternal_voucher" and p in died and died[p] < e
    )
    households_ended = sum(1 for _m, c, _s, e in found if c != voucher and e != last)
    assert done.tallies.loaded["cover_ended"] == households_ended + vouchers_ended
    assert households_ended > 0


def test_loading_the_same_region_again_changes_nothing(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    first = platform.synth.load(region, parameters)
    claims = scalar(platform, "SELECT COUNT(*) FROM claims")
    journal = scalar(platform, "SELECT COUNT(*) FROM journal")
    again = platform.synth.load(region, parameters)
    assert (first.already_loaded, again.already_loaded) == (False, True)
    assert again.contents() == first.contents()
    assert scalar(platform, "SELECT COUNT(*) FROM claims") == claims
    assert scalar(platform, "SELECT COUNT(*) FROM journal") == journal


def test_another_region_is_refused(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    platform.synth.load(region, parameters)
    other = generate(parameters, 200, 1, SEED + 1)
    with pytest.raises(Conflict) as e:
        platform.synth.load(other, parameters)
    assert e.value.code == "store_holds_another_region"
    assert f"seed {SEED}" in e.value.message


def test_a_region_whose_care_is_not_over_is_refused(
    platform: Platform, clock: ManualClock, region: Region, parameters: Parameters
) -> None:
    clock.set(int(datetime(2025, 12, 1, tzinfo=UTC).timestamp() * 1e9))
    with pytest.raises(InvalidInput) as e:
        platform.synth.load(region, parameters)
    assert e.value.code == "region_in_future"
    assert "2025-12-31" in e.value.message
    assert scalar(platform, "SELECT COUNT(*) FROM synth_loads") == 0
    assert scalar(platform, "SELECT COUNT(*) FROM parties") == 0


def test_the_same_seed_gives_the_same_store(
    platform: Platform,
    region: Region,
    parameters: Parameters,
    tmp_path: Path,
    clock: ManualClock,
) -> None:
    here = platform.synth.load(generate(parameters, PEOPLE, 1, SEED), parameters)
    other = fresh_sqlite(tmp_path / "other", clock)
    try:
        there = other.synth.load(region, parameters)
    finally:
        other.close()
    assert here.fingerprint == there.fingerprint
    assert here.contents() == there.contents()
    assert here.contents()["claims"]["paid"] > 0


def _fail_on(call: int, real: Callable[..., Any]) -> Callable[..., Any]:
    calls = [0]

    def submit(claims: Sequence[ClaimInput], *args: Any, **kw: Any) -> Any:
        calls[0] += 1
        if calls[0] == call:
            raise RuntimeError("the machine stopped")
        return real(claims, *args, **kw)

    return submit


def test_an_interrupted_load_carries_on_where_it_stopped(
    platform: Platform,
    region: Region,
    parameters: Parameters,
    tmp_path: Path,
    clock: ManualClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = platform.claims.submit_batch
    monkeypatch.setattr(platform.claims, "submit_batch", _fail_on(2, real))
    with pytest.raises(RuntimeError):
        platform.synth.load(region, parameters, batch_size=300)
    assert scalar(platform, "SELECT status FROM synth_loads") == "loading"
    first_part = scalar(platform, "SELECT COUNT(*) FROM claims")
    assert 0 < first_part < int((region["encounters"]["programme_id"] >= 0).sum())
    monkeypatch.setattr(platform.claims, "submit_batch", real)
    resumed = platform.synth.load(region, parameters, batch_size=300)
    assert resumed.resumed
    clean = fresh_sqlite(tmp_path / "clean", clock)
    try:
        whole = clean.synth.load(region, parameters, batch_size=300)
    finally:
        clean.close()
    assert resumed.contents() == whole.contents()
    assert scalar(platform, "SELECT COUNT(*) FROM claims") == whole.tallies.claims["submitted"]
    # The batch that failed stored no minutes; carried on, every minute is stored once.
    act = region["activity"]
    assert scalar(platform, "SELECT COUNT(*) FROM encounter_activity") == len(act)
    assert scalar(platform, "SELECT SUM(minutes) FROM encounter_activity") == int(
        act["minutes"].sum()
    )
    assert platform.verify_ledger().ok


def test_the_summary_reads_as_an_account(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    done: LoadSummary = platform.synth.load(region, parameters)
    text_ = "\n".join(done.lines())
    assert f"{len(region['people']):,} people" in text_
    assert f"{done.tallies.claims['submitted']:,} claims" in text_
    table = done.money_table()
    assert table[0][0] == "paid by"
    assert [r[0] for r in table[1:]][-1] == "out of pocket"
    assert len(table) == 1 + 4 + 1
    report = done.as_report()
    assert report["claims_per_second"] > 0
    assert report["funds"][0]["code"] == "mfano-county-national-insurance"
    assert date.fromisoformat(report["end_date"]) == date(2025, 12, 31)
