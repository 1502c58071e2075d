"""A capacity plan for a hospital from one month of NHS England RTT data.

From a single RTT snapshot of a provider:

* demand per week is the month's new RTT periods (part 3);
* capacity per week is the month's completed pathways (parts 1A and 1B), the treatments
  the hospital actually delivered;
* the waiting list is the incomplete pathways (part 2), with its weekly age profile.

Per treatment function this gives load, the queue size and capacity that meet the
standard (92 % within 18 weeks, so a factor of -ln 0.08), the relief capacity that
reaches that queue in a year, and the pressure. For the whole provider it sets up a
two-year simulation with the current backlog and runs the standard scenarios beside the
baseline. Only clock stops by treatment count as capacity here; patients who leave the list
for other reasons (validation, declined) are not in the RTT file, so the simulated queue
grows somewhat faster than the real one.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from thamani.capacity import formulas
from thamani.capacity.rtt import RttPart, RttRecord
from thamani.capacity.scenarios import (
    DemandSurge,
    ExtraSessions,
    Outsourcing,
    Scenario,
    Strike,
)
from thamani.capacity.simulation import SimulationInput, simulation_input, weekly_capacity
from thamani.errors import InvalidInput

TOTAL_FUNCTION = "C_999"
"""Treatment function code of the all-specialties total."""
STANDARD_WEEKS = 18.0
STANDARD_SHARE = 0.92
PATIENTS_PER_SESSION = 4
"""Patients one extra four-hour session treats in the standard scenarios."""


@dataclass(frozen=True, slots=True)
class SpecialtyPlan:
    """Capacity figures for one treatment function (all rates per week).

    treatment_function: treatment function code.
    name: treatment function name.
    demand_per_week: new RTT periods per week.
    capacity_per_week: completed pathways per week.
    load: demand / capacity.
    waiting: incomplete pathways.
    target_queue_size: the list size that meets the standard at current demand.
    mean_wait_weeks: mean time waited so far (band midpoints; 104+ counted as 104.5).
    pressure: 2 x mean wait / 18 weeks.
    target_capacity: treatments per week that hold the list at the standard.
    relief_capacity: treatments per week that bring the list to target size in a year.
    """

    treatment_function: str
    name: str
    demand_per_week: float
    capacity_per_week: float
    load: float
    waiting: int
    target_queue_size: float
    mean_wait_weeks: float
    pressure: float
    target_capacity: float
    relief_capacity: float


@dataclass(slots=True)
class _Snapshot:
    """Accumulates the counts of one treatment function in one month, over commissioners."""

    name: str
    new_periods: int
    completed: int
    bands: list[int]


def weekly_bands(records: Sequence[RttRecord], provider: str, treatment_function: str) -> list[int]:
    """Incomplete pathways per weekly band for one treatment function of a provider."""
    snapshots, _ = _snapshots(records, provider)
    if treatment_function not in snapshots:
        raise InvalidInput(f"no RTT rows for treatment function {treatment_function!r}")
    return list(snapshots[treatment_function].bands)


def _snapshots(records: Sequence[RttRecord], provider: str) -> tuple[dict[str, _Snapshot], int]:
    """Counts per treatment function for ``provider``, and the days in the month."""
    mine = [r for r in records if r.provider_code == provider]
    if not mine:
        raise InvalidInput(f"no RTT rows for provider {provider!r}")
    months = {r.month for r in mine}
    if len(months) != 1:
        raise InvalidInput(f"provider {provider!r} has rows for {len(months)} months; give one")
    month = months.pop()
    days = calendar.monthrange(month.year, month.month)[1]
    found: dict[str, _Snapshot] = {}
    for r in mine:
        snap = found.setdefault(
            r.treatment_function_code,
            _Snapshot(r.treatment_function_name, 0, 0, [0] * 105),
        )
        if r.part is RttPart.PART_3:
            snap.new_periods += r.total_all
        elif r.part in (RttPart.PART_1A, RttPart.PART_1B):
            snap.completed += r.total_all
        elif r.part is RttPart.PART_2 and r.bands is not None:
            for week, count in enumerate(r.bands):
                snap.bands[week] += count
    return found, days


def _mean_wait_weeks(bands: Sequence[int]) -> float:
    """Mean of band midpoints weighted by patients."""
    total = sum(bands)
    if not total:
        return 0.0
    return sum((week + 0.5) * count for week, count in enumerate(bands)) / total


def specialty_plans(
    records: Sequence[RttRecord], provider: str, weeks_to_target: float = 52.0
) -> list[SpecialtyPlan]:
    """Capacity figures per treatment function (the total last), against the 18-week standard."""
    snapshots, days = _snapshots(records, provider)
    factor = formulas.factor_for_share_within(STANDARD_SHARE)
    weeks = days / 7.0
    plans = []
    codes = sorted(c for c in snapshots if c != TOTAL_FUNCTION)
    for code in [*codes, TOTAL_FUNCTION] if TOTAL_FUNCTION in snapshots else codes:
        snap = snapshots[code]
        demand = snap.new_periods / weeks
        capacity = snap.completed / weeks
        waiting = sum(snap.bands)
        target_queue = formulas.target_queue_size(demand, STANDARD_WEEKS, factor)
        mean_wait = _mean_wait_weeks(snap.bands)
        plans.append(
            SpecialtyPlan(
                treatment_function=code,
                name=snap.name,
                demand_per_week=demand,
                capacity_per_week=capacity,
                load=demand / capacity if capacity else float("inf"),
                waiting=waiting,
                target_queue_size=target_queue,
                mean_wait_weeks=mean_wait,
                pressure=formulas.waiting_list_pressure(mean_wait, STANDARD_WEEKS),
                target_capacity=formulas.target_capacity(demand, STANDARD_WEEKS, factor),
                relief_capacity=formulas.relief_capacity(
                    demand, waiting, target_queue, weeks_to_target
                ),
            )
        )
    return plans


def hospital_simulation(
    records: Sequence[RttRecord],
    provider: str,
    treatment_function: str = TOTAL_FUNCTION,
    days: int = 730,
) -> SimulationInput:
    """A simulation of one treatment function starting from the snapshot's waiting list.

    Referrals arrive at the month's daily rate; the month's treatments are spread over the
    weekdays; the backlog has the snapshot's age profile.
    """
    snapshots, month_days = _snapshots(records, provider)
    if treatment_function not in snapshots:
        raise InvalidInput(f"no RTT rows for treatment function {treatment_function!r}")
    snap = snapshots[treatment_function]
    per_weekday = round(snap.completed / (month_days * 5 / 7))
    return simulation_input(
        demand=np.full((1, days), snap.new_periods / month_days),
        capacity=weekly_capacity([per_weekday] * 5 + [0, 0], days)[None, :],
        initial_queue=[[sum(snap.bands)]],
        names=[f"{provider} {treatment_function}"],
        backlog_weekly_profile=snap.bands if sum(snap.bands) else None,
        target_days=[round(STANDARD_WEEKS * 7)],
    )


def standard_scenarios(config: SimulationInput) -> tuple[Scenario, ...]:
    """Extra sessions (+10 %), outsourcing (+5 %), a winter surge (+10 %), strikes.

    Sizes follow the lists' weekday capacity (the mean over lists of each list's busiest
    day; every list gets the change); costs are typical English tariffs in
    pence (a theatre session 250,000, an outsourced case 350,000).
    """
    weekday_slots = round(float(config.capacity.max(axis=1).mean()))
    sessions = max(1, math.ceil(weekday_slots * 0.10 / PATIENTS_PER_SESSION))
    outsourced = max(1, round(weekday_slots * 5 * 0.05))
    return (
        Scenario(
            "extra sessions",
            (ExtraSessions(sessions, PATIENTS_PER_SESSION, 240, 250_000),),
            f"{sessions} more four-hour sessions each weekday (about 10 % more treatments)",
        ),
        Scenario(
            "outsourcing",
            (Outsourcing(outsourced, 350_000),),
            f"{outsourced} patients a week treated elsewhere",
        ),
        Scenario(
            "winter surge",
            (DemandSurge(1.10, 300, 390), DemandSurge(1.10, 665, 730)),
            "referrals 10 % higher each winter",
        ),
        Scenario(
            "strikes",
            (Strike(0.0, 60, 63), Strike(0.0, 120, 123), Strike(0.0, 180, 183)),
            "three three-day strikes in the first half-year",
        ),
    )
