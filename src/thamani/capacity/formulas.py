"""Queueing formulas for waiting lists (after NHSRwaitinglist, Fong et al. 2022).

Every function is vectorised: it takes numbers or numpy arrays (broadcast together) and
returns a ``float`` when all inputs are scalars, an array otherwise.

Units must agree. Demand and capacity are rates per unit of time (patients per week), the
target and the mean wait are in that same unit (weeks). Nothing here converts units: a mean
wait in days compared with a target in weeks is the slip this module refuses to make by
having no day/week parameters at all.

The *factor* ties the target to a mean wait. If waits are roughly exponential with mean
``m``, the share waiting longer than ``T`` is ``exp(-T/m)``; with ``m = T/4`` that is
``exp(-4)``, so 98.2 % are seen within target. :func:`factor_for_share_within` gives the
factor for another standard (92 % within 18 weeks needs ``-ln(0.08) = 2.5257``).
"""

from __future__ import annotations

import math
from typing import overload

import numpy as np
import numpy.typing as npt

from thamani.errors import InvalidInput

FloatArray = npt.NDArray[np.float64]
ArrayLike = float | int | npt.ArrayLike

DEFAULT_FACTOR = 4.0
"""Mean wait = target / 4: about 98 % seen within target if waits are exponential."""


def _result(value: FloatArray, *inputs: object) -> float | FloatArray:
    """Return a plain float when every input was a scalar, the array otherwise."""
    if all(np.ndim(x) == 0 for x in inputs):  # type: ignore[arg-type]
        return float(value)
    return value


def _as_array(name: str, value: ArrayLike) -> FloatArray:
    """Convert an input to a float array, rejecting NaN."""
    array = np.asarray(value, dtype=np.float64)
    if np.isnan(array).any():
        raise InvalidInput(f"{name} must be a number, got NaN", where=name)
    return array


def _positive(name: str, value: ArrayLike) -> FloatArray:
    """Convert an input that must be strictly positive."""
    array = _as_array(name, value)
    if (array <= 0).any():
        raise InvalidInput(f"{name} must be greater than zero", where=name)
    return array


def _non_negative(name: str, value: ArrayLike) -> FloatArray:
    """Convert an input that must be zero or more."""
    array = _as_array(name, value)
    if (array < 0).any():
        raise InvalidInput(f"{name} must not be negative", where=name)
    return array


@overload
def queue_load(demand: float, capacity: float) -> float: ...
@overload
def queue_load(demand: ArrayLike, capacity: ArrayLike) -> float | FloatArray: ...
def queue_load(demand: ArrayLike, capacity: ArrayLike) -> float | FloatArray:
    """Load of a queue: demand / capacity (same rate units).

    Above 1 the waiting list grows without bound; it should stay well below 1.

    >>> round(queue_load(30, 27), 4)
    1.1111
    """
    d = _non_negative("demand", demand)
    c = _positive("capacity", capacity)
    return _result(d / c, demand, capacity)


@overload
def target_mean_wait(target_wait: float, factor: float = ...) -> float: ...
@overload
def target_mean_wait(target_wait: ArrayLike, factor: ArrayLike = ...) -> float | FloatArray: ...
def target_mean_wait(
    target_wait: ArrayLike, factor: ArrayLike = DEFAULT_FACTOR
) -> float | FloatArray:
    """Mean wait that meets a target: target / factor (in the target's unit).

    >>> target_mean_wait(52)
    13.0
    """
    t = _positive("target_wait", target_wait)
    f = _positive("factor", factor)
    return _result(t / f, target_wait, factor)


@overload
def target_queue_size(demand: float, target_wait: float, factor: float = ...) -> float: ...
@overload
def target_queue_size(
    demand: ArrayLike, target_wait: ArrayLike, factor: ArrayLike = ...
) -> float | FloatArray: ...
def target_queue_size(
    demand: ArrayLike, target_wait: ArrayLike, factor: ArrayLike = DEFAULT_FACTOR
) -> float | FloatArray:
    """Queue size that meets a target, by Little's law: demand x target / factor.

    >>> target_queue_size(30, 52)
    390.0
    """
    d = _non_negative("demand", demand)
    t = _positive("target_wait", target_wait)
    f = _positive("factor", factor)
    return _result(d * t / f, demand, target_wait, factor)


@overload
def relief_capacity(
    demand: float,
    queue_size: float,
    target_queue_size: float,
    time_to_target: float = ...,
) -> float: ...
@overload
def relief_capacity(
    demand: ArrayLike,
    queue_size: ArrayLike,
    target_queue_size: ArrayLike,
    time_to_target: ArrayLike = ...,
) -> float | FloatArray: ...
def relief_capacity(
    demand: ArrayLike,
    queue_size: ArrayLike,
    target_queue_size: ArrayLike,
    time_to_target: ArrayLike = 26.0,
) -> float | FloatArray:
    """Capacity that brings the queue to its target size in ``time_to_target``.

    demand + (queue size - target queue size) / time to target. Below ``demand`` when the
    queue is already smaller than the target.

    >>> round(relief_capacity(30, 1200, 390, 26), 6)
    61.153846
    """
    d = _non_negative("demand", demand)
    q = _non_negative("queue_size", queue_size)
    qt = _non_negative("target_queue_size", target_queue_size)
    t = _positive("time_to_target", time_to_target)
    return _result(d + (q - qt) / t, demand, queue_size, target_queue_size, time_to_target)


@overload
def target_capacity(
    demand: float,
    target_wait: float,
    factor: float = ...,
    cv_demand: float = ...,
    cv_capacity: float = ...,
) -> float: ...
@overload
def target_capacity(
    demand: ArrayLike,
    target_wait: ArrayLike,
    factor: ArrayLike = ...,
    cv_demand: ArrayLike = ...,
    cv_capacity: ArrayLike = ...,
) -> float | FloatArray: ...
def target_capacity(
    demand: ArrayLike,
    target_wait: ArrayLike,
    factor: ArrayLike = DEFAULT_FACTOR,
    cv_demand: ArrayLike = 1.0,
    cv_capacity: ArrayLike = 1.0,
) -> float | FloatArray:
    """Capacity that keeps the mean wait at target / factor (Kingman's approximation).

    demand + ((cv_demand^2 + cv_capacity^2) / 2) x (factor / target). The coefficients of
    variation are those of the times between referrals and between removals; 1 for
    Poisson arrivals and exponential service.

    >>> round(target_capacity(30, 52, 3, 1.1, 1.2), 6)
    30.076442
    """
    d = _non_negative("demand", demand)
    t = _positive("target_wait", target_wait)
    f = _positive("factor", factor)
    cd = _non_negative("cv_demand", cv_demand)
    cc = _non_negative("cv_capacity", cv_capacity)
    value = d + ((cd**2 + cc**2) / 2.0) * (f / t)
    return _result(value, demand, target_wait, factor, cv_demand, cv_capacity)


@overload
def waiting_list_pressure(mean_wait: float, target_wait: float) -> float: ...
@overload
def waiting_list_pressure(mean_wait: ArrayLike, target_wait: ArrayLike) -> float | FloatArray: ...
def waiting_list_pressure(mean_wait: ArrayLike, target_wait: ArrayLike) -> float | FloatArray:
    """Pressure on a waiting list: 2 x mean wait / target (same unit for both).

    Above 1 the list is failing its target; lists with different targets compare on it.

    >>> round(waiting_list_pressure(63, 52), 7)
    2.4230769
    """
    m = _non_negative("mean_wait", mean_wait)
    t = _positive("target_wait", target_wait)
    return _result(2.0 * m / t, mean_wait, target_wait)


def factor_for_share_within(share_within: float) -> float:
    """Factor that makes ``share_within`` of exponential waits finish within the target.

    ``exp(-factor) = 1 - share`` so ``factor = -ln(1 - share)``; 0.92 gives 2.5257.

    >>> round(factor_for_share_within(0.92), 4)
    2.5257
    """
    if not 0.0 < share_within < 1.0:
        raise InvalidInput("share_within must be strictly between 0 and 1")
    return -math.log(1.0 - share_within)


def share_within_target(factor: ArrayLike) -> float | FloatArray:
    """Share of exponential waits within target when mean wait = target / factor.

    >>> round(share_within_target(4), 4)
    0.9817
    """
    f = _positive("factor", factor)
    return _result(1.0 - np.exp(-f), factor)
