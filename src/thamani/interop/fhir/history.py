"""Claims adjudicated elsewhere: FHIR ``Claim`` and ``ExplanationOfBenefit`` pairs as
historical claims (``thamani.claims.history``), recorded as their source had them and not
adjudicated again (``claim_resources`` writes stored claims back as Claim and
ExplanationOfBenefit).

Reading a pair (the EOB names its Claim in ``claim``):

- the claim's reference is the Claim's id (the EOB's own id when its Claim is absent);
  the provider the Claim's ``provider`` (an organisation; else the EOB's, else the
  encounter's ``serviceProvider``); the member the patient's id; the payer the
  ``insurer`` (a reference to an organisation, or its display), else the coverage's
  payor (a contained Coverage) or display: one programme per payer.
- lines come from the EOB's items (else the Claim's): the code of ``productOrService``,
  ``quantity`` (1 when absent). Money is in exact minor units of the amounts' currency,
  rounded once per claim (half-even, from each number's shortest text) and split over
  the lines by largest remainder, so that the stored totals are the source's totals:
  *charged* is the EOB's ``total`` ``submitted`` (else the Claim's ``total``), split by
  the lines' ``net`` (an item without a ``net``, as Synthea's encounter line, takes what
  the total holds beyond the others); *paid by the payer* is the EOB's ``payment.amount``
  (else the lines' ``benefit`` adjudications), split by the lines' ``benefit`` (Synthea:
  ``line_prvdr_pmt_amt``); *paid by the patient* is the lines' ``copay``, ``coinsurance``
  and ``deductible`` (Synthea: ``line_coinsrnc_amt``, ``line_bene_ptb_ddctbl_amt``).
- with an EOB the claim is paid (billed when its outcome is ``partial`` or something is
  outstanding); a Claim alone is billed, nothing paid, all outstanding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from thamani.claims.history import HistoricalClaim, HistoricalLine
from thamani.claims.records import ClaimStatus, Diagnosis
from thamani.interop.fhir.elements import Amount, Coded, coded, day, fail, instant, money
from thamani.interop.fhir.validation import Checked
from thamani.money import allocate, currency
from thamani.schemes.records import EncounterClass

SOURCE = "fhir"
ADJUDICATION = "http://terminology.hl7.org/CodeSystem/adjudication"
THAMANI_ADJUDICATION = "https://thamani.health/fhir/CodeSystem/adjudication"
CLAIM_TYPE = "http://terminology.hl7.org/CodeSystem/claim-type"
PRIORITY = "http://terminology.hl7.org/CodeSystem/processpriority"
DIAGNOSIS_TYPE = "http://terminology.hl7.org/CodeSystem/ex-diagnosistype"
INFO = "https://thamani.health/fhir/CodeSystem/claim-information"

#: Adjudication categories by what they count (standard codes, Thamani's, Synthea's Blue
#: Button ones by their last path segment).
CHARGED = frozenset({"submitted", "line_sbmtd_chrg_amt"})
PAYER = frozenset({"benefit", "line_prvdr_pmt_amt"})
PATIENT = frozenset(
    {"copay", "coinsurance", "deductible", "line_coinsrnc_amt", "line_bene_ptb_ddctbl_amt"}
)
OUTSTANDING = frozenset({"outstanding"})

#: Encounter settings (clinical record names and schemes values) as the claims room's.
SETTING = {
    "ambulatory": EncounterClass.OUTPATIENT,
    "wellness": EncounterClass.OUTPATIENT,
    "outpatient": EncounterClass.OUTPATIENT,
    "urgentcare": EncounterClass.OUTPATIENT,
    "virtual": EncounterClass.OUTPATIENT,
    "observation": EncounterClass.OUTPATIENT,
    "emergency": EncounterClass.EMERGENCY,
    "inpatient": EncounterClass.INPATIENT,
    "inpatient-acute": EncounterClass.INPATIENT,
    "inpatient-non-acute": EncounterClass.INPATIENT,
    "short-stay": EncounterClass.INPATIENT,
    "pre-admission": EncounterClass.INPATIENT,
    "home": EncounterClass.OUTREACH,
    "field": EncounterClass.OUTREACH,
    **{c.value: c for c in EncounterClass},
}


@dataclass(frozen=True, slots=True)
class Payer:
    """Who paid a historical claim.

    reference: the payer party's reference.
    name: for people (the programme's name).
    """

    reference: str
    name: str


@dataclass(frozen=True, slots=True)
class Mapped:
    """A claim read from FHIR, before its parties are in the store.

    claim: the historical claim (``provider_id`` a provisional number; ``programme`` empty
        until the payer's programme is known).
    payer: who paid it.
    currency: the currency of its amounts.
    entries: the (type, id) of the resources it came from (the Claim, the EOB).
    """

    claim: HistoricalClaim
    payer: Payer
    currency: str
    entries: tuple[tuple[str, str], ...]


class ClaimLinks(Protocol):
    """What reading a claim needs of the importer: references made parties and resources."""

    def organization(self, c: Checked, element: str) -> int | None:
        """The (provisional) party of the organisation the element refers to; None when
        it refers to something else."""

    def organization_reference(self, party: int) -> str:
        """The reference of a (provisional) party."""

    def payer(self, c: Checked, element: str) -> Payer | None:
        """The payer the element (an insurer, a coverage) names."""

    def member(self, c: Checked, element: str) -> str:
        """The member number of the patient the element refers to."""

    def practitioner(self, c: Checked, element: str) -> str | None:
        """The name of the practitioner the element refers to."""

    def resource(self, c: Checked, element: str, expect: tuple[str, ...]) -> Checked | None:
        """The resource of the unit the element refers to, if it is in the unit."""

    def encounter_class(self, c: Checked) -> str | None:
        """The setting of the encounter the claim's items name (when in the unit)."""


def _category(adjudication: dict[str, Any]) -> str:
    for c in (adjudication.get("category") or {}).get("coding") or ():
        code = str(c.get("code") or "")
        if code:
            return code.rpartition("/")[2]
    return ""


def _exact(value: Any) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(str(value))


def _round(d: Decimal, cur: str) -> int:
    return int((d * currency(cur).minor_per_major).quantize(Decimal(1), ROUND_HALF_EVEN))


def split(total: int, weights: Sequence[Decimal]) -> list[int]:
    """``total`` minor units over lines in proportion to exact ``weights`` (largest
    remainder); all on the first line when the weights are all zero."""
    if not weights:
        return []
    ints = [max(0, int(w * 10**18)) for w in weights]
    if not any(ints):
        return [total] + [0] * (len(weights) - 1)
    return allocate(total, ints)


@dataclass(slots=True)
class _Line:
    sequence: int
    code: Coded
    quantity: int
    net: Decimal | None
    charged: Decimal
    payer: Decimal
    patient: Decimal
    outstanding: Decimal


class _Money:
    """The amounts of one claim, all in one currency."""

    def __init__(self) -> None:
        self.currency: str | None = None

    def read(self, value: Any, where: str) -> Decimal:
        a: Amount = money(value, where, self.currency)
        if self.currency is None:
            self.currency = a.currency
        elif a.currency != self.currency:
            raise fail(
                f"{where}.currency", f"{a.currency} in a claim in {self.currency}: one currency"
            )
        return _exact(value["value"])


def _lines(c: Checked, m: _Money) -> list[_Line]:
    out = []
    for k, item in enumerate(c.resource.get("item") or ()):
        where = f"{c.entry.where}.item[{k}]"
        code = coded(item.get("productOrService"))
        if not code.code:
            raise fail(f"{where}.productOrService", "an item needs a code", "required")
        q = (item.get("quantity") or {}).get("value", 1)
        if isinstance(q, bool) or not isinstance(q, int | float) or q != int(q) or q < 1:
            raise fail(f"{where}.quantity.value", f"a quantity of {q} is not a whole number >= 1")
        net = m.read(item["net"], f"{where}.net") if item.get("net") is not None else None
        line = _Line(
            int(item.get("sequence") or k + 1),
            code,
            int(q),
            net,
            Decimal(0),
            Decimal(0),
            Decimal(0),
            Decimal(0),
        )
        for j, a in enumerate(item.get("adjudication") or ()):
            kind = _category(a)
            if a.get("amount") is None:
                continue
            value = m.read(a["amount"], f"{where}.adjudication[{j}].amount")
            if kind in CHARGED:
                line.charged += value
            elif kind in PAYER:
                line.payer += value
            elif kind in PATIENT:
                line.patient += value
            elif kind in OUTSTANDING:
                line.outstanding += value
        if net is None and line.charged:
            line.net = line.charged
        out.append(line)
    if not out:
        raise fail(f"{c.entry.where}.item", "a claim has at least one item", "required")
    return out


def _total(c: Checked, m: _Money) -> Decimal | None:
    r = c.resource
    if c.type == "Claim":
        return m.read(r["total"], f"{c.entry.where}.total") if r.get("total") else None
    for k, t in enumerate(r.get("total") or ()):
        if _category(t) in CHARGED:
            return m.read(t["amount"], f"{c.entry.where}.total[{k}].amount")
    return None


def read_pair(claim: Checked | None, eob: Checked | None, links: ClaimLinks) -> Mapped:
    """A Claim, its ExplanationOfBenefit, or both, as one historical claim."""
    main = eob if eob is not None else claim
    assert main is not None
    m = _Money()
    lines = _lines(main, m)
    claim_total = None
    if claim is not None:
        claim_total = _total(claim, m)
        if claim is not main:
            _lines(claim, m)  # every amount of both is checked, in one currency
    total = _total(eob, m) if eob is not None else None
    if total is None:
        total = claim_total
    known = sum((x.net for x in lines if x.net is not None), Decimal(0))
    if total is None:
        total = known
    netless = [x for x in lines if x.net is None]
    for x in netless:
        x.net = max(Decimal(0), total - known) / len(netless)
    if m.currency is None:
        raise fail(f"{main.entry.where}.total", "the claim states no amount", "required")
    cur = m.currency
    charged = split(_round(total, cur), [x.net or Decimal(0) for x in lines])
    paid_total = None
    if eob is not None and (eob.resource.get("payment") or {}).get("amount") is not None:
        paid_total = m.read(eob.resource["payment"]["amount"], f"{eob.entry.where}.payment.amount")
    line_paid = sum((x.payer for x in lines), Decimal(0))
    payer = split(
        _round(line_paid if paid_total is None else paid_total, cur),
        [x.payer for x in lines] if line_paid else [x.net or Decimal(0) for x in lines],
    )
    own_total = sum((x.patient for x in lines), Decimal(0))
    patient = split(_round(own_total, cur), [x.patient for x in lines])
    owed_total = sum((x.outstanding for x in lines), Decimal(0))
    if eob is None:
        outstanding = list(charged)
    else:
        outstanding = split(_round(owed_total, cur), [x.outstanding for x in lines])
    outcome = str(eob.resource.get("outcome") or "") if eob is not None else ""
    paid = eob is not None and outcome != "partial" and not any(outstanding)
    first = claim if claim is not None else main
    reference = claim.id if claim is not None else _claim_id(main, links)
    provider = _provider(claim, eob, links)
    payer_of = _payer(claim, eob, links)
    start, end = _period(claim, eob)
    created = first.resource.get("created") or main.resource.get("created")
    billed = instant(created, f"{first.entry.where}.created") if created else _midnight(start)
    hist = HistoricalClaim(
        SOURCE,
        reference,
        provider,
        links.organization_reference(provider),
        links.member(main, "patient"),
        "",
        start,
        _setting(claim, eob, links),
        tuple(
            HistoricalLine(
                x.sequence,
                x.code.code,
                x.code.system or None,
                x.code.display,
                x.quantity,
                ch,
                pa,
                0,
                own,
                ow,
            )
            for x, ch, pa, own, ow in zip(lines, charged, payer, patient, outstanding, strict=True)
        ),
        ClaimStatus.PAID if paid else ClaimStatus.BILLED,
        _source_status(claim, eob),
        _ns(billed),
        None,
        end if end is not None and end > start else None,
        _practitioner(claim, eob, links),
        _diagnoses(claim if claim is not None else main, links),
    )
    entries = tuple((c.type, c.id) for c in (claim, eob) if c is not None)
    return Mapped(hist, payer_of, cur, entries)


def _claim_id(eob: Checked, links: ClaimLinks) -> str:
    ref = eob.resource.get("claim") or {}
    text = str(ref.get("reference") or "")
    if text and not text.startswith(("urn:", "#")) and "?" not in text:
        return text.rstrip("/").rpartition("/")[2]
    return eob.id


def _provider(claim: Checked | None, eob: Checked | None, links: ClaimLinks) -> int:
    for c in (claim, eob):
        if c is not None and c.resource.get("provider"):
            found = links.organization(c, "provider")
            if found is not None:
                return found
    for c in (claim, eob):
        if c is None:
            continue
        for k, item in enumerate(c.resource.get("item") or ()):
            for j, _ in enumerate(item.get("encounter") or ()):
                enc = links.resource(c, f"item[{k}].encounter[{j}]", ("Encounter",))
                if enc is not None and enc.resource.get("serviceProvider"):
                    found = links.organization(enc, "serviceProvider")
                    if found is not None:
                        return found
    main = claim if claim is not None else eob
    assert main is not None
    raise fail(
        f"{main.entry.where}.provider",
        "a claim needs the organisation that provided the care (provider, or its"
        " encounter's serviceProvider)",
        "required",
    )


def _payer(claim: Checked | None, eob: Checked | None, links: ClaimLinks) -> Payer:
    for c in (eob, claim):
        if c is None:
            continue
        if c.resource.get("insurer"):
            found = links.payer(c, "insurer")
            if found is not None:
                return found
        for k, ins in enumerate(c.resource.get("insurance") or ()):
            cov = ins.get("coverage") or {}
            text = str(cov.get("reference") or "")
            if text.startswith("#"):
                for x in c.resource.get("contained") or ():
                    if x.get("id") == text[1:] and x.get("payor"):
                        found = links.payer(c, f"insurance[{k}].coverage")
                        if found is not None:
                            return found
            if cov.get("display"):
                found = links.payer(c, f"insurance[{k}].coverage")
                if found is not None:
                    return found
    main = eob if eob is not None else claim
    assert main is not None
    raise fail(f"{main.entry.where}.insurer", "a claim needs its payer (insurer)", "required")


def _period(claim: Checked | None, eob: Checked | None) -> tuple[date, date | None]:
    for c in (claim, eob):
        if c is None:
            continue
        where = c.entry.where
        if c.type == "ExplanationOfBenefit":
            for k, item in enumerate(c.resource.get("item") or ()):
                if item.get("servicedDate"):
                    return day(item["servicedDate"], f"{where}.item[{k}].servicedDate"), None
                sp = item.get("servicedPeriod") or {}
                if sp.get("start"):
                    end = (
                        day(sp["end"], f"{where}.item[{k}].servicedPeriod.end")
                        if sp.get("end")
                        else None
                    )
                    return day(sp["start"], f"{where}.item[{k}].servicedPeriod.start"), end
        bp = c.resource.get("billablePeriod") or {}
        if bp.get("start"):
            end = day(bp["end"], f"{where}.billablePeriod.end") if bp.get("end") else None
            return day(bp["start"], f"{where}.billablePeriod.start"), end
        for k, item in enumerate(c.resource.get("item") or ()):
            if item.get("servicedDate"):
                return day(item["servicedDate"], f"{where}.item[{k}].servicedDate"), None
    main = claim if claim is not None else eob
    assert main is not None
    raise fail(f"{main.entry.where}.billablePeriod.start", "the service date is needed", "required")


def _setting(claim: Checked | None, eob: Checked | None, links: ClaimLinks) -> EncounterClass:
    for c in (claim, eob):
        if c is None:
            continue
        for s in c.resource.get("supportingInfo") or ():
            cat = coded(s.get("category"))
            if cat.system == INFO and cat.code == "encounter-class":
                found = SETTING.get(coded(s.get("code")).code)
                if found is not None:
                    return found
    for c in (claim, eob):
        if c is None:
            continue
        name = links.encounter_class(c)
        if name is not None and name in SETTING:
            return SETTING[name]
    main = claim if claim is not None else eob
    assert main is not None
    kind = coded(main.resource.get("type")).code
    return EncounterClass.INPATIENT if kind == "institutional" else EncounterClass.OUTPATIENT


def _source_status(claim: Checked | None, eob: Checked | None) -> str:
    if eob is not None:
        return f"{eob.resource.get('status', '')}/{eob.resource.get('outcome', '')}"
    assert claim is not None
    return str(claim.resource.get("status") or "")


def _practitioner(claim: Checked | None, eob: Checked | None, links: ClaimLinks) -> str | None:
    for c in (eob, claim):
        if c is not None and c.resource.get("careTeam"):
            found = links.practitioner(c, "careTeam[0].provider")
            if found:
                return found[:200]
    return None


def _diagnoses(c: Checked, links: ClaimLinks) -> tuple[Diagnosis, ...]:
    out = []
    for k, d in enumerate(c.resource.get("diagnosis") or ()):
        code = coded(d.get("diagnosisCodeableConcept"))
        if not code.code and d.get("diagnosisReference"):
            found = links.resource(c, f"diagnosis[{k}].diagnosisReference", ("Condition",))
            if found is not None:
                code = coded(found.resource.get("code"))
        if not code.code:
            continue
        primary = any(coded(t).code == "principal" for t in d.get("type") or ())
        out.append(Diagnosis(code.code, primary, code.system or None))
    if out and not any(x.primary for x in out):
        out[0] = out[0]._replace(primary=True)
    return tuple(out)


def _midnight(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=UTC)


def _ns(t: datetime) -> int:
    delta = t - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
