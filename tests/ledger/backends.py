"""Two ways to drive the ledger under test, with one interface for the stateful test.

``StoreBackend`` is the real ``Ledger`` over a store (SQLite or PostgreSQL), write pipeline,
journal and all. ``MachineBackend`` drives the pure state machine
(``thamani.ledger.machine.decide_transfers`` and ``thamani.ledger.opening.decide_accounts``)
with a few dictionaries standing in for the store, so many more examples run per second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, text

from thamani.clock import ManualClock
from thamani.config import Settings
from thamani.ledger.keys import Signer
from thamani.ledger.machine import AccountState, decide_transfers
from thamani.ledger.opening import decide_accounts
from thamani.ledger.records import (
    BATCH_MAX,
    Account,
    PendingStatus,
    PendingTransfer,
    Transfer,
    TransferFlags,
)
from thamani.ledger.results import AccountResult, TransferResult
from thamani.ledger.service import Ledger
from thamani.ledger.verify import verify

Balances = tuple[int, int, int, int, int]
"""debits pending, debits posted, credits pending, credits posted, flags."""

_RESOLVE = int(TransferFlags.POST_PENDING_TRANSFER | TransferFlags.VOID_PENDING_TRANSFER)

#: The ledger's tables, children first, emptied between examples.
LEDGER_TABLES = (
    "postings",
    "journal",
    "pending",
    "checkpoints",
    "ledger_head",
    "accounts",
    "ledgers",
)


@dataclass(frozen=True, slots=True)
class Owner:
    """A caller who may see, debit and open only the accounts it owns or sponsors."""

    party_id: int

    def may_see(self, owner: int | None, sponsor: int | None) -> bool:
        return self.party_id in (owner, sponsor)

    def may_debit(self, owner: int | None, sponsor: int | None) -> bool:
        return self.party_id in (owner, sponsor)

    def may_open(self, owner: int | None, sponsor: int | None) -> bool:
        return True


class Backend(Protocol):
    def create_ledger(self, number: int, currency: str, name: str) -> None: ...

    def create_accounts(self, accounts: Sequence[Account]) -> list[AccountResult]: ...

    def create_transfers(
        self, transfers: Sequence[Transfer], party: int | None
    ) -> list[TransferResult]: ...

    def expire(self) -> int: ...

    def balances(self, ids: Sequence[int]) -> dict[int, Balances]: ...

    def stored(self, ids: Sequence[int]) -> dict[int, Transfer]: ...

    def pending_status(self, ids: Sequence[int]) -> dict[int, PendingStatus]: ...

    def totals(self) -> dict[int, tuple[int, int]]: ...


def empty_ledger_tables(engine: Engine) -> None:
    with engine.begin() as conn:
        for table in LEDGER_TABLES:
            conn.execute(text(f"DELETE FROM {table}"))


class StoreBackend:
    """The real ledger on a store, emptied first; a new ``Ledger`` (so a new writer)."""

    def __init__(self, engine: Engine, settings: Settings, signer: Signer, clock: ManualClock):
        empty_ledger_tables(engine)
        self.engine = engine
        self.signer = signer
        self.ledger = Ledger(engine, settings, signer, clock)

    def create_ledger(self, number: int, currency: str, name: str) -> None:
        self.ledger.create_ledger(number, currency, name)

    def create_accounts(self, accounts: Sequence[Account]) -> list[AccountResult]:
        return self.ledger.create_accounts(accounts)

    def create_transfers(
        self, transfers: Sequence[Transfer], party: int | None
    ) -> list[TransferResult]:
        return self.ledger.create_transfers(transfers, None if party is None else Owner(party))

    def expire(self) -> int:
        return self.ledger.expire()

    def balances(self, ids: Sequence[int]) -> dict[int, Balances]:
        return {
            a.id: (a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted, a.flags)
            for a in self.ledger.accounts(ids)
        }

    def stored(self, ids: Sequence[int]) -> dict[int, Transfer]:
        return {t.id: t for t in self.ledger.transfers(ids)}

    def pending_status(self, ids: Sequence[int]) -> dict[int, PendingStatus]:
        out = {}
        for i in ids:
            status = self.ledger.pending_status(i)
            if status is not None:
                out[i] = status
        return out

    def totals(self) -> dict[int, tuple[int, int]]:
        return {i.ledger: (i.posted_total, i.pending_total) for i in self.ledger.ledgers()}

    def verify(self) -> list[str]:
        report = verify(self.engine, {self.signer.public_key})
        return [f"{p.code}: {p.message}" for p in report.problems]


class MachineBackend:
    """The pure state machine, with dictionaries for the store."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.ledgers: set[int] = set()
        self.states: dict[int, AccountState] = {}
        self.accounts: dict[int, Account] = {}
        self.transfers: dict[int, Transfer] = {}
        self.pendings: dict[int, PendingTransfer] = {}
        self.totals_: dict[int, tuple[int, int]] = {}
        self.timestamp = 0
        self.seq = 1
        self.no = 1

    def create_ledger(self, number: int, currency: str, name: str) -> None:
        self.ledgers.add(number)
        self.totals_[number] = (0, 0)

    def create_accounts(self, accounts: Sequence[Account]) -> list[AccountResult]:
        ids = [a.id for a in accounts]
        existing = {i: self.states[i] for i in ids if i in self.states}
        user_data = {
            i: (self.accounts[i].user_data_128, self.accounts[i].user_data_64,
                self.accounts[i].user_data_32)
            for i in existing
        }  # fmt: skip
        batch = decide_accounts(
            accounts,
            existing=existing,
            existing_user_data=user_data,
            ledgers=self.ledgers,
            now=self.clock.now_ns(),
            last_timestamp=self.timestamp,
            next_seq=self.seq,
            next_no=self.no,
        )
        for o in batch.opened:
            a = o.account
            self.accounts[a.id] = a
            self.states[a.id] = AccountState(
                o.no, a.id, a.ledger, a.code, a.flags,
                owner=a.owner_party_id, sponsor=a.sponsor_party_id,
            )  # fmt: skip
        self.timestamp, self.seq, self.no = batch.last_timestamp, batch.next_seq, batch.next_no
        return batch.results

    def create_transfers(
        self, transfers: Sequence[Transfer], party: int | None
    ) -> list[TransferResult]:
        assert len(transfers) <= BATCH_MAX
        now = self.clock.now_ns()
        named = {t.pending_id for t in transfers if t.flags & _RESOLVE and t.pending_id}
        due = sorted(
            (
                p
                for p in self.pendings.values()
                if p.status is PendingStatus.PENDING and p.expires_at and p.expires_at <= now
            ),
            key=lambda p: p.expires_at,
        )
        may_debit = None
        if party is not None:
            owner = Owner(party)

            def may_debit(a: AccountState) -> bool:
                return owner.may_debit(a.owner, a.sponsor)

        batch = decide_transfers(
            transfers,
            accounts=self.states,
            existing={
                i: self.transfers[i]
                for i in {t.id for t in transfers} | set(named)
                if i in self.transfers
            },
            pendings={i: self.pendings[i] for i in named if i in self.pendings},
            due=due,
            now=now,
            last_timestamp=self.timestamp,
            next_seq=self.seq,
            may_debit=may_debit,
        )
        for t in batch.created:
            assert t.id not in self.transfers, "a transfer id was recorded twice"
            self.transfers[t.id] = t
        self.pendings.update(batch.pendings)
        for ledger, (posted, pending) in batch.ledger_deltas().items():
            p0, q0 = self.totals_[ledger]
            self.totals_[ledger] = (p0 + posted, q0 + pending)
        self.timestamp, self.seq = batch.last_timestamp, batch.next_seq
        return batch.results

    def expire(self) -> int:
        def expired() -> int:
            return sum(1 for p in self.pendings.values() if p.status is PendingStatus.EXPIRED)

        before = expired()
        self.create_transfers((), None)
        return expired() - before

    def balances(self, ids: Sequence[int]) -> dict[int, Balances]:
        return {
            i: (*self.states[i].balances(), self.states[i].flags) for i in ids if i in self.states
        }

    def stored(self, ids: Sequence[int]) -> dict[int, Transfer]:
        return {i: self.transfers[i] for i in ids if i in self.transfers}

    def pending_status(self, ids: Sequence[int]) -> dict[int, PendingStatus]:
        return {i: self.pendings[i].status for i in ids if i in self.pendings}

    def totals(self) -> dict[int, tuple[int, int]]:
        return dict(self.totals_)
