"""Statements for every party: the ledger's lines, told in the wallets' words.

A party's statement covers every account it owns or sponsors (a patient's wallet sources,
a provider's receivables and settlement accounts, a payer's fund and the member accounts
it funds), filtered by what the asker may see. Each ledger line is joined with what the
wallets recorded about its transfer: for a payment, the clinic, the services and which
source paid; for a top-up, the phone it came from; for a send, the relative.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from thamani.db.engine import read_transaction
from thamani.errors import NotFound
from thamani.ledger.codes import AccountCode, describe_transfer_code
from thamani.ledger.records import Account, Event, TransferFlags
from thamani.ledger.service import AccountAccess
from thamani.ledger.store import StatementLine as LedgerLine
from thamani.wallets import store
from thamani.wallets.context import WalletContext
from thamani.wallets.records import FundingSource

_PENDING = int(TransferFlags.PENDING)
_POST = int(TransferFlags.POST_PENDING_TRANSFER)
_VOID = int(TransferFlags.VOID_PENDING_TRANSFER)


@dataclass(frozen=True, slots=True)
class AccountSummary:
    """One account on a statement.

    account_id: the ledger account.
    label: what it is, for people (``savings``, ``voucher: Mama Bora``, ``receivable``).
    source: its funding source, for wallet accounts.
    programme_id: its programme (0 for none).
    ledger, currency: where it lives.
    balance, available: minor units.
    """

    account_id: int
    label: str
    source: FundingSource | None
    programme_id: int
    ledger: int
    currency: str
    balance: int
    available: int


@dataclass(frozen=True, slots=True)
class StatementLine:
    """One movement on one account.

    at: nanoseconds since the epoch (the ledger's timestamp).
    account_id, account_label: the account it is on.
    transfer_id: the ledger transfer.
    kind: what happened (``payment``, ``co_pay``, ``reservation``, ``settlement``,
        ``release``, ``reservation_expired``, ``top_up``, ``send``, ``grant``, ``expiry``,
        ``payout``, ``funding``, or the transfer code's name).
    direction: ``in`` or ``out`` of this account.
    amount: minor units.
    currency: ISO code.
    pending: True while it is a reservation (not yet posted).
    source: the wallet source that paid or was credited.
    programme: the programme's name ('' when none).
    counterparty: the clinic, the patient, the sender or the funder, for people.
    services: the services paid for (descriptions, else codes).
    reference: the payment id, the operator's transaction id, the run id...
    phone: the phone the money came from (top-ups, sends).
    """

    at: int
    account_id: int
    account_label: str
    transfer_id: int
    kind: str
    direction: str
    amount: int
    currency: str
    pending: bool
    source: FundingSource | None
    programme: str
    counterparty: str
    services: tuple[str, ...]
    reference: str
    phone: str


@dataclass(frozen=True, slots=True)
class PartyStatement:
    """A party's statement.

    party_id, party_name: whose it is.
    accounts: the accounts it covers, with their balances.
    lines: movements on them, oldest first.
    """

    party_id: int
    party_name: str
    accounts: tuple[AccountSummary, ...]
    lines: tuple[StatementLine, ...]


def _labels(
    accounts: list[Account], sources: dict[int, Any], progs: dict[int, Any], roles: dict[int, str]
) -> dict[int, tuple[str, FundingSource | None, int]]:
    by_fund = {p.fund_account_id: p for p in progs.values()}
    by_outside = {p.funder_account_id: p for p in progs.values()}
    out: dict[int, tuple[str, FundingSource | None, int]] = {}
    for a in accounts:
        s = sources.get(a.id)
        if s is not None:
            name = progs[s.programme_id].name if s.programme_id in progs else ""
            label = f"{s.source.value}: {name}" if name else s.source.value
            out[a.id] = (label, s.source, s.programme_id)
        elif a.id in by_fund:
            out[a.id] = (f"programme fund: {by_fund[a.id].name}", None, by_fund[a.id].programme_id)
        elif a.id in by_outside:
            p = by_outside[a.id]
            out[a.id] = (f"funder account: {p.name}", None, p.programme_id)
        elif a.id in roles:
            out[a.id] = (roles[a.id], None, 0)
        else:
            try:
                out[a.id] = (AccountCode(a.code).name.lower().replace("_", " "), None, 0)
            except ValueError:
                out[a.id] = (f"account code {a.code}", None, 0)
    return out


def _services(items_json: str) -> tuple[str, ...]:
    return tuple(i.description or i.code for i in store.parse_items(items_json))


def party_statement(
    ctx: WalletContext,
    party_id: int,
    access: AccountAccess | None = None,
    *,
    limit: int = 200,
) -> PartyStatement:
    """The statement of ``party_id``: its accounts and up to ``limit`` lines of each."""
    party = ctx.parties.get(party_id)
    accounts = [
        a
        for a in ctx.ledger.accounts_of(party_id)
        if access is None or access.may_see(a.owner_party_id, a.sponsor_party_id)
    ]
    if access is not None and not accounts and not access.may_see(party_id, None):
        raise NotFound(f"party {party_id} not found", code="party_not_found")
    with read_transaction(ctx.engine) as conn:
        sources = store.sources_by_account(conn, [a.id for a in accounts])
        progs = store.programmes(conn)
        currencies = store.ledger_currencies(conn)
        roles = {
            a: f"{role} ({currencies.get(led, '')} ledger {led})"
            for (_p, led, role), a in store.provider_accounts_of(conn, [party_id]).items()
        }
    for info in ctx.ledger.ledgers():
        currencies.setdefault(info.ledger, info.currency)
    labels = _labels(accounts, sources, progs, roles)
    ledger_lines: list[tuple[Account, LedgerLine]] = []
    for a in accounts:
        st = ctx.ledger.statement(a.id, limit=min(max(limit, 1), 1000), newest_first=True)
        ledger_lines.extend((a, line) for line in reversed(st.lines))
    tids = {line.transfer.id for _, line in ledger_lines}
    with read_transaction(ctx.engine) as conn:
        parts = store.parts_by_transfer(conn, tids)
        entries = store.entries(conn, tids)
        people: set[int] = set()
        for r in parts.values():
            people.update((r.patient_party_id, r.provider_party_id))
        for e in entries.values():
            people.update((e.patient_party_id or 0, e.counterparty_party_id or 0))
        names = store.party_names(conn, people)
    out = []
    for a, line in ledger_lines:
        t = line.transfer
        label, _src, _prog = labels[a.id]
        direction = "out" if t.debit_account_id == a.id else "in"
        cur = currencies.get(t.ledger, "")
        part = parts.get(t.id)
        entry = entries.get(t.id)
        kind = describe_transfer_code(t.code).replace(" ", "_")
        source: FundingSource | None = None
        programme = ""
        counterparty = ""
        services: tuple[str, ...] = ()
        reference = ""
        phone = ""
        if part is not None:
            source = FundingSource(part.source)
            prog_id = part.payment_programme_id
            programme = progs[prog_id].name if prog_id in progs else ""
            services = _services(part._mapping["items"])
            reference = str(int.from_bytes(part.id, "big"))
            kind = {
                "pay": "payment" if part.programme_id and not source.is_own else "co_pay",
                "reserve": "reservation",
                "settle": "settlement" if t.flags & _POST else "release",
                "release": "release",
            }[part.phase]
            if line.event is Event.EXPIRY:
                kind = "reservation_expired"
            counterparty = names.get(
                part.patient_party_id
                if a.owner_party_id == part.provider_party_id
                else part.provider_party_id,
                "",
            )
        elif entry is not None:
            kind = entry.kind
            source = entry.source
            programme = progs[entry.programme_id].name if entry.programme_id in progs else ""
            reference = entry.reference or ""
            phone = entry.phone or ""
            other = entry.counterparty_party_id
            if entry.kind == "send" and direction == "out":
                other = entry.patient_party_id
            counterparty = names.get(other or 0, "")
            if entry.kind == "top_up":
                counterparty = f"mobile money {phone}"
        out.append(
            StatementLine(
                at=t.timestamp,
                account_id=a.id,
                account_label=label,
                transfer_id=t.id,
                kind=kind,
                direction=direction,
                amount=t.amount,
                currency=cur,
                pending=bool(t.flags & _PENDING) and line.event is not Event.EXPIRY,
                source=source,
                programme=programme,
                counterparty=counterparty,
                services=services,
                reference=reference,
                phone=phone,
            )
        )
    out.sort(key=lambda x: (x.at, x.account_id))
    summaries = tuple(
        AccountSummary(
            a.id,
            labels[a.id][0],
            labels[a.id][1],
            labels[a.id][2],
            a.ledger,
            currencies.get(a.ledger, ""),
            a.balance,
            a.available,
        )
        for a in accounts
    )
    return PartyStatement(party.id, party.name, summaries, tuple(out))
