"""A small region for the loader tests, and a platform whose clock is past its year."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from thamani.clock import ManualClock
from thamani.synth import Parameters, Region, generate, load_parameters

PEOPLE = 600
SEED = 7
#: A day after the region's year (2025): its care is in the past.
AFTER = datetime(2026, 6, 1, 9, tzinfo=UTC)


@pytest.fixture(scope="session")
def parameters() -> Parameters:
    return load_parameters()


@pytest.fixture(scope="session")
def region(parameters: Parameters) -> Region:
    """Six hundred people and a year of their care."""
    return generate(parameters, PEOPLE, 1, SEED)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(int(AFTER.timestamp() * 1e9))
