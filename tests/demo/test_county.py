"""The demo opens with a synthetic county and a year of its care."""

from __future__ import annotations

from thamani.demo.county import county_step


def test_the_demo_county_step_describes_a_year_of_care() -> None:
    step = county_step(3_000, seed=2)
    assert step.ok
    assert step.title == "A synthetic county and a year of its care"
    assert "Mfano County" in step.lines[0]
    assert "encounters" in step.lines[1]
    assert [row[0] for row in step.table[1:]][-1] == "out of pocket"
    assert len(step.table) == 1 + 4 + 1
