"""Real data shipped inside the package (see ``README.md`` beside this file): a 27-patient
Synthea CSV export and five Synthea FHIR R4 bundles, both written by others
(Apache-2.0), compressed. The demo imports them; nothing else needs the network.
"""

from __future__ import annotations

import tarfile
from importlib import resources
from pathlib import Path

SYNTHEA_CSV_27 = "synthea-csv-27"
"""The 27-patient Synthea v3 CSV export (18 tables, 1,267 claims)."""
FHIR_HIV = "fhir-r4-synthea-hiv"
"""Five Synthea FHIR R4 transaction bundles (HIV module), one per patient."""


def archive(name: str) -> Path:
    """The compressed sample ``name`` (the package is installed as files, never zipped)."""
    return Path(str(resources.files("thamani.interop.samples") / f"{name}.tar.xz"))


def unpack(name: str, into: Path) -> Path:
    """Unpack sample ``name`` into ``into``; returns its directory (``into/name``)."""
    into.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive(name), "r:xz") as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        for m in members:
            target = (into / m.name).resolve()
            if into.resolve() not in target.parents:
                raise ValueError(f"{m.name} would be written outside {into}")
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            tar.extractall(into, members=members, filter="data")
        else:  # pragma: no cover
            tar.extractall(into, members=members)
    return into / name


def bundles() -> list[tuple[str, bytes]]:
    """The five FHIR bundles as (file name, bytes), in name order, read from the archive."""
    out = []
    with tarfile.open(archive(FHIR_HIV), "r:xz") as tar:
        for m in tar.getmembers():
            f = tar.extractfile(m) if m.isfile() and m.name.endswith(".json") else None
            if f is not None:
                out.append((Path(m.name).name, f.read()))
    return sorted(out)
