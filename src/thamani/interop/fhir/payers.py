"""The payers of FHIR claims as programmes (``thamani.interop.payers`` does the work, as
for the Synthea import): one programme per payer, coded ``fhir-<payer id>-<6 hex>``, on
the import ledger of the claims' currency (``imported-usd``, shared with the Synthea
import). Registering is idempotent: the same payers and providers again change nothing.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping

from thamani.interop import payers as shared
from thamani.interop.rooms import Rooms
from thamani.money import Currency

_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    """A name as lower-case words joined by dashes (``Blue Cross Blue Shield`` ->
    ``blue-cross-blue-shield``)."""
    return _SLUG.sub("-", name.lower()).strip("-")[:40] or "payer"


def programme_code(payer_reference: str) -> str:
    """``fhir-``, the payer's id and six hex digits of its party reference
    (``fhir-aetna-1b2c3d`` for ``fhir:Organization/aetna``): the same payer, the same
    programme, whatever name it goes by."""
    tag = hashlib.sha256(payer_reference.encode()).hexdigest()[:6]
    return f"fhir-{slug(payer_reference.rpartition('/')[2])}-{tag}"


def register(
    rooms: Rooms,
    cur: Currency,
    payers: Mapping[str, str],
    providers: Mapping[str, set[str]],
    party_ids: Mapping[str, int],
) -> tuple[dict[str, str], dict[str, int]]:
    """Programmes for ``payers`` (party reference -> name), each accrediting the
    ``providers`` (party references) it paid; returns the programme code of each payer and
    the funding source account of each programme code."""
    wanted = [
        shared.PayerProgramme(
            code=programme_code(ref),
            name=name,
            description="imported from FHIR (claims adjudicated elsewhere)",
            funder=ref,
            funder_id=party_ids[ref],
            funding="fhir-funding-source",
            providers=frozenset(providers.get(ref, set())),
        )
        for ref, name in sorted(payers.items())
    ]
    funding, _ = shared.register(rooms, cur, shared.import_ledger(rooms, cur), wanted)
    return {p.funder: p.code for p in wanted}, funding
