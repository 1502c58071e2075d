"""The ledger's write path: decide in memory, then commit in order.

A batch goes through two stages. **Decide** (one batch at a time, under a lock): the state
machine decides the batch against the account states held in memory, which already
include every batch decided before it, and the journal rows and their hash chain are
computed. **Commit** (strictly in the order batches were decided): one transaction checks
that the stored head is exactly where the batch expects it, appends the rows, writes the
balances, signs the new head and commits; the caller gets its results only then.

While one batch commits (SQLite and the disk work without holding Python's interpreter
lock), the next batch is decided on the other core. If a commit fails, or another process
wrote to the store, every batch decided after it is decided again from the store: the
memory is dropped (an *epoch* ends) and nothing uncommitted is ever reported.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from thamani.clock import Clock
from thamani.config import Settings
from thamani.db.engine import read_transaction, write_transaction
from thamani.ledger import journal as chainlib
from thamani.ledger import store
from thamani.ledger.keys import Signer
from thamani.ledger.machine import AccountState, TransferBatch, decide_transfers
from thamani.ledger.records import (
    BATCH_MAX,
    Event,
    PendingStatus,
    PendingTransfer,
    Transfer,
    TransferFlags,
)
from thamani.ledger.store import Head

_RESOLVE = int(TransferFlags.POST_PENDING_TRANSFER | TransferFlags.VOID_PENDING_TRANSFER)
_EXPIRY = int(Event.EXPIRY)
#: Account states kept in memory before the memory is emptied and filled again.
MEMORY_MAX = 2_000_000


class _Stale(Exception):
    """The batch was decided on a state that did not become the stored one."""


@dataclass(slots=True)
class _Memory:
    """What the writer knows, as of the last batch decided (committed or not).

    valid: False until read from the store, and after every failed commit.
    epoch: the pipeline epoch this memory belongs to.
    head: position, hash and timestamp after the last decided batch.
    accounts: account states, by id.
    pendings: pending transfers created or resolved by batches not yet committed.
    """

    valid: bool = False
    epoch: int = 0
    head: Head = field(default_factory=lambda: Head(0, chainlib.GENESIS, 0, 0))
    accounts: dict[int, AccountState] = field(default_factory=dict)
    pendings: dict[int, PendingTransfer] = field(default_factory=dict)

    def invalidate(self) -> None:
        self.valid = False
        self.accounts.clear()
        self.pendings.clear()


@dataclass(slots=True)
class _Decided:
    """A decided batch on its way to commit."""

    batch: TransferBatch
    rows: list[tuple[Any, ...]]
    balances: list[tuple[int, int, int, int, int, int]]
    ledger_deltas: dict[int, tuple[int, int]]
    before: Head
    after: Head
    stored_pendings: set[int]
    epoch: int
    ticket: int


class Writer:
    """Serialises every change to the ledger through the two-stage pipeline."""

    def __init__(self, engine: Engine, settings: Settings, signer: Signer, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.signer = signer
        self.clock = clock
        self._decide_lock = threading.Lock()
        self._turns = threading.Condition()
        self._next_ticket = 0
        self._turn = 0
        self._in_flight = 0
        self._epoch = 0
        self._memory = _Memory()

    # -- transfers ----------------------------------------------------------------------

    def submit(
        self,
        transfers: Sequence[Transfer],
        may_debit: Callable[[AccountState], bool] | None,
        also: Callable[[Connection, TransferBatch], None] | None = None,
    ) -> TransferBatch:
        """Decide and commit a batch. ``also`` runs inside the committing transaction,
        after the ledger's rows are written and with the batch's results, so that other
        rows (a claim and its payment) commit with the money or not at all; it runs again
        if the batch has to be decided again, and also when no transfer was recorded."""
        optimistic = True
        conflicts = 0
        while True:
            decided = self._decide(transfers, may_debit, optimistic=optimistic)
            try:
                self._commit(decided, also)
            except _Stale:
                continue
            except SQLIntegrityError:
                # An id in the batch was stored meanwhile (by an earlier submission, or by
                # a batch committed while this one was decided): decide again knowing it.
                conflicts += 1
                if conflicts > 8:
                    raise
                optimistic = False
                continue
            return decided.batch

    def _decide(
        self,
        transfers: Sequence[Transfer],
        may_debit: Callable[[AccountState], bool] | None,
        *,
        optimistic: bool,
    ) -> _Decided:
        with self._decide_lock:
            m = self._memory
            if m.epoch != self._epoch or not m.valid or len(m.accounts) > MEMORY_MAX:
                self._reload()
            now = self.clock.now_ns()
            with read_transaction(self.engine) as conn:
                pendings, due = self._pendings(conn, transfers, now)
                wanted: set[int] = set()
                for t in transfers:
                    wanted.add(t.debit_account_id)
                    wanted.add(t.credit_account_id)
                for p in (*pendings.values(), *due):
                    wanted.add(p.debit_account_id)
                    wanted.add(p.credit_account_id)
                missing = [i for i in wanted if i not in m.accounts]
                if missing:
                    m.accounts.update(store.load_account_states(conn, missing))
                existing = (
                    {} if optimistic else store.load_transfers(conn, [t.id for t in transfers])
                )
            h = m.head
            batch = decide_transfers(
                transfers,
                accounts=m.accounts,
                existing=existing,
                pendings=pendings,
                due=due,
                now=now,
                last_timestamp=h.timestamp,
                next_seq=h.seq + 1,
                may_debit=may_debit,
            )
            rows, new_hash = store.transfer_rows(batch.entries, h.hash)
            after = Head(batch.next_seq - 1, new_hash, batch.last_timestamp, h.postings_upto)
            m.head = after
            m.pendings.update(batch.pendings)
            stored = set(pendings) | {p.id for p in due}
            # Capture balances now: later batches change the same states in place.
            decided = _Decided(
                batch,
                rows,
                store.balance_rows(batch.accounts.values()),
                batch.ledger_deltas(),
                h,
                after,
                stored,
                self._epoch,
                self._next_ticket,
            )
            self._next_ticket += 1
            with self._turns:
                self._in_flight += 1
            return decided

    def _pendings(
        self, conn: Connection, transfers: Sequence[Transfer], now: int
    ) -> tuple[dict[int, PendingTransfer], list[PendingTransfer]]:
        """Pending transfers the batch names, and those due to expire, as of memory."""
        inflight = self._memory.pendings
        ids = [t.pending_id for t in transfers if t.flags & _RESOLVE and t.pending_id]
        found: dict[int, PendingTransfer] = {}
        if ids:
            from_store = [i for i in ids if i not in inflight]
            if from_store:
                found.update(store.load_pendings(conn, from_store))
            found.update({i: inflight[i] for i in ids if i in inflight})
        due = [p for p in store.due_pendings(conn, now, BATCH_MAX) if p.id not in inflight]
        due.extend(
            p
            for p in inflight.values()
            if p.status is PendingStatus.PENDING and p.expires_at and p.expires_at <= now
        )
        return found, due

    def _reload(self) -> None:
        """Start a new memory from the store once no batch is in flight."""
        with self._turns:
            while self._in_flight:
                self._turns.wait()
            epoch = self._epoch
        m = self._memory
        m.invalidate()
        with read_transaction(self.engine) as conn:
            h = store.read_head(conn)
        m.head = h if h is not None else Head(0, chainlib.GENESIS, 0, 0)
        m.epoch = epoch
        m.valid = True

    def _commit(
        self, d: _Decided, also: Callable[[Connection, TransferBatch], None] | None = None
    ) -> None:
        with self._turns:
            while self._turn != d.ticket:
                self._turns.wait()
        failed = True
        try:
            if d.epoch != self._epoch:
                raise _Stale
            if d.batch.entries or also is not None:
                with write_transaction(self.engine) as conn:
                    h = store.lock_head(conn, self.signer)
                    if (h.seq, h.hash) != (d.before.seq, d.before.hash):
                        raise _Stale  # another process wrote since this memory was read
                    if d.batch.entries:
                        self._write(conn, h, d)
                    if also is not None:
                        also(conn, d.batch)
            failed = False
        finally:
            with self._turns:
                self._turn += 1
                self._in_flight -= 1
                if failed and d.epoch == self._epoch:
                    self._epoch += 1  # everything decided after this batch is void
                if not failed:
                    for pid, p in d.batch.pendings.items():
                        if self._memory.pendings.get(pid) is p:
                            del self._memory.pendings[pid]
                self._turns.notify_all()

    def _write(self, conn: Connection, h: Head, d: _Decided) -> None:
        batch = d.batch
        store.insert_journal_rows(conn, d.rows)
        store.update_balances(conn, d.balances)
        store.add_ledger_totals(conn, d.ledger_deltas)
        if batch.pendings:
            created_seq: dict[int, int] = {}
            resolved_seq: dict[int, int] = {}
            for seq, ev, t, _ts, _dr, _cr in batch.entries:
                if ev == _EXPIRY or t.flags & _RESOLVE:
                    resolved_seq[t.pending_id] = seq
                else:
                    created_seq[t.id] = seq
            store.write_pendings(conn, batch.pendings, d.stored_pendings, created_seq, resolved_seq)
        postings_upto = h.postings_upto
        last = d.after.seq
        if last - postings_upto >= self.settings.statement_index_lag:
            store.compact_postings(conn, postings_upto, last)
            postings_upto = last
        self.finish(conn, h, Head(last, d.after.hash, d.after.timestamp, postings_upto))

    def finish(self, conn: Connection, old: Head, new: Head) -> None:
        """Sign and store the new head, and a checkpoint when an interval was crossed."""
        store.write_head(conn, new, self.signer)
        interval = self.settings.checkpoint_interval
        if new.seq // interval != old.seq // interval:
            store.write_checkpoint(conn, new.seq, new.hash, new.timestamp, self.signer)

    # -- everything else that writes ----------------------------------------------------

    def exclusive(self, work: Callable[[Connection, Head], Head | None]) -> Head | None:
        """Run ``work`` alone: no batch in flight, the head locked, the memory refreshed.

        ``work`` gets the connection and the stored head and returns the new head (or
        None when it changed nothing). Account opening and maintenance go through here.
        """
        with self._decide_lock:
            with self._turns:
                while self._in_flight:
                    self._turns.wait()
            try:
                with write_transaction(self.engine) as conn:
                    h = store.lock_head(conn, self.signer)
                    new = work(conn, h)
                    if new is not None and new != h:
                        self.finish(conn, h, new)
            finally:
                # Simplest correct choice: read the memory again on the next batch.
                self._memory.invalidate()
        return new
