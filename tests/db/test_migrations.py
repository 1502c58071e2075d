"""The migrations: a store brought up from an earlier revision keeps its rows, and the
tables the code declares are the tables the migrations make."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

from thamani.config import Environment, Settings
from thamani.db import migrate
from thamani.db.engine import make_engine, write_transaction
from thamani.db.tables.base import metadata

USAGE = {"claim_usage": "enrolment_id", "policy_usage": "policy_id"}


def _engine(tmp_path: Path) -> Engine:
    return make_engine(Settings(environment=Environment.TEST, data_dir=tmp_path))


def _to(engine: Engine, revision: str, *, down: bool = False) -> None:
    cfg = migrate._config()
    with write_transaction(engine) as conn:
        cfg.attributes["connection"] = conn
        (command.downgrade if down else command.upgrade)(cfg, revision)


def _rows(engine: Engine, table: str, key: str) -> list[tuple[int, str]]:
    with engine.connect() as conn:
        return [
            (r[0], r[1])
            for r in conn.execute(text(f"SELECT {key}, data FROM {table} ORDER BY {key}"))
        ]


def _key_is_rowid(engine: Engine, table: str) -> bool:
    """True when the table's key is SQLite's rowid (no separate key index)."""
    with engine.connect() as conn:
        indexes = conn.execute(text(f"PRAGMA index_list({table})")).fetchall()
    return not indexes


def test_usage_rows_survive_being_stored_by_key_and_back(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        _to(engine, "0007")
        rows = [(k, f'{{"v": {k}}}') for k in (9_000_000_001, 5, 2**40 + 3, 77)]
        with write_transaction(engine) as conn:
            for table in USAGE:
                conn.execute(
                    text(f"INSERT INTO {table} VALUES (:k, :d)"),
                    [{"k": k, "d": d} for k, d in rows],
                )
        assert not any(_key_is_rowid(engine, t) for t in USAGE)
        _to(engine, "0008")
        for table, key in USAGE.items():
            assert _key_is_rowid(engine, table)
            assert _rows(engine, table, key) == sorted(rows)
        _to(engine, "0007", down=True)
        for table, key in USAGE.items():
            assert not _key_is_rowid(engine, table)
            assert _rows(engine, table, key) == sorted(rows)
    finally:
        engine.dispose()


def test_the_declared_tables_are_the_migrated_ones(tmp_path: Path) -> None:
    engine = _engine(tmp_path)
    try:
        assert migrate.upgrade(engine)
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
        assert diff == []
    finally:
        engine.dispose()
