"""pytest plugins of the suite: tests/ci_skips.py (under CI, a missing ../shared or toolchain fails);
and the C runtime's object cache for every app the tests build (tests/cc_cache.py)."""
import os

import cc_cache

pytest_plugins = ["ci_skips"]

cc_cache.install_env(os.environ)
