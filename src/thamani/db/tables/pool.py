"""The data pool's bookkeeping in the operational store: which encounters are in the pool.

The pool itself is Parquet files (see ``thamani.pool``); this log makes appending an
encounter exactly-once.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, String, Table

from thamani.db.tables.base import metadata

pool_log = Table(
    "pool_log",
    metadata,
    # HMAC of the encounter id: the pool's own key, never the id itself.
    Column("encounter_key", String(64), primary_key=True),
    Column("month", String(7), nullable=False),
    Column("file", String(200), nullable=False),
    Column("appended_at", BigInteger, nullable=False),
)
