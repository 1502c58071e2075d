"""Fraud and quality flags: findings that send a claim to review instead of paying it.

A flag never rejects anything; a person at the payer looks at the claim and approves or
rejects its lines. The thresholds are the programme's ``review`` rules.

- ``repeated_diagnosis``: the claim's primary diagnosis (its ICD-10 category, the first
  three characters) has been claimed for the member ``count`` times within ``days`` days,
  this claim included.
- ``several_providers_same_day``: the member was seen by another provider on the same day.
- ``provider_cost_outlier``: the provider's valuated cost per encounter in the programme,
  this claim included, is more than ``factor`` times that of its peers (the other
  providers of its level), once both have ``min_encounters`` encounters. Compared in
  integers: own_total x peer_count x 10,000 > factor_bp x peer_total x own_count.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from thamani.claims import diagnoses
from thamani.claims.cases import Case, Context
from thamani.claims.reasons import Flag
from thamani.claims.records import Finding
from thamani.money import format_amount

FlagCheck = Callable[[Case, Context], Sequence[Finding]]
NONE: tuple[Finding, ...] = ()


def primary_category(case: Case) -> str:
    """The ICD-10 category of the claim's primary diagnosis (kept on the case)."""
    if not case.category:
        dx = case.claim.encounter.diagnoses
        if dx:
            first = dx[0]
            if not first.primary:
                for d in dx:
                    if d.primary:
                        first = d
                        break
            case.category = diagnoses.normalise(first.code)[:3]
    return case.category


def repeated_diagnosis(case: Case, ctx: Context) -> Sequence[Finding]:
    book, e = case.book, case.enrolment
    if book is None or e is None:
        return NONE
    rules = book.programme.review
    if not rules.repeat_diagnosis_count or e.id not in ctx.usage:
        return NONE
    cat = primary_category(case)
    if not cat:
        return NONE
    since, day = case.day - rules.repeat_diagnosis_days, case.day
    seen = 1
    for d, _p, c in ctx.usage[e.id].history:
        if c == cat and since < d <= day:
            seen += 1
    if seen >= rules.repeat_diagnosis_count:
        return (
            Finding(
                Flag.REPEATED_DIAGNOSIS.value,
                f"{cat} claimed {seen} times for {case.claim.member} within"
                f" {rules.repeat_diagnosis_days} days",
            ),
        )
    return NONE


def several_providers(case: Case, ctx: Context) -> Sequence[Finding]:
    book, e = case.book, case.enrolment
    if book is None or e is None or not book.programme.review.several_providers:
        return NONE
    u = ctx.usage.get(e.id)
    if u is None:
        return NONE
    day, me = case.day, case.provider_id
    others = {p for d, p, _c in u.history if d == day and p != me}
    if others:
        return (
            Finding(
                Flag.SEVERAL_PROVIDERS.value,
                f"{case.claim.member} was also seen by {len(others)} other provider(s)"
                f" on {case.claim.encounter.start}",
            ),
        )
    return NONE


def cost_outlier(case: Case, ctx: Context) -> Sequence[Finding]:
    book, acc = case.book, case.accreditation
    if book is None or acc is None:
        return NONE
    rules = book.programme.review
    if not rules.outlier_factor_bp:
        return NONE
    pid = book.programme.id
    cost = case.totals[1]
    own = ctx.stats.own.get((pid, case.provider_id), [0, 0])
    group = ctx.stats.peers.get((pid, acc.level), [0, 0])
    own_n, own_total = own[0] + 1, own[1] + cost
    peer_n, peer_total = group[0] - own[0], group[1] - own[1]
    need = rules.outlier_min_encounters
    if own_n < need or peer_n < need or peer_total <= 0:
        return NONE
    if own_total * peer_n * 10_000 > rules.outlier_factor_bp * peer_total * own_n:
        cur = book.programme.currency
        return (
            Finding(
                Flag.COST_OUTLIER.value,
                f"{case.claim.provider} costs {format_amount(own_total // own_n, cur)} per"
                f" encounter; its peers {format_amount(peer_total // peer_n, cur)}"
                f" (over {rules.outlier_factor_bp / 10_000:g}x)",
            ),
        )
    return NONE


#: Every review flag, in the order they run.
FLAGS: tuple[FlagCheck, ...] = (repeated_diagnosis, several_providers, cost_outlier)
