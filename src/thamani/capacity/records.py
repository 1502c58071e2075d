"""Records of the stored waiting lists: lists, referrals, imports, snapshots, statistics.

The pure core's records (pathways, RTT rows, simulations, schedules, forecasts) live in
their own modules; these are what the store and the use cases hand back.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from thamani.capacity.pathways import ClockEvent, RemovalReason, WaitingListKey
from thamani.capacity.statistics import WaitingListSummary

if TYPE_CHECKING:
    from thamani.capacity.forecasting import CapacityPlan, Forecast


def rounded(value: float | None, digits: int = 2) -> float | None:
    """A finite number rounded for people and JSON; None for unknown or infinite values."""
    if value is None or not math.isfinite(value):
        return None
    return round(value, digits)


class ReferralStatus(enum.Enum):
    """Where a referral's clock stands."""

    WAITING = "waiting"
    PAUSED = "paused"
    REMOVED = "removed"


@dataclass(frozen=True, slots=True)
class WaitingList:
    """A stored waiting list with its head counts.

    id: the store's number for the list.
    key: provider, specialty and priority.
    waiting: referrals whose clock runs.
    paused: referrals whose clock is paused (still on the list).
    removed: referrals that left the list (treated, declined, moved, died).
    """

    id: int
    key: WaitingListKey
    waiting: int
    paused: int
    removed: int

    def as_report(self) -> dict[str, Any]:
        """The list as plain JSON."""
        return {
            "provider": self.key.provider,
            "specialty": self.key.specialty,
            "priority": self.key.priority.value,
            "waiting": self.waiting,
            "paused": self.paused,
            "removed": self.removed,
        }


@dataclass(frozen=True, slots=True)
class StoredReferral:
    """A referral as stored: its list, its clock state and (when asked for) its history.

    reference: the provider's own identifier of the referral (no patient identity).
    key: the waiting list.
    referred_on: clock start.
    minutes: session minutes the treatment needs, when known.
    status: waiting, paused or removed.
    paused_since: first day of the open pause, None unless paused.
    paused_days: days in pauses that have ended.
    removed_on: clock stop, None while on the list.
    removal_reason: why the clock stopped, None while on the list.
    events: the clock events in order (empty unless the history was read).
    """

    reference: str
    key: WaitingListKey
    referred_on: date
    minutes: int | None
    status: ReferralStatus
    paused_since: date | None
    paused_days: int
    removed_on: date | None
    removal_reason: RemovalReason | None
    events: tuple[ClockEvent, ...] = ()

    def waited_days(self, as_of: date) -> int:
        """Days on the clock at ``as_of`` (paused days left out), up to the clock stop."""
        end = as_of if self.removed_on is None else min(self.removed_on, as_of)
        if end <= self.referred_on:
            return 0
        open_pause = 0
        if self.paused_since is not None and self.paused_since < end:
            open_pause = (end - self.paused_since).days
        return (end - self.referred_on).days - self.paused_days - open_pause

    def as_report(self, as_of: date) -> dict[str, Any]:
        """The referral as plain JSON, with its clock days at ``as_of``."""
        return {
            "provider": self.key.provider,
            "referral_id": self.reference,
            "specialty": self.key.specialty,
            "priority": self.key.priority.value,
            "referred_on": self.referred_on.isoformat(),
            "status": self.status.value,
            "waited_days": self.waited_days(as_of),
            "paused_days": self.paused_days,
            "paused_since": self.paused_since.isoformat() if self.paused_since else None,
            "removed_on": self.removed_on.isoformat() if self.removed_on else None,
            "removal_reason": self.removal_reason.value if self.removal_reason else None,
            "minutes": self.minutes,
            "events": [
                {
                    "kind": e.kind.value,
                    "on": e.on.isoformat(),
                    "reason": e.reason.value if e.reason else None,
                }
                for e in self.events
            ],
        }


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What an import stored (it stores everything or nothing).

    source: the file or batch name.
    referrals: referrals added.
    removals: clock stops recorded.
    lists_created: waiting lists that did not exist before.
    """

    source: str
    referrals: int
    removals: int
    lists_created: int

    def as_report(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "referrals": self.referrals,
            "removals": self.removals,
            "lists_created": self.lists_created,
        }


@dataclass(frozen=True, slots=True)
class RttSnapshot:
    """An imported NHS England RTT file.

    id: the store's number for the snapshot.
    source: the file name it came from.
    period: the period label ("RTT-November-2024").
    month: first day of that month.
    rows: data rows stored.
    providers: provider codes in the file, sorted.
    imported_at: nanoseconds since the epoch.
    """

    id: int
    source: str
    period: str
    month: date
    rows: int
    providers: tuple[str, ...]
    imported_at: int

    def as_report(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "period": self.period,
            "month": self.month.isoformat(),
            "rows": self.rows,
            "providers": list(self.providers),
        }


@dataclass(frozen=True, slots=True)
class ListStatistics:
    """Figures for one waiting list at a date: aggregates only, no referral in them.

    key: the waiting list.
    as_of: the date of the figures.
    start: first day of the range demand and capacity were measured over.
    waiting: patients on the list at ``as_of`` (paused ones included).
    paused: patients whose clock is paused.
    within_target_pct: percent of those waiting whose clock time is within the
        priority's target; None with nobody waiting.
    over_52_weeks: patients whose clock time is over 52 weeks.
    median_wait_weeks: median clock time of those waiting; None with nobody waiting.
    p92_wait_weeks: 92nd percentile of it; None with nobody waiting.
    summary: the queueing figures (demand, capacity, load, target queue size, target
        and relief capacity, pressure) over the range, against the priority's target.
    """

    key: WaitingListKey
    as_of: date
    start: date
    waiting: int
    paused: int
    within_target_pct: float | None
    over_52_weeks: int
    median_wait_weeks: float | None
    p92_wait_weeks: float | None
    summary: WaitingListSummary

    def as_report(self) -> dict[str, Any]:
        """The figures as plain JSON (unknown or infinite values as null)."""
        m = self.summary
        return {
            "provider": self.key.provider,
            "specialty": self.key.specialty,
            "priority": self.key.priority.value,
            "target_weeks": rounded(self.key.priority.target_weeks, 3),
            "as_of": self.as_of.isoformat(),
            "start": self.start.isoformat(),
            "waiting": self.waiting,
            "paused": self.paused,
            "within_target_pct": rounded(self.within_target_pct, 1),
            "over_52_weeks": self.over_52_weeks,
            "median_wait_weeks": rounded(self.median_wait_weeks, 1),
            "p92_wait_weeks": rounded(self.p92_wait_weeks, 1),
            "referrals": m.referrals.count,
            "treated": m.removals.treated,
            "withdrawn": m.removals.withdrawn,
            "demand_per_week": rounded(m.demand_per_week),
            "capacity_per_week": rounded(m.capacity_per_week),
            "load": rounded(m.load, 3),
            "target_queue_size": rounded(m.target_queue_size, 1),
            "mean_wait_weeks": rounded(m.mean_wait_weeks, 2),
            "target_capacity": rounded(m.target_capacity),
            "relief_capacity": rounded(m.relief_capacity),
            "pressure": rounded(m.pressure, 3),
        }


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """Sessions to book into: each specialty gets the same weekday timetable.

    start: first day of the plan.
    weeks: how many weeks it runs.
    sessions_per_weekday: sessions per specialty each weekday (Monday to Friday).
    minutes: minutes one session offers.
    """

    start: date
    weeks: int = 2
    sessions_per_weekday: int = 1
    minutes: int = 240


@dataclass(frozen=True, slots=True)
class ReferralForecast:
    """Referrals forecast for a set of lists, and the capacity they will need.

    provider: the provider, or None for every provider readable.
    specialty: the specialty, or None for all.
    period: "week" or "month".
    history_starts: first day of each past period.
    history: referrals in each past period.
    future_starts: first day of each forecast period.
    forecast: the forecast with its prediction interval.
    season_length: periods in one season (52 weeks, 12 months, 1 without enough history).
    target_weeks: the target the capacity is sized for.
    plan: treatments per week needed in each forecast period.
    """

    provider: str | None
    specialty: str | None
    period: str
    history_starts: tuple[date, ...]
    history: tuple[int, ...]
    future_starts: tuple[date, ...]
    forecast: Forecast
    season_length: int
    target_weeks: float
    plan: CapacityPlan

    def as_report(self) -> dict[str, Any]:
        """History, forecast with its interval, and capacity needed, as plain JSON."""
        f, plan = self.forecast, self.plan
        return {
            "provider": self.provider,
            "specialty": self.specialty,
            "period": self.period,
            "method": f.method.value,
            "season_length": self.season_length,
            "level": f.level,
            "target_weeks": rounded(self.target_weeks, 3),
            "history": [
                {"start": d.isoformat(), "referrals": n}
                for d, n in zip(self.history_starts, self.history, strict=True)
            ],
            "forecast": [
                {
                    "start": day.isoformat(),
                    "referrals": rounded(f.mean[i], 1),
                    "lower": rounded(f.lower[i], 1),
                    "upper": rounded(f.upper[i], 1),
                    "capacity_per_week": rounded(plan.capacity[i]),
                    "capacity_per_week_upper": rounded(plan.capacity_upper[i]),
                }
                for i, day in enumerate(self.future_starts)
            ],
        }
