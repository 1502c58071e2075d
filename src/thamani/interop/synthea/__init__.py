"""Synthea CSV in: patients, payers, organisations, encounters, the clinical record and
historical claims (see docs/interop.md for the mapping)."""
