"""Settings, read once from the environment (prefix ``THAMANI_``) and passed down.

Nothing reads the environment anywhere else. Development defaults work with nothing set:
an SQLite store in ``./thamani-data`` and keys generated into that folder on first use.
Outside development, the defaults that would be unsafe are refused (see ``check``).
"""

from __future__ import annotations

import base64
import binascii
import enum
from functools import cached_property
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from thamani.errors import ConfigurationError


class Environment(enum.Enum):
    """Where Thamani runs; it decides which unsafe defaults are tolerated."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


class Settings(BaseSettings):
    """Every setting Thamani has. Each may be set as ``THAMANI_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="THAMANI_", extra="ignore", frozen=True)

    environment: Environment = Environment.DEVELOPMENT
    data_dir: Path = Field(default=Path("thamani-data"))
    database_url: str | None = None
    """SQLAlchemy URL; unset means SQLite at ``<data_dir>/thamani.db``."""

    signing_key: SecretStr | None = None
    """Ed25519 private key (32-byte seed, base64) that signs ledger checkpoints."""
    pseudonym_key: SecretStr | None = None
    """Secret for the keyed HMAC that pseudonymises members in the data pool."""

    currency: str = "KES"
    """The currency of patients' own money when a payment names no programme."""
    mpesa_shortcode: str = "600000"
    """The paybill number mobile-money top-ups are paid to (M-Pesa C2B BusinessShortCode)."""
    mpesa_callback_secret: SecretStr | None = None
    """Shared secret the operator's callbacks present (header or ``token`` query parameter)."""
    pool_dir: Path | None = None
    """Where the pseudonymised Parquet pool lives; unset means ``<data_dir>/pool``."""

    trusted_keys: str = ""
    """Further Ed25519 public keys (base64, comma-separated) whose signatures verify accepts,
    e.g. the keys used before a rotation."""

    checkpoint_interval: int = Field(default=100_000, ge=1)
    """Journal records between two stored checkpoints (the head is signed at every commit)."""
    statement_index_lag: int = Field(default=131_072, ge=1)
    """Transfers written before the per-account statement index is brought up to date."""
    sqlite_synchronous: str = "FULL"
    """SQLite's durability: FULL means a committed batch is on disk."""
    sqlite_wal_autocheckpoint: int = Field(default=16_384, ge=0)
    """Pages (4 KiB) the write-ahead log grows to before a commit copies it into the
    database (0: never on its own). Each such copy runs inside the commit that crosses the
    mark, holding the write lock: a larger log copies less often, and copies a page
    written many times once. Durability is unchanged (the log is flushed at every commit)."""

    claim_workers: int = Field(default=0, ge=0, le=64)
    """Worker processes that share a large claims batch (0: one per core, at most four)."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'thamani.db').resolve()}"

    @property
    def resolved_pool_dir(self) -> Path:
        return self.pool_dir if self.pool_dir is not None else self.data_dir / "pool"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    def check(self) -> None:
        """Refuse settings that are unsafe outside development."""
        if self.environment is Environment.DEVELOPMENT:
            return
        if self.environment is Environment.PRODUCTION:
            missing = [
                name
                for name, value in (
                    ("THAMANI_SIGNING_KEY", self.signing_key),
                    ("THAMANI_PSEUDONYM_KEY", self.pseudonym_key),
                    ("THAMANI_MPESA_CALLBACK_SECRET", self.mpesa_callback_secret),
                )
                if value is None or not value.get_secret_value().strip()
            ]
            if missing:
                raise ConfigurationError(
                    "production needs its own secrets: set "
                    + ", ".join(missing)
                    + " (generated development keys are refused outside development)",
                    code="default_secret_refused",
                )
            if self.sqlite_synchronous.upper() not in {"FULL", "EXTRA"}:
                raise ConfigurationError(
                    "production requires THAMANI_SQLITE_SYNCHRONOUS=FULL or EXTRA",
                    code="unsafe_durability",
                )

    def trusted_public_keys(self) -> list[bytes]:
        out = []
        for part in self.trusted_keys.split(","):
            part = part.strip()
            if not part:
                continue
            try:
                raw = base64.b64decode(part, validate=True)
            except binascii.Error:
                raise ConfigurationError(f"THAMANI_TRUSTED_KEYS: {part!r} is not base64") from None
            if len(raw) != 32:
                raise ConfigurationError(f"THAMANI_TRUSTED_KEYS: {part!r} is not 32 bytes")
            out.append(raw)
        return out

    @property
    def generated_keys_allowed(self) -> bool:
        return self.environment is not Environment.PRODUCTION
