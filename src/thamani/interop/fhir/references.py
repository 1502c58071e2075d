"""References between the resources of a unit, resolved.

- ``urn:uuid:...`` (and ``urn:oid:``): the ``fullUrl`` of an entry of the same Bundle; one
  that no entry carries is an error.
- ``Patient/123`` (or an absolute URL ending so): the resource of that type and id in the
  same unit, else one imported before (the store is asked by the importer).
- ``Organization?identifier=system|value`` (a conditional reference, as Synthea writes for
  organisations and practitioners): the resource of that type with that identifier in the
  unit, else an outside resource known by its identifier (and its display).
- ``#id``: a resource contained in the referring one.
- no ``reference``, only an ``identifier`` or a ``display``: an outside resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

from thamani.interop.fhir.outcomes import FhirError, Issue
from thamani.interop.fhir.validation import Checked


@dataclass(frozen=True, slots=True)
class Target:
    """What a reference points at.

    type: the resource type (None when the reference does not say).
    id: the target's id in its source, when the reference names one.
    identifier: ``system|value`` of a reference by identifier (conditional or logical).
    display: the reference's text.
    local: the target is a resource of the same unit.
    contained: the contained resource a ``#id`` reference points at.
    """

    type: str | None
    id: str | None = None
    identifier: str | None = None
    display: str | None = None
    local: bool = False
    contained: dict[str, Any] | None = None

    @property
    def key(self) -> tuple[str, str] | None:
        """(type, id) when the target is a resource known by its id."""
        if self.type and self.id:
            return (self.type, self.id)
        return None


class Index:
    """The resources of one unit, by fullUrl, by (type, id) and by identifier."""

    def __init__(self, checked: Iterable[Checked]) -> None:
        self.by_url: dict[str, Checked] = {}
        self.by_key: dict[tuple[str, str], Checked] = {}
        self.by_identifier: dict[tuple[str, str], Checked] = {}
        for c in checked:
            if c.entry.full_url:
                self.by_url[c.entry.full_url] = c
            self.by_key[(c.type, c.id)] = c
            for ident in c.resource.get("identifier") or ():
                if isinstance(ident, dict) and ident.get("value"):
                    token = f"{ident.get('system') or ''}|{ident['value']}"
                    self.by_identifier.setdefault((c.type, token), c)

    def resolve(
        self,
        ref: Any,
        where: str,
        owner: Checked,
        expect: Sequence[str] = (),
        *,
        required: bool = False,
    ) -> Target | None:
        """The target of ``ref`` (a Reference as parsed JSON) at element ``where``.

        ``expect`` lists the resource types it may point at; ``FhirError`` when it points
        elsewhere, when a ``urn:uuid`` or ``#id`` reference has no target, or when
        ``required`` and there is no reference."""
        target = self._resolve(ref, where, owner)
        if target is None:
            if required:
                raise _fail(where, "the reference is required", "required")
            return None
        if expect and target.type is not None and target.type not in expect:
            raise _fail(
                f"{where}.reference",
                f"expected a reference to {' or '.join(expect)}, not to a {target.type}",
            )
        if expect and target.type is None:
            target = Target(expect[0], target.id, target.identifier, target.display)
        return target

    def _resolve(self, ref: Any, where: str, owner: Checked) -> Target | None:
        if not isinstance(ref, dict):
            return None
        text = ref.get("reference")
        display = ref.get("display")
        kind = ref.get("type")
        if not text:
            ident = ref.get("identifier")
            if isinstance(ident, dict) and ident.get("value"):
                logical = f"{ident.get('system') or ''}|{ident['value']}"
                found = self.by_identifier.get((kind, logical)) if kind else None
                if found is not None:
                    return Target(found.type, found.id, logical, display, True)
                return Target(kind, None, logical, display)
            if display:
                return Target(kind, None, None, display)
            return None
        if text.startswith("#"):
            for c in owner.resource.get("contained") or ():
                if isinstance(c, dict) and c.get("id") == text[1:]:
                    return Target(c.get("resourceType"), None, None, display, contained=c)
            raise _fail(f"{where}.reference", f"no contained resource has the id {text[1:]!r}")
        if text.startswith(("urn:uuid:", "urn:oid:")):
            found = self.by_url.get(text)
            if found is None:
                raise _fail(
                    f"{where}.reference",
                    f"{text} is not the fullUrl of any entry of the Bundle",
                    "not-found",
                )
            return Target(found.type, found.id, None, display, True)
        if "?" in text:
            rtype, _, query = text.partition("?")
            token: str | None = None
            for part in query.split("&"):
                name, _, value = part.partition("=")
                if name == "identifier" and value:
                    token = value if "|" in value else f"|{value}"
            if not rtype or token is None:
                raise _fail(
                    f"{where}.reference",
                    f"a conditional reference names a type and an identifier, not {text!r}",
                )
            found = self.by_identifier.get((rtype, token))
            if found is not None:
                return Target(found.type, found.id, token, display, True)
            return Target(rtype, None, token, display)
        found = self.by_url.get(text)
        if found is not None:
            return Target(found.type, found.id, None, display, True)
        parts = text.split("/")
        if len(parts) >= 4 and parts[-2] == "_history":
            parts = parts[:-2]
        if len(parts) < 2 or not parts[-2] or not parts[-1]:
            raise _fail(f"{where}.reference", f"{text!r} is not a reference (Type/id)")
        key = (parts[-2], parts[-1])
        local = key in self.by_key
        return Target(key[0], key[1], None, display, local)


def unresolved_urns(checked: Checked, index: Index) -> Iterator[Issue]:
    """Every ``urn:uuid:`` reference in the resource that no entry's fullUrl matches."""
    if b'"urn:' not in orjson.dumps(checked.resource):  # the common case, found in C
        return
    for path, text in _references(checked.resource, checked.entry.where):
        if text.startswith(("urn:uuid:", "urn:oid:")) and text not in index.by_url:
            yield Issue("not-found", f"{text} is not the fullUrl of any entry of the Bundle", path)


def _references(node: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        ref = node.get("reference")
        if isinstance(ref, str):
            yield f"{path}.reference", ref
        for k, v in node.items():
            if isinstance(v, dict | list):
                yield from _references(v, f"{path}.{k}")
    elif isinstance(node, list):
        for k, v in enumerate(node):
            if isinstance(v, dict | list):
                yield from _references(v, f"{path}[{k}]")


def _fail(where: str, message: str, code: str = "value") -> FhirError:
    return FhirError([Issue(code, message, where)])
