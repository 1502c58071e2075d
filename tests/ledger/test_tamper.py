"""Tampering with the stored ledger, row by row, and ``verify`` naming what was touched.

One small set of books per store (accounts opened, top-ups, a reservation posted for
less, one voided, one expired, payments; a signed checkpoint every four records). Each
test changes the store with plain SQL as someone with database access but without the
signing key would, checks that ``verify`` is not ok and names the right record (and, for
a few, that ``thamani ledger verify`` exits non-zero and prints it), then puts every row
back and checks that the books verify again.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, create_engine, delete, insert, select, text, update

from tests.cli.invoke import run_cli, store_options
from tests.conftest import PG_URL, make_settings, postgres_available
from thamani.clock import ManualClock
from thamani.config import Settings
from thamani.db.tables import accounts, checkpoints, head, journal, ledgers, pending, postings
from thamani.ledger import journal as chainlib
from thamani.ledger.records import Account, AccountFlags, Event, Transfer, TransferFlags
from thamani.ledger.verify import VerifyReport
from thamani.parties.records import PartyKind
from thamani.platform import Platform, open_platform

PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING_TRANSFER)
VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
WALLET = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
TABLES = (postings, journal, pending, checkpoints, head, accounts, ledgers)  # children first
AMOUNT = 5  # position of the amount in a journal record


@dataclass
class Books:
    """A store with a known history: ``seq[id]`` is where each transfer sits."""

    platform: Platform
    settings: Settings
    seq: dict[int, int]
    last: int
    checkpoint_seqs: list[int]

    @property
    def engine(self) -> Engine:
        return self.platform.engine

    def verify(self) -> VerifyReport:
        return self.platform.verify_ledger()


def tell_the_story(p: Platform, clock: ManualClock) -> None:
    patient = p.parties.create(PartyKind.PATIENT, "Wanjiru Kamau")
    clinic = p.parties.create(PartyKind.PROVIDER, "Nyalenda Health Centre")
    p.ledger.create_ledger(1, "KES", "kes-savings")
    p.ledger.create_accounts(
        [
            Account(1, 1, 400),
            Account(2, 1, 100, WALLET, owner_party_id=patient.id),
            Account(3, 1, 200, owner_party_id=clinic.id),
            Account(4, 1, 100, WALLET, owner_party_id=patient.id),
            Account(5, 1, 300),
        ]
    )
    for t in (
        Transfer(10, 1, 2, 1000, 1, 1),
        Transfer(11, 1, 4, 500, 1, 1),
        Transfer(20, 2, 3, 300, 1, 5, PENDING),
        Transfer(21, amount=250, flags=POST, pending_id=20),
        Transfer(22, 4, 3, 100, 1, 5, PENDING, timeout=5),
        Transfer(23, 2, 3, 50, 1, 5, PENDING),
        Transfer(24, flags=VOID, pending_id=23),
    ):
        assert [r.value for r in p.ledger.create_transfers([t])] == ["ok"]
    clock.advance(10)
    assert p.ledger.expire() == 1
    for i in range(6):
        assert [r.value for r in p.ledger.create_transfers([Transfer(30 + i, 2, 3, 10, 1, 3)])] == [
            "ok"
        ]


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def books(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Books]:
    tmp = tmp_path_factory.mktemp("tamper")
    schema = None
    url = None
    if request.param == "postgres":
        reason = postgres_available()
        if reason:
            pytest.skip(reason)
        schema = "t_" + uuid.uuid4().hex[:12]
        admin = create_engine(PG_URL)
        with admin.begin() as c:
            c.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    settings = make_settings(tmp, url, checkpoint_interval=4)
    clock = ManualClock()
    plat = open_platform(settings, clock=clock)
    try:
        tell_the_story(plat, clock)
        with plat.engine.connect() as c:
            rows = c.execute(select(journal.c.seq, journal.c.id, journal.c.event)).all()
            cps = sorted(c.execute(select(checkpoints.c.seq)).scalars())
        seq = {int.from_bytes(r.id, "big"): r.seq for r in rows if r.event == int(Event.TRANSFER)}
        seq.update(
            {-int.from_bytes(r.id, "big"): r.seq for r in rows if r.event == int(Event.EXPIRY)}
        )
        seq.update(
            {
                1000 + int.from_bytes(r.id, "big"): r.seq
                for r in rows
                if r.event == int(Event.ACCOUNT)
            }
        )
        report = plat.verify_ledger()
        assert report.ok, report.problems
        yield Books(plat, settings, seq, max(r.seq for r in rows), cps)
    finally:
        plat.close()
        if schema:
            admin = create_engine(PG_URL)
            with admin.begin() as c:
                c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
            admin.dispose()


@pytest.fixture
def store(books: Books) -> Iterator[Books]:
    """The books, put back exactly as they were after the test has tampered with them."""
    with books.engine.connect() as c:
        saved = {t.name: [r._asdict() for r in c.execute(select(t))] for t in TABLES}
    try:
        yield books
    finally:
        with books.engine.begin() as c:
            for t in TABLES:
                c.execute(delete(t))
            for t in reversed(TABLES):
                if saved[t.name]:
                    c.execute(insert(t), saved[t.name])
        report = books.verify()
        assert report.ok, f"the books were not put back: {report.problems}"


# -- helpers ------------------------------------------------------------------------------


def row(b: Books, seq: int) -> Any:
    with b.engine.connect() as c:
        return c.execute(select(journal).where(journal.c.seq == seq)).one()


def set_row(b: Books, seq: int, **values: Any) -> None:
    with b.engine.begin() as c:
        c.execute(update(journal).where(journal.c.seq == seq).values(**values))


def with_amount(record: bytes, amount: int) -> bytes:
    fields = list(chainlib.RECORD.unpack(record))
    fields[AMOUNT] = amount
    return chainlib.RECORD.pack(*fields)


def rechain_from(b: Books, seq: int) -> bytes:
    """Recompute every hash from ``seq`` on, as a forger without the key can; returns the
    new last hash."""
    with b.engine.begin() as c:
        rows = c.execute(
            select(journal.c.seq, journal.c.record, journal.c.hash).order_by(journal.c.seq)
        ).all()
        prev = chainlib.GENESIS
        for r in rows:
            if r.seq >= seq:
                new = hashlib.sha256(prev + bytes(r.record)).digest()
                c.execute(update(journal).where(journal.c.seq == r.seq).values(hash=new))
                prev = new
            else:
                prev = bytes(r.hash)
    return prev


def codes(report: VerifyReport) -> list[str]:
    return [p.code for p in report.problems]


def assert_caught(b: Books, first_bad: int | None, *expected_codes: str) -> VerifyReport:
    report = b.verify()
    assert not report.ok
    assert report.first_bad_seq == first_bad, report.problems
    for code in expected_codes:
        assert code in codes(report), report.problems
    return report


# -- the journal --------------------------------------------------------------------------


def test_a_changed_amount_in_a_record_is_found_there(store: Books) -> None:
    seq = store.seq[31]
    r = row(store, seq)
    set_row(store, seq, record=with_amount(bytes(r.record), 1))
    report = assert_caught(store, seq, "hash_mismatch", "balance_mismatch")
    assert report.problems[0].seq == seq
    assert f"journal record {seq}" in report.problems[0].message


def test_a_changed_column_is_found_there(store: Books) -> None:
    seq = store.seq[21]
    set_row(store, seq, credit_no=row(store, seq).debit_no)
    assert_caught(store, seq, "columns_mismatch")


def test_a_changed_id_column_is_found_there(store: Books) -> None:
    seq = store.seq[10]
    set_row(store, seq, id=(99).to_bytes(16, "big"))
    assert_caught(store, seq, "columns_mismatch")


def test_a_record_deleted_in_the_middle_is_named(store: Books) -> None:
    seq = store.seq[11]
    with store.engine.begin() as c:
        c.execute(delete(journal).where(journal.c.seq == seq))
    report = assert_caught(store, seq, "record_missing", "hash_mismatch")
    assert report.problems[0].code == "record_missing"
    assert f"journal record {seq} is missing" in report.problems[0].message


def test_records_deleted_at_the_tail_are_named(store: Books) -> None:
    with store.engine.begin() as c:
        c.execute(delete(journal).where(journal.c.seq >= store.last - 1))
    report = assert_caught(store, store.last - 1, "record_missing")
    assert f"{store.last - 1}..{store.last}" in " ".join(p.message for p in report.problems)


def test_a_record_appended_after_the_signed_head_is_named(store: Books) -> None:
    last = row(store, store.last)
    forged = chainlib.RECORD.unpack(bytes(last.record))
    record = chainlib.RECORD.pack(forged[0], store.last + 1, (77).to_bytes(16, "big"), *forged[3:])
    with store.engine.begin() as c:
        c.execute(
            insert(journal).values(
                seq=store.last + 1, event=0, id=(77).to_bytes(16, "big"), debit_no=last.debit_no,
                credit_no=last.credit_no, record=record,
                hash=hashlib.sha256(bytes(last.hash) + record).digest(),
            )
        )  # fmt: skip
    assert_caught(store, store.last + 1, "record_inserted")


def test_a_record_inserted_in_the_middle_breaks_the_chain_after_it(store: Books) -> None:
    """A forged record slipped in at position k (later records moved up by one): even with
    a hash that chains correctly onto k-1, the record after it no longer does."""
    k = store.seq[30]
    before = row(store, k - 1)
    like = row(store, k)  # the forged record copies a payment, under a new id
    model = chainlib.RECORD.unpack(bytes(like.record))
    record = chainlib.RECORD.pack(model[0], k, (88).to_bytes(16, "big"), *model[3:])
    with store.engine.begin() as c:
        rows = c.execute(
            select(journal).where(journal.c.seq >= k).order_by(journal.c.seq.desc())
        ).all()
        for r in rows:  # from the end, so that no two rows share a position
            c.execute(update(journal).where(journal.c.seq == r.seq).values(seq=r.seq + 1))
        c.execute(
            insert(journal).values(
                seq=k, event=0, id=(88).to_bytes(16, "big"), debit_no=like.debit_no,
                credit_no=like.credit_no, record=record,
                hash=hashlib.sha256(bytes(before.hash) + record).digest(),
            )
        )  # fmt: skip
    report = assert_caught(store, k + 1, "hash_mismatch", "columns_mismatch")
    assert "inserted" in report.problems[0].message


def test_two_records_swapped_are_found_at_the_first(store: Books) -> None:
    a, b = store.seq[10], store.seq[21]
    ra, rb = row(store, a), row(store, b)
    fields = ("event", "id", "debit_no", "credit_no", "record", "hash")
    with store.engine.begin() as c:  # through a spare id: (id, event) is unique
        c.execute(update(journal).where(journal.c.seq == a).values(id=bytes(16)))
        c.execute(
            update(journal).where(journal.c.seq == b).values(**{f: getattr(ra, f) for f in fields})
        )
        c.execute(
            update(journal).where(journal.c.seq == a).values(**{f: getattr(rb, f) for f in fields})
        )
    assert_caught(store, a, "hash_mismatch", "columns_mismatch")


def test_an_expiry_turned_into_a_post_is_found(store: Books) -> None:
    """Changing what an expiry did (it released the money; a post would pay the clinic)."""
    seq = store.seq[-22]
    r = row(store, seq)
    fields = list(chainlib.RECORD.unpack(bytes(r.record)))
    fields[13] = POST
    set_row(store, seq, record=chainlib.RECORD.pack(*fields))
    assert_caught(store, seq, "hash_mismatch")


# -- everything the journal vouches for ---------------------------------------------------


def test_a_changed_owner_is_found_at_the_account_s_opening(store: Books) -> None:
    clinic = store.platform.parties.create(PartyKind.PROVIDER, "Somebody else")
    with store.engine.begin() as c:
        c.execute(
            update(accounts)
            .where(accounts.c.id == (2).to_bytes(16, "big"))
            .values(owner_party_id=clinic.id)
        )
    report = assert_caught(store, store.seq[1002], "account_changed")
    assert "account 2 " in report.problems[0].message


def test_a_changed_balance_names_the_account(store: Books) -> None:
    with store.engine.begin() as c:
        c.execute(
            update(accounts).where(accounts.c.id == (3).to_bytes(16, "big"))
            .values(credits_posted=accounts.c.credits_posted + 100)
        )  # fmt: skip
    report = assert_caught(store, None, "balance_mismatch")
    assert report.problems[0].message.startswith("account 3 has balances")


def test_a_changed_ledger_total_is_found(store: Books) -> None:
    with store.engine.begin() as c:
        c.execute(update(ledgers).values(posted_total="1"))
    assert_caught(store, None, "totals_mismatch")


def test_a_changed_reservation_status_is_found(store: Books) -> None:
    with store.engine.begin() as c:
        c.execute(update(pending).where(pending.c.id == (22).to_bytes(16, "big")).values(status=1))
    report = assert_caught(store, None, "pending_mismatch")
    assert "pending transfer 22 " in report.problems[0].message


def test_a_changed_head_is_caught_by_its_signature(store: Books) -> None:
    with store.engine.begin() as c:
        c.execute(update(head).values(hash=bytes(32)))
    assert_caught(store, None, "head_mismatch", "bad_signature")


def test_a_changed_checkpoint_is_caught_by_its_signature(store: Books) -> None:
    cp = store.checkpoint_seqs[1]
    with store.engine.begin() as c:
        c.execute(
            update(checkpoints)
            .where(checkpoints.c.seq == cp)
            .values(totals=json.dumps({"1": [1, 0]}))
        )
    assert_caught(store, cp, "bad_signature", "checkpoint_totals")


# -- a forger who rewrites the whole chain consistently ----------------------------------


def forge_a_payment(store: Books, new_amount: int) -> tuple[int, bytes]:
    """Lower payment 31 to ``new_amount`` and make everything else agree with it: record,
    every later hash, balances, ledger totals and the head's hash. Only the key is missing."""
    seq = store.seq[31]
    r = row(store, seq)
    old = chainlib.RECORD.unpack(bytes(r.record))[AMOUNT]
    set_row(store, seq, record=with_amount(bytes(r.record), new_amount))
    last_hash = rechain_from(store, seq)
    diff = old - new_amount
    with store.engine.begin() as c:
        c.execute(update(accounts).where(accounts.c.id == (2).to_bytes(16, "big"))
                  .values(debits_posted=accounts.c.debits_posted - diff))  # fmt: skip
        c.execute(update(accounts).where(accounts.c.id == (3).to_bytes(16, "big"))
                  .values(credits_posted=accounts.c.credits_posted - diff))  # fmt: skip
        total = int(c.execute(select(ledgers.c.posted_total)).scalar_one())
        c.execute(update(ledgers).values(posted_total=str(total - diff)))
        c.execute(update(head).values(hash=last_hash))
    return seq, last_hash


def test_a_consistently_rewritten_chain_is_caught_by_the_signed_checkpoint(store: Books) -> None:
    seq, _ = forge_a_payment(store, 1)
    first_checkpoint_after = min(s for s in store.checkpoint_seqs if s >= seq)
    report = assert_caught(store, first_checkpoint_after, "checkpoint_mismatch", "bad_signature")
    assert {"hash_mismatch", "balance_mismatch", "columns_mismatch"}.isdisjoint(codes(report))


def test_a_rewritten_chain_signed_with_another_key_is_not_trusted(store: Books) -> None:
    _, last_hash = forge_a_payment(store, 1)
    key = Ed25519PrivateKey.generate()
    with store.engine.begin() as c:
        h = c.execute(select(head)).one()
        c.execute(
            update(head).values(
                public_key=key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
                signature=key.sign(chainlib.head_message(h.seq, last_hash, h.timestamp)),
            )
        )
        c.execute(delete(checkpoints))  # and the forger drops the checkpoints too
    report = assert_caught(store, None, "untrusted_key")
    assert codes(report) == ["untrusted_key"]


# -- the command line ---------------------------------------------------------------------


def test_the_command_exits_non_zero_and_prints_the_first_bad_record(store: Books) -> None:
    seq = store.seq[31]
    set_row(store, seq, record=with_amount(bytes(row(store, seq).record), 2))
    result = run_cli(*store_options(store.settings), "ledger", "verify")
    assert result.exit_code == 1
    assert f"first bad record is {seq}" in result.stdout
    assert "hash_mismatch" in result.stdout

    result = run_cli(*store_options(store.settings), "ledger", "verify", "--json")
    assert result.exit_code == 1
    out = json.loads(result.stdout)
    assert out["ok"] is False
    assert out["first_bad_seq"] == seq
    assert out["problems"][0] == {
        "code": "hash_mismatch",
        "message": out["problems"][0]["message"],
        "seq": seq,
    }


def test_the_command_passes_untouched_books(books: Books) -> None:
    result = run_cli(*store_options(books.settings), "ledger", "verify", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["ok"] is True
    assert out["records"] == books.last
    assert out["checkpoints"] == len(books.checkpoint_seqs)


# -- the statement index ------------------------------------------------------------------


def test_a_statement_index_entry_moved_to_another_account_is_found(store: Books) -> None:
    store.platform.ledger.index_statements()
    assert store.verify().ok
    seq = store.seq[21]
    with store.engine.begin() as c:
        entry = c.execute(select(postings).where(postings.c.seq == seq)).first()
        assert entry is not None
        other = c.execute(
            select(accounts.c.no).where(
                accounts.c.no.not_in([row(store, seq).debit_no, row(store, seq).credit_no])
            )
        ).scalar()
        c.execute(
            update(postings)
            .where(postings.c.seq == seq, postings.c.account_no == entry.account_no)
            .values(account_no=other)
        )
    assert_caught(store, seq, "index_mismatch")


def test_a_statement_index_entry_deleted_is_found(store: Books) -> None:
    store.platform.ledger.index_statements()
    with store.engine.begin() as c:
        c.execute(delete(postings).where(postings.c.seq == store.seq[21]))
    report = store.verify()
    assert "index_mismatch" in codes(report)
