"""``thamani wallet``, ``thamani payouts``: health wallets from the command line."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import typer
from rich.table import Table

from thamani.channels.mobile_money import FakeOperator
from thamani.cli.common import console, emit_json, friendly, platform
from thamani.cli.parties import resolve_party
from thamani.errors import InvalidInput
from thamani.ledger.ids import format_id
from thamani.money import format_amount, parse_amount
from thamani.wallets.payouts import PayoutRun
from thamani.wallets.records import SourceBalance

app = typer.Typer(help="Health wallets: sources, top-ups, sends, statements.")
payouts_app = typer.Typer(help="Provider payouts: receivables to settlement accounts.")


def parse_day(text: str | None, where: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", where=where) from None


def _sources_json(sources: list[SourceBalance]) -> list[dict[str, Any]]:
    return [
        {
            "source": s.source.value,
            "programme_id": s.programme_id,
            "programme": s.programme_name,
            "account_id": format_id(s.account_id),
            "ledger": s.ledger,
            "currency": s.currency,
            "balance": s.balance,
            "available": s.available,
            "valid_until": s.valid_until.isoformat() if s.valid_until else None,
        }
        for s in sources
    ]


def _print_sources(sources: list[SourceBalance]) -> None:
    table = Table("source", "programme", "balance", "available", "valid until")
    for s in sources:
        table.add_row(
            s.source.value,
            s.programme_name or "-",
            format_amount(s.balance, s.currency),
            format_amount(s.available, s.currency),
            s.valid_until.isoformat() if s.valid_until else "-",
        )
    console.print(table)


@app.command("open")
@friendly
def open_wallet(
    patient: str = typer.Argument(..., help="Patient party id or reference."),
    phone: str = typer.Option(..., help="Mobile number, e.g. 0712345678."),
    birth_date: str = typer.Option(..., help="YYYY-MM-DD."),
    sex: str = typer.Option(..., help="female, male, other or unknown."),
    area: str = typer.Option(..., help="County, sub-county or ward."),
    currency: str | None = typer.Option(None, help="Default: THAMANI_CURRENCY."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Register a patient's profile and open their savings and family accounts."""
    who = resolve_party(patient)
    born = parse_day(birth_date, "birth_date")
    assert born is not None
    w = platform().wallets
    profile = w.open_wallet(
        who.id, phone=phone, birth_date=born, sex=sex, area=area, currency=currency
    )
    sources = w.sources(who.id)
    if as_json:
        emit_json(
            {
                "patient_id": who.id,
                "wallet_ref": profile.wallet_ref,
                "sources": _sources_json(sources),
            }
        )
        return
    console.print(f"wallet {profile.wallet_ref} for {who.name} ({profile.phone})")
    _print_sources(sources)


@app.command("show")
@friendly
def show(
    patient: str = typer.Argument(..., help="Patient party id or reference."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A patient's wallet: one account per funding source, with balances."""
    who = resolve_party(patient)
    sources = platform().wallets.sources(who.id)
    if as_json:
        emit_json({"patient_id": who.id, "sources": _sources_json(sources)})
    else:
        _print_sources(sources)


@app.command("topup-simulate")
@friendly
def topup_simulate(
    account: str = typer.Argument(..., help="Wallet reference (TH...) or phone."),
    amount: str = typer.Argument(..., help="Major units, as the operator sends them: 150.00"),
    phone: str = typer.Option(..., help="The payer's phone (MSISDN)."),
    trans_id: str | None = typer.Option(
        None, help="Operator transaction id; reuse one to replay a callback."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Play the operator: a customer pays the paybill (validation, then confirmation)."""
    p = platform()
    operator = FakeOperator(p.settings.mpesa_shortcode)
    tid = trans_id or operator.transaction_id()
    doc = operator.document(phone=phone, amount=amount, account_ref=account, trans_id=tid)
    validation = p.mpesa.validate(dict(doc))
    result = p.mpesa.receive(dict(doc)) if str(validation["ResultCode"]) == "0" else None
    data = {
        "trans_id": tid,
        "validation": validation,
        "status": result.status.value if result else "rejected",
        "source": result.source.value if result and result.source else None,
        "amount": result.amount if result else None,
    }
    if as_json:
        emit_json(data)
    elif result is None:
        console.print(f"{tid}: rejected at validation ({validation['ResultCode']})")
    else:
        console.print(
            f"{tid}: {result.status.value}"
            + (f" to {result.source.value}" if result.source else "")
            + f", {format_amount(result.amount, p.settings.currency)}"
        )
    if result is None:
        raise typer.Exit(1)


@app.command("send")
@friendly
def send(
    sender: str = typer.Argument(..., help="Sending patient (id or reference)."),
    to: str = typer.Argument(..., help="The relative's phone or wallet reference."),
    amount: str = typer.Argument(..., help="Major units, e.g. 300 or 300.50."),
    send_id: str = typer.Option(..., help="Idempotency key: the same key sends once."),
    currency: str | None = typer.Option(None),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Send money from a patient's savings to a relative's wallet."""
    p = platform()
    cur = currency or p.settings.currency
    who = resolve_party(sender)
    r = p.wallets.send_to_relative(who.id, to, parse_amount(amount, cur), send_id, currency=cur)
    if as_json:
        emit_json(
            {
                "status": r.status.value,
                "amount": r.amount,
                "recipient": r.recipient_name,
                "code": r.code,
                "message": r.message,
            }
        )
    else:
        console.print(
            f"{r.status.value}: {format_amount(r.amount, cur)} to {r.recipient_name or to}"
            + (f" ({r.code}: {r.message})" if r.code else "")
        )
    if r.code:
        raise typer.Exit(1)


@app.command("statement")
@friendly
def statement(
    party: str = typer.Argument(..., help="Party id or reference (patient, provider, payer)."),
    limit: int = typer.Option(200, help="Lines per account."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A party's statement: payments with clinic, service and source; top-ups with phone."""
    who = resolve_party(party)
    st = platform().wallets.statement(who.id, limit=limit)
    if as_json:
        emit_json(
            {
                "party_id": st.party_id,
                "party_name": st.party_name,
                "accounts": [
                    {
                        "account_id": format_id(a.account_id),
                        "label": a.label,
                        "currency": a.currency,
                        "balance": a.balance,
                        "available": a.available,
                    }
                    for a in st.accounts
                ],
                "lines": [
                    {
                        "at": x.at,
                        "account": x.account_label,
                        "kind": x.kind,
                        "direction": x.direction,
                        "amount": x.amount,
                        "currency": x.currency,
                        "pending": x.pending,
                        "source": x.source.value if x.source else None,
                        "programme": x.programme,
                        "counterparty": x.counterparty,
                        "services": list(x.services),
                        "reference": x.reference,
                        "phone": x.phone,
                    }
                    for x in st.lines
                ],
            }
        )
        return
    console.print(f"[bold]{st.party_name}[/]")
    for a in st.accounts:
        console.print(f"  {a.label}: {format_amount(a.balance, a.currency)}")
    table = Table("when", "account", "what", "with", "services", "in", "out")
    for x in st.lines:
        when = datetime.fromtimestamp(x.at / 1e9, UTC).strftime("%Y-%m-%d %H:%M")
        money = format_amount(x.amount, x.currency) + (" (held)" if x.pending else "")
        table.add_row(
            when,
            x.account_label,
            x.kind.replace("_", " "),
            x.counterparty,
            ", ".join(x.services),
            money if x.direction == "in" else "",
            money if x.direction == "out" else "",
        )
    console.print(table)


@app.command("expire")
@friendly
def expire(
    on: str | None = typer.Option(None, help="The day to run for (default: today)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Return unspent money of programmes past their validity to the funders."""
    run = platform().wallets.expire_conditional_funds(parse_day(on, "on"))
    if as_json:
        emit_json(
            {
                "on": run.on.isoformat(),
                "returned": run.returned,
                "movements": [
                    {
                        "patient_id": m.patient_party_id,
                        "programme_id": m.programme_id,
                        "amount": m.amount,
                        "result": m.result.value,
                    }
                    for m in run.movements
                ],
            }
        )
    else:
        console.print(
            f"{len(run.movements)} account(s) emptied, {run.returned} minor units returned"
        )


def _run_json(run: PayoutRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "replayed": run.replayed,
        "totals": run.totals(),
        "lines": [
            {
                "provider_id": x.provider_party_id,
                "provider": x.provider_name,
                "ledger": x.ledger,
                "currency": x.currency,
                "amount": x.amount,
                "result": x.result,
                "method": x.method,
                "target": x.target,
            }
            for x in run.lines
        ],
    }


def _print_run(run: PayoutRun) -> None:
    table = Table("provider", "ledger", "amount", "to", "result")
    for x in run.lines:
        table.add_row(
            x.provider_name,
            str(x.ledger),
            format_amount(x.amount, x.currency),
            f"{x.method} {x.target}" if x.method else "-",
            x.result,
        )
    console.print(table)
    totals = ", ".join(format_amount(v, k) for k, v in run.totals().items()) or "nothing"
    console.print(
        f"run {run.run_id}: {totals} paid out" + (" (already done)" if run.replayed else "")
    )


@payouts_app.command("run")
@friendly
def run_payouts(
    run_id: str | None = typer.Option(None, help="Idempotency key (default: today's date)."),
    provider: list[str] = typer.Option([], "--provider", help="Only these providers."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Pay out every provider's posted receivable balance, in one batch."""
    p = platform()
    rid = run_id or f"payouts-{datetime.now(UTC).date().isoformat()}"
    ids = [resolve_party(x).id for x in provider] or None
    run = p.wallets.run_payouts(rid, ids)
    if as_json:
        emit_json(_run_json(run))
    else:
        _print_run(run)


@payouts_app.command("show")
@friendly
def show_run(run_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """A payout run's statement."""
    run = platform().wallets.payout_run(run_id)
    if as_json:
        emit_json(_run_json(run))
    else:
        _print_run(run)


@payouts_app.command("target")
@friendly
def target(
    provider: str = typer.Argument(..., help="Provider id or reference."),
    method: str = typer.Argument(..., help="bank or mobile_money"),
    reference: str = typer.Argument(..., help="Account number or phone."),
) -> None:
    """Where a provider's payouts go."""
    who = resolve_party(provider)
    platform().wallets.set_payout_target(who.id, method, reference)
    console.print(f"payouts of {who.name} go to {method} {reference}")
