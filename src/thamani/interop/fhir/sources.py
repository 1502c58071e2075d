"""Where FHIR resources come from: Bundles (``transaction`` or ``collection``) and Bulk Data
NDJSON (one resource per line, one file per resource type).

A *unit* is what is imported atomically: one Bundle, or one NDJSON export (every file of a
directory together, so that references across files resolve). Reading a unit checks its
shape only (JSON, the Bundle's own elements, each entry's request); the resources inside
are validated later, against the R4B models, by ``thamani.interop.fhir.validation``.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from thamani.interop.fhir.outcomes import FhirError, Issue, from_validation

#: Bundle types imported as a whole (a ``batch`` of Claims is adjudicated, not imported).
IMPORT_BUNDLE_TYPES = ("transaction", "collection")

#: Transaction request methods that create or update a resource.
WRITE_METHODS = ("POST", "PUT")


class UnitKind(enum.Enum):
    """What a unit was read from."""

    BUNDLE = "bundle"
    NDJSON = "ndjson"


@dataclass(frozen=True, slots=True)
class Entry:
    """One resource of a unit.

    resource: the resource as parsed JSON.
    where: the FHIRPath-like expression of the resource (``Bundle.entry[3].resource``; the
        resource type for an NDJSON line).
    index: the entry's index in its Bundle, or the line number (from 1) in its NDJSON file.
    full_url: the Bundle entry's ``fullUrl`` (None in NDJSON).
    location: where to find it in the files read (``Observation.ndjson:12``, the Bundle's
        file name), for people.
    """

    resource: dict[str, Any]
    where: str
    index: int
    full_url: str | None = None
    location: str | None = None


@dataclass(frozen=True, slots=True)
class Unit:
    """Resources imported together: all or none.

    name: the file (or directory) it came from, or ``request`` for an API call.
    kind: ``UnitKind``.
    bundle_type: the Bundle's ``type`` (None for NDJSON).
    entries: its resources, in order.
    """

    name: str
    kind: UnitKind
    bundle_type: str | None
    entries: tuple[Entry, ...]


def fail(where: str | None, message: str, code: str = "invalid") -> FhirError:
    return FhirError([Issue(code, message, where)])


def read_bundle(data: bytes | dict[str, Any], name: str = "request") -> Unit:
    """A Bundle (its JSON text or the parsed object) as a unit; ``FhirError`` when it is
    not JSON, not a Bundle, of a type that is not imported, or an entry is malformed."""
    from fhir.resources.R4B.bundle import Bundle

    if isinstance(data, bytes | bytearray):
        try:
            body = orjson.loads(data)
        except orjson.JSONDecodeError as err:
            raise fail(None, f"{name} is not JSON: {err}", "structure") from None
    else:
        body = data
    if not isinstance(body, dict) or body.get("resourceType") != "Bundle":
        found = body.get("resourceType") if isinstance(body, dict) else type(body).__name__
        raise fail("Bundle.resourceType", f"expected a Bundle, not {found!r}", "structure")
    raw_entries = body.get("entry")
    if raw_entries is None:
        raw_entries = []
    if not isinstance(raw_entries, list):
        raise fail("Bundle.entry", "Bundle.entry is a list", "structure")
    for k, e in enumerate(raw_entries):
        if not isinstance(e, dict):
            raise fail(f"Bundle.entry[{k}]", "each entry is a JSON object", "structure")
    try:
        shell = Bundle.model_validate(
            {
                **body,
                "entry": [{x: v for x, v in e.items() if x != "resource"} for e in raw_entries],
            }
        )
    except ValidationError as err:
        raise from_validation("Bundle", err) from None
    if shell.type not in IMPORT_BUNDLE_TYPES:
        raise fail(
            "Bundle.type",
            f"a Bundle of type {shell.type!r} is not imported (transaction or collection)",
            "not-supported",
        )
    entries = []
    for k, e in enumerate(raw_entries):
        where = f"Bundle.entry[{k}]"
        resource = e.get("resource")
        if not isinstance(resource, dict):
            raise fail(f"{where}.resource", "each entry holds a resource", "required")
        request = e.get("request")
        if shell.type == "transaction":
            if not isinstance(request, dict):
                raise fail(f"{where}.request", "a transaction entry needs a request", "required")
            method = request.get("method")
            if method not in WRITE_METHODS:
                raise fail(
                    f"{where}.request.method",
                    f"request method {method!r} is not supported (POST or PUT)",
                    "not-supported",
                )
        entries.append(
            Entry(resource, f"{where}.resource", k, e.get("fullUrl"), f"{name} entry {k}")
        )
    return Unit(name, UnitKind.BUNDLE, shell.type, tuple(entries))


def read_ndjson(files: list[Path], name: str) -> Unit:
    """NDJSON files (one resource per line) as one unit."""
    entries = []
    for f in files:
        with f.open("rb") as fh:
            for n, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                where = f"{f.name}:{n}"
                try:
                    resource = orjson.loads(line)
                except orjson.JSONDecodeError as e:
                    raise FhirError(
                        [Issue("structure", f"line {n} of {f.name} is not JSON: {e}", where)]
                    ) from None
                if not isinstance(resource, dict):
                    raise fail(where, f"line {n} of {f.name} is not a resource", "structure")
                rtype = resource.get("resourceType")
                entries.append(Entry(resource, str(rtype or "Resource"), n, None, where))
    return Unit(name, UnitKind.NDJSON, None, tuple(entries))


@dataclass(frozen=True, slots=True)
class Pending:
    """A unit not read yet (read one at a time, so a directory of many Bundles is not held
    in memory at once).

    name: the file or directory, for the summary.
    kind: ``UnitKind``.
    files: the files it is read from.
    """

    name: str
    kind: UnitKind
    files: tuple[Path, ...]

    def read(self) -> Unit:
        if self.kind is UnitKind.NDJSON:
            return read_ndjson(list(self.files), self.name)
        return read_bundle(self.files[0].read_bytes(), self.name)


def ndjson_files(directory: Path) -> list[Path]:
    """A Bulk Data directory's NDJSON files: those its ``manifest.json`` lists (in its
    order), else every ``*.ndjson`` file by name."""
    manifest = directory / "manifest.json"
    if manifest.is_file():
        try:
            doc = orjson.loads(manifest.read_bytes())
        except orjson.JSONDecodeError as e:
            raise fail(None, f"{manifest} is not JSON: {e}", "structure") from None
        out = doc.get("output") if isinstance(doc, dict) else None
        if isinstance(out, list) and out:
            files = []
            for k, o in enumerate(out):
                url = o.get("url") if isinstance(o, dict) else None
                if not isinstance(url, str) or not url:
                    raise fail(f"manifest.output[{k}].url", "each output names its file")
                f = directory / url.rpartition("/")[2]
                if not f.is_file():
                    raise fail(f"manifest.output[{k}].url", f"{f.name} is not in {directory}")
                files.append(f)
            return files
    return sorted(directory.glob("*.ndjson"))


def pending_units(path: Path) -> Iterator[Pending]:
    """What ``path`` holds: a Bundle file, an NDJSON file, or a directory of Bundles
    (``*.json``) and of NDJSON files (one unit for all of them)."""
    if not path.exists():
        raise fail(None, f"{path} does not exist", "not-found")
    if path.is_file():
        kind = UnitKind.NDJSON if path.suffix == ".ndjson" else UnitKind.BUNDLE
        yield Pending(path.name, kind, (path,))
        return
    ndjson = ndjson_files(path)
    if ndjson:
        yield Pending(path.name, UnitKind.NDJSON, tuple(ndjson))
    for f in sorted(path.glob("*.json")):
        if f.name != "manifest.json":
            yield Pending(f.name, UnitKind.BUNDLE, (f,))
