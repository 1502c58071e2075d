from tests.worlds import World, claim
from thamani.claims.records import ClaimStatus


def test_an_antenatal_visit_is_paid_at_tariff(world: World) -> None:
    c = world.p.claims.submit(
        claim("LM-1", "kcrh", ["ANC-VISIT", "HB"], programme="linda-mama", dx=("Z34.0",))
    )
    assert c.status is ClaimStatus.PAID
    assert c.payer == 800_00 + 250_00
    assert world.receivable("linda-mama", world.kcrh) == 1050_00
