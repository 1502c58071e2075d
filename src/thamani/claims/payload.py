"""A submitted claim as canonical JSON: what is stored, hashed and read back.

The stored payload is the whole ``ClaimInput`` (the clinical record included), written
with sorted keys so that the same claim always gives the same bytes; its BLAKE2b digest
tells a replay (same bytes) from a different claim reusing a provider's reference.
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
    LabResult,
    LineInput,
    Vital,
)
from thamani.schemes.records import CareType, EncounterClass


def _drop_none(d: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in d.items() if v is not None}


def to_dict(c: ClaimInput) -> dict[str, Any]:
    e = c.encounter
    return _drop_none(
        {
            "use": c.use.value,
            "provider": c.provider,
            "member": c.member,
            "programme": c.programme,
            "coverage": c.coverage,
            "reference": c.reference,
            "preauth_id": str(c.preauth_id) if c.preauth_id else None,
            "encounter": _drop_none(
                {
                    "class": e.encounter_class.value,
                    "care_type": e.care_type.value,
                    "start": e.start.isoformat(),
                    "end": e.end.isoformat() if e.end else None,
                    "practitioner": e.practitioner,
                    "diagnoses": [[d.code, d.primary] for d in e.diagnoses],
                    "labs": [_drop_none(_lab(x)) for x in e.labs] or None,
                    "vitals": [_drop_none(_vital(x)) for x in e.vitals] or None,
                    "answers": [[a.question, a.answer] for a in e.answers] or None,
                }
            ),
            "lines": [
                _drop_none(
                    {
                        "seq": x.sequence,
                        "code": x.code,
                        "qty": x.quantity,
                        "price": x.unit_price,
                        "atc": x.atc,
                        "loinc": x.loinc,
                    }
                )
                for x in c.lines
            ],
        }
    )


def _lab(x: LabResult) -> dict[str, Any]:
    return {"name": x.name, "value": x.value, "unit": x.unit, "loinc": x.loinc, "item": x.item_code}


def _vital(x: Vital) -> dict[str, Any]:
    return {"name": x.name, "value": x.value, "unit": x.unit, "loinc": x.loinc}


def dumps(c: ClaimInput) -> bytes:
    return orjson.dumps(to_dict(c), option=orjson.OPT_SORT_KEYS)


def digest(payload: bytes) -> bytes:
    return hashlib.blake2b(payload, digest_size=16).digest()


def loads(raw: str | bytes) -> ClaimInput:
    d = orjson.loads(raw)
    e = d["encounter"]
    return ClaimInput(
        use=ClaimUse(d["use"]),
        provider=d["provider"],
        member=d["member"],
        programme=d.get("programme"),
        coverage=d.get("coverage"),
        reference=d.get("reference"),
        preauth_id=int(d["preauth_id"]) if d.get("preauth_id") else 0,
        encounter=Encounter(
            encounter_class=EncounterClass(e["class"]),
            care_type=CareType(e["care_type"]),
            start=date.fromisoformat(e["start"]),
            end=date.fromisoformat(e["end"]) if e.get("end") else None,
            practitioner=e.get("practitioner"),
            diagnoses=tuple(Diagnosis(code, primary) for code, primary in e["diagnoses"]),
            labs=tuple(
                LabResult(x["name"], x["value"], x.get("unit"), x.get("loinc"), x.get("item"))
                for x in e.get("labs", ())
            ),
            vitals=tuple(
                Vital(x["name"], x["value"], x.get("unit"), x.get("loinc"))
                for x in e.get("vitals", ())
            ),
            answers=tuple(Answer(q, a) for q, a in e.get("answers", ())),
        ),
        lines=tuple(
            LineInput(x["seq"], x["code"], x["qty"], x["price"], x.get("atc"), x.get("loinc"))
            for x in d["lines"]
        ),
    )
