"""The queueing formulas: the spec's reference values, derivations and vectorisation."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thamani.capacity import formulas
from thamani.errors import InvalidInput

positive = st.floats(min_value=0.01, max_value=1e4, allow_nan=False)


def test_reference_values_from_the_spec() -> None:
    assert formulas.queue_load(30, 27) == pytest.approx(1.1111, abs=1e-4)
    assert formulas.target_queue_size(30, 52) == pytest.approx(390)
    assert formulas.relief_capacity(30, 1200, 390, 26) == pytest.approx(61.153846, abs=1e-6)
    assert formulas.target_capacity(30, 52, 3, 1.1, 1.2) == pytest.approx(30.076442, abs=1e-6)
    assert formulas.waiting_list_pressure(63, 52) == pytest.approx(2.4230769, abs=1e-7)


def test_target_mean_wait_is_target_over_factor() -> None:
    assert formulas.target_mean_wait(52) == 13.0
    assert formulas.target_mean_wait(18, formulas.factor_for_share_within(0.92)) == (
        pytest.approx(7.127, abs=1e-3)
    )


def test_factor_four_sees_98_percent_within_target() -> None:
    assert formulas.share_within_target(4) == pytest.approx(0.9817, abs=1e-4)
    assert formulas.factor_for_share_within(0.92) == pytest.approx(2.5257, abs=1e-4)


def test_scalars_give_floats_and_arrays_give_arrays() -> None:
    assert isinstance(formulas.queue_load(30, 27), float)
    loads = formulas.queue_load(np.array([30.0, 27.0, 0.0]), 27)
    assert isinstance(loads, np.ndarray)
    np.testing.assert_allclose(loads, [30 / 27, 1.0, 0.0])
    sizes = formulas.target_queue_size([10, 20], [52, 18])
    np.testing.assert_allclose(sizes, [130.0, 90.0])


def test_array_broadcasting_matches_elementwise_scalars() -> None:
    demand = np.array([[5.0], [30.0]])
    target = np.array([4.0, 18.0, 52.0])
    grid = formulas.target_capacity(demand, target, 4, 1.0, 0.5)
    assert isinstance(grid, np.ndarray)
    assert grid.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            scalar = formulas.target_capacity(float(demand[i, 0]), float(target[j]), 4, 1.0, 0.5)
            assert grid[i, j] == pytest.approx(scalar)


def test_relief_capacity_below_demand_when_queue_under_target() -> None:
    assert formulas.relief_capacity(30, 100, 390, 26) < 30


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: formulas.queue_load(30, 0), "capacity"),
        (lambda: formulas.target_mean_wait(0), "target_wait"),
        (lambda: formulas.target_queue_size(-1, 52), "demand"),
        (lambda: formulas.relief_capacity(30, 100, 90, 0), "time_to_target"),
        (lambda: formulas.target_capacity(30, 52, cv_demand=-1), "cv_demand"),
        (lambda: formulas.waiting_list_pressure(float("nan"), 52), "mean_wait"),
        (lambda: formulas.factor_for_share_within(1.0), "share_within"),
    ],
)
def test_bad_inputs_are_refused_by_name(call: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        call()  # type: ignore[operator]


@given(demand=positive, target=positive, factor=positive)
def test_littles_law_ties_queue_size_to_mean_wait(
    demand: float, target: float, factor: float
) -> None:
    queue = formulas.target_queue_size(demand, target, factor)
    assert queue == pytest.approx(demand * formulas.target_mean_wait(target, factor))


@given(demand=positive, target=positive, cv=st.floats(min_value=0, max_value=5))
def test_target_capacity_always_exceeds_demand_and_falls_with_longer_targets(
    demand: float, target: float, cv: float
) -> None:
    near = formulas.target_capacity(demand, target, 4, cv, cv)
    far = formulas.target_capacity(demand, target * 2, 4, cv, cv)
    assert near >= demand
    assert far <= near or math.isclose(far, near)


@given(mean_wait=st.floats(min_value=0, max_value=1e3), target=positive)
def test_pressure_is_one_at_half_the_target(mean_wait: float, target: float) -> None:
    assert formulas.waiting_list_pressure(target / 2, target) == pytest.approx(1.0)
    assert (formulas.waiting_list_pressure(mean_wait, target) > 1) == (mean_wait > target / 2)
