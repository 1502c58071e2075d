"""Vectorised sampling: calibrated probabilities, schedules and choices within groups.

Everything here works on whole arrays; nothing loops over people.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
B = NDArray[np.bool_]

YEAR = 365
NEVER = np.int32(2**31 - 1)
"""Day number used for 'never' (no death, never diagnosed)."""


def sigmoid(x: F64) -> F64:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))


def calibrated(target: float, shift: F64) -> F64:
    """Probabilities sigmoid(a + shift) whose mean is ``target`` (a found by bisection).

    This keeps a population rate equal to its parameter while individual probabilities move
    with covariates such as facility quality.
    """
    if shift.size == 0:
        return np.zeros(0)
    if target <= 0.0:
        return np.zeros(shift.size)
    if target >= 1.0:
        return np.ones(shift.size)
    lo, hi = -30.0, 30.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if float(np.mean(sigmoid(mid + shift))) < target:
            lo = mid
        else:
            hi = mid
    return sigmoid((lo + hi) / 2 + shift)


def rate_ratio(effect: float, z: F64) -> F64:
    """exp(effect * z) normalised to mean 1, so a base rate keeps its population mean."""
    if z.size == 0:
        return np.zeros(0)
    r = np.exp(effect * z)
    return np.asarray(r / r.mean(), dtype=np.float64)


def bernoulli_with_odds_ratio(
    rng: np.random.Generator, p: F64, exposed: B, odds_ratio: float, strata: I64
) -> B:
    """Draw Y with P(Y) = ``p`` on average in each stratum and OR(Y, exposed) = ``odds_ratio``.

    Within each stratum logit P(Y) = a_s + log(OR) * exposed, with a_s solved so the
    stratum's mean matches its mean ``p`` (comorbidity without moving the prevalence).
    """
    n_strata = int(strata.max()) + 1 if strata.size else 0
    count = np.bincount(strata, minlength=n_strata).astype(np.float64)
    safe = np.maximum(count, 1.0)
    target = np.bincount(strata, weights=p, minlength=n_strata) / safe
    q = np.bincount(strata, weights=exposed.astype(np.float64), minlength=n_strata) / safe
    b = float(np.log(odds_ratio))
    lo = np.full(n_strata, -30.0)
    hi = np.full(n_strata, 30.0)
    for _ in range(60):
        mid = (lo + hi) / 2
        mean = q * sigmoid(mid + b) + (1 - q) * sigmoid(mid)
        low = mean < target
        lo = np.where(low, mid, lo)
        hi = np.where(low, hi, mid)
    a = (lo + hi) / 2
    a = np.where(target <= 0, -np.inf, a)
    prob = sigmoid(a[strata] + b * exposed)
    return rng.random(p.size) < prob


def expand(counts: I64) -> tuple[I64, I64]:
    """For owners with ``counts`` children: each child's owner and its rank among siblings."""
    counts = counts.astype(np.int64)
    total = int(counts.sum())
    owner = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    starts = np.cumsum(counts) - counts
    rank = np.arange(total, dtype=np.int64) - np.repeat(starts, counts)
    return owner, rank


def schedule(first: I64, stop: I64, interval: I64) -> tuple[I64, I64]:
    """Regular visits from ``first`` every ``interval`` days while before ``stop``.

    Returns (owner index, day) for every visit; owners with first >= stop get none.
    """
    span = np.maximum(stop - first, 0)
    counts = np.where(span > 0, (span + interval - 1) // interval, 0)
    owner, rank = expand(counts)
    return owner, first[owner] + rank * interval[owner]


def choose_in_groups(
    rng: np.random.Generator, item_group: I64, item_weight: F64, query_group: I64
) -> I64:
    """For each query, an item of the query's group, drawn in proportion to item weights.

    Items are indices 0..len(item_group)-1. Every queried group must hold an item.
    """
    order = np.argsort(item_group, kind="stable")
    g = item_group[order]
    w = item_weight[order].astype(np.float64)
    n_groups = int(max(g.max(initial=0), query_group.max(initial=0))) + 1
    totals = np.bincount(g, weights=w, minlength=n_groups)
    cum_in_group = np.cumsum(w) - np.repeat(
        np.cumsum(totals) - totals, np.bincount(g, minlength=n_groups)
    )
    key = g + cum_in_group / np.maximum(totals[g], 1e-300)
    u = rng.random(query_group.size)
    target = query_group + np.clip(u, 1e-12, 1.0 - 1e-12)
    pos = np.searchsorted(key, target, side="left")
    pos = np.minimum(pos, order.size - 1)
    return order[pos].astype(np.int64)


def categorical(rng: np.random.Generator, probs: F64, size: int) -> I64:
    """``size`` draws from one categorical distribution (probabilities normalised)."""
    p = np.asarray(probs, dtype=np.float64)
    cum = np.cumsum(p / p.sum())
    out = np.minimum(np.searchsorted(cum, rng.random(size), side="right"), p.size - 1)
    return np.asarray(out, dtype=np.int64)


def categorical_rows(rng: np.random.Generator, table: F64, row: I64) -> I64:
    """One draw per query from the categorical distribution in ``table[row]``."""
    cum = np.cumsum(table / table.sum(axis=1, keepdims=True), axis=1)
    u = rng.random(row.size)
    out = (u[:, None] >= cum[row]).sum(axis=1)
    return np.asarray(np.minimum(out, table.shape[1] - 1), dtype=np.int64)


def age_band(age_days: I64) -> I64:
    """Five-year band 0..16 (80+) of an age in days."""
    return np.asarray(np.clip(age_days // (5 * 365.25), 0, 16), dtype=np.int64)
