"""The pool's records: a settled encounter as the claims room hands it over, and what the
pool answers with. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from thamani.wallets.records import FundingSource

ENCOUNTER_CLASSES = (
    "outpatient",
    "inpatient",
    "emergency",
    "antenatal",
    "delivery",
    "community",
)


@dataclass(frozen=True, slots=True)
class PoolEncounter:
    """A settled encounter, as it enters the pool (``Pool.append``).

    The operational ids given here are used only to derive keyed pseudonyms and to fill in
    the demographics; none of them is written to the pool.

    encounter_id: the claims room's encounter (or claim) id; its keyed HMAC becomes the
        pool's ``encounter_key``, which makes appending exactly-once.
    patient_party_id: the member; its keyed HMAC becomes the pool's ``pseudonym``.
    provider_party_id: the facility (facilities are not personal data).
    encounter_date: the day of the encounter (partitions the pool by month).
    encounter_class: outpatient, inpatient, emergency, antenatal, delivery or community.
    diagnosis_codes: ICD-10 codes (validated by the claims room).
    service_codes: services, procedures and items paid (local codes, ATC, LOINC...).
    currency: ISO code of the amounts.
    amount_total: what was paid for the encounter, minor units.
    paid_by_source: minor units per funding source (savings, family, voucher...).
    programme: the programme's name or code ('' for self-pay).
    provider_level: the facility's level (e.g. ``level 3``), '' when unknown.
    outcome: the encounter's outcome if recorded (``recovered``, ``referred``...).
    length_of_stay_days: for admissions, if recorded.
    year_of_birth, sex, area: the member's demographics; None means "read them from the
        patient's wallet profile" (the birth date is reduced to its year there).
    """

    encounter_id: str
    patient_party_id: int
    provider_party_id: int
    encounter_date: date
    encounter_class: str
    diagnosis_codes: tuple[str, ...]
    service_codes: tuple[str, ...] = ()
    currency: str = "KES"
    amount_total: int = 0
    paid_by_source: Mapping[FundingSource, int] = field(default_factory=dict)
    programme: str = ""
    provider_level: str = ""
    outcome: str | None = None
    length_of_stay_days: int | None = None
    year_of_birth: int | None = None
    sex: str | None = None
    area: str | None = None


@dataclass(frozen=True, slots=True)
class AppendResult:
    """What ``Pool.append`` did.

    appended: encounters written now.
    already_there: encounters the pool had before (by their keyed id), skipped.
    files: the Parquet files written, relative to the pool's directory.
    """

    appended: int
    already_there: int
    files: tuple[str, ...]


class Suppression(enum.Enum):
    """Why a published count is withheld."""

    SMALL_NUMBER = "small_number"
    """Primary: the count is under the threshold."""
    COMPLEMENTARY = "complementary"
    """Secondary: withheld so the row total cannot give a small cell back."""


@dataclass(frozen=True, slots=True)
class MapCell:
    """Encounters with one diagnosis in one area and ISO week.

    week: ISO week, ``2025-W07``.
    area: the area ('unknown' when not recorded).
    diagnosis: the diagnosis code, cut to the requested length (ICD-10 category: 3).
    count: encounters, or None when suppressed.
    suppressed: why it is withheld (None when published).
    """

    week: str
    area: str
    diagnosis: str
    count: int | None
    suppressed: Suppression | None = None


@dataclass(frozen=True, slots=True)
class MapTotal:
    """Encounters with one diagnosis in one ISO week, over all areas (the row total).

    week, diagnosis: as in ``MapCell``.
    count: the total, or None when it is itself under the threshold.
    suppressed: why it is withheld (None when published).
    """

    week: str
    diagnosis: str
    count: int | None
    suppressed: Suppression | None = None


@dataclass(frozen=True, slots=True)
class DiseaseMap:
    """Diagnoses by area and ISO week, ready to publish.

    cells: one per (week, area, diagnosis) with at least one encounter.
    totals: one per (week, diagnosis), over all areas.
    threshold: counts under it are withheld.
    code_length: how many characters of each diagnosis code were kept.
    """

    cells: tuple[MapCell, ...]
    totals: tuple[MapTotal, ...]
    threshold: int
    code_length: int
