"""The county hospital plan from one RTT snapshot."""

import pytest

from thamani.capacity import formulas
from thamani.capacity.plan import (
    hospital_simulation,
    specialty_plans,
    standard_scenarios,
    weekly_bands,
)
from thamani.capacity.rtt import parse_rtt_csv
from thamani.capacity.samples import county_hospital_rtt
from thamani.errors import InvalidInput

FILE = county_hospital_rtt()
RECORDS = parse_rtt_csv(FILE.read_text().splitlines(), FILE.name)


def test_specialty_figures_come_from_the_parts_of_the_snapshot() -> None:
    plans = {p.treatment_function: p for p in specialty_plans(RECORDS, "RBD")}
    total = plans["C_999"]
    weeks = 30 / 7  # November
    assert total.demand_per_week == pytest.approx(5003 / weeks)
    assert total.capacity_per_week == pytest.approx((1544 + 2925) / weeks)
    assert total.waiting == 21702
    factor = formulas.factor_for_share_within(0.92)
    assert total.target_queue_size == pytest.approx(total.demand_per_week * 18 / factor)
    assert total.relief_capacity == pytest.approx(
        total.demand_per_week + (21702 - total.target_queue_size) / 52
    )
    assert total.load > 1  # referrals outrun treatments this month
    assert list(plans)[-1] == "C_999"
    assert sum(p.waiting for c, p in plans.items() if c != "C_999") == 21702


def test_simulation_starts_from_the_current_list() -> None:
    config = hospital_simulation(RECORDS, "RBD", days=100)
    assert config.initial_queue.tolist() == [[21702]]
    assert config.target_days == (126,)
    assert config.demand[0, 0] == pytest.approx(5003 / 30)
    assert config.backlog_span_days == 105 * 7
    assert sum(weekly_bands(RECORDS, "RBD", "C_999")) == 21702
    names = [s.name for s in standard_scenarios(config)]
    assert names == ["extra sessions", "outsourcing", "winter surge", "strikes"]


def test_unknown_provider_or_function_is_refused() -> None:
    with pytest.raises(InvalidInput, match="provider 'XYZ'"):
        specialty_plans(RECORDS, "XYZ")
    with pytest.raises(InvalidInput, match="treatment function 'C_000'"):
        hospital_simulation(RECORDS, "RBD", "C_000")
