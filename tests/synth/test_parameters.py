"""The parameters file: every rate sourced, typos and bad values named."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from thamani.errors import InvalidInput
from thamani.synth.generator import check_parameters
from thamani.synth.parameters import load_parameters, parse_parameters

TEXT = resources.files("thamani.synth").joinpath("kenya_county.yaml").read_text("utf-8")


def test_the_default_county_loads_and_names_its_sources() -> None:
    p = load_parameters()
    assert p.region.currency == "KES"
    assert p.demography.crude_birth_rate_per_1000.value == 28.0
    assert "KDHS 2022" in p.maternity.caesarean_rate.source
    assert "UNAIDS" in p.conditions.hiv.source
    assert "BOLD" in p.conditions.copd.source
    assert "Global Asthma Network" in TEXT or "GAN" in p.conditions.asthma.source
    check_parameters(p)


def test_a_misspelt_key_is_an_error_naming_it() -> None:
    bad = TEXT.replace("  hiv:\n    source:", "  hvi:\n    source:", 1)
    with pytest.raises(InvalidInput) as e:
        parse_parameters(bad)
    assert "conditions.hvi" in str(e.value)
    assert "unknown key" in str(e.value)


def test_a_rate_without_its_source_is_an_error() -> None:
    bad = TEXT.replace(
        '    value: 0.82\n    source: "KDHS 2022 (82 % of live births',
        '    value: 0.82\n    sorce: "x',
        1,
    )
    assert bad != TEXT
    with pytest.raises(InvalidInput) as e:
        parse_parameters(bad)
    assert "maternity.facility_delivery_rate" in str(e.value)


def test_a_share_above_one_is_refused() -> None:
    bad = TEXT.replace("  value: 0.16\n", "  value: 1.6\n", 1)
    with pytest.raises(InvalidInput) as e:
        parse_parameters(bad)
    assert "caesarean_rate.value" in str(e.value)


def test_an_unpriced_item_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "county.yaml"
    path.write_text(TEXT.replace("    MED-IV-FLUIDS: [150, 150, 200, 200]\n", ""), "utf-8")
    with pytest.raises(InvalidInput) as e:
        check_parameters(load_parameters(path))
    assert "MED-IV-FLUIDS" in str(e.value)


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as e:
        load_parameters(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(e.value)
