"""Loading a generated region into the store, through the services real data uses.

``RegionLoader.load(region, parameters)`` runs fixed stages, each through its room's own
batch path and each idempotent, recording its progress in the load journal:

1. **places**: facilities become provider parties, the programmes' funders payer parties
   (``Parties.ensure_many``); the areas and the facilities' level, staff, capacity, opening
   hours and hidden quality and cost profile are kept beside the load journal
   (``region_areas``, ``region_facilities``);
2. **people**: every person a patient party, every household with a phone a wallet
   (``Wallets.open_wallets``);
3. **programmes**: each programme defined from its document (``Schemes.define``: benefit
   package, tariff by facility level, accredited providers, fund and receivables on its
   own ledger), then funded by its funder with a year's budget (a ledger transfer);
4. **enrolment**: households and voucher holders enrolled (``Schemes.enrol``), members
   naming their household's wallet for co-pays;
5. **care**: the people's diagnosed chronic conditions (``Clinical.store``); then in date
   order, in batches: the households' mobile-money top-ups (``Wallets.credit_top_ups``),
   the claims (``Claims.submit_batch``: adjudication and settlement with ledger
   transfers), the out-of-pocket payments from wallets (``Wallets.pay_batch``), the
   clinical record of every encounter, with its results and PROMs (``Clinical.store``),
   and its staff minutes by staff type (``encounter_activity``, stored in the transaction
   that records the batch as done);
6. **referrals**: onto the capacity room's waiting lists (``Capacity.add_referrals``);
7. **deaths**: a member's cover ends on the day they died (``Schemes.end_cover``), and
   their referrals leave the list (``Capacity.remove_many``, reason ``died``).

A store holds one synthetic region. Loading the region it holds again changes nothing
and answers the stored account (``already_loaded``); a load that was interrupted carries
on from the stage (and batch of care) where it stopped (``resumed``): every step names
what it stores by the region's own identifiers, so a repeated step finds its work done.
Another region is refused (``Conflict``, ``store_holds_another_region``).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from sqlalchemy import Engine

from thamani.capacity.pathways import RemovalReason, WaitingListKey
from thamani.capacity.priorities import Priority
from thamani.capacity.referrals import Referral, Removal
from thamani.capacity.service import Capacity
from thamani.claims.service import Claims
from thamani.clinical.service import Clinical
from thamani.clock import Clock, SystemClock
from thamani.config import Settings
from thamani.db.engine import write_transaction
from thamani.errors import Conflict, InvalidInput
from thamani.ledger.codes import AccountCode, TransferCode
from thamani.ledger.ids import derived_id
from thamani.ledger.records import Account, Transfer
from thamani.ledger.service import Ledger
from thamani.parties.records import PartyKind
from thamani.parties.service import Parties
from thamani.schemes.service import Schemes
from thamani.synth.batches import encounter_batches
from thamani.synth.encounters import tariff_cents
from thamani.synth.generator import generate
from thamani.synth.load import facts, journal
from thamani.synth.load.care import Lookups, care_batch
from thamani.synth.load.clinical import clinical_batch, conditions
from thamani.synth.load.naming import Names
from thamani.synth.load.people import (
    Households,
    enrolment_households,
    households,
    party_reference,
    patient_parties,
    wallet_openings,
)
from thamani.synth.load.programmes import programme_documents
from thamani.synth.load.summary import FundFigures, LoadSummary, Tallies
from thamani.synth.parameters import Parameters, load_parameters
from thamani.synth.region import Region
from thamani.wallets.service import Wallets

STAGES = ("places", "people", "programmes", "enrolment", "care", "referrals", "deaths")
"""The load's stages, in order."""

#: Encounters per batch of care (each batch: top-ups, one claims batch, one payments batch).
BATCH_ENCOUNTERS = 20_000

#: A programme's budget: the tariff of the care it is expected to pay, plus a margin, in
#: whole thousands of the currency.
BUDGET_MARGIN = 1.10
_BUDGET_STEP = 100_000

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: a stage's progress (for a progress bar)."""


def fingerprint(region: Region) -> str:
    """SHA-256 of the region's description and its content: the same region, the same
    print (the generator is deterministic, so the same parameters, size and seed)."""
    h = hashlib.sha256()
    info = region.info
    h.update(
        "\x1f".join(
            str(x)
            for x in (
                info.name,
                info.seed,
                info.people,
                info.years,
                info.start_date,
                info.end_date,
                info.currency,
            )
        ).encode()
    )
    for table in region.tables:
        h.update(table.name.encode())
        for col in table.columns:
            values = col.values
            if values.dtype.kind in "UO":
                h.update("\x1f".join(map(str, values.tolist())).encode())
            else:
                h.update(np.ascontiguousarray(values).tobytes())
            h.update("\x1e".join(col.labels).encode())
    return h.hexdigest()


def _provider_rows(region: Region, names: Names) -> list[tuple[str, str]]:
    """(name, reference) of each facility's provider party, in facility order."""
    facilities = region["facilities"]["name"].tolist()
    return [(str(n), names.facility(f)) for f, n in enumerate(facilities)]


def _cover_ended(region: Region) -> int:
    """Enrolments a death ends early: those of a person who died while covered, before the
    period enrolled for was over (a household's policy runs to the region's last day, a
    voucher to its own end)."""
    enr = region["enrolments"]
    people = region["people"]
    death = people["death_date"][enr["person_id"]]
    kinds = region["programmes"].column("kind").decoded()[enr["programme_id"]]
    last = np.datetime64(region.info.end_date, "D")
    until = np.where(kinds == "maternal_voucher", enr["end_date"], last)
    alive = np.isnat(death)
    covered = ~alive & (enr["start_date"] <= death) & (death < until)
    return int(covered.sum())


def _today(clock: Clock) -> date:
    return datetime.fromtimestamp(clock.now_ns() / 1e9, tz=UTC).date()


class RegionLoader:
    """Loads a generated region into the store through the rooms' batch paths."""

    def __init__(
        self,
        engine: Engine,
        ledger: Ledger,
        parties: Parties,
        schemes: Schemes,
        wallets: Wallets,
        claims: Claims,
        capacity: Capacity,
        clinical: Clinical,
        settings: Settings,
        clock: Clock | None = None,
    ) -> None:
        self.engine = engine
        self.ledger = ledger
        self.parties = parties
        self.schemes = schemes
        self.wallets = wallets
        self.claims = claims
        self.capacity = capacity
        self.clinical = clinical
        self.settings = settings
        self.clock: Clock = clock or SystemClock()
        self._lock = threading.Lock()
        self._patients: dict[str, int] | None = None

    def load(
        self,
        region: Region,
        parameters: Parameters,
        *,
        batch_size: int = BATCH_ENCOUNTERS,
        progress: Progress | None = None,
    ) -> LoadSummary:
        """Load a region (see the module's docstring); the account of what was stored.

        One load at a time per loader (a second caller waits).
        """
        with self._lock:
            self._patients = None
            try:
                return self._load(region, parameters, batch_size, progress)
            finally:
                self._patients = None

    def _load(
        self,
        region: Region,
        parameters: Parameters,
        batch_size: int,
        progress: Progress | None,
    ) -> LoadSummary:
        started = time.perf_counter()
        say = progress or (lambda _s, _d, _t: None)
        if batch_size < 1:
            raise InvalidInput("a batch holds at least one encounter", where="batch_size")
        info = region.info
        today = _today(self.clock)
        if date.fromisoformat(info.end_date) > today:
            raise InvalidInput(
                f"the region's care runs to {info.end_date}, after today ({today}): claims"
                " cannot be for future dates; generate it with an earlier region.start_date",
                code="region_in_future",
                where="region.start_date",
            )
        print_ = fingerprint(region)
        row, resumed = self._begin(print_, region)
        names = Names.of(info.name, info.currency, info.people)
        if row.status == journal.LOADED:
            return self._summary(region, names, row.tallies, print_, True, False, started)
        tallies = row.tallies
        done = STAGES.index(row.stage) + 1 if row.stage else 0
        batches = row.batches_done
        if done <= STAGES.index("care"):
            # Large batches of claims are shared with worker processes: start them now,
            # while the stages before the care run here.
            enc = region["encounters"]
            first = enc["programme_id"][: min(batch_size, len(enc))]
            self.claims.prepare_workers(int((first >= 0).sum()))
        hh = households(region)
        for stage in STAGES[done:]:
            say(stage, 0, 1)
            t0 = time.perf_counter()
            if stage == "places":
                self._places(region, names, row.id, tallies)
            elif stage == "people":
                self._people(region, names, hh, tallies)
            elif stage == "programmes":
                self._programmes(region, parameters, names, print_, tallies)
            elif stage == "enrolment":
                self._enrolment(region, names, hh, tallies)
            elif stage == "care":
                self._care(region, names, hh, print_, row.id, batches, batch_size, tallies, say)
            elif stage == "referrals":
                self._referrals(region, names, tallies)
            else:
                self._deaths(region, names, hh, tallies)
            tallies.time(stage, time.perf_counter() - t0)
            with write_transaction(self.engine) as conn:
                journal.record(
                    conn,
                    row.id,
                    stage=stage,
                    batches_done=tallies.batches,
                    tallies=tallies,
                    finished_at=self.clock.now_ns() if stage == STAGES[-1] else None,
                )
            say(stage, 1, 1)
        return self._summary(region, names, tallies, print_, False, resumed, started)

    def synthesise(
        self,
        *,
        people: int,
        years: int,
        seed: int,
        parameters: Path | None = None,
        batch_size: int = BATCH_ENCOUNTERS,
        on_stage: Callable[[str], None] | None = None,
        progress: Progress | None = None,
    ) -> LoadSummary:
        """Generate a region (parameters from a file, default the Kenyan county) and load
        it: ``thamani synth`` without ``--out`` and the demo's county."""
        p = load_parameters(parameters)
        t0 = time.perf_counter()
        region = generate(p, people, years, seed, on_stage)
        generated = time.perf_counter() - t0
        done = self.load(region, p, batch_size=batch_size, progress=progress)
        return replace(done, generate_seconds=generated)

    # -- the journal -------------------------------------------------------------------------

    def _begin(self, print_: str, region: Region) -> tuple[journal.JournalRow, bool]:
        """This region's journal row (begun now, or the one of an earlier load)."""
        with write_transaction(self.engine) as conn:
            found = journal.rows(conn)
            other = [r for r in found if r.fingerprint != print_]
            if other:
                o = other[0]
                raise Conflict(
                    f"this store holds the synthetic region {o.region} (seed {o.seed},"
                    f" {o.people:,} people, {o.years} year(s)); load another region into a"
                    " fresh store (another --data-dir or database)",
                    code="store_holds_another_region",
                )
            if found:
                return found[0], found[0].status == journal.LOADING
            return journal.begin(conn, print_, region.info, self.clock.now_ns()), False

    # -- stages ------------------------------------------------------------------------------

    def _places(self, region: Region, names: Names, load_id: int, tallies: Tallies) -> None:
        providers = self.parties.ensure_many(PartyKind.PROVIDER, _provider_rows(region, names))
        party = [providers[names.facility(f)] for f in range(len(region["facilities"]))]
        areas = facts.area_rows(region, load_id)
        places = facts.facility_rows(region, load_id, party)
        with write_transaction(self.engine) as conn:
            facts.store_places(conn, load_id, areas, places)
        kinds = region["programmes"].column("kind").decoded().tolist()
        payers = self.parties.ensure_many(
            PartyKind.PAYER, [(names.funder_name(k), names.funder(k)) for k in kinds]
        )
        tallies.count("providers", len(providers))
        tallies.count("payers", len(payers))
        tallies.count("areas", len(areas))
        tallies.count("facilities", len(places))

    def _party_ids(self, region: Region, names: Names, hh: Households) -> dict[str, int]:
        """Every person's patient party id by reference (made once per load)."""
        if self._patients is None:
            rows = patient_parties(region, names, hh)
            self._patients = self.parties.ensure_many(PartyKind.PATIENT, rows)
        return self._patients

    def _people(self, region: Region, names: Names, hh: Households, tallies: Tallies) -> None:
        ids = self._party_ids(region, names, hh)
        # The savings ledger first: in a new store it takes the first free number.
        self.wallets.savings_ledger(names.currency)
        openings = wallet_openings(region, names, hh, ids)
        self.wallets.open_wallets(openings, names.currency)
        tallies.count("patients", len(ids))
        tallies.count("wallets", len(openings))

    def _programmes(
        self,
        region: Region,
        parameters: Parameters,
        names: Names,
        print_: str,
        tallies: Tallies,
    ) -> None:
        enc = region["encounters"]
        docs = programme_documents(region, tariff_cents(parameters), names)
        for pid, kind, doc in docs:
            defined = self.schemes.define(doc)
            p = defined.definition.programme
            expected = int(enc["cost"][enc["programme_id"] == pid].sum())
            budget = 0 if kind == "savings_only" else int(expected * BUDGET_MARGIN)
            budget = -(-budget // _BUDGET_STEP) * _BUDGET_STEP
            if budget:
                source = derived_id("thamani.synth.funder-source", print_, p.code)
                self.ledger.create_accounts(
                    [
                        Account(
                            source, p.ledger, AccountCode.FUNDER_SOURCE, owner_party_id=p.funder_id
                        )
                    ]
                )
                moved = self.ledger.create_transfers(
                    [
                        Transfer(
                            derived_id("thamani.synth.funding", print_, p.code),
                            source,
                            p.fund_account_id,
                            budget,
                            p.ledger,
                            TransferCode.FUNDING,
                        )
                    ]
                )[0]
                if not moved.recorded:
                    raise Conflict(
                        f"the ledger refused to fund {p.code}: {moved.value}",
                        code="funding_refused",
                    )
            tallies.programmes[p.code] = {
                **tallies.programmes.get(p.code, {}),
                "name": p.name,
                "kind": p.kind.value,
                "funded": budget,
            }
        tallies.count("programmes", len(docs))

    def _wallet_accounts(self, region: Region, names: Names, hh: Households) -> dict[int, int]:
        """Each household's wallet (its holder's savings account), by household."""
        ids = self._party_ids(region, names, hh)
        holders = hh.wallet_households()
        party = {
            int(h): ids[party_reference(names, hh, int(hh.holder[h]))] for h in holders.tolist()
        }
        accounts = self.wallets.savings_accounts(party.values(), names.currency)
        return {h: accounts[p] for h, p in party.items() if p in accounts}

    def _enrolment(self, region: Region, names: Names, hh: Households, tallies: Tallies) -> None:
        wallet_of = self._wallet_accounts(region, names, hh)
        progs = region["programmes"]
        kinds = progs.column("kind").decoded().tolist()
        # Households' own programmes first, the voucher (a pregnancy's cover) last.
        order = sorted(range(len(kinds)), key=lambda i: kinds[i] == "maternal_voucher")
        for pid in order:
            docs = enrolment_households(region, names, pid, wallet_of)
            if docs:
                self.schemes.enrol(names.programme(kinds[pid]), docs)
        # What the store holds now (the same whether this stage ran once or was resumed).
        enr = region["enrolments"]
        tallies.count("enrolments", len(enr))
        tallies.count("members", int(np.unique(enr["person_id"]).size))

    def _care(
        self,
        region: Region,
        names: Names,
        hh: Households,
        print_: str,
        row_id: int,
        skip: int,
        batch_size: int,
        tallies: Tallies,
        say: Progress,
    ) -> None:
        lookups = self._lookups(region, names, hh, print_)
        if skip == 0:
            problems = conditions(region, lookups)
            self.clinical.store(problems)
            tallies.count("clinical_conditions", len(problems.linked))
        total = len(region["encounters"])
        for number, batch in enumerate(encounter_batches(region, batch_size)):
            if number < skip:
                continue
            t0 = time.perf_counter()
            work = care_batch(region, batch, number, lookups)
            t1 = time.perf_counter()
            tallies.add_top_ups(self.wallets.credit_top_ups(work.top_ups))
            t2 = time.perf_counter()
            claims = self.claims.submit_batch(work.claims) if work.claims else []
            t3 = time.perf_counter()
            tallies.add_claims(claims, work.claim_wallet)
            tallies.add_payments(self.wallets.pay_batch(work.payments) if work.payments else [])
            tallies.add_desk(work.desk_encounters, work.desk_amount)
            t4 = time.perf_counter()
            record = clinical_batch(region, batch, lookups)
            self.clinical.store(record)
            t5 = time.perf_counter()
            tallies.count("clinical_encounters", len(record.encounters))
            tallies.count("clinical_observations", len(record.linked))
            tallies.count("prom_responses", len(batch.children["prom_responses"]))
            activity = batch.children["activity"]
            minutes = facts.activity_values(activity, row_id)
            tallies.count("activity_rows", len(activity))
            tallies.count("activity_minutes", int(activity["minutes"].sum()))
            tallies.claims_seconds = round(tallies.claims_seconds + t3 - t2, 3)
            tallies.time("care: building", t1 - t0)
            tallies.time("care: top-ups", t2 - t1)
            tallies.time("care: claims", t3 - t2)
            tallies.time("care: wallet payments", t4 - t3)
            tallies.time("care: clinical record", t5 - t4)
            tallies.batches = number + 1
            with write_transaction(self.engine) as conn:
                facts.store_activity(conn, minutes)
                journal.record(
                    conn, row_id, stage=STAGES[STAGES.index("care") - 1], batches_done=number + 1,
                    tallies=tallies,
                )  # fmt: skip
            say("care", batch.stop, total)

    def _lookups(self, region: Region, names: Names, hh: Households, print_: str) -> Lookups:
        """The party ids and codes turning care into claims and records needs."""
        ids = self._party_ids(region, names, hh)
        providers = self.parties.ensure_many(PartyKind.PROVIDER, _provider_rows(region, names))
        kinds = region["programmes"].column("kind").decoded().tolist()
        payers = self.parties.ensure_many(
            PartyKind.PAYER, [(names.funder_name(k), names.funder(k)) for k in kinds]
        )
        phones = region["people"]["phone"]
        return Lookups(
            names=names,
            fingerprint=print_,
            currency=names.currency,
            shortcode=self.settings.mpesa_shortcode,
            provider_party=[providers[names.facility(f)] for f in range(len(providers))],
            programme_code=[names.programme(k) for k in kinds],
            programme_kind=kinds,
            programme_payer=[payers[names.funder(k)] for k in kinds],
            patient_party=[
                ids[party_reference(names, hh, p)] for p in range(len(region["people"]))
            ],
            person_household=region["people"]["household_id"],
            holder_party=[
                ids[party_reference(names, hh, h)] if h >= 0 else 0 for h in hh.holder.tolist()
            ],
            holder_phone=[str(phones[h]) if h >= 0 else "" for h in hh.holder.tolist()],
        )

    def _referrals(self, region: Region, names: Names, tallies: Tallies) -> None:
        ref = region["referrals"]
        if len(ref) == 0:
            return
        specialty = ref.column("specialty").decoded().tolist()
        priority = ref.column("priority").decoded().tolist()
        on = ref["referral_date"].astype("datetime64[D]").astype(object).tolist()
        batch = [
            Referral(
                names.referral(rid),
                WaitingListKey(names.facility(fac), str(sp), Priority(str(pr))),
                day,
            )
            for rid, fac, sp, pr, day in zip(
                ref["referral_id"].tolist(),
                ref["receiving_facility_id"].tolist(),
                specialty,
                priority,
                on,
                strict=True,
            )
        ]
        try:
            self.capacity.add_referrals(batch, source=f"synthetic region {names.region}")
        except Conflict as e:
            if e.code != "referral_exists":
                raise
            # An interrupted load stored them (all or none) before it could say so.
        tallies.count("referrals", len(batch))

    def _deaths(self, region: Region, names: Names, hh: Households, tallies: Tallies) -> None:
        deaths = region["deaths"]
        if len(deaths) == 0:
            return
        person = deaths["person_id"].tolist()
        died = deaths["death_date"].astype("datetime64[D]").astype(object).tolist()
        tallies.count("deaths", len(person))
        ends = [(names.person(p), d) for p, d in zip(person, died, strict=True) if hh.member[p]]
        if ends:
            self.schemes.end_cover(ends)
        tallies.count("cover_ended", _cover_ended(region))
        when = dict(zip(person, died, strict=True))
        ref = region["referrals"]
        removals = [
            Removal(names.referral(rid), when[p], RemovalReason.DIED, names.facility(fac))
            for rid, p, fac in zip(
                ref["referral_id"].tolist(),
                ref["person_id"].tolist(),
                ref["receiving_facility_id"].tolist(),
                strict=True,
            )
            if p in when
        ]
        if removals:
            try:
                self.capacity.remove_many(removals, source=f"deaths in {names.region}")
            except InvalidInput as e:
                if e.code != "invalid_clock_change":
                    raise
                # An interrupted load stopped these clocks (all or none) already.
        tallies.count("referrals_closed", len(removals))

    # -- the account -----------------------------------------------------------------------

    def _summary(
        self,
        region: Region,
        names: Names,
        tallies: Tallies,
        print_: str,
        already: bool,
        resumed: bool,
        started: float,
    ) -> LoadSummary:
        kinds = region["programmes"].column("kind").decoded().tolist()
        funds = []
        for k in kinds:
            code = names.programme(k)
            d = self.schemes.programme(code)
            balance = self.ledger.account(d.programme.fund_account_id).balance
            funded = int(tallies.programmes.get(code, {}).get("funded", 0))
            funds.append(FundFigures(code, funded, balance, funded - balance))
        info = region.info
        return LoadSummary(
            region=info.name,
            seed=info.seed,
            people=info.people,
            years=info.years,
            start_date=info.start_date,
            end_date=info.end_date,
            currency=info.currency,
            fingerprint=print_,
            already_loaded=already,
            resumed=resumed,
            tallies=tallies,
            funds=tuple(funds),
            seconds=time.perf_counter() - started,
        )
