"""The Synthea import use case: ``thamani import synthea DIR``.

1. **Read and check everything** (``read_export``): every table is read by header name,
   every cell parsed, every id resolved. A fault anywhere is ``InvalidInput`` naming the
   file, the row and the column, and nothing has been written.
2. **Register who is involved** (idempotent): the parties (patients, organisations,
   payers), the import's ledger (one per currency, ``imported-usd``), a programme per payer
   accrediting the organisations it paid and its funding source account
   (``thamani.interop.payers``, shared with the FHIR import), and each patient's own
   account.
3. **Write the data in the transaction that moves its money** (``Claims.record``):
   households and members, enrolments, the clinical record and the historical claims,
   with the claims' payments on the ledger, in one transaction per ledger batch of claims
   (a 27-patient export is one). Everything is keyed by Synthea's ids, so importing the
   same files again changes nothing, and an import cut short is completed by running it
   again.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from thamani.claims.history import HistoricalClaim, Recorded
from thamani.clinical.records import ClinicalBatch, Kind, Stored
from thamani.db.engine import write_transaction
from thamani.errors import Conflict, Forbidden, InvalidInput
from thamani.interop import payers
from thamani.interop.rooms import Progress, Rooms
from thamani.interop.synthea import reading
from thamani.interop.synthea.claims import read_claims, read_lines
from thamani.interop.synthea.clinical import Visit, read_encounters, read_linked
from thamani.interop.synthea.columns import NOT_IMPORTED, TABLES
from thamani.interop.synthea.people import (
    People,
    Period,
    household_reference,
    payer_reference,
    read_people,
    read_periods,
)
from thamani.interop.synthea.reading import Sheet
from thamani.ledger.codes import AccountCode
from thamani.ledger.records import Account
from thamani.money import Currency, currency
from thamani.parties import store as party_store
from thamani.parties.records import Actor, PartyKind, Scope
from thamani.schemes import store as scheme_store
from thamani.schemes.documents import HouseholdIn, MemberIn
from thamani.schemes.enrolment import enrol_many
from thamani.schemes.records import Member


@dataclass(slots=True)
class Export:
    """A Synthea export as read and checked, party ids still local numbers.

    directory: where it was read from.
    currency: the currency of its amounts.
    rows: rows read per table.
    people: patients, organisations, practitioners, payers.
    periods: cover periods.
    clinical: the clinical record.
    claims: the historical claims.
    """

    directory: Path
    currency: Currency
    rows: dict[str, int]
    people: People
    periods: list[Period]
    clinical: ClinicalBatch
    claims: list[HistoricalClaim]


@dataclass(frozen=True, slots=True)
class Summary:
    """What an import did.

    directory, currency: what was imported.
    rows: rows read per table.
    added: records written now, per kind (``patients``, ``encounters``, ``claims``...).
    unchanged: records found already stored, per kind.
    money: the claims' totals in the files, minor units: ``charged``, ``payer_paid``,
        ``patient_paid``, ``outstanding``.
    transfers: ledger transfers made now.
    not_imported: tables present but not imported.
    seconds: how long it took.
    """

    directory: str
    currency: str
    rows: dict[str, int]
    added: dict[str, int]
    unchanged: dict[str, int]
    money: dict[str, int]
    transfers: int
    not_imported: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def resources(self) -> int:
        """Rows read, all tables together (the benchmark's unit)."""
        return sum(self.rows.values())


def read_export(directory: Path, cur: Currency, progress: Progress | None = None) -> Export:
    """Read and check every table (nothing is written)."""
    if not directory.is_dir():
        raise InvalidInput(f"{directory} is not a directory", code="not_a_directory")
    say = progress or (lambda _s, _d, _t: None)
    sheets: dict[str, Sheet | None] = {}
    names = list(TABLES)
    for k, name in enumerate(names):
        path = reading.find(directory, name)
        sheets[name] = reading.read(path, name) if path is not None else None
        say(f"read {name}", k + 1, len(names))
    patients = sheets["patients"]
    if patients is None:
        raise InvalidInput(
            f"{directory} has no patients.csv: is it a Synthea CSV export?",
            code="missing_file",
            where=str(directory / "patients.csv"),
        )
    people = read_people(patients, sheets["organizations"], sheets["providers"], sheets["payers"])
    encounters, visits = read_encounters(people, sheets["encounters"], cur)
    clinical = read_linked(people, sheets, visits, cur)
    clinical = ClinicalBatch(encounters, clinical.linked)
    transitions = sheets["payer_transitions"]
    periods = (
        read_periods(people, transitions)
        if transitions is not None
        else _periods_of(visits, people)
    )
    txs = sheets["claims_transactions"]
    lines = read_lines(txs, cur) if txs is not None else None
    claims_sheet = sheets["claims"]
    claims = read_claims(people, claims_sheet, visits, lines, cur) if claims_sheet else []
    rows = {name: len(s) for name, s in sheets.items() if s is not None}
    return Export(directory, cur, rows, people, periods, clinical, claims)


def _periods_of(visits: dict[str, Visit], people: People) -> list[Period]:
    """Without payer_transitions: each patient (with a birth date, so a member) covered by
    each payer of their encounters from the first such encounter to the last."""
    span: dict[tuple[str, str], tuple[date, date]] = {}
    for v in visits.values():
        if not v.payer_code or people.patients[v.patient].birth_date is None:
            continue
        key = (v.patient, v.payer_code)
        end = v.stop or v.start
        a, b = span.get(key, (v.start, end))
        span[key] = (min(a, v.start), max(b, end))
    return [Period(p, c, a, b) for (p, c), (a, b) in sorted(span.items())]


class SyntheaImport:
    """Imports Synthea CSV exports through the platform's rooms."""

    def __init__(self, rooms: Rooms) -> None:
        self.rooms = rooms

    def run(
        self,
        directory: Path,
        *,
        currency_code: str = "USD",
        actor: Actor | None = None,
        progress: Progress | None = None,
    ) -> Summary:
        """Import one export directory (see the module's docstring)."""
        if actor is not None and not actor.has(Scope.INTEROP_ADMIN):
            raise Forbidden("this token lacks the scope interop:admin", code="missing_scope")
        began = time.perf_counter()
        cur = currency(currency_code)
        say = progress or (lambda _s, _d, _t: None)
        data = read_export(directory, cur, progress)
        say("parties", 0, 1)
        ids, new_parties = self._parties(data)
        say("parties", 1, 1)
        funding, accounts = self._payers(data, ids)
        say("programmes", 1, 1)
        claims = [replace(c, provider_id=ids[c.provider_id]) for c in data.claims]
        written: dict[str, Any] = {}

        def write(conn: Connection) -> None:
            written["members"] = self._members(conn, data, ids)
            written["enrolments"] = self._enrolments(conn, data)
            written["clinical"] = self.rooms.clinical.store_in(conn, _real(data.clinical, ids))

        total = len(claims)
        done = [0]

        def step(n: int) -> None:
            done[0] += n
            say("claims", done[0], total)

        recorded = self.rooms.claims.record(claims, funding=funding, also=write, progress=step)
        return _summary(data, new_parties, written, recorded, accounts, time.perf_counter() - began)

    # -- registering ---------------------------------------------------------------------

    def _parties(self, data: Export) -> tuple[list[int], dict[str, int]]:
        """The store's party ids in local order (index 0 unused), creating missing ones;
        and how many of each kind were created."""
        wanted = data.people.parties.wanted
        refs = [r for _, r, _ in wanted]
        with write_transaction(self.rooms.engine) as conn:
            found = party_store.parties_by_reference(conn, refs)
            for kind, ref, _name in wanted:
                p = found.get(ref)
                if p is not None and p.kind is not kind:
                    raise Conflict(
                        f"party {ref} exists as a {p.kind.value}, not a {kind.value}",
                        code="party_kind_mismatch",
                    )
            missing = [(k, n, r) for k, r, n in wanted if r not in found]
            party_store.insert_parties(conn, missing, self.rooms.clock.now_ns())
            if missing:
                found = party_store.parties_by_reference(conn, refs)
        made: dict[str, int] = {}
        for kind, _n, _r in missing:
            made[kind.value] = made.get(kind.value, 0) + 1
        return [0, *(found[r].id for r in refs)], made

    def _payers(self, data: Export, ids: list[int]) -> tuple[dict[str, int], int]:
        """A programme per payer on the import ledger, accrediting every organisation it
        paid (and those it accredited already), with its funding source (its payer's money
        outside the platform), and each paying patient's own account; returns the sources
        by programme code and how many accounts were opened."""
        accredit: dict[str, set[str]] = {}
        for c in data.claims:
            accredit.setdefault(c.programme, set()).add(c.provider_reference)
            if c.secondary_programme:
                accredit.setdefault(c.secondary_programme, set()).add(c.provider_reference)
        ledger = payers.import_ledger(self.rooms, data.currency)
        wanted = [
            payers.PayerProgramme(
                code=payer.code,
                name=payer.name,
                description=f"imported from Synthea payer {payer.source_id}",
                funder=payer_reference(payer.source_id),
                funder_id=ids[payer.party],
                funding="synthea-funding-source",
                providers=frozenset(accredit.get(payer.code, set())),
                savings=payer.savings,
                benefit="Care recorded by the source (not priced)",
            )
            for payer in data.people.payers.values()
        ]
        paying = {c.member: c.patient_account_id for c in data.claims if c.patient_account_id
                  and any(x.patient_paid for x in c.lines)}  # fmt: skip
        wallets = [
            Account(
                acct,
                ledger,
                AccountCode.PATIENT_WALLET,
                0,
                owner_party_id=ids[data.people.patients[sid].party],
            )
            for sid, acct in sorted(paying.items())
        ]
        return payers.register(self.rooms, data.currency, ledger, wanted, wallets)

    # -- the data ------------------------------------------------------------------------

    def _members(self, conn: Connection, data: Export, ids: list[int]) -> int:
        """A household and a member for every patient (the member number is Synthea's
        patient id); returns how many members were made."""
        now = self.rooms.clock.now_ns()
        pats = [p for p in data.people.patients.values() if p.birth_date is not None]
        refs = [household_reference(p.source_id) for p in pats]
        homes = scheme_store.households_by_reference(conn, refs)
        missing = [
            (household_reference(p.source_id), p.family, p.area)
            for p in pats
            if household_reference(p.source_id) not in homes
        ]
        if missing:
            scheme_store.insert_households(conn, missing, now)
            homes = scheme_store.households_by_reference(conn, refs)
        known = scheme_store.members_by_reference(conn, [p.source_id for p in pats])
        new = []
        for p in pats:
            assert p.birth_date is not None
            home = homes[household_reference(p.source_id)].id
            m = known.get(p.source_id)
            if m is None:
                new.append(Member(0, home, p.source_id, p.name, p.sex, p.birth_date, ids[p.party]))
            elif (m.household_id, m.name, m.sex, m.birth_date) != (
                home,
                p.name,
                p.sex,
                p.birth_date,
            ):
                raise Conflict(
                    f"member {p.source_id} is registered already with other details"
                    f" ({m.name}, {m.sex.value}, born {m.birth_date})",
                    code="member_mismatch",
                    where=f"patients.csv, patient {p.source_id}",
                )
        scheme_store.insert_members(conn, new, now)
        return len(new)

    def _enrolments(self, conn: Connection, data: Export) -> int:
        now = self.rooms.clock.now_ns()
        pats = data.people.patients
        by_code: dict[str, dict[tuple[str, date], HouseholdIn]] = {}
        for period in data.periods:
            p = pats[period.patient]
            assert p.birth_date is not None
            key = (p.source_id, period.start)
            households = by_code.setdefault(period.code, {})
            old = households.get(key)
            end = max(period.end, old.end) if old is not None else period.end
            households[key] = HouseholdIn(
                reference=household_reference(p.source_id),
                name=p.family,
                area=p.area,
                start=period.start,
                end=end,
                members=[
                    MemberIn(number=p.source_id, name=p.name, sex=p.sex, birth_date=p.birth_date)
                ],
            )
        made = 0
        for code, households in sorted(by_code.items()):
            programme = scheme_store.programme_by_code(conn, code)
            assert programme is not None
            made += enrol_many(conn, programme, list(households.values()), now)[0]
        return made


def _real(batch: ClinicalBatch, ids: Sequence[int]) -> ClinicalBatch:
    """The batch with the store's party ids for the local numbers."""

    def fix(r: Any) -> Any:
        values: dict[str, Any] = {"patient_id": ids[r.patient_id]}
        for f in ("facility_id", "payer_id"):
            v = getattr(r, f, None)
            if v:
                values[f] = ids[v]
        return r._replace(**values)

    return ClinicalBatch(
        [fix(e) for e in batch.encounters], [(fix(r), ref) for r, ref in batch.linked]
    )


_KIND_NAMES = {
    Kind.ENCOUNTER: "encounters",
    Kind.CONDITION: "conditions",
    Kind.OBSERVATION: "observations",
    Kind.MEDICATION: "medications",
    Kind.PROCEDURE: "procedures",
    Kind.IMMUNIZATION: "immunizations",
    Kind.ALLERGY: "allergies",
    Kind.CARE_PLAN: "care_plans",
}


def _summary(
    data: Export,
    parties: dict[str, int],
    written: dict[str, Any],
    recorded: Recorded,
    accounts: int,
    seconds: float,
) -> Summary:
    stored: Stored = written["clinical"]
    people = data.people
    added: dict[str, int] = {
        "patients": parties.get(PartyKind.PATIENT.value, 0),
        "organizations": parties.get(PartyKind.PROVIDER.value, 0),
        "payers": parties.get(PartyKind.PAYER.value, 0),
        "members": written["members"],
        "enrolments": written["enrolments"],
        "accounts": accounts,
    }
    unchanged: dict[str, int] = {
        "patients": len(people.patients) - added["patients"],
        "organizations": len(people.organisations) - added["organizations"],
        "payers": len(people.payers) - added["payers"],
    }
    for kind, name in _KIND_NAMES.items():
        added[name] = stored.added[kind]
        unchanged[name] = stored.unchanged[kind]
    added["claims"] = recorded.added
    unchanged["claims"] = recorded.unchanged
    lines = [x for c in data.claims for x in c.lines]
    money = {
        "charged": sum(x.charged for x in lines),
        "payer_paid": sum(x.payer_paid + x.secondary_paid for x in lines),
        "patient_paid": sum(x.patient_paid for x in lines),
        "outstanding": sum(x.outstanding for x in lines),
    }
    present = [n for n in NOT_IMPORTED if reading.find(data.directory, n) is not None]
    return Summary(
        str(data.directory), data.currency.code, data.rows, added, unchanged, money,
        recorded.transfers, present, seconds,
    )  # fmt: skip
