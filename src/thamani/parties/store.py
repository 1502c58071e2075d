"""SQL for parties and tokens."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, select, update

from thamani.db.engine import bulk_execute, select_in
from thamani.db.tables import api_tokens, parties
from thamani.errors import Conflict
from thamani.parties.records import ApiToken, Party, PartyKind, Scope


def _party(r: Any) -> Party:
    return Party(r.id, PartyKind(r.kind), r.name, r.reference, r.created_at)


def _token(r: Any) -> ApiToken:
    return ApiToken(
        r.id,
        r.party_id,
        r.name,
        r.prefix,
        frozenset(Scope(s) for s in r.scopes.split() if s),
        r.created_at,
        r.expires_at,
        r.revoked_at,
    )


def insert_party(
    conn: Connection, kind: PartyKind, name: str, reference: str | None, now: int
) -> Party:
    pid = conn.execute(
        parties.insert()
        .values(kind=kind.value, name=name, reference=reference, created_at=now)
        .returning(parties.c.id)
    ).scalar_one()
    return Party(pid, kind, name, reference, now)


def insert_parties(
    conn: Connection, rows: Sequence[tuple[PartyKind, str, str | None]], now: int
) -> None:
    """Insert many parties given as (kind, name, reference), in one executemany."""
    bulk_execute(
        conn,
        "INSERT INTO parties (kind, name, reference, created_at) VALUES (?, ?, ?, ?)",
        [(k.value, name, ref, now) for k, name, ref in rows],
    )


def get_party(conn: Connection, party_id: int) -> Party | None:
    row = conn.execute(select(parties).where(parties.c.id == party_id)).one_or_none()
    return None if row is None else _party(row)


def party_by_reference(conn: Connection, reference: str) -> Party | None:
    row = conn.execute(select(parties).where(parties.c.reference == reference)).one_or_none()
    return None if row is None else _party(row)


def ensure_parties(
    conn: Connection, wanted: Sequence[tuple[PartyKind, str, str]], now: int
) -> dict[str, Party]:
    """The parties with these references, created (kind, name, reference) where they do
    not exist yet, in a few statements whatever their number; ``Conflict`` when one
    exists as another kind. Runs inside the caller's transaction."""
    out = parties_by_reference(conn, [ref for _, _, ref in wanted])
    fresh: dict[str, tuple[PartyKind, str, str]] = {}
    for kind, name, ref in wanted:
        found = out.get(ref)
        if found is None:
            fresh.setdefault(ref, (kind, name[:200], ref))
        elif found.kind is not kind:
            raise Conflict(
                f"party {ref!r} exists as a {found.kind.value}, not a {kind.value}",
                code="party_kind_mismatch",
                where=ref,
            )
    if fresh:
        insert_parties(conn, list(fresh.values()), now)
        out.update(parties_by_reference(conn, list(fresh)))
    return out


def parties_by_reference(conn: Connection, references: Sequence[str]) -> dict[str, Party]:
    """The parties that exist among these references (one query per 900)."""
    sql = "SELECT id, kind, name, reference, created_at FROM parties WHERE reference IN ({in})"
    return {
        r[3]: Party(int(r[0]), PartyKind(r[1]), r[2], r[3], int(r[4]))
        for r in select_in(conn, sql, sorted(set(references)))
    }


def kinds_by_reference(conn: Connection, references: Sequence[str]) -> dict[str, tuple[int, str]]:
    """(id, kind) of the parties with these references (a batch path: ``IN`` lists)."""
    sql = "SELECT reference, id, kind FROM parties WHERE reference IN ({in})"
    return {str(r): (int(i), str(k)) for r, i, k in select_in(conn, sql, list(set(references)))}


def list_parties(conn: Connection, kind: PartyKind | None = None) -> list[Party]:
    stmt = select(parties).order_by(parties.c.id)
    if kind is not None:
        stmt = stmt.where(parties.c.kind == kind.value)
    return [_party(r) for r in conn.execute(stmt)]


def insert_token(
    conn: Connection,
    party_id: int,
    name: str,
    token_hash: bytes,
    prefix: str,
    scopes: frozenset[Scope],
    now: int,
    expires_at: int | None,
) -> ApiToken:
    text = " ".join(sorted(s.value for s in scopes))
    tid = conn.execute(
        api_tokens.insert()
        .values(
            party_id=party_id,
            name=name,
            token_hash=token_hash,
            prefix=prefix,
            scopes=text,
            created_at=now,
            expires_at=expires_at,
            revoked_at=None,
        )
        .returning(api_tokens.c.id)
    ).scalar_one()
    return ApiToken(tid, party_id, name, prefix, scopes, now, expires_at, None)


def token_by_hash(conn: Connection, token_hash: bytes) -> tuple[ApiToken, Party] | None:
    row = conn.execute(
        select(
            api_tokens,
            parties.c.kind,
            # Both tables have name and created_at: the party's are labelled apart.
            parties.c.name.label("party_name"),
            parties.c.reference,
            parties.c.created_at.label("party_created_at"),
        )
        .join(parties, parties.c.id == api_tokens.c.party_id)
        .where(api_tokens.c.token_hash == token_hash)
    ).one_or_none()
    if row is None:
        return None
    tok = _token(row)
    party = Party(
        row.party_id, PartyKind(row.kind), row.party_name, row.reference, row.party_created_at
    )
    return tok, party


def list_tokens(conn: Connection, party_id: int | None = None) -> list[ApiToken]:
    stmt = select(api_tokens).order_by(api_tokens.c.id)
    if party_id is not None:
        stmt = stmt.where(api_tokens.c.party_id == party_id)
    return [_token(r) for r in conn.execute(stmt)]


def revoke_token(conn: Connection, token_id: int, now: int) -> bool:
    result = conn.execute(
        update(api_tokens)
        .where(api_tokens.c.id == token_id, api_tokens.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return bool(result.rowcount)
