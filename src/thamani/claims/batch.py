"""The batch path: load what a batch needs, adjudicate it, then store and settle it at once.

1. **Load** in a few queries (``IN`` lists, never a query per claim): the members, their
   enrolments, the programmes' compiled rules (cached by version), the usage counters of
   the enrolments concerned, the duplicate keys already held, the pre-authorisations
   named, and the providers' cost statistics.
2. **Adjudicate** claim by claim in memory (``thamani.claims.adjudication``): the second
   claim of a member in a batch sees the first one's usage.
3. **Store and settle** in one transaction: the ledger batch that reserves the
   pre-authorisations and pays the valuated claims (each claim one linked chain, every
   transfer id derived from the claim's id) commits together with the claims' rows and
   the changed counters (``recorder``). A claim is never stored without its payment, nor
   paid without being stored.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Connection

from thamani.claims import payload
from thamani.claims import store as claim_store
from thamani.claims.adjudication import adjudicate, record
from thamani.claims.cases import Case, Context
from thamani.claims.reasons import Reason
from thamani.claims.records import (
    Claim,
    ClaimInput,
    ClaimStatus,
    ClaimUse,
    Finding,
)
from thamani.claims.rulebook import RuleBook
from thamani.claims.settlement import Hold, Payment, Recorder, Settled
from thamani.ledger.ids import new_ids, to_bytes
from thamani.schemes import store as scheme_store
from thamani.schemes.records import Member

# Enum members used on every claim, as module constants: looking a member up on its
# class costs about 100 ns (the enum metaclass's attribute hook), a global a tenth.
_USE_PREAUTHORIZATION = ClaimUse.PREAUTHORIZATION
_REJECTED = ClaimStatus.REJECTED
_AUTHORISED = ClaimStatus.AUTHORISED
_VALUATED = ClaimStatus.VALUATED
_PAID = ClaimStatus.PAID
_USE_CLAIM = ClaimUse.CLAIM

NS_PER_DAY = 86_400 * 1_000_000_000


#: Batches at least this large run with the cyclic garbage collector paused.
QUIET_GC_FROM = 512


@contextmanager
def collector_paused(claims: int) -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a large batch runs.

    A batch makes hundreds of thousands of small objects; each collection of the oldest
    generation walks them all, which costs more than the adjudication itself. The
    records made here form no reference cycles (reference counting frees them), so
    nothing accumulates; the collector is switched back on when the batch ends.

    The objects the batch leaves (its results, hundreds of thousands) would then be
    walked at once by the first collection of the youngest generation: they are moved
    to the oldest generation instead (``gc.freeze`` then ``gc.unfreeze``), as if they
    had survived the collections they missed; a full collection still looks at them.
    This is skipped when something else keeps frozen objects (``gc.freeze`` of its own).
    """
    pause = claims >= QUIET_GC_FROM and gc.isenabled()
    if pause:
        gc.disable()
    try:
        yield
    finally:
        if pause:
            if gc.get_freeze_count() == 0:
                gc.freeze()
                gc.unfreeze()
            gc.enable()


@dataclass(slots=True)
class Decided:
    """A claim adjudicated in this batch, on its way to the store and the ledger.

    case: the working case.
    id: the claim's new id.
    no: its store sequence number (given when it is written).
    payload: its canonical JSON.
    digest: the payload's digest.
    totals: asked, valuated, payer, co_pay, deductible, not_covered.
    reserved, expires_at: a pre-authorisation's hold.
    settlement: the ledger's refusal, when settling failed.
    paid_at: when it was paid.
    findings: claim-level findings, including any added at settlement.
    status: the outcome after settlement (the case's status is the adjudication's).
    """

    case: Case
    id: int
    no: int
    payload: bytes
    digest: bytes
    totals: tuple[int, int, int, int, int, int]
    reserved: int = 0
    expires_at: int = 0
    settlement: str | None = None
    paid_at: int | None = None
    findings: list[Finding] = field(default_factory=list)
    status: ClaimStatus = ClaimStatus.ENTERED


def load_members(conn: Connection, ctx: Context, cases: Sequence[Case]) -> None:
    """The members these cases name and their enrolments, those not loaded already (then
    ``fill_usage``, once the books of every programme they are enrolled in are known)."""
    refs = {c.claim.member for c in cases} - ctx.looked_up
    if not refs:
        return
    found = scheme_store.members_by_reference(conn, refs)
    ctx.looked_up |= refs
    ctx.members.update(found)
    ctx.enrolments.update(scheme_store.enrolments_of(conn, [m.id for m in found.values()]))


def load_context(
    conn: Connection,
    cases: Sequence[Case],
    books: dict[int, RuleBook],
    today: date,
    now_ns: int,
) -> Context:
    """A fresh context with the members a part names and their enrolments."""
    ctx = Context(today=today, now_ns=now_ns, books=books)
    load_members(conn, ctx, cases)
    return ctx


def fill_usage(conn: Connection, ctx: Context, cases: Sequence[Case]) -> None:
    """The counters, pre-authorisations and statistics a part needs, those not loaded
    already (counters an earlier part of the batch holds are its, more recent than the
    store's until that part commits)."""
    books = ctx.books
    wanted_usage: set[int] = set()
    wanted_policies: set[int] = set()
    for c in cases:
        m = ctx.members.get(c.claim.member)
        if m is None:
            continue
        start = c.claim.encounter.start
        for e in ctx.enrolments.get(m.id, ()):
            if e.start <= start <= e.end:
                wanted_usage.add(e.id)
                book = books.get(e.programme_id)
                if book is not None and book.needs_policy_usage:
                    wanted_policies.add(e.policy_id)
    wanted_usage -= ctx.usage_read
    wanted_policies -= ctx.policies_read
    if wanted_usage:
        for k, u in claim_store.load_usage(conn, wanted_usage).items():
            ctx.usage.setdefault(k, u)
        ctx.usage_read |= wanted_usage
    if wanted_policies:
        for k, pu in claim_store.load_policy_usage(conn, wanted_policies).items():
            ctx.policies.setdefault(k, pu)
        ctx.policies_read |= wanted_policies
    ctx.preauths = claim_store.preauths(conn, [c.claim.preauth_id for c in cases])
    outlier = {
        pid: {a.provider_id: a.level for a in b.providers.values()}
        for pid, b in books.items()
        if b.programme.review.outlier_factor_bp and pid not in ctx.stats_read
    }
    if outlier:
        loaded = claim_store.load_stats(conn, outlier)
        ctx.stats.own.update(loaded.own)
        ctx.stats.peers.update(loaded.peers)
        ctx.stats_read |= set(outlier)


@dataclass(frozen=True, slots=True)
class Saved:
    """The counters a part changed, as the rows that store them (taken when the part is
    decided: later parts go on changing the counters in memory).

    usage: (enrolment id, data). policies: (policy id, data).
    stats: (programme id, provider id, encounters, valuated) added by the part.
    """

    usage: list[tuple[int, str]]
    policies: list[tuple[int, str]]
    stats: list[tuple[int, int, int, int]]


def changed(ctx: Context) -> Saved:
    """The rows of the counters changed since the last call (marked clean again)."""
    usage = []
    for k, u in ctx.usage.items():
        if u.dirty:
            usage.append((k, u.dumps()))
            u.dirty = False
    policies = []
    for k, pu in ctx.policies.items():
        if pu.dirty:
            policies.append((k, pu.dumps()))
            pu.dirty = False
    stats = [(p, q, n, v) for (p, q), (n, v) in ctx.stats.added.items()]
    ctx.stats.added.clear()
    return Saved(usage, policies, stats)


def decide(
    cases: Sequence[Case], ctx: Context, payloads: Sequence[bytes], now_ns: int
) -> list[Decided]:
    """Adjudicate every case in order, in memory (nothing is written yet)."""
    out: list[Decided] = []
    ids = new_ids(len(cases))
    for case, raw, claim_id in zip(cases, payloads, ids, strict=True):
        adjudicate(case, ctx)
        record(case, ctx)
        out.append(_decided(case, raw, claim_id, now_ns))
    return out


def _decided(case: Case, raw: bytes, claim_id: int, now_ns: int) -> Decided:
    totals = case.totals
    payer = totals[2]
    d = Decided(
        case,
        claim_id,
        0,
        raw,
        payload.digest(raw),
        totals,
        findings=list(case.findings),
        status=case.status,
    )
    if case.claim.use is _USE_PREAUTHORIZATION and case.status is not _REJECTED:
        book = case.book
        assert book is not None
        d.reserved = payer
        d.expires_at = now_ns + book.programme.preauth_days * NS_PER_DAY
        if payer == 0:
            d.status = _AUTHORISED
    return d


def _row(d: Decided, now_ns: int, submitted_by: int | None) -> tuple[object, ...]:
    c = d.case
    claim = c.claim
    book = c.book
    e = c.enrolment
    asked, valuated, payer, co_pay, ded, nc = d.totals
    return (
        d.no,
        to_bytes(d.id),
        1 if claim.use is _USE_CLAIM else 2,
        d.status._value_,
        book.programme.id if book else c.programme_id,
        book.programme.version if book else 0,
        c.provider_id,
        c.member.id if c.member else None,
        claim.member,
        e.id if e else None,
        e.policy_id if e else None,
        claim.reference,
        claim_store.day_param(claim.encounter.start),
        claim.encounter.encounter_class._value_,
        c.visits,
        asked,
        valuated,
        payer,
        co_pay,
        ded,
        nc,
        to_bytes(claim.preauth_id) if claim.preauth_id else None,
        d.reserved,
        d.expires_at,
        c.dup_key or None,
        d.digest,
        claim_store.findings_json(d.findings),
        claim_store.findings_json(c.flags),
        claim_store.lines_json(c.lines),
        d.payload.decode(),
        submitted_by,
        now_ns,
        now_ns,
        d.paid_at,
        None,
        d.settlement,
    )


def payment_of(
    claim_id: int,
    book: RuleBook,
    provider_id: int,
    payer: int,
    member_pays: int,
    member: Member | None,
    preauth: tuple[int, int] | None,
) -> Payment:
    """The payment a claim makes (``preauth`` is its (id, reserved) when it holds money)."""
    acc = book.providers[provider_id]
    pa_id, pa_amount = preauth if preauth and preauth[1] > 0 else (0, 0)
    return Payment(
        claim_id=claim_id,
        ledger=book.programme.ledger,
        fund_account_id=book.programme.fund_account_id,
        receivable_account_id=acc.receivable_account_id,
        amount=payer,
        preauth_id=pa_id,
        preauth_amount=pa_amount,
        co_pay=member_pays,
        member_account_id=member.wallet_account_id if member else 0,
        provider_id=provider_id,
    )


def releases_of(decided: Sequence[Decided], now_ns: int) -> list[Decided]:
    """Rejected claims whose pre-authorisation still holds money: adjudication voids it
    (a claim rejected as a duplicate leaves the hold to the claim it duplicates)."""
    out = []
    for d in decided:
        pa = d.case.preauth
        if (
            d.status is _REJECTED
            and pa is not None
            and pa.status is _AUTHORISED
            and pa.reserved > 0
            and pa.expires_at > now_ns
            and not any(f.code == Reason.DUPLICATE_CLAIM.value for f in d.case.findings)
        ):
            out.append(d)
    return out


def holds_and_payments(
    decided: Sequence[Decided], now_ns: int
) -> tuple[list[Hold], list[Decided], list[Payment], list[Decided]]:
    """The pre-authorisations to reserve and the claims to pay in a batch."""
    holds: list[Hold] = []
    held: list[Decided] = []
    payments: list[Payment] = []
    paying: list[Decided] = []
    for d in decided:
        c = d.case
        if d.status is not _VALUATED:
            continue
        book = c.book
        assert book is not None
        if c.claim.use is _USE_PREAUTHORIZATION:
            if d.reserved > 0:
                acc = book.providers[c.provider_id]
                holds.append(
                    Hold(
                        d.id,
                        book.programme.ledger,
                        book.programme.fund_account_id,
                        acc.receivable_account_id,
                        d.reserved,
                        book.programme.preauth_days * 86_400,
                    )
                )
                held.append(d)
            continue
        _, _, payer, co_pay, ded, _ = d.totals
        pa = c.preauth
        if pa is not None and (pa.status is not _AUTHORISED or pa.expires_at <= now_ns):
            pa = None  # used, released or lapsed: its lines were refused; pay the rest plainly
        payments.append(
            payment_of(
                d.id,
                book,
                c.provider_id,
                payer,
                co_pay + ded,
                c.member,
                (pa.id, pa.reserved) if pa else None,
            )
        )
        paying.append(d)
    return holds, held, payments, paying


def recorder(
    decided: Sequence[Decided],
    held: Sequence[Decided],
    paying: Sequence[Decided],
    saved: Saved,
    submitted_by: int | None,
    now_ns: int,
    released: Sequence[Decided] = (),
) -> Recorder:
    """What stores a batch inside the ledger's commit, given the settlement's outcomes.

    The claims' rows are made here, before the ledger is asked, as they will be when
    every hold and payment goes through (what almost always happens): inside the
    commit, which holds the store's write lock, only a claim whose money did not move
    is made again, and each row is given its number.
    """
    for d in decided:
        d.status = (
            _AUTHORISED
            if d.case.claim.use is _USE_PREAUTHORIZATION
            and d.case.status is _VALUATED
            and d.reserved == 0
            else d.case.status
        )
        d.findings = list(d.case.findings)
        d.settlement = None
        d.paid_at = None
    for d in held:
        d.status = _AUTHORISED
    for d in paying:
        d.status = _PAID
        d.paid_at = now_ns
    made = [_row(d, now_ns, submitted_by) for d in decided]
    position = {id(d): k for k, d in enumerate(decided)}

    def write(conn: Connection, outcomes: list[Settled]) -> None:
        again: list[int] = []
        for d, s in zip(held, outcomes[: len(held)], strict=True):
            d.findings = list(d.case.findings)
            if s.ok:
                d.status, d.settlement = _AUTHORISED, None
            else:
                d.status = _REJECTED
                d.settlement = s.result
                d.findings.append(
                    Finding(
                        Reason.NOT_FUNDED.value,
                        f"the programme's fund cannot hold the amount asked ({s.result})",
                    )
                )
                again.append(position[id(d)])
        used: list[int] = []
        done = len(held) + len(paying)
        for d, s in zip(released, outcomes[done:], strict=True):
            if s.ok and d.case.preauth is not None:
                used.append(d.case.preauth.no)
        for d, s in zip(paying, outcomes[len(held) : done], strict=True):
            if s.ok:
                d.status, d.paid_at, d.settlement = _PAID, now_ns, None
                if d.case.preauth is not None:
                    used.append(d.case.preauth.no)
            else:
                d.status, d.paid_at, d.settlement = d.case.status, None, s.result
                again.append(position[id(d)])
        no = claim_store.next_no(conn)
        rows = [(no + k, *row[1:]) for k, row in enumerate(made)]
        for k, d in enumerate(decided):
            d.no = no + k
        for k in again:
            rows[k] = _row(decided[k], now_ns, submitted_by)
        claim_store.insert_claims(conn, rows)
        claim_store.save_usage_rows(conn, saved.usage, saved.policies)
        if saved.stats:
            claim_store.save_stats_rows(conn, saved.stats)
        if used:
            claim_store.set_outcomes(
                conn, [(n, ClaimStatus.CLOSED.value, None, None) for n in used]
            )

    return write


def claim_of(d: Decided, currency: str, programme_code: str, now_ns: int) -> Claim:
    """The stored claim, built from what the batch decided (no read back)."""
    c = d.case
    claim = c.claim
    asked, valuated, payer, co_pay, ded, nc = d.totals
    e = c.enrolment
    m = c.member
    return _new_tuple(  # a ``Claim`` from its values in order (one per claim of a batch)
        Claim,
        (
            d.id,
            claim.use,
            d.status,
            c.book.programme.id if c.book else c.programme_id,
            programme_code,
            currency,
            c.provider_id,
            m.id if m else None,
            claim.member,
            e.id if e else None,
            claim.reference,
            claim.encounter.start,
            claim.encounter.encounter_class,
            tuple(c.lines),
            asked,
            valuated,
            payer,
            co_pay,
            ded,
            nc,
            tuple(d.findings),
            tuple(c.flags),
            claim.preauth_id,
            d.reserved,
            d.expires_at,
            now_ns,
            now_ns,
            d.paid_at,
            None,
            d.settlement,
            claim.encounter,
            d.no,
        ),
    )


_new_tuple = tuple.__new__


def inputs_payloads(inputs: Sequence[ClaimInput]) -> list[bytes]:
    return [payload.dumps(c) for c in inputs]
