"""FHIR R4 import: Bundles and Bulk NDJSON into parties, the clinical record and claims.

A unit (one Bundle; one NDJSON export) is imported as a whole:

1. **Read and check everything**: every resource validated, every reference resolved
   (those to resources imported before looked up in the store), every resource mapped
   and every amount converted. A fault anywhere is an OperationOutcome naming the
   resource and the element, and nothing of the unit has been written (the other units
   still import; the summary says which failed).
2. **Register the payers** of its claims, when it has claims (idempotent, as the Synthea
   import does): the organisations as parties, a programme per payer accrediting the
   providers it paid, its funding account on the import ledger.
3. **Write the data in one transaction**: patients, the clinical record and the
   historical claims with their money on the ledger (``Claims.record``).

Importing the same unit again changes nothing: records are found by their source ids,
parties by their references, claims by provider and reference.
"""

from __future__ import annotations

import enum
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from thamani.claims import store as claim_store
from thamani.clinical import store as clinical_store
from thamani.clinical.records import ClinicalBatch, Encounter, Kind, Linked, Medication
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Forbidden, ThamaniError
from thamani.interop.fhir import clinical, history, payers, people
from thamani.interop.fhir.elements import fail
from thamani.interop.fhir.outcomes import FhirError, Issue, from_error
from thamani.interop.fhir.references import Index, Target, unresolved_urns
from thamani.interop.fhir.sources import Pending, Unit, pending_units, read_bundle
from thamani.interop.fhir.validation import Checked, check_unit
from thamani.interop.rooms import Rooms
from thamani.money import currency
from thamani.parties import store as party_store
from thamani.parties.records import Actor, PartyKind, Scope

#: The clinical record kind each resource type is stored as.
KIND_OF_TYPE = {
    "Encounter": Kind.ENCOUNTER,
    "Condition": Kind.CONDITION,
    "Observation": Kind.OBSERVATION,
    "MedicationRequest": Kind.MEDICATION,
    "Procedure": Kind.PROCEDURE,
    "Immunization": Kind.IMMUNIZATION,
    "AllergyIntolerance": Kind.ALLERGY,
}


class Outcome(enum.Enum):
    """What became of one resource."""

    ADDED = "added"
    UNCHANGED = "unchanged"
    """Stored already (the same source id): left as it was."""
    SKIPPED = "skipped"
    """Of a type that is not imported (or read only for the names it gives)."""


@dataclass(frozen=True, slots=True)
class EntryResult:
    """What became of one resource of a unit.

    type, id: the resource.
    index: its entry's index in its Bundle (its line in its NDJSON file).
    outcome: ``Outcome``.
    """

    type: str
    id: str
    index: int
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class UnitResult:
    """What importing one unit did.

    name: the file (or directory, or ``request``) it came from.
    ok: it was imported (else nothing of it was written).
    read: resources read, by type.
    added: resources stored now, by type.
    unchanged: resources found stored already (an import run again), by type.
    skipped: resources of types not imported, by type.
    issues: why it failed (empty when ``ok``).
    entries: what became of each resource, in the unit's order (when ``ok``).
    money: the claims' totals by currency, minor units: ``charged`` (the Claims' totals),
        ``payer_paid`` (the EOBs' payments), ``patient_paid``, ``outstanding``.
    """

    name: str
    ok: bool
    read: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    entries: tuple[EntryResult, ...] = ()
    money: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        return sum(self.read.values())


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What importing a path did, unit by unit."""

    units: list[UnitResult]

    @property
    def failed(self) -> list[UnitResult]:
        return [u for u in self.units if not u.ok]

    def total(self, what: str) -> dict[str, int]:
        """``read``, ``added``, ``unchanged`` or ``skipped`` summed over the imported units."""
        out: Counter[str] = Counter()
        for u in self.units:
            if u.ok:
                out.update(getattr(u, what))
        return dict(sorted(out.items()))

    def money(self) -> dict[str, dict[str, int]]:
        """The imported units' claim totals by currency (see ``UnitResult.money``)."""
        out: dict[str, Counter[str]] = {}
        for u in self.units:
            if u.ok:
                for cur, sums in u.money.items():
                    out.setdefault(cur, Counter()).update(sums)
        return {c: dict(v) for c, v in sorted(out.items())}


def need_admin(actor: Actor | None) -> None:
    if actor is not None and not actor.has(Scope.INTEROP_ADMIN):
        raise Forbidden(
            f"this token lacks the scope {Scope.INTEROP_ADMIN.value}", code="missing_scope"
        )


class FhirImports:
    """Imports FHIR R4 through the platform's rooms."""

    def __init__(self, rooms: Rooms) -> None:
        self.rooms = rooms

    def path(
        self,
        path: Path,
        actor: Actor | None = None,
        on_unit: Callable[[UnitResult], None] | None = None,
    ) -> ImportSummary:
        """Import every unit ``path`` holds (see ``sources.pending_units``)."""
        need_admin(actor)
        results = []
        for pending in pending_units(path):
            result = self._run(pending)
            results.append(result)
            if on_unit is not None:
                on_unit(result)
        return ImportSummary(results)

    def bundle(self, body: bytes | dict[str, Any], actor: Actor | None = None) -> UnitResult:
        """Import one Bundle (an API request's body); ``FhirError`` when it fails (status
        400 when it is not an importable Bundle, 422 when a resource in it is at fault)."""
        need_admin(actor)
        try:
            unit = read_bundle(body)
        except FhirError as e:
            e.status = 400  # not a Bundle that can be imported at all
            raise
        return self.unit(unit)

    def unit(self, unit: Unit) -> UnitResult:
        """Import one unit (see the module's docstring); ``FhirError`` on a fault found
        while checking (nothing written)."""
        checked = check_unit(unit)
        index = Index(checked)
        issues = [i for c in checked if c.imported for i in unresolved_urns(c, index)]
        if issues:
            raise FhirError(issues)
        return _Import(unit, checked, index, self.rooms).run()

    def _run(self, pending: Pending) -> UnitResult:
        try:
            return self.unit(pending.read())
        except FhirError as e:
            return UnitResult(pending.name, False, issues=tuple(e.issues))
        except ThamaniError as e:
            return UnitResult(pending.name, False, issues=tuple(from_error(e)))


_PATH = re.compile(r"([A-Za-z]+)(?:\[(\d+)\])?")


def _get(resource: dict[str, Any], element: str) -> Any:
    """The element at a simple path (``participant[0].individual``)."""
    node: Any = resource
    for part in element.split("."):
        m = _PATH.fullmatch(part)
        if m is None or not isinstance(node, dict):
            return None
        node = node.get(m.group(1))
        if m.group(2) is not None:
            k = int(m.group(2))
            node = node[k] if isinstance(node, list) and k < len(node) else None
    return node


@dataclass(slots=True)
class _Wanted:
    """A party a unit needs: created when ``creatable`` (its resource is in the unit, or it
    is an organisation known by reference only), else it must be stored already.

    kind, name: for creating it.
    where: the element that first named it (for a fault).
    provisional: its number until the store's id is known (negative).
    """

    kind: PartyKind
    name: str
    creatable: bool
    where: str
    provisional: int


class _Import(clinical.Links, history.ClaimLinks):
    """One unit's import."""

    def __init__(self, unit: Unit, checked: list[Checked], index: Index, rooms: Rooms) -> None:
        self.unit = unit
        self.checked = checked
        self.index = index
        self.rooms = rooms
        self.parties: dict[str, _Wanted] = {}
        self.by_provisional: dict[int, str] = {}
        self.outside_encounters: dict[str, str] = {}
        self.payers: dict[str, str] = {}

    # -- references (clinical.Links, history.ClaimLinks) ---------------------------------

    def _target(self, c: Checked, element: str, expect: tuple[str, ...]) -> Target | None:
        where = f"{c.entry.where}.{element}"
        return self.index.resolve(_get(c.resource, element), where, c, expect)

    def _want(self, ref: str, kind: PartyKind, name: str, creatable: bool, where: str) -> int:
        found = self.parties.get(ref)
        if found is None:
            found = _Wanted(kind, name, creatable, where, -(len(self.parties) + 1))
            self.parties[ref] = found
            self.by_provisional[found.provisional] = ref
        elif creatable and not found.creatable:
            found.creatable, found.name = True, name
        return found.provisional

    def _patient_target(self, c: Checked, element: str) -> tuple[Target, str]:
        where = f"{c.entry.where}.{element}"
        t = self._target(c, element, ("Patient",))
        if t is None or not t.id:
            raise fail(where, f"{c.type}.{element} must refer to a Patient by id", "required")
        return t, people.patient_reference(t.id)

    def patient(self, c: Checked, element: str) -> int:
        t, ref = self._patient_target(c, element)
        local = self.index.by_key.get(("Patient", t.id or ""))
        name = people.patient_name(local.resource, local.id) if local else ""
        where = f"{c.entry.where}.{element}"
        return self._want(ref, PartyKind.PATIENT, name, local is not None, where)

    def member(self, c: Checked, element: str) -> str:
        self.patient(c, element)
        t, _ = self._patient_target(c, element)
        return str(t.id)

    def organization(
        self, c: Checked, element: str, kind: PartyKind = PartyKind.PROVIDER
    ) -> int | None:
        where = f"{c.entry.where}.{element}"
        t = self.index.resolve(_get(c.resource, element), where, c)
        if t is None or t.type != "Organization":
            return None
        ref = people.target_reference(t)
        if ref is None:
            return None
        local = self.index.by_key.get(("Organization", t.id or ""))
        if local is not None:
            name = str(local.resource.get("name") or t.display or local.id)
            kind = people.organization_kind(local.resource)
        else:
            name = t.display or ref.rpartition("/")[2]
        return self._want(ref, kind, name, True, where)

    def organization_reference(self, party: int) -> str:
        return self.by_provisional[party]

    def payer(self, c: Checked, element: str) -> history.Payer | None:
        where = f"{c.entry.where}.{element}"
        t = self.index.resolve(_get(c.resource, element), where, c)
        if t is not None and t.contained is not None:
            payors = t.contained.get("payor") or ()
            t = self.index.resolve(payors[0], f"{where}.payor[0]", c) if payors else None
        if t is None:
            return None
        if t.type in (None, "Organization") and (t.id or t.identifier):
            ref = people.target_reference(Target("Organization", t.id, t.identifier))
            local = self.index.by_key.get(("Organization", t.id or ""))
            name = str((local.resource.get("name") if local else None) or t.display or t.id)
        elif t.display:
            ref = people.party_reference("Organization", payers.slug(t.display))
            name = t.display
        else:
            return None
        assert ref is not None
        self._want(ref, PartyKind.PAYER, name, True, where)
        self.payers[ref] = name
        return history.Payer(ref, name)

    def practitioner(self, c: Checked, element: str) -> str | None:
        t = self._target(c, element, ("Practitioner", "PractitionerRole", "RelatedPerson"))
        if t is None:
            return None
        local = self.index.by_key.get((t.type or "", t.id or ""))
        if local is not None:
            return people.practitioner_name(local.resource, local.id)
        return t.display or (t.identifier.rpartition("|")[2] if t.identifier else t.id)

    def encounter(self, c: Checked, element: str) -> str | None:
        t = self._target(c, element, ("Encounter",))
        if t is None or not t.id:
            return None
        if ("Encounter", t.id) not in self.index.by_key:
            self.outside_encounters.setdefault(t.id, f"{c.entry.where}.{element}.reference")
        return t.id

    def resource(self, c: Checked, element: str, expect: tuple[str, ...]) -> Checked | None:
        t = self._target(c, element, expect)
        if t is None or t.key is None:
            return None
        return self.index.by_key.get(t.key)

    def encounter_class(self, c: Checked) -> str | None:
        for k, item in enumerate(c.resource.get("item") or ()):
            for j, _ in enumerate(item.get("encounter") or ()):
                enc = self.resource(c, f"item[{k}].encounter[{j}]", ("Encounter",))
                if enc is not None:
                    return clinical.encounter(enc, _NoLinks()).encounter_class
        return None

    # -- the import ----------------------------------------------------------------------

    def run(self) -> UnitResult:
        encounters: list[Encounter] = []
        linked: list[tuple[Linked, str | None]] = []
        for c in self.checked:
            if c.type == "Patient":
                ref = people.patient_reference(c.id)
                self._want(ref, PartyKind.PATIENT, people.patient_name(c.resource, c.id), True, "")
            elif c.type == "Organization":
                name = str(c.resource.get("name") or c.id)
                kind = people.organization_kind(c.resource)
                self._want(people.party_reference("Organization", c.id), kind, name, True, "")
            elif c.type == "Encounter":
                encounters.append(clinical.encounter(c, self))
            elif c.type in clinical.LINKED:
                linked.append(clinical.LINKED[c.type](c, self))
        claims = self._claims()
        before = self._check()
        if claims:
            ids, funding, codes = self._register(claims)
        else:
            ids, funding, codes = {}, {}, {}
        hist = [
            replace(
                m.claim,
                provider_id=ids[m.claim.provider_id],
                programme=codes[m.payer.reference],
            )
            for m in claims
        ]
        if hist:
            with read_transaction(self.rooms.engine) as conn:
                known = claim_store.by_references(
                    conn, [(c.provider_id, c.reference) for c in hist]
                )
            before.claims = {i for i, c in enumerate(hist) if (c.provider_id, c.reference) in known}

        def write(conn: Connection) -> None:
            rest = {r: w for r, w in self.parties.items() if w.provisional not in ids}
            now = self.rooms.clock.now_ns()
            found = party_store.ensure_parties(
                conn, [(w.kind, w.name, r) for r, w in rest.items()], now
            )
            real = {**ids, **{w.provisional: found[r].id for r, w in rest.items()}}
            batch = ClinicalBatch(
                [_with_parties(e, real) for e in encounters],
                [(_with_parties(r, real), ref) for r, ref in linked],
            )
            self.rooms.clinical.store_in(conn, batch)

        if hist:
            self.rooms.claims.record(hist, funding=funding, also=write)
        else:
            with write_transaction(self.rooms.engine) as conn:
                write(conn)
        return self._result(before, claims)

    def _claims(self) -> list[history.Mapped]:
        """The unit's Claims and ExplanationOfBenefits, paired."""
        eob_of: dict[str, Checked] = {}
        alone: list[Checked] = []
        for c in self.checked:
            if c.type == "ExplanationOfBenefit":
                t = self._target(c, "claim", ("Claim",))
                if t is not None and t.local and t.id and ("Claim", t.id) in self.index.by_key:
                    eob_of[t.id] = c
                else:
                    alone.append(c)
        out = []
        for c in self.checked:
            if c.type == "Claim":
                out.append(history.read_pair(c, eob_of.get(c.id), self))
        out.extend(history.read_pair(None, c, self) for c in alone)
        return out

    def _check(self) -> _Before:
        """What the store holds already of what the unit names (one query per kind); a
        reference to a patient or an encounter neither in the unit nor stored is a
        fault (nothing has been written)."""
        with read_transaction(self.rooms.engine) as conn:
            parties = party_store.parties_by_reference(conn, list(self.parties))
            missing = [
                Issue(
                    "not-found",
                    f"{ref.partition(':')[2]} is neither in the import nor stored",
                    f"{w.where}.reference",
                )
                for ref, w in self.parties.items()
                if ref not in parties and not w.creatable
            ]
            for ref, w in self.parties.items():
                p = parties.get(ref)
                if p is not None and p.kind is not w.kind:
                    missing.append(
                        Issue(
                            "conflict",
                            f"{ref} is stored as a {p.kind.value}, not a {w.kind.value}",
                            w.where or None,
                        )
                    )
            if self.outside_encounters:
                stored = clinical_store.stored_ids(
                    conn, Kind.ENCOUNTER, clinical.SOURCE, list(self.outside_encounters)
                )
                missing += [
                    Issue("not-found", f"Encounter/{sid} is neither in the import nor stored", w)
                    for sid, w in self.outside_encounters.items()
                    if sid not in stored
                ]
            if missing:
                raise FhirError(missing)
            records: set[tuple[str, str]] = set()
            ids: dict[str, list[str]] = {}
            for c in self.checked:
                if c.type in KIND_OF_TYPE:
                    ids.setdefault(c.type, []).append(c.id)
            for rtype, wanted in ids.items():
                found = clinical_store.stored_ids(
                    conn, KIND_OF_TYPE[rtype], clinical.SOURCE, wanted
                )
                records.update((rtype, sid) for sid in found)
        return _Before(parties, records)

    def _register(
        self, claims: list[history.Mapped]
    ) -> tuple[dict[int, int], dict[str, int], dict[str, str]]:
        """The organisations as parties, the payers' programmes and funding accounts."""
        orgs = {r: w for r, w in self.parties.items() if w.kind is not PartyKind.PATIENT}
        with write_transaction(self.rooms.engine) as conn:
            found = party_store.ensure_parties(
                conn, [(w.kind, w.name, r) for r, w in orgs.items()], self.rooms.clock.now_ns()
            )
        ids = {w.provisional: found[r].id for r, w in orgs.items()}
        by_currency: dict[str, list[history.Mapped]] = {}
        for m in claims:
            by_currency.setdefault(m.currency, []).append(m)
        funding: dict[str, int] = {}
        codes: dict[str, str] = {}
        for cur, group in sorted(by_currency.items()):
            paid: dict[str, set[str]] = {}
            for m in group:
                paid.setdefault(m.payer.reference, set()).add(m.claim.provider_reference)
            names = {m.payer.reference: m.payer.name for m in group}
            party_ids = {r: found[r].id for r in names}
            got, money = payers.register(self.rooms, currency(cur), names, paid, party_ids)
            codes.update(got)
            funding.update(money)
        return ids, funding, codes

    def _result(self, before: _Before, claims: list[history.Mapped]) -> UnitResult:
        stored_claims = self._stored_claims(claims, before)
        outcomes = []
        for c in self.checked:
            if c.type == "Patient":
                ref = people.patient_reference(c.id)
                outcomes.append(Outcome.UNCHANGED if ref in before.parties else Outcome.ADDED)
            elif c.type == "Organization":
                ref = people.party_reference(c.type, c.id)
                outcomes.append(Outcome.UNCHANGED if ref in before.parties else Outcome.ADDED)
            elif c.type in KIND_OF_TYPE:
                found = (c.type, c.id) in before.records
                outcomes.append(Outcome.UNCHANGED if found else Outcome.ADDED)
            elif (c.type, c.id) in stored_claims:
                outcomes.append(stored_claims[(c.type, c.id)])
            else:
                outcomes.append(Outcome.SKIPPED)
        money: dict[str, Counter[str]] = {}
        for m in claims:
            sums = money.setdefault(m.currency, Counter())
            for x in m.claim.lines:
                sums["charged"] += x.charged
                sums["payer_paid"] += x.payer_paid + x.secondary_paid
                sums["patient_paid"] += x.patient_paid
                sums["outstanding"] += x.outstanding
        return _result(self.unit.name, self.checked, outcomes, money)

    def _stored_claims(
        self, claims: list[history.Mapped], before: _Before
    ) -> dict[tuple[str, str], Outcome]:
        out = {}
        for i, m in enumerate(claims):
            seen = i in before.claims
            for key in m.entries:
                out[key] = Outcome.UNCHANGED if seen else Outcome.ADDED
        return out


@dataclass(slots=True)
class _Before:
    """What the store held before the unit was written.

    parties: the parties the unit names, by reference.
    records: the clinical resources stored already, (type, id).
    claims: the positions of the unit's claims stored already.
    """

    parties: dict[str, Any]
    records: set[tuple[str, str]]
    claims: set[int] = field(default_factory=set)


class _NoLinks(clinical.Links):
    """Links for reading an encounter's setting only (no party is wanted)."""

    def patient(self, c: Checked, element: str) -> int:
        return 0

    def organization(self, c: Checked, element: str) -> int | None:
        return None

    def practitioner(self, c: Checked, element: str) -> str | None:
        return None

    def encounter(self, c: Checked, element: str) -> str | None:
        return None


def _with_parties(record: Any, ids: dict[int, int]) -> Any:
    changes = {"patient_id": ids[record.patient_id]}
    if isinstance(record, Encounter):
        if record.facility_id is not None:
            changes["facility_id"] = ids[record.facility_id]
        if record.payer_id is not None:
            changes["payer_id"] = ids[record.payer_id]
    elif isinstance(record, Medication) and record.payer_id is not None:
        changes["payer_id"] = ids[record.payer_id]
    return record._replace(**changes)


def _result(
    name: str,
    checked: list[Checked],
    outcomes: list[Outcome],
    money: dict[str, Counter[str]],
) -> UnitResult:
    read: Counter[str] = Counter()
    by: dict[Outcome, Counter[str]] = {o: Counter() for o in Outcome}
    for c, o in zip(checked, outcomes, strict=True):
        read[c.type] += 1
        by[o][c.type] += 1
    return UnitResult(
        name,
        True,
        dict(sorted(read.items())),
        dict(sorted(by[Outcome.ADDED].items())),
        dict(sorted(by[Outcome.UNCHANGED].items())),
        dict(sorted(by[Outcome.SKIPPED].items())),
        entries=tuple(
            EntryResult(c.type, c.id, c.entry.index, o)
            for c, o in zip(checked, outcomes, strict=True)
        ),
        money={cur: dict(v) for cur, v in sorted(money.items())},
    )
