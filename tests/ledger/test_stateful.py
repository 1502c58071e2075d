"""The ledger against an in-memory reference model, step by random step.

Hypothesis opens accounts (wallets, capped funding sources, plain ones, on two ledgers,
owned by two parties), submits batches of transfers (plain, pending with timeouts, posts
in full and for less, voids, balancing and closing transfers, linked chains, retries of
earlier ids as they were and with a field changed, duplicates inside a batch, junk that
must be refused), moves the clock and expires reservations, sometimes acting as one
party who may debit only its own accounts. After every step every reply, every balance,
every stored transfer, every reservation's state and every ledger's totals must equal the
model's, and double entry must hold per ledger. At the end of each run on a store, the
statements must list exactly the model's history for each account, and ``verify`` must
find nothing wrong.

The same rules run against the real ``Ledger`` on SQLite and PostgreSQL (a modest budget)
and against the pure state machine (a larger one).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tests.conftest import make_settings
from tests.ledger.backends import Backend, MachineBackend, StoreBackend
from tests.ledger.reference import (
    AMOUNT_MAX,
    BALANCING_CREDIT,
    BALANCING_DEBIT,
    CAPPED,
    CLOSED,
    CLOSING_CREDIT,
    CLOSING_DEBIT,
    LINKED,
    PENDING,
    POST,
    U32_MAX,
    U128_MAX,
    VOID,
    WALLET,
    Model,
)
from thamani.clock import ManualClock
from thamani.ledger.records import Account, AccountFlags, Event, Transfer
from thamani.platform import open_platform

UNKNOWN_ACCOUNT = 999_999
HISTORY = int(AccountFlags.HISTORY)
SMALL = list(range(1, 40))
AMOUNTS = st.sampled_from([*SMALL, 0, AMOUNT_MAX, AMOUNT_MAX // 2 + 1])


class LedgerRules(RuleBasedStateMachine):
    """Rules shared by every backend; ``backend`` and ``parties`` are set by a subclass."""

    def __init__(self, backend: Backend, clock: ManualClock, parties: tuple[int, int]) -> None:
        super().__init__()
        self.backend = backend
        self.clock = clock
        self.parties = parties
        self.model = Model()
        self.next_account = 1
        self.next_transfer = 1_000
        self.submitted: dict[int, Transfer] = {}
        for number, name in ((1, "kes-savings"), (2, "kes-voucher")):
            backend.create_ledger(number, "KES", name)
            self.model.ledgers.add(number)

    # -- helpers ------------------------------------------------------------------------

    def fresh_account(self) -> int:
        self.next_account += 1
        return self.next_account

    def fresh_transfer(self) -> int:
        self.next_transfer += 1
        return self.next_transfer

    def open(self, batch: list[Account]) -> None:
        now = self.clock.now_ns()
        got = self.backend.create_accounts(batch)
        want = self.model.create_accounts(batch, now)
        assert got == want, f"accounts {batch}"

    def submit(self, batch: list[Transfer], party: int | None) -> None:
        now = self.clock.now_ns()
        got = self.backend.create_transfers(batch, party)
        want = self.model.create_transfers(batch, now, None if party is None else _owned(party))
        assert got == want, f"transfers {batch} as party {party}"
        for t in batch:
            self.submitted[t.id] = t
        ids = [t.id for t in batch]
        stored = self.backend.stored(ids)
        expected = {i: self.model.transfers[i] for i in ids if i in self.model.transfers}
        assert stored == expected

    def account_ids(self) -> list[int]:
        return sorted(self.model.books)

    def ledger_of(self, account_id: int) -> int:
        book = self.model.books.get(account_id)
        return book.account.ledger if book else 1

    # -- strategies that depend on the state ----------------------------------------------

    def draw_account(self, data: st.DataObject) -> Account:
        known = self.account_ids()
        if known and data.draw(st.integers(0, 5)) == 0:
            # A retry of an account already opened, as it was or with one field changed.
            old = self.model.books[data.draw(st.sampled_from(known))].account
            again = replace(old, flags=old.flags & ~CLOSED, timestamp=0)
            change = data.draw(
                st.sampled_from(
                    ["none", "flags", "ud128", "ud64", "ud32", "ledger", "code", "owner"]
                )
            )
            return {
                "none": again,
                "flags": replace(again, flags=again.flags ^ HISTORY),
                "ud128": replace(again, user_data_128=again.user_data_128 + 1),
                "ud64": replace(again, user_data_64=again.user_data_64 + 1),
                "ud32": replace(again, user_data_32=again.user_data_32 + 1),
                "ledger": replace(again, ledger=3 - again.ledger),
                "code": replace(again, code=again.code + 1),
                "owner": replace(again, owner_party_id=None, sponsor_party_id=self.parties[1]),
            }[change]
        a = Account(
            id=self.fresh_account(),
            ledger=data.draw(st.sampled_from([1, 1, 1, 2, 2, 0, 7])),
            code=data.draw(st.sampled_from([100, 200, 300, 0])),
            flags=data.draw(
                st.sampled_from([0, 0, WALLET, WALLET, CAPPED, HISTORY, WALLET | CAPPED])
            )
            | (LINKED if data.draw(st.integers(0, 4)) == 0 else 0),
            user_data_64=data.draw(st.sampled_from([0, 0, 7])),
            owner_party_id=data.draw(st.sampled_from([None, *self.parties])),
        )
        junk = data.draw(
            st.sampled_from(["none"] * 12 + ["ts", "reserved", "closed", "id0", "idmax",
                                              "balance", "ud", "dup"])
        )  # fmt: skip
        return {
            "none": a,
            "ts": replace(a, timestamp=1),
            "reserved": replace(a, flags=a.flags | 1 << 6),
            "closed": replace(a, flags=a.flags | CLOSED),
            "id0": replace(a, id=0),
            "idmax": replace(a, id=U128_MAX),
            "balance": replace(a, credits_posted=5),
            "ud": replace(a, user_data_64=2**63),
            "dup": replace(a, id=self.next_account - 1 if self.next_account > 2 else a.id),
        }[junk]

    def draw_transfer(self, data: st.DataObject, batch: list[Transfer]) -> Transfer:
        kinds = ["plain"] * 5 + ["pending"] * 3 + ["post"] * 3 + ["void"] * 2
        kinds += ["retry", "retry", "changed", "changed", "balancing", "closing", "junk", "junk"]
        if batch:
            kinds += ["dup", "dup"]
        kind = data.draw(st.sampled_from(kinds))
        linked = LINKED if data.draw(st.integers(0, 5)) == 0 else 0
        if kind == "retry" and self.submitted:
            return self.earlier(data)
        if kind == "changed" and self.submitted:
            return self.changed(data, self.earlier(data))
        if kind == "dup" and batch:
            earlier = data.draw(st.sampled_from(batch))
            return earlier if data.draw(st.booleans()) else self.changed(data, earlier)
        if kind in ("post", "void"):
            return self.resolution(data, POST if kind == "post" else VOID, linked)
        t = self.movement(data, linked)
        if kind == "pending":
            return replace(
                t, flags=t.flags | PENDING, timeout=data.draw(st.sampled_from([0, 0, 1, 2, 5]))
            )
        if kind == "balancing":
            which = data.draw(
                st.sampled_from(
                    [BALANCING_DEBIT, BALANCING_CREDIT, BALANCING_DEBIT | BALANCING_CREDIT]
                )
            )
            also = data.draw(st.sampled_from([0, 0, PENDING]))
            return replace(
                t, flags=t.flags | which | also, amount=data.draw(st.sampled_from([0, 3, 30, 300]))
            )
        if kind == "closing":
            which = data.draw(st.sampled_from([CLOSING_DEBIT, CLOSING_CREDIT]))
            return replace(
                t, flags=t.flags | PENDING | which, timeout=data.draw(st.sampled_from([0, 2]))
            )
        if kind == "junk":
            return self.junk(data, t)
        return t

    def movement(self, data: st.DataObject, linked: int) -> Transfer:
        ledger = data.draw(st.sampled_from([1, 1, 1, 2]))
        same = [i for i in self.account_ids() if self.ledger_of(i) == ledger] or [UNKNOWN_ACCOUNT]
        anywhere = [*self.account_ids(), UNKNOWN_ACCOUNT]
        if data.draw(st.integers(0, 7)):
            dr = data.draw(st.sampled_from(same))
            others = [i for i in same if i != dr] or same
            cr = data.draw(st.sampled_from(others))
        else:
            dr = data.draw(st.sampled_from(anywhere))
            cr = data.draw(st.sampled_from(anywhere))
            ledger = data.draw(st.sampled_from([1, 2, 3, self.ledger_of(dr)]))
        return Transfer(
            id=self.fresh_transfer(),
            debit_account_id=dr,
            credit_account_id=cr,
            amount=data.draw(AMOUNTS),
            ledger=ledger,
            code=data.draw(st.sampled_from([1, 3, 5])),
            flags=linked,
            user_data_64=data.draw(st.sampled_from([0, 0, 42])),
        )

    def earlier(self, data: st.DataObject) -> Transfer:
        """A transfer submitted before, preferably one the ledger recorded."""
        recorded = sorted(i for i in self.submitted if i in self.model.transfers)
        pool = recorded if recorded and data.draw(st.integers(0, 3)) else sorted(self.submitted)
        return self.submitted[data.draw(st.sampled_from(pool))]

    def resolution(self, data: st.DataObject, kind: int, linked: int) -> Transfer:
        choices = sorted(self.model.reservations)
        targets = [*choices, *choices, *choices, *sorted(self.submitted)[:3], 77, 0]
        pid = data.draw(st.sampled_from(targets))
        r = self.model.reservations.get(pid)
        full = r.transfer.amount if r else 10
        amount = data.draw(st.sampled_from([0, 0, full, max(full - 1, 0), full // 2, full + 1]))
        t = Transfer(id=self.fresh_transfer(), amount=amount, flags=kind | linked, pending_id=pid)
        extra = data.draw(st.sampled_from(["none"] * 5 + ["accounts", "wrong_dr", "wrong_cr",
                                           "ledger", "wrong_ledger", "code", "wrong_code",
                                           "timeout", "self"]))  # fmt: skip
        p = r.transfer if r else Transfer(0, 1, 2, 0, 1, 1)
        return {
            "none": t,
            "accounts": replace(
                t, debit_account_id=p.debit_account_id, credit_account_id=p.credit_account_id
            ),
            "wrong_dr": replace(t, debit_account_id=p.credit_account_id or 5),
            "wrong_cr": replace(t, credit_account_id=p.debit_account_id or 5),
            "ledger": replace(t, ledger=p.ledger),
            "wrong_ledger": replace(t, ledger=p.ledger % 2 + 1),
            "code": replace(t, code=p.code),
            "wrong_code": replace(t, code=p.code + 1),
            "timeout": replace(t, timeout=1),
            "self": replace(t, pending_id=t.id),
        }[extra]

    def changed(self, data: st.DataObject, t: Transfer) -> Transfer:
        field = data.draw(st.sampled_from(sorted(_CHANGES)))
        return _CHANGES[field](t)

    def junk(self, data: st.DataObject, t: Transfer) -> Transfer:
        what = data.draw(st.sampled_from(sorted(_JUNK)))
        return _JUNK[what](t)

    # -- rules --------------------------------------------------------------------------

    @initialize()
    def open_the_usual_accounts(self) -> None:
        p1, p2 = self.parties
        self.open(
            [
                Account(self.fresh_account(), 1, 400, owner_party_id=p1),  # clearing
                Account(self.fresh_account(), 1, 100, WALLET, owner_party_id=p1),  # wallet
                Account(self.fresh_account(), 1, 100, WALLET, owner_party_id=p2),  # wallet
                Account(self.fresh_account(), 1, 300, CAPPED, sponsor_party_id=p2),  # capped
                Account(self.fresh_account(), 1, 200, owner_party_id=p2),  # clinic
                Account(self.fresh_account(), 2, 300, owner_party_id=p1),  # voucher fund
                Account(self.fresh_account(), 2, 100, WALLET, owner_party_id=p2),  # voucher
            ]
        )

    @rule(data=st.data(), size=st.integers(1, 3))
    def open_accounts(self, data: st.DataObject, size: int) -> None:
        self.open([self.draw_account(data) for _ in range(size)])

    @rule(data=st.data())
    def one_transfer(self, data: st.DataObject) -> None:
        self.submit([self.draw_transfer(data, [])], None)

    @rule(data=st.data(), size=st.integers(1, 7))
    def a_batch(self, data: st.DataObject, size: int) -> None:
        batch: list[Transfer] = []
        for _ in range(size):
            batch.append(self.draw_transfer(data, batch))
        party = data.draw(st.sampled_from([None, None, None, *self.parties]))
        self.submit(batch, party)

    @rule(seconds=st.sampled_from([0, 1, 1, 2, 3, 6]), ns=st.sampled_from([0, 0, 1, 3, 999]))
    def time_passes(self, seconds: int, ns: int) -> None:
        self.clock.advance(seconds, ns=ns)

    @rule()
    def reservations_expire(self) -> None:
        now = self.clock.now_ns()
        assert self.backend.expire() == self.model.expire(now)

    # -- what must always hold ----------------------------------------------------------

    @invariant()
    def books_agree_with_the_model(self) -> None:
        m = self.model
        ids = self.account_ids()
        got = self.backend.balances(ids)
        want = {i: (*b.balances(), b.flags) for i, b in m.books.items()}
        assert got == want
        folded = m.fold()
        assert {i: b.balances() for i, b in m.books.items()} == folded
        sums: dict[int, list[int]] = {n: [0, 0, 0, 0] for n in m.ledgers}
        for i, (dp, dpo, cp, cpo, _flags) in got.items():
            s = sums[m.books[i].account.ledger]
            s[0], s[1], s[2], s[3] = s[0] + dp, s[1] + dpo, s[2] + cp, s[3] + cpo
        for number, (dp, dpo, cp, cpo) in sums.items():
            assert dpo == cpo, f"ledger {number}: posted debits {dpo} != posted credits {cpo}"
            assert dp == cp, f"ledger {number}: pending debits {dp} != pending credits {cp}"
        totals = self.backend.totals()
        assert totals == {n: (s[1], s[0]) for n, s in sums.items()}
        statuses = self.backend.pending_status(sorted(m.reservations))
        assert statuses == {i: r.status for i, r in m.reservations.items()}


def _owned(party: int) -> Callable[[Account], bool]:
    return lambda a: party in (a.owner_party_id, a.sponsor_party_id)


_CHANGES: dict[str, Callable[[Transfer], Transfer]] = {
    "amount": lambda t: replace(t, amount=t.amount + 1),
    "ud128": lambda t: replace(t, user_data_128=t.user_data_128 + 1),
    "ud64": lambda t: replace(t, user_data_64=t.user_data_64 + 1),
    "ud32": lambda t: replace(t, user_data_32=t.user_data_32 + 1),
    "code": lambda t: replace(t, code=t.code + 1),
    "ledger": lambda t: replace(t, ledger=3 - t.ledger if t.ledger in (1, 2) else 1),
    "dr": lambda t: replace(t, debit_account_id=t.credit_account_id or 3),
    "cr": lambda t: replace(t, credit_account_id=t.debit_account_id or 3),
    "timeout": lambda t: replace(t, timeout=t.timeout + 1),
    "flags": lambda t: replace(t, flags=t.flags ^ PENDING),
    "pending_id": lambda t: replace(t, pending_id=t.pending_id + 1),
    "zero_ledger": lambda t: replace(t, ledger=0, code=0),
}

_JUNK: dict[str, Callable[[Transfer], Transfer]] = {
    "timestamp": lambda t: replace(t, timestamp=1),
    "reserved_flag": lambda t: replace(t, flags=t.flags | 1 << 8),
    "id_zero": lambda t: replace(t, id=0),
    "id_max": lambda t: replace(t, id=U128_MAX),
    "debit_zero": lambda t: replace(t, debit_account_id=0),
    "debit_max": lambda t: replace(t, debit_account_id=U128_MAX),
    "credit_zero": lambda t: replace(t, credit_account_id=0),
    "credit_max": lambda t: replace(t, credit_account_id=U128_MAX),
    "same_accounts": lambda t: replace(t, credit_account_id=t.debit_account_id),
    "pending_id_on_plain": lambda t: replace(t, pending_id=5),
    "timeout_on_plain": lambda t: replace(t, timeout=3),
    "closing_not_pending": lambda t: replace(t, flags=t.flags | CLOSING_DEBIT),
    "zero_amount": lambda t: replace(t, amount=0),
    "negative_amount": lambda t: replace(t, amount=-1),
    "huge_amount": lambda t: replace(t, amount=AMOUNT_MAX + 1),
    "ledger_zero": lambda t: replace(t, ledger=0),
    "code_zero": lambda t: replace(t, code=0),
    "ud128": lambda t: replace(t, user_data_128=2**128),
    "ud64": lambda t: replace(t, user_data_64=2**63),
    "ud32": lambda t: replace(t, user_data_32=2**32),
    "pending_and_post": lambda t: replace(t, flags=t.flags | PENDING | POST),
    "post_and_void": lambda t: replace(t, flags=t.flags | POST | VOID, pending_id=5),
    "balancing_post": lambda t: replace(t, flags=t.flags | POST | BALANCING_DEBIT, pending_id=5),
    "closing_void": lambda t: replace(t, flags=t.flags | VOID | CLOSING_CREDIT, pending_id=5),
    "timeout_overflow": lambda t: replace(t, flags=t.flags | PENDING, timeout=U32_MAX + 1),
    "negative_timeout": lambda t: replace(t, flags=t.flags | PENDING, timeout=-1),
    "post_zero_pending": lambda t: replace(t, flags=POST, pending_id=0),
    "post_max_pending": lambda t: replace(t, flags=POST, pending_id=U128_MAX),
}


# -- running the rules ------------------------------------------------------------------


def _run(machine: type[RuleBasedStateMachine], examples: int, steps: int) -> None:
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )


def test_the_state_machine_matches_the_model() -> None:
    """The pure core, many runs: every reply and balance as the model says."""

    class OnTheMachine(LedgerRules):
        def __init__(self) -> None:
            clock = ManualClock()
            super().__init__(MachineBackend(clock), clock, (1, 2))

    _run(OnTheMachine, examples=200, steps=40)


def test_the_ledger_on_a_store_matches_the_model(store_url: str | None, tmp_path: Path) -> None:
    """The real ledger, on SQLite and on PostgreSQL, with checkpoints and the statement
    index written every few records so that those paths run too."""
    from thamani.parties.records import PartyKind

    base = make_settings(tmp_path, store_url, checkpoint_interval=5, statement_index_lag=4)
    plat = open_platform(base, clock=ManualClock())
    try:
        p1 = plat.parties.create(PartyKind.PATIENT, "Akinyi").id
        p2 = plat.parties.create(PartyKind.PROVIDER, "Nyalenda Health Centre").id

        class OnTheStore(LedgerRules):
            def __init__(self) -> None:
                clock = ManualClock()
                self.store = StoreBackend(plat.engine, base, plat.signer, clock)
                super().__init__(self.store, clock, (p1, p2))

            def teardown(self) -> None:
                problems = self.store.verify()
                assert problems == [], problems
                self.statements_list_the_history()

            def statements_list_the_history(self) -> None:
                for account_id in self.account_ids():
                    lines = []
                    after = 0
                    while True:
                        page = self.store.ledger.statement(account_id, after=after, limit=3)
                        lines.extend((x.event, x.transfer) for x in page.lines)
                        if page.next_cursor is None:
                            break
                        after = page.next_cursor
                    want = [
                        (Event.TRANSFER if kind == "transfer" else Event.EXPIRY, t)
                        for kind, t in self.model.history
                        if account_id in (t.debit_account_id, t.credit_account_id)
                    ]
                    assert lines == want, f"statement of account {account_id}"

        _run(OnTheStore, examples=25, steps=30)
    finally:
        plat.close()
