"""RTT clock: start, pause, resume, stop, and waits net of pauses."""

from datetime import date

import pytest

from thamani.capacity.pathways import (
    ClockEvent,
    ClockEventKind,
    RemovalReason,
    WaitingListKey,
    incomplete_waits_days,
    parse_removal_reason,
    pause_clock,
    replay,
    resume_clock,
    start_clock,
    stop_clock,
)
from thamani.capacity.priorities import Priority
from thamani.errors import InvalidInput

KEY = WaitingListKey("RBD", "C_110", Priority.P3)


def test_wait_counts_elapsed_days_less_pauses() -> None:
    p = start_clock("r1", KEY, date(2024, 1, 1))
    p = pause_clock(p, date(2024, 1, 11))
    p = resume_clock(p, date(2024, 1, 21))
    assert p.waited_days(date(2024, 1, 31)) == 20  # 30 elapsed, 10 paused
    assert p.waited_days(date(2024, 1, 15)) == 10  # paused since the 11th
    assert p.waited_days(date(2023, 12, 1)) == 0
    assert p.waited_weeks(date(2024, 1, 31)) == pytest.approx(20 / 7)


def test_stop_freezes_the_clock_and_records_the_reason() -> None:
    p = stop_clock(
        start_clock("r1", KEY, date(2024, 1, 1)), date(2024, 2, 1), RemovalReason.TREATED
    )
    assert not p.is_incomplete
    assert p.removal_reason is RemovalReason.TREATED
    assert p.waited_days(date(2024, 12, 31)) == 31


def test_stopping_a_paused_clock_closes_the_pause() -> None:
    p = pause_clock(start_clock("r1", KEY, date(2024, 1, 1)), date(2024, 1, 5))
    p = stop_clock(p, date(2024, 1, 20), RemovalReason.DECLINED)
    assert p.pauses[-1].end == date(2024, 1, 20)
    assert p.waited_days(date(2024, 3, 1)) == 4


def test_breach_against_priority_target() -> None:
    p = start_clock("r1", KEY, date(2024, 1, 1))
    assert not p.breached(date(2024, 4, 1))  # 91 days
    assert p.breached(date(2024, 4, 2))


def test_replay_of_events() -> None:
    events = [
        ClockEvent(ClockEventKind.START, date(2024, 1, 1)),
        ClockEvent(ClockEventKind.PAUSE, date(2024, 1, 2)),
        ClockEvent(ClockEventKind.RESUME, date(2024, 1, 4)),
        ClockEvent(ClockEventKind.STOP, date(2024, 1, 10), RemovalReason.DIED),
    ]
    p = replay("r9", KEY, events)
    assert p.waited_days(date(2024, 2, 1)) == 7
    assert p.removal_reason is RemovalReason.DIED


@pytest.mark.parametrize(
    "events",
    [
        [ClockEvent(ClockEventKind.PAUSE, date(2024, 1, 2))],
        [
            ClockEvent(ClockEventKind.START, date(2024, 1, 1)),
            ClockEvent(ClockEventKind.START, date(2024, 1, 2)),
        ],
        [
            ClockEvent(ClockEventKind.START, date(2024, 1, 1)),
            ClockEvent(ClockEventKind.RESUME, date(2024, 1, 2)),
        ],
        [
            ClockEvent(ClockEventKind.START, date(2024, 1, 5)),
            ClockEvent(ClockEventKind.PAUSE, date(2024, 1, 2)),
        ],
        [
            ClockEvent(ClockEventKind.START, date(2024, 1, 1)),
            ClockEvent(ClockEventKind.STOP, date(2024, 1, 2)),
        ],
        [
            ClockEvent(ClockEventKind.START, date(2024, 1, 1)),
            ClockEvent(ClockEventKind.STOP, date(2024, 1, 2), RemovalReason.MOVED),
            ClockEvent(ClockEventKind.PAUSE, date(2024, 1, 3)),
        ],
    ],
)
def test_impossible_event_sequences_are_refused(events: list[ClockEvent]) -> None:
    with pytest.raises(InvalidInput):
        replay("bad", KEY, events)


def test_incomplete_waits_leave_out_stopped_and_future_pathways() -> None:
    a = start_clock("a", KEY, date(2024, 1, 1))
    b = stop_clock(
        start_clock("b", KEY, date(2024, 1, 1)), date(2024, 1, 10), RemovalReason.TREATED
    )
    c = start_clock("c", KEY, date(2024, 3, 1))
    assert incomplete_waits_days([a, b, c], date(2024, 1, 10)) == [9]


def test_removal_reasons_parse() -> None:
    assert parse_removal_reason("Treated") is RemovalReason.TREATED
    with pytest.raises(InvalidInput, match="treated, declined, moved, died"):
        parse_removal_reason("lost")
