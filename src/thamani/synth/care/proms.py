"""Patient-reported outcome answers from a latent burden (0 best, 1 worst).

Each stage works out a person's burden from their condition, its severity and the quality
of their facility; here the burden becomes item answers on each instrument's own scale,
so totals always fall in range: CAT 0-40 (8 items 0-5), mMRC 0-4, ACT 5-25 (5 items 1-5,
higher is better), PHQ-9 0-27 (9 items 0-3), EQ-5D-5L five dimensions at levels 1-5 and
the EQ VAS 0-100.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

_EQ5D_WEIGHT = np.array([0.8, 0.5, 0.9, 1.1, 0.9])
"""How strongly each EQ-5D dimension (mobility, self-care, usual activities, pain,
anxiety/depression) follows the burden."""


def answers(rng: np.random.Generator, instrument: int, burden: F64) -> tuple[NDArray[np.int8], I64]:
    """Item answers (one row per response) and the EQ VAS (-1 except for EQ-5D-5L)."""
    n = burden.size
    k = cat.ITEM_COUNT[instrument]
    lo, hi = cat.ITEM_RANGE[instrument]
    b = np.clip(burden, 0.0, 1.0)[:, None]
    noise = rng.normal(0.0, 0.75, (n, k))
    if instrument == cat.ACT:
        mu = hi - b * (hi - lo)
    elif instrument == cat.EQ5D:
        mu = lo + b * (hi - lo) * _EQ5D_WEIGHT[None, :] - 0.3
        noise = rng.normal(0.0, 0.6, (n, k))
    else:
        mu = lo + b * (hi - lo)
    items = np.clip(np.rint(mu + noise), lo, hi).astype(np.int8)
    vas = np.full(n, -1, dtype=np.int64)
    if instrument == cat.EQ5D:
        vas = np.clip(np.rint(92 - 65 * b[:, 0] + rng.normal(0, 8, n)), 0, 100).astype(np.int64)
    return items, vas


def burden(base: F64, quality: F64, shift_sd: float, rng: np.random.Generator) -> F64:
    """A burden around ``base``, worse at facilities of lower quality, with personal noise."""
    return np.asarray(
        np.clip(base - 0.25 * shift_sd * quality + rng.normal(0.0, 0.12, base.size), 0.0, 1.0),
        dtype=np.float64,
    )
