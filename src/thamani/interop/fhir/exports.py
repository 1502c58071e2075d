"""FHIR R4 Bulk Data export: the store as NDJSON, one file per resource type, and a
``manifest.json`` as a Bulk Data server answers (``transactionTime``,
``requiresAccessToken``, ``output`` with each file's ``type``, ``url`` and ``count``).

Everything is read in one read transaction (a consistent snapshot), page by page. Ids are
stable: a resource imported from FHIR keeps its id; other records get
``<source>-<source id>``; a party's resource gets the id it came with, else one made from
its reference. Importing an export into an empty store and exporting again gives the
same resources.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson
from sqlalchemy import Connection, Engine

from thamani.claims import store as claim_store
from thamani.claims.records import Claim, ClaimInput, ClaimStatus
from thamani.clinical import store as clinical_store
from thamani.clinical.records import Kind, Record
from thamani.clock import Clock
from thamani.db.engine import read_transaction
from thamani.interop.fhir import claim_resources, clinical_resources, cover, history, people
from thamani.interop.fhir.elements import iso_time
from thamani.interop.fhir.imports import need_admin
from thamani.interop.fhir.validation import ID
from thamani.parties import store as party_store
from thamani.parties.records import Actor, Party, PartyKind
from thamani.schemes import store as scheme_store
from thamani.schemes.records import Member

ORGANIZATION_TYPE = "http://terminology.hl7.org/CodeSystem/organization-type"
#: Rows read from the store at a time.
PAGE = 5_000

#: The resource types written for the clinical record, in the export's order.
WRITERS: tuple[tuple[Kind, str, Callable[[Any, clinical_resources.Names], dict[str, Any]]], ...] = (
    (Kind.ENCOUNTER, "Encounter", clinical_resources.encounter_resource),
    (Kind.CONDITION, "Condition", clinical_resources.condition_resource),
    (Kind.OBSERVATION, "Observation", clinical_resources.observation_resource),
    (Kind.MEDICATION, "MedicationRequest", clinical_resources.medication_resource),
    (Kind.PROCEDURE, "Procedure", clinical_resources.procedure_resource),
    (Kind.IMMUNIZATION, "Immunization", clinical_resources.immunization_resource),
    (Kind.ALLERGY, "AllergyIntolerance", clinical_resources.allergy_resource),
)


@dataclass(frozen=True, slots=True)
class Output:
    """One file of an export.

    type: its resource type.
    path: the file.
    count: resources written.
    """

    type: str
    path: Path
    count: int


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote.

    directory: where.
    transaction_time: the export's time (ISO 8601, UTC).
    outputs: the files, in order.
    """

    directory: Path
    transaction_time: str
    outputs: list[Output]

    @property
    def counts(self) -> dict[str, int]:
        return {o.type: o.count for o in self.outputs}

    @property
    def manifest(self) -> Path:
        return self.directory / "manifest.json"


class _Writer:
    """NDJSON to one file, in blocks."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh = fh
        self.buf: list[bytes] = []
        self.count = 0

    def add(self, resource: dict[str, Any]) -> None:
        self.buf.append(orjson.dumps(resource))
        self.count += 1
        if len(self.buf) >= 2_000:
            self.flush()

    def flush(self) -> None:
        if self.buf:
            self.fh.write(b"\n".join(self.buf) + b"\n")
            self.buf.clear()


def organization_resource(p: Party) -> dict[str, Any]:
    code = "pay" if p.kind is PartyKind.PAYER else "prov"
    return {
        "resourceType": "Organization",
        "id": people.resource_id(p),
        "active": True,
        "type": [{"coding": [{"system": ORGANIZATION_TYPE, "code": code}]}],
        "name": p.name,
    }


def patient_resource(p: Party, member: Member | None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceType": "Patient",
        "id": people.resource_id(p),
        "name": [{"text": p.name}],
    }
    if member is not None:
        out["gender"] = member.sex.value
        out["birthDate"] = member.birth_date.isoformat()
    return out


class FhirExports:
    """Writes the store as FHIR R4 Bulk Data NDJSON."""

    def __init__(self, engine: Engine, clock: Clock) -> None:
        self.engine = engine
        self.clock = clock

    def run(
        self,
        directory: Path,
        actor: Actor | None = None,
        on_type: Callable[[str, int], None] | None = None,
    ) -> ExportResult:
        """Write ``directory/<Type>.ndjson`` and ``directory/manifest.json``."""
        need_admin(actor)
        directory.mkdir(parents=True, exist_ok=True)
        now = iso_time(datetime.fromtimestamp(self.clock.now_ns() // 1_000_000_000, tz=UTC))
        outputs: list[Output] = []

        def write(rtype: str, resources: Iterator[dict[str, Any]]) -> None:
            path = directory / f"{rtype}.ndjson"
            with path.open("wb") as fh:
                w = _Writer(fh)
                for r in resources:
                    w.add(r)
                w.flush()
            outputs.append(Output(rtype, path, w.count))
            if on_type is not None:
                on_type(rtype, w.count)

        with read_transaction(self.engine) as conn:
            orgs = [
                p
                for p in party_store.list_parties(conn)
                if p.kind in (PartyKind.PROVIDER, PartyKind.PAYER)
            ]
            patients = party_store.list_parties(conn, PartyKind.PATIENT)
            names = clinical_resources.Names(
                {p.id: people.resource_id(p) for p in patients},
                {p.id: people.resource_id(p) for p in orgs},
                {},
            )
            write("Organization", (organization_resource(p) for p in orgs))
            numbers = {
                (p.reference or "")[len(people.MEMBER) :]: p
                for p in patients
                if (p.reference or "").startswith(people.MEMBER)
            }
            members = scheme_store.members_by_reference(conn, list(numbers))
            write(
                "Patient",
                (
                    patient_resource(p, members.get((p.reference or "")[len(people.MEMBER) :]))
                    for p in patients
                ),
            )
            write("Coverage", _coverages(conn, names, numbers))
            for kind, rtype, make in WRITERS:
                write(rtype, _resources(conn, kind, make, names))
            by_reference = {p.reference: p for p in patients if p.reference}
            write("Claim", _claims(conn, names, by_reference, directory))
            write("ExplanationOfBenefit", _read_back(directory / _EOB_SPOOL))
        manifest = {
            "transactionTime": now,
            "request": "thamani export fhir",
            "requiresAccessToken": False,
            "output": [
                {"type": o.type, "url": o.path.name, "count": o.count} for o in outputs if o.count
            ],
            "error": [],
        }
        (directory / "manifest.json").write_bytes(
            orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n"
        )
        return ExportResult(directory, now, outputs)


#: Where the ExplanationOfBenefits wait while the Claims are written (one pass over the
#: claims writes both files).
_EOB_SPOOL = ".ExplanationOfBenefit.spool"
#: Claims exported: those recorded as paid or billed (others are not settled).
EXPORTED = (ClaimStatus.PAID, ClaimStatus.BILLED)


def _coverages(
    conn: Connection, names: clinical_resources.Names, patients: dict[str, Party]
) -> Iterator[dict[str, Any]]:
    """Every enrolment of a member who is a patient party, as a Coverage."""
    enrolments = scheme_store.all_enrolments(conn)
    members = scheme_store.members_by_id(conn, {e.member_id for e in enrolments})
    progs = scheme_store.programmes_by_id(conn, {e.programme_id for e in enrolments})
    funders = {p.id: p for p in party_store.list_parties(conn, PartyKind.PAYER)}
    for e in enrolments:
        m = members.get(e.member_id)
        p = progs.get(e.programme_id)
        party = patients.get(m.reference) if m is not None else None
        funder = funders.get(p.funder_id) if p is not None else None
        if m is None or party is None or funder is None:
            continue
        yield cover.coverage_resource(e, m, people.resource_id(party), people.resource_id(funder))


def claim_id(c: Claim, given: ClaimInput) -> str:
    """The id a stored claim's resources get: its reference for a claim imported from
    FHIR, ``<source>-<reference>`` for one from another source, ``claim-<id>`` for a
    claim submitted here."""
    h = given.history
    if h is not None and c.reference:
        text = c.reference if h.source == history.SOURCE else f"{h.source}-{c.reference}"
        if ID.fullmatch(text):
            return text
        return "h" + hashlib.sha256(f"{h.source}|{c.reference}".encode()).hexdigest()[:32]
    return f"claim-{c.id}"


def _claims(
    conn: Connection,
    names: clinical_resources.Names,
    patients: dict[str, Party],
    directory: Path,
) -> Iterator[dict[str, Any]]:
    """Every paid or billed claim as a Claim; their ExplanationOfBenefits are spooled."""
    progs: dict[int, Any] = {}
    funders = {p.id: p for p in party_store.list_parties(conn, PartyKind.PAYER)}
    with (directory / _EOB_SPOOL).open("wb") as spool:
        w = _Writer(spool)
        after = 0
        while True:
            rows = claim_store.page(conn, after, PAGE)
            if not rows:
                break
            after = rows[-1][0].no
            wanted = {c.programme_id for c, _ in rows} - progs.keys()
            progs.update(scheme_store.programmes_by_id(conn, wanted))
            for c, given in rows:
                if c.status not in EXPORTED or c.programme_id not in progs:
                    continue
                p = progs[c.programme_id]
                member = patients.get(f"{people.MEMBER}{c.member_ref}")
                if member is None or c.provider_id not in names.organizations:
                    continue
                funder = funders.get(p.funder_id)
                payer = people.resource_id(funder) if funder else f"party-{p.funder_id}"
                out = claim_resources.claim_resources(
                    claim_id(c, given),
                    c,
                    given,
                    people.resource_id(member),
                    names.organizations[c.provider_id],
                    payer,
                    funder.name if funder else p.name,
                )
                if out.eob is not None:
                    w.add(out.eob)
                yield out.claim
        w.flush()


def _read_back(spool: Path) -> Iterator[dict[str, Any]]:
    try:
        with spool.open("rb") as fh:
            for line in fh:
                if line.strip():
                    yield orjson.loads(line)
    finally:
        spool.unlink(missing_ok=True)


def _resources(
    conn: Connection,
    kind: Kind,
    make: Callable[[Any, clinical_resources.Names], dict[str, Any]],
    names: clinical_resources.Names,
) -> Iterator[dict[str, Any]]:
    after = 0
    while True:
        rows: list[Record] = clinical_store.page(conn, kind, after, PAGE)
        if not rows:
            return
        for r in rows:
            if kind is Kind.ENCOUNTER:
                names.encounters[r.id] = clinical_resources.record_id(r)
            yield make(r, names)
        after = rows[-1].id
