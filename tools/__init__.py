"""The console scripts (``dory-compile``, ``dory-opt``, ``dory-run``, ``dory-translate``,
``dory-netgen``): thin entry points over `dory.driver`.

Importing this package, which every script does before numpy is loaded, asks OpenBLAS for one
thread unless ``OPENBLAS_NUM_THREADS`` is already set. The tools' matrix products (the reference
interpreter's layers, exact in float BLAS) are small, 1-5 ms each on one core; OpenBLAS's worker
threads make them slower, badly so on a busy machine (a 49x1024 by 1024x1024 float32 product:
1.4 ms on one thread, 21 ms with two on this 2-core machine under load; dory-compile's expected
outputs of MobileNetV1-1.0-224: 0.08 s against 0.38 s).
"""

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
