"""The visit book: every care stage writes its encounters and what they carry here.

Stages add whole arrays at a time (never one visit at a time): visits (person, facility,
day, kind, main diagnosis, length of stay, pregnancy), and, keyed by the visit's index in
the book, extra diagnoses, extra lines, observations, PROM responses and referrals. The
encounter stage then drops visits after death or outside the years, sorts them by date and
numbers them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]


def _cat(parts: list[NDArray[Any]], dtype: Any) -> NDArray[Any]:
    if not parts:
        return np.zeros(0, dtype=dtype)
    return np.concatenate(parts).astype(dtype, copy=False)


@dataclass(slots=True)
class VisitBook:
    """Visits and their contents as lists of array chunks (concatenated by ``freeze``)."""

    _visits: list[tuple[I64, ...]] = field(default_factory=list)
    _n: int = 0
    _dx: list[tuple[I64, I64]] = field(default_factory=list)
    _lines: list[tuple[I64, I64, I64]] = field(default_factory=list)
    _obs: list[tuple[I64, I64, F64, I64]] = field(default_factory=list)
    _proms: list[tuple[I64, I64, I64, NDArray[np.int8], I64]] = field(default_factory=list)
    _refs: list[tuple[I64, I64, I64, I64, I64]] = field(default_factory=list)

    def visits(
        self,
        person: I64,
        facility: I64,
        day: I64,
        kind: int | I64,
        dx: int | I64,
        *,
        los: int | I64 = 0,
        pregnancy: int | I64 = -1,
    ) -> I64:
        """Add visits; returns their indices in the book."""
        n = person.size
        arr = (
            person.astype(np.int64),
            facility.astype(np.int64),
            day.astype(np.int64),
            np.broadcast_to(np.asarray(kind, dtype=np.int64), n).copy(),
            np.broadcast_to(np.asarray(dx, dtype=np.int64), n).copy(),
            np.broadcast_to(np.asarray(los, dtype=np.int64), n).copy(),
            np.broadcast_to(np.asarray(pregnancy, dtype=np.int64), n).copy(),
        )
        self._visits.append(arr)
        idx = np.arange(self._n, self._n + n, dtype=np.int64)
        self._n += n
        return idx

    def diagnoses(self, visit: I64, code: int | I64) -> None:
        """Secondary diagnoses (ICD-10 catalogue indices)."""
        c = np.broadcast_to(np.asarray(code, dtype=np.int64), visit.size).copy()
        self._dx.append((visit.astype(np.int64), c))

    def lines(self, visit: I64, item: int | I64, quantity: int | I64 = 1) -> None:
        """Extra claim lines (catalogue item indices) beyond the kind's template."""
        n = visit.size
        it = np.broadcast_to(np.asarray(item, dtype=np.int64), n).copy()
        q = np.broadcast_to(np.asarray(quantity, dtype=np.int64), n).copy()
        self._lines.append((visit.astype(np.int64), it, q))

    def observations(
        self, visit: I64, measure: int, value: F64 | float, result: int | I64 = 0
    ) -> None:
        """Results of one measure; a billable lab also puts its line on the claim."""
        n = visit.size
        m = np.full(n, measure, dtype=np.int64)
        v = np.broadcast_to(np.asarray(value, dtype=np.float64), n).copy()
        r = np.broadcast_to(np.asarray(result, dtype=np.int64), n).copy()
        self._obs.append((visit.astype(np.int64), m, v, r))

    def proms(
        self, visit: I64, instrument: int, time_point: int | I64, items: NDArray[np.int8], vas: I64
    ) -> None:
        """PROM responses: ``items`` has one row per response (padded with -1 to 9)."""
        n = visit.size
        tp = np.broadcast_to(np.asarray(time_point, dtype=np.int64), n).copy()
        ins = np.full(n, instrument, dtype=np.int64)
        pad = np.full((n, 9), -1, dtype=np.int8)
        pad[:, : items.shape[1]] = items
        self._proms.append((visit.astype(np.int64), ins, tp, pad, vas.astype(np.int64)))

    def referrals(
        self, visit: I64, specialty: I64, priority: I64, icd10: I64, receiving: I64
    ) -> None:
        """Referrals made at these visits."""
        self._refs.append(
            (visit.astype(np.int64), specialty.astype(np.int64), priority.astype(np.int64),
             icd10.astype(np.int64), receiving.astype(np.int64))
        )  # fmt: skip

    def freeze(self) -> Book:
        v: list[Any] = list(zip(*self._visits, strict=True)) if self._visits else [[]] * 7
        d: list[Any] = list(zip(*self._dx, strict=True)) if self._dx else [[]] * 2
        li: list[Any] = list(zip(*self._lines, strict=True)) if self._lines else [[]] * 3
        o: list[Any] = list(zip(*self._obs, strict=True)) if self._obs else [[]] * 4
        pr: list[Any] = list(zip(*self._proms, strict=True)) if self._proms else [[]] * 5
        rf: list[Any] = list(zip(*self._refs, strict=True)) if self._refs else [[]] * 5
        items = np.concatenate(list(pr[3])) if self._proms else np.zeros((0, 9), dtype=np.int8)
        return Book(
            person=_cat(list(v[0]), np.int64),
            facility=_cat(list(v[1]), np.int64),
            day=_cat(list(v[2]), np.int64),
            kind=_cat(list(v[3]), np.int64),
            dx=_cat(list(v[4]), np.int64),
            los=_cat(list(v[5]), np.int64),
            pregnancy=_cat(list(v[6]), np.int64),
            dx_visit=_cat(list(d[0]), np.int64),
            dx_code=_cat(list(d[1]), np.int64),
            line_visit=_cat(list(li[0]), np.int64),
            line_item=_cat(list(li[1]), np.int64),
            line_qty=_cat(list(li[2]), np.int64),
            obs_visit=_cat(list(o[0]), np.int64),
            obs_measure=_cat(list(o[1]), np.int64),
            obs_value=_cat(list(o[2]), np.float64),
            obs_result=_cat(list(o[3]), np.int64),
            prom_visit=_cat(list(pr[0]), np.int64),
            prom_instrument=_cat(list(pr[1]), np.int64),
            prom_time_point=_cat(list(pr[2]), np.int64),
            prom_items=items.astype(np.int8),
            prom_vas=_cat(list(pr[4]), np.int64),
            ref_visit=_cat(list(rf[0]), np.int64),
            ref_specialty=_cat(list(rf[1]), np.int64),
            ref_priority=_cat(list(rf[2]), np.int64),
            ref_icd10=_cat(list(rf[3]), np.int64),
            ref_receiving=_cat(list(rf[4]), np.int64),
        )


@dataclass(frozen=True, slots=True)
class Book:
    """All visits and their contents as flat arrays (``*_visit`` index the visit arrays)."""

    person: I64
    facility: I64
    day: I64
    kind: I64
    dx: I64
    los: I64
    pregnancy: I64
    dx_visit: I64
    dx_code: I64
    line_visit: I64
    line_item: I64
    line_qty: I64
    obs_visit: I64
    obs_measure: I64
    obs_value: F64
    obs_result: I64
    prom_visit: I64
    prom_instrument: I64
    prom_time_point: I64
    prom_items: NDArray[np.int8]
    prom_vas: I64
    ref_visit: I64
    ref_specialty: I64
    ref_priority: I64
    ref_icd10: I64
    ref_receiving: I64
