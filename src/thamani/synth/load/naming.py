"""How a generated region's things are called in the store: references, numbers, codes.

Everything is derived from the region's name and its own identifiers, so loading the same
region again names everything the same way (and finds what is there already). A store
holds one synthetic region (see ``journal.py``), so the names need not tell two regions
apart; they only must not collide with what people register by hand (``HH-...``,
``NI-...``, ``kcrh``), which is why they carry the region's initials.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from thamani.schemes.records import ProgrammeKind
from thamani.synth import catalogue as cat

#: The schemes room's kind of each generated programme kind (``catalogue.PROGRAMME_KINDS``).
SCHEME_KIND: dict[str, ProgrammeKind] = {
    "national_insurance": ProgrammeKind.INSURANCE,
    "maternal_voucher": ProgrammeKind.VOUCHER,
    "poor_subsidy": ProgrammeKind.SUBSIDY,
    "savings_only": ProgrammeKind.SAVINGS,
}

_CODE = {
    "national_insurance": "national-insurance",
    "maternal_voucher": "maternal-voucher",
    "poor_subsidy": "poor-subsidy",
    "savings_only": "health-savings",
}

#: Ledger numbers of the programmes' funds: the base plus the programme kind's position.
#: Well above the numbers a hand-made store starts with (1, 2, 3), never shared.
LEDGER_BASE = 101


def slug(text: str) -> str:
    """``Mfano County`` -> ``mfano-county``."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "region"


@dataclass(frozen=True, slots=True)
class Names:
    """The names of one region's things (build with ``Names.of``).

    region: the region's name (``Mfano County``).
    currency: its currency.
    slug: the region's name as a code (``mfano-county``): the prefix of references.
    initials: ``MC`` for Mfano County: the prefix of member and household numbers.
    width: digits of person and household numbers.
    """

    region: str
    currency: str
    slug: str
    initials: str
    width: int

    @classmethod
    def of(cls, region: str, currency: str, people: int) -> Names:
        code = slug(region)[:40]
        initials = "".join(w[0] for w in code.split("-") if w).upper()[:4] or "R"
        return cls(region, currency, code, initials, max(7, len(str(people))))

    def facility(self, facility_id: int) -> str:
        """The provider party's reference (a facility code)."""
        return f"{self.slug}-f{facility_id:04d}"

    def person(self, person_id: int) -> str:
        """The person's number: the member number on their card."""
        return f"{self.initials}{person_id:0{self.width}d}"

    def member_party(self, person_id: int) -> str:
        """The patient party of a programme member (the schemes room's convention)."""
        return f"member:{self.person(person_id)}"

    def patient_party(self, person_id: int) -> str:
        """The patient party of someone in no programme."""
        return f"patient:{self.person(person_id)}"

    def household(self, household_id: int) -> str:
        return f"{self.initials}-HH{household_id:0{self.width}d}"

    def programme(self, kind: str) -> str:
        """The programme's code (``mfano-county-national-insurance``)."""
        return f"{self.slug}-{_CODE[kind]}"

    def funder(self, kind: str) -> str:
        """The reference of the payer party that funds the programme."""
        return f"{self.programme(kind)}-funder"

    def funder_name(self, kind: str) -> str:
        return {
            "national_insurance": "Social Health Authority",
            "maternal_voucher": "Mama Bora donor fund",
            "poor_subsidy": f"{self.region} government (subsidy for poor households)",
            "savings_only": "Afya health savings scheme",
        }[kind]

    @staticmethod
    def ledger(kind: str) -> int:
        return LEDGER_BASE + cat.PROGRAMME_KINDS.index(kind)

    @staticmethod
    def claim(encounter_id: int) -> str:
        """The provider's own reference of the claim for an encounter."""
        return f"E{encounter_id}"

    @staticmethod
    def referral(referral_id: int) -> str:
        return f"R{referral_id:07d}"
