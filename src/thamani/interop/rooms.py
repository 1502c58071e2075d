"""What an importer or exporter needs of the platform: the rooms it writes through.

``thamani.platform.Platform`` has all of these; the interop package names them by a
protocol so that it never imports the composition root (which imports the rooms).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from sqlalchemy import Engine

from thamani.claims.service import Claims
from thamani.clinical.service import Clinical
from thamani.clock import Clock
from thamani.ledger.service import Ledger
from thamani.parties.service import Parties
from thamani.schemes.service import Schemes


class Rooms(Protocol):
    """The store and the rooms an import writes through."""

    @property
    def engine(self) -> Engine: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def parties(self) -> Parties: ...

    @property
    def schemes(self) -> Schemes: ...

    @property
    def ledger(self) -> Ledger: ...

    @property
    def clinical(self) -> Clinical: ...

    @property
    def claims(self) -> Claims: ...


#: Told how far a long import or export has come: (step, done, total).
Progress = Callable[[str, int, int], None]
