"""``Wallets``: the wallets' use cases, one object per platform.

The claims room calls ``pay`` (or ``reserve`` then ``settle``/``release``) to move money;
the API, the CLI and the mobile-money channel call the rest. Use cases that act for
someone take the ``Actor`` asking (None: the platform itself) and refuse, or answer
NotFound for, what that actor may not see or do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Engine

from thamani.channels.mobile_money import MobileMoneyGateway
from thamani.clock import Clock, SystemClock
from thamani.config import Settings
from thamani.db.engine import read_transaction
from thamani.errors import Forbidden, NotFound
from thamani.ledger.service import Ledger
from thamani.parties.records import Actor, PartyKind
from thamani.parties.service import Parties
from thamani.wallets import accounts, payouts, programmes, reservations, statements, store, topups
from thamani.wallets.context import WalletContext
from thamani.wallets.payments import DEFAULT_RESERVATION_SECONDS, make_payments
from thamani.wallets.records import (
    FundingSource,
    PatientProfile,
    PricedItem,
    ProgrammeFunding,
    SourceBalance,
    WalletOpening,
    WalletSource,
)
from thamani.wallets.results import PaymentRequest, PaymentResult


class Wallets:
    """Health wallets over one store and ledger."""

    def __init__(
        self,
        engine: Engine,
        ledger: Ledger,
        parties: Parties,
        settings: Settings,
        clock: Clock | None = None,
        gateway: MobileMoneyGateway | None = None,
    ) -> None:
        self.ctx = WalletContext(engine, ledger, parties, clock or SystemClock(), settings)
        self.gateway = gateway

    # -- opening ------------------------------------------------------------------------

    def open_wallet(
        self,
        patient_id: int,
        *,
        phone: str,
        birth_date: date,
        sex: str,
        area: str,
        currency: str | None = None,
    ) -> PatientProfile:
        """Register the patient's profile and open their savings and family accounts."""
        return accounts.open_wallet(
            self.ctx,
            patient_id,
            phone=phone,
            birth_date=birth_date,
            sex=sex,
            area=area,
            currency=currency,
        )

    def open_wallets(
        self, openings: Sequence[WalletOpening], currency: str | None = None
    ) -> list[PatientProfile]:
        """Open many wallets at once; checked whole before anything is written."""
        return accounts.open_wallets(self.ctx, openings, currency)

    def savings_ledger(self, currency: str | None = None) -> int:
        """The number of the currency's savings ledger (registered if it is new)."""
        return accounts.savings_ledger(self.ctx, currency or self.ctx.settings.currency)[0]

    def savings_accounts(
        self, patient_ids: Iterable[int], currency: str | None = None
    ) -> dict[int, int]:
        """Each patient's savings account on the currency's savings ledger (patients
        without a wallet are left out): what a member names to pay co-pays from."""
        ledger = self.savings_ledger(currency)
        with read_transaction(self.ctx.engine) as conn:
            found = store.sources_of(conn, patient_ids)
        return {
            pid: s.account_id
            for pid, srcs in found.items()
            for s in srcs
            if s.source is FundingSource.SAVINGS and s.ledger == ledger
        }

    def profile(self, patient_id: int) -> PatientProfile:
        return accounts.profile(self.ctx, patient_id)

    def profiles(self, patient_ids: Iterable[int]) -> dict[int, PatientProfile]:
        with read_transaction(self.ctx.engine) as conn:
            return store.profiles(conn, patient_ids)

    def close_wallet(self, patient_id: int) -> None:
        """A closed wallet refuses top-ups (its money stays and can still pay)."""
        accounts.set_closed(self.ctx, patient_id, True)

    def register_programme(self, funding: ProgrammeFunding) -> ProgrammeFunding:
        """Give a programme its ledger and fund, or update its earmark and draw-down rule."""
        return accounts.register_programme(self.ctx, funding)

    def programme(self, programme_id: int) -> ProgrammeFunding:
        return accounts.programme(self.ctx, programme_id)

    def enrol(self, patient_id: int, programme_id: int) -> WalletSource:
        """Open the patient's account for the programme's money (sponsored by its funder)."""
        return accounts.add_sources(self.ctx, [(patient_id, programme_id)])[
            (patient_id, programme_id)
        ]

    def enrol_many(self, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], WalletSource]:
        return accounts.add_sources(self.ctx, pairs)

    def fund_programme(self, programme_id: int, amount: int, reference: str) -> programmes.Movement:
        return programmes.fund_programme(self.ctx, programme_id, amount, reference)

    def grant(
        self, programme_id: int, grants: Sequence[tuple[int, int]], reference: str
    ) -> list[programmes.Movement]:
        """Load programme money into members' wallets: ``(patient, amount)`` pairs."""
        return programmes.grant(self.ctx, programme_id, grants, reference)

    def expire_conditional_funds(self, on: date | None = None) -> programmes.ExpiryRun:
        """Return unspent money of programmes past their validity to the funders."""
        return programmes.expire_conditional_funds(self.ctx, on)

    # -- reading ------------------------------------------------------------------------

    def sources(self, patient_id: int, actor: Actor | None = None) -> list[SourceBalance]:
        """The patient's wallet accounts the actor may see, with balances.

        A payer sees only the accounts it sponsors; with none, the wallet is NotFound.
        """
        with read_transaction(self.ctx.engine) as conn:
            found = store.sources_of(conn, [patient_id]).get(patient_id, [])
            progs = store.programmes(conn, [s.programme_id for s in found])
            currencies = store.ledger_currencies(conn)
        balances = {a.id: a for a in self.ctx.ledger.accounts([s.account_id for s in found])}
        out = []
        for s in found:
            a = balances.get(s.account_id)
            if a is None:
                continue
            if actor is not None and not actor.may_see(a.owner_party_id, a.sponsor_party_id):
                continue
            prog = progs.get(s.programme_id)
            out.append(
                SourceBalance(
                    s.source,
                    s.programme_id,
                    prog.name if prog else "",
                    s.ledger,
                    s.account_id,
                    currencies.get(s.ledger, ""),
                    a.balance,
                    a.available,
                    prog.earmark.valid_until if prog else None,
                )
            )
        if actor is not None and not out:
            raise NotFound(f"no wallet of patient {patient_id} found", code="wallet_not_found")
        rank = {s: i for i, s in enumerate(FundingSource)}
        return sorted(out, key=lambda b: (rank[b.source], b.programme_id, b.ledger))

    def statement(
        self, party_id: int, actor: Actor | None = None, *, limit: int = 200
    ) -> statements.PartyStatement:
        """Every party's statement: payments with clinic and service, top-ups with phone."""
        return statements.party_statement(self.ctx, party_id, actor, limit=limit)

    # -- paying -------------------------------------------------------------------------

    def pay(
        self,
        *,
        patient_id: int,
        provider_id: int,
        items: Sequence[PricedItem],
        programme_id: int | None,
        payment_id: int,
        service_date: date | None = None,
        currency: str | None = None,
    ) -> PaymentResult:
        """Pay a provider from the patient's wallet; the same ``payment_id`` pays once.

        The programme's earmark and draw-down rule decide which sources pay what; the
        result lists each source's part (or the refusal, with nothing moved).
        """
        request = PaymentRequest(
            payment_id,
            patient_id,
            provider_id,
            tuple(items),
            programme_id,
            service_date,
            currency,
        )
        return make_payments(self.ctx, [request])[0]

    def pay_batch(self, requests: Sequence[PaymentRequest]) -> list[PaymentResult]:
        """Pay many bills at once (planned together, moved in as few ledger batches as fit)."""
        return make_payments(self.ctx, requests)

    def reserve(
        self,
        *,
        patient_id: int,
        provider_id: int,
        items: Sequence[PricedItem],
        programme_id: int | None,
        reservation_id: int,
        service_date: date | None = None,
        currency: str | None = None,
        timeout: int = DEFAULT_RESERVATION_SECONDS,
    ) -> PaymentResult:
        """Hold the money for a pre-authorisation (pending transfers, released at
        ``timeout`` seconds unless settled or released first)."""
        request = PaymentRequest(
            reservation_id,
            patient_id,
            provider_id,
            tuple(items),
            programme_id,
            service_date,
            currency,
        )
        return make_payments(self.ctx, [request], reserve=True, timeout=timeout)[0]

    def reserve_batch(
        self, requests: Sequence[PaymentRequest], timeout: int = DEFAULT_RESERVATION_SECONDS
    ) -> list[PaymentResult]:
        return make_payments(self.ctx, requests, reserve=True, timeout=timeout)

    def settle(
        self, reservation_id: int, items: Sequence[PricedItem] | None = None
    ) -> PaymentResult:
        """Post a reservation for the final bill (never more than reserved)."""
        return reservations.settle(self.ctx, reservation_id, items)

    def release(self, reservation_id: int) -> PaymentResult:
        """Void a reservation: the money returns to the patient's sources."""
        return reservations.release(self.ctx, reservation_id)

    # -- money in -----------------------------------------------------------------------

    def check_top_up(self, account_ref: str, amount: int) -> topups.TopUpRefusal | None:
        return topups.check_top_up(self.ctx, account_ref, amount)

    def credit_top_up(self, top_up: topups.TopUp) -> topups.TopUpResult:
        return topups.credit_top_up(self.ctx, top_up)

    def credit_top_ups(self, top_ups: Sequence[topups.TopUp]) -> list[topups.TopUpResult]:
        """Credit many confirmed top-ups at once (each exactly once by its TransID)."""
        return topups.credit_top_ups(self.ctx, top_ups)

    def send_to_relative(
        self,
        sender_id: int,
        recipient_ref: str,
        amount: int,
        send_id: str,
        actor: Actor | None = None,
        *,
        currency: str | None = None,
    ) -> topups.SendResult:
        """Send from the sender's savings to a relative's wallet (by phone or reference)."""
        if actor is not None and actor.kind is not PartyKind.ADMIN and actor.party_id != sender_id:
            raise Forbidden("you may send only from your own wallet", code="not_your_wallet")
        return topups.send_to_relative(
            self.ctx, sender_id, recipient_ref, amount, send_id, currency=currency
        )

    # -- money out ----------------------------------------------------------------------

    def set_payout_target(self, provider_id: int, method: str, reference: str) -> None:
        payouts.set_payout_target(self.ctx, provider_id, method, reference)

    def run_payouts(
        self,
        run_id: str,
        provider_ids: Sequence[int] | None = None,
        actor: Actor | None = None,
    ) -> payouts.PayoutRun:
        """Pay out posted receivables; a provider may run only its own."""
        if actor is not None and actor.kind is not PartyKind.ADMIN:
            if actor.kind is not PartyKind.PROVIDER:
                raise Forbidden("only providers and admins run payouts", code="not_allowed")
            if provider_ids is None or set(provider_ids) != {actor.party_id}:
                raise Forbidden("a provider may pay out only its own balance", code="not_allowed")
        return payouts.run_payouts(self.ctx, run_id, provider_ids, self.gateway)

    def payout_run(self, run_id: str, actor: Actor | None = None) -> payouts.PayoutRun:
        """A stored payout run; a provider sees only its own lines."""
        found = payouts.stored_run(self.ctx, run_id)
        if found is None:
            raise NotFound(f"payout run {run_id!r} not found", code="payout_run_not_found")
        if actor is not None and actor.kind not in (PartyKind.ADMIN, PartyKind.AUDITOR):
            mine = tuple(x for x in found.lines if x.provider_party_id == actor.party_id)
            if not mine:
                raise NotFound(f"payout run {run_id!r} not found", code="payout_run_not_found")
            return payouts.PayoutRun(found.run_id, mine, found.replayed)
        return found
