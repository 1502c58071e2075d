"""The demo's synthetic county: generate it and say what a year of its care looks like.

Until the claims and wallets rooms load synthetic care through their batch paths, the demo
shows the county and its year of care as generated (encounters, what they cost at tariff
and who is expected to pay); the ledger steps that follow move money for a handful of its
people.
"""

from __future__ import annotations

import time

import numpy as np

from thamani.demo.scenario import Step, money
from thamani.synth import generate, load_parameters


def county_step(people: int, seed: int = 1) -> Step:
    """Synthesise a county of ``people`` people and a year of their care."""
    started = time.perf_counter()
    region = generate(load_parameters(), people, 1, seed)
    seconds = time.perf_counter() - started
    enc = region["encounters"]
    preg = region["pregnancies"]
    obs = region["observations"]
    vl = obs["loinc"] == obs.column("loinc").labels.index("20447-9")
    suppressed = float((obs["value"][vl] < 1000).mean()) if vl.any() else 0.0
    caesarean = float((preg.column("mode").decoded() == "caesarean").mean())
    in_facility = float((preg.column("place").decoded() == "facility").mean())
    info = region.info
    lines = [
        f"{info.name}: {len(region['people']):,} people in {len(region['households']):,}"
        f" households, {len(region['areas'])} sub-counties, {len(region['facilities'])}"
        f" facilities (generated in {seconds:.1f} s, seed {seed})",
        f"{len(enc):,} encounters from {info.start_date} to {info.end_date},"
        f" {len(region['lines']):,} claim lines, {money(int(enc['cost'].sum()))} at tariff",
        f"{len(preg):,} deliveries ({in_facility:.0%} in a facility, {caesarean:.0%} by"
        f" caesarean), {len(region['deaths']):,} deaths,"
        f" {int(vl.sum()):,} viral loads ({suppressed:.0%} suppressed)",
        f"{len(region['prom_responses']):,} PROM responses, {len(region['referrals']):,}"
        " referrals to specialist waiting lists",
    ]
    names = region["programmes"]["name"].tolist()
    programme = enc["programme_id"]
    table = [["paid by", "encounters", "at tariff"]]
    for pid, name in [*enumerate(names), (-1, "out of pocket")]:
        mine = programme == pid
        table.append([str(name), f"{int(mine.sum()):,}", money(int(enc["cost"][mine].sum()))])
    ok = bool(np.all(enc["cost"] > 0))
    return Step("A synthetic county and a year of its care", lines, table, ok)
