"""Synthea-style CSV: the tables and header names of a Synthea v3 export.

Files: patients, encounters, conditions, medications, procedures, observations, claims,
payers, organizations, providers. Headers are exactly Synthea's, so an importer that maps
Synthea by header name reads them. Differences a reader must know (also in
docs/population.md): condition and reason codes are ICD-10 (WHO), not SNOMED CT;
medication codes are ATC, not RxNorm; procedure codes are local item codes; money is KES
with two decimals; people have no names, SSN or address lines (synthetic ids only); ids
are UUID-shaped and deterministic. PROM totals appear as survey observations.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.region import Region

HEADERS: dict[str, tuple[str, ...]] = {
    "patients": ("Id", "BIRTHDATE", "DEATHDATE", "SSN", "DRIVERS", "PASSPORT", "PREFIX", "FIRST",
                 "LAST", "SUFFIX", "MAIDEN", "MARITAL", "RACE", "ETHNICITY", "GENDER",
                 "BIRTHPLACE", "ADDRESS", "CITY", "STATE", "COUNTY", "ZIP", "LAT", "LON",
                 "HEALTHCARE_EXPENSES", "HEALTHCARE_COVERAGE"),
    "encounters": ("Id", "START", "STOP", "PATIENT", "ORGANIZATION", "PROVIDER", "PAYER",
                   "ENCOUNTERCLASS", "CODE", "DESCRIPTION", "BASE_ENCOUNTER_COST",
                   "TOTAL_CLAIM_COST", "PAYER_COVERAGE", "REASONCODE", "REASONDESCRIPTION"),
    "conditions": ("START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION"),
    "medications": ("START", "STOP", "PATIENT", "PAYER", "ENCOUNTER", "CODE", "DESCRIPTION",
                    "BASE_COST", "PAYER_COVERAGE", "DISPENSES", "TOTALCOST", "REASONCODE",
                    "REASONDESCRIPTION"),
    "procedures": ("START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "DESCRIPTION", "BASE_COST",
                   "REASONCODE", "REASONDESCRIPTION"),
    "observations": ("DATE", "PATIENT", "ENCOUNTER", "CATEGORY", "CODE", "DESCRIPTION", "VALUE",
                     "UNITS", "TYPE"),
    "claims": ("Id", "PATIENTID", "PROVIDERID", "PRIMARYPATIENTINSURANCEID",
               "SECONDARYPATIENTINSURANCEID", "DEPARTMENTID", "PATIENTDEPARTMENTID",
               "DIAGNOSIS1", "DIAGNOSIS2", "DIAGNOSIS3", "DIAGNOSIS4", "DIAGNOSIS5", "DIAGNOSIS6",
               "DIAGNOSIS7", "DIAGNOSIS8", "REFERRINGPROVIDERID", "APPOINTMENTID",
               "CURRENTILLNESSDATE", "SERVICEDATE", "SUPERVISINGPROVIDERID", "STATUS1", "STATUS2",
               "STATUSP", "OUTSTANDING1", "OUTSTANDING2", "OUTSTANDINGP", "LASTBILLEDDATE1",
               "LASTBILLEDDATE2", "LASTBILLEDDATEP", "HEALTHCARECLAIMTYPEID1",
               "HEALTHCARECLAIMTYPEID2"),
    "payers": ("Id", "NAME", "ADDRESS", "CITY", "STATE_HEADQUARTERED", "ZIP", "PHONE",
               "AMOUNT_COVERED", "AMOUNT_UNCOVERED", "REVENUE", "COVERED_ENCOUNTERS",
               "UNCOVERED_ENCOUNTERS", "COVERED_MEDICATIONS", "UNCOVERED_MEDICATIONS",
               "COVERED_PROCEDURES", "UNCOVERED_PROCEDURES", "COVERED_IMMUNIZATIONS",
               "UNCOVERED_IMMUNIZATIONS", "UNIQUE_CUSTOMERS", "QOLS_AVG", "MEMBER_MONTHS"),
    "organizations": ("Id", "NAME", "ADDRESS", "CITY", "STATE", "ZIP", "LAT", "LON", "PHONE",
                      "REVENUE", "UTILIZATION"),
    "providers": ("Id", "ORGANIZATION", "NAME", "GENDER", "SPECIALITY", "ADDRESS", "CITY",
                  "STATE", "ZIP", "LAT", "LON", "UTILIZATION"),
}  # fmt: skip

_ENCOUNTER_CLASS = {
    "outpatient": "ambulatory",
    "inpatient": "inpatient",
    "emergency": "emergency",
    "antenatal": "wellness",
    "delivery": "inpatient",
    "community_outreach": "ambulatory",
}
_KIND = {"patient": 1, "encounter": 2, "organization": 3, "provider": 4, "payer": 5, "claim": 6}
NO_INSURANCE = "NO_INSURANCE"


def uuids(kind: str, n: NDArray[np.int64]) -> NDArray[np.str_]:
    """Deterministic UUID-shaped ids: the kind in the first group, the number in the last."""
    head = np.frombuffer(f"{_KIND[kind]:08x}-5e1f-4a7a-8000-".encode(), dtype=np.uint8)
    shifts = np.arange(44, -1, -4, dtype=np.int64)
    nibbles = (n.astype(np.int64)[:, None] >> shifts) & 15
    digits = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[nibbles]
    raw = np.concatenate([np.broadcast_to(head, (n.size, head.size)), digits], axis=1)
    return np.ascontiguousarray(raw).view(f"S{raw.shape[1]}").ravel().astype(str)


def _text(values: Any) -> pa.Array:
    """Strings, with empty ones written as blank fields (no quotes), as Synthea does."""
    v = np.asarray(values).astype(str)
    return pa.array(v, type=pa.string(), mask=v == "")


def _money(cents: NDArray[np.int64]) -> pa.Array:
    return pa.array(cents.astype(np.float64) / 100.0, type=pa.float64())


def _date(values: NDArray[Any]) -> pa.Array:
    mask = np.isnat(values)
    s = np.datetime_as_string(values, unit="D")
    return pa.array(np.where(mask, "", s), type=pa.string(), mask=mask)


def _datetime(values: NDArray[Any], time: str) -> pa.Array:
    return pc.binary_join_element_wise(_date(values), pa.scalar(time), "")


def _write(out: Path, name: str, cols: dict[str, Any], n: int) -> Path:
    header = HEADERS[name]
    arrays = []
    for h in header:
        v = cols.get(h)
        if v is None:
            arrays.append(pa.nulls(n, type=pa.string()))
        elif isinstance(v, (pa.Array, pa.ChunkedArray)):
            arrays.append(v)
        else:
            arrays.append(pa.array(v))
    table = pa.table(arrays, names=list(header))
    path = out / f"{name}.csv"
    with path.open("wb") as f:
        f.write((",".join(header) + "\n").encode())
        pcsv.write_csv(table, f, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
    return path


def write_synthea(
    region: Region, out: Path, on_table: Callable[[str], None] | None = None
) -> list[Path]:
    """Write the ten Synthea-style CSV files into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    say = on_table or (lambda _n: None)
    written: list[Path] = []
    areas = region["areas"].column("name").values
    county = region.info.name
    icd_desc = np.array([d for _, d in cat.ICD10] + [""], dtype=object)

    people = region["people"]
    pid = people["person_id"]
    enc = region["encounters"]
    e_id, e_person, e_fac = enc["encounter_id"], enc["person_id"], enc["facility_id"]
    e_prog, cost = enc["programme_id"], enc["cost"]
    paid = np.where(e_prog >= 0, cost, 0)
    expenses = np.bincount(e_person, weights=cost - paid, minlength=pid.size)
    coverage = np.bincount(e_person, weights=paid, minlength=pid.size)
    written.append(_write(out, "patients", {
        "Id": uuids("patient", pid),
        "BIRTHDATE": _date(people["birth_date"]),
        "DEATHDATE": _date(people["death_date"]),
        "GENDER": _text(np.where(people["sex"] == 1, "M", "F")),
        "BIRTHPLACE": _text(np.char.add(areas[people["area_id"]].astype(str), "  Kenya")),
        "CITY": _text(areas[people["area_id"]]),
        "STATE": _text(np.full(pid.size, county)),
        "COUNTY": _text(np.full(pid.size, county)),
        "HEALTHCARE_EXPENSES": pa.array(np.rint(expenses) / 100.0),
        "HEALTHCARE_COVERAGE": pa.array(np.rint(coverage) / 100.0),
    }, pid.size))  # fmt: skip
    say("patients")

    payer_ids = np.append(uuids("payer", region["programmes"]["programme_id"]), NO_INSURANCE)
    e_payer = payer_ids[np.where(e_prog >= 0, e_prog, payer_ids.size - 1)]
    fac = region["facilities"]
    org_ids = uuids("organization", fac["facility_id"])
    prov_ids = uuids("provider", fac["facility_id"])
    primary = enc.column("primary_icd10").values
    cls = enc.column("encounter_class").decoded().astype(str)
    lines = region["lines"]
    first_line = lines["line_no"] == 1
    base = np.zeros(e_id.size, dtype=np.int64)
    base[lines["encounter_id"][first_line]] = lines["amount"][first_line]
    written.append(_write(out, "encounters", {
        "Id": uuids("encounter", e_id),
        "START": _datetime(enc["start_date"], "T09:00:00Z"),
        "STOP": _datetime(enc["end_date"], "T10:00:00Z"),
        "PATIENT": uuids("patient", e_person),
        "ORGANIZATION": org_ids[e_fac],
        "PROVIDER": prov_ids[e_fac],
        "PAYER": e_payer,
        "ENCOUNTERCLASS": _text(np.vectorize(_ENCOUNTER_CLASS.get, otypes=[object])(cls)),
        "CODE": _text(enc.column("kind").decoded()),
        "DESCRIPTION": _text(np.char.replace(enc.column("kind").decoded().astype(str), "_", " ")),
        "BASE_ENCOUNTER_COST": _money(base),
        "TOTAL_CLAIM_COST": _money(cost),
        "PAYER_COVERAGE": _money(paid),
        "REASONCODE": _text(enc.column("primary_icd10").decoded()),
        "REASONDESCRIPTION": _text(icd_desc[primary]),
    }, e_id.size))  # fmt: skip
    say("encounters")

    cond = region["conditions"]
    known = cond["diagnosed"]
    c_codes = cond.column("icd10").decoded()[known].astype(str)
    c_desc = icd_desc[cond["icd10"][known]]
    n_known = int(known.sum())
    no_stop = np.full(n_known, np.datetime64("NaT"), "datetime64[D]")
    written.append(_write(out, "conditions", {
        "START": pa.concat_arrays([_date(cond["onset_date"][known]), _date(enc["start_date"])]),
        "STOP": pa.concat_arrays([_date(no_stop), _date(enc["end_date"])]),
        "PATIENT": _text(np.concatenate([uuids("patient", cond["person_id"][known]),
                                         uuids("patient", e_person)])),
        "ENCOUNTER": _text(np.concatenate([np.full(n_known, ""), uuids("encounter", e_id)])),
        "CODE": _text(np.concatenate([c_codes, enc.column("primary_icd10").decoded().astype(str)])),
        "DESCRIPTION": _text(np.concatenate([c_desc, icd_desc[primary]])),
    }, int(known.sum()) + e_id.size))  # fmt: skip
    say("conditions")

    l_enc = lines["encounter_id"]
    kinds = lines["item_kind"]
    l_start = _datetime(enc["start_date"][l_enc], "T09:00:00Z")
    desc = np.array([i.description for i in cat.ITEMS], dtype=object)[lines["item"]]
    for name, mask in (
        ("medications", kinds == cat.MEDICINE),
        ("procedures", kinds != cat.MEDICINE),
    ):
        le = l_enc[mask]
        lp = e_prog[le]
        amount = lines["amount"][mask]
        cols: dict[str, Any] = {
            "START": l_start.filter(pa.array(mask)),
            "STOP": l_start.filter(pa.array(mask)),
            "PATIENT": uuids("patient", e_person[le]),
            "ENCOUNTER": uuids("encounter", le),
            "CODE": _text((lines.column("standard_code").decoded() if name == "medications"
                           else lines.column("item").decoded())[mask]),
            "DESCRIPTION": _text(desc[mask]),
            "BASE_COST": _money(lines["unit_price"][mask]),
            "REASONCODE": _text(enc.column("primary_icd10").decoded()[le]),
            "REASONDESCRIPTION": _text(icd_desc[primary[le]]),
        }  # fmt: skip
        if name == "medications":
            cols["PAYER"] = e_payer[le]
            cols["PAYER_COVERAGE"] = _money(np.where(lp >= 0, amount, 0))
            cols["DISPENSES"] = pa.array(lines["quantity"][mask].astype(np.int64))
            cols["TOTALCOST"] = _money(amount)
        written.append(_write(out, name, cols, int(mask.sum())))
        say(name)

    obs = region["observations"]
    measures = cat.MEASURES
    m_idx = obs["loinc"]
    is_lab = np.array([bool(m.item) for m in measures])[m_idx]
    result = obs.column("result").decoded().astype(str)
    value = np.where(result != "", result, np.char.mod("%g", obs["value"]))
    proms = region["prom_responses"]
    instrument = proms.column("instrument").decoded().astype(str)
    p_val = np.where(proms["score"] >= 0, proms["score"], proms["vas"]).astype(str)
    p_code = np.where(instrument == "PHQ-9", "44261-6", instrument)
    p_desc = np.char.add(instrument, np.where(instrument == "EQ-5D-5L", " VAS", " total score"))
    n_obs, n_p = m_idx.size, instrument.size
    obs_dates = pa.concat_arrays([_date(obs["date"]), _date(proms["date"])])
    written.append(_write(out, "observations", {
        "DATE": pc.binary_join_element_wise(obs_dates, pa.scalar("T09:30:00Z"), ""),
        "PATIENT": _text(np.concatenate([uuids("patient", obs["person_id"]),
                                         uuids("patient", proms["person_id"])])),
        "ENCOUNTER": _text(np.concatenate([uuids("encounter", obs["encounter_id"]),
                                           uuids("encounter", proms["encounter_id"])])),
        "CATEGORY": _text(np.concatenate([np.where(is_lab, "laboratory", "vital-signs"),
                                          np.full(n_p, "survey")])),
        "CODE": _text(np.concatenate([obs.column("loinc").decoded().astype(str), p_code])),
        "DESCRIPTION": _text(np.concatenate([np.array([m.description for m in measures])[m_idx],
                                             p_desc])),
        "VALUE": _text(np.concatenate([value, p_val])),
        "UNITS": _text(np.concatenate([obs.column("unit").decoded().astype(str),
                                       np.full(n_p, "{score}")])),
        "TYPE": _text(np.concatenate([np.where(result != "", "text", "numeric"),
                                      np.full(n_p, "numeric")])),
    }, n_obs + n_p))  # fmt: skip
    say("observations")

    diag = region["diagnoses"]
    dx_cols: dict[str, Any] = {}
    for s in range(1, 9):
        sel = diag["sequence"] == s
        col = np.full(e_id.size, "", dtype=object)
        col[diag["encounter_id"][sel]] = diag.column("icd10").decoded()[sel]
        dx_cols[f"DIAGNOSIS{s}"] = _text(col)
    service = _datetime(enc["start_date"], "T09:00:00Z")
    billed = _datetime(enc["end_date"], "T10:00:00Z")
    institutional = np.isin(cls, ["inpatient", "delivery"])
    written.append(_write(out, "claims", {
        "Id": uuids("claim", e_id),
        "PATIENTID": uuids("patient", e_person),
        "PROVIDERID": prov_ids[e_fac],
        "PRIMARYPATIENTINSURANCEID": _text(np.where(e_prog >= 0, e_payer, "0")),
        "SECONDARYPATIENTINSURANCEID": _text(np.full(e_id.size, "0")),
        "DEPARTMENTID": pa.array(fac["level"][e_fac].astype(np.int64) + 1),
        "PATIENTDEPARTMENTID": pa.array(fac["level"][e_fac].astype(np.int64) + 1),
        **dx_cols,
        "APPOINTMENTID": uuids("encounter", e_id),
        "CURRENTILLNESSDATE": service,
        "SERVICEDATE": service,
        "SUPERVISINGPROVIDERID": prov_ids[e_fac],
        "STATUS1": _text(np.full(e_id.size, "CLOSED")),
        "STATUSP": _text(np.full(e_id.size, "CLOSED")),
        "OUTSTANDING1": pa.array(np.zeros(e_id.size, dtype=np.int64)),
        "OUTSTANDINGP": pa.array(np.zeros(e_id.size, dtype=np.int64)),
        "LASTBILLEDDATE1": billed,
        "LASTBILLEDDATEP": billed,
        "HEALTHCARECLAIMTYPEID1": pa.array(np.where(institutional, 2, 1).astype(np.int64)),
        "HEALTHCARECLAIMTYPEID2": pa.array(np.zeros(e_id.size, dtype=np.int64)),
    }, e_id.size))  # fmt: skip
    say("claims")

    n_prog = payer_ids.size
    slot = np.where(e_prog >= 0, e_prog, n_prog - 1)
    covered = np.bincount(slot, weights=paid, minlength=n_prog)
    uncovered = np.bincount(slot, weights=cost - paid, minlength=n_prog)
    n_enc = np.bincount(slot, minlength=n_prog)
    names = [*region["programmes"].column("name").values.tolist(), NO_INSURANCE]
    members = np.bincount(region["enrolments"]["programme_id"], minlength=n_prog)
    written.append(_write(out, "payers", {
        "Id": _text(payer_ids),
        "NAME": _text(names),
        "CITY": _text(np.full(n_prog, county)),
        "STATE_HEADQUARTERED": _text(np.full(n_prog, "KE")),
        "AMOUNT_COVERED": pa.array(np.rint(covered) / 100.0),
        "AMOUNT_UNCOVERED": pa.array(np.rint(uncovered) / 100.0),
        "REVENUE": pa.array(np.zeros(n_prog)),
        "COVERED_ENCOUNTERS": pa.array(np.where(np.arange(n_prog) < n_prog - 1, n_enc, 0)),
        "UNCOVERED_ENCOUNTERS": pa.array(np.where(np.arange(n_prog) < n_prog - 1, 0, n_enc)),
        "UNIQUE_CUSTOMERS": pa.array(members.astype(np.int64)),
    }, n_prog))  # fmt: skip
    say("payers")

    util = np.bincount(e_fac, minlength=fac["facility_id"].size)
    revenue = np.bincount(e_fac, weights=cost, minlength=fac["facility_id"].size)
    f_area = _text(areas[fac["area_id"]])
    written.append(_write(out, "organizations", {
        "Id": org_ids,
        "NAME": _text(fac["name"]),
        "CITY": f_area,
        "STATE": _text(np.full(util.size, county)),
        "REVENUE": pa.array(np.rint(revenue) / 100.0),
        "UTILIZATION": pa.array(util.astype(np.int64)),
    }, util.size))  # fmt: skip
    say("organizations")
    written.append(_write(out, "providers", {
        "Id": prov_ids,
        "ORGANIZATION": org_ids,
        "NAME": _text(np.char.add("Clinical team ", fac["facility_id"].astype(str))),
        "SPECIALITY": _text(np.full(util.size, "GENERAL PRACTICE")),
        "CITY": f_area,
        "STATE": _text(np.full(util.size, county)),
        "UTILIZATION": pa.array(util.astype(np.int64)),
    }, util.size))  # fmt: skip
    say("providers")
    return written
