"""Settled claims enter the pseudonymised data pool (``Pool.append``).

Money and data travel together: every paid claim is also handed to the pool as a
``PoolEncounter`` (the pool keeps no names, phones or ids; it derives a keyed pseudonym
from the member's party and keeps the year of birth and the area). The pool is downstream
of the money: paid claims, of batches and single submissions alike, are gathered and
handed over in the background, once a second and ``CHUNK`` at a time, so that settling
never waits for the analytical store and the pool gets a file a second rather than one
per request. ``flush`` hands over what is waiting (the platform calls it on close). The
pool appends each encounter once however often it is handed over, so ``Claims.publish``
can hand a period over again after a crash.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Engine

from thamani.claims.batch import collector_paused
from thamani.claims.records import Claim, ClaimStatus, ClaimUse, LineStatus
from thamani.db.engine import read_transaction
from thamani.pool.records import PoolEncounter
from thamani.schemes import store as scheme_store
from thamani.schemes.records import EncounterClass, ProgrammeKind
from thamani.wallets.records import FundingSource

log = logging.getLogger("thamani.claims")

#: Seconds paid claims wait before they are handed to the pool together.
INTERVAL = 1.0
#: Most encounters handed over in one append.
CHUNK = 10_000

_SOURCE = {
    ProgrammeKind.VOUCHER: FundingSource.VOUCHER,
    ProgrammeKind.SUBSIDY: FundingSource.SUBSIDY,
    ProgrammeKind.INSURANCE: FundingSource.COVER,
}
_CLASS = {c: c.value for c in EncounterClass} | {EncounterClass.OUTREACH: "community"}


class EncounterPool(Protocol):
    """Where settled encounters go (``thamani.pool.service.Pool``)."""

    def append(self, encounters: Sequence[PoolEncounter]) -> object: ...


def encounters_of(engine: Engine, claims: Sequence[Claim]) -> list[PoolEncounter]:
    """The pool's view of paid claims (two queries for the members and their homes)."""
    paid = [c for c in claims if c.status is ClaimStatus.PAID and c.use is ClaimUse.CLAIM]
    if not paid:
        return []
    with read_transaction(engine) as conn:
        members = scheme_store.members_by_id(conn, {c.member_id for c in paid if c.member_id})
        homes = scheme_store.households_by_id(conn, {m.household_id for m in members.values()})
        progs = scheme_store.programmes_by_id(conn, {c.programme_id for c in paid})
        levels = {
            (pid, a.provider_id): a.level
            for pid, p in progs.items()
            for a in scheme_store.load_definition(conn, p).providers
        }
    out = []
    for c in paid:
        m = members.get(c.member_id) if c.member_id else None
        p = progs.get(c.programme_id)
        if m is None or m.party_id is None or p is None:
            continue
        by_source: dict[FundingSource, int] = {}
        source = _SOURCE.get(p.kind)
        if source is not None and c.payer:
            by_source[source] = c.payer
        if c.member_pays:
            by_source[FundingSource.SAVINGS] = c.member_pays
        e = c.encounter
        out.append(
            PoolEncounter(
                encounter_id=str(c.id),
                patient_party_id=m.party_id,
                provider_party_id=c.provider_id,
                encounter_date=c.service_date,
                encounter_class=_CLASS[e.encounter_class],
                diagnosis_codes=tuple(d.code for d in e.diagnoses),
                service_codes=tuple(x.code for x in c.lines if x.status is not LineStatus.REJECTED),
                currency=c.currency,
                amount_total=c.payer + c.member_pays,
                paid_by_source=by_source,
                programme=c.programme_code,
                provider_level=levels.get((c.programme_id, c.provider_id), ""),
                length_of_stay_days=(e.end - e.start).days if e.end else None,
                year_of_birth=m.birth_date.year,
                sex=m.sex.value,
                area=homes[m.household_id].area if m.household_id in homes else "",
            )
        )
    return out


class Publisher:
    """Hands paid claims to the pool: at once (``now``) or in the background (``later``)."""

    def __init__(self, engine: Engine, pool: EncounterPool | None) -> None:
        self.engine = engine
        self.pool = pool
        self._waiting: list[Claim] = []
        self._lock = threading.Lock()
        self._handing = threading.Lock()
        self._timer: threading.Timer | None = None
        self._warmed = False

    def now(self, claims: Sequence[Claim]) -> int:
        """Hand these claims' paid encounters to the pool; returns how many were handed."""
        if self.pool is None:
            return 0
        found = encounters_of(self.engine, claims)
        if found:
            self.pool.append(found)
        return len(found)

    def later(self, claims: Sequence[Claim]) -> None:
        """Hand these over with the others waiting, within ``INTERVAL`` seconds."""
        if self.pool is None:
            return
        with self._lock:
            self._waiting.extend(c for c in claims if c.status is ClaimStatus.PAID)
            if self._timer is None and self._waiting:
                self._timer = threading.Timer(INTERVAL, self.flush)
                self._timer.daemon = True
                self._timer.start()

    def flush(self) -> None:
        """Hand over what waits; a flush running in the background is waited for first
        (so ``close`` returns only once everything was handed over)."""
        with self._handing:
            with self._lock:
                waiting, self._waiting = self._waiting, []
                self._timer = None
            if not waiting:
                return
            try:
                self.warm()
                with collector_paused(len(waiting)):
                    for start in range(0, len(waiting), CHUNK):
                        self.now(waiting[start : start + CHUNK])
            except Exception:  # pragma: no cover - logged; `thamani claim publish` repairs it
                log.exception("handing %d claims to the data pool failed", len(waiting))

    def warm(self) -> None:
        """Load what the pool's first append would load while holding the store's write
        lock (the Parquet writer, the pseudonym key): here, it delays nobody's commit."""
        if not self._warmed and self.pool is not None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            from thamani.pool.writer import SCHEMA

            # The first Parquet write imports half of pandas: an empty one does it here.
            pq.write_table(pa.Table.from_pylist([], schema=SCHEMA), pa.BufferOutputStream())
            getattr(self.pool, "pseudonymiser", None)
            self._warmed = True

    def close(self) -> None:
        timer = self._timer
        if timer is not None:
            timer.cancel()
        self.flush()
