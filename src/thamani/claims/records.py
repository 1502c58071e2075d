"""Claims and the clinical record that rides with them.

A claim is a provider's request to be paid for one encounter. It always carries the
encounter's clinical payload: diagnoses (ICD-10), services and procedures, medicines,
laboratory tests and results, vitals, and patient-reported answers when collected. A
pre-authorisation request has the same shape (``use`` is ``preauthorization``).

``ClaimInput`` is what a provider submits; ``Claim`` is the adjudicated, stored claim with
one ``Line`` per submitted line, each accepted (possibly in part) or rejected with a
stable reason code. Amounts are integers in the programme currency's minor unit.

The records made many times per claim (lines, diagnoses, findings) and ``Claim`` itself
are immutable named tuples rather than frozen dataclasses: the batch path makes hundreds
of thousands of them a second, and a named tuple is built four times faster. They are
records all the same (fields by name, no mutation); ``Encounter`` and ``ClaimInput``,
one per claim, stay frozen dataclasses.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from thamani.records import quick_init
from thamani.schemes.records import CareType, EncounterClass


class ClaimUse(enum.Enum):
    """What the submission asks for (FHIR ``Claim.use``)."""

    CLAIM = "claim"
    PREAUTHORIZATION = "preauthorization"


class ClaimStatus(enum.IntEnum):
    """Where a claim stands. ``entered`` and ``checked`` are passed through within the
    submitting transaction; the stored states are the ones after them."""

    ENTERED = 1
    CHECKED = 2
    IN_REVIEW = 3
    """A fraud or quality flag sent it to a person at the payer."""
    VALUATED = 4
    """Accepted and priced; payment is being (or failed to be) settled."""
    PAID = 5
    REJECTED = 6
    REVERSED = 7
    """Paid, then reversed by a correcting transfer."""
    AUTHORISED = 8
    """A pre-authorisation holding its reservation (a pending transfer)."""
    CLOSED = 9
    """A pre-authorisation used by its claim (posted) or released (voided)."""
    BILLED = 10
    """A historical claim (``Claims.record``) billed and not fully paid when its source
    recorded it; nothing in Thamani pays it later."""

    @property
    def label(self) -> str:
        return self.name.lower()


class LineStatus(enum.Enum):
    """What happened to one line."""

    ACCEPTED = "accepted"
    PARTIAL = "partial"
    """Accepted, but a ceiling left less than the line was worth."""
    REJECTED = "rejected"


#: Statuses by value: calling an enum with its value is slow in a loop of 100,000.
CLAIM_STATUS: dict[int, ClaimStatus] = {s.value: s for s in ClaimStatus}
LINE_STATUS: dict[str, LineStatus] = {s.value: s for s in LineStatus}


class Diagnosis(NamedTuple):
    """A diagnosis: ICD-10 (edition given by the programme) unless ``system`` says
    otherwise.

    code: the code, with or without its dot (``O80``, ``E11.9``, ``E119``).
    primary: the main reason for the encounter.
    system: the code system's URI when it is not the programme's ICD-10 (a historical
        claim's SNOMED CT code, say); None for ICD-10.
    """

    code: str
    primary: bool = False
    system: str | None = None


class LabResult(NamedTuple):
    """A laboratory result.

    name: the test's name.
    value: the result as written (``"11.2"``, ``"positive"``).
    unit: its unit, when it has one (UCUM, e.g. ``g/dL``).
    loinc: the LOINC code, when known.
    item_code: the claim line's item code that paid for the test, when there is one.
    """

    name: str
    value: str
    unit: str | None = None
    loinc: str | None = None
    item_code: str | None = None


class Vital(NamedTuple):
    """A vital sign.

    name: ``systolic``, ``diastolic``, ``weight``, ``temperature``, ``pulse``...
    value: the reading as written.
    unit: UCUM unit (``mm[Hg]``, ``kg``, ``Cel``, ``/min``).
    loinc: the LOINC code, when known (8480-6 systolic, 29463-7 weight).
    """

    name: str
    value: str
    unit: str | None = None
    loinc: str | None = None


class Answer(NamedTuple):
    """A patient-reported outcome answer.

    question: the question's code or text.
    answer: the answer as given.
    """

    question: str
    answer: str


@quick_init
@dataclass(frozen=True, slots=True)
class Encounter:
    """The clinical record of one encounter.

    encounter_class: the setting (``EncounterClass``).
    care_type: normal, referral or emergency care (decides the cost share).
    start: the service date (admission date for inpatients).
    end: discharge date, or None for a same-day encounter.
    practitioner: who saw the patient (a licence number or name), when given.
    diagnoses: ICD-10 diagnoses, the primary one first.
    labs: laboratory results.
    vitals: vital signs.
    answers: patient-reported outcome answers, when collected.
    """

    encounter_class: EncounterClass
    care_type: CareType
    start: date
    end: date | None = None
    practitioner: str | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    labs: tuple[LabResult, ...] = ()
    vitals: tuple[Vital, ...] = ()
    answers: tuple[Answer, ...] = ()


class LineInput(NamedTuple):
    """One submitted line: a service, procedure, medicine, test or supply.

    sequence: its number within the claim (1, 2, ...).
    code: the programme's item code.
    quantity: units given.
    unit_price: the price asked per unit, minor units (claims are paid at tariff).
    atc: a medicine's WHO ATC code, when the provider gives it.
    loinc: a test's LOINC code, when the provider gives it.
    """

    sequence: int
    code: str
    quantity: int = 1
    unit_price: int = 0
    atc: str | None = None
    loinc: str | None = None


@quick_init
@dataclass(frozen=True, slots=True)
class ClaimInput:
    """A claim (or pre-authorisation request) as a provider submits it.

    use: claim or pre-authorisation.
    provider: the provider's party reference (a facility code).
    member: the member number.
    encounter: the clinical record.
    lines: what was given.
    programme: the programme's code; None to take the member's only cover on the date.
    coverage: the enrolment id (FHIR ``Coverage``), an alternative to ``programme``.
    reference: the provider's own number for the claim; resubmitting the same reference
        with the same content returns the stored claim (exactly once).
    preauth_id: the pre-authorisation this claim is made under (0: none).
    history: for a historical claim (``Claims.record``), what its source recorded beyond
        the claim itself; None for a claim submitted here.
    """

    use: ClaimUse
    provider: str
    member: str
    encounter: Encounter
    lines: tuple[LineInput, ...]
    programme: str | None = None
    coverage: int | None = None
    reference: str | None = None
    preauth_id: int = 0
    history: History | None = None


class HistoryLine(NamedTuple):
    """What a historical claim's source recorded about one line.

    system: the URI of the line code's system (SNOMED CT, RxNorm...).
    display: the line's text.
    secondary: what the secondary payer paid, minor units.
    """

    system: str | None
    display: str
    secondary: int = 0


@dataclass(frozen=True, slots=True)
class History:
    """A historical claim's record of its source (see ``thamani.claims.history``).

    source: the system it came from (``synthea``, ``fhir``).
    status: its status there (``CLOSED``, ``BILLED``).
    secondary_programme: the code of the programme that paid second ("" when none).
    lines: per line, in the claim's order.
    encounter: the source's id of the encounter the claim is for ("" when not known).
    """

    source: str
    status: str
    secondary_programme: str
    lines: tuple[HistoryLine, ...]
    encounter: str = ""


class Finding(NamedTuple):
    """The result of one check: a stable code and a sentence for people.

    code: the reason or flag code (see ``thamani.claims.reasons``).
    message: what was found, with the numbers.
    line: the line's sequence number, or None for the whole claim.
    """

    code: str
    message: str
    line: int | None = None


class Line(NamedTuple):
    """An adjudicated line.

    sequence, code, quantity: as submitted.
    asked: the amount asked (unit price x quantity).
    valuated: the tariff price x quantity (0 when rejected).
    payer: what the programme pays.
    co_pay: the member's co-insurance or co-pay.
    deductible: what the member pays towards a deductible.
    not_covered: beyond a ceiling: neither the programme nor the co-pay covers it.
    status: accepted, partial or rejected.
    reason: the reason code when rejected or partial.
    message: the reason for people.
    """

    sequence: int
    code: str
    quantity: int
    asked: int
    valuated: int
    payer: int
    co_pay: int
    deductible: int
    not_covered: int
    status: LineStatus
    reason: str | None = None
    message: str | None = None

    @property
    def member_pays(self) -> int:
        return self.co_pay + self.deductible


class Claim(NamedTuple):
    """An adjudicated claim as stored.

    id: 128-bit id (a decimal string in JSON and FHIR).
    use: claim or pre-authorisation.
    status: ``ClaimStatus``.
    programme_id, programme_code: the programme (0, "" when none could be found).
    currency: the programme's currency.
    provider_id: the provider's party id.
    member_id: the member (None when the member number is unknown).
    member_ref: the member number as submitted.
    enrolment_id: the enrolment the claim is paid under, when found.
    reference: the provider's own number.
    service_date: the encounter's start.
    encounter_class: its setting.
    lines: the adjudicated lines.
    asked, valuated, payer, co_pay, deductible, not_covered: line totals.
    findings: claim-level rejection reasons.
    flags: fraud and quality flags that sent it to review.
    preauth_id: the pre-authorisation it used (0: none).
    reserved: for a pre-authorisation, the amount held.
    expires_at: for a pre-authorisation, when its hold lapses (ns since the epoch).
    submitted_at, decided_at, paid_at, reversed_at: ns since the epoch (None: not yet).
    settlement: the ledger's refusal when paying failed (the claim stays valuated).
    encounter: the clinical record as submitted.
    no: the store's sequence number.
    """

    id: int
    use: ClaimUse
    status: ClaimStatus
    programme_id: int
    programme_code: str
    currency: str
    provider_id: int
    member_id: int | None
    member_ref: str
    enrolment_id: int | None
    reference: str | None
    service_date: date
    encounter_class: EncounterClass
    lines: tuple[Line, ...]
    asked: int
    valuated: int
    payer: int
    co_pay: int
    deductible: int
    not_covered: int
    findings: tuple[Finding, ...]
    flags: tuple[Finding, ...]
    preauth_id: int
    reserved: int
    expires_at: int
    submitted_at: int
    decided_at: int
    paid_at: int | None
    reversed_at: int | None
    settlement: str | None
    encounter: Encounter
    no: int = 0

    @property
    def member_pays(self) -> int:
        return self.co_pay + self.deductible

    @property
    def reasons(self) -> tuple[Finding, ...]:
        """Every rejection reason: the claim's and its lines'."""
        line_reasons = tuple(
            Finding(x.reason, x.message or "", x.sequence) for x in self.lines if x.reason
        )
        return self.findings + line_reasons
