"""Programme files: the examples load, load again unchanged, and every typo is refused
with the file and the path in it, storing nothing."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from tests.worlds import example
from thamani.errors import Conflict, Forbidden, InvalidInput
from thamani.parties.records import PartyKind
from thamani.platform import Platform
from thamani.schemes.documents import load_programme_file, parse_programme, read_yaml
from thamani.schemes.records import ProgrammeKind, Share
from thamani.schemes.service import Outcome


def parties(p: Platform) -> None:
    p.parties.create(PartyKind.PAYER, "Mama Bora Fund", "mama-bora-fund")
    p.parties.create(PartyKind.PAYER, "National Health Fund", "national-health-fund")
    for ref in ("kcrh", "nyalenda-hc", "kondele-disp"):
        p.parties.create(PartyKind.PROVIDER, ref, ref)


def test_the_example_programmes_load_and_load_again_unchanged(platform: Platform) -> None:
    parties(platform)
    lm = platform.schemes.define(load_programme_file(example("linda-mama")))
    assert lm.outcome is Outcome.CREATED
    p = lm.definition.programme
    assert (p.kind, p.currency, p.ledger, p.preauth_days) == (ProgrammeKind.VOUCHER, "KES", 2, 14)
    assert len(lm.definition.items) == 10
    cs = next(i for i in lm.definition.items if i.code == "DEL-CS")
    assert cs.preauthorisation
    assert platform.ledger.account(p.fund_account_id).owner_party_id == p.funder_id
    again = platform.schemes.define(load_programme_file(example("linda-mama")))
    assert again.outcome is Outcome.UNCHANGED
    ni = platform.schemes.define(load_programme_file(example("national-insurance"))).definition
    assert ni.programme.limits.deductible_policy.non_hospital == 500_00
    assert ni.programme.limits.ceiling_member.hospital == 200_000_00
    opd = next(i for i in ni.items if i.code == "OPD-CONSULT")
    assert (opd.cost_share.normal_adult, opd.cost_share.referral_adult) == (
        Share(co_insurance_bp=1000),
        Share(co_insurance_bp=500),
    )
    assert opd.cost_share.emergency_adult == Share(co_insurance_bp=0)
    assert opd.waiting_days.adult == 30
    assert [x.code for x in platform.schemes.programmes()] == ["linda-mama", "national-insurance"]


def test_a_changed_definition_is_replaced_only_when_asked(platform: Platform) -> None:
    parties(platform)
    platform.schemes.define(load_programme_file(example("linda-mama")))
    data = read_yaml(example("linda-mama"))
    data["tariff"]["ANC-VISIT"]["hospital"] = "850"
    with pytest.raises(Conflict):
        platform.schemes.define(parse_programme(data))
    done = platform.schemes.define(parse_programme(data), replace_existing=True)
    assert done.outcome is Outcome.REPLACED
    assert done.definition.programme.version == 2
    price = next(
        t.price
        for t in done.definition.tariff
        if (t.item_code, t.level) == ("ANC-VISIT", "hospital")
    )
    assert price == 850_00


def broken(change: Any) -> dict[str, Any]:
    data = copy.deepcopy(read_yaml(example("national-insurance")))
    change(data)
    return data


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        (
            lambda d: d["benefits"][3].update(co_insurace="10%"),
            "benefits[3].co_insurace",
            "unknown key 'co_insurace' (did you mean co_insurance?)",
        ),
        (
            lambda d: d["benefits"][3].update(co_insurance={"adult": "ten%", "child": "0%"}),
            "benefits[3].co_insurance.adult",
            "'ten%' is not a percentage",
        ),
        (
            lambda d: d["benefits"][3].update(co_insurance={"adult": "120%", "child": "0%"}),
            "benefits[3].co_insurance.adult",
            "'120%' is not between 0% and 100%",
        ),
        (
            lambda d: d["tariff"]["FBC"].update(hospital="500.005"),
            "tariff.FBC.hospital",
            "'500.005' has more than 2 decimal places for KES",
        ),
        (
            lambda d: d["tariff"]["FBC"].update(hospital="-5"),
            "tariff.FBC.hospital",
            "'-5' is negative",
        ),
        (
            lambda d: d["tariff"].update({"FBX": {"hospital": "1"}}),
            "tariff.FBX",
            "unknown benefit item 'FBX' (did you mean FBC?)",
        ),
        (
            lambda d: d["tariff"]["FBC"].update(hospitl="1"),
            "tariff.FBC.hospitl",
            "unknown level 'hospitl' (did you mean hospital?)",
        ),
        (
            lambda d: d["benefits"][0].update(code="OPD CONSULT"),
            "benefits[0].code",
            "'OPD CONSULT' is not an item code (letters, digits, . _ / -)",
        ),
        (
            lambda d: d["benefits"][4].update(atc="P1X"),
            "benefits[4].atc",
            None,
        ),
        (lambda d: d["benefits"][1].update(loinc="70569"), "benefits[1].loinc", None),
        (lambda d: d.update(currency="KSH"), "currency", None),
        (lambda d: d.update(kind="lottery"), "kind", None),
        (
            lambda d: d["limits"]["ceiling"].update(member="lots"),
            "limits.ceiling.member.total",
            None,
        ),
        (lambda d: d["providers"][0].update(level="tertiary"), "providers[0].level", None),
        (lambda d: d["benefits"].append(dict(d["benefits"][0])), "benefits[12].code", None),
        (lambda d: d.update(valid_to="2023-01-01"), "valid_to", None),
        (lambda d: d["providers"][0].update(provider="kcrh-typo"), "providers[0].provider", None),
        (lambda d: d.update(funder="kcrh"), "funder", "'kcrh' is a provider, not a payer"),
    ],
)
def test_a_typo_names_the_file_and_path_and_stores_nothing(
    platform: Platform, change: Any, where: str, message: str | None
) -> None:
    parties(platform)
    with pytest.raises(InvalidInput) as err:
        platform.schemes.define(parse_programme(broken(change), "ni.yaml"))
    assert err.value.where == f"ni.yaml: {where}"
    if message is not None:
        assert err.value.message.startswith(message), err.value.message
    assert platform.schemes.programmes() == []


def test_a_programme_file_that_is_not_yaml_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("code: x\nname: [unclosed\n")
    with pytest.raises(InvalidInput) as err:
        load_programme_file(bad)
    assert err.value.where is not None
    assert err.value.where.startswith(f"{bad}:")


def test_only_the_funder_defines_its_programme(platform: Platform) -> None:
    parties(platform)
    other = platform.parties.create(PartyKind.PAYER, "Another insurer", "other")
    with pytest.raises(Forbidden):
        platform.schemes.define(
            load_programme_file(example("linda-mama")), platform.parties.actor(other)
        )
    donor = platform.parties.by_reference("mama-bora-fund")
    done = platform.schemes.define(
        load_programme_file(example("linda-mama")), platform.parties.actor(donor)
    )
    assert done.outcome is Outcome.CREATED
    assert [x.code for x in platform.schemes.programmes(platform.parties.actor(other))] == []
