"""A programme's rules compiled for adjudication: look-ups by code, level and bucket.

Built once per programme version and kept by the claims use cases, so a batch of claims
reads its rules from dictionaries rather than from the store. Deductibles and ceilings
are pre-split into the caps that apply to hospital and to other care: each cap is
(bucket, amount), where bucket 0 is all care, 1 hospital care and 2 other care.
"""

from __future__ import annotations

from dataclasses import dataclass

from thamani.claims.usage import ADMISSION, ANTENATAL, DELIVERY
from thamani.schemes.records import (
    Accreditation,
    AgeGroup,
    BenefitItem,
    Bucketed,
    CareType,
    Definition,
    Limits,
    Programme,
    ProgrammeKind,
    ServiceCategory,
    Share,
)

TOTAL, HOSPITAL, OTHER = 0, 1, 2

Caps = tuple[tuple[int, int], ...]


def caps(b: Bucketed, hospital: bool) -> Caps:
    """The (bucket, amount) caps of a deductible or ceiling for one kind of care."""
    out = []
    if b.total is not None:
        out.append((TOTAL, b.total))
    split = b.hospital if hospital else b.non_hospital
    if split is not None:
        out.append((HOSPITAL if hospital else OTHER, split))
    return tuple(out)


@dataclass(frozen=True, slots=True)
class ScopeCaps:
    """The caps of one limit for hospital care and for other care.

    member, treatment, policy: caps per scope, for ``hospital`` care and for other care.
    """

    member: tuple[Caps, Caps]
    treatment: tuple[Caps, Caps]
    policy: tuple[Caps, Caps]

    @classmethod
    def of(cls, member: Bucketed, treatment: Bucketed, policy: Bucketed) -> ScopeCaps:
        return cls(
            (caps(member, False), caps(member, True)),
            (caps(treatment, False), caps(treatment, True)),
            (caps(policy, False), caps(policy, True)),
        )

    @property
    def any_policy(self) -> bool:
        return bool(self.policy[0] or self.policy[1])

    @property
    def any(self) -> bool:
        return any(c for pair in (self.member, self.treatment, self.policy) for c in pair)


#: Cost-share cells, as openIMIS lays them out: care type x age group.
CARE = {CareType.NORMAL: 0, CareType.REFERRAL: 2, CareType.EMERGENCY: 4}
AGE = {AgeGroup.ADULT: 0, AgeGroup.CHILD: 1}
_VISIT_BITS = {
    ServiceCategory.HOSPITALISATION: ADMISSION,
    ServiceCategory.DELIVERY: DELIVERY,
    ServiceCategory.ANTENATAL: ANTENATAL,
}


@dataclass(frozen=True, slots=True)
class ItemRule:
    """One benefit item's rules at one provider level, flattened for the checks.

    item: the benefit item.
    price: the tariff per unit at the level, or None when the level has no price.
    shares: the member's share in each cell (care type x age group; ``CARE`` + ``AGE``).
    waiting: waiting days (adult, child).
    max_quantity: units per period (adult, child), or None.
    interval: least days between two services (0: none).
    preauth: needs a pre-authorisation.
    visits: the visit kinds it makes a claim count as (``thamani.claims.usage`` bits).
    """

    item: BenefitItem
    price: int | None
    shares: tuple[Share, Share, Share, Share, Share, Share]
    waiting: tuple[int, int]
    max_quantity: tuple[int, int] | None
    interval: int
    preauth: bool
    visits: int

    @classmethod
    def of(cls, item: BenefitItem, price: int | None) -> ItemRule:
        cs = item.cost_share
        mq = item.max_quantity
        return cls(
            item=item,
            price=price,
            shares=(
                cs.normal_adult,
                cs.normal_child,
                cs.referral_adult,
                cs.referral_child,
                cs.emergency_adult,
                cs.emergency_child,
            ),
            waiting=(item.waiting_days.adult, item.waiting_days.child),
            max_quantity=(mq.adult, mq.child) if mq is not None else None,
            interval=item.min_interval_days or 0,
            preauth=item.preauthorisation,
            visits=_VISIT_BITS.get(item.category, 0) if item.category else 0,
        )


@dataclass(frozen=True, slots=True)
class RuleBook:
    """One programme version's rules, ready for adjudication.

    programme: the programme.
    items: benefit items by code.
    prices: price per unit by provider level, then item code.
    index: each item's flattened rules by provider level, then item code.
    providers: accreditations by provider party id.
    deductibles, ceilings: caps by scope and kind of care.
    member_pays_all: a savings programme: the member pays the whole tariff.
    visit_limits: the programme limits visits, admissions, deliveries or antenatal visits.
    history_days: how far back a member's encounters are remembered for the review flags.
    policy_usage: a deductible or ceiling per policy applies (its usage is kept).
    """

    programme: Programme
    items: dict[str, BenefitItem]
    prices: dict[str, dict[str, int]]
    index: dict[str, dict[str, ItemRule]]
    providers: dict[int, Accreditation]
    deductibles: ScopeCaps
    ceilings: ScopeCaps
    member_pays_all: bool
    visit_limits: bool
    history_days: int
    policy_usage: bool = False

    @classmethod
    def of(cls, d: Definition) -> RuleBook:
        p = d.programme
        prices: dict[str, dict[str, int]] = {level: {} for level in p.levels}
        for t in d.tariff:
            prices.setdefault(t.level, {})[t.item_code] = t.price
        lim: Limits = p.limits
        deductibles = ScopeCaps.of(
            lim.deductible_member, lim.deductible_treatment, lim.deductible_policy
        )
        ceilings = ScopeCaps.of(lim.ceiling_member, lim.ceiling_treatment, lim.ceiling_policy)
        return cls(
            programme=p,
            items={i.code: i for i in d.items},
            prices=prices,
            index={
                level: {i.code: ItemRule.of(i, prices.get(level, {}).get(i.code)) for i in d.items}
                for level in p.levels
            },
            providers={a.provider_id: a for a in d.providers},
            deductibles=deductibles,
            ceilings=ceilings,
            policy_usage=deductibles.any_policy or ceilings.any_policy,
            member_pays_all=p.kind is ProgrammeKind.SAVINGS,
            history_days=max(1, p.review.repeat_diagnosis_days),
            visit_limits=any(
                x is not None
                for x in (lim.max_visits, lim.max_admissions, lim.max_deliveries, lim.max_antenatal)
            ),
        )

    @property
    def needs_policy_usage(self) -> bool:
        return self.policy_usage
