"""Where a fault in an input file is: the file, the row and the column.

The CSV readers of this room (RTT files, referrals, removals) check a whole file before
anything is returned or stored. The first problem raises :class:`InvalidInput` whose
``message`` says what is wrong and whose ``where`` names the place as people read it
(``"rtt.csv, row 12, column 'Total'"``; the header is row 1). ``details`` carries the same
place as fields (``file``, ``row``, ``column``) for machines, so the API's problem body
lists them.
"""

from __future__ import annotations

from typing import Any

from thamani.errors import InvalidInput


def place(source: str, row: int | None = None, column: str | None = None) -> str:
    """The place as people read it: ``file, row N, column 'X'``."""
    text = source
    if row is not None:
        text += f", row {row}"
    if column is not None:
        text += f", column {column!r}"
    return text


def file_fault(
    problem: str,
    source: str,
    row: int | None = None,
    column: str | None = None,
    *,
    code: str = "invalid_file",
) -> InvalidInput:
    """An error naming the file, and the row and column when known."""
    details: dict[str, Any] = {"file": source}
    if row is not None:
        details["row"] = row
    if column is not None:
        details["column"] = column
    return InvalidInput(problem, code=code, where=place(source, row, column), details=details)
