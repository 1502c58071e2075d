"""The API tests run against the small county of ``tests.worlds``, one token per party."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from tests.worlds import World, build
from thamani.api.app import create_app
from thamani.clock import ManualClock
from thamani.parties.records import PartyKind
from thamani.platform import Platform


@dataclass
class Api:
    """A client and a bearer header per party."""

    client: TestClient
    world: World
    tokens: dict[str, str]

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


@pytest.fixture
def api(platform: Platform, clock: ManualClock) -> Iterator[Api]:
    world = build(platform, clock)
    p = platform
    admin = p.parties.ensure(PartyKind.ADMIN, "Administrator", "admin")
    analyst = p.parties.create(PartyKind.ANALYST, "County analyst", "analyst")
    parties = {
        "admin": admin,
        "analyst": analyst,
        "donor": world.donor,
        "insurer": world.insurer,
        "kcrh": world.kcrh,
        "nyalenda": world.nyalenda,
        "akinyi": p.parties.by_reference("member:LM-1"),
        "wanjiru": p.parties.by_reference("member:NI-1"),
    }
    tokens = {name: p.parties.issue_token(x.id, "test").secret for name, x in parties.items()}
    with TestClient(create_app(p, sweep_expiries=False)) as client:
        yield Api(client, world, tokens)
