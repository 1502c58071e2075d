"""The wallets' and the pool's figures.

- ``pay_batch``: payments through ``Wallets.pay_batch`` in batches, each a two-item bill under
  a voucher programme with a 10 % co-pay, so each payment is a linked pair of transfers on
  two ledgers (voucher and savings) plus its payment and part rows; reported as payments
  and transfers per second, end to end (planning, the plan written down, the ledger batch,
  the statuses), on the embedded SQLite store with ``synchronous=FULL``.
- ``pay_single``: one ``Wallets.pay`` call at a time: payments per second, p50 and p99.
- ``top_ups``: M-Pesa C2B confirmations through ``MpesaC2B.confirm`` one at a time, then
  the same confirmations replayed (credited once, answered from the callback record).
- ``pool``: ``Pool.append`` of settled encounters in batches, then the disease map (Ibis
  on DuckDB, with suppression) over them.
- ``postgres_pay_batch``: the batch figure on PostgreSQL, when a server is reachable.
"""

from __future__ import annotations

import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from thamani.channels.mobile_money import FakeOperator
from thamani.config import Environment, Settings
from thamani.ledger.codes import TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.records import BATCH_MAX, Transfer
from thamani.parties.records import PartyKind
from thamani.platform import Platform, open_platform
from thamani.pool.records import PoolEncounter
from thamani.wallets.accounts import account_id, savings_ledger
from thamani.wallets.records import (
    DrawDownRule,
    Earmark,
    FundingSource,
    PricedItem,
    ProgrammeFunding,
    WalletOpening,
)
from thamani.wallets.results import PaymentRequest, PaymentStatus

PROGRAMME = 1


def _log(quiet: bool, message: str) -> None:
    if not quiet:
        print(message, file=sys.stderr, flush=True)


def _county(plat: Platform, patients: int, providers: int) -> tuple[list[int], list[int]]:
    """Patients with wallets, a voucher and savings; providers accredited by the voucher."""
    w = plat.wallets
    ids = [plat.parties.create(PartyKind.PATIENT, f"P{i}", f"p{i}").id for i in range(patients)]
    clinics = [
        plat.parties.create(PartyKind.PROVIDER, f"Clinic {i}", f"c{i}").id for i in range(providers)
    ]
    donor = plat.parties.create(PartyKind.PAYER, "Donor", "donor")
    w.open_wallets(
        [WalletOpening(p, f"2547{p:08d}", date(1990, 1, 1), "female", f"A{p % 40}") for p in ids]
    )
    w.register_programme(
        ProgrammeFunding(
            PROGRAMME,
            "Voucher",
            "KES",
            FundingSource.VOUCHER,
            donor.id,
            Earmark(valid_from=date(2000, 1, 1)),
            DrawDownRule(copay_bp=1_000),
        )
    )
    w.fund_programme(PROGRAMME, 10**15, "pledge")
    for start in range(0, len(ids), BATCH_MAX):
        w.grant(PROGRAMME, [(p, 10**9) for p in ids[start : start + BATCH_MAX]], f"g{start}")
    ledger, clearing = savings_ledger(w.ctx, "KES")
    savings = [
        Transfer(
            new_id(),
            clearing,
            account_id("wallet", p, "savings", 0, ledger),
            10**9,
            ledger,
            int(TransferCode.TOP_UP),
        )
        for p in ids
    ]
    for start in range(0, len(savings), BATCH_MAX):
        plat.ledger.create_transfers(savings[start : start + BATCH_MAX])
    return ids, clinics


def _requests(n: int, ids: list[int], clinics: list[int], seed: int) -> list[PaymentRequest]:
    rnd = random.Random(seed)
    return [
        PaymentRequest(
            new_id(),
            rnd.choice(ids),
            rnd.choice(clinics),
            (
                PricedItem("ANC", "antenatal", rnd.randint(500, 5_000) * 100, "visit"),
                PricedItem("LAB", "laboratory", rnd.randint(1, 999) * 100 + 33, "test"),
            ),
            PROGRAMME,
        )
        for _ in range(n)
    ]


def _pay_batch(plat: Platform, requests: list[PaymentRequest], batch: int) -> dict[str, Any]:
    started = time.perf_counter()
    paid = transfers = 0
    for start in range(0, len(requests), batch):
        for r in plat.wallets.pay_batch(requests[start : start + batch]):
            if r.status is not PaymentStatus.PAID:
                raise RuntimeError(f"payment refused: {r.refusal}")
            paid += 1
            transfers += len(r.parts)
    seconds = time.perf_counter() - started
    return {
        "payments": paid,
        "batch": batch,
        "transfers": transfers,
        "seconds": round(seconds, 3),
        "payments_per_second": round(paid / seconds),
        "transfers_per_second": round(transfers / seconds),
    }


def _pay_single(plat: Platform, requests: list[PaymentRequest]) -> dict[str, Any]:
    times = []
    started = time.perf_counter()
    for r in requests:
        t0 = time.perf_counter()
        res = plat.wallets.pay(
            patient_id=r.patient_party_id,
            provider_id=r.provider_party_id,
            items=r.items,
            programme_id=r.programme_id,
            payment_id=r.payment_id,
        )
        times.append(time.perf_counter() - t0)
        if not res.ok:
            raise RuntimeError(f"payment refused: {res.refusal}")
    seconds = time.perf_counter() - started
    times.sort()
    return {
        "payments": len(requests),
        "payments_per_second": round(len(requests) / seconds),
        "p50_ms": round(statistics.median(times) * 1000, 2),
        "p99_ms": round(times[int(len(times) * 0.99) - 1] * 1000, 2),
    }


def _top_ups(plat: Platform, ids: list[int], n: int) -> dict[str, Any]:
    operator = FakeOperator(plat.settings.mpesa_shortcode)
    docs = [
        operator.document(
            phone=f"2547{ids[i % len(ids)]:08d}",
            amount="150.00",
            account_ref=f"TH{ids[i % len(ids)]:06d}",
            trans_id=f"B{i:09d}",
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    for d in docs:
        plat.mpesa.confirm(d)
    first = time.perf_counter() - started
    started = time.perf_counter()
    for d in docs:
        plat.mpesa.confirm(d)
    replay = time.perf_counter() - started
    return {
        "top_ups": n,
        "confirmations_per_second": round(n / first),
        "replays_per_second": round(n / replay),
    }


def _pool(plat: Platform, ids: list[int], n: int, batch: int) -> dict[str, Any]:
    rnd = random.Random(7)
    start_day = date(2025, 1, 6)
    codes = ["B50.9", "A09", "J06.9", "Z34.0", "O80", "I10", "E11.9", "A15.0"]
    encounters = [
        PoolEncounter(
            f"e{i}",
            rnd.choice(ids),
            1,
            start_day + timedelta(days=rnd.randrange(180)),
            "outpatient",
            (rnd.choice(codes),),
            ("CONS",),
            "KES",
            50_000,
            {FundingSource.VOUCHER: 45_000, FundingSource.SAVINGS: 5_000},
        )
        for i in range(n)
    ]
    started = time.perf_counter()
    for s in range(0, n, batch):
        plat.pool.append(encounters[s : s + batch])
    appended = time.perf_counter() - started
    started = time.perf_counter()
    m = plat.pool.disease_map()
    query = time.perf_counter() - started
    return {
        "encounters": n,
        "append_batch": batch,
        "append_rows_per_second": round(n / appended),
        "disease_map_seconds": round(query, 3),
        "disease_map_cells": len(m.cells),
        "suppressed_cells": sum(1 for c in m.cells if c.suppressed),
    }


def _postgres(
    url: str, tmp: Path, *, patients: int, providers: int, payments: int, batch: int, quiet: bool
) -> dict[str, Any] | None:
    try:
        probe = create_engine(url, connect_args={"connect_timeout": 3})
        schema = "bench_" + uuid.uuid4().hex[:10]
        with probe.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
    except Exception as e:
        _log(quiet, f"PostgreSQL skipped: {e}")
        return None
    sep = "&" if "?" in url else "?"
    settings = Settings(
        environment=Environment.TEST,
        data_dir=tmp / "pg",
        database_url=f"{url}{sep}options=-csearch_path%3D{schema}",
    )
    try:
        plat = open_platform(settings)
        try:
            ids, clinics = _county(plat, patients, providers)
            return _pay_batch(plat, _requests(payments, ids, clinics, 3), batch)
        finally:
            plat.close()
    finally:
        with probe.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        probe.dispose()


def run(
    *,
    patients: int = 5_000,
    providers: int = 50,
    payments: int = 50_000,
    batch: int = 1_000,
    single: int = 1_000,
    top_ups: int = 2_000,
    pool_encounters: int = 100_000,
    postgres_url: str | None = None,
    quiet: bool = False,
) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="thamani-bench-wallets-"))
    try:
        settings = Settings(environment=Environment.TEST, data_dir=tmp / "sqlite")
        plat = open_platform(settings)
        try:
            _log(quiet, f"setting up {patients:,} wallets and {providers} clinics")
            t0 = time.perf_counter()
            ids, clinics = _county(plat, patients, providers)
            setup = time.perf_counter() - t0
            _log(quiet, f"paying {payments:,} bills in batches of {batch:,}")
            out: dict[str, Any] = {
                "setup_seconds": round(setup, 2),
                "pay_batch": _pay_batch(plat, _requests(payments, ids, clinics, 1), batch),
            }
            _log(quiet, f"paying {single:,} bills one at a time")
            out["pay_single"] = _pay_single(plat, _requests(single, ids, clinics, 2))
            _log(quiet, f"{top_ups:,} M-Pesa confirmations, then their replays")
            out["top_ups"] = _top_ups(plat, ids, top_ups)
            _log(quiet, f"appending {pool_encounters:,} encounters to the pool")
            out["pool"] = _pool(plat, ids, pool_encounters, 10_000)
            report = plat.verify_ledger()
            out["verify_ok"] = report.ok
        finally:
            plat.close()
        if postgres_url:
            _log(quiet, "the batch payments again on PostgreSQL")
            out["postgres_pay_batch"] = _postgres(
                postgres_url,
                tmp,
                patients=patients,
                providers=providers,
                payments=min(payments, 20_000),
                batch=batch,
                quiet=quiet,
            )
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
