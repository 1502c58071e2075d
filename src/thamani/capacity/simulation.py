"""Fast vectorised waiting-list simulation for many lists over years (numpy).

Time moves in days. Each list has, per day, a referral rate (Poisson) and a number of
treatment slots. Referrals are split into priority classes; each day the slots go to the
most urgent class first, first come first served within a class. A slot serves patients
already on the list at the start of the day, so a patient referred today waits at least a
day. Every patient is followed: their wait is recovered from cumulative counts (the k-th
patient of a first-in-first-out queue leaves on the day the k-th departure happens), so a
million patients cost a few array operations, not a million Python steps.

Reneging (patients leaving untreated) is left to the detailed discrete-event simulation in
:mod:`thamani.capacity.events`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from thamani.capacity.priorities import Priority
from thamani.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class SimulationInput:
    """What the fast simulation needs, for ``L`` lists over ``T`` days.

    demand: referrals expected per day, shape (L, T).
    capacity: treatment slots per day, shape (L, T), whole numbers.
    priority_share: share of referrals in each priority class, shape (K,) summing to 1 or
        (L, K) per list; classes in urgency order.
    priorities: the K priority classes the shares refer to, most urgent first.
    target_days: the wait each class is held to, in days (the priorities' own targets
        unless another standard is given, such as 126 days for 18 weeks).
    initial_queue: patients already waiting on day 0 per list and class, shape (L, K).
    backlog_span_days: the initial patients were referred over this many days before day 0.
    backlog_profile: relative number of initial patients by age in days (index 0 = referred
        the day before day 0), length ``backlog_span_days``; None for evenly spread.
    names: a name per list.
    """

    demand: FloatArray
    capacity: IntArray
    priority_share: FloatArray
    priorities: tuple[Priority, ...]
    target_days: tuple[int, ...]
    initial_queue: IntArray
    backlog_span_days: int
    names: tuple[str, ...]
    backlog_profile: FloatArray | None = None

    @property
    def lists(self) -> int:
        """Number of waiting lists (L)."""
        return int(self.demand.shape[0])

    @property
    def days(self) -> int:
        """Number of simulated days (T)."""
        return int(self.demand.shape[1])


def simulation_input(
    demand: npt.ArrayLike,
    capacity: npt.ArrayLike,
    priority_share: npt.ArrayLike = (1.0,),
    priorities: Sequence[Priority] = (Priority.P4,),
    initial_queue: npt.ArrayLike = 0,
    backlog_span_days: int = 182,
    names: Sequence[str] | None = None,
    backlog_weekly_profile: Sequence[float] | None = None,
    target_days: Sequence[int] | None = None,
) -> SimulationInput:
    """Check and broadcast inputs into a :class:`SimulationInput`.

    ``demand`` and ``capacity`` broadcast to (L, T); ``initial_queue`` to (L, K).
    ``backlog_weekly_profile`` gives the initial patients' ages as counts per week waited
    (RTT bands: 0-1 weeks, 1-2 weeks, ...); it sets ``backlog_span_days`` to 7 per week.
    """
    d = np.asarray(demand, dtype=np.float64)
    c = np.asarray(capacity)
    if d.ndim != 2:
        raise InvalidInput("demand must be a 2-D array: one row per list, one column per day")
    d, c = np.broadcast_arrays(d, c)
    if np.isnan(d).any() or (d < 0).any():
        raise InvalidInput("demand must be a non-negative number on every day")
    if (c < 0).any() or not np.all(np.equal(np.mod(c, 1), 0)):
        raise InvalidInput("capacity must be a whole non-negative number of slots per day")
    shares = np.asarray(priority_share, dtype=np.float64)
    if shares.shape[-1] != len(priorities):
        raise InvalidInput(f"give one priority share per class ({len(priorities)})")
    if (shares < 0).any() or not np.allclose(shares.sum(axis=-1), 1.0):
        raise InvalidInput("priority shares must be non-negative and sum to 1")
    shares = np.broadcast_to(shares, (d.shape[0], len(priorities))).copy()
    initial = np.broadcast_to(np.asarray(initial_queue, dtype=np.int64), shares.shape).copy()
    if (initial < 0).any():
        raise InvalidInput("the initial queue must not be negative")
    profile = None
    if backlog_weekly_profile is not None:
        weekly = np.asarray(backlog_weekly_profile, dtype=np.float64)
        if weekly.ndim != 1 or weekly.size == 0 or (weekly < 0).any() or weekly.sum() <= 0:
            raise InvalidInput("the backlog profile needs non-negative counts, not all zero")
        profile = np.repeat(weekly / 7.0, 7)
        backlog_span_days = int(profile.size)
    if backlog_span_days < 1:
        raise InvalidInput("backlog_span_days must be at least 1")
    targets = (
        tuple(p.target_days for p in priorities) if target_days is None else tuple(target_days)
    )
    if len(targets) != len(priorities) or min(targets) < 0:
        raise InvalidInput("give one non-negative target in days per priority class")
    labels = tuple(names) if names is not None else tuple(f"list-{i}" for i in range(len(d)))
    if len(labels) != d.shape[0]:
        raise InvalidInput("give one name per list")
    return SimulationInput(
        demand=np.ascontiguousarray(d),
        capacity=np.ascontiguousarray(c, dtype=np.int64),
        priority_share=shares,
        priorities=tuple(priorities),
        target_days=targets,
        initial_queue=initial,
        backlog_span_days=backlog_span_days,
        names=labels,
        backlog_profile=profile,
    )


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Outcome of a fast simulation for ``L`` lists, ``K`` classes, ``T`` days.

    priorities: the K classes, most urgent first.
    target_days: the wait each class is held to, in days.
    names: a name per list.
    queue: patients waiting at the end of each day per list, shape (L, T).
    referrals: referrals per class, list and day, shape (K, L, T).
    treated: treatments per class, list and day, shape (K, L, T).
    wait_list: list index of each patient treated or still waiting, shape (N,).
    wait_class: class index of each such patient, shape (N,).
    wait_days: days waited (to treatment, or to the last day when still waiting), (N,).
    still_waiting: True for patients not treated by the end, shape (N,).
    """

    priorities: tuple[Priority, ...]
    target_days: tuple[int, ...]
    names: tuple[str, ...]
    queue: IntArray
    referrals: IntArray
    treated: IntArray
    wait_list: IntArray
    wait_class: IntArray
    wait_days: IntArray
    still_waiting: npt.NDArray[np.bool_]

    @property
    def patients(self) -> int:
        """Patients followed: the initial backlog plus every referral."""
        return int(self.wait_days.size)

    def patient_days_waited(self) -> int:
        """Sum over days of the queue size: the total days spent waiting in the run."""
        return int(self.queue.sum())

    def breaches(self) -> npt.NDArray[np.bool_]:
        """Per patient, True when the wait exceeds their class's target."""
        targets = np.array(self.target_days, dtype=np.int64)
        return self.wait_days > targets[self.wait_class]


def backlog_arrival_days(
    rank: IntArray, size: IntArray, span: int, profile: FloatArray | None
) -> IntArray:
    """Referral day (negative) of the initial patients, oldest first within each queue.

    ``rank`` is each patient's place in its queue (0 = longest waiting) and ``size`` the
    queue's initial length. Without a profile they are spread evenly over ``span`` days;
    with one, patient ``r`` of ``n`` sits at the ``(r + 0.5) / n`` quantile of the ages.
    """
    n = np.maximum(size, 1)
    if profile is None:
        return (-span + (rank * span) // n).astype(np.int64)
    oldest_first = np.cumsum(profile[::-1]) / profile.sum()
    index = np.searchsorted(oldest_first, (rank + 0.5) / n, side="left")
    age = span - 1 - np.minimum(index, span - 1)
    return (-age - 1).astype(np.int64)


def _serve(backlog: IntArray, capacity_today: IntArray) -> tuple[IntArray, IntArray]:
    """Share one day's slots across classes, most urgent first.

    backlog: waiting per class and list (K, L). Returns treated (K, L) and the new backlog.
    """
    served = np.empty_like(backlog)
    remaining = capacity_today.copy()
    for k in range(backlog.shape[0]):
        take = np.minimum(backlog[k], remaining)
        served[k] = take
        remaining -= take
    return served, backlog - served


def _arrival_days(cumulative: IntArray, counts: IntArray) -> IntArray:
    """Day of arrival of every patient, list by list, from cumulative arrivals (L, T).

    Patients of all lists are numbered consecutively; adding each list's offset makes the
    flattened cumulative counts non-decreasing so one ``searchsorted`` places everyone.
    """
    days = int(cumulative.shape[1])
    offsets = np.concatenate(([0], np.cumsum(counts)[:-1])).astype(np.int64)
    flat = (cumulative + offsets[:, None]).ravel()
    index = np.arange(int(counts.sum()), dtype=np.int64)
    position: IntArray = np.searchsorted(flat, index, side="right").astype(np.int64)
    return position % days


def _fixed_referrals(config: SimulationInput) -> IntArray:
    """Deterministic referrals: whole patients as the cumulative expected count passes them."""
    expected = config.demand[None, :, :] * config.priority_share.T[:, :, None]  # (K, L, T)
    cumulative = np.floor(np.cumsum(expected, axis=2) + 1e-9).astype(np.int64)
    return np.diff(cumulative, axis=2, prepend=0)


def _random_referrals(config: SimulationInput, rng: np.random.Generator) -> IntArray:
    """Poisson referrals per list and day, split across classes by their shares."""
    total = rng.poisson(config.demand)  # (L, T)
    if len(config.priorities) == 1:
        return total[None, :, :].astype(np.int64)
    shares = np.broadcast_to(
        config.priority_share[:, None, :], (config.lists, config.days, len(config.priorities))
    )
    return np.moveaxis(rng.multinomial(total, shares), 2, 0).astype(np.int64)


def simulate(
    config: SimulationInput, seed: int | None = 0, random_referrals: bool = True
) -> SimulationResult:
    """Run the fast simulation; the same seed gives the same result.

    With ``random_referrals`` False, referrals are the expected numbers rounded down
    cumulatively (no randomness), for planted scenarios whose answer is known.
    """
    if random_referrals:
        referrals = _random_referrals(config, np.random.default_rng(seed))
    else:
        referrals = _fixed_referrals(config)
    classes, lists, days = referrals.shape
    backlog = config.initial_queue.T.copy()  # (K, L)
    treated = np.empty((classes, lists, days), dtype=np.int64)
    queue = np.empty((lists, days), dtype=np.int64)
    for t in range(days):
        served, backlog = _serve(backlog, config.capacity[:, t])
        treated[:, :, t] = served
        backlog += referrals[:, :, t]
        queue[:, t] = backlog.sum(axis=0)
    return _follow_patients(config, referrals, treated, queue)


def _follow_patients(
    config: SimulationInput, referrals: IntArray, treated: IntArray, queue: IntArray
) -> SimulationResult:
    """Recover every patient's wait from cumulative arrivals and departures per class."""
    days = config.days
    span = config.backlog_span_days
    lists_out: list[IntArray] = []
    class_out: list[IntArray] = []
    wait_out: list[IntArray] = []
    waiting_out: list[npt.NDArray[np.bool_]] = []
    for k in range(len(config.priorities)):
        initial = config.initial_queue[:, k]
        # Arrival day of the backlog spread over the span before day 0, then referrals.
        arrivals = np.concatenate(
            [np.zeros((config.lists, 1), dtype=np.int64), referrals[k]], axis=1
        )
        arrivals[:, 0] = initial
        cum_arrivals = np.cumsum(arrivals, axis=1)  # column 0: before day 0
        counts = cum_arrivals[:, -1]
        arrival_col = _arrival_days(cum_arrivals, counts)  # 0 = backlog, t+1 = day t
        departures = np.concatenate(
            [np.zeros((config.lists, 1), dtype=np.int64), treated[k]], axis=1
        )
        cum_departures = np.cumsum(departures, axis=1)
        served_total = cum_departures[:, -1]
        list_index = np.repeat(np.arange(config.lists, dtype=np.int64), counts)
        rank = np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(
            np.concatenate(([0], np.cumsum(counts)[:-1])), counts
        )
        served = rank < served_total[list_index]
        depart_col = np.full(rank.shape, days + 1, dtype=np.int64)
        if served.any():
            depart_col[served] = _arrival_days(cum_departures, served_total)
        backlog_rank = np.where(arrival_col == 0, rank, 0)
        backlog_day = backlog_arrival_days(
            backlog_rank, initial[list_index], span, config.backlog_profile
        )
        arrival_day = np.where(arrival_col == 0, backlog_day, arrival_col - 1)
        end_day = np.where(served, depart_col - 1, days - 1)
        lists_out.append(list_index)
        class_out.append(np.full(rank.shape, k, dtype=np.int64))
        wait_out.append(end_day - arrival_day)
        waiting_out.append(~served)
    return SimulationResult(
        priorities=config.priorities,
        target_days=config.target_days,
        names=config.names,
        queue=queue,
        referrals=referrals,
        treated=treated,
        wait_list=np.concatenate(lists_out),
        wait_class=np.concatenate(class_out),
        wait_days=np.concatenate(wait_out),
        still_waiting=np.concatenate(waiting_out),
    )


def weekly_capacity(
    slots_per_weekday: Sequence[int], days: int, first_weekday: int = 0
) -> IntArray:
    """Daily slots over ``days`` days from a Monday-to-Sunday pattern of 7 numbers.

    ``first_weekday`` is the weekday of day 0 (0 Monday ... 6 Sunday).
    """
    if len(slots_per_weekday) != 7:
        raise InvalidInput("give slots for each of the 7 weekdays, Monday first")
    pattern = np.asarray(slots_per_weekday, dtype=np.int64)
    if (pattern < 0).any():
        raise InvalidInput("slots per weekday must not be negative")
    return pattern[(np.arange(days) + first_weekday) % 7]
