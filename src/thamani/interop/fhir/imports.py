"""FHIR R4 import: Bundles and Bulk NDJSON into parties, the clinical record and claims.

Each unit (one Bundle; one NDJSON export) is imported in one transaction: it is read,
every resource validated, every reference resolved and every resource mapped before
anything is written, and a fault anywhere writes nothing of that unit (the other units
still import; the summary says which failed and why, as an OperationOutcome). Importing
the same unit again changes nothing: records are found by their source ids, parties by
their references.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine

from thamani.clinical.records import (
    ClinicalBatch,
    Encounter,
    Kind,
    Linked,
    Medication,
    Stored,
)
from thamani.clinical.service import Clinical
from thamani.clock import Clock
from thamani.db.engine import write_transaction
from thamani.errors import Forbidden, ThamaniError
from thamani.interop.fhir import clinical, people
from thamani.interop.fhir.elements import fail
from thamani.interop.fhir.outcomes import FhirError, Issue, from_error
from thamani.interop.fhir.references import Index, Target, unresolved_urns
from thamani.interop.fhir.sources import Pending, Unit, pending_units, read_bundle
from thamani.interop.fhir.validation import Checked, check_unit
from thamani.parties import store as party_store
from thamani.parties.records import Actor, PartyKind, Scope

#: Resource types by the clinical record kind they are stored as.
TYPE_OF_KIND = {
    Kind.ENCOUNTER: "Encounter",
    Kind.CONDITION: "Condition",
    Kind.OBSERVATION: "Observation",
    Kind.MEDICATION: "MedicationRequest",
    Kind.PROCEDURE: "Procedure",
    Kind.IMMUNIZATION: "Immunization",
    Kind.ALLERGY: "AllergyIntolerance",
}


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
    """

    name: str
    ok: bool
    read: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()

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


def need_admin(actor: Actor | None) -> None:
    if actor is not None and not actor.has(Scope.INTEROP_ADMIN):
        raise Forbidden(
            f"this token lacks the scope {Scope.INTEROP_ADMIN.value}", code="missing_scope"
        )


class FhirImports:
    """Imports FHIR R4 into one store."""

    def __init__(self, engine: Engine, clinical_room: Clinical, clock: Clock) -> None:
        self.engine = engine
        self.clinical = clinical_room
        self.clock = clock

    def path(
        self,
        path: Path,
        actor: Actor | None = None,
        on_unit: Callable[[UnitResult], None] | None = None,
    ) -> ImportSummary:
        """Import every unit ``path`` holds (see ``sources.pending_units``)."""
        need_admin(actor)
        results = []
        for pending in _pending(path):
            result = self._run(pending)
            results.append(result)
            if on_unit is not None:
                on_unit(result)
        return ImportSummary(results)

    def bundle(self, body: bytes | dict[str, Any], actor: Actor | None = None) -> UnitResult:
        """Import one Bundle (an API request's body); ``FhirError`` when it fails."""
        need_admin(actor)
        unit = read_bundle(body)
        return self.unit(unit)

    def unit(self, unit: Unit) -> UnitResult:
        """Import one unit in one transaction; ``FhirError`` (nothing written) on a fault."""
        checked = check_unit(unit)
        index = Index(checked)
        issues = [i for c in checked if c.imported for i in unresolved_urns(c, index)]
        if issues:
            raise FhirError(issues)
        with write_transaction(self.engine) as conn:
            return _Import(unit, checked, index, conn, self).run()

    def _run(self, pending: Pending) -> UnitResult:
        try:
            return self.unit(pending.read())
        except FhirError as e:
            return UnitResult(pending.name, False, issues=tuple(e.issues))
        except ThamaniError as e:
            return UnitResult(pending.name, False, issues=tuple(from_error(e)))


def _pending(path: Path) -> Iterator[Pending]:
    return pending_units(path)


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
    """A party a unit needs: created if ``local`` (its resource is in the unit, or it is an
    organisation known by reference only), else it must exist already."""

    kind: PartyKind
    name: str
    creatable: bool
    where: str
    provisional: int


class _Import(clinical.Links):
    """One unit's import, inside its transaction."""

    def __init__(
        self, unit: Unit, checked: list[Checked], index: Index, conn: Connection, room: FhirImports
    ) -> None:
        self.unit = unit
        self.checked = checked
        self.index = index
        self.conn = conn
        self.room = room
        self.parties: dict[str, _Wanted] = {}
        self.outside_encounters: dict[str, str] = {}

    # -- references (clinical.Links) -----------------------------------------------------

    def _target(self, c: Checked, element: str, expect: tuple[str, ...]) -> Target | None:
        where = f"{c.entry.where}.{element}"
        return self.index.resolve(_get(c.resource, element), where, c, expect)

    def _want(self, ref: str, kind: PartyKind, name: str, creatable: bool, where: str) -> int:
        found = self.parties.get(ref)
        if found is None:
            found = _Wanted(kind, name, creatable, where, -(len(self.parties) + 1))
            self.parties[ref] = found
        elif creatable and not found.creatable:
            found.creatable, found.name = True, name
        return found.provisional

    def patient(self, c: Checked, element: str) -> int:
        where = f"{c.entry.where}.{element}"
        t = self._target(c, element, ("Patient",))
        ref = None if t is None else people.target_reference(t)
        if t is None or ref is None:
            raise fail(where, f"{c.type}.{element} must refer to a Patient", "required")
        local = self.index.by_key.get(("Patient", t.id or ""))
        name = people.patient_name(local.resource, local.id) if local else ""
        return self._want(ref, PartyKind.PATIENT, name, local is not None, where)

    def organization(
        self, c: Checked, element: str, kind: PartyKind = PartyKind.PROVIDER
    ) -> int | None:
        where = f"{c.entry.where}.{element}"
        t = self._target(c, element, ("Organization",))
        ref = None if t is None else people.target_reference(t)
        if t is None or ref is None:
            return None
        local = self.index.by_key.get(("Organization", t.id or ""))
        if local is not None:
            name = str(local.resource.get("name") or t.display or local.id)
            kind = people.organization_kind(local.resource)
        else:
            name = t.display or ref.rpartition("/")[2]
        return self._want(ref, kind, name, True, where)

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

    # -- the import ----------------------------------------------------------------------

    def run(self) -> UnitResult:
        read = Counter(c.type for c in self.checked)
        skipped = Counter(c.type for c in self.checked if not c.imported)
        encounters: list[Encounter] = []
        linked: list[tuple[Linked, str | None]] = []
        for c in self.checked:
            if c.type == "Patient":
                ref = people.party_reference("Patient", c.id)
                self._want(ref, PartyKind.PATIENT, people.patient_name(c.resource, c.id), True, "")
            elif c.type == "Organization":
                name = str(c.resource.get("name") or c.id)
                kind = people.organization_kind(c.resource)
                self._want(people.party_reference("Organization", c.id), kind, name, True, "")
            elif c.type == "Encounter":
                encounters.append(clinical.encounter(c, self))
            elif c.type in clinical.LINKED:
                linked.append(clinical.LINKED[c.type](c, self))
            elif c.imported and c.type != "Practitioner":
                skipped[c.type] += 1  # claims come with the claims room's record
        ids, created = self._settle_parties()
        self._check_encounters()
        encounters = [_with_parties(e, ids) for e in encounters]
        linked = [(_with_parties(r, ids), ref) for r, ref in linked]
        stored = self.room.clinical.store_in(self.conn, ClinicalBatch(encounters, linked))
        added, unchanged = _counts(stored)
        for c in self.checked:
            if c.type in ("Patient", "Organization"):
                ref = people.party_reference(c.type, c.id)
                (added if ref in created else unchanged)[c.type] += 1
        return UnitResult(
            self.unit.name,
            True,
            dict(sorted(read.items())),
            dict(sorted(added.items())),
            dict(sorted(unchanged.items())),
            dict(sorted(skipped.items())),
        )

    def _settle_parties(self) -> tuple[dict[int, int], set[str]]:
        """Real party ids for the provisional ones; creates the parties that may be."""
        existing = party_store.parties_by_reference(self.conn, list(self.parties))
        missing = [
            Issue(
                "not-found",
                f"{ref.removeprefix(people.PREFIX)} is neither in the import nor stored",
                f"{w.where}.reference",
            )
            for ref, w in self.parties.items()
            if ref not in existing and not w.creatable
        ]
        if missing:
            raise FhirError(missing)
        wanted = [(w.kind, w.name, ref) for ref, w in self.parties.items() if ref not in existing]
        found = party_store.ensure_parties(
            self.conn,
            [(w.kind, w.name, ref) for ref, w in self.parties.items()],
            self.room.clock.now_ns(),
        )
        created = {ref for _, _, ref in wanted}
        return {w.provisional: found[ref].id for ref, w in self.parties.items()}, created

    def _check_encounters(self) -> None:
        if not self.outside_encounters:
            return
        stored = self.room.clinical.encounter_ids(
            clinical.SOURCE, list(self.outside_encounters), self.conn
        )
        missing = [
            Issue("not-found", f"Encounter/{sid} is neither in the import nor stored", where)
            for sid, where in self.outside_encounters.items()
            if sid not in stored
        ]
        if missing:
            raise FhirError(missing)


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


def _counts(stored: Stored) -> tuple[Counter[str], Counter[str]]:
    added: Counter[str] = Counter()
    unchanged: Counter[str] = Counter()
    for kind, rtype in TYPE_OF_KIND.items():
        if stored.added.get(kind):
            added[rtype] += stored.added[kind]
        if stored.unchanged.get(kind):
            unchanged[rtype] += stored.unchanged[kind]
    return added, unchanged
