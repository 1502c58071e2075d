"""The claims figures (BENCHMARKS.md): ``python benchmarks/claims.py [--claims N]``.

A thin script over ``thamani.benchmarking.claims``; ``thamani bench claims --json`` runs
the same.
"""

from __future__ import annotations

import argparse
import json

from thamani.benchmarking.claims import run


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--claims", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=40_000)
    ap.add_argument("--providers", type=int, default=40)
    ap.add_argument("--http-requests", type=int, default=5_000)
    ap.add_argument("--http-rate", type=float, default=500.0)
    a = ap.parse_args()
    print(
        json.dumps(
            run(
                claims=a.claims,
                members=a.members,
                providers=a.providers,
                http_requests=a.http_requests,
                http_rate=a.http_rate,
            ),
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
