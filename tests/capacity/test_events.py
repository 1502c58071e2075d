"""Discrete-event simulation: sessions, priorities, reneging."""

import numpy as np
import pytest

from thamani.capacity.events import (
    RENEGED,
    TREATED,
    WAITING,
    ClassProfile,
    EventModel,
    WeeklySession,
    run_events,
    session_calendar,
)
from thamani.capacity.priorities import Priority
from thamani.errors import InvalidInput

WEEKDAY_MORNINGS = [WeeklySession(d, 8.5, 240) for d in range(5)]


def model(days: int = 365, rate: float = 4.0, **kwargs: object) -> EventModel:
    classes = kwargs.pop(
        "classes",
        (
            ClassProfile(Priority.P2, 0.3, 60.0, 0.0),
            ClassProfile(Priority.P4, 0.7, 60.0, 0.0),
        ),
    )
    return EventModel(
        referrals_per_day=np.full(days, rate),
        classes=classes,  # type: ignore[arg-type]
        calendar=session_calendar(WEEKDAY_MORNINGS, days),
        **kwargs,  # type: ignore[arg-type]
    )


def test_calendar_lays_the_week_over_the_run() -> None:
    calendar = session_calendar(WEEKDAY_MORNINGS, 14, closed_days=[0], extra=[(5.5, 120)])
    assert len(calendar) == 9 + 1
    assert calendar.total_minutes == 9 * 240 + 120
    assert np.all(np.diff(calendar.starts) > 0)
    assert calendar.starts[0] == pytest.approx(1 + 8.5 / 24)
    with pytest.raises(InvalidInput):
        session_calendar([WeeklySession(7, 8, 60)], 7)


def test_every_patient_ends_treated_reneged_or_waiting() -> None:
    result = run_events(model(initial_queue=(10, 100)), seed=2)
    counts = np.bincount(result.outcome, minlength=3)
    assert counts.sum() == result.arrival.size
    assert counts[RENEGED] == 0  # no patience given: nobody leaves
    assert result.daily_queue()[-1] == counts[WAITING]
    assert result.minutes_used <= result.minutes_offered


def test_sessions_are_never_overbooked() -> None:
    classes = (ClassProfile(Priority.P3, 1.0, 70.0, 0.5),)
    result = run_events(model(rate=5.0, classes=classes), seed=4)
    treated = result.outcome == TREATED
    starts, session = np.unique(result.end[treated], return_inverse=True)
    booked = np.bincount(session, weights=result.minutes[treated])
    assert set(starts.tolist()) <= set(session_calendar(WEEKDAY_MORNINGS, 365).starts.tolist())
    assert booked.max() <= 240 + 1e-9
    assert booked.mean() > 150  # sessions are well used when the list is long


def test_demand_above_capacity_grows_at_the_difference() -> None:
    # Four 60-minute patients per weekday session: 20 a week against 35 referred.
    result = run_events(model(days=700, rate=5.0), seed=5)
    queue = result.daily_queue()
    slope = (queue[-1] - queue[99]) / (700 - 100) * 7
    assert slope == pytest.approx(35 - 20, abs=1.5)


def test_urgent_patients_are_treated_first() -> None:
    result = run_events(model(rate=3.5, initial_queue=(0, 200)), seed=6)
    treated = result.outcome == TREATED
    waits = result.wait_days
    urgent = waits[treated & (result.klass == 0)].mean()
    routine = waits[treated & (result.klass == 1)].mean()
    assert urgent < 4 < routine


def test_impatient_patients_leave_the_list() -> None:
    classes = (ClassProfile(Priority.P4, 1.0, 60.0, 0.0, mean_patience_days=20.0),)
    result = run_events(model(rate=6.0, classes=classes), seed=7)
    reneged = result.outcome == RENEGED
    assert reneged.sum() > 0.2 * result.arrival.size
    assert (result.end[reneged] > result.arrival[reneged]).all()
    # Reneging holds the queue down: it cannot exceed a few patience spans of referrals.
    assert result.daily_queue().max() < 6.0 * 20 * 3


def test_bad_models_are_refused() -> None:
    bad = (ClassProfile(Priority.P4, 0.5, 60.0),)
    with pytest.raises(InvalidInput, match="sum to 1"):
        run_events(model(classes=bad))
    with pytest.raises(InvalidInput, match="initial queue"):
        run_events(model(initial_queue=(1,)))
