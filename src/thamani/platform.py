"""The composition root: one ``Platform`` holds the store and every room's use cases.

The CLI and the web app build one from ``Settings`` and pass it down; nothing is built at
import time. The capability rooms never import this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from thamani.claims.service import Claims
from thamani.claims.settlement import LedgerSettlement
from thamani.clock import Clock, SystemClock
from thamani.config import Settings
from thamani.db.engine import make_engine
from thamani.db.migrate import upgrade
from thamani.ledger.keys import Signer, load_signer
from thamani.ledger.service import Ledger
from thamani.ledger.verify import VerifyReport, verify
from thamani.parties.service import Parties
from thamani.schemes.service import Schemes


@dataclass(slots=True)
class Platform:
    """Everything a command or a request needs.

    settings: the settings it was built from.
    engine: the operational store.
    clock: the time source.
    signer: the key that signs the ledger's head and checkpoints.
    ledger: the ledger's use cases.
    parties: parties and tokens.
    schemes: programmes, enrolment and coverage.
    claims: claims, pre-authorisations and review.
    """

    settings: Settings
    engine: Engine
    clock: Clock
    signer: Signer
    ledger: Ledger
    parties: Parties
    schemes: Schemes
    claims: Claims

    def verify_ledger(self, **kwargs: object) -> VerifyReport:
        """Verify the whole ledger against this platform's trusted keys."""
        return verify(self.engine, self.trusted_keys(), **kwargs)  # type: ignore[arg-type]

    def trusted_keys(self) -> set[bytes]:
        return {self.signer.public_key, *self.settings.trusted_public_keys()}

    def close(self) -> None:
        self.claims.close()
        self.engine.dispose()


def open_platform(
    settings: Settings, *, clock: Clock | None = None, migrate: bool = True
) -> Platform:
    """Build the platform; bring the store's schema up to date unless told not to."""
    settings.check()
    engine = make_engine(settings)
    if migrate:
        upgrade(engine)
    clk: Clock = clock or SystemClock()
    signer = load_signer(settings)
    ledger = Ledger(engine, settings, signer, clk)
    return Platform(
        settings=settings,
        engine=engine,
        clock=clk,
        signer=signer,
        ledger=ledger,
        parties=Parties(engine, clk),
        schemes=Schemes(engine, ledger, clk),
        claims=Claims(engine, LedgerSettlement(ledger), clk, settings),
    )
