"""FHIR R4 in and out of the store: the use cases the CLI and the API call."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from thamani.interop.fhir.exports import ExportResult, FhirExports
from thamani.interop.fhir.imports import FhirImports
from thamani.interop.fhir.results import ImportSummary, UnitResult
from thamani.interop.rooms import Rooms
from thamani.parties.records import Actor


class Fhir:
    """FHIR R4 import (Bundles, Bulk NDJSON) and Bulk Data export over one store. Both
    need the ``interop:admin`` scope (no actor: the platform's own command line). A payer
    named only by Coverages, with no claim to tell its currency, gets a programme in the
    settings' currency."""

    def __init__(self, rooms: Rooms) -> None:
        settings = getattr(rooms, "settings", None)
        self._imports = FhirImports(rooms, getattr(settings, "currency", "KES"))
        self._exports = FhirExports(rooms.engine, rooms.clock)

    def import_path(
        self,
        path: Path,
        actor: Actor | None = None,
        on_unit: Callable[[UnitResult], None] | None = None,
    ) -> ImportSummary:
        """Import a Bundle file, an NDJSON file or a directory of them (see
        ``thamani.interop.fhir.imports``)."""
        return self._imports.path(path, actor, on_unit)

    def import_bundle(self, body: bytes | dict[str, Any], actor: Actor | None = None) -> UnitResult:
        """Import one Bundle; ``FhirError`` (nothing written) when it fails."""
        return self._imports.bundle(body, actor)

    def export(
        self,
        directory: Path,
        actor: Actor | None = None,
        on_type: Callable[[str, int], None] | None = None,
    ) -> ExportResult:
        """Write the store as Bulk Data NDJSON with its manifest."""
        return self._exports.run(directory, actor, on_type)
