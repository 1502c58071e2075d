"""Programmes (with their providers, benefit items and tariffs) and who they cover.

Programme-wide rules (limits, review rules, default cost shares, levels) are one JSON
document in ``programmes.rules``; each benefit item's rules likewise in
``benefit_items.rules``. Prices, accreditations, households, members, policies and
enrolments are plain rows. Dates are SQL dates.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from thamani.db.tables.base import RowKey, metadata

programmes = Table(
    "programmes",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("code", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("kind", String(16), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_to", Date, nullable=False),
    Column("funder_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("ledger", Integer, nullable=False),
    Column("fund_account_id", LargeBinary(16), nullable=False),
    Column("icd", String(12), nullable=False),
    Column("rules", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "funder_id"),
)

programme_providers = Table(
    "programme_providers",
    metadata,
    Column("programme_id", BigInteger, ForeignKey("programmes.id"), primary_key=True),
    Column("provider_id", BigInteger, ForeignKey("parties.id"), primary_key=True),
    Column("level", String(64), nullable=False),
    Column("receivable_account_id", LargeBinary(16), nullable=False),
    Index(None, "provider_id"),
)

benefit_items = Table(
    "benefit_items",
    metadata,
    Column("programme_id", BigInteger, ForeignKey("programmes.id"), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("category", String(32), nullable=True),
    Column("rules", Text, nullable=False),
)

tariffs = Table(
    "tariffs",
    metadata,
    Column("programme_id", BigInteger, ForeignKey("programmes.id"), primary_key=True),
    Column("item_code", String(64), primary_key=True),
    Column("level", String(64), primary_key=True),
    Column("price", BigInteger, nullable=False),
)

households = Table(
    "households",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("reference", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("area", String(100), nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
)

members = Table(
    "members",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("reference", String(64), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("sex", String(8), nullable=False),
    Column("birth_date", Date, nullable=False),
    Column("party_id", BigInteger, ForeignKey("parties.id"), nullable=True),
    Column("wallet_account_id", LargeBinary(16), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    Index(None, "household_id"),
    Index(None, "party_id"),
)

policies = Table(
    "policies",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("programme_id", BigInteger, ForeignKey("programmes.id"), nullable=False),
    Column("household_id", BigInteger, ForeignKey("households.id"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("programme_id", "household_id", "start_date"),
)

enrolments = Table(
    "enrolments",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("policy_id", BigInteger, ForeignKey("policies.id"), nullable=False),
    Column("programme_id", BigInteger, ForeignKey("programmes.id"), nullable=False),
    Column("member_id", BigInteger, ForeignKey("members.id"), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    UniqueConstraint("policy_id", "member_id"),
    Index(None, "member_id", "programme_id"),
)
