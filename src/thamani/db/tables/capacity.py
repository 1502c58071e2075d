"""The capacity room's tables: waiting lists, referrals and their clocks, RTT snapshots.

``capacity_waiting_lists`` holds one row per (provider, specialty, priority).
``capacity_referrals`` holds one row per referral (an RTT pathway), keyed by the provider's
own reference for it: no name or national number is stored, only what the provider
chose to call the referral. Its clock state (waiting, paused, removed; paused days so
far; removal date and reason) is kept up to date beside the full history of clock events
in ``capacity_clock_events`` (start, pause, resume, stop), from which it can be rebuilt.
``capacity_rtt_snapshots`` records each imported NHS England RTT file and
``capacity_rtt_rows`` its rows, the 105 weekly band counts as comma-separated text.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
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

waiting_lists = Table(
    "capacity_waiting_lists",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("provider", String(64), nullable=False),
    Column("specialty", String(64), nullable=False),
    Column("priority", String(4), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("provider", "specialty", "priority"),
)

referrals = Table(
    "capacity_referrals",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("list_id", BigInteger, ForeignKey("capacity_waiting_lists.id"), nullable=False),
    Column("provider", String(64), nullable=False),
    Column("reference", String(100), nullable=False),
    Column("referred_on", Date, nullable=False),
    Column("minutes", Integer, nullable=True),
    Column("status", String(8), nullable=False),
    Column("paused_since", Date, nullable=True),
    Column("paused_days", Integer, nullable=False),
    Column("last_event_on", Date, nullable=False),
    Column("removed_on", Date, nullable=True),
    Column("removal_reason", String(16), nullable=True),
    Column("created_at", BigInteger, nullable=False),
    UniqueConstraint("provider", "reference"),
    Index(None, "list_id", "status"),
)

clock_events = Table(
    "capacity_clock_events",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("referral_id", BigInteger, ForeignKey("capacity_referrals.id"), nullable=False),
    Column("kind", String(8), nullable=False),
    Column("on_day", Date, nullable=False),
    Column("reason", String(16), nullable=True),
    Column("recorded_at", BigInteger, nullable=False),
    Index(None, "referral_id"),
)

rtt_snapshots = Table(
    "capacity_rtt_snapshots",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("source", String(300), nullable=False),
    Column("period", String(32), nullable=False),
    Column("month", Date, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("providers", Text, nullable=False),
    Column("imported_at", BigInteger, nullable=False),
    Column("imported_by", BigInteger, ForeignKey("parties.id"), nullable=True),
)

rtt_rows = Table(
    "capacity_rtt_rows",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    Column("snapshot_id", BigInteger, ForeignKey("capacity_rtt_snapshots.id"), nullable=False),
    Column("provider_code", String(16), nullable=False),
    Column("provider_name", String(200), nullable=False),
    Column("commissioner_code", String(16), nullable=False),
    Column("part", String(8), nullable=False),
    Column("treatment_function_code", String(16), nullable=False),
    Column("treatment_function_name", String(200), nullable=False),
    Column("bands", Text, nullable=True),
    Column("unknown_clock_start", BigInteger, nullable=False),
    Column("total_all", BigInteger, nullable=False),
    Index(None, "snapshot_id", "provider_code"),
)
