"""Small-number suppression for published aggregates (pure).

The disease map publishes counts per (week, area, diagnosis) and, per (week, diagnosis),
the total over areas; nothing else. Rules:

1. Primary: any count (cell or total) from 1 to ``threshold - 1`` is withheld.
2. Secondary: in a row whose total is published, a single withheld cell could be
   recomputed as total minus the published cells; so when exactly one cell of such a row
   is withheld, the smallest other cell of the row (ties: the first area by name) is
   withheld too. Then every row with a published total has either no withheld cell or at
   least two, and no withheld cell can be recomputed from the published numbers (a row
   with a single cell has a total equal to it, so both are withheld together).

As no area totals or grand totals are published, a row's suppression cannot be undone
through another row, and one pass over the rows suffices.
"""

from __future__ import annotations

from collections.abc import Iterable

from thamani.pool.records import MapCell, MapTotal, Suppression

#: The usual small-number rule.
DEFAULT_THRESHOLD = 5


def suppress(
    counts: Iterable[tuple[str, str, str, int]], threshold: int = DEFAULT_THRESHOLD
) -> tuple[list[MapCell], list[MapTotal]]:
    """Cells and row totals from (week, area, diagnosis, count), with counts withheld."""
    if threshold < 1:
        raise ValueError("the suppression threshold must be at least 1")
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for week, area, dx, n in counts:
        if n <= 0:
            continue
        row = rows.setdefault((week, dx), {})
        row[area] = row.get(area, 0) + n
    cells: list[MapCell] = []
    totals: list[MapTotal] = []
    for (week, dx), row in sorted(rows.items()):
        total = sum(row.values())
        total_hidden = total < threshold
        hidden: dict[str, Suppression] = {
            a: Suppression.SMALL_NUMBER for a, n in row.items() if n < threshold
        }
        if not total_hidden and len(hidden) == 1:
            others = sorted((n, a) for a, n in row.items() if a not in hidden)
            if others:
                hidden[others[0][1]] = Suppression.COMPLEMENTARY
        for area in sorted(row):
            why = hidden.get(area)
            cells.append(MapCell(week, area, dx, None if why else row[area], why))
        totals.append(
            MapTotal(
                week,
                dx,
                None if total_hidden else total,
                Suppression.SMALL_NUMBER if total_hidden else None,
            )
        )
    return cells, totals
