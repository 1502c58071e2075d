"""The payers of imported claims as programmes, for every importer (Synthea, FHIR).

Claims decided elsewhere are recorded with their money (``Claims.record``), so each payer
needs a programme on the import ledger of the claims' currency (``imported-usd``, one per
currency, shared by every importer), funded by the payer's party, accrediting every
provider it paid, with a funding source account (the payer's money outside the platform)
from which its fund is topped up for what the claims paid.

Registering is idempotent: the same payers and providers again change nothing (a
programme keeps the providers it accredited before; accounts are found by their derived
ids). A programme that exists in another currency is a ``Conflict``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
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


@dataclass(frozen=True, slots=True)
class PayerProgramme:
    """One payer's programme, as an importer wants it.

    code: the programme's code (each importer has its convention).
    name: the payer's name.
    description: where it came from, for people.
    funder: the payer's party reference.
    funder_id: the payer's party id.
    funding: the namespace of its funding source account's derived id (with ``code``).
    providers: the party references of the providers it paid.
    savings: a savings programme (Synthea's ``NO_INSURANCE``) rather than insurance.
    benefit: the name of its one benefit item.
    """

    code: str
    name: str
    description: str
    funder: str
    funder_id: int
    funding: str
    providers: frozenset[str] = field(default_factory=frozenset)
    savings: bool = False
    benefit: str = "Care recorded by the source"

    @property
    def funding_account(self) -> int:
        return derived_id(self.funding, self.code)


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


def define(rooms: Rooms, cur: Currency, ledger: int, payer: PayerProgramme) -> None:
    """Define (or redefine) one payer's programme, keeping the providers it accredited."""
    accredited = set(payer.providers)
    try:
        old = rooms.schemes.programme(payer.code)
    except NotFound:
        old = None
    if old is not None:
        if old.programme.currency != cur.code:
            raise Conflict(
                f"programme {payer.code} pays in {old.programme.currency}, not {cur.code}",
                code="programme_currency",
            )
        accredited |= {a.provider_reference for a in old.providers}
    doc = ProgrammeDocument.model_validate(
        {
            "code": payer.code,
            "name": payer.name[:200],
            "description": payer.description,
            "kind": "savings" if payer.savings else "insurance",
            "currency": cur.code,
            "valid_from": VALID_FROM,
            "valid_to": VALID_TO,
            "funder": payer.funder,
            "ledger": ledger,
            "levels": [LEVEL],
            "providers": [{"provider": r, "level": LEVEL} for r in sorted(accredited)],
            "benefits": [{"code": "RECORDED", "name": payer.benefit}],
        }
    )
    rooms.schemes.define(doc, replace_existing=True)


def open_accounts(rooms: Rooms, accounts: Sequence[Account]) -> int:
    """Open the accounts (those that exist already are left as they are); returns how
    many were opened now. The ledger refusing one is a ``Conflict``."""
    opened = 0
    for start in range(0, len(accounts), BATCH_MAX):
        results = rooms.ledger.create_accounts(list(accounts[start : start + BATCH_MAX]))
        bad = [r for r in results if not r.recorded]
        if bad:
            raise Conflict(
                f"the ledger refused the import's accounts: {bad[0].value}",
                code="accounts_refused",
            )
        opened += sum(1 for r in results if r.value == "ok")
    return opened


def register(
    rooms: Rooms,
    cur: Currency,
    ledger: int,
    payers: Iterable[PayerProgramme],
    also: Sequence[Account] = (),
) -> tuple[dict[str, int], int]:
    """Programmes for ``payers`` on ``ledger`` (the import ledger of ``cur``,
    ``import_ledger``) and their funding source accounts, opened with the accounts
    ``also``; returns the funding source account of each programme code and how many
    accounts were opened now."""
    funding: dict[str, int] = {}
    accounts: list[Account] = []
    for payer in payers:
        define(rooms, cur, ledger, payer)
        funding[payer.code] = payer.funding_account
        accounts.append(
            Account(
                payer.funding_account,
                ledger,
                AccountCode.FUNDER_SOURCE,
                0,
                owner_party_id=payer.funder_id,
            )
        )
    return funding, open_accounts(rooms, [*accounts, *also])
