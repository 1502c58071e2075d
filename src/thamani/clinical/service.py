"""The clinical room's use cases: store records in bulk, read a patient's record.

Who may see what: a patient sees their own record; a provider sees the encounters at its
own facility and what was recorded in them; admins and auditors see everything; anyone
else finds nothing (``NotFound``, exactly as for a patient with no record). Storing in
bulk (an import) needs the ``interop:admin`` scope, which only admins hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from thamani.clinical import store
from thamani.clinical.records import (
    ClinicalBatch,
    ClinicalRecord,
    Encounter,
    Kind,
    Record,
    Stored,
)
from thamani.clock import Clock, SystemClock
from thamani.db.engine import read_transaction, write_transaction
from thamani.errors import Forbidden, InvalidInput, NotFound
from thamani.parties.records import Actor, PartyKind, Scope


@dataclass(frozen=True, slots=True)
class EncounterRecord:
    """One encounter and what was recorded in it.

    encounter: the encounter.
    linked: the records that name it, by kind (every kind but ``encounter``).
    """

    encounter: Encounter
    linked: dict[Kind, list[Record]]


def _need(actor: Actor | None, scope: Scope) -> None:
    if actor is not None and not actor.has(scope):
        raise Forbidden(f"this token lacks the scope {scope.value}", code="missing_scope")


def _reads_all(actor: Actor | None) -> bool:
    return actor is None or actor.kind in (PartyKind.ADMIN, PartyKind.AUDITOR)


class Clinical:
    """Clinical records over one store."""

    def __init__(self, engine: Engine, clock: Clock | None = None) -> None:
        self.engine = engine
        self.clock: Clock = clock or SystemClock()

    # -- storing ------------------------------------------------------------------------

    def store(self, batch: ClinicalBatch, actor: Actor | None = None) -> Stored:
        """Store a batch in one transaction; records stored already (same source and
        source id) are left as they are, so storing the same batch twice changes
        nothing."""
        _need(actor, Scope.INTEROP_ADMIN)
        with write_transaction(self.engine) as conn:
            return self.store_in(conn, batch)

    def store_in(self, conn: Connection, batch: ClinicalBatch) -> Stored:
        """As ``store``, inside the caller's transaction (an importer writing several
        rooms at once checks access itself)."""
        return store.insert_batch(conn, batch)

    def encounter_ids(
        self, source: str, source_ids: Sequence[str], conn: Connection | None = None
    ) -> dict[str, int]:
        """The store's ids of encounters stored under these source ids."""
        if conn is not None:
            return store.stored_ids(conn, Kind.ENCOUNTER, source, source_ids)
        with read_transaction(self.engine) as c:
            return store.stored_ids(c, Kind.ENCOUNTER, source, source_ids)

    # -- reading ------------------------------------------------------------------------

    def record(self, patient_id: int, actor: Actor | None = None) -> ClinicalRecord:
        """A patient's clinical record, as far as the caller may see it; a caller who may
        see none of it gets ``NotFound``."""
        _need(actor, Scope.CLINICAL_READ)
        facility = None
        if not _reads_all(actor):
            assert actor is not None
            if actor.kind is PartyKind.PATIENT and actor.party_id == patient_id:
                pass
            elif actor.kind is PartyKind.PROVIDER:
                facility = actor.party_id
            else:
                raise NotFound(
                    f"no clinical record for patient {patient_id}", code="record_not_found"
                )
        with read_transaction(self.engine) as conn:
            found = store.record_of(conn, patient_id, facility)
        if facility is not None and not found.encounters:
            raise NotFound(f"no clinical record for patient {patient_id}", code="record_not_found")
        return found

    def encounter(self, encounter_id: int, actor: Actor | None = None) -> EncounterRecord:
        """One encounter with what was recorded in it."""
        _need(actor, Scope.CLINICAL_READ)
        with read_transaction(self.engine) as conn:
            e = store.encounters_by_id(conn, [encounter_id]).get(encounter_id)
            if e is None or not _may_see(e, actor):
                raise NotFound(f"encounter {encounter_id} not found", code="encounter_not_found")
            return EncounterRecord(e, store.linked_to(conn, encounter_id))

    def page(
        self, kind: Kind, after: int = 0, limit: int = 10_000, actor: Actor | None = None
    ) -> list[Record]:
        """Every record of one kind in the store's order after a cursor (the last id
        seen): the bulk export's read, for ``interop:admin`` only."""
        _need(actor, Scope.INTEROP_ADMIN)
        if not 1 <= limit <= 100_000:
            raise InvalidInput("limit must be between 1 and 100,000", where="limit")
        with read_transaction(self.engine) as conn:
            return store.page(conn, kind, after, limit)

    def counts(self, source: str | None = None) -> dict[Kind, int]:
        """How many records of each kind are stored (from one source, when given)."""
        with read_transaction(self.engine) as conn:
            return store.counts(conn, source)


def _may_see(e: Encounter, actor: Actor | None) -> bool:
    if _reads_all(actor) or actor is None:
        return True
    if actor.kind is PartyKind.PATIENT:
        return e.patient_id == actor.party_id
    if actor.kind is PartyKind.PROVIDER:
        return e.facility_id == actor.party_id
    return False
