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
        None, envvar="THAMANI_BENCH_POSTGRES_URL", help="Measure PostgreSQL too."
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
        postgres_url=postgres_url,
        quiet=as_json,
    )
    emit_json(result)


@app.command("claims")
@friendly
def bench_claims(
    claims: int = typer.Option(100_000, help="Claims in the batch run (3 to 5 lines each)."),
    members: int = typer.Option(40_000, help="Enrolled members they are spread over."),
    providers: int = typer.Option(40),
    http_requests: int = typer.Option(5_000, help="Single-claim HTTP requests (0: skip)."),
    http_rate: float = typer.Option(500.0, help="Requests per second, sent at a steady rate."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Batch adjudication and settlement (claims_per_second), and single claims over HTTP
    at a steady rate (http_p99_ms), each on a fresh embedded store."""
    from thamani.benchmarking.claims import run

    result = run(
        claims=claims,
        members=members,
        providers=providers,
        http_requests=http_requests,
        http_rate=http_rate,
        quiet=as_json,
    )
    emit_json(result)
