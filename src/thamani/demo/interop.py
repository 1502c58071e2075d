"""The demonstration's real-data part: data Thamani did not make, in and out.

``interop_steps(platform, open_store, work_dir)`` unpacks the real data shipped with
Thamani (``thamani.interop.samples``: a 27-patient Synthea CSV export and five Synthea
FHIR R4 bundles, written by others) into ``work_dir`` and imports it into ``platform``
(a store of its own, so that what goes out is exactly what came in): the Synthea export
with its claims' money reconciled on the ledger; a malformed bundle refused whole with an
OperationOutcome naming resource and element, nothing written; the five bundles; both
again, changing nothing; then the store out as FHIR Bulk Data NDJSON, into an empty store
(``open_store(directory)``) and out again, the same files. Every figure shown is read
back from the stores or the files, not written into the script.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from thamani.claims.records import Claim
from thamani.config import Settings
from thamani.demo.scenario import Step
from thamani.errors import ThamaniError
from thamani.interop import samples
from thamani.interop.fhir.outcomes import FhirError, from_error
from thamani.interop.fhir.results import ImportSummary, UnitResult
from thamani.interop.synthea.importer import SyntheaImport
from thamani.ledger.codes import AccountCode
from thamani.money import format_amount
from thamani.platform import Platform, open_platform

CUR = "USD"
"""Synthea's money is in US dollars."""
TITLE = "Real data in and out: Synthea's CSV and FHIR, imported, checked and exported"


def usd(minor: int) -> str:
    return format_amount(minor, CUR)


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


@dataclass(frozen=True, slots=True)
class State:
    """What a store holds, in a few numbers (to show that something changed nothing)."""

    parties: int
    programmes: int
    clinical: int
    claims: int
    ledger_seq: int

    def line(self) -> str:
        return (
            f"{self.parties:,} parties, {self.programmes} programmes, {self.clinical:,} clinical"
            f" records, {self.claims:,} claims, ledger at record {self.ledger_seq:,}"
        )


def _claims(p: Platform) -> list[Claim]:
    out: list[Claim] = []
    while page := p.claims.claims(after=out[-1].no if out else 0, limit=1000):
        out.extend(page)
    return out


def claim_money(p: Platform) -> tuple[int, int, int, int]:
    """The stored claims: how many, charged, paid by payers, paid by patients."""
    cs = _claims(p)
    return (
        len(cs),
        sum(c.asked for c in cs),
        sum(c.payer for c in cs),
        sum(c.co_pay for c in cs),
    )


def state(p: Platform) -> State:
    head = p.ledger.head()
    return State(
        len(p.parties.all()),
        len(p.schemes.programmes()),
        sum(p.clinical.counts().values()),
        len(_claims(p)),
        head.seq if head else 0,
    )


@dataclass(frozen=True, slots=True)
class Books:
    """The imported money as the ledger holds it, minor units.

    received: credited to the providers' receivables by the imported programmes.
    funded: debited from the payers' funding sources (their money from outside).
    """

    received: int
    funded: int


def books(p: Platform) -> Books:
    """What the import ledgers' providers received and payers' funding sources paid."""
    imported = {i.ledger for i in p.ledger.ledgers() if i.name.startswith("imported-")}
    receivables: set[int] = set()
    funders: set[int] = set()
    ledgers: set[int] = set()
    for prog in p.schemes.programmes():
        if prog.ledger in imported:
            d = p.schemes.programme(prog.code)
            receivables |= {a.receivable_account_id for a in d.providers}
            funders.add(prog.funder_id)
            ledgers.add(prog.ledger)
    received = sum(a.credits_posted for a in p.ledger.accounts(sorted(receivables)))
    funded = sum(
        a.debits_posted
        for party in sorted(funders)
        for n in sorted(ledgers)
        for a in p.ledger.accounts_of(party, ledger=n, code=AccountCode.FUNDER_SOURCE)
    )
    return Books(received, funded)


def exported(directory: Path) -> dict[str, list[bytes]]:
    """An export's resources by type, each file's lines sorted (a store's row order is not
    the export's meaning)."""
    manifest = json.loads((directory / "manifest.json").read_bytes())
    return {
        o["type"]: sorted((directory / o["url"]).read_bytes().splitlines())
        for o in manifest["output"]
    }


def broken_bundle(body: bytes) -> tuple[bytes, int]:
    """The bundle with its last Encounter's ``status`` made ``marvellous`` (not a code of
    its required value set), and that entry's index: every entry before it is sound."""
    bundle: dict[str, Any] = json.loads(body)
    k = max(
        n for n, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == "Encounter"
    )
    bundle["entry"][k]["resource"]["status"] = "marvellous"
    return json.dumps(bundle).encode(), k


def interop_steps(
    platform: Platform, open_store: Callable[[Path], Platform], work_dir: Path
) -> Iterator[Step]:
    """Run the real-data part of the demonstration into ``platform`` (best an empty store);
    the samples, the export and the round trip's store go under ``work_dir``."""
    if work_dir.exists():
        shutil.rmtree(work_dir)
    started = time.perf_counter()
    csv_dir = samples.unpack(samples.SYNTHEA_CSV_27, work_dir)
    bundles = samples.bundles()

    # 1. Synthea's CSV export.
    t = time.perf_counter()
    done = SyntheaImport(platform).run(csv_dir, currency_code=CUR)
    took = time.perf_counter() - t
    m = done.money
    after_csv = books(platform)
    reconciled = after_csv == Books(m["payer_paid"] + m["patient_paid"], m["payer_paid"])
    verified = platform.verify_ledger().ok
    clinical = sum(v for k, v in done.added.items() if k not in _NOT_CLINICAL)
    yield Step(
        "Real data in: a Synthea CSV export of 27 patients (written by others)",
        [
            f"{done.resources:,} rows of {len(done.rows)} tables read and checked in"
            f" {took:.1f} s, then written: {done.added['patients']} patients,"
            f" {done.added['organizations']} organisations, {done.added['payers']} payers"
            f" (a programme each), {done.added['enrolments']:,} enrolments",
            f"{done.added['encounters']:,} encounters and {clinical - done.added['encounters']:,}"
            " other clinical records (SNOMED CT, LOINC, RxNorm, CVX codes kept as they are)",
            f"{done.added['claims']:,} historical claims (decided elsewhere, not adjudicated"
            f" again), their money moved on the ledger in {done.transfers:,} transfers",
            f"providers' receivables hold {usd(after_csv.received)} = payers' "
            f"{usd(m['payer_paid'])} + patients' {usd(m['patient_paid'])}; "
            f"reconciled: {_yes(reconciled)}; books verified: {_yes(verified)}",
        ],
        [
            ["money in the files", CUR],
            ["charged", usd(m["charged"])],
            ["paid by payers", usd(m["payer_paid"])],
            ["paid by patients", usd(m["patient_paid"])],
            ["outstanding", usd(m["outstanding"])],
            ["received by providers (ledger)", usd(after_csv.received)],
        ],
        ok=reconciled and verified and done.added["claims"] > 0,
    )

    # 2. A malformed bundle: refused whole, nothing written.
    name, body = bundles[0]
    bad, k = broken_bundle(body)
    before = state(platform)
    refused: FhirError | None = None
    try:
        platform.fhir.import_bundle(bad)
    except FhirError as e:
        refused = e
    unchanged = state(platform) == before
    entries = len(json.loads(bad)["entry"])
    lines = [f"{name}, entry {k} of {entries}: an Encounter whose status is 'marvellous'"]
    if refused is None:
        lines.append("the bundle was accepted: NOT refused")
    else:
        lines.append(f"refused with HTTP {refused.status} and an OperationOutcome:")
        lines += [
            f"  {i.severity} {i.code} at {i.expression}: {i.diagnostics}" for i in refused.issues
        ]
    lines.append(
        f"nothing was written (none of the {k} sound entries before it): {_yes(unchanged)}"
    )
    expression = refused.issues[0].expression if refused else None
    yield Step(
        "A malformed FHIR bundle is refused, naming resource and element",
        lines,
        ok=unchanged and expression == f"Bundle.entry[{k}].resource.status",
    )

    # 3. The five bundles.
    before_books = books(platform)
    t = time.perf_counter()
    units = [_bundle(platform, n, b) for n, b in bundles]
    took = time.perf_counter() - t
    summary = ImportSummary(units)
    fm = summary.money().get(CUR, {})
    added = summary.total("added")
    skipped = summary.total("skipped")
    read = summary.total("read")
    after_fhir = books(platform)
    paid_on_ledger = after_fhir.received - before_books.received
    fhir_ok = (
        not summary.failed
        and paid_on_ledger == fm.get("payer_paid", -1)
        and after_fhir.funded - before_books.funded == fm.get("payer_paid", -1)
        and platform.verify_ledger().ok
    )
    table = [["resource", "read", "stored", "skipped"]]
    for rtype, n in sorted(read.items(), key=lambda kv: -kv[1]):
        table.append([rtype, f"{n:,}", f"{added.get(rtype, 0):,}", f"{skipped.get(rtype, 0):,}"])
    yield Step(
        "Real FHIR in: five Synthea R4 transaction bundles",
        [
            f"{sum(read.values()):,} resources in {len(units)} bundles validated against the R4"
            f" models, references resolved, written in {took:.1f} s (one transaction each)",
            f"{added.get('Claim', 0)} Claims with their ExplanationOfBenefits became paid"
            f" historical claims: charged {usd(fm.get('charged', 0))}, paid by payers"
            f" {usd(fm.get('payer_paid', 0))} (cent for cent the bundles' own totals)",
            f"on the ledger, payers' funds to providers' receivables: {usd(paid_on_ledger)};"
            f" reconciled and verified: {_yes(fhir_ok)}",
        ],
        table,
        ok=fhir_ok and added.get("Claim", 0) > 0,
    )

    # 4. Both again: nothing changes.
    before = state(platform)
    again_csv = SyntheaImport(platform).run(csv_dir, currency_code=CUR)
    again = ImportSummary([_bundle(platform, n, b) for n, b in bundles])
    now = state(platform)
    same = (
        now == before
        and set(again_csv.added.values()) == {0}
        and again_csv.transfers == 0
        and again.total("added") == {}
        and not again.failed
    )
    yield Step(
        "Imported again: nothing changes",
        [
            f"Synthea: {sum(again_csv.unchanged.values()):,} records found stored already,"
            f" {sum(again_csv.added.values())} added, {again_csv.transfers} transfers",
            f"FHIR: {sum(again.total('unchanged').values()):,} resources unchanged,"
            f" {sum(again.total('added').values())} added",
            f"the store before and after: {now.line()}; the same: {_yes(now == before)}",
        ],
        ok=same,
    )

    # 5. Out as Bulk Data, into an empty store, out again.
    t = time.perf_counter()
    one = platform.fhir.export(work_dir / "fhir-export")
    fresh = open_store(work_dir / "round-trip")
    try:
        back = fresh.fhir.import_path(one.directory)
        two = fresh.fhir.export(work_dir / "fhir-export-again")
        there = claim_money(fresh)
        verified = fresh.verify_ledger().ok
    finally:
        fresh.close()
    took = time.perf_counter() - t
    identical = exported(one.directory) == exported(two.directory)
    here = claim_money(platform)
    manifest = json.loads(one.manifest.read_bytes())
    grid = [["file (manifest.json)", "resources", "imported", "exported again"]]
    again_counts = two.counts
    for o in manifest["output"]:
        grid.append(
            [
                o["url"],
                f"{o['count']:,}",
                f"{back.total('added').get(o['type'], 0):,}",
                f"{again_counts.get(o['type'], 0):,}",
            ]
        )
    round_ok = (
        identical
        and not back.failed
        and verified
        and there == here
        and sum(one.counts.values()) > 0
    )
    yield Step(
        "Out as FHIR Bulk Data, into an empty store, and out again",
        [
            f"{sum(one.counts.values()):,} resources written as NDJSON with their manifest to"
            f" {one.directory}",
            f"imported into an empty store: {there[0]:,} claims, charged {usd(there[1])},"
            f" paid by payers {usd(there[2])}, by patients {usd(there[3])}; the same as"
            f" here: {_yes(there == here)}",
            f"exported again: the same resources, line for line: {_yes(identical)}"
            f" ({took:.1f} s for the round trip; {time.perf_counter() - started:.1f} s in all)",
        ],
        grid,
        ok=round_ok,
    )


_NOT_CLINICAL = {"patients", "organizations", "payers", "members", "enrolments", "accounts",
                 "claims"}  # fmt: skip


def _bundle(platform: Platform, name: str, body: bytes) -> UnitResult:
    """One bundle imported, as a unit result named after its file (a failure too)."""
    try:
        return replace(platform.fhir.import_bundle(body), name=name)
    except ThamaniError as e:
        return UnitResult(name, False, issues=tuple(from_error(e)))


def real_data_steps(settings: Settings, directory: Path) -> Iterator[Step]:
    """The real-data part in embedded stores of its own under ``directory`` (emptied
    first): ``store`` for the imports, ``round-trip`` for the export read back, ``files``
    for the samples and the exports."""
    if directory.exists():
        shutil.rmtree(directory)

    def open_store(where: Path) -> Platform:
        base = settings.model_dump()
        return open_platform(
            Settings(**{**base, "data_dir": where, "database_url": None, "pool_dir": None})
        )

    store = open_store(directory / "store")
    try:
        yield from interop_steps(store, open_store, directory / "files")
    finally:
        store.close()
