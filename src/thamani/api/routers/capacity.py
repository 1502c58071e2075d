"""Waiting lists over HTTP: referrals and their clocks, CSV and RTT uploads, plans.

Providers manage their own lists (their party reference is the provider code); analysts
read aggregates of every list; admins do anything. Another provider's referral answers
404. CSV and RTT files are sent as the request body (``Content-Type: text/csv``); a bad
row answers 422 naming the row and the column, and nothing is stored.
"""

from __future__ import annotations

import io
from datetime import date

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from thamani.api.deps import platform, require
from thamani.api.schemas.capacity import (
    ClockChangeIn,
    ForecastOut,
    ImportOut,
    ListStatisticsOut,
    OutcomeOut,
    ReferralIn,
    ReferralOut,
    RemovalIn,
    RttStatisticsOut,
    ScheduleIn,
    ScheduleOut,
    SimulateIn,
    SnapshotOut,
    WaitingListOut,
)
from thamani.capacity.pathways import WaitingListKey
from thamani.capacity.priorities import Priority
from thamani.capacity.records import ReferralStatus, SessionPlan, StoredReferral
from thamani.capacity.referrals import Referral
from thamani.capacity.scenarios import WaitingCost
from thamani.errors import InvalidInput
from thamani.parties.records import Actor, Scope
from thamani.platform import Platform

router = APIRouter(prefix="/capacity", tags=["capacity"])

READ = Depends(require(Scope.CAPACITY_READ))
WRITE = Depends(require(Scope.CAPACITY_WRITE))
CSV_BODY = {
    "requestBody": {
        "required": True,
        "content": {"text/csv": {"schema": {"type": "string", "format": "binary"}}},
    }
}
MAX_UPLOAD_BYTES = 200 * 1024 * 1024


async def _csv(request: Request) -> io.StringIO:
    """The request body as text (UTF-8, a byte-order mark allowed)."""
    raw = await request.body()
    if not raw:
        raise InvalidInput("send the CSV file as the request body", where="/body")
    if len(raw) > MAX_UPLOAD_BYTES:
        raise InvalidInput("the file is larger than 200 MiB", where="/body")
    try:
        return io.StringIO(raw.decode("utf-8-sig"), newline="")
    except UnicodeDecodeError as e:
        raise InvalidInput(f"the file is not UTF-8 text: {e}", where="/body") from None


def _referral(p: Platform, r: StoredReferral) -> ReferralOut:
    return ReferralOut.model_validate(r.as_report(p.capacity.today()))


@router.get("/lists", response_model=list[WaitingListOut])
def waiting_lists(
    p: Platform = Depends(platform),
    who: Actor = READ,
    provider: str | None = None,
    specialty: str | None = None,
    priority: Priority | None = None,
) -> list[WaitingListOut]:
    """Waiting lists with head counts: a provider's own, or all for analysts and admins."""
    found = p.capacity.waiting_lists(who, provider, specialty, priority)
    return [WaitingListOut.model_validate(w.as_report()) for w in found]


@router.post("/referrals", response_model=ReferralOut, status_code=201)
def create_referral(
    body: ReferralIn, p: Platform = Depends(platform), who: Actor = WRITE
) -> ReferralOut:
    """Put a referral on its list; the list is created on first use."""
    key = WaitingListKey(body.provider, body.specialty, body.priority)
    referred = body.referred_on or p.capacity.today()
    stored = p.capacity.refer(Referral(body.referral_id, key, referred, body.minutes), who)
    return _referral(p, stored)


@router.get("/referrals", response_model=list[ReferralOut])
def list_referrals(
    provider: str,
    p: Platform = Depends(platform),
    who: Actor = READ,
    specialty: str | None = None,
    priority: Priority | None = None,
    status: ReferralStatus | None = None,
    limit: int = Query(default=100, ge=1, le=10_000),
) -> list[ReferralOut]:
    """A provider's referrals, most urgent then longest waiting first."""
    found = p.capacity.referrals(provider, who, specialty, priority, status, limit)
    return [_referral(p, r) for r in found]


@router.post("/referrals/import", response_model=ImportOut, status_code=201, openapi_extra=CSV_BODY)
async def import_referrals(
    request: Request,
    p: Platform = Depends(platform),
    who: Actor = WRITE,
    kind: str = Query(default="auto", pattern="^(auto|referrals|removals)$"),
    source: str = Query(default="upload.csv", max_length=200, description="Name in errors."),
) -> ImportOut:
    """Import a referrals or removals CSV; all rows are stored or none."""
    text = await _csv(request)
    summary = await run_in_threadpool(p.capacity.import_csv, text, source, who, kind)
    return ImportOut.model_validate(summary.as_report())


@router.get("/referrals/{provider}/{referral_id}", response_model=ReferralOut)
def get_referral(
    provider: str, referral_id: str, p: Platform = Depends(platform), who: Actor = READ
) -> ReferralOut:
    """One referral with its clock history."""
    return _referral(p, p.capacity.referral(provider, referral_id, who))


@router.post("/referrals/{provider}/{referral_id}/pause", response_model=ReferralOut)
def pause(
    provider: str,
    referral_id: str,
    body: ClockChangeIn,
    p: Platform = Depends(platform),
    who: Actor = WRITE,
) -> ReferralOut:
    return _referral(p, p.capacity.pause(provider, referral_id, body.on, who))


@router.post("/referrals/{provider}/{referral_id}/resume", response_model=ReferralOut)
def resume(
    provider: str,
    referral_id: str,
    body: ClockChangeIn,
    p: Platform = Depends(platform),
    who: Actor = WRITE,
) -> ReferralOut:
    return _referral(p, p.capacity.resume(provider, referral_id, body.on, who))


@router.post("/referrals/{provider}/{referral_id}/remove", response_model=ReferralOut)
def remove(
    provider: str,
    referral_id: str,
    body: RemovalIn,
    p: Platform = Depends(platform),
    who: Actor = WRITE,
) -> ReferralOut:
    """Take a referral off its list: treated, declined, moved or died."""
    return _referral(p, p.capacity.remove(provider, referral_id, body.reason, body.on, who))


@router.post("/rtt", response_model=SnapshotOut, status_code=201, openapi_extra=CSV_BODY)
async def upload_rtt(
    request: Request,
    p: Platform = Depends(platform),
    who: Actor = WRITE,
    source: str = Query(default="rtt.csv", max_length=200, description="Name in errors."),
) -> SnapshotOut:
    """Store an NHS England RTT full CSV (one month) as a snapshot."""
    text = await _csv(request)
    snap = await run_in_threadpool(p.capacity.import_rtt, text, source, who)
    return SnapshotOut.model_validate(snap.as_report())


@router.get("/rtt", response_model=list[SnapshotOut])
def rtt_snapshots(
    p: Platform = Depends(platform), who: Actor = READ, provider: str | None = None
) -> list[SnapshotOut]:
    return [
        SnapshotOut.model_validate(s.as_report()) for s in p.capacity.rtt_snapshots(who, provider)
    ]


@router.get("/rtt/statistics", response_model=list[RttStatisticsOut])
def rtt_statistics(
    p: Platform = Depends(platform),
    who: Actor = READ,
    snapshot: int | None = None,
    provider: str | None = None,
    part: str | None = None,
) -> list[RttStatisticsOut]:
    """Standard RTT figures per provider, treatment function and part (newest snapshot)."""
    found = p.capacity.rtt_statistics(snapshot, provider, who)
    return [
        RttStatisticsOut.model_validate(s.as_report())
        for s in found
        if part is None or s.part == part
    ]


@router.get("/statistics", response_model=list[ListStatisticsOut])
def statistics(
    p: Platform = Depends(platform),
    who: Actor = READ,
    provider: str | None = None,
    specialty: str | None = None,
    priority: Priority | None = None,
    as_of: date | None = None,
    start: date | None = None,
) -> list[ListStatisticsOut]:
    """Figures per waiting list (aggregates only: no referral in them)."""
    found = p.capacity.statistics(who, provider, specialty, priority, as_of, start)
    return [ListStatisticsOut.model_validate(s.as_report()) for s in found]


@router.post("/simulate", response_model=list[OutcomeOut])
def simulate(
    body: SimulateIn, p: Platform = Depends(platform), who: Actor = READ
) -> list[OutcomeOut]:
    """The baseline and each scenario side by side on the stored lists."""
    outcomes = p.capacity.simulate(
        who,
        body.provider,
        body.specialty,
        body.priority,
        days=body.days,
        seed=body.seed,
        scenarios=None if body.scenarios is None else [s.scenario() for s in body.scenarios],
        waiting_cost=WaitingCost(body.currency.upper(), body.cost_per_patient_week),
        as_of=body.as_of,
    )
    return [OutcomeOut.model_validate(o.as_report()) for o in outcomes]


@router.post("/schedule", response_model=ScheduleOut)
def schedule(body: ScheduleIn, p: Platform = Depends(platform), who: Actor = READ) -> ScheduleOut:
    """Book the most urgent, longest-waiting patients into sessions (providers only)."""
    plan = SessionPlan(body.start, body.weeks, body.sessions_per_day, body.minutes)
    result = p.capacity.schedule(
        body.provider, plan, who, body.specialty, limit=body.limit, mip_rel_gap=body.gap
    )
    return ScheduleOut.model_validate(result.as_report())


@router.get("/forecast", response_model=ForecastOut)
def forecast(
    p: Platform = Depends(platform),
    who: Actor = READ,
    provider: str | None = None,
    specialty: str | None = None,
    priority: Priority | None = None,
    period: str = Query(default="week", pattern="^(week|month)$"),
    horizon: int = Query(default=12, ge=1, le=104),
    as_of: date | None = None,
) -> ForecastOut:
    """Referrals ahead with a 95 % interval, and the weekly capacity they will need."""
    found = p.capacity.forecast(
        who, provider, specialty, priority, period=period, horizon=horizon, as_of=as_of
    )
    return ForecastOut.model_validate(found.as_report())


@router.get("/report", response_class=HTMLResponse)
def report(
    p: Platform = Depends(platform),
    who: Actor = READ,
    provider: str | None = None,
    snapshot: int | None = None,
    as_of: date | None = None,
    svg: bool = Query(default=False, description="Charts as SVG: a page without JavaScript."),
) -> HTMLResponse:
    """The capacity plan as one HTML page with charts."""
    html = p.capacity.report(who, provider, snapshot_id=snapshot, as_of=as_of, charts_as_svg=svg)
    return HTMLResponse(html)
