"""``generate``: parameters, a size, a number of years and a seed in; a ``Region`` out.

The stages run in a fixed order, each with its own random stream (``streams.Stage``):
places, people, conditions, background mortality, maternity (which adds the babies),
enrolment, HIV, airway, chronic and acute care, referrals, and the encounter assembly.
Everything is vectorised over whole populations; the same seed gives the same region.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from thamani.errors import InvalidInput
from thamani.synth import catalogue as cat
from thamani.synth.care.acute import make_acute_care
from thamani.synth.care.airways import make_airway_care
from thamani.synth.care.chronic import make_chronic_care
from thamani.synth.care.hiv import make_hiv_care
from thamani.synth.care.maternity import Maternity, make_maternity
from thamani.synth.care.referrals import make_referrals
from thamani.synth.care.visits import VisitBook
from thamani.synth.conditions import ConditionState, make_conditions
from thamani.synth.encounters import Payers, assemble
from thamani.synth.mortality import DeathRegister, background_deaths, condition_excess
from thamani.synth.parameters import Parameters
from thamani.synth.people import People, make_people, phone_numbers
from thamani.synth.places import PROGRAMMES, Places, make_places
from thamani.synth.region import Region, RegionInfo, Table, make_table
from thamani.synth.sampling import NEVER, YEAR
from thamani.synth.schema import TABLES
from thamani.synth.streams import Stage, stream

I64 = NDArray[np.int64]
OnStage = Callable[[str], None]

STAGES = (
    "places",
    "people",
    "conditions",
    "mortality",
    "maternity",
    "enrolment",
    "hiv care",
    "airway care",
    "chronic care",
    "acute care",
    "referrals",
    "encounters",
    "tables",
)
"""Stage names, in order, as reported to ``on_stage``."""

MAX_PEOPLE = 50_000_000
MAX_YEARS = 20
MEMBER_PREFIX = ("SHA", "MBV", "CSP", "AFY")


def check_parameters(p: Parameters) -> None:
    """Cross-checks against the catalogue: every item priced, every code known."""
    missing = [c for c in cat.ITEM_CODES if c not in p.tariffs.items]
    if missing:
        raise InvalidInput(
            f"parameter tariffs.items: no price for {', '.join(missing)}",
            where=f"tariffs.items.{missing[0]}",
            code="invalid_parameters",
        )
    unknown = [c for c in p.tariffs.items if c not in cat.ITEM_CODES]
    if unknown:
        raise InvalidInput(
            f"parameter tariffs.items.{unknown[0]}: not an item of the catalogue",
            where=f"tariffs.items.{unknown[0]}",
            code="invalid_parameters",
        )
    for i, cause in enumerate(p.acute_care.causes.items):
        if cause.icd10 not in cat.ICD10_CODES:
            key = f"acute_care.causes.items[{i}].icd10"
            raise InvalidInput(
                f"parameter {key}: {cause.icd10} is not in the catalogue", where=key,
                code="invalid_parameters",
            )  # fmt: skip
    for i, s in enumerate(p.referrals.specialties):
        for code in s.icd10:
            if code not in cat.ICD10_CODES:
                key = f"referrals.specialties[{i}].icd10"
                raise InvalidInput(
                    f"parameter {key}: {code} is not in the catalogue", where=key,
                    code="invalid_parameters",
                )  # fmt: skip


def generate(
    p: Parameters, people: int, years: int, seed: int, on_stage: OnStage | None = None
) -> Region:
    """Generate a region of ``people`` people and ``years`` years of their care."""
    if not 1 <= people <= MAX_PEOPLE:
        raise InvalidInput(f"people must be between 1 and {MAX_PEOPLE:,}", where="people")
    if not 1 <= years <= MAX_YEARS:
        raise InvalidInput(f"years must be between 1 and {MAX_YEARS}", where="years")
    if seed < 0:
        raise InvalidInput("seed must be zero or positive", where="seed")
    check_parameters(p)
    say = on_stage or (lambda _s: None)
    days = years * YEAR

    say("places")
    places = make_places(stream(seed, Stage.PLACES), p, people)
    say("people")
    folk = make_people(stream(seed, Stage.PEOPLE), p, places, people)
    say("conditions")
    cs = make_conditions(stream(seed, Stage.CONDITIONS), p, folk, places, days)
    say("mortality")
    deaths = DeathRegister.empty(folk.n)
    excess, cause = condition_excess(p, cs)
    deaths.record(
        *background_deaths(
            stream(seed, Stage.MORTALITY), p, folk.birth, excess, cause, years, folk.hospital
        )
    )
    say("maternity")
    book = VisitBook()
    mat = make_maternity(stream(seed, Stage.MATERNITY), p, folk, places, cs, deaths, book, years)
    everyone = _with_babies(folk, mat)
    baby_rng = stream(seed, Stage.NEWBORN_MORTALITY)
    nb = mat.baby.max(initial=-1) + 1 - folk.n
    if nb > 0:
        births = everyone["birth"][folk.n :]
        deaths_b = background_deaths(
            baby_rng, p, births, np.ones(nb), np.full(nb, cat.icd("R99")), years,
            everyone["hospital"][folk.n :],
        )  # fmt: skip
        deaths.record(deaths_b[0] + folk.n, deaths_b[1], deaths_b[2], deaths_b[3])
    say("enrolment")
    hh_prog = _household_programmes(stream(seed, Stage.ENROLMENT), p, folk)
    say("hiv care")
    make_hiv_care(stream(seed, Stage.HIV), p, folk, places, cs, deaths, book, years)
    say("airway care")
    make_airway_care(stream(seed, Stage.AIRWAYS), p, folk, places, cs, deaths, book, years)
    say("chronic care")
    make_chronic_care(stream(seed, Stage.CHRONIC), p, folk, places, cs, deaths, book, years)
    say("acute care")
    make_acute_care(
        stream(seed, Stage.ACUTE), p, everyone["birth"], deaths.day, everyone["area"],
        everyone["primary"], everyone["hospital"], book, years,
    )  # fmt: skip
    say("referrals")
    make_referrals(
        stream(seed, Stage.REFERRALS), p, everyone["birth"], everyone["sex"], deaths.day,
        everyone["primary"], everyone["hospital"], places, book, years,
    )  # fmt: skip
    say("encounters")
    payers = Payers(
        household_programme=hh_prog[everyone["household"]],
        voucher=mat.voucher,
        voucher_start=mat.voucher_start,
        voucher_end=mat.voucher_end,
    )
    care = assemble(
        stream(seed, Stage.ENCOUNTERS), p, places, everyone["birth"], deaths.day, cs, payers,
        book.freeze(), days,
    )  # fmt: skip
    say("tables")
    start = np.datetime64(p.region.start_date.isoformat(), "D")
    end = p.region.start_date + dt.timedelta(days=days - 1)
    info = RegionInfo(
        name=p.region.name,
        seed=seed,
        people=people,
        years=years,
        start_date=p.region.start_date.isoformat(),
        end_date=end.isoformat(),
        currency=p.region.currency,
    )
    tables = _tables(p, places, folk, everyone, cs, mat, deaths, hh_prog, care, days, start)
    return Region(info, tables)


def _with_babies(folk: People, mat: Maternity) -> dict[str, I64]:
    """Person-level arrays for everyone: the people at the start, then the babies."""
    m = mat.baby_mother
    return {
        "birth": np.concatenate([folk.birth, mat.baby_birth]),
        "sex": np.concatenate([folk.sex, mat.baby_sex]),
        "household": np.concatenate([folk.household, folk.household[m]]),
        "area": np.concatenate([folk.area, folk.area[m]]),
        "quintile": np.concatenate([folk.quintile, folk.quintile[m]]),
        "primary": np.concatenate([folk.primary, folk.primary[m]]),
        "hospital": np.concatenate([folk.hospital, folk.hospital[m]]),
        "mother": np.concatenate([np.full(folk.n, -1, dtype=np.int64), m]),
        "phone_serial": np.concatenate([folk.phone_serial, np.full(m.size, -1, dtype=np.int64)]),
    }


def _household_programmes(rng: np.random.Generator, p: Parameters, folk: People) -> I64:
    """Each household's programme: subsidy (poor), insurance, savings wallet, or none."""
    pr = p.programmes
    h = folk.hh_area.size
    subsidy = folk.hh_poor & (rng.random(h) < pr.poor_subsidy_coverage.value)
    ins_p = np.array(pr.national_insurance_by_wealth_quintile.values)[folk.hh_quintile - 1]
    insurance = ~subsidy & (rng.random(h) < ins_p)
    savings = ~subsidy & ~insurance & (rng.random(h) < pr.savings_share.value)
    out = np.full(h, -1, dtype=np.int64)
    out[savings] = cat.SAVINGS
    out[insurance] = cat.INSURANCE
    out[subsidy] = cat.SUBSIDY
    return out


def _dates(start: np.datetime64, day: I64, days: int | None = None) -> NDArray[Any]:
    """Day numbers to dates; NEVER (or beyond ``days``) to null."""
    out = start + day.astype("timedelta64[D]")
    missing = day >= NEVER if days is None else day >= days
    return np.where(missing, np.datetime64("NaT"), out).astype("datetime64[D]")


def _tables(
    p: Parameters,
    places: Places,
    folk: People,
    everyone: dict[str, I64],
    cs: ConditionState,
    mat: Maternity,
    deaths: DeathRegister,
    hh_prog: I64,
    care: dict[str, dict[str, NDArray[Any]]],
    days: int,
    start: np.datetime64,
) -> tuple[Table, ...]:
    areas = p.areas.items
    n_fac = places.fac_area.size
    n_all = everyone["birth"].size
    out: dict[str, Table] = {}
    out["areas"] = make_table("areas", {
        "area_id": np.arange(len(areas), dtype=np.int64),
        "name": np.array([a.name for a in areas]),
        "population": places.area_population,
        "urban_share": np.array([a.urban_share for a in areas]),
        "poverty_rate": np.array([a.poverty_rate for a in areas]),
        "malaria_risk": np.array([a.malaria_risk for a in areas]),
    })  # fmt: skip
    fac: dict[str, NDArray[Any]] = {
        "facility_id": np.arange(n_fac, dtype=np.int64),
        "name": np.array(places.names),
        "area_id": places.fac_area,
        "level": places.fac_level,
        "keph_level": np.array(cat.KEPH_LEVEL, dtype=np.int8)[places.fac_level],
        "ownership": places.fac_ownership,
        "opening_hours_per_day": places.fac_hours.astype(np.int8),
        "opening_days_per_week": places.fac_days.astype(np.int8),
        "beds": places.fac_beds.astype(np.int32),
        "outpatient_slots_per_day": places.fac_slots.astype(np.int32),
    }
    for k, staff in enumerate(cat.STAFF):
        fac[f"staff_{staff}"] = places.fac_staff[:, k].astype(np.int32)
    out["facilities"] = make_table(
        "facilities", fac, {"level": cat.LEVELS, "ownership": cat.OWNERSHIPS}
    )
    out["facility_profiles"] = make_table("facility_profiles", {
        "facility_id": np.arange(n_fac, dtype=np.int64),
        "quality": places.fac_quality,
        "cost_factor": places.fac_cost,
    })  # fmt: skip
    out["programmes"] = make_table(
        "programmes",
        {
            "programme_id": np.arange(len(PROGRAMMES), dtype=np.int64),
            "name": np.array([x[0] for x in PROGRAMMES]),
            "kind": np.array([x[1] for x in PROGRAMMES], dtype=np.int8),
            "currency": np.array([p.region.currency] * len(PROGRAMMES)),
            "covers": np.array([x[2] for x in PROGRAMMES]),
        },
        {"kind": cat.PROGRAMME_KINDS},
    )
    af, ap = np.nonzero(places.accredited)
    out["accreditations"] = make_table(
        "accreditations", {"facility_id": af.astype(np.int64), "programme_id": ap.astype(np.int64)}
    )
    out["households"] = make_table("households", {
        "household_id": np.arange(folk.hh_area.size, dtype=np.int64),
        "area_id": folk.hh_area,
        "urban": folk.hh_urban,
        "size": folk.hh_size.astype(np.int16),
        "wealth_quintile": folk.hh_quintile.astype(np.int8),
        "poor": folk.hh_poor,
        "head_person_id": folk.hh_head,
    })  # fmt: skip
    death_day = np.where(deaths.day < days, deaths.day, NEVER)
    out["people"] = make_table(
        "people",
        {
            "person_id": np.arange(n_all, dtype=np.int64),
            "household_id": everyone["household"],
            "area_id": everyone["area"],
            "sex": everyone["sex"].astype(np.int8),
            "birth_date": _dates(start, everyone["birth"]),
            "phone": phone_numbers(everyone["phone_serial"]),
            "wealth_quintile": everyone["quintile"].astype(np.int8),
            "primary_facility_id": everyone["primary"],
            "hospital_id": everyone["hospital"],
            "mother_id": everyone["mother"],
            "death_date": _dates(start, death_day),
        },
        {"sex": cat.SEXES},
    )
    out["enrolments"] = _enrolments(everyone, folk, mat, hh_prog, death_day, days, start)
    out["conditions"] = _conditions(cs, days, start)
    out["pregnancies"] = make_table(
        "pregnancies",
        {
            "pregnancy_id": np.arange(mat.mother.size, dtype=np.int64),
            "person_id": mat.mother,
            "conception_date": _dates(start, mat.conception),
            "delivery_date": _dates(start, mat.delivery),
            "gestation_weeks": mat.gestation.astype(np.int8),
            "anc_contacts": mat.anc.astype(np.int8),
            "place": (mat.facility >= 0).astype(np.int8),
            "mode": mat.caesarean.astype(np.int8),
            "facility_id": mat.facility,
            "outcome": mat.stillbirth.astype(np.int8),
            "complication_icd10": mat.complication.astype(np.int16),
            "baby_person_id": mat.baby,
            "voucher": mat.voucher,
        },
        {
            "place": cat.DELIVERY_PLACES,
            "mode": cat.DELIVERY_MODES,
            "outcome": cat.BIRTH_OUTCOMES,
            "complication_icd10": cat.ICD10_CODES,
        },
    )
    labels: dict[str, dict[str, tuple[str, ...]]] = {
        "encounters": {
            "encounter_class": cat.ENCOUNTER_CLASSES,
            "kind": cat.KIND_NAMES,
            "care_cycle": cat.CARE_CYCLES,
            "primary_icd10": cat.ICD10_CODES,
        },
        "diagnoses": {"icd10": cat.ICD10_CODES},
        "lines": {
            "item_kind": cat.ITEM_KINDS,
            "item": cat.ITEM_CODES,
            "standard_code": cat.STANDARD_CODES,
        },
        "observations": {"loinc": cat.LOINC_CODES, "unit": cat.UNITS, "result": cat.RESULTS},
        "activity": {"staff": cat.STAFF},
        "prom_responses": {"instrument": cat.INSTRUMENTS, "time_point": cat.TIME_POINTS},
        "prom_items": {},
        "referrals": {
            "specialty": tuple(s.name for s in p.referrals.specialties),
            "priority": cat.PRIORITIES,
            "icd10": cat.ICD10_CODES,
        },
    }
    date_cols = {"start_date", "end_date", "date", "referral_date"}
    for name, cols in care.items():
        conv = {k: (_dates(start, v) if k in date_cols else v) for k, v in cols.items()}
        out[name] = make_table(name, conv, labels[name])
    dead = np.flatnonzero(death_day < NEVER)
    out["deaths"] = make_table(
        "deaths",
        {
            "person_id": dead.astype(np.int64),
            "death_date": _dates(start, death_day[dead]),
            "age_years": ((death_day[dead] - everyone["birth"][dead]) // 365).astype(np.int16),
            "cause_icd10": deaths.cause[dead].astype(np.int16),
            "place": (deaths.facility[dead] >= 0).astype(np.int8),
            "facility_id": deaths.facility[dead],
        },
        {"cause_icd10": cat.ICD10_CODES, "place": cat.DEATH_PLACES},
    )
    return tuple(out[t.name] for t in TABLES)


def _enrolments(
    everyone: dict[str, I64],
    folk: People,
    mat: Maternity,
    hh_prog: I64,
    death_day: I64,
    days: int,
    start: np.datetime64,
) -> Table:
    """Household members in their household's programme; voucher holders per pregnancy."""
    hh = everyone["household"]
    prog = hh_prog[hh]
    members = np.flatnonzero(prog >= 0)
    members = members[np.lexsort((members, hh[members]))]
    mh = hh[members]
    first = np.ones(members.size, dtype=bool)
    first[1:] = mh[1:] != mh[:-1]
    starts_at = np.maximum.accumulate(np.where(first, np.arange(members.size), 0))
    rank = np.arange(members.size) - starts_at
    role = np.where(members == folk.hh_head[mh], 0, 1)
    hh_number = np.char.add(
        np.char.add(np.array(MEMBER_PREFIX)[prog[members]], "-"),
        np.char.add(
            np.char.zfill(mh.astype(str), 7), np.char.add("-", np.char.zfill(rank.astype(str), 2))
        ),
    )
    vi = np.flatnonzero(mat.voucher)
    v_number = np.char.add(
        f"{MEMBER_PREFIX[cat.VOUCHER]}-",
        np.char.zfill(vi.astype(str), 9) if vi.size else vi.astype(str),
    )
    person = np.concatenate([members, mat.mother[vi]])
    programme = np.concatenate([prog[members], np.full(vi.size, cat.VOUCHER)])
    roles = np.concatenate([role, np.zeros(vi.size, dtype=np.int64)])
    starts = np.concatenate([np.maximum(everyone["birth"][members], 0), mat.voucher_start[vi]])
    ends = np.concatenate([np.minimum(death_day[members], days - 1), mat.voucher_end[vi]])
    number = np.concatenate([hh_number, v_number])
    order = np.lexsort((starts, programme, person))
    return make_table(
        "enrolments",
        {
            "enrolment_id": np.arange(person.size, dtype=np.int64),
            "person_id": person[order],
            "programme_id": programme[order],
            "household_id": hh[person][order],
            "member_number": number[order],
            "role": roles[order].astype(np.int8),
            "start_date": _dates(start, starts[order]),
            "end_date": _dates(start, ends[order]),
        },
        {"role": cat.ROLES},
    )


def _conditions(cs: ConditionState, days: int, start: np.datetime64) -> Table:
    parts = []
    for c in range(len(cat.CONDITIONS)):
        idx = np.flatnonzero(cs.has[c])
        parts.append((idx, np.full(idx.size, c)))
    person = np.concatenate([x[0] for x in parts])
    cond = np.concatenate([x[1] for x in parts])
    order = np.lexsort((cond, person))
    person, cond = person[order], cond[order]
    diag = cs.diag[cond, person]
    return make_table(
        "conditions",
        {
            "person_id": person.astype(np.int64),
            "condition": cond.astype(np.int8),
            "icd10": np.array(cat.CONDITION_ICD10_INDEX, dtype=np.int16)[cond],
            "onset_date": _dates(start, diag, days),
            "diagnosed": diag < days,
            "severity": cs.severity[cond, person].astype(np.int8),
            "controlled": cs.controlled[cond, person],
            "facility_id": np.where(diag < days, cs.facility[cond, person], -1),
        },
        {"condition": cat.CONDITIONS, "icd10": cat.ICD10_CODES},
    )
