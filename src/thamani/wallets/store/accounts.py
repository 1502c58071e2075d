"""SQL for patient profiles, the wallets' ledgers, programmes' funding and rules, wallet
sources, provider accounts and payout targets."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from thamani.db.tables import (
    parties,
    patient_profiles,
    payout_targets,
    provider_accounts,
    wallet_ledgers,
    wallet_programmes,
    wallet_sources,
)
from thamani.ledger.ids import from_bytes, to_bytes
from thamani.money import Rounding
from thamani.wallets.records import (
    DrawDownRule,
    Earmark,
    ExpiryPolicy,
    FundingSource,
    PatientProfile,
    ProgrammeFunding,
    ShortfallPolicy,
    WalletSource,
)
from thamani.wallets.store.common import chunks

# -- patient profiles -----------------------------------------------------------------


def _profile(r: Any) -> PatientProfile:
    return PatientProfile(
        r.party_id, r.phone, r.wallet_ref, r.birth_date, r.sex, r.area, bool(r.closed)
    )


def insert_profiles(conn: Connection, rows: Sequence[PatientProfile], now: int) -> None:
    if not rows:
        return
    conn.execute(
        insert(patient_profiles),
        [
            {
                "party_id": p.party_id,
                "phone": p.phone,
                "wallet_ref": p.wallet_ref,
                "birth_date": p.birth_date,
                "sex": p.sex,
                "area": p.area,
                "closed": p.closed,
                "created_at": now,
            }
            for p in rows
        ],
    )


def phone_owners(conn: Connection, phones: Sequence[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for chunk in chunks(list(phones)):
        rows = conn.execute(
            select(patient_profiles.c.phone, patient_profiles.c.party_id).where(
                patient_profiles.c.phone.in_(chunk)
            )
        )
        out.update({r.phone: r.party_id for r in rows})
    return out


def party_kinds(conn: Connection, party_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted(set(party_ids))
    out: dict[int, str] = {}
    for chunk in chunks(ids):
        rows = conn.execute(select(parties.c.id, parties.c.kind).where(parties.c.id.in_(chunk)))
        out.update({r.id: r.kind for r in rows})
    return out


def set_profile_closed(conn: Connection, party_id: int, closed: bool) -> bool:
    res = conn.execute(
        update(patient_profiles)
        .where(patient_profiles.c.party_id == party_id)
        .values(closed=closed)
    )
    return bool(res.rowcount)


def profiles(conn: Connection, party_ids: Iterable[int]) -> dict[int, PatientProfile]:
    ids = sorted(set(party_ids))
    out: dict[int, PatientProfile] = {}
    for chunk in chunks(ids):
        for r in conn.execute(
            select(patient_profiles).where(patient_profiles.c.party_id.in_(chunk))
        ):
            out[r.party_id] = _profile(r)
    return out


def profile_by_reference(conn: Connection, reference: str) -> PatientProfile | None:
    """The profile whose wallet reference or phone is ``reference``."""
    row = conn.execute(
        select(patient_profiles).where(
            or_(
                patient_profiles.c.wallet_ref == reference,
                patient_profiles.c.phone == reference,
            )
        )
    ).first()
    return None if row is None else _profile(row)


def profiles_by_references(conn: Connection, references: Sequence[str]) -> list[PatientProfile]:
    """The profiles whose wallet reference or phone is one of ``references`` (batch path)."""
    refs = sorted(set(references))
    seen: set[int] = set()
    out: list[PatientProfile] = []
    for chunk in chunks(refs):
        for column in (patient_profiles.c.wallet_ref, patient_profiles.c.phone):
            for r in conn.execute(select(patient_profiles).where(column.in_(chunk))):
                if r.party_id not in seen:
                    seen.add(r.party_id)
                    out.append(_profile(r))
    return out


def party_names(conn: Connection, party_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted({i for i in party_ids if i})
    out: dict[int, str] = {}
    for chunk in chunks(ids):
        for r in conn.execute(select(parties.c.id, parties.c.name).where(parties.c.id.in_(chunk))):
            out[r.id] = r.name
    return out


# -- ledgers of the wallets -----------------------------------------------------------


def savings_ledger(conn: Connection, currency: str) -> tuple[int, int] | None:
    """(ledger, clearing account id) of the currency's savings ledger, if registered."""
    row = conn.execute(
        select(wallet_ledgers).where(
            and_(wallet_ledgers.c.currency == currency, wallet_ledgers.c.programme_id == 0)
        )
    ).first()
    if row is None:
        return None
    return row.ledger, from_bytes(row.clearing_account_id)


def savings_ledgers(conn: Connection) -> dict[int, str]:
    """Every savings ledger, with its currency."""
    rows = conn.execute(
        select(wallet_ledgers.c.ledger, wallet_ledgers.c.currency).where(
            wallet_ledgers.c.programme_id == 0
        )
    )
    return {r.ledger: r.currency for r in rows}


def insert_wallet_ledger(
    conn: Connection, ledger: int, currency: str, programme_id: int, clearing: int | None
) -> None:
    conn.execute(
        insert(wallet_ledgers).values(
            ledger=ledger,
            currency=currency,
            programme_id=programme_id,
            clearing_account_id=to_bytes(clearing) if clearing else None,
        )
    )


def ledger_currencies(conn: Connection) -> dict[int, str]:
    return {
        r.ledger: r.currency
        for r in conn.execute(select(wallet_ledgers.c.ledger, wallet_ledgers.c.currency))
    }


# -- programmes -----------------------------------------------------------------------


def _ids_json(values: frozenset[int] | frozenset[str] | None) -> str | None:
    return None if values is None else json.dumps(sorted(values, key=str))


def _programme(r: Any) -> ProgrammeFunding:
    providers = json.loads(r.accredited_providers) if r.accredited_providers else None
    codes = json.loads(r.covered_codes) if r.covered_codes is not None else None
    cats = json.loads(r.covered_categories) if r.covered_categories is not None else None
    earmark = Earmark(
        accredited_providers=None if providers is None else frozenset(int(x) for x in providers),
        covered_codes=None if codes is None else frozenset(codes),
        covered_categories=None if cats is None else frozenset(cats),
        valid_from=r.valid_from,
        valid_until=r.valid_until,
        on_expiry=ExpiryPolicy(r.on_expiry),
    )
    rule = DrawDownRule(
        order=tuple(FundingSource(x) for x in r.draw_order.split(",") if x),
        copay_bp=r.copay_bp,
        copay_rounding=Rounding(r.copay_rounding),
        shortfall=ShortfallPolicy(r.shortfall),
    )
    return ProgrammeFunding(
        r.programme_id,
        r.name,
        r.currency,
        FundingSource(r.source),
        r.funder_party_id,
        earmark,
        rule,
        r.ledger,
        from_bytes(r.fund_account_id),
        from_bytes(r.funder_account_id),
    )


def _rules_values(p: ProgrammeFunding) -> dict[str, Any]:
    e, rule = p.earmark, p.rule
    return {
        "name": p.name,
        "accredited_providers": _ids_json(e.accredited_providers),
        "covered_codes": _ids_json(e.covered_codes),
        "covered_categories": _ids_json(e.covered_categories),
        "valid_from": e.valid_from,
        "valid_until": e.valid_until,
        "on_expiry": e.on_expiry.value,
        "draw_order": ",".join(s.value for s in rule.order),
        "copay_bp": rule.copay_bp,
        "copay_rounding": rule.copay_rounding.value,
        "shortfall": rule.shortfall.value,
    }


def insert_programme(conn: Connection, p: ProgrammeFunding, now: int) -> None:
    conn.execute(
        insert(wallet_programmes).values(
            programme_id=p.programme_id,
            currency=p.currency,
            ledger=p.ledger,
            source=p.source.value,
            funder_party_id=p.funder_party_id,
            fund_account_id=to_bytes(p.fund_account_id),
            funder_account_id=to_bytes(p.funder_account_id),
            created_at=now,
            updated_at=now,
            **_rules_values(p),
        )
    )


def update_programme_rules(conn: Connection, p: ProgrammeFunding, now: int) -> None:
    conn.execute(
        update(wallet_programmes)
        .where(wallet_programmes.c.programme_id == p.programme_id)
        .values(updated_at=now, **_rules_values(p))
    )


def programmes(conn: Connection, ids: Iterable[int] | None = None) -> dict[int, ProgrammeFunding]:
    stmt = select(wallet_programmes)
    if ids is not None:
        wanted = sorted({i for i in ids if i})
        if not wanted:
            return {}
        stmt = stmt.where(wallet_programmes.c.programme_id.in_(wanted))
    return {r.programme_id: _programme(r) for r in conn.execute(stmt)}


# -- wallet sources -------------------------------------------------------------------


def _source(r: Any) -> WalletSource:
    return WalletSource(
        from_bytes(r.account_id),
        r.patient_party_id,
        FundingSource(r.source),
        r.programme_id,
        r.ledger,
        r.sponsor_party_id,
    )


def insert_sources(conn: Connection, rows: Sequence[WalletSource], now: int) -> None:
    if not rows:
        return
    conn.execute(
        insert(wallet_sources),
        [
            {
                "account_id": to_bytes(s.account_id),
                "patient_party_id": s.patient_party_id,
                "source": s.source.value,
                "programme_id": s.programme_id,
                "ledger": s.ledger,
                "sponsor_party_id": s.sponsor_party_id,
                "opened_at": now,
            }
            for s in rows
        ],
    )


def sources_of(conn: Connection, patient_ids: Iterable[int]) -> dict[int, list[WalletSource]]:
    ids = sorted(set(patient_ids))
    out: dict[int, list[WalletSource]] = {i: [] for i in ids}
    for chunk in chunks(ids):
        rows = conn.execute(
            select(wallet_sources)
            .where(wallet_sources.c.patient_party_id.in_(chunk))
            .order_by(wallet_sources.c.opened_at)
        )
        for r in rows:
            out[r.patient_party_id].append(_source(r))
    return out


def sources_of_programmes(conn: Connection, programme_ids: Sequence[int]) -> list[WalletSource]:
    if not programme_ids:
        return []
    rows = conn.execute(
        select(wallet_sources).where(wallet_sources.c.programme_id.in_(list(programme_ids)))
    )
    return [_source(r) for r in rows]


def sources_by_account(conn: Connection, account_ids: Iterable[int]) -> dict[int, WalletSource]:
    keys = [to_bytes(i) for i in set(account_ids)]
    out: dict[int, WalletSource] = {}
    for chunk in chunks(keys):
        for r in conn.execute(select(wallet_sources).where(wallet_sources.c.account_id.in_(chunk))):
            s = _source(r)
            out[s.account_id] = s
    return out


# -- provider accounts and payout targets ---------------------------------------------


def provider_accounts_of(
    conn: Connection, provider_ids: Iterable[int]
) -> dict[tuple[int, int, str], int]:
    """(provider, ledger, role) -> account id."""
    ids = sorted(set(provider_ids))
    out: dict[tuple[int, int, str], int] = {}
    for chunk in chunks(ids):
        rows = conn.execute(
            select(provider_accounts).where(provider_accounts.c.provider_party_id.in_(chunk))
        )
        for r in rows:
            out[(r.provider_party_id, r.ledger, r.role)] = from_bytes(r.account_id)
    return out


def all_provider_accounts(conn: Connection) -> dict[tuple[int, int, str], int]:
    return {
        (r.provider_party_id, r.ledger, r.role): from_bytes(r.account_id)
        for r in conn.execute(select(provider_accounts))
    }


def insert_provider_accounts(conn: Connection, rows: Sequence[tuple[int, int, str, int]]) -> None:
    """Rows of (provider, ledger, role, account id); ones already there are skipped."""
    if not rows:
        return
    have = provider_accounts_of(conn, [r[0] for r in rows])
    new = [r for r in rows if (r[0], r[1], r[2]) not in have]
    if new:
        conn.execute(
            insert(provider_accounts),
            [
                {"provider_party_id": p, "ledger": led, "role": role, "account_id": to_bytes(a)}
                for p, led, role, a in new
            ],
        )


def set_payout_target(
    conn: Connection, provider_id: int, method: str, reference: str, now: int
) -> None:
    found = conn.execute(
        select(payout_targets.c.provider_party_id).where(
            payout_targets.c.provider_party_id == provider_id
        )
    ).first()
    values = {"method": method, "reference": reference, "updated_at": now}
    if found is None:
        conn.execute(insert(payout_targets).values(provider_party_id=provider_id, **values))
    else:
        conn.execute(
            update(payout_targets)
            .where(payout_targets.c.provider_party_id == provider_id)
            .values(**values)
        )


def payout_targets_of(conn: Connection, provider_ids: Iterable[int]) -> dict[int, tuple[str, str]]:
    ids = sorted(set(provider_ids))
    out: dict[int, tuple[str, str]] = {}
    for chunk in chunks(ids):
        rows = conn.execute(
            select(payout_targets).where(payout_targets.c.provider_party_id.in_(chunk))
        )
        for r in rows:
            out[r.provider_party_id] = (r.method, r.reference)
    return out
