"""The region's households and people as the parties, wallets and enrolments rooms take them.

- Every person becomes a patient party: ``member:<number>`` for those enrolled in a
  programme (the schemes room links the member to it), ``patient:<number>`` for the rest.
- A household's **wallet** is held by its first member with a phone (the head when they
  have one, else the oldest with one): the wallets room opens it with that person's
  phone, and every member of the household names its savings account for co-pays. A
  household where nobody has a phone has no wallet; it pays at the desk, in cash.
- **Enrolment**: a household programme's members are enrolled with their household for
  the whole period (a baby from its birth); a voucher holder is enrolled for her
  pregnancy's period under her own household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from thamani.schemes.documents import HouseholdIn, MemberIn
from thamani.schemes.records import Sex
from thamani.synth.load.naming import Names
from thamani.synth.region import Region
from thamani.wallets.records import WalletOpening

I64 = NDArray[np.int64]


def dates(values: NDArray[Any]) -> list[date]:
    """datetime64 values as ``date`` objects."""
    return list(values.astype("datetime64[D]").astype(object))


@dataclass(frozen=True, slots=True)
class Households:
    """Who holds each household's wallet and who is a member of a programme.

    holder: per household, the person holding its wallet (-1: nobody has a phone).
    member: per person, enrolled in at least one programme.
    """

    holder: I64
    member: NDArray[np.bool_]

    def wallet_households(self) -> I64:
        return np.flatnonzero(self.holder >= 0)


def households(region: Region) -> Households:
    people = region["people"]
    n_hh = len(region["households"])
    phone = people["phone"] != ""
    hh = people["household_id"]
    holder = np.full(n_hh, -1, dtype=np.int64)
    with_phone = np.flatnonzero(phone)
    # People are numbered head first, then older before younger: the first with a phone.
    first_hh, first = np.unique(hh[with_phone], return_index=True)
    holder[first_hh] = with_phone[first]
    member = np.zeros(len(people), dtype=bool)
    member[region["enrolments"]["person_id"]] = True
    return Households(holder, member)


def patient_parties(region: Region, names: Names, hh: Households) -> list[tuple[str, str]]:
    """(name, reference) of every person's patient party, in person order."""
    out = []
    for pid, is_member in enumerate(hh.member.tolist()):
        number = names.person(pid)
        ref = names.member_party(pid) if is_member else names.patient_party(pid)
        out.append((f"Resident {number}", ref))
    return out


def party_reference(names: Names, hh: Households, person_id: int) -> str:
    return names.member_party(person_id) if hh.member[person_id] else names.patient_party(person_id)


def wallet_openings(
    region: Region, names: Names, hh: Households, party_of: dict[str, int]
) -> list[WalletOpening]:
    """The wallets to open: one per household with a phone, held by its holder."""
    people = region["people"]
    areas = region["areas"]["name"]
    sexes = people.column("sex").decoded()
    holders = hh.holder[hh.wallet_households()]
    born = dates(people["birth_date"][holders])
    return [
        WalletOpening(
            party_of[party_reference(names, hh, p)],
            str(people["phone"][p]),
            b,
            str(sexes[p]),
            str(areas[people["area_id"][p]]),
        )
        for p, b in zip(holders.tolist(), born, strict=True)
    ]


def enrolment_households(
    region: Region,
    names: Names,
    programme_id: int,
    wallet_of: dict[int, int],
) -> list[HouseholdIn]:
    """The programme's enrolment as household documents.

    ``wallet_of`` maps a household to its wallet's savings account (households without
    one are left out of it).
    """
    info = region.info
    people = region["people"]
    areas = region["areas"]["name"]
    enr = region["enrolments"]
    rows = np.flatnonzero(enr["programme_id"] == programme_id)
    person = enr["person_id"][rows]
    home_of = enr["household_id"][rows]
    starts = dates(enr["start_date"][rows])
    ends = dates(enr["end_date"][rows])
    sexes = [Sex(str(x)) for x in people.column("sex").decoded().tolist()]
    born = dates(people["birth_date"])
    home = people["household_id"].tolist()
    hh_area = region["households"]["area_id"].tolist()
    first = date.fromisoformat(info.start_date)
    last = date.fromisoformat(info.end_date)
    voucher = region["programmes"].column("kind").decoded()[programme_id] == "maternal_voucher"

    def member(p: int, start: date | None) -> MemberIn:
        wallet = wallet_of.get(home[p])
        return MemberIn(
            number=names.person(p),
            name=f"Resident {names.person(p)}",
            sex=sexes[p],
            birth_date=born[p],
            start=start,
            wallet_account=str(wallet) if wallet else None,
        )

    def household(h: int, start: date, end: date, members: list[MemberIn]) -> HouseholdIn:
        return HouseholdIn(
            reference=names.household(h),
            name=f"Household {names.household(h)}",
            area=str(areas[hh_area[h]]),
            start=start,
            end=end,
            members=members,
        )

    if voucher:
        return [
            household(int(h), s, e, [member(int(p), None)])
            for p, h, s, e in zip(person.tolist(), home_of.tolist(), starts, ends, strict=True)
        ]
    out: list[HouseholdIn] = []
    order = np.argsort(home_of, kind="stable")
    current: list[MemberIn] = []
    for k, i in enumerate(order.tolist()):
        h = int(home_of[i])
        current.append(member(int(person[i]), starts[i] if starts[i] > first else None))
        if k + 1 == order.size or int(home_of[order[k + 1]]) != h:
            out.append(household(h, first, last, current))
            current = []
    return out


def household_programme(region: Region) -> I64:
    """Each household's own programme (-1: none); the voucher is not a household's."""
    progs = region["programmes"]
    voucher = np.flatnonzero(progs.column("kind").decoded() == "maternal_voucher")
    enr = region["enrolments"]
    out = np.full(len(region["households"]), -1, dtype=np.int64)
    mine = ~np.isin(enr["programme_id"], voucher)
    out[enr["household_id"][mine]] = enr["programme_id"][mine]
    return out
