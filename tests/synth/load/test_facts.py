"""The region's areas, facilities and staff minutes in the store, on SQLite and
PostgreSQL: what was generated is what is stored, once."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from tests.synth.load.test_loader import rows, scalar
from thamani.platform import Platform
from thamani.synth import Parameters, Region
from thamani.synth.load.facts import activity_values, facility_rows


def test_the_store_holds_the_regions_areas_facilities_and_minutes(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    done = platform.synth.load(region, parameters)
    areas, fac, act = region["areas"], region["facilities"], region["activity"]
    n = done.tallies.loaded
    assert n["areas"] == len(areas) == scalar(platform, "SELECT COUNT(*) FROM region_areas")
    assert n["facilities"] == len(fac)
    assert scalar(platform, "SELECT COUNT(*) FROM region_facilities") == len(fac)
    assert n["activity_rows"] == len(act)
    assert scalar(platform, "SELECT COUNT(*) FROM encounter_activity") == len(act)

    # Areas: names and people as generated.
    stored = rows(platform, "SELECT area, name, population, poverty_rate FROM region_areas")
    assert sorted(stored) == sorted(
        zip(
            areas["area_id"].tolist(),
            areas["name"].tolist(),
            areas["population"].tolist(),
            areas["poverty_rate"].tolist(),
            strict=True,
        )
    )
    assert scalar(platform, "SELECT SUM(population) FROM region_areas") == int(
        areas["population"].sum()
    )

    # Facilities: levels, beds and staff as generated, each the provider party it became.
    levels = dict(rows(platform, "SELECT level, COUNT(*) FROM region_facilities GROUP BY level"))
    assert levels == dict(Counter(fac.column("level").decoded().tolist()))
    assert scalar(platform, "SELECT SUM(beds) FROM region_facilities") == int(fac["beds"].sum())
    assert scalar(platform, "SELECT SUM(staff_nurse) FROM region_facilities") == int(
        fac["staff_nurse"].sum()
    )
    joined = rows(
        platform,
        "SELECT f.facility, p.name, p.kind FROM region_facilities f"
        " JOIN parties p ON p.id = f.party_id ORDER BY f.facility",
    )
    assert joined == [(i, str(name), "provider") for i, name in enumerate(fac["name"].tolist())]
    # The hidden profile: the generator's ground truth, facility by facility.
    prof = region["facility_profiles"]
    truth = dict(zip(prof["facility_id"].tolist(), prof["quality"].tolist(), strict=True))
    quality = dict(rows(platform, "SELECT facility, quality FROM region_facilities"))
    assert quality == pytest.approx(truth)
    cost = rows(platform, "SELECT facility, cost_factor FROM region_facilities")
    assert dict(cost) == pytest.approx(
        dict(zip(prof["facility_id"].tolist(), prof["cost_factor"].tolist(), strict=True))
    )

    # Staff minutes: the total, by staff type, and per encounter, under its claim's reference.
    total = int(act["minutes"].sum())
    assert total > 0
    assert n["activity_minutes"] == total
    assert scalar(platform, "SELECT SUM(minutes) FROM encounter_activity") == total
    assert total == int(region["encounters"]["minutes"].sum())
    labels = act.column("staff").labels
    by_staff = dict(
        rows(platform, "SELECT staff, SUM(minutes) FROM encounter_activity GROUP BY staff")
    )
    expected = {
        labels[s]: int(act["minutes"][act["staff"] == s].sum())
        for s in np.unique(act["staff"]).tolist()
    }
    assert by_staff == expected
    first = int(act["encounter_id"][0])
    mine = act["encounter_id"] == first
    assert scalar(
        platform, "SELECT SUM(minutes) FROM encounter_activity WHERE encounter_ref = :r",
        r=f"E{first}",
    ) == int(act["minutes"][mine].sum())  # fmt: skip
    # The same reference the encounter's claim carries (when a programme paid for it).
    claimed = scalar(
        platform,
        "SELECT COUNT(DISTINCT a.encounter_ref) FROM encounter_activity a"
        " JOIN claims c ON c.reference = a.encounter_ref",
    )
    enc = region["encounters"]
    with_minutes = np.isin(enc["encounter_id"], act["encounter_id"])
    assert claimed == int((with_minutes & (enc["programme_id"] >= 0)).sum())
    assert any("staff minutes" in line for line in done.lines())


def test_a_second_load_stores_the_facts_once(
    platform: Platform, region: Region, parameters: Parameters
) -> None:
    platform.synth.load(region, parameters, batch_size=300)
    again = platform.synth.load(region, parameters, batch_size=300)
    assert again.already_loaded
    assert scalar(platform, "SELECT COUNT(*) FROM region_facilities") == len(region["facilities"])
    assert scalar(platform, "SELECT COUNT(*) FROM encounter_activity") == len(region["activity"])


def test_rows_are_built_column_wise(region: Region) -> None:
    act = region["activity"]
    flat = activity_values(act, 9)
    assert len(flat) == 4 * len(act)
    assert flat[:4] == [
        9,
        f"E{int(act['encounter_id'][0])}",
        act.column("staff").labels[int(act["staff"][0])],
        int(act["minutes"][0]),
    ]
    fac = facility_rows(region, 9, list(range(100, 100 + len(region["facilities"]))))
    assert fac[0][:3] == (9, 0, 100)
    with pytest.raises(ValueError, match="provider parties"):
        facility_rows(region, 9, [1])
