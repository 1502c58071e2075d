"""Parquet: one file per table, plus ``region.json`` describing the region and its columns.

Files are written with fixed settings (zstd, dictionary encoding, statistics, no
timestamps or paths in the metadata) so the same region gives the same bytes. Tables are
written two at a time: the Arrow writer releases the interpreter lock.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import orjson
import pyarrow.parquet as pq

from thamani.synth.region import Region, Table
from thamani.synth.writers.arrow import arrow_table


def describe(region: Region) -> bytes:
    """``region.json``: how the region was made, rows per table and the column meanings."""
    i = region.info
    doc = {
        "name": i.name,
        "seed": i.seed,
        "people": i.people,
        "years": i.years,
        "start_date": i.start_date,
        "end_date": i.end_date,
        "currency": i.currency,
        "money": "integer minor units (cents)",
        "tables": [
            {
                "name": t.name,
                "description": t.spec.description,
                "hidden": t.spec.hidden,
                "rows": len(t),
                "columns": [
                    {"name": c.name, "type": c.type, "description": c.description}
                    for c in t.spec.columns
                ],
            }
            for t in region.tables
        ],
    }
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2) + b"\n"


def _write_one(region: Region, t: Table, out: Path) -> None:
    table = arrow_table(t)
    meta = {
        b"thamani.region": region.info.name.encode(),
        b"thamani.seed": str(region.info.seed).encode(),
        b"thamani.table": t.name.encode(),
    }
    table = table.replace_schema_metadata(meta)
    pq.write_table(
        table,
        out / f"{t.name}.parquet",
        compression="zstd",
        use_dictionary=[c.name for c in t.columns if c.type in ("code", "text")],
        write_statistics=True,
        row_group_size=1 << 20,
    )


def write_parquet(
    region: Region, out: Path, on_table: Callable[[str], None] | None = None
) -> list[Path]:
    """Write every table to ``out/<table>.parquet`` and ``out/region.json``."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "region.json").write_bytes(describe(region))
    tables = sorted(region.tables, key=len, reverse=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        for t, _ in zip(
            tables, pool.map(lambda t: _write_one(region, t, out), tables), strict=True
        ):
            if on_table:
                on_table(t.name)
    return [out / "region.json", *(out / f"{t.name}.parquet" for t in region.tables)]
