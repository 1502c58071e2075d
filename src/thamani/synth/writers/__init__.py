"""Writers of a generated region: Parquet, FHIR R4 NDJSON, Synthea-style CSV."""

from __future__ import annotations

import enum
from collections.abc import Callable
from pathlib import Path

from thamani.synth.region import Region


class Format(enum.StrEnum):
    """File formats a region can be written in."""

    PARQUET = "parquet"
    FHIR = "fhir"
    SYNTHEA = "synthea"


def write_region(
    region: Region, out: Path, fmt: Format, on_table: Callable[[str], None] | None = None
) -> list[Path]:
    """Write the region into directory ``out``; returns the files written."""
    if fmt is Format.PARQUET:
        from thamani.synth.writers.parquet import write_parquet

        return write_parquet(region, out, on_table)
    if fmt is Format.FHIR:
        from thamani.synth.writers.fhir import write_fhir

        return write_fhir(region, out, on_table)
    from thamani.synth.writers.synthea import write_synthea

    return write_synthea(region, out, on_table)


def output_names(fmt: Format) -> tuple[str, ...]:
    """The units a writer reports through ``on_table`` (for progress bars)."""
    if fmt is Format.PARQUET:
        from thamani.synth.schema import TABLE_NAMES

        return TABLE_NAMES
    if fmt is Format.FHIR:
        from thamani.synth.writers.fhir import RESOURCE_TYPES

        return RESOURCE_TYPES
    from thamani.synth.writers.synthea import HEADERS

    return tuple(HEADERS)
