"""Table definitions, kept apart from the domain records; one module per room.

All tables hang on one ``metadata`` so Alembic sees the whole schema.
"""

from thamani.db.tables.base import metadata
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

__all__ = [
    "accounts",
    "api_tokens",
    "checkpoints",
    "head",
    "journal",
    "ledgers",
    "metadata",
    "parties",
    "pending",
    "postings",
]
