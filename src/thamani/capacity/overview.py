"""The readable plan of stored waiting lists (the RTT file has its own in ``report``).

From the statistics of each list, the pooled clock waits, a scenario comparison and a
referral forecast, fill the same report page the RTT plan uses: headline figures, queue
over time per scenario, wait distribution, capacity needed against available, capacity
per list, and the scenario table.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from thamani.capacity.plan import STANDARD_WEEKS, SpecialtyPlan
from thamani.capacity.records import ListStatistics, ReferralForecast
from thamani.capacity.report import Figure, ReportContext, build_report
from thamani.capacity.scenarios import ScenarioOutcome


def _finite(value: float) -> float:
    return value if value == value and abs(value) != float("inf") else 0.0


def list_plans(stats: Sequence[ListStatistics]) -> list[SpecialtyPlan]:
    """One capacity row per list, in the shape of the RTT plan's specialty rows."""
    return [
        SpecialtyPlan(
            treatment_function=f"{s.key.specialty} {s.key.priority.value}",
            name=f"{s.key.provider} {s.key.specialty} {s.key.priority.value}",
            demand_per_week=_finite(s.summary.demand_per_week),
            capacity_per_week=_finite(s.summary.capacity_per_week),
            load=s.summary.load,
            waiting=s.waiting,
            target_queue_size=_finite(s.summary.target_queue_size),
            mean_wait_weeks=_finite(s.summary.mean_wait_weeks),
            pressure=_finite(s.summary.pressure),
            target_capacity=_finite(s.summary.target_capacity),
            relief_capacity=_finite(s.summary.relief_capacity),
        )
        for s in stats
    ]


def headline(stats: Sequence[ListStatistics]) -> list[Figure]:
    """Patients waiting, share within their priority's target, over 52 weeks, paused."""
    waiting = sum(s.waiting for s in stats)
    within = sum((s.within_target_pct or 0.0) * s.waiting / 100.0 for s in stats)
    return [
        Figure("patients waiting", f"{waiting:,}"),
        Figure(
            "within their priority's target",
            f"{100.0 * within / waiting:.1f} %" if waiting else "",
        ),
        Figure("waiting over 52 weeks", f"{sum(s.over_52_weeks for s in stats):,}"),
        Figure("clocks paused", f"{sum(s.paused for s in stats):,}"),
    ]


def lists_report(
    title: str,
    stats: Sequence[ListStatistics],
    bands: Sequence[int],
    outcomes: Sequence[ScenarioOutcome],
    forecast: ReferralForecast | None,
    currency: str,
    as_of: date,
) -> ReportContext:
    """The report context for stored lists at ``as_of``."""
    lists = len(stats)
    subtitle = (
        f"{lists} waiting list{'s' if lists != 1 else ''} on {as_of.isoformat()}; "
        f"{outcomes[0].daily_queue.size if outcomes else 0} days simulated from the current "
        f"lists; waits are clock times against each priority's target."
    )
    available = sum(_finite(s.summary.capacity_per_week) for s in stats)
    return build_report(
        title,
        subtitle,
        wait_bands=bands,
        target_weeks=STANDARD_WEEKS,
        scenarios=outcomes,
        plan=None if forecast is None else forecast.plan,
        available_per_week=available,
        specialties=list_plans(stats),
        currency=currency,
        generated=as_of,
        figures=headline(stats),
    )
