"""The loader benchmark runs end to end (figures are not asserted: machines are noisy)."""

from __future__ import annotations

from thamani.benchmarking.synth_load import run


def test_the_load_benchmark_reports_its_figures() -> None:
    result = run(people=500, years=1, seed=1, quiet=True)
    assert {"claims_per_second", "load_seconds", "encounters_per_second"} <= set(result)
    assert result["people"] == 500
    assert result["claims"] > 0
    assert result["claims_paid"] <= result["claims"]
    assert set(result["stage_seconds"]) >= {
        "places", "people", "programmes", "enrolment", "care", "referrals", "deaths"
    }  # fmt: skip
