"""pytest plugins of the suite: tests/ci_skips.py (under CI, a missing ../shared or toolchain fails);
and the C runtime's object cache for every app the tests build (tests/cc_cache.py)."""
import os

# One BLAS thread per process: numpy's OpenBLAS starts a thread per core in every pytest-xdist
# worker, and with `-n 2` on 2 cores the threads oversubscribe the machine: a least-squares solve
# of a few hundred rows took 72 ms instead of well under 1 ms (test_calibrate's
# test_fit_reproduces_dma_bound_layers: 129 s -> 7 s, 3,062 lstsq calls). Set before any test
# module imports numpy; an explicit setting in the environment wins.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import cc_cache  # noqa: E402

pytest_plugins = ["ci_skips"]

cc_cache.install_env(os.environ)
