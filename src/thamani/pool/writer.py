"""Writing the pool: settled encounters as pseudonymised Parquet rows, partitioned by month.

Layout: ``<pool_dir>/month=YYYY-MM/part-<hash>.parquet`` (Hive partitioning, which DuckDB,
Spark and Arrow all read). Each file is written to a temporary name and renamed into place,
so readers never see half a file; its name is a hash of the encounters it holds, so a
retried append rewrites the same file rather than adding a second copy.

The schema holds no names, phones, national ids or operational ids: a keyed pseudonym
stands for the member, the year of birth for the birth date, the area for the address.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from thamani.pool.pseudonym import Pseudonymiser
from thamani.pool.records import PoolEncounter
from thamani.wallets.records import FundingSource

SCHEMA = pa.schema(
    [
        pa.field("pseudonym", pa.string(), nullable=False),
        pa.field("encounter_key", pa.string(), nullable=False),
        pa.field("year_of_birth", pa.int16()),
        pa.field("sex", pa.string()),
        pa.field("area", pa.string()),
        pa.field("provider_id", pa.int64(), nullable=False),
        pa.field("provider_level", pa.string()),
        pa.field("programme", pa.string()),
        pa.field("encounter_date", pa.date32(), nullable=False),
        pa.field("encounter_week", pa.string(), nullable=False),
        pa.field("encounter_class", pa.string(), nullable=False),
        pa.field("diagnosis_codes", pa.list_(pa.string())),
        pa.field("service_codes", pa.list_(pa.string())),
        pa.field("currency", pa.string(), nullable=False),
        pa.field("amount_total", pa.int64(), nullable=False),
        *(pa.field(f"paid_{s.value}", pa.int64(), nullable=False) for s in FundingSource),
        pa.field("outcome", pa.string()),
        pa.field("length_of_stay_days", pa.int32()),
    ]
)
"""The pool's columns (amounts in minor units; ``paid_<source>`` per funding source)."""


def iso_week(d: date) -> str:
    """``2025-W07``: the ISO year and week (weeks start on Monday)."""
    year, week, _ = d.isocalendar()
    return f"{year}-W{week:02d}"


def month_of(d: date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


#: The ``paid_<source>`` columns, each 0 until an encounter's sources say otherwise.
_PAID_NONE = {f"paid_{s.value}": 0 for s in FundingSource}


def to_row(
    e: PoolEncounter,
    p: Pseudonymiser,
    demographics: tuple[int | None, str | None, str | None],
    key: str | None = None,
) -> dict[str, Any]:
    """One pool row; ``demographics`` is (year of birth, sex, area); ``key`` is the
    encounter's key when the caller made it already (``Pseudonymiser.encounter``)."""
    year, sex, area = demographics
    row: dict[str, Any] = {
        "pseudonym": p.member(e.patient_party_id),
        "encounter_key": key if key is not None else p.encounter(e.encounter_id),
        "year_of_birth": year,
        "sex": sex,
        "area": area,
        "provider_id": e.provider_party_id,
        "provider_level": e.provider_level or None,
        "programme": e.programme or None,
        "encounter_date": e.encounter_date,
        "encounter_week": iso_week(e.encounter_date),
        "encounter_class": e.encounter_class,
        "diagnosis_codes": [c.strip().upper() for c in e.diagnosis_codes],
        "service_codes": list(e.service_codes),
        "currency": e.currency,
        "amount_total": e.amount_total,
        "outcome": e.outcome,
        "length_of_stay_days": e.length_of_stay_days,
        **_PAID_NONE,
    }
    for source, amount in e.paid_by_source.items():
        row["paid_" + source._value_] = int(amount)
    return row


def write_months(pool_dir: Path, rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """Write rows into their month partitions; returns the files, relative to ``pool_dir``."""
    by_month: dict[str, list[Mapping[str, Any]]] = {}
    for r in rows:
        by_month.setdefault(month_of(r["encounter_date"]), []).append(r)
    written = []
    for month, month_rows in sorted(by_month.items()):
        month_rows.sort(key=lambda r: (r["encounter_date"], r["encounter_key"]))
        digest = hashlib.sha256(
            "\n".join(r["encounter_key"] for r in month_rows).encode()
        ).hexdigest()[:24]
        folder = pool_dir / f"month={month}"
        folder.mkdir(parents=True, exist_ok=True)
        name = f"part-{digest}.parquet"
        table = pa.Table.from_pylist(list(month_rows), schema=SCHEMA)
        tmp = folder / f".{name}.{os.getpid()}.tmp"
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, folder / name)
        written.append(f"month={month}/{name}")
    return written
