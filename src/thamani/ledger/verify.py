"""Verify the ledger from its first record: hash chain, signatures, totals and balances.

``verify`` reads the journal in order and recomputes every record's hash from the one
before, so a record that was changed, inserted, reordered or deleted shows up at the first
place it breaks the chain. It checks that each row's searchable columns agree with the
bytes it records, folds every transfer into balances and compares them with the accounts,
the pending transfers and the ledgers' totals, and checks that the stored head and every
checkpoint are signed by a trusted key and agree with the recomputed chain. The store is
only read.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, select, text

from thamani.db.engine import read_transaction
from thamani.db.tables import accounts, checkpoints, head, ledgers, pending
from thamani.ledger import journal as chainlib
from thamani.ledger.keys import verify_signature
from thamani.ledger.records import AccountFlags, PendingStatus, TransferFlags

_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
_CLOSE_DR = int(TransferFlags.CLOSING_DEBIT)
_CLOSE_CR = int(TransferFlags.CLOSING_CREDIT)
_CLOSED = int(AccountFlags.CLOSED)
_FETCH = 50_000

Report = Callable[[str, str, "int | None"], None]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing verification found wrong.

    code: stable identifier (``hash_mismatch``, ``record_missing``, ``balance_mismatch``...).
    message: what is wrong, for people.
    seq: the journal record concerned, when there is one.
    """

    code: str
    message: str
    seq: int | None = None


@dataclass(slots=True)
class VerifyReport:
    """The outcome of a verification.

    records: journal records read.
    accounts: accounts checked.
    head_seq: position of the stored head.
    checkpoints: signed checkpoints checked.
    seconds: how long it took.
    problems: everything found wrong (up to a limit), in the order found.
    """

    records: int = 0
    accounts: int = 0
    head_seq: int = 0
    checkpoints: int = 0
    seconds: float = 0.0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first_bad_seq(self) -> int | None:
        seqs = [p.seq for p in self.problems if p.seq is not None]
        return min(seqs) if seqs else None

    @property
    def records_per_second(self) -> float:
        return self.records / self.seconds if self.seconds else 0.0


def verify(
    engine: Engine,
    trusted_keys: Collection[bytes],
    *,
    progress: Callable[[int, int], None] | None = None,
    max_problems: int = 50,
) -> VerifyReport:
    """Check the whole ledger; see the module docstring. ``progress(done, total)``."""
    started = time.perf_counter()
    with read_transaction(engine) as conn:
        report = _Verifier(conn, set(trusted_keys), progress, max_problems).run()
    report.seconds = time.perf_counter() - started
    return report


class _Verifier:
    def __init__(
        self,
        conn: Connection,
        trusted: set[bytes],
        progress: Callable[[int, int], None] | None,
        max_problems: int,
    ) -> None:
        self.conn = conn
        self.trusted = trusted
        self.progress = progress
        self.max_problems = max_problems
        self.report = VerifyReport()
        self.posted: dict[int, int] = {}
        self.pendt: dict[int, int] = {}
        self.open_pending: dict[bytes, tuple[int, int, int, int]] = {}
        self.ended: dict[bytes, int] = {}

    def problem(self, code: str, message: str, seq: int | None = None) -> None:
        if len(self.report.problems) < self.max_problems:
            self.report.problems.append(Problem(code, message, seq))

    def run(self) -> VerifyReport:
        conn = self.conn
        acct_rows = conn.execute(select(accounts)).all()
        self.report.accounts = len(acct_rows)
        self.rows_by_no = {r.no: r for r in acct_rows}
        self.key_of: dict[int, bytes] = {r.no: bytes(r.id) for r in acct_rows}
        self.ledger_of: dict[int, int] = {r.no: r.ledger for r in acct_rows}
        self.bal: dict[int, list[int]] = {r.no: [0, 0, 0, 0, r.flags & ~_CLOSED] for r in acct_rows}
        self.opened: set[int] = set()
        head_row = conn.execute(select(head).where(head.c.id == 1)).one_or_none()
        self.cps = {r.seq: r for r in conn.execute(select(checkpoints)).all()}
        self.report.checkpoints = len(self.cps)
        self.report.head_seq = head_row.seq if head_row is not None else 0
        last_seq, last_hash = self.scan()
        self.check_head(head_row, last_seq, last_hash)
        for seq in self.cps:
            self.problem(
                "checkpoint_orphan",
                f"checkpoint at {seq} names a journal record that was not found",
                seq,
            )
        self.check_balances()
        self.check_statement_index(head_row.postings_upto if head_row is not None else 0)
        return self.report

    def scan(self) -> tuple[int, bytes]:
        """Walk the journal in order: chain, columns, fold. Returns the last seq and hash."""
        sha = chainlib._sha256
        unpack = chainlib.RECORD.unpack
        prev = chainlib.GENESIS
        expected = 1
        key_of = self.key_of
        cps = self.cps
        problem = self.problem
        dbapi = self.conn.connection.driver_connection
        assert dbapi is not None
        c = dbapi.cursor()
        c.execute(
            "SELECT seq, event, id, debit_no, credit_no, record, hash FROM journal ORDER BY seq"
        )
        count = 0
        total = self.report.head_seq
        while True:
            rows = c.fetchmany(_FETCH)
            if not rows:
                break
            for seq, ev, id16, dr, cr, record, stored in rows:
                record = bytes(record)
                stored = bytes(stored)
                if seq != expected:
                    gap = (
                        f"journal records {expected}..{seq - 1} are missing (deleted)"
                        if seq - 1 > expected
                        else f"journal record {expected} is missing (deleted)"
                    )
                    problem("record_missing", gap, expected)
                    expected = seq
                expected += 1
                if sha(prev + record).digest() != stored:
                    problem(
                        "hash_mismatch",
                        f"journal record {seq} does not match the hash chain: it was changed,"
                        " or a record before it was inserted, deleted or moved",
                        seq,
                    )
                prev = stored
                try:
                    f = unpack(record)
                except Exception:
                    problem("record_malformed", f"journal record {seq} cannot be decoded", seq)
                    continue
                if f[0] != ev or f[1] != seq or f[2] != bytes(id16):
                    problem(
                        "columns_mismatch",
                        f"journal record {seq}'s event, position or id columns differ from"
                        " the bytes it records",
                        seq,
                    )
                if ev == 2:
                    if f[3] != dr.to_bytes(16, "big") or dr != cr:
                        problem(
                            "columns_mismatch",
                            f"journal record {seq}'s account number differs from the bytes"
                            " it records",
                            seq,
                        )
                    self.account_opened(seq, dr, f)
                else:
                    if key_of.get(dr) != f[3] or key_of.get(cr) != f[4]:
                        problem(
                            "columns_mismatch",
                            f"journal record {seq}'s account columns do not name the accounts"
                            " its bytes record (it was redirected)",
                            seq,
                        )
                    else:
                        self.fold(seq, ev, dr, cr, f)
                cp = cps.pop(seq, None)
                if cp is not None:
                    self.check_checkpoint(cp, seq, stored)
            count += len(rows)
            if self.progress is not None:
                self.progress(count, total)
        c.close()
        self.report.records = count
        return expected - 1, prev

    def account_opened(self, seq: int, no: int, f: tuple[Any, ...]) -> None:
        r = self.rows_by_no.get(no)
        (_ev, _seq, id16, _a16, b16, sponsor, _p16, u16, ud64, ud32, _to, led, code, flags,
         ts) = f  # fmt: skip
        if r is None:
            self.problem(
                "account_missing",
                f"journal record {seq} opens an account that is not in the accounts table",
                seq,
            )
            return
        same = (
            bytes(r.id) == id16
            and r.ledger == led
            and r.code == code
            and (r.flags & ~_CLOSED) == flags
            and (r.owner_party_id or 0) == int.from_bytes(b16, "big")
            and (r.sponsor_party_id or 0) == sponsor
            and (bytes(r.user_data_128) if r.user_data_128 else chainlib.ZERO16) == u16
            and r.user_data_64 == ud64
            and r.user_data_32 == ud32
            and r.timestamp == ts
        )
        if not same:
            self.problem(
                "account_changed",
                f"account {int.from_bytes(id16, 'big')} differs from how journal record {seq}"
                " opened it (owner, ledger, code, flags or references were changed)",
                seq,
            )
        self.opened.add(no)

    def fold(self, seq: int, ev: int, dr: int, cr: int, f: tuple[Any, ...]) -> None:
        bal = self.bal
        amount = f[5]
        led = f[11]
        flags = f[13]
        b_dr = bal[dr]
        b_cr = bal[cr]
        if dr not in self.opened or cr not in self.opened:
            self.problem(
                "account_not_opened",
                f"journal record {seq} moves money on an account opened later or never",
                seq,
            )
        if self.ledger_of.get(dr) != led or self.ledger_of.get(cr) != led:
            self.problem("ledger_mismatch", f"journal record {seq} crosses ledgers", seq)
        if flags & (_POST | _VOID):
            key = f[6]
            p = self.open_pending.pop(key, None)
            if p is None:
                self.problem(
                    "pending_unknown",
                    f"journal record {seq} resolves a pending transfer that is not open",
                    seq,
                )
                return
            p_amount, p_dr, p_cr, p_flags = p
            bal[p_dr][0] -= p_amount
            bal[p_cr][2] -= p_amount
            self.pendt[led] = self.pendt.get(led, 0) - p_amount
            if ev == 0 and flags & _POST:
                b_dr[1] += amount
                b_cr[3] += amount
                self.posted[led] = self.posted.get(led, 0) + amount
                self.ended[key] = int(PendingStatus.POSTED)
            else:
                if p_flags & _CLOSE_DR:
                    bal[p_dr][4] &= ~_CLOSED
                if p_flags & _CLOSE_CR:
                    bal[p_cr][4] &= ~_CLOSED
                self.ended[key] = int(PendingStatus.EXPIRED if ev == 1 else PendingStatus.VOIDED)
        elif flags & _PENDING:
            b_dr[0] += amount
            b_cr[2] += amount
            self.pendt[led] = self.pendt.get(led, 0) + amount
            self.open_pending[f[2]] = (amount, dr, cr, flags)
            if flags & _CLOSE_DR:
                b_dr[4] |= _CLOSED
            if flags & _CLOSE_CR:
                b_cr[4] |= _CLOSED
        else:
            b_dr[1] += amount
            b_cr[3] += amount
            self.posted[led] = self.posted.get(led, 0) + amount

    def check_checkpoint(self, r: Any, seq: int, chain_hash: bytes) -> None:
        if bytes(r.hash) != chain_hash:
            self.problem(
                "checkpoint_mismatch",
                f"the chain at record {seq} differs from the signed checkpoint there: records"
                " up to it were rewritten",
                seq,
            )
        msg = chainlib.checkpoint_message(seq, bytes(r.hash), r.timestamp, r.totals)
        if bytes(r.public_key) not in self.trusted:
            self.problem(
                "untrusted_key", f"checkpoint {seq} is signed with a key that is not trusted", seq
            )
        elif not verify_signature(bytes(r.public_key), bytes(r.signature), msg):
            self.problem("bad_signature", f"checkpoint {seq}'s signature is not valid", seq)
        totals = json.loads(r.totals)
        for led, (p, q) in totals.items():
            mine = (self.posted.get(int(led), 0), self.pendt.get(int(led), 0))
            if mine != (p, q):
                self.problem(
                    "checkpoint_totals",
                    f"checkpoint {seq} totals for ledger {led} ({p}, {q}) differ from the"
                    f" transfers up to it {mine}",
                    seq,
                )

    def check_head(self, head_row: Any, last_seq: int, last_hash: bytes) -> None:
        if head_row is None:
            if last_seq:
                self.problem("head_missing", "the journal has records but no signed head")
            return
        if head_row.seq > last_seq:
            self.problem(
                "record_missing",
                f"journal records {last_seq + 1}..{head_row.seq} are missing (deleted);"
                f" the signed head is at {head_row.seq}",
                last_seq + 1,
            )
        elif head_row.seq < last_seq:
            self.problem(
                "record_inserted",
                f"journal records {head_row.seq + 1}..{last_seq} were added after the signed head",
                head_row.seq + 1,
            )
        elif bytes(head_row.hash) != last_hash:
            self.problem(
                "head_mismatch", "the signed head's hash differs from the recomputed chain"
            )
        msg = chainlib.head_message(head_row.seq, bytes(head_row.hash), head_row.timestamp)
        if bytes(head_row.public_key) not in self.trusted:
            self.problem("untrusted_key", "the head is signed with a key that is not trusted")
        elif not verify_signature(bytes(head_row.public_key), bytes(head_row.signature), msg):
            self.problem("bad_signature", "the head's signature is not valid")

    def check_statement_index(self, upto: int) -> None:
        """The per-account statement index holds exactly two entries (debit and credit
        side) for every transfer and expiry up to the position it was brought to."""
        expected = self.conn.execute(
            text("SELECT count(*) FROM journal WHERE event IN (0, 1) AND seq <= :u"), {"u": upto}
        ).scalar_one()
        actual = self.conn.execute(text("SELECT count(*) FROM postings")).scalar_one()
        wrong = self.conn.execute(
            text(
                "SELECT min(p.seq) FROM postings p LEFT JOIN journal j ON j.seq = p.seq"
                " WHERE j.seq IS NULL OR j.event NOT IN (0, 1) OR p.seq > :u"
                " OR (p.account_no <> j.debit_no AND p.account_no <> j.credit_no)"
            ),
            {"u": upto},
        ).scalar_one()
        if wrong is not None:
            self.problem(
                "index_mismatch",
                f"the statement index names record {wrong} for an account it does not touch",
                int(wrong),
            )
        elif actual != 2 * expected:
            self.problem(
                "index_mismatch",
                f"the statement index holds {actual} entries; the journal up to {upto}"
                f" calls for {2 * expected}",
            )

    def check_balances(self) -> None:
        for no, r in self.rows_by_no.items():
            name = int.from_bytes(bytes(r.id), "big")
            if no not in self.opened:
                self.problem(
                    "account_not_opened", f"account {name} has no opening record in the journal"
                )
                continue
            b = self.bal[no]
            stored = [r.debits_pending, r.debits_posted, r.credits_pending, r.credits_posted]
            if b[:4] != stored:
                self.problem(
                    "balance_mismatch",
                    f"account {name} has balances {stored} but its transfers add up to {b[:4]}",
                )
            if (r.flags & _CLOSED) != (b[4] & _CLOSED):
                self.problem(
                    "flags_mismatch", f"account {name}'s closed flag differs from its transfers"
                )
        for lr in self.conn.execute(
            select(ledgers.c.ledger, ledgers.c.posted_total, ledgers.c.pending_total)
        ):
            mine = (self.posted.get(lr.ledger, 0), self.pendt.get(lr.ledger, 0))
            if (int(lr.posted_total), int(lr.pending_total)) != mine:
                self.problem(
                    "totals_mismatch",
                    f"ledger {lr.ledger} totals ({lr.posted_total} posted, {lr.pending_total}"
                    f" pending) differ from its transfers {mine}",
                )
        for pr in self.conn.execute(select(pending.c.id, pending.c.status)):
            pid = bytes(pr.id)
            want = int(PendingStatus.PENDING) if pid in self.open_pending else self.ended.get(pid)
            if want != pr.status:
                self.problem(
                    "pending_mismatch",
                    f"pending transfer {int.from_bytes(pid, 'big')} is stored as status"
                    f" {pr.status} but its transfers say {want}",
                )
