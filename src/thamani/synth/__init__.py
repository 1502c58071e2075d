"""The synthetic population: a region, its people and their care, from a seed.

``generate(parameters, people, years, seed)`` returns a ``Region`` of columnar tables (see
``schema.TABLES``); ``writers.write_region`` writes it as Parquet, FHIR R4 NDJSON or
Synthea-style CSV; ``export.export_region`` does both for the CLI. Rates live in
``kenya_county.yaml`` with their sources.
"""

from thamani.synth.generator import generate
from thamani.synth.parameters import Parameters, load_parameters
from thamani.synth.region import Region

__all__ = ["Parameters", "Region", "generate", "load_parameters"]
