"""``thamani import ...`` and ``thamani export ...``: real data in and out.

Two groups, one command per format: ``import synthea DIR``; ``export parquet DIR`` and
``export csv DIR``. A format's commands live here side by side (FHIR's join them), each
parsing its options, calling one use case with a progress callback, and rendering the
summary (a table, or ``--json``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from thamani.cli.common import console, emit_json, err_console, friendly, platform
from thamani.interop.rooms import Progress as Report
from thamani.money import format_amount

import_app = typer.Typer(
    help="Import real data: Synthea CSV exports, FHIR R4.", no_args_is_help=True
)
export_app = typer.Typer(
    help="Export the clinical record and claims as tables (Parquet, CSV).", no_args_is_help=True
)


@contextmanager
def steps(enabled: bool) -> Iterator[Report]:
    """A progress bar per step on stderr (silent with ``--json``); yields the callback
    the use cases report through: (step, done, total)."""
    if not enabled:
        yield lambda _s, _d, _t: None
        return
    with Progress(
        TextColumn("[progress.description]{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
    ) as bar:
        tasks: dict[str, Any] = {}

        def report(step: str, done: int, total: int) -> None:
            group = step.split(" ")[0]
            task = tasks.get(group)
            if task is None:
                task = tasks[group] = bar.add_task(step, total=total)
            bar.update(task, completed=done, total=total, description=step)

        yield report


@import_app.command("synthea")
@friendly
def import_synthea(
    directory: Path = typer.Argument(..., help="A Synthea CSV export (patients.csv, ...)."),
    currency: str = typer.Option("USD", "--currency", help="The currency of its amounts."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Import a Synthea CSV export: patients, payers, organisations, cover, the clinical
    record and the claims with their payments (importing it again changes nothing)."""
    from thamani.interop.synthea.importer import SyntheaImport

    with steps(not as_json) as report:
        summary = SyntheaImport(platform()).run(directory, currency_code=currency, progress=report)
    if as_json:
        emit_json(
            {
                "directory": summary.directory,
                "currency": summary.currency,
                "rows": summary.rows,
                "added": summary.added,
                "unchanged": summary.unchanged,
                "money": summary.money,
                "transfers": summary.transfers,
                "not_imported": summary.not_imported,
                "seconds": round(summary.seconds, 3),
            }
        )
        return
    table = Table("kind", "added", "unchanged", title=f"Synthea import from {directory}")
    for kind, n in summary.added.items():
        table.add_row(kind, f"{n:,}", f"{summary.unchanged.get(kind, 0):,}")
    console.print(table)
    money = Table("claims", "amount", title=f"money ({summary.currency})")
    for what, minor in summary.money.items():
        money.add_row(what.replace("_", " "), format_amount(minor, summary.currency))
    console.print(money)
    console.print(
        f"{summary.resources:,} rows read in {summary.seconds:.1f} s;"
        f" {summary.transfers:,} ledger transfers"
        + (f"; not imported: {', '.join(summary.not_imported)}" if summary.not_imported else "")
    )


def _export(
    directory: Path, fmt: str, currency: str | None, pseudonymise: bool, as_json: bool
) -> None:
    from thamani.interop.tabular.export import TabularExport

    p = platform()
    with steps(not as_json) as report:
        summary = TabularExport(p).run(
            directory,
            fmt,
            currency_code=currency,
            pseudonymiser=p.pool.pseudonymiser if pseudonymise else None,
            progress=report,
        )
    if as_json:
        emit_json(
            {
                "directory": summary.directory,
                "format": summary.format,
                "currency": summary.currency,
                "rows": summary.rows,
                "files": summary.files,
                "claims_left_out": summary.claims_left_out,
                "amounts_left_out": summary.amounts_left_out,
                "pseudonymised": summary.pseudonymised,
                "seconds": round(summary.seconds, 3),
            }
        )
        return
    table = Table("table", "rows", title=f"export to {directory} ({fmt}, {summary.currency})")
    for name, n in summary.rows.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    if summary.claims_left_out or summary.amounts_left_out:
        console.print(
            f"left out (another currency): {summary.claims_left_out:,} claims,"
            f" {summary.amounts_left_out:,} clinical amounts"
        )


_CURRENCY = typer.Option(
    None, "--currency", help="Write amounts in this currency (default: the store's only one)."
)
_PSEUDO = typer.Option(
    False, "--pseudonymise", help="Patient ids as the data pool's keyed pseudonyms; no names."
)


@export_app.command("csv")
@friendly
def export_csv(
    directory: Path = typer.Argument(..., help="Directory to write the tables into."),
    currency: str | None = _CURRENCY,
    pseudonymise: bool = _PSEUDO,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Export the clinical record and claims as CSV tables (Synthea's layout)."""
    _export(directory, "csv", currency, pseudonymise, as_json)


@export_app.command("parquet")
@friendly
def export_parquet(
    directory: Path = typer.Argument(..., help="Directory to write the tables into."),
    currency: str | None = _CURRENCY,
    pseudonymise: bool = _PSEUDO,
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Export the clinical record and claims as Parquet tables (Synthea's layout)."""
    _export(directory, "parquet", currency, pseudonymise, as_json)
