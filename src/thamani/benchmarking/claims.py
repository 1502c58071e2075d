"""The claims figures: batch adjudication and settlement, and single claims over HTTP.

``claims_per_second``: claims of three to five lines, adjudicated by every check and
settled on the ledger (transfers included), through ``Claims.submit_batch`` on the
embedded SQLite store (durable: ``synchronous=FULL``). The data pool is fed behind the
settlement; the time it then takes is reported apart (``pool_handover_seconds``). The
programme is the national insurance example (co-insurance, a policy deductible,
member, treatment and policy ceilings, visit limits, review flags) with its providers
replaced by ``providers`` synthetic facilities; members are enrolled in households of
four.

``http_p99_ms``: single-claim ``POST /v1/claims`` requests sent at a steady rate (an
open loop: each request leaves at its scheduled time, whether or not earlier ones have
answered) to a ``thamani serve`` process started by the benchmark on loopback.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from thamani.claims.records import (
    ClaimInput,
    ClaimUse,
    Diagnosis,
    Encounter,
    LineInput,
)
from thamani.clock import ManualClock
from thamani.config import Environment, Settings
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.records import Account, Transfer
from thamani.parties.records import PartyKind
from thamani.platform import Platform, open_platform
from thamani.schemes.documents import HouseholdIn, parse_programme, read_yaml
from thamani.schemes.records import CareType, EncounterClass

PROGRAMME = "national-insurance"
PERIOD = (date(2025, 1, 1), date(2025, 12, 31))
#: The benchmark's clock: mid-January 2026, after every service date.
NOW = datetime(2026, 1, 15, 9, tzinfo=UTC)
OUTPATIENT = ("MAL-RDT", "FBC", "GLU", "AL-24", "AMOX-500", "PCM-500", "MET-500")
DIAGNOSES = ("B54", "J06.9", "A09.9", "E11.9", "I10", "J18.9", "N39.0", "K29.7", "R50.9")


def example(name: str) -> Path:
    return Path(str(resources.files("thamani.schemes").joinpath(f"examples/{name}.yaml")))


def setup(p: Platform, *, members: int, providers: int, seed: int = 7) -> list[str]:
    """A funded programme, ``providers`` facilities and ``members`` enrolled members.

    Returns the provider references.
    """
    rnd = random.Random(seed)
    run = f"{seed}"
    p.parties.ensure(PartyKind.PAYER, "National Health Fund", "national-health-fund")
    levels = ("dispensary", "health_centre", "hospital")
    refs = []
    for i in range(providers):
        ref = f"fac-{run}-{i:04d}"
        p.parties.ensure(PartyKind.PROVIDER, f"Facility {i}", ref)
        refs.append(ref)
    data = read_yaml(example(PROGRAMME))
    data["providers"] = [
        {"provider": ref, "level": levels[1 + i % 2]} for i, ref in enumerate(refs)
    ]
    doc = parse_programme(data, PROGRAMME)
    defined = p.schemes.define(doc)
    prog = defined.definition.programme
    source = new_id()
    p.ledger.create_accounts(
        [Account(source, prog.ledger, AccountCode.FUNDER_SOURCE, owner_party_id=prog.funder_id)]
    )
    p.ledger.create_transfers(
        [
            Transfer(
                new_id(), source, prog.fund_account_id, 10**15, prog.ledger, TransferCode.FUNDING
            )
        ]
    )
    households = []
    for h in range(0, members, 4):
        households.append(
            HouseholdIn.model_validate(
                {
                    "reference": f"HH-{run}-{h // 4:06d}",
                    "name": f"Household {h // 4}",
                    "area": rnd.choice(("Kisumu East", "Kisumu West", "Nyando", "Muhoroni")),
                    "start": PERIOD[0],
                    "end": PERIOD[1],
                    "members": [
                        {
                            "number": f"NI-{run}-{m:07d}",
                            "name": f"Member {m}",
                            "sex": rnd.choice(("female", "male")),
                            "birth_date": date(rnd.randint(1950, 2004), rnd.randint(1, 12), 1),
                        }
                        for m in range(h, min(h + 4, members))
                    ],
                }
            )
        )
    for start in range(0, len(households), 2000):
        p.schemes.enrol(PROGRAMME, households[start : start + 2000])
    return refs


def make_claims(
    count: int, *, members: int, providers: list[str], seed: int = 11, run: str = "7"
) -> list[ClaimInput]:
    """Outpatient claims of three to five lines, spread over the enrolment period."""
    rnd = random.Random(seed)
    span = (PERIOD[1] - PERIOD[0]).days - 40
    out = []
    for k in range(count):
        lines = [LineInput(1, "OPD-CONSULT", 1, 50_000)]
        for j, code in enumerate(rnd.sample(OUTPATIENT, rnd.randint(2, 4))):
            lines.append(LineInput(j + 2, code, 1, rnd.randint(5_000, 40_000)))
        out.append(
            ClaimInput(
                use=ClaimUse.CLAIM,
                provider=providers[k % len(providers)],
                member=f"NI-{run}-{rnd.randrange(members):07d}",
                programme=PROGRAMME,
                reference=f"B{seed}-{k:08d}",
                encounter=Encounter(
                    EncounterClass.OUTPATIENT,
                    CareType.NORMAL,
                    PERIOD[0] + timedelta(days=35 + rnd.randrange(span)),
                    diagnoses=(Diagnosis(rnd.choice(DIAGNOSES), True),),
                ),
                lines=tuple(lines),
            )
        )
    return out


def batch_figure(
    *,
    claims: int,
    members: int,
    providers: int,
    data_dir: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    settings = Settings(environment=Environment.TEST, data_dir=data_dir)
    clock = ManualClock(int(NOW.timestamp() * 1e9))
    p = open_platform(settings, clock=clock)
    try:
        say(f"setting up {members:,} members and {providers} providers")
        refs = setup(p, members=members, providers=providers)
        work = make_claims(claims, members=members, providers=refs)
        warm = make_claims(10_000, members=members, providers=refs, seed=99)
        p.claims.submit_batch(warm)
        p.claims.flush_pool()
        say(f"adjudicating and settling {claims:,} claims")
        t0 = time.perf_counter()
        results = p.claims.submit_batch(work)
        elapsed = time.perf_counter() - t0
        say("handing the paid claims to the data pool")
        t1 = time.perf_counter()
        p.claims.flush_pool()
        pool_seconds = time.perf_counter() - t1
        by_status: dict[str, int] = {}
        for r in results:
            by_status[r.status.label] = by_status.get(r.status.label, 0) + 1
        lines = sum(len(c.lines) for c in work)
        return {
            "claims": claims,
            "lines": lines,
            "seconds": round(elapsed, 3),
            "claims_per_second": round(claims / elapsed),
            "outcomes": by_status,
            "pool_handover_seconds": round(pool_seconds, 3),
            "ledger_transfers": p.ledger.head().seq if p.ledger.head() else 0,  # type: ignore[union-attr]
        }
    finally:
        p.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Connection:
    """A keep-alive HTTP/1.1 connection on asyncio streams: a load generator light enough
    (a fraction of a millisecond a request) not to be the thing measured."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    async def post(self, head: bytes, body: bytes) -> int:
        self.writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
        status_line = await self.reader.readline()
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip())
        await self.reader.readexactly(length)
        return int(status_line.split()[1])


async def _open_loop(
    port: int, token: str, bodies: list[bytes], rate: float
) -> tuple[list[float], int]:
    """Send each body at its scheduled time (``rate`` a second) on a pool of connections,
    whether or not earlier requests have answered; latency is measured from the
    scheduled time, so queueing in the client counts against the server too."""
    head = (
        "POST /v1/claims HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Authorization: Bearer {token}\r\nContent-Length: "
    ).encode()
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(128):
        r, w = await asyncio.open_connection("127.0.0.1", port)
        idle.put_nowait(_Connection(r, w))
    latencies: list[float] = []
    errors = 0

    async def one(body: bytes, due: float) -> None:
        nonlocal errors
        conn = await idle.get()
        try:
            status = await conn.post(head, body)
        finally:
            idle.put_nowait(conn)
        latencies.append((time.perf_counter() - due) * 1000)
        if status >= 300:
            errors += 1

    start = time.perf_counter() + 0.05
    tasks = []
    for i, body in enumerate(bodies):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(body, due)))
    await asyncio.gather(*tasks)
    while not idle.empty():
        idle.get_nowait().writer.close()
    return latencies, errors


def http_figure(
    *,
    requests: int,
    rate: float,
    members: int,
    data_dir: Path,
    say: Callable[[str], None],
) -> dict[str, Any]:
    from thamani.claims.documents import to_document

    settings = Settings(environment=Environment.TEST, data_dir=data_dir)
    p = open_platform(settings)
    try:
        refs = setup(p, members=members, providers=4, seed=5)
        provider = p.parties.by_reference(refs[0])
        token = p.parties.issue_token(provider.id, "bench").secret
        work = make_claims(requests + 200, members=members, providers=refs[:1], seed=13, run="5")
    finally:
        p.close()
    port = _free_port()
    env = {**os.environ, "THAMANI_DATA_DIR": str(data_dir), "THAMANI_ENVIRONMENT": "test"}
    log = (data_dir / "server.log").open("wb")
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from thamani.cli.main import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_for(url)
        bodies = [orjson.dumps(to_document(c)) for c in work]
        say(f"warming up, then {requests:,} single claims at {rate:g}/s over HTTP")
        asyncio.run(_open_loop(port, token, bodies[:200], rate))
        cpu0 = _cpu_seconds(server.pid)
        latencies, errors = asyncio.run(_open_loop(port, token, bodies[200:], rate))
        server_cpu = _cpu_seconds(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    latencies.sort()

    def pct(q: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2)

    return {
        "requests": requests,
        "rate_per_second": rate,
        "errors": errors,
        "http_p50_ms": pct(0.50),
        "http_p99_ms": pct(0.99),
        "http_max_ms": round(latencies[-1], 2),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / max(1, requests), 3),
    }


def _cpu_seconds(pid: int) -> float:
    """CPU seconds a process has used (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for(url: str) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("the benchmark server did not start")


def run(
    *,
    claims: int = 100_000,
    members: int = 40_000,
    providers: int = 40,
    http_requests: int = 5_000,
    http_rate: float = 500.0,
    quiet: bool = False,
) -> dict[str, Any]:
    """Both figures, each on a fresh embedded store in a temporary directory."""

    def say(msg: str) -> None:
        if not quiet:
            print(msg, file=sys.stderr)

    root = Path(tempfile.mkdtemp(prefix="thamani-bench-claims-"))
    try:
        out: dict[str, Any] = {
            "store": "sqlite (embedded, synchronous=FULL)",
            "cpus": os.cpu_count(),
        }
        batch = batch_figure(
            claims=claims, members=members, providers=providers, data_dir=root / "batch", say=say
        )
        out["claims_per_second"] = batch.pop("claims_per_second")
        out["batch"] = batch
        if http_requests:
            http = http_figure(
                requests=http_requests,
                rate=http_rate,
                members=min(members, 8_000),
                data_dir=root / "http",
                say=say,
            )
            out["http_p99_ms"] = http.pop("http_p99_ms")
            out["http"] = http
        return out
    finally:
        shutil.rmtree(root, ignore_errors=True)
