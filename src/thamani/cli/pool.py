"""``thamani pool``: export the pseudonymised pool, publish the disease map."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from thamani.cli.common import console, emit_json, friendly, platform
from thamani.cli.wallets import parse_day

app = typer.Typer(help="The pseudonymised data pool: export and aggregates.")


@app.command("export")
@friendly
def export(
    directory: Path = typer.Argument(..., help="Where to write the copy."),
    fmt: str = typer.Option("parquet", "--format", help="parquet (partitions) or csv."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Copy the pool out (it holds no names, phones or ids)."""
    out = platform().pool.export(directory, fmt)
    if as_json:
        emit_json({"directory": str(out.directory), "files": list(out.files), "rows": out.rows})
    else:
        console.print(f"{out.rows} encounters in {len(out.files)} file(s) under {out.directory}")


@app.command("disease-map")
@friendly
def disease_map(
    since: str | None = typer.Option(None, help="First day, YYYY-MM-DD."),
    until: str | None = typer.Option(None, help="Last day, YYYY-MM-DD."),
    programme: str | None = typer.Option(None),
    code_length: int = typer.Option(3, help="Characters of each code kept (3: ICD-10 category)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Diagnoses by area and ISO week, counts under 5 withheld (and their complements)."""
    m = platform().pool.disease_map(
        since=parse_day(since, "since"),
        until=parse_day(until, "until"),
        programme=programme,
        code_length=code_length,
    )
    if as_json:
        emit_json(
            {
                "threshold": m.threshold,
                "code_length": m.code_length,
                "cells": [
                    {
                        "week": c.week,
                        "area": c.area,
                        "diagnosis": c.diagnosis,
                        "count": c.count,
                        "suppressed": c.suppressed.value if c.suppressed else None,
                    }
                    for c in m.cells
                ],
                "totals": [
                    {
                        "week": t.week,
                        "diagnosis": t.diagnosis,
                        "count": t.count,
                        "suppressed": t.suppressed.value if t.suppressed else None,
                    }
                    for t in m.totals
                ],
            }
        )
        return
    table = Table("week", "diagnosis", "area", "encounters")
    for c in m.cells:
        table.add_row(c.week, c.diagnosis, c.area, str(c.count) if c.count is not None else "*")
    console.print(table)
    console.print(f"* withheld: under {m.threshold}, or a complement that would give one back")
