"""The composition root: one ``Platform`` holds the store and every room's use cases.

The CLI and the web app build one from ``Settings`` and pass it down; nothing is built at
import time. The capability rooms never import this module.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from thamani.capacity.service import Capacity
from thamani.channels.mobile_money import FakeOperator
from thamani.channels.mpesa import MpesaC2B
from thamani.claims.service import Claims
from thamani.claims.settlement import LedgerSettlement
from thamani.clinical.service import Clinical
from thamani.clock import Clock, SystemClock
from thamani.config import Environment, Settings
from thamani.db.engine import make_engine
from thamani.db.migrate import upgrade
from thamani.interop.fhir.service import Fhir
from thamani.ledger.keys import Signer, load_signer
from thamani.ledger.service import Ledger
from thamani.ledger.verify import VerifyReport, verify
from thamani.parties.service import Parties
from thamani.pool.service import Pool
from thamani.schemes.service import Schemes
from thamani.synth.load import RegionLoader
from thamani.wallets.service import Wallets


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
    wallets: health wallets: funding sources, payments, top-ups, payouts, statements.
    pool: the pseudonymised data pool and its analytics.
    mpesa: the receiver of M-Pesa C2B callbacks.
    schemes: programmes, enrolment and coverage.
    claims: claims, pre-authorisations and review.
    clinical: the clinical record (encounters, conditions, observations, medicines...).
    synth: loads a generated synthetic region into the store through the rooms above.
    """

    settings: Settings
    engine: Engine
    clock: Clock
    signer: Signer
    ledger: Ledger
    parties: Parties
    capacity: Capacity
    wallets: Wallets
    pool: Pool
    mpesa: MpesaC2B
    schemes: Schemes
    claims: Claims
    clinical: Clinical
    synth: RegionLoader

    @property
    def fhir(self) -> Fhir:
        """FHIR R4 import (Bundles, Bulk NDJSON) and Bulk Data export."""
        return Fhir(self)

    def verify_ledger(self, **kwargs: object) -> VerifyReport:
        """Verify the whole ledger against this platform's trusted keys."""
        return verify(self.engine, self.trusted_keys(), **kwargs)  # type: ignore[arg-type]

    def trusted_keys(self) -> set[bytes]:
        return {self.signer.public_key, *self.settings.trusted_public_keys()}

    def close(self) -> None:
        self.claims.close()
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
    ledger = Ledger(engine, settings, signer, clk)
    parties = Parties(engine, clk)
    # No real operator is wired yet: outside production, payouts to mobile money are
    # disbursed through the in-memory fake; in production they are recorded on the ledger
    # and in the payout statement only.
    gateway = None if settings.environment is Environment.PRODUCTION else FakeOperator()
    wallets = Wallets(engine, ledger, parties, settings, clk, gateway)
    pool = Pool(engine, settings, clk)
    capacity = Capacity(engine, clk)
    schemes = Schemes(engine, ledger, clk)
    claims = Claims(engine, LedgerSettlement(ledger), clk, settings, pool)
    clinical = Clinical(engine, clk)
    return Platform(
        settings=settings,
        engine=engine,
        clock=clk,
        signer=signer,
        ledger=ledger,
        parties=parties,
        wallets=wallets,
        pool=pool,
        mpesa=MpesaC2B(wallets, settings),
        capacity=capacity,
        schemes=schemes,
        claims=claims,
        clinical=clinical,
        synth=RegionLoader(
            engine, ledger, parties, schemes, wallets, claims, capacity, clinical, settings, clk
        ),
    )
