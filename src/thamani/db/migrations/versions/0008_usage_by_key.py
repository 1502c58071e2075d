"""claims: usage rows stored in the order of their keys (SQLite)

The usage counters (one row per enrolment, one per policy) were rowid tables with a
separate primary-key index: a row lay where it was first written, in the order claims
first touched it, so the rows of neighbouring households were scattered over the table
and a part of a batch rewrote nearly every page of it. On SQLite the key is now the rowid
itself (``INTEGER PRIMARY KEY``): rows lie in the order of their enrolment and policy
ids, which follow households, and a part that decides whole households in the order of
their ids rewrites a run of neighbouring pages. PostgreSQL is unchanged.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-24 10:30:00.000000
"""

from __future__ import annotations

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

_TABLES = (("claim_usage", "enrolment_id"), ("policy_usage", "policy_id"))


def _rebuild(table: str, key: str, key_type: str) -> None:
    op.execute(
        f"CREATE TABLE {table}_rebuilt ({key} {key_type} NOT NULL, data TEXT NOT NULL,"
        f" CONSTRAINT pk_{table} PRIMARY KEY ({key}))"
    )
    op.execute(
        f"INSERT INTO {table}_rebuilt ({key}, data) SELECT {key}, data FROM {table} ORDER BY {key}"
    )
    op.execute(f"DROP TABLE {table}")
    op.execute(f"ALTER TABLE {table}_rebuilt RENAME TO {table}")


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, key in _TABLES:
        _rebuild(table, key, "INTEGER")


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table, key in _TABLES:
        _rebuild(table, key, "BIGINT")
