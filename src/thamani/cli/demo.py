"""``thamani demo``: run the demonstration scenario and say what happened."""

from __future__ import annotations

import shutil
import time
from itertools import chain

import typer
from rich.panel import Panel
from rich.table import Table

from thamani.cli.common import STATE, console, friendly
from thamani.config import Settings
from thamani.platform import open_platform


@friendly
def demo(
    people: int = typer.Option(
        20_000, "--people", help="People in the synthetic county whose year of care is run."
    ),
    fresh: bool = typer.Option(
        True, "--fresh/--keep", help="Start from an empty demo store (embedded store only)."
    ),
) -> None:
    """Run the demonstration on the embedded store and print what it did."""
    from thamani.demo.capacity import capacity_steps
    from thamani.demo.claims import claims_steps
    from thamani.demo.county import county_step
    from thamani.demo.interop import real_data_steps
    from thamani.demo.scenario import steps
    from thamani.demo.wallets import wallet_steps

    base = STATE.settings()
    if base.database_url:
        settings = base
        where = "the configured database"
    else:
        demo_dir = base.data_dir / "demo"
        if fresh and demo_dir.exists():
            shutil.rmtree(demo_dir)
        settings = Settings(**{**STATE.overrides, "data_dir": demo_dir})
        where = str(demo_dir)
    started = time.perf_counter()
    console.print(Panel.fit(f"Thamani demo: value-based health financing\nstore: {where}"))
    plat = open_platform(settings)
    try:
        failed = False
        story = chain(
            [county_step(plat, people)],
            steps(plat.ledger, plat.parties, plat.verify_ledger),
            wallet_steps(plat),
            claims_steps(plat),
            real_data_steps(settings, base.data_dir / "demo" / "real-data"),
            capacity_steps(plat, settings.data_dir),
        )
        for n, step in enumerate(story, 1):
            mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
            console.print(f"\n{mark} [bold]{n}. {step.title}[/]")
            for line in step.lines:
                console.print(f"   {line}", highlight=False)
            if step.table:
                table = Table(*step.table[0])
                for row in step.table[1:]:
                    table.add_row(*row)
                console.print(table)
            failed = failed or not step.ok
    finally:
        plat.close()
    console.print(
        f"\ndone in {time.perf_counter() - started:.1f} s. Explore it:"
        f" [bold]thamani --data-dir {settings.data_dir} ledger ledgers[/]"
    )
    if failed:
        raise typer.Exit(1)
