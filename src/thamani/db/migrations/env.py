"""Alembic environment: runs on the connection Thamani hands it (see thamani.db.migrate)."""

from __future__ import annotations

from alembic import context

from thamani.db.tables import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - Thamani always passes its own connection
    raise RuntimeError("run migrations through `thamani init` (thamani.db.migrate.upgrade)")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
