"""SQL for what other wallet transfers mean (top-ups, sends, grants, expiries, payouts),
the operator's callbacks and payout runs."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, and_, insert, select, update

from thamani.db.engine import bulk_execute
from thamani.db.tables import (
    mobile_money_callbacks,
    payout_lines,
    payout_runs,
    wallet_entries,
)
from thamani.ledger.ids import from_bytes, to_bytes
from thamani.wallets.records import (
    FundingSource,
)
from thamani.wallets.store.common import chunks

# -- other wallet entries -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """What a transfer the wallets made (other than a payment part) means.

    transfer_id: the ledger transfer.
    kind: ``top_up``, ``send``, ``grant``, ``funding``, ``expiry`` or ``payout``.
    patient_party_id: the patient whose wallet it touches (None for provider payouts).
    counterparty_party_id: the other party (the sender, the recipient, the provider).
    source: the wallet source credited or debited.
    programme_id: the programme (0 for own money).
    phone: the sender's phone, for top-ups and sends.
    reference: the outside reference (TransID, send id, grant id, run id).
    """

    transfer_id: int
    kind: str
    patient_party_id: int | None = None
    counterparty_party_id: int | None = None
    source: FundingSource | None = None
    programme_id: int = 0
    phone: str | None = None
    reference: str | None = None


def insert_entries(conn: Connection, rows: Sequence[Entry], now: int) -> None:
    """Insert entries; ones whose transfer is already described are left as they are."""
    if not rows:
        return
    have = set(entries(conn, [e.transfer_id for e in rows]))
    new = [e for e in rows if e.transfer_id not in have]
    if new:
        conn.execute(
            insert(wallet_entries),
            [
                {
                    "transfer_id": to_bytes(e.transfer_id),
                    "kind": e.kind,
                    "patient_party_id": e.patient_party_id,
                    "counterparty_party_id": e.counterparty_party_id,
                    "source": e.source.value if e.source else None,
                    "programme_id": e.programme_id,
                    "phone": e.phone,
                    "reference": e.reference,
                    "created_at": now,
                }
                for e in new
            ],
        )


def entries(conn: Connection, transfer_ids: Iterable[int]) -> dict[int, Entry]:
    keys = [to_bytes(i) for i in set(transfer_ids)]
    out: dict[int, Entry] = {}
    for chunk in chunks(keys):
        for r in conn.execute(
            select(wallet_entries).where(wallet_entries.c.transfer_id.in_(chunk))
        ):
            tid = from_bytes(r.transfer_id)
            out[tid] = Entry(
                tid,
                r.kind,
                r.patient_party_id,
                r.counterparty_party_id,
                FundingSource(r.source) if r.source else None,
                r.programme_id,
                r.phone,
                r.reference,
            )
    return out


# -- mobile-money callbacks -----------------------------------------------------------


def callback(conn: Connection, trans_id: str) -> Any | None:
    return conn.execute(
        select(mobile_money_callbacks).where(mobile_money_callbacks.c.trans_id == trans_id)
    ).first()


def callbacks(conn: Connection, trans_ids: Iterable[str]) -> dict[str, Any]:
    """The stored callbacks of these transaction ids (batch path)."""
    out: dict[str, Any] = {}
    for chunk in chunks(sorted(set(trans_ids))):
        for r in conn.execute(
            select(mobile_money_callbacks).where(mobile_money_callbacks.c.trans_id.in_(chunk))
        ):
            out[r.trans_id] = r
    return out


def insert_callback(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(mobile_money_callbacks).values(**values))


def insert_callbacks(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Insert many callbacks in one executemany."""
    if rows:
        conn.execute(insert(mobile_money_callbacks), list(rows))


def count_replays(conn: Connection, trans_ids: Sequence[str]) -> None:
    """Count one more replay of each of these callbacks."""
    if trans_ids:
        bulk_execute(
            conn,
            "UPDATE mobile_money_callbacks SET replays = replays + 1 WHERE trans_id = ?",
            [(t,) for t in trans_ids],
        )


def count_replay(conn: Connection, trans_id: str) -> None:
    conn.execute(
        update(mobile_money_callbacks)
        .where(mobile_money_callbacks.c.trans_id == trans_id)
        .values(replays=mobile_money_callbacks.c.replays + 1)
    )


# -- payout runs ----------------------------------------------------------------------


def payout_run(conn: Connection, run_id: str) -> tuple[Any, list[Any]] | None:
    run = conn.execute(select(payout_runs).where(payout_runs.c.run_id == run_id)).first()
    if run is None:
        return None
    lines = conn.execute(
        select(payout_lines)
        .where(payout_lines.c.run_id == run_id)
        .order_by(payout_lines.c.provider_party_id, payout_lines.c.ledger)
    ).all()
    return run, list(lines)


def insert_payout_run(
    conn: Connection, run_id: str, lines: Sequence[dict[str, Any]], now: int
) -> None:
    conn.execute(insert(payout_runs).values(run_id=run_id, status="planned", started_at=now))
    if lines:
        conn.execute(insert(payout_lines), [{"run_id": run_id, **x} for x in lines])


def finish_payout_run(conn: Connection, run_id: str, results: dict[bytes, str], now: int) -> None:
    for transfer_key, result in results.items():
        conn.execute(
            update(payout_lines)
            .where(
                and_(payout_lines.c.run_id == run_id, payout_lines.c.transfer_id == transfer_key)
            )
            .values(result=result)
        )
    conn.execute(
        update(payout_runs)
        .where(payout_runs.c.run_id == run_id)
        .values(status="done", finished_at=now)
    )


def payout_lines_of(conn: Connection, provider_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(payout_lines, payout_runs.c.finished_at)
            .join(payout_runs, payout_runs.c.run_id == payout_lines.c.run_id)
            .where(payout_lines.c.provider_party_id == provider_id)
            .order_by(payout_runs.c.started_at)
        )
    )
