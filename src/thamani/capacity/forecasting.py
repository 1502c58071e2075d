"""Forecasting referrals per specialty with seasonal baselines and prediction intervals.

Two methods, both giving a point forecast and a prediction interval:

* **seasonal naive**: each future period repeats the same period one season earlier; the
  interval widens with the number of whole seasons ahead, ``sigma x sqrt(k + 1)`` where
  ``sigma`` is the spread of the seasonal differences (Hyndman and Athanasopoulos, FPP3 5.5);
* **damped Holt-Winters**: exponential smoothing with additive errors, a damped additive
  trend and additive seasonality (ETS(A,Ad,A), statsmodels), intervals from its state-space
  model.

:func:`forecast_referrals` fits both on all but the last ``horizon`` periods, keeps the one
with the smaller mean absolute scaled error on those held-out periods, and refits it on the
whole history. :func:`capacity_needed` turns a forecast into the capacity per period that
keeps the mean wait at target / factor.
"""

from __future__ import annotations

import enum
import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from thamani.capacity import formulas
from thamani.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]


class Method(enum.Enum):
    """Forecasting method."""

    SEASONAL_NAIVE = "seasonal_naive"
    HOLT_WINTERS = "holt_winters_damped"


@dataclass(frozen=True, slots=True)
class Forecast:
    """A forecast of referrals per period.

    method: how it was made.
    mean: point forecast for each future period.
    lower: lower end of the prediction interval (never below zero).
    upper: upper end of the prediction interval.
    level: coverage of the interval (0.95 for 95 %).
    holdout_mase: mean absolute scaled error on held-out periods when the method was
        chosen by :func:`forecast_referrals`, else None.
    """

    method: Method
    mean: tuple[float, ...]
    lower: tuple[float, ...]
    upper: tuple[float, ...]
    level: float
    holdout_mase: float | None = None

    @property
    def horizon(self) -> int:
        """Number of future periods."""
        return len(self.mean)


def _history(values: Sequence[float] | FloatArray, season_length: int) -> FloatArray:
    """Check and convert a history of referral counts."""
    history = np.asarray(values, dtype=np.float64)
    if history.ndim != 1:
        raise InvalidInput("the referral history must be one series")
    if np.isnan(history).any() or (history < 0).any():
        raise InvalidInput("referral counts must be non-negative numbers")
    if season_length < 1:
        raise InvalidInput("the season length must be at least 1")
    if history.size < season_length + 2:
        raise InvalidInput(
            f"need at least {season_length + 2} periods of history, got {history.size}"
        )
    return history


def _z(level: float) -> float:
    """Two-sided normal quantile for a coverage level."""
    if not 0.0 < level < 1.0:
        raise InvalidInput("the interval level must be strictly between 0 and 1")
    from scipy import stats  # imported here: scipy.stats takes a second to load

    return float(stats.norm.ppf(0.5 + level / 2.0))


def seasonal_naive(
    values: Sequence[float] | FloatArray,
    season_length: int,
    horizon: int,
    level: float = 0.95,
) -> Forecast:
    """Repeat the last season; interval from the spread of seasonal differences."""
    history = _history(values, season_length)
    if horizon < 1:
        raise InvalidInput("the horizon must be at least one period")
    z = _z(level)
    m = season_length
    residuals = history[m:] - history[:-m]
    sigma = float(np.sqrt(np.mean(residuals**2)))
    steps = np.arange(horizon)
    mean = history[history.size - m + steps % m]
    spread = z * sigma * np.sqrt(steps // m + 1)
    return Forecast(
        method=Method.SEASONAL_NAIVE,
        mean=tuple(mean.tolist()),
        lower=tuple(np.maximum(mean - spread, 0.0).tolist()),
        upper=tuple((mean + spread).tolist()),
        level=level,
    )


def holt_winters(
    values: Sequence[float] | FloatArray,
    season_length: int,
    horizon: int,
    level: float = 0.95,
) -> Forecast:
    """Damped Holt-Winters, ETS(A,Ad,A); needs at least two full seasons plus two periods.

    With a season length of 1 the seasonal part is dropped (damped Holt).
    """
    import pandas as pd
    from statsmodels.tools.sm_exceptions import ConvergenceWarning
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    history = _history(values, season_length)
    if horizon < 1:
        raise InvalidInput("the horizon must be at least one period")
    seasonal = season_length > 1
    if seasonal and history.size < 2 * season_length + 2:
        raise InvalidInput(
            f"Holt-Winters needs at least {2 * season_length + 2} periods, got {history.size}"
        )
    _z(level)
    model = ETSModel(
        pd.Series(history),
        error="add",
        trend="add",
        damped_trend=True,
        seasonal="add" if seasonal else None,
        seasonal_periods=season_length if seasonal else None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        fitted = model.fit(disp=False, maxiter=2000)
        frame = fitted.get_prediction(
            start=history.size, end=history.size + horizon - 1
        ).summary_frame(alpha=1.0 - level)
    mean = np.maximum(frame["mean"].to_numpy(dtype=np.float64), 0.0)
    return Forecast(
        method=Method.HOLT_WINTERS,
        mean=tuple(mean.tolist()),
        lower=tuple(np.maximum(frame["pi_lower"].to_numpy(dtype=np.float64), 0.0).tolist()),
        upper=tuple(np.maximum(frame["pi_upper"].to_numpy(dtype=np.float64), 0.0).tolist()),
        level=level,
    )


def mase(
    actual: Sequence[float] | FloatArray,
    predicted: Sequence[float] | FloatArray,
    training: Sequence[float] | FloatArray,
    season_length: int,
) -> float:
    """Mean absolute scaled error: forecast error over the in-sample seasonal naive error."""
    train = np.asarray(training, dtype=np.float64)
    scale = float(np.mean(np.abs(train[season_length:] - train[:-season_length])))
    error = float(np.mean(np.abs(np.asarray(actual) - np.asarray(predicted))))
    if scale == 0.0:
        return 0.0 if error == 0.0 else math.inf
    return error / scale


def _fit(method: Method, history: FloatArray, m: int, horizon: int, level: float) -> Forecast:
    """Run one method."""
    if method is Method.SEASONAL_NAIVE:
        return seasonal_naive(history, m, horizon, level)
    return holt_winters(history, m, horizon, level)


def forecast_referrals(
    values: Sequence[float] | FloatArray,
    season_length: int,
    horizon: int,
    level: float = 0.95,
) -> Forecast:
    """Forecast with whichever method did better on the last ``horizon`` periods.

    Holt-Winters is tried only with enough history for it in the training part; the
    seasonal naive forecast always competes and wins ties.
    """
    history = _history(values, season_length)
    if horizon < 1:
        raise InvalidInput("the horizon must be at least one period")
    train, test = history[:-horizon], history[-horizon:]
    candidates = [Method.SEASONAL_NAIVE]
    if train.size >= 2 * season_length + 2:
        candidates.append(Method.HOLT_WINTERS)
    if train.size < season_length + 2:
        return seasonal_naive(history, season_length, horizon, level)
    scores = {
        method: mase(
            test, _fit(method, train, season_length, horizon, level).mean, train, season_length
        )
        for method in candidates
    }
    best = min(candidates, key=lambda method: (scores[method], candidates.index(method)))
    chosen = _fit(best, history, season_length, horizon, level)
    return Forecast(
        method=chosen.method,
        mean=chosen.mean,
        lower=chosen.lower,
        upper=chosen.upper,
        level=chosen.level,
        holdout_mase=scores[best],
    )


@dataclass(frozen=True, slots=True)
class CapacityPlan:
    """Capacity per future period that meets a target given forecast demand.

    demand: forecast referrals per week, each period.
    capacity: treatments per week to hold the mean wait at target / factor.
    capacity_upper: the same at the upper end of the prediction interval.
    """

    demand: tuple[float, ...]
    capacity: tuple[float, ...]
    capacity_upper: tuple[float, ...]


def capacity_needed(
    forecast: Forecast,
    weeks_per_period: float,
    target_weeks: float,
    factor: float = formulas.DEFAULT_FACTOR,
    cv_demand: float = 1.0,
    cv_capacity: float = 1.0,
) -> CapacityPlan:
    """Weekly capacity per period from a referral forecast (Kingman's target capacity).

    ``weeks_per_period`` converts the forecast's periods to weeks (52/12 for months).
    """
    if weeks_per_period <= 0:
        raise InvalidInput("weeks_per_period must be positive")
    demand = np.asarray(forecast.mean) / weeks_per_period
    upper = np.asarray(forecast.upper) / weeks_per_period
    need = formulas.target_capacity(demand, target_weeks, factor, cv_demand, cv_capacity)
    need_upper = formulas.target_capacity(upper, target_weeks, factor, cv_demand, cv_capacity)
    return CapacityPlan(
        demand=tuple(demand.tolist()),
        capacity=tuple(np.atleast_1d(need).tolist()),
        capacity_upper=tuple(np.atleast_1d(need_upper).tolist()),
    )
