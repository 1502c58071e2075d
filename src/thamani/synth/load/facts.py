"""The region's facts no other room keeps: its areas, its facilities' staff, capacity,
opening hours and hidden quality and cost profile, and the staff minutes of every
encounter (tables ``region_areas``, ``region_facilities``, ``encounter_activity``).

Rows are built column-wise from the generated tables and written with the bulk helpers
(COPY on PostgreSQL), never a row at a time.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sqlalchemy import Connection, delete

from thamani.db.engine import bulk_insert, bulk_insert_flat
from thamani.db.tables import region_areas, region_facilities
from thamani.synth.load.naming import Names
from thamani.synth.region import Region, Table

AREA_COLUMNS = (
    "load_id",
    "area",
    "name",
    "population",
    "urban_share",
    "poverty_rate",
    "malaria_risk",
)

STAFF = (
    "medical_officer",
    "clinical_officer",
    "nurse",
    "lab_technician",
    "pharmacy_technician",
    "specialist",
    "community_health_worker",
)
"""The facilities' staff types (columns ``staff_<type>``), as generated."""

FACILITY_COLUMNS = (
    "load_id",
    "facility",
    "party_id",
    "name",
    "area",
    "level",
    "keph_level",
    "ownership",
    "opening_hours_per_day",
    "opening_days_per_week",
    "beds",
    "outpatient_slots_per_day",
    *(f"staff_{s}" for s in STAFF),
    "quality",
    "cost_factor",
)

ACTIVITY_COLUMNS = ("load_id", "encounter_ref", "staff", "minutes")


def area_rows(region: Region, load_id: int) -> list[tuple[Any, ...]]:
    """One row per area, in area order."""
    a = region["areas"]
    return [
        (load_id, *r)
        for r in zip(
            a["area_id"].tolist(),
            [str(n) for n in a["name"].tolist()],
            a["population"].tolist(),
            a["urban_share"].tolist(),
            a["poverty_rate"].tolist(),
            a["malaria_risk"].tolist(),
            strict=True,
        )
    ]


def facility_rows(region: Region, load_id: int, party_ids: list[int]) -> list[tuple[Any, ...]]:
    """One row per facility, in facility order; ``party_ids[f]`` is facility ``f``'s
    provider party. The quality and cost profile come from the hidden
    ``facility_profiles`` table (matched by facility number)."""
    f = region["facilities"]
    n = len(f)
    if len(party_ids) != n:
        raise ValueError(f"{len(party_ids)} provider parties for {n} facilities")
    prof = region["facility_profiles"]
    quality = np.full(n, np.nan)
    cost = np.full(n, np.nan)
    quality[prof["facility_id"]] = prof["quality"]
    cost[prof["facility_id"]] = prof["cost_factor"]
    if np.isnan(quality).any() or np.isnan(cost).any():
        raise ValueError("a facility has no quality and cost profile")
    cols: list[list[Any]] = [
        f["facility_id"].tolist(),
        list(party_ids),
        [str(x) for x in f["name"].tolist()],
        f["area_id"].tolist(),
        [str(x) for x in f.column("level").decoded().tolist()],
        f["keph_level"].tolist(),
        [str(x) for x in f.column("ownership").decoded().tolist()],
        f["opening_hours_per_day"].tolist(),
        f["opening_days_per_week"].tolist(),
        f["beds"].tolist(),
        f["outpatient_slots_per_day"].tolist(),
        *(f[f"staff_{s}"].tolist() for s in STAFF),
        quality.tolist(),
        cost.tolist(),
    ]
    return [(load_id, *r) for r in zip(*cols, strict=True)]


def activity_values(activity: Table, load_id: int) -> list[Any]:
    """A batch's staff minutes as flat rows of ``ACTIVITY_COLUMNS``."""
    n = len(activity)
    if n == 0:
        return []
    labels = activity.column("staff").labels
    staff = [labels[i] for i in activity["staff"].tolist()]
    refs = [Names.claim(e) for e in activity["encounter_id"].tolist()]
    out: list[Any] = [None] * (4 * n)
    out[0::4] = [load_id] * n
    out[1::4] = refs
    out[2::4] = staff
    out[3::4] = activity["minutes"].tolist()
    return out


def store_places(
    conn: Connection,
    load_id: int,
    areas: list[tuple[Any, ...]],
    facilities: list[tuple[Any, ...]],
) -> None:
    """Store the areas and facilities of a load, replacing any stored by an interrupted
    load (in the caller's transaction: all or nothing)."""
    conn.execute(delete(region_facilities).where(region_facilities.c.load_id == load_id))
    conn.execute(delete(region_areas).where(region_areas.c.load_id == load_id))
    bulk_insert(conn, "region_areas", AREA_COLUMNS, areas)
    bulk_insert(conn, "region_facilities", FACILITY_COLUMNS, facilities)


def store_activity(conn: Connection, values: list[Any]) -> None:
    """Store a batch's staff minutes (in the transaction that records the batch as done,
    so a batch's minutes are stored once)."""
    bulk_insert_flat(conn, "encounter_activity", ACTIVITY_COLUMNS, values)
