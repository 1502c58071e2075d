"""The one function that runs the checks, the valuation and the flags over a claim.

``adjudicate(case, ctx)`` runs every check of ``CHECKS`` in order and records what each
finds (the first finding of a line is its reason); a claim with a claim-level finding is
rejected whole. Otherwise its open lines are valuated, and a claim is rejected when no
line is left. A claim with lines left runs the review ``FLAGS``: flagged claims go to
review, the others are valuated. ``record`` then adds an accepted claim (one in review
too: its lines are held until the reviewer decides) to the usage its limits count;
``release`` takes lines back out when a reviewer rejects them or a claim is reversed.
"""

from __future__ import annotations

from collections.abc import Sequence

from thamani.claims.cases import Case, Context
from thamani.claims.checks import CHECKS
from thamani.claims.flags import FLAGS, primary_category
from thamani.claims.records import ClaimStatus, ClaimUse, Finding, Line, LineStatus
from thamani.claims.usage import MemberUsage, PolicyUsage
from thamani.claims.valuation import valuate

# Enum members used on every claim, as module constants: looking a member up on its
# class costs about 100 ns (the enum metaclass's attribute hook), a global a tenth.
_LINE_REJECTED = LineStatus.REJECTED
_REJECTED = ClaimStatus.REJECTED
_CHECKED = ClaimStatus.CHECKED
_IN_REVIEW = ClaimStatus.IN_REVIEW
_VALUATED = ClaimStatus.VALUATED
_USE_CLAIM = ClaimUse.CLAIM


def _note(case: Case, found: Sequence[Finding]) -> None:
    for f in found:
        if f.line is None:
            case.findings.append(f)
            continue
        for i, x in enumerate(case.claim.lines):
            if x.sequence == f.line:
                case.reject_line(i, f)
                break


def _reject_all(case: Case) -> None:
    first = case.findings[0]
    case.lines = [
        Line(
            x.sequence,
            x.code,
            x.quantity,
            x.unit_price * x.quantity,
            0,
            0,
            0,
            0,
            0,
            _LINE_REJECTED,
            first.code,
            first.message,
        )
        for x in case.claim.lines
    ]
    case.totals = (sum(x.asked for x in case.lines), 0, 0, 0, 0, 0)
    case.status = _REJECTED


def adjudicate(case: Case, ctx: Context) -> ClaimStatus:
    """Decide a claim; sets ``case.status`` and ``case.lines`` and returns the status."""
    for check in CHECKS:
        found = check(case, ctx)
        if found:
            _note(case, found)
    if case.findings:
        _reject_all(case)
        return case.status
    valuate(case, ctx)
    for x in case.lines:
        if x.status is not _LINE_REJECTED:
            break
    else:
        case.status = _REJECTED
        return case.status
    case.status = _CHECKED
    if case.claim.use is _USE_CLAIM:
        for flag in FLAGS:
            found = flag(case, ctx)
            if found:
                case.flags.extend(found)
    case.status = _IN_REVIEW if case.flags else _VALUATED
    return case.status


def record(case: Case, ctx: Context) -> None:
    """Add an accepted claim to the usage its limits count (claims only, not requests)."""
    if case.claim.use is not _USE_CLAIM or case.status is _REJECTED:
        return
    e, book, acc = case.enrolment, case.book, case.accreditation
    assert e is not None
    assert book is not None
    assert acc is not None
    u = ctx.usage.get(e.id)
    if u is None:
        u = ctx.usage_of(e.id)
    u.count(case.visits)
    day = case.day
    valuated = 0
    rejected = _LINE_REJECTED
    quantity, last = u.quantity, u.last
    for x, spec in zip(case.lines, case.specs, strict=True):
        if spec is None or x.status is rejected:
            continue
        valuated += x.valuated
        if spec.max_quantity is not None:
            quantity[x.code] = quantity.get(x.code, 0) + x.quantity
        if spec.interval and day > last.get(x.code, 0):
            last[x.code] = day
    paid, ded = case.paid, case.deductible
    if paid[0] or ded[0]:
        up, ud = u.paid, u.deductible
        up[0] += paid[0]
        up[1] += paid[1]
        up[2] += paid[2]
        ud[0] += ded[0]
        ud[1] += ded[1]
        ud[2] += ded[2]
    u.remember(day, case.provider_id, primary_category(case), book.history_days)
    if case.dup_key:
        u.keys.append(case.dup_key)
    u.dirty = True
    if book.policy_usage:
        p = ctx.policies.get(e.policy_id) or ctx.policy_of(e.policy_id)
        pp, pd = p.paid, p.deductible
        pp[0] += paid[0]
        pp[1] += paid[1]
        pp[2] += paid[2]
        pd[0] += ded[0]
        pd[1] += ded[1]
        pd[2] += ded[2]
        p.dirty = True
    ctx.stats.add(book.programme.id, case.provider_id, acc.level, valuated)


def release(
    usage: MemberUsage | None,
    policy: PolicyUsage | None,
    lines: Sequence[Line],
    hospital: bool,
    visits: int,
    dup_key: int | None = None,
) -> None:
    """Take lines back out of usage; with ``visits`` (the whole claim is gone) also the
    claim's visit kinds and its duplicate key.

    The last service day of an item is kept: an interval once started is not undone.
    """
    bucket = 1 if hospital else 2
    paid = sum(x.payer for x in lines)
    ded = sum(x.deductible for x in lines)
    if usage is not None:
        for x in lines:
            if x.code in usage.quantity:
                usage.quantity[x.code] = max(0, usage.quantity[x.code] - x.quantity)
        if visits and dup_key in usage.keys:
            usage.keys.remove(dup_key)
        for b in (0, bucket):
            usage.paid[b] = max(0, usage.paid[b] - paid)
            usage.deductible[b] = max(0, usage.deductible[b] - ded)
        usage.uncount(visits)
        usage.dirty = True
    if policy is not None:
        for b in (0, bucket):
            policy.paid[b] = max(0, policy.paid[b] - paid)
            policy.deductible[b] = max(0, policy.deductible[b] - ded)
        policy.dirty = True
