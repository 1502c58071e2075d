"""The five Synthea HIV bundles (see data/fhir-r4-synthea-hiv/SOURCES.md) and helpers that
compute what an import of them should give straight from their JSON."""

from __future__ import annotations

import copy
from collections import Counter
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path
from typing import Any

import orjson

HIV = Path(__file__).parent / "data" / "fhir-r4-synthea-hiv"


def bundle_files() -> list[Path]:
    return sorted(HIV.glob("*.json"))


def load(path: Path) -> dict[str, Any]:
    body: dict[str, Any] = orjson.loads(path.read_bytes())
    return body


def first_bundle() -> dict[str, Any]:
    return copy.deepcopy(_first())


_cache: list[dict[str, Any]] = []


def _first() -> dict[str, Any]:
    if not _cache:
        _cache.append(load(bundle_files()[0]))
    return _cache[0]


def types_in(bundles: list[dict[str, Any]]) -> Counter[str]:
    return Counter(e["resource"]["resourceType"] for b in bundles for e in b["entry"])


def cents(value: Any) -> int:
    """A JSON number in USD as cents: its shortest text, rounded half-even."""
    return int((Decimal(repr(value)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def claim_totals(bundles: list[dict[str, Any]]) -> int:
    return sum(
        cents(e["resource"]["total"]["value"])
        for b in bundles
        for e in b["entry"]
        if e["resource"]["resourceType"] == "Claim"
    )


def eob_payments(bundles: list[dict[str, Any]]) -> int:
    return sum(
        cents(e["resource"]["payment"]["amount"]["value"])
        for b in bundles
        for e in b["entry"]
        if e["resource"]["resourceType"] == "ExplanationOfBenefit"
    )


def entry_of(bundle: dict[str, Any], rtype: str, nth: int = 0) -> int:
    """The index of the ``nth`` entry of type ``rtype``."""
    found = [k for k, e in enumerate(bundle["entry"]) if e["resource"]["resourceType"] == rtype]
    return found[nth]
