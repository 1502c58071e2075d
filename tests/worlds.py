"""A small county for the claims tests: two programmes, three facilities, two households.

``build(platform, clock)`` sets the clock to 15 June 2025, registers the parties the
example programme files name, loads both files, funds both programmes and enrols:

- household HH-LM-1 in linda-mama (2025): Akinyi (LM-1, woman, born 1996) and Otieno
  (LM-2, man, born 1994);
- household HH-NI-1 in national-insurance (2025): Wanjiru (NI-1, woman, 1985), Kamau
  (NI-2, man, 1983) and Njeri (NI-3, girl, 2015).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from thamani.claims.records import (
    ClaimInput,
    ClaimUse,
    Diagnosis,
    Encounter,
    LineInput,
)
from thamani.clock import ManualClock
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import new_id
from thamani.ledger.records import Account, Transfer
from thamani.parties.records import Party, PartyKind
from thamani.platform import Platform
from thamani.schemes.documents import load_programme_file, parse_enrolment
from thamani.schemes.records import CareType, Definition, EncounterClass

TODAY = datetime(2025, 6, 15, 9, tzinfo=UTC)
FUNDING = 10_000_000_00


def example(name: str) -> Path:
    return Path(str(resources.files("thamani.schemes").joinpath(f"examples/{name}.yaml")))


@dataclass
class World:
    """Everything a claims test needs, by name."""

    p: Platform
    clock: ManualClock
    donor: Party
    insurer: Party
    kcrh: Party
    nyalenda: Party
    kondele: Party
    outsider: Party
    lm: Definition
    ni: Definition

    def fund(self, code: str) -> int:
        d = self.lm if code == "linda-mama" else self.ni
        return self.p.ledger.account(d.programme.fund_account_id).balance

    def receivable(self, code: str, provider: Party) -> int:
        d = self.lm if code == "linda-mama" else self.ni
        acct = next(a for a in d.providers if a.provider_id == provider.id)
        return self.p.ledger.account(acct.receivable_account_id).balance


def build(p: Platform, clock: ManualClock) -> World:
    clock.set(int(TODAY.timestamp() * 1e9))
    donor = p.parties.create(PartyKind.PAYER, "Mama Bora Fund", "mama-bora-fund")
    insurer = p.parties.create(PartyKind.PAYER, "National Health Fund", "national-health-fund")
    kcrh = p.parties.create(PartyKind.PROVIDER, "Kisumu County Referral Hospital", "kcrh")
    nyalenda = p.parties.create(PartyKind.PROVIDER, "Nyalenda Health Centre", "nyalenda-hc")
    kondele = p.parties.create(PartyKind.PROVIDER, "Kondele Dispensary", "kondele-disp")
    outsider = p.parties.create(PartyKind.PROVIDER, "Unaccredited Clinic", "back-street")
    lm = p.schemes.define(load_programme_file(example("linda-mama"))).definition
    ni = p.schemes.define(load_programme_file(example("national-insurance"))).definition
    for d in (lm, ni):
        prog = d.programme
        source = new_id()
        p.ledger.create_accounts(
            [Account(source, prog.ledger, AccountCode.FUNDER_SOURCE, owner_party_id=prog.funder_id)]
        )
        p.ledger.create_transfers(
            [
                Transfer(
                    new_id(),
                    source,
                    prog.fund_account_id,
                    FUNDING,
                    prog.ledger,
                    TransferCode.FUNDING,
                )
            ]
        )
    p.schemes.enrol(
        "linda-mama",
        parse_enrolment(
            {
                "programme": "linda-mama",
                "households": [
                    {
                        "reference": "HH-LM-1",
                        "name": "Odhiambo",
                        "area": "Kisumu East",
                        "start": "2025-01-01",
                        "end": "2025-12-31",
                        "members": [
                            {
                                "number": "LM-1",
                                "name": "Akinyi Odhiambo",
                                "sex": "female",
                                "birth_date": "1996-03-14",
                            },
                            {
                                "number": "LM-2",
                                "name": "Otieno Odhiambo",
                                "sex": "male",
                                "birth_date": "1994-01-09",
                            },
                        ],
                    }
                ],
            }
        ).households,
    )
    p.schemes.enrol(
        "national-insurance",
        parse_enrolment(
            {
                "programme": "national-insurance",
                "households": [
                    {
                        "reference": "HH-NI-1",
                        "name": "Kamau",
                        "area": "Nyando",
                        "start": "2025-01-01",
                        "end": "2025-12-31",
                        "members": [
                            {
                                "number": "NI-1",
                                "name": "Wanjiru Kamau",
                                "sex": "female",
                                "birth_date": "1985-05-02",
                            },
                            {
                                "number": "NI-2",
                                "name": "Kamau Mwangi",
                                "sex": "male",
                                "birth_date": "1983-11-20",
                            },
                            {
                                "number": "NI-3",
                                "name": "Njeri Kamau",
                                "sex": "female",
                                "birth_date": "2015-08-30",
                            },
                        ],
                    }
                ],
            }
        ).households,
    )
    return World(p, clock, donor, insurer, kcrh, nyalenda, kondele, outsider, lm, ni)


def claim(
    member: str,
    provider: str,
    lines: list[tuple[str, int] | tuple[str, int, int]] | list[str],
    *,
    programme: str | None = None,
    day: date = date(2025, 6, 10),
    dx: tuple[str, ...] = ("B54",),
    cls: EncounterClass = EncounterClass.OUTPATIENT,
    care: CareType = CareType.NORMAL,
    use: ClaimUse = ClaimUse.CLAIM,
    end: date | None = None,
    reference: str | None = None,
    preauth: int = 0,
    **extra: Any,
) -> ClaimInput:
    """A claim in a line: ``lines`` are codes, or (code, quantity[, unit price])."""
    out = []
    for k, x in enumerate(lines, 1):
        if isinstance(x, str):
            out.append(LineInput(k, x, 1, 100_00))
        else:
            out.append(LineInput(k, x[0], x[1], x[2] if len(x) > 2 else 100_00))
    return ClaimInput(
        use=use,
        provider=provider,
        member=member,
        encounter=Encounter(
            cls,
            care,
            day,
            end,
            None,
            tuple(Diagnosis(d, k == 0) for k, d in enumerate(dx)),
            **extra,
        ),
        lines=tuple(out),
        programme=programme,
        reference=reference,
        preauth_id=preauth,
    )
