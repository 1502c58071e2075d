"""Who may see, debit and open which accounts, per kind of party; tokens and their life.

The first half is the ``Actor``'s rules on their own (no store): a table of what each
kind of party may do with accounts it owns, funds, or neither. The second half issues,
uses, revokes and expires tokens on both stores.
"""

from __future__ import annotations

import pytest

from thamani.clock import ManualClock
from thamani.errors import Conflict, InvalidInput, NotFound, Unauthorized
from thamani.parties.records import DEFAULT_SCOPES, Actor, Party, PartyKind, Scope
from thamani.parties.service import parse_scopes
from thamani.platform import Platform

ME, OTHER = 7, 8

#: owner, sponsor of an account, seen from party ME.
MINE = (ME, None)
FUNDED_BY_ME = (OTHER, ME)
SOMEONE_ELSES = (OTHER, None)
FUNDED_BY_OTHER = (ME, OTHER)
UNOWNED = (None, None)
BOTH_MINE = (ME, ME)


def actor(kind: PartyKind, scopes: frozenset[Scope] | None = None) -> Actor:
    return Actor(
        Party(ME, kind, kind.value, None, 0), DEFAULT_SCOPES[kind] if scopes is None else scopes
    )


SEE = {
    PartyKind.PATIENT: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, BOTH_MINE},
    PartyKind.PROVIDER: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, BOTH_MINE},
    PartyKind.PAYER: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, BOTH_MINE},
    PartyKind.ANALYST: set(),
    PartyKind.AUDITOR: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, SOMEONE_ELSES, UNOWNED, BOTH_MINE},
    PartyKind.ADMIN: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, SOMEONE_ELSES, UNOWNED, BOTH_MINE},
}
DEBIT = {
    PartyKind.PATIENT: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, BOTH_MINE},
    PartyKind.PROVIDER: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, BOTH_MINE},
    PartyKind.PAYER: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, BOTH_MINE},
    PartyKind.ANALYST: set(),
    PartyKind.AUDITOR: set(),
    PartyKind.ADMIN: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, SOMEONE_ELSES, UNOWNED, BOTH_MINE},
}
OPEN = {
    PartyKind.PATIENT: set(),  # no accounts:write scope
    PartyKind.PROVIDER: set(),
    PartyKind.PAYER: {MINE, FUNDED_BY_ME, BOTH_MINE},
    PartyKind.ANALYST: set(),
    PartyKind.AUDITOR: set(),
    PartyKind.ADMIN: {MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, SOMEONE_ELSES, UNOWNED, BOTH_MINE},
}
CASES = [MINE, FUNDED_BY_ME, FUNDED_BY_OTHER, SOMEONE_ELSES, UNOWNED, BOTH_MINE]


@pytest.mark.parametrize("kind", list(PartyKind))
def test_what_each_kind_may_do_with_accounts(kind: PartyKind) -> None:
    who = actor(kind)
    for owner, sponsor in CASES:
        case = (owner, sponsor)
        assert who.may_see(owner, sponsor) is (case in SEE[kind]), case
        assert who.may_debit(owner, sponsor) is (case in DEBIT[kind]), case
        assert who.may_open(owner, sponsor) is (case in OPEN[kind]), case


def test_without_the_write_scope_nobody_but_an_admin_debits() -> None:
    for kind in (PartyKind.PATIENT, PartyKind.PROVIDER, PartyKind.PAYER):
        reader = actor(kind, frozenset({Scope.LEDGER_READ}))
        assert reader.may_see(*MINE)
        assert not reader.may_debit(*MINE)
    assert actor(PartyKind.ADMIN, frozenset()).may_debit(*SOMEONE_ELSES)


def test_a_payer_without_accounts_write_opens_nothing() -> None:
    assert not actor(PartyKind.PAYER, frozenset({Scope.LEDGER_WRITE})).may_open(*MINE)


def test_scopes_parse_by_name_and_refuse_unknown_ones() -> None:
    assert parse_scopes(["ledger:read, ledger:write", "pool:read"]) == {
        Scope.LEDGER_READ,
        Scope.LEDGER_WRITE,
        Scope.POOL_READ,
    }
    with pytest.raises(InvalidInput) as e:
        parse_scopes(["ledger:read", "ledger:steal"])
    assert e.value.code == "unknown_scope"
    assert "ledger:steal" in e.value.message


# -- tokens on a store ------------------------------------------------------------------


def test_a_token_stands_for_its_party_with_its_scopes(platform: Platform) -> None:
    clinic = platform.parties.create(PartyKind.PROVIDER, "Nyalenda Health Centre", "fac-001")
    issued = platform.parties.issue_token(clinic.id, "front desk")
    assert issued.secret.startswith("thm_")
    assert issued.token.prefix == issued.secret[:12]
    who = platform.parties.authenticate(issued.secret)
    assert (who.party.id, who.party.name, who.kind) == (
        clinic.id,
        "Nyalenda Health Centre",
        PartyKind.PROVIDER,
    )
    assert who.party.reference == "fac-001"
    assert who.scopes == DEFAULT_SCOPES[PartyKind.PROVIDER]
    assert who.token_id == issued.token.id
    (listed,) = platform.parties.tokens(clinic.id)
    assert listed.prefix == issued.token.prefix  # the secret itself is never kept


def test_a_token_may_carry_fewer_scopes_never_more(platform: Platform) -> None:
    patient = platform.parties.create(PartyKind.PATIENT, "Akinyi")
    narrow = platform.parties.issue_token(patient.id, "read", frozenset({Scope.LEDGER_READ}))
    assert platform.parties.authenticate(narrow.secret).scopes == {Scope.LEDGER_READ}
    with pytest.raises(InvalidInput) as e:
        platform.parties.issue_token(patient.id, "too much", frozenset({Scope.LEDGER_VERIFY}))
    assert e.value.code == "scope_not_allowed"


def test_revoked_and_expired_tokens_are_refused(platform: Platform, clock: ManualClock) -> None:
    payer = platform.parties.create(PartyKind.PAYER, "County Health Fund")
    revoked = platform.parties.issue_token(payer.id, "old")
    platform.parties.authenticate(revoked.secret)  # remembered for a few seconds...
    platform.parties.revoke(revoked.token.id)
    with pytest.raises(Unauthorized) as e:  # ...but revocation forgets at once
        platform.parties.authenticate(revoked.secret)
    assert e.value.code == "token_revoked"
    with pytest.raises(NotFound):
        platform.parties.revoke(revoked.token.id)

    short = platform.parties.issue_token(payer.id, "short", expires_in_days=0.5)
    platform.parties.authenticate(short.secret)
    clock.advance(12 * 3600)
    with pytest.raises(Unauthorized) as e:
        platform.parties.authenticate(short.secret)
    assert e.value.code == "token_expired"
    with pytest.raises(InvalidInput):
        platform.parties.issue_token(payer.id, "past", expires_in_days=0)


@pytest.mark.parametrize("secret", [None, "", "Bearer", "thm_short", "thm_" + "A" * 43])
def test_missing_or_unknown_secrets_are_refused(platform: Platform, secret: str | None) -> None:
    with pytest.raises(Unauthorized):
        platform.parties.authenticate(secret)


def test_references_are_unique_and_kinds_do_not_change(platform: Platform) -> None:
    platform.parties.create(PartyKind.PROVIDER, "Kisumu County Referral Hospital", "fac-002")
    with pytest.raises(Conflict):
        platform.parties.create(PartyKind.PROVIDER, "Another", "fac-002")
    same = platform.parties.ensure(PartyKind.PROVIDER, "ignored", "fac-002")
    assert same.name == "Kisumu County Referral Hospital"
    with pytest.raises(Conflict) as e:
        platform.parties.ensure(PartyKind.PAYER, "x", "fac-002")
    assert e.value.code == "party_kind_mismatch"
    with pytest.raises(InvalidInput):
        platform.parties.create(PartyKind.PATIENT, "   ")
    assert [p.name for p in platform.parties.all(PartyKind.PROVIDER)] == [
        "Kisumu County Referral Hospital"
    ]
