"""The wallets' tables: patient profiles, programme funding and earmarks, wallet accounts,
provider accounts and payout targets, payments and their parts, the other wallet entries
(top-ups, sends, grants, expiries, payouts), mobile-money callbacks and payout runs.

Money itself lives only on the ledger; these tables say what each ledger account and
transfer means (whose, which source, which clinic and service), keyed by their ids.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from thamani.db.tables.base import metadata

patient_profiles = Table(
    "patient_profiles",
    metadata,
    Column("party_id", BigInteger, ForeignKey("parties.id"), primary_key=True, autoincrement=False),
    Column("phone", String(20), nullable=False, unique=True),
    Column("wallet_ref", String(20), nullable=False, unique=True),
    Column("birth_date", Date, nullable=False),
    Column("sex", String(8), nullable=False),
    Column("area", String(100), nullable=False),
    Column("closed", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
)

wallet_ledgers = Table(
    "wallet_ledgers",
    metadata,
    Column("ledger", Integer, ForeignKey("ledgers.ledger"), primary_key=True, autoincrement=False),
    Column("currency", String(3), nullable=False),
    # 0 for the currency's savings ledger (own money), else the programme it belongs to.
    Column("programme_id", BigInteger, nullable=False),
    # The mobile-money float top-ups arrive through (savings ledgers only).
    Column("clearing_account_id", LargeBinary(16), nullable=True),
    UniqueConstraint("currency", "programme_id"),
)

wallet_programmes = Table(
    "wallet_programmes",
    metadata,
    Column("programme_id", BigInteger, primary_key=True, autoincrement=False),
    Column("name", String(200), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("ledger", Integer, ForeignKey("ledgers.ledger"), nullable=False, unique=True),
    Column("source", String(16), nullable=False),
    Column("funder_party_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("fund_account_id", LargeBinary(16), nullable=False),
    Column("funder_account_id", LargeBinary(16), nullable=False),
    # The earmark: JSON lists (NULL: any), validity dates, the expiry policy.
    Column("accredited_providers", Text, nullable=True),
    Column("covered_codes", Text, nullable=True),
    Column("covered_categories", Text, nullable=True),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=True),
    Column("on_expiry", String(20), nullable=False),
    # The draw-down rule.
    Column("draw_order", String(100), nullable=False),
    Column("copay_bp", Integer, nullable=False),
    Column("copay_rounding", String(12), nullable=False),
    Column("shortfall", String(12), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

wallet_sources = Table(
    "wallet_sources",
    metadata,
    Column("account_id", LargeBinary(16), primary_key=True),
    Column("patient_party_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("source", String(16), nullable=False),
    Column("programme_id", BigInteger, nullable=False),
    Column("ledger", Integer, ForeignKey("ledgers.ledger"), nullable=False),
    Column("sponsor_party_id", BigInteger, ForeignKey("parties.id"), nullable=True),
    Column("opened_at", BigInteger, nullable=False),
    UniqueConstraint("patient_party_id", "source", "programme_id", "ledger"),
    Index(None, "programme_id"),
)

provider_accounts = Table(
    "provider_accounts",
    metadata,
    Column("account_id", LargeBinary(16), primary_key=True),
    Column("provider_party_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("ledger", Integer, ForeignKey("ledgers.ledger"), nullable=False),
    Column("role", String(12), nullable=False),
    UniqueConstraint("provider_party_id", "ledger", "role"),
)

payout_targets = Table(
    "payout_targets",
    metadata,
    Column("provider_party_id", BigInteger, ForeignKey("parties.id"), primary_key=True),
    Column("method", String(16), nullable=False),
    Column("reference", String(64), nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

payments = Table(
    "payments",
    metadata,
    Column("id", LargeBinary(16), primary_key=True),
    Column("kind", String(12), nullable=False),
    Column("status", String(12), nullable=False),
    Column("patient_party_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("provider_party_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("programme_id", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("total", BigInteger, nullable=False),
    Column("copay", BigInteger, nullable=False),
    Column("shortfall", BigInteger, nullable=False),
    # The priced items as JSON: [[code, category, amount, description], ...].
    Column("items", Text, nullable=False),
    Column("timeout", BigInteger, nullable=False, default=0),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index(None, "patient_party_id"),
    Index(None, "provider_party_id"),
)

payment_parts = Table(
    "payment_parts",
    metadata,
    Column("payment_id", LargeBinary(16), nullable=False),
    Column("phase", String(8), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("transfer_id", LargeBinary(16), nullable=False, unique=True),
    Column("pending_id", LargeBinary(16), nullable=True),
    Column("source", String(16), nullable=False),
    Column("programme_id", BigInteger, nullable=False),
    Column("account_id", LargeBinary(16), nullable=False),
    Column("provider_account_id", LargeBinary(16), nullable=False),
    Column("ledger", Integer, nullable=False),
    Column("amount", BigInteger, nullable=False),
    PrimaryKeyConstraint("payment_id", "phase", "seq"),
)

wallet_entries = Table(
    "wallet_entries",
    metadata,
    Column("transfer_id", LargeBinary(16), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("patient_party_id", BigInteger, nullable=True),
    Column("counterparty_party_id", BigInteger, nullable=True),
    Column("source", String(16), nullable=True),
    Column("programme_id", BigInteger, nullable=False, default=0),
    # The sender's phone for top-ups and sends to relatives.
    Column("phone", String(20), nullable=True),
    # The outside reference: mobile-money TransID, send id, grant id, payout run id.
    Column("reference", String(64), nullable=True),
    Column("created_at", BigInteger, nullable=False),
)

mobile_money_callbacks = Table(
    "mobile_money_callbacks",
    metadata,
    Column("trans_id", String(40), primary_key=True),
    Column("shortcode", String(20), nullable=False),
    Column("phone", String(40), nullable=False),
    Column("account_ref", String(40), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("status", String(16), nullable=False),
    Column("patient_party_id", BigInteger, nullable=True),
    Column("transfer_id", LargeBinary(16), nullable=True),
    # The operator's document as received, less the payer's names.
    Column("payload", Text, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Column("replays", Integer, nullable=False, default=0),
)

payout_runs = Table(
    "payout_runs",
    metadata,
    Column("run_id", String(64), primary_key=True),
    Column("status", String(12), nullable=False),
    Column("started_at", BigInteger, nullable=False),
    Column("finished_at", BigInteger, nullable=True),
)

payout_lines = Table(
    "payout_lines",
    metadata,
    Column("run_id", String(64), ForeignKey("payout_runs.run_id"), nullable=False),
    Column("provider_party_id", BigInteger, ForeignKey("parties.id"), nullable=False),
    Column("ledger", Integer, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("receivable_account_id", LargeBinary(16), nullable=False),
    Column("settlement_account_id", LargeBinary(16), nullable=False),
    Column("transfer_id", LargeBinary(16), nullable=False),
    Column("amount", BigInteger, nullable=False),
    Column("result", String(48), nullable=False),
    Column("method", String(16), nullable=True),
    Column("target", String(64), nullable=True),
    PrimaryKeyConstraint("run_id", "provider_party_id", "ledger"),
)
