"""``thamani bench interop`` measures what it says (a small run)."""

from __future__ import annotations

from thamani.benchmarking.interop import run


def test_the_import_figure_counts_every_row_of_the_27_patient_export() -> None:
    out = run(people=0, repeats=1, quiet=True)
    assert out["synthea_27"]["resources"] == 10_874
    assert out["synthea_27"]["claims"] == 1_267
    assert out["synthea_resources_per_second"] == out["synthea_27"]["resources_per_second"]
    assert out["fhir_resources_per_second"] is None
