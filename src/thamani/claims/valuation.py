"""Valuation: what each accepted line is worth and who pays what of it.

For each line still open after the checks, in the order submitted:

1. **Tariff.** valuated = the programme's price at the provider's level x quantity. The
   amount asked plays no part (claims are paid at tariff).
2. **Cost share.** Co-insurance: the member pays ``bp`` basis points of the valuated
   amount, *rounded half up to the minor unit* (as people compute a percentage by hand),
   integer arithmetic ``(valuated * bp + 5000) // 10000``; the programme's part is the rest,
   so the two always add up. A fixed co-pay: the co-pay x quantity, never more than the
   valuated amount. A savings programme: the member pays everything.
3. **Deductibles.** Of the programme's part, the member first pays what is still owed
   towards the deductibles that apply (per member, per treatment, per policy; all care
   and hospital or other care). Several deductibles are met together: the member pays the
   largest amount still owed, and it counts towards each.
4. **Ceilings.** The programme pays at most what the tightest applicable ceiling has
   left; the rest of its part is ``not_covered`` and the line is ``partial`` (or, when
   nothing is left, rejected with ``ceiling_reached``).

No rounding happens after step 2: everything else is whole minor units moved between
parts, so valuated = payer + co_pay + deductible + not_covered on every line.
"""

from __future__ import annotations

from thamani.claims.cases import Case, Context
from thamani.claims.reasons import Reason
from thamani.claims.records import Finding, Line, LineStatus
from thamani.claims.rulebook import Caps
from thamani.money import format_amount
from thamani.schemes.records import Share


def member_part(valuated: int, quantity: int, share: Share) -> int:
    """The member's co-insurance or co-pay of a valuated line (rounding: see module)."""
    if share.co_insurance_bp is not None:
        return (valuated * share.co_insurance_bp + 5_000) // 10_000
    if share.co_pay is not None:
        return min(share.co_pay * quantity, valuated)
    return 0


def _owed(caps: Caps, used: list[int]) -> int:
    """The most still owed towards any of these deductible caps."""
    owed = 0
    for bucket, cap in caps:
        left = cap - used[bucket]
        if left > owed:
            owed = left
    return owed


def _left(caps: Caps, used: list[int], best: int | None) -> int | None:
    """The least left under any of these ceiling caps (``best`` so far, None: no cap)."""
    for bucket, cap in caps:
        left = cap - used[bucket]
        if left < 0:
            left = 0
        if best is None or left < best:
            best = left
    return best


def valuate(case: Case, ctx: Context) -> None:
    """Price the case's open lines and split them; fills ``case.lines`` and its deltas."""
    book, acc, e = case.book, case.accreditation, case.enrolment
    assert book is not None
    assert acc is not None
    assert e is not None
    cur = book.programme.currency
    hospital = 1 if case.claim.encounter.encounter_class.hospital else 0
    prices = book.prices[acc.level]
    care, group = case.claim.encounter.care_type, case.group
    usage = ctx.usage.get(e.id)
    m_paid = usage.paid if usage is not None else [0, 0, 0]
    m_ded = usage.deductible if usage is not None else [0, 0, 0]
    ded, ceil = book.deductibles, book.ceilings
    ded_member, ded_treat, ded_policy = (
        ded.member[hospital],
        ded.treatment[hospital],
        ded.policy[hospital],
    )
    ceil_member, ceil_treat, ceil_policy = (
        ceil.member[hospital],
        ceil.treatment[hospital],
        ceil.policy[hospital],
    )
    if ded_policy or ceil_policy:
        pu = ctx.policies.get(e.policy_id)
        p_paid = pu.paid if pu is not None else [0, 0, 0]
        p_ded = pu.deductible if pu is not None else [0, 0, 0]
    else:
        p_paid = p_ded = [0, 0, 0]
    # This claim's own additions (the treatment's usage, and what it adds to the others).
    t_paid, t_ded = case.paid, case.deductible
    any_ded = bool(ded_member or ded_treat or ded_policy)
    any_ceil = bool(ceil_member or ceil_treat or ceil_policy)
    touched = ((0,) + ((1,) if hospital else (2,))) if (any_ded or any_ceil) else (0,)
    out: list[Line] = []
    for i, x in enumerate(case.claim.lines):
        asked = x.unit_price * x.quantity
        finding = case.line_findings[i]
        if finding is not None:
            out.append(
                Line(
                    x.sequence,
                    x.code,
                    x.quantity,
                    asked,
                    0,
                    0,
                    0,
                    0,
                    0,
                    LineStatus.REJECTED,
                    finding.code,
                    finding.message,
                )
            )
            continue
        valuated = prices[x.code] * x.quantity
        if book.member_pays_all:
            co_pay = valuated
        else:
            co_pay = member_part(
                valuated, x.quantity, book.items[x.code].cost_share.share(care, group)
            )
        payer = valuated - co_pay
        deductible = 0
        if any_ded and payer:
            owed = max(
                _owed(ded_member, _sum(m_ded, t_ded)),
                _owed(ded_treat, t_ded),
                _owed(ded_policy, _sum(p_ded, t_ded)),
            )
            deductible = min(owed, payer)
            payer -= deductible
        not_covered = 0
        status, reason, message = LineStatus.ACCEPTED, None, None
        if any_ceil and payer:
            left = _left(ceil_member, _sum(m_paid, t_paid), None)
            left = _left(ceil_treat, t_paid, left)
            left = _left(ceil_policy, _sum(p_paid, t_paid), left)
            if left is not None and left < payer:
                not_covered = payer - left
                payer = left
                reason = Reason.CEILING_REACHED.value
                if payer == 0 and co_pay == 0 and deductible == 0:
                    status = LineStatus.REJECTED
                    message = f"{x.code}: the ceiling is reached; nothing is left to pay"
                else:
                    status = LineStatus.PARTIAL
                    message = (
                        f"{x.code}: the ceiling leaves {format_amount(payer, cur)}"
                        f" of {format_amount(payer + not_covered, cur)}"
                    )
        for b in touched:
            t_paid[b] += payer
            t_ded[b] += deductible
        out.append(
            Line(
                x.sequence,
                x.code,
                x.quantity,
                asked,
                valuated,
                payer,
                co_pay,
                deductible,
                not_covered,
                status,
                reason,
                message,
            )
        )
        if status is LineStatus.REJECTED:
            case.line_findings[i] = Finding(reason or "", message or "", x.sequence)
    case.lines = out


def _sum(a: list[int], b: list[int]) -> list[int]:
    return [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
