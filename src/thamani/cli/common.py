"""What every command shares: settings, the platform, output, and the error edge."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from thamani.config import Settings
from thamani.errors import ThamaniError
from thamani.platform import Platform, open_platform

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(slots=True)
class CliState:
    """Options given before the command (``thamani --data-dir X ledger ...``)."""

    overrides: dict[str, Any] = field(default_factory=dict)
    _platform: Platform | None = None

    def settings(self) -> Settings:
        try:
            return Settings(**self.overrides)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(x) for x in first.get("loc", ()))
            raise ThamaniError(
                f"invalid setting {where.upper()}: {first.get('msg')}", code="invalid_setting"
            ) from None

    def platform(self) -> Platform:
        if self._platform is None:
            self._platform = open_platform(self.settings())
        return self._platform


STATE = CliState()


def set_global_options(data_dir: Path | None, database_url: str | None) -> None:
    if data_dir is not None:
        STATE.overrides["data_dir"] = data_dir
    if database_url is not None:
        STATE.overrides["database_url"] = database_url


def platform() -> Platform:
    return STATE.platform()


def friendly(fn: Callable[P, T]) -> Callable[P, T]:
    """Turn Thamani's errors into one line on stderr and the error's exit code."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        try:
            return fn(*args, **kwargs)
        except ThamaniError as e:
            err_console.print(f"[bold red]error[/]: {e}", highlight=False, soft_wrap=True)
            raise typer.Exit(e.exit_code) from None

    return wrapper


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


@contextmanager
def progress(
    description: str, total: int | None, *, enabled: bool = True
) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields ``advance(n)``. Silent when disabled (``--json``)."""
    if not enabled:
        yield lambda _n: None
        return
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        task = bar.add_task(description, total=total)

        def advance(n: int) -> None:
            bar.advance(task, n)

        yield advance
