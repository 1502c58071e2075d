"""The capacity use cases on the store (SQLite and PostgreSQL), told as small scenarios."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import event

from tests.capacity.stories import REFERRALS_CSV, REMOVALS_CSV, referral, set_today
from thamani.capacity.pathways import ClockEventKind, RemovalReason, WaitingListKey
from thamani.capacity.priorities import Priority
from thamani.capacity.records import ReferralStatus, SessionPlan
from thamani.capacity.referrals import Removal
from thamani.capacity.samples import county_hospital_rtt
from thamani.clock import ManualClock
from thamani.errors import Conflict, Forbidden, InvalidInput, NotFound
from thamani.parties.records import PartyKind
from thamani.platform import Platform


def counts(p: Platform, provider: str | None = None) -> dict[tuple[str, str, str], tuple[int, ...]]:
    return {
        (w.key.provider, w.key.specialty, w.key.priority.value): (w.waiting, w.paused, w.removed)
        for w in p.capacity.waiting_lists(provider=provider)
    }


def test_a_referral_waits_pauses_resumes_and_is_treated(platform: Platform) -> None:
    cap = platform.capacity
    stored = cap.refer(referral("r1", date(2024, 1, 1), minutes=90))
    assert stored.status is ReferralStatus.WAITING
    assert stored.waited_days(date(2024, 1, 31)) == 30
    cap.pause("RBD", "r1", date(2024, 1, 11))
    paused = cap.resume("RBD", "r1", date(2024, 1, 21))
    assert paused.paused_days == 10
    assert paused.waited_days(date(2024, 1, 31)) == 20
    done = cap.remove("RBD", "r1", RemovalReason.TREATED, date(2024, 2, 1))
    assert done.status is ReferralStatus.REMOVED
    assert done.removal_reason is RemovalReason.TREATED
    assert done.waited_days(date(2024, 6, 1)) == 21
    assert [e.kind for e in done.events] == [
        ClockEventKind.START,
        ClockEventKind.PAUSE,
        ClockEventKind.RESUME,
        ClockEventKind.STOP,
    ]
    assert counts(platform) == {("RBD", "ortho", "P3"): (0, 0, 1)}


def test_a_wrong_clock_change_is_refused_and_changes_nothing(platform: Platform) -> None:
    cap = platform.capacity
    cap.refer(referral("r1", date(2024, 1, 1)))
    with pytest.raises(InvalidInput, match="clock is not paused"):
        cap.resume("RBD", "r1", date(2024, 1, 5))
    with pytest.raises(InvalidInput, match="before 2024-01-01"):
        cap.remove("RBD", "r1", RemovalReason.TREATED, date(2023, 12, 1))
    with pytest.raises(Conflict, match="already exists"):
        cap.refer(referral("r1", date(2024, 1, 2)))
    with pytest.raises(NotFound):
        cap.pause("RBD", "nobody", date(2024, 1, 5))
    assert [e.kind for e in cap.referral("RBD", "r1").events] == [ClockEventKind.START]
    assert counts(platform) == {("RBD", "ortho", "P3"): (1, 0, 0)}


def test_csv_imports_make_lists_and_stop_clocks(platform: Platform) -> None:
    cap = platform.capacity
    added = cap.import_csv(REFERRALS_CSV.splitlines(), "referrals.csv")
    assert (added.referrals, added.lists_created) == (6, 4)
    removed = cap.import_csv(REMOVALS_CSV.splitlines(), "removals.csv")
    assert (removed.referrals, removed.removals) == (0, 2)
    assert counts(platform) == {
        ("KCH", "ortho", "P3"): (1, 0, 0),
        ("RBD", "ent", "P3"): (2, 0, 0),
        ("RBD", "ortho", "P2"): (1, 0, 0),
        ("RBD", "ortho", "P3"): (0, 0, 2),
    }
    r2 = cap.referral("RBD", "r2")
    assert (r2.removed_on, r2.removal_reason) == (date(2024, 3, 4), RemovalReason.DECLINED)
    assert cap.referral("RBD", "r1").minutes == 90


@pytest.mark.parametrize(
    ("text", "row", "column", "problem"),
    [
        (REFERRALS_CSV.replace("r4,RBD,ent,P3", "r4,RBD,ent,P9"), 5, "priority", "P9"),
        (REFERRALS_CSV.replace("2024-02-05", "2024-02-30"), 6, "referred_on", "day is out"),
        (REFERRALS_CSV.replace(",45\n", ",-5\n", 1), 5, "minutes", "positive"),
        (REFERRALS_CSV.replace("r5,RBD", "r4,RBD"), 6, "referral_id", "appears twice"),
    ],
)
def test_a_bad_referrals_csv_names_row_and_column_and_stores_nothing(
    platform: Platform, text: str, row: int, column: str, problem: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        platform.capacity.import_csv(text.splitlines(), "bad.csv")
    assert error.value.where == f"bad.csv, row {row}, column '{column}'"
    assert error.value.details == {"file": "bad.csv", "row": row, "column": column}
    assert problem in error.value.message
    assert counts(platform) == {}


def test_a_bad_removals_csv_stops_no_clock(platform: Platform) -> None:
    cap = platform.capacity
    cap.import_csv(REFERRALS_CSV.splitlines(), "referrals.csv")
    early = REMOVALS_CSV.replace("r2,2024-03-04", "r2,2023-03-04")
    with pytest.raises(InvalidInput) as error:
        cap.import_csv(early.splitlines(), "removals.csv")
    assert error.value.where == "removals.csv, row 3, column 'removed_on'"
    unknown = REMOVALS_CSV.replace("r2,", "r99,")
    with pytest.raises(InvalidInput) as error:
        cap.import_csv(unknown.splitlines(), "removals.csv")
    assert error.value.where == "removals.csv, row 3, column 'referral_id'"
    assert cap.referral("RBD", "r1").status is ReferralStatus.WAITING
    again = [
        "referral_id,provider,specialty,priority,referred_on",
        "r7,RBD,ortho,P3,2024-01-01",
        "r1,RBD,ortho,P3,2024-01-02",
    ]
    with pytest.raises(Conflict) as clash:
        cap.import_csv(again, "again.csv")
    assert clash.value.where == "again.csv, row 3, column 'referral_id'"
    assert counts(platform)["RBD", "ortho", "P3"] == (2, 0, 0)


def test_bulk_paths_use_a_bounded_number_of_statements(platform: Platform) -> None:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    batch = [
        referral(f"p{i}", date(2023, 1, 1) + timedelta(days=i % 300), specialty=f"s{i % 7}")
        for i in range(3000)
    ]
    event.listen(platform.engine, "before_cursor_execute", count)
    try:
        summary = platform.capacity.add_referrals(batch)
        added = len(statements)
        platform.capacity.remove_many(
            [Removal(f"p{i}", date(2024, 1, 1), RemovalReason.TREATED) for i in range(0, 3000, 2)]
        )
        removed = len(statements) - added
    finally:
        event.remove(platform.engine, "before_cursor_execute", count)
    assert (summary.referrals, summary.lists_created) == (3000, 7)
    assert added < 40
    assert removed < 40
    assert sum(w.removed for w in platform.capacity.waiting_lists()) == 1500


def test_statistics_of_a_planted_list(platform: Platform) -> None:
    """Two referrals a week for 26 weeks, one treatment a week: the list grows by one a week."""
    cap = platform.capacity
    start = date(2024, 1, 1)
    cap.add_referrals(
        [referral(f"a{i}", start + timedelta(days=7 * (i // 2) + 3 * (i % 2))) for i in range(52)]
    )
    cap.remove_many(
        [
            Removal(f"a{i}", start + timedelta(days=7 * i + 6), RemovalReason.TREATED)
            for i in range(26)
        ]
    )
    as_of = start + timedelta(days=26 * 7 - 1)
    (stats,) = cap.statistics(as_of=as_of)
    assert stats.waiting == 26
    assert stats.summary.referrals.count == 52
    assert stats.summary.demand_per_week == pytest.approx(2.0)
    assert stats.summary.removals.treated == 26
    assert stats.summary.capacity_per_week == pytest.approx(1.0)
    assert stats.summary.load == pytest.approx(2.0)
    assert stats.summary.target_queue_size == pytest.approx(2.0 * 13 / 4)
    assert stats.over_52_weeks == 0
    assert stats.within_target_pct == pytest.approx(100.0)
    assert stats.median_wait_weeks is not None


def test_access_providers_own_lists_analysts_aggregates(platform: Platform) -> None:
    cap = platform.capacity
    rbd = platform.parties.actor(platform.parties.create(PartyKind.PROVIDER, "Dorset", "RBD"))
    kch = platform.parties.actor(platform.parties.create(PartyKind.PROVIDER, "King's", "KCH"))
    analyst = platform.parties.actor(platform.parties.create(PartyKind.ANALYST, "Analyst"))
    cap.import_csv(REFERRALS_CSV.splitlines(), "referrals.csv")
    assert cap.referral("RBD", "r1", rbd).reference == "r1"
    with pytest.raises(NotFound):
        cap.referral("RBD", "r1", kch)
    with pytest.raises(NotFound):
        cap.referral("RBD", "r1", analyst)
    with pytest.raises(NotFound):
        cap.pause("RBD", "r1", date(2024, 2, 1), kch)
    with pytest.raises(Forbidden):
        cap.refer(referral("x1", date(2024, 1, 1), provider="RBD"), kch)
    with pytest.raises(Forbidden):
        cap.import_csv(REFERRALS_CSV.replace("\nr", "\nq").splitlines(), "mixed.csv", kch)
    as_of = date(2024, 3, 31)
    assert {s.key.provider for s in cap.statistics(kch, as_of=as_of)} == {"KCH"}
    assert {s.key.provider for s in cap.statistics(analyst, as_of=as_of)} == {"KCH", "RBD"}
    assert cap.statistics(kch, provider="RBD", as_of=as_of) == []
    assert len(cap.waiting_lists(analyst)) == 4
    with pytest.raises(NotFound):
        cap.referrals("RBD", analyst)
    with pytest.raises(NotFound):
        cap.schedule("RBD", SessionPlan(date(2024, 4, 1)), analyst)
    with county_hospital_rtt().open() as f, pytest.raises(Forbidden):
        cap.import_rtt(f, "rtt.csv", kch)


def test_an_rtt_file_is_stored_as_a_snapshot(platform: Platform) -> None:
    cap = platform.capacity
    with county_hospital_rtt().open() as f:
        snap = cap.import_rtt(f, "rtt.csv")
    assert (snap.period, snap.rows, snap.providers) == ("RTT-November-2024", 512, ("RBD",))
    stats = {(s.treatment_function, s.part): s for s in cap.rtt_statistics()}
    total = stats["C_999", "Part_2"].as_report()
    assert total["waiting"] == 21702
    assert total["within_18_weeks_pct"] == 57.8
    assert total["over_52_weeks"] == 647
    assert total["median_weeks"] == 14.3
    assert total["p92_weeks"] == 42.6
    assert [s.id for s in cap.rtt_snapshots()] == [snap.id]


def test_simulate_schedule_forecast_and_report_on_stored_lists(
    platform: Platform, clock: ManualClock
) -> None:
    cap = platform.capacity
    start = date(2024, 1, 1)
    set_today(clock, date(2024, 6, 30))
    cap.add_referrals(
        [
            referral(
                f"a{i}",
                start + timedelta(days=i % 180),
                specialty=("ortho", "ent")[i % 2],
                priority=(Priority.P2, Priority.P3)[i % 3 == 0],
                minutes=(45, 60, 90)[i % 3],
            )
            for i in range(600)
        ]
    )
    cap.remove_many(
        [
            Removal(f"a{i}", start + timedelta(days=i % 180 + 20), RemovalReason.TREATED)
            for i in range(0, 600, 2)
        ]
    )
    outcomes = cap.simulate(days=365)
    assert [o.name for o in outcomes] == [
        "baseline",
        "extra sessions",
        "outsourcing",
        "winter surge",
        "strikes",
    ]
    assert outcomes[1].capacity_cost > 0
    assert outcomes[1].final_queue <= outcomes[0].final_queue
    result = cap.schedule("RBD", SessionPlan(date(2024, 7, 1), weeks=1), limit=60)
    assert len(result.bookings) == 60
    assert result.booked > 0
    assert result.gap <= 0.01
    forecast = cap.forecast(period="week", horizon=8)
    assert forecast.season_length == 1
    # 26 whole weeks from Monday 1 January to Sunday 30 June (today), every referral in them.
    assert (len(forecast.history), sum(forecast.history)) == (26, 600)
    assert forecast.future_starts[0] == date(2024, 7, 1)
    assert len(forecast.forecast.mean) == len(forecast.future_starts) == 8
    html = cap.report()
    assert "Waiting list plan: all providers" in html
    assert "queue-over-time" in html


def test_the_report_of_an_rtt_file_names_the_hospital(platform: Platform) -> None:
    with county_hospital_rtt().open() as f:
        platform.capacity.import_rtt(f, "rtt.csv")
    html = platform.capacity.report(charts_as_svg=True, as_of=date(2024, 12, 15))
    assert "Dorset County Hospital" in html
    assert "<svg" in html
    assert WaitingListKey  # the key type is part of the public records


def test_the_most_urgent_then_longest_waiting_come_first(platform: Platform) -> None:
    cap = platform.capacity
    cap.import_csv(REFERRALS_CSV.splitlines(), "referrals.csv")
    first = cap.referrals("RBD", limit=3)
    assert [r.reference for r in first] == ["r3", "r1", "r2"]
    waiting = cap.referrals("RBD", status=ReferralStatus.WAITING, specialty="ent")
    assert [r.reference for r in waiting] == ["r4", "r5"]


def test_nothing_to_report_says_so(platform: Platform) -> None:
    with pytest.raises(NotFound, match="no RTT snapshot is stored"):
        platform.capacity.report()


def test_the_report_of_stored_lists_names_each_list_once(
    platform: Platform, clock: ManualClock
) -> None:
    set_today(clock, date(2024, 6, 30))
    platform.capacity.add_referrals(
        [referral(f"a{i}", date(2024, 1, 1) + timedelta(days=i % 150)) for i in range(200)]
    )
    html = platform.capacity.report(days=60)
    assert "<td>RBD ortho P3</td>" in html
    assert "(ortho P3)" not in html
