"""SQL for waiting lists, referrals, clock events and RTT snapshots.

Every function runs inside the caller's transaction. Bulk paths work on whole batches:
lookups go by chunks of keys (``IN``), inserts and updates are one executemany each, so an
import of a hundred thousand referrals costs a few hundred statements, not one per row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, case, func, select, text, update

from thamani.capacity.pathways import (
    ClockEvent,
    ClockEventKind,
    Pathway,
    RemovalReason,
    WaitingListKey,
)
from thamani.capacity.priorities import Priority
from thamani.capacity.records import ReferralStatus, RttSnapshot, StoredReferral, WaitingList
from thamani.capacity.rtt import RttPart, RttRecord
from thamani.db.tables.capacity import (
    clock_events,
    referrals,
    rtt_rows,
    rtt_snapshots,
    waiting_lists,
)

T = TypeVar("T")
CHUNK = 500
"""Keys per ``IN`` lookup."""
_REFERRAL_IDS_LOCK = 0x63617061  # "capa"


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# -- waiting lists ------------------------------------------------------------------------


def _key(r: Any) -> WaitingListKey:
    return WaitingListKey(r.provider, r.specialty, Priority(r.priority))


def list_ids(conn: Connection, providers: Iterable[str]) -> dict[WaitingListKey, int]:
    """The ids of every list of the given providers."""
    found: dict[WaitingListKey, int] = {}
    for part in chunks(sorted(set(providers))):
        stmt = select(waiting_lists).where(waiting_lists.c.provider.in_(part))
        for r in conn.execute(stmt):
            found[_key(r)] = r.id
    return found


def ensure_lists(
    conn: Connection, keys: Iterable[WaitingListKey], now: int
) -> tuple[dict[WaitingListKey, int], int]:
    """Ids of the lists, creating those missing; also how many were created."""
    wanted = set(keys)
    known = list_ids(conn, {k.provider for k in wanted})
    missing = sorted(
        wanted - known.keys(), key=lambda k: (k.provider, k.specialty, k.priority.rank)
    )
    if missing:
        conn.execute(
            waiting_lists.insert(),
            [
                {
                    "provider": k.provider,
                    "specialty": k.specialty,
                    "priority": k.priority.value,
                    "created_at": now,
                }
                for k in missing
            ],
        )
        known = list_ids(conn, {k.provider for k in wanted})
    return {k: known[k] for k in wanted}, len(missing)


def _list_filter(
    provider: str | None, specialty: str | None, priority: Priority | None
) -> list[Any]:
    where = []
    if provider is not None:
        where.append(waiting_lists.c.provider == provider)
    if specialty is not None:
        where.append(waiting_lists.c.specialty == specialty)
    if priority is not None:
        where.append(waiting_lists.c.priority == priority.value)
    return where


def waiting_lists_with_counts(
    conn: Connection,
    provider: str | None = None,
    specialty: str | None = None,
    priority: Priority | None = None,
) -> list[WaitingList]:
    """Lists with their head counts by clock status, in provider, specialty, priority order."""
    status = referrals.c.status

    def count(value: ReferralStatus) -> Any:
        return func.coalesce(func.sum(case((status == value.value, 1), else_=0)), 0)

    stmt = (
        select(
            waiting_lists,
            count(ReferralStatus.WAITING).label("n_waiting"),
            count(ReferralStatus.PAUSED).label("n_paused"),
            count(ReferralStatus.REMOVED).label("n_removed"),
        )
        .select_from(waiting_lists.outerjoin(referrals, referrals.c.list_id == waiting_lists.c.id))
        .where(*_list_filter(provider, specialty, priority))
        .group_by(*waiting_lists.c)
    )
    found = [
        WaitingList(r.id, _key(r), int(r.n_waiting), int(r.n_paused), int(r.n_removed))
        for r in conn.execute(stmt)
    ]
    return sorted(found, key=lambda w: (w.key.provider, w.key.specialty, w.key.priority.rank))


# -- referrals ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferralRow:
    """A referral with the store's ids, for the use cases that change it.

    id: the referral's row id.
    list_id: its list's id.
    referral: the referral.
    """

    id: int
    list_id: int
    referral: StoredReferral


_REFERRAL_COLUMNS = (
    referrals.c.id,
    referrals.c.list_id,
    referrals.c.provider,
    referrals.c.reference,
    referrals.c.referred_on,
    referrals.c.minutes,
    referrals.c.status,
    referrals.c.paused_since,
    referrals.c.paused_days,
    referrals.c.removed_on,
    referrals.c.removal_reason,
    waiting_lists.c.specialty,
    waiting_lists.c.priority,
)
_JOINED = referrals.join(waiting_lists, waiting_lists.c.id == referrals.c.list_id)


def _referral(r: Any) -> ReferralRow:
    return ReferralRow(
        r.id,
        r.list_id,
        StoredReferral(
            reference=r.reference,
            key=WaitingListKey(r.provider, r.specialty, Priority(r.priority)),
            referred_on=r.referred_on,
            minutes=r.minutes,
            status=ReferralStatus(r.status),
            paused_since=r.paused_since,
            paused_days=r.paused_days,
            removed_on=r.removed_on,
            removal_reason=None if r.removal_reason is None else RemovalReason(r.removal_reason),
        ),
    )


def existing_references(conn: Connection, pairs: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which (provider, reference) pairs are already stored."""
    by_provider: dict[str, list[str]] = {}
    for provider, reference in pairs:
        by_provider.setdefault(provider, []).append(reference)
    found: set[tuple[str, str]] = set()
    for provider, refs in by_provider.items():
        for part in chunks(refs):
            stmt = select(referrals.c.reference).where(
                referrals.c.provider == provider, referrals.c.reference.in_(part)
            )
            found.update((provider, ref) for ref in conn.scalars(stmt))
    return found


def referrals_by_reference(
    conn: Connection, references: Sequence[str], provider: str | None = None
) -> list[ReferralRow]:
    """Referrals with these references (of one provider, or of any)."""
    found: list[ReferralRow] = []
    for part in chunks(sorted(set(references))):
        stmt = (
            select(*_REFERRAL_COLUMNS).select_from(_JOINED).where(referrals.c.reference.in_(part))
        )
        if provider is not None:
            stmt = stmt.where(referrals.c.provider == provider)
        found.extend(_referral(r) for r in conn.execute(stmt))
    return found


def referrals_of(
    conn: Connection,
    provider: str,
    specialty: str | None = None,
    priority: Priority | None = None,
    statuses: Sequence[ReferralStatus] | None = None,
    limit: int | None = None,
) -> list[ReferralRow]:
    """A provider's referrals, most urgent then longest waiting first (sorted in SQL)."""
    urgency = case(
        {p.value: p.rank for p in Priority}, value=waiting_lists.c.priority, else_=len(Priority)
    )
    stmt = (
        select(*_REFERRAL_COLUMNS)
        .select_from(_JOINED)
        .where(*_list_filter(provider, specialty, priority))
        .order_by(urgency, referrals.c.referred_on, referrals.c.id)
    )
    if statuses is not None:
        stmt = stmt.where(referrals.c.status.in_([s.value for s in statuses]))
    if limit is not None:
        stmt = stmt.limit(limit)
    return [_referral(r) for r in conn.execute(stmt)]


def insert_referrals(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert referral rows; their ids in the order given.

    The ids are taken as a block after the largest one stored, under the write lock
    (SQLite's BEGIN IMMEDIATE; a transaction-scoped advisory lock on PostgreSQL), so the
    rows go in as one executemany without RETURNING, which SQLite would run row by row.
    """
    if not rows:
        return []
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _REFERRAL_IDS_LOCK})
    last = conn.execute(select(func.coalesce(func.max(referrals.c.id), 0))).scalar_one()
    ids = list(range(int(last) + 1, int(last) + 1 + len(rows)))
    conn.execute(referrals.insert(), [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT setval(pg_get_serial_sequence('capacity_referrals', 'id'), :v)"),
            {"v": ids[-1]},
        )
    return ids


def insert_events(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(clock_events.insert(), rows)


def events_of(conn: Connection, referral_ids: Sequence[int]) -> dict[int, list[ClockEvent]]:
    """The clock events of each referral, in the order they were recorded."""
    found: dict[int, list[ClockEvent]] = {i: [] for i in referral_ids}
    for part in chunks(sorted(set(referral_ids))):
        stmt = (
            select(clock_events)
            .where(clock_events.c.referral_id.in_(part))
            .order_by(clock_events.c.id)
        )
        for r in conn.execute(stmt):
            found[r.referral_id].append(
                ClockEvent(
                    ClockEventKind(r.kind),
                    r.on_day,
                    None if r.reason is None else RemovalReason(r.reason),
                )
            )
    return found


def state_of(pathway: Pathway) -> dict[str, Any]:
    """The stored clock-state columns of a pathway."""
    if pathway.stopped_on is not None:
        status = ReferralStatus.REMOVED
    elif pathway.is_paused:
        status = ReferralStatus.PAUSED
    else:
        status = ReferralStatus.WAITING
    days = [pathway.clock_start]
    for pause in pathway.pauses:
        days.append(pause.start)
        if pause.end is not None:
            days.append(pause.end)
    if pathway.stopped_on is not None:
        days.append(pathway.stopped_on)
    return {
        "status": status.value,
        "paused_since": pathway.pauses[-1].start if pathway.is_paused else None,
        "paused_days": sum((p.end - p.start).days for p in pathway.pauses if p.end is not None),
        "last_event_on": max(days),
        "removed_on": pathway.stopped_on,
        "removal_reason": None if pathway.removal_reason is None else pathway.removal_reason.value,
    }


def update_states(conn: Connection, states: list[tuple[int, dict[str, Any]]]) -> None:
    """Write new clock states, one executemany for the whole batch."""
    if not states:
        return
    stmt = (
        update(referrals)
        .where(referrals.c.id == bindparam("b_id"))
        .values(
            {
                name: bindparam(f"b_{name}")
                for name in (
                    "status",
                    "paused_since",
                    "paused_days",
                    "last_event_on",
                    "removed_on",
                    "removal_reason",
                )
            }
        )
    )
    conn.execute(
        stmt,
        [{"b_id": rid, **{f"b_{k}": v for k, v in state.items()}} for rid, state in states],
    )


@dataclass(frozen=True, slots=True)
class ClockRow:
    """What statistics need of one referral (no reference, no patient).

    list_id: its list.
    referred_on: clock start.
    removed_on: clock stop or None.
    removal_reason: why it stopped, or None.
    paused_since: open pause start or None.
    paused_days: days in ended pauses.
    """

    list_id: int
    referred_on: date
    removed_on: date | None
    removal_reason: str | None
    paused_since: date | None
    paused_days: int


def clock_rows(conn: Connection, list_ids: Sequence[int]) -> list[ClockRow]:
    """The clock columns of every referral on the lists (one query per chunk of lists)."""
    found: list[ClockRow] = []
    for part in chunks(sorted(set(list_ids))):
        stmt = select(
            referrals.c.list_id,
            referrals.c.referred_on,
            referrals.c.removed_on,
            referrals.c.removal_reason,
            referrals.c.paused_since,
            referrals.c.paused_days,
        ).where(referrals.c.list_id.in_(part))
        found.extend(ClockRow(*r) for r in conn.execute(stmt))
    return found


# -- RTT snapshots ------------------------------------------------------------------------


def _snapshot(r: Any) -> RttSnapshot:
    providers = tuple(p for p in r.providers.split(",") if p)
    return RttSnapshot(r.id, r.source, r.period, r.month, r.rows, providers, r.imported_at)


def insert_snapshot(
    conn: Connection,
    source: str,
    records: Sequence[RttRecord],
    now: int,
    imported_by: int | None,
) -> RttSnapshot:
    """Store an RTT file's rows as one snapshot (every row of one period)."""
    first = records[0]
    providers = ",".join(sorted({r.provider_code for r in records}))
    snapshot_id = conn.execute(
        rtt_snapshots.insert()
        .values(
            source=source[:300],
            period=first.period,
            month=first.month,
            rows=len(records),
            providers=providers,
            imported_at=now,
            imported_by=imported_by,
        )
        .returning(rtt_snapshots.c.id)
    ).scalar_one()
    conn.execute(
        rtt_rows.insert(),
        [
            {
                "snapshot_id": snapshot_id,
                "provider_code": r.provider_code,
                "provider_name": r.provider_name,
                "commissioner_code": r.commissioner_code,
                "part": r.part.value,
                "treatment_function_code": r.treatment_function_code,
                "treatment_function_name": r.treatment_function_name,
                "bands": None if r.bands is None else ",".join(map(str, r.bands)),
                "unknown_clock_start": r.unknown_clock_start,
                "total_all": r.total_all,
            }
            for r in records
        ],
    )
    row = conn.execute(select(rtt_snapshots).where(rtt_snapshots.c.id == snapshot_id)).one()
    return _snapshot(row)


def snapshots(conn: Connection, provider: str | None = None) -> list[RttSnapshot]:
    """Snapshots, newest first; those that hold ``provider`` when one is given."""
    stmt = select(rtt_snapshots).order_by(rtt_snapshots.c.id.desc())
    found = [_snapshot(r) for r in conn.execute(stmt)]
    return [s for s in found if provider is None or provider in s.providers]


def snapshot(conn: Connection, snapshot_id: int) -> RttSnapshot | None:
    row = conn.execute(select(rtt_snapshots).where(rtt_snapshots.c.id == snapshot_id)).one_or_none()
    return None if row is None else _snapshot(row)


def snapshot_records(
    conn: Connection, snap: RttSnapshot, provider: str | None = None
) -> list[RttRecord]:
    """The rows of a snapshot as RTT records, in the order they were stored."""
    where = [rtt_rows.c.snapshot_id == snap.id]
    if provider is not None:
        where.append(rtt_rows.c.provider_code == provider)
    stmt = select(rtt_rows).where(and_(*where)).order_by(rtt_rows.c.id)
    return [
        RttRecord(
            period=snap.period,
            month=snap.month,
            provider_code=r.provider_code,
            provider_name=r.provider_name,
            commissioner_code=r.commissioner_code,
            part=RttPart(r.part),
            treatment_function_code=r.treatment_function_code,
            treatment_function_name=r.treatment_function_name,
            bands=None if r.bands is None else tuple(int(x) for x in r.bands.split(",")),
            unknown_clock_start=r.unknown_clock_start,
            total_all=r.total_all,
        )
        for r in conn.execute(stmt)
    ]


def referred_days(conn: Connection, list_ids: Sequence[int], until: date) -> list[date]:
    """Referral dates on the lists up to ``until`` (for forecasting)."""
    found: list[date] = []
    for part in chunks(sorted(set(list_ids))):
        stmt = select(referrals.c.referred_on).where(
            referrals.c.list_id.in_(part), referrals.c.referred_on <= until
        )
        found.extend(conn.scalars(stmt))
    return found
