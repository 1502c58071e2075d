"""Exchange formats: FHIR R4, Synthea CSV in, tabular export out (see docs/interop.md)."""
