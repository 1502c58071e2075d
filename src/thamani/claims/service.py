"""The claims room's use cases: submit (singly or in batch), read, review, reverse.

Who may do what: a provider submits claims for its own facility only and reads its own
claims; a payer reviews, reverses and reads the claims of the programmes it funds; a
patient reads the claims of the members linked to it; admins and auditors read all. A
claim the caller may not see is ``NotFound``, exactly as one that does not exist.

Rejections are values: a rejected claim is stored with its reasons (no money moves and
no limit is used), so a provider can read why and a replay gets the same answer. Input
that cannot be a claim at all (no lines, an unknown provider or programme, a reference
reused for a different claim) is ``InvalidInput`` or ``Conflict`` and nothing is stored.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError as SQLIntegrityError

from thamani.claims import batch, history, parallel, payload
from thamani.claims import store as claim_store
from thamani.claims.adjudication import release
from thamani.claims.cases import Case, Context
from thamani.claims.grouping import Grouper
from thamani.claims.history import HistoricalClaim, Recorded
from thamani.claims.publishing import EncounterPool, Publisher
from thamani.claims.reasons import Reason
from thamani.claims.records import (
    Claim,
    ClaimInput,
    ClaimStatus,
    ClaimUse,
    Finding,
    Line,
    LineStatus,
)
from thamani.claims.rulebook import RuleBook
from thamani.claims.settlement import (
    LONGEST_CHAIN,
    MAX_CHAINS,
    Hold,
    Payment,
    Recorder,
    Settled,
    Settlement,
)
from thamani.clock import Clock, SystemClock
from thamani.config import Settings
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Conflict, Forbidden, InvalidInput, NotFound
from thamani.ledger.records import BATCH_MAX
from thamani.parties import store as party_store
from thamani.parties.records import Actor, PartyKind, Scope
from thamani.schemes import store as scheme_store

#: Transfers a claim's chain may need, at most, before it is adjudicated: a claim under
#: a pre-authorisation posts it, pays the rest and takes a co-pay; others pay and co-pay.
_WORST_CHAIN = {True: LONGEST_CHAIN, False: 2}
log = logging.getLogger("thamani.claims")

#: Most claims one ``submit_batch`` call takes.
BATCH_LIMIT = 100_000
#: The latest calendar date anywhere is UTC+14: no local service date is after it.
_LATEST_ZONE = timedelta(hours=14)


def today_of(now_ns: int) -> date:
    """The latest date it is anywhere on Earth at ``now_ns`` (service dates after it are
    in the future wherever the provider is)."""
    return (datetime.fromtimestamp(now_ns / 1e9, tz=UTC) + _LATEST_ZONE).date()


def _reads_all(actor: Actor | None) -> bool:
    return actor is None or actor.kind in (PartyKind.ADMIN, PartyKind.AUDITOR)


def _need(actor: Actor | None, scope: Scope) -> None:
    if actor is not None and not actor.has(scope):
        raise Forbidden(f"this token lacks the scope {scope.value}", code="missing_scope")


class Claims:
    """Claims over one store, paid through a ``Settlement``."""

    def __init__(
        self,
        engine: Engine,
        settlement: Settlement,
        clock: Clock | None = None,
        settings: Settings | None = None,
        pool: EncounterPool | None = None,
    ) -> None:
        self.engine = engine
        self._publisher = Publisher(engine, pool)
        self.settlement = settlement
        self.clock: Clock = clock or SystemClock()
        self._books: dict[int, RuleBook] = {}
        self._providers: dict[str, int] = {}
        self._programmes: dict[str, int] = {}
        self._lock = threading.RLock()
        self._grouper: Grouper[_Single, Claim] = Grouper(self._submit_group, _may_join)
        size = parallel.workers_for(settings) if settings is not None else 1
        self._pool = parallel.WorkerPool(settings, size - 1) if settings and size > 1 else None

    def prepare(self) -> None:
        """Load, before serving, what handing claims to the data pool first loads (a
        second of imports that would otherwise stall the first requests)."""
        self._publisher.warm()

    def prepare_workers(self, claims_coming: int) -> None:
        """Start the worker processes in the background when batches of ``claims_coming``
        claims will be shared with them (a bulk load does this before its other stages,
        so the workers' start-up is not paid inside its first large batch)."""
        if self._pool is not None and claims_coming >= parallel.PARALLEL_FROM:
            self._pool.warm()

    def close(self) -> None:
        """Hand what waits to the data pool; stop the worker processes, if any."""
        self._publisher.close()
        if self._pool is not None:
            self._pool.close()

    def publish(self, since: date | None = None, limit: int = 100_000) -> int:
        """Hand paid claims (of service dates from ``since``) to the data pool again; the
        pool keeps each encounter once, so this repairs a pool that missed some."""
        handed = 0
        after = 0
        with self._lock:
            while handed < limit:
                with read_transaction(self.engine) as conn:
                    page = claim_store.search(
                        conn, status=ClaimStatus.PAID, after=after, limit=1000
                    )
                if not page:
                    break
                after = page[-1].no
                chosen = [c for c in page if since is None or c.service_date >= since]
                handed += self._publisher.now(chosen)
        return handed

    # -- submitting ---------------------------------------------------------------------

    def submit(self, claim: ClaimInput, actor: Actor | None = None) -> Claim:
        """Adjudicate and settle one claim (or pre-authorisation request).

        Claims submitted at the same moment from several threads are decided together
        (``thamani.claims.grouping``); each gets exactly its own answer.
        """
        _need(actor, Scope.CLAIMS_WRITE)
        _check_shape(claim, "claim")
        provider = self._provider_ids([claim], actor)[0]
        programme = self._programme_ids([claim])[0]
        raw = payload.dumps(claim)
        done = self._grouper.submit(
            _Single(claim, provider, programme, raw, actor.party_id if actor else None)
        )
        self._publisher.later([done])
        return done

    def _submit_group(self, items: Sequence[_Single]) -> list[Claim | BaseException]:
        """A group of single claims (one submitter, distinct references) as one batch; a
        reference reused for a different claim fails that claim alone."""
        done: list[Claim | BaseException] = self._run(
            [x.claim for x in items],
            [x.provider for x in items],
            [x.programme for x in items],
            [x.raw for x in items],
            items[0].submitted_by,
            conflicts_as_values=True,
        )
        return done

    def submit_batch(
        self,
        claims: Sequence[ClaimInput],
        actor: Actor | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[Claim]:
        """Adjudicate and settle many claims; one result per claim, in order.

        The whole input is checked first: one malformed claim and nothing is stored.
        """
        _need(actor, Scope.CLAIMS_WRITE)
        if len(claims) > BATCH_LIMIT:
            raise InvalidInput(
                f"a batch holds at most {BATCH_LIMIT:,} claims, not {len(claims):,}",
                code="batch_too_large",
            )
        for i, c in enumerate(claims):
            _check_shape(c, f"claims[{i}]" if len(claims) > 1 else "claim")
        providers = self._provider_ids(claims, actor)
        programmes = self._programme_ids(claims)
        with batch.collector_paused(len(claims)):
            parts = _chunks(claims)
            several = len(parts) > 1
            submitted_by = actor.party_id if actor else None
            if self._pool is not None and len(claims) >= parallel.PARALLEL_FROM:
                pairs = _repeated_references(claims, providers)
                done = self._submit_parallel(
                    claims, providers, programmes, pairs, submitted_by, progress
                )
            else:
                payloads = batch.inputs_payloads(claims)
                replays = self._check_references(
                    claims, providers, payloads.__getitem__, several=several
                )
                done = self.submit_resolved(
                    claims,
                    providers,
                    programmes,
                    payloads,
                    submitted_by,
                    replays,
                    progress=progress,
                )
        self._hand_to_pool(done)
        return done

    def _hand_to_pool(self, claims: Sequence[Claim]) -> None:
        """Paid claims enter the data pool, behind the settlement (see
        ``thamani.claims.publishing``)."""
        self._publisher.later(claims)

    def flush_pool(self) -> None:
        """Hand the paid claims waiting for the data pool over now."""
        self._publisher.flush()

    def submit_resolved(
        self,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        programmes: Sequence[int],
        payloads: Sequence[bytes],
        submitted_by: int | None,
        replays: dict[int, int] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> list[Claim]:
        """The batch path in this process, for claims already checked and resolved (their
        providers' and programmes' ids, their canonical payloads; ``replays``, when the
        references were looked up already, maps a claim's index to its stored number)."""
        done: list[Claim] = self._submit_resolved(
            claims, providers, programmes, payloads, submitted_by, replays, progress, wire=False
        )
        return done

    def submit_wire(
        self,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        programmes: Sequence[int],
        payloads: Sequence[bytes],
        submitted_by: int | None,
        replays: dict[int, int],
    ) -> list[tuple[Any, ...]]:
        """As ``submit_resolved``, each claim in its wire form (``parallel.to_wire``): what a
        worker process sends back, made without making the claims."""
        done: list[tuple[Any, ...]] = self._submit_resolved(
            claims, providers, programmes, payloads, submitted_by, replays, None, wire=True
        )
        return done

    def _submit_resolved(
        self,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        programmes: Sequence[int],
        payloads: Sequence[bytes],
        submitted_by: int | None,
        replays: dict[int, int] | None,
        progress: Callable[[int], None] | None,
        *,
        wire: bool,
    ) -> list[Any]:
        """The batch path (see ``submit_resolved``).

        A batch of several parts keeps one context from part to part (what one part
        loaded is not read again; the counters carry the earlier parts' claims), and
        stores each part on a second thread while this one decides the next: SQLite
        and the disk work without Python's interpreter lock, so deciding and storing
        overlap. Parts are stored strictly in order; when one fails, none after it is
        stored (the error is raised once the part being stored has finished).
        """
        chunks = _chunks(claims)
        out: list[Any] = []
        with batch.collector_paused(len(claims)), self._lock:
            if len(chunks) == 1:
                _, part = self._decide_part(
                    None, claims, providers, programmes, payloads, submitted_by, replays
                )
                out.extend(self._store_part(part, wire=wire))
                if progress is not None:
                    progress(len(claims))
                return out
            ctx: Context | None = None
            storing: Future[list[Any]] | None = None
            stored_size = 0
            with ThreadPoolExecutor(1, thread_name_prefix="thamani-claims-store") as store:
                try:
                    for start, end in chunks:
                        known = None
                        if replays is not None:
                            known = {i - start: no for i, no in replays.items() if start <= i < end}
                        if storing is not None and (
                            known is None or any(c.preauth_id for c in claims[start:end])
                        ):
                            # What this part reads (stored references, pre-authorisations)
                            # the part being stored may write: let it land first.
                            out.extend(storing.result())
                            storing = None
                            if progress is not None:
                                progress(stored_size)
                        ctx, part = self._decide_part(
                            ctx,
                            claims[start:end],
                            providers[start:end],
                            programmes[start:end],
                            payloads[start:end],
                            submitted_by,
                            known,
                        )
                        if storing is not None:
                            out.extend(storing.result())
                            if progress is not None:
                                progress(stored_size)
                        storing = store.submit(self._store_part, part, wire=wire)
                        stored_size = end - start
                    assert storing is not None
                    out.extend(storing.result())
                    if progress is not None:
                        progress(stored_size)
                finally:
                    if storing is not None and not storing.done():
                        wait([storing])
        return out

    def _submit_parallel(
        self,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        programmes: Sequence[int],
        pairs: list[tuple[int, str]],
        submitted_by: int | None,
        progress: Callable[[int], None] | None,
    ) -> list[Claim]:
        """Shared by household between the worker processes and this one, group by group
        (see ``thamani.claims.parallel``); ``pairs``: the claims' (provider, reference).

        A worker is idle until its first group comes, so the start is arranged for it to
        come soon: a worker looks up the stored references while this process reads the
        households and makes the first groups' payloads; those are sent once no
        reference is found reused, then the other payloads are made, in the order
        submitted (a claim's objects lie near the last one's in memory, where the
        groups' order would reach them at random, at twice the cost).
        """
        pool = self._pool
        assert pool is not None
        reading = pool.read(pairs)
        with read_transaction(self.engine) as conn:
            homes = scheme_store.households_of_members(conn, [c.member for c in claims])
        groups = deque(
            parallel.groups_of(
                [parallel.household_of(homes, c.member) for c in claims], pool.size + 1
            )
        )
        payloads: list[bytes | None] = [None] * len(claims)

        def payload_of(i: int) -> bytes:
            raw = payloads[i]
            if raw is None:
                raw = payloads[i] = payload.dumps(claims[i])
            return raw

        for g in list(groups)[: pool.size]:
            for i in g:
                payload_of(i)
        replays = _replays_in(pool.read_result(reading), claims, providers, payload_of)
        now = self.clock.now_ns()
        out: list[Claim | None] = [None] * len(claims)
        sent: list[tuple[Future[Any], list[int]]] = []

        def feed(ahead: int = 2) -> None:
            """Keep each worker ``ahead`` groups ahead."""
            waiting = sum(1 for f, _ in sent if not f.done())
            while groups and waiting < ahead * pool.size:
                g = groups.popleft()
                items = [
                    (i, payload_of(i), providers[i], programmes[i], replays.get(i, 0)) for i in g
                ]
                sent.append((pool.submit(items, now, submitted_by), g))
                waiting += 1

        def gather(block: bool) -> None:
            """Put the results of the groups the workers finished in their places (each
            group's wire forms are let go of once placed, not kept to the batch's end)."""
            left = []
            for f, g in sent:
                if block or f.done():
                    for i, wire in pool.results(f):
                        out[i] = parallel.from_wire(wire, claims[i], providers[i])
                    if progress is not None:
                        progress(len(g))
                else:
                    left.append((f, g))
            sent[:] = left

        try:
            feed(ahead=1)
            for i in range(len(claims)):
                payload_of(i)
            feed()
            while groups:
                mine = groups.popleft()
                done = self.submit_resolved(
                    [claims[i] for i in mine],
                    [providers[i] for i in mine],
                    [programmes[i] for i in mine],
                    [payload_of(i) for i in mine],
                    submitted_by,
                    {k: replays[i] for k, i in enumerate(mine) if i in replays},
                )
                for i, made in zip(mine, done, strict=True):
                    out[i] = made
                if progress is not None:
                    progress(len(mine))
                feed()
                gather(block=False)
            gather(block=True)
        finally:
            groups.clear()  # after an error, nothing more is handed out...
            wait([f for f, _ in sent])  # ...and what was is finished before this returns
        assert all(c is not None for c in out)
        return [c for c in out if c is not None]

    def _run(
        self,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        programmes: Sequence[int],
        payloads: Sequence[bytes],
        submitted_by: int | None,
        known: dict[int, int] | None = None,
        *,
        conflicts_as_values: bool = False,
    ) -> list[Any]:
        """Decide, store and settle one part (at most one ledger batch). Returns one
        ``Claim`` per claim, or (with ``conflicts_as_values``) the Conflict of a claim
        whose reference was used for a different claim."""
        with self._lock:
            _, part = self._decide_part(
                None,
                claims,
                providers,
                programmes,
                payloads,
                submitted_by,
                known,
                conflicts_as_values=conflicts_as_values,
            )
            return self._store_part(part)

    def _decide_part(
        self,
        ctx: Context | None,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        programmes: Sequence[int],
        payloads: Sequence[bytes],
        submitted_by: int | None,
        known: dict[int, int] | None,
        *,
        conflicts_as_values: bool = False,
    ) -> tuple[Context, _Part]:
        """Load what a part needs (into ``ctx``, the batch's context, when given) and
        decide it in memory; nothing is written."""
        now = self.clock.now_ns()
        conflicts: dict[int, Conflict] = {}
        with read_transaction(self.engine) as conn:
            replays = known
            if replays is None:
                replays = self._replays(
                    conn,
                    claims,
                    providers,
                    payloads.__getitem__,
                    conflicts if conflicts_as_values else None,
                )
            fresh = [i for i in range(len(claims)) if i not in replays and i not in conflicts]
            cases = [Case.of(claims[i], providers[i], programmes[i]) for i in fresh]
            if ctx is None:
                ctx = Context(today=today_of(now), now_ns=now, books={})
            else:
                ctx.today, ctx.now_ns = today_of(now), now
            batch.load_members(conn, ctx, cases)
            wanted = {programmes[i] for i in fresh if programmes[i]}
            for c in cases:
                m = ctx.members.get(c.claim.member)
                if m is not None:
                    wanted.update(e.programme_id for e in ctx.enrolments.get(m.id, ()))
            ctx.books = self._books_for(conn, wanted)
            batch.fill_usage(conn, ctx, cases)
        decided = batch.decide(cases, ctx, [payloads[i] for i in fresh], now)
        saved = batch.changed(ctx)
        holds, held, payments, paying = batch.holds_and_payments(decided, now)
        released = batch.releases_of(decided, now)
        # The rows are made here, on the deciding thread: the storing thread, which
        # waits for the store's write lock, is the busier of the two.
        write = batch.recorder(decided, held, paying, saved, submitted_by, now, released)
        return ctx, _Part(
            now,
            len(claims),
            fresh,
            replays,
            conflicts,
            decided,
            dict(ctx.books),
            holds,
            held,
            payments,
            paying,
            released,
            write,
            submitted_by,
        )

    def _store_part(self, part: _Part, *, wire: bool = False) -> list[Any]:
        """Store and settle a decided part (claims, counters and money in one
        transaction); one ``Claim`` (or Conflict) per claim of the part (with ``wire``,
        the claim's wire form)."""
        now = part.now
        voids = [(d.id, d.case.preauth.id) for d in part.released if d.case.preauth]
        try:
            self.settlement.settle(part.holds, part.payments, part.write, voids)
        except SQLIntegrityError:
            raise Conflict(
                "a claim with one of these references was stored meanwhile; submit again",
                code="reference_reused",
            ) from None
        by_index: dict[int, Any] = {}
        make = parallel.wire_of if wire else batch.claim_of
        for i, d in zip(part.fresh, part.decided, strict=True):
            book = d.case.book or part.books.get(d.case.programme_id)
            by_index[i] = make(
                d,
                book.programme.currency if book else "XXX",
                book.programme.code if book else "",
                now,
            )
        if part.replays:
            with read_transaction(self.engine) as conn:
                found_nos = claim_store.claims_by_no(conn, part.replays.values())
            for i, no in part.replays.items():
                found = found_nos[no]
                by_index[i] = parallel.to_wire(found) if wire else found
        return [part.conflicts.get(i) or by_index[i] for i in range(part.size)]

    def _books_for(self, conn: Connection, ids: set[int]) -> dict[int, RuleBook]:
        """Compiled rules of these programmes, rebuilt when a programme's version changed."""
        if not ids:
            return {}
        versions = scheme_store.programme_versions(conn, ids)
        stale = [
            pid
            for pid, v in versions.items()
            if pid not in self._books or self._books[pid].programme.version != v
        ]
        if stale:
            for pid, p in scheme_store.programmes_by_id(conn, stale).items():
                self._books[pid] = RuleBook.of(scheme_store.load_definition(conn, p))
        return {pid: self._books[pid] for pid in versions}

    def _provider_ids(self, claims: Sequence[ClaimInput], actor: Actor | None) -> list[int]:
        unknown = {c.provider for c in claims if c.provider not in self._providers}
        if unknown:
            with read_transaction(self.engine) as conn:
                for ref in unknown:
                    party = party_store.party_by_reference(conn, ref)
                    if party is not None and party.kind is PartyKind.PROVIDER:
                        self._providers[ref] = party.id
        out = []
        for i, c in enumerate(claims):
            where = f"claims[{i}].provider" if len(claims) > 1 else "claim.provider"
            pid = self._providers.get(c.provider)
            if pid is None:
                raise InvalidInput(
                    f"no provider is registered as {c.provider!r}",
                    code="provider_unknown",
                    where=where,
                )
            if actor is not None and actor.kind is not PartyKind.ADMIN and pid != actor.party_id:
                raise Forbidden(
                    f"providers submit claims for their own facility only, not for {c.provider}",
                    code="not_your_facility",
                    where=where,
                )
            out.append(pid)
        return out

    def _programme_ids(self, claims: Sequence[ClaimInput]) -> list[int]:
        """Programme ids by code (remembered: a programme's code never changes hands)."""
        codes = {c.programme for c in claims if c.programme}
        unknown = [c for c in codes if c not in self._programmes]
        if unknown:
            with read_transaction(self.engine) as conn:
                self._programmes.update(scheme_store.programme_ids_by_code(conn, unknown))
        ids = self._programmes
        out = []
        for i, c in enumerate(claims):
            if c.programme and c.programme not in ids:
                raise InvalidInput(
                    f"no programme is called {c.programme!r}",
                    code="programme_unknown",
                    where=f"claims[{i}].programme" if len(claims) > 1 else "claim.programme",
                )
            out.append(ids.get(c.programme, 0) if c.programme else 0)
        return out

    def _replays(
        self,
        conn: Connection,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        payload_of: Callable[[int], bytes],
        conflicts: dict[int, Conflict] | None = None,
    ) -> dict[int, int]:
        """Claims stored already under their reference, by index: their stored number.
        The same reference for a different claim is a Conflict: raised, or put in
        ``conflicts`` when given."""
        stored = _stored_references(conn, claims, providers)
        return _replays_in(stored, claims, providers, payload_of, conflicts)

    def stored_references(
        self, pairs: Sequence[tuple[int, str]]
    ) -> dict[tuple[int, str], tuple[bytes, int]]:
        """The claims stored under these (provider, reference) pairs: their digest and
        number (read in a worker process at the start of a batch shared out)."""
        if not pairs:
            return {}
        with read_transaction(self.engine) as conn:
            return claim_store.by_references(conn, pairs)

    def _check_references(
        self,
        claims: Sequence[ClaimInput],
        providers: Sequence[int],
        payload_of: Callable[[int], bytes],
        *,
        several: bool,
    ) -> dict[int, int] | None:
        """References given twice, and (for a batch stored in several parts) references
        stored already for another claim: checked before any part is stored. Returns the
        replays found (None when they were not looked up)."""
        given = _repeated_references(claims, providers)
        if not several:
            return None
        if not given:
            return {}
        with read_transaction(self.engine) as conn:
            return self._replays(conn, claims, providers, payload_of)

    # -- reading ------------------------------------------------------------------------

    def get(self, claim_id: int, actor: Actor | None = None) -> Claim:
        """One claim; one the caller may not see is NotFound."""
        _need(actor, Scope.CLAIMS_READ)
        with read_transaction(self.engine) as conn:
            found = claim_store.claims_by_id(conn, [claim_id]).get(claim_id)
            if found is None or not self._may_see(conn, found, actor):
                raise NotFound(f"claim {claim_id} not found", code="claim_not_found")
        return found

    def claims(
        self,
        actor: Actor | None = None,
        *,
        status: ClaimStatus | None = None,
        programme: str | None = None,
        after: int = 0,
        limit: int = 100,
    ) -> list[Claim]:
        """A page of the claims the caller may see, oldest first after a cursor (``no``)."""
        _need(actor, Scope.CLAIMS_READ)
        if not 1 <= limit <= 1000:
            raise InvalidInput("limit must be between 1 and 1000", where="limit")
        with read_transaction(self.engine) as conn:
            prog_ids = None
            if programme:
                found = scheme_store.programme_ids_by_code(conn, [programme])
                if programme not in found:
                    raise NotFound(f"programme {programme!r} not found", code="programme_not_found")
                prog_ids = [found[programme]]
            kw: dict[str, object] = {}
            if _reads_all(actor) or actor is None:
                pass
            elif actor.kind is PartyKind.PROVIDER:
                kw["provider_id"] = actor.party_id
            elif actor.kind is PartyKind.PAYER:
                funded = [p.id for p in scheme_store.list_programmes(conn, actor.party_id)]
                prog_ids = [p for p in prog_ids if p in funded] if prog_ids else funded
            elif actor.kind is PartyKind.PATIENT:
                kw["member_ids"] = [
                    m.id for m in scheme_store.members_of_party(conn, actor.party_id)
                ]
            else:
                return []
            return claim_store.search(
                conn,
                status=status,
                programme_ids=prog_ids,
                after=after,
                limit=limit,
                **kw,  # type: ignore[arg-type]
            )

    def review_queue(
        self, actor: Actor | None = None, *, programme: str | None = None, limit: int = 100
    ) -> list[Claim]:
        """Claims waiting for a reviewer, of the programmes the caller funds."""
        _need(actor, Scope.CLAIMS_REVIEW)
        return self.claims(actor, status=ClaimStatus.IN_REVIEW, programme=programme, limit=limit)

    def _may_see(self, conn: Connection, c: Claim, actor: Actor | None) -> bool:
        if _reads_all(actor) or actor is None:
            return True
        if actor.kind is PartyKind.PROVIDER:
            return c.provider_id == actor.party_id
        if actor.kind is PartyKind.PAYER:
            p = scheme_store.programmes_by_id(conn, [c.programme_id]).get(c.programme_id)
            return p is not None and p.funder_id == actor.party_id
        if actor.kind is PartyKind.PATIENT:
            mine = {m.id for m in scheme_store.members_of_party(conn, actor.party_id)}
            return c.member_id in mine
        return False

    # -- historical claims --------------------------------------------------------------

    def record(
        self,
        claims: Sequence[HistoricalClaim],
        actor: Actor | None = None,
        *,
        funding: Mapping[str, int] | None = None,
        also: Callable[[Connection], None] | None = None,
        progress: Callable[[int], None] | None = None,
    ) -> Recorded:
        """Store claims adjudicated elsewhere as their source had them, and move their
        money on the ledger, without adjudicating them again (see
        ``thamani.claims.history``). ``funding`` names, per programme code, the account
        its fund is topped up from for what these claims pay (a programme not named must
        hold the money already). ``also(conn)`` runs in the first transaction (an
        importer's other rows). Claims stored already with the same content are left as
        they are; a reference stored for a different claim is a ``Conflict``; any fault
        and nothing of that ledger batch is stored (``Recorded`` counts what was)."""
        _need(actor, Scope.INTEROP_ADMIN)
        history.check(claims)
        funding = dict(funding or {})
        with read_transaction(self.engine) as conn:
            codes = {c.programme for c in claims} | {
                c.secondary_programme for c in claims if c.secondary_programme
            }
            ids = scheme_store.programme_ids_by_code(conn, codes)
            for i, c in enumerate(claims):
                for code in (c.programme, c.secondary_programme):
                    if code and code not in ids:
                        raise InvalidInput(
                            f"no programme is called {code!r}",
                            code="programme_unknown",
                            where=f"claims[{i}] ({c.source} claim {c.reference})",
                        )
            progs = scheme_store.programmes_by_id(conn, ids.values())
            by_code = {p.code: p for p in progs.values()}
            receivable = scheme_store.receivables(conn, progs)
            members = scheme_store.members_by_reference(conn, {c.member for c in claims})
            payloads = [payload.dumps(history.claim_input(c)) for c in claims]
            stored = claim_store.by_references(conn, [(c.provider_id, c.reference) for c in claims])
        out = Recorded(claim_ids=[c.claim_id for c in claims])
        fresh: list[int] = []
        for i, c in enumerate(claims):
            found = stored.get((c.provider_id, c.reference))
            if found is None:
                fresh.append(i)
            elif found[0] != payload.digest(payloads[i]):
                raise Conflict(
                    f"claim {c.reference} is stored already with other content",
                    code="reference_reused",
                    where=f"claims[{i}] ({c.source} claim {c.reference})",
                )
        unchanged = len(claims) - len(fresh)

        def accounts(i: int, code: str) -> history.Accounts:
            c = claims[i]
            p = by_code[code]
            acct = receivable.get((p.id, c.provider_id))
            if acct is None:
                raise InvalidInput(
                    f"provider {c.provider_reference} is not accredited by programme {code}",
                    code="provider_not_accredited",
                    where=f"claims[{i}] ({c.source} claim {c.reference})",
                )
            return history.Accounts(p.ledger, p.fund_account_id, acct)

        chains = []
        for i in fresh:
            c = claims[i]
            second = accounts(i, c.secondary_programme) if c.secondary_programme else None
            chains.append(history.chain(c, accounts(i, c.programme), second))
        parts = history.parts([len(x) for x in chains], len(by_code))
        added = charged = paid = own = owed = moved = 0
        if not parts:
            parts = [(0, 0)]
        for n, (start, end) in enumerate(parts):
            idx = fresh[start:end]
            transfers = history.funding(
                [claims[i] for i in idx], chains[start:end], by_code, funding
            )
            for x in chains[start:end]:
                transfers.extend(x)
            rows = [
                history.row(claims[i], by_code[claims[i].programme], members, payloads[i])
                for i in idx
            ]
            first = also if n == 0 else None

            def write(conn: Connection, results: list[Any], rows: list[Any] = rows,
                      first: Callable[[Connection], None] | None = first,
                      transfers: list[Any] = transfers) -> None:  # fmt: skip
                for t, r in zip(transfers, results, strict=True):
                    if not r.recorded:
                        cid = t.user_data_128
                        which = next((claims[i].reference for i in fresh
                                      if claims[i].claim_id == cid), "funding")  # fmt: skip
                        raise Conflict(
                            f"the ledger refused a payment of claim {which}: {r.value}",
                            code="payment_refused",
                            where=f"claim {which}",
                        )
                if first is not None:
                    first(conn)
                if rows:
                    no = claim_store.next_no(conn)
                    claim_store.insert_claims(conn, [(no + k, *r) for k, r in enumerate(rows)])

            with self._lock:
                if transfers:
                    self.settlement.move(transfers, write)
                else:
                    with write_transaction(self.engine) as conn:
                        write(conn, [])
            for i in idx:
                lines = claims[i].lines
                charged += sum(x.charged for x in lines)
                paid += sum(x.payer_paid + x.secondary_paid for x in lines)
                own += sum(x.patient_paid for x in lines)
                owed += sum(x.outstanding for x in lines)
            added += len(idx)
            moved += len(transfers)
            if progress is not None:
                progress(len(idx))
        return replace(
            out,
            added=added,
            unchanged=unchanged,
            charged=charged,
            payer_paid=paid,
            patient_paid=own,
            outstanding=owed,
            transfers=moved,
        )

    # -- reviewing, reversing, releasing ------------------------------------------------

    def _payer_claim(self, conn: Connection, claim_id: int, actor: Actor | None) -> Claim:
        c = claim_store.claims_by_id(conn, [claim_id]).get(claim_id)
        if c is None or not self._may_see(conn, c, actor):
            raise NotFound(f"claim {claim_id} not found", code="claim_not_found")
        if actor is not None and actor.kind not in (PartyKind.ADMIN, PartyKind.PAYER):
            raise Forbidden("only the programme's payer may do this", code="not_the_payer")
        return c

    def review(
        self,
        claim_id: int,
        actor: Actor | None = None,
        *,
        reject: Mapping[int, str] | None = None,
        reject_all: str | None = None,
        note: str = "",
    ) -> Claim:
        """Decide a claim in review: reject the lines named (with a reason), approve the
        rest and pay what is approved, in one transaction with the money."""
        _need(actor, Scope.CLAIMS_REVIEW)
        reject = dict(reject or {})
        with self._lock:
            now = self.clock.now_ns()
            with read_transaction(self.engine) as conn:
                c = self._payer_claim(conn, claim_id, actor)
                if c.status is not ClaimStatus.IN_REVIEW:
                    raise Conflict(
                        f"claim {claim_id} is {c.status.label}, not in review",
                        code="not_in_review",
                    )
                open_seqs = {x.sequence for x in c.lines if x.status is not LineStatus.REJECTED}
                if reject_all is not None:
                    if not reject_all.strip():
                        raise InvalidInput("a rejection needs a reason", where="reject_all")
                    reject = dict.fromkeys(open_seqs, reject_all)
                for seq, why in reject.items():
                    if seq not in open_seqs:
                        raise InvalidInput(
                            f"claim {claim_id} has no open line {seq}", where=f"reject.{seq}"
                        )
                    if not why.strip():
                        raise InvalidInput("a rejected line needs a reason", where=f"reject.{seq}")
                payment = None
                lines, taken = _rejected_in_review(c.lines, reject)
                whole = len(taken) == len(open_seqs)
                if not whole:
                    payment = self._payment(conn, c, lines)
            totals = _totals(lines)
            findings = list(c.findings)
            if whole:
                findings.append(
                    Finding(
                        Reason.REJECTED_IN_REVIEW.value,
                        reject_all or "every line was rejected in review",
                    )
                )
            detail = "; ".join(f"line {s}: {w}" for s, w in sorted(reject.items()))

            def write(conn: Connection, outcomes: list[Settled]) -> None:
                status = ClaimStatus.REJECTED if whole else ClaimStatus.VALUATED
                paid_at, settlement = None, None
                if outcomes:
                    if outcomes[0].ok:
                        status, paid_at = ClaimStatus.PAID, now
                        self._close_preauth(conn, c)
                    else:
                        settlement = outcomes[0].result
                claim_store.update_claim(
                    conn,
                    c.no,
                    status=status.value,
                    lines=claim_store.lines_json(lines),
                    findings=claim_store.findings_json(findings),
                    decided_at=now,
                    paid_at=paid_at,
                    settlement=settlement,
                    **totals,
                )
                self._release(conn, c, taken, whole)
                claim_store.add_review(
                    conn,
                    c.no,
                    actor.party_id if actor else None,
                    now,
                    "reject" if whole else "approve",
                    f"{note} {detail}".strip(),
                )

            self.settlement.settle([], [payment] if payment else [], write)
            done = self.get(claim_id)
        self._hand_to_pool([done])
        return done

    def _payment(self, conn: Connection, c: Claim, lines: Sequence[Line]) -> Payment:
        """The payment a stored claim makes for these lines."""
        book = self._books_for(conn, {c.programme_id})[c.programme_id]
        member = (
            scheme_store.members_by_id(conn, [c.member_id]).get(c.member_id)
            if c.member_id
            else None
        )
        pa = claim_store.preauths(conn, [c.preauth_id]).get(c.preauth_id) if c.preauth_id else None
        live = (
            pa is not None
            and pa.status is ClaimStatus.AUTHORISED
            and pa.expires_at > self.clock.now_ns()
        )
        totals = _totals(lines)
        return batch.payment_of(
            c.id,
            book,
            c.provider_id,
            totals["payer"],
            totals["co_pay"] + totals["deductible"],
            member,
            (pa.id, pa.reserved) if pa is not None and live else None,
        )

    def _close_preauth(self, conn: Connection, c: Claim) -> None:
        if not c.preauth_id:
            return
        pa = claim_store.preauths(conn, [c.preauth_id]).get(c.preauth_id)
        if pa is not None and pa.status is ClaimStatus.AUTHORISED:
            claim_store.update_claim(conn, pa.no, status=ClaimStatus.CLOSED.value)

    def _release(self, conn: Connection, c: Claim, lines: Sequence[Line], whole: bool) -> None:
        if c.enrolment_id is None or c.use is not ClaimUse.CLAIM:
            return
        policy_id, visits, dup_key = claim_store.usage_keys(conn, c.no)
        usage = claim_store.load_usage(conn, [c.enrolment_id])
        pol = claim_store.load_policy_usage(conn, [policy_id]) if policy_id else {}
        release(
            usage.get(c.enrolment_id),
            pol.get(policy_id) if policy_id else None,
            lines,
            c.encounter_class.hospital,
            visits if whole else 0,
            dup_key,
        )
        claim_store.save_usage(conn, usage, pol)

    def settle_pending(self, limit: int = 1000) -> int:
        """Pay valuated claims whose payment the ledger refused (a fund that was short,
        say); returns how many were paid now."""
        with self._lock:
            with read_transaction(self.engine) as conn:
                waiting = [
                    c
                    for c in claim_store.search(
                        conn, status=ClaimStatus.VALUATED, limit=min(limit, MAX_CHAINS)
                    )
                    if c.use is ClaimUse.CLAIM
                ]
                payments = [self._payment(conn, c, c.lines) for c in waiting]
            if not payments:
                return 0
            now = self.clock.now_ns()

            def write(conn: Connection, outcomes: list[Settled]) -> None:
                rows: list[tuple[int, int, int | None, str | None]] = []
                for c, s in zip(waiting, outcomes, strict=True):
                    if s.ok:
                        rows.append((c.no, ClaimStatus.PAID.value, now, None))
                        self._close_preauth(conn, c)
                    else:
                        rows.append((c.no, ClaimStatus.VALUATED.value, None, s.result))
                claim_store.set_outcomes(conn, rows)

            results = self.settlement.settle([], payments, write)
            return sum(1 for s in results if s.ok)

    def reverse(self, claim_id: int, reason: str, actor: Actor | None = None) -> Claim:
        """Reverse a paid claim by correcting transfers (the claim is not edited beyond its
        status); the limits it used are given back."""
        _need(actor, Scope.CLAIMS_REVIEW)
        if not reason.strip():
            raise InvalidInput("a reversal needs a reason", where="reason")
        with self._lock:
            with read_transaction(self.engine) as conn:
                c = self._payer_claim(conn, claim_id, actor)
                if c.status is not ClaimStatus.PAID:
                    raise Conflict(
                        f"claim {claim_id} is {c.status.label}; only a paid claim is reversed",
                        code="not_paid",
                    )
                pay = self._payment(conn, c, c.lines)
            pay = replace(pay, preauth_id=0, preauth_amount=0)
            now = self.clock.now_ns()

            def write(conn: Connection, outcomes: list[Settled]) -> None:
                if not outcomes[0].ok:
                    return
                claim_store.update_claim(
                    conn, c.no, status=ClaimStatus.REVERSED.value, reversed_at=now
                )
                accepted = [x for x in c.lines if x.status is not LineStatus.REJECTED]
                self._release(conn, c, accepted, True)
                claim_store.add_review(
                    conn, c.no, actor.party_id if actor else None, now, "reverse", reason
                )

            result = self.settlement.reverse([pay], write)[0]
            if not result.ok:
                raise Conflict(
                    f"the ledger refused the reversal of claim {claim_id}: {result.result}",
                    code="reversal_refused",
                )
            return self.get(claim_id)

    def release_preauth(self, claim_id: int, actor: Actor | None = None) -> Claim:
        """Release a pre-authorisation's hold (the admission did not happen)."""
        _need(actor, Scope.CLAIMS_READ)
        with self._lock:
            with read_transaction(self.engine) as conn:
                c = claim_store.claims_by_id(conn, [claim_id]).get(claim_id)
                if (
                    c is None
                    or not self._may_see(conn, c, actor)
                    or (actor is not None and actor.kind is PartyKind.PATIENT)
                ):
                    raise NotFound(f"claim {claim_id} not found", code="claim_not_found")
            if c.use is not ClaimUse.PREAUTHORIZATION or c.status is not ClaimStatus.AUTHORISED:
                raise Conflict(
                    f"claim {claim_id} is not a pre-authorisation holding money",
                    code="not_authorised",
                )

            def write(conn: Connection, outcomes: list[Settled]) -> None:
                if outcomes[0].ok:
                    claim_store.update_claim(conn, c.no, status=ClaimStatus.CLOSED.value)

            if c.reserved:
                result = self.settlement.release([c.id], write)[0]
                if not result.ok:
                    raise Conflict(
                        f"the ledger refused to release {claim_id}: {result.result}",
                        code="release_refused",
                    )
            else:
                with write_transaction(self.engine) as conn:
                    claim_store.update_claim(conn, c.no, status=ClaimStatus.CLOSED.value)
            return self.get(claim_id)


@dataclass(frozen=True, slots=True)
class _Single:
    """A single claim waiting to be decided with others that arrived with it.

    claim: the claim. provider, programme: their ids. raw: its canonical payload.
    submitted_by: the submitting party.
    """

    claim: ClaimInput
    provider: int
    programme: int
    raw: bytes
    submitted_by: int | None


@dataclass(slots=True)
class _Part:
    """A part of a batch, decided and on its way to the store and the ledger.

    now: the clock when it was decided. size: its claims. fresh: the indexes of those
    decided now (the others are replays or conflicts). replays: index -> stored number.
    conflicts: index -> the Conflict of a reference reused for a different claim.
    decided: the decided claims, in the order of ``fresh``. books: the rules they were
    decided by. holds, held, payments, paying, released: what the ledger is asked
    (``batch.holds_and_payments``, ``batch.releases_of``). write: what stores it inside
    the ledger's commit (``batch.recorder``). submitted_by: the submitting party.
    """

    now: int
    size: int
    fresh: list[int]
    replays: dict[int, int]
    conflicts: dict[int, Conflict]
    decided: list[batch.Decided]
    books: dict[int, RuleBook]
    holds: list[Hold]
    held: list[batch.Decided]
    payments: list[Payment]
    paying: list[batch.Decided]
    released: list[batch.Decided]
    write: Recorder
    submitted_by: int | None


def _may_join(item: _Single, others: Sequence[_Single]) -> bool:
    """One submitter per group, and a provider's reference at most once in it."""
    for o in others:
        if o.submitted_by != item.submitted_by:
            return False
        if item.claim.reference and (o.provider, o.claim.reference) == (
            item.provider,
            item.claim.reference,
        ):
            return False
    return True


def _chunks(claims: Sequence[ClaimInput]) -> list[tuple[int, int]]:
    """Split a batch so that each part settles in one ledger batch, whatever is decided."""
    out = []
    start = weight = 0
    for i, c in enumerate(claims):
        w = _WORST_CHAIN[bool(c.preauth_id)]
        if weight + w > BATCH_MAX:
            out.append((start, i))
            start, weight = i, 0
        weight += w
    out.append((start, len(claims)))
    return out


def _rejected_in_review(
    lines: Sequence[Line], reject: Mapping[int, str]
) -> tuple[list[Line], list[Line]]:
    out, taken = [], []
    for x in lines:
        why = reject.get(x.sequence)
        if why is None:
            out.append(x)
            continue
        taken.append(x)
        out.append(
            x._replace(
                valuated=0,
                payer=0,
                co_pay=0,
                deductible=0,
                not_covered=0,
                status=LineStatus.REJECTED,
                reason=Reason.REJECTED_IN_REVIEW.value,
                message=why,
            )
        )
    return out, taken


def _totals(lines: Sequence[Line]) -> dict[str, int]:
    return {
        "valuated": sum(x.valuated for x in lines),
        "payer": sum(x.payer for x in lines),
        "co_pay": sum(x.co_pay for x in lines),
        "deductible": sum(x.deductible for x in lines),
        "not_covered": sum(x.not_covered for x in lines),
    }


def _check_shape(c: ClaimInput, where: str) -> None:
    """Faults that make a submission not a claim at all (nothing is stored)."""
    if not c.member.strip():
        raise InvalidInput("a claim names its member", where=f"{where}.member")
    if not c.lines:
        raise InvalidInput("a claim has at least one line", where=f"{where}.lines")
    if len(c.lines) > 200:
        raise InvalidInput("a claim has at most 200 lines", where=f"{where}.lines")
    if not c.encounter.diagnoses:
        raise InvalidInput(
            "a claim carries at least one diagnosis", where=f"{where}.encounter.diagnoses"
        )
    e = c.encounter
    if e.end is not None and e.end < e.start:
        raise InvalidInput(
            f"the encounter ends ({e.end}) before it starts ({e.start})",
            where=f"{where}.encounter.end",
        )
    seen: set[int] = set()
    for k, x in enumerate(c.lines):
        if x.sequence in seen:
            raise InvalidInput(
                f"line sequence {x.sequence} is used twice", where=f"{where}.lines[{k}].sequence"
            )
        seen.add(x.sequence)
        if x.quantity < 1:
            raise InvalidInput(
                f"quantity must be at least 1, not {x.quantity}",
                where=f"{where}.lines[{k}].quantity",
            )
        if x.unit_price < 0:
            raise InvalidInput("a price cannot be negative", where=f"{where}.lines[{k}].unit_price")
    if c.reference is not None and not 0 < len(c.reference) <= 64:
        raise InvalidInput("a reference has 1 to 64 characters", where=f"{where}.reference")


def _stored_references(
    conn: Connection, claims: Sequence[ClaimInput], providers: Sequence[int]
) -> dict[tuple[int, str], tuple[bytes, int]]:
    """The claims stored under these claims' references: digest and number by (provider,
    reference)."""
    pairs = [(p, c.reference) for c, p in zip(claims, providers, strict=True) if c.reference]
    return claim_store.by_references(conn, pairs) if pairs else {}


def _repeated_references(
    claims: Sequence[ClaimInput], providers: Sequence[int]
) -> list[tuple[int, str]]:
    """Raises when a provider's reference is given twice in a batch; the (provider,
    reference) pairs given."""
    seen: dict[tuple[int, str], int] = {}
    for i, c in enumerate(claims):
        if not c.reference:
            continue
        key = (providers[i], c.reference)
        if key in seen:
            raise InvalidInput(
                f"claim reference {c.reference} appears twice in the batch"
                f" (claims[{seen[key]}] and claims[{i}])",
                code="reference_repeated",
                where=f"claims[{i}].reference",
            )
        seen[key] = i
    return list(seen)


def _replays_in(
    stored: dict[tuple[int, str], tuple[bytes, int]],
    claims: Sequence[ClaimInput],
    providers: Sequence[int],
    payload_of: Callable[[int], bytes],
    conflicts: dict[int, Conflict] | None = None,
) -> dict[int, int]:
    """Claims stored already under their reference, by index: their stored number (see
    ``Claims._replays``; ``stored`` is what the store holds under their references)."""
    out: dict[int, int] = {}
    for i, c in enumerate(claims):
        found = stored.get((providers[i], c.reference)) if c.reference else None
        if found is None:
            continue
        if found[0] != payload.digest(payload_of(i)):
            err = Conflict(
                f"claim reference {c.reference} was used for a different claim",
                code="reference_reused",
                where=f"claims[{i}].reference" if len(claims) > 1 else "claim.reference",
            )
            if conflicts is None:
                raise err
            conflicts[i] = err
            continue
        out[i] = found[1]
    return out
