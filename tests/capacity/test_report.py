"""The HTML capacity report: charts as Vega-Lite specs, inline bundle or SVG."""

import json
import re
from datetime import date

import numpy as np
import pytest

from thamani.capacity.forecasting import capacity_needed, seasonal_naive
from thamani.capacity.report import build_report, format_money, hospital_report, render_report
from thamani.capacity.rtt import parse_rtt_csv, rtt_statistics
from thamani.capacity.samples import county_hospital_rtt
from thamani.capacity.scenarios import ExtraSessions, Scenario, WaitingCost, compare_simulations
from thamani.capacity.simulation import simulation_input

FILE = county_hospital_rtt()


@pytest.fixture(scope="module")
def context():  # type: ignore[no-untyped-def]
    records = parse_rtt_csv(FILE.read_text().splitlines(), FILE.name)
    bands = [
        sum(column)
        for column in zip(
            *[
                r.bands
                for r in records
                if r.part.value == "Part_2" and r.treatment_function_code == "C_999" and r.bands
            ],
            strict=True,
        )
    ]
    base = simulation_input(np.full((1, 120), 4.0), 4, initial_queue=[[100]])
    outcomes = compare_simulations(
        base,
        [Scenario("extra <list>", (ExtraSessions(1, 2, 240, 40_000),))],
        WaitingCost("GBP", 1000),
    )
    plan = capacity_needed(seasonal_naive(np.arange(30.0) % 12 + 100, 12, 12), 52 / 12, 18)
    return build_report(
        "Dorset County Hospital",
        "RBD, November 2024",
        rtt=rtt_statistics(records),
        wait_bands=bands,
        scenarios=outcomes,
        plan=plan,
        available_per_week=25.0,
        generated=date(2025, 1, 6),
    )


def test_context_has_the_headline_figures_and_four_charts(context) -> None:  # type: ignore[no-untyped-def]
    values = {f.label: f.value for f in context.figures}
    assert values["patients waiting (incomplete pathways)"] == "21,702"
    assert values["within 18 weeks (standard 92 %)"] == "57.8 %"
    assert [c.element_id for c in context.charts] == [
        "queue-over-time",
        "wait-distribution",
        "capacity-needed",
        "scenario-comparison",
    ]
    for chart in context.charts:
        assert chart.spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert [row["name"] for row in context.scenario_rows] == ["baseline", "extra <list>"]


def test_page_inlines_the_bundle_and_embeds_the_specs(context) -> None:  # type: ignore[no-untyped-def]
    html = render_report(context)
    assert "window.vegaEmbed" in html
    assert not re.search(r"<script[^>]+src=", html)  # nothing fetched from a CDN
    specs = re.findall(
        r'<script type="application/json" id="([\w-]+)-spec">(.*?)</script>', html, re.S
    )
    assert [name for name, _ in specs] == [c.element_id for c in context.charts]
    for _, text in specs:
        json.loads(text)
    assert "extra &lt;list&gt;" in html  # names are escaped
    assert "<td>21,702</td>" in html


def test_page_with_svg_charts_needs_no_javascript(context) -> None:  # type: ignore[no-untyped-def]
    html = render_report(context, charts_as_svg=True)
    assert html.count("<svg") >= 4
    assert "<script" not in html


def test_money_is_formatted_from_minor_units() -> None:
    assert format_money(123456, "GBP") == "GBP 1,234.56"
    assert format_money(-5, "KES") == "KES -0.05"


def test_county_hospital_report() -> None:
    records = parse_rtt_csv(FILE.read_text().splitlines(), FILE.name)
    context = hospital_report(records, "RBD", generated=date(2025, 1, 6))
    assert context.title == "Waiting list plan: Dorset County Hospital NHS Foundation Trust"
    assert [c.element_id for c in context.charts] == [
        "queue-over-time",
        "wait-distribution",
        "capacity-by-specialty",
        "scenario-comparison",
    ]
    rows = {row["name"]: row for row in context.scenario_rows}
    assert set(rows) == {"baseline", "extra sessions", "outsourcing", "winter surge", "strikes"}
    assert context.specialty_rows[-1]["name"] == "Total (C_999)"
    html = render_report(context, charts_as_svg=True)
    assert html.count("<svg") >= 4
