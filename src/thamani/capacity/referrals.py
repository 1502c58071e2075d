"""Referrals and removals as CSV: parsing by header name, applying to pathways.

Referrals CSV columns: ``referral_id``, ``provider``, ``specialty``, ``priority`` (P1a ...
P4) and ``referred_on`` (YYYY-MM-DD), and optionally ``minutes`` (session minutes the
treatment needs). Removals CSV columns: ``referral_id``, ``removed_on`` and ``reason``
(treated, declined, moved, died), and optionally ``provider`` (needed only where two
providers use the same referral id). Other columns are ignored.
The whole file is checked before anything is returned; the first problem raises
:class:`InvalidInput` naming the file, the row (the header is row 1) and the column.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from thamani.capacity.pathways import (
    Pathway,
    RemovalReason,
    WaitingListKey,
    parse_removal_reason,
    start_clock,
    stop_clock,
)
from thamani.capacity.priorities import parse_priority
from thamani.capacity.sources import file_fault
from thamani.errors import InvalidInput

T = TypeVar("T")

REFERRAL_COLUMNS = ("referral_id", "provider", "specialty", "priority", "referred_on")
REMOVAL_COLUMNS = ("referral_id", "removed_on", "reason")


@dataclass(frozen=True, slots=True)
class Referral:
    """A referral onto a waiting list (an RTT clock start).

    referral_id: the provider's identifier of the referral, unique for that provider (a
        reference of the provider's choosing, never a patient's name or national number).
    key: the waiting list (provider, specialty, priority).
    referred_on: the clock-start date.
    minutes: session minutes the treatment needs, None when not known.
    """

    referral_id: str
    key: WaitingListKey
    referred_on: date
    minutes: int | None = None


@dataclass(frozen=True, slots=True)
class Removal:
    """A patient leaving a waiting list (an RTT clock stop).

    referral_id: the referral that ends.
    removed_on: the clock-stop date.
    reason: treated, declined, moved or died.
    provider: the provider whose referral it is, None when the id alone is enough.
    """

    referral_id: str
    removed_on: date
    reason: RemovalReason
    provider: str | None = None


def _cell(
    row: Mapping[str, str], column: str, source: str, line: int, parse: Callable[[str], T]
) -> T:
    """Parse one cell, naming file, row and column when it is empty or malformed."""
    value = (row.get(column) or "").strip()
    if not value:
        raise file_fault("is empty", source, line, column, code="empty_cell")
    try:
        return parse(value)
    except (InvalidInput, ValueError) as error:
        detail = error.message if isinstance(error, InvalidInput) else str(error)
        raise file_fault(detail, source, line, column, code="invalid_cell") from None


def _rows(
    lines: Iterable[str], source: str, required: Sequence[str]
) -> Iterable[tuple[int, dict[str, str]]]:
    """Data rows with their line numbers, after checking the header."""
    reader = csv.DictReader(lines)
    header = [h.strip().lstrip("\ufeff") for h in reader.fieldnames or []]
    if not header:
        raise file_fault("the file is empty", source, code="empty_file")
    reader.fieldnames = header
    for column in required:
        if column not in header:
            raise file_fault(
                f"required column {column!r} is missing", source, 1, column, code="missing_column"
            )
    for row in reader:
        if None in row:
            raise file_fault(
                "more cells than the header", source, reader.line_num, code="row_too_long"
            )
        yield reader.line_num, row


def _text(value: str) -> str:
    """A non-empty identifier."""
    return value


def _minutes(value: str) -> int:
    """A positive whole number of minutes."""
    minutes = int(value)
    if minutes <= 0:
        raise ValueError(f"{minutes} is not a positive number of minutes")
    return minutes


def referral_rows(
    lines: Iterable[str], source: str = "referrals CSV"
) -> tuple[tuple[int, Referral], ...]:
    """Parse a referrals CSV into (row, referral) pairs; ids must be unique in the file."""
    found: list[tuple[int, Referral]] = []
    seen: set[tuple[str, str]] = set()
    for line, row in _rows(lines, source, REFERRAL_COLUMNS):
        referral_id = _cell(row, "referral_id", source, line, _text)
        key = WaitingListKey(
            provider=_cell(row, "provider", source, line, _text),
            specialty=_cell(row, "specialty", source, line, _text),
            priority=_cell(row, "priority", source, line, parse_priority),
        )
        if (key.provider, referral_id) in seen:
            raise file_fault(
                f"{referral_id!r} appears twice", source, line, "referral_id", code="duplicate_id"
            )
        seen.add((key.provider, referral_id))
        referred_on = _cell(row, "referred_on", source, line, date.fromisoformat)
        minutes = None
        if (row.get("minutes") or "").strip():
            minutes = _cell(row, "minutes", source, line, _minutes)
        found.append((line, Referral(referral_id, key, referred_on, minutes)))
    return tuple(found)


def parse_referrals(lines: Iterable[str], source: str = "referrals CSV") -> tuple[Referral, ...]:
    """Parse a referrals CSV; referral ids must be unique per provider within the file."""
    return tuple(referral for _, referral in referral_rows(lines, source))


def removal_rows(
    lines: Iterable[str], source: str = "removals CSV"
) -> tuple[tuple[int, Removal], ...]:
    """Parse a removals CSV into (row, removal) pairs."""
    return tuple(
        (
            line,
            Removal(
                referral_id=_cell(row, "referral_id", source, line, _text),
                removed_on=_cell(row, "removed_on", source, line, date.fromisoformat),
                reason=_cell(row, "reason", source, line, parse_removal_reason),
                provider=(row.get("provider") or "").strip() or None,
            ),
        )
        for line, row in _rows(lines, source, REMOVAL_COLUMNS)
    )


def parse_removals(lines: Iterable[str], source: str = "removals CSV") -> tuple[Removal, ...]:
    """Parse a removals CSV."""
    return tuple(removal for _, removal in removal_rows(lines, source))


def is_removals_header(first_line: str) -> bool:
    """True when a CSV header names the removal columns rather than the referral ones."""
    names = {h.strip().lstrip("\ufeff") for h in next(csv.reader([first_line]), [])}
    return {"removed_on", "reason"} <= names and "referred_on" not in names


def pathways_from(
    referrals: Iterable[Referral], removals: Iterable[Removal] = ()
) -> dict[str, Pathway]:
    """Open a pathway per referral and stop the clocks of the removed, by referral id.

    A removal for an unknown referral, a second removal, or one dated before its referral
    raises :class:`InvalidInput` and nothing is returned.
    """
    pathways = {r.referral_id: start_clock(r.referral_id, r.key, r.referred_on) for r in referrals}
    for removal in removals:
        pathway = pathways.get(removal.referral_id)
        if pathway is None:
            raise InvalidInput(f"removal for unknown referral {removal.referral_id!r}")
        pathways[removal.referral_id] = stop_clock(pathway, removal.removed_on, removal.reason)
    return pathways
