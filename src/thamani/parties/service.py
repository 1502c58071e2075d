"""Use cases for parties and tokens: register, issue, authenticate, revoke."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Engine

from thamani.clock import Clock, SystemClock
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Conflict, InvalidInput, NotFound, Unauthorized
from thamani.parties import store, tokens
from thamani.parties.records import DEFAULT_SCOPES, Actor, ApiToken, Party, PartyKind, Scope

#: Seconds a verified token is remembered, so each request does not read the store.
TOKEN_CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new token: ``secret`` is shown this once and never stored.

    token: the stored record.
    secret: the bearer secret to hand to the client.
    """

    token: ApiToken
    secret: str


def parse_scopes(values: Iterable[str]) -> frozenset[Scope]:
    out = set()
    for v in values:
        for part in v.replace(",", " ").split():
            try:
                out.add(Scope(part))
            except ValueError:
                known = ", ".join(s.value for s in Scope)
                raise InvalidInput(
                    f"unknown scope {part!r}; known scopes: {known}", code="unknown_scope"
                ) from None
    return frozenset(out)


class Parties:
    """Parties and their tokens over one store."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()
        self._cache: dict[bytes, tuple[float, Actor, int | None]] = {}
        self._cache_lock = threading.Lock()

    def create(self, kind: PartyKind, name: str, reference: str | None = None) -> Party:
        name = name.strip()
        if not name:
            raise InvalidInput("a party needs a name", where="name")
        with write_transaction(self.engine) as conn:
            if reference is not None and store.party_by_reference(conn, reference) is not None:
                raise Conflict(
                    f"a party with reference {reference!r} already exists",
                    code="party_exists",
                    where="reference",
                )
            return store.insert_party(conn, kind, name, reference, self.clock.now_ns())

    def ensure(self, kind: PartyKind, name: str, reference: str) -> Party:
        """The party with this reference, created if it does not exist yet."""
        with read_transaction(self.engine) as conn:
            found = store.party_by_reference(conn, reference)
        if found is not None:
            if found.kind is not kind:
                raise Conflict(
                    f"party {reference!r} exists as a {found.kind.value}, not a {kind.value}",
                    code="party_kind_mismatch",
                )
            return found
        return self.create(kind, name, reference)

    def ensure_many(self, kind: PartyKind, rows: Sequence[tuple[str, str]]) -> dict[str, int]:
        """Many parties of one kind, given as (name, reference): those missing are created.

        A batch path (a few statements whatever the number): returns every reference's
        party id. A reference held by a party of another kind is a ``Conflict`` naming it,
        and nothing is created; so is a reference given twice with different names.
        """
        names: dict[str, str] = {}
        for i, (name, ref) in enumerate(rows):
            name, ref = name.strip(), ref.strip()
            if not name or not ref:
                raise InvalidInput("a party needs a name and a reference", where=f"rows[{i}]")
            if names.setdefault(ref, name) != name:
                raise Conflict(
                    f"reference {ref!r} is given twice with different names",
                    code="party_exists",
                    where=f"rows[{i}]",
                )
        with write_transaction(self.engine) as conn:
            found = store.kinds_by_reference(conn, list(names))
            for ref, (_pid, found_kind) in found.items():
                if found_kind != kind.value:
                    raise Conflict(
                        f"party {ref!r} exists as a {found_kind}, not a {kind.value}",
                        code="party_kind_mismatch",
                        where=ref,
                    )
            missing = [(names[ref], ref) for ref in names if ref not in found]
            if missing:
                store.insert_parties(conn, [(kind, n, r) for n, r in missing], self.clock.now_ns())
                found = store.kinds_by_reference(conn, list(names))
        return {ref: pid for ref, (pid, _k) in found.items()}

    def get(self, party_id: int) -> Party:
        with read_transaction(self.engine) as conn:
            found = store.get_party(conn, party_id)
        if found is None:
            raise NotFound(f"party {party_id} not found", code="party_not_found")
        return found

    def by_reference(self, reference: str) -> Party:
        with read_transaction(self.engine) as conn:
            found = store.party_by_reference(conn, reference)
        if found is None:
            raise NotFound(f"no party with reference {reference!r}", code="party_not_found")
        return found

    def all(self, kind: PartyKind | None = None) -> list[Party]:
        with read_transaction(self.engine) as conn:
            return store.list_parties(conn, kind)

    def actor(self, party: Party, scopes: frozenset[Scope] | None = None) -> Actor:
        """An actor for the platform's own work on a party's behalf (no token)."""
        return Actor(party, DEFAULT_SCOPES[party.kind] if scopes is None else scopes)

    # -- tokens -------------------------------------------------------------------------

    def issue_token(
        self,
        party_id: int,
        name: str,
        scopes: frozenset[Scope] | None = None,
        *,
        expires_in_days: float | None = None,
    ) -> IssuedToken:
        party = self.get(party_id)
        allowed = DEFAULT_SCOPES[party.kind]
        wanted = scopes if scopes else allowed
        extra = wanted - allowed
        if extra:
            raise InvalidInput(
                f"a {party.kind.value} cannot hold scopes "
                + ", ".join(sorted(s.value for s in extra)),
                code="scope_not_allowed",
                where="scopes",
            )
        secret = tokens.new_secret()
        now = self.clock.now_ns()
        expires = None
        if expires_in_days is not None:
            if expires_in_days <= 0:
                raise InvalidInput("expiry must be in the future", where="expires_in_days")
            expires = now + int(expires_in_days * 86400 * 1e9)
        with write_transaction(self.engine) as conn:
            tok = store.insert_token(
                conn, party.id, name, tokens.digest(secret), secret[:12], wanted, now, expires
            )
        return IssuedToken(tok, secret)

    def tokens(self, party_id: int | None = None) -> list[ApiToken]:
        with read_transaction(self.engine) as conn:
            return store.list_tokens(conn, party_id)

    def revoke(self, token_id: int) -> None:
        with write_transaction(self.engine) as conn:
            if not store.revoke_token(conn, token_id, self.clock.now_ns()):
                raise NotFound(
                    f"token {token_id} not found or already revoked", code="token_not_found"
                )
        with self._cache_lock:
            self._cache.clear()

    def authenticate(self, secret: str | None) -> Actor:
        """The actor a bearer secret stands for, or Unauthorized."""
        if not secret:
            raise Unauthorized("an API token is required (Authorization: Bearer thm_...)")
        if not tokens.looks_like_token(secret):
            raise Unauthorized("that is not a Thamani API token", code="invalid_token")
        key = tokens.digest(secret)
        now = time.monotonic()
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None and now - hit[0] < TOKEN_CACHE_SECONDS:
            expires_at = hit[2]
            if expires_at is not None and expires_at <= self.clock.now_ns():
                raise Unauthorized("this API token has expired", code="token_expired")
            return hit[1]
        with read_transaction(self.engine) as conn:
            found = store.token_by_hash(conn, key)
        if found is None:
            raise Unauthorized("unknown API token", code="invalid_token")
        tok, party = found
        wall = self.clock.now_ns()
        if tok.revoked_at is not None:
            raise Unauthorized("this API token was revoked", code="token_revoked")
        if tok.expires_at is not None and tok.expires_at <= wall:
            raise Unauthorized("this API token has expired", code="token_expired")
        actor = Actor(party, tok.scopes, tok.id)
        with self._cache_lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[key] = (now, actor, tok.expires_at)
        return actor
