"""Table definitions, kept apart from the domain records; one module per room.

All tables hang on one ``metadata`` so Alembic sees the whole schema.
"""

from thamani.db.tables.base import metadata
from thamani.db.tables.capacity import clock_events as capacity_clock_events
from thamani.db.tables.capacity import referrals as capacity_referrals
from thamani.db.tables.capacity import rtt_rows as capacity_rtt_rows
from thamani.db.tables.capacity import rtt_snapshots as capacity_rtt_snapshots
from thamani.db.tables.capacity import waiting_lists as capacity_waiting_lists
from thamani.db.tables.claims import (
    claim_reviews,
    claim_usage,
    claims,
    policy_usage,
    provider_stats,
)
from thamani.db.tables.clinical import (
    clinical_allergies,
    clinical_care_plans,
    clinical_conditions,
    clinical_encounters,
    clinical_immunizations,
    clinical_medications,
    clinical_observations,
    clinical_procedures,
)
from thamani.db.tables.ledger import (
    accounts,
    checkpoints,
    head,
    journal,
    ledgers,
    pending,
    postings,
)
from thamani.db.tables.parties import api_tokens, parties
from thamani.db.tables.pool import pool_log
from thamani.db.tables.schemes import (
    benefit_items,
    enrolments,
    households,
    members,
    policies,
    programme_providers,
    programmes,
    tariffs,
)
from thamani.db.tables.synth import (
    encounter_activity,
    region_areas,
    region_facilities,
    synth_loads,
)
from thamani.db.tables.wallets import (
    mobile_money_callbacks,
    patient_profiles,
    payment_parts,
    payments,
    payout_lines,
    payout_runs,
    payout_targets,
    provider_accounts,
    wallet_entries,
    wallet_ledgers,
    wallet_programmes,
    wallet_sources,
)

__all__ = [
    "accounts",
    "api_tokens",
    "benefit_items",
    "capacity_clock_events",
    "capacity_referrals",
    "capacity_rtt_rows",
    "capacity_rtt_snapshots",
    "capacity_waiting_lists",
    "checkpoints",
    "claim_reviews",
    "claim_usage",
    "claims",
    "clinical_allergies",
    "clinical_care_plans",
    "clinical_conditions",
    "clinical_encounters",
    "clinical_immunizations",
    "clinical_medications",
    "clinical_observations",
    "clinical_procedures",
    "encounter_activity",
    "enrolments",
    "head",
    "households",
    "journal",
    "ledgers",
    "members",
    "metadata",
    "mobile_money_callbacks",
    "parties",
    "patient_profiles",
    "payment_parts",
    "payments",
    "payout_lines",
    "payout_runs",
    "payout_targets",
    "pending",
    "policies",
    "policy_usage",
    "pool_log",
    "postings",
    "programme_providers",
    "programmes",
    "provider_accounts",
    "provider_stats",
    "region_areas",
    "region_facilities",
    "synth_loads",
    "tariffs",
    "wallet_entries",
    "wallet_ledgers",
    "wallet_programmes",
    "wallet_sources",
]
