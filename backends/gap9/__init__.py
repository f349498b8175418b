"""The GAP9 target: its hardware description (`backends.gap9.hw`), its default pipeline
(``gap9-default``) and its app files (`backends.gap9.app`: the PMSIS main and the GAP SDK
Makefile; the network C is the shared emitter's, `backends.gap8.emit`).

Importing the package registers the target and the pipeline (`backends.target.get_target` and
the pass registry import it on first use).
"""

from dory.backends.gap9.hw import GAP9
from dory.backends.target import register_default_pipeline, register_target

register_target(GAP9)
register_default_pipeline(
    GAP9,
    "ONNX-imported qnn to planned dory layers for GAP9 (128 KB L1, 1.5 MB L2): clean up, fold requant chains, fuse, assign memory levels, tile, allocate buffers.",
)
