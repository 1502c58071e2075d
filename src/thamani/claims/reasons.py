"""The stable codes of every automatic check and review flag.

Codes never change meaning once published: payers' systems and reports key on them. Each
has a one-line summary here; the finding's own message carries the numbers of the case.
"""

from __future__ import annotations

import enum


class Reason(enum.Enum):
    """Why a claim or a line is rejected (or, for ``ceiling_reached``, paid in part)."""

    MEMBER_UNKNOWN = "member_unknown"
    NOT_ENROLLED = "not_enrolled"
    PROGRAMME_NOT_VALID = "programme_not_valid"
    PROVIDER_NOT_ACCREDITED = "provider_not_accredited"
    ITEM_NOT_IN_PACKAGE = "item_not_in_package"
    ITEM_NOT_IN_TARIFF = "item_not_in_tariff"
    WAITING_PERIOD = "waiting_period"
    QUANTITY_LIMIT = "quantity_limit"
    FREQUENCY_LIMIT = "frequency_limit"
    VISIT_LIMIT = "visit_limit"
    CEILING_REACHED = "ceiling_reached"
    PREAUTH_MISSING = "preauth_missing"
    PREAUTH_EXPIRED = "preauth_expired"
    DUPLICATE_CLAIM = "duplicate_claim"
    DIAGNOSIS_INVALID = "diagnosis_invalid"
    DIAGNOSIS_IMPLAUSIBLE = "diagnosis_implausible"
    SERVICE_DATE_FUTURE = "service_date_future"
    SERVICE_DATE_BEFORE_BIRTH = "service_date_before_birth"
    REJECTED_IN_REVIEW = "rejected_in_review"
    NOT_FUNDED = "not_funded"

    @property
    def summary(self) -> str:
        return SUMMARIES[self]


SUMMARIES: dict[Reason, str] = {
    Reason.MEMBER_UNKNOWN: "the member number is not registered",
    Reason.NOT_ENROLLED: "the member is not enrolled in the programme on the service date",
    Reason.PROGRAMME_NOT_VALID: "the programme does not pay for care on the service date",
    Reason.PROVIDER_NOT_ACCREDITED: "the provider is not accredited by the programme",
    Reason.ITEM_NOT_IN_PACKAGE: "the item is not in the programme's benefit package",
    Reason.ITEM_NOT_IN_TARIFF: "the item has no tariff at the provider's level",
    Reason.WAITING_PERIOD: "the item's waiting period is not over",
    Reason.QUANTITY_LIMIT: "the quantity is over the item's limit for the period",
    Reason.FREQUENCY_LIMIT: "the item was given too recently to be given again",
    Reason.VISIT_LIMIT: "the member has used every visit, admission or delivery of the period",
    Reason.CEILING_REACHED: "a ceiling is reached: paid up to what is left",
    Reason.PREAUTH_MISSING: "the item needs a pre-authorisation that the claim does not have",
    Reason.PREAUTH_EXPIRED: "the pre-authorisation has expired or was used",
    Reason.DUPLICATE_CLAIM: "the same member, provider, services and date were claimed already",
    Reason.DIAGNOSIS_INVALID: "the diagnosis is not a code of the programme's ICD-10 edition",
    Reason.DIAGNOSIS_IMPLAUSIBLE: "the diagnosis does not fit the member's sex or age",
    Reason.SERVICE_DATE_FUTURE: "the service date is in the future",
    Reason.SERVICE_DATE_BEFORE_BIRTH: "the service date is before the member was born",
    Reason.REJECTED_IN_REVIEW: "a reviewer at the payer rejected it",
    Reason.NOT_FUNDED: "the programme's fund cannot hold the pre-authorised amount",
}


class Flag(enum.Enum):
    """Why a claim is sent to review rather than paid straight away (never a rejection)."""

    REPEATED_DIAGNOSIS = "repeated_diagnosis"
    SEVERAL_PROVIDERS = "several_providers_same_day"
    COST_OUTLIER = "provider_cost_outlier"

    @property
    def summary(self) -> str:
        return FLAG_SUMMARIES[self]


FLAG_SUMMARIES: dict[Flag, str] = {
    Flag.REPEATED_DIAGNOSIS: (
        "the same diagnosis claimed repeatedly for the member in a short window"
    ),
    Flag.SEVERAL_PROVIDERS: "the member was seen by another provider on the same day",
    Flag.COST_OUTLIER: "the provider's cost per encounter is an outlier against its peers",
}
