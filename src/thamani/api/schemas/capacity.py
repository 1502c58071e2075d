"""Schemas of the capacity API: waiting lists, referrals, RTT figures and plans.

Dates are ISO strings (YYYY-MM-DD), money integers in minor units. Outputs mirror the
records' ``as_report()`` dictionaries, so the CLI's ``--json`` and the API agree.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from thamani.capacity.pathways import RemovalReason
from thamani.capacity.priorities import Priority
from thamani.capacity.scenarios import (
    Change,
    DemandSurge,
    ExtraSessions,
    Outsourcing,
    Scenario,
    Strike,
)


class WaitingListOut(BaseModel):
    provider: str
    specialty: str
    priority: str
    waiting: int
    paused: int
    removed: int


class ReferralIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    referral_id: str = Field(
        min_length=1,
        max_length=100,
        description="Your own identifier of the referral; never a name or national number.",
    )
    provider: str = Field(min_length=1, max_length=64)
    specialty: str = Field(min_length=1, max_length=64)
    priority: Priority = Priority.P3
    referred_on: date | None = Field(default=None, description="Clock start; default today.")
    minutes: int | None = Field(default=None, gt=0, description="Session minutes needed.")


class ClockChangeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    on: date | None = Field(default=None, description="Default today.")


class RemovalIn(ClockChangeIn):
    reason: RemovalReason


class ClockEventOut(BaseModel):
    kind: str
    on: str
    reason: str | None


class ReferralOut(BaseModel):
    provider: str
    referral_id: str
    specialty: str
    priority: str
    referred_on: str
    status: str
    waited_days: int
    paused_days: int
    paused_since: str | None
    removed_on: str | None
    removal_reason: str | None
    minutes: int | None
    events: list[ClockEventOut]


class ImportOut(BaseModel):
    source: str
    referrals: int
    removals: int
    lists_created: int


class SnapshotOut(BaseModel):
    id: int
    source: str
    period: str
    month: str
    rows: int
    providers: list[str]


class RttStatisticsOut(BaseModel):
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


class ListStatisticsOut(BaseModel):
    provider: str
    specialty: str
    priority: str
    target_weeks: float | None
    as_of: str
    start: str
    waiting: int
    paused: int
    within_target_pct: float | None
    over_52_weeks: int
    median_wait_weeks: float | None
    p92_wait_weeks: float | None
    referrals: int
    treated: int
    withdrawn: int
    demand_per_week: float | None
    capacity_per_week: float | None
    load: float | None
    target_queue_size: float | None
    mean_wait_weeks: float | None
    target_capacity: float | None
    relief_capacity: float | None
    pressure: float | None


class ExtraSessionsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["extra_sessions"]
    sessions_per_day: int = Field(ge=0)
    slots_per_session: int = Field(ge=0)
    cost_per_session: int = Field(ge=0, description="Minor units.")
    minutes_per_session: int = Field(default=240, ge=0)
    weekdays: list[int] = Field(default=[0, 1, 2, 3, 4], description="0 is Monday.")
    start_day: int = Field(default=0, ge=0)
    end_day: int | None = Field(default=None, gt=0)

    def change(self) -> ExtraSessions:
        return ExtraSessions(
            self.sessions_per_day,
            self.slots_per_session,
            self.minutes_per_session,
            self.cost_per_session,
            tuple(self.weekdays),
            self.start_day,
            self.end_day,
        )


class OutsourcingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["outsourcing"]
    patients_per_week: int = Field(ge=0)
    cost_per_patient: int = Field(ge=0, description="Minor units.")
    start_day: int = Field(default=0, ge=0)
    end_day: int | None = Field(default=None, gt=0)

    def change(self) -> Outsourcing:
        return Outsourcing(
            self.patients_per_week, self.cost_per_patient, 60, self.start_day, self.end_day
        )


class DemandSurgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["demand_surge"]
    factor: float = Field(ge=0)
    start_day: int = Field(default=0, ge=0)
    end_day: int | None = Field(default=None, gt=0)

    def change(self) -> DemandSurge:
        return DemandSurge(self.factor, self.start_day, self.end_day)


class StrikeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["strike"]
    capacity_kept: float = Field(ge=0, le=1)
    start_day: int = Field(ge=0)
    end_day: int = Field(gt=0)

    def change(self) -> Strike:
        return Strike(self.capacity_kept, self.start_day, self.end_day)


ChangeIn = Annotated[
    ExtraSessionsIn | OutsourcingIn | DemandSurgeIn | StrikeIn, Field(discriminator="kind")
]


class ScenarioIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)
    description: str = ""
    changes: list[ChangeIn] = Field(min_length=1)

    def scenario(self) -> Scenario:
        changes: tuple[Change, ...] = tuple(c.change() for c in self.changes)
        return Scenario(self.name, changes, self.description)


class SimulateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: str | None = None
    specialty: str | None = None
    priority: Priority | None = None
    days: int = Field(default=730, ge=7, le=3660)
    seed: int = 0
    as_of: date | None = None
    scenarios: list[ScenarioIn] | None = Field(
        default=None, description="Default: extra sessions, outsourcing, winter surge, strikes."
    )
    currency: str = Field(default="GBP", min_length=3, max_length=3)
    cost_per_patient_week: int = Field(default=10_000, ge=0, description="Minor units.")


class OutcomeOut(BaseModel):
    name: str
    description: str
    final_queue: int
    peak_queue: int
    treated: int
    reneged: int
    mean_wait_weeks: float
    p92_wait_weeks: float
    breach_pct: float
    waiting_within_target_pct: float
    waiting_over_52_weeks: int
    patient_days: int
    waiting_cost: int
    capacity_cost: int
    total_cost: int


class ScheduleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    provider: str
    start: date
    weeks: int = Field(default=2, ge=1, le=12)
    sessions_per_day: int = Field(default=1, ge=1, le=20)
    minutes: int = Field(default=240, ge=1, le=1440)
    specialty: str | None = None
    limit: int = Field(default=500, ge=1, le=2000)
    gap: float = Field(default=0.01, ge=0, le=1)


class BookingOut(BaseModel):
    referral_id: str
    session: str | None
    day: str | None
    wait_days: int
    late_days: int
    breached: bool


class ScheduleOut(BaseModel):
    booked: int
    breaches: int
    late_days: int
    objective: float
    bound: float
    gap: float
    status: str
    seconds: float
    withdrawn: list[str]
    bookings: list[BookingOut]


class HistoryPointOut(BaseModel):
    start: str
    referrals: int


class ForecastPointOut(BaseModel):
    start: str
    referrals: float | None
    lower: float | None
    upper: float | None
    capacity_per_week: float | None
    capacity_per_week_upper: float | None


class ForecastOut(BaseModel):
    provider: str | None
    specialty: str | None
    period: str
    method: str
    season_length: int
    level: float
    target_weeks: float | None
    history: list[HistoryPointOut]
    forecast: list[ForecastPointOut]
