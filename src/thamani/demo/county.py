"""The demo's synthetic county: generate it, then run its year of care through the platform.

The county (``people`` people, 20,000 by default) is generated from a seed and loaded
through the same services real data uses (``platform.synth``): its facilities become
providers, its programmes are defined and funded, its households enrolled and given
wallets, and its year of care submitted as claims in date order (adjudicated and paid on
the ledger) or paid from the households' wallets. The step says what was paid and
rejected, by whom, and how long it took; the ledger steps that follow tell a handful of
its stories one by one.
"""

from __future__ import annotations

import time

from thamani.demo.scenario import Step
from thamani.errors import Conflict
from thamani.platform import Platform

TITLE = "A synthetic county and its year of care, through wallets and claims"


def county_step(platform: Platform, people: int, seed: int = 1) -> Step:
    """Synthesise a county of ``people`` people and run a year of its care."""
    started = time.perf_counter()
    try:
        done = platform.synth.synthesise(people=people, years=1, seed=seed)
    except Conflict as e:
        return Step(
            TITLE, [str(e), "run the demo with --fresh (the default) to start over"], ok=False
        )
    wall = time.perf_counter() - started
    c = done.tallies.claims
    lines = [
        f"{done.region}: {done.people:,} people generated from seed {seed} in"
        f" {done.generate_seconds:.1f} s, {done.start_date} to {done.end_date}",
        *done.lines(),
        f"loaded in {done.seconds:.1f} s ({wall:.1f} s in all); the ledger holds every"
        " payment, funds and wallets included",
    ]
    ok = not done.tallies.refusals and c.get("paid", 0) > 0
    return Step(TITLE, lines, done.money_table(), ok)
