"""The load journal (table ``synth_loads``): which region a store holds, how far its load
has come, and the running counts. One row per store: a store holds one synthetic region."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, update

from thamani.db.tables import synth_loads
from thamani.synth.load.summary import Tallies
from thamani.synth.region import RegionInfo

LOADING = "loading"
LOADED = "loaded"


@dataclass(frozen=True, slots=True)
class JournalRow:
    """A region's load as recorded.

    id: the row.
    fingerprint: the region's fingerprint.
    region, seed, people, years: the region.
    status: ``loading`` or ``loaded``.
    stage: the last stage finished ('' before the first).
    batches_done: batches of care loaded.
    tallies: the counts so far.
    """

    id: int
    fingerprint: str
    region: str
    seed: int
    people: int
    years: int
    status: str
    stage: str
    batches_done: int
    tallies: Tallies


def rows(conn: Connection) -> list[JournalRow]:
    return [
        JournalRow(
            r.id,
            r.fingerprint,
            r.region,
            r.seed,
            r.people,
            r.years,
            r.status,
            r.stage,
            r.batches_done,
            Tallies.loads(r.tallies),
        )
        for r in conn.execute(select(synth_loads).order_by(synth_loads.c.id))
    ]


def begin(conn: Connection, fingerprint: str, info: RegionInfo, now: int) -> JournalRow:
    conn.execute(
        synth_loads.insert().values(
            fingerprint=fingerprint,
            region=info.name,
            seed=info.seed,
            people=info.people,
            years=info.years,
            status=LOADING,
            stage="",
            batches_done=0,
            tallies=Tallies().dumps(),
            started_at=now,
            finished_at=None,
        )
    )
    return next(r for r in rows(conn) if r.fingerprint == fingerprint)


def record(
    conn: Connection,
    row_id: int,
    *,
    stage: str,
    batches_done: int,
    tallies: Tallies,
    finished_at: int | None = None,
) -> None:
    values: dict[str, object] = {
        "stage": stage,
        "batches_done": batches_done,
        "tallies": tallies.dumps(),
    }
    if finished_at is not None:
        values["status"] = LOADED
        values["finished_at"] = finished_at
    conn.execute(update(synth_loads).where(synth_loads.c.id == row_id).values(**values))
