"""The clinical record that is not itself a claim: encounters, conditions, observations,
medications, procedures, immunizations, allergies and care plans (see docs/clinical.md)."""
