"""Fixtures of the wallet tests (the county itself is built in ``tests.wallets.county``)."""

from __future__ import annotations

import pytest

from tests.wallets.county import County, build_county
from thamani.platform import Platform


@pytest.fixture
def county(platform: Platform) -> County:
    return build_county(platform)
