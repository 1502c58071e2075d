"""The ledger's tables.

``journal`` is the append-only, hash-chained record of every change (account opened,
transfer, pending expiry); ``seq`` orders it. Each row keeps the record's canonical bytes
and the columns the store searches by. ``accounts`` carries the current balances,
``pending`` the state of two-phase transfers, ``postings`` the per-account statement index
(brought up to date in sorted runs), ``head`` the signed chain head and ``checkpoints`` the
signed history of heads and totals.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    SmallInteger,
    String,
    Table,
    Text,
)

from thamani.db.tables.base import RowKey, metadata

ledgers = Table(
    "ledgers",
    metadata,
    Column("ledger", Integer, primary_key=True, autoincrement=False),
    Column("currency", String(3), nullable=False),
    Column("name", String(100), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
    # Running totals as exact decimal text (they may outgrow 64 bits over the years).
    Column("posted_total", Text, nullable=False, default="0"),
    Column("pending_total", Text, nullable=False, default="0"),
)

accounts = Table(
    "accounts",
    metadata,
    Column("no", RowKey, primary_key=True, autoincrement=True),
    Column("id", LargeBinary(16), nullable=False, unique=True),
    Column("ledger", Integer, ForeignKey("ledgers.ledger"), nullable=False),
    Column("code", Integer, nullable=False),
    Column("flags", Integer, nullable=False),
    Column("user_data_128", LargeBinary(16), nullable=True),
    Column("user_data_64", BigInteger, nullable=False, default=0),
    Column("user_data_32", BigInteger, nullable=False, default=0),
    Column("owner_party_id", BigInteger, ForeignKey("parties.id"), nullable=True),
    Column("sponsor_party_id", BigInteger, ForeignKey("parties.id"), nullable=True),
    Column("timestamp", BigInteger, nullable=False),
    Column("debits_pending", BigInteger, nullable=False, default=0),
    Column("debits_posted", BigInteger, nullable=False, default=0),
    Column("credits_pending", BigInteger, nullable=False, default=0),
    Column("credits_posted", BigInteger, nullable=False, default=0),
    Index(None, "owner_party_id"),
    Index(None, "sponsor_party_id"),
)

journal = Table(
    "journal",
    metadata,
    Column("seq", RowKey, primary_key=True, autoincrement=False),
    Column("event", SmallInteger, nullable=False),
    Column("id", LargeBinary(16), nullable=False),
    Column("debit_no", BigInteger, nullable=False),
    Column("credit_no", BigInteger, nullable=False),
    # The record's canonical bytes (thamani.ledger.journal.RECORD): every field of the
    # transfer. Kept whole so a batch is written with few parameters and verified by
    # hashing exactly what is stored.
    Column("record", LargeBinary(163), nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    Index("ix_journal_id_event", "id", "event", unique=True),
)

pending = Table(
    "pending",
    metadata,
    Column("id", LargeBinary(16), primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("debit_account_id", LargeBinary(16), nullable=False),
    Column("credit_account_id", LargeBinary(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("ledger", Integer, nullable=False),
    Column("code", Integer, nullable=False),
    Column("flags", Integer, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("status", SmallInteger, nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("resolved_seq", BigInteger, nullable=True),
    Index(None, "status", "expires_at"),
)

postings = Table(
    "postings",
    metadata,
    Column("account_no", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, primary_key=True, autoincrement=False),
    sqlite_with_rowid=False,
)

head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", BigInteger, nullable=False),
    Column("hash", LargeBinary(32), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("postings_upto", BigInteger, nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)

checkpoints = Table(
    "checkpoints",
    metadata,
    Column("seq", RowKey, primary_key=True, autoincrement=False),
    Column("hash", LargeBinary(32), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("totals", Text, nullable=False),
    Column("public_key", LargeBinary(32), nullable=False),
    Column("signature", LargeBinary(64), nullable=False),
)
