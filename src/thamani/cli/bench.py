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


@app.command("capacity")
@friendly
def bench_capacity(
    seed: int = typer.Option(0, help="Seed of the simulated lists and the scheduling case."),
    referrals: int = typer.Option(100_000, help="Referrals for the store figures (0: skip)."),
    database_url: str | None = typer.Option(
        None, envvar="THAMANI_BENCH_POSTGRES_URL", help="Store figures on this database."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Simulation of 100 lists over five years, 500 patients into 60 sessions, and the
    store's batch paths (import referrals and removals, statistics per list)."""
    from thamani.benchmarking.capacity import run

    _ = as_json  # the figures are always printed as one JSON object
    emit_json(run(seed, referrals, database_url))


@app.command("synth")
@friendly
def bench_synth(
    people: int = typer.Option(1_000_000, help="People to generate."),
    years: int = typer.Option(1, help="Years of care."),
    seed: int = typer.Option(1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Seconds and peak memory to generate a population and its care to Parquet."""
    from thamani.benchmarking.synth import run

    emit_json(run(people=people, years=years, seed=seed, quiet=as_json))


@app.command("interop")
@friendly
def bench_interop(
    people: int = typer.Option(
        2_000, help="People in the generated Synthea and FHIR exports (0: skip)."
    ),
    repeats: int = typer.Option(5, help="Imports of the 27-patient export, each fresh."),
    seed: int = typer.Option(1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Rows of Synthea CSV and FHIR R4 resources (per-patient Bundles, Bulk NDJSON)
    imported per second, each into a fresh embedded store."""
    from thamani.benchmarking.interop import run

    emit_json(run(people=people, repeats=repeats, seed=seed, quiet=as_json))


@app.command("synth-load")
@friendly
def bench_synth_load(
    people: int = typer.Option(20_000, help="People in the county."),
    years: int = typer.Option(1, help="Years of care."),
    seed: int = typer.Option(1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Claims a second and seconds to load a synthetic county into a new store."""
    from thamani.benchmarking.synth_load import run

    emit_json(run(people=people, years=years, seed=seed, quiet=as_json))


@app.command("wallets")
@friendly
def bench_wallets(
    patients: int = typer.Option(5_000),
    providers: int = typer.Option(50),
    payments: int = typer.Option(50_000, help="Payments in the batch run."),
    batch: int = typer.Option(1_000, help="Payments per Wallets.pay_batch call."),
    single: int = typer.Option(1_000, help="Payments made one call at a time."),
    top_ups: int = typer.Option(2_000, help="M-Pesa confirmations (then replayed)."),
    pool_encounters: int = typer.Option(100_000, help="Encounters appended to the pool."),
    postgres_url: str | None = typer.Option(
        "postgresql+psycopg://postgres@127.0.0.1:5432/test",
        envvar="THAMANI_BENCH_POSTGRES_URL",
        help="Also measure PostgreSQL here (empty to skip).",
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Payments through the wallets, top-ups, and the data pool."""
    from thamani.benchmarking.wallets import run

    emit_json(
        run(
            patients=patients,
            providers=providers,
            payments=payments,
            batch=batch,
            single=single,
            top_ups=top_ups,
            pool_encounters=pool_encounters,
            postgres_url=postgres_url or None,
            quiet=as_json,
        )
    )
