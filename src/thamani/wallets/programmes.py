"""A programme's money: funding it, granting it into members' wallets, and taking back
what was not spent when its validity ends.

Every transfer here has an id derived from what it is, so each use case may be repeated:
funding and grants by the caller's reference, expiry by the state of the account it
empties (a second run finds nothing left, or the same transfer already there).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import InvalidInput
from thamani.ledger.codes import TransferCode
from thamani.ledger.ids import derived_id
from thamani.ledger.records import BATCH_MAX, Transfer
from thamani.ledger.results import TransferResult
from thamani.wallets import store
from thamani.wallets.accounts import add_sources, programme
from thamani.wallets.context import WalletContext
from thamani.wallets.records import ExpiryPolicy


@dataclass(frozen=True, slots=True)
class Movement:
    """One transfer of a programme's money and how the ledger answered.

    patient_party_id: the member (None for funding the programme itself).
    programme_id: the programme.
    amount: minor units.
    transfer_id: the ledger transfer.
    result: the ledger's answer (``ok`` and ``exists`` mean recorded).
    """

    patient_party_id: int | None
    programme_id: int
    amount: int
    transfer_id: int
    result: TransferResult


def fund_programme(ctx: WalletContext, programme_id: int, amount: int, reference: str) -> Movement:
    """The funder puts ``amount`` into the programme's fund (idempotent by ``reference``)."""
    if amount <= 0:
        raise InvalidInput("funding must be a positive amount", where="amount")
    prog = programme(ctx, programme_id)
    tid = derived_id("thamani.wallets.funding", programme_id, reference)
    t = Transfer(
        tid,
        prog.funder_account_id,
        prog.fund_account_id,
        amount,
        prog.ledger,
        int(TransferCode.FUNDING),
        user_data_128=tid,
        user_data_64=programme_id,
    )
    with write_transaction(ctx.engine) as conn:
        store.insert_entries(
            conn,
            [
                store.Entry(
                    tid,
                    "funding",
                    None,
                    prog.funder_party_id,
                    None,
                    programme_id,
                    None,
                    reference[:64],
                )
            ],
            ctx.now(),
        )
    result = ctx.ledger.create_transfers([t])[0]
    return Movement(None, programme_id, amount, tid, result)


def grant(
    ctx: WalletContext,
    programme_id: int,
    grants: Sequence[tuple[int, int]],
    reference: str,
) -> list[Movement]:
    """Load ``(patient, amount)`` pairs from the programme's fund into members' wallets.

    Opens the members' programme accounts where needed. Each grant stands alone (one short
    of money does not stop the others); ``reference`` makes the batch idempotent.
    """
    prog = programme(ctx, programme_id)
    e = prog.earmark
    if e.valid_until is not None and ctx.today() > e.valid_until:
        raise InvalidInput(
            f"programme {programme_id} ended on {e.valid_until.isoformat()}: no more grants",
            code="source_expired",
        )
    for patient, amount in grants:
        if amount <= 0:
            raise InvalidInput(f"the grant to patient {patient} must be positive")
    sources = add_sources(ctx, {(p, programme_id) for p, _ in grants})
    transfers = []
    entries = []
    for patient, amount in grants:
        tid = derived_id("thamani.wallets.grant", programme_id, reference, patient)
        transfers.append(
            Transfer(
                tid,
                prog.fund_account_id,
                sources[(patient, programme_id)].account_id,
                amount,
                prog.ledger,
                int(TransferCode.GRANT),
                user_data_128=tid,
                user_data_64=programme_id,
                user_data_32=prog.source.number,
            )
        )
        entries.append(
            store.Entry(
                tid,
                "grant",
                patient,
                prog.funder_party_id,
                prog.source,
                programme_id,
                None,
                reference[:64],
            )
        )
    with write_transaction(ctx.engine) as conn:
        store.insert_entries(conn, entries, ctx.now())
    results: list[TransferResult] = []
    for start in range(0, len(transfers), BATCH_MAX):
        results += ctx.ledger.create_transfers(transfers[start : start + BATCH_MAX])
    return [
        Movement(p, programme_id, a, t.id, r)
        for (p, a), t, r in zip(grants, transfers, results, strict=True)
    ]


@dataclass(frozen=True, slots=True)
class ExpiryRun:
    """What an expiry run returned to funders.

    on: the day it ran for (programmes whose validity ended before it).
    movements: one per member account that held money.
    """

    on: date
    movements: tuple[Movement, ...]

    @property
    def returned(self) -> int:
        return sum(m.amount for m in self.movements if m.result.recorded)


def expire_conditional_funds(ctx: WalletContext, on: date | None = None) -> ExpiryRun:
    """Return the unspent money of programmes whose validity ended before ``on`` (default
    today) to their funders, as each programme's expiry policy says; in batches."""
    day = on or ctx.today()
    with read_transaction(ctx.engine) as conn:
        progs = {
            p.programme_id: p
            for p in store.programmes(conn).values()
            if p.earmark.valid_until is not None
            and p.earmark.valid_until < day
            and p.earmark.on_expiry is not ExpiryPolicy.KEEP
        }
        sources = store.sources_of_programmes(conn, sorted(progs))
    balances = {a.id: a for a in ctx.ledger.accounts([s.account_id for s in sources])}
    transfers: list[Transfer] = []
    owners: list[int] = []
    entries = []
    for s in sources:
        a = balances.get(s.account_id)
        if a is None or a.available <= 0:
            continue
        prog = progs[s.programme_id]
        back = (
            prog.fund_account_id
            if prog.earmark.on_expiry is ExpiryPolicy.RETURN_TO_FUND
            else prog.funder_account_id
        )
        # Named by the account's state: a repeat of this run reuses the id (exists), a
        # later run after new money arrived makes a new one.
        tid = derived_id(
            "thamani.wallets.expiry",
            s.account_id,
            a.credits_posted,
            a.debits_posted,
            a.debits_pending,
        )
        transfers.append(
            Transfer(
                tid,
                s.account_id,
                back,
                a.available,
                s.ledger,
                int(TransferCode.EXPIRY_RETURN),
                user_data_128=tid,
                user_data_64=s.programme_id,
                user_data_32=s.source.number,
            )
        )
        owners.append(s.patient_party_id)
        entries.append(
            store.Entry(
                tid,
                "expiry",
                s.patient_party_id,
                prog.funder_party_id,
                s.source,
                s.programme_id,
                None,
                day.isoformat(),
            )
        )
    if entries:
        with write_transaction(ctx.engine) as conn:
            store.insert_entries(conn, entries, ctx.now())
    results: list[TransferResult] = []
    for start in range(0, len(transfers), BATCH_MAX):
        results += ctx.ledger.create_transfers(transfers[start : start + BATCH_MAX])
    return ExpiryRun(
        day,
        tuple(
            Movement(p, t.user_data_64, t.amount, t.id, r)
            for p, t, r in zip(owners, transfers, results, strict=True)
        ),
    )
