"""API token secrets: made from 32 random bytes, stored only as their SHA-256.

A token looks like ``thm_`` followed by 43 URL-safe characters. It carries 256 bits of
randomness, so a plain SHA-256 is enough to store it (no slow password hash is needed:
nobody can guess their way to a preimage).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

PREFIX = "thm_"


def new_secret() -> str:
    return PREFIX + base64.urlsafe_b64encode(os.urandom(32)).decode().rstrip("=")


def digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def looks_like_token(secret: str) -> bool:
    return secret.startswith(PREFIX) and 40 <= len(secret) <= 64


def same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)
