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

from typing import Any

from thamani.claims.cases import Case, Context
from thamani.claims.reasons import Reason
from thamani.claims.records import Finding, Line, LineStatus
from thamani.money import format_amount
from thamani.schemes.records import EncounterClass, Share


def member_part(valuated: int, quantity: int, share: Share) -> int:
    """The member's co-insurance or co-pay of a valuated line (rounding: see module)."""
    if share.co_insurance_bp is not None:
        return (valuated * share.co_insurance_bp + 5_000) // 10_000
    if share.co_pay is not None:
        return min(share.co_pay * quantity, valuated)
    return 0


def valuate(case: Case, ctx: Context) -> None:
    """Price the case's open lines and split them; fills ``case.lines`` and its deltas.

    Every applicable deductible counter grows by the same amount on each line, and so
    does every applicable ceiling counter: so the largest amount owed and the least left
    are found once per claim and then only counted down line by line.
    """
    book, e = case.book, case.enrolment
    assert book is not None
    assert e is not None
    hospital = 1 if case.claim.encounter.encounter_class in _HOSPITAL else 0
    cell = case.cell
    pays_all = book.member_pays_all
    ded, ceil = book.deductibles, book.ceilings
    owed = 0
    left: int | None = None
    dm, dt, dp = ded.member[hospital], ded.treatment[hospital], ded.policy[hospital]
    cm, ct, cp = ceil.member[hospital], ceil.treatment[hospital], ceil.policy[hospital]
    if dm or dt or dp or cm or ct or cp:
        u = ctx.usage.get(e.id)
        pu = ctx.policies.get(e.policy_id) if (dp or cp) else None
        zero = _ZERO
        m_paid, m_ded = (u.paid, u.deductible) if u is not None else (zero, zero)
        p_paid, p_ded = (pu.paid, pu.deductible) if pu is not None else (zero, zero)
        # The most still owed towards any deductible (0 when all are met), and the least
        # left under any ceiling (None: no ceiling); a treatment starts from nothing used.
        for caps, used in ((dm, m_ded), (dt, zero), (dp, p_ded)):
            for bucket, cap in caps:
                more = cap - used[bucket]
                if more > owed:
                    owed = more
        for caps, used in ((cm, m_paid), (ct, zero), (cp, p_paid)):
            for bucket, cap in caps:
                room = cap - used[bucket]
                if room < 0:
                    room = 0
                if left is None or room < left:
                    left = room
    split = 1 if hospital else 2
    cur = book.programme.currency
    t_paid, t_ded = case.paid, case.deductible
    specs, findings = case.specs, case.line_findings
    out: list[Line] = []
    append = out.append
    s_asked = s_valuated = s_payer = s_co_pay = s_ded = s_nc = 0
    for i, x in enumerate(case.claim.lines):
        quantity = x.quantity
        asked = x.unit_price * quantity
        s_asked += asked
        finding = findings[i]
        spec = specs[i]
        if finding is not None or spec is None or spec.price is None:
            code = finding.code if finding else None
            msg = finding.message if finding else None
            append(
                _line((x.sequence, x.code, quantity, asked, 0, 0, 0, 0, 0, _REJECTED, code, msg))
            )
            continue
        valuated = spec.price * quantity
        co_pay = valuated if pays_all else member_part(valuated, quantity, spec.shares[cell])
        payer = valuated - co_pay
        deductible = not_covered = 0
        status, reason, message = _ACCEPTED, None, None
        if owed and payer:
            deductible = owed if owed < payer else payer
            payer -= deductible
            owed -= deductible
        if left is not None and payer:
            if left < payer:
                not_covered = payer - left
                payer = left
                reason = _CEILING_REACHED
                if payer == 0 and co_pay == 0 and deductible == 0:
                    status = _REJECTED
                    message = f"{x.code}: the ceiling is reached; nothing is left to pay"
                else:
                    status = _PARTIAL
                    message = (
                        f"{x.code}: the ceiling leaves {format_amount(payer, cur)}"
                        f" of {format_amount(payer + not_covered, cur)}"
                    )
            left -= payer
        if payer or deductible:
            t_paid[0] += payer
            t_paid[split] += payer
            t_ded[0] += deductible
            t_ded[split] += deductible
        s_valuated += valuated
        s_payer += payer
        s_co_pay += co_pay
        s_ded += deductible
        s_nc += not_covered
        append(
            _line(
                (
                    x.sequence,
                    x.code,
                    quantity,
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
        )
        if status is _REJECTED:
            findings[i] = Finding(reason or "", message or "", x.sequence)
    case.lines = out
    case.totals = (s_asked, s_valuated, s_payer, s_co_pay, s_ded, s_nc)


def _line(values: tuple[Any, ...]) -> Line:
    """A ``Line`` from its twelve values in order (without the keyword handling of its
    constructor: valuation makes one per line of every claim)."""
    return _new_tuple(Line, values)


_new_tuple = tuple.__new__
_ZERO = (0, 0, 0)
_ACCEPTED = LineStatus.ACCEPTED
_REJECTED = LineStatus.REJECTED
_PARTIAL = LineStatus.PARTIAL
_CEILING_REACHED = Reason.CEILING_REACHED.value
#: The classes of hospital care (``EncounterClass.hospital``), compared by identity.
_HOSPITAL = tuple(c for c in EncounterClass if c.hospital)
