"""``quick_init``: the same constructor as the dataclass's, faster, the record still frozen."""

from __future__ import annotations

import dataclasses
import pickle
from dataclasses import InitVar, dataclass, field

import pytest

from thamani.ledger.records import Transfer
from thamani.records import quick_init


@quick_init
@dataclass(frozen=True, slots=True)
class _Record:
    a: int
    b: str = "b"
    c: list[int] = field(default_factory=list)
    d: int = field(default=4, kw_only=True)


@quick_init
@dataclass(frozen=True, slots=True)
class _Checked:
    amount: int

    def __post_init__(self) -> None:
        if self.amount < 0:
            raise ValueError("negative")


def test_parameters_defaults_and_factories_as_the_dataclass_has_them() -> None:
    r = _Record(1)
    assert (r.a, r.b, r.c, r.d) == (1, "b", [], 4)
    assert _Record(1).c is not r.c  # a fresh list each time
    assert _Record(2, "x", [3], d=5) == _Record(a=2, b="x", c=[3], d=5)
    with pytest.raises(TypeError):
        _Record(1, "b", [], 5)  # type: ignore[misc]  # d is keyword-only
    with pytest.raises(TypeError):
        _Record()  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="negative"):
        _Checked(-1)


def test_the_record_stays_frozen_comparable_and_picklable() -> None:
    t = Transfer(7, 1, 2, 300, 1, 10, user_data_128=9)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.amount = 1  # type: ignore[misc]
    assert dataclasses.replace(t, amount=5).amount == 5
    assert pickle.loads(pickle.dumps(t)) == t
    assert hash(t) == hash(Transfer(7, 1, 2, 300, 1, 10, user_data_128=9))
    assert t.timestamp == 0
    assert t.user_data_128 == 9


def test_only_frozen_slotted_dataclasses() -> None:
    @dataclass(slots=True)
    class Open:
        a: int

    with pytest.raises(TypeError, match="frozen dataclass with slots"):
        quick_init(Open)

    @dataclass(frozen=True, slots=True)
    class WithInitVar:
        a: int
        scale: InitVar[int] = 1

    with pytest.raises(TypeError, match="not fields"):
        quick_init(WithInitVar)
