"""synth: a loaded region's areas, facilities and staff minutes

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _load_id() -> sa.Column[int]:
    return sa.Column("load_id", sa.BigInteger(), nullable=False)


def _to_load(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["load_id"], ["synth_loads.id"], name=op.f(f"fk_{table}_load_id_synth_loads")
    )


def upgrade() -> None:
    op.create_table(
        "region_areas",
        _load_id(),
        sa.Column("area", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("population", sa.BigInteger(), nullable=False),
        sa.Column("urban_share", sa.Float(), nullable=False),
        sa.Column("poverty_rate", sa.Float(), nullable=False),
        sa.Column("malaria_risk", sa.Float(), nullable=False),
        _to_load("region_areas"),
        sa.PrimaryKeyConstraint("load_id", "area", name=op.f("pk_region_areas")),
    )
    staff = (
        "medical_officer",
        "clinical_officer",
        "nurse",
        "lab_technician",
        "pharmacy_technician",
        "specialist",
        "community_health_worker",
    )
    op.create_table(
        "region_facilities",
        _load_id(),
        sa.Column("facility", sa.Integer(), nullable=False),
        sa.Column("party_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("area", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=32), nullable=False),
        sa.Column("keph_level", sa.Integer(), nullable=False),
        sa.Column("ownership", sa.String(length=16), nullable=False),
        sa.Column("opening_hours_per_day", sa.Integer(), nullable=False),
        sa.Column("opening_days_per_week", sa.Integer(), nullable=False),
        sa.Column("beds", sa.Integer(), nullable=False),
        sa.Column("outpatient_slots_per_day", sa.Integer(), nullable=False),
        *(sa.Column(f"staff_{s}", sa.Integer(), nullable=False) for s in staff),
        sa.Column("quality", sa.Float(), nullable=False),
        sa.Column("cost_factor", sa.Float(), nullable=False),
        _to_load("region_facilities"),
        sa.ForeignKeyConstraint(
            ["party_id"], ["parties.id"], name=op.f("fk_region_facilities_party_id_parties")
        ),
        sa.PrimaryKeyConstraint("load_id", "facility", name=op.f("pk_region_facilities")),
        sa.UniqueConstraint("party_id", name=op.f("uq_region_facilities_party_id")),
    )
    op.create_table(
        "encounter_activity",
        _load_id(),
        sa.Column("encounter_ref", sa.String(length=32), nullable=False),
        sa.Column("staff", sa.String(length=32), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        _to_load("encounter_activity"),
        sa.PrimaryKeyConstraint(
            "load_id", "encounter_ref", "staff", name=op.f("pk_encounter_activity")
        ),
    )


def downgrade() -> None:
    op.drop_table("encounter_activity")
    op.drop_table("region_facilities")
    op.drop_table("region_areas")
