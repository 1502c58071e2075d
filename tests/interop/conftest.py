"""Every claims test starts from the small county in ``tests.worlds``."""

from __future__ import annotations

import pytest

from tests.worlds import World, build
from thamani.clock import ManualClock
from thamani.platform import Platform


@pytest.fixture
def world(platform: Platform, clock: ManualClock) -> World:
    return build(platform, clock)
