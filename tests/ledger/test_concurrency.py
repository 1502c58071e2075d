"""Several processes, and several threads, moving money on the same hot accounts.

Four processes (spawned, each with its own engine and writer) open the same store and
submit overlapping batches on one float, three wallets and a clinic: top-ups, payments,
sends between wallets, reservations posted (in full or for less) or voided a batch later,
linked payment-and-fee pairs, the same transfer id from every process, and rival posts of
one reservation. Afterwards: every shared id was applied exactly once, the journal holds
exactly the transfers that were answered ``ok``, every balance equals the fold of the
``ok`` answers (no lost update, no double apply), no wallet went below zero, double entry
holds, and ``verify`` passes. The same runs again with threads sharing one ``Ledger``,
where the pipeline decides one batch while the one before it commits.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from tests.ledger.workers import (
    CLEARING,
    CLINIC,
    POST,
    SHARED,
    SHARED_PENDING,
    SHARED_POST,
    VOID,
    WALLETS,
    hot_batches,
    hot_process,
    open_hot_books,
)
from thamani.config import Settings
from thamani.ledger.records import Transfer
from thamani.platform import Platform

WORKERS = 4
ROUNDS = 20


def fold_ok(
    before: dict[int, list[int]],
    answers: list[tuple[Transfer, str]],
    pending_amounts: dict[int, tuple[int, int, int]],
) -> dict[int, list[int]]:
    """Balances after applying every transfer answered ``ok``, in any order."""
    bal = {k: list(v) for k, v in before.items()}
    resolved: list[Transfer] = []
    for t, result in answers:
        if result != "ok":
            continue
        if t.flags & (POST | VOID):
            resolved.append(t)
        elif t.flags & 2:  # pending
            pending_amounts[t.id] = (t.debit_account_id, t.credit_account_id, t.amount)
            bal[t.debit_account_id][0] += t.amount
            bal[t.credit_account_id][2] += t.amount
        else:
            bal[t.debit_account_id][1] += t.amount
            bal[t.credit_account_id][3] += t.amount
    for t in resolved:
        dr, cr, amount = pending_amounts[t.pending_id]
        bal[dr][0] -= amount
        bal[cr][2] -= amount
        if t.flags & POST:
            moved = t.amount or amount
            bal[dr][1] += moved
            bal[cr][3] += moved
    return bal


def check_the_books(platform: Platform, answers: list[tuple[Transfer, str]]) -> None:
    ids = [*WALLETS, CLEARING, CLINIC]
    # Each shared id: one ok, the rest exists.
    shared = Counter(result for t, result in answers if t.id >= SHARED and not t.flags & POST)
    assert set(shared) <= {"ok", "exists"}, shared
    assert shared["ok"] == ROUNDS
    rivals = [(t, r) for t, r in answers if t.pending_id == SHARED_PENDING]
    assert sum(r == "ok" for _, r in rivals) == 1, rivals
    allowed = {"ok", "exists", "pending_transfer_already_posted"}
    assert {r for t, r in rivals if t.id == SHARED_POST} <= allowed
    assert {r for t, r in rivals if t.id != SHARED_POST} <= allowed - {"exists"}
    # The journal holds exactly what was answered ok: 5 accounts, 4 set-up transfers.
    oks = sum(r == "ok" for _, r in answers)
    head = platform.ledger.head()
    assert head is not None
    assert head.seq == 5 + 4 + oks
    recorded = platform.ledger.transfers([t.id for t, r in answers if r == "ok"])
    assert len(recorded) == oks
    # Balances are the fold of the ok answers.
    start = {i: [0, 0, 0, 0] for i in ids}
    for w in WALLETS:
        start[w][3] += 500
        start[CLEARING][1] += 500
    start[WALLETS[0]][0] += 300
    start[CLINIC][2] += 300
    want = fold_ok(start, answers, {SHARED_PENDING: (WALLETS[0], CLINIC, 300)})
    got = {
        a.id: [a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted]
        for a in platform.ledger.accounts(ids)
    }
    assert got == want
    for w in WALLETS:
        dp, dpo, _cp, cpo = got[w]
        assert dp + dpo <= cpo, f"wallet {w} overdrawn: {got[w]}"
    totals = [sum(b[i] for b in got.values()) for i in range(4)]
    assert totals[0] == totals[2]
    assert totals[1] == totals[3]
    (info,) = platform.ledger.ledgers()
    assert (info.posted_total, info.pending_total) == (totals[1], totals[0])
    report = platform.verify_ledger()
    assert report.ok, report.problems


def test_processes_on_the_same_hot_accounts(platform: Platform, settings: Settings) -> None:
    open_hot_books(platform.ledger)
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(WORKERS) as pool:
        runs = pool.starmap(
            hot_process,
            [
                (str(settings.data_dir), settings.database_url, w, ROUNDS, 1000 + w, WORKERS)
                for w in range(WORKERS)
            ],
        )
    check_the_books(platform, [a for run in runs for a in run])


def test_threads_share_one_ledger_and_its_pipeline(platform: Platform) -> None:
    open_hot_books(platform.ledger)
    with ThreadPoolExecutor(WORKERS) as pool:
        runs = list(
            pool.map(lambda w: hot_batches(platform.ledger, w, ROUNDS, 2000 + w), range(WORKERS))
        )
    check_the_books(platform, [a for run in runs for a in run])


def test_verify_sees_one_moment_while_money_moves(platform: Platform) -> None:
    """Verification beside a busy writer reads one snapshot: no false alarms."""
    open_hot_books(platform.ledger)
    stop = threading.Event()

    def keep_paying() -> None:
        n = 1
        while not stop.is_set():
            platform.ledger.create_transfers(
                [Transfer(n + k, CLEARING, CLINIC, 1, 1, 1) for k in range(40)]
            )
            n += 40

    writer = threading.Thread(target=keep_paying)
    writer.start()
    try:
        reports = [platform.verify_ledger() for _ in range(15)]
    finally:
        stop.set()
        writer.join()
    assert [r.problems for r in reports if not r.ok] == []
    assert reports[-1].records > reports[0].records  # the writer was writing meanwhile


def test_one_caller_s_malformed_batch_harms_no_other_caller(platform: Platform) -> None:
    """Batches decided together (group commit) must not share one caller's error: the
    others get their own answers, nobody waits forever, and the books stay right."""
    open_hot_books(platform.ledger)
    answers: dict[int, list[str]] = {}
    errors: list[str] = []

    def good(worker: int) -> None:
        got = []
        for k in range(60):
            t = Transfer((worker + 1) << 40 | k, CLEARING, CLINIC, 1, 1, 1)
            got.extend(r.value for r in platform.ledger.create_transfers([t]))
        answers[worker] = got

    def bad() -> None:
        for k in range(60):
            try:  # a code wider than a record holds
                platform.ledger.create_transfers(
                    [Transfer(9 << 40 | k, CLEARING, CLINIC, 1, 1, 2**33)]
                )
            except Exception as e:
                errors.append(type(e).__name__)

    threads = [threading.Thread(target=good, args=(w,), daemon=True) for w in range(3)]
    threads.append(threading.Thread(target=bad, daemon=True))
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)  # a guard against a hang, not a measure of speed
    assert not any(t.is_alive() for t in threads), "a caller is still waiting"
    assert answers == {w: ["ok"] * 60 for w in range(3)}
    assert len(errors) == 60
    assert platform.ledger.account(CLINIC).credits_posted == 180
    report = platform.verify_ledger()
    assert report.ok, report.problems
