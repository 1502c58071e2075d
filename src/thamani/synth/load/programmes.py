"""The generated programmes as programme documents for the schemes room.

Each programme gets the benefit package and tariff the generator priced its care with:
every catalogue item (the maternal voucher: only what maternity care carries) at the
tariff of each facility level, so a generated claim is accepted at tariff. The rules:

- national insurance: adults pay 10 % co-insurance on normal care (referral and emergency
  care and children pay nothing); review of repeated diagnoses, several providers on a day
  and cost outliers;
- the county subsidy for poor households: the same package, nothing to pay;
- the maternal voucher: antenatal, delivery and postnatal care, nothing to pay;
- the health savings scheme (kind ``savings``): pays nothing, members pay the tariff from
  their own savings, no review.

No waiting periods or visit limits: the generator's people were covered for the whole
period, and its care is what they received. The documents go through the same parser as
a programme file (``parse_programme``), so a fault names the programme and the path.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from thamani.schemes.documents import ProgrammeDocument, parse_programme
from thamani.schemes.records import ItemKind, ServiceCategory
from thamani.synth import catalogue as cat
from thamani.synth.load.naming import SCHEME_KIND, Names
from thamani.synth.region import Region

#: Adults' co-insurance on national insurance's normal care, in basis points.
INSURANCE_CO_INSURANCE_BP = 1_000

_CATEGORY: dict[str, ServiceCategory] = {
    "SVC-OPD-CONSULT": ServiceCategory.CONSULTATION,
    "SVC-CHRONIC-REVIEW": ServiceCategory.CONSULTATION,
    "SVC-ART-VISIT": ServiceCategory.CONSULTATION,
    "SVC-HIV-COUNSEL-TEST": ServiceCategory.CONSULTATION,
    "SVC-SPECIALIST-REFERRAL": ServiceCategory.CONSULTATION,
    "SVC-PNC-VISIT": ServiceCategory.CONSULTATION,
    "SVC-EMERGENCY": ServiceCategory.CONSULTATION,
    "SVC-ANC-VISIT": ServiceCategory.ANTENATAL,
    "SVC-NORMAL-DELIVERY": ServiceCategory.DELIVERY,
    "SVC-CAESAREAN": ServiceCategory.DELIVERY,
    "SVC-INPATIENT-DAY": ServiceCategory.HOSPITALISATION,
    "SVC-PERINEAL-REPAIR": ServiceCategory.SURGERY,
}
_PROCEDURES = frozenset(
    {
        "SVC-CAESAREAN",
        "SVC-PERINEAL-REPAIR",
        "SVC-BLOOD-TRANSFUSION",
        "SVC-SPIROMETRY",
        "SVC-NEBULISATION",
    }
)
_KIND = {cat.SERVICE: ItemKind.SERVICE, cat.MEDICINE: ItemKind.MEDICINE, cat.LAB_TEST: ItemKind.LAB}

#: What maternity care carries: its kinds' templates, the stage's extras (IPTp, oxytocin
#: for a haemorrhage) and the booking and delivery tests.
MATERNITY_ITEMS: frozenset[str] = frozenset(
    {line.item for t in cat.TEMPLATES if t.care_cycle == cat.C_MATERNITY for line in t.lines}
    | {"MED-SP-IPTP", "MED-OXYTOCIN"}
    | {
        cat.MEASURES[m].item
        for m in (cat.M_HB, cat.M_HIV_TEST, cat.M_SYPHILIS, cat.M_BLOOD_GROUP, cat.M_URINE_PROTEIN)
    }
)


def item_category(code: str) -> str:
    """The category a bill shows for an item (its service category, else its kind)."""
    found = _CATEGORY.get(code)
    if found is not None:
        return found.value
    return cat.ITEM_KINDS[cat.ITEM_KIND[cat.item(code)]]


def major(cents: int) -> str:
    """Cents as a programme file writes an amount: ``1250.50``."""
    return f"{cents // 100}.{cents % 100:02d}"


def _benefit(item: cat.Item) -> dict[str, Any]:
    kind = ItemKind.PROCEDURE if item.code in _PROCEDURES else _KIND[item.kind]
    out: dict[str, Any] = {"code": item.code, "name": item.description, "kind": kind.value}
    category = _CATEGORY.get(item.code)
    if category is not None:
        out["category"] = category.value
    if item.kind == cat.MEDICINE and item.standard:
        out["atc"] = item.standard
    if item.kind == cat.LAB_TEST and item.standard:
        out["loinc"] = item.standard
    return out


def _rules(kind: str) -> dict[str, Any]:
    """The cost shares and review rules of a generated programme kind."""
    if kind == "national_insurance":
        bp = INSURANCE_CO_INSURANCE_BP
        return {
            "defaults": {
                "co_insurance": {"adult": f"{bp / 100:g}%", "child": "0%"},
                "referral": {"co_insurance": "0%"},
                "emergency": {"co_insurance": "0%"},
            },
            "review": {
                "repeat_diagnosis": {"count": 4, "days": 30},
                "several_providers": True,
                "outlier": {"factor": "2.0", "min_encounters": 30},
            },
        }
    if kind == "savings_only":
        return {
            "review": {
                "repeat_diagnosis": {"count": 0, "days": 30},
                "several_providers": False,
                "outlier": {"factor": "0", "min_encounters": 30},
            }
        }
    return {
        "review": {
            "repeat_diagnosis": {"count": 4, "days": 30},
            "several_providers": True,
            "outlier": {"factor": "2.0", "min_encounters": 30},
        }
    }


def _period(region: Region, programme_id: int) -> tuple[date, date]:
    """The programme's validity: the region's years, widened to its enrolments (a voucher
    can start before the first day, at the first antenatal contact, and end six weeks
    after a birth on the last)."""
    info = region.info
    first, last = date.fromisoformat(info.start_date), date.fromisoformat(info.end_date)
    enr = region["enrolments"]
    mine = enr["programme_id"] == programme_id
    if mine.any():
        lo = enr["start_date"][mine].min().astype(object)
        hi = enr["end_date"][mine].max().astype(object)
        first, last = min(first, lo), max(last, hi)
    return first, last


def programme_documents(
    region: Region, tariff: NDArray[np.int64], names: Names
) -> list[tuple[int, str, ProgrammeDocument]]:
    """(programme id, generated kind, document) of each of the region's programmes.

    ``tariff`` is the generator's price per catalogue item and facility level, in cents
    (``encounters.tariff_cents``).
    """
    progs = region["programmes"]
    kinds = progs.column("kind").decoded()
    facilities = region["facilities"]
    levels = facilities.column("level").decoded()
    acc = region["accreditations"]
    out = []
    for pid, name, kind, covers in zip(
        progs["programme_id"].tolist(),
        progs["name"].tolist(),
        kinds.tolist(),
        progs["covers"].tolist(),
        strict=True,
    ):
        items = [i for i in cat.ITEMS if kind != "maternal_voucher" or i.code in MATERNITY_ITEMS]
        accredited = sorted(acc["facility_id"][acc["programme_id"] == pid].tolist())
        start, end = _period(region, pid)
        doc: dict[str, Any] = {
            "code": names.programme(kind),
            "name": str(name),
            "description": f"Synthetic programme of {names.region}: {covers}",
            "kind": SCHEME_KIND[kind].value,
            "currency": names.currency,
            "valid_from": start,
            "valid_to": end,
            "funder": names.funder(kind),
            "ledger": names.ledger(kind),
            "levels": list(cat.LEVELS),
            "providers": [
                {"provider": names.facility(f), "level": str(levels[f])} for f in accredited
            ],
            "benefits": [_benefit(i) for i in items],
            "tariff": {
                i.code: {
                    lv: major(int(tariff[cat.item(i.code), k])) for k, lv in enumerate(cat.LEVELS)
                }
                for i in items
            },
            **_rules(kind),
        }
        source = f"synthetic programme {doc['code']}"
        out.append((pid, kind, parse_programme(doc, source)))
    return out
