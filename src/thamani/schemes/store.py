"""The schemes room's SQL: programmes, providers, benefit items, tariffs, enrolment.

Every function takes an open connection and runs inside the caller's transaction. Rules
that are documents (programme limits, an item's cost shares) are kept as JSON written by
``encode`` and read back by ``decode``, which follow the records' own field types.
"""

from __future__ import annotations

import dataclasses
import enum
import functools
import json
import types
import typing
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, delete, select, update

from thamani.db.engine import fetch_all, select_in
from thamani.db.tables import (
    benefit_items,
    enrolments,
    households,
    members,
    parties,
    policies,
    programme_providers,
    programmes,
    tariffs,
)
from thamani.ledger.ids import from_bytes, to_bytes
from thamani.parties.records import PartyKind
from thamani.schemes.records import (
    Accreditation,
    BenefitItem,
    CostShares,
    Definition,
    Enrolment,
    Household,
    IcdEdition,
    ItemKind,
    Limits,
    Member,
    PerAge,
    Programme,
    ProgrammeKind,
    ReviewRules,
    ServiceCategory,
    Sex,
    TariffEntry,
)

_CHUNK = 900

# -- the rules codec ---------------------------------------------------------------------


def encode(value: Any) -> Any:
    """A record as plain JSON values (dataclasses as objects, enums as their values)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {k: encode(v) for k, v in value.items()}
    return value


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(kind: Any, data: Any) -> Any:
    """The inverse of ``encode`` for the type ``kind``."""
    if data is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        return decode(args[0], data)
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return tuple(decode(inner, v) for v in data)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        hints = _hints(kind)
        return kind(**{k: decode(hints[k], v) for k, v in data.items() if k in hints})
    if isinstance(kind, type) and issubclass(kind, enum.Enum):
        return kind(data)
    return data


def _dumps(value: Any) -> str:
    return json.dumps(encode(value), separators=(",", ":"), sort_keys=True)


# -- programmes --------------------------------------------------------------------------


def _programme_rules(p: Programme) -> str:
    return _dumps(
        {
            "adult_age": p.adult_age,
            "preauth_days": p.preauth_days,
            "levels": list(p.levels),
            "defaults": p.defaults,
            "default_waiting_days": p.default_waiting_days,
            "limits": p.limits,
            "review": p.review,
        }
    )


def _programme(r: Any) -> Programme:
    rules = json.loads(r.rules)
    return Programme(
        id=r.id,
        code=r.code,
        name=r.name,
        kind=ProgrammeKind(r.kind),
        currency=r.currency,
        valid_from=r.valid_from,
        valid_to=r.valid_to,
        funder_id=r.funder_id,
        ledger=r.ledger,
        fund_account_id=from_bytes(r.fund_account_id),
        icd=IcdEdition(r.icd),
        adult_age=rules["adult_age"],
        preauth_days=rules["preauth_days"],
        levels=tuple(rules["levels"]),
        defaults=decode(CostShares, rules["defaults"]),
        default_waiting_days=decode(PerAge, rules["default_waiting_days"]),
        limits=decode(Limits, rules["limits"]),
        review=decode(ReviewRules, rules["review"]),
        version=r.version,
        description=r.description,
    )


def programme_by_code(conn: Connection, code: str) -> Programme | None:
    row = conn.execute(select(programmes).where(programmes.c.code == code)).one_or_none()
    return None if row is None else _programme(row)


def programmes_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, Programme]:
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = conn.execute(select(programmes).where(programmes.c.id.in_(wanted)))
    return {r.id: _programme(r) for r in rows}


def programme_versions(conn: Connection, ids: Iterable[int]) -> dict[int, int]:
    sql = "SELECT id, version FROM programmes WHERE id IN ({in})"
    return {int(r[0]): int(r[1]) for r in select_in(conn, sql, list(set(ids)))}


def list_programmes(conn: Connection, funder_id: int | None = None) -> list[Programme]:
    stmt = select(programmes).order_by(programmes.c.code)
    if funder_id is not None:
        stmt = stmt.where(programmes.c.funder_id == funder_id)
    return [_programme(r) for r in conn.execute(stmt)]


def programme_ids_by_code(conn: Connection, codes: Iterable[str]) -> dict[str, int]:
    wanted = list(set(codes))
    if not wanted:
        return {}
    rows = conn.execute(
        select(programmes.c.code, programmes.c.id).where(programmes.c.code.in_(wanted))
    )
    return {r.code: r.id for r in rows}


def save_definition(conn: Connection, d: Definition, now: int, *, replace_id: int = 0) -> int:
    """Insert a programme (or replace one's definition, bumping its version)."""
    p = d.programme
    values = {
        "code": p.code,
        "name": p.name,
        "description": p.description,
        "kind": p.kind.value,
        "currency": p.currency,
        "valid_from": p.valid_from,
        "valid_to": p.valid_to,
        "funder_id": p.funder_id,
        "ledger": p.ledger,
        "fund_account_id": to_bytes(p.fund_account_id),
        "icd": p.icd.value,
        "rules": _programme_rules(p),
        "updated_at": now,
    }
    if replace_id:
        pid = replace_id
        conn.execute(
            update(programmes)
            .where(programmes.c.id == pid)
            .values(**values, version=programmes.c.version + 1)
        )
        for t in (programme_providers, benefit_items, tariffs):
            conn.execute(delete(t).where(t.c.programme_id == pid))
    else:
        pid = conn.execute(
            programmes.insert()
            .values(**values, version=1, created_at=now)
            .returning(programmes.c.id)
        ).scalar_one()
    if d.providers:
        conn.execute(
            programme_providers.insert(),
            [
                {
                    "programme_id": pid,
                    "provider_id": a.provider_id,
                    "level": a.level,
                    "receivable_account_id": to_bytes(a.receivable_account_id),
                }
                for a in d.providers
            ],
        )
    conn.execute(
        benefit_items.insert(),
        [
            {
                "programme_id": pid,
                "code": i.code,
                "name": i.name,
                "kind": i.kind.value,
                "category": i.category.value if i.category else None,
                "rules": _dumps(
                    {
                        "cost_share": i.cost_share,
                        "waiting_days": i.waiting_days,
                        "max_quantity": i.max_quantity,
                        "min_interval_days": i.min_interval_days,
                        "preauthorisation": i.preauthorisation,
                        "atc": i.atc,
                        "loinc": i.loinc,
                    }
                ),
            }
            for i in d.items
        ],
    )
    if d.tariff:
        conn.execute(
            tariffs.insert(),
            [
                {"programme_id": pid, "item_code": t.item_code, "level": t.level, "price": t.price}
                for t in d.tariff
            ],
        )
    return int(pid)


def load_definition(conn: Connection, programme: Programme) -> Definition:
    pid = programme.id
    items = []
    for r in conn.execute(
        select(benefit_items)
        .where(benefit_items.c.programme_id == pid)
        .order_by(benefit_items.c.code)
    ):
        rules = json.loads(r.rules)
        items.append(
            BenefitItem(
                code=r.code,
                name=r.name,
                kind=ItemKind(r.kind),
                category=ServiceCategory(r.category) if r.category else None,
                cost_share=decode(CostShares, rules["cost_share"]),
                waiting_days=decode(PerAge, rules["waiting_days"]),
                max_quantity=decode(PerAge, rules["max_quantity"]),
                min_interval_days=rules["min_interval_days"],
                preauthorisation=rules["preauthorisation"],
                atc=rules["atc"],
                loinc=rules["loinc"],
            )
        )
    tariff = [
        TariffEntry(r.item_code, r.level, r.price)
        for r in conn.execute(
            select(tariffs)
            .where(tariffs.c.programme_id == pid)
            .order_by(tariffs.c.item_code, tariffs.c.level)
        )
    ]
    providers = [
        Accreditation(
            r.provider_id, r.reference or "", r.level, from_bytes(r.receivable_account_id)
        )
        for r in conn.execute(
            select(
                programme_providers.c.provider_id,
                programme_providers.c.level,
                programme_providers.c.receivable_account_id,
                parties.c.reference,
            )
            .join(parties, parties.c.id == programme_providers.c.provider_id)
            .where(programme_providers.c.programme_id == pid)
            .order_by(programme_providers.c.provider_id)
        )
    ]
    return Definition(programme, tuple(items), tuple(tariff), tuple(providers))


def accreditations_of(conn: Connection, provider_id: int) -> dict[int, Accreditation]:
    """The programmes that accredit a provider, by programme id."""
    rows = conn.execute(
        select(
            programme_providers.c.programme_id,
            programme_providers.c.level,
            programme_providers.c.receivable_account_id,
            parties.c.reference,
        )
        .join(parties, parties.c.id == programme_providers.c.provider_id)
        .where(programme_providers.c.provider_id == provider_id)
    )
    return {
        r.programme_id: Accreditation(
            provider_id, r.reference or "", r.level, from_bytes(r.receivable_account_id)
        )
        for r in rows
    }


def receivables(conn: Connection, programme_ids: Iterable[int]) -> dict[tuple[int, int], int]:
    """The providers' receivable accounts of these programmes, by (programme, provider)."""
    sql = (
        "SELECT programme_id, provider_id, receivable_account_id FROM programme_providers"
        " WHERE programme_id IN ({in})"
    )
    return {
        (p, q): from_bytes(bytes(a)) for p, q, a in select_in(conn, sql, list(set(programme_ids)))
    }


# -- households, members, policies, enrolments -------------------------------------------


def _household(r: Any) -> Household:
    return Household(r.id, r.reference, r.name, r.area)


def _member(r: Any) -> Member:
    return Member(
        id=r.id,
        household_id=r.household_id,
        reference=r.reference,
        name=r.name,
        sex=Sex(r.sex),
        birth_date=r.birth_date,
        party_id=r.party_id,
        wallet_account_id=from_bytes(r.wallet_account_id),
    )


def _enrolment(r: Any) -> Enrolment:
    return Enrolment(r.id, r.policy_id, r.programme_id, r.member_id, r.start_date, r.end_date)


def households_by_reference(conn: Connection, refs: Sequence[str]) -> dict[str, Household]:
    out: dict[str, Household] = {}
    for i in range(0, len(refs), _CHUNK):
        chunk = list(refs[i : i + _CHUNK])
        for r in conn.execute(select(households).where(households.c.reference.in_(chunk))):
            out[r.reference] = _household(r)
    return out


def insert_households(conn: Connection, rows: Sequence[tuple[str, str, str]], now: int) -> None:
    """Insert households given as (reference, name, area)."""
    if rows:
        conn.execute(
            households.insert(),
            [{"reference": r, "name": n, "area": a, "created_at": now} for r, n, a in rows],
        )


def party_ids_by_reference(conn: Connection, refs: Sequence[str]) -> dict[str, int]:
    sql = "SELECT reference, id FROM parties WHERE reference IN ({in})"
    return {str(r): int(i) for r, i in select_in(conn, sql, list(set(refs)))}


def insert_patient_parties(
    conn: Connection, rows: Sequence[tuple[str, str]], kind: PartyKind, now: int
) -> None:
    """Insert parties given as (name, reference)."""
    if rows:
        conn.execute(
            parties.insert(),
            [{"kind": kind.value, "name": n, "reference": r, "created_at": now} for n, r in rows],
        )


def insert_members(conn: Connection, rows: Sequence[Member], now: int) -> None:
    if rows:
        conn.execute(
            members.insert(),
            [
                {
                    "household_id": m.household_id,
                    "reference": m.reference,
                    "name": m.name,
                    "sex": m.sex.value,
                    "birth_date": m.birth_date,
                    "party_id": m.party_id,
                    "wallet_account_id": to_bytes(m.wallet_account_id)
                    if m.wallet_account_id
                    else None,
                    "created_at": now,
                }
                for m in rows
            ],
        )


def policies_of(
    conn: Connection, programme_id: int, household_ids: Sequence[int]
) -> dict[tuple[int, date], int]:
    """The programme's policies of these households, by (household, start)."""
    sql = (
        "SELECT household_id, start_date, id FROM policies WHERE programme_id = ?"
        " AND household_id IN ({in})"
    )
    return {
        (int(h), _day(s)): int(i)
        for h, s, i in select_in(conn, sql, list(set(household_ids)), before=(programme_id,))
    }


def insert_policies(
    conn: Connection, programme_id: int, rows: Sequence[tuple[int, date, date]], now: int
) -> None:
    """Insert policies given as (household, start, end)."""
    if rows:
        conn.execute(
            policies.insert(),
            [
                {
                    "programme_id": programme_id,
                    "household_id": h,
                    "start_date": s,
                    "end_date": e,
                    "created_at": now,
                }
                for h, s, e in rows
            ],
        )


def enrolled_pairs(conn: Connection, policy_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(policy, member) pairs enrolled already."""
    sql = "SELECT policy_id, member_id FROM enrolments WHERE policy_id IN ({in})"
    return {(int(p), int(m)) for p, m in select_in(conn, sql, list(set(policy_ids)))}


def households_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, Household]:
    wanted = list(set(ids))
    out: dict[int, Household] = {}
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(
            select(households).where(households.c.id.in_(wanted[i : i + _CHUNK]))
        ):
            out[r.id] = _household(r)
    return out


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


_MEMBER_SQL = (
    "SELECT id, household_id, reference, name, sex, birth_date, party_id, wallet_account_id"
    " FROM members WHERE reference IN ({in})"
)


def all_members(conn: Connection) -> list[Member]:
    """Every member, in the store's order (an export's read)."""
    sql = _MEMBER_SQL.split(" WHERE ")[0] + " ORDER BY id"
    return [
        Member(mid, hid, ref, name, Sex(sex), _day(born), party, from_bytes(wallet))
        for mid, hid, ref, name, sex, born, party, wallet in fetch_all(conn, sql)
    ]


def all_enrolments(conn: Connection) -> list[Enrolment]:
    """Every enrolment, in the store's order (an export's read)."""
    return [_enrolment(r) for r in conn.execute(select(enrolments).order_by(enrolments.c.id))]


_MEMBER_BY_ID_SQL = _MEMBER_SQL.replace("WHERE reference IN", "WHERE id IN")

#: Sex by its stored value (a dictionary look-up; calling the enum class costs more).
_SEX = {x.value: x for x in Sex}


def members_by_reference(conn: Connection, refs: Iterable[str]) -> dict[str, Member]:
    """Members by member number (a batch path: plain rows, no per-row type processing)."""
    out: dict[str, Member] = {}
    for mid, hid, ref, name, sex, born, party, wallet in select_in(
        conn, _MEMBER_SQL, list(set(refs))
    ):
        out[ref] = Member(mid, hid, ref, name, _SEX[sex], _day(born), party, from_bytes(wallet))
    return out


def households_of_members(conn: Connection, refs: Sequence[str]) -> dict[str, int]:
    """The household of each of these member numbers (a batch path)."""
    sql = "SELECT reference, household_id FROM members WHERE reference IN ({in})"
    return {str(row[0]): int(row[1]) for row in select_in(conn, sql, list(set(refs)))}


def members_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, Member]:
    """Members by id (a batch path: plain rows, no per-row type processing)."""
    rows = select_in(conn, _MEMBER_BY_ID_SQL, list(set(ids)))
    return {
        mid: Member(mid, hid, ref, name, _SEX[sex], _day(born), party, from_bytes(wallet))
        for mid, hid, ref, name, sex, born, party, wallet in rows
    }


def members_of_party(conn: Connection, party_id: int) -> list[Member]:
    return [_member(r) for r in conn.execute(select(members).where(members.c.party_id == party_id))]


def insert_enrolments(conn: Connection, rows: Sequence[Enrolment]) -> None:
    if rows:
        conn.execute(
            enrolments.insert(),
            [
                {
                    "policy_id": e.policy_id,
                    "programme_id": e.programme_id,
                    "member_id": e.member_id,
                    "start_date": e.start,
                    "end_date": e.end,
                }
                for e in rows
            ],
        )


_ENROLMENT_SQL = (
    "SELECT id, policy_id, programme_id, member_id, start_date, end_date"
    " FROM enrolments WHERE member_id IN ({in})"
)


def enrolments_of(conn: Connection, member_ids: Iterable[int]) -> dict[int, list[Enrolment]]:
    """Every enrolment of these members, by member, oldest first (a batch path)."""
    out: dict[int, list[Enrolment]] = {}
    rows = select_in(conn, _ENROLMENT_SQL, list(set(member_ids)))
    for eid, pol, prog, mid, start, end in sorted(rows, key=lambda r: (r[3], str(r[4]))):
        out.setdefault(mid, []).append(Enrolment(eid, pol, prog, mid, _day(start), _day(end)))
    return out


def enrolments_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, Enrolment]:
    wanted = list(set(ids))
    out: dict[int, Enrolment] = {}
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(
            select(enrolments).where(enrolments.c.id.in_(wanted[i : i + _CHUNK]))
        ):
            out[r.id] = _enrolment(r)
    return out


def set_enrolment_ends(conn: Connection, rows: Sequence[tuple[int, date]]) -> None:
    """Set the end date of many enrolments, given as (enrolment id, end), in one
    executemany."""
    if rows:
        conn.execute(
            update(enrolments)
            .where(enrolments.c.id == bindparam("eid"))
            .values(end_date=bindparam("new_end")),
            [{"eid": eid, "new_end": end} for eid, end in rows],
        )
