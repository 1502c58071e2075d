"""The claims room's SQL: writing adjudicated batches, reading claims and usage.

Every function takes an open connection and runs inside the caller's transaction. The
batch path writes claims with ``bulk_insert`` (multi-row statements) and usage with
``bulk_upsert``; reads are SQLAlchemy Core, ``IN`` lists in chunks, never a query per claim.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

import orjson
from sqlalchemy import Connection, and_, or_, select, update

from thamani.claims import payload
from thamani.claims.cases import Preauth
from thamani.claims.records import (
    LINE_STATUS,
    Claim,
    ClaimInput,
    ClaimStatus,
    ClaimUse,
    Finding,
    Line,
    LineStatus,
)
from thamani.claims.usage import MemberUsage, PolicyUsage, ProviderStats
from thamani.db.engine import bulk_insert, bulk_upsert, fetch_all, select_in
from thamani.db.tables import (
    claim_reviews,
    claims,
    programmes,
)
from thamani.ledger.ids import from_bytes, to_bytes
from thamani.schemes.records import EncounterClass

_CHUNK = 900
_USE = {ClaimUse.CLAIM: 1, ClaimUse.PREAUTHORIZATION: 2}
_USE_OF = {v: k for k, v in _USE.items()}

COLUMNS = (
    "no",
    "id",
    "use",
    "status",
    "programme_id",
    "programme_version",
    "provider_id",
    "member_id",
    "member_ref",
    "enrolment_id",
    "policy_id",
    "reference",
    "service_date",
    "encounter_class",
    "visits",
    "asked",
    "valuated",
    "payer",
    "co_pay",
    "deductible",
    "not_covered",
    "preauth_id",
    "reserved",
    "expires_at",
    "dup_key",
    "digest",
    "findings",
    "flags",
    "lines",
    "payload",
    "submitted_by",
    "submitted_at",
    "decided_at",
    "paid_at",
    "reversed_at",
    "settlement",
)


def use_code(use: ClaimUse) -> int:
    return _USE[use]


def lines_json(lines: Sequence[Line]) -> str:
    """Lines as arrays in ``Line``'s field order (the status as its text)."""
    return orjson.dumps([tuple(x) for x in lines]).decode()


def _lines(text: str) -> tuple[Line, ...]:
    return tuple(
        Line(s, c, q, a, v, p, cp, d, n, LINE_STATUS[st], r, m)
        for s, c, q, a, v, p, cp, d, n, st, r, m in orjson.loads(text)
    )


def findings_json(findings: Sequence[Finding]) -> str:
    if not findings:
        return "[]"
    return orjson.dumps([[f.code, f.message, f.line] for f in findings]).decode()


def _findings(text: str) -> tuple[Finding, ...]:
    return tuple(Finding(c, m, line) for c, m, line in orjson.loads(text))


# -- writing ------------------------------------------------------------------------------


def next_no(conn: Connection) -> int:
    return int(fetch_all(conn, "SELECT coalesce(max(no), 0) FROM claims")[0][0]) + 1


def insert_claims(conn: Connection, rows: list[tuple[Any, ...]]) -> None:
    """Rows in the order of ``COLUMNS``."""
    bulk_insert(conn, "claims", COLUMNS, rows)


def set_outcomes(conn: Connection, rows: Sequence[tuple[int, int, int | None, str | None]]) -> None:
    """Set (no, status, paid_at, settlement) on many claims."""
    by_kind: dict[tuple[int, int | None, str | None], list[int]] = {}
    for no, status, paid_at, settlement in rows:
        by_kind.setdefault((status, paid_at, settlement), []).append(no)
    for (status, paid_at, settlement), nos in by_kind.items():
        for i in range(0, len(nos), _CHUNK):
            conn.execute(
                update(claims)
                .where(claims.c.no.in_(nos[i : i + _CHUNK]))
                .values(status=status, paid_at=paid_at, settlement=settlement)
            )


def update_claim(conn: Connection, no: int, **values: Any) -> None:
    conn.execute(update(claims).where(claims.c.no == no).values(**values))


def add_review(
    conn: Connection, no: int, party_id: int | None, at: int, action: str, note: str
) -> None:
    conn.execute(
        claim_reviews.insert().values(
            claim_no=no, party_id=party_id, at=at, action=action, note=note
        )
    )


def reviews(conn: Connection, no: int) -> list[tuple[int | None, int, str, str]]:
    return [
        (r.party_id, r.at, r.action, r.note)
        for r in conn.execute(
            select(claim_reviews).where(claim_reviews.c.claim_no == no).order_by(claim_reviews.c.id)
        )
    ]


# -- usage --------------------------------------------------------------------------------


def load_usage(conn: Connection, enrolment_ids: Iterable[int]) -> dict[int, MemberUsage]:
    sql = "SELECT enrolment_id, data FROM claim_usage WHERE enrolment_id IN ({in})"
    return {k: MemberUsage.loads(v) for k, v in select_in(conn, sql, list(set(enrolment_ids)))}


def load_policy_usage(conn: Connection, policy_ids: Iterable[int]) -> dict[int, PolicyUsage]:
    sql = "SELECT policy_id, data FROM policy_usage WHERE policy_id IN ({in})"
    return {k: PolicyUsage.loads(v) for k, v in select_in(conn, sql, list(set(policy_ids)))}


def save_usage(
    conn: Connection, usage: dict[int, MemberUsage], policies: dict[int, PolicyUsage]
) -> None:
    """Write the usage rows changed in memory (one upsert statement per ~2,000 rows).

    The flags are left as they are: the transaction may be run again, and the memory is
    dropped after the use case anyway."""
    save_usage_rows(
        conn,
        [(k, u.dumps()) for k, u in usage.items() if u.dirty],
        [(k, u.dumps()) for k, u in policies.items() if u.dirty],
    )


def save_usage_rows(
    conn: Connection, usage: list[tuple[int, str]], policies: list[tuple[int, str]]
) -> None:
    """Write usage rows: (enrolment id, data) and (policy id, data)."""
    bulk_upsert(conn, "claim_usage", ("enrolment_id", "data"), ("enrolment_id",), usage)
    bulk_upsert(conn, "policy_usage", ("policy_id", "data"), ("policy_id",), policies)


def load_stats(conn: Connection, levels: dict[int, dict[int, str]]) -> ProviderStats:
    """Provider statistics of these programmes; ``levels`` maps programme -> provider -> level."""
    stats = ProviderStats()
    if not levels:
        return stats
    sql = (
        "SELECT programme_id, provider_id, encounters, valuated FROM provider_stats"
        " WHERE programme_id IN ({in})"
    )
    for programme, provider, encounters, valuated in select_in(conn, sql, list(levels)):
        stats.own[(programme, provider)] = [encounters, valuated]
        level = levels[programme].get(provider)
        if level is not None:
            peer = stats.peers.setdefault((programme, level), [0, 0])
            peer[0] += encounters
            peer[1] += valuated
    return stats


def save_stats_rows(conn: Connection, rows: list[tuple[int, int, int, int]]) -> None:
    """Add (programme, provider, encounters, valuated) to the providers' running totals."""
    bulk_upsert(
        conn,
        "provider_stats",
        ("programme_id", "provider_id", "encounters", "valuated"),
        ("programme_id", "provider_id"),
        rows,
        accumulate=True,
    )


# -- reading ------------------------------------------------------------------------------

_LIVE = (ClaimStatus.REJECTED.value, ClaimStatus.REVERSED.value)


def by_references(
    conn: Connection, pairs: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], tuple[bytes, int]]:
    """Stored claims by (provider, reference): their digest and number. One query per
    provider (``provider_id = ? AND reference IN (...)``), each an index seek."""
    by_provider: dict[int, set[str]] = {}
    for provider, ref in pairs:
        by_provider.setdefault(provider, set()).add(ref)
    out: dict[tuple[int, str], tuple[bytes, int]] = {}
    sql = "SELECT reference, digest, no FROM claims WHERE provider_id = ? AND reference IN ({in})"
    for provider, refs in by_provider.items():
        for ref, dig, no in select_in(conn, sql, list(refs), before=(provider,)):
            out[(provider, ref)] = (bytes(dig), no)
    return out


def preauths(conn: Connection, ids: Iterable[int]) -> dict[int, Preauth]:
    wanted = [to_bytes(i) for i in set(ids) if i]
    out: dict[int, Preauth] = {}
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(
            select(
                claims.c.no,
                claims.c.id,
                claims.c.programme_id,
                claims.c.provider_id,
                claims.c.member_id,
                claims.c.status,
                claims.c.expires_at,
                claims.c.reserved,
                claims.c.lines,
            ).where(
                and_(
                    claims.c.id.in_(wanted[i : i + _CHUNK]),
                    claims.c.use == _USE[ClaimUse.PREAUTHORIZATION],
                )
            )
        ):
            lines = _lines(r.lines)
            cid = from_bytes(r.id)
            out[cid] = Preauth(
                cid,
                r.no,
                r.programme_id,
                r.provider_id,
                r.member_id,
                ClaimStatus(r.status),
                r.expires_at,
                r.reserved,
                frozenset(x.code for x in lines if x.status is not LineStatus.REJECTED),
            )
    return out


def _select() -> Any:
    return select(
        claims, programmes.c.code.label("programme_code"), programmes.c.currency
    ).select_from(claims.outerjoin(programmes, programmes.c.id == claims.c.programme_id))


def _claim(r: Any) -> Claim:
    return Claim(
        id=from_bytes(r.id),
        use=_USE_OF[r.use],
        status=ClaimStatus(r.status),
        programme_id=r.programme_id,
        programme_code=r.programme_code or "",
        currency=r.currency or "XXX",
        provider_id=r.provider_id,
        member_id=r.member_id,
        member_ref=r.member_ref,
        enrolment_id=r.enrolment_id,
        reference=r.reference,
        service_date=r.service_date,
        encounter_class=EncounterClass(r.encounter_class),
        lines=_lines(r.lines),
        asked=r.asked,
        valuated=r.valuated,
        payer=r.payer,
        co_pay=r.co_pay,
        deductible=r.deductible,
        not_covered=r.not_covered,
        findings=_findings(r.findings),
        flags=_findings(r.flags),
        preauth_id=from_bytes(r.preauth_id),
        reserved=r.reserved,
        expires_at=r.expires_at,
        submitted_at=r.submitted_at,
        decided_at=r.decided_at,
        paid_at=r.paid_at,
        reversed_at=r.reversed_at,
        settlement=r.settlement,
        encounter=payload.loads(r.payload).encounter,
        no=r.no,
    )


def claims_by_id(conn: Connection, ids: Iterable[int]) -> dict[int, Claim]:
    wanted = [to_bytes(i) for i in set(ids)]
    out: dict[int, Claim] = {}
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(_select().where(claims.c.id.in_(wanted[i : i + _CHUNK]))):
            c = _claim(r)
            out[c.id] = c
    return out


def claims_by_no(conn: Connection, nos: Iterable[int]) -> dict[int, Claim]:
    wanted = list(set(nos))
    out: dict[int, Claim] = {}
    for i in range(0, len(wanted), _CHUNK):
        for r in conn.execute(_select().where(claims.c.no.in_(wanted[i : i + _CHUNK]))):
            out[r.no] = _claim(r)
    return out


def input_of(conn: Connection, no: int) -> Any:
    raw = conn.execute(select(claims.c.payload).where(claims.c.no == no)).scalar_one()
    return payload.loads(raw)


def usage_keys(conn: Connection, no: int) -> tuple[int | None, int, int | None]:
    """A claim's policy, the visit kinds it counted as, and its duplicate key."""
    r = conn.execute(
        select(claims.c.policy_id, claims.c.visits, claims.c.dup_key).where(claims.c.no == no)
    ).one()
    return r.policy_id, r.visits, r.dup_key


def search(
    conn: Connection,
    *,
    status: ClaimStatus | None = None,
    programme_ids: Sequence[int] | None = None,
    provider_id: int | None = None,
    member_ids: Sequence[int] | None = None,
    after: int = 0,
    limit: int = 100,
    valuated_unpaid: bool = False,
) -> list[Claim]:
    """Claims by the given filters, in the order they were stored, after a cursor."""
    stmt = _select().where(claims.c.no > after)
    if status is not None:
        stmt = stmt.where(claims.c.status == status.value)
    if programme_ids is not None:
        stmt = stmt.where(claims.c.programme_id.in_(list(programme_ids)))
    if provider_id is not None:
        stmt = stmt.where(claims.c.provider_id == provider_id)
    if member_ids is not None:
        stmt = stmt.where(claims.c.member_id.in_(list(member_ids)))
    if valuated_unpaid:
        stmt = stmt.where(
            or_(
                and_(claims.c.status == ClaimStatus.VALUATED.value),
            )
        )
    return [_claim(r) for r in conn.execute(stmt.order_by(claims.c.no).limit(limit))]


#: Dates as ISO text, by date: a batch names a few hundred days over and over, and
#: formatting one costs more than looking it up.
_DAYS: dict[date, str] = {}
_DAYS_MAX = 20_000


def day_param(d: date) -> str:
    """Dates go to bulk statements as ISO text (SQLite and psycopg both read it)."""
    text = _DAYS.get(d)
    if text is None:
        text = d.isoformat()
        if len(_DAYS) < _DAYS_MAX:
            _DAYS[d] = text
    return text


def page(conn: Connection, after: int = 0, limit: int = 1000) -> list[tuple[Claim, ClaimInput]]:
    """Claims in the store's order after a cursor (the last ``no`` seen), each with its
    submission as stored (the bulk export's read)."""
    stmt = _select().where(claims.c.no > after).order_by(claims.c.no).limit(limit)
    return [(_claim(r), payload.loads(r.payload)) for r in conn.execute(stmt)]
