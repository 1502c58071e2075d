"""``thamani import fhir PATH`` and ``thamani export fhir DIR``: FHIR R4 in and out."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from thamani.cli.common import console, emit_json, err_console, friendly, platform, progress
from thamani.interop.fhir.outcomes import operation_outcome
from thamani.interop.fhir.results import ImportSummary, UnitResult
from thamani.interop.fhir.sources import pending_units


def _unit_json(u: UnitResult) -> dict[str, Any]:
    return {
        "name": u.name,
        "ok": u.ok,
        "read": u.read,
        "added": u.added,
        "unchanged": u.unchanged,
        "skipped": u.skipped,
        "outcome": operation_outcome(u.issues) if u.issues else None,
    }


def summary_json(s: ImportSummary, seconds: float) -> dict[str, Any]:
    read = sum(s.total("read").values())
    return {
        "units": [_unit_json(u) for u in s.units],
        "imported": sum(u.ok for u in s.units),
        "failed": [u.name for u in s.failed],
        "read": s.total("read"),
        "added": s.total("added"),
        "unchanged": s.total("unchanged"),
        "skipped": s.total("skipped"),
        "seconds": round(seconds, 3),
        "resources_per_second": round(read / seconds) if seconds > 0 else None,
    }


@friendly
def import_fhir(
    path: Path = typer.Argument(
        ..., help="A Bundle (.json), an NDJSON file, or a directory of them."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Import FHIR R4: transaction or collection Bundles, Bulk Data NDJSON (each Bundle
    all or nothing; the NDJSON files of a directory together)."""
    p = platform()
    units = len(list(pending_units(path)))
    started = time.perf_counter()
    with progress("import fhir", units, enabled=not as_json) as advance:
        summary = p.fhir.import_path(path, on_unit=lambda _u: advance(1))
    seconds = time.perf_counter() - started
    if as_json:
        emit_json(summary_json(summary, seconds))
    else:
        table = Table("type", "read", "added", "unchanged", "skipped", title=str(path))
        read, added = summary.total("read"), summary.total("added")
        unchanged, skipped = summary.total("unchanged"), summary.total("skipped")
        for t in read:
            table.add_row(t, *(f"{d.get(t, 0):,}" for d in (read, added, unchanged, skipped)))
        console.print(table)
        ok = len(summary.units) - len(summary.failed)
        console.print(
            f"{ok} of {len(summary.units)} imported, {sum(read.values()):,} resources"
            f" in {seconds:.1f} s"
        )
        for u in summary.failed:
            err_console.print(f"[bold red]failed[/]: {u.name} (nothing of it was written)")
            for i in u.issues:
                where = f" at {i.expression}" if i.expression else ""
                err_console.print(f"  {i.code}: {i.diagnostics}{where}", highlight=False)
    if summary.failed:
        raise typer.Exit(2)


@friendly
def export_fhir(
    directory: Path = typer.Argument(..., help="Where to write the NDJSON and manifest.json."),
    as_json: bool = typer.Option(False, "--json", help="Print the manifest's summary as JSON."),
) -> None:
    """Export the store as FHIR R4 Bulk Data: one NDJSON file per resource type and its
    manifest.json."""
    p = platform()
    started = time.perf_counter()
    with progress("export fhir", None, enabled=not as_json) as advance:
        result = p.fhir.export(directory, on_type=lambda _t, n: advance(n))
    seconds = time.perf_counter() - started
    if as_json:
        emit_json(
            {
                "directory": str(directory),
                "transactionTime": result.transaction_time,
                "manifest": str(result.manifest),
                "counts": result.counts,
                "seconds": round(seconds, 3),
            }
        )
        return
    table = Table("type", "resources", "file", title=str(directory))
    for o in result.outputs:
        table.add_row(o.type, f"{o.count:,}", o.path.name)
    console.print(table)
    console.print(f"manifest: {result.manifest}")
