"""Referrals and removals from CSV: good files, bad files named by row and column."""

from datetime import date

import pytest

from thamani.capacity.pathways import RemovalReason
from thamani.capacity.priorities import Priority
from thamani.capacity.referrals import parse_referrals, parse_removals, pathways_from
from thamani.errors import InvalidInput

REFERRALS = """referral_id,provider,specialty,priority,referred_on,note
r1,RBD,C_110,P3,2024-01-01,hip
r2,RBD,C_110,p2,2024-01-05,
r3,RBD,C_120,P1b,2024-02-01,
""".splitlines()

REMOVALS = """reason,referral_id,removed_on
treated,r1,2024-03-01
Declined,r3,2024-02-10
""".splitlines()


def test_referrals_and_removals_become_pathways() -> None:
    referrals = parse_referrals(REFERRALS, "referrals.csv")
    assert [r.key.priority for r in referrals] == [Priority.P3, Priority.P2, Priority.P1B]
    removals = parse_removals(REMOVALS, "removals.csv")
    assert removals[1].reason is RemovalReason.DECLINED
    pathways = pathways_from(referrals, removals)
    assert pathways["r1"].waited_days(date(2024, 12, 1)) == 60
    assert pathways["r2"].is_incomplete
    assert pathways["r3"].removal_reason is RemovalReason.DECLINED


@pytest.mark.parametrize(
    ("row", "column", "value", "problem"),
    [
        (3, "priority", "P9", "unknown priority"),
        (2, "referred_on", "01/01/2024", "Invalid isoformat"),
        (4, "provider", "", "is empty"),
        (4, "referral_id", "r1", "appears twice"),
    ],
)
def test_bad_referral_cells_are_named(row: int, column: str, value: str, problem: str) -> None:
    lines = list(REFERRALS)
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    with pytest.raises(InvalidInput) as error:
        parse_referrals(lines, "referrals.csv")
    assert error.value.where == f"referrals.csv, row {row}, column '{column}'"
    assert error.value.details == {"file": "referrals.csv", "row": row, "column": column}
    assert problem in error.value.message


def test_bad_files_are_refused() -> None:
    with pytest.raises(InvalidInput, match="required column 'reason'"):
        parse_removals(["referral_id,removed_on", "r1,2024-01-01"], "removals.csv")
    with pytest.raises(InvalidInput, match="row 2, column 'reason'"):
        parse_removals(["referral_id,removed_on,reason", "r1,2024-01-01,lost"], "removals.csv")
    with pytest.raises(InvalidInput, match=r"more cells than the header \(at r.csv, row 2\)"):
        parse_removals(["referral_id,removed_on,reason", "r1,2024-01-01,treated,x"], "r.csv")
    with pytest.raises(InvalidInput, match="empty"):
        parse_referrals([], "referrals.csv")


def test_removals_must_match_a_referral_once_and_after_it() -> None:
    referrals = parse_referrals(REFERRALS)
    with pytest.raises(InvalidInput, match="unknown referral 'r9'"):
        pathways_from(
            referrals, parse_removals(["referral_id,removed_on,reason", "r9,2024-03-01,treated"])
        )
    twice = ["referral_id,removed_on,reason", "r1,2024-03-01,treated", "r1,2024-03-02,died"]
    with pytest.raises(InvalidInput, match="clock stopped"):
        pathways_from(referrals, parse_removals(twice))
    early = ["referral_id,removed_on,reason", "r2,2024-01-01,treated"]
    with pytest.raises(InvalidInput, match="before"):
        pathways_from(referrals, parse_removals(early))
