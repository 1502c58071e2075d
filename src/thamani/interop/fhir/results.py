"""What an import did: per unit, per resource type and per resource."""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field

from thamani.interop.fhir.outcomes import Issue
from thamani.interop.fhir.validation import Checked


class Outcome(enum.Enum):
    """What became of one resource."""

    ADDED = "added"
    UNCHANGED = "unchanged"
    """Stored already (the same source id): left as it was."""
    SKIPPED = "skipped"
    """Of a type that is not imported (or read only for the names it gives)."""


@dataclass(frozen=True, slots=True)
class EntryResult:
    """What became of one resource of a unit.

    type, id: the resource.
    index: its entry's index in its Bundle (its line in its NDJSON file).
    outcome: ``Outcome``.
    """

    type: str
    id: str
    index: int
    outcome: Outcome


@dataclass(frozen=True, slots=True)
class UnitResult:
    """What importing one unit did.

    name: the file (or directory, or ``request``) it came from.
    ok: it was imported (else nothing of it was written).
    read: resources read, by type.
    added: resources stored now, by type.
    unchanged: resources found stored already (an import run again), by type.
    skipped: resources of types not imported, by type.
    issues: why it failed (empty when ``ok``).
    entries: what became of each resource, in the unit's order (when ``ok``).
    money: the claims' totals by currency, minor units: ``charged`` (the Claims' totals),
        ``payer_paid`` (the EOBs' payments), ``patient_paid``, ``outstanding``.
    """

    name: str
    ok: bool
    read: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    issues: tuple[Issue, ...] = ()
    entries: tuple[EntryResult, ...] = ()
    money: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def resources(self) -> int:
        return sum(self.read.values())


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What importing a path did, unit by unit."""

    units: list[UnitResult]

    @property
    def failed(self) -> list[UnitResult]:
        return [u for u in self.units if not u.ok]

    def total(self, what: str) -> dict[str, int]:
        """``read``, ``added``, ``unchanged`` or ``skipped`` summed over the imported units."""
        out: Counter[str] = Counter()
        for u in self.units:
            if u.ok:
                out.update(getattr(u, what))
        return dict(sorted(out.items()))

    def money(self) -> dict[str, dict[str, int]]:
        """The imported units' claim totals by currency (see ``UnitResult.money``)."""
        out: dict[str, Counter[str]] = {}
        for u in self.units:
            if u.ok:
                for cur, sums in u.money.items():
                    out.setdefault(cur, Counter()).update(sums)
        return {c: dict(v) for c, v in sorted(out.items())}


def unit_result(
    name: str,
    checked: list[Checked],
    outcomes: list[Outcome],
    money: dict[str, Counter[str]],
) -> UnitResult:
    read: Counter[str] = Counter()
    by: dict[Outcome, Counter[str]] = {o: Counter() for o in Outcome}
    for c, o in zip(checked, outcomes, strict=True):
        read[c.type] += 1
        by[o][c.type] += 1
    return UnitResult(
        name,
        True,
        dict(sorted(read.items())),
        dict(sorted(by[Outcome.ADDED].items())),
        dict(sorted(by[Outcome.UNCHANGED].items())),
        dict(sorted(by[Outcome.SKIPPED].items())),
        entries=tuple(
            EntryResult(c.type, c.id, c.entry.index, o)
            for c, o in zip(checked, outcomes, strict=True)
        ),
        money={cur: dict(v) for cur, v in sorted(money.items())},
    )
