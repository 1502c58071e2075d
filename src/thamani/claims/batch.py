"""The batch path: load what a batch needs, adjudicate it, write it, settle it.

One batch is adjudicated in one write transaction:

1. **Load** in a few queries (``IN`` lists, never a query per claim): the members, their
   enrolments, the programmes' compiled rules (cached by version), the usage counters of
   the enrolments concerned, the duplicate keys already held, the pre-authorisations
   named, and the providers' cost statistics.
2. **Adjudicate** claim by claim in memory (``thamani.claims.adjudication``): the second
   claim of a member in a batch sees the first one's usage.
3. **Write** the claims (one row each, multi-row inserts) and the changed counters (bulk
   upserts), and commit: the claims are now valuated, in review or rejected.
4. **Settle** outside that transaction (the ledger has its own): reserve the
   pre-authorisations, pay the valuated claims, each claim as one linked chain, every
   transfer id derived from the claim's id; then record what was paid in one more
   transaction. A crash between 3 and 4 leaves claims valuated with nothing moved;
   ``Claims.settle_pending`` pays them later, and a retry can never pay twice.
"""

from __future__ import annotations

from collections.abc import Sequence
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
    Line,
)
from thamani.claims.rulebook import RuleBook
from thamani.claims.settlement import Hold, Payment, Settled
from thamani.ledger.ids import new_id, to_bytes
from thamani.schemes import store as scheme_store
from thamani.schemes.records import Member

NS_PER_DAY = 86_400 * 1_000_000_000


@dataclass(slots=True)
class Decided:
    """A claim adjudicated in this batch, on its way to the store and the ledger.

    case: the working case.
    id: the claim's new id.
    no: its store sequence number.
    payload: its canonical JSON.
    digest: the payload's digest.
    totals: asked, valuated, payer, co_pay, deductible, not_covered.
    reserved, expires_at: a pre-authorisation's hold.
    settlement: the ledger's refusal, when settling failed.
    paid_at: when it was paid.
    findings: claim-level findings, including any added at settlement.
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


def load_context(
    conn: Connection,
    cases: Sequence[Case],
    books: dict[int, RuleBook],
    today: date,
    now_ns: int,
) -> Context:
    """The members a batch names and their enrolments (then ``fill_usage``, once the
    books of every programme they are enrolled in are known)."""
    ctx = Context(today=today, now_ns=now_ns, books=books)
    ctx.members = scheme_store.members_by_reference(conn, [c.claim.member for c in cases])
    ctx.enrolments = scheme_store.enrolments_of(conn, [m.id for m in ctx.members.values()])
    return ctx


def fill_usage(conn: Connection, ctx: Context, cases: Sequence[Case]) -> None:
    """The counters, duplicate keys, pre-authorisations and statistics a batch needs."""
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
    ctx.usage = claim_store.load_usage(conn, wanted_usage)
    ctx.policies = claim_store.load_policy_usage(conn, wanted_policies)
    ctx.duplicates = claim_store.live_duplicates(conn, [c.dup_key for c in cases])
    ctx.preauths = claim_store.preauths(conn, [c.claim.preauth_id for c in cases])
    outlier = {
        pid: {a.provider_id: a.level for a in b.providers.values()}
        for pid, b in books.items()
        if b.programme.review.outlier_factor_bp
    }
    ctx.stats = claim_store.load_stats(conn, outlier)


def decide(
    conn: Connection,
    cases: Sequence[Case],
    ctx: Context,
    payloads: Sequence[bytes],
    now_ns: int,
) -> list[Decided]:
    """Adjudicate every case in order and write the claims and counters."""
    no = claim_store.next_no(conn)
    out: list[Decided] = []
    rows = []
    for case, raw in zip(cases, payloads, strict=True):
        adjudicate(case, ctx)
        record(case, ctx)
        d = _decided(case, no, raw, now_ns)
        out.append(d)
        rows.append(_row(d, now_ns))
        no += 1
    claim_store.insert_claims(conn, rows)
    claim_store.save_usage(conn, ctx.usage, ctx.policies)
    if ctx.stats.dirty:
        claim_store.save_stats(conn, ctx.stats)
    return out


def _decided(case: Case, no: int, raw: bytes, now_ns: int) -> Decided:
    asked = valuated = payer = co_pay = ded = nc = 0
    for x in case.lines:
        asked += x.asked
        valuated += x.valuated
        payer += x.payer
        co_pay += x.co_pay
        ded += x.deductible
        nc += x.not_covered
    d = Decided(
        case,
        new_id(),
        no,
        raw,
        payload.digest(raw),
        (asked, valuated, payer, co_pay, ded, nc),
        findings=list(case.findings),
    )
    if case.claim.use is ClaimUse.PREAUTHORIZATION and case.status is not ClaimStatus.REJECTED:
        book = case.book
        assert book is not None
        d.reserved = payer
        d.expires_at = now_ns + book.programme.preauth_days * NS_PER_DAY
    return d


def _row(d: Decided, now_ns: int) -> tuple[object, ...]:
    c = d.case
    claim = c.claim
    book = c.book
    e = c.enrolment
    asked, valuated, payer, co_pay, ded, nc = d.totals
    return (
        d.no,
        to_bytes(d.id),
        claim_store.use_code(claim.use),
        c.status.value,
        book.programme.id if book else c.programme_id,
        book.programme.version if book else 0,
        c.provider_id,
        c.member.id if c.member else None,
        claim.member,
        e.id if e else None,
        e.policy_id if e else None,
        claim.reference,
        claim.encounter.start.isoformat(),
        claim.encounter.encounter_class.value,
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
        None,
        now_ns,
        now_ns,
        None,
        None,
        None,
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


def holds_and_payments(
    decided: Sequence[Decided],
) -> tuple[list[Hold], list[Decided], list[Payment], list[Decided]]:
    """The pre-authorisations to reserve and the claims to pay in a batch."""
    holds: list[Hold] = []
    held: list[Decided] = []
    payments: list[Payment] = []
    paying: list[Decided] = []
    for d in decided:
        c = d.case
        if c.status is not ClaimStatus.VALUATED:
            continue
        book = c.book
        assert book is not None
        if c.claim.use is ClaimUse.PREAUTHORIZATION:
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


def apply_settlement(
    held: Sequence[Decided],
    reserved: Sequence[Settled],
    paying: Sequence[Decided],
    paid: Sequence[Settled],
    now_ns: int,
) -> tuple[list[tuple[int, int, int | None, str | None]], list[int]]:
    """Outcomes to store (no, status, paid_at, settlement) and pre-authorisations used."""
    rows: list[tuple[int, int, int | None, str | None]] = []
    used: list[int] = []
    for d, s in zip(held, reserved, strict=True):
        if s.ok:
            d.case.status = ClaimStatus.AUTHORISED
            rows.append((d.no, ClaimStatus.AUTHORISED.value, None, None))
        else:
            d.case.status = ClaimStatus.REJECTED
            d.settlement = s.result
            d.findings.append(
                Finding(
                    Reason.NOT_FUNDED.value,
                    f"the programme's fund cannot hold the amount asked ({s.result})",
                )
            )
            rows.append((d.no, ClaimStatus.REJECTED.value, None, s.result))
    for d, s in zip(paying, paid, strict=True):
        if s.ok:
            d.case.status = ClaimStatus.PAID
            d.paid_at = now_ns
            rows.append((d.no, ClaimStatus.PAID.value, now_ns, None))
            if d.case.preauth is not None:
                used.append(d.case.preauth.no)
        else:
            d.settlement = s.result
            rows.append((d.no, ClaimStatus.VALUATED.value, None, s.result))
    return rows, used


def claim_of(d: Decided, currency: str, programme_code: str, now_ns: int) -> Claim:
    """The stored claim, built from what the batch decided (no read back)."""
    c = d.case
    asked, valuated, payer, co_pay, ded, nc = d.totals
    e = c.enrolment
    lines: tuple[Line, ...] = tuple(c.lines)
    return Claim(
        id=d.id,
        use=c.claim.use,
        status=c.status,
        programme_id=c.book.programme.id if c.book else c.programme_id,
        programme_code=programme_code,
        currency=currency,
        provider_id=c.provider_id,
        member_id=c.member.id if c.member else None,
        member_ref=c.claim.member,
        enrolment_id=e.id if e else None,
        reference=c.claim.reference,
        service_date=c.claim.encounter.start,
        encounter_class=c.claim.encounter.encounter_class,
        lines=lines,
        asked=asked,
        valuated=valuated,
        payer=payer,
        co_pay=co_pay,
        deductible=ded,
        not_covered=nc,
        findings=tuple(d.findings),
        flags=tuple(c.flags),
        preauth_id=c.claim.preauth_id,
        reserved=d.reserved,
        expires_at=d.expires_at,
        submitted_at=now_ns,
        decided_at=now_ns,
        paid_at=d.paid_at,
        reversed_at=None,
        settlement=d.settlement,
        encounter=c.claim.encounter,
        no=d.no,
    )


def inputs_payloads(inputs: Sequence[ClaimInput]) -> list[bytes]:
    return [payload.dumps(c) for c in inputs]
