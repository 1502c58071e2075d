"""Large batches on several cores: households split between worker processes.

Adjudication is Python, and Python runs one thread at a time; a large batch is therefore
split between worker processes, one per core, each with its own connection to the same
store. The split is by household: everything a claim is checked against belongs to its
member's household (the member's and the policy's usage, its duplicate keys, its
pre-authorisations), so each worker owns its households' counters outright and decides
them in order, exactly as one process would. Each worker stores and settles its part
through the ordinary batch path (claims, counters and money in one transaction per
ledger batch); the store serialises their commits. Providers' cost statistics, the one
thing households share, are written as increments, so the workers' additions add up.

The coordinating process checks the whole batch first (shape, providers, programmes,
references; a worker looks up the stored references meanwhile, idle until its first
group comes), then shares it out in *groups* of households, largest first, each a run of
households in the order of their ids (their members' usage rows, stored in that order,
then lie on neighbouring pages, and a part rewrites few of them): each process,
this one included, takes the next group when it has finished one (a worker is kept two
groups ahead, as canonical payload bytes), so a process slowed by other work on the
machine simply takes fewer groups, and the groups left at the end are small. The results
are put back in the order submitted.
"""

from __future__ import annotations

import multiprocessing
import os
import zlib
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from thamani import errors
from thamani.claims import payload
from thamani.claims.batch import Decided
from thamani.claims.records import (
    CLAIM_STATUS,
    LINE_STATUS,
    Claim,
    ClaimInput,
    Finding,
    Line,
)
from thamani.config import Settings

#: Batches at least this large are split between worker processes (when there are cores).
PARALLEL_FROM = 8192

Item = tuple[int, bytes, int, int, int]
"""(index in the batch, canonical payload, provider id, programme id, the stored number
when it is a replay or 0) of one claim."""


def workers_for(settings: Settings) -> int:
    """Processes that share a large batch (this one included): the setting, or one per
    core (at most four)."""
    if settings.claim_workers:
        return settings.claim_workers
    return max(1, min(4, os.cpu_count() or 1))


def household_of(member_households: dict[str, int], member: str) -> int:
    """The household a claim belongs to (a stable hash of the member number when the
    member is unknown: such a claim touches no household's counters)."""
    found = member_households.get(member)
    return found if found is not None else zlib.crc32(member.encode())


#: Claims in a group at the least (a group is stored in parts, each on its own).
GROUP_MIN = 1024
#: Claims in a group at the most (unless one household has more): four whole parts.
GROUP_MAX = 16_380


def groups_of(households: Sequence[int], processes: int) -> list[list[int]]:
    """Claim indexes shared out in groups, each group a run of whole households taken in
    the order of their ids, with each household's claims in the order submitted; the
    groups go from large to small (each about a ``2 x processes``-th of what is left,
    within ``GROUP_MIN``..``GROUP_MAX``)."""
    by_home: dict[int, list[int]] = {}
    for i, h in enumerate(households):
        found = by_home.get(h)
        if found is None:
            by_home[h] = [i]
        else:
            found.append(i)
    out: list[list[int]] = []
    left = len(households)
    group: list[int] = []
    target = 0
    for h in sorted(by_home):
        claims = by_home[h]
        if group and len(group) + len(claims) > GROUP_MAX:
            # Never over: a group of GROUP_MAX is stored in whole parts, one more
            # household would cost a part (a transaction) of its own.
            left -= len(group)
            out.append(group)
            group = []
        if not group:
            target = min(GROUP_MAX, max(GROUP_MIN, -(-left // (2 * processes))))
        group.extend(claims)
        if len(group) >= target:
            left -= len(group)
            out.append(group)
            group = []
    if group:
        out.append(group)
    return out


class WorkerPool:
    """Worker processes that adjudicate parts of a batch (started on first use)."""

    def __init__(self, settings: Settings, size: int) -> None:
        self.settings = settings
        self.size = size
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.size,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start,
                initargs=(self.settings,),
            )
        return self._pool

    def submit(self, items: list[Item], now_ns: int, submitted_by: int | None) -> Future[Any]:
        """Send a group to a worker; ``results`` gives what it decided."""
        return self._executor().submit(_adjudicate, items, now_ns, submitted_by)

    def read(self, pairs: list[tuple[int, str]]) -> Future[Any]:
        """Have a worker look up the claims stored under these (provider, reference)
        pairs (``Claims.stored_references``); ``read_result`` gives them."""
        return self._executor().submit(_read, pairs)

    @staticmethod
    def read_result(future: Future[Any]) -> dict[tuple[int, str], tuple[bytes, int]]:
        stored: dict[tuple[int, str], tuple[bytes, int]] = future.result()
        return stored

    def warm(self) -> None:
        """Start the workers now, in the background (a process takes a second or two to
        import and open the store): what a caller does before other work when it knows a
        large batch is coming."""
        pool = self._executor()
        for _ in range(self.size):
            pool.submit(_ready)

    @staticmethod
    def results(future: Future[Any]) -> list[tuple[int, tuple[Any, ...]]]:
        """A group's results as (index, wire form of the claim); its error is raised."""
        result = future.result()
        if isinstance(result, dict):
            raise _error(result)
        return result  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


# -- the claim on the wire -----------------------------------------------------------------


def to_wire(c: Claim) -> tuple[Any, ...]:
    """What the coordinator does not know already about a decided claim."""
    return (
        c.id,
        c.status.value,
        c.programme_id,
        c.programme_code,
        c.currency,
        c.member_id,
        c.enrolment_id,
        tuple([(*x[:9], x.status.value, x.reason, x.message) for x in c.lines]),
        (c.asked, c.valuated, c.payer, c.co_pay, c.deductible, c.not_covered),
        tuple((f.code, f.message, f.line) for f in c.findings),
        tuple((f.code, f.message, f.line) for f in c.flags),
        c.reserved,
        c.expires_at,
        c.submitted_at,
        c.decided_at,
        c.paid_at,
        c.settlement,
        c.no,
    )


def wire_of(d: Decided, currency: str, programme_code: str, now_ns: int) -> tuple[Any, ...]:
    """``to_wire`` of the claim ``batch.claim_of`` makes, without making the claim."""
    c = d.case
    e = c.enrolment
    m = c.member
    return (
        d.id,
        d.status._value_,
        c.book.programme.id if c.book else c.programme_id,
        programme_code,
        currency,
        m.id if m else None,
        e.id if e else None,
        tuple([(*x[:9], x.status._value_, x.reason, x.message) for x in c.lines]),
        d.totals,
        tuple([(f.code, f.message, f.line) for f in d.findings]),
        tuple([(f.code, f.message, f.line) for f in c.flags]),
        d.reserved,
        d.expires_at,
        now_ns,
        now_ns,
        d.paid_at,
        d.settlement,
        d.no,
    )


def from_wire(w: tuple[Any, ...], claim: ClaimInput, provider_id: int) -> Claim:
    (cid, status, pid, pcode, cur, mid, eid, lines, totals, findings, flags, reserved,
     expires, submitted, decided, paid, settlement, no) = w  # fmt: skip
    asked, valuated, payer, co_pay, ded, nc = totals
    statuses = LINE_STATUS
    return _new_tuple(
        Claim,
        (
            cid,
            claim.use,
            CLAIM_STATUS[status],
            pid,
            pcode,
            cur,
            provider_id,
            mid,
            claim.member,
            eid,
            claim.reference,
            claim.encounter.start,
            claim.encounter.encounter_class,
            tuple(
                [
                    _new_tuple(Line, (s, code, q, a, v, p, cp, d, n, statuses[st], r, m))
                    for s, code, q, a, v, p, cp, d, n, st, r, m in lines
                ]
            ),
            asked,
            valuated,
            payer,
            co_pay,
            ded,
            nc,
            tuple([Finding(*f) for f in findings]) if findings else (),
            tuple([Finding(*f) for f in flags]) if flags else (),
            claim.preauth_id,
            reserved,
            expires,
            submitted,
            decided,
            paid,
            None,
            settlement,
            claim.encounter,
            no,
        ),
    )


#: Records are named tuples: made from their values in order, without the keyword
#: handling of their constructors (thousands a second on this path).
_new_tuple = tuple.__new__


def _error(d: dict[str, Any]) -> errors.ThamaniError:
    cls = getattr(errors, d["kind"], errors.ThamaniError)
    if not (isinstance(cls, type) and issubclass(cls, errors.ThamaniError)):
        cls = errors.ThamaniError
    return cls(d["message"], code=d["code"], where=d["where"], details=d["details"])


# -- inside a worker process -----------------------------------------------------------------

_STATE: dict[str, Any] = {}


def _start(settings: Settings) -> None:
    """Open the store in a new worker (its clock is set by each part it is given)."""
    from thamani.clock import ManualClock
    from thamani.db.engine import tune_interpreter
    from thamani.platform import open_platform

    tune_interpreter()
    clock = ManualClock()
    _STATE["clock"] = clock
    _STATE["platform"] = open_platform(settings, clock=clock, migrate=False)


def _ready() -> bool:
    """Nothing: a worker that ran it has started."""
    return True


def _read(pairs: list[tuple[int, str]]) -> dict[tuple[int, str], tuple[bytes, int]]:
    from thamani.platform import Platform

    plat: Platform = _STATE["platform"]
    return plat.claims.stored_references(pairs)


def _adjudicate(
    items: Sequence[Item], now_ns: int, submitted_by: int | None
) -> list[tuple[int, tuple[Any, ...]]] | dict[str, Any]:
    from thamani.claims.batch import collector_paused
    from thamani.platform import Platform

    plat: Platform = _STATE["platform"]
    clock = _STATE["clock"]
    clock.set(max(now_ns, clock.now_ns()))
    with collector_paused(len(items)):
        claims = [payload.loads(item[1]) for item in items]
        try:
            done = plat.claims.submit_wire(
                claims,
                [item[2] for item in items],
                [item[3] for item in items],
                [item[1] for item in items],
                submitted_by,
                {k: item[4] for k, item in enumerate(items) if item[4]},
            )
        except errors.ThamaniError as e:
            return {
                "kind": type(e).__name__,
                "message": e.message,
                "code": e.code,
                "where": e.where,
                "details": e.details,
            }
        return [(item[0], w) for item, w in zip(items, done, strict=True)]
