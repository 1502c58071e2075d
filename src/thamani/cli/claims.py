"""``thamani claim``: submit claims (Thamani JSON or FHIR), read them, review, reverse."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from thamani.claims.documents import parse_claim, parse_claims, to_document
from thamani.claims.records import Claim, ClaimInput, ClaimStatus
from thamani.cli.common import console, emit_json, friendly, platform, progress
from thamani.errors import InvalidInput
from thamani.interop.fhir.claims import claim_response, read_claim
from thamani.interop.fhir.coverage import bundle_entries
from thamani.ledger.ids import format_id, parse_id
from thamani.money import format_amount

app = typer.Typer(help="Claims: submit, show, review, reverse.")


def claim_json(c: Claim) -> dict[str, Any]:
    """A claim as the CLI prints it with --json."""
    return {
        "id": format_id(c.id),
        "use": c.use.value,
        "status": c.status.label,
        "programme": c.programme_code,
        "currency": c.currency,
        "member": c.member_ref,
        "reference": c.reference,
        "service_date": c.service_date.isoformat(),
        "asked": c.asked,
        "valuated": c.valuated,
        "payer": c.payer,
        "co_pay": c.co_pay,
        "deductible": c.deductible,
        "not_covered": c.not_covered,
        "reserved": c.reserved,
        "settlement": c.settlement,
        "findings": [{"code": f.code, "message": f.message} for f in c.findings],
        "flags": [{"code": f.code, "message": f.message} for f in c.flags],
        "lines": [
            {
                "sequence": x.sequence,
                "code": x.code,
                "quantity": x.quantity,
                "status": x.status.value,
                "valuated": x.valuated,
                "payer": x.payer,
                "co_pay": x.co_pay,
                "deductible": x.deductible,
                "not_covered": x.not_covered,
                "reason": x.reason,
                "message": x.message,
            }
            for x in c.lines
        ],
        "encounter": to_document(ClaimInput(c.use, "", c.member_ref, c.encounter, ()))["encounter"],
    }


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise InvalidInput(f"cannot read {path}: {e.strerror}", where=str(path)) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as e:
        raise InvalidInput(
            f"{path} is neither JSON nor NDJSON: {e.msg}", where=f"{path}:{e.lineno}:{e.colno}"
        ) from None


def _claims_of(data: Any, source: str) -> list[ClaimInput]:
    """Claims from Thamani JSON (one, a list, {"claims": [...]}) or FHIR (Claim, Bundle)."""
    currency = platform().schemes.currency_of
    if isinstance(data, dict) and data.get("resourceType") == "Claim":
        return [read_claim(data, currency)]
    if isinstance(data, dict) and data.get("resourceType") == "Bundle":
        return [
            read_claim(r, currency, f"Bundle.entry[{k}].resource")
            for k, r in enumerate(bundle_entries(data))
        ]
    if isinstance(data, dict) and "claims" not in data:
        return [parse_claim(data, source)]
    return parse_claims(data, source)


def _print(c: Claim, provider: str | None = None) -> None:
    cur = c.currency
    colour = {
        ClaimStatus.PAID: "green",
        ClaimStatus.AUTHORISED: "green",
        ClaimStatus.REJECTED: "red",
        ClaimStatus.IN_REVIEW: "yellow",
    }.get(c.status, "white")
    console.print(
        f"claim {format_id(c.id)} [{colour}]{c.status.label}[/]"
        f" ({c.use.value}, {c.programme_code or '?'}, member {c.member_ref},"
        f" {c.service_date})",
        highlight=False,
    )
    table = Table("line", "item", "qty", "valuated", "programme pays", "member pays", "outcome")
    for x in c.lines:
        table.add_row(
            str(x.sequence),
            x.code,
            str(x.quantity),
            format_amount(x.valuated, cur, symbol=False) if cur != "XXX" else "-",
            format_amount(x.payer, cur, symbol=False) if cur != "XXX" else "-",
            format_amount(x.member_pays, cur, symbol=False) if cur != "XXX" else "-",
            x.status.value + (f": {x.reason}" if x.reason else ""),
        )
    console.print(table)
    for f in c.findings:
        console.print(f"  [red]{f.code}[/]: {f.message}", highlight=False)
    for f in c.flags:
        console.print(f"  [yellow]{f.code}[/]: {f.message}", highlight=False)
    if c.status is ClaimStatus.PAID:
        console.print(f"  paid {format_amount(c.payer, cur)} to the provider")
    if c.status is ClaimStatus.AUTHORISED:
        console.print(f"  {format_amount(c.reserved, cur)} held for the admission")
    if c.settlement:
        console.print(f"  [red]payment refused by the ledger[/]: {c.settlement}")


@app.command("submit")
@friendly
def submit(
    path: Path = typer.Argument(..., help="A claim: Thamani JSON, or a FHIR Claim."),
    as_json: bool = typer.Option(False, "--json"),
    fhir: bool = typer.Option(False, "--fhir", help="Print the FHIR ClaimResponse."),
) -> None:
    """Adjudicate and settle one claim (or pre-authorisation request)."""
    claims = _claims_of(_read(path), str(path))
    if len(claims) != 1:
        raise InvalidInput(f"{path} holds {len(claims)} claims; use `thamani claim batch`")
    done = platform().claims.submit(claims[0])
    if fhir:
        emit_json(claim_response(done, claims[0].provider))
    elif as_json:
        emit_json(claim_json(done))
    else:
        _print(done)


@app.command("batch")
@friendly
def batch(
    path: Path = typer.Argument(..., help="Claims: a JSON list, NDJSON, or a FHIR Bundle."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Adjudicate and settle many claims. The file is checked whole first: one malformed
    claim and nothing is stored."""
    claims = _claims_of(_read(path), str(path))
    with progress("claims", len(claims), enabled=not as_json and len(claims) > 2000) as advance:
        done = platform().claims.submit_batch(claims, progress=advance)
    counts: dict[str, int] = {}
    for c in done:
        counts[c.status.label] = counts.get(c.status.label, 0) + 1
    if as_json:
        emit_json({"counts": counts, "claims": [claim_json(c) for c in done]})
        return
    console.print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())))
    for c in [c for c in done if c.status is ClaimStatus.REJECTED][:20]:
        why = c.reasons[0] if c.reasons else None
        console.print(
            f"  {c.reference or format_id(c.id)}: {why.code + ': ' + why.message if why else ''}",
            highlight=False,
        )


@app.command("show")
@friendly
def show(
    claim_id: str,
    as_json: bool = typer.Option(False, "--json"),
    fhir: bool = typer.Option(False, "--fhir", help="Print the FHIR ClaimResponse."),
) -> None:
    """One claim with its lines and reasons."""
    p = platform()
    c = p.claims.get(parse_id(claim_id, field="claim_id"))
    if fhir:
        emit_json(claim_response(c, p.parties.get(c.provider_id).reference or ""))
    elif as_json:
        emit_json(claim_json(c))
    else:
        _print(c)


@app.command("list")
@friendly
def list_claims(
    status: str | None = typer.Option(None, help="e.g. paid, rejected, in_review"),
    programme: str | None = None,
    after: int = typer.Option(0, help="Cursor: the last claim number shown."),
    limit: int = typer.Option(50),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Claims, oldest first."""
    wanted = None
    if status:
        try:
            wanted = ClaimStatus[status.upper()]
        except KeyError:
            raise InvalidInput(f"unknown status {status!r}", where="--status") from None
    found = platform().claims.claims(status=wanted, programme=programme, after=after, limit=limit)
    if as_json:
        emit_json([claim_json(c) for c in found])
        return
    table = Table("no", "id", "status", "programme", "member", "date", "programme pays", "reason")
    for c in found:
        table.add_row(
            str(c.no),
            format_id(c.id)[-10:],
            c.status.label,
            c.programme_code,
            c.member_ref,
            c.service_date.isoformat(),
            format_amount(c.payer, c.currency) if c.currency != "XXX" else "-",
            c.reasons[0].code if c.reasons else "",
        )
    console.print(table)


@app.command("queue")
@friendly
def queue(programme: str | None = None, as_json: bool = typer.Option(False, "--json")) -> None:
    """Claims waiting for a reviewer."""
    found = platform().claims.review_queue(programme=programme)
    if as_json:
        emit_json([claim_json(c) for c in found])
        return
    if not found:
        console.print("the review queue is empty")
    for c in found:
        console.print(
            f"{format_id(c.id)} {c.programme_code} {c.member_ref} {c.service_date}: "
            + "; ".join(f"{f.code}: {f.message}" for f in c.flags),
            highlight=False,
        )


@app.command("review")
@friendly
def review(
    claim_id: str,
    reject: list[str] = typer.Option([], "--reject", help="SEQ:reason (repeat per line)."),
    reject_all: str | None = typer.Option(None, "--reject-all", help="Reject the whole claim."),
    note: str = typer.Option("", help="A note for the record."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Decide a claim in review: reject the lines named, approve the rest, pay."""
    lines: dict[int, str] = {}
    for text in reject:
        seq, _, why = text.partition(":")
        if not seq.strip().isdigit() or not why.strip():
            raise InvalidInput(f"--reject {text!r}: expected SEQ:reason", where="--reject")
        lines[int(seq)] = why.strip()
    done = platform().claims.review(
        parse_id(claim_id, field="claim_id"), reject=lines, reject_all=reject_all, note=note
    )
    if as_json:
        emit_json(claim_json(done))
    else:
        _print(done)


@app.command("reverse")
@friendly
def reverse(
    claim_id: str,
    reason: str = typer.Option(..., help="Why the payment is reversed."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Reverse a paid claim by a correcting transfer."""
    done = platform().claims.reverse(parse_id(claim_id, field="claim_id"), reason)
    if as_json:
        emit_json(claim_json(done))
    else:
        _print(done)


@app.command("release")
@friendly
def release(claim_id: str) -> None:
    """Release a pre-authorisation's hold."""
    done = platform().claims.release_preauth(parse_id(claim_id, field="claim_id"))
    _print(done)


@app.command("settle")
@friendly
def settle() -> None:
    """Pay valuated claims whose payment the ledger refused earlier."""
    console.print(f"{platform().claims.settle_pending()} claim(s) paid")


@app.command("publish")
@friendly
def publish(
    since: str | None = typer.Option(None, help="Only claims with services from this date."),
) -> None:
    """Hand paid claims to the data pool again (each encounter is kept once)."""
    from datetime import date

    day = None
    if since:
        try:
            day = date.fromisoformat(since)
        except ValueError:
            raise InvalidInput(f"{since!r} is not a date (YYYY-MM-DD)", where="--since") from None
    console.print(f"{platform().claims.publish(day)} paid claim(s) handed to the data pool")
