"""``thamani synth``: generate a synthetic region and load it into the store, or write it
to files (``--out``)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from thamani.cli.common import console, emit_json, err_console, friendly, platform
from thamani.synth.export import export_region
from thamani.synth.generator import STAGES
from thamani.synth.load import STAGES as LOAD_STAGES
from thamani.synth.load import LoadSummary
from thamani.synth.load.loader import BATCH_ENCOUNTERS
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
    batch: int = typer.Option(
        BATCH_ENCOUNTERS, "--batch", help="Encounters per batch of care when loading."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON summary."),
) -> None:
    """Generate a region (areas, facilities, programmes, people) and years of its care;
    load it into the store (the default data dir or THAMANI_DATABASE_URL), or write files
    with --out."""
    if out is None:
        _load(people, years, seed, parameters, batch, as_json)
        return
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


def _load(
    people: int, years: int, seed: int, parameters: Path | None, batch: int, as_json: bool
) -> None:
    """Generate the region and load it into the store, with progress bars on stderr."""
    plat = platform()
    with Progress(
        TextColumn("[progress.description]{task.description:<28}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        disable=as_json,
    ) as bar:
        gen = bar.add_task("generate", total=len(STAGES))
        load = bar.add_task("load", total=len(LOAD_STAGES))
        care = bar.add_task("care: encounters", total=None)

        def on_stage(name: str) -> None:
            bar.update(gen, completed=STAGES.index(name), description=f"generate: {name}")

        def on_load(stage: str, done: int, total: int) -> None:
            if stage == "care" and total > 1:
                bar.update(care, completed=done, total=total)
                return
            finished = LOAD_STAGES.index(stage) + (1 if done >= total else 0)
            bar.update(gen, completed=len(STAGES), description="generate")
            bar.update(load, completed=finished, description=f"load: {stage}")

        summary = plat.synth.synthesise(
            people=people, years=years, seed=seed, parameters=parameters, batch_size=batch,
            on_stage=on_stage, progress=on_load,
        )  # fmt: skip
        bar.update(load, completed=len(LOAD_STAGES), description="load")
    if as_json:
        emit_json(summary.as_report())
        return
    _print(summary)


def _print(summary: LoadSummary) -> None:
    console.print(
        f"[bold]{summary.region}[/]: {summary.people:,} people, {summary.years} year(s) from"
        f" {summary.start_date}, seed {summary.seed}",
        highlight=False,
    )
    for line in summary.lines():
        console.print(f"  {line}", highlight=False)
    rows = summary.money_table()
    table = Table(*rows[0])
    for row in rows[1:]:
        table.add_row(*row)
    console.print(table)
    console.print(
        f"generated in {summary.generate_seconds:.1f} s, loaded in {summary.seconds:.1f} s",
        highlight=False,
    )
