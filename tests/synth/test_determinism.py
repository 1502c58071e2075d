"""Same seed, same output, byte for byte; another seed, another region."""

from __future__ import annotations

from pathlib import Path

import pytest

from thamani.synth import generate, load_parameters
from thamani.synth.writers import Format, write_region


def _write(tmp: Path, seed: int, fmt: Format) -> dict[str, bytes]:
    region = generate(load_parameters(), 4_000, 2, seed)
    out = tmp / f"{fmt.value}-{seed}-{len(list(tmp.iterdir()))}"
    write_region(region, out, fmt)
    return {p.name: p.read_bytes() for p in sorted(out.iterdir())}


@pytest.mark.parametrize("fmt", list(Format))
def test_the_same_seed_writes_the_same_bytes(tmp_path: Path, fmt: Format) -> None:
    first = _write(tmp_path, 42, fmt)
    second = _write(tmp_path, 42, fmt)
    assert first.keys() == second.keys()
    different = [name for name in first if first[name] != second[name]]
    assert different == []


def test_another_seed_gives_another_region(tmp_path: Path) -> None:
    a = _write(tmp_path, 1, Format.PARQUET)
    b = _write(tmp_path, 2, Format.PARQUET)
    assert a["encounters.parquet"] != b["encounters.parquet"]
