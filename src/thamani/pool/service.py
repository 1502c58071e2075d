"""``Pool``: append settled encounters, query the disease map, export the pool.

The claims room calls ``append`` on settlement with a batch of ``PoolEncounter``s. The
operational store keeps a log of the keyed encounter ids already in the pool (no operational
id, no personal data), which makes appending exactly-once across retries.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from thamani.clock import Clock, SystemClock
from thamani.config import Settings
from thamani.db.engine import bulk_insert, read_transaction, select_in, write_transaction
from thamani.db.tables import patient_profiles
from thamani.errors import InvalidInput
from thamani.pool import queries
from thamani.pool.pseudonym import Pseudonymiser, load_pseudonym_key
from thamani.pool.records import (
    ENCOUNTER_CLASSES,
    AppendResult,
    DiseaseMap,
    PoolEncounter,
)
from thamani.pool.suppression import DEFAULT_THRESHOLD, suppress
from thamani.pool.writer import month_of, to_row, write_months

EXPORT_FORMATS = ("parquet", "csv")


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What an export wrote.

    directory: where.
    files: the files written, relative to it.
    rows: encounters exported.
    """

    directory: Path
    files: tuple[str, ...]
    rows: int


_LOG_COLUMNS = ("encounter_key", "month", "file", "appended_at")


def _check(e: PoolEncounter, n: int) -> None:
    where = f"encounters/{n}"
    if not e.encounter_id.strip():
        raise InvalidInput("an encounter needs its id", where=f"{where}/encounter_id")
    if e.encounter_class not in ENCOUNTER_CLASSES:
        raise InvalidInput(
            f"encounter class {e.encounter_class!r} is not one of {', '.join(ENCOUNTER_CLASSES)}",
            where=f"{where}/encounter_class",
        )
    if e.amount_total < 0 or any(v < 0 for v in e.paid_by_source.values()):
        raise InvalidInput("amounts cannot be negative", where=f"{where}/amount_total")
    if e.year_of_birth is not None and not 1880 <= e.year_of_birth <= e.encounter_date.year:
        raise InvalidInput(
            f"year of birth {e.year_of_birth} is implausible", where=f"{where}/year_of_birth"
        )


class Pool:
    """The pseudonymised analytical store."""

    def __init__(self, engine: Engine, settings: Settings, clock: Clock | None = None) -> None:
        self.engine = engine
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self.directory = settings.resolved_pool_dir
        self._pseudonymiser: Pseudonymiser | None = None

    @property
    def pseudonymiser(self) -> Pseudonymiser:
        if self._pseudonymiser is None:
            self._pseudonymiser = Pseudonymiser(load_pseudonym_key(self.settings))
        return self._pseudonymiser

    def append(self, encounters: Sequence[PoolEncounter]) -> AppendResult:
        """Append settled encounters (each once, however often it is handed over).

        Demographics left as None are read from the patients' wallet profiles: the birth
        date reduced to its year, the area as recorded. Nothing personal is written.
        """
        for n, e in enumerate(encounters):
            _check(e, n)
        p = self.pseudonymiser
        keyed: dict[str, PoolEncounter] = {}
        for e in encounters:
            keyed.setdefault(p.encounter(e.encounter_id), e)
        missing = sorted(
            {e.patient_party_id for e in keyed.values() if None in (e.year_of_birth, e.sex, e.area)}
        )
        # The rows are made before the store's write lock is taken (pseudonyms and rows
        # are most of an append's work, and claims wait for that lock): under it, only
        # which encounters the pool has already, the files and the log.
        profiles: dict[int, tuple[int, str, str]] = {}
        if missing:
            with read_transaction(self.engine) as conn:
                for start in range(0, len(missing), 500):
                    for p_row in conn.execute(
                        select(
                            patient_profiles.c.party_id,
                            patient_profiles.c.birth_date,
                            patient_profiles.c.sex,
                            patient_profiles.c.area,
                        ).where(patient_profiles.c.party_id.in_(missing[start : start + 500]))
                    ):
                        profiles[p_row.party_id] = (p_row.birth_date.year, p_row.sex, p_row.area)
        rows: dict[str, dict[str, Any]] = {}
        for key, e in keyed.items():
            known = profiles.get(e.patient_party_id, (None, None, None))
            demographics = (
                e.year_of_birth if e.year_of_birth is not None else known[0],
                e.sex if e.sex is not None else known[1],
                e.area if e.area is not None else known[2],
            )
            rows[key] = to_row(e, p, demographics, key)
        with write_transaction(self.engine) as conn:
            keys = list(rows)
            have = {
                str(r[0])
                for r in select_in(
                    conn, "SELECT encounter_key FROM pool_log WHERE encounter_key IN ({in})", keys
                )
            }
            rows_out = [r for k, r in rows.items() if k not in have]
            files = write_months(self.directory, rows_out) if rows_out else []
            by_month = {f.split("/")[0].removeprefix("month="): f for f in files}
            now = self.clock.now_ns()
            log_rows = []
            for r in rows_out:
                month = month_of(r["encounter_date"])
                log_rows.append((r["encounter_key"], month, by_month[month], now))
            bulk_insert(conn, "pool_log", _LOG_COLUMNS, log_rows)
        return AppendResult(len(rows_out), len(encounters) - len(rows_out), tuple(files))

    def disease_map(
        self,
        *,
        since: date | None = None,
        until: date | None = None,
        programme: str | None = None,
        code_length: int = 3,
        threshold: int = DEFAULT_THRESHOLD,
    ) -> DiseaseMap:
        """Diagnoses by area and ISO week, with small numbers suppressed (see
        ``thamani.pool.suppression``)."""
        if not 1 <= code_length <= 7:
            raise InvalidInput("code_length must be between 1 and 7", where="code_length")
        if threshold < 1:
            raise InvalidInput("the threshold must be at least 1", where="threshold")
        table = queries.open_pool(self.directory)
        if table is None:
            return DiseaseMap((), (), threshold, code_length)
        expr = queries.diagnoses_by_area_and_week(
            queries.within(table, since=since, until=until, programme=programme),
            code_length=code_length,
        )
        counts = [
            (r["encounter_week"], r["area"], r["diagnosis"], int(r["encounters"]))
            for r in expr.to_pyarrow().to_pylist()
        ]
        cells, totals = suppress(counts, threshold)
        return DiseaseMap(tuple(cells), tuple(totals), threshold, code_length)

    def export(self, destination: Path, fmt: str = "parquet") -> ExportResult:
        """Copy the pool out: its Parquet partitions as they are, or one CSV file."""
        if fmt not in EXPORT_FORMATS:
            raise InvalidInput(f"format must be one of {', '.join(EXPORT_FORMATS)}", where="format")
        destination.mkdir(parents=True, exist_ok=True)
        table = queries.open_pool(self.directory)
        if table is None:
            return ExportResult(destination, (), 0)
        rows = int(table.count().to_pyarrow().as_py())
        if fmt == "csv":
            queries.flat(table).to_csv(destination / "pool.csv")
            return ExportResult(destination, ("pool.csv",), rows)
        files = []
        for src in sorted(self.directory.glob("month=*/*.parquet")):
            rel = src.relative_to(self.directory)
            (destination / rel.parent).mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, destination / rel)
            files.append(str(rel))
        return ExportResult(destination, tuple(files), rows)
