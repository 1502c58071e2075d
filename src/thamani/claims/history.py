"""Historical claims: claims adjudicated elsewhere, recorded as their source had them.

An import (Synthea's claims and claims_transactions, FHIR ExplanationOfBenefit) brings
claims that were decided and paid before Thamani saw them. ``Claims.record`` stores them
**without adjudicating them again**: no check, no tariff, no limit; the diagnoses keep
their own code system (Synthea's SNOMED CT is not ICD-10, so no ICD-10 check applies).
Each line keeps what the source says was charged, what the payers paid (primary and
secondary), what the patient paid and what is still outstanding.

The money moves on the ledger, so the books reconcile with the claims: per claim one
linked chain of

- the primary payer's part, from its programme's fund to the provider's receivable;
- the secondary payer's part, from that programme's fund to the provider's receivable;
- the patient's part, from the patient's own account to the provider's receivable
  (when the claim names one; otherwise it was paid outside the ledger),

and, before the chains of each ledger batch, one funding transfer per programme from the
account the caller names as the programme's source (``funding``) into its fund, for what
that batch pays from it. Transfer ids derive from the claim id, so a retry never moves
money twice.

The stored amounts are the source's: ``asked`` and ``valuated`` are what was charged,
``payer`` what the payers paid, ``co_pay`` what the patient paid, ``not_covered`` what is
outstanding, ``deductible`` 0. Unlike an adjudicated claim they need not add up (Synthea
records co-pays larger than the charge).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

from thamani.claims import payload
from thamani.claims import store as claim_store
from thamani.claims.records import (
    ClaimInput,
    ClaimStatus,
    ClaimUse,
    Diagnosis,
    Encounter,
    History,
    HistoryLine,
    Line,
    LineInput,
    LineStatus,
)
from thamani.claims.settlement import Purpose, transfer_id
from thamani.errors import InvalidInput
from thamani.ledger.codes import TransferCode
from thamani.ledger.ids import derived_id, to_bytes
from thamani.ledger.records import BATCH_MAX, Transfer, TransferFlags
from thamani.schemes.records import CareType, EncounterClass, Member, Programme

_LINKED = int(TransferFlags.LINKED)


class HistoricalLine(NamedTuple):
    """One line of a historical claim, as its source recorded it.

    sequence: its number within the claim (1, 2, ...).
    code, system, display: what was charged for (a SNOMED CT procedure, an RxNorm
        medicine...), with its system's URI.
    quantity: units.
    charged: what the provider charged, minor units.
    payer_paid: what the primary payer paid.
    secondary_paid: what the secondary payer paid.
    patient_paid: what the patient paid (co-pays included).
    outstanding: what was still owed when the source recorded it.
    """

    sequence: int
    code: str
    system: str | None
    display: str
    quantity: int
    charged: int
    payer_paid: int
    secondary_paid: int
    patient_paid: int
    outstanding: int


@dataclass(frozen=True, slots=True)
class HistoricalClaim:
    """A claim decided elsewhere, to be recorded as it was.

    source: the system it comes from (``synthea``).
    reference: the source's id for it (unique per provider, at most 64 characters).
    provider_id: the provider party (the facility) that was paid.
    provider_reference: that party's reference.
    member: the member number (or the patient's id in the source).
    programme: the code of the programme that paid first (the patient's cover; a savings
        programme when the patient had none).
    secondary_programme: the code of the programme that paid second, if any.
    service_date, end: the encounter's dates.
    encounter_class: its setting.
    practitioner: who saw the patient, when known.
    diagnoses: with their code systems.
    lines: what was charged and paid.
    status: ``PAID`` (closed) or ``BILLED`` (something outstanding).
    source_status: the status as the source wrote it.
    billed_at: when it was billed, ns since the epoch (its submission and decision time).
    patient_account_id: the patient's own account the patient's part was paid from, on
        the primary programme's ledger (0: paid outside the ledger).
    encounter: the source's id of the encounter the claim is for ("" when not known).
    """

    source: str
    reference: str
    provider_id: int
    provider_reference: str
    member: str
    programme: str
    service_date: date
    encounter_class: EncounterClass
    lines: tuple[HistoricalLine, ...]
    status: ClaimStatus = ClaimStatus.PAID
    source_status: str = "CLOSED"
    billed_at: int = 0
    secondary_programme: str | None = None
    end: date | None = None
    practitioner: str | None = None
    diagnoses: tuple[Diagnosis, ...] = ()
    patient_account_id: int = 0
    encounter: str = ""

    @property
    def claim_id(self) -> int:
        """The claim's id: derived from the provider and the source's reference, so the
        same claim recorded again has the same id."""
        return derived_id("historical-claim", self.provider_id, self.reference)


@dataclass(frozen=True, slots=True)
class Recorded:
    """What ``Claims.record`` did.

    added: claims stored now.
    unchanged: claims stored already with the same content (a repeated import).
    charged, payer_paid, patient_paid, outstanding: totals of the claims stored now,
        minor units (``payer_paid`` counts primary and secondary payers).
    transfers: ledger transfers made.
    claim_ids: the ids of the claims, in the order given (stored now or before).
    """

    added: int = 0
    unchanged: int = 0
    charged: int = 0
    payer_paid: int = 0
    patient_paid: int = 0
    outstanding: int = 0
    transfers: int = 0
    claim_ids: list[int] = field(default_factory=list)


def check(claims: Sequence[HistoricalClaim]) -> None:
    """Faults that make an input not a historical claim (nothing is stored)."""
    seen: dict[tuple[int, str], int] = {}
    for i, c in enumerate(claims):
        where = f"claims[{i}] ({c.source} claim {c.reference})"
        if not 0 < len(c.reference) <= 64:
            raise InvalidInput("a claim's reference has 1 to 64 characters", where=where)
        key = (c.provider_id, c.reference)
        if key in seen:
            raise InvalidInput(
                f"claim {c.reference} appears twice (claims[{seen[key]}] and claims[{i}])",
                code="reference_repeated",
                where=where,
            )
        seen[key] = i
        if not c.lines:
            raise InvalidInput("a claim has at least one line", where=where)
        if c.status not in (ClaimStatus.PAID, ClaimStatus.BILLED):
            raise InvalidInput(
                f"a historical claim is paid or billed, not {c.status.label}", where=where
            )
        if c.end is not None and c.end < c.service_date:
            raise InvalidInput(
                f"the encounter ends ({c.end}) before it starts ({c.service_date})", where=where
            )
        sequences: set[int] = set()
        for x in c.lines:
            if x.sequence in sequences:
                raise InvalidInput(f"line {x.sequence} is given twice", where=where)
            sequences.add(x.sequence)
            if x.quantity < 1:
                raise InvalidInput(f"line {x.sequence}: a quantity of {x.quantity}", where=where)
            amounts = (x.charged, x.payer_paid, x.secondary_paid, x.patient_paid, x.outstanding)
            if min(amounts) < 0:
                raise InvalidInput(f"line {x.sequence}: a negative amount", where=where)
        if any(x.secondary_paid for x in c.lines) and not c.secondary_programme:
            raise InvalidInput(
                "a secondary payer paid but the claim names no secondary programme", where=where
            )


def claim_input(c: HistoricalClaim) -> ClaimInput:
    """The claim as its canonical payload records it (its history included)."""
    return ClaimInput(
        ClaimUse.CLAIM,
        c.provider_reference,
        c.member,
        Encounter(
            c.encounter_class,
            CareType.NORMAL,
            c.service_date,
            c.end,
            c.practitioner,
            c.diagnoses,
        ),
        tuple(LineInput(x.sequence, x.code, x.quantity, x.charged // x.quantity) for x in c.lines),
        c.programme,
        None,
        c.reference,
        0,
        History(
            c.source,
            c.source_status,
            c.secondary_programme or "",
            tuple(HistoryLine(x.system, x.display, x.secondary_paid) for x in c.lines),
            c.encounter,
        ),
    )


def lines_of(c: HistoricalClaim) -> tuple[Line, ...]:
    """The stored lines: the source's amounts (see the module's docstring)."""
    return tuple(
        Line(
            x.sequence,
            x.code,
            x.quantity,
            x.charged,
            x.charged,
            x.payer_paid + x.secondary_paid,
            x.patient_paid,
            0,
            x.outstanding,
            LineStatus.ACCEPTED,
        )
        for x in c.lines
    )


@dataclass(frozen=True, slots=True)
class Accounts:
    """Where one programme's money is, for a claim's chain.

    ledger: the programme's ledger.
    fund: its fund.
    receivable: the provider's receivable on it.
    """

    ledger: int
    fund: int
    receivable: int


def chain(c: HistoricalClaim, primary: Accounts, secondary: Accounts | None) -> list[Transfer]:
    """A claim's payments as one linked chain (see the module's docstring)."""
    cid = c.claim_id
    out: list[Transfer] = []
    paid = sum(x.payer_paid for x in c.lines)
    if paid:
        out.append(
            Transfer(
                transfer_id(cid, Purpose.PAY),
                primary.fund,
                primary.receivable,
                paid,
                primary.ledger,
                TransferCode.CLAIM_PAYMENT,
                user_data_128=cid,
            )
        )
    second = sum(x.secondary_paid for x in c.lines)
    if second and secondary is not None:
        out.append(
            Transfer(
                transfer_id(cid, Purpose.SECONDARY),
                secondary.fund,
                secondary.receivable,
                second,
                secondary.ledger,
                TransferCode.CLAIM_PAYMENT,
                user_data_128=cid,
            )
        )
    own = sum(x.patient_paid for x in c.lines)
    if own and c.patient_account_id:
        out.append(
            Transfer(
                transfer_id(cid, Purpose.CO_PAY),
                c.patient_account_id,
                primary.receivable,
                own,
                primary.ledger,
                TransferCode.CO_PAY,
                user_data_128=cid,
            )
        )
    return [t if k == len(out) - 1 else replace(t, flags=_LINKED) for k, t in enumerate(out)]


def parts(chain_lengths: Sequence[int], programmes: int) -> list[tuple[int, int]]:
    """Split the claims so that each part's chains and funding transfers fit in one
    ledger batch."""
    room = BATCH_MAX - programmes
    out: list[tuple[int, int]] = []
    start = used = 0
    for i, n in enumerate(chain_lengths):
        if used + n > room:
            out.append((start, i))
            start, used = i, 0
        used += n
    if start < len(chain_lengths):
        out.append((start, len(chain_lengths)))
    return out


def funding(
    claims: Sequence[HistoricalClaim],
    chains: Sequence[Sequence[Transfer]],
    programmes: Mapping[str, Programme],
    sources: Mapping[str, int],
) -> list[Transfer]:
    """One funding transfer per programme named in ``sources``, for what these chains
    take from its fund; its id derives from the claims it funds."""
    funds = {p.fund_account_id: code for code, p in programmes.items() if code in sources}
    owed: dict[str, int] = {}
    funded: dict[str, list[int]] = {}
    for c, ch in zip(claims, chains, strict=True):
        for t in ch:
            code = funds.get(t.debit_account_id)
            if code is not None:
                owed[code] = owed.get(code, 0) + t.amount
                funded.setdefault(code, []).append(c.claim_id)
    out = []
    for code in sorted(owed):
        p = programmes[code]
        out.append(
            Transfer(
                derived_id("historical-funding", p.id, *sorted(funded[code])),
                sources[code],
                p.fund_account_id,
                owed[code],
                p.ledger,
                TransferCode.FUNDING,
            )
        )
    return out


def row(
    c: HistoricalClaim, p: Programme, members: Mapping[str, Member], raw: bytes
) -> tuple[object, ...]:
    """The claim's row in ``claims`` (``COLUMNS`` without ``no``)."""
    lines = lines_of(c)
    member = members.get(c.member)
    paid_at = c.billed_at if c.status is ClaimStatus.PAID else None
    return (
        to_bytes(c.claim_id),
        1,
        c.status.value,
        p.id,
        p.version,
        c.provider_id,
        member.id if member else None,
        c.member,
        None,
        None,
        c.reference,
        c.service_date.isoformat(),
        c.encounter_class.value,
        0,
        sum(x.asked for x in lines),
        sum(x.valuated for x in lines),
        sum(x.payer for x in lines),
        sum(x.co_pay for x in lines),
        0,
        sum(x.not_covered for x in lines),
        None,
        0,
        0,
        None,
        payload.digest(raw),
        "[]",
        "[]",
        claim_store.lines_json(lines),
        raw.decode(),
        None,
        c.billed_at,
        c.billed_at,
        paid_at,
        None,
        None,
    )
