"""Paying a provider from a patient's wallet: plan, record, move, confirm.

A payment (or a reservation at check-in) is planned by ``drawdown.plan_payment``, written
down with its parts (status ``planned``/``reserving``) and then moved on the ledger as one
linked chain: one transfer per paying account, each on its own ledger, all or nothing.
The same payment id pays once: a replay returns the stored result, and a call interrupted
after the plan was written resubmits the same transfers (see ``chains``), which the ledger
answers with ``exists``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import InvalidInput
from thamani.ledger.results import TransferResult
from thamani.money import currency as lookup_currency
from thamani.wallets import store
from thamani.wallets.accounts import provider_accounts
from thamani.wallets.chains import chain, chain_failure, ledger_refusal, submit_chains, transfer_id
from thamani.wallets.context import WalletContext
from thamani.wallets.drawdown import Funds, PaymentPlan, PaymentRefusal, plan_payment
from thamani.wallets.records import DrawDownRule, ProgrammeFunding
from thamani.wallets.results import (
    PaymentRequest,
    PaymentResult,
    refused,
    result_of,
)
from thamani.wallets.store import StoredPart, StoredPayment

#: Seconds a reservation holds the money before the ledger releases it by itself.
DEFAULT_RESERVATION_SECONDS = 7 * 86_400

#: The rule for payments that name no programme: family money first, savings last.
OWN_MONEY_RULE = DrawDownRule()


# -- paying and reserving -------------------------------------------------------------


@dataclass(slots=True)
class _World:
    """What planning a batch needs, read once."""

    sources: dict[int, list[Funds]]
    programmes: dict[int, ProgrammeFunding]
    savings: dict[str, int]


def _read_world(ctx: WalletContext, requests: Sequence[PaymentRequest]) -> _World:
    with read_transaction(ctx.engine) as conn:
        progs = store.programmes(conn, [r.programme_id or 0 for r in requests])
        by_patient = store.sources_of(conn, [r.patient_party_id for r in requests])
        savings = {cur: led for led, cur in store.savings_ledgers(conn).items()}
    ids = [s.account_id for srcs in by_patient.values() for s in srcs]
    balances = {a.id: a.available for a in ctx.ledger.accounts(ids)}
    funds = {
        pid: [
            Funds(s.source, s.programme_id, s.account_id, s.ledger, balances.get(s.account_id, 0))
            for s in srcs
        ]
        for pid, srcs in by_patient.items()
    }
    return _World(funds, progs, savings)


def _same(p: StoredPayment, r: PaymentRequest, kind: str) -> bool:
    return (
        p.kind == kind
        and p.patient_party_id == r.patient_party_id
        and p.provider_party_id == r.provider_party_id
        and (p.programme_id or None) == r.programme_id
        and p.items == r.items
    )


def make_payments(
    ctx: WalletContext,
    requests: Sequence[PaymentRequest],
    *,
    reserve: bool = False,
    timeout: int = DEFAULT_RESERVATION_SECONDS,
) -> list[PaymentResult]:
    """Pay (or reserve) a batch of bills; one result per request, in order."""
    ids = [r.payment_id for r in requests]
    if len(set(ids)) != len(ids):
        raise InvalidInput("a batch names the same payment id twice", code="duplicate_payment")
    for r in requests:
        if not 0 < r.payment_id < 2**128 - 1:
            raise InvalidInput(f"payment id {r.payment_id} is not a 128-bit id")
    if reserve and timeout < 0:
        raise InvalidInput("a reservation's timeout cannot be negative", where="timeout")
    for _attempt in range(3):
        try:
            return _make_payments(ctx, requests, reserve=reserve, timeout=timeout)
        except SQLIntegrityError:
            continue  # another caller recorded one of these ids meanwhile: read them again
    return _make_payments(ctx, requests, reserve=reserve, timeout=timeout)


def _make_payments(
    ctx: WalletContext, requests: Sequence[PaymentRequest], *, reserve: bool, timeout: int
) -> list[PaymentResult]:
    kind, phase = ("reservation", "reserve") if reserve else ("payment", "pay")
    with read_transaction(ctx.engine) as conn:
        existing = store.load_payments(conn, [r.payment_id for r in requests])
    results: dict[int, PaymentResult] = {}
    resume: list[StoredPayment] = []
    fresh: list[PaymentRequest] = []
    today = ctx.today()
    for r in requests:
        e = existing.get(r.payment_id)
        if e is None:
            fresh.append(r)
        elif not _same(e, r, kind):
            results[r.payment_id] = refused(
                r,
                e.currency,
                e.service_date,
                PaymentRefusal(
                    "payment_id_reused",
                    f"payment id {r.payment_id} was used for a different {e.kind}",
                ),
            )
        elif e.status in ("planned", "reserving"):
            resume.append(e)
        else:
            results[r.payment_id] = result_of(e, replayed=True)
    world = _read_world(ctx, fresh) if fresh else _World({}, {}, {})
    planned: list[tuple[PaymentRequest, str, date, PaymentPlan]] = []
    used: dict[int, int] = {}
    for r in fresh:
        on = r.service_date or today
        prog = world.programmes.get(r.programme_id) if r.programme_id else None
        cur = prog.currency if prog else lookup_currency(r.currency or ctx.settings.currency).code
        if r.programme_id and prog is None:
            results[r.payment_id] = refused(
                r,
                cur,
                on,
                PaymentRefusal("programme_not_found", f"programme {r.programme_id} is unknown"),
            )
            continue
        if r.currency and lookup_currency(r.currency).code != cur:
            raise InvalidInput(
                f"payment {r.payment_id} is in {r.currency} but programme"
                f" {r.programme_id} pays in {cur}",
                where="currency",
            )
        if not world.sources.get(r.patient_party_id):
            results[r.payment_id] = refused(
                r,
                cur,
                on,
                PaymentRefusal("wallet_not_found", f"patient {r.patient_party_id} has no wallet"),
            )
            continue
        savings = world.savings.get(cur)
        funds = [
            Funds(
                f.source,
                f.programme_id,
                f.account_id,
                f.ledger,
                f.available - used.get(f.account_id, 0),
            )
            for f in world.sources[r.patient_party_id]
            if (f.source.is_own and f.ledger == savings)
            or (prog is not None and f.programme_id == prog.programme_id)
        ]
        plan = plan_payment(
            r.items,
            funds,
            rule=prog.rule if prog else OWN_MONEY_RULE,
            provider_party_id=r.provider_party_id,
            on=on,
            programme_id=r.programme_id,
            earmark=prog.earmark if prog else None,
        )
        if isinstance(plan, PaymentRefusal):
            results[r.payment_id] = refused(r, cur, on, plan)
            continue
        for part in plan.parts:
            used[part.account_id] = used.get(part.account_id, 0) + part.amount
        planned.append((r, cur, on, plan))
    receivables = provider_accounts(
        ctx,
        {(r.provider_party_id, part.ledger) for r, _, _, plan in planned for part in plan.parts},
    )
    new: list[StoredPayment] = []
    for r, cur, on, plan in planned:
        parts = tuple(
            StoredPart(
                phase,
                k,
                transfer_id(r.payment_id, phase, k),
                0,
                x.source,
                x.programme_id,
                x.account_id,
                receivables[(r.provider_party_id, x.ledger)][0],
                x.ledger,
                x.amount,
            )
            for k, x in enumerate(plan.parts)
        )
        new.append(
            StoredPayment(
                r.payment_id,
                kind,
                "reserving" if reserve else "planned",
                r.patient_party_id,
                r.provider_party_id,
                r.programme_id or 0,
                cur,
                on,
                plan.total,
                plan.copay,
                plan.shortfall,
                r.items,
                timeout if reserve else 0,
                ctx.now(),
                parts,
            )
        )
    if new:
        with write_transaction(ctx.engine) as conn:
            store.insert_payments(conn, new, ctx.now())
    todo = [*resume, *new]
    outcomes = submit_chains(ctx, [chain(p, phase) for p in todo])
    done: list[StoredPayment] = []
    untouched: set[int] = set()  # resumed payments whose transfers were all there already
    failed: list[tuple[StoredPayment, TransferResult]] = []
    for p, res in zip(todo, outcomes, strict=True):
        bad = chain_failure(res)
        if bad is None:
            done.append(p)
            if all(r is TransferResult.EXISTS for r in res):
                untouched.add(p.id)
        else:
            failed.append((p, bad))
    final = "reserved" if reserve else "paid"
    with write_transaction(ctx.engine) as conn:
        store.set_payment_status(conn, [p.id for p in done], final, ctx.now())
        store.delete_payments(conn, [p.id for p, _ in failed])
    for p in done:
        results[p.id] = result_of(_with_status(p, final), replayed=p.id in untouched)
    for p, bad in failed:
        results[p.id] = result_of(_with_status(p, "refused"), refusal=ledger_refusal(bad))
    return [results[r.payment_id] for r in requests]


def _with_status(p: StoredPayment, status: str) -> StoredPayment:
    return StoredPayment(
        p.id,
        p.kind,
        status,
        p.patient_party_id,
        p.provider_party_id,
        p.programme_id,
        p.currency,
        p.service_date,
        p.total,
        p.copay,
        p.shortfall,
        p.items,
        p.timeout,
        p.created_at,
        p.parts,
    )
