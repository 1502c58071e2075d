"""Clinical priority classes and their targets."""

import pytest

from thamani.capacity.priorities import (
    Priority,
    all_priorities,
    parse_priority,
    priority_targets,
)
from thamani.errors import InvalidInput


def test_targets_in_days_follow_the_surgical_prioritisation() -> None:
    days = {t.priority: t.target_days for t in priority_targets()}
    assert days == {
        Priority.P1A: 1,
        Priority.P1B: 3,
        Priority.P2: 28,
        Priority.P3: 91,
        Priority.P4: 365,
    }
    assert Priority.P2.target_weeks == 4.0


def test_urgency_order_is_p1a_first() -> None:
    assert [p.rank for p in all_priorities()] == [0, 1, 2, 3, 4]
    assert all_priorities()[0] is Priority.P1A
    targets = [p.target_days for p in all_priorities()]
    assert targets == sorted(targets)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("P1a", Priority.P1A), ("p1b", Priority.P1B), ("2", Priority.P2), (" P4 ", Priority.P4)],
)
def test_codes_parse_case_insensitively(text: str, expected: Priority) -> None:
    assert parse_priority(text) is expected


def test_unknown_code_names_the_accepted_ones() -> None:
    with pytest.raises(InvalidInput, match="P1a, P1b, P2, P3, P4"):
        parse_priority("P1")
