"""The synthetic population's load journal: which region a store holds and how far its
load has come (so an interrupted load resumes and a finished one is not loaded twice)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table, Text

from thamani.db.tables.base import RowKey, metadata

synth_loads = Table(
    "synth_loads",
    metadata,
    Column("id", RowKey, primary_key=True, autoincrement=True),
    # SHA-256 of the region's description and content: the same region, the same print.
    Column("fingerprint", String(64), nullable=False, unique=True),
    Column("region", String(100), nullable=False),
    Column("seed", BigInteger, nullable=False),
    Column("people", BigInteger, nullable=False),
    Column("years", Integer, nullable=False),
    # loading | loaded
    Column("status", String(12), nullable=False),
    # The last stage finished, and the batches of care loaded in the care stage.
    Column("stage", String(32), nullable=False),
    Column("batches_done", Integer, nullable=False),
    # What was loaded and paid so far (JSON), carried across an interrupted load.
    Column("tallies", Text, nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
)
