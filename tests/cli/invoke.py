"""Run the ``thamani`` command in-process, as a user would type it.

The CLI keeps the platform it opened in ``thamani.cli.common.STATE`` for the rest of the
process; each run here starts from an empty state and closes what it opened.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from thamani.cli import common
from thamani.cli.main import app
from thamani.config import Settings


def _reset() -> None:
    if common.STATE._platform is not None:
        common.STATE._platform.close()
    common.STATE._platform = None
    common.STATE.overrides.clear()


def run_cli(*args: str, env: dict[str, str] | None = None) -> Result:
    """``thamani ARGS`` with stdout and stderr kept apart (``result.stderr``)."""
    _reset()
    try:
        return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    finally:
        _reset()


def store_options(settings: Settings) -> list[str]:
    """``--data-dir`` (and ``--database-url``) naming the store of these settings."""
    out = ["--data-dir", str(Path(settings.data_dir))]
    if settings.database_url:
        out += ["--database-url", settings.database_url]
    return out
