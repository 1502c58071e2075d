"""The demonstration's waiting-list part: a county hospital's RTT month, planned.

``capacity_steps(platform, out_dir)`` loads the RTT file shipped with Thamani (Dorset
County Hospital, November 2024) as a snapshot, shows its standard figures and the capacity
each specialty needs, compares the standard scenarios over two years, and writes the
capacity plan as an HTML page into ``out_dir``. Every figure shown is read back from the
store or computed from it, not written into the script.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from thamani.capacity.plan import (
    TOTAL_FUNCTION,
    hospital_simulation,
    specialty_plans,
    standard_scenarios,
)
from thamani.capacity.rtt import parse_rtt_csv, provider_title, rtt_statistics
from thamani.capacity.samples import COUNTY_HOSPITAL, county_hospital_rtt
from thamani.capacity.scenarios import WaitingCost, compare_simulations
from thamani.demo.scenario import Step
from thamani.platform import Platform

REPORT_NAME = "capacity-report.html"
COST = WaitingCost("GBP", 10_000)
"""A patient-week of waiting costs GBP 100 in the demo (lost earnings, extra GP visits)."""


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} %"


def _weeks(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def _gbp(minor: int) -> str:
    return f"GBP {minor / 100:,.0f}"


def capacity_steps(platform: Platform, out_dir: Path) -> Iterator[Step]:
    """Run the waiting-list part of the demonstration; the report goes into ``out_dir``."""
    cap = platform.capacity
    path = county_hospital_rtt()
    with path.open(encoding="utf-8", newline="") as f:
        snap = cap.import_rtt(f, path.name)
    stored = cap.rtt_statistics(snap.id, COUNTY_HOSPITAL)
    with path.open(encoding="utf-8", newline="") as f:
        records = parse_rtt_csv(f, path.name)
    same = stored == rtt_statistics(records)
    waiting = [s for s in stored if s.part == "Part_2"]
    total = next(s for s in waiting if s.treatment_function == TOTAL_FUNCTION)
    table = [["treatment function", "waiting", "within 18 weeks", "over 52 weeks", "92nd pct"]]
    biggest = sorted(
        (s for s in waiting if s.treatment_function != TOTAL_FUNCTION),
        key=lambda s: -s.waiting,
    )[:6]
    for s in biggest:
        table.append(
            [
                s.treatment_function_name,
                f"{s.waiting:,}",
                _pct(s.within_18_weeks_pct),
                f"{s.over_52_weeks or 0:,}",
                f"{_weeks(s.p92_weeks)} wk",
            ]
        )
    yield Step(
        f"The county hospital's waiting list: {provider_title(total.provider_name)}, {snap.period}",
        [
            f"snapshot {snap.id}: {snap.rows} rows of NHS England's RTT file stored",
            f"{total.waiting:,} patients waiting; {_pct(total.within_18_weeks_pct)} within "
            "18 weeks (the standard is 92 %)",
            f"{total.over_52_weeks or 0:,} waiting over a year; median "
            f"{_weeks(total.median_weeks)} weeks, 92nd percentile {_weeks(total.p92_weeks)} weeks",
            "figures read back from the store match the file: " + ("yes" if same else "NO"),
        ],
        table,
        ok=same,
    )

    plans = [p for p in specialty_plans(records, COUNTY_HOSPITAL) if p.waiting]
    short = sorted(
        (p for p in plans if p.treatment_function != TOTAL_FUNCTION),
        key=lambda p: -(p.relief_capacity - p.capacity_per_week),
    )[:6]
    rows = [["treatment function", "referrals/wk", "treated/wk", "load", "to recover/wk"]]
    for p in short:
        rows.append(
            [
                p.name,
                f"{p.demand_per_week:.0f}",
                f"{p.capacity_per_week:.0f}",
                f"{p.load:.2f}",
                f"{p.relief_capacity:.0f}",
            ]
        )
    whole = next(p for p in plans if p.treatment_function == TOTAL_FUNCTION)
    yield Step(
        "Capacity needed, by specialty (queueing formulas)",
        [
            f"the hospital treats {whole.capacity_per_week:,.0f} patients a week against "
            f"{whole.demand_per_week:,.0f} referrals (load {whole.load:.2f})",
            f"to reach 92 % within 18 weeks in a year it needs about "
            f"{whole.relief_capacity:,.0f} treatments a week; the specialties furthest short:",
        ],
        rows,
    )

    config = hospital_simulation(records, COUNTY_HOSPITAL)
    outcomes = compare_simulations(config, standard_scenarios(config), COST)
    grid = [["scenario", "queue after 2 years", "within 18 wk", "over 52 wk", "total cost"]]
    for o in outcomes:
        grid.append(
            [
                o.name,
                f"{o.final_queue:,}",
                _pct(o.waiting_within_target_pct),
                f"{o.waiting_over_52_weeks:,}",
                _gbp(o.total_cost),
            ]
        )
    cheapest = min(outcomes, key=lambda o: o.total_cost)
    yield Step(
        "Scenarios side by side: two years simulated from today's list",
        [
            f"{int(config.initial_queue.sum()):,} patients on the list at the start, "
            f"{config.demand[0, 0] * 7:,.0f} referrals a week",
            f"cheapest overall (waiting at GBP 100 a patient-week plus extra capacity): "
            f"{cheapest.name}",
        ],
        grid,
    )

    out_dir.mkdir(parents=True, exist_ok=True)
    report = out_dir / REPORT_NAME
    html = cap.report(provider=COUNTY_HOSPITAL, snapshot_id=snap.id)
    report.write_text(html, encoding="utf-8")
    yield Step(
        "The capacity plan as a web page",
        [
            f"written to {report.resolve()}",
            f"{len(html.encode()) / 1e6:.1f} MB, charts included: open it in a browser",
        ],
    )
