"""A process killed (SIGKILL) in the middle of its batches, three times over.

A child process submits batches of 1,500 transfers (payments, reservations, posts of the
previous batch's reservations, linked pairs), noting each batch before and after it is
submitted. The test kills it at a random moment, then, from a fresh process state: every
batch is either wholly in the ledger or wholly absent (checked by its ids), every batch
the child saw answered is there, ``verify`` finds nothing wrong, and the ledger goes on
accepting transfers. The next child first resubmits the batch that was in flight, with
the same ids: it must find it whole (``exists``) or not at all (``ok``), never half.
"""

from __future__ import annotations

import multiprocessing
import random
import re
import time
from pathlib import Path

import pytest

from tests.ledger.workers import (
    BATCH,
    crash_accounts,
    crash_batch,
    submit_until_killed,
)
from thamani.config import Settings
from thamani.ledger.records import Transfer
from thamani.ledger.results import TransferResult as R
from thamani.platform import Platform, open_platform

KILLS = 3


def wait_for(progress: Path, pattern: str, child: multiprocessing.process.BaseProcess) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if progress.exists() and re.search(pattern, progress.read_text(), re.MULTILINE):
            return
        assert child.is_alive(), f"the child died on its own:\n{progress.read_text()}"
        time.sleep(0.005)
    pytest.fail(f"the child never logged {pattern!r}")


def batches_logged(progress: Path, word: str) -> list[int]:
    return [int(n) for n in re.findall(rf"^{word} (\d+)$", progress.read_text(), re.MULTILINE)]


def test_a_killed_writer_leaves_whole_batches(
    platform: Platform, settings: Settings, tmp_path: Path
) -> None:
    platform.ledger.create_ledger(1, "KES", "kes-savings")
    platform.ledger.create_accounts(crash_accounts())
    ctx = multiprocessing.get_context("spawn")
    rng = random.Random(7)
    first = 0
    for kill in range(KILLS):
        progress = tmp_path / f"progress-{kill}.log"
        child = ctx.Process(
            target=submit_until_killed,
            args=(str(settings.data_dir), settings.database_url, first, str(progress)),
        )
        child.start()
        try:
            # Let a batch or two through, then kill at a random moment of the next ones.
            wait_for(progress, rf"^done {first + 1}$", child)
            time.sleep(rng.uniform(0.0, 0.15))
            assert child.is_alive(), f"the child died on its own:\n{progress.read_text()}"
        finally:
            child.kill()
            child.join()
        started = batches_logged(progress, "start")
        answered = set(batches_logged(progress, "done"))
        in_flight = started[-1]

        # A fresh engine and writer, as after a restart.
        again = open_platform(settings, migrate=False)
        try:
            for number in range(in_flight + 1):
                ids = [t.id for t in crash_batch(number)]
                found = len(again.ledger.transfers(ids))
                assert found in (0, BATCH), f"batch {number}: {found} of {BATCH} transfers"
                if number in answered:
                    assert found == BATCH, f"batch {number} was answered but is not there"
            report = again.verify_ledger()
            assert report.ok, report.problems
        finally:
            again.close()
        first = in_flight

    # The ledger goes on: the same platform object as before the crashes.
    assert platform.ledger.create_transfers([Transfer(1, 1000, 1001, 5, 1, 3)]) == [R.OK]
    assert platform.verify_ledger().ok
