"""Scenarios side by side, with the cost of waiting."""

import numpy as np
import pytest

from thamani.capacity.events import ClassProfile, EventModel, WeeklySession, session_calendar
from thamani.capacity.priorities import Priority
from thamani.capacity.scenarios import (
    DemandSurge,
    ExtraSessions,
    Outsourcing,
    Scenario,
    Strike,
    WaitingCost,
    apply_to_input,
    apply_to_model,
    compare_events,
    compare_simulations,
)
from thamani.capacity.simulation import simulation_input, weekly_capacity
from thamani.errors import InvalidInput

DAYS = 364
COST = WaitingCost("GBP", per_patient_week=7_000)


def base():  # type: ignore[no-untyped-def]
    capacity = np.broadcast_to(weekly_capacity([10, 10, 10, 10, 10, 0, 0], DAYS), (2, DAYS))
    return simulation_input(np.full((2, DAYS), 7.5), capacity, initial_queue=[[400], [400]])


def test_changes_alter_demand_and_capacity_where_they_apply() -> None:
    scenario = Scenario(
        "all",
        (
            ExtraSessions(1, 4, 240, 100_000, weekdays=(5,)),
            Outsourcing(10, 300_000, start_day=7, end_day=14),
            DemandSurge(1.5, start_day=100, end_day=110),
            Strike(0.0, start_day=200, end_day=203),
        ),
    )
    config, cost = apply_to_input(scenario, base())
    saturdays = np.arange(DAYS) % 7 == 5
    assert (config.capacity[:, saturdays][:, :28] == 4).all()
    assert config.capacity[0, 7] == 10 + 2  # outsourcing: 10 a week over 5 weekdays
    assert config.demand[0, 100] == pytest.approx(11.25)
    assert config.demand[0, 110] == pytest.approx(7.5)
    assert (config.capacity[:, 200:203] == 0).all()
    saturday_count = int(saturdays.sum())
    assert cost == 2 * (saturday_count * 100_000 + 10 * 300_000)


def test_more_capacity_shortens_the_queue_and_strikes_lengthen_it() -> None:
    outcomes = compare_simulations(
        base(),
        [
            Scenario("extra", (ExtraSessions(1, 2, 240, 50_000),)),
            Scenario("strike", (Strike(0.0, 30, 60),)),
            Scenario("surge", (DemandSurge(1.2, 100),)),
        ],
        COST,
        seed=4,
    )
    by_name = {o.name: o for o in outcomes}
    assert [o.name for o in outcomes] == ["baseline", "extra", "strike", "surge"]
    assert by_name["extra"].final_queue < by_name["baseline"].final_queue
    assert by_name["strike"].final_queue > by_name["baseline"].final_queue
    assert by_name["surge"].final_queue > by_name["baseline"].final_queue
    assert by_name["extra"].capacity_cost > 0 == by_name["baseline"].capacity_cost
    for o in outcomes:
        assert o.patient_days == int(o.daily_queue.sum())
        assert o.waiting_cost == COST.of_patient_days(o.patient_days)
        assert o.total_cost == o.waiting_cost + o.capacity_cost


def test_waiting_cost_is_per_patient_week_rounded_half_up() -> None:
    assert WaitingCost("GBP", 700).of_patient_days(7) == 700
    assert WaitingCost("GBP", 700).of_patient_days(1) == 100
    assert WaitingCost("GBP", 3).of_patient_days(1) == 0  # 0.43
    assert WaitingCost("GBP", 4).of_patient_days(1) == 1  # 0.57
    assert WaitingCost("GBP", 1).of_patient_days(21) == 3


def test_discrete_event_scenarios() -> None:
    days = 365
    event_model = EventModel(
        referrals_per_day=np.full(days, 3.2),
        classes=(
            ClassProfile(Priority.P2, 0.3, 60.0, 0.2),
            ClassProfile(Priority.P4, 0.7, 60.0, 0.2, mean_patience_days=200.0),
        ),
        calendar=session_calendar([WeeklySession(d, 8.5, 240) for d in range(5)], days),
        initial_queue=(10, 200),
    )
    strike = Scenario("strike", (Strike(0.0, 50, 80),))
    changed, cost = apply_to_model(strike, event_model)
    assert cost == 0
    assert changed.calendar.total_minutes < event_model.calendar.total_minutes
    extra = Scenario("extra", (ExtraSessions(1, 4, 240, 60_000),))
    changed, cost = apply_to_model(extra, event_model)
    assert len(changed.calendar) == 2 * len(event_model.calendar)
    assert cost == len(event_model.calendar) * 60_000
    outcomes = compare_events(event_model, [extra, strike], COST, seed=1)
    by_name = {o.name: o for o in outcomes}
    assert by_name["extra"].final_queue < by_name["baseline"].final_queue
    assert by_name["strike"].peak_queue >= by_name["baseline"].peak_queue
    assert by_name["baseline"].reneged > 0


def test_impossible_changes_are_refused() -> None:
    with pytest.raises(InvalidInput):
        apply_to_input(Scenario("x", (Strike(1.5, 0, 10),)), base())
    with pytest.raises(InvalidInput):
        apply_to_input(Scenario("x", (DemandSurge(2.0, 10, 5),)), base())
    with pytest.raises(InvalidInput):
        apply_to_input(Scenario("x", (Outsourcing(-1, 10),)), base())
