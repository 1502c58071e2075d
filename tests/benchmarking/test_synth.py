"""The generator benchmark runs end to end (figures are not asserted: machines are noisy)."""

from __future__ import annotations

from thamani.benchmarking.synth import run


def test_the_benchmark_reports_its_figures() -> None:
    result = run(people=2_000, years=1, seed=1, quiet=True)
    assert {"people_per_second", "seconds", "peak_rss_mb"} <= set(result)
    assert result["people"] == 2_000
    assert result["encounters"] > 2_000
    assert result["peak_rss_mb"] > 0
