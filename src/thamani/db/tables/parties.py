"""Parties (who) and their API tokens (how they prove it)."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Table,
    Text,
)

from thamani.db.tables.base import RowKey, metadata

parties = Table(
    "parties",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("name", String(200), nullable=False),
    Column("reference", String(100), nullable=True, unique=True),
    Column("created_at", BigInteger, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("party_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", LargeBinary(32), nullable=False, unique=True),
    Column("prefix", String(16), nullable=False),
    Column("scopes", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=True),
    Column("revoked_at", BigInteger, nullable=True),
    Index(None, "party_id"),
)
