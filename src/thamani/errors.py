"""One exception tree for Thamani.

Rule failures (a rejected claim line, a refused transfer) are values, not exceptions. The
classes here are for misuse and broken infrastructure. The web edge maps each class to one
HTTP status and an RFC 9457 problem body; the CLI maps each to one exit code and a one-line
message. Nothing inside the capability rooms knows about HTTP.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class ThamaniError(Exception):
    """Base of every error Thamani raises on purpose.

    ``code`` is a stable machine-readable identifier, ``message`` a sentence for people,
    ``where`` names the place of the fault (a file and row, a JSON pointer, a field) and
    ``details`` carries structured context for the problem body.
    """

    status: int = 500
    exit_code: int = 1
    title: str = "Internal error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        where: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code()
        self.where = where
        self.details: dict[str, Any] = dict(details or {})

    @classmethod
    def default_code(cls) -> str:
        name = cls.__name__
        out = [name[0].lower()]
        for ch in name[1:]:
            if ch.isupper():
                out.append("_")
            out.append(ch.lower())
        return "".join(out)

    def __str__(self) -> str:
        if self.where:
            return f"{self.message} (at {self.where})"
        return self.message


class InvalidInput(ThamaniError):
    """The caller sent something malformed or inconsistent; nothing was changed."""

    status = 422
    exit_code = 2
    title = "Invalid input"


class NotFound(ThamaniError):
    """The thing does not exist, or the caller may not know that it exists."""

    status = 404
    exit_code = 3
    title = "Not found"


class Conflict(ThamaniError):
    """The request contradicts the current state (already resolved, duplicate key)."""

    status = 409
    exit_code = 4
    title = "Conflict"


class Unauthorized(ThamaniError):
    """No valid credentials were presented."""

    status = 401
    exit_code = 5
    title = "Unauthorized"


class Forbidden(ThamaniError):
    """The caller is known but may not do this."""

    status = 403
    exit_code = 5
    title = "Forbidden"


class ConfigurationError(ThamaniError):
    """Settings are missing, contradictory or unsafe for the environment."""

    status = 500
    exit_code = 6
    title = "Configuration error"


class IntegrityError(ThamaniError):
    """Stored data failed an integrity check (hash chain, signature, balance fold)."""

    status = 500
    exit_code = 7
    title = "Integrity check failed"
