"""Scheduling patients into sessions: checked against brute force on small cases."""

import itertools
import random
from datetime import date, timedelta

import pytest

from thamani.capacity.priorities import Priority
from thamani.capacity.scheduling import (
    SchedulePatient,
    ScheduleWeights,
    TheatreSession,
    eligible,
    schedule,
    schedule_cost,
)
from thamani.errors import InvalidInput

TODAY = date(2025, 1, 6)


def brute_force(
    patients: list[SchedulePatient], sessions: list[TheatreSession], weights: ScheduleWeights
) -> int:
    """The least cost over every assignment that respects specialty, day and minutes."""
    active = [p for p in patients if not p.withdrawn]
    options = [[None, *[s for s in sessions if eligible(p, s)]] for p in active]
    best = None
    for choice in itertools.product(*options):
        used: dict[str, int] = {}
        for p, s in zip(active, choice, strict=True):
            if s is not None:
                used[s.session_id] = used.get(s.session_id, 0) + p.minutes
        if any(used[s.session_id] > s.minutes for s in sessions if s.session_id in used):
            continue
        assignment = {
            p.patient_id: None if s is None else s.session_id
            for p, s in zip(active, choice, strict=True)
        }
        cost = schedule_cost(active, sessions, assignment, weights)
        best = cost if best is None else min(best, cost)
    assert best is not None
    return best


def random_case(seed: int) -> tuple[list[SchedulePatient], list[TheatreSession]]:
    rng = random.Random(seed)
    specialties = ["ortho", "ent"]
    patients = [
        SchedulePatient(
            f"p{i}",
            rng.choice(specialties),
            rng.choice(list(Priority)),
            TODAY - timedelta(days=rng.randint(0, 400)),
            rng.choice([30, 60, 90, 120]),
            available_from=TODAY + timedelta(days=rng.randint(0, 3))
            if rng.random() < 0.3
            else None,
            withdrawn=rng.random() < 0.1,
        )
        for i in range(rng.randint(3, 6))
    ]
    sessions = [
        TheatreSession(
            f"s{j}", rng.choice(specialties), TODAY + timedelta(days=j), rng.choice([60, 120, 180])
        )
        for j in range(rng.randint(1, 3))
    ]
    return patients, sessions


@pytest.mark.parametrize("seed", range(25))
def test_matches_brute_force_on_small_cases(seed: int) -> None:
    patients, sessions = random_case(seed)
    weights = ScheduleWeights()
    result = schedule(patients, sessions, weights, mip_rel_gap=0.0)
    assert result.gap == pytest.approx(0.0, abs=1e-9)
    assert result.objective == brute_force(patients, sessions, weights)
    assignment = {b.patient_id: b.session_id for b in result.bookings}
    active = [p for p in patients if not p.withdrawn]
    assert schedule_cost(active, sessions, assignment, weights) == result.objective


def test_respects_session_length_specialty_and_availability() -> None:
    patients, _ = random_case(99)
    sessions = [
        TheatreSession(f"s{j}", spec, TODAY + timedelta(days=j), 150)
        for j, spec in enumerate(["ortho", "ent"] * 3)
    ]
    many = [
        SchedulePatient(
            f"q{i}",
            ["ortho", "ent"][i % 2],
            Priority.P3,
            TODAY - timedelta(days=i),
            45 + 15 * (i % 4),
        )
        for i in range(30)
    ]
    result = schedule([*patients, *many], sessions)
    by_session = {s.session_id: s for s in sessions}
    everyone = {p.patient_id: p for p in [*patients, *many]}
    load: dict[str, int] = {}
    for booking in result.bookings:
        if booking.session_id is None:
            continue
        patient, session = everyone[booking.patient_id], by_session[booking.session_id]
        assert patient.specialty == session.specialty
        assert patient.available_from is None or session.day >= patient.available_from
        load[session.session_id] = load.get(session.session_id, 0) + patient.minutes
    assert all(load[s] <= by_session[s].minutes for s in load)
    assert result.gap <= 0.01


def test_withdrawn_patients_are_never_booked() -> None:
    patients = [
        SchedulePatient(
            "gone", "ortho", Priority.P2, TODAY - timedelta(days=300), 60, withdrawn=True
        ),
        SchedulePatient("here", "ortho", Priority.P4, TODAY - timedelta(days=10), 60),
    ]
    result = schedule(patients, [TheatreSession("s", "ortho", TODAY, 60)])
    assert result.withdrawn == ("gone",)
    assert [(b.patient_id, b.session_id) for b in result.bookings] == [("here", "s")]


def test_the_urgent_overdue_patient_takes_the_only_slot() -> None:
    patients = [
        SchedulePatient("routine", "ortho", Priority.P4, TODAY - timedelta(days=300), 60),
        SchedulePatient("urgent", "ortho", Priority.P2, TODAY - timedelta(days=20), 60),
    ]
    result = schedule(patients, [TheatreSession("s", "ortho", TODAY + timedelta(days=10), 60)])
    booked = {b.patient_id: b for b in result.bookings}
    assert booked["urgent"].session_id == "s"
    assert booked["urgent"].breached
    assert booked["urgent"].late_days == 2
    assert booked["routine"].session_id is None
    assert result.breaches == 1  # the routine patient is within a year even unbooked


def test_duplicates_and_bad_minutes_are_refused() -> None:
    p = SchedulePatient("a", "x", Priority.P3, TODAY, 30)
    with pytest.raises(InvalidInput, match="appears twice"):
        schedule([p, p], [])
    with pytest.raises(InvalidInput, match="minutes"):
        schedule([SchedulePatient("b", "x", Priority.P3, TODAY, 0)], [])
