"""Single claims submitted at the same moment are decided together (group commit).

Each claim submitted on its own still costs two transactions and a disk flush; at a few
hundred claims a second those would queue behind each other. Concurrent submissions are
therefore gathered: the first caller to arrive while no group is running becomes the
leader, takes every claim waiting (and those that arrive while it works, group after
group), runs them through the batch path, and hands each caller its own claim or its
own error. A claim's answer is exactly what it would have been alone, in arrival order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

#: Most claims decided in one group.
GROUP_MAX = 512


@dataclass(slots=True)
class _Ticket(Generic[T, R]):
    """One waiting caller: its item, then its result or error.

    wake: set when the ticket is finished, or when its caller is to lead the next group.
    lead: the caller leads the next group.
    finished: its result or error is there.
    """

    item: T
    wake: threading.Event = field(default_factory=threading.Event)
    lead: bool = False
    finished: bool = False
    result: R | None = None
    error: BaseException | None = None


class Grouper(Generic[T, R]):
    """Runs ``work`` over groups of concurrently submitted items.

    ``work(items)`` returns one result (or exception) per item, or raises for all;
    ``compatible(item, others)`` says whether an item may join a group already holding
    ``others`` (one that may not waits for the next group). Each leader runs one group
    and then hands the lead to the first caller still waiting, so nobody's own answer
    waits behind more than one group of others'.
    """

    def __init__(
        self,
        work: Callable[[Sequence[T]], list[R | BaseException]],
        compatible: Callable[[T, Sequence[T]], bool] = lambda _item, _others: True,
    ) -> None:
        self._work = work
        self._compatible = compatible
        self._lock = threading.Lock()
        self._queue: list[_Ticket[T, R]] = []
        self._leading = False

    def submit(self, item: T) -> R:
        ticket: _Ticket[T, R] = _Ticket(item)
        with self._lock:
            self._queue.append(ticket)
            if not self._leading:
                self._leading = True
                ticket.lead = True
        while not ticket.finished:
            if ticket.lead:
                ticket.lead = False
                self._lead_once()
            else:
                ticket.wake.wait()
                ticket.wake.clear()
        if ticket.error is not None:
            raise ticket.error
        assert ticket.result is not None
        return ticket.result

    def _lead_once(self) -> None:
        with self._lock:
            group: list[_Ticket[T, R]] = []
            rest: list[_Ticket[T, R]] = []
            for t in self._queue:
                if len(group) < GROUP_MAX and self._compatible(t.item, [g.item for g in group]):
                    group.append(t)
                else:
                    rest.append(t)
            self._queue = rest
        try:
            results: list[R | BaseException] = self._work([t.item for t in group])
        except BaseException as e:
            results = [e] * len(group)
        for t, r in zip(group, results, strict=True):
            if isinstance(r, BaseException):
                t.error = r
            else:
                t.result = r
            t.finished = True
            t.wake.set()
        with self._lock:
            if self._queue:
                nxt = self._queue[0]
                nxt.lead = True
                nxt.wake.set()
            else:
                self._leading = False
