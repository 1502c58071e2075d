"""Bulk imports of referrals and removals: every row is checked before anything is stored.

Each runs inside the caller's write transaction with a fixed number of statements per
chunk of rows (lookups by ``IN``, one executemany per insert or update), never one per row.
The first bad row raises an error naming the source, the row and the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from thamani.capacity import store
from thamani.capacity.access import may_manage, own_provider, require_manage
from thamani.capacity.pathways import ClockEventKind, replay, stop_clock
from thamani.capacity.records import ImportSummary, ReferralStatus
from thamani.capacity.referrals import Referral, Removal
from thamani.capacity.sources import file_fault, place
from thamani.errors import Conflict, InvalidInput
from thamani.parties.records import Actor

_LIMITS = {"referral_id": 100, "provider": 64, "specialty": 64}
"""Longest text the store keeps for each column."""


def add_referrals(
    conn: Connection,
    rows: Sequence[tuple[int, Referral]],
    source: str,
    access: Actor | None,
    now: int,
) -> ImportSummary:
    """Check every referral, then store them all with their clock starts."""
    seen: set[tuple[str, str]] = set()
    for line, r in rows:
        for column, value in (
            ("referral_id", r.referral_id),
            ("provider", r.key.provider),
            ("specialty", r.key.specialty),
        ):
            if not value.strip() or len(value) > _LIMITS[column]:
                raise file_fault(f"must be 1 to {_LIMITS[column]} characters", source, line, column)
        require_manage(access, r.key.provider, place(source, line, "provider"))
        pair = (r.key.provider, r.referral_id)
        if pair in seen:
            raise file_fault(
                f"{r.referral_id!r} appears twice",
                source,
                line,
                "referral_id",
                code="duplicate_id",
            )
        seen.add(pair)
    existing = store.existing_references(conn, [(r.key.provider, r.referral_id) for _, r in rows])
    for line, r in rows:
        if (r.key.provider, r.referral_id) in existing:
            raise Conflict(
                f"referral {r.referral_id!r} of provider {r.key.provider!r} already exists",
                code="referral_exists",
                where=place(source, line, "referral_id"),
                details={"file": source, "row": line, "column": "referral_id"},
            )
    ids, created = store.ensure_lists(conn, {r.key for _, r in rows}, now)
    referral_ids = store.insert_referrals(
        conn,
        [
            {
                "list_id": ids[r.key],
                "provider": r.key.provider,
                "reference": r.referral_id,
                "referred_on": r.referred_on,
                "minutes": r.minutes,
                "status": ReferralStatus.WAITING.value,
                "paused_since": None,
                "paused_days": 0,
                "last_event_on": r.referred_on,
                "removed_on": None,
                "removal_reason": None,
                "created_at": now,
            }
            for _, r in rows
        ],
    )
    store.insert_events(
        conn,
        [
            {
                "referral_id": rid,
                "kind": ClockEventKind.START.value,
                "on_day": r.referred_on,
                "reason": None,
                "recorded_at": now,
            }
            for rid, (_, r) in zip(referral_ids, rows, strict=True)
        ],
    )
    return ImportSummary(source, len(rows), 0, created)


def remove_referrals(
    conn: Connection,
    rows: Sequence[tuple[int, Removal]],
    source: str,
    access: Actor | None,
    now: int,
) -> ImportSummary:
    """Check every removal against its referral's history, then stop them all."""
    found = store.referrals_by_reference(conn, [r.referral_id for _, r in rows])
    by_reference: dict[str, list[store.ReferralRow]] = {}
    for row in found:
        if may_manage(access, row.referral.key.provider):
            by_reference.setdefault(row.referral.reference, []).append(row)
    default = own_provider(access)
    targets: list[tuple[int, Removal, store.ReferralRow]] = []
    taken: set[int] = set()
    for line, removal in rows:
        candidates = by_reference.get(removal.referral_id, [])
        wanted = removal.provider or (default if len(candidates) > 1 else None)
        if wanted is not None:
            candidates = [c for c in candidates if c.referral.key.provider == wanted]
        if not candidates:
            raise file_fault(
                f"no referral {removal.referral_id!r} on a list you manage",
                source,
                line,
                "referral_id",
                code="unknown_referral",
            )
        if len(candidates) > 1:
            names = ", ".join(sorted(c.referral.key.provider for c in candidates))
            raise file_fault(
                f"{removal.referral_id!r} is a referral of providers {names}: add a "
                "provider column",
                source,
                line,
                "referral_id",
                code="ambiguous_referral",
            )
        target = candidates[0]
        if target.id in taken:
            raise file_fault(
                "this referral is removed twice in the file", source, line, "referral_id"
            )
        taken.add(target.id)
        targets.append((line, removal, target))
    history = store.events_of(conn, [t.id for _, _, t in targets])
    states: list[tuple[int, dict[str, Any]]] = []
    events: list[dict[str, Any]] = []
    for line, removal, target in targets:
        pathway = replay(target.referral.reference, target.referral.key, history[target.id])
        try:
            stopped = stop_clock(pathway, removal.removed_on, removal.reason)
        except InvalidInput as error:
            column = "referral_id" if pathway.stopped_on is not None else "removed_on"
            raise file_fault(
                error.message, source, line, column, code="invalid_clock_change"
            ) from None
        states.append((target.id, store.state_of(stopped)))
        events.append(
            {
                "referral_id": target.id,
                "kind": ClockEventKind.STOP.value,
                "on_day": removal.removed_on,
                "reason": removal.reason.value,
                "recorded_at": now,
            }
        )
    store.update_states(conn, states)
    store.insert_events(conn, events)
    return ImportSummary(source, 0, len(targets), 0)
