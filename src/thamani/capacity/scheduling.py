"""Assign waiting patients to theatre or clinic sessions as an integer programme (HiGHS).

The programme is solved by HiGHS through ``scipy.optimize.milp``.

Each patient goes to at most one session of their specialty, held on or after the day
they can come, and the minutes booked into a session never exceed its length. Patients
who have withdrawn (declined, moved, died) are left out before anything is solved: the
reference package's scheduler booked them anyway.

The cost of treating patient ``i`` on day ``d``, with wait ``w`` days from clock start
and lateness ``l = max(0, w - target)``, is

    weight[priority] x (breach_penalty x [l > 0] + l) + w

so breaches cost most, then days late, weighted by urgency, and among equals the longer
waiter goes first. A patient left unbooked costs as if treated the day after the last
session (plus ``unscheduled_penalty``). All costs are whole numbers, so the optimality
gap HiGHS reports is exact.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from thamani.capacity.priorities import Priority
from thamani.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class SchedulePatient:
    """A patient waiting to be booked.

    patient_id: identifier (a pathway id).
    specialty: the specialty whose sessions can treat them.
    priority: clinical priority, which sets the target and the weight.
    clock_start: RTT clock start (referral date).
    minutes: session minutes the procedure needs.
    available_from: first day they can come, None for any day.
    withdrawn: True when they have left the list; they are never booked.
    """

    patient_id: str
    specialty: str
    priority: Priority
    clock_start: date
    minutes: int
    available_from: date | None = None
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class TheatreSession:
    """A session that can take patients.

    session_id: identifier.
    specialty: the specialty it serves (surgeon or clinic).
    day: the day it runs.
    minutes: minutes available for procedures.
    """

    session_id: str
    specialty: str
    day: date
    minutes: int


def _default_weights() -> dict[Priority, int]:
    """Urgency weights: a P1a day late costs as much as sixteen P4 days."""
    return {
        Priority.P1A: 16,
        Priority.P1B: 8,
        Priority.P2: 4,
        Priority.P3: 2,
        Priority.P4: 1,
    }


@dataclass(frozen=True, slots=True)
class ScheduleWeights:
    """What the scheduler minimises.

    priority_weight: multiplier of breach and lateness cost per priority.
    breach_penalty: cost of a breach in units of days late.
    unscheduled_penalty: extra cost of leaving a patient unbooked.
    """

    priority_weight: Mapping[Priority, int] = field(default_factory=_default_weights)
    breach_penalty: int = 100
    unscheduled_penalty: int = 0

    def cost(self, patient: SchedulePatient, day: date) -> int:
        """Cost of treating ``patient`` on ``day``."""
        wait = (day - patient.clock_start).days
        late = max(0, wait - patient.priority.target_days)
        breach = self.breach_penalty if late > 0 else 0
        return self.priority_weight[patient.priority] * (breach + late) + wait


@dataclass(frozen=True, slots=True)
class Booking:
    """Where one patient ended up.

    patient_id: the patient.
    session_id: the session booked, None when left unbooked.
    day: the session's day, None when unbooked.
    wait_days: wait from clock start to the session (to the day after the last session
        when unbooked).
    late_days: days beyond the priority target.
    breached: True when late.
    """

    patient_id: str
    session_id: str | None
    day: date | None
    wait_days: int
    late_days: int
    breached: bool


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """The solved schedule.

    bookings: one per patient considered, in input order.
    withdrawn: patients left out because they had withdrawn.
    objective: cost of the schedule found.
    bound: best lower bound on any schedule's cost.
    gap: relative optimality gap (objective - bound) / objective; 0 when proven optimal.
    status: "optimal" (within the gap asked for), "time limit" or "iteration limit".
    seconds: solver wall time.
    """

    bookings: tuple[Booking, ...]
    withdrawn: tuple[str, ...]
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float

    @property
    def booked(self) -> int:
        """Patients booked into a session."""
        return sum(1 for b in self.bookings if b.session_id is not None)

    @property
    def breaches(self) -> int:
        """Patients whose booking (or lack of one) breaches their target."""
        return sum(1 for b in self.bookings if b.breached)

    @property
    def late_days(self) -> int:
        """Total days late over all patients."""
        return sum(b.late_days for b in self.bookings)

    def as_report(self) -> dict[str, object]:
        """The schedule as plain JSON."""
        return {
            "booked": self.booked,
            "breaches": self.breaches,
            "late_days": self.late_days,
            "objective": self.objective,
            "bound": self.bound,
            "gap": round(self.gap, 5),
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "withdrawn": list(self.withdrawn),
            "bookings": [
                {
                    "referral_id": b.patient_id,
                    "session": b.session_id,
                    "day": b.day.isoformat() if b.day else None,
                    "wait_days": b.wait_days,
                    "late_days": b.late_days,
                    "breached": b.breached,
                }
                for b in self.bookings
            ],
        }


def _check(patients: Sequence[SchedulePatient], sessions: Sequence[TheatreSession]) -> None:
    """Refuse duplicate identifiers and impossible minutes."""
    for label, ids in (
        ("patient", [p.patient_id for p in patients]),
        ("session", [s.session_id for s in sessions]),
    ):
        seen: set[str] = set()
        for identifier in ids:
            if identifier in seen:
                raise InvalidInput(f"{label} {identifier!r} appears twice")
            seen.add(identifier)
    for p in patients:
        if p.minutes <= 0:
            raise InvalidInput(f"patient {p.patient_id!r} needs a positive number of minutes")
    for s in sessions:
        if s.minutes <= 0:
            raise InvalidInput(f"session {s.session_id!r} needs a positive number of minutes")


def horizon_day(sessions: Sequence[TheatreSession], fallback: date) -> date:
    """The day an unbooked patient is costed at: the day after the last session."""
    return max((s.day for s in sessions), default=fallback) + timedelta(days=1)


def booking_for(patient: SchedulePatient, session: TheatreSession | None, horizon: date) -> Booking:
    """The booking record of a patient in a session (or unbooked)."""
    day = horizon if session is None else session.day
    wait = (day - patient.clock_start).days
    late = max(0, wait - patient.priority.target_days)
    return Booking(
        patient_id=patient.patient_id,
        session_id=None if session is None else session.session_id,
        day=None if session is None else session.day,
        wait_days=wait,
        late_days=late,
        breached=late > 0,
    )


def eligible(patient: SchedulePatient, session: TheatreSession) -> bool:
    """True when the session can take the patient (specialty, day, length)."""
    return (
        patient.specialty == session.specialty
        and (patient.available_from is None or session.day >= patient.available_from)
        and patient.minutes <= session.minutes
    )


def schedule_cost(
    patients: Sequence[SchedulePatient],
    sessions: Sequence[TheatreSession],
    assignment: Mapping[str, str | None],
    weights: ScheduleWeights,
) -> int:
    """Cost of an assignment (patient id to session id or None) under ``weights``."""
    by_id = {s.session_id: s for s in sessions}
    horizon = horizon_day(sessions, max((p.clock_start for p in patients), default=date.min))
    total = 0
    for p in patients:
        session_id = assignment.get(p.patient_id)
        if session_id is None:
            total += weights.cost(p, horizon) + weights.unscheduled_penalty
        else:
            total += weights.cost(p, by_id[session_id].day)
    return total


_STATUS = {0: "optimal", 1: "time limit"}


def schedule(
    patients: Sequence[SchedulePatient],
    sessions: Sequence[TheatreSession],
    weights: ScheduleWeights | None = None,
    mip_rel_gap: float = 0.01,
    time_limit_seconds: float = 30.0,
) -> ScheduleResult:
    """Book patients into sessions, minimising the cost above; report the optimality gap.

    HiGHS stops when the relative gap falls to ``mip_rel_gap`` (0 asks for a proof of
    optimality) or at the time limit, returning the best schedule found either way.
    """
    weights = weights or ScheduleWeights()
    _check(patients, sessions)
    active = [p for p in patients if not p.withdrawn]
    withdrawn = tuple(p.patient_id for p in patients if p.withdrawn)
    horizon = horizon_day(sessions, max((p.clock_start for p in active), default=date.min))
    pairs = [(i, j) for i, p in enumerate(active) for j, s in enumerate(sessions) if eligible(p, s)]
    n_x, n_u = len(pairs), len(active)
    costs = [weights.cost(active[i], sessions[j].day) for i, j in pairs]
    costs += [weights.cost(p, horizon) + weights.unscheduled_penalty for p in active]

    n = n_x + n_u
    rows, cols, vals = [], [], []
    # Each patient: booked once or unbooked.
    for column, (i, _j) in enumerate(pairs):
        rows.append(i)
        cols.append(column)
        vals.append(1.0)
    for i in range(n_u):
        rows.append(i)
        cols.append(n_x + i)
        vals.append(1.0)
    # Each session: minutes booked within its length.
    for column, (i, j) in enumerate(pairs):
        rows.append(n_u + j)
        cols.append(column)
        vals.append(float(active[i].minutes))
    from scipy import optimize, sparse  # imported here: slow to load, needed only now

    matrix = sparse.csr_array((vals, (rows, cols)), shape=(n_u + len(sessions), n))
    lower = np.concatenate([np.ones(n_u), np.full(len(sessions), -np.inf)])
    upper = np.concatenate([np.ones(n_u), [float(s.minutes) for s in sessions]])
    started = time.perf_counter()
    solution = optimize.milp(
        c=np.asarray(costs, dtype=np.float64),
        integrality=np.concatenate([np.ones(n_x), np.zeros(n_u)]),
        bounds=optimize.Bounds(np.zeros(n), np.ones(n)),
        constraints=optimize.LinearConstraint(matrix, lower, upper) if n else (),
        options={"mip_rel_gap": mip_rel_gap, "time_limit": time_limit_seconds},
    )
    seconds = time.perf_counter() - started
    if solution.x is None:
        raise InvalidInput(f"the scheduler found no schedule: {solution.message}")
    values = np.asarray(solution.x)
    booked: dict[int, int] = {}
    for column, (i, j) in enumerate(pairs):
        if values[column] > 0.5:
            booked[i] = j
    bookings = tuple(
        booking_for(p, sessions[booked[i]] if i in booked else None, horizon)
        for i, p in enumerate(active)
    )
    objective = float(sum(round(c * v) for c, v in zip(costs, values, strict=True)))
    bound = float(getattr(solution, "mip_dual_bound", objective) or objective)
    if not math.isfinite(bound) or not n_x:
        bound = objective
    gap = 0.0 if objective <= 0 else max(0.0, (objective - bound) / objective)
    return ScheduleResult(
        bookings=bookings,
        withdrawn=withdrawn,
        objective=objective,
        bound=bound,
        gap=gap,
        status=_STATUS.get(solution.status, str(solution.message)),
        seconds=seconds,
    )
