"""Patient-level statistics, including the reference package's slips put right."""

from datetime import date, timedelta

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thamani.capacity.statistics import (
    daily_queue_size,
    mean_wait_weeks,
    patient_list,
    referral_statistics,
    removal_statistics,
    waiting_list_summary,
)
from thamani.errors import InvalidInput

D = date(2024, 1, 1)


def day(n: int) -> date:
    return D + timedelta(days=n)


def reference_example():  # type: ignore[no-untyped-def]
    """The reference package's own example list."""
    referrals = [date(2024, 1, 1), date(2024, 1, 4), date(2024, 1, 10), date(2024, 1, 16)]
    removals = [date(2024, 1, 8), None, None, None]
    return patient_list(referrals, removals)


def test_daily_queue_size_of_the_reference_example() -> None:
    series = daily_queue_size(reference_example())
    assert series.start == date(2024, 1, 1)
    assert series.end == date(2024, 1, 16)
    expected = [1, 1, 1, 2, 2, 2, 2, 1, 1, 2, 2, 2, 2, 2, 2, 3]
    assert series.sizes.tolist() == expected


def test_patients_removed_before_the_range_are_not_counted() -> None:
    patients = patient_list([day(0), day(0)], [day(2), None])
    assert daily_queue_size(patients, day(5), day(6)).sizes.tolist() == [1, 1]


def test_referral_count_is_the_number_of_referrals_not_one_more() -> None:
    stats = referral_statistics(reference_example())
    assert stats.count == 4
    assert stats.days == 16
    assert stats.demand_per_week == pytest.approx(7 * 4 / 16)
    assert stats.mean_interarrival_days == pytest.approx(4.0)


def test_regular_referrals_have_no_variation_and_poisson_ones_about_one() -> None:
    regular = patient_list([day(i) for i in range(200)], [None] * 200)
    assert referral_statistics(regular).cv_interarrival == pytest.approx(0.0)
    rng = np.random.default_rng(7)
    counts = rng.poisson(3.0, 2000)
    refs = [day(i) for i, c in enumerate(counts) for _ in range(c)]
    poisson = patient_list(refs, [None] * len(refs))
    assert referral_statistics(poisson).cv_interarrival == pytest.approx(1.0, abs=0.05)


def test_removal_statistics_use_only_removals_inside_the_range() -> None:
    refs = [day(0)] * 4
    rems = [day(1), day(2), day(20), day(21)]
    stats = removal_statistics(patient_list(refs, rems), day(0), day(9))
    assert stats.treated == 2
    # Two patients still on the list all through days 0-9: ten busy days.
    assert stats.busy_days == 10
    assert stats.capacity_per_week == pytest.approx(7 * 2 / 10)


def test_capacity_is_estimated_from_busy_days_only() -> None:
    # One patient a week, treated the next day: the list is empty five days in seven.
    refs = [day(7 * w) for w in range(10)]
    rems = [day(7 * w + 1) for w in range(10)]
    stats = removal_statistics(patient_list(refs, rems), day(0), day(69))
    assert stats.busy_days == 20
    assert stats.capacity_per_week == pytest.approx(3.5)


def test_withdrawals_are_counted_apart_from_capacity() -> None:
    refs = [day(0)] * 3
    rems = [day(1), day(1), day(2)]
    stats = removal_statistics(patient_list(refs, rems, treated=[True, False, True]))
    assert stats.treated == 2
    assert stats.withdrawn == 1


def test_mean_wait_is_in_weeks_before_it_meets_a_target_in_weeks() -> None:
    patients = patient_list([day(0), day(0)], [None, None])
    assert mean_wait_weeks(patients, day(70)) == pytest.approx(10.0)
    summary = waiting_list_summary(patients, target_weeks=20, start=day(0), end=day(70))
    assert summary.mean_wait_weeks == pytest.approx(10.0)
    assert summary.pressure == pytest.approx(1.0)  # days against weeks would give 7


def test_summary_ties_the_formulas_together() -> None:
    rng = np.random.default_rng(1)
    refs: list[date] = []
    rems: list[date | None] = []
    for i, count in enumerate(rng.poisson(4.0, 365)):
        for _ in range(count):
            refs.append(day(i))
            wait = int(rng.integers(1, 60))
            rems.append(day(i + wait) if i + wait < 365 else None)
    summary = waiting_list_summary(patient_list(refs, rems), target_weeks=18, end=day(364))
    assert summary.demand_per_week == pytest.approx(28, rel=0.05)
    assert summary.target_queue_size == pytest.approx(summary.demand_per_week * 18 / 4)
    assert summary.load == pytest.approx(summary.demand_per_week / summary.capacity_per_week)
    assert summary.target_capacity > summary.demand_per_week
    assert summary.queue_size == daily_queue_size(patient_list(refs, rems), end=day(364)).sizes[-1]


def test_bad_lists_are_refused() -> None:
    with pytest.raises(InvalidInput, match="patient 2"):
        patient_list([day(0), day(5)], [None, day(4)])
    with pytest.raises(InvalidInput, match="one removal"):
        patient_list([day(0)], [])
    with pytest.raises(InvalidInput, match="no patients"):
        patient_list([], [])
    with pytest.raises(InvalidInput, match="before start"):
        daily_queue_size(reference_example(), day(10), day(5))


@given(
    st.lists(
        st.tuples(st.integers(0, 60), st.one_of(st.none(), st.integers(0, 30))),
        min_size=1,
        max_size=40,
    )
)
def test_queue_size_matches_counting_patient_by_patient(rows: list[tuple[int, int | None]]) -> None:
    refs = [day(r) for r, _ in rows]
    rems = [None if w is None else day(r + w) for r, w in rows]
    series = daily_queue_size(patient_list(refs, rems), day(0), day(100))
    for offset, size in enumerate(series.sizes.tolist()):
        today = day(offset)
        expected = sum(
            1 for r, m in zip(refs, rems, strict=True) if r <= today and (m is None or m > today)
        )
        assert size == expected
