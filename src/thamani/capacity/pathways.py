"""Referral-to-treatment pathways: the clock that starts, pauses and stops.

The clock starts at referral and stops at first definitive treatment or when the patient
leaves the list for another reason (declined, moved, died). Where the rules allow it can
pause (a patient-initiated delay); paused days do not count toward the wait. A pathway with
no stop is *incomplete*: the patient is still waiting.

Records here are immutable; each clock change returns a new :class:`Pathway`.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from thamani.capacity.priorities import Priority
from thamani.errors import InvalidInput


class RemovalReason(enum.Enum):
    """Why a patient left the waiting list (why the clock stopped)."""

    TREATED = "treated"
    DECLINED = "declined"
    MOVED = "moved"
    DIED = "died"


def parse_removal_reason(text: str) -> RemovalReason:
    """Read a removal reason ("treated", "Declined", ...) case-insensitively."""
    code = text.strip().lower()
    for reason in RemovalReason:
        if reason.value == code:
            return reason
    accepted = ", ".join(r.value for r in RemovalReason)
    raise InvalidInput(f"unknown removal reason {text!r}; expected one of {accepted}")


@dataclass(frozen=True, slots=True)
class WaitingListKey:
    """Identifies one waiting list.

    provider: the organisation that treats (an NHS trust code, a hospital id).
    specialty: the treatment function or specialty code ("C_110", "ortho").
    priority: the clinical priority class of the list.
    """

    provider: str
    specialty: str
    priority: Priority


@dataclass(frozen=True, slots=True)
class Pause:
    """A span during which the clock did not run.

    start: first paused day.
    end: first day the clock ran again, or None while still paused.
    """

    start: date
    end: date | None

    def paused_days_before(self, as_of: date) -> int:
        """Days of this pause that fall before ``as_of`` (exclusive)."""
        stop = as_of if self.end is None else min(self.end, as_of)
        return max(0, (stop - self.start).days)


@dataclass(frozen=True, slots=True)
class Pathway:
    """One patient's referral-to-treatment pathway.

    pathway_id: stable identifier of the referral.
    key: the waiting list the patient is on.
    clock_start: the referral date (clock start).
    pauses: the clock pauses in date order; at most the last one is open.
    stopped_on: the clock-stop date, or None while the patient waits.
    removal_reason: why the clock stopped, None while the patient waits.
    """

    pathway_id: str
    key: WaitingListKey
    clock_start: date
    pauses: tuple[Pause, ...] = ()
    stopped_on: date | None = None
    removal_reason: RemovalReason | None = None

    @property
    def is_incomplete(self) -> bool:
        """True while the clock has not stopped (the patient is still waiting)."""
        return self.stopped_on is None

    @property
    def is_paused(self) -> bool:
        """True when the last pause has not ended."""
        return bool(self.pauses) and self.pauses[-1].end is None

    def waited_days(self, as_of: date) -> int:
        """Days on the clock at ``as_of``: elapsed days less paused days.

        Counts up to the clock stop when it came before ``as_of``. Zero before the start.
        """
        end = as_of if self.stopped_on is None else min(self.stopped_on, as_of)
        if end <= self.clock_start:
            return 0
        paused = sum(p.paused_days_before(end) for p in self.pauses)
        return (end - self.clock_start).days - paused

    def waited_weeks(self, as_of: date) -> float:
        """Clock time in weeks at ``as_of`` (days / 7)."""
        return self.waited_days(as_of) / 7.0

    def breached(self, as_of: date) -> bool:
        """True when the clock time exceeds the priority's target at ``as_of``."""
        return self.waited_days(as_of) > self.key.priority.target_days


def start_clock(pathway_id: str, key: WaitingListKey, referred_on: date) -> Pathway:
    """Open a pathway: the clock starts at referral."""
    if not pathway_id.strip():
        raise InvalidInput("pathway id must not be empty")
    return Pathway(pathway_id=pathway_id, key=key, clock_start=referred_on)


def _require_open(pathway: Pathway, action: str) -> None:
    """Refuse a clock change on a stopped pathway."""
    if pathway.stopped_on is not None:
        raise InvalidInput(
            f"pathway {pathway.pathway_id}: cannot {action}, clock stopped on "
            f"{pathway.stopped_on.isoformat()}"
        )


def _last_event_day(pathway: Pathway) -> date:
    """The latest date already recorded on the pathway."""
    days = [pathway.clock_start]
    for pause in pathway.pauses:
        days.append(pause.start)
        if pause.end is not None:
            days.append(pause.end)
    return max(days)


def _require_not_before(pathway: Pathway, on: date, action: str) -> None:
    """Refuse an event dated before what the pathway already records."""
    last = _last_event_day(pathway)
    if on < last:
        raise InvalidInput(
            f"pathway {pathway.pathway_id}: cannot {action} on {on.isoformat()}, "
            f"before {last.isoformat()}"
        )


def pause_clock(pathway: Pathway, on: date) -> Pathway:
    """Pause the clock from ``on``."""
    _require_open(pathway, "pause")
    if pathway.is_paused:
        raise InvalidInput(f"pathway {pathway.pathway_id}: clock already paused")
    _require_not_before(pathway, on, "pause")
    return dataclasses.replace(pathway, pauses=(*pathway.pauses, Pause(on, None)))


def resume_clock(pathway: Pathway, on: date) -> Pathway:
    """Restart a paused clock from ``on``."""
    _require_open(pathway, "resume")
    if not pathway.is_paused:
        raise InvalidInput(f"pathway {pathway.pathway_id}: clock is not paused")
    _require_not_before(pathway, on, "resume")
    last = pathway.pauses[-1]
    return dataclasses.replace(pathway, pauses=(*pathway.pauses[:-1], Pause(last.start, on)))


def stop_clock(pathway: Pathway, on: date, reason: RemovalReason) -> Pathway:
    """Stop the clock: the patient leaves the list on ``on`` for ``reason``.

    An open pause ends on the stop date.
    """
    _require_open(pathway, "stop")
    _require_not_before(pathway, on, "stop")
    pauses = pathway.pauses
    if pathway.is_paused:
        pauses = (*pauses[:-1], Pause(pauses[-1].start, on))
    return dataclasses.replace(pathway, pauses=pauses, stopped_on=on, removal_reason=reason)


class ClockEventKind(enum.Enum):
    """What happened to the clock."""

    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"


@dataclass(frozen=True, slots=True)
class ClockEvent:
    """One clock event as recorded (imported or entered).

    kind: start, pause, resume or stop.
    on: the day it happened.
    reason: the removal reason, required for a stop and absent otherwise.
    """

    kind: ClockEventKind
    on: date
    reason: RemovalReason | None = None


def replay(pathway_id: str, key: WaitingListKey, events: Iterable[ClockEvent]) -> Pathway:
    """Build a pathway from its events in order; the first must be the start."""
    iterator = iter(events)
    first = next(iterator, None)
    if first is None or first.kind is not ClockEventKind.START:
        raise InvalidInput(f"pathway {pathway_id}: the first clock event must be the start")
    pathway = start_clock(pathway_id, key, first.on)
    for event in iterator:
        if event.kind is ClockEventKind.START:
            raise InvalidInput(f"pathway {pathway_id}: the clock can start only once")
        if event.kind is ClockEventKind.PAUSE:
            pathway = pause_clock(pathway, event.on)
        elif event.kind is ClockEventKind.RESUME:
            pathway = resume_clock(pathway, event.on)
        else:
            if event.reason is None:
                raise InvalidInput(f"pathway {pathway_id}: a clock stop needs a reason")
            pathway = stop_clock(pathway, event.on, event.reason)
    return pathway


def incomplete_waits_days(pathways: Iterable[Pathway], as_of: date) -> list[int]:
    """Clock times in days at ``as_of`` of the pathways still open then.

    A pathway counts as open at ``as_of`` if it started on or before that day and its clock
    had not stopped by then (a stop on ``as_of`` means it is no longer waiting).
    """
    return [
        p.waited_days(as_of)
        for p in pathways
        if p.clock_start <= as_of and (p.stopped_on is None or p.stopped_on > as_of)
    ]
