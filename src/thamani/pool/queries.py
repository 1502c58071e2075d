"""Queries over the pool, written once with Ibis.

Each query takes an Ibis table of the pool and returns an Ibis expression, so the same
code runs on DuckDB (the embedded default, ``open_pool``) and on any other Ibis backend
(PySpark when one machine is not enough).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import ibis
import ibis.expr.types as ir


def open_pool(pool_dir: Path) -> ir.Table | None:
    """The pool as an Ibis table on an in-process DuckDB; None while it is empty."""
    if not any(pool_dir.glob("month=*/*.parquet")):
        return None
    con = ibis.duckdb.connect()
    return con.read_parquet(str(pool_dir / "month=*" / "*.parquet"), hive_partitioning=True)


def within(
    pool: ir.Table,
    *,
    since: date | None = None,
    until: date | None = None,
    programme: str | None = None,
) -> ir.Table:
    """Encounters from ``since`` to ``until`` (inclusive), optionally of one programme.

    The month bounds are stated too, so backends skip whole partitions.
    """
    t = pool
    if since is not None:
        t = t.filter(t.month >= f"{since.year:04d}-{since.month:02d}", t.encounter_date >= since)
    if until is not None:
        t = t.filter(t.month <= f"{until.year:04d}-{until.month:02d}", t.encounter_date <= until)
    if programme:
        t = t.filter(t.programme == programme)
    return t


def diagnoses_by_area_and_week(pool: ir.Table, *, code_length: int = 3) -> ir.Table:
    """Encounters per (ISO week, area, diagnosis), each diagnosis code cut to
    ``code_length`` characters (3: the ICD-10 category) with the dot removed.

    An encounter coded B50.0 and B50.9 counts once for B50.
    """
    codes = pool.select(
        pool.encounter_key,
        pool.encounter_week,
        area=pool.area.fill_null("unknown"),
        code=pool.diagnosis_codes.unnest(),
    )
    cut = codes.mutate(diagnosis=codes.code.upper().replace(".", "").substr(0, code_length))
    return (
        cut.group_by(["encounter_week", "area", "diagnosis"])
        .aggregate(encounters=cut.encounter_key.nunique())
        .order_by(["encounter_week", "diagnosis", "area"])
    )


def flat(pool: ir.Table) -> ir.Table:
    """The pool with its lists joined by ';' (for CSV)."""
    return pool.mutate(
        diagnosis_codes=pool.diagnosis_codes.join(";"),
        service_codes=pool.service_codes.join(";"),
    )
