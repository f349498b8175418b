"""pytest plugins of the suite: tests/ci_skips.py (under CI, a missing ../shared or toolchain fails)."""
pytest_plugins = ["ci_skips"]
