"""A submitted claim as canonical JSON: what is stored, hashed and read back.

The stored payload is the whole ``ClaimInput`` (the clinical record included), written as
nested arrays in a fixed order (the first element is the layout's version) so that the
same claim always gives the same bytes; its BLAKE2b digest tells a replay (same bytes)
from a different claim reusing a provider's reference.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import orjson

from thamani.claims.records import (
    Answer,
    ClaimInput,
    ClaimUse,
    Diagnosis,
    Encounter,
    History,
    HistoryLine,
    LabResult,
    LineInput,
    Vital,
)
from thamani.schemes.records import CareType, EncounterClass


def to_list(c: ClaimInput) -> list[Any]:
    """The claim as nested arrays, positions fixed (see ``loads``). A diagnosis with a
    system has it as a third element; a historical claim has an eleventh element, its
    history."""
    e = c.encounter
    # ``_value_``: an enum member's ``value`` is a descriptor, three times the cost of
    # the attribute behind it (three per claim, on the batch path's critical start).
    out: list[Any] = [
        1,
        c.use._value_,
        c.provider,
        c.member,
        c.programme,
        c.coverage,
        c.reference,
        str(c.preauth_id) if c.preauth_id else None,
        [
            e.encounter_class._value_,
            e.care_type._value_,
            e.start,
            e.end,
            e.practitioner,
            [[d.code, d.primary] if d.system is None else list(d) for d in e.diagnoses],
            [[x.name, x.value, x.unit, x.loinc, x.item_code] for x in e.labs],
            [[x.name, x.value, x.unit, x.loinc] for x in e.vitals],
            [[a.question, a.answer] for a in e.answers],
        ],
        [[x.sequence, x.code, x.quantity, x.unit_price, x.atc, x.loinc] for x in c.lines],
    ]
    h = c.history
    if h is not None:
        out.append(
            [h.source, h.status, h.secondary_programme, [list(x) for x in h.lines], h.encounter]
        )
    return out


def dumps(c: ClaimInput) -> bytes:
    """Canonical bytes: the same claim always gives the same bytes."""
    return orjson.dumps(to_list(c))


def digest(raw: bytes) -> bytes:
    return hashlib.blake2b(raw, digest_size=16).digest()


_CLASSES = {c.value: c for c in EncounterClass}
_CARE = {c.value: c for c in CareType}
_USES = {u.value: u for u in ClaimUse}
#: A line is written with all six of its fields (``to_list``): made from them in order,
#: without the keyword handling of the named tuple's constructor.
_new_tuple = tuple.__new__


def loads(raw: str | bytes) -> ClaimInput:
    _v, use, provider, member, programme, coverage, reference, preauth, e, lines, *more = (
        orjson.loads(raw)
    )
    history = None
    if more:
        source, status, secondary, extra, encounter = more[0]
        history = History(
            source, status, secondary, tuple(HistoryLine(*x) for x in extra), encounter
        )
    cls, care, start, end, practitioner, dx, labs, vitals, answers = e
    return ClaimInput(
        _USES[use],
        provider,
        member,
        Encounter(
            _CLASSES[cls],
            _CARE[care],
            date.fromisoformat(start),
            date.fromisoformat(end) if end else None,
            practitioner,
            tuple([Diagnosis(*d) for d in dx]),
            tuple([LabResult(*x) for x in labs]) if labs else (),
            tuple([Vital(*x) for x in vitals]) if vitals else (),
            tuple([Answer(q, a) for q, a in answers]) if answers else (),
        ),
        tuple([_new_tuple(LineInput, x) if len(x) == 6 else LineInput(*x) for x in lines]),
        programme,
        coverage,
        reference,
        int(preauth) if preauth else 0,
        history,
    )
