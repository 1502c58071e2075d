"""The export's tables: Synthea's layout, so that ``thamani import synthea`` reads an
export back, with Thamani's additions (``SYSTEM`` columns keeping every code's system,
``DIAGNOSISSYSTEM`` and ``PROCEDURESYSTEM`` for claims, ``ORGANIZATION`` on claims).

Values are text: times ``2023-01-27T16:17:47Z`` (milliseconds when there are some),
dates ``2023-01-27``, amounts in major units with the currency's decimals (``77.49``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from thamani.money import Currency

_REASON = ("REASONCODE", "REASONSYSTEM", "REASONDESCRIPTION")

HEADERS: dict[str, tuple[str, ...]] = {
    "patients": ("Id", "BIRTHDATE", "FIRST", "LAST", "GENDER", "COUNTY"),
    "organizations": ("Id", "NAME"),
    "payers": ("Id", "NAME"),
    "payer_transitions": ("PATIENT", "START_YEAR", "END_YEAR", "PAYER"),
    "encounters": (
        "Id", "START", "STOP", "PATIENT", "ORGANIZATION", "PROVIDER", "PAYER", "ENCOUNTERCLASS",
        "CODE", "SYSTEM", "DESCRIPTION", "BASE_ENCOUNTER_COST", "TOTAL_CLAIM_COST",
        "PAYER_COVERAGE", *_REASON,
    ),
    "conditions": ("START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "SYSTEM", "DESCRIPTION"),
    "observations": (
        "DATE", "PATIENT", "ENCOUNTER", "CATEGORY", "CODE", "SYSTEM", "DESCRIPTION", "VALUE",
        "UNITS", "TYPE",
    ),
    "medications": (
        "START", "STOP", "PATIENT", "PAYER", "ENCOUNTER", "CODE", "SYSTEM", "DESCRIPTION",
        "BASE_COST", "PAYER_COVERAGE", "DISPENSES", "TOTALCOST", *_REASON,
    ),
    "procedures": (
        "START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "SYSTEM", "DESCRIPTION", "BASE_COST",
        *_REASON,
    ),
    "immunizations": (
        "DATE", "PATIENT", "ENCOUNTER", "CODE", "SYSTEM", "DESCRIPTION", "BASE_COST",
    ),
    "allergies": (
        "START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "SYSTEM", "DESCRIPTION", "TYPE",
        "CATEGORY", "REACTION1", "DESCRIPTION1", "SEVERITY1", "REACTION2", "DESCRIPTION2",
        "SEVERITY2",
    ),
    "careplans": (
        "Id", "START", "STOP", "PATIENT", "ENCOUNTER", "CODE", "SYSTEM", "DESCRIPTION", *_REASON,
    ),
    "claims": (
        "Id", "PATIENTID", "PROVIDERID", "ORGANIZATION", "PRIMARYPATIENTINSURANCEID",
        "SECONDARYPATIENTINSURANCEID", *(f"DIAGNOSIS{k}" for k in range(1, 9)),
        "DIAGNOSISSYSTEM", "APPOINTMENTID", "SERVICEDATE", "STATUS1", "STATUS2", "STATUSP",
        "LASTBILLEDDATE1",
    ),
    "claims_transactions": (
        "ID", "CLAIMID", "CHARGEID", "PATIENTID", "TYPE", "AMOUNT", "METHOD", "TRANSFERTYPE",
        "PAYMENTS", "OUTSTANDING", "PROCEDURECODE", "PROCEDURESYSTEM", "UNITS", "NOTES",
    ),
}  # fmt: skip

Row = dict[str, str]


def when(t: datetime | None) -> str:
    if t is None:
        return ""
    t = t.astimezone(UTC)
    if t.microsecond:
        return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def day(d: date | None) -> str:
    return "" if d is None else d.isoformat()


def amount(minor: int | None, cur: Currency) -> str:
    """Major units with the currency's decimals (``7749`` cents: ``77.49``)."""
    if minor is None:
        return ""
    if cur.exponent == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, part = divmod(abs(minor), cur.minor_per_major)
    return f"{sign}{whole}.{part:0{cur.exponent}d}"


def text(value: object) -> str:
    return "" if value is None else str(value)
