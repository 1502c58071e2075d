"""Shared scenario pieces for the capacity room's store, service, CLI and API tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from thamani.capacity.pathways import WaitingListKey
from thamani.capacity.priorities import Priority
from thamani.capacity.referrals import Referral
from thamani.clock import ManualClock

REFERRALS_CSV = """referral_id,provider,specialty,priority,referred_on,minutes
r1,RBD,ortho,P3,2024-01-01,90
r2,RBD,ortho,P3,2024-01-08,
r3,RBD,ortho,P2,2024-01-15,60
r4,RBD,ent,P3,2024-02-01,45
r5,RBD,ent,P3,2024-02-05,45
r6,KCH,ortho,P3,2024-01-03,
"""

REMOVALS_CSV = """referral_id,removed_on,reason
r1,2024-03-01,treated
r2,2024-03-04,declined
"""


def set_today(clock: ManualClock, day: date) -> None:
    """Move the test clock to noon UTC on ``day``."""
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    clock.set(int(noon.timestamp()) * 1_000_000_000)


def referral(
    ref: str,
    on: date,
    provider: str = "RBD",
    specialty: str = "ortho",
    priority: Priority = Priority.P3,
    minutes: int | None = None,
) -> Referral:
    return Referral(ref, WaitingListKey(provider, specialty, priority), on, minutes)
