"""Who may do what with claims: providers submit for their own facility and read their
own claims; payers read and review their programmes' claims; patients read their own;
everyone else finds nothing."""

from __future__ import annotations

import pytest

from tests.worlds import World, claim
from thamani.claims.records import ClaimStatus
from thamani.errors import Forbidden, NotFound
from thamani.parties.records import Actor, PartyKind


def actor(w: World, ref: str) -> Actor:
    return w.p.parties.actor(w.p.parties.by_reference(ref))


def test_a_provider_submits_for_its_own_facility_only(world: World) -> None:
    kcrh = actor(world, "kcrh")
    assert (
        world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"]), kcrh).status
        is ClaimStatus.PAID
    )
    with pytest.raises(Forbidden) as err:
        world.p.claims.submit(claim("NI-2", "nyalenda-hc", ["OPD-CONSULT"]), kcrh)
    assert err.value.code == "not_your_facility"
    assert len(world.p.claims.claims()) == 1


def test_payers_patients_and_providers_see_only_their_own(world: World) -> None:
    ni = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"]))
    lm = world.p.claims.submit(
        claim("LM-1", "nyalenda-hc", ["ANC-VISIT"], programme="linda-mama", dx=("Z34.0",))
    )
    can = {
        "kcrh": {ni.id},
        "nyalenda-hc": {lm.id},
        "national-health-fund": {ni.id},
        "mama-bora-fund": {lm.id},
        "member:NI-1": {ni.id},
        "member:NI-2": set(),
        "member:LM-1": {lm.id},
    }
    for who, ids in can.items():
        a = actor(world, who)
        assert {c.id for c in world.p.claims.claims(a)} == ids, who
        for cid in (ni.id, lm.id):
            if cid in ids:
                assert world.p.claims.get(cid, a).id == cid
            else:
                with pytest.raises(NotFound):
                    world.p.claims.get(cid, a)


def test_an_analyst_holds_no_claims_scope(world: World) -> None:
    c = world.p.claims.submit(claim("NI-1", "kcrh", ["OPD-CONSULT"]))
    analyst = world.p.parties.actor(world.p.parties.create(PartyKind.ANALYST, "Analyst", "an-1"))
    with pytest.raises(Forbidden):
        world.p.claims.get(c.id, analyst)


def test_only_the_programmes_payer_reviews_and_reverses(world: World) -> None:
    world.p.claims.submit(claim("NI-1", "kondele-disp", ["OPD-CONSULT"]))
    flagged = world.p.claims.submit(claim("NI-1", "kcrh", ["FBC"]))
    assert flagged.status is ClaimStatus.IN_REVIEW
    with pytest.raises(NotFound):
        world.p.claims.review(flagged.id, actor(world, "mama-bora-fund"))
    with pytest.raises(Forbidden):
        world.p.claims.review(flagged.id, actor(world, "kcrh"))  # no review scope
    assert world.p.claims.review_queue(actor(world, "mama-bora-fund")) == []
    done = world.p.claims.review(flagged.id, actor(world, "national-health-fund"))
    assert done.status is ClaimStatus.PAID
    with pytest.raises(NotFound):
        world.p.claims.reverse(done.id, "mistake", actor(world, "mama-bora-fund"))
    assert world.p.claims.reverse(
        done.id, "mistake", actor(world, "national-health-fund")
    ).status is (ClaimStatus.REVERSED)
