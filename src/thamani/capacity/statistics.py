"""Patient-level waiting-list statistics: queue size, referrals, removals, summary.

Input is a list of patients, each with a referral date and a removal date (or none while
waiting). Days are whole days; a patient removed on day ``d`` is not on the list at the end
of day ``d``, and one referred on ``d`` is.

Written against the reference package (NHSRwaitinglist) with its slips put right:

* the mean wait is measured in **weeks** before it meets a target in weeks (the reference
  compared days with weeks);
* the referral count is the number of referrals in the range, not one more;
* removal statistics use only removals inside the date range;
* removals for reasons other than treatment (withdrawals) are counted apart from capacity.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import numpy.typing as npt

from thamani.capacity import formulas
from thamani.errors import InvalidInput

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_EPOCH = date(1970, 1, 1)
NOT_REMOVED = np.iinfo(np.int64).max
"""Removal day recorded for a patient still waiting."""


def day_number(day: date) -> int:
    """Days since 1970-01-01 (the integer the arrays hold)."""
    return (day - _EPOCH).days


def day_from_number(number: int) -> date:
    """The date of a day number."""
    return _EPOCH + timedelta(days=int(number))


@dataclass(frozen=True, slots=True)
class PatientList:
    """Referral and removal days of the patients of one waiting list.

    referral_day: day number of each referral (clock start).
    removal_day: day number of each removal, ``NOT_REMOVED`` for those still waiting.
    treated: True where the removal was a treatment, False for withdrawals (declined,
        moved, died) and for patients still waiting.
    """

    referral_day: IntArray
    removal_day: IntArray
    treated: BoolArray

    def __len__(self) -> int:
        return int(self.referral_day.size)

    @property
    def first_day(self) -> int:
        """Earliest referral day."""
        return int(self.referral_day.min())

    @property
    def last_day(self) -> int:
        """Latest referral or removal day."""
        removed = self.removal_day[self.removal_day != NOT_REMOVED]
        last = int(self.referral_day.max())
        return max(last, int(removed.max())) if removed.size else last


def patient_list(
    referrals: Sequence[date],
    removals: Sequence[date | None],
    treated: Sequence[bool] | None = None,
) -> PatientList:
    """Build a :class:`PatientList`, checking that each removal follows its referral.

    ``treated`` defaults to True for every removed patient.
    """
    if len(referrals) != len(removals):
        raise InvalidInput(
            f"{len(referrals)} referral dates but {len(removals)} removal dates; "
            "give one removal (or None) per referral"
        )
    if not referrals:
        raise InvalidInput("the waiting list has no patients")
    if treated is not None and len(treated) != len(referrals):
        raise InvalidInput("give one treated flag per patient")
    referral_day = np.fromiter((day_number(d) for d in referrals), np.int64, len(referrals))
    removal_day = np.fromiter(
        (NOT_REMOVED if d is None else day_number(d) for d in removals),
        np.int64,
        len(removals),
    )
    early = np.flatnonzero(removal_day < referral_day)
    if early.size:
        i = int(early[0])
        raise InvalidInput(
            f"patient {i + 1}: removal {removals[i]} is before referral {referrals[i]}"
        )
    removed = removal_day != NOT_REMOVED
    flags = removed if treated is None else np.asarray(treated, dtype=np.bool_) & removed
    return PatientList(referral_day, removal_day, flags)


def _range(patients: PatientList, start: date | None, end: date | None) -> tuple[int, int]:
    """Day numbers of the range, defaulting to the list's own first and last day."""
    lo = patients.first_day if start is None else day_number(start)
    hi = patients.last_day if end is None else day_number(end)
    if hi < lo:
        raise InvalidInput(f"end {day_from_number(hi)} is before start {day_from_number(lo)}")
    return lo, hi


@dataclass(frozen=True, slots=True)
class QueueSeries:
    """Queue size at the end of every day of a range.

    start: the first day.
    sizes: patients on the list at the end of each day from ``start``.
    """

    start: date
    sizes: IntArray

    @property
    def end(self) -> date:
        """The last day of the series."""
        return self.start + timedelta(days=int(self.sizes.size) - 1)

    def days(self) -> list[date]:
        """Every day of the series."""
        return [self.start + timedelta(days=i) for i in range(int(self.sizes.size))]


def _queue_at_end_of(patients: PatientList, days: IntArray) -> IntArray:
    """Patients referred on or before each day and not removed by its end."""
    refs = np.sort(patients.referral_day)
    rems = np.sort(patients.removal_day)
    arrived = np.searchsorted(refs, days, side="right")
    left = np.searchsorted(rems, days, side="right")
    return (arrived - left).astype(np.int64)


def daily_queue_size(
    patients: PatientList, start: date | None = None, end: date | None = None
) -> QueueSeries:
    """Queue size at the end of each day from ``start`` to ``end`` (inclusive).

    Patients referred before ``start`` and still waiting count; those removed before it do
    not (the reference package counted them).
    """
    lo, hi = _range(patients, start, end)
    days = np.arange(lo, hi + 1, dtype=np.int64)
    return QueueSeries(day_from_number(lo), _queue_at_end_of(patients, days))


@dataclass(frozen=True, slots=True)
class ReferralStatistics:
    """Referrals (arrivals) in a date range.

    count: referrals dated inside the range.
    days: length of the range in days (both ends included).
    demand_per_week: referrals per week (7 x count / days).
    mean_interarrival_days: days between referrals on average (days / count).
    cv_interarrival: coefficient of variation of the time between referrals, estimated as
        the square root of the index of dispersion (variance / mean) of daily counts, which
        a renewal process's squared CV equals in the long run; 1 for Poisson referrals,
        0 for perfectly regular ones.
    """

    count: int
    days: int
    demand_per_week: float
    mean_interarrival_days: float
    cv_interarrival: float


def _dispersion_cv(counts: IntArray) -> float:
    """Square root of variance / mean of counts (NaN when it cannot be estimated)."""
    if counts.size < 2 or counts.sum() == 0:
        return math.nan
    mean = float(counts.mean())
    return math.sqrt(float(counts.var(ddof=1)) / mean)


def referral_statistics(
    patients: PatientList, start: date | None = None, end: date | None = None
) -> ReferralStatistics:
    """Demand and its variability from the referrals dated inside ``[start, end]``."""
    lo, hi = _range(patients, start, end)
    days = hi - lo + 1
    inside = patients.referral_day[(patients.referral_day >= lo) & (patients.referral_day <= hi)]
    count = int(inside.size)
    daily = np.bincount(inside - lo, minlength=days).astype(np.int64)
    return ReferralStatistics(
        count=count,
        days=days,
        demand_per_week=7.0 * count / days,
        mean_interarrival_days=days / count if count else math.inf,
        cv_interarrival=_dispersion_cv(daily),
    )


@dataclass(frozen=True, slots=True)
class RemovalStatistics:
    """Removals in a date range, with capacity estimated from busy days only.

    treated: removals by treatment dated inside the range.
    withdrawn: removals for other reasons (declined, moved, died) inside the range.
    busy_days: days in the range on which someone was on the list (idle days, when the
        list was empty, say nothing about capacity and are left out).
    capacity_per_week: treatments per busy week (7 x treated / busy_days).
    cv_removal: coefficient of variation of the time between treatments, as the square
        root of the index of dispersion of daily treatment counts on busy days.
    """

    treated: int
    withdrawn: int
    busy_days: int
    capacity_per_week: float
    cv_removal: float


def removal_statistics(
    patients: PatientList, start: date | None = None, end: date | None = None
) -> RemovalStatistics:
    """Capacity and its variability from the removals inside ``[start, end]``."""
    lo, hi = _range(patients, start, end)
    days = np.arange(lo, hi + 1, dtype=np.int64)
    in_range = (patients.removal_day >= lo) & (patients.removal_day <= hi)
    treated_days = patients.removal_day[in_range & patients.treated]
    withdrawn = int(np.count_nonzero(in_range & ~patients.treated))
    waiting_before = _queue_at_end_of(patients, days - 1)
    arrivals = np.bincount(
        patients.referral_day[(patients.referral_day >= lo) & (patients.referral_day <= hi)] - lo,
        minlength=days.size,
    )
    busy = (waiting_before + arrivals) > 0
    daily_treated = np.bincount(treated_days - lo, minlength=days.size).astype(np.int64)
    busy_days = int(np.count_nonzero(busy))
    treated = int(treated_days.size)
    return RemovalStatistics(
        treated=treated,
        withdrawn=withdrawn,
        busy_days=busy_days,
        capacity_per_week=7.0 * treated / busy_days if busy_days else math.nan,
        cv_removal=_dispersion_cv(daily_treated[busy]),
    )


def mean_wait_weeks(patients: PatientList, as_of: date) -> float:
    """Mean time waited so far, in weeks, by the patients on the list at end of ``as_of``."""
    day = day_number(as_of)
    waiting = (patients.referral_day <= day) & (patients.removal_day > day)
    if not waiting.any():
        return 0.0
    return float((day - patients.referral_day[waiting]).mean()) / 7.0


@dataclass(frozen=True, slots=True)
class WaitingListSummary:
    """The key figures of one waiting list over a date range, all rates per week.

    demand_per_week: referrals per week.
    capacity_per_week: treatments per busy week.
    load: demand / capacity.
    queue_size: patients waiting at the end of the range.
    target_queue_size: demand x target / factor.
    mean_wait_weeks: mean time waited so far by those waiting at the end, in weeks.
    target_mean_wait_weeks: target / factor.
    cv_demand: coefficient of variation of referrals.
    cv_capacity: coefficient of variation of treatments.
    target_capacity: treatments per week that hold the mean wait at target / factor.
    relief_capacity: treatments per week that bring the queue to target size in the
        given time.
    pressure: 2 x mean wait / target.
    referrals: referral statistics behind the figures.
    removals: removal statistics behind the figures.
    """

    demand_per_week: float
    capacity_per_week: float
    load: float
    queue_size: int
    target_queue_size: float
    mean_wait_weeks: float
    target_mean_wait_weeks: float
    cv_demand: float
    cv_capacity: float
    target_capacity: float
    relief_capacity: float
    pressure: float
    referrals: ReferralStatistics
    removals: RemovalStatistics


def waiting_list_summary(
    patients: PatientList,
    target_weeks: float,
    start: date | None = None,
    end: date | None = None,
    factor: float = formulas.DEFAULT_FACTOR,
    weeks_to_target: float = 26.0,
) -> WaitingListSummary:
    """Summarise a waiting list against a target in weeks.

    Demand, capacity, waits and target share one unit (weeks), so the formulas apply as
    written. A coefficient of variation that cannot be estimated (too few data) is taken as
    1, the Poisson value.
    """
    lo, hi = _range(patients, start, end)
    first, last = day_from_number(lo), day_from_number(hi)
    refs = referral_statistics(patients, first, last)
    rems = removal_statistics(patients, first, last)
    queue = int(_queue_at_end_of(patients, np.array([hi], dtype=np.int64))[0])
    demand = refs.demand_per_week
    capacity = rems.capacity_per_week
    cv_d = 1.0 if math.isnan(refs.cv_interarrival) else refs.cv_interarrival
    cv_c = 1.0 if math.isnan(rems.cv_removal) else rems.cv_removal
    target_queue = formulas.target_queue_size(demand, target_weeks, factor)
    mean_wait = mean_wait_weeks(patients, last)
    return WaitingListSummary(
        demand_per_week=demand,
        capacity_per_week=capacity,
        load=formulas.queue_load(demand, capacity) if capacity > 0 else math.inf,
        queue_size=queue,
        target_queue_size=target_queue,
        mean_wait_weeks=mean_wait,
        target_mean_wait_weeks=formulas.target_mean_wait(target_weeks, factor),
        cv_demand=cv_d,
        cv_capacity=cv_c,
        target_capacity=formulas.target_capacity(demand, target_weeks, factor, cv_d, cv_c),
        relief_capacity=formulas.relief_capacity(demand, queue, target_queue, weeks_to_target),
        pressure=formulas.waiting_list_pressure(mean_wait, target_weeks),
        referrals=refs,
        removals=rems,
    )
