"""``thamani capacity``: waiting lists, RTT figures, simulations, schedules, forecasts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from math import isfinite
from pathlib import Path
from typing import IO, Any

import typer
from rich.table import Table

from thamani.capacity.pathways import WaitingListKey, parse_removal_reason
from thamani.capacity.priorities import Priority, parse_priority
from thamani.capacity.records import (
    ReferralStatus,
    SessionPlan,
    StoredReferral,
)
from thamani.capacity.referrals import Referral
from thamani.capacity.rtt import parse_rtt_csv, rtt_statistics
from thamani.capacity.scenarios import (
    DemandSurge,
    ExtraSessions,
    Outsourcing,
    Scenario,
    Strike,
    WaitingCost,
)
from thamani.cli.common import console, emit_json, friendly, platform, progress
from thamani.errors import InvalidInput

app = typer.Typer(
    help="Waiting lists: RTT figures, referrals, statistics, simulations, schedules, "
    "forecasts and the capacity report."
)
referrals_app = typer.Typer(help="Referrals: import CSV files, list and show them.")
app.add_typer(referrals_app, name="referrals")

RTT_KEYS = (
    "provider",
    "treatment_function",
    "part",
    "waiting",
    "within_18_weeks_pct",
    "over_52_weeks",
    "median_weeks",
    "p92_weeks",
)
"""The keys of ``capacity rtt --json``, one object per provider, treatment function, part."""


@contextmanager
def _open(path: Path) -> Iterator[IO[str]]:
    try:
        with path.open(encoding="utf-8", newline="") as f:
            yield f
    except (OSError, UnicodeDecodeError) as e:
        raise InvalidInput(f"cannot read {path}: {e}", where=str(path)) from None


def _priority(value: str | None) -> Priority | None:
    return None if value is None else parse_priority(value)


def _day(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a date (YYYY-MM-DD)", where=f"--{name}") from None


def _text(value: float | int | None, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not isfinite(value)):
        return "-"
    return f"{value:,}" if isinstance(value, int) else f"{value:,.{digits}f}"


# -- RTT ----------------------------------------------------------------------------------


@app.command("rtt")
@friendly
def rtt(
    file: Path = typer.Argument(..., help="NHS England RTT full CSV."),
    provider: str | None = typer.Option(None, help="Only this provider code."),
    part: str | None = typer.Option(None, help="Only this part, e.g. Part_2."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Standard RTT figures of a file, per provider, treatment function and part."""
    with _open(file) as f:
        records = parse_rtt_csv(f, file.name)
    stats = [
        s
        for s in rtt_statistics(records)
        if (provider is None or s.provider == provider) and (part is None or s.part == part)
    ]
    if as_json:
        emit_json([{k: s.as_report()[k] for k in RTT_KEYS} for s in stats])
        return
    table = Table("provider", "treatment function", "part", "waiting", "≤18 wk %", ">52 wk")
    for column in ("median wk", "p92 wk"):
        table.add_column(column)
    for s in stats:
        table.add_row(
            s.provider,
            f"{s.treatment_function_name} ({s.treatment_function})",
            s.part,
            f"{s.waiting:,}",
            _text(s.within_18_weeks_pct),
            _text(s.over_52_weeks),
            _text(s.median_weeks),
            _text(s.p92_weeks),
        )
    console.print(table)


@app.command("import-rtt")
@friendly
def import_rtt(
    file: Path = typer.Argument(..., help="NHS England RTT full CSV (one month)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Store an RTT file as a snapshot (all rows or none)."""
    with progress("importing RTT file", 1, enabled=not as_json) as advance, _open(file) as f:
        snap = platform().capacity.import_rtt(f, file.name)
        advance(1)
    if as_json:
        emit_json(snap.as_report())
        return
    console.print(
        f"snapshot {snap.id}: {snap.rows:,} rows of {snap.period} for "
        f"{', '.join(snap.providers)} from {snap.source}"
    )


# -- referrals ----------------------------------------------------------------------------


@referrals_app.command("import")
@friendly
def import_referrals(
    file: Path = typer.Argument(..., help="Referrals or removals CSV."),
    kind: str = typer.Option("auto", help="auto (read the header), referrals or removals."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Import a referrals or removals CSV: every row is stored, or none."""
    with progress("importing", 1, enabled=not as_json) as advance, _open(file) as f:
        summary = platform().capacity.import_csv(f, file.name, kind=kind)
        advance(1)
    if as_json:
        emit_json(summary.as_report())
        return
    console.print(
        f"{summary.source}: {summary.referrals:,} referrals added, {summary.removals:,} "
        f"removed, {summary.lists_created} new waiting lists"
    )


@referrals_app.command("list")
@friendly
def list_referrals(
    provider: str = typer.Option(..., help="Provider code."),
    specialty: str | None = typer.Option(None),
    priority: str | None = typer.Option(None, help="P1a, P1b, P2, P3 or P4."),
    status: str | None = typer.Option(None, help="waiting, paused or removed."),
    limit: int = typer.Option(100, min=1),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A provider's referrals, most urgent then longest waiting first."""
    chosen = None
    if status is not None:
        try:
            chosen = ReferralStatus(status)
        except ValueError:
            raise InvalidInput(f"unknown status {status!r}", where="--status") from None
    p = platform()
    found = p.capacity.referrals(provider, None, specialty, _priority(priority), chosen, limit)
    today = p.capacity.today()
    if as_json:
        emit_json([r.as_report(today) for r in found])
        return
    table = Table("referral", "specialty", "priority", "referred", "status", "clock days")
    for r in found:
        table.add_row(
            r.reference,
            r.key.specialty,
            r.key.priority.value,
            r.referred_on.isoformat(),
            r.status.value,
            str(r.waited_days(today)),
        )
    console.print(table)


def _show(r: StoredReferral, as_json: bool) -> None:
    today = platform().capacity.today()
    if as_json:
        emit_json(r.as_report(today))
        return
    console.print(
        f"referral {r.reference} ({r.key.provider} {r.key.specialty} {r.key.priority.value}): "
        f"{r.status.value}, {r.waited_days(today)} days on the clock"
        + (f", removed {r.removed_on} ({r.removal_reason.value})" if r.removal_reason else "")
    )


@referrals_app.command("show")
@friendly
def show(
    provider: str = typer.Argument(...),
    reference: str = typer.Argument(...),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """One referral with its clock history."""
    _show(platform().capacity.referral(provider, reference), as_json)


@app.command("refer")
@friendly
def refer(
    reference: str = typer.Argument(..., help="Your own id for the referral (no patient names)."),
    provider: str = typer.Option(...),
    specialty: str = typer.Option(...),
    priority: str = typer.Option("P3", help="P1a, P1b, P2, P3 or P4."),
    on: str | None = typer.Option(None, help="Referral date (default today)."),
    minutes: int | None = typer.Option(None, min=1, help="Session minutes needed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Put a referral on its waiting list (the clock starts)."""
    cap = platform().capacity
    key = WaitingListKey(provider, specialty, parse_priority(priority))
    day = _day(on, "on") or cap.today()
    _show(cap.refer(Referral(reference, key, day, minutes)), as_json)


@app.command("pause")
@friendly
def pause(
    reference: str = typer.Argument(...),
    provider: str = typer.Option(...),
    on: str | None = typer.Option(None, help="Default today."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pause a referral's clock."""
    _show(platform().capacity.pause(provider, reference, _day(on, "on")), as_json)


@app.command("resume")
@friendly
def resume(
    reference: str = typer.Argument(...),
    provider: str = typer.Option(...),
    on: str | None = typer.Option(None, help="Default today."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Restart a paused clock."""
    _show(platform().capacity.resume(provider, reference, _day(on, "on")), as_json)


@app.command("remove")
@friendly
def remove(
    reference: str = typer.Argument(...),
    provider: str = typer.Option(...),
    reason: str = typer.Option(..., help="treated, declined, moved or died."),
    on: str | None = typer.Option(None, help="Default today."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Take a referral off its list (the clock stops)."""
    cap = platform().capacity
    why = parse_removal_reason(reason)
    _show(cap.remove(provider, reference, why, _day(on, "on")), as_json)


# -- plans --------------------------------------------------------------------------------


@app.command("lists")
@friendly
def lists(
    provider: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Waiting lists with their head counts."""
    found = platform().capacity.waiting_lists(provider=provider)
    if as_json:
        emit_json([w.as_report() for w in found])
        return
    table = Table("provider", "specialty", "priority", "waiting", "paused", "removed")
    for w in found:
        table.add_row(
            w.key.provider,
            w.key.specialty,
            w.key.priority.value,
            f"{w.waiting:,}",
            f"{w.paused:,}",
            f"{w.removed:,}",
        )
    console.print(table)


@app.command("stats")
@friendly
def stats(
    provider: str | None = typer.Option(None),
    specialty: str | None = typer.Option(None),
    priority: str | None = typer.Option(None),
    as_of: str | None = typer.Option(None, "--as-of", help="Default today."),
    start: str | None = typer.Option(None, help="Measure demand from (default a year back)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Figures per waiting list: waits, demand, capacity, load, target sizes, pressure."""
    found = platform().capacity.statistics(
        None, provider, specialty, _priority(priority), _day(as_of, "as-of"), _day(start, "start")
    )
    if as_json:
        emit_json([s.as_report() for s in found])
        return
    table = Table("list", "waiting", "within target %", ">52 wk", "median wk")
    for column in ("demand/wk", "capacity/wk", "load", "target queue", "target cap/wk"):
        table.add_column(column)
    for s in found:
        m = s.summary
        table.add_row(
            f"{s.key.provider} {s.key.specialty} {s.key.priority.value}",
            f"{s.waiting:,}",
            _text(s.within_target_pct),
            f"{s.over_52_weeks:,}",
            _text(s.median_wait_weeks),
            _text(m.demand_per_week),
            _text(m.capacity_per_week),
            _text(m.load, 2),
            _text(m.target_queue_size),
            _text(m.target_capacity),
        )
    console.print(table)


def _custom_scenarios(
    extra_sessions: int, outsource: int, surge: float | None, strike_days: int
) -> list[Scenario]:
    out = []
    if extra_sessions:
        out.append(
            Scenario(
                f"+{extra_sessions} sessions a weekday",
                (ExtraSessions(extra_sessions, 4, 240, 250_000),),
                "four patients per four-hour session, GBP 2,500 a session",
            )
        )
    if outsource:
        out.append(
            Scenario(
                f"outsource {outsource} a week",
                (Outsourcing(outsource, 350_000),),
                "GBP 3,500 per patient, block contract",
            )
        )
    if surge is not None:
        out.append(Scenario(f"demand x{surge:g}", (DemandSurge(surge),), "referrals scaled"))
    if strike_days:
        out.append(
            Scenario(
                f"{strike_days}-day strike",
                (Strike(0.0, 30, 30 + strike_days),),
                "no planned treatment from day 30",
            )
        )
    return out


@app.command("simulate")
@friendly
def simulate(
    provider: str | None = typer.Option(None),
    specialty: str | None = typer.Option(None),
    priority: str | None = typer.Option(None),
    days: int = typer.Option(730, min=7, help="Days to simulate."),
    seed: int = typer.Option(0),
    as_of: str | None = typer.Option(None, "--as-of", help="Start from the lists on this day."),
    extra_sessions: int = typer.Option(0, min=0, help="Compare: extra sessions each weekday."),
    outsource: int = typer.Option(0, min=0, help="Compare: patients outsourced a week."),
    surge: float | None = typer.Option(None, min=0, help="Compare: referrals x this factor."),
    strike_days: int = typer.Option(0, min=0, help="Compare: a strike this many days long."),
    cost_per_week: int = typer.Option(10_000, help="Cost of a patient-week waiting (minor)."),
    currency: str = typer.Option("GBP"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Scenarios side by side on the stored lists (default: the four standard ones)."""
    custom = _custom_scenarios(extra_sessions, outsource, surge, strike_days)
    total = 1 + (len(custom) if custom else 4)
    with progress("simulating scenarios", total, enabled=not as_json) as advance:
        outcomes = platform().capacity.simulate(
            None,
            provider,
            specialty,
            _priority(priority),
            days=days,
            seed=seed,
            scenarios=custom or None,
            waiting_cost=WaitingCost(currency, cost_per_week),
            as_of=_day(as_of, "as-of"),
            progress=advance,
        )
    if as_json:
        emit_json([o.as_report() for o in outcomes])
        return
    table = Table("", *(o.name for o in outcomes), title=f"{days} days simulated")
    rows: list[tuple[str, Any]] = [
        ("final queue", lambda o: f"{o.final_queue:,}"),
        ("peak queue", lambda o: f"{o.peak_queue:,}"),
        ("treated", lambda o: f"{o.treated:,}"),
        ("mean wait (weeks)", lambda o: f"{o.mean_wait_weeks:.1f}"),
        ("92nd percentile (weeks)", lambda o: f"{o.p92_wait_weeks:.1f}"),
        ("past target %", lambda o: f"{o.breach_pct:.1f}"),
        ("list within target at end %", lambda o: f"{o.waiting_within_target_pct:.1f}"),
        ("over 52 weeks at end", lambda o: f"{o.waiting_over_52_weeks:,}"),
        (f"waiting cost ({currency})", lambda o: f"{o.waiting_cost / 100:,.0f}"),
        (f"capacity cost ({currency})", lambda o: f"{o.capacity_cost / 100:,.0f}"),
        (f"total cost ({currency})", lambda o: f"{o.total_cost / 100:,.0f}"),
    ]
    for label, cell in rows:
        table.add_row(label, *(cell(o) for o in outcomes))
    console.print(table)


@app.command("schedule")
@friendly
def schedule(
    provider: str = typer.Option(...),
    start: str | None = typer.Option(None, help="First session day (default tomorrow)."),
    weeks: int = typer.Option(2, min=1),
    sessions_per_day: int = typer.Option(1, min=1, help="Per specialty each weekday."),
    minutes: int = typer.Option(240, min=1, help="Minutes per session."),
    specialty: str | None = typer.Option(None),
    limit: int = typer.Option(500, min=1, help="Most urgent, longest waiting patients."),
    gap: float = typer.Option(0.01, min=0.0, help="Stop within this relative gap."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Book waiting patients into sessions (an integer programme solved by HiGHS)."""
    cap = platform().capacity
    first = _day(start, "start") or cap.today() + timedelta(days=1)
    plan = SessionPlan(first, weeks, sessions_per_day, minutes)
    with progress("scheduling", 1, enabled=not as_json) as advance:
        result = cap.schedule(provider, plan, None, specialty, limit=limit, mip_rel_gap=gap)
        advance(1)
    if as_json:
        emit_json(result.as_report())
        return
    table = Table("referral", "session", "day", "clock days", "late days")
    for b in result.bookings:
        if b.session_id is not None:
            table.add_row(
                b.patient_id, b.session_id, str(b.day), str(b.wait_days), str(b.late_days)
            )
    console.print(table)
    console.print(
        f"{result.booked} of {len(result.bookings)} booked, {result.breaches} past target, "
        f"gap {100 * result.gap:.2f} % ({result.status}, {result.seconds:.2f} s)"
    )


@app.command("forecast")
@friendly
def forecast(
    provider: str | None = typer.Option(None),
    specialty: str | None = typer.Option(None),
    priority: str | None = typer.Option(None),
    period: str = typer.Option("week", help="week or month."),
    horizon: int = typer.Option(12, min=1),
    as_of: str | None = typer.Option(None, "--as-of"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Referrals forecast per week or month, and the weekly capacity they will need."""
    f = platform().capacity.forecast(
        None,
        provider,
        specialty,
        _priority(priority),
        period=period,
        horizon=horizon,
        as_of=_day(as_of, "as-of"),
    )
    shown = f.as_report()
    if as_json:
        emit_json(shown)
        return
    rows = shown["forecast"]
    table = Table(f"{period} from", "referrals", "95 % interval", "capacity / week needed")
    for r in rows:
        table.add_row(
            r["start"],
            f"{r['referrals']:.1f}",
            f"{r['lower']:.1f} - {r['upper']:.1f}",
            f"{r['capacity_per_week']:.1f} (up to {r['capacity_per_week_upper']:.1f})",
        )
    console.print(table)
    console.print(
        f"method {f.forecast.method.value}, season {f.season_length}, "
        f"{len(f.history)} {period}s of history"
    )


@app.command("report")
@friendly
def report(
    rtt_file: Path | None = typer.Option(None, "--rtt", help="Plan from this RTT file."),
    provider: str | None = typer.Option(None, help="Provider code (needed if several)."),
    snapshot: int | None = typer.Option(None, help="Plan from this stored RTT snapshot."),
    out: Path = typer.Option(Path("capacity-report.html"), "--out"),
    svg: bool = typer.Option(False, "--svg", help="Charts as SVG: a page without JavaScript."),
    as_of: str | None = typer.Option(None, "--as-of"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Write the capacity plan as one HTML page with charts."""
    records = None
    if rtt_file is not None:
        with _open(rtt_file) as f:
            records = parse_rtt_csv(f, rtt_file.name)
    with progress("building the report", None, enabled=not as_json) as advance:
        html = platform().capacity.report(
            None,
            provider,
            rtt=records,
            snapshot_id=snapshot,
            as_of=_day(as_of, "as-of"),
            charts_as_svg=svg,
            progress=advance,
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    if as_json:
        emit_json({"path": str(out.resolve()), "bytes": len(html.encode())})
        return
    console.print(f"report written to {out.resolve()}")
