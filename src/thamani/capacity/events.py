"""Detailed discrete-event simulation of one waiting list with sessions and reneging.

Referrals arrive at random moments (a Poisson process whose rate may change day by day),
each with a clinical priority, a procedure duration in minutes and a patience: a patient
still untreated when their patience runs out leaves the list (reneges: declines, goes
private, moves, dies). Treatment happens in sessions (a theatre list or clinic of so many
minutes at a given moment). At each session the most urgent patients are taken first,
longest waiting first within a priority, each one who still fits in the minutes left; a
patient who does not fit is passed over for a shorter one behind (up to ``lookahead``
candidates per priority).

Reneging needs no event of its own: a patient has left by time ``t`` exactly when their
patience ran out before ``t`` and no session took them first, so each session simply
drops the patients whose patience has expired as it meets them.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from thamani.capacity.priorities import Priority
from thamani.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

WAITING, TREATED, RENEGED = 0, 1, 2
"""Outcome codes of a patient at the end of a run."""


@dataclass(frozen=True, slots=True)
class ClassProfile:
    """How patients of one priority class behave.

    priority: the clinical priority.
    share: share of referrals in this class.
    mean_minutes: mean procedure (or appointment) length in minutes.
    cv_minutes: coefficient of variation of that length (lognormal; 0 for fixed).
    mean_patience_days: mean days before an untreated patient leaves (exponential), or
        None for patients who never leave.
    """

    priority: Priority
    share: float
    mean_minutes: float
    cv_minutes: float = 0.3
    mean_patience_days: float | None = None


@dataclass(frozen=True, slots=True)
class WeeklySession:
    """A recurring session in the weekly timetable.

    weekday: 0 Monday ... 6 Sunday.
    start_hour: hour of the day it starts (8.5 for 08:30).
    minutes: minutes of treatment time it offers.
    """

    weekday: int
    start_hour: float
    minutes: int


@dataclass(frozen=True, slots=True)
class SessionCalendar:
    """Concrete sessions over a run.

    starts: start of each session in days from the beginning of the run, increasing.
    minutes: minutes each session offers.
    """

    starts: FloatArray
    minutes: IntArray

    def __len__(self) -> int:
        return int(self.starts.size)

    @property
    def total_minutes(self) -> int:
        """Minutes offered over the run."""
        return int(self.minutes.sum())


def session_calendar(
    timetable: Sequence[WeeklySession],
    days: int,
    first_weekday: int = 0,
    closed_days: Sequence[int] = (),
    extra: Sequence[tuple[float, int]] = (),
) -> SessionCalendar:
    """Lay a weekly timetable over ``days`` days.

    ``closed_days`` are day numbers with no sessions (a strike, a bank holiday); ``extra``
    adds one-off sessions as (start in days, minutes).
    """
    for session in timetable:
        if not 0 <= session.weekday <= 6 or not 0 <= session.start_hour < 24:
            raise InvalidInput("a session needs a weekday 0-6 and a start hour 0-24")
        if session.minutes <= 0:
            raise InvalidInput("a session must offer some minutes")
    closed = set(closed_days)
    starts: list[float] = []
    minutes: list[int] = []
    for day in range(days):
        if day in closed:
            continue
        weekday = (day + first_weekday) % 7
        for session in timetable:
            if session.weekday == weekday:
                starts.append(day + session.start_hour / 24.0)
                minutes.append(session.minutes)
    for start, length in extra:
        if not 0 <= start < days or length <= 0:
            raise InvalidInput("an extra session must fall inside the run and offer minutes")
        starts.append(start)
        minutes.append(length)
    order = np.argsort(np.asarray(starts, dtype=np.float64), kind="stable")
    return SessionCalendar(
        np.asarray(starts, dtype=np.float64)[order], np.asarray(minutes, dtype=np.int64)[order]
    )


@dataclass(frozen=True, slots=True)
class EventModel:
    """Everything the discrete-event simulation needs.

    referrals_per_day: expected referrals on each day of the run, shape (days,).
    classes: the priority classes, most urgent first.
    calendar: the sessions over the run.
    initial_queue: patients waiting at the start per class (their clock started evenly
        over the ``backlog_span_days`` before).
    backlog_span_days: how far back the initial patients were referred.
    lookahead: candidates per class looked at for a patient who fits the minutes left.
    """

    referrals_per_day: FloatArray
    classes: tuple[ClassProfile, ...]
    calendar: SessionCalendar
    initial_queue: tuple[int, ...] = ()
    backlog_span_days: int = 182
    lookahead: int = 30

    @property
    def days(self) -> int:
        """Length of the run in days."""
        return int(self.referrals_per_day.size)


@dataclass(frozen=True, slots=True)
class EventResult:
    """Patient-level outcome of a discrete-event run.

    priorities: the classes, most urgent first.
    days: length of the run in days.
    arrival: referral moment of each patient in days (negative for the initial backlog).
    klass: class index of each patient.
    minutes: procedure minutes of each patient.
    outcome: WAITING, TREATED or RENEGED at the end of the run.
    end: moment of treatment or of leaving; the end of the run for those still waiting.
    minutes_offered: session minutes offered over the run.
    minutes_used: session minutes used for treatment.
    """

    priorities: tuple[Priority, ...]
    days: int
    arrival: FloatArray
    klass: IntArray
    minutes: FloatArray
    outcome: IntArray
    end: FloatArray
    minutes_offered: int
    minutes_used: float

    @property
    def wait_days(self) -> FloatArray:
        """Days from referral to treatment, leaving, or the end of the run."""
        waits: FloatArray = self.end - self.arrival
        return waits

    def daily_queue(self) -> IntArray:
        """Patients on the list at the end of each day."""
        ends = np.arange(1, self.days + 1, dtype=np.float64)
        arrived = np.searchsorted(np.sort(self.arrival), ends, side="right")
        left_times = np.sort(self.end[self.outcome != WAITING])
        left = np.searchsorted(left_times, ends, side="right")
        return (arrived - left).astype(np.int64)

    @property
    def utilisation(self) -> float:
        """Share of session minutes used."""
        return self.minutes_used / self.minutes_offered if self.minutes_offered else 0.0


def _draw_patients(
    model: EventModel, rng: np.random.Generator
) -> tuple[FloatArray, IntArray, FloatArray, FloatArray]:
    """Arrival moments, classes, minutes and patience of every patient, by arrival."""
    counts = rng.poisson(model.referrals_per_day)
    day = np.repeat(np.arange(model.days, dtype=np.float64), counts)
    arrival = day + rng.random(day.size)
    shares = np.array([c.share for c in model.classes], dtype=np.float64)
    klass = rng.choice(len(model.classes), size=arrival.size, p=shares).astype(np.int64)
    initial = model.initial_queue or (0,) * len(model.classes)
    backlog_class = np.repeat(np.arange(len(model.classes), dtype=np.int64), initial)
    span = float(model.backlog_span_days)
    backlog_arrival = -span + span * (np.arange(backlog_class.size) + 0.5) / max(
        backlog_class.size, 1
    )
    arrival = np.concatenate([backlog_arrival, arrival])
    klass = np.concatenate([backlog_class, klass])
    minutes = np.empty(arrival.size)
    patience = np.full(arrival.size, math.inf)
    for k, profile in enumerate(model.classes):
        mask = klass == k
        n = int(mask.sum())
        if profile.cv_minutes > 0:
            sigma2 = math.log1p(profile.cv_minutes**2)
            mu = math.log(profile.mean_minutes) - sigma2 / 2
            minutes[mask] = rng.lognormal(mu, math.sqrt(sigma2), n)
        else:
            minutes[mask] = profile.mean_minutes
        if profile.mean_patience_days is not None:
            patience[mask] = rng.exponential(profile.mean_patience_days, n)
    return arrival, klass, minutes, patience


def _check(model: EventModel) -> None:
    """Refuse a model that cannot run."""
    if not model.classes:
        raise InvalidInput("give at least one priority class")
    if not math.isclose(sum(c.share for c in model.classes), 1.0, abs_tol=1e-9):
        raise InvalidInput("class shares must sum to 1")
    if any(c.share < 0 or c.mean_minutes <= 0 for c in model.classes):
        raise InvalidInput("class shares must be non-negative and minutes positive")
    if model.initial_queue and len(model.initial_queue) != len(model.classes):
        raise InvalidInput("give one initial queue size per class")
    if (model.referrals_per_day < 0).any():
        raise InvalidInput("referrals per day must not be negative")
    if model.lookahead < 1:
        raise InvalidInput("lookahead must be at least 1")


def run_events(model: EventModel, seed: int | None = 0) -> EventResult:
    """Run the discrete-event simulation; the same seed gives the same result."""
    _check(model)
    rng = np.random.default_rng(seed)
    arrival, klass, minutes, patience = _draw_patients(model, rng)
    order = np.argsort(arrival, kind="stable")
    arrival, klass, minutes, patience = (
        arrival[order],
        klass[order],
        minutes[order],
        patience[order],
    )
    leave_at = np.maximum(arrival, 0.0) + patience  # the backlog is present at the start
    outcome = np.zeros(arrival.size, dtype=np.int64)
    end = np.minimum(leave_at, float(model.days))
    queues: list[deque[int]] = [deque() for _ in model.classes]
    next_patient = 0
    used = 0.0
    arrivals = arrival.tolist()
    classes = klass.tolist()
    lengths = minutes.tolist()
    leaves = leave_at.tolist()
    for start, offered in zip(
        model.calendar.starts.tolist(), model.calendar.minutes.tolist(), strict=True
    ):
        while next_patient < len(arrivals) and arrivals[next_patient] <= start:
            queues[classes[next_patient]].append(next_patient)
            next_patient += 1
        remaining = float(offered)
        for queue in queues:
            passed: list[int] = []
            while queue and len(passed) < model.lookahead and remaining > 0:
                patient = queue.popleft()
                if leaves[patient] <= start:
                    continue  # reneged before this session
                if lengths[patient] <= remaining:
                    remaining -= lengths[patient]
                    outcome[patient] = TREATED
                    end[patient] = start
                else:
                    passed.append(patient)
            queue.extendleft(reversed(passed))
        used += offered - remaining
    gone = (outcome == WAITING) & (leave_at <= model.days)
    outcome[gone] = RENEGED
    return EventResult(
        priorities=tuple(c.priority for c in model.classes),
        days=model.days,
        arrival=arrival,
        klass=klass,
        minutes=minutes,
        outcome=outcome,
        end=end,
        minutes_offered=model.calendar.total_minutes,
        minutes_used=used,
    )
