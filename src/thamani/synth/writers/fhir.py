"""FHIR R4 Bulk Data NDJSON: one file per resource type and a ``manifest.json``.

Resources are plain dicts dumped with orjson (one per line), ids are stable and readable
(``p12`` for person 12, ``e345`` for encounter 345). Diagnoses are ICD-10 (system
``http://hl7.org/fhir/sid/icd-10``), results LOINC, medicines carry the local item code and
the ATC code, money is in KES with two decimals. People have no names: the only
identifiers are the synthetic person number and phone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from thamani.synth import catalogue as cat
from thamani.synth.region import Region

ICD10 = "http://hl7.org/fhir/sid/icd-10"
LOINC = "http://loinc.org"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
ITEM_SYSTEM = "urn:thamani:synth:item"
PERSON_SYSTEM = "urn:thamani:synth:person"
ACT = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
CLASS_CODE = {
    "outpatient": "AMB",
    "inpatient": "IMP",
    "emergency": "EMER",
    "antenatal": "AMB",
    "delivery": "IMP",
    "community_outreach": "FLD",
}
QUESTIONNAIRE = {
    "CAT": "urn:thamani:questionnaire:cat",
    "mMRC": "urn:thamani:questionnaire:mmrc",
    "ACT": "urn:thamani:questionnaire:act",
    "PHQ-9": "http://loinc.org/q/44249-1",
    "EQ-5D-5L": "urn:thamani:questionnaire:eq-5d-5l",
}
SNOMED = "http://snomed.info/sct"
QUALITATIVE = {"positive": ("10828004", "Positive"), "negative": ("260385009", "Negative")}
RESOURCE_TYPES = (
    "Organization",
    "Patient",
    "Coverage",
    "Encounter",
    "Condition",
    "Observation",
    "MedicationRequest",
    "Procedure",
    "Claim",
    "QuestionnaireResponse",
)
ICD_DISPLAY = dict(cat.ICD10)
ITEM_BY_CODE = {i.code: i for i in cat.ITEMS}
MEASURE_BY_LOINC = {m.loinc: m for m in cat.MEASURES}


def _cols(region: Region, table: str, *names: str) -> list[list[Any]]:
    t = region[table]
    out = []
    for n in names:
        c = t.column(n)
        v = c.decoded()
        if c.type == "date":
            v = np.datetime_as_string(v, unit="D")
        out.append(v.tolist())
    return out


def _money(cents: int) -> dict[str, Any]:
    return {"value": cents / 100, "currency": "KES"}


def _icd(code: str) -> dict[str, Any]:
    return {"coding": [{"system": ICD10, "code": code, "display": ICD_DISPLAY.get(code, code)}]}


def organizations(region: Region) -> Iterator[dict[str, Any]]:
    areas = region["areas"].column("name").values.tolist()
    for fid, name, area, level in zip(
        *_cols(region, "facilities", "facility_id", "name", "area_id", "level"), strict=True
    ):
        yield {
            "resourceType": "Organization",
            "id": f"f{fid}",
            "identifier": [{"system": "urn:thamani:synth:facility", "value": str(fid)}],
            "active": True,
            "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type",
                                  "code": "prov"}], "text": level}],
            "name": name,
            "address": [{"district": areas[area], "country": "KE"}],
        }  # fmt: skip
    for pid, name in zip(*_cols(region, "programmes", "programme_id", "name"), strict=True):
        yield {
            "resourceType": "Organization",
            "id": f"prog{pid}",
            "active": True,
            "type": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/organization-type",
                                  "code": "pay"}]}],
            "name": name,
        }  # fmt: skip


def patients(region: Region) -> Iterator[dict[str, Any]]:
    areas = region["areas"].column("name").values.tolist()
    cols = _cols(region, "people", "person_id", "sex", "birth_date", "phone", "area_id",
                 "death_date", "primary_facility_id")  # fmt: skip
    for pid, sex, born, phone, area, died, fac in zip(*cols, strict=True):
        r: dict[str, Any] = {
            "resourceType": "Patient",
            "id": f"p{pid}",
            "identifier": [{"system": PERSON_SYSTEM, "value": str(pid)}],
            "gender": sex,
            "birthDate": born,
            "address": [{"district": areas[area], "country": "KE"}],
            "managingOrganization": {"reference": f"Organization/f{fac}"},
        }
        if phone:
            r["telecom"] = [{"system": "phone", "value": phone, "use": "mobile"}]
        if died != "NaT":
            r["deceasedDateTime"] = died
        yield r


def coverages(region: Region) -> Iterator[dict[str, Any]]:
    cols = _cols(region, "enrolments", "enrolment_id", "person_id", "programme_id",
                 "member_number", "start_date", "end_date")  # fmt: skip
    for eid, pid, prog, number, start, end in zip(*cols, strict=True):
        yield {
            "resourceType": "Coverage",
            "id": f"c{eid}",
            "status": "active",
            "subscriberId": number,
            "beneficiary": {"reference": f"Patient/p{pid}"},
            "period": {"start": start, "end": end},
            "payor": [{"reference": f"Organization/prog{prog}"}],
        }


def encounters(region: Region) -> Iterator[dict[str, Any]]:
    cols = _cols(region, "encounters", "encounter_id", "person_id", "facility_id", "start_date",
                 "end_date", "encounter_class", "kind", "primary_icd10")  # fmt: skip
    for eid, pid, fid, start, end, cls, kind, dx in zip(*cols, strict=True):
        yield {
            "resourceType": "Encounter",
            "id": f"e{eid}",
            "status": "finished",
            "class": {"system": ACT, "code": CLASS_CODE[cls], "display": cls},
            "type": [{"text": kind}],
            "subject": {"reference": f"Patient/p{pid}"},
            "period": {"start": start, "end": end},
            "reasonCode": [_icd(dx)],
            "serviceProvider": {"reference": f"Organization/f{fid}"},
        }


def conditions(region: Region) -> Iterator[dict[str, Any]]:
    cols = _cols(region, "conditions", "person_id", "condition", "icd10", "onset_date",
                 "diagnosed")  # fmt: skip
    for k, (pid, name, code, onset, diagnosed) in enumerate(zip(*cols, strict=True)):
        if not diagnosed:
            continue
        yield {
            "resourceType": "Condition",
            "id": f"cc{k}",
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "problem-list-item"}], "text": name}],
            "code": _icd(code),
            "subject": {"reference": f"Patient/p{pid}"},
            "onsetDateTime": onset,
        }  # fmt: skip
    e = _cols(region, "encounters", "encounter_id", "person_id", "start_date", "primary_icd10")
    for eid, pid, day, code in zip(*e, strict=True):
        yield {
            "resourceType": "Condition",
            "id": f"ce{eid}",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "encounter-diagnosis"}]}],
            "code": _icd(code),
            "subject": {"reference": f"Patient/p{pid}"},
            "encounter": {"reference": f"Encounter/e{eid}"},
            "recordedDate": day,
        }  # fmt: skip


def observations(region: Region) -> Iterator[dict[str, Any]]:
    cols = _cols(region, "observations", "encounter_id", "person_id", "date", "loinc", "value",
                 "unit", "result")  # fmt: skip
    for k, (eid, pid, day, loinc, value, unit, result) in enumerate(zip(*cols, strict=True)):
        m = MEASURE_BY_LOINC[loinc]
        r: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"o{k}",
            "status": "final",
            "category": [{"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                "code": "laboratory" if m.item else "vital-signs"}]}],
            "code": {"coding": [{"system": LOINC, "code": loinc, "display": m.description}]},
            "subject": {"reference": f"Patient/p{pid}"},
            "encounter": {"reference": f"Encounter/e{eid}"},
            "effectiveDateTime": day,
        }  # fmt: skip
        if result:
            if result in QUALITATIVE:
                code, text = QUALITATIVE[result]
                coding = [{"system": SNOMED, "code": code, "display": text}]
                r["valueCodeableConcept"] = {"coding": coding, "text": text}
            else:
                r["valueString"] = result
        else:
            r["valueQuantity"] = {"value": value, "unit": unit, "system": UCUM, "code": unit}
        yield r


def _lines(region: Region) -> list[list[Any]]:
    return _cols(region, "lines", "encounter_id", "line_no", "item_kind", "item",
                 "standard_code", "quantity", "unit_price", "amount")  # fmt: skip


def _product(item: str, standard: str, kind: str) -> dict[str, Any]:
    coding = [{"system": ITEM_SYSTEM, "code": item, "display": ITEM_BY_CODE[item].description}]
    if standard:
        coding.append({"system": ATC if kind == "medicine" else LOINC, "code": standard})
    return {"coding": coding, "text": ITEM_BY_CODE[item].description}


def medication_requests_and_procedures(
    region: Region,
) -> tuple[Iterator[dict[str, Any]], Iterator[dict[str, Any]]]:
    enc = region["encounters"]
    person = enc["person_id"].tolist()
    day = np.datetime_as_string(enc["start_date"], unit="D").tolist()
    lines = _lines(region)

    def meds() -> Iterator[dict[str, Any]]:
        for k, (eid, no, kind, item, std, qty, _u, _a) in enumerate(zip(*lines, strict=True)):
            if kind != "medicine":
                continue
            yield {
                "resourceType": "MedicationRequest",
                "id": f"m{k}",
                "status": "completed",
                "intent": "order",
                "medicationCodeableConcept": _product(item, std, kind),
                "subject": {"reference": f"Patient/p{person[eid]}"},
                "encounter": {"reference": f"Encounter/e{eid}"},
                "authoredOn": day[eid],
                "dispenseRequest": {"quantity": {"value": qty}},
                "identifier": [{"system": "urn:thamani:synth:line", "value": f"{eid}-{no}"}],
            }

    def procs() -> Iterator[dict[str, Any]]:
        for k, (eid, no, kind, item, std, _q, _u, _a) in enumerate(zip(*lines, strict=True)):
            if kind != "service":
                continue
            yield {
                "resourceType": "Procedure",
                "id": f"s{k}",
                "status": "completed",
                "code": _product(item, std, kind),
                "subject": {"reference": f"Patient/p{person[eid]}"},
                "encounter": {"reference": f"Encounter/e{eid}"},
                "performedDateTime": day[eid],
                "identifier": [{"system": "urn:thamani:synth:line", "value": f"{eid}-{no}"}],
            }

    return meds(), procs()


def claims(region: Region) -> Iterator[dict[str, Any]]:
    e = _cols(region, "encounters", "encounter_id", "person_id", "facility_id", "programme_id",
              "start_date", "end_date", "encounter_class", "cost")  # fmt: skip
    d_enc, d_seq, d_code = _cols(region, "diagnoses", "encounter_id", "sequence", "icd10")
    lines = _lines(region)
    enrol = region["enrolments"]
    key = enrol["person_id"] * 8 + enrol["programme_id"]
    order = np.argsort(key, kind="stable")
    sorted_key = key[order]
    d_at = l_at = 0
    n_d, n_l = len(d_enc), len(lines[0])
    for eid, pid, fid, prog, start, end, cls, cost in zip(*e, strict=True):
        dx = []
        while d_at < n_d and d_enc[d_at] == eid:
            dx.append({"sequence": d_seq[d_at], "diagnosisCodeableConcept": _icd(d_code[d_at])})
            d_at += 1
        items = []
        while l_at < n_l and lines[0][l_at] == eid:
            _, no, kind, item, std, qty, unit, amount = (col[l_at] for col in lines)
            items.append({
                "sequence": no,
                "productOrService": _product(item, std, kind),
                "servicedDate": start,
                "quantity": {"value": qty},
                "unitPrice": _money(unit),
                "net": _money(amount),
            })  # fmt: skip
            l_at += 1
        if prog >= 0:
            pos = int(np.searchsorted(sorted_key, pid * 8 + prog))
            coverage = {"reference": f"Coverage/c{int(order[pos])}"}
            insurer = {"reference": f"Organization/prog{prog}"}
        else:
            coverage = {"display": "out of pocket"}
            insurer = {"display": "out of pocket"}
        institutional = cls in ("inpatient", "delivery")
        yield {
            "resourceType": "Claim",
            "id": f"cl{eid}",
            "status": "active",
            "type": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/claim-type",
                "code": "institutional" if institutional else "professional"}]},
            "use": "claim",
            "patient": {"reference": f"Patient/p{pid}"},
            "billablePeriod": {"start": start, "end": end},
            "created": start,
            "insurer": insurer,
            "provider": {"reference": f"Organization/f{fid}"},
            "priority": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/processpriority",
                "code": "normal"}]},
            "diagnosis": dx,
            "insurance": [{"sequence": 1, "focal": True, "coverage": coverage}],
            "item": items,
            "total": _money(cost),
        }  # fmt: skip


def questionnaire_responses(region: Region) -> Iterator[dict[str, Any]]:
    r = _cols(region, "prom_responses", "response_id", "encounter_id", "person_id", "date",
              "instrument", "vas")  # fmt: skip
    i_resp, i_no, i_val = _cols(region, "prom_items", "response_id", "item", "value")
    at, n = 0, len(i_resp)
    for rid, eid, pid, day, instrument, vas in zip(*r, strict=True):
        items = []
        while at < n and i_resp[at] == rid:
            items.append({"linkId": str(i_no[at]), "answer": [{"valueInteger": i_val[at]}]})
            at += 1
        if vas >= 0:
            items.append({"linkId": "vas", "answer": [{"valueInteger": vas}]})
        yield {
            "resourceType": "QuestionnaireResponse",
            "id": f"q{rid}",
            "questionnaire": QUESTIONNAIRE[instrument],
            "status": "completed",
            "subject": {"reference": f"Patient/p{pid}"},
            "encounter": {"reference": f"Encounter/e{eid}"},
            "authored": day,
            "item": items,
        }


def resources(region: Region) -> dict[str, Iterator[dict[str, Any]]]:
    """Every resource of the region, by resource type (in RESOURCE_TYPES order)."""
    meds, procs = medication_requests_and_procedures(region)
    return {
        "Organization": organizations(region),
        "Patient": patients(region),
        "Coverage": coverages(region),
        "Encounter": encounters(region),
        "Condition": conditions(region),
        "Observation": observations(region),
        "MedicationRequest": meds,
        "Procedure": procs,
        "Claim": claims(region),
        "QuestionnaireResponse": questionnaire_responses(region),
    }


def write_fhir(
    region: Region, out: Path, on_table: Callable[[str], None] | None = None
) -> list[Path]:
    """Write ``out/<Type>.ndjson`` for each resource type and ``out/manifest.json``."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    output = []
    for rtype, items in resources(region).items():
        path = out / f"{rtype}.ndjson"
        count = 0
        with path.open("wb") as f:
            buf: list[bytes] = []
            for res in items:
                buf.append(orjson.dumps(res))
                count += 1
                if len(buf) >= 10_000:
                    f.write(b"\n".join(buf) + b"\n")
                    buf.clear()
            if buf:
                f.write(b"\n".join(buf) + b"\n")
        output.append({"type": rtype, "url": path.name, "count": count})
        written.append(path)
        if on_table:
            on_table(rtype)
    manifest = {
        "transactionTime": f"{region.info.end_date}T23:59:59Z",
        "request": f"thamani synth --people {region.info.people} --years {region.info.years} "
        f"--seed {region.info.seed} --format fhir",
        "requiresAccessToken": False,
        "output": output,
        "error": [],
    }
    (out / "manifest.json").write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2) + b"\n")
    return [out / "manifest.json", *written]
