"""The schemes room's use cases: define programmes, enrol households, look up coverage.

``Schemes.define`` takes a validated programme document (from a YAML file or the API),
resolves its parties, opens the programme's fund and the providers' receivable accounts
on its ledger, and stores the definition in one transaction. Loading the same document
twice changes nothing; a different definition under the same code is refused unless the
caller asks to replace it (the version is then bumped; claims keep the version they were
adjudicated under).

Who may do what: admins anything; a payer defines and enrols only programmes it funds;
everyone else reads what concerns them (a provider the programmes that accredit it, a
patient their own coverage). Another party's programme or member is ``NotFound``.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection, Engine

from thamani.clock import Clock, SystemClock
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Conflict, Forbidden, InvalidInput, NotFound
from thamani.ledger.codes import AccountCode
from thamani.ledger.ids import new_id, parse_id
from thamani.ledger.records import Account, AccountFlags
from thamani.ledger.service import Ledger
from thamani.parties import store as party_store
from thamani.parties.records import Actor, PartyKind, Scope
from thamani.schemes import store
from thamani.schemes.documents import HouseholdIn, ProgrammeDocument
from thamani.schemes.enrolment import enrol_many
from thamani.schemes.records import (
    Accreditation,
    Coverage,
    Definition,
    Member,
    Programme,
)


class Outcome(enum.Enum):
    """What ``define`` did."""

    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class Defined:
    """The result of defining a programme.

    definition: the programme as stored.
    outcome: created, replaced or unchanged.
    enrolled: members enrolled from the document's households.
    """

    definition: Definition
    outcome: Outcome
    enrolled: int


@dataclass(frozen=True, slots=True)
class Enrolled:
    """The result of an enrolment.

    households: households in the request.
    members_enrolled: member enrolments created (already enrolled members are skipped).
    members_created: new members registered.
    """

    households: int
    members_enrolled: int
    members_created: int


def _is_admin(actor: Actor | None) -> bool:
    return actor is None or actor.kind is PartyKind.ADMIN


def _reads_all(actor: Actor | None) -> bool:
    return actor is None or actor.kind in (PartyKind.ADMIN, PartyKind.AUDITOR)


class Schemes:
    """Programmes and enrolment over one store."""

    def __init__(self, engine: Engine, ledger: Ledger, clock: Clock | None = None) -> None:
        self.engine = engine
        self.ledger = ledger
        self.clock: Clock = clock or SystemClock()

    # -- programmes ---------------------------------------------------------------------

    def define(
        self, doc: ProgrammeDocument, actor: Actor | None = None, *, replace_existing: bool = False
    ) -> Defined:
        """Store a programme from its document (see the module's docstring)."""
        if actor is not None and not actor.has(Scope.SCHEMES_WRITE):
            raise Forbidden("this token lacks the scope schemes:write", code="missing_scope")
        with read_transaction(self.engine) as conn:
            draft = doc.definition(
                lambda kind, ref, path: _resolve(conn, kind, ref, f"{doc.source}: {path}")
            )
            existing = store.programme_by_code(conn, doc.code)
            old = store.load_definition(conn, existing) if existing else None
        p = draft.programme
        if not _is_admin(actor) and (actor is None or actor.party_id != p.funder_id):
            raise Forbidden(
                f"only the funder ({doc.funder}) or an admin may define programme {doc.code}",
                code="not_the_funder",
                where="funder",
            )
        if old is not None:
            if old.programme.funder_id != p.funder_id and not _is_admin(actor):
                raise NotFound(f"programme {doc.code} not found", code="programme_not_found")
            if old.programme.currency != p.currency or old.programme.ledger != p.ledger:
                raise Conflict(
                    f"programme {doc.code} keeps its currency and ledger"
                    f" ({old.programme.currency}, ledger {old.programme.ledger})",
                    code="programme_immutable",
                    where="ledger",
                )
        self._check_ledger(p)
        draft = self._with_accounts(draft, old)
        if old is not None and _same(old, draft):
            enrolled = (
                self._enrol_households(old.programme, doc.households) if doc.households else 0
            )
            return Defined(old, Outcome.UNCHANGED, enrolled)
        if old is not None and not replace_existing:
            raise Conflict(
                f"programme {doc.code} exists with a different definition;"
                " replace it explicitly (--replace, ?replace=true)",
                code="programme_exists",
                where="code",
            )
        now = self.clock.now_ns()
        with write_transaction(self.engine) as conn:
            pid = store.save_definition(conn, draft, now, replace_id=old.programme.id if old else 0)
            saved = store.programme_by_code(conn, doc.code)
            assert saved is not None
            definition = store.load_definition(conn, saved)
            enrolled = enrol_many(conn, saved, doc.households, now)[0] if doc.households else 0
            _ = pid
        return Defined(definition, Outcome.REPLACED if old else Outcome.CREATED, enrolled)

    def _check_ledger(self, p: Programme) -> None:
        try:
            info = self.ledger.ledger(p.ledger)
        except NotFound:
            self.ledger.create_ledger(
                p.ledger, p.currency, f"{p.code}-fund", f"fund of programme {p.name}"
            )
            return
        if info.currency != p.currency:
            raise InvalidInput(
                f"ledger {p.ledger} holds {info.currency}, not {p.currency}",
                code="ledger_currency_mismatch",
                where="ledger",
            )

    def _with_accounts(self, draft: Definition, old: Definition | None) -> Definition:
        """Fill in the fund and receivable accounts, opening those that do not exist."""
        p = draft.programme
        to_open: list[Account] = []
        fund = old.programme.fund_account_id if old else 0
        if not fund:
            fund = new_id()
            to_open.append(
                Account(
                    fund,
                    p.ledger,
                    AccountCode.PROGRAMME_FUND,
                    int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS),
                    owner_party_id=p.funder_id,
                )
            )
        known = {a.provider_id: a.receivable_account_id for a in old.providers} if old else {}
        providers = []
        for a in draft.providers:
            acct = known.get(a.provider_id) or self._receivable(a.provider_id, p.ledger)
            if not acct:
                acct = new_id()
                to_open.append(
                    Account(
                        acct,
                        p.ledger,
                        AccountCode.PROVIDER_RECEIVABLE,
                        owner_party_id=a.provider_id,
                        sponsor_party_id=p.funder_id,
                    )
                )
            providers.append(replace(a, receivable_account_id=acct))
        if to_open:
            results = self.ledger.create_accounts(to_open)
            bad = [r for r in results if not r.recorded]
            if bad:
                raise Conflict(
                    f"the ledger refused the programme's accounts: {bad[0].value}",
                    code="accounts_refused",
                )
        return replace(
            draft,
            programme=replace(p, fund_account_id=fund),
            providers=tuple(providers),
        )

    def _receivable(self, provider_id: int, ledger: int) -> int:
        found = self.ledger.accounts_of(
            provider_id, ledger=ledger, code=int(AccountCode.PROVIDER_RECEIVABLE)
        )
        mine = [a for a in found if a.owner_party_id == provider_id]
        return mine[0].id if mine else 0

    def programme(self, code: str, actor: Actor | None = None) -> Definition:
        """A programme's definition; one the caller may not see is NotFound."""
        with read_transaction(self.engine) as conn:
            p = store.programme_by_code(conn, code)
            if p is None:
                raise NotFound(f"programme {code!r} not found", code="programme_not_found")
            d = store.load_definition(conn, p)
        if not self._may_read(d, actor):
            raise NotFound(f"programme {code!r} not found", code="programme_not_found")
        return d

    def programmes(self, actor: Actor | None = None) -> list[Programme]:
        """The programmes the caller may see."""
        with read_transaction(self.engine) as conn:
            if _reads_all(actor) or actor is None:
                return store.list_programmes(conn)
            if actor.kind is PartyKind.PAYER:
                return store.list_programmes(conn, actor.party_id)
            if actor.kind is PartyKind.PROVIDER:
                ids = set(store.accreditations_of(conn, actor.party_id))
                return [p for p in store.list_programmes(conn) if p.id in ids]
            if actor.kind is PartyKind.PATIENT:
                mine = store.members_of_party(conn, actor.party_id)
                enr = store.enrolments_of(conn, [m.id for m in mine])
                ids = {e.programme_id for es in enr.values() for e in es}
                return [p for p in store.list_programmes(conn) if p.id in ids]
            return []

    def currency_of(self, programme_code: str | None, coverage_id: int | None) -> str | None:
        """The currency of a programme named by code or by an enrolment (None: unknown)."""
        with read_transaction(self.engine) as conn:
            if programme_code:
                p = store.programme_by_code(conn, programme_code)
                return p.currency if p else None
            if coverage_id is not None:
                e = store.enrolments_by_id(conn, [coverage_id]).get(coverage_id)
                if e is not None:
                    found = store.programmes_by_id(conn, [e.programme_id]).get(e.programme_id)
                    return found.currency if found else None
        return None

    def definitions(self, programme_ids: Sequence[int]) -> dict[int, Definition]:
        """Definitions by programme id (for the claims room; no access check)."""
        with read_transaction(self.engine) as conn:
            progs = store.programmes_by_id(conn, programme_ids)
            return {pid: store.load_definition(conn, p) for pid, p in progs.items()}

    def _may_read(self, d: Definition, actor: Actor | None) -> bool:
        if _reads_all(actor) or actor is None:
            return True
        if actor.kind is PartyKind.PAYER:
            return d.programme.funder_id == actor.party_id
        if actor.kind is PartyKind.PROVIDER:
            return any(a.provider_id == actor.party_id for a in d.providers)
        if actor.kind is PartyKind.PATIENT:
            return any(c.programme_code == d.programme.code for c in self.coverage_of(actor))
        return False

    # -- enrolment ----------------------------------------------------------------------

    def enrol(
        self, programme_code: str, households: Sequence[HouseholdIn], actor: Actor | None = None
    ) -> Enrolled:
        """Enrol households (and their members) for a period; all or nothing."""
        if actor is not None and not actor.has(Scope.SCHEMES_WRITE):
            raise Forbidden("this token lacks the scope schemes:write", code="missing_scope")
        d = self.programme(programme_code, actor)
        p = d.programme
        if not _is_admin(actor) and (actor is None or actor.party_id != p.funder_id):
            raise Forbidden(
                f"only the funder of {programme_code} or an admin may enrol in it",
                code="not_the_funder",
            )
        self._check_wallets(households)
        now = self.clock.now_ns()
        with write_transaction(self.engine) as conn:
            enrolled, created = enrol_many(conn, p, households, now)
        return Enrolled(len(households), enrolled, created)

    def end_cover(self, ends: Sequence[tuple[str, date]], actor: Actor | None = None) -> int:
        """End members' cover on a date (a death): each enrolment of a member that covers
        the date and runs past it now ends on it (enrolments that start later are left as
        recorded). Returns the enrolments changed; ending the same cover again changes
        nothing. An unknown member number is ``InvalidInput`` naming ``ends[i]``, and
        nothing changes. Admins only (and the platform's own work).
        """
        if not _is_admin(actor):
            raise Forbidden("only an admin may end members' cover", code="not_allowed")
        with write_transaction(self.engine) as conn:
            found = store.members_by_reference(conn, [ref for ref, _ in ends])
            for i, (ref, _day) in enumerate(ends):
                if ref not in found:
                    raise InvalidInput(
                        f"no member is registered as {ref!r}",
                        code="member_not_found",
                        where=f"ends[{i}]",
                    )
            last: dict[int, date] = {}
            for ref, day in ends:
                mid = found[ref].id
                last[mid] = min(day, last.get(mid, day))
            current = store.enrolments_of(conn, list(last))
            changes = [
                (e.id, last[mid])
                for mid, es in current.items()
                for e in es
                if e.end > last[mid] >= e.start
            ]
            store.set_enrolment_ends(conn, changes)
        return len(changes)

    def _enrol_households(self, p: Programme, households: Sequence[HouseholdIn]) -> int:
        self._check_wallets(households)
        now = self.clock.now_ns()
        with write_transaction(self.engine) as conn:
            return enrol_many(conn, p, households, now)[0]

    def _check_wallets(self, households: Sequence[HouseholdIn]) -> None:
        """Every wallet account named must exist (read together, not one by one)."""
        named: list[tuple[str, int]] = []
        for i, h in enumerate(households):
            for j, m in enumerate(h.members):
                if m.wallet_account is None:
                    continue
                where = f"households[{i}].members[{j}].wallet_account"
                named.append((where, parse_id(m.wallet_account, field=where)))
        if not named:
            return
        found = {a.id for a in self.ledger.accounts(list({acct for _, acct in named}))}
        for where, acct in named:
            if acct not in found:
                raise InvalidInput(
                    f"wallet account {acct} does not exist",
                    code="wallet_not_found",
                    where=where,
                )

    # -- coverage -----------------------------------------------------------------------

    def member(self, reference: str, actor: Actor | None = None) -> Member:
        with read_transaction(self.engine) as conn:
            m = store.members_by_reference(conn, [reference]).get(reference)
        if m is None or not self._may_see_member(m, actor):
            raise NotFound(f"member {reference!r} not found", code="member_not_found")
        return m

    def coverage(
        self, member_reference: str, on: date | None = None, actor: Actor | None = None
    ) -> list[Coverage]:
        """A member's enrolments (those covering ``on`` when given)."""
        m = self.member(member_reference, actor)
        return [
            c
            for c in self._coverages([m], actor)
            if on is None or c.enrolment.start <= on <= c.enrolment.end
        ]

    def coverage_of(self, actor: Actor) -> list[Coverage]:
        """The enrolments of the members linked to a patient party."""
        with read_transaction(self.engine) as conn:
            mine = store.members_of_party(conn, actor.party_id)
        return self._coverages(mine, None)

    def enrolment(self, enrolment_id: int, actor: Actor | None = None) -> Coverage:
        with read_transaction(self.engine) as conn:
            e = store.enrolments_by_id(conn, [enrolment_id]).get(enrolment_id)
            m = store.members_by_id(conn, [e.member_id]).get(e.member_id) if e else None
        if e is None or m is None:
            raise NotFound(f"coverage {enrolment_id} not found", code="coverage_not_found")
        found = [c for c in self._coverages([m], actor) if c.enrolment.id == enrolment_id]
        if not found or not self._may_see_member(m, actor, found[0].funder_id):
            raise NotFound(f"coverage {enrolment_id} not found", code="coverage_not_found")
        return found[0]

    def _coverages(self, ms: Sequence[Member], actor: Actor | None) -> list[Coverage]:
        if not ms:
            return []
        with read_transaction(self.engine) as conn:
            enr = store.enrolments_of(conn, [m.id for m in ms])
            progs = store.programmes_by_id(
                conn, {e.programme_id for es in enr.values() for e in es}
            )
            hh = store.households_by_id(conn, {m.household_id for m in ms})
        out = []
        for m in ms:
            for e in enr.get(m.id, []):
                p = progs[e.programme_id]
                if (
                    actor is not None
                    and actor.kind is PartyKind.PAYER
                    and (p.funder_id != actor.party_id)
                ):
                    continue
                out.append(Coverage(e, p.code, p.name, p.funder_id, m, hh[m.household_id]))
        return out

    def _may_see_member(self, m: Member, actor: Actor | None, funder: int | None = None) -> bool:
        if _reads_all(actor) or actor is None:
            return True
        if actor.kind is PartyKind.PATIENT:
            return m.party_id == actor.party_id
        if actor.kind is PartyKind.PAYER:
            if funder is not None:
                return funder == actor.party_id
            return bool(self._coverages([m], actor))
        # Providers look members up to check their cover at the desk.
        return actor.kind is PartyKind.PROVIDER


def _resolve(conn: Connection, kind: str, reference: str, path: str) -> int:
    party = party_store.party_by_reference(conn, reference)
    want = PartyKind.PAYER if kind == "payer" else PartyKind.PROVIDER
    if party is None:
        raise InvalidInput(
            f"no {kind} with reference {reference!r} (register it first:"
            f" thamani party create {want.value} ...)",
            code="party_not_found",
            where=path,
        )
    if party.kind is not want and not (kind == "payer" and party.kind is PartyKind.ADMIN):
        raise InvalidInput(
            f"{reference!r} is a {party.kind.value}, not a {kind}",
            code="party_kind_mismatch",
            where=path,
        )
    return party.id


def _same(old: Definition, new: Definition) -> bool:
    """Whether two definitions are the same apart from store-assigned fields."""
    a = replace(old.programme, id=0, version=1)
    b = replace(new.programme, id=0, version=1)
    return (
        a == b
        and _sorted(old.items) == _sorted(new.items)
        and _sorted(old.tariff) == _sorted(new.tariff)
        and _sorted(_plain(old.providers)) == _sorted(_plain(new.providers))
    )


def _sorted(xs: Sequence[object]) -> list[object]:
    return sorted(xs, key=repr)


def _plain(xs: Sequence[Accreditation]) -> list[tuple[int, str, int]]:
    return [(a.provider_id, a.level, a.receivable_account_id) for a in xs]
