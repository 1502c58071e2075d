"""The demonstration's real-data steps: the shipped Synthea CSV and FHIR samples in, a
malformed bundle refused, everything again unchanged, and out and back the same."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import make_settings
from thamani.clock import ManualClock
from thamani.demo.interop import broken_bundle, interop_steps, state
from thamani.interop import samples
from thamani.platform import Platform, open_platform


def test_the_shipped_samples_are_the_test_data(tmp_path: Path) -> None:
    data = Path(__file__).parents[1] / "interop" / "data"
    csv_dir = samples.unpack(samples.SYNTHEA_CSV_27, tmp_path)
    for f in sorted((data / "synthea-csv-27").glob("*.csv")):
        assert (csv_dir / f.name).read_bytes() == f.read_bytes(), f.name
    assert len(list(csv_dir.iterdir())) == 18
    shipped = samples.bundles()
    assert [n for n, _ in shipped] == sorted(
        f.name for f in (data / "fhir-r4-synthea-hiv").glob("*.json")
    )
    for name, body in shipped:
        assert body == (data / "fhir-r4-synthea-hiv" / name).read_bytes()


def test_real_data_goes_in_and_out(platform: Platform, clock: ManualClock, tmp_path: Path) -> None:
    def open_store(where: Path) -> Platform:
        return open_platform(make_settings(where), clock=clock)

    steps = list(interop_steps(platform, open_store, tmp_path / "work"))
    assert [s.ok for s in steps] == [True] * 5, [(s.title, s.lines) for s in steps if not s.ok]
    csv, malformed, fhir, again, out = steps
    assert "27 patients" in csv.lines[0]
    assert "1,267 historical claims" in csv.lines[2]
    assert csv.table[1] == ["charged", "USD 1,092,402.73"]
    assert csv.table[-1] == ["received by providers (ledger)", "USD 1,103,503.95"]
    _, k = broken_bundle(samples.bundles()[0][1])
    assert f"code-invalid at Bundle.entry[{k}].resource.status: Encounter/" in malformed.lines[2]
    assert (
        "'marvellous' is not a code of the required value set EncounterStatus"
        in (malformed.lines[2])
    )
    assert "155 Claims" in fhir.lines[1]
    assert ["Claim", "155", "155", "0"] in fhir.table
    assert ["Provenance", "5", "0", "5"] in fhir.table
    assert "0 added" in again.lines[0]
    assert "0 added" in again.lines[1]
    assert ["Claim.ndjson", "1,422", "1,422", "1,422"] in out.table
    assert state(platform).claims == 1_267 + 155
    assert platform.verify_ledger().ok
