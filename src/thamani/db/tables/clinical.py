"""The clinical record: one table per kind (see ``thamani.clinical.records``).

Every table keeps the producing system and its id for the record (``source``,
``source_id``), unique together, so importing the same file again finds what is stored.
Times are milliseconds since the epoch (UTC), dates SQL dates, amounts integers in the
minor unit of ``currency``. Columns are in the order of the record's fields.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Constraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from thamani.db.tables.base import RowKey, metadata


def _head(*, encounter: bool = True) -> list[Column[Any]]:
    cols: list[Column[Any]] = [
        Column("id", RowKey, primary_key=True, autoincrement=False),
        Column("source", String(32), nullable=False),
        Column("source_id", String(100), nullable=False),
        Column("patient_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    ]
    if encounter:
        cols.append(Column("encounter_id", BigInteger, nullable=True))
    return cols


def _code(prefix: str = "", *, nullable: bool = False) -> list[Column[Any]]:
    return [
        Column(f"{prefix}code", String(64), nullable=nullable),
        Column(f"{prefix}system", String(200), nullable=nullable),
        Column(f"{prefix}display", Text, nullable=nullable),
    ]


def _reason() -> list[Column[Any]]:
    return [
        Column("reason_code", String(64), nullable=True),
        Column("reason_system", String(200), nullable=True),
        Column("reason_display", Text, nullable=True),
    ]


def _keys() -> list[Constraint | Index]:
    return [UniqueConstraint("source", "source_id"), Index(None, "patient_id")]


clinical_encounters = Table(
    "clinical_encounters",
    metadata,
    *_head(encounter=False),
    Column("facility_id", BigInteger, ForeignKey("parties.id"), nullable=True),
    Column("practitioner", String(200), nullable=True),
    Column("payer_id", BigInteger, ForeignKey("parties.id"), nullable=True),
    Column("encounter_class", String(32), nullable=False),
    *_code(),
    Column("start", BigInteger, nullable=False),
    Column("stop", BigInteger, nullable=True),
    *_reason(),
    Column("currency", String(3), nullable=True),
    Column("base_cost", BigInteger, nullable=True),
    Column("total_cost", BigInteger, nullable=True),
    Column("payer_coverage", BigInteger, nullable=True),
    *_keys(),
    Index(None, "facility_id"),
)

clinical_conditions = Table(
    "clinical_conditions",
    metadata,
    *_head(),
    *_code(),
    Column("onset", Date, nullable=False),
    Column("abatement", Date, nullable=True),
    *_keys(),
    Index(None, "encounter_id"),
)

clinical_observations = Table(
    "clinical_observations",
    metadata,
    *_head(),
    Column("category", String(32), nullable=True),
    *_code(),
    Column("value", Text, nullable=True),
    Column("value_type", String(8), nullable=False),
    Column("unit", String(64), nullable=True),
    Column("at", BigInteger, nullable=False),
    *_keys(),
    Index(None, "encounter_id"),
)

clinical_medications = Table(
    "clinical_medications",
    metadata,
    *_head(),
    Column("payer_id", BigInteger, ForeignKey("parties.id"), nullable=True),
    *_code(),
    Column("start", BigInteger, nullable=False),
    Column("stop", BigInteger, nullable=True),
    Column("dispenses", Integer, nullable=False),
    Column("currency", String(3), nullable=True),
    Column("base_cost", BigInteger, nullable=True),
    Column("payer_coverage", BigInteger, nullable=True),
    Column("total_cost", BigInteger, nullable=True),
    *_reason(),
    *_keys(),
    Index(None, "encounter_id"),
)

clinical_procedures = Table(
    "clinical_procedures",
    metadata,
    *_head(),
    *_code(),
    Column("start", BigInteger, nullable=False),
    Column("stop", BigInteger, nullable=True),
    Column("currency", String(3), nullable=True),
    Column("base_cost", BigInteger, nullable=True),
    *_reason(),
    *_keys(),
    Index(None, "encounter_id"),
)

clinical_immunizations = Table(
    "clinical_immunizations",
    metadata,
    *_head(),
    *_code(),
    Column("at", BigInteger, nullable=False),
    Column("currency", String(3), nullable=True),
    Column("base_cost", BigInteger, nullable=True),
    *_keys(),
    Index(None, "encounter_id"),
)

clinical_allergies = Table(
    "clinical_allergies",
    metadata,
    *_head(),
    *_code(),
    Column("start", Date, nullable=False),
    Column("stop", Date, nullable=True),
    Column("allergy_type", String(32), nullable=True),
    Column("category", String(32), nullable=True),
    # JSON: [[code, system, display, severity], ...]
    Column("reactions", Text, nullable=False),
    *_keys(),
    Index(None, "encounter_id"),
)

clinical_care_plans = Table(
    "clinical_care_plans",
    metadata,
    *_head(),
    *_code(),
    Column("start", Date, nullable=False),
    Column("stop", Date, nullable=True),
    *_reason(),
    *_keys(),
    Index(None, "encounter_id"),
)
