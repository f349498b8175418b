"""The PULP-cluster target of GVSOC's ``pulp-open``: its hardware description (`backends.pulp.hw`),
its default pipeline (``pulp-default``) and its app files (`backends.pulp.app`: a bare-metal main
and ``Makefile.pulp``, which builds with Debian's riscv gcc and runs the app on GVSOC over
``runtime/port/pulp``; the network C is the shared emitter's, `backends.gap8.emit`).

Importing the package registers the target and the pipeline (`backends.target.get_target` and
the pass registry import it on first use).
"""

from dory.backends.pulp.hw import PULP
from dory.backends.target import register_default_pipeline, register_target

register_target(PULP)
register_default_pipeline(
    PULP,
    "ONNX-imported qnn to planned dory layers for GVSOC's pulp-open cluster (64 KB L1, 1.5 MB L2): clean up, fold requant chains, fuse, assign memory levels, tile, allocate buffers.",
)
