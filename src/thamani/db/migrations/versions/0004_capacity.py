"""capacity: waiting lists, referrals and clock events, RTT snapshots

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-23 23:32:32.159755
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "capacity_waiting_lists",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("priority", sa.String(length=4), nullable=False),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_waiting_lists")),
        sa.UniqueConstraint(
            "provider",
            "specialty",
            "priority",
            name=op.f("uq_capacity_waiting_lists_provider_specialty_priority"),
        ),
    )
    op.create_table(
        "capacity_referrals",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("list_id", sa.BigInteger(), nullable=False),
        sa.Column("provider", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.String(length=100), nullable=False),
        sa.Column("referred_on", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("paused_since", sa.Date(), nullable=True),
        sa.Column("paused_days", sa.Integer(), nullable=False),
        sa.Column("last_event_on", sa.Date(), nullable=False),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("removal_reason", sa.String(length=16), nullable=True),
        sa.Column("created_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["capacity_waiting_lists.id"],
            name=op.f("fk_capacity_referrals_list_id_capacity_waiting_lists"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_referrals")),
        sa.UniqueConstraint(
            "provider", "reference", name=op.f("uq_capacity_referrals_provider_reference")
        ),
    )
    op.create_index(
        op.f("ix_capacity_referrals_list_id_status"),
        "capacity_referrals",
        ["list_id", "status"],
        unique=False,
    )
    op.create_table(
        "capacity_rtt_snapshots",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("period", sa.String(length=32), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("providers", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.BigInteger(), nullable=False),
        sa.Column("imported_by", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["imported_by"],
            ["parties.id"],
            name=op.f("fk_capacity_rtt_snapshots_imported_by_parties"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_rtt_snapshots")),
    )
    op.create_table(
        "capacity_clock_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("referral_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("on_day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=True),
        sa.Column("recorded_at", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["referral_id"],
            ["capacity_referrals.id"],
            name=op.f("fk_capacity_clock_events_referral_id_capacity_referrals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_clock_events")),
    )
    op.create_index(
        op.f("ix_capacity_clock_events_referral_id"),
        "capacity_clock_events",
        ["referral_id"],
        unique=False,
    )
    op.create_table(
        "capacity_rtt_rows",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("snapshot_id", sa.BigInteger(), nullable=False),
        sa.Column("provider_code", sa.String(length=16), nullable=False),
        sa.Column("provider_name", sa.String(length=200), nullable=False),
        sa.Column("commissioner_code", sa.String(length=16), nullable=False),
        sa.Column("part", sa.String(length=8), nullable=False),
        sa.Column("treatment_function_code", sa.String(length=16), nullable=False),
        sa.Column("treatment_function_name", sa.String(length=200), nullable=False),
        sa.Column("bands", sa.Text(), nullable=True),
        sa.Column("unknown_clock_start", sa.BigInteger(), nullable=False),
        sa.Column("total_all", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["snapshot_id"],
            ["capacity_rtt_snapshots.id"],
            name=op.f("fk_capacity_rtt_rows_snapshot_id_capacity_rtt_snapshots"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_capacity_rtt_rows")),
    )
    op.create_index(
        op.f("ix_capacity_rtt_rows_snapshot_id_provider_code"),
        "capacity_rtt_rows",
        ["snapshot_id", "provider_code"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_capacity_rtt_rows_snapshot_id_provider_code"), table_name="capacity_rtt_rows"
    )
    op.drop_table("capacity_rtt_rows")
    op.drop_index(op.f("ix_capacity_clock_events_referral_id"), table_name="capacity_clock_events")
    op.drop_table("capacity_clock_events")
    op.drop_table("capacity_rtt_snapshots")
    op.drop_index(op.f("ix_capacity_referrals_list_id_status"), table_name="capacity_referrals")
    op.drop_table("capacity_referrals")
    op.drop_table("capacity_waiting_lists")
