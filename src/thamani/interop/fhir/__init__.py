"""FHIR R4 for claims: Claim in, ClaimResponse, ExplanationOfBenefit and Coverage out.

The `fhir.resources` package has no plain R4 module; its R4B models read R4 data (the
default models are R5 and reject R4).
"""
