"""The test suites' object cache for the C runtime: `dory.backends.cc_cache` (the wrapper, its key
and its rules) with the objects under ``build/cc-cache/`` of the checkout (``DORY_CC_CACHE_DIR``
elsewhere; ``make clean`` removes it) instead of the user's cache directory. Imported by
tests/conftest.py and lit_tests/lit.cfg.py, which call `install_env`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# before the wrapper reads it, and inherited by every make / compiler the tests start
os.environ.setdefault("DORY_CC_CACHE_DIR", str(ROOT / "build" / "cc-cache"))

from dory.backends.cc_cache import (  # noqa: E402 - the cache directory above first
    CACHED_PREFIX,
    cache_dir,
    cached_object,
    compile_only,
    compiler_identity,
    install_env,
    key_options,
    main,
    split,
)

__all__ = ["CACHED_PREFIX", "ROOT", "cache_dir", "cached_object", "compile_only", "compiler_identity", "install_env",
           "key_options", "main", "split"]

if __name__ == "__main__":
    sys.exit(main(sys.argv))
