"""Sample data shipped inside the package, for the demo and the tests.

``data/rtt-2024-11-dorset-county-hospital.csv`` is NHS England's referral-to-treatment
full CSV for November 2024, provider RBD (Dorset County Hospital): 512 rows, all parts
and treatment functions, 105 weekly bands. Source: NHS England RTT waiting times
statistics (via the NHSRtt package's test fixtures), Open Government Licence v3.0.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

COUNTY_HOSPITAL = "RBD"
"""Provider code of the sample county hospital (Dorset County Hospital NHS FT)."""
COUNTY_HOSPITAL_RTT = "rtt-2024-11-dorset-county-hospital.csv"


def county_hospital_rtt() -> Path:
    """Path of the sample RTT file (the package is installed as files, never zipped)."""
    return Path(str(resources.files("thamani.capacity") / "data" / COUNTY_HOSPITAL_RTT))
