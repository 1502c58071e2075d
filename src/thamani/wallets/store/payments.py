"""SQL for payments and reservations and their parts (one row per ledger transfer)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, delete, select, update

from thamani.db.engine import bulk_execute, bulk_insert
from thamani.db.tables import (
    payment_parts,
    payments,
)
from thamani.ledger.ids import from_bytes, to_bytes
from thamani.wallets.records import (
    FundingSource,
    PricedItem,
)
from thamani.wallets.store.common import chunks

# -- payments -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredPart:
    """A payment part as stored.

    phase: ``pay``, ``reserve``, ``settle`` or ``release``.
    seq: its place in the phase's linked chain.
    transfer_id: the ledger transfer (derived from the payment id, phase and seq).
    pending_id: for settle and release, the reservation transfer it resolves.
    source, programme_id, account_id: the wallet account it draws on.
    provider_account_id: the provider's receivable on the same ledger.
    ledger: the ledger.
    amount: minor units (0 on a settle row means that part is released).
    """

    phase: str
    seq: int
    transfer_id: int
    pending_id: int
    source: FundingSource
    programme_id: int
    account_id: int
    provider_account_id: int
    ledger: int
    amount: int


@dataclass(frozen=True, slots=True)
class StoredPayment:
    """A payment or reservation as stored (see ``thamani.db.tables.wallets.payments``)."""

    id: int
    kind: str
    status: str
    patient_party_id: int
    provider_party_id: int
    programme_id: int
    currency: str
    service_date: date
    total: int
    copay: int
    shortfall: int
    items: tuple[PricedItem, ...]
    timeout: int
    created_at: int
    parts: tuple[StoredPart, ...]


def items_json(items: Sequence[PricedItem]) -> str:
    return json.dumps([[i.code, i.category, i.amount, i.description] for i in items])


def parse_items(text: str) -> tuple[PricedItem, ...]:
    return tuple(PricedItem(c, cat, int(a), d) for c, cat, a, d in json.loads(text))


PAYMENT_COLUMNS = (
    "id",
    "kind",
    "status",
    "patient_party_id",
    "provider_party_id",
    "programme_id",
    "currency",
    "service_date",
    "total",
    "copay",
    "shortfall",
    "items",
    "timeout",
    "created_at",
    "updated_at",
)
PART_COLUMNS = (
    "payment_id",
    "phase",
    "seq",
    "transfer_id",
    "pending_id",
    "source",
    "programme_id",
    "account_id",
    "provider_account_id",
    "ledger",
    "amount",
)


def payment_row(p: StoredPayment, now: int) -> tuple[Any, ...]:
    return (
        to_bytes(p.id),
        p.kind,
        p.status,
        p.patient_party_id,
        p.provider_party_id,
        p.programme_id,
        p.currency,
        p.service_date,
        p.total,
        p.copay,
        p.shortfall,
        items_json(p.items),
        p.timeout,
        now,
        now,
    )


def part_row(payment_id: int, x: StoredPart) -> tuple[Any, ...]:
    return (
        to_bytes(payment_id),
        x.phase,
        x.seq,
        to_bytes(x.transfer_id),
        to_bytes(x.pending_id) if x.pending_id else None,
        x.source.value,
        x.programme_id,
        to_bytes(x.account_id),
        to_bytes(x.provider_account_id),
        x.ledger,
        x.amount,
    )


def _insert_rows(
    conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Many rows in one go: multi-row VALUES on SQLite; on PostgreSQL an ``executemany``
    (psycopg pipelines it), which spares the driver from parsing one huge statement."""
    if conn.dialect.name == "postgresql":
        marks = ", ".join(["?"] * len(columns))
        bulk_execute(conn, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    else:
        bulk_insert(conn, table, columns, rows)


def insert_payments(conn: Connection, rows: Sequence[StoredPayment], now: int) -> None:
    """Insert payments and their parts (the SQLite date column takes ISO text)."""
    sqlite = conn.dialect.name == "sqlite"
    prow = []
    for p in rows:
        r = payment_row(p, now)
        if sqlite:
            r = (*r[:7], r[7].isoformat(), *r[8:])
        prow.append(r)
    _insert_rows(conn, "payments", PAYMENT_COLUMNS, prow)
    insert_parts(conn, [(p.id, x) for p in rows for x in p.parts])


def insert_parts(conn: Connection, parts: Sequence[tuple[int, StoredPart]]) -> None:
    _insert_rows(conn, "payment_parts", PART_COLUMNS, [part_row(pid, x) for pid, x in parts])


def _part(r: Any) -> StoredPart:
    return StoredPart(
        r.phase,
        r.seq,
        from_bytes(r.transfer_id),
        from_bytes(r.pending_id),
        FundingSource(r.source),
        r.programme_id,
        from_bytes(r.account_id),
        from_bytes(r.provider_account_id),
        r.ledger,
        r.amount,
    )


def load_payments(conn: Connection, ids: Iterable[int]) -> dict[int, StoredPayment]:
    keys = [to_bytes(i) for i in set(ids)]
    found: dict[int, Any] = {}
    parts: dict[int, list[StoredPart]] = {}
    for chunk in chunks(keys):
        for r in conn.execute(select(payments).where(payments.c.id.in_(chunk))):
            found[from_bytes(r.id)] = r
        rows = conn.execute(
            select(payment_parts)
            .where(payment_parts.c.payment_id.in_(chunk))
            .order_by(payment_parts.c.payment_id, payment_parts.c.phase, payment_parts.c.seq)
        )
        for r in rows:
            parts.setdefault(from_bytes(r.payment_id), []).append(_part(r))
    return {
        i: StoredPayment(
            i,
            r.kind,
            r.status,
            r.patient_party_id,
            r.provider_party_id,
            r.programme_id,
            r.currency,
            r.service_date,
            r.total,
            r.copay,
            r.shortfall,
            parse_items(r.items),
            r.timeout,
            r.created_at,
            tuple(parts.get(i, ())),
        )
        for i, r in found.items()
    }


def set_payment_status(
    conn: Connection,
    ids: Sequence[int],
    status: str,
    now: int,
    *,
    totals: tuple[int, int, int] | None = None,
    items: Sequence[PricedItem] | None = None,
) -> None:
    if not ids:
        return
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if totals is not None:
        values.update(total=totals[0], copay=totals[1], shortfall=totals[2])
    if items is not None:
        values["items"] = items_json(items)
    for chunk in chunks([to_bytes(i) for i in ids]):
        conn.execute(update(payments).where(payments.c.id.in_(chunk)).values(**values))


def delete_payments(conn: Connection, ids: Sequence[int]) -> None:
    for chunk in chunks([to_bytes(i) for i in ids]):
        conn.execute(delete(payment_parts).where(payment_parts.c.payment_id.in_(chunk)))
        conn.execute(delete(payments).where(payments.c.id.in_(chunk)))


def delete_parts(conn: Connection, payment_id: int, phase: str) -> None:
    conn.execute(
        delete(payment_parts).where(
            and_(payment_parts.c.payment_id == to_bytes(payment_id), payment_parts.c.phase == phase)
        )
    )


def parts_by_transfer(conn: Connection, transfer_ids: Iterable[int]) -> dict[int, Any]:
    """Payment rows joined to their parts, keyed by the parts' transfer ids."""
    keys = [to_bytes(i) for i in set(transfer_ids)]
    out: dict[int, Any] = {}
    for chunk in chunks(keys):
        rows = conn.execute(
            select(
                payment_parts.c.transfer_id,
                payment_parts.c.phase,
                payment_parts.c.source,
                payment_parts.c.programme_id,
                payments.c.id,
                payments.c.kind,
                payments.c.programme_id.label("payment_programme_id"),
                payments.c.patient_party_id,
                payments.c.provider_party_id,
                payments.c["items"],
                payments.c.service_date,
            )
            .join(payments, payments.c.id == payment_parts.c.payment_id)
            .where(payment_parts.c.transfer_id.in_(chunk))
        )
        for r in rows:
            out[from_bytes(r.transfer_id)] = r
    return out
