"""The demo opens with a synthetic county whose year of care runs through the platform."""

from __future__ import annotations

from datetime import UTC, datetime

from thamani.clock import ManualClock
from thamani.demo.county import TITLE, county_step
from thamani.platform import Platform


def test_the_demo_county_runs_its_year_through_wallets_and_claims(
    platform: Platform, clock: ManualClock
) -> None:
    clock.set(int(datetime(2026, 6, 1, tzinfo=UTC).timestamp() * 1e9))
    step = county_step(platform, 800, seed=2)
    assert step.ok, step.lines
    assert step.title == TITLE
    assert "Mfano County" in step.lines[0]
    assert any("claims:" in line and "paid" in line for line in step.lines)
    assert [row[0] for row in step.table[1:]][-1] == "out of pocket"
    assert len(step.table) == 1 + 4 + 1
    assert platform.verify_ledger().ok
    again = county_step(platform, 800, seed=2)
    assert again.ok
    assert any("nothing was loaded again" in line for line in again.lines)
    other = county_step(platform, 800, seed=3)
    assert not other.ok
    assert "holds the synthetic region" in other.lines[0]
