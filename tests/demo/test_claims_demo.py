"""The demonstration's claims story runs and every step ends well."""

from __future__ import annotations

from datetime import UTC, datetime

from thamani.clock import ManualClock
from thamani.demo.claims import claims_steps
from thamani.platform import Platform


def test_the_claims_demo_runs(platform: Platform, clock: ManualClock) -> None:
    clock.set(int(datetime(2025, 6, 15, 9, tzinfo=UTC).timestamp() * 1e9))
    steps = list(claims_steps(platform))
    assert [s.ok for s in steps] == [True] * len(steps), [s.title for s in steps if not s.ok]
    assert len(steps) == 9
    assert any("rejected" in line for s in steps for line in s.lines)
