"""Enrolment: households and their members covered for a period, all or nothing; cover
looked up by date; who may see whose cover."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.worlds import World, build, claim
from thamani.claims.records import ClaimStatus
from thamani.clock import ManualClock
from thamani.errors import Conflict, Forbidden, InvalidInput, NotFound
from thamani.platform import Platform
from thamani.schemes.documents import parse_enrolment


@pytest.fixture
def world(platform: Platform, clock: ManualClock) -> World:
    return build(platform, clock)


def household(
    ref: str, *members: dict[str, Any], start: str = "2025-01-01", end: str = "2025-12-31"
) -> dict[str, Any]:
    return {
        "reference": ref,
        "name": ref,
        "area": "Muhoroni",
        "start": start,
        "end": end,
        "members": list(members),
    }


def person(
    number: str, name: str, sex: str = "female", born: str = "1990-01-01", **kw: Any
) -> dict[str, Any]:
    return {"number": number, "name": name, "sex": sex, "birth_date": born, **kw}


def enrol(w: World, code: str, *households: dict[str, Any]) -> Any:
    doc = parse_enrolment({"programme": code, "households": list(households)})
    return w.p.schemes.enrol(code, doc.households)


def test_a_household_is_enrolled_once(world: World) -> None:
    hh = household("HH-9", person("NI-90", "Atieno"), person("NI-91", "Ouma", "male"))
    done = enrol(world, "national-insurance", hh)
    assert (done.members_enrolled, done.members_created) == (2, 2)
    again = enrol(world, "national-insurance", hh)
    assert (again.members_enrolled, again.members_created) == (0, 0)
    (cover,) = world.p.schemes.coverage("NI-91", date(2025, 3, 1))
    assert (cover.programme_code, cover.household.reference) == ("national-insurance", "HH-9")
    assert world.p.schemes.coverage("NI-91", date(2026, 1, 1)) == []
    assert world.p.parties.by_reference("member:NI-91").kind.value == "patient"


def test_a_dependant_joining_later_waits_from_their_own_start(world: World) -> None:
    enrol(
        world,
        "national-insurance",
        household("HH-8", person("NI-80", "Baby", born="2000-02-01", start="2025-05-01")),
    )
    early = world.p.claims.submit(claim("NI-80", "kcrh", ["OPD-CONSULT"], day=date(2025, 5, 20)))
    assert early.status is ClaimStatus.REJECTED
    assert (
        early.lines[0].message
        == "OPD-CONSULT is covered from 2025-05-31 (30 days after 2025-05-01)"
    )


def test_a_member_registered_with_other_details_is_a_conflict_and_nothing_is_stored(
    world: World,
) -> None:
    ok = household("HH-7", person("NI-70", "Akoth"))
    clash = household("HH-6", person("NI-1", "Someone Else"))
    with pytest.raises(Conflict) as err:
        enrol(world, "national-insurance", ok, clash)
    assert err.value.where == "households[1].members[0]"
    with pytest.raises(NotFound):
        world.p.schemes.member("NI-70")


def test_a_policy_outside_the_programmes_validity_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        enrol(
            world, "linda-mama", household("HH-5", person("LM-50", "Adhiambo"), start="2023-06-01")
        )
    assert err.value.code == "policy_outside_programme"


def test_an_enrolment_document_names_its_faults() -> None:
    with pytest.raises(InvalidInput) as err:
        parse_enrolment(
            {"programme": "x", "households": [household("H", person("M-1", "A", sex="woman"))]},
            source="hh.yaml",
        )
    assert err.value.where == "hh.yaml: households[0].members[0].sex"
    with pytest.raises(InvalidInput) as err:
        parse_enrolment(
            {
                "programme": "x",
                "households": [household("H", person("M-1", "A"), person("M-1", "B"))],
            }
        )
    assert "member M-1 is listed twice" in err.value.message


def test_a_wallet_that_does_not_exist_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput) as err:
        enrol(
            world,
            "national-insurance",
            household("HH-4", person("NI-40", "A", wallet_account="123")),
        )
    assert err.value.where == "households[0].members[0].wallet_account"


def test_who_sees_whose_cover(world: World) -> None:
    def actor(ref: str) -> Any:
        return world.p.parties.actor(world.p.parties.by_reference(ref))

    assert len(world.p.schemes.coverage("NI-1", None, actor("member:NI-1"))) == 1
    with pytest.raises(NotFound):
        world.p.schemes.coverage("NI-1", None, actor("member:NI-2"))
    with pytest.raises(NotFound):
        world.p.schemes.coverage("NI-1", None, actor("mama-bora-fund"))
    assert len(world.p.schemes.coverage("NI-1", None, actor("national-health-fund"))) == 1
    assert len(world.p.schemes.coverage("NI-1", None, actor("kcrh"))) == 1
    assert [c.member.reference for c in world.p.schemes.coverage_of(actor("member:LM-1"))] == [
        "LM-1"
    ]


def test_a_death_ends_the_members_cover_once(world: World) -> None:
    died = date(2025, 8, 3)
    assert world.p.schemes.end_cover([("NI-2", died)]) == 1
    (cover,) = world.p.schemes.coverage("NI-2")
    assert (cover.enrolment.start, cover.enrolment.end) == (date(2025, 1, 1), died)
    assert world.p.schemes.coverage("NI-2", date(2025, 8, 4)) == []
    assert world.p.schemes.end_cover([("NI-2", died)]) == 0
    (other,) = world.p.schemes.coverage("NI-1")
    assert other.enrolment.end == date(2025, 12, 31)


def test_ending_cover_names_an_unknown_member_and_needs_an_admin(world: World) -> None:
    with pytest.raises(InvalidInput) as e:
        world.p.schemes.end_cover([("NI-1", date(2025, 8, 3)), ("NI-404", date(2025, 8, 3))])
    assert e.value.where == "ends[1]"
    (cover,) = world.p.schemes.coverage("NI-1")
    assert cover.enrolment.end == date(2025, 12, 31)
    payer = world.p.parties.actor(world.insurer)
    with pytest.raises(Forbidden):
        world.p.schemes.end_cover([("NI-1", date(2025, 8, 3))], payer)
