"""The ledger's figures: batch throughput, HTTP throughput and latency, verify speed.

- ``transfers_per_second``: 1,000,000 single-phase transfers among 10,000 accounts through
  the batch API (batches of 8,190) on the embedded SQLite store with ``synchronous=FULL``
  (a committed batch is on disk) and the hash chain on, submitted by two client threads
  (the write pipeline decides one batch while the other commits). The one-client figure is
  reported beside it.
- ``postgres_transfers_per_second``: the same on PostgreSQL, when a server is reachable.
- ``http_transfers_per_second``: single-transfer requests over loopback, 32 connections.
- ``http_p99_ms``: the 99th percentile latency at a steady 1,000 requests per second.
- ``verify_records_per_second``: ``verify`` over the batch run's journal (or a journal of
  ``verify_records`` records when asked).
"""

from __future__ import annotations

import json
import os
import platform as pyplatform
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from thamani.config import Environment, Settings
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.records import BATCH_MAX, Account, Transfer
from thamani.ledger.results import TransferResult
from thamani.parties.records import PartyKind
from thamani.platform import Platform, open_platform


def _log(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def _setup(plat: Platform, accounts: int) -> list[int]:
    plat.ledger.create_ledger(1, "KES", "kes-bench")
    ids = [new_id() for _ in range(accounts)]
    for start in range(0, accounts, BATCH_MAX):
        plat.ledger.create_accounts(
            [Account(i, 1, AccountCode.PATIENT_WALLET) for i in ids[start : start + BATCH_MAX]]
        )
    return ids


def _transfers(ids: list[int], n: int, seed: int) -> list[Transfer]:
    rnd = random.Random(seed)
    out = []
    k = len(ids)
    for _ in range(n):
        d = rnd.randrange(k)
        c = (d + 1 + rnd.randrange(k - 1)) % k
        out.append(
            Transfer(new_id(), ids[d], ids[c], rnd.randint(1, 100_000), 1, TransferCode.TOP_UP)
        )
    return out


def _submit(plat: Platform, transfers: list[Transfer], clients: int) -> float:
    chunks = [transfers[i : i + BATCH_MAX] for i in range(0, len(transfers), BATCH_MAX)]
    bad: list[TransferResult] = []

    def work(mine: list[list[Transfer]]) -> None:
        for c in mine:
            bad.extend(r for r in plat.ledger.create_transfers(c) if r is not TransferResult.OK)

    threads = [threading.Thread(target=work, args=(chunks[i::clients],)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    if bad:
        raise RuntimeError(f"{len(bad)} transfers were refused: {bad[:3]}")
    return seconds


def batch_figure(
    settings: Settings, *, transfers: int, accounts: int, clients: int, quiet: bool
) -> dict[str, Any]:
    plat = open_platform(settings)
    try:
        ids = _setup(plat, accounts)
        work = _transfers(ids, transfers, seed=clients)
        seconds = _submit(plat, work, clients)
        report = plat.verify_ledger()
        if not report.ok:
            raise RuntimeError(f"verify failed after the benchmark: {report.problems[:3]}")
        return {
            "transfers": transfers,
            "seconds": round(seconds, 3),
            "per_second": round(transfers / seconds),
            "verify_records": report.records,
            "verify_seconds": round(report.seconds, 3),
            "verify_records_per_second": round(report.records_per_second),
        }
    finally:
        plat.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def http_figure(data_dir: Path, *, requests: int, quiet: bool) -> dict[str, Any]:
    from thamani.benchmarking.http_load import closed_loop, open_loop

    settings = Settings(environment=Environment.DEVELOPMENT, data_dir=data_dir)
    plat = open_platform(settings)
    try:
        payer = plat.parties.create(PartyKind.PAYER, "Bench payer", "bench-payer")
        plat.ledger.create_ledger(1, "KES", "kes-bench")
        sources = [new_id() for _ in range(100)]
        sinks = [new_id() for _ in range(100)]
        plat.ledger.create_accounts(
            [Account(i, 1, AccountCode.PROGRAMME_FUND, owner_party_id=payer.id) for i in sources]
            + [Account(i, 1, AccountCode.PROVIDER_RECEIVABLE) for i in sinks]
        )
        token = plat.parties.issue_token(payer.id, "bench").secret
    finally:
        plat.close()
    port = _free_port()
    env = {**os.environ, "THAMANI_DATA_DIR": str(data_dir), "THAMANI_ENVIRONMENT": "development"}
    env.pop("THAMANI_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "thamani", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        rnd = random.Random(7)

        def body(_i: int) -> bytes:
            t = {
                "id": str(new_id()),
                "debit_account_id": str(rnd.choice(sources)),
                "credit_account_id": str(rnd.choice(sinks)),
                "amount": rnd.randint(100, 10_000),
                "ledger": 1,
                "code": int(TransferCode.CLAIM_PAYMENT),
            }
            return json.dumps({"transfers": [t]}).encode()

        _log(quiet, "http: warming up")
        closed_loop("127.0.0.1", port, "/v1/transfers", token, body, total=500, concurrency=8)
        _log(quiet, f"http: {requests} single-transfer requests, 32 connections")
        burst = closed_loop(
            "127.0.0.1", port, "/v1/transfers", token, body, total=requests, concurrency=32
        )
        _log(quiet, "http: a steady 1,000 requests per second for 10 s")
        steady = open_loop("127.0.0.1", port, "/v1/transfers", token, body, rate=1000, total=10_000)
        return {
            "http_transfers_per_second": round(burst.per_second),
            "http_p50_ms_at_max": round(burst.percentile(50), 2),
            "http_p99_ms_at_max": round(burst.percentile(99), 2),
            "http_p99_ms": round(steady.percentile(99), 2),
            "http_p50_ms": round(steady.percentile(50), 2),
            "http_rate_achieved": round(steady.per_second),
            "http_failed": burst.failed + steady.failed,
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


def run(
    *,
    transfers: int,
    accounts: int,
    http_requests: int,
    verify_records: int,
    postgres_url: str | None,
    quiet: bool,
) -> dict[str, Any]:
    """Every ledger figure, as one JSON-able object."""
    sys.setswitchinterval(0.0002)
    out: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": (
            f"{pyplatform.machine()}, {os.cpu_count()} cpus, Python {pyplatform.python_version()}"
        ),
        "accounts": accounts,
    }
    tmp = Path(tempfile.mkdtemp(prefix="thamani-bench-"))
    try:

        def conf(name: str) -> Settings:
            return Settings(environment=Environment.DEVELOPMENT, data_dir=tmp / name)

        _log(quiet, f"batch: {transfers:,} transfers on SQLite, one client")
        one = batch_figure(
            conf("one"),
            transfers=transfers,
            accounts=accounts,
            clients=1,
            quiet=quiet,
        )
        _log(quiet, f"batch: {transfers:,} transfers on SQLite, two clients")
        two = batch_figure(
            conf("two"),
            transfers=transfers,
            accounts=accounts,
            clients=2,
            quiet=quiet,
        )
        out["transfers"] = transfers
        out["transfers_per_second"] = two["per_second"]
        out["transfers_per_second_one_client"] = one["per_second"]
        out["verify_records"] = two["verify_records"]
        out["verify_records_per_second"] = two["verify_records_per_second"]
        if verify_records:
            _log(quiet, f"verify: building a journal of {verify_records:,} records")
            big = batch_figure(
                conf("big"),
                transfers=verify_records,
                accounts=accounts,
                clients=2,
                quiet=quiet,
            )
            out["verify_records"] = big["verify_records"]
            out["verify_seconds"] = big["verify_seconds"]
            out["verify_records_per_second"] = big["verify_records_per_second"]
        shutil.rmtree(tmp / "one", ignore_errors=True)
        shutil.rmtree(tmp / "two", ignore_errors=True)
        if postgres_url:
            pg_n = min(transfers, 200_000)
            _log(quiet, f"batch: {pg_n:,} transfers on PostgreSQL")
            try:
                pg = _postgres(postgres_url, pg_n, accounts, quiet)
                out["postgres_transfers"] = pg_n
                out["postgres_transfers_per_second"] = pg["per_second"]
            except Exception as e:
                out["postgres_error"] = f"{type(e).__name__}: {e}"
        if http_requests:
            out.update(http_figure(tmp / "http", requests=http_requests, quiet=quiet))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def _postgres(url: str, transfers: int, accounts: int, quiet: bool) -> dict[str, Any]:
    import uuid

    from sqlalchemy import create_engine, text

    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(url)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in url else "?"
    try:
        settings = Settings(
            environment=Environment.DEVELOPMENT,
            data_dir=Path(tempfile.mkdtemp(prefix="thamani-pg-")),
            database_url=f"{url}{sep}options=-csearch_path%3D{schema}",
        )
        return batch_figure(
            settings, transfers=transfers, accounts=accounts, clients=2, quiet=quiet
        )
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
