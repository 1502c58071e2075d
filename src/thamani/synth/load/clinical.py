"""The region's clinical record for the clinical room: encounters, results, PROMs, problems.

Every encounter (paid by a programme or out of pocket) becomes a clinical ``Encounter``
(source ``synth``, source id ``E<encounter id>``: the same reference its claim carries),
with its laboratory results and vital signs (LOINC) and the PROMs collected at it as
``survey`` observations: the total (PHQ-9 under LOINC 44261-6, the others under the
instrument's name), the EQ-5D-5L profile and EQ VAS, and each item's answer
(``PHQ-9:3``). A person's diagnosed chronic conditions are ``Condition`` records (ICD-10)
from the day they were diagnosed. Staff minutes (``activity``) have no room yet.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import numpy as np
from numpy.typing import NDArray

from thamani.clinical import systems
from thamani.clinical.records import (
    ClinicalBatch,
    Condition,
    Encounter,
    Linked,
    Observation,
    ValueType,
)
from thamani.synth import catalogue as cat
from thamani.synth.batches import EncounterBatch
from thamani.synth.load.care import Lookups
from thamani.synth.region import Region

SOURCE = "synth"
"""The clinical records' source: the synthetic population."""

_ICD_NAME = dict(cat.ICD10)
_PHQ9_TOTAL = "44261-6"
_EPOCH = date(1970, 1, 1).toordinal()


class _Times:
    """Midnight UTC of each day number, made once each."""

    def __init__(self) -> None:
        self._cache: dict[int, datetime] = {}

    def __call__(self, days: int) -> datetime:
        found = self._cache.get(days)
        if found is None:
            d = date.fromordinal(_EPOCH + days)
            found = self._cache[days] = datetime(d.year, d.month, d.day, tzinfo=UTC)
        return found


def _days(values: NDArray[Any]) -> list[int]:
    return values.astype("datetime64[D]").astype(np.int64).tolist()  # type: ignore[no-any-return]


def clinical_batch(region: Region, batch: EncounterBatch, lookups: Lookups) -> ClinicalBatch:
    """The clinical records of one batch of encounters."""
    at = _Times()
    enc = batch.encounters
    cur = lookups.currency
    person = enc["person_id"].tolist()
    facility = enc["facility_id"].tolist()
    programme = enc["programme_id"].tolist()
    start = _days(enc["start_date"])
    end = _days(enc["end_date"])
    classes = enc.column("encounter_class").decoded().tolist()
    kinds = enc.column("kind").decoded().tolist()
    primary = enc.column("primary_icd10").decoded().tolist()
    cost = enc["cost"].tolist()
    encounters = [
        Encounter(
            0,
            SOURCE,
            f"E{batch.first + i}",
            lookups.patient_party[person[i]],
            lookups.provider_party[facility[i]],
            None,
            lookups.programme_payer[programme[i]] if programme[i] >= 0 else None,
            classes[i],
            kinds[i],
            systems.LOCAL,
            kinds[i].replace("_", " "),
            at(start[i]),
            at(end[i]),
            primary[i],
            systems.ICD_10,
            _ICD_NAME.get(primary[i], primary[i]),
            cur,
            cost[i],
            cost[i],
        )
        for i in range(len(enc))
    ]
    linked: list[tuple[Linked, str | None]] = []
    ob = batch.children["observations"]
    if len(ob):
        first_row = int(np.searchsorted(region["observations"]["encounter_id"], batch.first))
        loinc = ob["loinc"].tolist()
        values = ob["value"].tolist()
        units = ob.column("unit").labels
        unit = ob["unit"].tolist()
        results = ob.column("result").labels
        result = ob["result"].tolist()
        o_enc = ob["encounter_id"].tolist()
        o_person = ob["person_id"].tolist()
        o_day = _days(ob["date"])
        for k in range(len(ob)):
            m = cat.MEASURES[loinc[k]]
            v = values[k]
            numeric = v == v
            linked.append(
                (
                    Observation(
                        0,
                        SOURCE,
                        f"O{first_row + k}",
                        lookups.patient_party[o_person[k]],
                        None,
                        "laboratory" if m.item else "vital-signs",
                        m.loinc,
                        systems.LOINC,
                        m.description,
                        f"{v:g}" if numeric else results[result[k]],
                        ValueType.NUMERIC if numeric else ValueType.TEXT,
                        (units[unit[k]] or None) if numeric else None,
                        at(o_day[k]),
                    ),
                    f"E{o_enc[k]}",
                )
            )
    linked.extend(_proms(region, batch, lookups, at))
    return ClinicalBatch(encounters, linked)


def _proms(
    region: Region, batch: EncounterBatch, lookups: Lookups, at: _Times
) -> list[tuple[Linked, str | None]]:
    """PROM responses as survey observations: total, EQ-5D-5L profile and VAS, items."""
    pr = batch.children["prom_responses"]
    if len(pr) == 0:
        return []
    ids = pr["response_id"].tolist()
    instruments = pr.column("instrument").labels
    points = pr.column("time_point").labels
    inst = pr["instrument"].tolist()
    point = pr["time_point"].tolist()
    score = pr["score"].tolist()
    profile = pr["profile"].tolist()
    vas = pr["vas"].tolist()
    p_enc = pr["encounter_id"].tolist()
    p_person = pr["person_id"].tolist()
    p_day = _days(pr["date"])
    out: list[tuple[Linked, str | None]] = []

    def survey(
        k: int, sid: str, code: str, system: str, what: str, value: str, numeric: bool
    ) -> None:
        name = instruments[inst[k]]
        out.append(
            (
                Observation(
                    0,
                    SOURCE,
                    sid,
                    lookups.patient_party[p_person[k]],
                    None,
                    "survey",
                    code,
                    system,
                    f"{name} {what} ({points[point[k]].replace('_', ' ')})",
                    value,
                    ValueType.NUMERIC if numeric else ValueType.TEXT,
                    "{score}" if numeric else None,
                    at(p_day[k]),
                ),
                f"E{p_enc[k]}",
            )
        )

    for k, rid in enumerate(ids):
        name = instruments[inst[k]]
        if score[k] >= 0:
            code, system = (
                (_PHQ9_TOTAL, systems.LOINC) if name == "PHQ-9" else (name, systems.LOCAL)
            )
            survey(k, f"P{rid}", code, system, "total score", str(score[k]), True)
        if profile[k]:
            survey(k, f"P{rid}", name, systems.LOCAL, "profile", str(profile[k]), False)
        if vas[k] >= 0:
            survey(k, f"P{rid}:vas", "EQ-VAS", systems.LOCAL, "VAS", str(vas[k]), True)
    items = region["prom_items"]
    lo, hi = np.searchsorted(items["response_id"], [ids[0], ids[-1] + 1])
    first = ids[0]
    for r, n, v in zip(
        items["response_id"][lo:hi].tolist(),
        items["item"][lo:hi].tolist(),
        items["value"][lo:hi].tolist(),
        strict=True,
    ):
        k = r - first
        name = instruments[inst[k]]
        survey(k, f"P{r}:{n}", f"{name}:{n}", systems.LOCAL, f"item {n}", str(v), True)
    return out


def conditions(region: Region, lookups: Lookups) -> ClinicalBatch:
    """Each person's diagnosed chronic conditions, from the day they were diagnosed."""
    cs = region["conditions"]
    known = cs["diagnosed"]
    person = cs["person_id"][known].tolist()
    condition = cs.column("condition").decoded()[known].tolist()
    icd = cs.column("icd10").decoded()[known].tolist()
    onset = cs["onset_date"][known].astype(object).tolist()
    return ClinicalBatch(
        [],
        [
            (
                Condition(
                    0,
                    SOURCE,
                    f"C{p}:{c}",
                    lookups.patient_party[p],
                    None,
                    code,
                    systems.ICD_10,
                    _ICD_NAME.get(code, code),
                    day,
                ),
                None,
            )
            for p, c, code, day in zip(person, condition, icd, onset, strict=True)
        ],
    )
