"""``thamani bench``: measure the figures recorded in BENCHMARKS.md."""

from __future__ import annotations

import typer

from thamani.cli.common import emit_json, friendly

app = typer.Typer(help="Measure throughput and latency (figures for BENCHMARKS.md).")


@app.command("ledger")
@friendly
def bench_ledger(
    transfers: int = typer.Option(1_000_000, help="Transfers in the batch run."),
    accounts: int = typer.Option(10_000),
    http_requests: int = typer.Option(20_000, help="Single-transfer HTTP requests."),
    verify_records: int = typer.Option(0, help="Also time verify over this many records."),
    postgres_url: str | None = typer.Option(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        envvar="THAMANI_BENCH_POSTGRES_URL",
        help="Also measure PostgreSQL here (empty to skip).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Batch, HTTP and verify figures for the ledger."""
    from thamani.benchmarking.ledger import run

    result = run(
        transfers=transfers,
        accounts=accounts,
        http_requests=http_requests,
        verify_records=verify_records,
        postgres_url=postgres_url or None,
        quiet=as_json,
    )
    emit_json(result)
