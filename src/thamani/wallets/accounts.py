"""Opening wallets and the accounts behind them.

Account ids are derived from what the account is (whose, which source, which ledger), so
opening is idempotent: a repeated or interrupted call opens nothing twice. Own money lives
on the currency's savings ledger; each programme's money on the programme's own ledger.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Conflict, InvalidInput, NotFound
from thamani.ledger.codes import AccountCode
from thamani.ledger.ids import derived_id
from thamani.ledger.records import Account, AccountFlags
from thamani.money import currency as lookup_currency
from thamani.parties.records import PartyKind
from thamani.wallets import store
from thamani.wallets.context import WalletContext
from thamani.wallets.phones import normalise_phone
from thamani.wallets.records import (
    OWN_SOURCES,
    PROGRAMME_SOURCES,
    FundingSource,
    PatientProfile,
    ProgrammeFunding,
    WalletOpening,
    WalletSource,
)

WALLET = int(AccountFlags.DEBITS_MUST_NOT_EXCEED_CREDITS)
"""Wallets, funds and receivables can never go below zero (pending debits count)."""

RECEIVABLE = "receivable"
SETTLEMENT = "settlement"
SEXES = ("female", "male", "other", "unknown")


def account_id(*parts: object) -> int:
    return derived_id("thamani.wallets.account", *parts)


# -- ledgers --------------------------------------------------------------------------


def _ledger_named(ctx: WalletContext, name: str, currency: str, description: str) -> int:
    """The ledger called ``name``, registered with the next free number if it is new."""
    for _ in range(20):
        infos = ctx.ledger.ledgers()
        for info in infos:
            if info.name == name:
                if info.currency != currency:
                    raise Conflict(
                        f"ledger {name!r} exists in {info.currency}, not {currency}",
                        code="ledger_exists",
                    )
                return info.ledger
        number = max((i.ledger for i in infos), default=0) + 1
        try:
            return ctx.ledger.create_ledger(number, currency, name, description).ledger
        except (Conflict, SQLIntegrityError):
            continue  # another process took the number or the name: look again
    raise Conflict(f"could not register ledger {name!r}", code="ledger_exists")


def savings_ledger(ctx: WalletContext, currency: str) -> tuple[int, int]:
    """(ledger, mobile-money clearing account) of the currency's savings ledger."""
    cur = lookup_currency(currency).code
    with read_transaction(ctx.engine) as conn:
        found = store.savings_ledger(conn, cur)
    if found is not None:
        return found
    ledger = _ledger_named(ctx, f"{cur.lower()}-savings", cur, "patients' own money")
    clearing = account_id("clearing", ledger)
    ctx.open_accounts([Account(clearing, ledger, AccountCode.MOBILE_MONEY_CLEARING)])
    with write_transaction(ctx.engine) as conn:
        if store.savings_ledger(conn, cur) is None:
            store.insert_wallet_ledger(conn, ledger, cur, 0, clearing)
    return ledger, clearing


# -- patients -------------------------------------------------------------------------


def _own_accounts(patient_id: int, ledger: int) -> list[tuple[WalletSource, Account]]:
    out = []
    for src in OWN_SOURCES:
        aid = account_id("wallet", patient_id, src.value, 0, ledger)
        out.append(
            (
                WalletSource(aid, patient_id, src, 0, ledger, None),
                Account(
                    aid,
                    ledger,
                    AccountCode.PATIENT_WALLET,
                    WALLET,
                    user_data_32=src.number,
                    owner_party_id=patient_id,
                ),
            )
        )
    return out


def _save_sources(ctx: WalletContext, pairs: Sequence[tuple[WalletSource, Account]]) -> None:
    """Open the accounts, then record what they are (both steps are idempotent)."""
    ctx.open_accounts([a for _, a in pairs])
    with write_transaction(ctx.engine) as conn:
        have = store.sources_by_account(conn, [s.account_id for s, _ in pairs])
        store.insert_sources(conn, [s for s, _ in pairs if s.account_id not in have], ctx.now())


def open_wallet(
    ctx: WalletContext,
    patient_id: int,
    *,
    phone: str,
    birth_date: date,
    sex: str,
    area: str,
    currency: str | None = None,
) -> PatientProfile:
    """Register a patient's profile and open their own-money accounts (savings, family).

    Opening again is a no-op (the stored profile is returned); another patient's phone is a
    Conflict.
    """
    opening = WalletOpening(patient_id, phone, birth_date, sex, area)
    return open_wallets(ctx, [opening], currency)[0]


def _checked(ctx: WalletContext, o: WalletOpening, where: str) -> PatientProfile:
    number = normalise_phone(o.phone, where=f"{where}phone")
    sex = o.sex.strip().lower()
    if sex not in SEXES:
        raise InvalidInput(
            f"sex must be one of {', '.join(SEXES)}, not {sex!r}", where=f"{where}sex"
        )
    if o.birth_date > ctx.today():
        raise InvalidInput("a birth date cannot be in the future", where=f"{where}birth_date")
    area = o.area.strip()
    if not area:
        raise InvalidInput(
            "a patient needs an area (county, sub-county or ward)", where=f"{where}area"
        )
    return PatientProfile(o.patient_id, number, f"TH{o.patient_id:06d}", o.birth_date, sex, area)


def open_wallets(
    ctx: WalletContext, openings: Sequence[WalletOpening], currency: str | None = None
) -> list[PatientProfile]:
    """Open many wallets at once (a programme's enrolment file); one profile per opening.

    Everything is checked before anything is written: one bad row and nothing changes.
    """
    single = len(openings) == 1
    wanted = [_checked(ctx, o, "" if single else f"wallets/{n}/") for n, o in enumerate(openings)]
    phones: dict[str, int] = {}
    for n, w in enumerate(wanted):
        if phones.setdefault(w.phone, w.party_id) != w.party_id:
            raise Conflict(
                f"phone {w.phone} is given to two patients",
                code="phone_taken",
                where=f"wallets/{n}/phone",
            )
    ids = [w.party_id for w in wanted]
    with write_transaction(ctx.engine) as conn:
        kinds = store.party_kinds(conn, ids)
        for n, pid in enumerate(ids):
            if pid not in kinds:
                raise NotFound(f"party {pid} not found", code="party_not_found")
            if kinds[pid] != PartyKind.PATIENT.value:
                raise InvalidInput(
                    f"party {pid} is a {kinds[pid]}, not a patient",
                    where=None if single else f"wallets/{n}/patient_id",
                )
        found = store.profiles(conn, ids)
        owners = store.phone_owners(conn, list(phones))
        for n, w in enumerate(wanted):
            owner = owners.get(w.phone)
            if w.party_id not in found and owner is not None and owner != w.party_id:
                raise Conflict(
                    f"phone {w.phone} already belongs to another wallet",
                    code="phone_taken",
                    where="phone" if single else f"wallets/{n}/phone",
                )
        new = [w for w in wanted if w.party_id not in found]
        store.insert_profiles(conn, new, ctx.now())
    ledger, _ = savings_ledger(ctx, currency or ctx.settings.currency)
    _save_sources(ctx, [pair for pid in ids for pair in _own_accounts(pid, ledger)])
    return [found.get(w.party_id, w) for w in wanted]


def profile(ctx: WalletContext, patient_id: int) -> PatientProfile:
    with read_transaction(ctx.engine) as conn:
        found = store.profiles(conn, [patient_id]).get(patient_id)
    if found is None:
        raise NotFound(f"patient {patient_id} has no wallet", code="wallet_not_found")
    return found


def set_closed(ctx: WalletContext, patient_id: int, closed: bool) -> None:
    with write_transaction(ctx.engine) as conn:
        if not store.set_profile_closed(conn, patient_id, closed):
            raise NotFound(f"patient {patient_id} has no wallet", code="wallet_not_found")


# -- programmes -----------------------------------------------------------------------


def register_programme(ctx: WalletContext, p: ProgrammeFunding) -> ProgrammeFunding:
    """Give a programme its own ledger, fund and funder accounts, and store its rules.

    Registering again updates the earmark and the draw-down rule; the currency, the kind
    of money and the funder cannot change (Conflict).
    """
    if p.programme_id <= 0:
        raise InvalidInput("a programme id must be positive", where="programme_id")
    if p.source not in PROGRAMME_SOURCES:
        raise InvalidInput(
            f"a programme puts voucher, subsidy or cover money in wallets, not {p.source.value}",
            where="source",
        )
    if not 0 <= p.rule.copay_bp <= 10_000:
        raise InvalidInput("co-pay must be between 0 and 10,000 basis points", where="copay_bp")
    e = p.earmark
    if e.valid_until is not None and e.valid_until < e.valid_from:
        raise InvalidInput("the validity ends before it starts", where="valid_until")
    funder = ctx.parties.get(p.funder_party_id)
    if funder.kind is not PartyKind.PAYER:
        raise InvalidInput(f"party {funder.id} is a {funder.kind.value}, not a payer")
    cur = lookup_currency(p.currency).code
    with read_transaction(ctx.engine) as conn:
        found = store.programmes(conn, [p.programme_id]).get(p.programme_id)
    if found is not None:
        if (found.currency, found.source, found.funder_party_id) != (
            cur,
            p.source,
            p.funder_party_id,
        ):
            raise Conflict(
                f"programme {p.programme_id} is registered with {found.currency},"
                f" {found.source.value} money from party {found.funder_party_id}",
                code="programme_exists",
            )
        updated = ProgrammeFunding(
            found.programme_id,
            p.name,
            cur,
            found.source,
            found.funder_party_id,
            p.earmark,
            p.rule,
            found.ledger,
            found.fund_account_id,
            found.funder_account_id,
        )
        with write_transaction(ctx.engine) as conn:
            store.update_programme_rules(conn, updated, ctx.now())
        return updated
    ledger = _ledger_named(
        ctx, f"{cur.lower()}-programme-{p.programme_id}", cur, f"{p.name}: earmarked money"
    )
    fund = account_id("programme-fund", p.programme_id, ledger)
    outside = account_id("programme-funder", p.programme_id, ledger)
    ctx.open_accounts(
        [
            Account(
                fund,
                ledger,
                AccountCode.PROGRAMME_FUND,
                WALLET,
                user_data_64=p.programme_id,
                owner_party_id=p.funder_party_id,
            ),
            Account(
                outside,
                ledger,
                AccountCode.FUNDER_SOURCE,
                user_data_64=p.programme_id,
                owner_party_id=p.funder_party_id,
            ),
        ]
    )
    made = ProgrammeFunding(
        p.programme_id,
        p.name,
        cur,
        p.source,
        p.funder_party_id,
        p.earmark,
        p.rule,
        ledger,
        fund,
        outside,
    )
    with write_transaction(ctx.engine) as conn:
        if not store.programmes(conn, [p.programme_id]):
            store.insert_programme(conn, made, ctx.now())
            store.insert_wallet_ledger(conn, ledger, cur, p.programme_id, None)
    return made


def programme(ctx: WalletContext, programme_id: int) -> ProgrammeFunding:
    with read_transaction(ctx.engine) as conn:
        found = store.programmes(conn, [programme_id]).get(programme_id)
    if found is None:
        raise NotFound(
            f"programme {programme_id} has no funding registered", code="programme_not_found"
        )
    return found


def add_sources(
    ctx: WalletContext, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], WalletSource]:
    """Open programme accounts for (patient, programme) pairs (enrolment, money-wise).

    Each account is owned by the patient and sponsored by the programme's funder, so the
    funder sees it and other payers do not. The patient's own accounts in the programme's
    currency are opened too, so a co-pay can be drawn.
    """
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    with read_transaction(ctx.engine) as conn:
        progs = store.programmes(conn, [q for _, q in wanted])
        profiles = store.profiles(conn, [p for p, _ in wanted])
    out: dict[tuple[int, int], WalletSource] = {}
    todo: list[tuple[WalletSource, Account]] = []
    for patient_id, programme_id in wanted:
        prog = progs.get(programme_id)
        if prog is None:
            raise NotFound(
                f"programme {programme_id} has no funding registered",
                code="programme_not_found",
            )
        if patient_id not in profiles:
            raise NotFound(f"patient {patient_id} has no wallet", code="wallet_not_found")
        aid = account_id("wallet", patient_id, prog.source.value, programme_id, prog.ledger)
        src = WalletSource(
            aid, patient_id, prog.source, programme_id, prog.ledger, prog.funder_party_id
        )
        todo.append(
            (
                src,
                Account(
                    aid,
                    prog.ledger,
                    AccountCode.PATIENT_WALLET,
                    WALLET,
                    user_data_64=programme_id,
                    user_data_32=prog.source.number,
                    owner_party_id=patient_id,
                    sponsor_party_id=prog.funder_party_id,
                ),
            )
        )
        out[(patient_id, programme_id)] = src
    for cur in sorted({p.currency for p in progs.values()}):
        ledger, _ = savings_ledger(ctx, cur)
        for patient_id in sorted({p for p, q in wanted if progs[q].currency == cur}):
            todo.extend(_own_accounts(patient_id, ledger))
    _save_sources(ctx, todo)
    return out


# -- providers ------------------------------------------------------------------------


def provider_accounts(
    ctx: WalletContext, pairs: Iterable[tuple[int, int]]
) -> dict[tuple[int, int], tuple[int, int]]:
    """(provider, ledger) -> (receivable, settlement) accounts, opened where missing."""
    wanted = sorted(set(pairs))
    if not wanted:
        return {}
    with read_transaction(ctx.engine) as conn:
        have = store.provider_accounts_of(conn, [p for p, _ in wanted])
    missing = [
        (p, led)
        for p, led in wanted
        if (p, led, RECEIVABLE) not in have or (p, led, SETTLEMENT) not in have
    ]
    if missing:
        providers = {p for p, _ in missing}
        for pid in providers:
            party = ctx.parties.get(pid)
            if party.kind is not PartyKind.PROVIDER:
                raise InvalidInput(f"party {pid} is a {party.kind.value}, not a provider")
        rows: list[tuple[int, int, str, int]] = []
        accounts: list[Account] = []
        for p, led in missing:
            rec = account_id("provider", p, led, RECEIVABLE)
            out = account_id("provider", p, led, SETTLEMENT)
            rows += [(p, led, RECEIVABLE, rec), (p, led, SETTLEMENT, out)]
            accounts += [
                Account(rec, led, AccountCode.PROVIDER_RECEIVABLE, WALLET, owner_party_id=p),
                Account(out, led, AccountCode.PROVIDER_SETTLEMENT, owner_party_id=p),
            ]
        ctx.open_accounts(accounts)
        with write_transaction(ctx.engine) as conn:
            store.insert_provider_accounts(conn, rows)
            have = store.provider_accounts_of(conn, [p for p, _ in wanted])
    return {(p, led): (have[(p, led, RECEIVABLE)], have[(p, led, SETTLEMENT)]) for p, led in wanted}


def sources_and_funds(
    ctx: WalletContext, patient_ids: Sequence[int]
) -> dict[int, list[WalletSource]]:
    with read_transaction(ctx.engine) as conn:
        return store.sources_of(conn, patient_ids)


def is_programme_source(src: FundingSource) -> bool:
    return src in PROGRAMME_SOURCES
