"""References made the store's terms, for one unit being imported: patients and
organisations as (provisional) parties, practitioners as names, encounters as source ids.

A unit's parties are numbered provisionally (negative numbers) while it is read; the
importer creates or finds them all at once and replaces the numbers before writing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from thamani.interop.fhir import clinical, cover, history, payers, people
from thamani.interop.fhir.elements import fail
from thamani.interop.fhir.references import Index, Target
from thamani.interop.fhir.sources import Unit
from thamani.interop.fhir.validation import Checked
from thamani.parties.records import PartyKind

_PATH = re.compile(r"([A-Za-z]+)(?:\[(\d+)\])?")


def element_at(resource: dict[str, Any], element: str) -> Any:
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
class Wanted:
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


class UnitLinks(clinical.Links, history.ClaimLinks):
    """What a unit's references stand for (``clinical.Links``, ``history.ClaimLinks``).

    parties: the parties the unit names, by reference.
    by_provisional: their references by provisional number.
    outside_encounters: encounters named but not in the unit: source id -> element.
    payers: the payers named: party reference -> name.
    persons: the patients that make members, by id.
    """

    def __init__(self, unit: Unit, checked: list[Checked], index: Index) -> None:
        self.unit = unit
        self.checked = checked
        self.index = index
        self.parties: dict[str, Wanted] = {}
        self.by_provisional: dict[int, str] = {}
        self.outside_encounters: dict[str, str] = {}
        self.payers: dict[str, str] = {}
        self.persons: dict[str, cover.Person] = {}

    def _target(self, c: Checked, element: str, expect: tuple[str, ...]) -> Target | None:
        where = f"{c.entry.where}.{element}"
        return self.index.resolve(element_at(c.resource, element), where, c, expect)

    def _want(self, ref: str, kind: PartyKind, name: str, creatable: bool, where: str) -> int:
        found = self.parties.get(ref)
        if found is None:
            found = Wanted(kind, name, creatable, where, -(len(self.parties) + 1))
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
        t = self.index.resolve(element_at(c.resource, element), where, c)
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
        t = self.index.resolve(element_at(c.resource, element), where, c)
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
