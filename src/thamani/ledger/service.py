"""The ledger's use cases: open ledgers and accounts, move money, read, expire.

One ``Ledger`` per process and store. Writes go through the two-stage pipeline in
``thamani.ledger.pipeline``; reads are plain read transactions. Every use case that reads
or moves money on behalf of someone takes an ``AccountAccess``: accounts the caller may
not see look exactly like accounts that do not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from thamani.clock import Clock, SystemClock
from thamani.config import Settings
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Conflict, Forbidden, InvalidInput, NotFound
from thamani.ledger import store
from thamani.ledger.gate import Gate
from thamani.ledger.keys import Signer
from thamani.ledger.machine import AccountState, TransferBatch
from thamani.ledger.opening import AccountBatch, decide_accounts
from thamani.ledger.pipeline import Writer
from thamani.ledger.records import (
    BATCH_MAX,
    Account,
    PendingStatus,
    PendingTransfer,
    Transfer,
)
from thamani.ledger.results import AccountResult, TransferResult
from thamani.ledger.store import Head, LedgerInfo, StatementLine
from thamani.money import currency as lookup_currency


class AccountAccess(Protocol):
    """Who is asking, as far as accounts go. ``None`` in place of one means the system."""

    def may_see(self, owner: int | None, sponsor: int | None) -> bool: ...

    def may_debit(self, owner: int | None, sponsor: int | None) -> bool: ...

    def may_open(self, owner: int | None, sponsor: int | None) -> bool: ...


@dataclass(frozen=True, slots=True)
class Statement:
    """An account and a page of its transfers.

    account: the account now.
    lines: transfers in journal order (or newest first).
    next_cursor: pass as ``after`` for the next page; None when this page is the last.
    """

    account: Account
    lines: list[StatementLine]
    next_cursor: int | None


class Ledger:
    """The ledger's use cases over one store."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        signer: Signer,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.settings = settings
        self.signer = signer
        self.clock: Clock = clock or SystemClock()
        self.writer = Writer(engine, settings, signer, self.clock)
        self.gate = Gate(self.writer)

    # -- ledgers ------------------------------------------------------------------------

    def create_ledger(
        self, number: int, currency: str, name: str, description: str = ""
    ) -> LedgerInfo:
        """Register a ledger (partition) with its currency; the same call twice is a no-op."""
        if not 0 < number < 2**32:
            raise InvalidInput(f"ledger number {number} must be between 1 and 2^32-1")
        cur = lookup_currency(currency)
        with write_transaction(self.engine) as conn:
            found = store.get_ledger(conn, number)
            if found is not None:
                if (found.currency, found.name) != (cur.code, name):
                    raise Conflict(
                        f"ledger {number} exists as {found.name} in {found.currency}",
                        code="ledger_exists",
                    )
                return found
            store.insert_ledger(conn, number, cur.code, name, description, self.clock.now_ns())
            info = store.get_ledger(conn, number)
            assert info is not None
            return info

    def ledgers(self) -> list[LedgerInfo]:
        with read_transaction(self.engine) as conn:
            return store.list_ledgers(conn)

    def ledger(self, number: int) -> LedgerInfo:
        with read_transaction(self.engine) as conn:
            found = store.get_ledger(conn, number)
        if found is None:
            raise NotFound(f"ledger {number} does not exist", code="ledger_not_found")
        return found

    # -- accounts -----------------------------------------------------------------------

    def create_accounts(
        self, new: Sequence[Account], access: AccountAccess | None = None
    ) -> list[AccountResult]:
        """Open accounts; one result per account, as TigerBeetle's ``create_accounts``."""
        if len(new) > BATCH_MAX:
            raise InvalidInput(
                f"a batch holds at most {BATCH_MAX} accounts, not {len(new)}",
                code="batch_too_large",
            )
        if access is not None:
            for i, a in enumerate(new):
                if not access.may_open(a.owner_party_id, a.sponsor_party_id):
                    raise Forbidden(
                        f"account {i} names an owner or sponsor you may not open accounts for",
                        where=f"/accounts/{i}",
                    )
        now = self.clock.now_ns()
        outcome: list[AccountBatch] = []

        def work(conn: Connection, h: Head) -> Head | None:
            ids = [a.id for a in new]
            existing = store.load_account_states(conn, ids)
            user_data = store.account_user_data(conn, list(existing))
            known_ledgers = {info.ledger for info in store.list_ledgers(conn)}
            batch = decide_accounts(
                new,
                existing=existing,
                existing_user_data=user_data,
                ledgers=known_ledgers,
                now=now,
                last_timestamp=h.timestamp,
                next_seq=h.seq + 1,
                next_no=store.next_account_no(conn),
            )
            outcome.append(batch)
            if not batch.opened:
                return None
            store.insert_accounts(conn, batch.opened)
            rows, new_hash = store.account_rows(batch.opened, h.hash)
            store.insert_journal_rows(conn, rows)
            return Head(batch.next_seq - 1, new_hash, batch.last_timestamp, h.postings_upto)

        try:
            self.writer.exclusive(work)
        except SQLIntegrityError:
            # The one constraint the decision does not check: owners and sponsors are
            # parties (a foreign key). The transaction was rolled back: nothing opened.
            raise InvalidInput(
                "an owner or sponsor party named in this batch does not exist",
                code="party_not_found",
                where="/accounts",
            ) from None
        return outcome[0].results

    def accounts(self, ids: Sequence[int], access: AccountAccess | None = None) -> list[Account]:
        """The accounts with these ids that the caller may see, in the order asked."""
        with read_transaction(self.engine) as conn:
            found = store.load_accounts(conn, list(ids))
        out = []
        for i in ids:
            a = found.get(i)
            if a is not None and (
                access is None or access.may_see(a.owner_party_id, a.sponsor_party_id)
            ):
                out.append(a)
        return out

    def account(self, account_id: int, access: AccountAccess | None = None) -> Account:
        """One account, or NotFound (also when it exists but belongs to someone else)."""
        found = self.accounts([account_id], access)
        if not found:
            raise NotFound(f"account {account_id} not found", code="account_not_found")
        return found[0]

    def accounts_of(
        self, party_id: int, *, ledger: int | None = None, code: int | None = None
    ) -> list[Account]:
        """Accounts a party owns or sponsors."""
        with read_transaction(self.engine) as conn:
            return store.accounts_of_party(conn, party_id, ledger=ledger, code=code)

    # -- transfers ----------------------------------------------------------------------

    def create_transfers(
        self, transfers: Sequence[Transfer], access: AccountAccess | None = None
    ) -> list[TransferResult]:
        """Apply a batch of up to 8,190 transfers atomically; one result per transfer."""
        return self.submit(transfers, access).results

    def submit(
        self,
        transfers: Sequence[Transfer],
        access: AccountAccess | None = None,
        *,
        also: Callable[[Connection, TransferBatch], None] | None = None,
    ) -> TransferBatch:
        """As ``create_transfers``, returning everything the state machine decided.

        ``also(conn, batch)`` runs inside the transaction that commits the batch (and
        runs even when no transfer was recorded): rows another room writes there commit
        together with the money, or not at all.
        """
        if len(transfers) > BATCH_MAX:
            raise InvalidInput(
                f"a batch holds at most {BATCH_MAX} transfers, not {len(transfers)}",
                code="batch_too_large",
            )
        may_debit = None
        if access is not None:
            check = access.may_debit

            def may_debit(a: AccountState) -> bool:
                return check(a.owner, a.sponsor)

        return self.writer.submit(transfers, may_debit, also)

    async def submit_async(
        self, transfers: Sequence[Transfer], access: AccountAccess | None = None
    ) -> TransferBatch:
        """As ``submit``, for callers on an asyncio event loop (the web API)."""
        if len(transfers) > BATCH_MAX:
            raise InvalidInput(
                f"a batch holds at most {BATCH_MAX} transfers, not {len(transfers)}",
                code="batch_too_large",
            )
        may_debit = None
        if access is not None:
            check = access.may_debit

            def may_debit(a: AccountState) -> bool:
                return check(a.owner, a.sponsor)

        return await self.gate.submit(transfers, may_debit)

    def close(self) -> None:
        self.gate.close()

    def expire(self) -> int:
        """Release every pending transfer whose timeout has passed; returns how many."""
        return len(self.writer.submit((), None).expired)

    # -- maintenance --------------------------------------------------------------------

    def checkpoint(self) -> int:
        """Write a signed checkpoint at the current head now; returns its position."""

        def work(conn: Connection, h: Head) -> Head | None:
            if h.seq and store.last_checkpoint_seq(conn) != h.seq:
                store.write_checkpoint(conn, h.seq, h.hash, h.timestamp, self.signer)
            return None

        self.writer.exclusive(work)
        head = self.head()
        return head.seq if head else 0

    def index_statements(self) -> int:
        """Bring the statement index fully up to date now; returns the position indexed to."""

        def work(conn: Connection, h: Head) -> Head | None:
            if h.seq > h.postings_upto:
                store.compact_postings(conn, h.postings_upto, h.seq)
                store.write_head(conn, Head(h.seq, h.hash, h.timestamp, h.seq), self.signer)
            return None

        self.writer.exclusive(work)
        head = self.head()
        return head.seq if head else 0

    # -- reading ------------------------------------------------------------------------

    def transfers(self, ids: Sequence[int], access: AccountAccess | None = None) -> list[Transfer]:
        """Stored transfers with these ids that touch an account the caller may see."""
        with read_transaction(self.engine) as conn:
            found = store.load_transfers(conn, list(ids))
            if access is not None and found:
                involved = {
                    i for t in found.values() for i in (t.debit_account_id, t.credit_account_id)
                }
                accts = store.load_accounts(conn, list(involved))
        out = []
        for i in ids:
            t = found.get(i)
            if t is None:
                continue
            if access is not None:
                visible = [
                    accts[x]
                    for x in (t.debit_account_id, t.credit_account_id)
                    if x in accts
                    and access.may_see(accts[x].owner_party_id, accts[x].sponsor_party_id)
                ]
                if not visible:
                    continue
            out.append(t)
        return out

    def pending(self, pending_id: int) -> PendingTransfer | None:
        with read_transaction(self.engine) as conn:
            return store.load_pendings(conn, [pending_id]).get(pending_id)

    def statement(
        self,
        account_id: int,
        access: AccountAccess | None = None,
        *,
        after: int = 0,
        limit: int = 100,
        newest_first: bool = False,
    ) -> Statement:
        """A page of an account's transfers; another party's account is NotFound."""
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000", where="limit")
        with read_transaction(self.engine) as conn:
            accts = store.load_accounts(conn, [account_id])
            a = accts.get(account_id)
            if a is None or (
                access is not None and not access.may_see(a.owner_party_id, a.sponsor_party_id)
            ):
                raise NotFound(f"account {account_id} not found", code="account_not_found")
            states = store.load_account_states(conn, [account_id])
            lines = store.statement(
                conn,
                states[account_id].no,
                after=after,
                limit=limit + 1,
                newest_first=newest_first,
            )
        more = len(lines) > limit
        lines = lines[:limit]
        return Statement(a, lines, lines[-1].seq if more and lines else None)

    def head(self) -> Head | None:
        with read_transaction(self.engine) as conn:
            return store.read_head(conn)

    def pending_status(self, pending_id: int) -> PendingStatus | None:
        p = self.pending(pending_id)
        return None if p is None else p.status
