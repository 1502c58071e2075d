"""The automatic checks: a fixed tuple of small functions, each returning findings.

Each check looks at one thing and returns the findings it makes (an empty tuple when the
claim passes it), each with a stable code from ``thamani.claims.reasons`` and a sentence
with the numbers of the case. A finding without a line rejects the whole claim; one with
a line (its sequence number) rejects that line. Checks run in the order of ``CHECKS``;
later checks rely on what earlier ones found (the member, the enrolment, the programme's
rules) and return nothing when it is missing. ``thamani.claims.adjudication`` runs them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta

from thamani.claims import diagnoses
from thamani.claims.cases import Case, Context
from thamani.claims.reasons import Reason
from thamani.claims.records import ClaimStatus, ClaimUse, Finding
from thamani.claims.usage import ADMISSION, ANTENATAL, DELIVERY, VISIT
from thamani.schemes.records import (
    AgeGroup,
    EncounterClass,
    IcdEdition,
    ServiceCategory,
    age_on,
)

Check = Callable[[Case, Context], Sequence[Finding]]
NONE: tuple[Finding, ...] = ()


def _f(reason: Reason, message: str, line: int | None = None) -> Finding:
    return Finding(reason.value, message, line)


def service_date(case: Case, ctx: Context) -> Sequence[Finding]:
    """The service date may not be in the future."""
    start = case.claim.encounter.start
    if start > ctx.today:
        return (
            _f(
                Reason.SERVICE_DATE_FUTURE, f"the service date {start} is after today ({ctx.today})"
            ),
        )
    return NONE


def member_known(case: Case, ctx: Context) -> Sequence[Finding]:
    """The member number must be registered."""
    m = ctx.members.get(case.claim.member)
    if m is None:
        return (_f(Reason.MEMBER_UNKNOWN, f"no member is registered as {case.claim.member}"),)
    case.member = m
    case.age = age_on(m.birth_date, case.claim.encounter.start)
    return NONE


def born(case: Case, ctx: Context) -> Sequence[Finding]:
    """Care cannot be given before the member was born."""
    m = case.member
    if m is not None and case.claim.encounter.start < m.birth_date:
        return (
            _f(
                Reason.SERVICE_DATE_BEFORE_BIRTH,
                f"the service date {case.claim.encounter.start} is before {m.reference}"
                f" was born ({m.birth_date})",
            ),
        )
    return NONE


def enrolled(case: Case, ctx: Context) -> Sequence[Finding]:
    """The member must be enrolled in the programme on the service date."""
    m = case.member
    if m is None:
        return NONE
    day = case.claim.encounter.start
    mine = ctx.enrolments.get(m.id, [])
    if case.claim.coverage is not None:
        mine = [e for e in mine if e.id == case.claim.coverage]
    if case.programme_id:
        mine = [e for e in mine if e.programme_id == case.programme_id]
    covering = [e for e in mine if e.start <= day <= e.end]
    if len(covering) > 1:
        # Cover by several programmes on the day: the one accrediting the provider pays.
        accrediting = [
            e
            for e in covering
            if e.programme_id in ctx.books
            and case.provider_id in ctx.books[e.programme_id].providers
        ]
        covering = accrediting or covering
    if not covering:
        book = ctx.books.get(case.programme_id)
        what = f"programme {book.programme.code}" if book else "any programme"
        periods = ", ".join(f"{e.start}..{e.end}" for e in mine) or "no enrolment"
        return (
            _f(
                Reason.NOT_ENROLLED,
                f"{m.reference} is not enrolled in {what} on {day} ({periods})",
            ),
        )
    e = covering[0]
    case.enrolment = e
    book = ctx.books[e.programme_id]
    case.book = book
    p = book.programme
    case.group = AgeGroup.ADULT if case.age >= p.adult_age else AgeGroup.CHILD
    if not p.valid_from <= day <= p.valid_to:
        return (
            _f(
                Reason.PROGRAMME_NOT_VALID,
                f"{p.code} pays for care from {p.valid_from} to {p.valid_to}, not on {day}",
            ),
        )
    return NONE


def accredited(case: Case, ctx: Context) -> Sequence[Finding]:
    """The provider must be accredited by the programme."""
    book = case.book
    if book is None:
        return NONE
    acc = book.providers.get(case.provider_id)
    if acc is None:
        return (
            _f(
                Reason.PROVIDER_NOT_ACCREDITED,
                f"provider {case.claim.provider} is not accredited by {book.programme.code}",
            ),
        )
    case.accreditation = acc
    return NONE


def diagnosis_codes(case: Case, ctx: Context) -> Sequence[Finding]:
    """Every diagnosis must be a real ICD-10 code that fits the member's sex and age."""
    edition = case.book.programme.icd if case.book else IcdEdition.WHO
    codes = diagnoses.code_list(edition)
    out: list[Finding] = []
    m = case.member
    for d in case.claim.encounter.diagnoses:
        if diagnoses.normalise(d.code) not in codes:
            out.append(_f(Reason.DIAGNOSIS_INVALID, f"{d.code} is not a code of {edition.value}"))
        elif m is not None:
            bad = diagnoses.implausibility(d.code, m.sex, case.age)
            if bad is not None:
                out.append(_f(Reason.DIAGNOSIS_IMPLAUSIBLE, bad.message))
    return out or NONE


def not_duplicate(case: Case, ctx: Context) -> Sequence[Finding]:
    """The same member, provider, services and date may be claimed only once."""
    if case.dup_key and case.dup_key in ctx.duplicates:
        c = case.claim
        return (
            _f(
                Reason.DUPLICATE_CLAIM,
                f"{c.member} at {c.provider} on {c.encounter.start} for"
                f" {', '.join(x.code for x in c.lines)} was claimed already",
            ),
        )
    return NONE


def in_package(case: Case, ctx: Context) -> Sequence[Finding]:
    """Each item must be in the programme's benefit package."""
    book = case.book
    if book is None or case.findings:
        return NONE
    items = book.items
    return [
        _f(
            Reason.ITEM_NOT_IN_PACKAGE,
            f"{x.code} is not in the benefit package of {book.programme.code}",
            x.sequence,
        )
        for x in case.claim.lines
        if x.code not in items
    ] or NONE


def in_tariff(case: Case, ctx: Context) -> Sequence[Finding]:
    """Each item must have a price at the provider's level."""
    book, acc = case.book, case.accreditation
    if book is None or acc is None or case.findings:
        return NONE
    prices = book.prices.get(acc.level, {})
    items = book.items
    return [
        _f(
            Reason.ITEM_NOT_IN_TARIFF,
            f"{x.code} has no tariff at level {acc.level} in {book.programme.code}",
            x.sequence,
        )
        for x in case.claim.lines
        if x.code in items and x.code not in prices
    ] or NONE


def waiting_period(case: Case, ctx: Context) -> Sequence[Finding]:
    """An item is covered only once its waiting period from the member's start is over."""
    book, e = case.book, case.enrolment
    if book is None or e is None or case.findings:
        return NONE
    out: list[Finding] = []
    start = e.start.toordinal()
    for x in case.claim.lines:
        item = book.items.get(x.code)
        if item is None:
            continue
        wait = item.waiting_days.of(case.group)
        if wait and case.day < start + wait:
            covered = e.start + timedelta(days=wait)
            out.append(
                _f(
                    Reason.WAITING_PERIOD,
                    f"{x.code} is covered from {covered} ({wait} days after {e.start})",
                    x.sequence,
                )
            )
    return out or NONE


def preauthorised(case: Case, ctx: Context) -> Sequence[Finding]:
    """Items that need a pre-authorisation are paid only under a live one that covers them."""
    book = case.book
    if book is None or case.findings or case.claim.use is not ClaimUse.CLAIM:
        return NONE
    needing = [x for x in case.claim.lines if (i := book.items.get(x.code)) and i.preauthorisation]
    pid = case.claim.preauth_id
    pa = ctx.preauths.get(pid) if pid else None
    if pa is not None and (
        pa.programme_id != book.programme.id
        or pa.provider_id != case.provider_id
        or (case.member is not None and pa.member_id != case.member.id)
    ):
        pa = None
    case.preauth = pa
    if not needing:
        return NONE
    out: list[Finding] = []
    for x in needing:
        if pa is None:
            what = (
                f"pre-authorisation {pid} is not this member's at this provider"
                if pid
                else ("the claim names no pre-authorisation")
            )
            out.append(
                _f(
                    Reason.PREAUTH_MISSING,
                    f"{x.code} needs a pre-authorisation; {what}",
                    x.sequence,
                )
            )
        elif pa.status is not ClaimStatus.AUTHORISED or pa.expires_at <= ctx.now_ns:
            state = "expired" if pa.status is ClaimStatus.AUTHORISED else pa.status.label
            out.append(
                _f(Reason.PREAUTH_EXPIRED, f"pre-authorisation {pa.id} is {state}", x.sequence)
            )
        elif x.code not in pa.codes:
            out.append(
                _f(
                    Reason.PREAUTH_MISSING,
                    f"pre-authorisation {pa.id} does not cover {x.code}",
                    x.sequence,
                )
            )
    return out


def quantity_limit(case: Case, ctx: Context) -> Sequence[Finding]:
    """An item's units per member per period may not pass its limit."""
    book, e = case.book, case.enrolment
    if book is None or e is None or case.findings:
        return NONE
    used = ctx.usage[e.id].quantity if e.id in ctx.usage else {}
    here: dict[str, int] = {}
    out: list[Finding] = []
    for i, x in enumerate(case.claim.lines):
        item = book.items.get(x.code)
        if item is None or item.max_quantity is None or case.line_findings[i] is not None:
            continue
        limit = item.max_quantity.of(case.group)
        before = used.get(x.code, 0) + here.get(x.code, 0)
        if before + x.quantity > limit:
            out.append(
                _f(
                    Reason.QUANTITY_LIMIT,
                    f"{x.code}: {x.quantity} more would make {before + x.quantity};"
                    f" the limit is {limit} per period ({before} used)",
                    x.sequence,
                )
            )
        else:
            here[x.code] = here.get(x.code, 0) + x.quantity
    return out or NONE


def frequency_limit(case: Case, ctx: Context) -> Sequence[Finding]:
    """An item with a minimum interval may not be repeated sooner."""
    book, e = case.book, case.enrolment
    if book is None or e is None or case.findings:
        return NONE
    last = ctx.usage[e.id].last if e.id in ctx.usage else {}
    seen: set[str] = set()
    out: list[Finding] = []
    for i, x in enumerate(case.claim.lines):
        item = book.items.get(x.code)
        if item is None or not item.min_interval_days or case.line_findings[i] is not None:
            continue
        gap = item.min_interval_days
        prev = last.get(x.code)
        if x.code in seen:
            out.append(
                _f(
                    Reason.FREQUENCY_LIMIT,
                    f"{x.code} is already on this claim; it may be given once every {gap} days",
                    x.sequence,
                )
            )
        elif prev is not None and case.day - prev < gap:
            out.append(
                _f(
                    Reason.FREQUENCY_LIMIT,
                    f"{x.code} was given on {date.fromordinal(prev)}; it may be given again"
                    f" from {date.fromordinal(prev + gap)}",
                    x.sequence,
                )
            )
        seen.add(x.code)
    return out or NONE


_KINDS = (
    (VISIT, "visits", "max_visits", "visits"),
    (ADMISSION, "admissions", "max_admissions", "admissions"),
    (DELIVERY, "deliveries", "max_deliveries", "deliveries"),
    (ANTENATAL, "antenatal", "max_antenatal", "antenatal visits"),
)


def visit_kinds(case: Case) -> int:
    """The visit kinds a claim counts as, from its setting and its open lines' categories."""
    bits = VISIT
    cls = case.claim.encounter.encounter_class
    if cls is EncounterClass.INPATIENT:
        bits |= ADMISSION
    elif cls is EncounterClass.DELIVERY:
        bits |= DELIVERY
    elif cls is EncounterClass.ANTENATAL:
        bits |= ANTENATAL
    book = case.book
    if book is not None:
        for i, x in enumerate(case.claim.lines):
            item = book.items.get(x.code)
            if item is None or item.category is None or case.line_findings[i] is not None:
                continue
            cat = item.category
            if cat is ServiceCategory.HOSPITALISATION:
                bits |= ADMISSION
            elif cat is ServiceCategory.DELIVERY:
                bits |= DELIVERY
            elif cat is ServiceCategory.ANTENATAL:
                bits |= ANTENATAL
    return bits


def visit_limit(case: Case, ctx: Context) -> Sequence[Finding]:
    """Visits, admissions, deliveries and antenatal visits per period are limited."""
    book, e = case.book, case.enrolment
    if book is None or e is None or case.findings:
        return NONE
    case.visits = bits = visit_kinds(case)
    if not book.visit_limits or case.claim.use is not ClaimUse.CLAIM:
        return NONE
    u = ctx.usage.get(e.id)
    limits = book.programme.limits
    for bit, counter, limit_name, words in _KINDS:
        limit = getattr(limits, limit_name)
        if limit is None or not bits & bit:
            continue
        used = getattr(u, counter) if u is not None else 0
        if used + 1 > limit:
            return (
                _f(
                    Reason.VISIT_LIMIT,
                    f"{case.claim.member} has had {used} {words} this period; the limit is {limit}",
                ),
            )
    return NONE


#: Every automatic check, in the order they run.
CHECKS: tuple[Check, ...] = (
    service_date,
    member_known,
    born,
    enrolled,
    accredited,
    diagnosis_codes,
    not_duplicate,
    in_package,
    in_tariff,
    waiting_period,
    preauthorised,
    quantity_limit,
    frequency_limit,
    visit_limit,
)
