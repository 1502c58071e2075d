"""One exception tree for Thamani; the API and the CLI translate it at their edges.

Minimal version written on the ``capacity`` branch; the lead's foundation supersedes it.
"""


class ThamaniError(Exception):
    """Base of every error Thamani raises on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(ThamaniError):  # noqa: N818 - the name the architecture gives
    """The caller gave input that cannot be accepted (a bad CSV cell, a negative count)."""
