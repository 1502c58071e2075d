"""Parties, scopes, tokens and the actor that a request runs as."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class PartyKind(enum.Enum):
    """What a party is; it decides what the party may see by default."""

    PATIENT = "patient"
    PROVIDER = "provider"
    PAYER = "payer"
    """A programme's funder: a government, an insurer, a donor, an employer."""
    ANALYST = "analyst"
    """Reads pseudonymised analytics only; sees no account."""
    AUDITOR = "auditor"
    """Reads every account and verifies the ledger; moves no money."""
    ADMIN = "admin"
    """Runs the platform: may do anything."""


class Scope(enum.Enum):
    """What a token allows."""

    LEDGER_READ = "ledger:read"
    LEDGER_WRITE = "ledger:write"
    ACCOUNTS_WRITE = "accounts:write"
    LEDGER_VERIFY = "ledger:verify"
    LEDGERS_ADMIN = "ledgers:admin"
    PARTIES_ADMIN = "parties:admin"
    SCHEMES_READ = "schemes:read"
    SCHEMES_WRITE = "schemes:write"
    CLAIMS_READ = "claims:read"
    CLAIMS_WRITE = "claims:write"
    CLAIMS_REVIEW = "claims:review"
    WALLETS_READ = "wallets:read"
    WALLETS_WRITE = "wallets:write"
    POOL_READ = "pool:read"
    PAYOUTS_WRITE = "payouts:write"
    CAPACITY_READ = "capacity:read"
    CAPACITY_WRITE = "capacity:write"
    CLINICAL_READ = "clinical:read"
    INTEROP_ADMIN = "interop:admin"
    """Bulk import and export of real data (Synthea, FHIR): admins only."""


#: The scopes a token gets when none are asked for, by kind of party.
DEFAULT_SCOPES: dict[PartyKind, frozenset[Scope]] = {
    PartyKind.PATIENT: frozenset(
        {
            Scope.LEDGER_READ,
            Scope.LEDGER_WRITE,
            Scope.WALLETS_READ,
            Scope.WALLETS_WRITE,
            Scope.CLAIMS_READ,
            Scope.SCHEMES_READ,
            Scope.CLINICAL_READ,
        }
    ),
    PartyKind.PROVIDER: frozenset(
        {
            Scope.LEDGER_READ,
            Scope.LEDGER_WRITE,
            Scope.CLAIMS_READ,
            Scope.CLAIMS_WRITE,
            Scope.SCHEMES_READ,
            Scope.WALLETS_READ,
            Scope.PAYOUTS_WRITE,
            Scope.CAPACITY_READ,
            Scope.CAPACITY_WRITE,
            Scope.CLINICAL_READ,
        }
    ),
    PartyKind.PAYER: frozenset(
        {
            Scope.LEDGER_READ,
            Scope.LEDGER_WRITE,
            Scope.ACCOUNTS_WRITE,
            Scope.SCHEMES_READ,
            Scope.SCHEMES_WRITE,
            Scope.CLAIMS_READ,
            Scope.CLAIMS_REVIEW,
            Scope.WALLETS_READ,
            Scope.WALLETS_WRITE,
            Scope.POOL_READ,
        }
    ),
    PartyKind.ANALYST: frozenset({Scope.POOL_READ, Scope.CAPACITY_READ}),
    PartyKind.AUDITOR: frozenset(
        {
            Scope.LEDGER_READ,
            Scope.LEDGER_VERIFY,
            Scope.CLAIMS_READ,
            Scope.SCHEMES_READ,
            Scope.CLINICAL_READ,
        }
    ),
    PartyKind.ADMIN: frozenset(Scope),
}


@dataclass(frozen=True, slots=True)
class Party:
    """Someone who holds accounts or calls the API.

    id: the platform's number for the party.
    kind: ``PartyKind``.
    name: display name.
    reference: the party's own identifier elsewhere (facility code, payer code), unique.
    created_at: nanoseconds since the epoch.
    """

    id: int
    kind: PartyKind
    name: str
    reference: str | None
    created_at: int


@dataclass(frozen=True, slots=True)
class ApiToken:
    """A token as stored (the secret itself is shown once and kept only as a hash).

    id: the token's number.
    party_id: the party it acts for.
    name: what it is for.
    prefix: the first characters of the secret, to recognise it.
    scopes: what it allows.
    created_at, expires_at, revoked_at: nanoseconds since the epoch (None: never/not).
    """

    id: int
    party_id: int
    name: str
    prefix: str
    scopes: frozenset[Scope]
    created_at: int
    expires_at: int | None
    revoked_at: int | None


@dataclass(frozen=True, slots=True)
class Actor:
    """Who a request runs as: a party and the scopes of the token it presented.

    party: the party.
    scopes: what the token allows.
    token_id: the token used (None for the platform's own jobs).
    """

    party: Party
    scopes: frozenset[Scope]
    token_id: int | None = None

    @property
    def party_id(self) -> int:
        return self.party.id

    @property
    def kind(self) -> PartyKind:
        return self.party.kind

    def has(self, scope: Scope) -> bool:
        return scope in self.scopes

    # -- thamani.ledger.service.AccountAccess --------------------------------------------

    def may_see(self, owner: int | None, sponsor: int | None) -> bool:
        """Admins and auditors see every account; others only what they own or fund."""
        if self.kind in (PartyKind.ADMIN, PartyKind.AUDITOR):
            return True
        if self.kind is PartyKind.ANALYST:
            return False
        return self.party.id in (owner, sponsor)

    def may_debit(self, owner: int | None, sponsor: int | None) -> bool:
        """Money leaves an account only on its owner's or funder's word (or an admin's)."""
        if self.kind is PartyKind.ADMIN:
            return True
        if self.kind in (PartyKind.AUDITOR, PartyKind.ANALYST):
            return False
        return Scope.LEDGER_WRITE in self.scopes and self.party.id in (owner, sponsor)

    def may_open(self, owner: int | None, sponsor: int | None) -> bool:
        """A party opens accounts for itself; a payer also opens those it funds."""
        if self.kind is PartyKind.ADMIN:
            return True
        if Scope.ACCOUNTS_WRITE not in self.scopes:
            return False
        if owner == self.party.id and sponsor in (None, self.party.id):
            return True
        return self.kind is PartyKind.PAYER and sponsor == self.party.id
