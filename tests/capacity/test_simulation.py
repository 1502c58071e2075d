"""Fast vectorised simulation: planted answers, conservation, and a patient-by-patient check."""

from collections import deque

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thamani.capacity.priorities import Priority
from thamani.capacity.simulation import (
    SimulationResult,
    backlog_arrival_days,
    simulate,
    simulation_input,
    weekly_capacity,
)
from thamani.errors import InvalidInput


def test_a_queue_with_demand_above_capacity_grows_at_the_difference() -> None:
    days = 400
    config = simulation_input(np.full((3, days), 5.0), np.array([[3], [4], [5]]))
    result = simulate(config, random_referrals=False)
    growth = np.diff(result.queue, axis=1)
    assert (growth[0] == 2).all()
    assert (growth[1] == 1).all()
    assert (growth[2] == 0).all()
    assert result.queue[0, -1] == 5 * days - 3 * (days - 1)


def test_every_patient_is_accounted_for() -> None:
    days = 200
    config = simulation_input(
        np.full((4, days), 3.0),
        np.full((4, days), 3),
        priority_share=[0.2, 0.3, 0.5],
        priorities=[Priority.P2, Priority.P3, Priority.P4],
        initial_queue=[[5, 10, 50]] * 4,
    )
    result = simulate(config, seed=3)
    arrived = config.initial_queue.sum() + result.referrals.sum()
    assert result.patients == arrived
    assert result.treated.sum() + result.queue[:, -1].sum() == arrived
    assert int(result.still_waiting.sum()) == int(result.queue[:, -1].sum())
    assert (result.wait_days >= 0).all()


def test_one_a_day_served_one_a_day_waits_one_day() -> None:
    config = simulation_input(np.full((1, 30), 1.0), np.full((1, 30), 1))
    result = simulate(config, random_referrals=False)
    treated = result.wait_days[~result.still_waiting]
    assert treated.size == 29
    assert (treated == 1).all()


def test_urgent_classes_are_served_first() -> None:
    days = 365
    config = simulation_input(
        np.full((1, days), 10.0),
        np.full((1, days), 10),
        priority_share=[0.3, 0.7],
        priorities=[Priority.P2, Priority.P4],
        initial_queue=[[0, 500]],
    )
    result = simulate(config, seed=1)
    urgent = result.wait_days[result.wait_class == 0]
    routine = result.wait_days[result.wait_class == 1]
    assert urgent.mean() < 2.0
    assert routine.mean() > 10 * urgent.mean()


def naive(config, result: SimulationResult) -> dict[tuple[int, int], list[int]]:  # type: ignore[no-untyped-def]
    """Patient-by-patient queues with the same referrals: waits per (list, class)."""
    waits: dict[tuple[int, int], list[int]] = {}
    span = config.backlog_span_days
    for lst in range(config.lists):
        queues: list[deque[int]] = []
        for k in range(len(config.priorities)):
            n = int(config.initial_queue[lst, k])
            ranks = np.arange(n, dtype=np.int64)
            days = backlog_arrival_days(ranks, np.full(n, n), span, config.backlog_profile)
            queues.append(deque(days.tolist()))
        for t in range(config.days):
            slots = int(config.capacity[lst, t])
            for k, queue in enumerate(queues):
                while slots and queue:
                    waits.setdefault((lst, k), []).append(t - queue.popleft())
                    slots -= 1
            for k, queue in enumerate(queues):
                queue.extend([t] * int(result.referrals[k, lst, t]))
        for k, queue in enumerate(queues):
            waits.setdefault((lst, k), []).extend(config.days - 1 - a for a in queue)
    return waits


@settings(max_examples=30, deadline=None)
@given(
    lists=st.integers(1, 3),
    days=st.integers(1, 40),
    rate=st.floats(0.0, 4.0),
    slots=st.integers(0, 4),
    backlog=st.integers(0, 6),
    seed=st.integers(0, 1000),
    shaped=st.booleans(),
)
def test_vectorised_waits_match_a_patient_by_patient_queue(
    lists: int, days: int, rate: float, slots: int, backlog: int, seed: int, shaped: bool
) -> None:
    config = simulation_input(
        np.full((lists, days), rate),
        np.full((lists, days), slots),
        priority_share=[0.4, 0.6],
        priorities=[Priority.P2, Priority.P3],
        initial_queue=[[backlog // 2, backlog]] * lists,
        backlog_span_days=10,
        backlog_weekly_profile=[3, 0, 1] if shaped else None,
    )
    result = simulate(config, seed=seed)
    expected = naive(config, result)
    for lst in range(lists):
        for k in range(2):
            mask = (result.wait_list == lst) & (result.wait_class == k)
            got = sorted(result.wait_days[mask].tolist())
            assert got == sorted(expected.get((lst, k), []))


def test_even_backlog_and_backlog_shaped_like_rtt_bands() -> None:
    even = backlog_arrival_days(np.arange(4), np.full(4, 4), 8, None)
    assert even.tolist() == [-8, -6, -4, -2]
    # Everyone in the 2-3 weeks band: referred 15 to 21 days before day 0, oldest first.
    profile = np.repeat(np.array([0.0, 0.0, 7.0]) / 7.0, 7)
    shaped = backlog_arrival_days(np.arange(7), np.full(7, 7), 21, profile)
    assert shaped.tolist() == [-21, -20, -19, -18, -17, -16, -15]
    config = simulation_input(
        np.zeros((1, 1)), 0, initial_queue=[[70]], backlog_weekly_profile=[0, 10, 0, 10]
    )
    waits = simulate(config).wait_days
    ages_in_weeks = (waits - 1) // 7  # a wait of 1 at the end of day 0 is age 0
    assert sorted(set(ages_in_weeks.tolist())) == [1, 3]


def test_breaches_use_each_class_target() -> None:
    config = simulation_input(
        np.zeros((1, 60)),
        np.zeros((1, 60), dtype=np.int64),
        priority_share=[0.5, 0.5],
        priorities=[Priority.P2, Priority.P4],
        initial_queue=[[10, 10]],
        backlog_span_days=10,
    )
    result = simulate(config)
    breached = result.breaches()
    assert breached[result.wait_class == 0].all()  # waited 60+ days > 28
    assert not breached[result.wait_class == 1].any()
    eighteen_weeks = simulate(
        simulation_input(
            np.zeros((1, 60)), 0, initial_queue=[[10]], backlog_span_days=100, target_days=[126]
        )
    )
    assert eighteen_weeks.breaches().sum() == 4  # ages 60 to 160 days at the end, 4 past 126


def test_weekly_capacity_pattern() -> None:
    pattern = weekly_capacity([5, 5, 5, 5, 5, 0, 0], 14, first_weekday=5)
    assert pattern.tolist() == [0, 0, 5, 5, 5, 5, 5, 0, 0, 5, 5, 5, 5, 5]
    with pytest.raises(InvalidInput, match="7 weekdays"):
        weekly_capacity([1, 2], 7)


def test_same_seed_same_result() -> None:
    config = simulation_input(np.full((2, 50), 2.0), np.full((2, 50), 2))
    a, b = simulate(config, seed=9), simulate(config, seed=9)
    assert np.array_equal(a.queue, b.queue)
    assert np.array_equal(a.wait_days, b.wait_days)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"demand": np.full(5, 1.0)}, "2-D"),
        ({"demand": np.full((1, 5), -1.0)}, "non-negative"),
        ({"capacity": np.full((1, 5), 1.5)}, "whole"),
        ({"priority_share": [0.5, 0.4], "priorities": [Priority.P2, Priority.P3]}, "sum to 1"),
        ({"priority_share": [1.0], "priorities": [Priority.P2, Priority.P3]}, "one priority"),
        ({"initial_queue": -1}, "initial queue"),
        ({"names": ["a", "b"]}, "one name"),
    ],
)
def test_bad_inputs_are_refused(kwargs: dict[str, object], message: str) -> None:
    args: dict[str, object] = {"demand": np.full((1, 5), 1.0), "capacity": 1}
    args.update(kwargs)
    with pytest.raises(InvalidInput, match=message):
        simulation_input(**args)  # type: ignore[arg-type]
