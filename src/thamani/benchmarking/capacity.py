"""Capacity figures: the fast simulation at national scale and the scheduler.

* ``simulation_seconds``: five years of daily referrals and treatment for 100 waiting lists
  (about 1,000,000 patients, each followed to treatment), five priority classes; the figure
  to reach is under 10 s on 2 cores.
* ``schedule_seconds`` and ``schedule_gap``: 500 patients into 60 sessions across four
  specialties with HiGHS, asked for a schedule within 1 % of the bound; the figure to reach
  is under 10 s, proven optimal or within 1 %.

``run()`` returns the figures as a dict; ``thamani bench capacity --json`` and
``python benchmarks/capacity.py`` print it as one JSON object.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import numpy as np

from thamani.capacity.priorities import all_priorities
from thamani.capacity.scheduling import SchedulePatient, TheatreSession, schedule
from thamani.capacity.simulation import simulate, simulation_input, weekly_capacity

LISTS = 100
DAYS = 5 * 365 + 1
PATIENTS = 500
SESSIONS = 60
SPECIALTIES = ("trauma-orthopaedics", "ent", "general-surgery", "urology")
SHARES = (0.02, 0.03, 0.25, 0.45, 0.25)


def simulation_figures(seed: int = 0) -> dict[str, float | int]:
    """Time the fast simulation of 100 lists over five years."""
    rng = np.random.default_rng(seed)
    per_day = rng.uniform(3.5, 7.5, LISTS)  # referrals per day, about 5.5 on average
    # Weekday slots: 7/5 of daily demand at loads from 0.9 (shrinking) to 1.05 (growing).
    load = rng.uniform(0.9, 1.05, LISTS)
    slots = np.rint(per_day * 7 / 5 / load).astype(np.int64)
    capacity = slots[:, None] * weekly_capacity([1, 1, 1, 1, 1, 0, 0], DAYS)[None, :]
    config = simulation_input(
        demand=np.repeat(per_day[:, None], DAYS, axis=1),
        capacity=capacity,
        priority_share=SHARES,
        priorities=all_priorities(),
        initial_queue=np.rint(per_day[:, None] * 60 * np.asarray(SHARES)[None, :]),
        names=[f"list-{i:03d}" for i in range(LISTS)],
    )
    started = time.perf_counter()
    result = simulate(config, seed=seed)
    breached = result.breaches()
    per_list_mean_wait = np.bincount(result.wait_list, weights=result.wait_days) / np.bincount(
        result.wait_list
    )
    seconds = time.perf_counter() - started
    return {
        "simulation_seconds": round(seconds, 3),
        "simulation_lists": LISTS,
        "simulation_days": DAYS,
        "simulation_patients": result.patients,
        "simulation_breach_pct": round(100.0 * float(breached.mean()), 2),
        "simulation_mean_wait_days": round(float(per_list_mean_wait.mean()), 1),
    }


def schedule_case(seed: int = 0) -> tuple[list[SchedulePatient], list[TheatreSession]]:
    """500 waiting patients and 60 four-hour sessions over three weeks, four specialties."""
    rng = np.random.default_rng(seed)
    today = date(2025, 1, 6)
    priorities = all_priorities()
    patients = [
        SchedulePatient(
            patient_id=f"p{i:03d}",
            specialty=SPECIALTIES[i % len(SPECIALTIES)],
            priority=priorities[int(rng.choice(len(priorities), p=SHARES))],
            clock_start=today - timedelta(days=int(rng.integers(0, 420))),
            minutes=int(rng.choice([30, 45, 60, 90, 120, 180])),
            available_from=today + timedelta(days=int(rng.integers(0, 10)))
            if rng.random() < 0.2
            else None,
            withdrawn=bool(rng.random() < 0.03),
        )
        for i in range(PATIENTS)
    ]
    sessions = [
        TheatreSession(
            session_id=f"s{j:02d}",
            specialty=SPECIALTIES[j % len(SPECIALTIES)],
            day=today + timedelta(days=7 * (j // 20) + (j // 4) % 5),
            minutes=240,
        )
        for j in range(SESSIONS)
    ]
    return patients, sessions


def schedule_figures(seed: int = 0) -> dict[str, float | int | str]:
    """Time the scheduler on 500 patients and 60 sessions, asking for 1 % or better.

    SciPy's solver modules are loaded first, so the figure is the scheduling, not the import.
    """
    import scipy.optimize  # noqa: F401 - loaded before the clock starts

    patients, sessions = schedule_case(seed)
    started = time.perf_counter()
    result = schedule(patients, sessions, mip_rel_gap=0.01, time_limit_seconds=60.0)
    seconds = time.perf_counter() - started
    return {
        "schedule_seconds": round(seconds, 3),
        "schedule_gap": round(result.gap, 5),
        "schedule_status": result.status,
        "schedule_patients": len(patients),
        "schedule_sessions": len(sessions),
        "schedule_booked": result.booked,
        "schedule_breaches": result.breaches,
    }


def store_figures(
    referrals: int = 100_000, database_url: str | None = None
) -> dict[str, float | int]:
    """Time the batch paths: add referrals, stop half their clocks, statistics per list.

    Runs on a new SQLite store in a temporary folder, or in a new schema of the PostgreSQL
    database at ``database_url`` (dropped afterwards).
    """
    import shutil
    import tempfile
    import uuid
    from pathlib import Path

    from sqlalchemy import create_engine, text

    from thamani.capacity.pathways import RemovalReason, WaitingListKey
    from thamani.capacity.priorities import Priority
    from thamani.capacity.referrals import Referral, Removal
    from thamani.config import Environment, Settings
    from thamani.platform import open_platform

    folder = Path(tempfile.mkdtemp(prefix="thamani-bench-"))
    schema = "bench_" + uuid.uuid4().hex[:12]
    url = database_url
    if database_url is not None:
        with create_engine(database_url).begin() as conn:
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        sep = "&" if "?" in database_url else "?"
        url = f"{database_url}{sep}options=-csearch_path%3D{schema}"
    platform = open_platform(
        Settings(environment=Environment.TEST, data_dir=folder, database_url=url)
    )
    try:
        keys = [WaitingListKey(f"P{i % 5}", f"s{i:02d}", Priority.P3) for i in range(LISTS)]
        start = date(2022, 1, 3)
        batch = [
            Referral(f"r{i}", keys[i % LISTS], start + timedelta(days=i % 900))
            for i in range(referrals)
        ]
        removals = [
            Removal(f"r{i}", date(2024, 12, 31), RemovalReason.TREATED, keys[i % LISTS].provider)
            for i in range(0, referrals, 2)
        ]
        started = time.perf_counter()
        platform.capacity.add_referrals(batch)
        added = time.perf_counter() - started
        started = time.perf_counter()
        platform.capacity.remove_many(removals)
        removed = time.perf_counter() - started
        started = time.perf_counter()
        stats = platform.capacity.statistics(as_of=date(2024, 12, 31))
        measured = time.perf_counter() - started
    finally:
        platform.close()
        shutil.rmtree(folder, ignore_errors=True)
        if database_url is not None:
            with create_engine(database_url).begin() as conn:
                conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    return {
        "import_referrals": referrals,
        "import_referrals_seconds": round(added, 3),
        "import_removals": len(removals),
        "import_removals_seconds": round(removed, 3),
        "statistics_lists": len(stats),
        "statistics_seconds": round(measured, 3),
    }


def run(
    seed: int = 0, referrals: int = 100_000, database_url: str | None = None
) -> dict[str, float | int | str]:
    """All capacity figures (the store figures are skipped with ``referrals=0``)."""
    figures: dict[str, float | int | str] = {**simulation_figures(seed), **schedule_figures(seed)}
    if referrals:
        figures.update(store_figures(referrals, database_url))
    return figures
