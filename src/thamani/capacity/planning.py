"""Plans from the stored lists: statistics, simulation input, sessions, referral history.

Pure functions over what the store hands back (clock rows without any referral
reference), so they are tested without a database. Waits here are *clock* times: days
since referral less the days the clock was paused.

Pauses are counted as recorded: a figure asked for at a past date still leaves out pauses
recorded after it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from thamani.capacity.forecasting import capacity_needed, forecast_referrals
from thamani.capacity.formulas import DEFAULT_FACTOR, factor_for_share_within
from thamani.capacity.pathways import RemovalReason, WaitingListKey
from thamani.capacity.plan import STANDARD_SHARE, STANDARD_WEEKS, standard_scenarios
from thamani.capacity.priorities import Priority, all_priorities
from thamani.capacity.records import (
    ListStatistics,
    ReferralForecast,
    SessionPlan,
    StoredReferral,
)
from thamani.capacity.rtt import BAND_COUNT
from thamani.capacity.scenarios import ExtraSessions, Outsourcing, Scenario
from thamani.capacity.scheduling import SchedulePatient, TheatreSession
from thamani.capacity.simulation import SimulationInput, simulation_input
from thamani.capacity.statistics import (
    NOT_REMOVED,
    day_number,
    patient_list,
    waiting_list_summary,
)
from thamani.capacity.store import ClockRow
from thamani.errors import InvalidInput

IntArray = npt.NDArray[np.int64]
WEEKDAYS = 5
DEFAULT_MINUTES = 60
"""Session minutes assumed for a referral that does not say."""


def _days(values: Sequence[date | None], missing: int) -> IntArray:
    return np.fromiter(
        (missing if d is None else day_number(d) for d in values), np.int64, len(values)
    )


def clock_waits(rows: Sequence[ClockRow], as_of: date) -> tuple[IntArray, int]:
    """Clock days of the patients on the list at the end of ``as_of``, and how many paused."""
    day = day_number(as_of)
    referred = _days([r.referred_on for r in rows], 0)
    removed = _days([r.removed_on for r in rows], int(NOT_REMOVED))
    since = _days([r.paused_since for r in rows], int(NOT_REMOVED))
    paused_days = np.fromiter((r.paused_days for r in rows), np.int64, len(rows))
    on_list = (referred <= day) & (removed > day)
    paused_now = on_list & (since <= day)
    open_pause = np.where(paused_now, day - since, 0)
    waits = (day - referred) - paused_days - open_pause
    return np.maximum(waits[on_list], 0), int(paused_now.sum())


def wait_bands(waits_days: IntArray) -> list[int]:
    """Patients per weekly band (0-1 weeks ... 104+), as the RTT file counts them."""
    weeks = np.minimum(waits_days // 7, BAND_COUNT - 1)
    return [int(x) for x in np.bincount(weeks, minlength=BAND_COUNT)]


def _quantile_weeks(waits: IntArray, share: float) -> float | None:
    return None if waits.size == 0 else float(np.quantile(waits, share)) / 7.0


def list_statistics(
    key: WaitingListKey,
    rows: Sequence[ClockRow],
    as_of: date,
    start: date | None = None,
    weeks_to_target: float = 26.0,
) -> ListStatistics | None:
    """Figures for one list at ``as_of``; None when nobody was referred by then.

    Demand and capacity are measured from ``start`` (default: a year before ``as_of``, or
    the first referral when later) to ``as_of``; treatments count as capacity, other
    removals as withdrawals.
    """
    known = [r for r in rows if r.referred_on <= as_of]
    if not known:
        return None
    first = min(r.referred_on for r in known)
    begin = max(first, as_of - timedelta(days=364)) if start is None else start
    if begin > as_of:
        raise InvalidInput(f"start {begin} is after {as_of}", where="start")
    removed = [
        r.removed_on if r.removed_on is not None and r.removed_on <= as_of else None for r in known
    ]
    treated = [r.removal_reason == RemovalReason.TREATED.value for r in known]
    patients = patient_list([r.referred_on for r in known], removed, treated)
    summary = waiting_list_summary(
        patients, key.priority.target_weeks, begin, as_of, weeks_to_target=weeks_to_target
    )
    waits, paused = clock_waits(known, as_of)
    within = None
    if waits.size:
        within = 100.0 * float((waits <= key.priority.target_days).mean())
    return ListStatistics(
        key=key,
        as_of=as_of,
        start=begin,
        waiting=int(waits.size),
        paused=paused,
        within_target_pct=within,
        over_52_weeks=int((waits > 52 * 7).sum()),
        median_wait_weeks=_quantile_weeks(waits, 0.5),
        p92_wait_weeks=_quantile_weeks(waits, 0.92),
        summary=summary,
    )


def _finite(value: float) -> float:
    return value if math.isfinite(value) else 0.0


def stored_simulation(
    stats: Sequence[ListStatistics], bands: Sequence[int] | None, days: int = 730
) -> SimulationInput:
    """A fast-simulation input with one row per stored list, starting from today's list.

    Referrals arrive at the measured demand; the measured treatments per week are spread
    over the weekdays as whole slots; each list holds its own priority class, so targets
    are the priorities' own. The backlog takes the pooled age profile ``bands``.
    """
    if not stats:
        raise InvalidInput("no waiting lists to simulate", code="nothing_to_simulate")
    if days < 7:
        raise InvalidInput("simulate at least a week", where="days")
    priorities = all_priorities()
    shares = np.zeros((len(stats), len(priorities)))
    initial = np.zeros((len(stats), len(priorities)), dtype=np.int64)
    slots = np.zeros((len(stats), days), dtype=np.int64)
    weekday = (np.arange(days) + stats[0].as_of.weekday() + 1) % 7
    for i, s in enumerate(stats):
        k = priorities.index(s.key.priority)
        shares[i, k] = 1.0
        initial[i, k] = s.waiting - s.paused
        per_week = round(_finite(s.summary.capacity_per_week))
        base, extra = divmod(per_week, WEEKDAYS)
        pattern = np.array([base + (1 if d < extra else 0) for d in range(7)], dtype=np.int64)
        pattern[WEEKDAYS:] = 0
        slots[i] = pattern[weekday]
    demand = np.array([[_finite(s.summary.demand_per_week) / 7.0] for s in stats])
    has_backlog = bands is not None and sum(bands) > 0
    return simulation_input(
        demand=np.repeat(demand, days, axis=1),
        capacity=slots,
        priority_share=shares,
        priorities=priorities,
        initial_queue=initial,
        names=[f"{s.key.provider} {s.key.specialty} {s.key.priority.value}" for s in stats],
        backlog_weekly_profile=list(bands) if has_backlog and bands is not None else None,
    )


def list_scenarios(config: SimulationInput) -> tuple[Scenario, ...]:
    """The standard scenarios sized for many small lists: every list gets the change.

    Extra capacity is about 10 % of a list's mean weekly treatments (at least one slot a
    week), in single-patient slots costing GBP 625 (a four-patient session at GBP 2,500);
    outsourcing about 5 % (at least one patient a week) at GBP 3,500 a patient. The winter
    surge and the strikes are those of the hospital plan.
    """
    weekly = (
        float(config.capacity[:, : min(config.days, 28)].sum(axis=1).mean())
        * 7
        / min(config.days, 28)
    )
    extra = max(1, round(0.10 * weekly))
    days = min(extra, WEEKDAYS)
    slots = max(1, round(extra / days))
    outsourced = max(1, round(0.05 * weekly))
    hospital = standard_scenarios(config)
    return (
        Scenario(
            "extra sessions",
            (ExtraSessions(1, slots, 60 * slots, 62_500 * slots, tuple(range(days))),),
            f"{slots * days} more treatments a week on each list (about 10 %)",
        ),
        Scenario(
            "outsourcing",
            (Outsourcing(outsourced, 350_000),),
            f"{outsourced} patients a week from each list treated elsewhere",
        ),
        *hospital[2:],
    )


def sessions_for(plan: SessionPlan, specialties: Sequence[str]) -> list[TheatreSession]:
    """The plan's sessions: each specialty, each weekday, ``sessions_per_weekday`` times."""
    if plan.weeks < 1 or plan.sessions_per_weekday < 1 or plan.minutes < 1:
        raise InvalidInput(
            "a session plan needs at least one week, one session a day and some minutes",
            where="sessions",
        )
    out = []
    for offset in range(7 * plan.weeks):
        day = plan.start + timedelta(days=offset)
        if day.weekday() >= WEEKDAYS:
            continue
        for specialty in sorted(specialties):
            for n in range(plan.sessions_per_weekday):
                out.append(
                    TheatreSession(
                        f"{specialty}-{day.isoformat()}-{n + 1}", specialty, day, plan.minutes
                    )
                )
    return out


def schedule_patients(
    waiting: Sequence[StoredReferral], default_minutes: int = DEFAULT_MINUTES
) -> list[SchedulePatient]:
    """Patients to book from referrals on the list (paused ones are not bookable).

    The clock start given to the scheduler is moved on by the days already paused, so the
    scheduler's waits are clock times.
    """
    return [
        SchedulePatient(
            patient_id=r.reference,
            specialty=r.key.specialty,
            priority=r.key.priority,
            clock_start=r.referred_on + timedelta(days=r.paused_days),
            minutes=r.minutes or default_minutes,
        )
        for r in waiting
    ]


def period_start(day: date, period: str) -> date:
    """First day of the week (Monday) or month holding ``day``."""
    if period == "week":
        return day - timedelta(days=day.weekday())
    if period == "month":
        return day.replace(day=1)
    raise InvalidInput(f"unknown period {period!r}; use week or month", where="period")


def next_period(start: date, period: str) -> date:
    if period == "week":
        return start + timedelta(days=7)
    return (start.replace(day=28) + timedelta(days=4)).replace(day=1)


def referral_history(
    referred: Sequence[date], period: str, as_of: date
) -> tuple[list[date], list[int]]:
    """Referrals per whole period, from the first referral's period to the last period
    that ended by ``as_of`` (the current, unfinished period is left out)."""
    if not referred:
        return [], []
    first = period_start(min(referred), period)
    current = period_start(as_of, period)
    if next_period(current, period) - timedelta(days=1) == as_of:
        current = next_period(current, period)
    starts: list[date] = []
    day = first
    while day < current:
        starts.append(day)
        day = next_period(day, period)
    index = {d: i for i, d in enumerate(starts)}
    counts = [0] * len(starts)
    for d in referred:
        i = index.get(period_start(d, period))
        if i is not None:
            counts[i] += 1
    return starts, counts


def referral_forecast(
    referred: Sequence[date],
    period: str,
    as_of: date,
    horizon: int,
    level: float,
    priority: Priority | None,
    provider: str | None,
    specialty: str | None,
) -> ReferralForecast:
    """Forecast referrals per period from their dates, and the capacity they will need.

    Seasons are 52 weeks or 12 months; with less history than a season and two periods
    the forecast has no season. Capacity is sized for the priority's target (factor 4), or
    for 92 % within 18 weeks (factor -ln 0.08) when the lists mix priorities.
    """
    starts, counts = referral_history(referred, period, as_of)
    if len(counts) < 3:
        raise InvalidInput(
            f"need at least 3 whole {period}s of referrals to forecast, have {len(counts)}",
            code="history_too_short",
        )
    season = 52 if period == "week" else 12
    if len(counts) < season + 2:
        season = 1
    forecast = forecast_referrals(counts, season, horizon, level)
    if priority is not None:
        target, factor = priority.target_weeks, DEFAULT_FACTOR
    else:
        target, factor = STANDARD_WEEKS, factor_for_share_within(STANDARD_SHARE)
    weeks = 1.0 if period == "week" else 365.25 / 12 / 7
    future = [next_period(starts[-1], period)]
    while len(future) < horizon:
        future.append(next_period(future[-1], period))
    return ReferralForecast(
        provider=provider,
        specialty=specialty,
        period=period,
        history_starts=tuple(starts),
        history=tuple(counts),
        future_starts=tuple(future),
        forecast=forecast,
        season_length=season,
        target_weeks=target,
        plan=capacity_needed(forecast, weeks, target, factor),
    )
