"""The store's bulk helpers: whole statements, then remainders in powers of two."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import Engine, text

from thamani.db.engine import (
    bulk_insert,
    bulk_insert_flat,
    bulk_update,
    bulk_upsert,
    chunk_sizes,
    read_transaction,
    select_in,
    write_transaction,
)
from thamani.platform import Platform


@pytest.mark.parametrize(
    ("n", "per", "sizes"),
    [
        (0, 910, []),
        (1, 910, [1]),
        (910, 910, [910]),
        (2000, 910, [910, 910, 128, 32, 16, 4]),
        (7, 4, [4, 2, 1]),
        (1024, 2000, [1024]),
        (1023, 2000, [512, 256, 128, 64, 32, 16, 8, 4, 2, 1]),
    ],
)
def test_chunk_sizes(n: int, per: int, sizes: list[int]) -> None:
    got = list(chunk_sizes(n, per))
    assert got == sizes
    assert sum(got) == n
    assert all(0 < s <= per for s in got)


def test_remainders_use_few_statement_texts() -> None:
    """Every count up to 10,000 at 910 a statement uses one of 11 sizes."""
    seen = {s for n in range(10_001) for s in chunk_sizes(n, 910)}
    assert seen <= {910} | {1 << k for k in range(10)}


@pytest.fixture
def engine(platform: Platform) -> Engine:
    with write_transaction(platform.engine) as c:
        c.execute(text("CREATE TABLE bulk_t (k BIGINT PRIMARY KEY, a BIGINT, b VARCHAR(20))"))
    return platform.engine


def _rows(engine: Engine) -> list[tuple[int, int, str | None]]:
    with read_transaction(engine) as c:
        return [tuple(r) for r in c.execute(text("SELECT k, a, b FROM bulk_t ORDER BY k"))]


@pytest.mark.parametrize("n", [1, 1337, 2000 + 999])
def test_bulk_insert_and_read_back_every_row(engine: Engine, n: int) -> None:
    rows = [(k, k * 3, None if k % 7 == 0 else f"r{k}") for k in range(n)]
    with write_transaction(engine) as c:
        bulk_insert(c, "bulk_t", ("k", "a", "b"), rows[: n // 2])
        flat = [v for r in rows[n // 2 :] for v in r]
        bulk_insert_flat(c, "bulk_t", ("k", "a", "b"), flat)
    assert _rows(engine) == rows
    with read_transaction(engine) as c:
        got = select_in(c, "SELECT k FROM bulk_t WHERE k IN ({in})", list(range(0, n, 2)))
    assert sorted(r[0] for r in got) == list(range(0, n, 2))


def test_bulk_update_and_upsert_every_row(engine: Engine) -> None:
    n = 1537
    with write_transaction(engine) as c:
        bulk_insert(c, "bulk_t", ("k", "a", "b"), [(k, 0, "x") for k in range(n)])
        bulk_update(c, "bulk_t", "k", ("a",), [(k, k + 1) for k in range(0, n, 3)])
        bulk_upsert(
            c, "bulk_t", ("k", "a", "b"), ("k",), [(k, 5, "y") for k in range(n - 10, n + 10)]
        )
    got = _rows(engine)
    assert len(got) == n + 10
    for k, a, b in got:
        if k >= n - 10:
            assert (a, b) == (5, "y")
        else:
            assert (a, b) == ((k + 1) if k % 3 == 0 else 0, "x")


def test_bytes_and_none_bind_as_blob_and_null(platform: Platform) -> None:
    """The driver binds bytes and None unchanged (``_bind_plainly``): a blob and a NULL."""
    if platform.engine.dialect.name != "sqlite":
        pytest.skip("the SQLite driver's adaptation")
    con = sqlite3.connect(":memory:")
    con.execute("CREATE TABLE t (a BLOB, b INTEGER)")
    con.execute("INSERT INTO t VALUES (?, ?)", (b"\x00\x01", None))
    assert con.execute("SELECT a, b, typeof(a), typeof(b) FROM t").fetchall() == [
        (b"\x00\x01", None, "blob", "null")
    ]
