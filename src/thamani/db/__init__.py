"""The operational store: engine factory, tables and migrations (SQLite or PostgreSQL)."""
