"""Patients and organisations as parties; practitioners as the names on encounters.

- A ``Patient`` is a patient party with the schemes room's member reference
  (``member:<id>``); an ``Organization`` a provider party (a payer party when its
  ``type`` is ``pay`` or ``ins``, or when it is a claim's insurer), with the reference
  ``fhir:Organization/<id>``. Importing again finds them.
- A reference to an organisation or a practitioner that is not in the import (Synthea
  refers to them by ``Organization?identifier=<system>|<value>``) names the party
  ``fhir:<Type>/<value>``: Synthea gives its organisations the identifier value as their
  id, so a later import of the organisations themselves finds the same parties. The
  party is created from the reference's display when it does not exist.
- A ``Practitioner`` is not stored: its name (else its identifier) is the encounter's
  practitioner.
"""

from __future__ import annotations

import hashlib
from typing import Any

from thamani.interop.fhir.references import Target
from thamani.interop.fhir.validation import ID
from thamani.parties.records import Party, PartyKind

PREFIX = "fhir:"
#: Organisation types (``organization-type``) that make a payer.
PAYER_TYPES = frozenset({"pay", "ins"})


#: The schemes room's convention for a patient's party (the member number after it).
MEMBER = "member:"


def patient_reference(rid: str) -> str:
    """The reference of the party standing for ``Patient/rid``: the member convention
    (``member:<id>``), so that a patient imported from Synthea CSV and from FHIR (the same
    ids) is one party."""
    return f"{MEMBER}{rid}"


def party_reference(rtype: str, rid: str) -> str:
    """The reference of the party standing for resource ``rtype/rid``."""
    return f"{PREFIX}{rtype}/{rid}"


def target_reference(target: Target) -> str | None:
    """The party reference a reference's target stands for (None: it names nothing)."""
    if target.type is None:
        return None
    if target.id:
        return party_reference(target.type, target.id)
    if target.identifier:
        value = target.identifier.rpartition("|")[2]
        if not ID.fullmatch(value):
            value = "h" + hashlib.sha256(target.identifier.encode()).hexdigest()[:32]
        return party_reference(target.type, value)
    return None


def resource_id(party: Party) -> str:
    """The id a party's resource gets on export: the FHIR id it came with, else one made
    from its reference (else its number)."""
    ref = party.reference
    if ref is None:
        return f"party-{party.id}"
    head, _, tail = ref.partition("/")
    if head.startswith(PREFIX) and ID.fullmatch(tail):
        return tail
    if ref.startswith(MEMBER) and ID.fullmatch(ref[len(MEMBER) :]):
        return ref[len(MEMBER) :]
    text = "".join(ch if ch.isalnum() or ch in "-." else "-" for ch in ref)
    if ID.fullmatch(text) and text.isascii():
        return text
    return "h" + hashlib.sha256(ref.encode()).hexdigest()[:32]


def human_name(names: Any) -> str | None:
    """A person's name from ``HumanName``s: the official (else first) name's text, else its
    given names and family name."""
    if not isinstance(names, list) or not names:
        return None
    chosen = next((n for n in names if isinstance(n, dict) and n.get("use") == "official"), None)
    n = chosen or names[0]
    if not isinstance(n, dict):
        return None
    if n.get("text"):
        return str(n["text"])
    parts = [*(n.get("given") or ()), n.get("family") or ""]
    text = " ".join(str(p) for p in parts if p).strip()
    return text or None


def patient_name(resource: dict[str, Any], rid: str) -> str:
    return human_name(resource.get("name")) or f"Patient {rid}"


def organization_kind(resource: dict[str, Any]) -> PartyKind:
    for t in resource.get("type") or ():
        for c in (t or {}).get("coding") or ():
            if c.get("code") in PAYER_TYPES:
                return PartyKind.PAYER
    return PartyKind.PROVIDER


def practitioner_name(resource: dict[str, Any], rid: str) -> str:
    return human_name(resource.get("name")) or rid
