"""A batch of generated encounters as what the rooms take: claims, wallet payments, top-ups.

For each run of encounters in date order (``batches.encounter_batches``):

- an encounter a programme pays for becomes a **claim** (``ClaimInput``): the facility's
  provider reference, the person's member number, the programme's code, the provider's
  own reference ``E<encounter id>`` (so a claim submitted again is the stored one), the
  encounter class and care type (emergency when it came through the emergency
  department, referral for a specialist consultation), its ICD-10 diagnoses (main first),
  its lines at tariff (ATC for medicines, LOINC for tests), its laboratory results and
  vital signs, and its PROM answers (``<instrument>:<item>``, with the time point and the
  EQ VAS);
- an encounter paid out of pocket becomes a **wallet payment** from the household's
  wallet (own money only) when it has one, and is paid at the desk otherwise;
- before them, each household with a wallet **tops it up** by mobile money with what the
  batch may ask of it, rounded up to KES 100: its out-of-pocket care, its savings-scheme
  care (the member pays the tariff) and an upper bound of its national-insurance
  co-insurance.

Nothing here touches the store; every id is derived from the region, so building the same
batch again gives the same claims, payments and top-ups.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from thamani.claims.records import (
    Answer,
    ClaimInput,
    ClaimUse,
    Diagnosis,
    Encounter,
    LabResult,
    LineInput,
    Vital,
)
from thamani.ledger.ids import derived_id
from thamani.schemes.records import CareType, EncounterClass
from thamani.synth import catalogue as cat
from thamani.synth.batches import EncounterBatch
from thamani.synth.load.naming import Names
from thamani.synth.load.programmes import INSURANCE_CO_INSURANCE_BP, item_category
from thamani.synth.region import Region, Table
from thamani.wallets.records import PricedItem
from thamani.wallets.results import PaymentRequest
from thamani.wallets.topups import TopUp

I64 = NDArray[np.int64]

#: Top-ups are whole hundreds of shillings (in cents).
TOP_UP_STEP = 10_000

_CLASS = {c: EncounterClass.OUTREACH if c == "community_outreach" else EncounterClass(c)
          for c in cat.ENCOUNTER_CLASSES}  # fmt: skip
_CARE_TYPE: tuple[CareType, ...] = tuple(
    CareType.REFERRAL
    if t.kind is cat.Kind.REFERRAL_CONSULT
    else CareType.EMERGENCY
    if any(line.item == "SVC-EMERGENCY" for line in t.lines)
    else CareType.NORMAL
    for t in cat.TEMPLATES
)
_ATC = tuple(i.standard if i.kind == cat.MEDICINE and i.standard else None for i in cat.ITEMS)
_LOINC = tuple(i.standard if i.kind == cat.LAB_TEST and i.standard else None for i in cat.ITEMS)
_VITALS = {
    "8480-6": "systolic",
    "8462-4": "diastolic",
    "59408-5": "oxygen_saturation",
    "20152-5": "fev1_percent_predicted",
}
_EPOCH = date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class Lookups:
    """What turning care into claims and payments needs from the earlier stages.

    names: how the region's things are called.
    fingerprint: the region's fingerprint (part of derived ids).
    currency: the region's currency.
    shortcode: the paybill top-ups are paid to.
    provider_party: party id of each facility.
    programme_code: code of each programme (by programme id).
    programme_kind: generated kind of each programme.
    programme_payer: party id of each programme's funder.
    patient_party: party id of each person.
    person_household: household of each person.
    holder_party: party id of each household's wallet holder (0: no wallet).
    holder_phone: the holder's phone (empty: no wallet).
    """

    names: Names
    fingerprint: str
    currency: str
    shortcode: str
    provider_party: list[int]
    programme_code: list[str]
    programme_kind: list[str]
    programme_payer: list[int]
    patient_party: list[int]
    person_household: I64
    holder_party: list[int]
    holder_phone: list[str]


@dataclass(frozen=True, slots=True)
class CareBatch:
    """One batch of care, ready for the rooms.

    number: the batch's position (from 0).
    first, stop: the encounter ids it covers (stop excluded).
    top_ups: mobile-money top-ups to credit first.
    claims: the claims, in date order.
    claim_programme: each claim's programme id.
    claim_wallet: whether each claim's member has a wallet (else co-pays are paid in cash).
    payments: out-of-pocket payments from households' wallets.
    desk_encounters, desk_amount: out-of-pocket care paid at the desk (no wallet).
    """

    number: int
    first: int
    stop: int
    top_ups: list[TopUp]
    claims: list[ClaimInput]
    claim_programme: list[int]
    claim_wallet: list[bool]
    payments: list[PaymentRequest]
    desk_encounters: int
    desk_amount: int


def _bounds(child: Table, first: int, stop: int) -> list[int]:
    """Where each encounter's rows start in a child table slice (and where the last ends)."""
    keys = child["encounter_id"]
    return np.searchsorted(keys, np.arange(first, stop + 1), side="left").tolist()  # type: ignore[no-any-return]


def _number(value: float) -> str:
    return f"{value:g}"


class _Days:
    """Dates by day number, made once each."""

    def __init__(self) -> None:
        self._cache: dict[int, date] = {}

    def __call__(self, days: int) -> date:
        found = self._cache.get(days)
        if found is None:
            found = self._cache[days] = date.fromordinal(_EPOCH + days)
        return found


def _day_numbers(values: NDArray[Any]) -> list[int]:
    return values.astype("datetime64[D]").astype(np.int64).tolist()  # type: ignore[no-any-return]


def top_up_needs(batch: EncounterBatch, lookups: Lookups) -> dict[int, int]:
    """What each household with a wallet may pay in this batch, rounded up (cents)."""
    enc = batch.encounters
    lines = batch.children["lines"]
    local = lines["encounter_id"] - batch.first
    programme = enc["programme_id"][local]
    kind = np.array([*lookups.programme_kind, "out_of_pocket"])[programme]
    amount = lines["amount"].astype(np.int64)
    part = np.where(
        (kind == "out_of_pocket") | (kind == "savings_only"),
        amount,
        np.where(
            kind == "national_insurance",
            (amount * INSURANCE_CO_INSURANCE_BP + 9_999) // 10_000,
            0,
        ),
    )
    household = lookups.person_household[enc["person_id"][local]]
    need = np.zeros(int(lookups.person_household.max(initial=0)) + 1, dtype=np.int64)
    np.add.at(need, household, part)
    holders = np.asarray(lookups.holder_party, dtype=np.int64)
    wanted = np.flatnonzero((need > 0) & (holders[: need.size] > 0))
    rounded = (need[wanted] + TOP_UP_STEP - 1) // TOP_UP_STEP * TOP_UP_STEP
    return dict(zip(wanted.tolist(), rounded.tolist(), strict=True))


def care_batch(region: Region, batch: EncounterBatch, number: int, lookups: Lookups) -> CareBatch:
    """The claims, payments and top-ups of one batch of encounters."""
    names = lookups.names
    days = _Days()
    enc = batch.encounters
    first, stop = batch.first, batch.stop
    person = enc["person_id"].tolist()
    facility = enc["facility_id"].tolist()
    programme = enc["programme_id"].tolist()
    start = _day_numbers(enc["start_date"])
    end = _day_numbers(enc["end_date"])
    classes = [_CLASS[c] for c in enc.column("encounter_class").labels]
    enc_class = enc["encounter_class"].tolist()
    kind = enc["kind"].tolist()

    dx = batch.children["diagnoses"]
    dx_at = _bounds(dx, first, stop)
    dx_codes = dx.column("icd10").labels
    dx_code = dx["icd10"].tolist()
    dx_seq = dx["sequence"].tolist()

    ln = batch.children["lines"]
    ln_at = _bounds(ln, first, stop)
    ln_no = ln["line_no"].tolist()
    ln_item = ln["item"].tolist()
    ln_qty = ln["quantity"].tolist()
    ln_price = ln["unit_price"].tolist()
    ln_amount = ln["amount"].tolist()

    ob = batch.children["observations"]
    ob_at = _bounds(ob, first, stop)
    ob_loinc = ob["loinc"].tolist()
    ob_value = ob["value"].tolist()
    ob_unit = ob["unit"].tolist()
    ob_result = ob["result"].tolist()
    units = ob.column("unit").labels
    results = ob.column("result").labels

    pr = batch.children["prom_responses"]
    pr_at = _bounds(pr, first, stop)
    answers = _answers(region, pr)

    household = lookups.person_household
    claims: list[ClaimInput] = []
    claim_programme: list[int] = []
    claim_wallet: list[bool] = []
    payments: list[PaymentRequest] = []
    desk_encounters = desk_amount = 0
    for i in range(stop - first):
        eid = first + i
        prog = programme[i]
        h = int(household[person[i]])
        holder = lookups.holder_party[h]
        lines = range(ln_at[i], ln_at[i + 1])
        if prog < 0:
            if not holder:
                desk_encounters += 1
                desk_amount += sum(ln_amount[k] for k in lines)
                continue
            items = tuple(
                PricedItem(
                    cat.ITEM_CODES[ln_item[k]],
                    item_category(cat.ITEM_CODES[ln_item[k]]),
                    ln_amount[k],
                    cat.ITEMS[ln_item[k]].description,
                )
                for k in lines
                if ln_amount[k] > 0
            )
            if items:
                payments.append(
                    PaymentRequest(
                        derived_id("thamani.synth.out-of-pocket", lookups.fingerprint, eid),
                        holder,
                        lookups.provider_party[facility[i]],
                        items,
                        None,
                        days(start[i]),
                        lookups.currency,
                    )
                )
            continue
        labs: list[LabResult] = []
        vitals: list[Vital] = []
        for k in range(ob_at[i], ob_at[i + 1]):
            m = cat.MEASURES[ob_loinc[k]]
            value = ob_value[k]
            text = results[ob_result[k]] if value != value else _number(value)
            unit = units[ob_unit[k]] or None
            if m.item:
                labs.append(LabResult(m.description, text, unit, m.loinc, m.item))
            else:
                vitals.append(Vital(_VITALS[m.loinc], text, unit, m.loinc))
        said: list[Answer] = []
        for k in range(pr_at[i], pr_at[i + 1]):
            said.extend(answers[k])
        on = days(start[i])
        claims.append(
            ClaimInput(
                use=ClaimUse.CLAIM,
                provider=names.facility(facility[i]),
                member=names.person(person[i]),
                programme=lookups.programme_code[prog],
                reference=names.claim(eid),
                encounter=Encounter(
                    classes[enc_class[i]],
                    _CARE_TYPE[kind[i]],
                    on,
                    days(end[i]) if end[i] != start[i] else None,
                    None,
                    tuple(
                        Diagnosis(dx_codes[dx_code[k]], dx_seq[k] == 1)
                        for k in range(dx_at[i], dx_at[i + 1])
                    ),
                    tuple(labs),
                    tuple(vitals),
                    tuple(said),
                ),
                lines=tuple(
                    LineInput(
                        ln_no[k],
                        cat.ITEM_CODES[ln_item[k]],
                        ln_qty[k],
                        ln_price[k],
                        _ATC[ln_item[k]],
                        _LOINC[ln_item[k]],
                    )
                    for k in lines
                ),
            )
        )
        claim_programme.append(prog)
        claim_wallet.append(bool(holder))
    top_ups = [
        _top_up(lookups, number, h, amount) for h, amount in top_up_needs(batch, lookups).items()
    ]
    return CareBatch(
        number,
        first,
        stop,
        top_ups,
        claims,
        claim_programme,
        claim_wallet,
        payments,
        desk_encounters,
        desk_amount,
    )


def _answers(region: Region, responses: Table) -> list[list[Answer]]:
    """Each PROM response of the slice as claim answers (in slice order)."""
    if len(responses) == 0:
        return []
    items = region["prom_items"]
    ids = responses["response_id"]
    lo, hi = np.searchsorted(items["response_id"], [int(ids[0]), int(ids[-1]) + 1])
    item_resp = items["response_id"][lo:hi].tolist()
    item_no = items["item"][lo:hi].tolist()
    item_value = items["value"][lo:hi].tolist()
    instruments = responses.column("instrument").labels
    points = responses.column("time_point").labels
    inst = responses["instrument"].tolist()
    point = responses["time_point"].tolist()
    vas = responses["vas"].tolist()
    first = int(ids[0])
    out: list[list[Answer]] = [[] for _ in range(len(responses))]
    for k, name in enumerate(inst):
        out[k].append(Answer(f"{instruments[name]}:time_point", points[point[k]]))
        if vas[k] >= 0:
            out[k].append(Answer(f"{instruments[name]}:vas", str(vas[k])))
    for r, n, v in zip(item_resp, item_no, item_value, strict=True):
        k = r - first
        out[k].append(Answer(f"{instruments[inst[k]]}:{n}", str(v)))
    return out


def _top_up(lookups: Lookups, number: int, household: int, amount: int) -> TopUp:
    phone = lookups.holder_phone[household].lstrip("+")
    trans = f"SYN{lookups.fingerprint[:8].upper()}B{number:04d}H{household:08d}"
    return TopUp(
        trans_id=trans,
        shortcode=lookups.shortcode,
        phone=phone,
        account_ref=phone,
        amount=amount,
        currency=lookups.currency,
        payload={"source": "synthetic population", "region": lookups.names.region},
    )
