"""Fixtures shared by the whole suite.

Every test that needs a store runs twice: on SQLite (a fresh file) and on PostgreSQL (a
fresh schema in the server at ``THAMANI_TEST_POSTGRES_URL``, by default the local one).
When no PostgreSQL server answers, the PostgreSQL runs are skipped and say why.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from thamani.clock import ManualClock
from thamani.config import Environment, Settings
from thamani.platform import Platform, open_platform

PG_URL = os.environ.get(
    "THAMANI_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
_pg_reason: list[str] = []


def postgres_available() -> str | None:
    """None when the test server answers, else the reason it does not."""
    if _pg_reason:
        return _pg_reason[0] or None
    try:
        eng = create_engine(PG_URL, connect_args={"connect_timeout": 3})
        with eng.connect() as c:
            c.execute(text("SELECT 1"))
        eng.dispose()
        _pg_reason.append("")
    except Exception as e:
        _pg_reason.append(f"PostgreSQL at {PG_URL} is not reachable: {type(e).__name__}: {e}")
    return _pg_reason[0] or None


@pytest.fixture
def pg_schema_url() -> Iterator[str]:
    """A URL whose connections land in a new, empty schema (dropped afterwards)."""
    reason = postgres_available()
    if reason:
        pytest.skip(reason)
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as c:
        c.execute(text(f"CREATE SCHEMA {schema}"))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as c:
            c.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def make_settings(tmp: Path, database_url: str | None = None, **extra: object) -> Settings:
    return Settings(
        environment=Environment.TEST,
        data_dir=tmp / "data",
        database_url=database_url,
        **extra,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str | None]:
    """None for SQLite in ``tmp_path``, or a fresh PostgreSQL schema's URL."""
    if request.param == "sqlite":
        yield None
    else:
        yield request.getfixturevalue("pg_schema_url")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def settings(tmp_path: Path, store_url: str | None) -> Settings:
    return make_settings(tmp_path, store_url)


@pytest.fixture
def platform(settings: Settings, clock: ManualClock) -> Iterator[Platform]:
    plat = open_platform(settings, clock=clock)
    try:
        yield plat
    finally:
        plat.close()
