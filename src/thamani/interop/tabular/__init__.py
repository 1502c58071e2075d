"""Tabular export: the clinical record and claims as Synthea-layout tables (CSV, Parquet)."""
