"""Use cases of the capacity room: waiting lists, referrals, RTT snapshots and plans.

``Capacity`` runs each use case in one transaction. Every method takes ``access``, the
actor asking (None for the platform's own work); the rules are in
:mod:`thamani.capacity.access`. Imports store every row or none: the first bad row raises
an error naming the file (or batch), the row and the column, and nothing changes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Engine

from thamani.capacity import store
from thamani.capacity.access import (
    may_manage,
    may_read_patients,
    may_read_rtt,
    readable_providers,
    require_manage,
)
from thamani.capacity.imports import add_referrals, remove_referrals
from thamani.capacity.pathways import (
    ClockEvent,
    Pathway,
    RemovalReason,
    pause_clock,
    replay,
    resume_clock,
    stop_clock,
)
from thamani.capacity.planning import (
    clock_waits,
    list_scenarios,
    list_statistics,
    referral_forecast,
    schedule_patients,
    sessions_for,
    stored_simulation,
    wait_bands,
)
from thamani.capacity.priorities import Priority
from thamani.capacity.records import (
    ImportSummary,
    ListStatistics,
    ReferralForecast,
    ReferralStatus,
    RttSnapshot,
    SessionPlan,
    StoredReferral,
    WaitingList,
)
from thamani.capacity.referrals import (
    Referral,
    Removal,
    is_removals_header,
    referral_rows,
    removal_rows,
)
from thamani.capacity.rtt import RttRecord, RttStatistics, parse_rtt_csv, rtt_statistics
from thamani.capacity.scenarios import (
    BASELINE,
    Scenario,
    ScenarioOutcome,
    WaitingCost,
    apply_to_input,
    outcome_of_simulation,
)
from thamani.capacity.scheduling import ScheduleResult, schedule
from thamani.capacity.simulation import simulate
from thamani.capacity.sources import file_fault
from thamani.clock import Clock, SystemClock
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Forbidden, InvalidInput, NotFound
from thamani.parties.records import Actor

Progress = Callable[[int], None]
DEFAULT_WAITING_COST = WaitingCost("GBP", 10_000)
"""What a patient's week of waiting costs by default: GBP 100.00."""


def _skip(_n: int) -> None:
    return None


class Capacity:
    """Waiting lists and their plans over one store."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()

    def today(self) -> date:
        """The clock's date (UTC)."""
        return datetime.fromtimestamp(self.clock.now_ns() / 1e9, UTC).date()

    # -- waiting lists and referrals ------------------------------------------------------

    def waiting_lists(
        self,
        access: Actor | None = None,
        provider: str | None = None,
        specialty: str | None = None,
        priority: Priority | None = None,
    ) -> list[WaitingList]:
        """Lists with head counts: a provider sees its own, analysts and admins all."""
        provider = self._scope(access, provider)
        if provider == "":
            return []
        with read_transaction(self.engine) as conn:
            return store.waiting_lists_with_counts(conn, provider, specialty, priority)

    def refer(self, referral: Referral, access: Actor | None = None) -> StoredReferral:
        """Put one referral on its list (the list is created on first use)."""
        self.add_referrals([referral], access, source="referral")
        return self.referral(referral.key.provider, referral.referral_id, access)

    def add_referrals(
        self,
        batch: Sequence[Referral],
        access: Actor | None = None,
        source: str = "referrals batch",
    ) -> ImportSummary:
        """Add many referrals at once (the synthetic population calls this), all or none.

        Errors name ``source`` and the 1-based position in the batch as the row.
        """
        rows = [(i + 1, r) for i, r in enumerate(batch)]
        with write_transaction(self.engine) as conn:
            return add_referrals(conn, rows, source, access, self.clock.now_ns())

    def remove_many(
        self,
        batch: Sequence[Removal],
        access: Actor | None = None,
        source: str = "removals batch",
    ) -> ImportSummary:
        """Stop the clocks of many referrals at once, all or none."""
        rows = [(i + 1, r) for i, r in enumerate(batch)]
        with write_transaction(self.engine) as conn:
            return remove_referrals(conn, rows, source, access, self.clock.now_ns())

    def import_csv(
        self, lines: Iterable[str], source: str, access: Actor | None = None, kind: str = "auto"
    ) -> ImportSummary:
        """Import a referrals or a removals CSV (``kind`` auto reads the header)."""
        text = list(lines)
        if kind == "auto":
            kind = "removals" if text and is_removals_header(text[0]) else "referrals"
        if kind == "referrals":
            parsed = referral_rows(text, source)
            with write_transaction(self.engine) as conn:
                return add_referrals(conn, parsed, source, access, self.clock.now_ns())
        if kind == "removals":
            removals = removal_rows(text, source)
            with write_transaction(self.engine) as conn:
                return remove_referrals(conn, removals, source, access, self.clock.now_ns())
        raise InvalidInput(f"unknown import kind {kind!r}; use referrals or removals", where="kind")

    def pause(
        self, provider: str, reference: str, on: date | None = None, access: Actor | None = None
    ) -> StoredReferral:
        """Pause a referral's clock from ``on`` (default today)."""
        day = on or self.today()
        return self._change(provider, reference, access, lambda p: pause_clock(p, day))

    def resume(
        self, provider: str, reference: str, on: date | None = None, access: Actor | None = None
    ) -> StoredReferral:
        """Restart a paused clock from ``on`` (default today)."""
        day = on or self.today()
        return self._change(provider, reference, access, lambda p: resume_clock(p, day))

    def remove(
        self,
        provider: str,
        reference: str,
        reason: RemovalReason,
        on: date | None = None,
        access: Actor | None = None,
    ) -> StoredReferral:
        """Take a referral off its list: treated, declined, moved or died."""
        day = on or self.today()
        return self._change(provider, reference, access, lambda p: stop_clock(p, day, reason))

    def referral(
        self, provider: str, reference: str, access: Actor | None = None
    ) -> StoredReferral:
        """One referral with its clock history; another provider's answers NotFound."""
        with read_transaction(self.engine) as conn:
            row = self._find(conn, provider, reference, access)
            events = store.events_of(conn, [row.id])[row.id]
        return _with_events(row.referral, events)

    def referrals(
        self,
        provider: str,
        access: Actor | None = None,
        specialty: str | None = None,
        priority: Priority | None = None,
        status: ReferralStatus | None = None,
        limit: int | None = 1000,
    ) -> list[StoredReferral]:
        """A provider's referrals, most urgent then longest waiting first."""
        if not may_read_patients(access, provider):
            raise NotFound(f"no waiting lists for provider {provider!r}", code="list_not_found")
        statuses = None if status is None else [status]
        with read_transaction(self.engine) as conn:
            rows = store.referrals_of(conn, provider, specialty, priority, statuses, limit)
        return [r.referral for r in rows]

    # -- RTT snapshots --------------------------------------------------------------------

    def import_rtt(
        self, lines: Iterable[str], source: str, access: Actor | None = None
    ) -> RttSnapshot:
        """Store an NHS England RTT file (one month) as a snapshot, all rows or none."""
        records = parse_rtt_csv(lines, source)
        periods = sorted({r.period for r in records})
        if len(periods) > 1:
            raise file_fault(
                f"the file mixes periods {', '.join(periods)}; import one month at a time",
                source,
                column="Period",
                code="mixed_periods",
            )
        providers = sorted({r.provider_code for r in records})
        if not all(may_manage(access, p) for p in providers):
            raise Forbidden(
                "only admins, or a provider for a file of its own figures, import RTT files",
                code="not_your_list",
            )
        with write_transaction(self.engine) as conn:
            who = None if access is None else access.party_id
            return store.insert_snapshot(conn, source, records, self.clock.now_ns(), who)

    def rtt_snapshots(
        self, access: Actor | None = None, provider: str | None = None
    ) -> list[RttSnapshot]:
        """Imported RTT snapshots, newest first."""
        self._require_rtt(access)
        with read_transaction(self.engine) as conn:
            return store.snapshots(conn, provider)

    def rtt_records(
        self,
        snapshot_id: int | None = None,
        provider: str | None = None,
        access: Actor | None = None,
    ) -> tuple[RttSnapshot, list[RttRecord]]:
        """A snapshot (default: the newest, holding ``provider`` when given) and its rows."""
        self._require_rtt(access)
        with read_transaction(self.engine) as conn:
            if snapshot_id is not None:
                snap = store.snapshot(conn, snapshot_id)
            else:
                found = store.snapshots(conn, provider)
                snap = found[0] if found else None
            if snap is None:
                what = f"RTT snapshot {snapshot_id}" if snapshot_id else "RTT snapshot"
                held = f" holding provider {provider!r}" if provider and not snapshot_id else ""
                raise NotFound(f"no {what}{held} is stored", code="snapshot_not_found")
            return snap, store.snapshot_records(conn, snap, provider)

    def rtt_statistics(
        self,
        snapshot_id: int | None = None,
        provider: str | None = None,
        access: Actor | None = None,
    ) -> list[RttStatistics]:
        """Standard RTT figures per provider, treatment function and part of a snapshot."""
        _, records = self.rtt_records(snapshot_id, provider, access)
        return rtt_statistics(records)

    # -- plans ----------------------------------------------------------------------------

    def statistics(
        self,
        access: Actor | None = None,
        provider: str | None = None,
        specialty: str | None = None,
        priority: Priority | None = None,
        as_of: date | None = None,
        start: date | None = None,
    ) -> list[ListStatistics]:
        """Figures per list at ``as_of`` (default today): aggregates only."""
        stats, _ = self._gather(access, provider, specialty, priority, as_of or self.today(), start)
        return stats

    def simulate(
        self,
        access: Actor | None = None,
        provider: str | None = None,
        specialty: str | None = None,
        priority: Priority | None = None,
        *,
        days: int = 730,
        seed: int = 0,
        scenarios: Sequence[Scenario] | None = None,
        waiting_cost: WaitingCost = DEFAULT_WAITING_COST,
        as_of: date | None = None,
        progress: Progress = _skip,
    ) -> tuple[ScenarioOutcome, ...]:
        """The baseline and each scenario (default: the standard four) side by side.

        Every list starts from today's patients; all runs share the seed.
        """
        day = as_of or self.today()
        stats, bands = self._gather(access, provider, specialty, priority, day)
        config = stored_simulation(stats, bands, days)
        chosen = list_scenarios(config) if scenarios is None else tuple(scenarios)
        first_weekday = (day.weekday() + 1) % 7
        outcomes = []
        for scenario in (BASELINE, *chosen):
            changed, cost = apply_to_input(scenario, config, first_weekday)
            result = simulate(changed, seed)
            outcomes.append(outcome_of_simulation(scenario, result, waiting_cost, cost))
            progress(1)
        return tuple(outcomes)

    def schedule(
        self,
        provider: str,
        plan: SessionPlan,
        access: Actor | None = None,
        specialty: str | None = None,
        *,
        limit: int = 500,
        default_minutes: int = 60,
        mip_rel_gap: float = 0.01,
        time_limit_seconds: float = 30.0,
    ) -> ScheduleResult:
        """Book the most urgent, longest-waiting patients (up to ``limit``) into sessions.

        Paused and removed referrals are not booked. Patient-level: providers only.
        """
        if not may_read_patients(access, provider):
            raise NotFound(f"no waiting lists for provider {provider!r}", code="list_not_found")
        waiting = self.referrals(provider, access, specialty, None, ReferralStatus.WAITING, limit)
        if not waiting:
            raise InvalidInput(f"nobody is waiting on provider {provider!r}'s lists")
        patients = schedule_patients(waiting, default_minutes)
        sessions = sessions_for(plan, sorted({p.specialty for p in patients}))
        return schedule(patients, sessions, None, mip_rel_gap, time_limit_seconds)

    def forecast(
        self,
        access: Actor | None = None,
        provider: str | None = None,
        specialty: str | None = None,
        priority: Priority | None = None,
        *,
        period: str = "week",
        horizon: int = 12,
        as_of: date | None = None,
        level: float = 0.95,
    ) -> ReferralForecast:
        """Referrals per week or month ahead, and the weekly capacity they will need.

        Seasons are 52 weeks or 12 months; with less history than a season and two
        periods the forecast has no season. Capacity is sized for the priority's target
        (factor 4), or for 92 % within 18 weeks when the lists mix priorities.
        """
        day = as_of or self.today()
        scope = self._scope(access, provider)
        with read_transaction(self.engine) as conn:
            lists = [] if scope == "" else self._lists(conn, scope, specialty, priority)
            referred = store.referred_days(conn, [w.id for w in lists], day)
        return referral_forecast(referred, period, day, horizon, level, priority, scope, specialty)

    def report(
        self,
        access: Actor | None = None,
        provider: str | None = None,
        *,
        rtt: Sequence[RttRecord] | None = None,
        snapshot_id: int | None = None,
        as_of: date | None = None,
        days: int = 730,
        charts_as_svg: bool = False,
        progress: Progress = _skip,
    ) -> str:
        """The plan as one HTML page with charts.

        From the RTT rows given, or a stored snapshot, or else the stored lists (falling
        back to the newest snapshot when there are none).
        """
        day = as_of or self.today()
        if rtt is None and snapshot_id is None:
            stats, bands = self._gather(access, provider, None, None, day)
            if stats:
                return self._lists_report(access, provider, stats, bands, day, days, progress)
        if rtt is None:
            _, records = self.rtt_records(snapshot_id, provider, access)
            rtt = records
        elif not may_read_rtt(access):
            raise Forbidden("this token lacks the scope capacity:read", code="missing_scope")
        codes = sorted({r.provider_code for r in rtt})
        if provider is None:
            if len(codes) != 1:
                raise InvalidInput(
                    f"the RTT rows hold providers {', '.join(codes)}: name one",
                    where="provider",
                )
            provider = codes[0]
        progress(1)
        from thamani.capacity.report import hospital_report, render_report  # altair: slow

        context = hospital_report(rtt, provider, generated=day)
        progress(1)
        return render_report(context, charts_as_svg)

    # -- internals ------------------------------------------------------------------------

    def _scope(self, access: Actor | None, provider: str | None) -> str | None:
        """The provider an aggregate read is limited to; "" when it can see nothing."""
        limit = readable_providers(access)
        if limit is None:
            return provider
        return limit if provider in (None, limit) else ""

    def _lists(
        self,
        conn: Connection,
        provider: str | None,
        specialty: str | None,
        priority: Priority | None,
    ) -> list[WaitingList]:
        return store.waiting_lists_with_counts(conn, provider, specialty, priority)

    def _gather(
        self,
        access: Actor | None,
        provider: str | None,
        specialty: str | None,
        priority: Priority | None,
        as_of: date,
        start: date | None = None,
    ) -> tuple[list[ListStatistics], list[int]]:
        """Statistics of each readable list, and the pooled clock waits in weekly bands."""
        scope = self._scope(access, provider)
        if scope == "":
            return [], wait_bands(clock_waits([], as_of)[0])
        with read_transaction(self.engine) as conn:
            lists = self._lists(conn, scope, specialty, priority)
            rows = store.clock_rows(conn, [w.id for w in lists])
        by_list: dict[int, list[store.ClockRow]] = {w.id: [] for w in lists}
        for r in rows:
            by_list[r.list_id].append(r)
        stats = []
        for w in lists:
            found = list_statistics(w.key, by_list[w.id], as_of, start)
            if found is not None:
                stats.append(found)
        return stats, wait_bands(clock_waits(rows, as_of)[0])

    def _lists_report(
        self,
        access: Actor | None,
        provider: str | None,
        stats: list[ListStatistics],
        bands: list[int],
        day: date,
        days: int,
        progress: Progress,
    ) -> str:
        outcomes = self.simulate(access, provider, as_of=day, days=days, progress=progress)
        try:
            forecast = self.forecast(access, provider, as_of=day, period="week", horizon=12)
        except InvalidInput:
            forecast = None
        progress(1)
        from thamani.capacity.overview import lists_report  # altair: slow to import
        from thamani.capacity.report import render_report

        title = f"Waiting list plan: {provider or 'all providers'}"
        context = lists_report(
            title, stats, bands, outcomes, forecast, DEFAULT_WAITING_COST.currency, day
        )
        return render_report(context)

    def _require_rtt(self, access: Actor | None) -> None:
        if not may_read_rtt(access):
            raise Forbidden("this token lacks the scope capacity:read", code="missing_scope")

    def _find(
        self, conn: Connection, provider: str, reference: str, access: Actor | None
    ) -> store.ReferralRow:
        rows = store.referrals_by_reference(conn, [reference], provider)
        if not rows or not may_read_patients(access, provider):
            raise NotFound(
                f"no referral {reference!r} for provider {provider!r}",
                code="referral_not_found",
            )
        return rows[0]

    def _change(
        self,
        provider: str,
        reference: str,
        access: Actor | None,
        action: Callable[[Pathway], Pathway],
    ) -> StoredReferral:
        """Apply one clock change to one referral, checked against its whole history."""
        with write_transaction(self.engine) as conn:
            row = self._find(conn, provider, reference, access)
            require_manage(access, provider)
            events = store.events_of(conn, [row.id])[row.id]
            before = replay(reference, row.referral.key, events)
            after = action(before)
            event = _new_event(before, after)
            store.update_states(conn, [(row.id, store.state_of(after))])
            store.insert_events(conn, [{"referral_id": row.id, **event, **self._stamp()}])
            fresh = self._find(conn, provider, reference, access)
            return _with_events(fresh.referral, store.events_of(conn, [row.id])[row.id])

    def _stamp(self) -> dict[str, int]:
        return {"recorded_at": self.clock.now_ns()}


def _new_event(before: Pathway, after: Pathway) -> dict[str, Any]:
    """The clock event that turned ``before`` into ``after``."""
    if after.stopped_on is not None:
        reason = after.removal_reason
        assert reason is not None
        return {"kind": "stop", "on_day": after.stopped_on, "reason": reason.value}
    if after.is_paused:
        return {"kind": "pause", "on_day": after.pauses[-1].start, "reason": None}
    end = after.pauses[-1].end
    assert end is not None
    assert before.is_paused
    return {"kind": "resume", "on_day": end, "reason": None}


def _with_events(referral: StoredReferral, events: Sequence[ClockEvent]) -> StoredReferral:
    return dataclasses.replace(referral, events=tuple(events))
