"""Apply the Alembic migrations that ship inside the package.

``thamani init`` calls ``upgrade``; so does every command on first use of a new store.
Several processes may start at once: on PostgreSQL an advisory lock serialises them, on
SQLite the write lock taken at BEGIN IMMEDIATE does.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from thamani.db.engine import write_transaction

_SCRIPTS = Path(__file__).with_name("migrations")
_LOCK_KEY = 0x7448414D  # "tHAM"


def _config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_SCRIPTS))
    return cfg


def head_revision() -> str:
    """The newest migration shipped with this version of Thamani."""
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the store is at (None for an empty store)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine) -> bool:
    """Bring the store to the newest schema. Returns True when anything was applied."""
    if current_revision(engine) == head_revision():
        return False
    cfg = _config()
    with write_transaction(engine) as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_KEY})
        if MigrationContext.configure(conn).get_current_revision() == head_revision():
            return False
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    return True


def revision(engine: Engine, message: str) -> None:
    """Autogenerate a new migration from the tables (a developer's tool)."""
    cfg = _config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message=message, autogenerate=True)
