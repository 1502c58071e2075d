"""Who may do what with waiting lists.

* The platform itself (no actor: the CLI, the demo, the synthetic population) may do
  anything.
* An admin may do anything.
* A provider manages its own lists: those whose provider code is the provider party's
  reference. It reads and changes their referrals (patient-level data, keyed by the
  provider's own references) with the ``capacity:read`` and ``capacity:write`` scopes.
* An analyst with ``capacity:read`` reads aggregates of every list (statistics,
  simulations, forecasts, RTT figures) and never a referral.

Patient-level data of another provider answers as if it did not exist (404); asking to
change another provider's list is refused (403).
"""

from __future__ import annotations

from thamani.errors import Forbidden
from thamani.parties.records import Actor, PartyKind, Scope


def is_platform_or_admin(actor: Actor | None) -> bool:
    """True for the platform's own work and for admins."""
    return actor is None or actor.kind is PartyKind.ADMIN


def own_provider(actor: Actor | None) -> str | None:
    """The provider code a provider party manages (its reference), else None."""
    if actor is None or actor.kind is not PartyKind.PROVIDER:
        return None
    return actor.party.reference


def may_manage(actor: Actor | None, provider: str) -> bool:
    """May change the lists and referrals of ``provider``."""
    if is_platform_or_admin(actor):
        return True
    assert actor is not None
    return actor.has(Scope.CAPACITY_WRITE) and own_provider(actor) == provider


def may_read_patients(actor: Actor | None, provider: str) -> bool:
    """May read the referrals (patient-level data) of ``provider``."""
    if is_platform_or_admin(actor):
        return True
    assert actor is not None
    return actor.has(Scope.CAPACITY_READ) and own_provider(actor) == provider


def may_read_aggregates(actor: Actor | None, provider: str) -> bool:
    """May read statistics, simulations and forecasts of ``provider``'s lists."""
    if is_platform_or_admin(actor):
        return True
    assert actor is not None
    if not actor.has(Scope.CAPACITY_READ):
        return False
    return actor.kind is PartyKind.ANALYST or own_provider(actor) == provider


def may_read_rtt(actor: Actor | None) -> bool:
    """May read imported RTT figures (published aggregates, no patient in them)."""
    return is_platform_or_admin(actor) or (actor is not None and actor.has(Scope.CAPACITY_READ))


def readable_providers(actor: Actor | None) -> str | None:
    """The one provider whose aggregates ``actor`` is limited to, or None for all of them.

    Raises Forbidden for an actor that may read no aggregates at all.
    """
    if is_platform_or_admin(actor):
        return None
    assert actor is not None
    if not actor.has(Scope.CAPACITY_READ):
        raise Forbidden("this token lacks the scope capacity:read", code="missing_scope")
    if actor.kind is PartyKind.ANALYST:
        return None
    provider = own_provider(actor)
    if provider is None:
        raise Forbidden(
            "only providers (with a reference), analysts and admins read waiting lists",
            code="capacity_forbidden",
        )
    return provider


def require_manage(actor: Actor | None, provider: str, where: str | None = None) -> None:
    """Refuse a change to a list the actor does not manage."""
    if not may_manage(actor, provider):
        raise Forbidden(
            f"you may not change the waiting lists of provider {provider!r}",
            code="not_your_list",
            where=where,
        )
