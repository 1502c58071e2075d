"""NHS England referral-to-treatment (RTT) full CSV: parsing and standard statistics.

The monthly full CSV has one row per provider, commissioner, RTT part and treatment
function, with 105 weekly band columns ("Gt 00 To 01 Weeks SUM 1" ... "Gt 103 To 104
Weeks SUM 1", "Gt 104 Weeks SUM 1"), then "Total", "Patients with unknown clock start
date" and "Total All". Columns are found by header name, never by position.

Parts: 1A completed admitted pathways, 1B completed non-admitted, 2 incomplete pathways,
2A incomplete pathways with a decision to admit, 3 new RTT periods (clock starts, no bands).

Statistics follow NHS England's definitions, per provider, treatment function and part
(summed over commissioners):

* waiting: "Total All" (includes patients with an unknown clock start date);
* share within 18 weeks: patients in bands 0-18 weeks / patients with a known clock start;
* over 52 weeks: patients in bands from 52 weeks up;
* median and 92nd percentile: interpolated linearly within the weekly band holding the
  percentile, assuming patients spread evenly across the band.
"""

from __future__ import annotations

import csv
import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from thamani.capacity.sources import file_fault
from thamani.errors import InvalidInput

BAND_COUNT = 105
"""Weekly bands: 0-1, 1-2, ..., 103-104 weeks, and 104 weeks or more."""
OPEN_BAND_WEEKS = 104

_BAND = re.compile(r"^Gt (\d{2,3}) To (\d{2,3}) Weeks SUM 1$")
_LAST_BAND = "Gt 104 Weeks SUM 1"
_PERIOD = re.compile(r"^RTT-([A-Za-z]+)-(\d{4})$")
_MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]

PERIOD = "Period"
PROVIDER_CODE = "Provider Org Code"
PROVIDER_NAME = "Provider Org Name"
COMMISSIONER_CODE = "Commissioner Org Code"
PART_TYPE = "RTT Part Type"
TF_CODE = "Treatment Function Code"
TF_NAME = "Treatment Function Name"
TOTAL = "Total"
UNKNOWN_START = "Patients with unknown clock start date"
TOTAL_ALL = "Total All"
REQUIRED = (PERIOD, PROVIDER_CODE, PROVIDER_NAME, PART_TYPE, TF_CODE, TF_NAME, TOTAL_ALL)


class RttPart(enum.Enum):
    """The RTT part a row reports."""

    PART_1A = "Part_1A"
    PART_1B = "Part_1B"
    PART_2 = "Part_2"
    PART_2A = "Part_2A"
    PART_3 = "Part_3"

    @property
    def description(self) -> str:
        """NHS England's description of the part."""
        return _PART_DESCRIPTIONS[self]

    @property
    def has_bands(self) -> bool:
        """False for new RTT periods, which are counts without waiting-time bands."""
        return self is not RttPart.PART_3


_PART_DESCRIPTIONS = {
    RttPart.PART_1A: "Completed Pathways For Admitted Patients",
    RttPart.PART_1B: "Completed Pathways For Non-Admitted Patients",
    RttPart.PART_2: "Incomplete Pathways",
    RttPart.PART_2A: "Incomplete Pathways with DTA",
    RttPart.PART_3: "New RTT Periods - All Patients",
}


@dataclass(frozen=True, slots=True)
class RttRecord:
    """One row of the RTT full CSV.

    period: the period label as published ("RTT-November-2024").
    month: the first day of that month.
    provider_code: provider organisation code ("RBD").
    provider_name: provider organisation name.
    commissioner_code: commissioner organisation code ("" when absent).
    part: the RTT part.
    treatment_function_code: treatment function code ("C_110", "X05", "C_999" total).
    treatment_function_name: treatment function name.
    bands: patients in each of the 105 weekly bands, None for new RTT periods.
    unknown_clock_start: patients with an unknown clock start date.
    total_all: every patient on the row, known and unknown clock start.
    """

    period: str
    month: date
    provider_code: str
    provider_name: str
    commissioner_code: str
    part: RttPart
    treatment_function_code: str
    treatment_function_name: str
    bands: tuple[int, ...] | None
    unknown_clock_start: int
    total_all: int


class _Row:
    """Reads the cells of one CSV row by column name, naming row and column on error."""

    def __init__(self, source: str, line: int, cells: Sequence[str], index: dict[str, int]):
        self.source = source
        self.line = line
        self.cells = cells
        self.index = index

    def fail(self, column: str, problem: str) -> InvalidInput:
        """An error naming the file, the row and the column."""
        return file_fault(problem, self.source, self.line, column, code="invalid_rtt_cell")

    def text(self, column: str, required: bool = True) -> str:
        """The stripped text of a cell ("" for an absent optional column)."""
        position = self.index.get(column)
        value = "" if position is None else self.cells[position].strip()
        if required and not value:
            raise self.fail(column, "is empty")
        return value

    def count(self, column: str) -> int | None:
        """A non-negative whole number, or None for an empty cell."""
        value = self.text(column, required=False)
        if not value:
            return None
        try:
            number = int(value)
        except ValueError:
            raise self.fail(column, f"{value!r} is not a whole number") from None
        if number < 0:
            raise self.fail(column, f"{number} is negative")
        return number


def _band_columns(header: Sequence[str], source: str) -> list[str]:
    """The 105 band column names in week order, checked to be complete."""
    found: dict[int, str] = {}
    for name in header:
        match = _BAND.match(name)
        if match:
            low, high = int(match.group(1)), int(match.group(2))
            if high != low + 1 or low >= OPEN_BAND_WEEKS:
                raise file_fault("not a one-week band", source, 1, name, code="invalid_rtt_header")
            found[low] = name
        elif name == _LAST_BAND:
            found[OPEN_BAND_WEEKS] = name
    missing = [w for w in range(BAND_COUNT) if w not in found]
    if missing:
        first = missing[0]
        name = _LAST_BAND if first == OPEN_BAND_WEEKS else f"Gt {first:02d} To {first + 1:02d}"
        raise file_fault(
            f"{len(missing)} weekly band column(s) missing, first {name!r}",
            source,
            1,
            code="missing_column",
        )
    return [found[w] for w in range(BAND_COUNT)]


def _month(row: _Row) -> tuple[str, date]:
    """The period label and its month."""
    period = row.text(PERIOD)
    match = _PERIOD.match(period)
    if not match or match.group(1).lower() not in _MONTHS:
        raise row.fail(PERIOD, f"{period!r} is not of the form 'RTT-November-2024'")
    return period, date(int(match.group(2)), _MONTHS.index(match.group(1).lower()) + 1, 1)


def _part(row: _Row) -> RttPart:
    """The RTT part of the row."""
    value = row.text(PART_TYPE)
    for part in RttPart:
        if part.value.lower() == value.lower():
            return part
    accepted = ", ".join(p.value for p in RttPart)
    raise row.fail(PART_TYPE, f"{value!r} is not one of {accepted}")


def _bands(row: _Row, part: RttPart, columns: list[str]) -> tuple[int, ...] | None:
    """The band counts; all empty is allowed only for new RTT periods."""
    values = [row.count(c) for c in columns]
    if all(v is None for v in values) and not part.has_bands:
        return None
    for column, value in zip(columns, values, strict=True):
        if value is None:
            raise row.fail(column, "is empty")
    return tuple(v for v in values if v is not None)


def _record(row: _Row, band_columns: list[str]) -> RttRecord:
    """Parse and check one data row."""
    period, month = _month(row)
    part = _part(row)
    bands = _bands(row, part, band_columns)
    known = row.count(TOTAL)
    unknown = row.count(UNKNOWN_START) or 0
    total_all = row.count(TOTAL_ALL)
    if total_all is None:
        raise row.fail(TOTAL_ALL, "is empty")
    if bands is not None:
        if known is not None and known != sum(bands):
            raise row.fail(TOTAL, f"{known} differs from the sum of the weekly bands {sum(bands)}")
        known = sum(bands)
    if known is not None and known + unknown != total_all:
        raise row.fail(
            TOTAL_ALL,
            f"{total_all} differs from known clock starts {known} plus unknown {unknown}",
        )
    return RttRecord(
        period=period,
        month=month,
        provider_code=row.text(PROVIDER_CODE),
        provider_name=row.text(PROVIDER_NAME),
        commissioner_code=row.text(COMMISSIONER_CODE, required=False),
        part=part,
        treatment_function_code=row.text(TF_CODE),
        treatment_function_name=row.text(TF_NAME),
        bands=bands,
        unknown_clock_start=unknown,
        total_all=total_all,
    )


def parse_rtt_csv(lines: Iterable[str], source: str = "RTT CSV") -> tuple[RttRecord, ...]:
    """Parse a whole RTT full CSV; every row is checked before anything is returned.

    ``lines`` is an open text file or any iterable of lines; ``source`` names it in errors.
    Raises :class:`InvalidInput` naming the file, the row (the header is row 1) and the
    column of the first problem found.
    """
    reader = csv.reader(lines)
    header = next(reader, None)
    if header is None:
        raise file_fault("the file is empty", source, code="empty_file")
    header = [h.strip().lstrip("\ufeff") for h in header]
    index = {name: i for i, name in enumerate(header)}
    for column in REQUIRED:
        if column not in index:
            raise file_fault(
                f"required column {column!r} is missing", source, 1, column, code="missing_column"
            )
    band_columns = _band_columns(header, source)
    records = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        row = _Row(source, reader.line_num, cells, index)
        if len(cells) != len(header):
            raise file_fault(
                f"{len(cells)} cells, the header has {len(header)}",
                source,
                reader.line_num,
                code="row_length",
            )
        records.append(_record(row, band_columns))
    if not records:
        raise file_fault("no data rows after the header", source, code="empty_file")
    return tuple(records)


_ACRONYMS = {"Nhs": "NHS", "Ft": "FT", "Uk": "UK"}


def provider_title(name: str) -> str:
    """A provider name as people write it ("DORSET COUNTY HOSPITAL NHS FOUNDATION TRUST" ->
    "Dorset County Hospital NHS Foundation Trust")."""
    return " ".join(_ACRONYMS.get(word, word) for word in name.title().split())


def band_percentile(bands: Sequence[int], share: float) -> float | None:
    """The ``share`` percentile of waits (in weeks) from weekly band counts.

    NHS England's interpolation: find the band where the cumulative count first reaches
    ``share x total`` and move into it in proportion, as if its patients were spread evenly
    over the week. A percentile inside the open "104 weeks or more" band is reported as
    104. None when the bands are empty.
    """
    if not 0.0 < share < 1.0:
        raise InvalidInput("share must be strictly between 0 and 1")
    total = sum(bands)
    if total == 0:
        return None
    position = share * total
    cumulative = 0
    for week, count in enumerate(bands):
        if count and cumulative + count >= position:
            if week >= OPEN_BAND_WEEKS:
                return float(OPEN_BAND_WEEKS)
            return week + (position - cumulative) / count
        cumulative += count
    return float(OPEN_BAND_WEEKS)  # pragma: no cover - unreachable: the loop reaches total


@dataclass(frozen=True, slots=True)
class RttStatistics:
    """Standard RTT statistics for one provider, treatment function and part.

    period: the period label.
    provider: provider organisation code.
    provider_name: provider organisation name.
    treatment_function: treatment function code.
    treatment_function_name: treatment function name.
    part: RTT part code ("Part_2").
    waiting: patients counted ("Total All", unknown clock starts included).
    within_18_weeks_pct: percent of patients with a known clock start waiting 18 weeks or
        less; None without bands or patients.
    over_52_weeks: patients waiting more than 52 weeks; None without bands.
    median_weeks: interpolated median wait; None without bands or patients.
    p92_weeks: interpolated 92nd percentile wait; None without bands or patients.
    """

    period: str
    provider: str
    provider_name: str
    treatment_function: str
    treatment_function_name: str
    part: str
    waiting: int
    within_18_weeks_pct: float | None
    over_52_weeks: int | None
    median_weeks: float | None
    p92_weeks: float | None

    def as_report(self) -> dict[str, object]:
        """The figures as NHS England publishes them: percent and weeks to one decimal."""
        return {
            "period": self.period,
            "provider": self.provider,
            "provider_name": self.provider_name,
            "treatment_function": self.treatment_function,
            "treatment_function_name": self.treatment_function_name,
            "part": self.part,
            "waiting": self.waiting,
            "within_18_weeks_pct": _round1(self.within_18_weeks_pct),
            "over_52_weeks": self.over_52_weeks,
            "median_weeks": _round1(self.median_weeks),
            "p92_weeks": _round1(self.p92_weeks),
        }


def _round1(value: float | None) -> float | None:
    """Round to one decimal, keeping None."""
    return None if value is None else round(value, 1)


def statistics_from_bands(
    bands: Sequence[int] | None,
) -> tuple[float | None, int | None, float | None, float | None]:
    """Share within 18 weeks (percent), count over 52 weeks, median and 92nd percentile."""
    if bands is None:
        return None, None, None, None
    known = sum(bands)
    within = 100.0 * sum(bands[:18]) / known if known else None
    return within, sum(bands[52:]), band_percentile(bands, 0.5), band_percentile(bands, 0.92)


def rtt_statistics(records: Iterable[RttRecord]) -> list[RttStatistics]:
    """Statistics per period, provider, treatment function and part, over commissioners.

    Sorted by period, provider, treatment function code and part.
    """
    groups: dict[tuple[str, str, str, RttPart], list[RttRecord]] = {}
    for record in records:
        key = (record.period, record.provider_code, record.treatment_function_code, record.part)
        groups.setdefault(key, []).append(record)
    result = []
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], k[3].value)):
        rows = groups[key]
        banded = [r.bands for r in rows if r.bands is not None]
        summed = [sum(column) for column in zip(*banded, strict=True)] if banded else None
        within, over_52, median, p92 = statistics_from_bands(summed)
        first = rows[0]
        result.append(
            RttStatistics(
                period=first.period,
                provider=first.provider_code,
                provider_name=first.provider_name,
                treatment_function=first.treatment_function_code,
                treatment_function_name=first.treatment_function_name,
                part=first.part.value,
                waiting=sum(r.total_all for r in rows),
                within_18_weeks_pct=within,
                over_52_weeks=over_52,
                median_weeks=median,
                p92_weeks=p92,
            )
        )
    return result
