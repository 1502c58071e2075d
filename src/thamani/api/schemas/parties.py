"""Schemas of the parties and tokens API."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from thamani.parties.records import ApiToken, Party, PartyKind


class PartyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: PartyKind
    name: str = Field(min_length=1, max_length=200)
    reference: str | None = Field(default=None, max_length=100)


class PartyOut(BaseModel):
    id: int
    kind: PartyKind
    name: str
    reference: str | None

    @classmethod
    def of(cls, p: Party) -> PartyOut:
        return cls(id=p.id, kind=p.kind, name=p.name, reference=p.reference)


class TokenIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    party_id: int
    name: str = Field(min_length=1, max_length=100)
    scopes: list[str] = Field(default_factory=list, description="Defaults to the party's kind.")
    expires_in_days: float | None = Field(default=None, gt=0)


class TokenOut(BaseModel):
    id: int
    party_id: int
    name: str
    prefix: str
    scopes: list[str]
    expires_at: int | None
    revoked: bool

    @classmethod
    def of(cls, t: ApiToken) -> TokenOut:
        return cls(
            id=t.id,
            party_id=t.party_id,
            name=t.name,
            prefix=t.prefix,
            scopes=sorted(s.value for s in t.scopes),
            expires_at=t.expires_at,
            revoked=t.revoked_at is not None,
        )


class IssuedTokenOut(TokenOut):
    secret: str = Field(description="Shown once; store it now.")


class MeOut(BaseModel):
    party: PartyOut
    scopes: list[str]
