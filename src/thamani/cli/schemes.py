"""``thamani programme`` and ``thamani enrol``: programmes from files, enrolment, coverage."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from thamani.cli.common import console, emit_json, friendly, platform
from thamani.errors import InvalidInput
from thamani.ledger.ids import format_id
from thamani.money import format_amount
from thamani.schemes.documents import (
    load_programme_file,
    parse_enrolment,
    read_yaml,
)
from thamani.schemes.records import Coverage, Definition, Programme

app = typer.Typer(help="Programmes: benefit packages, tariffs, providers, enrolment.")


def _programme_json(p: Programme) -> dict[str, Any]:
    return {
        "code": p.code,
        "name": p.name,
        "kind": p.kind.value,
        "currency": p.currency,
        "valid_from": p.valid_from.isoformat(),
        "valid_to": p.valid_to.isoformat(),
        "funder_id": p.funder_id,
        "ledger": p.ledger,
        "fund_account_id": format_id(p.fund_account_id),
        "icd": p.icd.value,
        "version": p.version,
    }


def _coverage_json(c: Coverage) -> dict[str, Any]:
    return {
        "enrolment_id": c.enrolment.id,
        "programme": c.programme_code,
        "member": c.member.reference,
        "name": c.member.name,
        "household": c.household.reference,
        "start": c.enrolment.start.isoformat(),
        "end": c.enrolment.end.isoformat(),
    }


@app.command("load")
@friendly
def load(
    path: Path = typer.Argument(..., help="A programme file (YAML)."),
    replace: bool = typer.Option(False, "--replace", help="Replace an existing definition."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Define a programme from its file; loading the same file again changes nothing.

    A fault (an unknown key, a bad code or amount) names the file and the path in it,
    and nothing is stored.
    """
    doc = load_programme_file(path)
    done = platform().schemes.define(doc, replace_existing=replace)
    p = done.definition.programme
    if as_json:
        emit_json({"outcome": done.outcome.value, "enrolled": done.enrolled, **_programme_json(p)})
        return
    console.print(
        f"programme [bold]{p.code}[/] ({p.name}): {done.outcome.value}, version {p.version}"
    )
    console.print(
        f"  {len(done.definition.items)} benefit items, {len(done.definition.tariff)} prices,"
        f" {len(done.definition.providers)} accredited providers; fund on ledger {p.ledger}:"
        f" {format_id(p.fund_account_id)}"
    )
    if done.enrolled:
        console.print(f"  {done.enrolled} members enrolled")


@app.command("list")
@friendly
def list_programmes(as_json: bool = typer.Option(False, "--json")) -> None:
    """Every programme."""
    found = platform().schemes.programmes()
    if as_json:
        emit_json([_programme_json(p) for p in found])
        return
    table = Table("code", "name", "kind", "currency", "valid", "version")
    for p in found:
        table.add_row(
            p.code,
            p.name,
            p.kind.value,
            p.currency,
            f"{p.valid_from}..{p.valid_to}",
            str(p.version),
        )
    console.print(table)


@app.command("show")
@friendly
def show(code: str, as_json: bool = typer.Option(False, "--json")) -> None:
    """A programme's benefit package and tariff."""
    d: Definition = platform().schemes.programme(code)
    p = d.programme
    if as_json:
        from thamani.schemes.store import encode

        emit_json(
            {
                **_programme_json(p),
                "benefits": [encode(i) for i in d.items],
                "tariff": [encode(t) for t in d.tariff],
                "providers": [encode(a) for a in d.providers],
                "limits": encode(p.limits),
            }
        )
        return
    console.print(f"[bold]{p.code}[/] {p.name} ({p.kind.value}, {p.currency})")
    prices: dict[str, dict[str, int]] = {}
    for t in d.tariff:
        prices.setdefault(t.item_code, {})[t.level] = t.price
    table = Table("item", "name", "kind", *p.levels, "rules")
    for i in d.items:
        rules = []
        if i.preauthorisation:
            rules.append("pre-authorisation")
        if i.max_quantity:
            rules.append(f"max {i.max_quantity.adult}/period")
        if i.min_interval_days:
            rules.append(f"every {i.min_interval_days} days")
        if i.waiting_days.adult or i.waiting_days.child:
            rules.append(f"wait {i.waiting_days.adult}/{i.waiting_days.child} days")
        table.add_row(
            i.code,
            i.name,
            i.kind.value,
            *[
                format_amount(prices[i.code][lv], p.currency, symbol=False)
                if lv in prices.get(i.code, {})
                else "-"
                for lv in p.levels
            ],
            ", ".join(rules),
        )
    console.print(table)


@app.command("coverage")
@friendly
def coverage(
    member: str = typer.Argument(..., help="Member number."),
    on: str | None = typer.Option(None, help="Only cover on this date (YYYY-MM-DD)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """A member's enrolments."""
    day = _date(on, "--on") if on else None
    found = platform().schemes.coverage(member, day)
    if as_json:
        emit_json([_coverage_json(c) for c in found])
        return
    if not found:
        console.print(f"{member} has no cover" + (f" on {day}" if day else ""))
    for c in found:
        console.print(
            f"{c.member.reference} {c.member.name}: {c.programme_code}"
            f" {c.enrolment.start}..{c.enrolment.end} (household {c.household.reference},"
            f" coverage {c.enrolment.id})"
        )


def _date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{text!r} is not a date (YYYY-MM-DD)", where=where) from None


@friendly
def enrol(
    path: Path | None = typer.Argument(
        None, help="An enrolment file (YAML): a programme and its households."
    ),
    programme: str | None = typer.Option(None, help="With --household: the programme."),
    household: str | None = typer.Option(None, help="The household's reference."),
    name: str | None = typer.Option(None, help="The household's name."),
    area: str = typer.Option("", help="Where it lives (county, ward)."),
    start: str | None = typer.Option(None, help="Policy start (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, help="Policy end (YYYY-MM-DD)."),
    member: list[str] = typer.Option(
        [], "--member", help="NUMBER,Full Name,sex,YYYY-MM-DD (repeat for each member)."
    ),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Enrol households in a programme, from a file or one household given inline."""
    if path is not None:
        data = read_yaml(path)
        source = str(path)
    else:
        if not (programme and household and start and end and member):
            raise InvalidInput(
                "give a file, or --programme, --household, --start, --end and --member",
                code="missing_options",
            )
        members = []
        for k, text in enumerate(member):
            parts = [x.strip() for x in text.split(",")]
            if len(parts) != 4:
                raise InvalidInput(
                    f"--member {text!r}: expected NUMBER,Full Name,sex,YYYY-MM-DD",
                    where=f"--member[{k}]",
                )
            members.append(
                {"number": parts[0], "name": parts[1], "sex": parts[2], "birth_date": parts[3]}
            )
        data = {
            "programme": programme,
            "households": [
                {
                    "reference": household,
                    "name": name or household,
                    "area": area,
                    "start": start,
                    "end": end,
                    "members": members,
                }
            ],
        }
        source = "options"
    p = platform()
    code = data.get("programme") if isinstance(data, dict) else None
    currency = "KES"
    if isinstance(code, str):
        found = p.schemes.currency_of(code, None)
        currency = found or currency
    doc = parse_enrolment(data, currency, source)
    done = p.schemes.enrol(doc.programme, doc.households)
    if as_json:
        emit_json(
            {
                "households": done.households,
                "members_enrolled": done.members_enrolled,
                "members_created": done.members_created,
            }
        )
        return
    console.print(
        f"{done.households} household(s): {done.members_enrolled} member enrolment(s),"
        f" {done.members_created} new member(s)"
    )
