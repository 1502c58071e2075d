"""Enrolling many households at once: a bulk path of a few statements, whatever the size.

Households, members (each with a patient party), policies and enrolments are each read
for the whole request in one query, the missing ones inserted in one statement, and read
back; a member number already registered with other details, or given twice with
different details, is a ``Conflict`` naming its place in the request. Runs inside the
caller's transaction, so a fault anywhere stores nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import Connection

from thamani.errors import Conflict, InvalidInput
from thamani.ledger.ids import parse_id
from thamani.parties.records import PartyKind
from thamani.schemes import store
from thamani.schemes.documents import HouseholdIn
from thamani.schemes.records import Enrolment, Member, Programme, Sex


def enrol_many(
    conn: Connection,
    p: Programme,
    households: Sequence[HouseholdIn],
    now: int,
    where: str = "households",
) -> tuple[int, int]:
    """Enrol households in a programme; returns (enrolments created, members created)."""
    for i, h in enumerate(households):
        if h.start < p.valid_from or h.end > p.valid_to:
            raise InvalidInput(
                f"household {h.reference}: the policy {h.start}..{h.end} lies outside the"
                f" programme's validity {p.valid_from}..{p.valid_to}",
                code="policy_outside_programme",
                where=f"{where}[{i}].start",
            )
    # Households.
    found = store.households_by_reference(conn, list({h.reference for h in households}))
    new_households: dict[str, tuple[str, str]] = {}
    for h in households:
        if h.reference not in found:
            new_households.setdefault(h.reference, (h.name, h.area))
    if new_households:
        store.insert_households(conn, [(r, n, a) for r, (n, a) in new_households.items()], now)
        found = store.households_by_reference(conn, list({h.reference for h in households}))
    home = {ref: x.id for ref, x in found.items()}
    # Members: one set of details per number, in the request and in the store.
    wanted: dict[str, tuple[int, str, Sex, date, int, str]] = {}
    for i, h in enumerate(households):
        for j, m in enumerate(h.members):
            at = f"{where}[{i}].members[{j}]"
            wallet = (
                parse_id(m.wallet_account, field=f"{at}.wallet_account") if m.wallet_account else 0
            )
            details = (home[h.reference], m.name, m.sex, m.birth_date, wallet, at)
            seen = wanted.get(m.number)
            if seen is not None and seen[:4] != details[:4]:
                raise Conflict(
                    f"member {m.number} is given twice with different details ({seen[5]} and here)",
                    code="member_mismatch",
                    where=at,
                )
            wanted.setdefault(m.number, details)
    known = store.members_by_reference(conn, list(wanted))
    for number, (hid, name, sex, born, _wallet, at) in wanted.items():
        m0 = known.get(number)
        if m0 is not None and (m0.household_id, m0.name, m0.sex, m0.birth_date) != (
            hid,
            name,
            sex,
            born,
        ):
            raise Conflict(
                f"member {number} is registered already with other details"
                f" ({m0.name}, {m0.sex.value}, born {m0.birth_date},"
                f" household {m0.household_id})",
                code="member_mismatch",
                where=at,
            )
    missing = [n for n in wanted if n not in known]
    if missing:
        refs = [f"member:{n}" for n in missing]
        parties = store.party_ids_by_reference(conn, refs)
        store.insert_patient_parties(
            conn,
            [(wanted[n][1], f"member:{n}") for n in missing if f"member:{n}" not in parties],
            PartyKind.PATIENT,
            now,
        )
        parties = store.party_ids_by_reference(conn, refs)
        store.insert_members(
            conn,
            [
                Member(0, hid, n, name, sex, born, parties[f"member:{n}"], wallet)
                for n in missing
                for hid, name, sex, born, wallet, _at in [wanted[n]]
            ],
            now,
        )
        known = store.members_by_reference(conn, list(wanted))
    # Policies and enrolments.
    keys = {(home[h.reference], h.start): h.end for h in households}
    policies = store.policies_of(conn, p.id, list({hid for hid, _ in keys}))
    new_policies = [
        (hid, start, end) for (hid, start), end in keys.items() if (hid, start) not in policies
    ]
    if new_policies:
        store.insert_policies(conn, p.id, new_policies, now)
        policies = store.policies_of(conn, p.id, list({hid for hid, _ in keys}))
    already = store.enrolled_pairs(conn, list(policies.values()))
    rows: list[Enrolment] = []
    planned: set[tuple[int, int]] = set()
    for h in households:
        policy = policies[(home[h.reference], h.start)]
        for m in h.members:
            member = known[m.number]
            pair = (policy, member.id)
            if pair in already or pair in planned:
                continue
            planned.add(pair)
            rows.append(Enrolment(0, policy, p.id, member.id, m.start or h.start, h.end))
    store.insert_enrolments(conn, rows)
    return len(rows), len(missing)
