"""The ``thamani`` command: one Typer app, a sub-app per capability."""

from __future__ import annotations

import base64
import gc
from pathlib import Path

import typer

from thamani import __version__
from thamani.cli import (
    bench,
    capacity,
    claims,
    demo,
    fhir,
    interop,
    ledger,
    parties,
    pool,
    schemes,
    synth,
    wallets,
)
from thamani.cli.common import STATE, console, friendly, platform, set_global_options
from thamani.db.engine import tune_interpreter
from thamani.db.migrate import current_revision, head_revision
from thamani.parties.records import PartyKind

app = typer.Typer(
    name="thamani",
    help="Thamani: an open platform for value-based health financing.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(ledger.app, name="ledger")
app.add_typer(parties.party_app, name="party")
app.add_typer(parties.token_app, name="token")
app.add_typer(capacity.app, name="capacity")
app.add_typer(wallets.app, name="wallet")
app.add_typer(wallets.payouts_app, name="payouts")
app.add_typer(pool.app, name="pool")
app.add_typer(schemes.app, name="programme")
app.add_typer(claims.app, name="claim")
app.command("enrol")(schemes.enrol)
app.add_typer(bench.app, name="bench")
app.command("demo")(demo.demo)
app.command("synth")(synth.synth)
interop.import_app.command("fhir")(fhir.import_fhir)
interop.export_app.command("fhir")(fhir.export_fhir)
app.add_typer(interop.import_app, name="import")
app.add_typer(interop.export_app, name="export")


@app.callback()
def main_options(
    data_dir: Path | None = typer.Option(
        None, "--data-dir", envvar="THAMANI_DATA_DIR", help="Where the embedded store lives."
    ),
    database_url: str | None = typer.Option(
        None, "--database-url", envvar="THAMANI_DATABASE_URL", help="postgresql+psycopg://..."
    ),
) -> None:
    set_global_options(data_dir, database_url)
    # Threads that hold the store's write lock get the interpreter lock back quickly
    # (see thamani.db.engine.tune_interpreter): every command may write.
    tune_interpreter()


@app.command()
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
@friendly
def init() -> None:
    """Create the store (or bring its schema up to date) and the admin party."""
    p = platform()
    admin = p.parties.ensure(PartyKind.ADMIN, "Platform administrator", "admin")
    s = p.settings
    where = s.resolved_database_url if not s.is_sqlite else str(s.data_dir.resolve())
    console.print(f"store ready at {where} (schema {current_revision(p.engine)})")
    console.print(f"admin party: {admin.id}")
    console.print(f"ledger signing key (public): {base64.b64encode(p.signer.public_key).decode()}")
    console.print("next: `thamani token create` for an admin API token, then `thamani serve`")


@app.command()
@friendly
def serve(
    host: str | None = typer.Option(None, help="Default: THAMANI_HOST or 127.0.0.1"),
    port: int | None = typer.Option(None, help="Default: THAMANI_PORT or 8000"),
) -> None:
    """Serve the API (OpenAPI at /docs)."""
    import uvicorn

    from thamani.api.app import create_app

    app = create_app(platform())
    platform().claims.prepare()
    # Everything loaded so far lives as long as the server: moved out of the collector's
    # way, a full collection no longer walks it (tens of milliseconds of pause otherwise).
    gc.collect()
    gc.freeze()
    p = platform()
    s = p.settings
    if current_revision(p.engine) != head_revision():  # pragma: no cover - open_platform migrates
        raise typer.Exit(1)
    uvicorn.run(
        app,
        host=host or s.host,
        port=port or s.port,
        log_level="info",
        access_log=False,
    )


def main() -> None:
    try:
        app()
    finally:
        if STATE._platform is not None:
            STATE._platform.close()
