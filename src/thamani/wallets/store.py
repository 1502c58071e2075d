"""SQL for the wallets' tables; explicit mapping between rows and records.

Every function runs inside the caller's transaction. Ids of ledger accounts and transfers
are kept as their 16 big-endian bytes, as the ledger keeps them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from thamani.db.engine import bulk_execute, bulk_insert
from thamani.db.tables import (
    mobile_money_callbacks,
    parties,
    patient_profiles,
    payment_parts,
    payments,
    payout_lines,
    payout_runs,
    payout_targets,
    provider_accounts,
    wallet_entries,
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
    PricedItem,
    ProgrammeFunding,
    ShortfallPolicy,
    WalletSource,
)

_CHUNK = 500


def _chunks(items: Sequence[Any], size: int = _CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


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
    for chunk in _chunks(list(phones)):
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
    for chunk in _chunks(ids):
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
    for chunk in _chunks(ids):
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


def party_names(conn: Connection, party_ids: Iterable[int]) -> dict[int, str]:
    ids = sorted({i for i in party_ids if i})
    out: dict[int, str] = {}
    for chunk in _chunks(ids):
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
    for chunk in _chunks(ids):
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
    for chunk in _chunks(keys):
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
    for chunk in _chunks(ids):
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
    for chunk in _chunks(ids):
        rows = conn.execute(
            select(payout_targets).where(payout_targets.c.provider_party_id.in_(chunk))
        )
        for r in rows:
            out[r.provider_party_id] = (r.method, r.reference)
    return out


# -- payments -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StoredPart:
    """A payment part as stored.

    phase: ``pay``, ``reserve``, ``settle`` or ``release``.
    seq: its place in the phase's linked chain.
    transfer_id: the ledger transfer (derived from the payment id, phase and seq).
    pending_id: for settle and release, the reservation transfer it resolves.
    source, programme_id, account_id: the wallet account it draws on.
    provider_account_id: the provider's receivable on the same ledger.
    ledger: the ledger.
    amount: minor units (0 on a settle row means that part is released).
    """

    phase: str
    seq: int
    transfer_id: int
    pending_id: int
    source: FundingSource
    programme_id: int
    account_id: int
    provider_account_id: int
    ledger: int
    amount: int


@dataclass(frozen=True, slots=True)
class StoredPayment:
    """A payment or reservation as stored (see ``thamani.db.tables.wallets.payments``)."""

    id: int
    kind: str
    status: str
    patient_party_id: int
    provider_party_id: int
    programme_id: int
    currency: str
    service_date: date
    total: int
    copay: int
    shortfall: int
    items: tuple[PricedItem, ...]
    timeout: int
    created_at: int
    parts: tuple[StoredPart, ...]


def items_json(items: Sequence[PricedItem]) -> str:
    return json.dumps([[i.code, i.category, i.amount, i.description] for i in items])


def _items(text: str) -> tuple[PricedItem, ...]:
    return tuple(PricedItem(c, cat, int(a), d) for c, cat, a, d in json.loads(text))


PAYMENT_COLUMNS = (
    "id",
    "kind",
    "status",
    "patient_party_id",
    "provider_party_id",
    "programme_id",
    "currency",
    "service_date",
    "total",
    "copay",
    "shortfall",
    "items",
    "timeout",
    "created_at",
    "updated_at",
)
PART_COLUMNS = (
    "payment_id",
    "phase",
    "seq",
    "transfer_id",
    "pending_id",
    "source",
    "programme_id",
    "account_id",
    "provider_account_id",
    "ledger",
    "amount",
)


def payment_row(p: StoredPayment, now: int) -> tuple[Any, ...]:
    return (
        to_bytes(p.id),
        p.kind,
        p.status,
        p.patient_party_id,
        p.provider_party_id,
        p.programme_id,
        p.currency,
        p.service_date,
        p.total,
        p.copay,
        p.shortfall,
        items_json(p.items),
        p.timeout,
        now,
        now,
    )


def part_row(payment_id: int, x: StoredPart) -> tuple[Any, ...]:
    return (
        to_bytes(payment_id),
        x.phase,
        x.seq,
        to_bytes(x.transfer_id),
        to_bytes(x.pending_id) if x.pending_id else None,
        x.source.value,
        x.programme_id,
        to_bytes(x.account_id),
        to_bytes(x.provider_account_id),
        x.ledger,
        x.amount,
    )


def _insert_rows(
    conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Many rows in one go: multi-row VALUES on SQLite; on PostgreSQL an ``executemany``
    (psycopg pipelines it), which spares the driver from parsing one huge statement."""
    if conn.dialect.name == "postgresql":
        marks = ", ".join(["?"] * len(columns))
        bulk_execute(conn, f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)
    else:
        bulk_insert(conn, table, columns, rows)


def insert_payments(conn: Connection, rows: Sequence[StoredPayment], now: int) -> None:
    """Insert payments and their parts (the SQLite date column takes ISO text)."""
    sqlite = conn.dialect.name == "sqlite"
    prow = []
    for p in rows:
        r = payment_row(p, now)
        if sqlite:
            r = (*r[:7], r[7].isoformat(), *r[8:])
        prow.append(r)
    _insert_rows(conn, "payments", PAYMENT_COLUMNS, prow)
    insert_parts(conn, [(p.id, x) for p in rows for x in p.parts])


def insert_parts(conn: Connection, parts: Sequence[tuple[int, StoredPart]]) -> None:
    _insert_rows(conn, "payment_parts", PART_COLUMNS, [part_row(pid, x) for pid, x in parts])


def _part(r: Any) -> StoredPart:
    return StoredPart(
        r.phase,
        r.seq,
        from_bytes(r.transfer_id),
        from_bytes(r.pending_id),
        FundingSource(r.source),
        r.programme_id,
        from_bytes(r.account_id),
        from_bytes(r.provider_account_id),
        r.ledger,
        r.amount,
    )


def load_payments(conn: Connection, ids: Iterable[int]) -> dict[int, StoredPayment]:
    keys = [to_bytes(i) for i in set(ids)]
    found: dict[int, Any] = {}
    parts: dict[int, list[StoredPart]] = {}
    for chunk in _chunks(keys):
        for r in conn.execute(select(payments).where(payments.c.id.in_(chunk))):
            found[from_bytes(r.id)] = r
        rows = conn.execute(
            select(payment_parts)
            .where(payment_parts.c.payment_id.in_(chunk))
            .order_by(payment_parts.c.payment_id, payment_parts.c.phase, payment_parts.c.seq)
        )
        for r in rows:
            parts.setdefault(from_bytes(r.payment_id), []).append(_part(r))
    return {
        i: StoredPayment(
            i,
            r.kind,
            r.status,
            r.patient_party_id,
            r.provider_party_id,
            r.programme_id,
            r.currency,
            r.service_date,
            r.total,
            r.copay,
            r.shortfall,
            _items(r.items),
            r.timeout,
            r.created_at,
            tuple(parts.get(i, ())),
        )
        for i, r in found.items()
    }


def set_payment_status(
    conn: Connection,
    ids: Sequence[int],
    status: str,
    now: int,
    *,
    totals: tuple[int, int, int] | None = None,
    items: Sequence[PricedItem] | None = None,
) -> None:
    if not ids:
        return
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if totals is not None:
        values.update(total=totals[0], copay=totals[1], shortfall=totals[2])
    if items is not None:
        values["items"] = items_json(items)
    for chunk in _chunks([to_bytes(i) for i in ids]):
        conn.execute(update(payments).where(payments.c.id.in_(chunk)).values(**values))


def delete_payments(conn: Connection, ids: Sequence[int]) -> None:
    for chunk in _chunks([to_bytes(i) for i in ids]):
        conn.execute(delete(payment_parts).where(payment_parts.c.payment_id.in_(chunk)))
        conn.execute(delete(payments).where(payments.c.id.in_(chunk)))


def delete_parts(conn: Connection, payment_id: int, phase: str) -> None:
    conn.execute(
        delete(payment_parts).where(
            and_(payment_parts.c.payment_id == to_bytes(payment_id), payment_parts.c.phase == phase)
        )
    )


def parts_by_transfer(conn: Connection, transfer_ids: Iterable[int]) -> dict[int, Any]:
    """Payment rows joined to their parts, keyed by the parts' transfer ids."""
    keys = [to_bytes(i) for i in set(transfer_ids)]
    out: dict[int, Any] = {}
    for chunk in _chunks(keys):
        rows = conn.execute(
            select(
                payment_parts.c.transfer_id,
                payment_parts.c.phase,
                payment_parts.c.source,
                payment_parts.c.programme_id,
                payments.c.id,
                payments.c.kind,
                payments.c.programme_id.label("payment_programme_id"),
                payments.c.patient_party_id,
                payments.c.provider_party_id,
                payments.c["items"],
                payments.c.service_date,
            )
            .join(payments, payments.c.id == payment_parts.c.payment_id)
            .where(payment_parts.c.transfer_id.in_(chunk))
        )
        for r in rows:
            out[from_bytes(r.transfer_id)] = r
    return out


# -- other wallet entries -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """What a transfer the wallets made (other than a payment part) means.

    transfer_id: the ledger transfer.
    kind: ``top_up``, ``send``, ``grant``, ``funding``, ``expiry`` or ``payout``.
    patient_party_id: the patient whose wallet it touches (None for provider payouts).
    counterparty_party_id: the other party (the sender, the recipient, the provider).
    source: the wallet source credited or debited.
    programme_id: the programme (0 for own money).
    phone: the sender's phone, for top-ups and sends.
    reference: the outside reference (TransID, send id, grant id, run id).
    """

    transfer_id: int
    kind: str
    patient_party_id: int | None = None
    counterparty_party_id: int | None = None
    source: FundingSource | None = None
    programme_id: int = 0
    phone: str | None = None
    reference: str | None = None


def insert_entries(conn: Connection, rows: Sequence[Entry], now: int) -> None:
    """Insert entries; ones whose transfer is already described are left as they are."""
    if not rows:
        return
    have = set(entries(conn, [e.transfer_id for e in rows]))
    new = [e for e in rows if e.transfer_id not in have]
    if new:
        conn.execute(
            insert(wallet_entries),
            [
                {
                    "transfer_id": to_bytes(e.transfer_id),
                    "kind": e.kind,
                    "patient_party_id": e.patient_party_id,
                    "counterparty_party_id": e.counterparty_party_id,
                    "source": e.source.value if e.source else None,
                    "programme_id": e.programme_id,
                    "phone": e.phone,
                    "reference": e.reference,
                    "created_at": now,
                }
                for e in new
            ],
        )


def entries(conn: Connection, transfer_ids: Iterable[int]) -> dict[int, Entry]:
    keys = [to_bytes(i) for i in set(transfer_ids)]
    out: dict[int, Entry] = {}
    for chunk in _chunks(keys):
        for r in conn.execute(
            select(wallet_entries).where(wallet_entries.c.transfer_id.in_(chunk))
        ):
            tid = from_bytes(r.transfer_id)
            out[tid] = Entry(
                tid,
                r.kind,
                r.patient_party_id,
                r.counterparty_party_id,
                FundingSource(r.source) if r.source else None,
                r.programme_id,
                r.phone,
                r.reference,
            )
    return out


# -- mobile-money callbacks -----------------------------------------------------------


def callback(conn: Connection, trans_id: str) -> Any | None:
    return conn.execute(
        select(mobile_money_callbacks).where(mobile_money_callbacks.c.trans_id == trans_id)
    ).first()


def insert_callback(conn: Connection, values: dict[str, Any]) -> None:
    conn.execute(insert(mobile_money_callbacks).values(**values))


def count_replay(conn: Connection, trans_id: str) -> None:
    conn.execute(
        update(mobile_money_callbacks)
        .where(mobile_money_callbacks.c.trans_id == trans_id)
        .values(replays=mobile_money_callbacks.c.replays + 1)
    )


# -- payout runs ----------------------------------------------------------------------


def payout_run(conn: Connection, run_id: str) -> tuple[Any, list[Any]] | None:
    run = conn.execute(select(payout_runs).where(payout_runs.c.run_id == run_id)).first()
    if run is None:
        return None
    lines = conn.execute(
        select(payout_lines)
        .where(payout_lines.c.run_id == run_id)
        .order_by(payout_lines.c.provider_party_id, payout_lines.c.ledger)
    ).all()
    return run, list(lines)


def insert_payout_run(
    conn: Connection, run_id: str, lines: Sequence[dict[str, Any]], now: int
) -> None:
    conn.execute(insert(payout_runs).values(run_id=run_id, status="planned", started_at=now))
    if lines:
        conn.execute(insert(payout_lines), [{"run_id": run_id, **x} for x in lines])


def finish_payout_run(conn: Connection, run_id: str, results: dict[bytes, str], now: int) -> None:
    for transfer_key, result in results.items():
        conn.execute(
            update(payout_lines)
            .where(
                and_(payout_lines.c.run_id == run_id, payout_lines.c.transfer_id == transfer_key)
            )
            .values(result=result)
        )
    conn.execute(
        update(payout_runs)
        .where(payout_runs.c.run_id == run_id)
        .values(status="done", finished_at=now)
    )


def payout_lines_of(conn: Connection, provider_id: int) -> list[Any]:
    return list(
        conn.execute(
            select(payout_lines, payout_runs.c.finished_at)
            .join(payout_runs, payout_runs.c.run_id == payout_lines.c.run_id)
            .where(payout_lines.c.provider_party_id == provider_id)
            .order_by(payout_runs.c.started_at)
        )
    )
