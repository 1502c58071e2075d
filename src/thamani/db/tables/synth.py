"""The synthetic population's load journal (which region a store holds and how far its
load has come, so an interrupted load resumes and a finished one is not loaded twice), and
the facts of the loaded region no other room keeps: its areas, its facilities' staff,
capacity and hidden quality and cost profile, and the staff minutes of its encounters."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Float, ForeignKey, Integer, String, Table, Text

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

region_areas = Table(
    "region_areas",
    metadata,
    Column("load_id", BigInteger, ForeignKey("synth_loads.id"), primary_key=True),
    # The region's own area number.
    Column("area", Integer, primary_key=True),
    Column("name", String(100), nullable=False),
    Column("population", BigInteger, nullable=False),
    Column("urban_share", Float, nullable=False),
    Column("poverty_rate", Float, nullable=False),
    Column("malaria_risk", Float, nullable=False),
)
"""A loaded region's areas (sub-counties), as generated."""

region_facilities = Table(
    "region_facilities",
    metadata,
    Column("load_id", BigInteger, ForeignKey("synth_loads.id"), primary_key=True),
    # The region's own facility number, and the provider party the facility became.
    Column("facility", Integer, primary_key=True),
    Column("party_id", BigInteger, ForeignKey("parties.id"), nullable=False, unique=True),
    Column("name", String(200), nullable=False),
    Column("area", Integer, nullable=False),
    # dispensary | health_centre | sub_county_hospital | county_referral_hospital
    Column("level", String(32), nullable=False),
    Column("keph_level", Integer, nullable=False),
    # public | private | faith_based
    Column("ownership", String(16), nullable=False),
    Column("opening_hours_per_day", Integer, nullable=False),
    Column("opening_days_per_week", Integer, nullable=False),
    Column("beds", Integer, nullable=False),
    Column("outpatient_slots_per_day", Integer, nullable=False),
    Column("staff_medical_officer", Integer, nullable=False),
    Column("staff_clinical_officer", Integer, nullable=False),
    Column("staff_nurse", Integer, nullable=False),
    Column("staff_lab_technician", Integer, nullable=False),
    Column("staff_pharmacy_technician", Integer, nullable=False),
    Column("staff_specialist", Integer, nullable=False),
    Column("staff_community_health_worker", Integer, nullable=False),
    # Hidden ground truth, known only because the region was generated: the facility's
    # built-in quality (z score, lower is worse care) and cost factor (multiplier on
    # activity time and optional items). For validating analytics against the truth;
    # never shown to providers, payers or patients.
    Column("quality", Float, nullable=False),
    Column("cost_factor", Float, nullable=False),
)
"""A loaded region's facilities: level, staff, capacity, hours, and the hidden quality and
cost profile the generator gave them."""

encounter_activity = Table(
    "encounter_activity",
    metadata,
    Column("load_id", BigInteger, ForeignKey("synth_loads.id"), primary_key=True),
    # The encounter's reference: its claim's reference and its clinical record's source id
    # (``E<encounter id>``).
    Column("encounter_ref", String(32), primary_key=True),
    # medical_officer | clinical_officer | nurse | lab_technician | pharmacy_technician |
    # specialist | community_health_worker
    Column("staff", String(32), primary_key=True),
    Column("minutes", Integer, nullable=False),
)
"""Staff minutes each loaded encounter took, by staff type (for time-driven
activity-based costing)."""
