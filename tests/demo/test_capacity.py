"""The demonstration's waiting-list steps on both stores."""

from __future__ import annotations

from pathlib import Path

from thamani.demo.capacity import REPORT_NAME, capacity_steps
from thamani.platform import Platform


def test_the_county_hospital_story_runs_and_writes_the_report(
    platform: Platform, tmp_path: Path
) -> None:
    steps = list(capacity_steps(platform, tmp_path / "out"))
    assert [s.ok for s in steps] == [True] * 4
    assert "21,702 patients waiting; 57.8 % within 18 weeks" in steps[0].lines[1]
    assert [row[0] for row in steps[2].table[1:]] == [
        "baseline",
        "extra sessions",
        "outsourcing",
        "winter surge",
        "strikes",
    ]
    report = tmp_path / "out" / REPORT_NAME
    assert str(report.resolve()) in steps[3].lines[0]
    assert "Dorset County Hospital" in report.read_text(encoding="utf-8")
