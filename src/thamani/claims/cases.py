"""The working state of adjudication: one ``Case`` per claim, one ``Context`` per batch.

The context holds everything a batch is checked against, loaded in a few queries before
the first claim is looked at; the case holds one claim's findings as the checks run. Both
are mutable and live only inside one use case; what leaves it are ``Claim`` records.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

from thamani.claims.records import ClaimInput, ClaimStatus, ClaimUse, Finding, Line
from thamani.claims.rulebook import ItemRule, RuleBook
from thamani.claims.usage import MemberUsage, PolicyUsage, ProviderStats
from thamani.schemes.records import Accreditation, AgeGroup, Enrolment, Member


@dataclass(frozen=True, slots=True)
class Preauth:
    """A stored pre-authorisation, as a claim made under it sees it.

    id: its claim id (also the id of its pending transfer).
    no: its store sequence number.
    programme_id, provider_id, member_id: whom it was given for.
    status: ``ClaimStatus`` (authorised while it holds its reservation).
    expires_at: when the reservation lapses (ns since the epoch).
    reserved: the amount held.
    codes: the item codes it authorises.
    """

    id: int
    no: int
    programme_id: int
    provider_id: int
    member_id: int | None
    status: ClaimStatus
    expires_at: int
    reserved: int
    codes: frozenset[str]


@dataclass(slots=True)
class Context:
    """What a batch is checked against.

    today: the date claims are checked on (service dates after it are in the future).
    now_ns: the clock, for pre-authorisation expiry.
    books: compiled rules by programme id.
    members: members by member number.
    enrolments: enrolments by member id.
    usage: member usage by enrolment id (created on first use).
    policies: policy usage by policy id (created on first use).
    preauths: pre-authorisations named by the part being decided, by id.
    stats: provider cost statistics.
    looked_up: member numbers already looked up (found or not).
    usage_read, policies_read: enrolments and policies whose stored usage was read.
    stats_read: programmes whose provider statistics were read.

    A batch stored in several parts keeps one context from part to part: what an earlier
    part loaded is not read again, and the counters carry the earlier parts' claims.
    """

    today: date
    now_ns: int
    books: dict[int, RuleBook]
    members: dict[str, Member] = field(default_factory=dict)
    enrolments: dict[int, list[Enrolment]] = field(default_factory=dict)
    usage: dict[int, MemberUsage] = field(default_factory=dict)
    policies: dict[int, PolicyUsage] = field(default_factory=dict)
    preauths: dict[int, Preauth] = field(default_factory=dict)
    stats: ProviderStats = field(default_factory=ProviderStats)
    looked_up: set[str] = field(default_factory=set)
    usage_read: set[int] = field(default_factory=set)
    policies_read: set[int] = field(default_factory=set)
    stats_read: set[int] = field(default_factory=set)

    def usage_of(self, enrolment_id: int) -> MemberUsage:
        u = self.usage.get(enrolment_id)
        if u is None:
            u = self.usage[enrolment_id] = MemberUsage()
        return u

    def policy_of(self, policy_id: int) -> PolicyUsage:
        u = self.policies.get(policy_id)
        if u is None:
            u = self.policies[policy_id] = PolicyUsage()
        return u


def duplicate_key(provider_id: int, member: str, day: int, codes: list[str]) -> int:
    """A 63-bit key of (member, provider, service date, services): equal for duplicates."""
    text = f"{member}\x1f{provider_id}\x1f{day}\x1f" + "\x1e".join(sorted(codes))
    raw = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(raw, "big") >> 1


@dataclass(slots=True)
class Case:
    """One claim under adjudication.

    claim: what was submitted.
    provider_id: the submitting provider's party id.
    programme_id: the programme named (0 when the member's cover decides).
    day: the service date's ordinal.
    dup_key: the duplicate key (0 for pre-authorisations).
    book, member, enrolment, accreditation: found by the checks as they run.
    rules: the programme's item rules at the provider's level.
    specs: each line's item rule (None when the item is not in the package).
    age, group: the member's age on the service date, and adult or child.
    cell: the cost-share cell (care type and age group, see ``thamani.claims.rulebook``).
    category: the primary diagnosis's ICD-10 category (for the review flags).
    findings: claim-level rejections.
    line_findings: the first rejection of each line (index as in ``claim.lines``).
    flags: review flags.
    lines: adjudicated lines (after valuation).
    visits: visit kinds the claim counts as (``thamani.claims.usage`` bits).
    paid, deductible: per-bucket money this claim adds to the member's and policy's usage.
    totals: asked, valuated, payer, co_pay, deductible and not_covered over the lines
        (set with ``lines``).
    preauth: the pre-authorisation the claim names, when found.
    status: the outcome.
    """

    claim: ClaimInput
    provider_id: int
    programme_id: int
    day: int
    dup_key: int
    book: RuleBook | None = None
    member: Member | None = None
    enrolment: Enrolment | None = None
    accreditation: Accreditation | None = None
    rules: dict[str, ItemRule] | None = None
    specs: list[ItemRule | None] = field(default_factory=list)
    age: int = 0
    group: AgeGroup = AgeGroup.ADULT
    cell: int = 0
    category: str = ""
    findings: list[Finding] = field(default_factory=list)
    line_findings: list[Finding | None] = field(default_factory=list)
    flags: list[Finding] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    visits: int = 0
    paid: list[int] = field(default_factory=lambda: [0, 0, 0])
    deductible: list[int] = field(default_factory=lambda: [0, 0, 0])
    preauth: Preauth | None = None
    status: ClaimStatus = ClaimStatus.ENTERED
    totals: tuple[int, int, int, int, int, int] = (0, 0, 0, 0, 0, 0)

    @classmethod
    def of(cls, claim: ClaimInput, provider_id: int, programme_id: int) -> Case:
        day = claim.encounter.start.toordinal()
        key = (
            duplicate_key(provider_id, claim.member, day, [x.code for x in claim.lines])
            if claim.use is ClaimUse.CLAIM
            else 0
        )
        return cls(
            claim,
            provider_id,
            programme_id,
            day,
            key,
            line_findings=[None] * len(claim.lines),
        )

    @property
    def rejected(self) -> bool:
        return bool(self.findings)

    def reject_line(self, index: int, finding: Finding) -> None:
        if self.line_findings[index] is None:
            self.line_findings[index] = finding

    def open_lines(self) -> list[int]:
        """Indexes of lines no check has rejected yet."""
        return [i for i, f in enumerate(self.line_findings) if f is None]
