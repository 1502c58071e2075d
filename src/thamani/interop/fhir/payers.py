"""The payers of imported claims as programmes, so the claims can be recorded with their
money: one programme per payer on the import ledger of the claims' currency
(``imported-usd``, shared with the Synthea import), funded by its payer, accrediting every
provider it paid, with a funding source account (the payer's money outside the platform)
from which its fund is topped up for what the claims paid.

Registering is idempotent: the same payers and providers again change nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date

from thamani.errors import Conflict, NotFound
from thamani.interop.rooms import Rooms
from thamani.ledger.codes import AccountCode
from thamani.ledger.ids import derived_id
from thamani.ledger.records import BATCH_MAX, Account
from thamani.money import Currency
from thamani.schemes.documents import ProgrammeDocument

#: Imported programmes pay for care on any date a source may record.
VALID_FROM, VALID_TO = date(1850, 1, 1), date(2199, 12, 31)
#: The one tariff level of an imported programme (its claims are not priced here).
LEVEL = "any"
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """A name as lower-case words joined by dashes (``Blue Cross Blue Shield`` ->
    ``blue-cross-blue-shield``)."""
    return _SLUG.sub("-", name.lower()).strip("-")[:40] or "payer"


def programme_code(payer_reference: str, name: str) -> str:
    """``fhir-``, the payer's name and six hex digits of its party reference
    (``fhir-aetna-1b2c3d``)."""
    tag = hashlib.sha256(payer_reference.encode()).hexdigest()[:6]
    return f"fhir-{slug(name)}-{tag}"


def import_ledger(rooms: Rooms, cur: Currency) -> int:
    """The import ledger of this currency, created the first time."""
    name = f"imported-{cur.code.lower()}"
    known = rooms.ledger.ledgers()
    for info in known:
        if info.name == name:
            return info.ledger
    number = max([99, *(i.ledger for i in known)]) + 1
    rooms.ledger.create_ledger(number, cur.code, name, f"care imported from outside, in {cur.code}")
    return number


def register(
    rooms: Rooms,
    cur: Currency,
    payers: Mapping[str, str],
    providers: Mapping[str, set[str]],
    party_ids: Mapping[str, int],
) -> tuple[dict[str, str], dict[str, int]]:
    """Programmes for ``payers`` (party reference -> name), each accrediting the
    ``providers`` (party references) it paid; returns the programme code of each payer and
    the funding source account of each programme code."""
    ledger = import_ledger(rooms, cur)
    codes: dict[str, str] = {}
    funding: dict[str, int] = {}
    accounts: list[Account] = []
    for ref, name in sorted(payers.items()):
        code = programme_code(ref, name)
        accredited = set(providers.get(ref, set()))
        try:
            old = rooms.schemes.programme(code)
        except NotFound:
            old = None
        if old is not None:
            if old.programme.currency != cur.code:
                raise Conflict(
                    f"programme {code} pays in {old.programme.currency}, not {cur.code}",
                    code="programme_currency",
                )
            accredited |= {a.provider_reference for a in old.providers}
        doc = ProgrammeDocument.model_validate(
            {
                "code": code,
                "name": name[:200],
                "description": "imported from FHIR (claims adjudicated elsewhere)",
                "kind": "insurance",
                "currency": cur.code,
                "valid_from": VALID_FROM,
                "valid_to": VALID_TO,
                "funder": ref,
                "ledger": ledger,
                "levels": [LEVEL],
                "providers": [{"provider": r, "level": LEVEL} for r in sorted(accredited)],
                "benefits": [{"code": "RECORDED", "name": "Care recorded by the source"}],
            }
        )
        rooms.schemes.define(doc, replace_existing=True)
        codes[ref] = code
        account = derived_id("fhir-funding-source", code)
        funding[code] = account
        accounts.append(
            Account(account, ledger, AccountCode.FUNDER_SOURCE, 0, owner_party_id=party_ids[ref])
        )
    for start in range(0, len(accounts), BATCH_MAX):
        results = rooms.ledger.create_accounts(accounts[start : start + BATCH_MAX])
        bad = [r for r in results if not r.recorded]
        if bad:
            raise Conflict(
                f"the ledger refused the import's accounts: {bad[0].value}",
                code="accounts_refused",
            )
    return codes, funding
