"""Build the SQLAlchemy engine for the operational store.

SQLite (the embedded default) runs in WAL mode with ``synchronous=FULL``, so a committed
transaction is on disk; write transactions take the write lock at ``BEGIN IMMEDIATE`` so
that two processes never interleave a read-modify-write. PostgreSQL is reached through
psycopg 3; writers serialise on the rows they lock.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import make_url

from thamani.config import Settings

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: SQLite's own busy handler remains
    fcntl = None  # type: ignore[assignment]
from thamani.errors import ConfigurationError

_WRITE = "thamani_write"


def make_engine(settings: Settings) -> Engine:
    """An engine for the configured store; creates the data directory for SQLite."""
    url = make_url(settings.resolved_database_url)
    if url.get_backend_name() == "sqlite":
        return _sqlite_engine(settings, url.database)
    if url.get_backend_name() == "postgresql":
        if url.drivername == "postgresql":
            url = url.set(drivername="postgresql+psycopg")
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise ConfigurationError(
        f"unsupported database {url.get_backend_name()!r}: use sqlite or postgresql",
        code="unsupported_database",
    )


#: Seconds a thread may keep Python's interpreter lock while another waits for it (the
#: interpreter's default is 0.005).
SWITCH_INTERVAL = 0.0005


def tune_interpreter() -> None:
    """Set the interpreter's switch interval for a process that writes to the store.

    A thread holding the store's write lock (committing the ledger, storing a part of a
    batch) needs Python's interpreter lock back between its statements, while another
    thread of the process decides the next part; every wait for it lengthens the time the
    write lock is held, and other writers wait in turn. Measured on 100,000 claims with
    two processes: the write lock held 15 % less at 0.5 ms than at the default 5 ms.
    Entry points call it (the command line, the claims worker processes): it is the
    process's setting, not a library's.
    """
    sys.setswitchinterval(SWITCH_INTERVAL)


def _bind_plainly() -> None:
    """Let Python's ``sqlite3`` bind ``bytes`` and ``None`` as they are, without its search
    for an adapter.

    The driver hands an int, float or str straight to SQLite, but every ``bytes`` or
    ``None`` parameter goes through its adaptation protocol first: a registry miss, then a
    ``__adapt__`` lookup on its protocol type that fails with a formatted AttributeError
    (about 2,400 machine instructions a parameter, measured; a claim binds about 18 such
    parameters on its way to the store: ids, digests, empty columns). Registered adapters
    are found first: ``bytes`` (which returns an exact bytes object itself) and ``{}.get``
    (which returns None for None) are C functions that give back the value unchanged.
    Neither is a base type, so the driver's fast path for int, float and str stays.
    """
    sqlite3.register_adapter(bytes, bytes)
    nothing: dict[None, None] = {}
    sqlite3.register_adapter(type(None), nothing.get)


def _sqlite_engine(settings: Settings, database: str | None) -> Engine:
    _bind_plainly()
    if database and database != ":memory:":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    synchronous = settings.sqlite_synchronous.upper()
    if synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ConfigurationError(
            f"THAMANI_SQLITE_SYNCHRONOUS must be OFF, NORMAL, FULL or EXTRA, not {synchronous}"
        )
    engine = create_engine(
        settings.resolved_database_url,
        connect_args={"timeout": 60, "check_same_thread": False, "cached_statements": 512},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event below decide how transactions start.
        dbapi_connection.isolation_level = None
        cur = dbapi_connection.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute(f"PRAGMA synchronous={synchronous}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA cache_size=-131072")
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.execute(f"PRAGMA wal_autocheckpoint={int(settings.sqlite_wal_autocheckpoint)}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = "IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")

    if database and database != ":memory:":
        engine.thamani_writer_lock = WriterLock(f"{database}-writer.lock")  # type: ignore[attr-defined]
    return engine


class WriterLock:
    """Hands SQLite's single write lock from one writer to the next without waiting.

    SQLite's own busy handler retries a locked database by sleeping (1, 2, 5 ... 100 ms),
    so a second process waiting to write loses most of that time. Writers to one
    embedded store queue here instead: a lock between this process's threads, then an
    exclusive ``flock`` on a file beside the database between processes; the kernel
    wakes the next writer as soon as the previous one has committed.
    """

    def __init__(self, path: str) -> None:
        self._threads = threading.RLock()
        self._local = threading.local()
        self._path = path
        self._fd: int | None = None

    def __enter__(self) -> None:
        self._threads.acquire()
        depth = getattr(self._local, "depth", 0)
        if depth == 0 and fcntl is not None:
            if self._fd is None:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._fd, fcntl.LOCK_EX)
        self._local.depth = depth + 1

    def __exit__(self, *exc: object) -> None:
        self._local.depth -= 1
        if self._local.depth == 0 and fcntl is not None and self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """One write transaction: the SQLite write lock is taken at BEGIN; commit on success.

    On an embedded store, writers first queue on its ``WriterLock``.
    """
    lock: WriterLock | None = getattr(engine, "thamani_writer_lock", None)
    with lock if lock is not None else nullcontext(), engine.connect() as raw:
        conn = raw.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


@contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """One read transaction: a consistent snapshot of the store.

    On PostgreSQL that takes REPEATABLE READ: at its default level every statement would
    see what was committed since the one before (a verification running beside writers
    would report records "inserted" and balances that do not add up). SQLite's read
    transactions are snapshots already.
    """
    with engine.connect() as raw:
        conn = (
            raw.execution_options(isolation_level="REPEATABLE READ")
            if raw.dialect.name == "postgresql"
            else raw
        )
        with conn.begin():
            yield conn


def placeholders(conn: Connection, count: int) -> str:
    """``count`` positional placeholders in the driver's own style, for bulk statements."""
    style = conn.dialect.paramstyle
    mark = "?" if style == "qmark" else "%s"
    return ", ".join([mark] * count)


def _max_params(conn: Connection) -> int:
    if conn.dialect.name == "sqlite":
        dbapi = conn.connection.driver_connection
        try:
            return min(int(dbapi.getlimit(9)), 32766)  # type: ignore[union-attr]
        except (AttributeError, ValueError):  # pragma: no cover - Python < 3.11
            return 999
    return 65535


def chunk_sizes(n: int, per: int) -> Iterator[int]:
    """Rows (or values) per statement for ``n`` of them, at most ``per`` a statement: whole
    statements first, then the rest in powers of two, largest first.

    A multi-row statement's text depends on its row count, and the driver keeps prepared
    statements by their text. Parsing one of thousands of placeholders costs SQLite
    milliseconds, so a remainder of a new size on every batch would be parsed every time;
    in powers of two, a batch path uses a few texts over and over (see the connection's
    ``cached_statements``).
    """
    full, rest = divmod(n, per)
    for _ in range(full):
        yield per
    while rest:
        size = 1 << (rest.bit_length() - 1)
        yield size
        rest -= size


def bulk_insert_flat(
    conn: Connection, table: str, columns: tuple[str, ...], values: list[Any]
) -> None:
    """As ``bulk_insert``, for rows laid end to end in one flat list (``len(columns)``
    values per row): the hot path builds them that way and nothing is copied again."""
    if not values:
        return
    width = len(columns)
    if len(values) % width:
        raise ValueError(f"{len(values)} values do not make whole rows of {width}")
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, [values[i : i + width] for i in range(0, len(values), width)])
        return
    per = max(1, min(2000, _max_params(conn) // width))
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * width) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        start = 0
        for n in chunk_sizes(len(values) // width, per):
            end = start + n * width
            _run(conn, cur, head + ", ".join([one] * n), values[start:end])
            start = end
    finally:
        cur.close()


def bulk_insert(conn: Connection, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    """Insert many rows of positional values, as multi-row ``INSERT ... VALUES`` statements.

    The hot path of the ledger. One statement carries up to ~2,000 rows, so SQLite inserts
    them in one step without Python's interpreter lock (another thread decides the next
    batch meanwhile) and per-row parameter processing is skipped. Runs inside the
    caller's transaction.
    """
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy(conn, table, columns, rows)
        return
    width = len(columns)
    per = max(1, min(2000, _max_params(conn) // width))
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * width) + ")"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        start = 0
        for n in chunk_sizes(len(rows), per):
            chunk = rows[start : start + n]
            start += n
            _run(conn, cur, head + ", ".join([one] * n), list(chain.from_iterable(chunk)))
    finally:
        cur.close()


def _copy(conn: Connection, table: str, columns: tuple[str, ...], rows: list[Any]) -> None:
    """PostgreSQL's ``COPY ... FROM STDIN``: the fastest way in, still transactional."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    driver = conn.dialect.dbapi
    assert driver is not None
    cur = dbapi.cursor()
    try:
        with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    except driver.IntegrityError as e:
        raise sa_exc.IntegrityError(f"COPY {table}", None, e) from e
    finally:
        cur.close()


def _run(conn: Connection, cur: Any, sql: str, params: Any, *, many: bool = False) -> None:
    """Execute on the driver's cursor; its integrity errors become SQLAlchemy's, so callers
    catch one kind whatever the driver."""
    dbapi = conn.dialect.dbapi
    assert dbapi is not None
    try:
        if many:
            cur.executemany(sql, params)
        else:
            cur.execute(sql, params)
    except dbapi.IntegrityError as e:
        raise sa_exc.IntegrityError(sql[:200], None, e) from e


def bulk_update(
    conn: Connection, table: str, key: str, columns: tuple[str, ...], rows: list[Any]
) -> None:
    """Set ``columns`` on many rows found by ``key``; each row is (key, *values).

    One ``WITH v AS (VALUES ...) UPDATE ... FROM v`` statement per ~2,000 rows: works on
    SQLite (3.33+) and PostgreSQL and, like ``bulk_insert``, runs in one step.
    """
    if not rows:
        return
    names = (key, *columns)
    width = len(names)
    per = max(1, min(2000, _max_params(conn) // width))
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    if conn.dialect.name == "postgresql":
        one = "(" + ", ".join([f"{mark}::bigint"] * width) + ")"
    else:
        one = "(" + ", ".join([mark] * width) + ")"
    sets = ", ".join(f"{c} = v.{c}" for c in columns)
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        start = 0
        for n in chunk_sizes(len(rows), per):
            chunk = rows[start : start + n]
            start += n
            sql = (
                f"WITH v ({', '.join(names)}) AS (VALUES {', '.join([one] * n)}) "
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{key} = v.{key}"
            )
            _run(conn, cur, sql, list(chain.from_iterable(chunk)))
    finally:
        cur.close()


def bulk_upsert(
    conn: Connection,
    table: str,
    columns: tuple[str, ...],
    keys: tuple[str, ...],
    rows: list[Any],
    *,
    accumulate: bool = False,
) -> None:
    """Insert rows, or overwrite the other columns of rows whose ``keys`` exist.

    ``INSERT ... ON CONFLICT (keys) DO UPDATE SET c = excluded.c`` (with ``accumulate``,
    ``c = c + excluded.c``: counters that several writers add to), many rows per
    statement as in ``bulk_insert``; the same SQL on SQLite (3.24+) and PostgreSQL.
    """
    if not rows:
        return
    width = len(columns)
    per = max(1, min(2000, _max_params(conn) // width))
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    one = "(" + ", ".join([mark] * width) + ")"
    sets = ", ".join(
        f"{c} = {table}.{c} + excluded.{c}" if accumulate else f"{c} = excluded.{c}"
        for c in columns
        if c not in keys
    )
    tail = f" ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {sets}"
    head = f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        start = 0
        for n in chunk_sizes(len(rows), per):
            chunk = rows[start : start + n]
            start += n
            sql = head + ", ".join([one] * n) + tail
            _run(conn, cur, sql, list(chain.from_iterable(chunk)))
    finally:
        cur.close()


def select_in(
    conn: Connection,
    sql: str,
    values: Sequence[Any],
    *,
    chunk: int = 900,
    before: Sequence[Any] = (),
) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` (with one ``{in}`` where the IN list goes) for many values.

    Runs on the driver's cursor, chunk by chunk: rows come back as plain tuples with no
    type processing (SQLite gives dates as ISO text), for batch paths that read tens of
    thousands of rows. ``before`` are parameters that come before the IN list (``?`` in
    the statement). Runs inside the caller's transaction.
    """
    if not values:
        return []
    mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    out: list[tuple[Any, ...]] = []
    if mark != "?":
        sql = sql.replace("?", mark)
    try:
        start = 0
        for n in chunk_sizes(len(values), chunk):
            part = list(values[start : start + n])
            start += n
            cur.execute(sql.format(**{"in": ", ".join([mark] * n)}), [*before, *part])
            out.extend(cur.fetchall())
    finally:
        cur.close()
    return out


def fetch_all(conn: Connection, sql_qmark: str, params: Sequence[Any] = ()) -> list[Any]:
    """Rows of a small query written with ``?`` placeholders, on the driver's cursor
    (no statement compilation: for queries a hot path runs on every batch)."""
    sql = sql_qmark if conn.dialect.paramstyle == "qmark" else sql_qmark.replace("?", "%s")
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        cur.execute(sql, list(params))
        return list(cur.fetchall())
    finally:
        cur.close()


def bulk_execute(conn: Connection, sql_qmark: str, rows: list[Any]) -> None:
    """``executemany`` a statement written with ``?`` placeholders, in the driver's style."""
    if not rows:
        return
    sql = sql_qmark if conn.dialect.paramstyle == "qmark" else sql_qmark.replace("?", "%s")
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        _run(conn, cur, sql, rows, many=True)
    finally:
        cur.close()


def _driver_sql(conn: Connection, sql_qmark: str) -> str:
    return sql_qmark if conn.dialect.paramstyle == "qmark" else sql_qmark.replace("?", "%s")


def driver_fetch(conn: Connection, sql_qmark: str, params: Sequence[Any]) -> list[Any]:
    """Run a small query on the driver directly (hot paths); ``?`` placeholders."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        cur.execute(_driver_sql(conn, sql_qmark), tuple(params))
        return list(cur.fetchall())
    finally:
        cur.close()


def driver_execute(conn: Connection, sql_qmark: str, params: Sequence[Any]) -> None:
    """Run one statement on the driver directly (hot paths); ``?`` placeholders."""
    dbapi = conn.connection.driver_connection
    assert dbapi is not None
    cur = dbapi.cursor()
    try:
        _run(conn, cur, _driver_sql(conn, sql_qmark), tuple(params))
    finally:
        cur.close()
