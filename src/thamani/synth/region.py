"""A generated region held in memory as columnar tables (numpy arrays).

``Region`` is what ``generate`` returns and what every writer (and, later, the loader into
the store) reads. Each ``Table`` follows its ``TableSpec`` in ``schema.py``: same columns, in
the same order, of the declared types. Coded columns hold small integers with their labels
beside them, so a million rows of ICD-10 codes cost two bytes each.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from thamani.synth.schema import TABLES, TableSpec, spec

_KIND_OK = {
    "id": "iu",
    "int": "iu",
    "money": "i",
    "float": "f",
    "bool": "b",
    "date": "M",
    "code": "iu",
    "text": "UO",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column.

    name: column name (as in the spec).
    type: the spec's column type.
    values: the numbers (for a code column, indices into ``labels``; -1 is null).
    labels: the codes of a code column, else empty.
    """

    name: str
    type: str
    values: NDArray[Any]
    labels: tuple[str, ...] = ()

    def decoded(self) -> NDArray[Any]:
        """A code column as strings ("" for null); other columns unchanged."""
        if self.type != "code":
            return self.values
        lab = np.asarray((*self.labels, ""), dtype=object)
        return lab[np.where(self.values < 0, len(self.labels), self.values)]


@dataclass(frozen=True, slots=True)
class Table:
    """A table: its spec and its columns (all the same length)."""

    spec: TableSpec
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return self.spec.name

    def __len__(self) -> int:
        return int(self.columns[0].values.shape[0]) if self.columns else 0

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")

    def __getitem__(self, name: str) -> NDArray[Any]:
        return self.column(name).values


def make_table(
    name: str,
    values: dict[str, NDArray[Any]],
    labels: Mapping[str, Sequence[str]] | None = None,
) -> Table:
    """Build a table, checking it against its spec (names, order, types, lengths)."""
    s = spec(name)
    labels = labels or {}
    missing = [c.name for c in s.columns if c.name not in values]
    extra = [k for k in values if k not in {c.name for c in s.columns}]
    if missing or extra:
        raise ValueError(f"table {name}: missing {missing}, unexpected {extra}")
    cols = []
    n: int | None = None
    for c in s.columns:
        v = np.asarray(values[c.name])
        if v.dtype.kind not in _KIND_OK[c.type]:
            raise ValueError(f"table {name}.{c.name}: {v.dtype} is not a {c.type} column")
        if n is None:
            n = v.shape[0]
        elif v.shape[0] != n:
            raise ValueError(f"table {name}.{c.name}: {v.shape[0]} rows, expected {n}")
        lab: tuple[str, ...] = ()
        if c.type == "code":
            if c.name not in labels:
                raise ValueError(f"table {name}.{c.name}: a code column needs its labels")
            lab = tuple(labels[c.name])
        cols.append(Column(c.name, c.type, v, lab))
    return Table(s, tuple(cols))


@dataclass(frozen=True, slots=True)
class RegionInfo:
    """How a region was made.

    name: region name from the parameters.
    seed: the seed.
    people: people asked for (babies born during the years come on top).
    years: years of care.
    start_date: first day of care (ISO date).
    end_date: last day of care (ISO date).
    currency: currency of every money column.
    """

    name: str
    seed: int
    people: int
    years: int
    start_date: str
    end_date: str
    currency: str


@dataclass(frozen=True, slots=True)
class Region:
    """A generated region: its description and its tables in the order of ``schema.TABLES``."""

    info: RegionInfo
    tables: tuple[Table, ...]

    def __post_init__(self) -> None:
        got = tuple(t.name for t in self.tables)
        want = tuple(t.name for t in TABLES)
        if got != want:
            raise ValueError(f"region tables {got} do not follow the schema {want}")

    def __getitem__(self, name: str) -> Table:
        for t in self.tables:
            if t.name == name:
                return t
        raise KeyError(name)

    def __iter__(self) -> Iterator[Table]:
        return iter(self.tables)

    def counts(self) -> dict[str, int]:
        """Rows per table."""
        return {t.name: len(t) for t in self.tables}
