"""Issue 4's stress test at CI size: several `tessera serve` processes, many annotators."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from serving_scenario import StressConfig, run_stress

POSTGRES_URL = os.environ.get("TESSERA_TEST_POSTGRES_URL")

# Small enough for a 2-core CI runner; bench/stress_serving.py runs the full size.
POSTGRES_CI = StressConfig(servers=3, workers=64, cycles=1_000, time_limit_s=30)
SQLITE_CI = StressConfig(servers=1, workers=32, cycles=1_200, time_limit_s=30)
SQLITE_PROCESSES_CI = StressConfig(
    servers=1, processes_per_server=2, workers=32, cycles=600, time_limit_s=20
)


def test_three_servers_on_one_postgresql(tmp_path: Path) -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL tests need TESSERA_TEST_POSTGRES_URL (CI sets it)")
    report = run_stress(POSTGRES_URL, tmp_path, POSTGRES_CI)
    assert report.violations == [], report.summary()
    assert report.cycles > 0


def test_one_server_on_sqlite(tmp_path: Path) -> None:
    report = run_stress(None, tmp_path, SQLITE_CI)
    assert report.violations == [], report.summary()
    assert report.cycles > 0


def test_one_server_of_two_processes_on_sqlite(tmp_path: Path) -> None:
    """`tessera serve --workers 2`: two processes' writers meet at one SQLite file."""
    report = run_stress(None, tmp_path, SQLITE_PROCESSES_CI)
    assert report.violations == [], report.summary()
    assert report.cycles > 0
