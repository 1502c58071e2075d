"""Table definitions, kept apart from the domain records; one module per room.

All tables hang on one ``metadata`` so Alembic sees the whole schema.
"""

from thamani.db.tables.base import metadata
from thamani.db.tables.claims import (
    claim_reviews,
    claim_usage,
    claims,
    policy_usage,
    provider_stats,
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

__all__ = [
    "accounts",
    "api_tokens",
    "benefit_items",
    "checkpoints",
    "claim_reviews",
    "claim_usage",
    "claims",
    "enrolments",
    "head",
    "households",
    "journal",
    "ledgers",
    "members",
    "metadata",
    "parties",
    "pending",
    "policies",
    "policy_usage",
    "postings",
    "programme_providers",
    "programmes",
    "provider_stats",
    "tariffs",
]
