"""A generated county shared by the synth tests (generated once per session)."""

from __future__ import annotations

import pytest

from thamani.synth import Parameters, Region, generate, load_parameters

PEOPLE = 20_000
SEED = 11


@pytest.fixture(scope="session")
def params() -> Parameters:
    return load_parameters()


@pytest.fixture(scope="session")
def county(params: Parameters) -> Region:
    """Twenty thousand people and a year of their care."""
    return generate(params, PEOPLE, 1, SEED)


@pytest.fixture(scope="session")
def small_county(params: Parameters) -> Region:
    """Three thousand people and two years: for the writers."""
    return generate(params, 3_000, 2, 5)
