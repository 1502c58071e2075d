"""The use case behind ``thamani synth --out``: generate a region and write it to files."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from thamani.synth.generator import generate
from thamani.synth.parameters import load_parameters
from thamani.synth.region import RegionInfo
from thamani.synth.writers import Format, write_region


@dataclass(frozen=True, slots=True)
class Export:
    """What an export made.

    info: the region's description (seed, size, dates).
    rows: rows per table.
    files: the files written.
    generate_seconds: time spent generating.
    write_seconds: time spent writing.
    """

    info: RegionInfo
    rows: dict[str, int]
    files: tuple[Path, ...]
    generate_seconds: float
    write_seconds: float


def export_region(
    out: Path,
    fmt: Format,
    *,
    people: int,
    years: int,
    seed: int,
    parameters: Path | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_table: Callable[[str], None] | None = None,
) -> Export:
    """Generate a region from the parameters (default: the Kenyan county) and write it."""
    p = load_parameters(parameters)
    t0 = time.perf_counter()
    region = generate(p, people, years, seed, on_stage)
    t1 = time.perf_counter()
    files = write_region(region, out, fmt, on_table)
    t2 = time.perf_counter()
    return Export(region.info, region.counts(), tuple(files), t1 - t0, t2 - t1)
