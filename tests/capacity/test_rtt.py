"""NHS England RTT full CSV: the real Dorset County Hospital file and bad files."""

import csv
import io
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thamani.capacity.rtt import (
    BAND_COUNT,
    RttPart,
    band_percentile,
    parse_rtt_csv,
    rtt_statistics,
)
from thamani.capacity.samples import county_hospital_rtt
from thamani.errors import InvalidInput

FILE = county_hospital_rtt()


def lines() -> list[str]:
    return FILE.read_text(encoding="utf-8").splitlines()


def records():  # type: ignore[no-untyped-def]
    return parse_rtt_csv(lines(), FILE.name)


def stat(tf: str, part: str):  # type: ignore[no-untyped-def]
    (found,) = [
        s for s in rtt_statistics(records()) if s.treatment_function == tf and s.part == part
    ]
    return found


def test_every_row_of_the_real_file_is_read() -> None:
    rows = records()
    assert len(rows) == 512
    assert Counter(r.part for r in rows) == {
        RttPart.PART_2: 202,
        RttPart.PART_3: 100,
        RttPart.PART_1B: 94,
        RttPart.PART_2A: 72,
        RttPart.PART_1A: 44,
    }
    assert {r.provider_code for r in rows} == {"RBD"}
    assert all(r.bands is None for r in rows if r.part is RttPart.PART_3)
    assert all(len(r.bands or ()) == BAND_COUNT for r in rows if r.part is not RttPart.PART_3)


def test_published_totals_are_reproduced() -> None:
    rows = records()
    totals = Counter()
    for r in rows:
        if r.treatment_function_code == "C_999":
            totals[r.part] += r.total_all
    assert totals == {
        RttPart.PART_1A: 1544,
        RttPart.PART_1B: 2925,
        RttPart.PART_2: 21702,
        RttPart.PART_2A: 5322,
        RttPart.PART_3: 5003,
    }
    # The "Total" treatment function is the sum of the others, part by part.
    for part in RttPart:
        by_tf = sum(
            r.total_all for r in rows if r.part is part and r.treatment_function_code != "C_999"
        )
        assert by_tf == totals[part]


def test_standard_statistics_for_the_whole_trust() -> None:
    incomplete = stat("C_999", "Part_2")
    assert incomplete.waiting == 21702
    assert incomplete.within_18_weeks_pct == pytest.approx(57.78, abs=0.01)
    assert incomplete.over_52_weeks == 647
    assert incomplete.median_weeks == pytest.approx(14.3, abs=0.05)
    assert incomplete.p92_weeks == pytest.approx(42.6, abs=0.05)
    report = incomplete.as_report()
    assert report == {
        "period": "RTT-November-2024",
        "provider": "RBD",
        "provider_name": "DORSET COUNTY HOSPITAL NHS FOUNDATION TRUST",
        "treatment_function": "C_999",
        "treatment_function_name": "Total",
        "part": "Part_2",
        "waiting": 21702,
        "within_18_weeks_pct": 57.8,
        "over_52_weeks": 647,
        "median_weeks": 14.3,
        "p92_weeks": 42.6,
    }


def test_trauma_and_orthopaedics_and_new_periods() -> None:
    ortho = stat("C_110", "Part_2")
    assert (ortho.waiting, ortho.over_52_weeks) == (3439, 218)
    assert ortho.within_18_weeks_pct == pytest.approx(45.3, abs=0.05)
    new = stat("C_999", "Part_3")
    assert new.waiting == 5003
    assert new.median_weeks is None
    assert new.within_18_weeks_pct is None


def test_one_statistic_per_provider_treatment_function_and_part() -> None:
    stats = rtt_statistics(records())
    keys = [(s.provider, s.treatment_function, s.part) for s in stats]
    assert len(keys) == len(set(keys)) == 83


def test_interpolation_within_bands() -> None:
    assert band_percentile([10, 10], 0.5) == pytest.approx(1.0)
    assert band_percentile([10, 10], 0.92) == pytest.approx(1.84)
    assert band_percentile([0, 0, 4], 0.5) == pytest.approx(2.5)
    assert band_percentile([0] * 104 + [5], 0.5) == 104.0
    assert band_percentile([0, 0], 0.5) is None


@given(st.lists(st.integers(0, 50), min_size=BAND_COUNT, max_size=BAND_COUNT).filter(any))
def test_percentiles_are_ordered_and_inside_the_range(bands: list[int]) -> None:
    median = band_percentile(bands, 0.5)
    p92 = band_percentile(bands, 0.92)
    assert median is not None
    assert p92 is not None
    assert 0.0 <= median <= p92 <= 104.0
    # The median lies in the band where the cumulative count passes half the total.
    assert sum(bands[: int(median)]) <= sum(bands) / 2


def table() -> list[list[str]]:
    return list(csv.reader(lines()))


def as_lines(rows: list[list[str]]) -> list[str]:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().splitlines()


def replace_cell(row: int, column: str, value: str) -> list[str]:
    """The real file with one cell changed (row numbers as in a spreadsheet)."""
    rows = table()
    rows[row - 1][rows[0].index(column)] = value
    return as_lines(rows)


@pytest.mark.parametrize(
    ("row", "column", "value", "problem"),
    [
        (2, "Gt 03 To 04 Weeks SUM 1", "-1", "is negative"),
        (3, "Gt 10 To 11 Weeks SUM 1", "ten", "not a whole number"),
        (4, "Gt 10 To 11 Weeks SUM 1", "", "is empty"),
        (5, "Total", "999999", "differs from the sum of the weekly bands"),
        (6, "Total All", "999999", "differs from known clock starts"),
        (7, "RTT Part Type", "Part_9", "is not one of"),
        (8, "Period", "November 2024", "not of the form"),
        (9, "Provider Org Code", "", "is empty"),
    ],
)
def test_bad_cells_are_named_by_row_and_column(
    row: int, column: str, value: str, problem: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_rtt_csv(replace_cell(row, column, value), "bad.csv")
    assert error.value.where == f"bad.csv, row {row}, column '{column}'"
    assert error.value.details == {"file": "bad.csv", "row": row, "column": column}
    assert problem in error.value.message


def test_missing_columns_and_short_rows_are_refused() -> None:
    text = lines()
    header = text[0].replace("Total All", "Grand Total")
    with pytest.raises(InvalidInput, match="required column 'Total All'"):
        parse_rtt_csv([header, *text[1:]], "bad.csv")
    no_band = text[0].replace("Gt 17 To 18 Weeks SUM 1", "Gt 17 to 18")
    with pytest.raises(InvalidInput, match="weekly band column"):
        parse_rtt_csv([no_band, *text[1:]], "bad.csv")
    with pytest.raises(InvalidInput, match=r"3 cells, the header has \d+ \(at bad.csv, row 3\)"):
        parse_rtt_csv([text[0], text[1], "a,b,c"], "bad.csv")
    with pytest.raises(InvalidInput, match="empty"):
        parse_rtt_csv([], "bad.csv")
    with pytest.raises(InvalidInput, match="no data rows"):
        parse_rtt_csv([text[0]], "bad.csv")


def test_columns_are_found_by_name_not_position() -> None:
    rows = table()
    order = list(reversed(range(len(rows[0]))))
    shuffled = as_lines([[row[i] for i in order] for row in rows])
    assert parse_rtt_csv(shuffled, "reversed.csv") == records()
