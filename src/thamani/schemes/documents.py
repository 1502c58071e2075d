"""Programme files (YAML) and enrolment documents, read with pydantic at the edge.

A programme file defines a programme in one go: settings, limits, accredited providers,
the benefit package, the tariff, and optionally households to enrol. The same document
is accepted as JSON by the API. Every fault is reported with the file and the path in the
document (``benefits[3].co_insurance.adult``), and nothing is stored when there is one.

Amounts are written in major units (``"1250.50"`` or ``1250``) and become integers in the
currency's minor unit; percentages are written ``"12.5%"`` (or a number of percent) and
become basis points.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from thamani.errors import InvalidInput
from thamani.money import CURRENCIES, parse_amount
from thamani.schemes.records import (
    Accreditation,
    BenefitItem,
    Bucketed,
    CostShares,
    Definition,
    IcdEdition,
    ItemKind,
    Limits,
    PerAge,
    Programme,
    ProgrammeKind,
    ReviewRules,
    ServiceCategory,
    Sex,
    Share,
    TariffEntry,
)

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
ATC = re.compile(r"^[A-Z]([0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?)?$")
LOINC = re.compile(r"^[0-9]{1,7}-[0-9]$")


# -- scalar types ------------------------------------------------------------------------


def _amount(value: Any, info: ValidationInfo) -> int:
    """Major units as text or a number, to minor units of the document's currency."""
    if isinstance(value, bool) or not isinstance(value, str | int | float | Decimal):
        raise ValueError("an amount must be a number or a string such as '1250.50'")
    if isinstance(value, float):
        value = repr(value)
    cur = (info.context or {}).get("currency", "KES")
    try:
        minor = parse_amount(value, cur)
    except InvalidInput as e:
        raise ValueError(e.message) from None
    if minor < 0:
        raise ValueError(f"{value!r} is negative")
    return minor


def _percent(value: Any) -> int:
    """``"12.5%"`` or ``12.5`` (percent) to basis points (1,250)."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError("a percentage is written like '20%'")
    text = str(value).strip().removesuffix("%").strip()
    try:
        pct = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{value!r} is not a percentage") from None
    bp = pct * 100
    if bp != bp.to_integral_value():
        raise ValueError(f"{value!r} has more than two decimal places of a percent")
    if not 0 <= bp <= 10_000:
        raise ValueError(f"{value!r} is not between 0% and 100%")
    return int(bp)


Amount = Annotated[int, BeforeValidator(_amount)]
Percent = Annotated[int, BeforeValidator(_percent)]
Days = Annotated[int, Field(ge=0, le=36_500)]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PerAgeIn(_Doc):
    adult: int = Field(ge=0)
    child: int = Field(ge=0)


def _per_age(value: Any) -> Any:
    """A single number stands for adults and children alike."""
    if isinstance(value, int) and not isinstance(value, bool):
        return {"adult": value, "child": value}
    if isinstance(value, dict):
        return value
    raise ValueError(f"{value!r}: write a whole number, or {{adult: N, child: N}}")


PerAgeValue = Annotated[PerAgeIn, BeforeValidator(_per_age)]


class AgeAmounts(_Doc):
    adult: Amount
    child: Amount


class AgePercents(_Doc):
    adult: Percent
    child: Percent


def _age_split(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"adult": value, "child": value}
    if isinstance(value, dict):
        return value
    raise ValueError(f"{value!r}: write one value, or {{adult: ..., child: ...}}")


class CareShare(_Doc):
    """A cost share for one care type: co-insurance or a fixed co-pay, not both."""

    co_insurance: Annotated[AgePercents, BeforeValidator(_age_split)] | None = None
    co_pay: Annotated[AgeAmounts, BeforeValidator(_age_split)] | None = None

    @model_validator(mode="after")
    def _one(self) -> CareShare:
        if self.co_insurance is not None and self.co_pay is not None:
            raise ValueError("give co_insurance or co_pay, not both")
        return self

    def shares(self) -> tuple[Share, Share] | None:
        if self.co_insurance is not None:
            return (
                Share(co_insurance_bp=self.co_insurance.adult),
                Share(co_insurance_bp=self.co_insurance.child),
            )
        if self.co_pay is not None:
            return Share(co_pay=self.co_pay.adult), Share(co_pay=self.co_pay.child)
        return None


class CostShareIn(CareShare):
    """Normal care's share at this level; referral and emergency care each may differ."""

    referral: CareShare | None = None
    emergency: CareShare | None = None

    def cost_shares(self, fallback: CostShares) -> CostShares:
        """The six cells: what is written here, else normal care's share written here,
        else ``fallback`` (the programme's defaults)."""
        own = self.shares()
        normal = own or (fallback.normal_adult, fallback.normal_child)

        def care(block: CareShare | None, fb: tuple[Share, Share]) -> tuple[Share, Share]:
            return (block.shares() if block else None) or own or fb

        ref = care(self.referral, (fallback.referral_adult, fallback.referral_child))
        emer = care(self.emergency, (fallback.emergency_adult, fallback.emergency_child))
        return CostShares(normal[0], normal[1], ref[0], ref[1], emer[0], emer[1])


def _bucketed(value: Any) -> Any:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return {"total": value}
    if isinstance(value, dict):
        return value
    raise ValueError(
        f"{value!r}: write an amount, or {{total: ..., hospital: ..., non_hospital: ...}}"
    )


class BucketedIn(_Doc):
    total: Amount | None = None
    hospital: Amount | None = None
    non_hospital: Amount | None = None

    def record(self) -> Bucketed:
        return Bucketed(self.total, self.hospital, self.non_hospital)


BucketedValue = Annotated[BucketedIn, BeforeValidator(_bucketed)]


class ScopedIn(_Doc):
    member: BucketedValue | None = None
    treatment: BucketedValue | None = None
    policy: BucketedValue | None = None


class LimitsIn(_Doc):
    deductible: ScopedIn = ScopedIn()
    ceiling: ScopedIn = ScopedIn()
    max_visits: int | None = Field(default=None, ge=0)
    max_admissions: int | None = Field(default=None, ge=0)
    max_deliveries: int | None = Field(default=None, ge=0)
    max_antenatal: int | None = Field(default=None, ge=0)

    def record(self) -> Limits:
        def b(x: BucketedIn | None) -> Bucketed:
            return x.record() if x is not None else Bucketed()

        d, c = self.deductible, self.ceiling
        return Limits(
            deductible_member=b(d.member),
            deductible_treatment=b(d.treatment),
            deductible_policy=b(d.policy),
            ceiling_member=b(c.member),
            ceiling_treatment=b(c.treatment),
            ceiling_policy=b(c.policy),
            max_visits=self.max_visits,
            max_admissions=self.max_admissions,
            max_deliveries=self.max_deliveries,
            max_antenatal=self.max_antenatal,
        )


class RepeatIn(_Doc):
    count: int = Field(ge=0, le=1000)
    days: int = Field(ge=1, le=3650)


class OutlierIn(_Doc):
    factor: Decimal = Field(ge=0, le=100)
    min_encounters: int = Field(default=20, ge=1)


class ReviewIn(_Doc):
    repeat_diagnosis: RepeatIn | None = None
    several_providers: bool = True
    outlier: OutlierIn | None = None

    def record(self) -> ReviewRules:
        d = ReviewRules()
        rep = self.repeat_diagnosis
        out = self.outlier
        return ReviewRules(
            repeat_diagnosis_count=rep.count if rep else d.repeat_diagnosis_count,
            repeat_diagnosis_days=rep.days if rep else d.repeat_diagnosis_days,
            several_providers=self.several_providers,
            outlier_factor_bp=int(out.factor * 10_000) if out else d.outlier_factor_bp,
            outlier_min_encounters=out.min_encounters if out else d.outlier_min_encounters,
        )


class ProviderIn(_Doc):
    provider: str = Field(min_length=1, max_length=100, description="Party reference.")
    level: str


class BenefitIn(CostShareIn):
    code: str
    name: str = Field(min_length=1, max_length=200)
    kind: ItemKind = ItemKind.SERVICE
    category: ServiceCategory | None = None
    waiting_period_days: PerAgeValue | None = None
    max_quantity: PerAgeValue | None = None
    min_interval_days: Days | None = None
    preauthorisation: bool = False
    atc: str | None = None
    loinc: str | None = None

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not CODE.match(v):
            raise ValueError(f"{v!r} is not an item code (letters, digits, . _ / -)")
        return v

    @field_validator("atc")
    @classmethod
    def _atc(cls, v: str | None) -> str | None:
        if v is not None and not ATC.match(v):
            raise ValueError(f"{v!r} is not a WHO ATC code (e.g. J01CA04)")
        return v

    @field_validator("loinc")
    @classmethod
    def _loinc(cls, v: str | None) -> str | None:
        if v is not None and not LOINC.match(v):
            raise ValueError(f"{v!r} is not a LOINC code (e.g. 718-7)")
        return v


class MemberIn(_Doc):
    number: str = Field(min_length=1, max_length=64, description="The member number.")
    name: str = Field(min_length=1, max_length=200)
    sex: Sex
    birth_date: date
    start: date | None = Field(default=None, description="Joins later than the household.")
    wallet_account: str | None = Field(
        default=None, description="The member's wallet account id, for co-pays."
    )

    @field_validator("number")
    @classmethod
    def _number(cls, v: str) -> str:
        if not CODE.match(v):
            raise ValueError(f"{v!r} is not a member number (letters, digits, . _ / -)")
        return v


class HouseholdIn(_Doc):
    reference: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    area: str = Field(default="", max_length=100)
    start: date
    end: date
    members: list[MemberIn] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _dates(self) -> HouseholdIn:
        if self.end < self.start:
            raise ValueError(f"the policy ends ({self.end}) before it starts ({self.start})")
        seen: set[str] = set()
        for m in self.members:
            if m.number in seen:
                raise ValueError(f"member {m.number} is listed twice")
            seen.add(m.number)
            if m.start is not None and not self.start <= m.start <= self.end:
                raise ValueError(f"member {m.number} joins outside the policy period")
        return self


class EnrolmentIn(_Doc):
    """Households to enrol in one programme (``thamani enrol FILE``, the API)."""

    programme: str
    households: list[HouseholdIn] = Field(min_length=1)


class ProgrammeDocument(_Doc):
    """A programme file."""

    _source: str = PrivateAttr(default="programme")

    code: str
    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    kind: ProgrammeKind
    currency: str
    valid_from: date
    valid_to: date
    funder: str = Field(min_length=1, max_length=100, description="The payer's reference.")
    ledger: int = Field(gt=0, lt=2**32, description="Ledger number of the programme's fund.")
    icd: IcdEdition = IcdEdition.WHO
    adult_age: int = Field(default=18, ge=1, le=30)
    preauth_days: int = Field(default=30, ge=1, le=365)
    levels: list[str] = Field(min_length=1)
    waiting_period_days: PerAgeValue | None = None
    defaults: CostShareIn = CostShareIn()
    limits: LimitsIn = LimitsIn()
    review: ReviewIn = ReviewIn()
    providers: list[ProviderIn] = []
    benefits: list[BenefitIn] = Field(min_length=1)
    tariff: dict[str, dict[str, Amount]] = {}
    households: list[HouseholdIn] = []

    @field_validator("code")
    @classmethod
    def _code(cls, v: str) -> str:
        if not SLUG.match(v):
            raise ValueError(f"{v!r} is not a programme code (lower-case letters, digits, -)")
        return v

    @field_validator("currency")
    @classmethod
    def _currency(cls, v: str) -> str:
        if v.upper() not in CURRENCIES:
            raise ValueError(f"unknown currency {v!r}; known: {', '.join(sorted(CURRENCIES))}")
        return v.upper()

    @property
    def source(self) -> str:
        """The file (or ``body``) the document was read from, for error messages."""
        return self._source

    def faults(self) -> list[tuple[str, str]]:
        """Faults across fields, as (path, message)."""
        out: list[tuple[str, str]] = []
        if self.valid_to < self.valid_from:
            out.append(("valid_to", f"the programme ends before it starts ({self.valid_from})"))
        levels = set(self.levels)
        if len(levels) != len(self.levels):
            out.append(("levels", "a level is listed twice"))
        for i, p in enumerate(self.providers):
            if p.level not in levels:
                out.append((f"providers[{i}].level", _unknown("level", p.level, self.levels)))
        seen_p: set[str] = set()
        for i, p in enumerate(self.providers):
            if p.provider in seen_p:
                out.append((f"providers[{i}].provider", f"{p.provider} is listed twice"))
            seen_p.add(p.provider)
        codes: dict[str, int] = {}
        for i, b in enumerate(self.benefits):
            if b.code in codes:
                out.append(
                    (f"benefits[{i}].code", f"{b.code} is already benefits[{codes[b.code]}]")
                )
            codes[b.code] = i
        for code, prices in self.tariff.items():
            if code not in codes:
                out.append((f"tariff.{code}", _unknown("benefit item", code, list(codes))))
            for level in prices:
                if level not in levels:
                    out.append((f"tariff.{code}.{level}", _unknown("level", level, self.levels)))
        if self.kind is ProgrammeKind.SAVINGS:
            for i, b in enumerate(self.benefits):
                if b.preauthorisation:
                    out.append(
                        (f"benefits[{i}].preauthorisation", "a savings programme pays nothing")
                    )
        return out

    def definition(self, resolve: Callable[[str, str, str], int]) -> Definition:
        """The records; ``resolve(kind, reference, path)`` gives a party's id."""
        funder_id = resolve("payer", self.funder, "funder")
        defaults = self.defaults.cost_shares(CostShares())
        waiting = _age(self.waiting_period_days) or PerAge(0, 0)
        programme = Programme(
            id=0,
            code=self.code,
            name=self.name,
            kind=self.kind,
            currency=self.currency,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            funder_id=funder_id,
            ledger=self.ledger,
            fund_account_id=0,
            icd=self.icd,
            adult_age=self.adult_age,
            preauth_days=self.preauth_days,
            levels=tuple(self.levels),
            defaults=defaults,
            default_waiting_days=waiting,
            limits=self.limits.record(),
            review=self.review.record(),
            description=self.description,
        )
        items = tuple(
            BenefitItem(
                code=b.code,
                name=b.name,
                kind=b.kind,
                category=b.category,
                cost_share=b.cost_shares(defaults),
                waiting_days=_age(b.waiting_period_days) or waiting,
                max_quantity=_age(b.max_quantity),
                min_interval_days=b.min_interval_days,
                preauthorisation=b.preauthorisation,
                atc=b.atc,
                loinc=b.loinc,
            )
            for b in self.benefits
        )
        tariff = tuple(
            TariffEntry(code, level, price)
            for code, prices in self.tariff.items()
            for level, price in prices.items()
        )
        providers = tuple(
            Accreditation(
                resolve("provider", p.provider, f"providers[{i}].provider"), p.provider, p.level, 0
            )
            for i, p in enumerate(self.providers)
        )
        return Definition(programme, items, tariff, providers)


def _age(x: PerAgeIn | None) -> PerAge | None:
    return None if x is None else PerAge(x.adult, x.child)


def _unknown(what: str, value: str, known: Sequence[str]) -> str:
    near = difflib.get_close_matches(value, list(known), n=1)
    hint = f" (did you mean {near[0]}?)" if near else ""
    return f"unknown {what} {value!r}{hint}"


# -- reading -----------------------------------------------------------------------------


def path_of(loc: Sequence[int | str]) -> str:
    """``('benefits', 3, 'co_insurance', 'adult')`` as ``benefits[3].co_insurance.adult``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part:
            out += ("." if out else "") + str(part)
    return out or "(document)"


def _model_fields(model: type[BaseModel], loc: Sequence[int | str]) -> list[str]:
    """The keys allowed at ``loc`` (for 'did you mean' hints on unknown keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        field = getattr(current, "model_fields", {}).get(part)
        if field is None:
            return list(getattr(current, "model_fields", {}))
        current = _model_of(field.annotation)
    return list(getattr(current, "model_fields", {})) if current else []


def _model_of(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = _model_of(arg)
        if found is not None:
            return found
    meta = getattr(annotation, "__origin__", None)
    if meta is not None:
        return _model_of(meta)
    return None


def first_fault(e: ValidationError, model: type[BaseModel], source: str) -> InvalidInput:
    """The first fault of a validation error, naming the source and the path."""
    errs = e.errors()
    err = errs[0]
    loc = tuple(err.get("loc", ()))
    where = path_of(loc)
    if err.get("type") == "extra_forbidden":
        key = str(loc[-1]) if loc else "?"
        near = difflib.get_close_matches(key, _model_fields(model, loc[:-1]), n=1)
        msg = f"unknown key {key!r}" + (f" (did you mean {near[0]}?)" if near else "")
    else:
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
    more = f" (and {len(errs) - 1} more)" if len(errs) > 1 else ""
    return InvalidInput(
        f"{msg}{more}",
        code="invalid_document",
        where=f"{source}: {where}",
        details={
            "faults": [
                {
                    "where": path_of(tuple(x.get("loc", ()))),
                    "message": str(x.get("msg", "")).removeprefix("Value error, "),
                }
                for x in errs
            ]
        },
    )


def parse_programme(data: Any, source: str = "programme") -> ProgrammeDocument:
    """Validate a programme document (already parsed from YAML or JSON)."""
    if not isinstance(data, dict):
        raise InvalidInput(
            f"{source}: a programme document is a mapping of keys",
            where=source,
            code="invalid_document",
        )
    cur = str(data.get("currency", "KES")).upper()
    ctx = {"currency": cur if cur in CURRENCIES else "KES"}
    try:
        doc = ProgrammeDocument.model_validate(data, context=ctx)
    except ValidationError as e:
        raise first_fault(e, ProgrammeDocument, source) from None
    doc._source = source
    faults = doc.faults()
    if faults:
        where, msg = faults[0]
        more = f" (and {len(faults) - 1} more)" if len(faults) > 1 else ""
        raise InvalidInput(
            f"{msg}{more}",
            code="invalid_document",
            where=f"{source}: {where}",
            details={"faults": [{"where": w, "message": m} for w, m in faults]},
        )
    return doc


def parse_enrolment(data: Any, currency: str = "KES", source: str = "enrolment") -> EnrolmentIn:
    try:
        return EnrolmentIn.model_validate(data, context={"currency": currency})
    except ValidationError as e:
        raise first_fault(e, EnrolmentIn, source) from None


def read_yaml(path: Path) -> Any:
    """A YAML (or JSON) file's content, or InvalidInput naming the file and line."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInput(f"cannot read {path}: {e.strerror}", where=str(path)) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f":{mark.line + 1}:{mark.column + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e)
        raise InvalidInput(
            f"{path}{line}: not valid YAML: {problem}",
            where=f"{path}{line}",
            code="invalid_document",
        ) from None


def load_programme_file(path: Path) -> ProgrammeDocument:
    """Read and validate a programme file."""
    return parse_programme(read_yaml(path), str(path))
