"""The ledger's SQL: reading the state a batch needs and writing what it decided.

Every function takes an open connection and runs inside the caller's transaction. Bulk
writes go through the driver's ``executemany`` (see ``thamani.db.engine.bulk_insert``);
everything else is SQLAlchemy Core and runs the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, func, literal, or_, select, union_all
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from thamani.db.engine import (
    bulk_execute,
    bulk_insert,
    bulk_insert_flat,
    bulk_update,
    driver_execute,
    driver_fetch,
)
from thamani.db.tables import accounts, checkpoints, head, journal, ledgers, pending, postings
from thamani.ledger import journal as chainlib
from thamani.ledger.ids import from_bytes, to_bytes
from thamani.ledger.keys import Signer
from thamani.ledger.machine import AccountState, Entry
from thamani.ledger.opening import AccountOpened
from thamani.ledger.records import (
    Account,
    Event,
    PendingStatus,
    PendingTransfer,
    Transfer,
    TransferFlags,
)

_CHUNK = 900
_JOURNAL_COLUMNS = ("seq", "event", "id", "debit_no", "credit_no", "record", "hash")


@dataclass(frozen=True, slots=True)
class Head:
    """The journal's head as stored: last position, its hash and timestamp."""

    seq: int
    hash: bytes
    timestamp: int
    postings_upto: int


@dataclass(frozen=True, slots=True)
class LedgerInfo:
    """A ledger (partition): its number, currency and fund, and its running totals.

    ledger: the number transfers and accounts name.
    currency: ISO 4217 code of its amounts.
    name: the fund's short name (e.g. ``kes-savings``, ``kes-anc-voucher``).
    description: what money lives here.
    posted_total: sum of all posted debits (equal to all posted credits).
    pending_total: sum of all pending debits (equal to all pending credits).
    """

    ledger: int
    currency: str
    name: str
    description: str
    posted_total: int
    pending_total: int


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# -- head ---------------------------------------------------------------------------------


def lock_head(conn: Connection, signer: Signer) -> Head:
    """Read the head, creating it at genesis if the journal is new; on PostgreSQL the row
    stays locked until the transaction ends, which serialises all ledger writers.

    On the hot path of every commit, so it speaks to the driver directly."""
    lock = " FOR UPDATE" if conn.dialect.name == "postgresql" else ""
    sql = f"SELECT seq, hash, timestamp, postings_upto FROM ledger_head WHERE id = 1{lock}"
    row = driver_fetch(conn, sql, ())
    if not row:
        values = {
            "id": 1,
            "seq": 0,
            "hash": chainlib.GENESIS,
            "timestamp": 0,
            "postings_upto": 0,
            "public_key": signer.public_key,
            "signature": signer.sign(chainlib.head_message(0, chainlib.GENESIS, 0)),
        }
        ins = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        conn.execute(ins(head).values(values).on_conflict_do_nothing())
        row = driver_fetch(conn, sql, ())
    seq, hash_, ts, upto = row[0]
    return Head(seq, bytes(hash_), ts, upto)


def read_head(conn: Connection) -> Head | None:
    row = conn.execute(
        select(head.c.seq, head.c.hash, head.c.timestamp, head.c.postings_upto).where(
            head.c.id == 1
        )
    ).one_or_none()
    return None if row is None else Head(row.seq, bytes(row.hash), row.timestamp, row.postings_upto)


def head_signature(conn: Connection) -> tuple[int, bytes, int, bytes, bytes] | None:
    """(seq, hash, timestamp, public key, signature) of the stored head."""
    row = conn.execute(select(head).where(head.c.id == 1)).one_or_none()
    if row is None:
        return None
    return (row.seq, bytes(row.hash), row.timestamp, bytes(row.public_key), bytes(row.signature))


def write_head(conn: Connection, h: Head, signer: Signer) -> None:
    signature = signer.sign(chainlib.head_message(h.seq, h.hash, h.timestamp))
    driver_execute(
        conn,
        "UPDATE ledger_head SET seq = ?, hash = ?, timestamp = ?, postings_upto = ?,"
        " public_key = ?, signature = ? WHERE id = 1",
        (h.seq, h.hash, h.timestamp, h.postings_upto, signer.public_key, signature),
    )


# -- ledgers ------------------------------------------------------------------------------


def _ledger_info(row: Any) -> LedgerInfo:
    return LedgerInfo(
        row.ledger,
        row.currency,
        row.name,
        row.description,
        int(row.posted_total),
        int(row.pending_total),
    )


def list_ledgers(conn: Connection) -> list[LedgerInfo]:
    return [_ledger_info(r) for r in conn.execute(select(ledgers).order_by(ledgers.c.ledger))]


def get_ledger(conn: Connection, number: int) -> LedgerInfo | None:
    row = conn.execute(select(ledgers).where(ledgers.c.ledger == number)).one_or_none()
    return None if row is None else _ledger_info(row)


def insert_ledger(
    conn: Connection, number: int, currency: str, name: str, description: str, now: int
) -> None:
    conn.execute(
        ledgers.insert().values(
            ledger=number,
            currency=currency,
            name=name,
            description=description,
            created_at=now,
            posted_total="0",
            pending_total="0",
        )
    )


def add_ledger_totals(conn: Connection, deltas: dict[int, tuple[int, int]]) -> None:
    """Add (posted, pending) deltas to the ledgers' running totals (exact decimal text)."""
    for ledger, (dp, dq) in sorted(deltas.items()):
        rows = driver_fetch(
            conn, "SELECT posted_total, pending_total FROM ledgers WHERE ledger = ?", (ledger,)
        )
        if not rows:
            continue
        posted, pend = rows[0]
        driver_execute(
            conn,
            "UPDATE ledgers SET posted_total = ?, pending_total = ? WHERE ledger = ?",
            (str(int(posted) + dp), str(int(pend) + dq), ledger),
        )


def ledger_totals(conn: Connection) -> dict[int, tuple[int, int]]:
    return {
        r.ledger: (int(r.posted_total), int(r.pending_total))
        for r in conn.execute(
            select(ledgers.c.ledger, ledgers.c.posted_total, ledgers.c.pending_total)
        )
    }


# -- accounts -----------------------------------------------------------------------------


_STATE_COLUMNS = (
    accounts.c.no,
    accounts.c.id,
    accounts.c.ledger,
    accounts.c.code,
    accounts.c.flags,
    accounts.c.debits_pending,
    accounts.c.debits_posted,
    accounts.c.credits_pending,
    accounts.c.credits_posted,
    accounts.c.owner_party_id,
    accounts.c.sponsor_party_id,
)


def _state(r: Any) -> AccountState:
    return AccountState(
        r[0], int.from_bytes(r[1], "big"), r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10]
    )


def load_account_states(conn: Connection, ids: Iterable[int]) -> dict[int, AccountState]:
    keys = [to_bytes(i) for i in ids]
    out: dict[int, AccountState] = {}
    for chunk in _chunks(keys):
        for r in conn.execute(select(*_STATE_COLUMNS).where(accounts.c.id.in_(chunk))):
            s = _state(r)
            out[s.id] = s
    return out


def load_account_states_by_no(conn: Connection, nos: Iterable[int]) -> dict[int, AccountState]:
    out: dict[int, AccountState] = {}
    for chunk in _chunks(list(nos)):
        for r in conn.execute(select(*_STATE_COLUMNS).where(accounts.c.no.in_(chunk))):
            s = _state(r)
            out[s.no] = s
    return out


def _account(r: Any) -> Account:
    return Account(
        id=from_bytes(r.id),
        ledger=r.ledger,
        code=r.code,
        flags=r.flags,
        user_data_128=from_bytes(r.user_data_128),
        user_data_64=r.user_data_64,
        user_data_32=r.user_data_32,
        owner_party_id=r.owner_party_id,
        sponsor_party_id=r.sponsor_party_id,
        debits_pending=r.debits_pending,
        debits_posted=r.debits_posted,
        credits_pending=r.credits_pending,
        credits_posted=r.credits_posted,
        timestamp=r.timestamp,
    )


def load_accounts(conn: Connection, ids: Sequence[int]) -> dict[int, Account]:
    out: dict[int, Account] = {}
    for chunk in _chunks([to_bytes(i) for i in ids]):
        for r in conn.execute(select(accounts).where(accounts.c.id.in_(chunk))):
            a = _account(r)
            out[a.id] = a
    return out


def accounts_of_party(
    conn: Connection, party_id: int, *, ledger: int | None = None, code: int | None = None
) -> list[Account]:
    stmt = select(accounts).where(
        or_(accounts.c.owner_party_id == party_id, accounts.c.sponsor_party_id == party_id)
    )
    if ledger is not None:
        stmt = stmt.where(accounts.c.ledger == ledger)
    if code is not None:
        stmt = stmt.where(accounts.c.code == code)
    return [_account(r) for r in conn.execute(stmt.order_by(accounts.c.no))]


def account_user_data(conn: Connection, ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    out: dict[int, tuple[int, int, int]] = {}
    for chunk in _chunks([to_bytes(i) for i in ids]):
        rows = conn.execute(
            select(
                accounts.c.id,
                accounts.c.user_data_128,
                accounts.c.user_data_64,
                accounts.c.user_data_32,
            ).where(accounts.c.id.in_(chunk))
        )
        for r in rows:
            out[from_bytes(r.id)] = (from_bytes(r.user_data_128), r.user_data_64, r.user_data_32)
    return out


def next_account_no(conn: Connection) -> int:
    return int(conn.execute(select(func.coalesce(func.max(accounts.c.no), 0))).scalar_one()) + 1


def insert_accounts(conn: Connection, opened: Sequence[AccountOpened]) -> None:
    rows = [
        (
            o.no,
            to_bytes(o.account.id),
            o.account.ledger,
            o.account.code,
            o.account.flags,
            to_bytes(o.account.user_data_128) if o.account.user_data_128 else None,
            o.account.user_data_64,
            o.account.user_data_32,
            o.account.owner_party_id,
            o.account.sponsor_party_id,
            o.account.timestamp,
            0,
            0,
            0,
            0,
        )
        for o in opened
    ]
    bulk_insert(
        conn,
        "accounts",
        (
            "no",
            "id",
            "ledger",
            "code",
            "flags",
            "user_data_128",
            "user_data_64",
            "user_data_32",
            "owner_party_id",
            "sponsor_party_id",
            "timestamp",
            "debits_pending",
            "debits_posted",
            "credits_pending",
            "credits_posted",
        ),
        rows,
    )


def balance_rows(states: Iterable[AccountState]) -> list[tuple[int, int, int, int, int, int]]:
    """(no, debits pending, debits posted, credits pending, credits posted, flags) now."""
    return [(s.no, s.dp, s.dpo, s.cp, s.cpo, s.flags) for s in states]


def update_balances(conn: Connection, rows: list[tuple[int, int, int, int, int, int]]) -> None:
    """Store balances captured by ``balance_rows``."""
    bulk_update(
        conn,
        "accounts",
        "no",
        ("debits_pending", "debits_posted", "credits_pending", "credits_posted", "flags"),
        rows,
    )


# -- journal ------------------------------------------------------------------------------


def account_rows(opened: Sequence[AccountOpened], previous: bytes) -> tuple[list[Any], bytes]:
    """Journal rows (hash included) for opened accounts, and the new head hash."""
    rows: list[Any] = []
    h = previous
    ev = int(Event.ACCOUNT)
    for o in opened:
        a = o.account
        id16 = a.id.to_bytes(16, "big")
        owner = a.owner_party_id or 0
        record = chainlib.encode(
            ev,
            o.seq,
            id16,
            o.no.to_bytes(16, "big"),
            owner.to_bytes(16, "big"),
            a.sponsor_party_id or 0,
            None,
            a.user_data_128.to_bytes(16, "big") if a.user_data_128 else None,
            a.user_data_64,
            a.user_data_32,
            0,
            a.ledger,
            a.code,
            a.flags,
            a.timestamp,
        )
        h = chainlib.chain(h, record)
        rows.extend((o.seq, ev, id16, o.no, o.no, record, h))
    return rows, h


def transfer_rows(
    entries: Sequence[Entry], previous: bytes, pendings: Mapping[int, PendingTransfer]
) -> tuple[list[Any], bytes, dict[int, tuple[int, int]]]:
    """Journal rows (hash included, laid end to end, seven values a row) for decided
    transfers and expiries, the new head hash, and what the entries add to each ledger's
    (posted, pending) totals. Pure computation: it runs while the batch before it is still
    committing. ``pendings`` holds every pending transfer the entries create or resolve
    (the batch's own record of them), for the amounts a post or void releases."""
    rows: list[Any] = []
    h = previous
    sha = chainlib._sha256
    pack = chainlib.RECORD.pack
    zero = chainlib.ZERO16
    extend = rows.extend
    posted: dict[int, int] = {}
    pending_delta: dict[int, int] = {}
    for seq, ev, t, ts, dr, cr in entries:
        id16 = t.id.to_bytes(16, "big")
        amount = t.amount
        ledger = t.ledger
        flags = t.flags
        record = pack(
            ev,
            seq,
            id16,
            dr.key,
            cr.key,
            amount,
            t.pending_id.to_bytes(16, "big") if t.pending_id else zero,
            t.user_data_128.to_bytes(16, "big") if t.user_data_128 else zero,
            t.user_data_64,
            t.user_data_32,
            t.timeout,
            ledger,
            t.code,
            flags,
            ts,
        )
        h = sha(h + record).digest()
        extend((seq, ev, id16, dr.no, cr.no, record, h))
        if ev == _TRANSFER_EVENT and not flags & _PHASES:
            posted[ledger] = posted.get(ledger, 0) + amount
        elif ev == _TRANSFER_EVENT and flags & _PENDING_FLAG:
            pending_delta[ledger] = pending_delta.get(ledger, 0) + amount
        else:  # a post, a void or an expiry releases the whole reservation
            held = pendings[t.pending_id].amount
            pending_delta[ledger] = pending_delta.get(ledger, 0) - held
            if ev == _TRANSFER_EVENT and flags & _POST_FLAG:
                posted[ledger] = posted.get(ledger, 0) + amount
    deltas = {
        k: (posted.get(k, 0), pending_delta.get(k, 0))
        for k in sorted(set(posted) | set(pending_delta))
    }
    return rows, h, {k: v for k, v in deltas.items() if v != (0, 0)}


def insert_journal_rows(conn: Connection, rows: list[Any]) -> None:
    """Append journal rows laid end to end (see ``transfer_rows``)."""
    bulk_insert_flat(conn, "journal", _JOURNAL_COLUMNS, rows)


_TRANSFER_EVENT = int(Event.TRANSFER)
_PENDING_FLAG = int(TransferFlags.PENDING)
_POST_FLAG = int(TransferFlags.POST_PENDING_TRANSFER)
_PHASES = int(
    TransferFlags.PENDING
    | TransferFlags.POST_PENDING_TRANSFER
    | TransferFlags.VOID_PENDING_TRANSFER
)


def decode_transfer(record: bytes) -> Transfer:
    """The transfer a journal record holds (for an expiry: the pending it released)."""
    fields = chainlib.RECORD.unpack(record)
    return Transfer(
        id=int.from_bytes(fields[2], "big"),
        debit_account_id=int.from_bytes(fields[3], "big"),
        credit_account_id=int.from_bytes(fields[4], "big"),
        amount=fields[5],
        pending_id=int.from_bytes(fields[6], "big"),
        user_data_128=int.from_bytes(fields[7], "big"),
        user_data_64=fields[8],
        user_data_32=fields[9],
        timeout=fields[10],
        ledger=fields[11],
        code=fields[12],
        flags=fields[13],
        timestamp=fields[14],
    )


def load_transfers(conn: Connection, ids: Sequence[int]) -> dict[int, Transfer]:
    """Stored transfers (not expiries) with these ids."""
    rows: list[Any] = []
    for chunk in _chunks([to_bytes(i) for i in ids]):
        rows.extend(
            conn.execute(
                select(journal).where(
                    and_(journal.c.event == int(Event.TRANSFER), journal.c.id.in_(chunk))
                )
            )
        )
    return {from_bytes(r.id): decode_transfer(bytes(r.record)) for r in rows}


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One line of an account's statement.

    seq: journal position (the cursor for the next page).
    event: ``Event.TRANSFER`` or ``Event.EXPIRY``.
    transfer: the transfer as stored.
    """

    seq: int
    event: Event
    transfer: Transfer


def statement(
    conn: Connection, account_no: int, *, after: int, limit: int, newest_first: bool
) -> list[StatementLine]:
    """Transfers on one account, from the compacted index and the journal's recent tail."""
    upto = conn.execute(select(head.c.postings_upto).where(head.c.id == 1)).scalar_one_or_none()
    upto = upto or 0
    indexed = select(postings.c.seq.label("seq")).where(postings.c.account_no == account_no)
    tail = select(journal.c.seq.label("seq")).where(
        and_(
            journal.c.seq > upto,
            journal.c.event.in_([int(Event.TRANSFER), int(Event.EXPIRY)]),
            or_(journal.c.debit_no == account_no, journal.c.credit_no == account_no),
        )
    )
    seqs = union_all(indexed, tail).subquery()
    cursor_cond = (seqs.c.seq < after) if newest_first and after else (seqs.c.seq > after)
    order = seqs.c.seq.desc() if newest_first else seqs.c.seq.asc()
    page = select(seqs.c.seq).where(cursor_cond).order_by(order).limit(limit).subquery()
    rows = conn.execute(
        select(journal)
        .join(page, page.c.seq == journal.c.seq)
        .order_by(journal.c.seq.desc() if newest_first else journal.c.seq.asc())
    ).all()
    return [StatementLine(r.seq, Event(r.event), decode_transfer(bytes(r.record))) for r in rows]


def compact_postings(conn: Connection, upto: int, new_upto: int) -> None:
    """Bring the per-account statement index up to ``new_upto`` in one sorted run."""
    debit = select(journal.c.debit_no.label("account_no"), journal.c.seq.label("seq")).where(
        and_(
            journal.c.seq > upto,
            journal.c.seq <= new_upto,
            journal.c.event.in_([int(Event.TRANSFER), int(Event.EXPIRY)]),
        )
    )
    credit = select(journal.c.credit_no.label("account_no"), journal.c.seq.label("seq")).where(
        and_(
            journal.c.seq > upto,
            journal.c.seq <= new_upto,
            journal.c.event.in_([int(Event.TRANSFER), int(Event.EXPIRY)]),
        )
    )
    both = union_all(debit, credit).subquery()
    ordered = select(both.c.account_no, both.c.seq).order_by(both.c.account_no, both.c.seq)
    conn.execute(postings.insert().from_select(["account_no", "seq"], ordered))


# -- pending ------------------------------------------------------------------------------


def _pending(r: Any) -> PendingTransfer:
    return PendingTransfer(
        from_bytes(r.id),
        from_bytes(r.debit_account_id),
        from_bytes(r.credit_account_id),
        r.amount,
        r.ledger,
        r.code,
        r.flags,
        r.expires_at,
        PendingStatus(r.status),
        r.timestamp,
    )


_PENDING_COLUMNS = (
    pending.c.id,
    pending.c.debit_account_id,
    pending.c.credit_account_id,
    pending.c.amount,
    pending.c.ledger,
    pending.c.code,
    pending.c.flags,
    pending.c.expires_at,
    pending.c.status,
    pending.c.timestamp,
)


def load_pendings(conn: Connection, ids: Sequence[int]) -> dict[int, PendingTransfer]:
    out: dict[int, PendingTransfer] = {}
    for chunk in _chunks([to_bytes(i) for i in ids]):
        stmt = select(*_PENDING_COLUMNS).where(pending.c.id.in_(chunk))
        for r in conn.execute(stmt):
            p = _pending(r)
            out[p.id] = p
    return out


def due_pendings(conn: Connection, now: int, limit: int) -> list[PendingTransfer]:
    stmt = (
        select(*_PENDING_COLUMNS)
        .where(
            and_(
                pending.c.status == int(PendingStatus.PENDING),
                pending.c.expires_at > 0,
                pending.c.expires_at <= now,
            )
        )
        .order_by(pending.c.expires_at)
        .limit(limit)
    )
    return [_pending(r) for r in conn.execute(stmt)]


def next_expiry_after(conn: Connection, now: int) -> int | None:
    """The earliest expiry of a still-pending transfer after ``now``."""
    rows = driver_fetch(
        conn,
        "SELECT min(expires_at) FROM pending WHERE status = ? AND expires_at > ?",
        (int(PendingStatus.PENDING), now),
    )
    value = rows[0][0] if rows else None
    return int(value) if value is not None else None


def write_pendings(
    conn: Connection,
    changed: dict[int, PendingTransfer],
    known: set[int] | dict[int, PendingTransfer],
    created_seq: dict[int, int],
    resolved_seq: dict[int, int],
) -> None:
    """Insert new pending transfers and record how resolved ones ended.

    ``known`` holds the ids already stored; ``created_seq`` maps new transfer ids to their
    journal positions and ``resolved_seq`` pending ids to the position that resolved them.
    """
    new_rows = []
    resolved = []
    for pid, p in changed.items():
        if pid not in known:
            new_rows.append(
                (
                    to_bytes(pid),
                    created_seq[pid],
                    to_bytes(p.debit_account_id),
                    to_bytes(p.credit_account_id),
                    p.amount,
                    p.ledger,
                    p.code,
                    p.flags,
                    p.expires_at,
                    int(PendingStatus.PENDING),
                    p.timestamp,
                    None,
                )
            )
        if p.status is not PendingStatus.PENDING:
            resolved.append((int(p.status), resolved_seq[pid], to_bytes(pid)))
    bulk_insert(
        conn,
        "pending",
        (
            "id",
            "seq",
            "debit_account_id",
            "credit_account_id",
            "amount",
            "ledger",
            "code",
            "flags",
            "expires_at",
            "status",
            "timestamp",
            "resolved_seq",
        ),
        new_rows,
    )
    bulk_execute(conn, "UPDATE pending SET status = ?, resolved_seq = ? WHERE id = ?", resolved)


# -- checkpoints --------------------------------------------------------------------------


def write_checkpoint(
    conn: Connection, seq: int, head_hash: bytes, timestamp: int, signer: Signer
) -> None:
    totals = {str(k): [v[0], v[1]] for k, v in sorted(ledger_totals(conn).items())}
    text = json.dumps(totals, separators=(",", ":"), sort_keys=True)
    conn.execute(
        checkpoints.insert().values(
            seq=seq,
            hash=head_hash,
            timestamp=timestamp,
            totals=text,
            public_key=signer.public_key,
            signature=signer.sign(chainlib.checkpoint_message(seq, head_hash, timestamp, text)),
        )
    )


def last_checkpoint_seq(conn: Connection) -> int:
    return int(
        conn.execute(select(func.coalesce(func.max(checkpoints.c.seq), literal(0)))).scalar_one()
    )
