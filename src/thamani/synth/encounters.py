"""From the visit book to encounter tables: filter, date order, payer, lines at tariff,
diagnoses with comorbidities, observations, staff minutes, PROMs and referrals.

Visits after a person's death, before their birth or outside the years are dropped, and
so is a second visit of the same kind by the same person to the same facility on the same
day (it would be a duplicate claim). The rest are sorted by (date, person, kind) with a
stable sort and numbered; everything a visit carries follows it. Money is in integer
cents: unit price = tariff in KES x 100, rounded half-even (tariffs have at most two
decimals, so this is exact), amount = unit price x quantity, encounter cost = sum of its
amounts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from thamani.synth import catalogue as cat
from thamani.synth.care.visits import Book
from thamani.synth.conditions import ConditionState
from thamani.synth.parameters import Parameters
from thamani.synth.places import Places

I64 = NDArray[np.int64]
F64 = NDArray[np.float64]
B = NDArray[np.bool_]


@dataclass(frozen=True, slots=True)
class Payers:
    """Who pays for a person's care.

    household_programme: per person, the household's programme (-1: none).
    voucher: per pregnancy, holds the maternal voucher; voucher_start/end: days covered.
    """

    household_programme: I64
    voucher: B
    voucher_start: I64
    voucher_end: I64


def tariff_cents(p: Parameters) -> I64:
    """Tariff per item (catalogue order) and facility level, in cents."""
    rows = [p.tariffs.items[code] for code in cat.ITEM_CODES]
    return np.rint(np.array(rows, dtype=np.float64) * 100.0).astype(np.int64)


def _remap(new_id: I64, visit: I64) -> tuple[I64, B]:
    nid = new_id[visit]
    return nid, nid >= 0


def _by_encounter(enc: I64) -> I64:
    return np.argsort(enc, kind="stable")


def assemble(
    rng: np.random.Generator,
    p: Parameters,
    places: Places,
    birth: I64,
    death: I64,
    cs: ConditionState,
    payers: Payers,
    book: Book,
    days: int,
) -> dict[str, dict[str, NDArray[np.generic]]]:
    """The encounter-level tables as column arrays (dates still as day numbers)."""
    keep = (
        (book.day >= 0)
        & (book.day < days)
        & (book.day <= death[book.person])
        & (book.day >= birth[book.person])
    )
    kept = np.flatnonzero(keep)
    order = kept[np.lexsort((book.kind[kept], book.person[kept], book.day[kept]))]
    # Two visits of the same kind by the same person to the same facility on the same day
    # would be one claim twice (a duplicate the claims room rejects): keep the first.
    same = np.zeros(order.size, dtype=bool)
    if order.size > 1:
        a, b = order[1:], order[:-1]
        same[1:] = (
            (book.day[a] == book.day[b])
            & (book.person[a] == book.person[b])
            & (book.kind[a] == book.kind[b])
            & (book.facility[a] == book.facility[b])
        )
    order = order[~same]
    n = order.size
    new_id = np.full(book.day.size, -1, dtype=np.int64)
    new_id[order] = np.arange(n)
    person = book.person[order]
    fac = book.facility[order]
    day = book.day[order]
    kind = book.kind[order]
    dx = book.dx[order]
    los = book.los[order]
    preg = book.pregnancy[order]
    level = places.fac_level[fac]
    cost_factor = places.fac_cost[fac]

    # Payer: the voucher for covered maternity care, else the household's programme where
    # the facility is accredited by it, else out of pocket.
    programme = np.full(n, cat.SELF_PAY, dtype=np.int64)
    hh = payers.household_programme[person]
    ok_hh = (hh >= 0) & places.accredited[fac, np.maximum(hh, 0)]
    programme = np.where(ok_hh, hh, programme)
    if payers.voucher.size:  # a region too small for a pregnancy has no voucher holder
        pi = np.maximum(preg, 0)
        vouch = (
            (preg >= 0)
            & payers.voucher[pi]
            & (day >= payers.voucher_start[pi])
            & (day <= payers.voucher_end[pi])
            & places.accredited[fac, cat.VOUCHER]
        )
        programme = np.where(vouch, cat.VOUCHER, programme)

    # Lines: the kind's template, the diagnosis's medicines, the stage's extras, the labs.
    enc_parts: list[I64] = []
    item_parts: list[I64] = []
    qty_parts: list[I64] = []
    act_enc: list[I64] = []
    act_staff: list[I64] = []
    act_min: list[I64] = []
    for t in cat.TEMPLATES:
        idx = np.flatnonzero(kind == int(t.kind))
        if idx.size == 0:
            continue
        stay = np.maximum(los[idx], 1)
        for line in t.lines:
            if line.probability >= 1.0:
                on = idx
                q = np.full(idx.size, line.quantity, dtype=np.int64)
                if line.per_day:
                    q = q * stay
            else:
                pr = np.minimum(line.probability * cost_factor[idx] ** 2, 1.0)
                sel = rng.random(idx.size) < pr
                on = idx[sel]
                q = np.full(on.size, line.quantity, dtype=np.int64)
                if line.per_day:
                    q = q * stay[sel]
            enc_parts.append(on)
            item_parts.append(np.full(on.size, cat.item(line.item), dtype=np.int64))
            qty_parts.append(q)
        noise = np.exp(rng.normal(0.0, 0.15, idx.size))
        for staff, base_minutes in t.minutes:
            per_day = dict(t.minutes_per_day).get(staff, 0)
            m = base_minutes * cost_factor[idx] * noise + per_day * los[idx]
            act_enc.append(idx)
            act_staff.append(np.full(idx.size, staff, dtype=np.int64))
            act_min.append(np.maximum(np.rint(m), 1).astype(np.int64))
        for staff, per_day in t.minutes_per_day:
            if staff in dict(t.minutes):
                continue
            act_enc.append(idx)
            act_staff.append(np.full(idx.size, staff, dtype=np.int64))
            act_min.append(np.maximum(per_day * los[idx], 1).astype(np.int64))
    for code, lines in cat.DIAGNOSIS_LINES:
        idx = np.flatnonzero(dx == cat.icd(code))
        for line in lines:
            sel = rng.random(idx.size) < np.minimum(line.probability * cost_factor[idx] ** 2, 1.0)
            enc_parts.append(idx[sel])
            item_parts.append(np.full(int(sel.sum()), cat.item(line.item), dtype=np.int64))
            qty_parts.append(np.full(int(sel.sum()), line.quantity, dtype=np.int64))
    le, lok = _remap(new_id, book.line_visit)
    enc_parts.append(le[lok])
    item_parts.append(book.line_item[lok])
    qty_parts.append(book.line_qty[lok])
    oe, ook = _remap(new_id, book.obs_visit)
    lab_item = np.array(cat.MEASURE_ITEM, dtype=np.int64)[book.obs_measure]
    billable = ook & (lab_item >= 0)
    enc_parts.append(oe[billable])
    item_parts.append(lab_item[billable])
    qty_parts.append(np.ones(int(billable.sum()), dtype=np.int64))

    l_enc = np.concatenate(enc_parts)
    l_item = np.concatenate(item_parts)
    l_qty = np.concatenate(qty_parts)
    o = _by_encounter(l_enc)
    l_enc, l_item, l_qty = l_enc[o], l_item[o], l_qty[o]
    tariff = tariff_cents(p)
    unit = tariff[l_item, level[l_enc]]
    amount = unit * l_qty
    counts = np.bincount(l_enc, minlength=n)
    line_no = np.arange(l_enc.size) - np.repeat(np.cumsum(counts) - counts, counts) + 1
    item_kind = np.array(cat.ITEM_KIND, dtype=np.int64)[l_item]
    std_index = np.array(cat.ITEM_STANDARD, dtype=np.int64)
    cost = np.bincount(l_enc, weights=amount, minlength=n).round().astype(np.int64)

    a_enc = np.concatenate(act_enc)
    a_staff = np.concatenate(act_staff)
    a_min = np.concatenate(act_min)
    o = _by_encounter(a_enc)
    a_enc, a_staff, a_min = a_enc[o], a_staff[o], a_min[o]
    minutes = np.bincount(a_enc, weights=a_min, minlength=n).round().astype(np.int64)

    # Diagnoses: main first, then the stage's extras, then the person's known chronic
    # conditions (except the one that is the main diagnosis). Stages never add a chronic
    # condition's own code as an extra, so no code appears twice on an encounter.
    de, dok = _remap(new_id, book.dx_visit)
    d_enc = [np.arange(n, dtype=np.int64), de[dok]]
    d_code = [dx, book.dx_code[dok]]
    n0 = cs.diag.shape[1]
    first_gen = person < n0
    pp = np.minimum(person, n0 - 1)
    for c in range(len(cat.CONDITIONS)):
        cond_code = cat.CONDITION_ICD10_INDEX[c]
        idx = np.flatnonzero(first_gen & (cs.diag[c, pp] <= day) & (dx != cond_code))
        d_enc.append(idx)
        d_code.append(np.full(idx.size, cond_code, dtype=np.int64))
    g_enc = np.concatenate(d_enc)
    g_code = np.concatenate(d_code)
    o = _by_encounter(g_enc)
    g_enc, g_code = g_enc[o], g_code[o]
    dcount = np.bincount(g_enc, minlength=n)
    seq = np.arange(g_enc.size) - np.repeat(np.cumsum(dcount) - dcount, dcount) + 1

    # Observations.
    o_idx = np.flatnonzero(ook)
    o_idx = o_idx[_by_encounter(oe[o_idx])]
    obs_enc = oe[o_idx]
    unit_index = np.array(cat.MEASURE_UNIT, dtype=np.int64)

    # PROMs.
    pe, pok = _remap(new_id, book.prom_visit)
    p_idx = np.flatnonzero(pok)
    p_idx = p_idx[_by_encounter(pe[p_idx])]
    items = book.prom_items[p_idx].astype(np.int64)
    instrument = book.prom_instrument[p_idx]
    answered = items >= 0
    score = np.where(answered, items, 0).sum(axis=1)
    is_eq = instrument == cat.EQ5D
    score = np.where(is_eq, -1, score)
    eq_num = (np.where(answered[:, :5], items[:, :5], 0) * 10 ** np.arange(4, -1, -1)).sum(axis=1)
    profile = np.where(is_eq, eq_num.astype(str), "")
    resp_idx, item_no = np.nonzero(answered)

    # Referrals.
    re_, rok = _remap(new_id, book.ref_visit)
    r_idx = np.flatnonzero(rok)
    r_idx = r_idx[_by_encounter(re_[r_idx])]
    ref_enc = re_[r_idx]

    cls = np.array([t.encounter_class for t in cat.TEMPLATES], dtype=np.int64)
    cycle = np.array([t.care_cycle for t in cat.TEMPLATES], dtype=np.int64)
    return {
        "encounters": {
            "encounter_id": np.arange(n, dtype=np.int64),
            "person_id": person,
            "facility_id": fac,
            "programme_id": programme,
            "start_date": day,
            "end_date": day + los,
            "encounter_class": cls[kind],
            "kind": kind,
            "care_cycle": cycle[kind],
            "pregnancy_id": preg,
            "primary_icd10": dx,
            "cost": cost,
            "minutes": minutes.astype(np.int32),
        },
        "diagnoses": {
            "encounter_id": g_enc,
            "sequence": seq.astype(np.int16),
            "icd10": g_code.astype(np.int16),
        },
        "lines": {
            "encounter_id": l_enc,
            "line_no": line_no.astype(np.int16),
            "item_kind": item_kind.astype(np.int8),
            "item": l_item.astype(np.int16),
            "standard_code": std_index[l_item].astype(np.int16),
            "quantity": l_qty.astype(np.int32),
            "unit_price": unit,
            "amount": amount,
        },
        "observations": {
            "encounter_id": obs_enc,
            "person_id": person[obs_enc],
            "date": day[obs_enc],
            "loinc": book.obs_measure[o_idx].astype(np.int16),
            "value": book.obs_value[o_idx],
            "unit": unit_index[book.obs_measure[o_idx]].astype(np.int16),
            "result": book.obs_result[o_idx].astype(np.int16),
        },
        "activity": {
            "encounter_id": a_enc,
            "staff": a_staff.astype(np.int8),
            "minutes": a_min.astype(np.int32),
        },
        "prom_responses": {
            "response_id": np.arange(p_idx.size, dtype=np.int64),
            "encounter_id": pe[p_idx],
            "person_id": person[pe[p_idx]],
            "date": day[pe[p_idx]],
            "instrument": instrument.astype(np.int8),
            "time_point": book.prom_time_point[p_idx].astype(np.int8),
            "score": score.astype(np.int16),
            "profile": profile,
            "vas": book.prom_vas[p_idx].astype(np.int16),
        },
        "prom_items": {
            "response_id": resp_idx.astype(np.int64),
            "item": (item_no + 1).astype(np.int8),
            "value": items[resp_idx, item_no].astype(np.int8),
        },
        "referrals": {
            "referral_id": np.arange(r_idx.size, dtype=np.int64),
            "encounter_id": ref_enc,
            "person_id": person[ref_enc],
            "referral_date": day[ref_enc],
            "referring_facility_id": fac[ref_enc],
            "receiving_facility_id": book.ref_receiving[r_idx],
            "specialty": book.ref_specialty[r_idx].astype(np.int8),
            "priority": book.ref_priority[r_idx].astype(np.int8),
            "icd10": book.ref_icd10[r_idx].astype(np.int16),
        },
    }
