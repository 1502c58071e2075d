"""The composition root: one ``Platform`` holds the store and every room's use cases.

The CLI and the web app build one from ``Settings`` and pass it down; nothing is built at
import time. The capability rooms never import this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from thamani.capacity.service import Capacity
from thamani.clock import Clock, SystemClock
from thamani.config import Settings
from thamani.db.engine import make_engine
from thamani.db.migrate import upgrade
from thamani.ledger.keys import Signer, load_signer
from thamani.ledger.service import Ledger
from thamani.ledger.verify import VerifyReport, verify
from thamani.parties.service import Parties


@dataclass(slots=True)
class Platform:
    """Everything a command or a request needs.

    settings: the settings it was built from.
    engine: the operational store.
    clock: the time source.
    signer: the key that signs the ledger's head and checkpoints.
    ledger: the ledger's use cases.
    parties: parties and tokens.
    capacity: waiting lists, referrals, RTT snapshots and capacity plans.
    """

    settings: Settings
    engine: Engine
    clock: Clock
    signer: Signer
    ledger: Ledger
    parties: Parties
    capacity: Capacity

    def verify_ledger(self, **kwargs: object) -> VerifyReport:
        """Verify the whole ledger against this platform's trusted keys."""
        return verify(self.engine, self.trusted_keys(), **kwargs)  # type: ignore[arg-type]

    def trusted_keys(self) -> set[bytes]:
        return {self.signer.public_key, *self.settings.trusted_public_keys()}

    def close(self) -> None:
        self.ledger.close()
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
    return Platform(
        settings=settings,
        engine=engine,
        clock=clk,
        signer=signer,
        ledger=Ledger(engine, settings, signer, clk),
        parties=Parties(engine, clk),
        capacity=Capacity(engine, clk),
    )
