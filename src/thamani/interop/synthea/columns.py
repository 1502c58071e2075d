"""Which columns of each Synthea table are read, by header name.

Synthea's headers changed between versions (``PAYER_COVERAGE`` and ``PAYER COVERAGE``,
``START`` and ``DATE``, ``BASE_COST`` and ``COST``, ``START_YEAR`` and ``START_DATE``), so
columns are found by name, never by position: a header is compared upper-cased with
everything but letters and digits removed, against each name a column may have. Columns
not listed are ignored; an optional column that is missing reads as empty; a required
one that is missing is ``InvalidInput`` naming the file and the column.

``SYSTEM`` columns (a code's system) are Thamani's addition, read when present: the
export writes them so that an ICD-10-CM code stays ICD-10-CM on the way back in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Col:
    """A column as the importer knows it.

    key: the importer's name for it.
    headers: the header names it may have, the current Synthea one first.
    required: a file without it is refused.
    """

    key: str
    headers: tuple[str, ...]
    required: bool = True


def _c(*headers: str, required: bool = True) -> Col:
    return Col(headers[0], headers, required)


def _o(*headers: str) -> Col:
    return Col(headers[0], headers, False)


_REASON = (_o("REASONCODE"), _o("REASONDESCRIPTION"), _o("REASONSYSTEM"))

#: The tables read, in the order they are read, each with its columns.
TABLES: dict[str, tuple[Col, ...]] = {
    "patients": (
        _c("Id"), _o("BIRTHDATE"), _o("DEATHDATE"), _o("PREFIX"), _o("FIRST"), _o("LAST"),
        _o("SUFFIX"), _o("GENDER"), _o("CITY"), _o("COUNTY"), _o("STATE"),
    ),
    "organizations": (_c("Id"), _c("NAME"), _o("CITY"), _o("STATE")),
    "providers": (_c("Id"), _o("ORGANIZATION"), _o("NAME"), _o("SPECIALITY", "SPECIALTY")),
    "payers": (_c("Id"), _c("NAME")),
    "payer_transitions": (
        _c("PATIENT"), _c("START_YEAR", "START_DATE", "START"),
        _c("END_YEAR", "END_DATE", "END", "STOP"), _c("PAYER"), _o("SECONDARY_PAYER"),
    ),
    "encounters": (
        _c("Id"), _c("START", "DATE"), _o("STOP", "END"), _c("PATIENT"), _o("ORGANIZATION"),
        _o("PROVIDER"), _o("PAYER"), _c("ENCOUNTERCLASS", "CLASS"), _c("CODE"),
        _o("SYSTEM"), _o("DESCRIPTION"), _o("BASE_ENCOUNTER_COST", "COST"),
        _o("TOTAL_CLAIM_COST"), _o("PAYER_COVERAGE"), *_REASON,
    ),
    "conditions": (
        _c("START", "DATE"), _o("STOP", "END"), _c("PATIENT"), _o("ENCOUNTER"), _c("CODE"),
        _o("SYSTEM"), _o("DESCRIPTION"),
    ),
    "observations": (
        _c("DATE", "START"), _c("PATIENT"), _o("ENCOUNTER"), _o("CATEGORY"), _c("CODE"),
        _o("SYSTEM"), _o("DESCRIPTION"), _o("VALUE"), _o("UNITS", "UNIT"), _o("TYPE"),
    ),
    "medications": (
        _c("START", "DATE"), _o("STOP", "END"), _c("PATIENT"), _o("PAYER"), _o("ENCOUNTER"),
        _c("CODE"), _o("SYSTEM"), _o("DESCRIPTION"), _o("BASE_COST", "COST"),
        _o("PAYER_COVERAGE"), _o("DISPENSES"), _o("TOTALCOST", "TOTAL_COST"), *_REASON,
    ),
    "procedures": (
        _c("START", "DATE"), _o("STOP", "END"), _c("PATIENT"), _o("ENCOUNTER"), _c("CODE"),
        _o("SYSTEM"), _o("DESCRIPTION"), _o("BASE_COST", "COST"), *_REASON,
    ),
    "immunizations": (
        _c("DATE", "START"), _c("PATIENT"), _o("ENCOUNTER"), _c("CODE"), _o("SYSTEM"),
        _o("DESCRIPTION"), _o("BASE_COST", "COST"),
    ),
    "allergies": (
        _c("START", "DATE"), _o("STOP", "END"), _c("PATIENT"), _o("ENCOUNTER"), _c("CODE"),
        _o("SYSTEM"), _o("DESCRIPTION"), _o("TYPE"), _o("CATEGORY"),
        _o("REACTION1"), _o("DESCRIPTION1"), _o("SEVERITY1"),
        _o("REACTION2"), _o("DESCRIPTION2"), _o("SEVERITY2"),
    ),
    "careplans": (
        _o("Id"), _c("START", "DATE"), _o("STOP", "END"), _c("PATIENT"), _o("ENCOUNTER"),
        _c("CODE"), _o("SYSTEM"), _o("DESCRIPTION"), *_REASON,
    ),
    "claims": (
        _c("Id"), _c("PATIENTID", "PATIENT"), _o("PROVIDERID", "PROVIDER"),
        _o("PRIMARYPATIENTINSURANCEID"), _o("SECONDARYPATIENTINSURANCEID"),
        *(_o(f"DIAGNOSIS{k}") for k in range(1, 9)), _o("APPOINTMENTID", "ENCOUNTER"),
        _c("SERVICEDATE", "START"), _o("STATUS1"), _o("STATUS2"), _o("STATUSP"),
        _o("OUTSTANDING1"), _o("OUTSTANDING2"), _o("OUTSTANDINGP"),
        _o("LASTBILLEDDATE1"), _o("LASTBILLEDDATE2"), _o("LASTBILLEDDATEP"),
        _o("DIAGNOSISSYSTEM"), _o("ORGANIZATION"),
    ),
    "claims_transactions": (
        _c("ID"), _c("CLAIMID"), _c("CHARGEID"), _c("TYPE"), _o("AMOUNT"), _o("METHOD"),
        _o("TRANSFERTYPE"), _o("PAYMENTS"), _o("OUTSTANDING"), _o("PROCEDURECODE"),
        _o("PROCEDURESYSTEM"), _o("UNITS"), _o("NOTES"),
    ),
}  # fmt: skip

#: Tables Synthea writes that are not imported (yet).
NOT_IMPORTED = ("devices", "supplies", "imaging_studies")

_NOT_ALNUM = re.compile(r"[^A-Z0-9]")


def normal(header: str) -> str:
    """A header as compared: upper-case letters and digits only (``Payer Coverage`` and
    ``PAYER_COVERAGE`` are the same column)."""
    return _NOT_ALNUM.sub("", header.strip().lstrip("\ufeff").upper())
