"""``thamani party`` and ``thamani token``: who may call the API, and with what."""

from __future__ import annotations

from datetime import UTC, datetime

import typer
from rich.table import Table

from thamani.cli.common import console, emit_json, friendly, platform
from thamani.errors import InvalidInput
from thamani.parties.records import Party, PartyKind
from thamani.parties.service import parse_scopes

party_app = typer.Typer(help="Parties: patients, providers, payers, analysts, auditors, admins.")
token_app = typer.Typer(help="API tokens: bound to a party and scopes, stored hashed.")


def _kind(value: str) -> PartyKind:
    try:
        return PartyKind(value.lower())
    except ValueError:
        known = ", ".join(k.value for k in PartyKind)
        raise InvalidInput(f"unknown party kind {value!r}; known: {known}") from None


def resolve_party(ref: str) -> Party:
    """A party named by number or by reference."""
    p = platform()
    if ref.isdigit():
        return p.parties.get(int(ref))
    return p.parties.by_reference(ref)


@party_app.command("create")
@friendly
def create(
    kind: str = typer.Argument(..., help="patient, provider, payer, analyst, auditor or admin"),
    name: str = typer.Argument(...),
    reference: str | None = typer.Option(None, help="Your own unique code for it."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a party."""
    party = platform().parties.create(_kind(kind), name, reference)
    if as_json:
        emit_json({"id": party.id, "kind": party.kind.value, "name": party.name})
    else:
        console.print(f"party {party.id}: {party.kind.value} {party.name}")


@party_app.command("list")
@friendly
def list_parties(
    kind: str | None = typer.Option(None), as_json: bool = typer.Option(False, "--json")
) -> None:
    """List parties."""
    rows = platform().parties.all(_kind(kind) if kind else None)
    if as_json:
        emit_json(
            [
                {"id": r.id, "kind": r.kind.value, "name": r.name, "reference": r.reference}
                for r in rows
            ]
        )
        return
    table = Table("id", "kind", "name", "reference")
    for r in rows:
        table.add_row(str(r.id), r.kind.value, r.name, r.reference or "")
    console.print(table)


@token_app.command("create")
@friendly
def create_token(
    party: str = typer.Option("admin", help="Party id or reference (the admin party by default)."),
    name: str = typer.Option("cli", help="What the token is for."),
    scope: list[str] = typer.Option([], "--scope", help="Defaults to the party kind's scopes."),
    expires_days: float | None = typer.Option(None, help="Expire after this many days."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Issue an API token; the secret is printed once and only its hash is stored."""
    p = platform()
    who = _ensure_admin() if party == "admin" else resolve_party(party)
    issued = p.parties.issue_token(
        who.id, name, parse_scopes(scope) or None, expires_in_days=expires_days
    )
    scopes = sorted(s.value for s in issued.token.scopes)
    if as_json:
        emit_json(
            {
                "id": issued.token.id,
                "party_id": who.id,
                "secret": issued.secret,
                "scopes": scopes,
            }
        )
        return
    console.print(f"token {issued.token.id} for {who.kind.value} {who.name} ({who.id})")
    console.print(f"scopes: {' '.join(scopes)}")
    console.print(f"[bold]{issued.secret}[/]")
    console.print("Keep it now: it is not shown again.", style="dim")


def _ensure_admin() -> Party:
    return platform().parties.ensure(PartyKind.ADMIN, "Platform administrator", "admin")


@token_app.command("list")
@friendly
def list_tokens(
    party: str | None = typer.Option(None), as_json: bool = typer.Option(False, "--json")
) -> None:
    """List tokens (never their secrets)."""
    pid = resolve_party(party).id if party else None
    rows = platform().parties.tokens(pid)
    if as_json:
        emit_json(
            [
                {
                    "id": t.id,
                    "party_id": t.party_id,
                    "name": t.name,
                    "prefix": t.prefix,
                    "scopes": sorted(s.value for s in t.scopes),
                    "revoked": t.revoked_at is not None,
                }
                for t in rows
            ]
        )
        return
    table = Table("id", "party", "name", "prefix", "expires", "revoked")
    for t in rows:
        expires = (
            datetime.fromtimestamp(t.expires_at / 1e9, UTC).date().isoformat()
            if t.expires_at
            else "never"
        )
        table.add_row(
            str(t.id),
            str(t.party_id),
            t.name,
            t.prefix + "…",
            expires,
            "yes" if t.revoked_at else "",
        )
    console.print(table)


@token_app.command("revoke")
@friendly
def revoke(token_id: int) -> None:
    """Revoke a token; requests with it are refused from then on."""
    platform().parties.revoke(token_id)
    console.print(f"token {token_id} revoked")
