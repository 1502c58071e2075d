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
from thamani.claims.rulebook import CARE
from thamani.claims.usage import ADMISSION, ANTENATAL, DELIVERY, VISIT
from thamani.schemes.records import AgeGroup, EncounterClass, IcdEdition, age_on

# Enum members used on every claim, as module constants: looking a member up on its
# class costs about 100 ns (the enum metaclass's attribute hook), a global a tenth.
_USE_CLAIM = ClaimUse.CLAIM
_AUTHORISED = ClaimStatus.AUTHORISED
_ADULT = AgeGroup.ADULT
_CHILD = AgeGroup.CHILD
_CARE_CELL = {care.value: cell for care, cell in CARE.items()}

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
    adult = case.age >= p.adult_age
    case.group = _ADULT if adult else _CHILD
    case.cell = _CARE_CELL[case.claim.encounter.care_type._value_] + (0 if adult else 1)
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
    case.rules = book.index[acc.level]
    return NONE


#: Each diagnosis code as written, by edition: (valid, has a plausibility edit); a batch
#: names the same codes over and over.
_CODES: dict[tuple[str, str], tuple[bool, bool]] = {}
_CODES_MAX = 100_000


def diagnosis_codes(case: Case, ctx: Context) -> Sequence[Finding]:
    """Every diagnosis must be a real ICD-10 code that fits the member's sex and age."""
    edition = case.book.programme.icd if case.book else IcdEdition.WHO
    out: list[Finding] = []
    m = case.member
    for d in case.claim.encounter.diagnoses:
        key = (d.code, edition._value_)
        known = _CODES.get(key)
        if known is None:
            code = d.code.upper().replace(".", "").strip()
            valid = code in diagnoses.code_list(edition)
            known = (valid, valid and diagnoses.edit_of(code[:3]) is not None)
            if len(_CODES) < _CODES_MAX:
                _CODES[key] = known
        if not known[0]:
            out.append(_f(Reason.DIAGNOSIS_INVALID, f"{d.code} is not a code of {edition.value}"))
        elif m is not None and known[1]:
            bad = diagnoses.implausibility(d.code, m.sex, case.age)
            if bad is not None:
                out.append(_f(Reason.DIAGNOSIS_IMPLAUSIBLE, bad.message))
    return out or NONE


def not_duplicate(case: Case, ctx: Context) -> Sequence[Finding]:
    """The same member, provider, services and date may be claimed only once."""
    e = case.enrolment
    u = ctx.usage.get(e.id) if e is not None and case.dup_key else None
    if u is not None and case.dup_key in u.keys:
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
    rules = case.rules
    if rules is None or case.findings:
        return NONE
    lines = case.claim.lines
    case.specs = specs = [rules.get(x.code) for x in lines]
    if all(specs):  # (an ItemRule is always true; ``None in`` would call its __eq__)
        return NONE
    code = case.book.programme.code if case.book else ""
    return [
        _f(
            Reason.ITEM_NOT_IN_PACKAGE,
            f"{x.code} is not in the benefit package of {code}",
            x.sequence,
        )
        for x, spec in zip(lines, specs, strict=True)
        if spec is None
    ]


def in_tariff(case: Case, ctx: Context) -> Sequence[Finding]:
    """Each item must have a price at the provider's level."""
    if case.rules is None or case.findings:
        return NONE
    out: Sequence[Finding] = NONE
    for x, spec in zip(case.claim.lines, case.specs, strict=True):
        if spec is not None and spec.price is None:
            acc = case.accreditation
            level = acc.level if acc else "?"
            out = [
                *out,
                _f(
                    Reason.ITEM_NOT_IN_TARIFF,
                    f"{x.code} has no tariff at level {level}",
                    x.sequence,
                ),
            ]
    return out


def waiting_period(case: Case, ctx: Context) -> Sequence[Finding]:
    """An item is covered only once its waiting period from the member's start is over."""
    e = case.enrolment
    if case.rules is None or e is None or case.findings:
        return NONE
    age = case.cell & 1
    since = case.day - e.start.toordinal()
    out: Sequence[Finding] = NONE
    for x, spec in zip(case.claim.lines, case.specs, strict=True):
        if spec is None:
            continue
        wait = spec.waiting[age]
        if wait > since:
            covered = e.start + timedelta(days=wait)
            out = [
                *out,
                _f(
                    Reason.WAITING_PERIOD,
                    f"{x.code} is covered from {covered} ({wait} days after {e.start})",
                    x.sequence,
                ),
            ]
    return out


def preauthorised(case: Case, ctx: Context) -> Sequence[Finding]:
    """Items that need a pre-authorisation are paid only under a live one that covers them."""
    book = case.book
    if book is None or case.claim.use is not _USE_CLAIM:
        return NONE
    pid = case.claim.preauth_id
    pa = ctx.preauths.get(pid) if pid else None
    if pa is not None and (
        pa.programme_id != book.programme.id
        or pa.provider_id != case.provider_id
        or (case.member is not None and pa.member_id != case.member.id)
    ):
        pa = None
    case.preauth = pa  # known even when the claim is rejected: its hold is then released
    if case.rules is None or case.findings:
        return NONE
    needing = [
        x for x, spec in zip(case.claim.lines, case.specs, strict=True) if spec and spec.preauth
    ]
    if not needing:
        return NONE
    out: list[Finding] = []
    for x in needing:
        if pa is None:
            what = (
                f"pre-authorisation {pid} is not this member's at this provider"
                if pid
                else "the claim names no pre-authorisation"
            )
            out.append(
                _f(
                    Reason.PREAUTH_MISSING,
                    f"{x.code} needs a pre-authorisation; {what}",
                    x.sequence,
                )
            )
        elif pa.status is not _AUTHORISED or pa.expires_at <= ctx.now_ns:
            state = "expired" if pa.status is _AUTHORISED else pa.status.label
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
    e = case.enrolment
    if case.rules is None or e is None or case.findings:
        return NONE
    u = ctx.usage.get(e.id)
    used = u.quantity if u is not None else {}
    age = case.cell & 1
    here: dict[str, int] = {}
    out: Sequence[Finding] = NONE
    for i, (x, spec) in enumerate(zip(case.claim.lines, case.specs, strict=True)):
        if spec is None or spec.max_quantity is None or case.line_findings[i] is not None:
            continue
        limit = spec.max_quantity[age]
        before = used.get(x.code, 0) + here.get(x.code, 0)
        if before + x.quantity > limit:
            out = [
                *out,
                _f(
                    Reason.QUANTITY_LIMIT,
                    f"{x.code}: {x.quantity} more would make {before + x.quantity};"
                    f" the limit is {limit} per period ({before} used)",
                    x.sequence,
                ),
            ]
        else:
            here[x.code] = here.get(x.code, 0) + x.quantity
    return out


def frequency_limit(case: Case, ctx: Context) -> Sequence[Finding]:
    """An item with a minimum interval may not be repeated sooner."""
    e = case.enrolment
    if case.rules is None or e is None or case.findings:
        return NONE
    u = ctx.usage.get(e.id)
    last = u.last if u is not None else {}
    seen: set[str] = set()
    out: Sequence[Finding] = NONE
    for i, (x, spec) in enumerate(zip(case.claim.lines, case.specs, strict=True)):
        if spec is None or not spec.interval or case.line_findings[i] is not None:
            continue
        gap = spec.interval
        prev = last.get(x.code)
        if x.code in seen:
            out = [
                *out,
                _f(
                    Reason.FREQUENCY_LIMIT,
                    f"{x.code} is already on this claim; it may be given once every {gap} days",
                    x.sequence,
                ),
            ]
        elif prev is not None and abs(case.day - prev) < gap:
            out = [
                *out,
                _f(
                    Reason.FREQUENCY_LIMIT,
                    f"{x.code} was given on {date.fromordinal(prev)}; it may be given"
                    f" {gap} days apart at the least",
                    x.sequence,
                ),
            ]
        seen.add(x.code)
    return out


#: Visit kinds by encounter class (keyed by the enum's value: hashing a member is slow).
_CLASS_BITS = {
    EncounterClass.INPATIENT.value: VISIT | ADMISSION,
    EncounterClass.DELIVERY.value: VISIT | DELIVERY,
    EncounterClass.ANTENATAL.value: VISIT | ANTENATAL,
}

_KINDS = (
    (VISIT, "visits", "max_visits", "visits"),
    (ADMISSION, "admissions", "max_admissions", "admissions"),
    (DELIVERY, "deliveries", "max_deliveries", "deliveries"),
    (ANTENATAL, "antenatal", "max_antenatal", "antenatal visits"),
)


def visit_kinds(case: Case) -> int:
    """The visit kinds a claim counts as, from its setting and its open lines' items."""
    bits = _CLASS_BITS.get(case.claim.encounter.encounter_class._value_, VISIT)
    for spec, finding in zip(case.specs, case.line_findings, strict=False):
        if spec is not None and finding is None:
            bits |= spec.visits
    return bits


def visit_limit(case: Case, ctx: Context) -> Sequence[Finding]:
    """Visits, admissions, deliveries and antenatal visits per period are limited."""
    book, e = case.book, case.enrolment
    if book is None or e is None or case.findings:
        return NONE
    case.visits = bits = visit_kinds(case)
    if not book.visit_limits or case.claim.use is not _USE_CLAIM:
        return NONE
    u = ctx.usage.get(e.id)
    limits = book.programme.limits
    for bit, counter, limit_name, words in _KINDS:
        if not bits & bit:
            continue
        limit = getattr(limits, limit_name)
        if limit is None:
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
