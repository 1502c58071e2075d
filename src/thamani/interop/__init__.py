"""Exchange formats: FHIR R4 (and, later, Synthea CSV and NHS RTT)."""
