"""Forecasting referrals: seasonal naive, damped Holt-Winters, and the capacity they imply."""

import numpy as np
import pytest

from thamani.capacity import formulas
from thamani.capacity.forecasting import (
    Method,
    capacity_needed,
    forecast_referrals,
    holt_winters,
    mase,
    seasonal_naive,
)
from thamani.errors import InvalidInput

SEASON = np.array([100, 90, 95, 110, 120, 130, 125, 115, 105, 100, 140, 80], dtype=float)


def test_seasonal_naive_repeats_the_last_season() -> None:
    history = np.tile(SEASON, 3)
    forecast = seasonal_naive(history, 12, 18)
    assert forecast.mean == tuple(np.concatenate([SEASON, SEASON[:6]]).tolist())
    assert forecast.lower == forecast.mean == forecast.upper  # no seasonal change, no spread


def test_seasonal_naive_interval_widens_each_season() -> None:
    rng = np.random.default_rng(2)
    history = np.tile(SEASON, 4) + rng.normal(0, 5, 48)
    forecast = seasonal_naive(history, 12, 24)
    width = np.array(forecast.upper) - np.array(forecast.mean)
    assert width[11] == pytest.approx(width[0])
    assert width[12] == pytest.approx(width[0] * np.sqrt(2))
    sigma = np.sqrt(np.mean((history[12:] - history[:-12]) ** 2))
    assert width[0] == pytest.approx(1.959964 * sigma, rel=1e-5)


def test_holt_winters_follows_trend_and_season() -> None:
    rng = np.random.default_rng(3)
    t = np.arange(72)
    truth = 200 + 1.5 * t + 30 * np.sin(2 * np.pi * t / 12)
    history = truth[:60] + rng.normal(0, 4, 60)
    forecast = holt_winters(history, 12, 12, level=0.9)
    assert forecast.method is Method.HOLT_WINTERS
    error = np.abs(np.array(forecast.mean) - truth[60:])
    assert error.mean() < 10
    assert all(
        lo <= m <= hi
        for lo, m, hi in zip(forecast.lower, forecast.mean, forecast.upper, strict=True)
    )
    inside = (truth[60:] >= forecast.lower) & (truth[60:] <= forecast.upper)
    assert inside.mean() >= 0.75


def test_forecast_referrals_keeps_the_better_method() -> None:
    rng = np.random.default_rng(4)
    t = np.arange(60)
    trending = 100 + 2.0 * t + 20 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 3, 60)
    chosen = forecast_referrals(trending, 12, 12)
    assert chosen.method is Method.HOLT_WINTERS
    assert chosen.holdout_mase is not None
    assert chosen.holdout_mase < 1.0
    short = forecast_referrals(np.tile(SEASON, 2), 12, 6)
    assert short.method is Method.SEASONAL_NAIVE


def test_mase_scales_by_the_seasonal_naive_error() -> None:
    train = [1.0, 2.0, 3.0, 4.0]
    assert mase([5.0, 6.0], [5.0, 6.0], train, 1) == 0.0
    assert mase([5.0, 6.0], [6.0, 7.0], train, 1) == pytest.approx(1.0)


def test_capacity_needed_applies_the_target_capacity_formula_per_period() -> None:
    forecast = seasonal_naive(np.tile(SEASON, 3), 12, 12)
    plan = capacity_needed(forecast, 52 / 12, 18, factor=4, cv_demand=1.1, cv_capacity=0.8)
    weekly = SEASON / (52 / 12)
    expected = formulas.target_capacity(weekly, 18, 4, 1.1, 0.8)
    np.testing.assert_allclose(plan.capacity, expected)
    np.testing.assert_allclose(plan.demand, weekly)
    assert all(u >= c for u, c in zip(plan.capacity_upper, plan.capacity, strict=True))


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: seasonal_naive([1.0, 2.0], 12, 3), "at least 14"),
        (lambda: seasonal_naive([-1.0] * 20, 12, 3), "non-negative"),
        (lambda: seasonal_naive([1.0] * 20, 12, 0), "horizon"),
        (lambda: holt_winters([1.0] * 20, 12, 3), "Holt-Winters needs"),
        (lambda: seasonal_naive([1.0] * 20, 12, 3, level=1.5), "level"),
    ],
)
def test_bad_histories_are_refused(call: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        call()  # type: ignore[operator]
