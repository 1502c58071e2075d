"""A capacity plan people can read: one HTML page with figures, charts and tables.

Charts are Vega-Lite specifications built with Altair: the queue over time per scenario,
the wait distribution against the target, capacity needed against capacity available,
and the scenarios compared. The page either embeds the specs and the JavaScript bundle
that vl-convert ships (rendered in the browser, no CDN) or carries each chart as SVG
rendered by vl-convert (no JavaScript at all).

:func:`build_report` fills a typed context; :func:`render_report` turns it into HTML.
Nothing here writes files.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import altair as alt
import jinja2

from thamani.capacity.forecasting import CapacityPlan
from thamani.capacity.plan import (
    STANDARD_WEEKS,
    TOTAL_FUNCTION,
    SpecialtyPlan,
    hospital_simulation,
    specialty_plans,
    standard_scenarios,
    weekly_bands,
)
from thamani.capacity.rtt import RttRecord, RttStatistics, provider_title, rtt_statistics
from thamani.capacity.scenarios import ScenarioOutcome, WaitingCost, compare_simulations

Spec = dict[str, Any]

_WIDTH = 640
_GLOBALS = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
"""Snippet bundled with the libraries: makes vegaEmbed a global for the page's script."""


@dataclass(frozen=True, slots=True)
class Figure:
    """A headline figure.

    label: what it is.
    value: how it reads ("57.8 %").
    """

    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart on the page.

    element_id: HTML id of its container.
    title: heading above it.
    caption: one or two sentences saying how to read it.
    spec: the Vega-Lite specification.
    svg: the chart rendered as SVG, or None to render in the browser.
    """

    element_id: str
    title: str
    caption: str
    spec: Spec
    svg: str | None = None

    @property
    def spec_json(self) -> str:
        """The spec as JSON safe to put inside a script element."""
        return json.dumps(self.spec).replace("</", "<\\/")


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything the report template shows.

    title: page title.
    subtitle: provider, period and what the plan covers.
    figures: headline figures.
    charts: the charts in order.
    scenario_rows: one row of formatted cells per scenario.
    specialty_rows: one row of formatted cells per treatment function's capacity plan.
    rtt_rows: one row of formatted cells per treatment function and part.
    rtt_period: the RTT period shown.
    footer: how the page was made.
    javascript: the inline Vega bundle, or "" when every chart is SVG.
    """

    title: str
    subtitle: str
    figures: tuple[Figure, ...]
    charts: tuple[Chart, ...]
    scenario_rows: tuple[dict[str, str], ...]
    specialty_rows: tuple[dict[str, str], ...]
    rtt_rows: tuple[dict[str, str], ...]
    rtt_period: str
    footer: str
    javascript: str = ""


def _data(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Inline data for a chart."""
    return {"values": rows}


def _spec(chart: alt.TopLevelMixin) -> Spec:
    """The Vega-Lite dict of an Altair chart."""
    spec: Spec = chart.to_dict()
    return spec


def format_money(minor: int, currency: str) -> str:
    """Minor units as "GBP 1,234.56" (two decimal places)."""
    sign = "-" if minor < 0 else ""
    whole, cents = divmod(abs(minor), 100)
    return f"{currency} {sign}{whole:,}.{cents:02d}"


def queue_chart(outcomes: Sequence[ScenarioOutcome], every_days: int = 7) -> Spec:
    """Queue at the end of the day over time, one line per scenario (sampled weekly)."""
    rows = [
        {"day": day, "queue": int(outcome.daily_queue[day]), "scenario": outcome.name}
        for outcome in outcomes
        for day in range(0, outcome.daily_queue.size, every_days)
    ]
    chart = (
        alt.Chart(_data(rows))
        .mark_line()
        .encode(
            x=alt.X("day:Q", title="Day"),
            y=alt.Y("queue:Q", title="Patients waiting"),
            color=alt.Color("scenario:N", title="Scenario"),
        )
        .properties(width=_WIDTH, height=280)
    )
    return _spec(chart)


def wait_distribution_chart(bands: Sequence[int], target_weeks: float) -> Spec:
    """Patients per weekly band, with the target as a rule."""
    rows = [
        {
            "week": week,
            "patients": count,
            "status": "within target" if week < target_weeks else "past target",
        }
        for week, count in enumerate(bands)
    ]
    bars = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            x=alt.X("week:Q", title="Weeks waited", scale=alt.Scale(domain=[0, 105])),
            y=alt.Y("patients:Q", title="Patients"),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(
                    domain=["within target", "past target"], range=["#2b7bba", "#d1495b"]
                ),
            ),
        )
    )
    rule = (
        alt.Chart(_data([{"target": target_weeks}]))
        .mark_rule(strokeDash=[4, 4], color="#1d2733")
        .encode(x="target:Q")
    )
    return _spec((bars + rule).properties(width=_WIDTH, height=260))


def capacity_chart(plan: CapacityPlan, available_per_week: float) -> Spec:
    """Capacity needed per future period (with its upper band) against capacity available."""
    rows = [
        {
            "period": i + 1,
            "needed": plan.capacity[i],
            "upper": plan.capacity_upper[i],
            "demand": plan.demand[i],
            "available": available_per_week,
        }
        for i in range(len(plan.capacity))
    ]
    base = alt.Chart(_data(rows)).encode(x=alt.X("period:O", title="Period ahead"))
    band = base.mark_area(opacity=0.25, color="#d1495b").encode(
        y=alt.Y("needed:Q", title="Treatments per week"), y2="upper:Q"
    )
    needed = base.mark_line(point=True, color="#d1495b").encode(y="needed:Q")
    available = base.mark_line(strokeDash=[6, 3], color="#2b7bba").encode(y="available:Q")
    return _spec((band + needed + available).properties(width=_WIDTH, height=260))


def specialty_capacity_chart(plans: Sequence[SpecialtyPlan]) -> Spec:
    """Per treatment function: treatments per week now, to hold the standard, to recover."""
    rows = [
        {"specialty": p.name, "measure": measure, "per_week": round(value, 1)}
        for p in plans
        if p.treatment_function != TOTAL_FUNCTION
        for measure, value in (
            ("available now", p.capacity_per_week),
            ("needed to hold the standard", p.target_capacity),
            ("needed to recover in a year", p.relief_capacity),
        )
    ]
    chart = (
        alt.Chart(_data(rows))
        .mark_bar()
        .encode(
            y=alt.Y("specialty:N", title=None),
            yOffset="measure:N",
            x=alt.X("per_week:Q", title="Treatments per week"),
            color=alt.Color(
                "measure:N",
                title=None,
                scale=alt.Scale(
                    domain=[
                        "available now",
                        "needed to hold the standard",
                        "needed to recover in a year",
                    ],
                    range=["#2b7bba", "#f0a202", "#d1495b"],
                ),
            ),
        )
        .properties(width=_WIDTH - 120, height=alt.Step(8))
    )
    return _spec(chart)


def scenario_chart(outcomes: Sequence[ScenarioOutcome]) -> Spec:
    """Share of the final list within target, and total cost, per scenario."""
    rows = [
        {
            "scenario": o.name,
            "within_pct": round(o.waiting_within_target_pct, 2),
            "total_cost": o.total_cost / 100.0,
        }
        for o in outcomes
    ]
    base = alt.Chart(_data(rows)).encode(y=alt.Y("scenario:N", title=None))
    within = base.mark_bar(color="#2b7bba").encode(
        x=alt.X(
            "within_pct:Q",
            title="Waiting list within target at the end (%)",
            scale=alt.Scale(domain=[0, 100]),
        )
    )
    cost = base.mark_bar(color="#d1495b").encode(
        x=alt.X("total_cost:Q", title="Waiting + capacity cost (major units)")
    )
    return _spec(
        alt.hconcat(
            within.properties(width=300, height=30 * len(rows)),
            cost.properties(width=300, height=30 * len(rows)),
        )
    )


def _pct(value: float | None) -> str:
    """Percent with one decimal, blank for None."""
    return "" if value is None else f"{value:.1f} %"


def _num(value: float | int | None) -> str:
    """A count or one-decimal number, blank for None."""
    if value is None:
        return ""
    return f"{value:,}" if isinstance(value, int) else f"{value:.1f}"


def build_report(
    title: str,
    subtitle: str,
    *,
    rtt: Sequence[RttStatistics] = (),
    wait_bands: Sequence[int] | None = None,
    target_weeks: float = 18.0,
    scenarios: Sequence[ScenarioOutcome] = (),
    plan: CapacityPlan | None = None,
    available_per_week: float | None = None,
    specialties: Sequence[SpecialtyPlan] = (),
    currency: str = "GBP",
    generated: date | None = None,
    figures: Sequence[Figure] = (),
) -> ReportContext:
    """Fill the report context from whatever parts of the plan are at hand.

    ``figures`` come first among the headline figures; the RTT headline follows.
    """
    headlines: list[Figure] = list(figures)
    charts: list[Chart] = []
    headline = [s for s in rtt if s.treatment_function == "C_999" and s.part == "Part_2"]
    for stat in headline:
        headlines += [
            Figure("patients waiting (incomplete pathways)", f"{stat.waiting:,}"),
            Figure("within 18 weeks (standard 92 %)", _pct(stat.within_18_weeks_pct)),
            Figure("waiting over 52 weeks", _num(stat.over_52_weeks)),
            Figure("median wait (weeks)", _num(stat.median_weeks)),
        ]
    if scenarios:
        charts.append(
            Chart(
                "queue-over-time",
                "Queue over time",
                "Patients waiting at the end of each week under each scenario; every scenario "
                "sees the same referrals.",
                queue_chart(scenarios),
            )
        )
    if wait_bands is not None:
        charts.append(
            Chart(
                "wait-distribution",
                "Wait distribution against the target",
                f"Patients by weeks waited; the dashed line is the {target_weeks:g}-week "
                "target, red bars are past it.",
                wait_distribution_chart(wait_bands, target_weeks),
            )
        )
    if plan is not None and available_per_week is not None:
        charts.append(
            Chart(
                "capacity-needed",
                "Capacity needed versus available",
                "Treatments per week that keep the mean wait at a quarter of the target "
                "(shaded: at the upper end of the referral forecast) against what is "
                "available now (dashed).",
                capacity_chart(plan, available_per_week),
            )
        )
    if specialties:
        charts.append(
            Chart(
                "capacity-by-specialty",
                "Capacity needed versus available, by specialty",
                "Treatments per week delivered now, needed to keep 92 % within 18 weeks at "
                "current referrals, and needed to bring the list to that size within a year.",
                specialty_capacity_chart(specialties),
            )
        )
    if scenarios:
        charts.append(
            Chart(
                "scenario-comparison",
                "Scenario comparison",
                "Share of the list at the end of the run waiting within its target, and "
                "the cost of waiting plus the cost of the extra capacity.",
                scenario_chart(scenarios),
            )
        )
    scenario_rows = tuple(
        {
            "name": o.name,
            "final_queue": f"{o.final_queue:,}",
            "mean_wait_weeks": f"{o.mean_wait_weeks:.1f}",
            "p92_wait_weeks": f"{o.p92_wait_weeks:.1f}",
            "breach_pct": _pct(o.breach_pct),
            "within_pct": _pct(o.waiting_within_target_pct),
            "over_52": f"{o.waiting_over_52_weeks:,}",
            "waiting_cost": format_money(o.waiting_cost, currency),
            "capacity_cost": format_money(o.capacity_cost, currency),
            "total_cost": format_money(o.total_cost, currency),
        }
        for o in scenarios
    )
    specialty_rows = tuple(
        {
            "name": p.name
            if p.treatment_function in p.name
            else f"{p.name} ({p.treatment_function})",
            "demand": f"{p.demand_per_week:.1f}",
            "capacity": f"{p.capacity_per_week:.1f}",
            "load": f"{p.load:.2f}",
            "waiting": f"{p.waiting:,}",
            "target_queue": f"{p.target_queue_size:,.0f}",
            "pressure": f"{p.pressure:.2f}",
            "target_capacity": f"{p.target_capacity:.1f}",
            "relief_capacity": f"{p.relief_capacity:.1f}",
        }
        for p in specialties
    )
    rtt_rows = tuple(
        {
            "treatment_function": f"{s.treatment_function_name} ({s.treatment_function})",
            "part": s.part,
            "waiting": f"{s.waiting:,}",
            "within_18_weeks": _pct(s.within_18_weeks_pct),
            "over_52_weeks": _num(s.over_52_weeks),
            "median_weeks": _num(s.median_weeks),
            "p92_weeks": _num(s.p92_weeks),
        }
        for s in rtt
        if s.part == "Part_2"
    )
    made = (generated or date.today()).isoformat()
    return ReportContext(
        title=title,
        subtitle=subtitle,
        figures=tuple(headlines),
        charts=tuple(charts),
        scenario_rows=scenario_rows,
        specialty_rows=specialty_rows,
        rtt_rows=rtt_rows,
        rtt_period=rtt[0].period if rtt else "",
        footer=f"Made by Thamani on {made}. Charts: Vega-Lite.",
    )


def hospital_report(
    records: Sequence[RttRecord],
    provider: str,
    waiting_cost: WaitingCost | None = None,
    seed: int = 0,
    generated: date | None = None,
) -> ReportContext:
    """The readable plan for a provider from its RTT snapshot: specialties and scenarios."""
    plans = specialty_plans(records, provider)
    config = hospital_simulation(records, provider)
    outcomes = compare_simulations(
        config, standard_scenarios(config), waiting_cost or WaitingCost("GBP", 10_000), seed
    )
    stats = [s for s in rtt_statistics(records) if s.provider == provider]
    return build_report(
        f"Waiting list plan: {provider_title(stats[0].provider_name)}",
        f"{provider}, {stats[0].period}: two years simulated from the current list; target "
        f"92 % of patients within {STANDARD_WEEKS:g} weeks.",
        rtt=stats,
        wait_bands=weekly_bands(records, provider, TOTAL_FUNCTION),
        target_weeks=STANDARD_WEEKS,
        scenarios=outcomes,
        specialties=plans,
        currency=(waiting_cost or WaitingCost("GBP", 0)).currency,
        generated=generated,
    )


def _environment() -> jinja2.Environment:
    """The Jinja2 environment reading the package's templates, escaping HTML."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("thamani.capacity", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )


def render_report(context: ReportContext, charts_as_svg: bool = False) -> str:
    """The report as one self-contained HTML page.

    With ``charts_as_svg`` every chart is rendered to SVG by vl-convert and the page has no
    JavaScript; otherwise the Vega bundle is inlined and renders the specs in the browser.
    """
    import vl_convert

    if charts_as_svg:
        charts = tuple(
            Chart(c.element_id, c.title, c.caption, c.spec, vl_convert.vegalite_to_svg(c.spec))
            for c in context.charts
        )
        javascript = ""
    else:
        charts = context.charts
        javascript = vl_convert.javascript_bundle(_GLOBALS) if charts else ""
    filled = dataclasses.replace(
        context, charts=charts, javascript=javascript.replace("</script", "<\\/script")
    )
    return _environment().get_template("capacity_report.html.j2").render(report=filled)
