"""``thamani synth``: generate a synthetic region and write it to files."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from thamani.cli.common import console, emit_json, err_console, friendly
from thamani.errors import ThamaniError
from thamani.synth.export import export_region
from thamani.synth.generator import STAGES
from thamani.synth.writers import Format, output_names


@friendly
def synth(
    people: int = typer.Option(20_000, "--people", "-n", help="People at the start."),
    years: int = typer.Option(1, "--years", "-y", help="Years of care."),
    seed: int = typer.Option(1, "--seed", "-s", help="Same seed, same output."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write files into this directory."),
    fmt: Format = typer.Option(Format.PARQUET, "--format", "-f", help="File format."),
    parameters: Path | None = typer.Option(
        None, "--parameters", help="Parameters file (default: the Kenyan county)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Generate a region (areas, facilities, programmes, people) and years of its care."""
    if out is None:
        raise ThamaniError(
            "loading a synthetic region into the store arrives with the claims integration;"
            " for now write files with --out DIR (--format parquet, fhir or synthea)",
            code="synth_store_not_ready",
        )
    with Progress(
        TextColumn("[progress.description]{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=as_json,
    ) as bar:
        gen = bar.add_task("generate", total=len(STAGES))
        names = output_names(fmt)
        write = bar.add_task(f"write {fmt.value}", total=len(names))

        def on_stage(name: str) -> None:
            done = STAGES.index(name)
            bar.update(gen, completed=done, description=f"generate: {name}")

        def on_table(name: str) -> None:
            bar.update(write, advance=1, description=f"write {fmt.value}: {name}")

        result = export_region(
            out, fmt, people=people, years=years, seed=seed, parameters=parameters,
            on_stage=on_stage, on_table=on_table,
        )  # fmt: skip
        bar.update(gen, completed=len(STAGES), description="generate")
        bar.update(write, completed=len(names), description=f"write {fmt.value}")
    info = result.info
    if as_json:
        emit_json({
            "region": info.name, "seed": info.seed, "people": info.people, "years": info.years,
            "start_date": info.start_date, "end_date": info.end_date, "format": fmt.value,
            "out": str(out), "rows": result.rows,
            "generate_seconds": round(result.generate_seconds, 3),
            "write_seconds": round(result.write_seconds, 3),
        })  # fmt: skip
        return
    table = Table("table", "rows", title=info.name)
    for name, rows in result.rows.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(
        f"generated in {result.generate_seconds:.1f} s, wrote {len(result.files)} files"
        f" ({fmt.value}) to {out} in {result.write_seconds:.1f} s"
    )
