"""Scenarios (extra sessions, outsourcing, a demand surge, strikes) compared side by side.

A scenario is a named tuple of changes to a baseline. Each change knows how to alter the
fast simulation's daily demand and slots and the discrete-event model's referral rate and
session calendar, and what it costs. Every scenario runs with the same random seed as the
baseline (common random numbers), so differences come from the change, not from chance.

Money is integer minor units (pence, cents); the one rounding rule, half up, is applied
where a cost per week is turned into a cost per patient-day total.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from thamani.capacity.events import (
    RENEGED,
    TREATED,
    WAITING,
    EventModel,
    EventResult,
    SessionCalendar,
    run_events,
)
from thamani.capacity.simulation import SimulationInput, SimulationResult, simulate
from thamani.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

WEEKDAYS = (0, 1, 2, 3, 4)
"""Monday to Friday."""


def _days(start_day: int, end_day: int | None, length: int) -> slice:
    """The days a change covers, clipped to the run."""
    if start_day < 0 or (end_day is not None and end_day <= start_day):
        raise InvalidInput("a change needs 0 <= start_day < end_day")
    return slice(min(start_day, length), length if end_day is None else min(end_day, length))


def _weekday_mask(days: int, weekdays: Sequence[int], first_weekday: int) -> npt.NDArray[np.bool_]:
    """True on the days of the run that fall on one of ``weekdays``."""
    return np.isin((np.arange(days) + first_weekday) % 7, list(weekdays))


@dataclass(frozen=True, slots=True)
class ExtraSessions:
    """Additional sessions on given weekdays.

    sessions_per_day: extra sessions on each chosen weekday.
    slots_per_session: patients one session treats (fast simulation).
    minutes_per_session: minutes one session offers (discrete-event simulation).
    cost_per_session: cost of one session in minor units.
    weekdays: the weekdays they run (0 Monday).
    start_day: first day of the run they run.
    end_day: first day they no longer run, None to the end.
    """

    sessions_per_day: int
    slots_per_session: int
    minutes_per_session: int
    cost_per_session: int
    weekdays: tuple[int, ...] = WEEKDAYS
    start_day: int = 0
    end_day: int | None = None


@dataclass(frozen=True, slots=True)
class Outsourcing:
    """Patients sent to another provider under a block contract (paid whether used or not).

    patients_per_week: patients the contract takes each week, spread over weekdays.
    cost_per_patient: price per contracted patient in minor units.
    minutes_per_patient: treatment minutes one patient needs (discrete-event simulation).
    start_day: first day of the contract.
    end_day: first day after it, None to the end.
    """

    patients_per_week: int
    cost_per_patient: int
    minutes_per_patient: int = 60
    start_day: int = 0
    end_day: int | None = None


@dataclass(frozen=True, slots=True)
class DemandSurge:
    """Referrals multiplied by ``factor`` between ``start_day`` and ``end_day``.

    factor: multiplier of the referral rate (1.2 for a 20 % surge).
    start_day: first day of the surge.
    end_day: first day after it, None to the end.
    """

    factor: float
    start_day: int = 0
    end_day: int | None = None


@dataclass(frozen=True, slots=True)
class Strike:
    """Capacity cut to a share between ``start_day`` and ``end_day``.

    capacity_kept: share of slots or session minutes still running (0 for a full strike).
    start_day: first day of the strike.
    end_day: first day after it.
    """

    capacity_kept: float
    start_day: int
    end_day: int


Change = ExtraSessions | Outsourcing | DemandSurge | Strike


@dataclass(frozen=True, slots=True)
class Scenario:
    """A named set of changes to the baseline.

    name: short name shown in tables and charts.
    changes: the changes, applied in order.
    description: one line saying what it tests.
    """

    name: str
    changes: tuple[Change, ...] = ()
    description: str = ""


def _check(change: Change) -> None:
    """Refuse impossible values."""
    if isinstance(change, ExtraSessions):
        values = (change.sessions_per_day, change.slots_per_session, change.minutes_per_session)
        if min(values) < 0 or change.cost_per_session < 0:
            raise InvalidInput("extra sessions need non-negative counts and cost")
    elif isinstance(change, Outsourcing):
        if change.patients_per_week < 0 or change.cost_per_patient < 0:
            raise InvalidInput("outsourcing needs a non-negative volume and price")
    elif isinstance(change, DemandSurge):
        if not (change.factor >= 0 and math.isfinite(change.factor)):
            raise InvalidInput("a demand surge factor must be a non-negative number")
    elif not 0.0 <= change.capacity_kept <= 1.0:
        raise InvalidInput("a strike keeps between 0 and 1 of capacity")


def _spread_weekly(per_week: int, days: int, first_weekday: int) -> IntArray:
    """Spread a weekly number over weekdays as whole numbers (Monday gets the remainder)."""
    base, extra = divmod(per_week, len(WEEKDAYS))
    per_weekday = np.zeros(7, dtype=np.int64)
    per_weekday[list(WEEKDAYS)] = base
    per_weekday[list(WEEKDAYS[:extra])] += 1
    return per_weekday[(np.arange(days) + first_weekday) % 7]


def apply_to_input(
    scenario: Scenario, base: SimulationInput, first_weekday: int = 0
) -> tuple[SimulationInput, int]:
    """The fast-simulation input under a scenario, and the scenario's capacity cost."""
    demand = base.demand.copy()
    capacity = base.capacity.copy()
    days = base.days
    cost = 0
    for change in scenario.changes:
        _check(change)
        if isinstance(change, ExtraSessions):
            span = _days(change.start_day, change.end_day, days)
            on = np.zeros(days, dtype=np.bool_)
            on[span] = _weekday_mask(days, change.weekdays, first_weekday)[span]
            capacity[:, on] += change.sessions_per_day * change.slots_per_session
            cost += int(on.sum()) * change.sessions_per_day * change.cost_per_session * base.lists
        elif isinstance(change, Outsourcing):
            span = _days(change.start_day, change.end_day, days)
            added = np.zeros(days, dtype=np.int64)
            added[span] = _spread_weekly(change.patients_per_week, days, first_weekday)[span]
            capacity += added[None, :]
            cost += int(added.sum()) * change.cost_per_patient * base.lists
        elif isinstance(change, DemandSurge):
            demand[:, _days(change.start_day, change.end_day, days)] *= change.factor
        else:
            span = _days(change.start_day, change.end_day, days)
            capacity[:, span] = np.floor(capacity[:, span] * change.capacity_kept).astype(np.int64)
    return dataclasses.replace(base, demand=demand, capacity=capacity), cost


def apply_to_model(
    scenario: Scenario, base: EventModel, first_weekday: int = 0
) -> tuple[EventModel, int]:
    """The discrete-event model under a scenario, and the scenario's capacity cost.

    Extra sessions and outsourcing add afternoon sessions (13:30) on the days they run;
    outsourcing offers ``minutes_per_patient`` per contracted patient.
    """
    rates = base.referrals_per_day.copy()
    starts = base.calendar.starts.copy()
    minutes = base.calendar.minutes.copy()
    days = base.days
    cost = 0
    for change in scenario.changes:
        _check(change)
        if isinstance(change, ExtraSessions | Outsourcing):
            span = _days(change.start_day, change.end_day, days)
            if isinstance(change, ExtraSessions):
                on = np.zeros(days, dtype=np.bool_)
                on[span] = _weekday_mask(days, change.weekdays, first_weekday)[span]
                day_index = np.repeat(np.flatnonzero(on), change.sessions_per_day)
                added = np.full(day_index.size, change.minutes_per_session, dtype=np.int64)
                cost += int(day_index.size) * change.cost_per_session
            else:
                patients = np.zeros(days, dtype=np.int64)
                patients[span] = _spread_weekly(change.patients_per_week, days, first_weekday)[span]
                day_index = np.flatnonzero(patients)
                added = patients[day_index] * change.minutes_per_patient
                cost += int(patients.sum()) * change.cost_per_patient
            starts = np.concatenate([starts, day_index + 13.5 / 24.0])
            minutes = np.concatenate([minutes, added])
        elif isinstance(change, DemandSurge):
            rates[_days(change.start_day, change.end_day, days)] *= change.factor
        else:
            span = _days(change.start_day, change.end_day, days)
            hit = (starts >= (span.start or 0)) & (starts < span.stop)
            minutes = np.where(hit, np.floor(minutes * change.capacity_kept), minutes).astype(
                np.int64
            )
    keep = minutes > 0
    order = np.argsort(starts[keep], kind="stable")
    calendar = SessionCalendar(starts[keep][order], minutes[keep][order])
    return dataclasses.replace(base, referrals_per_day=rates, calendar=calendar), cost


@dataclass(frozen=True, slots=True)
class WaitingCost:
    """What waiting costs, in minor units of one currency.

    currency: ISO 4217 code.
    per_patient_week: cost of one patient waiting one week (lost earnings, deterioration,
        extra primary care), in minor units.
    """

    currency: str
    per_patient_week: int

    def of_patient_days(self, patient_days: int) -> int:
        """Cost of ``patient_days`` days of waiting: days x per week / 7, rounded half up."""
        return (patient_days * self.per_patient_week * 2 + 7) // 14


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """One scenario's results, ready to set beside the others.

    name: the scenario's name.
    description: what it tests.
    final_queue: patients waiting at the end.
    peak_queue: the largest end-of-day queue.
    treated: patients treated in the run.
    reneged: patients who left untreated (discrete-event runs only; 0 otherwise).
    mean_wait_weeks: mean wait to treatment of those treated.
    p92_wait_weeks: 92nd percentile of that wait.
    breach_pct: percent of patients (treated, or still waiting at the end) whose wait
        exceeded their priority's target.
    waiting_within_target_pct: percent of the patients waiting at the end whose wait so
        far is within their target (the RTT incomplete-pathway standard).
    waiting_over_52_weeks: patients waiting at the end who have waited over 52 weeks.
    patient_days: total days spent waiting in the run (sum of daily queues).
    waiting_cost: cost of that waiting in minor units.
    capacity_cost: cost of the scenario's extra capacity in minor units.
    total_cost: waiting cost plus capacity cost.
    daily_queue: queue at the end of every day (summed over lists).
    """

    name: str
    description: str
    final_queue: int
    peak_queue: int
    treated: int
    reneged: int
    mean_wait_weeks: float
    p92_wait_weeks: float
    breach_pct: float
    waiting_within_target_pct: float
    waiting_over_52_weeks: int
    patient_days: int
    waiting_cost: int
    capacity_cost: int
    total_cost: int
    daily_queue: IntArray

    def as_report(self) -> dict[str, object]:
        """The results as plain JSON (money in minor units, the daily queue left out)."""
        return {
            "name": self.name,
            "description": self.description,
            "final_queue": self.final_queue,
            "peak_queue": self.peak_queue,
            "treated": self.treated,
            "reneged": self.reneged,
            "mean_wait_weeks": round(self.mean_wait_weeks, 2),
            "p92_wait_weeks": round(self.p92_wait_weeks, 2),
            "breach_pct": round(self.breach_pct, 2),
            "waiting_within_target_pct": round(self.waiting_within_target_pct, 2),
            "waiting_over_52_weeks": self.waiting_over_52_weeks,
            "patient_days": self.patient_days,
            "waiting_cost": self.waiting_cost,
            "capacity_cost": self.capacity_cost,
            "total_cost": self.total_cost,
        }


@dataclass(frozen=True, slots=True)
class _Run:
    """What one run contributes to an outcome, whichever simulation made it.

    queue: end-of-day queue.
    treated_waits: days waited by each treated patient.
    breaches: patients judged who waited past target.
    judged: patients judged (treated or still waiting).
    waiting_waits: days waited so far by each patient waiting at the end.
    waiting_targets: target in days of each of those.
    reneged: patients who left untreated.
    """

    queue: IntArray
    treated_waits: npt.NDArray[np.float64] | IntArray
    breaches: int
    judged: int
    waiting_waits: npt.NDArray[np.float64] | IntArray
    waiting_targets: npt.NDArray[np.float64] | IntArray
    reneged: int


def _outcome(
    scenario: Scenario, run: _Run, costs: WaitingCost, capacity_cost: int
) -> ScenarioOutcome:
    """Fold one run into a :class:`ScenarioOutcome`."""
    queue, treated_waits = run.queue, run.treated_waits
    waiting = run.waiting_waits.size
    within = int((run.waiting_waits <= run.waiting_targets).sum())
    patient_days = int(queue.sum())
    waiting_cost = costs.of_patient_days(patient_days)
    has = treated_waits.size > 0
    return ScenarioOutcome(
        name=scenario.name,
        description=scenario.description,
        final_queue=int(queue[-1]),
        peak_queue=int(queue.max()),
        treated=int(treated_waits.size),
        reneged=run.reneged,
        mean_wait_weeks=float(treated_waits.mean()) / 7.0 if has else 0.0,
        p92_wait_weeks=float(np.quantile(treated_waits, 0.92)) / 7.0 if has else 0.0,
        breach_pct=100.0 * run.breaches / run.judged if run.judged else 0.0,
        waiting_within_target_pct=100.0 * within / waiting if waiting else 100.0,
        waiting_over_52_weeks=int((run.waiting_waits > 52 * 7).sum()),
        patient_days=patient_days,
        waiting_cost=waiting_cost,
        capacity_cost=capacity_cost,
        total_cost=waiting_cost + capacity_cost,
        daily_queue=queue,
    )


def outcome_of_simulation(
    scenario: Scenario, result: SimulationResult, costs: WaitingCost, capacity_cost: int
) -> ScenarioOutcome:
    """Summarise a fast-simulation run."""
    waiting = result.still_waiting
    breached = result.breaches()
    targets = np.asarray(result.target_days, dtype=np.int64)
    run = _Run(
        queue=result.queue.sum(axis=0),
        treated_waits=result.wait_days[~waiting],
        breaches=int(breached.sum()),
        judged=int(breached.size),
        waiting_waits=result.wait_days[waiting],
        waiting_targets=targets[result.wait_class[waiting]],
        reneged=0,
    )
    return _outcome(scenario, run, costs, capacity_cost)


def outcome_of_events(
    scenario: Scenario, result: EventResult, costs: WaitingCost, capacity_cost: int
) -> ScenarioOutcome:
    """Summarise a discrete-event run (reneged patients are not judged for breaches)."""
    targets = np.array([p.target_days for p in result.priorities], dtype=np.float64)
    waits = result.wait_days
    judged = result.outcome != RENEGED
    breached = judged & (waits > targets[result.klass])
    waiting = result.outcome == WAITING
    run = _Run(
        queue=result.daily_queue(),
        treated_waits=waits[result.outcome == TREATED],
        breaches=int(breached.sum()),
        judged=int(judged.sum()),
        waiting_waits=waits[waiting],
        waiting_targets=targets[result.klass[waiting]],
        reneged=int((result.outcome == RENEGED).sum()),
    )
    return _outcome(scenario, run, costs, capacity_cost)


BASELINE = Scenario("baseline", (), "capacity and demand as planned")


def compare_simulations(
    base: SimulationInput,
    scenarios: Sequence[Scenario],
    costs: WaitingCost,
    seed: int = 0,
    first_weekday: int = 0,
) -> tuple[ScenarioOutcome, ...]:
    """Run the baseline and each scenario with the fast simulation, same seed for all."""
    outcomes = []
    for scenario in (BASELINE, *scenarios):
        config, capacity_cost = apply_to_input(scenario, base, first_weekday)
        outcomes.append(
            outcome_of_simulation(scenario, simulate(config, seed), costs, capacity_cost)
        )
    return tuple(outcomes)


def compare_events(
    base: EventModel,
    scenarios: Sequence[Scenario],
    costs: WaitingCost,
    seed: int = 0,
    first_weekday: int = 0,
) -> tuple[ScenarioOutcome, ...]:
    """Run the baseline and each scenario with the discrete-event simulation."""
    outcomes = []
    for scenario in (BASELINE, *scenarios):
        model, capacity_cost = apply_to_model(scenario, base, first_weekday)
        outcomes.append(outcome_of_events(scenario, run_events(model, seed), costs, capacity_cost))
    return tuple(outcomes)
