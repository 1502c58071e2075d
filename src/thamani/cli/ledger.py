"""``thamani ledger``: ledgers, accounts, transfers, statements and verification."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError
from rich.table import Table

from thamani.cli.common import console, emit_json, friendly, platform, progress
from thamani.errors import InvalidInput, NotFound
from thamani.ledger.documents import AccountIn, TransferIn, flag_names
from thamani.ledger.ids import format_id, new_id, parse_id
from thamani.ledger.keys import generate_seed
from thamani.ledger.records import BATCH_MAX, Account, AccountFlags, Transfer, TransferFlags
from thamani.money import format_amount

app = typer.Typer(help="The ledger: accounts, transfers, statements, verification.")


def _account_json(a: Account, currency: str | None) -> dict[str, Any]:
    return {
        "id": format_id(a.id),
        "ledger": a.ledger,
        "code": a.code,
        "flags": flag_names(AccountFlags, a.flags),
        "owner_party_id": a.owner_party_id,
        "sponsor_party_id": a.sponsor_party_id,
        "debits_pending": a.debits_pending,
        "debits_posted": a.debits_posted,
        "credits_pending": a.credits_pending,
        "credits_posted": a.credits_posted,
        "balance": a.balance,
        "available": a.available,
        "currency": currency,
    }


def _transfer_json(t: Transfer) -> dict[str, Any]:
    return {
        "id": format_id(t.id),
        "debit_account_id": format_id(t.debit_account_id),
        "credit_account_id": format_id(t.credit_account_id),
        "amount": t.amount,
        "ledger": t.ledger,
        "code": t.code,
        "flags": flag_names(TransferFlags, t.flags),
        "pending_id": format_id(t.pending_id),
        "user_data_128": format_id(t.user_data_128),
        "user_data_64": t.user_data_64,
        "user_data_32": t.user_data_32,
        "timestamp": t.timestamp,
    }


def _currency(ledger: int) -> str:
    try:
        return platform().ledger.ledger(ledger).currency
    except NotFound:
        return "XXX"


@app.command("create-ledger")
@friendly
def create_ledger(
    number: int = typer.Argument(..., help="Ledger number (1..2^32-1)."),
    currency: str = typer.Argument(..., help="ISO 4217 currency code, e.g. KES."),
    name: str = typer.Argument(..., help="Short name of the fund, e.g. kes-savings."),
    description: str = typer.Option("", help="What money lives here."),
) -> None:
    """Register a ledger: one per currency and fund, so earmarked money cannot leak."""
    info = platform().ledger.create_ledger(number, currency, name, description)
    console.print(f"ledger {info.ledger} [bold]{info.name}[/] in {info.currency}")


@app.command("ledgers")
@friendly
def ledgers(as_json: bool = typer.Option(False, "--json")) -> None:
    """List the ledgers with their running totals."""
    infos = platform().ledger.ledgers()
    if as_json:
        emit_json([_ledger_json(i) for i in infos])
        return
    table = Table("ledger", "name", "currency", "posted", "pending")
    for i in infos:
        table.add_row(
            str(i.ledger),
            i.name,
            i.currency,
            format_amount(i.posted_total, i.currency),
            format_amount(i.pending_total, i.currency),
        )
    console.print(table)


def _ledger_json(i: Any) -> dict[str, Any]:
    return {
        "ledger": i.ledger,
        "currency": i.currency,
        "name": i.name,
        "description": i.description,
        "posted_total": i.posted_total,
        "pending_total": i.pending_total,
    }


@app.command("open-account")
@friendly
def open_account(
    ledger: int = typer.Option(..., help="The ledger it belongs to."),
    code: int = typer.Option(..., help="Kind of account (see docs/ledger.md)."),
    owner: int | None = typer.Option(None, help="Owner party id."),
    sponsor: int | None = typer.Option(None, help="Funding party id."),
    flag: list[str] = typer.Option([], "--flag", help="e.g. debits_must_not_exceed_credits"),
    account_id: str | None = typer.Option(None, "--id", help="Defaults to a new id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Open one account."""
    try:
        doc = AccountIn(
            id=account_id or new_id(),
            ledger=ledger,
            code=code,
            flags=flag,
            owner_party_id=owner,
            sponsor_party_id=sponsor,
        )
    except ValidationError as e:
        raise InvalidInput(_first_error(e)) from None
    record = doc.record(owner)
    result = platform().ledger.create_accounts([record])[0]
    if as_json:
        emit_json({"id": format_id(record.id), "result": result.value})
    else:
        console.print(f"account {format_id(record.id)}: {result.value}")
    if not result.recorded:
        raise typer.Exit(1)


def _first_error(e: ValidationError) -> str:
    first = e.errors()[0]
    where = "/".join(str(x) for x in first.get("loc", ()))
    return f"{first.get('msg')} at /{where}"


def _read_documents(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text()
    except OSError as e:
        raise InvalidInput(f"cannot read {path}: {e.strerror}", where=str(path)) from None
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            data = json.loads(text)
        elif stripped.startswith("{") and "\n{" not in stripped.strip():
            one = json.loads(text)
            data = one.get("transfers") or one.get("accounts") or [one]
        else:
            data = [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as e:
        raise InvalidInput(
            f"{path} is not JSON: {e.msg}", where=f"{path}:{e.lineno}:{e.colno}"
        ) from None
    if not isinstance(data, list):
        raise InvalidInput(f"{path} must hold a list of objects", where=str(path))
    return data


@app.command("submit")
@friendly
def submit(
    path: Path = typer.Argument(..., help="JSON array or NDJSON of transfers."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Submit transfers from a file, in batches of up to 8,190; one result per transfer.

    The file is checked whole before anything is submitted: one malformed transfer and
    nothing moves.
    """
    docs = _read_documents(path)
    records: list[Transfer] = []
    for i, d in enumerate(docs):
        try:
            records.append(TransferIn.model_validate(d).record())
        except ValidationError as e:
            raise InvalidInput(
                f"transfer {i} in {path}: {_first_error(e)}", where=f"{path}#/{i}"
            ) from None
    out: list[dict[str, Any]] = []
    with progress(
        "transfers", len(records), enabled=not as_json and len(records) > BATCH_MAX
    ) as advance:
        for start in range(0, len(records), BATCH_MAX):
            chunk = records[start : start + BATCH_MAX]
            results = platform().ledger.create_transfers(chunk)
            out.extend(
                {"index": start + k, "id": format_id(t.id), "result": r.value}
                for k, (t, r) in enumerate(zip(chunk, results, strict=True))
            )
            advance(len(chunk))
    failed = [o for o in out if o["result"] not in ("ok", "exists")]
    if as_json:
        emit_json({"results": out, "ok": len(out) - len(failed), "failed": len(failed)})
    else:
        console.print(f"{len(out) - len(failed)} recorded, {len(failed)} refused")
        for o in failed[:20]:
            console.print(f"  transfer {o['index']} ({o['id']}): {o['result']}")
    if failed:
        raise typer.Exit(1)


@app.command("transfer")
@friendly
def transfer(
    debit: str = typer.Option(..., help="Debit account id."),
    credit: str = typer.Option(..., help="Credit account id."),
    amount: int = typer.Option(..., help="Minor units."),
    ledger: int = typer.Option(...),
    code: int = typer.Option(...),
    flag: list[str] = typer.Option([], "--flag"),
    pending_id: str = typer.Option("0", help="For post/void."),
    timeout: int = typer.Option(0, help="Seconds, for pending transfers."),
    transfer_id: str | None = typer.Option(None, "--id", help="Defaults to a new id."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Make one transfer."""
    try:
        doc = TransferIn(
            id=transfer_id or new_id(),
            debit_account_id=debit,
            credit_account_id=credit,
            amount=amount,
            ledger=ledger,
            code=code,
            flags=flag,
            pending_id=pending_id,
            timeout=timeout,
        )
    except ValidationError as e:
        raise InvalidInput(_first_error(e)) from None
    t = doc.record()
    result = platform().ledger.create_transfers([t])[0]
    if as_json:
        emit_json({"id": format_id(t.id), "result": result.value})
    else:
        console.print(f"transfer {format_id(t.id)}: {result.value}")
    if not result.recorded:
        raise typer.Exit(1)


@app.command("account")
@friendly
def account(account_id: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """Show one account and its balances."""
    a = platform().ledger.account(parse_id(account_id, field="account_id"))
    cur = _currency(a.ledger)
    if as_json:
        emit_json(_account_json(a, cur))
        return
    table = Table(show_header=False)
    table.add_row("id", format_id(a.id))
    table.add_row("ledger / code", f"{a.ledger} / {a.code}")
    table.add_row("flags", ", ".join(flag_names(AccountFlags, a.flags)) or "-")
    table.add_row("owner / sponsor", f"{a.owner_party_id} / {a.sponsor_party_id}")
    table.add_row("balance", format_amount(a.balance, cur))
    table.add_row("available", format_amount(a.available, cur))
    table.add_row("debits (pending / posted)", f"{a.debits_pending} / {a.debits_posted}")
    table.add_row("credits (pending / posted)", f"{a.credits_pending} / {a.credits_posted}")
    console.print(table)


@app.command("statement")
@friendly
def statement(
    account_id: str,
    after: int = typer.Option(0, help="Cursor from the previous page."),
    limit: int = typer.Option(50),
    newest_first: bool = typer.Option(False, "--newest-first"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """An account's transfers, a page at a time."""
    st = platform().ledger.statement(
        parse_id(account_id, field="account_id"),
        after=after,
        limit=limit,
        newest_first=newest_first,
    )
    cur = _currency(st.account.ledger)
    if as_json:
        emit_json(
            {
                "account": _account_json(st.account, cur),
                "lines": [
                    {"seq": x.seq, "event": x.event.name.lower(), **_transfer_json(x.transfer)}
                    for x in st.lines
                ],
                "next_cursor": st.next_cursor,
            }
        )
        return
    table = Table("seq", "event", "transfer", "code", "debit", "credit", "flags")
    for x in st.lines:
        t = x.transfer
        out = t.debit_account_id == st.account.id
        table.add_row(
            str(x.seq),
            x.event.name.lower(),
            format_id(t.id)[-12:],
            str(t.code),
            format_amount(t.amount, cur) if out else "",
            "" if out else format_amount(t.amount, cur),
            ", ".join(flag_names(TransferFlags, t.flags)),
        )
    console.print(table)
    console.print(f"balance {format_amount(st.account.balance, cur)}")
    if st.next_cursor:
        console.print(f"more: --after {st.next_cursor}")


@app.command("verify")
@friendly
def verify(as_json: bool = typer.Option(False, "--json")) -> None:
    """Recompute the hash chain, signatures, totals and balances; exit 1 on any problem."""
    p = platform()
    head = p.ledger.head()
    total = head.seq if head else 0
    with progress("verifying journal", total, enabled=not as_json and total > 200_000) as advance:
        done = [0]

        def step(n: int, _total: int) -> None:
            advance(n - done[0])
            done[0] = n

        report = p.verify_ledger(progress=step)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "records": report.records,
                "accounts": report.accounts,
                "head_seq": report.head_seq,
                "checkpoints": report.checkpoints,
                "seconds": round(report.seconds, 3),
                "records_per_second": round(report.records_per_second),
                "first_bad_seq": report.first_bad_seq,
                "problems": [
                    {"code": x.code, "message": x.message, "seq": x.seq} for x in report.problems
                ],
            }
        )
    elif report.ok:
        console.print(
            f"[green]ok[/]: {report.records:,} journal records, {report.accounts:,} accounts,"
            f" {report.checkpoints} signed checkpoints verified in {report.seconds:.2f} s"
        )
    else:
        first = report.first_bad_seq
        console.print(
            "[bold red]FAILED[/]" + (f": first bad record is {first}" if first is not None else "")
        )
        for x in report.problems:
            console.print(f"  {x.code}: {x.message}")
    if not report.ok:
        raise typer.Exit(1)


@app.command("expire")
@friendly
def expire() -> None:
    """Release pending transfers whose timeout has passed (the server does this itself)."""
    n = platform().ledger.expire()
    console.print(f"{n} pending transfer(s) expired")


@app.command("checkpoint")
@friendly
def checkpoint() -> None:
    """Write a signed checkpoint at the current head."""
    seq = platform().ledger.checkpoint()
    console.print(f"checkpoint at {seq}")


@app.command("head")
@friendly
def head(as_json: bool = typer.Option(False, "--json")) -> None:
    """The journal's signed head and this installation's public key."""
    p = platform()
    h = p.ledger.head()
    data = {
        "seq": h.seq if h else 0,
        "hash": h.hash.hex() if h else "",
        "public_key": base64.b64encode(p.signer.public_key).decode(),
    }
    if as_json:
        emit_json(data)
    else:
        for k, v in data.items():
            console.print(f"{k}: {v}")


@app.command("keygen")
def keygen() -> None:
    """Print a new signing key for THAMANI_SIGNING_KEY (keep it secret)."""
    console.print(generate_seed())
