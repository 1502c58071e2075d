"""What every wallet use case works with: the store, the ledger, parties, time, settings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import Engine

from thamani.clock import Clock
from thamani.config import Settings
from thamani.errors import ThamaniError
from thamani.ledger.records import BATCH_MAX, Account
from thamani.ledger.service import Ledger
from thamani.parties.service import Parties


@dataclass(slots=True)
class WalletContext:
    """The wallets' dependencies, built once by the platform.

    engine: the operational store.
    ledger: the only way money moves.
    parties: who is who.
    clock: the time (service dates default to its UTC day).
    settings: the platform's settings.
    """

    engine: Engine
    ledger: Ledger
    parties: Parties
    clock: Clock
    settings: Settings

    def now(self) -> int:
        return self.clock.now_ns()

    def today(self) -> date:
        return datetime.fromtimestamp(self.clock.now_ns() / 1e9, UTC).date()

    def open_accounts(self, accounts: Sequence[Account]) -> None:
        """Open accounts whose ids are derived from what they are: opening twice is a no-op."""
        if not accounts:
            return
        results = []
        for start in range(0, len(accounts), BATCH_MAX):
            results += self.ledger.create_accounts(accounts[start : start + BATCH_MAX])
        bad = [(a, r) for a, r in zip(accounts, results, strict=True) if not r.recorded]
        if bad:
            a, r = bad[0]
            raise ThamaniError(
                f"the ledger refused to open account {a.id} on ledger {a.ledger}: {r.value}",
                code="account_not_opened",
            )
