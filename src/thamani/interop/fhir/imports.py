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

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from thamani.claims import store as claim_store
from thamani.clinical import store as clinical_store
from thamani.clinical.records import ClinicalBatch, Encounter, Kind, Linked, Medication
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Forbidden, NotFound, ThamaniError
from thamani.interop.fhir import clinical, cover, history, payers, people
from thamani.interop.fhir.links import UnitLinks
from thamani.interop.fhir.outcomes import FhirError, Issue, from_error
from thamani.interop.fhir.references import Index, unresolved_urns
from thamani.interop.fhir.results import (
    ImportSummary,
    Outcome,
    UnitResult,
    unit_result,
)
from thamani.interop.fhir.sources import Pending, Unit, pending_units, read_bundle
from thamani.interop.fhir.validation import Checked, check_unit
from thamani.interop.rooms import Rooms
from thamani.money import currency
from thamani.parties import store as party_store
from thamani.parties.records import Actor, PartyKind, Scope
from thamani.schemes import store as scheme_store
from thamani.schemes.documents import HouseholdIn, MemberIn
from thamani.schemes.enrolment import enrol_many
from thamani.schemes.records import Member

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


def need_admin(actor: Actor | None) -> None:
    if actor is not None and not actor.has(Scope.INTEROP_ADMIN):
        raise Forbidden(
            f"this token lacks the scope {Scope.INTEROP_ADMIN.value}", code="missing_scope"
        )


#: Programmes registered by one importer: (payer reference, currency) -> (programme
#: code, funding account, providers accredited).
Registry = dict[tuple[str, str], tuple[str, int, set[str]]]


class FhirImports:
    """Imports FHIR R4 through the platform's rooms."""

    def __init__(self, rooms: Rooms, default_currency: str = "KES") -> None:
        self.rooms = rooms
        self.default_currency = default_currency
        self.registry: Registry = {}

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
        return _Import(unit, checked, index, self.rooms, self.registry, self.default_currency).run()

    def _run(self, pending: Pending) -> UnitResult:
        try:
            return self.unit(pending.read())
        except FhirError as e:
            return UnitResult(pending.name, False, issues=tuple(e.issues))
        except ThamaniError as e:
            return UnitResult(pending.name, False, issues=tuple(from_error(e)))


class _Import(UnitLinks):
    """One unit's import."""

    def __init__(
        self,
        unit: Unit,
        checked: list[Checked],
        index: Index,
        rooms: Rooms,
        registry: Registry,
        default_currency: str,
    ) -> None:
        super().__init__(unit, checked, index)
        self.registry = registry
        self.default_currency = default_currency
        self.rooms = rooms

    # -- the import ----------------------------------------------------------------------

    def run(self) -> UnitResult:
        encounters: list[Encounter] = []
        linked: list[tuple[Linked, str | None]] = []
        covers: list[cover.Cover] = []
        for c in self.checked:
            if c.type == "Patient":
                ref = people.patient_reference(c.id)
                name = people.patient_name(c.resource, c.id)
                self._want(ref, PartyKind.PATIENT, name, True, "")
                found = cover.person(c, name)
                if found is not None:
                    self.persons[c.id] = found
            elif c.type == "Organization":
                name = str(c.resource.get("name") or c.id)
                kind = people.organization_kind(c.resource)
                self._want(people.party_reference("Organization", c.id), kind, name, True, "")
            elif c.type == "Encounter":
                encounters.append(clinical.encounter(c, self))
            elif c.type in clinical.LINKED:
                linked.append(clinical.LINKED[c.type](c, self))
            elif c.type == "Coverage":
                member = self.member(c, "beneficiary")
                covers.append(cover.cover(c, member, self.payer(c, "payor[0]")))
        claims = self._claims()
        before = self._check(covers)
        if claims or covers:
            ids, funding, codes = self._register(claims, covers, before)
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
            self._members(conn, now)
            self._enrol(conn, covers, codes, before, now)

        if hist:
            self.rooms.claims.record(hist, funding=funding, also=write)
        else:
            with write_transaction(self.rooms.engine) as conn:
                write(conn)
        return self._result(before, claims, covers)

    def _members(self, conn: Connection, now: int) -> None:
        """A household and a member for each patient with a birth date (as Synthea's)."""
        if not self.persons:
            return
        refs = [cover.household_reference(n) for n in self.persons]
        homes = scheme_store.households_by_reference(conn, refs)
        missing = [
            (cover.household_reference(n), p.name, "")
            for n, p in self.persons.items()
            if cover.household_reference(n) not in homes
        ]
        if missing:
            scheme_store.insert_households(conn, missing, now)
            homes = scheme_store.households_by_reference(conn, refs)
        known = scheme_store.members_by_reference(conn, list(self.persons))
        parties = party_store.parties_by_reference(
            conn, [people.patient_reference(n) for n in self.persons]
        )
        new = []
        for n, p in self.persons.items():
            m = known.get(n)
            if m is None:
                home = homes[cover.household_reference(n)].id
                party = parties[people.patient_reference(n)].id
                new.append(Member(0, home, n, p.name, p.sex, p.birth_date, party))
            elif (m.name, m.sex, m.birth_date) != (p.name, p.sex, p.birth_date):
                raise FhirError(
                    [
                        Issue(
                            "conflict",
                            f"member {n} is registered already with other details"
                            f" ({m.name}, {m.sex.value}, born {m.birth_date})",
                            self.index.by_key[("Patient", n)].entry.where,
                        )
                    ]
                )
        scheme_store.insert_members(conn, new, now)

    def _enrol(
        self,
        conn: Connection,
        covers: list[cover.Cover],
        codes: dict[str, str],
        before: _Before,
        now: int,
    ) -> None:
        """Each Coverage's enrolment, in its payer's programme."""
        by_code: dict[str, list[HouseholdIn]] = {}
        for x in covers:
            p = self.persons.get(x.member) or before.members[x.member]
            home = before.households.get(x.member) or cover.household_reference(x.member)
            by_code.setdefault(codes[x.payer.reference], []).append(
                HouseholdIn(
                    reference=home,
                    name=p.name,
                    start=x.start,
                    end=x.end,
                    members=[
                        MemberIn(number=x.member, name=p.name, sex=p.sex, birth_date=p.birth_date)
                    ],
                )
            )
        for code, households in sorted(by_code.items()):
            programme = scheme_store.programme_by_code(conn, code)
            assert programme is not None
            enrol_many(conn, programme, households, now)

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

    def _check(self, covers: list[cover.Cover]) -> _Before:
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
            members, households, enrolled = self._check_members(conn, covers)
        return _Before(parties, records, members=members, households=households, enrolled=enrolled)

    def _check_members(
        self, conn: Connection, covers: list[cover.Cover]
    ) -> tuple[dict[str, Any], dict[str, str], set[tuple[str, str, date]]]:
        """The stored members the Coverages name that are not patients of the unit (an
        error when one is neither), their households, and the enrolments stored already
        (member, programme code, start)."""
        numbers = {x.member for x in covers}
        stored = scheme_store.members_by_reference(conn, numbers)
        missing = [
            Issue(
                "not-found",
                f"Patient/{x.member} is neither in the import nor a member stored",
                f"{x.where}.beneficiary.reference",
            )
            for x in covers
            if x.member not in self.persons and x.member not in stored
        ]
        if missing:
            raise FhirError(missing)
        homes = scheme_store.households_by_id(conn, {m.household_id for m in stored.values()})
        households = {n: homes[m.household_id].reference for n, m in stored.items()}
        outside = {n: m for n, m in stored.items() if n not in self.persons}
        codes = {payers.programme_code(x.payer.reference) for x in covers}
        ids = scheme_store.programme_ids_by_code(conn, codes)
        by_id = {v: k for k, v in ids.items()}
        enrolled: set[tuple[str, str, date]] = set()
        member_of = {m.id: n for n, m in stored.items()}
        for mid, rows in scheme_store.enrolments_of(conn, member_of).items():
            for e in rows:
                if e.programme_id in by_id:
                    enrolled.add((member_of[mid], by_id[e.programme_id], e.start))
        return outside, households, enrolled

    def _register(
        self, claims: list[history.Mapped], covers: list[cover.Cover], before: _Before
    ) -> tuple[dict[int, int], dict[str, int], dict[str, str]]:
        """The organisations as parties, the payers' programmes and funding accounts
        (those registered earlier in the same run are not registered again)."""
        orgs = {r: w for r, w in self.parties.items() if w.kind is not PartyKind.PATIENT}
        found = {r: p for r, p in before.parties.items() if r in orgs}
        if len(found) < len(orgs):
            with write_transaction(self.rooms.engine) as conn:
                found = party_store.ensure_parties(
                    conn, [(w.kind, w.name, r) for r, w in orgs.items()], self.rooms.clock.now_ns()
                )
        ids = {w.provisional: found[r].id for r, w in orgs.items()}
        paid: dict[tuple[str, str], set[str]] = {}
        names: dict[str, str] = {}
        for m in claims:
            paid.setdefault((m.payer.reference, m.currency), set()).add(m.claim.provider_reference)
            names[m.payer.reference] = m.payer.name
        for x in covers:
            if not any(ref == x.payer.reference for ref, _ in paid):
                cur = self._currency_of(x.payer.reference, {c for _, c in paid})
                paid[(x.payer.reference, cur)] = set()
            names.setdefault(x.payer.reference, x.payer.name)
        funding: dict[str, int] = {}
        codes: dict[str, str] = {}
        need: dict[str, dict[str, str]] = {}
        for (ref, cur), providers in paid.items():
            known = self.registry.get((ref, cur))
            if known is not None and providers <= known[2]:
                codes[ref] = known[0]
                funding[known[0]] = known[1]
            else:
                need.setdefault(cur, {})[ref] = names[ref]
        for cur, wanted in sorted(need.items()):
            party_ids = {r: found[r].id for r in wanted}
            accredit = {r: paid[(r, cur)] for r in wanted}
            got, money = payers.register(self.rooms, currency(cur), wanted, accredit, party_ids)
            for ref, code in got.items():
                old = self.registry.get((ref, cur))
                accredited = accredit[ref] | (old[2] if old is not None else set())
                self.registry[(ref, cur)] = (code, money[code], accredited)
            codes.update(got)
            funding.update(money)
        return ids, funding, codes

    def _currency_of(self, payer: str, unit: set[str]) -> str:
        """The currency of a payer named only by Coverages: its programme's, else the
        currency of the unit's claims (when they have one), else the default."""
        for (ref, cur), _known in self.registry.items():
            if ref == payer:
                return cur
        try:
            return self.rooms.schemes.programme(payers.programme_code(payer)).programme.currency
        except NotFound:
            pass
        if len(unit) == 1:
            return next(iter(unit))
        return self.default_currency

    def _result(
        self, before: _Before, claims: list[history.Mapped], covers: list[cover.Cover]
    ) -> UnitResult:
        stored_claims = self._stored_claims(claims, before)
        coverage = iter(covers)
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
            elif c.type == "Coverage":
                cov = next(coverage)
                key = (cov.member, payers.programme_code(cov.payer.reference), cov.start)
                outcomes.append(Outcome.UNCHANGED if key in before.enrolled else Outcome.ADDED)
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
        return unit_result(self.unit.name, self.checked, outcomes, money)

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
    members: stored members a Coverage names who are not patients of the unit.
    households: the household reference of each stored member a Coverage names.
    enrolled: enrolments stored already: (member number, programme code, start).
    claims: the positions of the unit's claims stored already.
    """

    parties: dict[str, Any]
    records: set[tuple[str, str]]
    members: dict[str, Any] = field(default_factory=dict)
    households: dict[str, str] = field(default_factory=dict)
    enrolled: set[tuple[str, str, date]] = field(default_factory=set)
    claims: set[int] = field(default_factory=set)


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
