"""Code systems: every clinical code is kept with the URI of the system it comes from.

The URIs are the canonical ones FHIR R4 uses. ``system_named`` reads the names sources
write instead (Synthea's ``SNOMED-CT``, ``RxNorm``); ``guess_system`` tells a code's system
from its shape where the source does not say (Synthea codes conditions in SNOMED CT,
Thamani's own generator in ICD-10).
"""

from __future__ import annotations

import functools
import re

SNOMED_CT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CVX = "http://hl7.org/fhir/sid/cvx"
ICD_10 = "http://hl7.org/fhir/sid/icd-10"
ICD_10_CM = "http://hl7.org/fhir/sid/icd-10-cm"
ATC = "http://www.whocc.no/atc"
UCUM = "http://unitsofmeasure.org"
NDC = "http://hl7.org/fhir/sid/ndc"
#: Codes a source made up for itself (a generator's item codes, a local catalogue).
LOCAL = "urn:thamani:local"

#: Names sources write for systems, lower-cased, to the URI.
_NAMES = {
    "snomed-ct": SNOMED_CT,
    "snomed": SNOMED_CT,
    "sct": SNOMED_CT,
    "loinc": LOINC,
    "rxnorm": RXNORM,
    "cvx": CVX,
    "icd-10": ICD_10,
    "icd10": ICD_10,
    "icd-10-cm": ICD_10_CM,
    "icd10cm": ICD_10_CM,
    "atc": ATC,
    "ndc": NDC,
}

_ICD10 = re.compile(r"^[A-TV-Z][0-9][0-9AB](\.?[0-9A-Z]{1,4})?$")
_ATC = re.compile(r"^[A-Z][0-9]{2}([A-Z]([A-Z]([0-9]{2})?)?)?$")
_DIGITS = re.compile(r"^[0-9]+$")
_LOINC = re.compile(r"^[0-9]{1,7}-[0-9]$")


def system_named(name: str) -> str | None:
    """The URI for a system's name as a source writes it (None when unknown); a URI is
    returned unchanged."""
    text = name.strip()
    if "://" in text or text.startswith("urn:"):
        return text
    return _NAMES.get(text.lower())


@functools.lru_cache(maxsize=65_536)
def guess_system(code: str, digits: str, letters: str = ICD_10) -> str:
    """The system of a code the source does not name, from its shape: ``digits`` for
    all-digit codes (SNOMED CT or RxNorm, as the kind of record says), LOINC for
    ``8302-2``, ICD-10 (``E11.9``) or ATC (``J01CA04``) for lettered codes (``letters``
    first where both fit, as ``A01`` does), else ``LOCAL``."""
    text = code.strip()
    if _DIGITS.match(text):
        return digits
    if _LOINC.match(text):
        return LOINC
    fits = {
        ICD_10: bool(_ICD10.match(text)),
        ATC: bool(_ATC.match(text)) and len(text) in (1, 3, 4, 5, 7),
    }
    if fits.get(letters):
        return letters
    for system, ok in fits.items():
        if ok:
            return system
    return LOCAL
