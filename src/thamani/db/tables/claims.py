"""Claims, the usage counters their limits are checked against, and review decisions.

A claim is written once, as one row, when it is adjudicated: its lines and its clinical
payload travel inside it as JSON (the batch path writes tens of thousands a second, and a
row per line would triple the rows written). Later changes (paid, reviewed, reversed)
update the row's status columns. ``claim_usage`` holds one row per enrolment with what the
member has used this period (visits, quantities, amounts, recent history);
``policy_usage`` one per policy (household); ``provider_stats`` the running cost per
encounter of each provider in each programme. The hot table has no foreign keys: its
references are checked by the use case that writes it.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

from thamani.db.tables.base import RowKey, metadata

claims = Table(
    "claims",
    metadata,
    Column("no", RowKey, primary_key=True, autoincrement=False),
    Column("id", LargeBinary(16), nullable=False),
    Column("use", SmallInteger, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("programme_id", BigInteger, nullable=False),
    Column("programme_version", Integer, nullable=False),
    Column("provider_id", BigInteger, nullable=False),
    Column("member_id", BigInteger, nullable=True),
    Column("member_ref", String(64), nullable=False),
    Column("enrolment_id", BigInteger, nullable=True),
    Column("policy_id", BigInteger, nullable=True),
    Column("reference", String(64), nullable=True),
    Column("service_date", Date, nullable=False),
    Column("encounter_class", String(16), nullable=False),
    Column("visits", SmallInteger, nullable=False),
    Column("asked", BigInteger, nullable=False),
    Column("valuated", BigInteger, nullable=False),
    Column("payer", BigInteger, nullable=False),
    Column("co_pay", BigInteger, nullable=False),
    Column("deductible", BigInteger, nullable=False),
    Column("not_covered", BigInteger, nullable=False),
    Column("preauth_id", LargeBinary(16), nullable=True),
    Column("reserved", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("dup_key", BigInteger, nullable=True),
    Column("digest", LargeBinary(16), nullable=False),
    Column("findings", Text, nullable=False),
    Column("flags", Text, nullable=False),
    Column("lines", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("submitted_by", BigInteger, nullable=True),
    Column("submitted_at", BigInteger, nullable=False),
    Column("decided_at", BigInteger, nullable=False),
    Column("paid_at", BigInteger, nullable=True),
    Column("reversed_at", BigInteger, nullable=True),
    Column("settlement", String(64), nullable=True),
    Index("ix_claims_id", "id", unique=True),
    Index("ix_claims_provider_reference", "provider_id", "reference", unique=True),
    Index(None, "status", "programme_id"),
    Index(None, "member_id"),
)

claim_usage = Table(
    "claim_usage",
    metadata,
    Column("enrolment_id", RowKey, primary_key=True, autoincrement=False),
    Column("data", Text, nullable=False),
)

policy_usage = Table(
    "policy_usage",
    metadata,
    Column("policy_id", RowKey, primary_key=True, autoincrement=False),
    Column("data", Text, nullable=False),
)

provider_stats = Table(
    "provider_stats",
    metadata,
    Column("programme_id", BigInteger, primary_key=True, autoincrement=False),
    Column("provider_id", BigInteger, primary_key=True, autoincrement=False),
    Column("encounters", BigInteger, nullable=False),
    Column("valuated", BigInteger, nullable=False),
)

claim_reviews = Table(
    "claim_reviews",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("claim_no", BigInteger, nullable=False),
    Column("party_id", BigInteger, nullable=True),
    Column("at", BigInteger, nullable=False),
    Column("action", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Index(None, "claim_no"),
)
