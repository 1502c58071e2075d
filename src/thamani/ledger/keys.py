"""The Ed25519 key that signs the journal's head and checkpoints.

In production the key comes from ``THAMANI_SIGNING_KEY`` (base64 of the 32-byte seed) and
nothing else is accepted. In development and tests a key is generated once into
``<data_dir>/signing.key`` (readable by its owner only) so the quick start needs nothing.
"""

from __future__ import annotations

import base64
import binascii
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from thamani.config import Settings
from thamani.errors import ConfigurationError


@dataclass(frozen=True, slots=True)
class Signer:
    """Signs with the private key; ``public_key`` is the raw 32 bytes others verify with."""

    private_key: Ed25519PrivateKey
    public_key: bytes

    def sign(self, message: bytes) -> bytes:
        return self.private_key.sign(message)


def _from_seed(seed: bytes) -> Signer:
    key = Ed25519PrivateKey.from_private_bytes(seed)
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return Signer(key, public)


def load_signer(settings: Settings) -> Signer:
    """The configured signing key, or in development a generated one kept in the data dir."""
    if settings.signing_key is not None:
        try:
            seed = base64.b64decode(settings.signing_key.get_secret_value(), validate=True)
        except binascii.Error:
            raise ConfigurationError("THAMANI_SIGNING_KEY is not valid base64") from None
        if len(seed) != 32:
            raise ConfigurationError("THAMANI_SIGNING_KEY must be 32 bytes (base64 encoded)")
        return _from_seed(seed)
    if not settings.generated_keys_allowed:
        raise ConfigurationError(
            "THAMANI_SIGNING_KEY must be set outside development; generate one with"
            " `thamani ledger keygen`",
            code="default_secret_refused",
        )
    path = settings.data_dir / "signing.key"
    if path.exists():
        seed = base64.b64decode(path.read_text().strip())
        return _from_seed(seed)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    seed = os.urandom(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return _from_seed(base64.b64decode(path.read_text().strip()))
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(seed).decode() + "\n")
    return _from_seed(seed)


def generate_seed() -> str:
    """A new key's seed, base64, for ``THAMANI_SIGNING_KEY``."""
    return base64.b64encode(os.urandom(32)).decode()


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True
