"""What members, policies and providers have used: the counters limits are checked against.

These are the working state of adjudication, loaded for a batch in one query each, changed
in memory claim by claim (so the second claim of a member in a batch sees the first), and
written back in bulk. They are mutable on purpose and live only inside one use case.

Buckets of money counters: index 0 is all care, 1 hospital care, 2 other care (see
``thamani.claims.rulebook``). Days are proleptic ordinals (``date.toordinal()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

#: Visit kinds a claim counts as, as bits of the claim's ``visits`` column.
VISIT, ADMISSION, DELIVERY, ANTENATAL = 1, 2, 4, 8

#: Entries of recent history kept per member (for the review flags), at most.
HISTORY_MAX = 16


@dataclass(slots=True)
class MemberUsage:
    """What one member has used in one enrolment period.

    visits, admissions, deliveries, antenatal: claims counted as each.
    paid: what the programme paid, by bucket.
    deductible: what the member paid towards deductibles, by bucket.
    quantity: units by item code (items with a quantity limit only).
    last: the last service day by item code (items with a minimum interval only).
    history: recent encounters as [day, provider id, ICD-10 category], oldest first
        (only those inside the longest window the review flags look back over).
    keys: duplicate keys of the live claims of the period (see ``duplicate_key``).
    stored: a row exists in the store.
    dirty: changed since loaded.
    """

    visits: int = 0
    admissions: int = 0
    deliveries: int = 0
    antenatal: int = 0
    paid: list[int] = field(default_factory=lambda: [0, 0, 0])
    deductible: list[int] = field(default_factory=lambda: [0, 0, 0])
    quantity: dict[str, int] = field(default_factory=dict)
    last: dict[str, int] = field(default_factory=dict)
    history: list[list[Any]] = field(default_factory=list)
    keys: list[int] = field(default_factory=list)
    stored: bool = False
    dirty: bool = False

    def count(self, bits: int) -> None:
        """Add one claim counted as the visit kinds in ``bits``."""
        if bits & VISIT:
            self.visits += 1
        if bits == VISIT:
            return
        if bits & ADMISSION:
            self.admissions += 1
        if bits & DELIVERY:
            self.deliveries += 1
        if bits & ANTENATAL:
            self.antenatal += 1

    def uncount(self, bits: int) -> None:
        if bits & VISIT:
            self.visits = max(0, self.visits - 1)
        if bits & ADMISSION:
            self.admissions = max(0, self.admissions - 1)
        if bits & DELIVERY:
            self.deliveries = max(0, self.deliveries - 1)
        if bits & ANTENATAL:
            self.antenatal = max(0, self.antenatal - 1)

    def remember(self, day: int, provider: int, category: str, window: int) -> None:
        """Add an encounter; forget those more than ``window`` days before this one (and
        all but the last ``HISTORY_MAX``)."""
        h = self.history
        h.append([day, provider, category])
        if len(h) > HISTORY_MAX or day - h[0][0] > window:
            self.history = [x for x in h if day - x[0] <= window][-HISTORY_MAX:]

    def dumps(self) -> str:
        return orjson.dumps(
            {
                "v": [self.visits, self.admissions, self.deliveries, self.antenatal],
                "p": self.paid,
                "d": self.deductible,
                "q": self.quantity,
                "l": self.last,
                "h": self.history,
                "k": self.keys,
            }
        ).decode()

    @classmethod
    def loads(cls, text: str) -> MemberUsage:
        d = orjson.loads(text)
        v = d["v"]
        return cls(
            v[0], v[1], v[2], v[3], d["p"], d["d"], d["q"], d["l"], d["h"], d["k"], stored=True
        )


@dataclass(slots=True)
class PolicyUsage:
    """What a policy (a household's enrolment) has used in its period.

    paid: what the programme paid, by bucket.
    deductible: paid towards the policy's deductibles, by bucket.
    stored, dirty: as for ``MemberUsage``.
    """

    paid: list[int] = field(default_factory=lambda: [0, 0, 0])
    deductible: list[int] = field(default_factory=lambda: [0, 0, 0])
    stored: bool = False
    dirty: bool = False

    def dumps(self) -> str:
        return orjson.dumps({"p": self.paid, "d": self.deductible}).decode()

    @classmethod
    def loads(cls, text: str) -> PolicyUsage:
        d = orjson.loads(text)
        return cls(d["p"], d["d"], stored=True)


@dataclass(slots=True)
class ProviderStats:
    """Encounters and valuated amounts per provider and per peer group, in a batch.

    own: (programme, provider) -> [encounters, valuated].
    peers: (programme, level) -> [encounters, valuated] over every provider of the level.
    added: (programme, provider) -> [encounters, valuated] this batch added (written as
        increments, so that several writers add up).
    """

    own: dict[tuple[int, int], list[int]] = field(default_factory=dict)
    peers: dict[tuple[int, str], list[int]] = field(default_factory=dict)
    added: dict[tuple[int, int], list[int]] = field(default_factory=dict)

    def add(self, programme: int, provider: int, level: str, valuated: int) -> None:
        key = (programme, provider)
        own = self.own.get(key)
        if own is None:
            own = self.own[key] = [0, 0]
        own[0] += 1
        own[1] += valuated
        peer = self.peers.get((programme, level))
        if peer is None:
            peer = self.peers[(programme, level)] = [0, 0]
        peer[0] += 1
        peer[1] += valuated
        add = self.added.get(key)
        if add is None:
            add = self.added[key] = [0, 0]
        add[0] += 1
        add[1] += valuated
