"""The clinical room's SQL: batch writes and reads by patient, encounter or page.

Every function takes an open connection and runs inside the caller's transaction (an
importer writes parties, enrolments, clinical records and claims in one). Writes are
``bulk_insert`` (multi-row statements on SQLite, COPY on PostgreSQL); reads are one query
per kind (``IN`` lists in chunks), never one per record. A record's columns are its
fields in order; times go in as milliseconds since the epoch, dates as ISO text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import orjson
from sqlalchemy import Connection, Table, select, text

from thamani.clinical.records import (
    KIND_OF,
    RECORD_OF,
    ClinicalBatch,
    ClinicalRecord,
    Encounter,
    Kind,
    Linked,
    Reaction,
    Record,
    Stored,
    ValueType,
)
from thamani.db.engine import bulk_insert, fetch_all, select_in
from thamani.db.tables import (
    clinical_allergies,
    clinical_care_plans,
    clinical_conditions,
    clinical_encounters,
    clinical_immunizations,
    clinical_medications,
    clinical_observations,
    clinical_procedures,
)
from thamani.errors import InvalidInput

TABLES: dict[Kind, Table] = {
    Kind.ENCOUNTER: clinical_encounters,
    Kind.CONDITION: clinical_conditions,
    Kind.OBSERVATION: clinical_observations,
    Kind.MEDICATION: clinical_medications,
    Kind.PROCEDURE: clinical_procedures,
    Kind.IMMUNIZATION: clinical_immunizations,
    Kind.ALLERGY: clinical_allergies,
    Kind.CARE_PLAN: clinical_care_plans,
}
_CHUNK = 900
#: Serialises id allocation between concurrent importers on PostgreSQL.
_LOCK_KEY = 0x636C696E  # "clin"

#: Fields held as times (milliseconds in the store) and as dates, by kind.
_TIMES: dict[Kind, frozenset[str]] = {
    Kind.ENCOUNTER: frozenset({"start", "stop"}),
    Kind.OBSERVATION: frozenset({"at"}),
    Kind.MEDICATION: frozenset({"start", "stop"}),
    Kind.PROCEDURE: frozenset({"start", "stop"}),
    Kind.IMMUNIZATION: frozenset({"at"}),
}
_DATES: dict[Kind, frozenset[str]] = {
    Kind.CONDITION: frozenset({"onset", "abatement"}),
    Kind.ALLERGY: frozenset({"start", "stop"}),
    Kind.CARE_PLAN: frozenset({"start", "stop"}),
}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_ms(t: datetime) -> int:
    """Milliseconds since the epoch (a naive time is taken as UTC)."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=UTC)
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def from_ms(ms: int) -> datetime:
    """The UTC time ``ms`` milliseconds after the epoch (exact; before 1970 too)."""
    return _EPOCH + timedelta(milliseconds=ms)


def columns(kind: Kind) -> tuple[str, ...]:
    return RECORD_OF[kind]._fields


def _writer(kind: Kind) -> Callable[[Record], tuple[Any, ...]]:
    """A function from a record to its row's values, in column order."""
    fields = columns(kind)
    times = _TIMES.get(kind, frozenset())
    dates = _DATES.get(kind, frozenset())
    conv: list[Callable[[Any], Any] | None] = []
    for f in fields:
        if f in times:
            conv.append(lambda v: None if v is None else to_ms(v))
        elif f in dates:
            conv.append(lambda v: None if v is None else v.isoformat())
        elif f == "value_type":
            conv.append(lambda v: v.value)
        elif f == "reactions":
            conv.append(lambda v: orjson.dumps([list(r) for r in v]).decode())
        else:
            conv.append(None)
    plan = list(enumerate(conv))
    if all(c is None for c in conv):
        return tuple

    def row(r: Record) -> tuple[Any, ...]:
        values = list(r)
        for i, c in plan:
            if c is not None:
                values[i] = c(values[i])
        return tuple(values)

    return row


def _reader(kind: Kind) -> Callable[[Sequence[Any]], Record]:
    """A function from a row (column order) to its record."""
    fields = columns(kind)
    make = RECORD_OF[kind]
    times = _TIMES.get(kind, frozenset())
    dates = _DATES.get(kind, frozenset())
    conv: list[tuple[int, Callable[[Any], Any]]] = []
    for i, f in enumerate(fields):
        if f in times:
            conv.append((i, lambda v: None if v is None else from_ms(v)))
        elif f in dates:
            conv.append((i, _as_date))
        elif f == "value_type":
            conv.append((i, ValueType))
        elif f == "reactions":
            conv.append((i, lambda v: tuple(Reaction(*x) for x in orjson.loads(v))))

    def record(row: Sequence[Any]) -> Record:
        values = list(row)
        for i, c in conv:
            values[i] = c(values[i])
        return make(*values)

    return record


def _as_date(v: Any) -> date | None:
    if v is None or isinstance(v, date):
        return v
    return date.fromisoformat(str(v)[:10])


_WRITERS = {k: _writer(k) for k in Kind}
_READERS = {k: _reader(k) for k in Kind}


# -- writing ------------------------------------------------------------------------------


def _lock(conn: Connection) -> None:
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})


def _next_id(conn: Connection, kind: Kind) -> int:
    name = TABLES[kind].name
    return int(fetch_all(conn, f"SELECT coalesce(max(id), 0) FROM {name}")[0][0]) + 1


def stored_ids(
    conn: Connection, kind: Kind, source: str, source_ids: Sequence[str]
) -> dict[str, int]:
    """The store's ids of records of one kind already stored under these source ids."""
    sql = (
        f"SELECT source_id, id FROM {TABLES[kind].name} WHERE source = ? AND source_id IN ({{in}})"
    )
    return dict(select_in(conn, sql, list(set(source_ids)), before=(source,)))


def insert_batch(conn: Connection, batch: ClinicalBatch) -> Stored:
    """Store a batch: records stored already under the same source and source id are
    left as they are (so an import run twice changes nothing); the others get ids and
    their encounters' ids. A record naming an encounter that is neither in the batch nor
    stored is ``InvalidInput``."""
    _lock(conn)
    added = dict.fromkeys(Kind, 0)
    unchanged = dict.fromkeys(Kind, 0)
    enc_ids: dict[tuple[str, str], int] = {}

    # Encounters first: the other records point at them.
    fresh_enc = _fresh(conn, Kind.ENCOUNTER, batch.encounters, enc_ids)
    unchanged[Kind.ENCOUNTER] = len(batch.encounters) - len(fresh_enc)
    if fresh_enc:
        start = _next_id(conn, Kind.ENCOUNTER)
        rows = []
        for n, e in enumerate(fresh_enc):
            e = e._replace(id=start + n)
            enc_ids[(e.source, e.source_id)] = e.id
            rows.append(_WRITERS[Kind.ENCOUNTER](e))
        bulk_insert(conn, clinical_encounters.name, columns(Kind.ENCOUNTER), rows)
        added[Kind.ENCOUNTER] = len(rows)

    wanted = {(r.source, ref) for r, ref in batch.linked if ref is not None} - enc_ids.keys()
    wanted_by_source: dict[str, list[str]] = {}
    for source, wanted_id in wanted:
        wanted_by_source.setdefault(source, []).append(wanted_id)
    for source, ref_ids in wanted_by_source.items():
        enc_ids.update(
            ((source, sid), rid)
            for sid, rid in stored_ids(conn, Kind.ENCOUNTER, source, ref_ids).items()
        )

    by_kind: dict[Kind, list[tuple[Linked, str | None]]] = {}
    for item in batch.linked:
        by_kind.setdefault(KIND_OF[type(item[0])], []).append(item)
    for kind, items in by_kind.items():
        seen: dict[tuple[str, str], int] = {}
        records = [r for r, _ in items]
        fresh = _fresh(conn, kind, records, seen)
        unchanged[kind] = len(records) - len(fresh)
        if not fresh:
            continue
        refs = {(r.source, r.source_id): ref for r, ref in items}
        start = _next_id(conn, kind)
        write = _WRITERS[kind]
        rows = []
        for n, r in enumerate(fresh):
            link = refs[(r.source, r.source_id)]
            eid: int | None = None
            if link is not None:
                eid = enc_ids.get((r.source, link))
                if eid is None:
                    raise InvalidInput(
                        f"{kind.value} {r.source_id} names encounter {link}, which is not"
                        f" in the {r.source} data",
                        code="encounter_unknown",
                        where=f"{kind.value} {r.source_id}",
                    )
            rows.append(write(r._replace(id=start + n, encounter_id=eid)))
        bulk_insert(conn, TABLES[kind].name, columns(kind), rows)
        added[kind] = len(rows)
    return Stored(added, unchanged)


def _fresh(
    conn: Connection, kind: Kind, records: Sequence[Any], known: dict[tuple[str, str], int]
) -> list[Any]:
    """The records not stored yet (nor repeated earlier in the list); fills ``known``
    with the ids of those that are stored."""
    by_source: dict[str, list[str]] = {}
    for r in records:
        by_source.setdefault(r.source, []).append(r.source_id)
    for source, ids in by_source.items():
        for sid, rid in stored_ids(conn, kind, source, ids).items():
            known[(source, sid)] = rid
    out = []
    taken: set[tuple[str, str]] = set()
    for r in records:
        key = (r.source, r.source_id)
        if key in known or key in taken:
            continue
        taken.add(key)
        out.append(r)
    return out


# -- reading ------------------------------------------------------------------------------


def _rows(conn: Connection, kind: Kind, where: Any) -> list[Record]:
    t = TABLES[kind]
    read = _READERS[kind]
    order = t.c.start if "start" in t.c else t.c.at if "at" in t.c else t.c.onset
    stmt = select(*[t.c[c] for c in columns(kind)]).where(where).order_by(order, t.c.id)
    return [read(r) for r in conn.execute(stmt)]


def record_of(conn: Connection, patient_id: int, facility_id: int | None = None) -> ClinicalRecord:
    """A patient's whole record (one query per kind); with ``facility_id``, only the
    encounters at that facility and what hangs on them."""
    out = ClinicalRecord(patient_id)
    enc = clinical_encounters
    mine = enc.c.patient_id == patient_id
    if facility_id is not None:
        mine = mine & (enc.c.facility_id == facility_id)
    for kind in Kind:
        t = TABLES[kind]
        cond = t.c.patient_id == patient_id
        if facility_id is not None:
            if kind is Kind.ENCOUNTER:
                cond = cond & (t.c.facility_id == facility_id)
            else:
                cond = cond & t.c.encounter_id.in_(select(enc.c.id).where(mine))
        out.of(kind).extend(_rows(conn, kind, cond))
    return out


def encounter_facility(conn: Connection, encounter_id: int) -> tuple[int, int | None] | None:
    """An encounter's patient and facility, or None."""
    r = conn.execute(
        select(clinical_encounters.c.patient_id, clinical_encounters.c.facility_id).where(
            clinical_encounters.c.id == encounter_id
        )
    ).one_or_none()
    return None if r is None else (r.patient_id, r.facility_id)


def linked_to(conn: Connection, encounter_id: int) -> dict[Kind, list[Record]]:
    """The records hanging on one encounter, by kind (one query per kind)."""
    return {
        k: _rows(conn, k, TABLES[k].c.encounter_id == encounter_id)
        for k in Kind
        if k is not Kind.ENCOUNTER
    }


def encounters_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, Encounter]:
    wanted = list(set(ids))
    out: dict[int, Encounter] = {}
    t = clinical_encounters
    for i in range(0, len(wanted), _CHUNK):
        for e in _rows(conn, Kind.ENCOUNTER, t.c.id.in_(wanted[i : i + _CHUNK])):
            assert isinstance(e, Encounter)
            out[e.id] = e
    return out


def page(conn: Connection, kind: Kind, after: int = 0, limit: int = 10_000) -> list[Record]:
    """Records of one kind in the store's order, after a cursor (the last ``id`` seen)."""
    t = TABLES[kind]
    read = _READERS[kind]
    stmt = (
        select(*[t.c[c] for c in columns(kind)]).where(t.c.id > after).order_by(t.c.id).limit(limit)
    )
    return [read(r) for r in conn.execute(stmt)]


def counts(conn: Connection, source: str | None = None) -> dict[Kind, int]:
    """How many records of each kind are stored (from one source, when given)."""
    out = {}
    for kind, t in TABLES.items():
        sql = f"SELECT count(*) FROM {t.name}" + (" WHERE source = ?" if source else "")
        out[kind] = int(fetch_all(conn, sql, (source,) if source else ())[0][0])
    return out
