"""Work done by other processes (or threads) in the concurrency and crash tests.

Kept apart from the test modules so that a spawned process imports only this and the
ledger. Every worker opens the same store as the test (the same data directory, so the
same signing key, and the same database URL).
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from thamani.config import Environment, Settings
from thamani.ledger.records import Account, AccountFlags, Transfer, TransferFlags
from thamani.ledger.service import Ledger
from thamani.platform import open_platform

WALLET = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
PENDING = int(TransferFlags.PENDING)
POST = int(TransferFlags.POST_PENDING_TRANSFER)
VOID = int(TransferFlags.VOID_PENDING_TRANSFER)
LINKED = int(TransferFlags.LINKED)

#: The hot accounts every worker hits: a mobile-money float, three wallets, a clinic.
CLEARING, CLINIC = 1, 2
WALLETS = (11, 12, 13)
#: Ids every worker submits with the same fields: each must be applied exactly once.
SHARED = 1 << 60
#: One post of the shared reservation, with the same id from every worker.
SHARED_POST = SHARED + 10**6
#: A reservation made before the workers start; every worker tries to post it.
SHARED_PENDING = 1 << 61


def settings_for(data_dir: str, database_url: str | None) -> Settings:
    return Settings(
        environment=Environment.TEST, data_dir=Path(data_dir), database_url=database_url
    )


def open_hot_books(ledger: Ledger) -> None:
    ledger.create_ledger(1, "KES", "kes-savings")
    ledger.create_accounts(
        [
            Account(CLEARING, 1, 400),
            Account(CLINIC, 1, 200),
            *(Account(w, 1, 100, WALLET) for w in WALLETS),
        ]
    )
    ledger.create_transfers(
        [
            *(Transfer(100 + w, CLEARING, w, 500, 1, 1) for w in WALLETS),
            Transfer(SHARED_PENDING, WALLETS[0], CLINIC, 300, 1, 5, PENDING),
        ]
    )


def hot_batches(ledger: Ledger, worker: int, rounds: int, seed: int) -> list[tuple[Transfer, str]]:
    """Submit ``rounds`` batches of overlapping transfers on the hot accounts; return every
    transfer submitted with the result it got."""
    rng = random.Random(seed)
    out: list[tuple[Transfer, str]] = []
    open_pendings: list[Transfer] = []

    def tid(r: int, k: int) -> int:
        return (worker + 1) << 40 | r << 16 | k

    for r in range(rounds):
        batch = [Transfer(SHARED + r, CLEARING, CLINIC, r + 1, 1, 1)]
        for p in open_pendings:  # resolve last round's reservations
            if rng.random() < 0.6:
                less = rng.choice([0, p.amount, max(1, p.amount // 2)])
                batch.append(Transfer(tid(r, 900 + len(batch)), amount=less, flags=POST,
                                      pending_id=p.id))  # fmt: skip
            else:
                batch.append(Transfer(tid(r, 900 + len(batch)), flags=VOID, pending_id=p.id))
        open_pendings = []
        if r % 3 == worker % 3:
            # The same post from every worker (one id), and a rival post with its own id.
            batch.append(Transfer(SHARED_POST, flags=POST, pending_id=SHARED_PENDING))
            batch.append(Transfer(tid(r, 800), amount=7, flags=POST, pending_id=SHARED_PENDING))
        for k in range(rng.randint(3, 12)):
            w = rng.choice(WALLETS)
            kind = rng.random()
            if kind < 0.3:
                t = Transfer(tid(r, k), CLEARING, w, rng.randint(1, 60), 1, 1)
            elif kind < 0.6:
                t = Transfer(tid(r, k), w, CLINIC, rng.randint(1, 90), 1, 3)
            elif kind < 0.75:
                other = rng.choice([x for x in WALLETS if x != w])
                t = Transfer(tid(r, k), w, other, rng.randint(1, 40), 1, 11)
            elif kind < 0.9:
                t = Transfer(tid(r, k), w, CLINIC, rng.randint(1, 50), 1, 5, PENDING)
                open_pendings.append(t)
            else:  # a payment and its fee, together or not at all
                batch.append(Transfer(tid(r, 500 + k), w, CLINIC, rng.randint(1, 80), 1, 3,
                                      LINKED))  # fmt: skip
                t = Transfer(tid(r, k), w, CLEARING, 2, 1, 9)
            batch.append(t)
        results = ledger.create_transfers(batch)
        out.extend((t, res.value) for t, res in zip(batch, results, strict=True))
        made = {t.id for t, res in zip(batch, results, strict=True) if res.value == "ok"}
        open_pendings = [t for t in open_pendings if t.id in made]
    return out


def hot_process(
    data_dir: str, database_url: str | None, worker: int, rounds: int, seed: int, workers: int
) -> list[tuple[Transfer, str]]:
    """``hot_batches`` in a process of its own, started together with the other workers
    (each waits until all have opened the store), so that their batches overlap."""
    plat = open_platform(settings_for(data_dir, database_url), migrate=False)
    try:
        ready = Path(data_dir) / "ready"
        ready.mkdir(exist_ok=True)
        (ready / str(worker)).touch()
        deadline = time.monotonic() + 60
        while len(list(ready.iterdir())) < workers and time.monotonic() < deadline:
            time.sleep(0.002)
        return hot_batches(plat.ledger, worker, rounds, seed)
    finally:
        plat.close()


# -- the crash test ---------------------------------------------------------------------

CRASH_ACCOUNTS = 200
BATCH = 1500


def crash_id(number: int, k: int) -> int:
    return (number + 1) << 20 | (k + 1)


def crash_batch(number: int) -> list[Transfer]:
    """Batch ``number``: transfers, reservations, posts of the previous batch's
    reservations and linked pairs, all with ids that name the batch."""
    rng = random.Random(number)
    out = []
    for k in range(BATCH):
        tid = crash_id(number, k)
        dr = 1000 + rng.randrange(CRASH_ACCOUNTS)
        cr = 1000 + rng.randrange(CRASH_ACCOUNTS)
        if dr == cr:
            cr = 1000 + (cr + 1 - 1000) % CRASH_ACCOUNTS
        if k % 10 == 3:
            out.append(Transfer(tid, dr, cr, rng.randint(1, 99), 1, 5, PENDING))
        elif k % 10 == 4 and number > 0:
            out.append(Transfer(tid, flags=POST, pending_id=crash_id(number - 1, k - 1)))
        elif k % 10 == 6:
            out.append(Transfer(tid, dr, cr, rng.randint(1, 99), 1, 3, LINKED))
        else:
            out.append(Transfer(tid, dr, cr, rng.randint(1, 99), 1, 3))
    return out


def crash_accounts() -> list[Account]:
    return [Account(1000 + i, 1, 200) for i in range(CRASH_ACCOUNTS)]


def submit_until_killed(data_dir: str, database_url: str | None, first: int, progress: str) -> None:
    """Submit batches ``first``, ``first + 1``, ... until killed, noting each one before it
    is submitted ("start n") and after it returned ("done n").

    Batch ``first`` is the one a killed predecessor had in flight: it is submitted again
    with the same ids, and must be found either wholly recorded (``exists``; a linked
    chain's tail then reports ``linked_event_failed``) or wholly absent (``ok``).
    """
    plat = open_platform(settings_for(data_dir, database_url), migrate=False)
    with open(progress, "a", buffering=1) as log:
        number = first
        while True:
            batch = crash_batch(number)
            log.write(f"start {number}\n")
            results = {r.value for r in plat.ledger.create_transfers(batch)}
            if results != {"ok"}:
                assert number == first, results
                assert results == {"exists", "linked_event_failed"}, results
                log.write(f"again {number}\n")
            log.write(f"done {number}\n")
            os.fsync(log.fileno())
            number += 1
