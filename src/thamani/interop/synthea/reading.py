"""Reading Synthea tables (CSV, or Parquet as ``thamani export parquet`` writes them) and
their cells, every fault naming the file, the row and the column.

Rows are numbered from 1, the first row after the header (so row ``n`` is line ``n + 1``
of a CSV file). Amounts are read as decimals and rounded **half-even** to the currency's
minor unit (Synthea's money columns carry float noise: ``49112.87100000001`` is 4911287
cents); a negative amount is refused. Times are ISO 8601 (``2023-01-27T16:17:47Z``; a
date alone is midnight UTC); dates take the date part of a time.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from pathlib import Path

from thamani.errors import InvalidInput
from thamani.interop.synthea.columns import TABLES, normal
from thamani.money import Currency

_ONE = Decimal(1)


@dataclass(slots=True)
class Sheet:
    """One table as read: its rows (lists of text) and where each column is.

    name: the table's name (``claims``).
    file: the file's name, for messages (``claims.csv``).
    index: the importer's column key to its position (missing optional columns absent).
    headers: the column key to the header as written in the file.
    rows: the data rows, as text ("" for empty).
    """

    name: str
    file: str
    index: dict[str, int]
    headers: dict[str, str]
    rows: list[list[str]]

    def __len__(self) -> int:
        return len(self.rows)

    def where(self, row: int, key: str) -> str:
        """``claims.csv row 3, column SERVICEDATE`` (``row`` counted from 0 here)."""
        return f"{self.file} row {row + 1}, column {self.headers.get(key, key)}"

    def column(self, key: str) -> list[str]:
        """Every row's text in one column ("" for a missing optional column)."""
        i = self.index.get(key)
        if i is None:
            return [""] * len(self.rows)
        return [r[i] if i < len(r) else "" for r in self.rows]

    def fault(self, row: int, key: str, message: str, code: str = "invalid_value") -> InvalidInput:
        return InvalidInput(message, code=code, where=self.where(row, key))


def find(directory: Path, name: str) -> Path | None:
    """The file holding a table (``name.csv`` or ``name.parquet``), or None."""
    for suffix in (".csv", ".parquet"):
        path = directory / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def read(path: Path, name: str) -> Sheet:
    """Read one table; a required column missing is ``InvalidInput`` naming it."""
    if path.suffix == ".parquet":
        header, rows = _parquet(path)
    else:
        header, rows = _csv(path)
    seen = {normal(h): k for k, h in enumerate(header)}
    index: dict[str, int] = {}
    headers: dict[str, str] = {}
    for col in TABLES[name]:
        for h in col.headers:
            k = seen.get(normal(h))
            if k is not None:
                index[col.key] = k
                headers[col.key] = header[k]
                break
        else:
            if col.required:
                raise InvalidInput(
                    f"{path.name} has no column {col.key}"
                    + (f" (nor {', '.join(col.headers[1:])})" if len(col.headers) > 1 else ""),
                    code="missing_column",
                    where=f"{path.name}, column {col.key}",
                )
    return Sheet(name, path.name, index, headers, rows)


def _csv(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InvalidInput(
                f"{path.name} is empty (no header)", code="empty_file", where=path.name
            ) from None
        try:
            rows = [r for r in reader if r]
        except csv.Error as e:
            raise InvalidInput(
                f"{path.name} is not valid CSV: {e}",
                code="invalid_csv",
                where=f"{path.name} line {reader.line_num}",
            ) from None
    return header, rows


def _parquet(path: Path) -> tuple[list[str], list[list[str]]]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    cols = []
    for c in table.columns:
        text = c if c.type == "string" else pc.cast(c, "string")
        cols.append([v if v is not None else "" for v in text.to_pylist()])
    return list(table.column_names), [list(r) for r in zip(*cols, strict=True)]


# -- cells --------------------------------------------------------------------------------


def text(sheet: Sheet, row: int, key: str) -> str:
    """A required text cell."""
    i = sheet.index[key]
    r = sheet.rows[row]
    value = r[i].strip() if i < len(r) else ""
    if not value:
        raise sheet.fault(row, key, f"{sheet.headers[key]} is empty", "missing_value")
    return value


def opt(sheet: Sheet, row: int, key: str) -> str | None:
    """An optional text cell (None when empty or absent)."""
    i = sheet.index.get(key)
    if i is None:
        return None
    r = sheet.rows[row]
    value = r[i].strip() if i < len(r) else ""
    return value or None


def when(sheet: Sheet, row: int, key: str) -> datetime:
    """A required time (UTC)."""
    return _time(sheet, row, key, text(sheet, row, key))


def opt_when(sheet: Sheet, row: int, key: str) -> datetime | None:
    value = opt(sheet, row, key)
    return None if value is None else _time(sheet, row, key, value)


def day(sheet: Sheet, row: int, key: str) -> date:
    """A required date (the date part of a time)."""
    return _date(sheet, row, key, text(sheet, row, key))


def opt_day(sheet: Sheet, row: int, key: str) -> date | None:
    value = opt(sheet, row, key)
    return None if value is None else _date(sheet, row, key, value)


def money(sheet: Sheet, row: int, key: str, cur: Currency) -> int | None:
    """An optional amount in minor units, rounded half-even (None when empty)."""
    value = opt(sheet, row, key)
    return None if value is None else amount(sheet, row, key, value, cur)


def amount(sheet: Sheet, row: int, key: str, value: str, cur: Currency) -> int:
    """``value`` (a decimal in major units) in minor units, rounded half-even."""
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise sheet.fault(row, key, f"{value!r} is not an amount", "invalid_amount") from None
    if not d.is_finite():
        raise sheet.fault(row, key, f"{value!r} is not an amount", "invalid_amount")
    if d < 0:
        raise sheet.fault(row, key, f"{value!r} is a negative amount", "invalid_amount")
    return int((d * cur.minor_per_major).quantize(_ONE, rounding=ROUND_HALF_EVEN))


def count(sheet: Sheet, row: int, key: str, default: int) -> int:
    """An optional whole number (``default`` when empty); ``1.0`` reads as 1."""
    value = opt(sheet, row, key)
    if value is None:
        return default
    try:
        d = Decimal(value)
    except InvalidOperation:
        raise sheet.fault(row, key, f"{value!r} is not a number", "invalid_number") from None
    if not d.is_finite() or d != d.to_integral_value() or d < 0:
        raise sheet.fault(row, key, f"{value!r} is not a whole number", "invalid_number")
    return int(d)


def _time(sheet: Sheet, row: int, key: str, value: str) -> datetime:
    try:
        if len(value) == 4 and value.isdigit():
            t = datetime(int(value), 1, 1, tzinfo=UTC)
        else:
            t = datetime.fromisoformat(value)
    except ValueError:
        raise sheet.fault(row, key, f"{value!r} is not a date or time", "invalid_date") from None
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _date(sheet: Sheet, row: int, key: str, value: str) -> date:
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        raise sheet.fault(row, key, f"{value!r} is not a date", "invalid_date") from None


def rows(sheet: Sheet | None) -> Iterator[int]:
    """The row numbers of a table (none when the file is absent)."""
    return iter(range(len(sheet) if sheet is not None else 0))
