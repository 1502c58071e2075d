"""Keyed pseudonyms: HMAC-SHA256 with the platform's secret ``THAMANI_PSEUDONYM_KEY``.

The same member always gets the same pseudonym under one key (so analysts can follow a
person across encounters), and nobody without the key can go from a member id to the
pseudonym or back. A different key gives unrelated pseudonyms. In production the key must
be configured; in development and tests one is generated once into ``<data_dir>``.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass

from thamani.config import Settings
from thamani.errors import ConfigurationError


def load_pseudonym_key(settings: Settings) -> bytes:
    """The configured key, or outside production a generated one kept in the data dir."""
    if settings.pseudonym_key is not None:
        value = settings.pseudonym_key.get_secret_value().strip()
        if len(value) < 16:
            raise ConfigurationError("THAMANI_PSEUDONYM_KEY must be at least 16 characters")
        return value.encode()
    if not settings.generated_keys_allowed:
        raise ConfigurationError(
            "THAMANI_PSEUDONYM_KEY must be set outside development",
            code="default_secret_refused",
        )
    path = settings.data_dir / "pseudonym.key"
    if path.exists():
        return path.read_text().strip().encode()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    value = base64.b64encode(os.urandom(32)).decode()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip().encode()
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    return value.encode()


@dataclass(frozen=True, slots=True)
class Pseudonymiser:
    """Turns operational ids into keyed pseudonyms (32 hex characters, 128 bits)."""

    key: bytes

    def _mac(self, kind: str, value: object) -> str:
        message = f"{kind}:{value}".encode()
        return hmac.digest(self.key, message, "sha256").hex()[:32]

    def member(self, patient_party_id: int) -> str:
        """The pseudonym that stands for a member in the pool."""
        return self._mac("member", patient_party_id)

    def of(self, kind: str, value: object) -> str:
        """The pseudonym of any other identifier (``kind`` keeps kinds apart)."""
        return self._mac(kind, value)

    def encounter(self, encounter_id: str) -> str:
        """The pool's key for an encounter (what makes appending exactly-once)."""
        return self._mac("encounter", encounter_id)
