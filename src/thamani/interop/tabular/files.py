"""Writing a table: CSV (the csv module, minimal quoting, ``\\n`` line ends) or Parquet
(pyarrow, every column text, empty values as nulls)."""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from thamani.interop.tabular.layout import Row

FORMATS = ("csv", "parquet")


def write(directory: Path, name: str, header: Sequence[str], rows: list[Row], fmt: str) -> Path:
    """Write one table; returns its path."""
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {h: pa.array([r.get(h) or None for r in rows], type=pa.string()) for h in header}
        path = directory / f"{name}.parquet"
        pq.write_table(pa.table(columns), path)
        return path
    path = directory / f"{name}.csv"
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows([[r.get(h, "") for h in header] for r in rows])
    return path
