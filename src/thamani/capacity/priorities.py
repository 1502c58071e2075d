"""Clinical priority classes and their target times (UK surgical prioritisation).

P1a within 24 hours, P1b within 72 hours, P2 within 4 weeks, P3 within 3 months, P4 longer
(a year is used as its target). Targets are whole days so that waits measured in days
compare with them directly; :func:`target_weeks` gives the same target in weeks for the
queueing formulas.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from thamani.errors import InvalidInput


class Priority(enum.Enum):
    """Clinical priority of a patient on a waiting list, most urgent first."""

    P1A = "P1a"
    P1B = "P1b"
    P2 = "P2"
    P3 = "P3"
    P4 = "P4"

    @property
    def rank(self) -> int:
        """Position in urgency order: 0 for P1a (most urgent) to 4 for P4."""
        return _ORDER.index(self)

    @property
    def target_days(self) -> int:
        """Target time from clock start to treatment, in days."""
        return TARGET_DAYS[self]

    @property
    def target_weeks(self) -> float:
        """Target time in weeks (days / 7), the unit the queueing formulas use."""
        return TARGET_DAYS[self] / 7.0


_ORDER: tuple[Priority, ...] = (Priority.P1A, Priority.P1B, Priority.P2, Priority.P3, Priority.P4)

TARGET_DAYS: dict[Priority, int] = {
    Priority.P1A: 1,
    Priority.P1B: 3,
    Priority.P2: 28,
    Priority.P3: 91,
    Priority.P4: 365,
}
"""Target in days per priority: 24 h, 72 h, 4 weeks, 3 months (13 weeks), a year."""


@dataclass(frozen=True, slots=True)
class PriorityTarget:
    """A priority class with the target it is held to.

    priority: the clinical priority class.
    target_days: the longest acceptable wait from clock start, in days.
    label: how people read it ("within 4 weeks").
    """

    priority: Priority
    target_days: int
    label: str


LABELS: dict[Priority, str] = {
    Priority.P1A: "within 24 hours",
    Priority.P1B: "within 72 hours",
    Priority.P2: "within 4 weeks",
    Priority.P3: "within 3 months",
    Priority.P4: "longer than 3 months",
}


def priority_targets() -> tuple[PriorityTarget, ...]:
    """All priority classes in urgency order with their targets."""
    return tuple(PriorityTarget(p, TARGET_DAYS[p], LABELS[p]) for p in _ORDER)


def all_priorities() -> tuple[Priority, ...]:
    """The priority classes in urgency order, most urgent first."""
    return _ORDER


def parse_priority(text: str) -> Priority:
    """Read a priority code ("P1a", "p2", "1b", "3") case-insensitively.

    Raises InvalidInput naming the accepted codes when the text is not one of them.
    """
    code = text.strip().upper()
    if not code.startswith("P"):
        code = "P" + code
    for priority in _ORDER:
        if priority.value.upper() == code:
            return priority
    accepted = ", ".join(p.value for p in _ORDER)
    raise InvalidInput(f"unknown priority {text!r}; expected one of {accepted}")
