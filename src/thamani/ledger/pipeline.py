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

import contextlib
import threading
from collections import deque
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
from thamani.ledger.ids import ID_MAX
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
from thamani.ledger.results import TransferResult
from thamani.ledger.store import Head

_RESOLVE = int(TransferFlags.POST_PENDING_TRANSFER | TransferFlags.VOID_PENDING_TRANSFER)
_LINKED = int(TransferFlags.LINKED)
_TRANSFER = int(Event.TRANSFER)
_EXPIRY = int(Event.EXPIRY)
#: Results an optimistic decision gives exactly as a full one would (judged before the id).
_SETTLED = frozenset(
    {
        TransferResult.OK,
        TransferResult.TIMESTAMP_MUST_BE_ZERO,
        TransferResult.RESERVED_FLAG,
        TransferResult.ID_MUST_NOT_BE_ZERO,
        TransferResult.ID_MUST_NOT_BE_INT_MAX,
    }
)
#: Most batches one group commit writes together.
_GROUP_MAX = 64
#: Account states kept in memory before the memory is emptied and filled again.
MEMORY_MAX = 2_000_000


class _Stale(Exception):
    """The batch was decided on a state that did not become the stored one."""


class _Reused(Exception):
    """A transfer refused by an optimistic decision has an id that is already stored: its
    answer must be ``exists...``, so the batch is decided again knowing stored ids."""


@dataclass(slots=True)
class _Memory:
    """What the writer knows, as of the last batch decided (committed or not).

    valid: False until read from the store, and after every failed commit.
    epoch: the pipeline epoch this memory belongs to.
    head: position, hash and timestamp after the last decided batch.
    accounts: account states, by id.
    pendings: pending transfers created or resolved by batches not yet committed.
    next_expiry: the earliest time a pending transfer expires (None: none will), so a
        batch reads the store for due expiries only when one is due.
    """

    valid: bool = False
    epoch: int = 0
    head: Head = field(default_factory=lambda: Head(0, chainlib.GENESIS, 0, 0))
    accounts: dict[int, AccountState] = field(default_factory=dict)
    pendings: dict[int, PendingTransfer] = field(default_factory=dict)
    next_expiry: int | None = None

    def invalidate(self) -> None:
        self.valid = False
        self.accounts.clear()
        self.pendings.clear()


@dataclass(slots=True)
class _Decided:
    """A decided batch on its way to commit."""

    batch: TransferBatch
    rows: list[Any]
    balances: list[tuple[int, int, int, int, int, int]]
    ledger_deltas: dict[int, tuple[int, int]]
    before: Head
    after: Head
    stored_pendings: set[int]
    epoch: int
    ticket: int
    finished: bool = False
    error: BaseException | None = None
    #: Ids refused without looking at stored ids (optimistic): checked at commit.
    unchecked: list[int] = field(default_factory=list)
    #: The submissions decided in this batch (their ``also`` runs in its commit).
    requests: list[_Request] = field(default_factory=list)

    @property
    def solo(self) -> bool:
        """Committed on its own: a submission of it writes rows of its own (``also``)."""
        return any(r.also is not None for r in self.requests)


@dataclass(slots=True, eq=False)
class _Request:
    """One caller's submission, waiting to be decided (alone or with others)."""

    transfers: Sequence[Transfer]
    may_debit: Callable[[AccountState], bool] | None
    optimistic: bool = True
    decided: _Decided | None = None
    offset: int = 0
    alone: bool = False
    """Decide it on its own: a decision it shared with others failed."""
    error: BaseException | None = None
    """Why deciding it on its own failed (raised in its caller's thread)."""
    also: Callable[[Connection, TransferBatch], None] | None = None
    """Writes the caller's own rows inside the transaction that commits its transfers."""


class Writer:
    """Serialises every change to the ledger through the two-stage pipeline."""

    def __init__(self, engine: Engine, settings: Settings, signer: Signer, clock: Clock) -> None:
        self.engine = engine
        self.settings = settings
        self.signer = signer
        self.clock = clock
        self._decide_lock = threading.Lock()
        self._queue_lock = threading.Lock()
        self._queue: deque[_Request] = deque()
        self._turns = threading.Condition()
        self._next_ticket = 0
        self._turn = 0
        self._in_flight = 0
        self._epoch = 0
        self._committing = False
        self._waiting: dict[int, _Decided] = {}
        self._memory = _Memory()

    # -- transfers ----------------------------------------------------------------------

    def submit(
        self,
        transfers: Sequence[Transfer],
        may_debit: Callable[[AccountState], bool] | None,
        also: Callable[[Connection, TransferBatch], None] | None = None,
    ) -> TransferBatch:
        """Decide and commit one caller's batch; returns once it is durable.

        Submissions that arrive while another is being decided are decided together, as
        one batch (each keeps its own results and its own permissions), and committed
        together: many small requests cost one decision and one disk sync.

        ``also(conn, batch)`` runs inside the transaction that commits the batch, after the
        ledger's rows are written and with the batch's results, so that other rows (a
        claim and its payment) commit with the money or not at all. Such a submission is
        decided and committed on its own; ``also`` runs again if the batch has to be
        decided again, and runs also when no transfer was recorded.
        """
        outcome = self.submit_many([(transfers, may_debit)], also)[0]
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def submit_many(
        self,
        submissions: Sequence[tuple[Sequence[Transfer], Callable[[AccountState], bool] | None]],
        also: Callable[[Connection, TransferBatch], None] | None = None,
    ) -> list[TransferBatch | BaseException]:
        """Several independent submissions at once (an async gateway's queue): each is
        decided and committed as if submitted alone, and gets its own outcome (``also``:
        see ``submit``; given with one submission only)."""
        if also is not None:
            assert len(submissions) == 1
            transfers, may_debit = submissions[0]
            try:
                return [self._submit_locked(transfers, may_debit, also)]
            except Exception as e:
                return [e]
        reqs = [_Request(t, m) for t, m in submissions]
        outcomes: list[TransferBatch | BaseException | None] = [None] * len(reqs)
        conflicts = [0] * len(reqs)
        todo = list(range(len(reqs)))
        while todo:
            with self._queue_lock:
                self._queue.extend(reqs[i] for i in todo)
            for i in todo:
                while reqs[i].decided is None and reqs[i].error is None:
                    with self._decide_lock:
                        if reqs[i].decided is None and reqs[i].error is None:
                            self._decide_queued()
            again = []
            for i in todo:
                req = reqs[i]
                if req.error is not None:
                    outcomes[i] = req.error
                    continue
                d = req.decided
                assert d is not None
                try:
                    self._commit(d)
                except _Stale:
                    req.decided = None
                    again.append(i)
                except (SQLIntegrityError, _Reused) as e:
                    # An id was stored meanwhile (by an earlier submission, or a batch
                    # committed while this one was decided): decide again knowing it.
                    conflicts[i] += 1
                    req.decided = None
                    req.optimistic = False
                    if conflicts[i] > 8:
                        outcomes[i] = e
                    else:
                        again.append(i)
                except Exception as e:
                    outcomes[i] = e
                else:
                    outcomes[i] = _part(d.batch, req)
            todo = again
        for r in reqs:
            # A decided batch and its submissions refer to each other: unlink them, so
            # that reference counting frees them (and whatever ``also`` holds) at once
            # rather than the cyclic collector, later.
            r.decided = None
        return [o if o is not None else RuntimeError("not decided") for o in outcomes]

    def _submit_locked(
        self,
        transfers: Sequence[Transfer],
        may_debit: Callable[[AccountState], bool] | None,
        also: Callable[[Connection, TransferBatch], None],
    ) -> TransferBatch:
        """A submission that writes rows of its own (``also``): decided and committed
        inside one write transaction, after every batch in flight.

        Deciding under the store's write lock means another process's commit can never
        make the decision stale (which would have it decided, and ``also`` run, again):
        when the stored head is not where the memory is, the memory is read afresh
        first. The decision itself is a small part of such a submission's work.
        """
        optimistic = True
        while True:
            with self._decide_lock:
                self._drain()
                m = self._memory
                try:
                    with write_transaction(self.engine) as conn:
                        h = store.lock_head(conn, self.signer)
                        if (
                            m.epoch != self._epoch
                            or not m.valid
                            or (m.head.seq, m.head.hash) != (h.seq, h.hash)
                        ):
                            m.invalidate()
                            m.head = h
                            m.next_expiry = store.next_expiry_after(conn, 0)
                            m.epoch = self._epoch
                            m.valid = True
                        else:
                            m.head = h
                        d = self._decide_batch(transfers, may_debit, None, optimistic=optimistic)
                        if d.unchecked:
                            _check_refused_ids(conn, [d], d.unchecked)
                        if d.batch.entries:
                            self._write(conn, h, [d])
                        also(conn, d.batch)
                except (SQLIntegrityError, _Reused):
                    m.invalidate()
                    if not optimistic:
                        raise
                    # A transfer id is stored already: decide again knowing the stored ids.
                    optimistic = False
                    continue
                except BaseException:
                    m.invalidate()
                    raise
                for pid, p in d.batch.pendings.items():
                    if m.pendings.get(pid) is p:
                        del m.pendings[pid]
                return d.batch

    def _decide_queued(self) -> None:
        """Decide every queued submission that fits in one batch (the caller holds the
        decide lock)."""
        take: list[_Request] = []
        total = 0
        with self._queue_lock:
            while self._queue:
                r = self._queue[0]
                n = len(r.transfers)
                if take and (
                    total + n > BATCH_MAX
                    or r.optimistic != take[0].optimistic
                    or r.alone
                    or take[0].alone
                ):
                    break
                take.append(self._queue.popleft())
                total += n
                if n and r.transfers[-1].flags & _LINKED:
                    break  # an open chain must end its batch, not swallow the next caller's
        if not take:
            return
        if len(take) == 1:
            combined: Sequence[Transfer] = take[0].transfers
            permissions = None
            single = take[0].may_debit
        else:
            combined = [t for r in take for t in r.transfers]
            single = None
            if all(r.may_debit is None for r in take):
                permissions = None
            else:
                permissions = [r.may_debit for r in take for _ in r.transfers]
        try:
            decided = self._decide(combined, single, permissions, optimistic=take[0].optimistic)
        except BaseException as e:
            if len(take) == 1:
                take[0].error = e  # its own caller raises it
                return
            # One submission of the group holds a value no record can hold: decide each
            # alone, so that only its caller gets the error (the memory was reset).
            with self._queue_lock:
                for r in reversed(take):
                    r.alone = True
                    self._queue.appendleft(r)
            return
        offset = 0
        decided.requests = list(take)
        for r in take:
            r.offset = offset
            offset += len(r.transfers)
            r.decided = decided

    def _decide(
        self,
        transfers: Sequence[Transfer],
        may_debit: Callable[[AccountState], bool] | None,
        permissions: Sequence[Callable[[AccountState], bool] | None] | None,
        *,
        optimistic: bool,
    ) -> _Decided:
        """Decide a batch and put it in line to commit."""
        decided = self._decide_batch(transfers, may_debit, permissions, optimistic=optimistic)
        decided.ticket = self._next_ticket
        self._next_ticket += 1
        with self._turns:
            self._in_flight += 1
            self._waiting[decided.ticket] = decided
        return decided

    def _decide_batch(
        self,
        transfers: Sequence[Transfer],
        may_debit: Callable[[AccountState], bool] | None,
        permissions: Sequence[Callable[[AccountState], bool] | None] | None,
        *,
        optimistic: bool,
    ) -> _Decided:
        """Decide a batch against the memory (the caller holds the decide lock)."""
        m = self._memory
        if not optimistic:
            # A retry after a repeated id: let every batch in flight land first, so the
            # lookup of stored ids below sees all of them (the retry then cannot collide).
            self._drain()
        if m.epoch != self._epoch or not m.valid or len(m.accounts) > MEMORY_MAX:
            self._reload()
        now = self.clock.now_ns()
        pendings, due, existing = self._load(transfers, now, optimistic=optimistic)
        h = m.head
        try:
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
                permissions=permissions,
            )
            rows, new_hash, deltas = store.transfer_rows(batch.entries, h.hash, batch.pendings)
        except BaseException:
            # The state machine changed account states in place before it failed (on a
            # value no record can hold): forget them, read them again from the store.
            m.invalidate()
            raise
        after = Head(batch.next_seq - 1, new_hash, batch.last_timestamp, h.postings_upto)
        m.head = after
        m.pendings.update(batch.pendings)
        for p in batch.pendings.values():
            if p.status is PendingStatus.PENDING and p.expires_at:
                m.next_expiry = min(m.next_expiry or p.expires_at, p.expires_at)
        stored = set(pendings) | {p.id for p in due}
        # Capture balances now: later batches change the same states in place.
        decided = _Decided(
            batch,
            rows,
            store.balance_rows(batch.accounts.values()),
            deltas,
            h,
            after,
            stored,
            self._epoch,
            -1,
        )
        if optimistic:
            decided.unchecked = [
                t.id
                for t, r in zip(transfers, batch.results, strict=True)
                if r not in _SETTLED and 0 < t.id < ID_MAX
            ]
        return decided

    def _load(
        self, transfers: Sequence[Transfer], now: int, *, optimistic: bool
    ) -> tuple[dict[int, PendingTransfer], list[PendingTransfer], dict[int, Transfer]]:
        """Bring into memory what the batch needs: the pending transfers it names, those
        due to expire, the accounts it touches and (when not optimistic) the stored
        transfers that share its ids. Reads the store only for what memory lacks."""
        m = self._memory
        inflight = m.pendings
        pending_ids = [t.pending_id for t in transfers if t.flags & _RESOLVE and t.pending_id]
        # Ids outside 1..2^128-2 cannot be stored: the state machine refuses them itself.
        from_store = [i for i in pending_ids if i not in inflight and 0 < i < ID_MAX]
        expiring = m.next_expiry is not None and m.next_expiry <= now
        wanted: set[int] = set()
        for t in transfers:
            wanted.add(t.debit_account_id)
            wanted.add(t.credit_account_id)
        wanted.discard(0)
        missing = [i for i in wanted if i not in m.accounts and 0 < i < ID_MAX]
        pendings = {i: inflight[i] for i in pending_ids if i in inflight}
        due: list[PendingTransfer] = []
        existing: dict[int, Transfer] = {}
        if not (from_store or expiring or missing or not optimistic):
            return pendings, due, existing  # everything is in memory: no read at all
        with read_transaction(self.engine) as conn:
            if from_store:
                pendings.update(store.load_pendings(conn, from_store))
                # A post or void naming a transfer that was never pending is told so.
                never = [i for i in from_store if i not in pendings]
                if never:
                    existing.update(store.load_transfers(conn, never))
            if expiring:
                due = [p for p in store.due_pendings(conn, now, BATCH_MAX) if p.id not in inflight]
                due.extend(
                    p
                    for p in inflight.values()
                    if p.status is PendingStatus.PENDING and p.expires_at and p.expires_at <= now
                )
                if len(due) < BATCH_MAX:
                    later = [
                        p.expires_at
                        for p in inflight.values()
                        if p.status is PendingStatus.PENDING and p.expires_at > now
                    ]
                    stored_next = store.next_expiry_after(conn, now)
                    if stored_next is not None:
                        later.append(stored_next)
                    m.next_expiry = min(later) if later else None
            if not optimistic:
                existing.update(
                    store.load_transfers(conn, [t.id for t in transfers if 0 < t.id < ID_MAX])
                )
            # The accounts of reservations and of stored transfers (to know whose they are).
            named: list[PendingTransfer | Transfer] = [*pendings.values(), *due]
            named.extend(existing.values())
            for x in named:
                if x.debit_account_id not in m.accounts:
                    missing.append(x.debit_account_id)
                if x.credit_account_id not in m.accounts:
                    missing.append(x.credit_account_id)
            if missing:
                m.accounts.update(store.load_account_states(conn, set(missing)))
        return pendings, due, existing

    def _drain(self) -> None:
        """Wait until every decided batch is committed or void, leading commits if need be
        (the caller holds the decide lock, so nothing new is decided meanwhile)."""
        while True:
            with self._turns:
                if not self._in_flight:
                    return
                pending = self._waiting.get(self._turn)
                if pending is None or self._committing:
                    self._turns.wait()
                    continue
            with contextlib.suppress(_Stale, SQLIntegrityError, _Reused):
                self._commit(pending)

    def _reload(self) -> None:
        """Start a new memory from the store once no batch is in flight."""
        self._drain()
        with self._turns:
            epoch = self._epoch
        m = self._memory
        m.invalidate()
        with read_transaction(self.engine) as conn:
            h = store.read_head(conn)
            m.next_expiry = store.next_expiry_after(conn, 0)
        m.head = h if h is not None else Head(0, chainlib.GENESIS, 0, 0)
        m.epoch = epoch
        m.valid = True

    def _commit(self, d: _Decided) -> None:
        """Wait until ``d`` is committed (by this thread or by another's group commit).

        Any thread waiting for a batch may lead: it takes the next batch in line and every
        batch decided after it that is waiting, writes them all in one transaction and
        commits once (one disk sync for the group), then wakes their threads. Raises
        ``_Stale`` or the store's error when ``d`` was not committed.
        """
        while True:
            with self._turns:
                while not d.finished and (self._committing or self._turn not in self._waiting):
                    self._turns.wait()
                if d.finished:
                    if d.error is not None:
                        raise d.error
                    return
                self._committing = True
                group: list[_Decided] = []
                ticket = self._turn
                while ticket in self._waiting and len(group) < _GROUP_MAX:
                    if group and (group[0].solo or self._waiting[ticket].solo):
                        break  # a batch that writes rows of its own commits alone
                    group.append(self._waiting.pop(ticket))
                    ticket += 1
            error: BaseException | None = None
            try:
                self._commit_group(group)
            except BaseException as e:  # recorded for every batch of the group
                error = e
            with self._turns:
                self._turn += len(group)
                self._in_flight -= len(group)
                self._committing = False
                for g in group:
                    g.finished = True
                    if error is None and g.epoch == self._epoch:
                        for pid, p in g.batch.pendings.items():
                            if self._memory.pendings.get(pid) is p:
                                del self._memory.pendings[pid]
                    else:
                        g.error = error if error is not None else _Stale()
                if error is not None and group[0].epoch == self._epoch:
                    self._epoch += 1  # everything decided after these batches is void
                self._turns.notify_all()

    def _commit_group(self, group: list[_Decided]) -> None:
        live = [g for g in group if g.epoch == self._epoch]
        if len(live) != len(group):
            raise _Stale
        writing = [g for g in live if g.batch.entries]
        suspects = [i for g in live for i in g.unchecked]
        alsos = [(g, r) for g in live for r in g.requests if r.also is not None]
        if not writing and not suspects and not alsos:
            return
        with write_transaction(self.engine) as conn:
            h = store.lock_head(conn, self.signer)
            first = live[0]
            if (h.seq, h.hash) != (first.before.seq, first.before.hash):
                raise _Stale  # another process wrote since this memory was read
            if suspects:
                _check_refused_ids(conn, live, suspects)
            if writing:
                self._write(conn, h, writing)
            for g, r in alsos:
                assert r.also is not None
                r.also(conn, _part(g.batch, r))

    def _write(self, conn: Connection, h: Head, group: list[_Decided]) -> None:
        rows: list[Any] = []
        deltas: dict[int, tuple[int, int]] = {}
        for d in group:
            rows.extend(d.rows)
            for ledger, (posted, pend) in d.ledger_deltas.items():
                p0, q0 = deltas.get(ledger, (0, 0))
                deltas[ledger] = (p0 + posted, q0 + pend)
        if len(group) == 1:
            balances = group[0].balances
        else:
            latest: dict[int, tuple[int, int, int, int, int, int]] = {}
            for d in group:
                for b in d.balances:
                    latest[b[0]] = b  # a later batch's state of the same account wins
            balances = list(latest.values())
        store.insert_journal_rows(conn, rows)
        store.update_balances(conn, balances)
        store.add_ledger_totals(conn, {k: v for k, v in deltas.items() if v != (0, 0)})
        for d in group:
            batch = d.batch
            if not batch.pendings:
                continue
            created_seq: dict[int, int] = {}
            resolved_seq: dict[int, int] = {}
            for seq, ev, t, _ts, _dr, _cr in batch.entries:
                if ev == _EXPIRY or t.flags & _RESOLVE:
                    resolved_seq[t.pending_id] = seq
                else:
                    created_seq[t.id] = seq
            store.write_pendings(conn, batch.pendings, d.stored_pendings, created_seq, resolved_seq)
        after = group[-1].after
        postings_upto = h.postings_upto
        if after.seq - postings_upto >= self.settings.statement_index_lag:
            store.compact_postings(conn, postings_upto, after.seq)
            postings_upto = after.seq
        self.finish(conn, h, Head(after.seq, after.hash, after.timestamp, postings_upto))

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
            self._drain()
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


def _check_refused_ids(conn: Connection, group: list[_Decided], suspects: list[int]) -> None:
    """Raise ``_Reused`` when a transfer an optimistic decision refused has an id that was
    stored before its batch: in the store, or by an earlier batch of this group."""
    stored = set(store.load_transfers(conn, suspects))
    made: set[int] = set()
    for g in group:
        if any(i in stored or i in made for i in g.unchecked):
            raise _Reused
        made.update(e[2].id for e in g.batch.entries if e[1] == _TRANSFER)


def _part(batch: TransferBatch, req: _Request) -> TransferBatch:
    """What of a combined batch belongs to one submission."""
    n = len(req.transfers)
    if req.offset == 0 and n == len(batch.results):
        return batch
    ids = {t.id for t in req.transfers}
    entries = [
        e
        for e in batch.entries
        if (e[1] == _TRANSFER and e[2].id in ids) or (e[1] == _EXPIRY and req.offset == 0)
    ]
    return TransferBatch(
        batch.results[req.offset : req.offset + n],
        entries,
        batch.accounts,
        batch.before,
        batch.pendings,
        batch.last_timestamp,
        batch.next_seq,
    )
