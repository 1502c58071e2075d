"""The tabular export use case: ``thamani export csv DIR`` and ``thamani export parquet DIR``.

Writes the store's patients (members), organisations, payers (one per programme), cover
(enrolments), clinical record and claims as Synthea-layout tables (see ``layout``), one
file per table, read from one consistent snapshot of the store. ``thamani import
synthea`` reads an export back: exporting, importing into a fresh store and exporting
again gives the same files.

Claims exported: paid, billed and valuated claims (rejected claims, claims in review,
pre-authorisations and reversed claims are not). A claim's lines become Synthea's
transactions: the charge, the primary payer's payment, the secondary payer's (after a
transfer), the patient's (after a transfer), the last carrying what is outstanding.

Amounts are written in one currency: the store's only one, or the one asked for; claims
in other currencies are left out and other currencies' amounts in the clinical record are
left empty (both counted in the summary).

With a ``Pseudonymiser`` (``--pseudonymise``), patient ids become the data pool's keyed
pseudonyms (the same as in the pool), names are dropped and birth dates keep their year.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from thamani.claims import store as claim_store
from thamani.claims.records import Claim, ClaimStatus, ClaimUse
from thamani.clinical import store as clinical_store
from thamani.clinical import systems
from thamani.clinical.records import (
    Allergy,
    CarePlan,
    Condition,
    Encounter,
    Immunization,
    Kind,
    Medication,
    Observation,
    Procedure,
    Record,
)
from thamani.db.engine import read_transaction
from thamani.errors import InvalidInput
from thamani.interop.rooms import Progress, Rooms
from thamani.interop.tabular import files
from thamani.interop.tabular.layout import HEADERS, Row, amount, day, text, when
from thamani.money import Currency, currency
from thamani.parties import store as party_store
from thamani.parties.records import Party
from thamani.pool.pseudonym import Pseudonymiser
from thamani.schemes import store as scheme_store
from thamani.schemes.records import IcdEdition, Programme, Sex

_SEX = {Sex.MALE: "M", Sex.FEMALE: "F"}
_EXPORTED = (ClaimStatus.PAID, ClaimStatus.BILLED, ClaimStatus.VALUATED)
_PAGE = 10_000


@dataclass(frozen=True, slots=True)
class ExportSummary:
    """What an export wrote.

    directory: where.
    format: ``csv`` or ``parquet``.
    currency: the currency of its amounts.
    rows: rows written per table.
    files: the files written.
    claims_left_out: claims in another currency.
    amounts_left_out: clinical amounts in another currency, written empty.
    pseudonymised: patient ids are pseudonyms.
    seconds: how long it took.
    """

    directory: str
    format: str
    currency: str
    rows: dict[str, int]
    files: list[str] = field(default_factory=list)
    claims_left_out: int = 0
    amounts_left_out: int = 0
    pseudonymised: bool = False
    seconds: float = 0.0


def _strip(reference: str | None, prefix: str) -> str | None:
    if reference is None:
        return None
    return reference[len(prefix) :] if reference.startswith(prefix) else reference


class TabularExport:
    """Exports the store as Synthea-layout tables."""

    def __init__(self, rooms: Rooms) -> None:
        self.rooms = rooms

    def run(
        self,
        directory: Path,
        fmt: str = "csv",
        *,
        currency_code: str | None = None,
        pseudonymiser: Pseudonymiser | None = None,
        progress: Progress | None = None,
    ) -> ExportSummary:
        if fmt not in files.FORMATS:
            raise InvalidInput(f"unknown format {fmt!r}; known: csv, parquet", where="format")
        began = time.perf_counter()
        say = progress or (lambda _s, _d, _t: None)
        with read_transaction(self.rooms.engine) as conn:
            tables, cur, left_claims, left_amounts = _Snapshot(
                conn, currency_code, pseudonymiser
            ).tables(say)
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        for k, (name, rows) in enumerate(tables.items()):
            written.append(str(files.write(directory, name, HEADERS[name], rows, fmt)))
            say("write", k + 1, len(tables))
        return ExportSummary(
            str(directory), fmt, cur.code, {n: len(r) for n, r in tables.items()}, written,
            left_claims, left_amounts, pseudonymiser is not None, time.perf_counter() - began,
        )  # fmt: skip


class _Snapshot:
    """The store read once, and the tables made from it."""

    def __init__(
        self, conn: Connection, currency_code: str | None, pseudonymiser: Pseudonymiser | None
    ) -> None:
        self.conn = conn
        self.pseudo = pseudonymiser
        self.parties: dict[int, Party] = {p.id: p for p in party_store.list_parties(conn)}
        self.members = scheme_store.all_members(conn)
        self.by_party = {m.party_id: m for m in self.members if m.party_id is not None}
        self.by_number = {m.reference: m for m in self.members}
        self.homes = scheme_store.households_by_id(conn, {m.household_id for m in self.members})
        self.programmes: dict[int, Programme] = {
            p.id: p for p in scheme_store.list_programmes(conn)
        }
        self.by_code = {p.code: p for p in self.programmes.values()}
        self.records: dict[Kind, list[Record]] = {k: self._all(k) for k in Kind}
        self.claims = self._claims()
        self.currency = self._currency(currency_code)
        self.left_amounts = 0

    # -- reading -------------------------------------------------------------------------

    def _all(self, kind: Kind) -> list[Record]:
        out: list[Record] = []
        after = 0
        while True:
            page = clinical_store.page(self.conn, kind, after, _PAGE)
            out.extend(page)
            if len(page) < _PAGE:
                return out
            after = page[-1].id

    def _claims(self) -> list[Claim]:
        out: list[Claim] = []
        after = 0
        while True:
            page = claim_store.search(self.conn, after=after, limit=1000)
            out.extend(c for c in page if c.use is ClaimUse.CLAIM and c.status in _EXPORTED)
            if len(page) < 1000:
                return out
            after = page[-1].no

    def _currency(self, code: str | None) -> Currency:
        if code is not None:
            return currency(code)
        seen = {c.currency for c in self.claims}
        for kind in (Kind.ENCOUNTER, Kind.MEDICATION, Kind.PROCEDURE, Kind.IMMUNIZATION):
            seen |= {str(getattr(r, "currency", "")) for r in self.records[kind]}
        seen.discard("")
        seen.discard("None")
        seen.discard("XXX")
        if len(seen) > 1:
            raise InvalidInput(
                f"the store holds amounts in {', '.join(sorted(seen))}: export one currency"
                " at a time (--currency)",
                code="several_currencies",
                where="currency",
            )
        return currency(seen.pop() if seen else "USD")

    # -- ids -----------------------------------------------------------------------------

    def patient(self, party_id: int) -> str:
        m = self.by_party.get(party_id)
        if self.pseudo is not None:
            return self.pseudo.member(party_id)
        if m is not None:
            return m.reference
        p = self.parties.get(party_id)
        return _strip(p.reference if p else None, "member:") or f"party-{party_id}"

    def member(self, number: str) -> str:
        m = self.by_number.get(number)
        if self.pseudo is None:
            return number
        if m is not None and m.party_id is not None:
            return self.pseudo.member(m.party_id)
        return self.pseudo.of("member-number", number)

    def organisation(self, party_id: int | None) -> str:
        if party_id is None:
            return ""
        p = self.parties.get(party_id)
        return _strip(p.reference if p else None, "synthea-org:") or f"party-{party_id}"

    def payer_of_programme(self, p: Programme) -> str:
        funder = self.parties.get(p.funder_id)
        ref = funder.reference if funder else None
        if ref is not None and ref.startswith("synthea-payer:"):
            return ref[len("synthea-payer:") :]
        return p.code

    def payer(self, party_id: int | None) -> str:
        if party_id is None:
            return ""
        funded = sorted(
            (p for p in self.programmes.values() if p.funder_id == party_id), key=lambda p: p.code
        )
        return self.payer_of_programme(funded[0]) if funded else f"party-{party_id}"

    def money(self, minor: int | None, code: str | None) -> str:
        if minor is None:
            return ""
        if code != self.currency.code:
            self.left_amounts += 1
            return ""
        return amount(minor, self.currency)

    # -- tables --------------------------------------------------------------------------

    def tables(self, say: Progress) -> tuple[dict[str, list[Row]], Currency, int, int]:
        encounters = {e.id: e for e in self.records[Kind.ENCOUNTER]}
        claims = [c for c in self.claims if c.currency == self.currency.code]
        out: dict[str, list[Row]] = {}
        steps: list[tuple[str, Callable[[], list[Row]]]] = [
            ("patients", lambda: self._patients(claims)),
            ("organizations", lambda: self._organisations(claims)),
            ("payers", self._payers),
            ("payer_transitions", self._transitions),
            ("encounters", self._encounters),
            ("conditions", lambda: self._linked(Kind.CONDITION, encounters)),
            ("observations", lambda: self._linked(Kind.OBSERVATION, encounters)),
            ("medications", lambda: self._linked(Kind.MEDICATION, encounters)),
            ("procedures", lambda: self._linked(Kind.PROCEDURE, encounters)),
            ("immunizations", lambda: self._linked(Kind.IMMUNIZATION, encounters)),
            ("allergies", lambda: self._linked(Kind.ALLERGY, encounters)),
            ("careplans", lambda: self._linked(Kind.CARE_PLAN, encounters)),
        ]
        for k, (name, make) in enumerate(steps):
            out[name] = sorted(make(), key=_order(name))
            say("read", k + 1, len(steps) + 1)
        out["claims"], out["claims_transactions"] = self._claim_tables(claims)
        say("read", len(steps) + 1, len(steps) + 1)
        return out, self.currency, len(self.claims) - len(claims), self.left_amounts

    def _patients(self, claims: list[Claim]) -> list[Row]:
        rows: dict[str, Row] = {}
        for m in self.members:
            first, _, last = m.name.partition(" ")
            home = self.homes.get(m.household_id)
            born = m.birth_date
            if self.pseudo is not None:
                first = last = ""
                born = date(born.year, 1, 1)
            pid = self.patient(m.party_id) if m.party_id is not None else self.member(m.reference)
            rows[pid] = {
                "Id": pid, "BIRTHDATE": day(born), "FIRST": first, "LAST": last,
                "GENDER": _SEX.get(m.sex, ""), "COUNTY": home.area if home else "",
            }  # fmt: skip
        for kind in Kind:
            for r in self.records[kind]:
                pid = self.patient(r.patient_id)
                if pid not in rows:
                    p = self.parties.get(r.patient_id)
                    first, _, last = (p.name if p and not self.pseudo else "").partition(" ")
                    rows[pid] = {"Id": pid, "FIRST": first, "LAST": last}
        for c in claims:
            pid = self.member(c.member_ref)
            rows.setdefault(pid, {"Id": pid})
        return list(rows.values())

    def _organisations(self, claims: list[Claim]) -> list[Row]:
        ids = {e.facility_id for e in self.records[Kind.ENCOUNTER] if e.facility_id}  # type: ignore[union-attr]
        ids |= {c.provider_id for c in claims}
        return [
            {"Id": self.organisation(i), "NAME": self.parties[i].name}
            for i in ids
            if i in self.parties
        ]

    def _payers(self) -> list[Row]:
        rows: dict[str, Row] = {}
        for p in self.programmes.values():
            pid = self.payer_of_programme(p)
            rows.setdefault(pid, {"Id": pid, "NAME": p.name})
        return list(rows.values())

    def _transitions(self) -> list[Row]:
        members = {m.id: m for m in self.members}
        out = []
        for e in scheme_store.all_enrolments(self.conn):
            m = members[e.member_id]
            out.append(
                {
                    "PATIENT": self.member(m.reference),
                    "START_YEAR": day(e.start),
                    "END_YEAR": day(date.fromordinal(e.end.toordinal() + 1)),
                    "PAYER": self.payer_of_programme(self.programmes[e.programme_id]),
                }
            )
        return out

    def _encounters(self) -> list[Row]:
        out = []
        for e in self.records[Kind.ENCOUNTER]:
            assert isinstance(e, Encounter)
            out.append({
                "Id": e.source_id, "START": when(e.start), "STOP": when(e.stop),
                "PATIENT": self.patient(e.patient_id),
                "ORGANIZATION": self.organisation(e.facility_id),
                "PROVIDER": text(e.practitioner), "PAYER": self.payer(e.payer_id),
                "ENCOUNTERCLASS": e.encounter_class, "CODE": e.code, "SYSTEM": e.system,
                "DESCRIPTION": e.display,
                "BASE_ENCOUNTER_COST": self.money(e.base_cost, e.currency),
                "TOTAL_CLAIM_COST": self.money(e.total_cost, e.currency),
                "PAYER_COVERAGE": self.money(e.payer_coverage, e.currency),
                **_reason(e),
            })  # fmt: skip
        return out

    def _linked(self, kind: Kind, encounters: dict[int, Record]) -> list[Row]:
        out = []
        for r in self.records[kind]:
            enc = encounters.get(r.encounter_id) if r.encounter_id else None  # type: ignore[union-attr]
            row: Row = {
                "PATIENT": self.patient(r.patient_id),
                "ENCOUNTER": enc.source_id if enc else "",
                "CODE": r.code, "SYSTEM": r.system, "DESCRIPTION": r.display,
            }  # fmt: skip
            row.update(self._fields(r))
            out.append(row)
        return out

    def _fields(self, r: Record) -> Row:
        if isinstance(r, Condition):
            return {"START": day(r.onset), "STOP": day(r.abatement)}
        if isinstance(r, Observation):
            return {"DATE": when(r.at), "CATEGORY": text(r.category), "VALUE": text(r.value),
                    "UNITS": text(r.unit), "TYPE": r.value_type.value}  # fmt: skip
        if isinstance(r, Medication):
            return {"START": when(r.start), "STOP": when(r.stop), "PAYER": self.payer(r.payer_id),
                    "BASE_COST": self.money(r.base_cost, r.currency),
                    "PAYER_COVERAGE": self.money(r.payer_coverage, r.currency),
                    "DISPENSES": str(r.dispenses),
                    "TOTALCOST": self.money(r.total_cost, r.currency), **_reason(r)}  # fmt: skip
        if isinstance(r, Procedure):
            return {"START": when(r.start), "STOP": when(r.stop),
                    "BASE_COST": self.money(r.base_cost, r.currency), **_reason(r)}  # fmt: skip
        if isinstance(r, Immunization):
            return {"DATE": when(r.at), "BASE_COST": self.money(r.base_cost, r.currency)}
        if isinstance(r, Allergy):
            row = {"START": day(r.start), "STOP": day(r.stop), "TYPE": text(r.allergy_type),
                   "CATEGORY": text(r.category)}  # fmt: skip
            for k, x in enumerate(r.reactions[:2], start=1):
                row |= {f"REACTION{k}": x.code, f"DESCRIPTION{k}": x.display,
                        f"SEVERITY{k}": text(x.severity)}  # fmt: skip
            return row
        assert isinstance(r, CarePlan)
        return {"Id": r.source_id, "START": day(r.start), "STOP": day(r.stop), **_reason(r)}

    def _claim_tables(self, claims: list[Claim]) -> tuple[list[Row], list[Row]]:
        head: list[Row] = []
        txs: list[Row] = []
        charge = 0
        cur = self.currency
        rows = []
        for c in claims:
            raw = claim_store.input_of(self.conn, c.no)
            rows.append((c.reference or str(c.id), c, raw))
        rows.sort(key=lambda x: x[0])
        for cid, c, raw in rows:
            h = raw.history
            p = self.programmes.get(c.programme_id)
            icd = systems.ICD_10_CM if p and p.icd is IcdEdition.CM else systems.ICD_10
            dx = c.encounter.diagnoses[:8]
            second = (
                self.by_code.get(h.secondary_programme) if h and h.secondary_programme else None
            )
            status = h.status if h else ("CLOSED//CLOSED" if c.status is ClaimStatus.PAID
                                          else "BILLED//BILLED")  # fmt: skip
            s1, s2, sp = [*status.split("/"), "", "", ""][:3]
            patient = self.member(c.member_ref)
            row: Row = {
                "Id": cid, "PATIENTID": patient, "PROVIDERID": text(c.encounter.practitioner),
                "ORGANIZATION": self.organisation(c.provider_id),
                "PRIMARYPATIENTINSURANCEID": self.payer_of_programme(p) if p else "0",
                "SECONDARYPATIENTINSURANCEID": self.payer_of_programme(second) if second else "0",
                "DIAGNOSISSYSTEM": "|".join(d.system or icd for d in dx),
                "APPOINTMENTID": h.encounter if h else "",
                "SERVICEDATE": day(c.service_date), "STATUS1": s1, "STATUS2": s2, "STATUSP": sp,
                "LASTBILLEDDATE1": when(datetime.fromtimestamp(c.decided_at / 1e9, tz=UTC)),
            }  # fmt: skip
            for k, d in enumerate(dx, start=1):
                row[f"DIAGNOSIS{k}"] = d.code
            head.append(row)
            for n, line in enumerate(c.lines):
                extra = h.lines[n] if h and n < len(h.lines) else None
                secondary = extra.secondary if extra else 0
                parts: list[Row] = [{"TYPE": "CHARGE", "AMOUNT": amount(line.asked, cur),
                                     "TRANSFERTYPE": "1"}]  # fmt: skip
                if line.payer - secondary:
                    parts.append({"TYPE": "PAYMENT", "METHOD": "ECHECK",
                                  "PAYMENTS": amount(line.payer - secondary, cur)})  # fmt: skip
                if secondary:
                    parts.append({"TYPE": "TRANSFERIN", "TRANSFERTYPE": "2"})
                    parts.append({"TYPE": "PAYMENT", "METHOD": "ECHECK",
                                  "PAYMENTS": amount(secondary, cur)})  # fmt: skip
                own = line.co_pay + line.deductible
                if own:
                    parts.append({"TYPE": "TRANSFERIN", "TRANSFERTYPE": "p"})
                    parts.append({"TYPE": "PAYMENT", "METHOD": "CASH",
                                  "PAYMENTS": amount(own, cur)})  # fmt: skip
                if len(parts) == 1 and line.not_covered != line.asked:
                    parts.append({"TYPE": "ADJUSTMENT"})
                if len(parts) > 1:
                    parts[-1]["OUTSTANDING"] = amount(line.not_covered, cur)
                for part in parts:
                    charge += 1
                    txs.append({
                        "ID": f"{cid}-{charge}", "CLAIMID": cid, "CHARGEID": str(charge),
                        "PATIENTID": patient, "PROCEDURECODE": line.code,
                        "PROCEDURESYSTEM": (extra.system if extra else None) or systems.LOCAL,
                        "UNITS": str(line.quantity),
                        "NOTES": extra.display if extra else line.code, **part,
                    })  # fmt: skip
        return head, txs


def _reason(r: Any) -> Row:
    return {
        "REASONCODE": text(r.reason_code),
        "REASONSYSTEM": text(r.reason_system),
        "REASONDESCRIPTION": text(r.reason_display),
    }


def _order(name: str) -> Callable[[Row], tuple[str, ...]]:
    """Rows in a stable order: by every column, the table's first columns first."""
    cols = HEADERS[name]

    def key(row: Row) -> tuple[str, ...]:
        return tuple(row.get(c, "") for c in cols)

    return key


def rows_of(tables: dict[str, list[Row]]) -> Iterable[tuple[str, int]]:
    return ((n, len(r)) for n, r in tables.items())
