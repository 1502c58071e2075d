"""128-bit ids: made time-ordered, stored as sortable bytes, read from any spelling."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thamani.errors import InvalidInput
from thamani.ledger import ids
from thamani.ledger.ids import ID_MAX, format_id, from_bytes, new_id, parse_id, to_bytes

U128 = st.integers(0, ID_MAX)


def test_new_ids_are_never_zero_nor_the_maximum_and_do_not_repeat() -> None:
    made = [new_id() for _ in range(2000)]
    assert len(set(made)) == len(made)
    assert all(0 < i < ID_MAX for i in made)


def test_ids_made_many_at_once_do_not_repeat_past_one_draw_of_randomness() -> None:
    made = ids.new_ids(10_000) + [new_id() for _ in range(5_000)] + ids.new_ids(3)
    assert len(set(made)) == len(made) == 15_003
    assert all(0 < i < ID_MAX for i in made)


def test_a_forked_process_draws_its_own_randomness() -> None:
    import os

    new_id()  # this process holds drawn bytes
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        os.write(write, new_id().to_bytes(16, "big"))
        os._exit(0)
    os.waitpid(pid, 0)
    theirs = int.from_bytes(os.read(read, 16), "big")
    ours = new_id()  # what the child would have made from the bytes it inherited
    assert theirs & ((1 << 80) - 1) != ours & ((1 << 80) - 1)


def test_new_ids_sort_by_the_millisecond_they_were_made(monkeypatch: pytest.MonkeyPatch) -> None:
    ms = [1_700_000_000_000, 1_700_000_000_001, 1_700_000_005_000]
    made = []
    for t in ms:
        monkeypatch.setattr(ids.time, "time_ns", lambda t=t: t * 1_000_000)
        made.append(new_id())
    assert made == sorted(made)
    assert [i >> 80 for i in made] == ms


@given(U128)
def test_bytes_round_trip(value: int) -> None:
    raw = to_bytes(value)
    assert len(raw) == 16
    assert from_bytes(raw) == value


@given(U128, U128)
def test_stored_bytes_sort_like_the_numbers(a: int, b: int) -> None:
    assert (to_bytes(a) < to_bytes(b)) == (a < b)


def test_nothing_stored_reads_as_zero() -> None:
    assert from_bytes(None) == 0
    assert from_bytes(b"") == 0


@given(U128)
def test_every_spelling_of_an_id_reads_the_same(value: int) -> None:
    assert parse_id(value) == value
    assert parse_id(format_id(value)) == value
    assert parse_id(hex(value)) == value
    assert parse_id(hex(value).upper().replace("X", "x")) == value
    assert parse_id(str(uuid.UUID(int=value))) == value
    assert parse_id(f"  {value} ") == value


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (True, "not a boolean"),
        (1.0, "must be a 128-bit id"),
        (None, "must be a 128-bit id"),
        ("twelve", "is not a 128-bit id"),
        ("0xnope", "is not a 128-bit id"),
        ("", "is not a 128-bit id"),
        (-1, "outside 0..2^128-1"),
        (2**128, "outside 0..2^128-1"),
        (str(2**128), "outside 0..2^128-1"),
    ],
)
def test_a_bad_id_is_refused_naming_the_field(value: object, fragment: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_id(value, field="pending_id")
    assert fragment in e.value.message
    assert e.value.where == "pending_id"
    assert e.value.message.startswith("pending_id")
