"""The GAP8 target: its hardware description (`backends.gap8.hw`), its default pipeline
(``gap8-default``), the C emitter (`backends.gap8.emit`) and the app generator (`backends.gap8.app`).

Importing the package registers the target and the pipeline (`backends.target.get_target` and
the pass registry import it on first use); the emitter and the app generator are imported on use.
"""

from dory.backends.gap8.hw import GAP8
from dory.backends.target import register_default_pipeline, register_target

register_target(GAP8)
register_default_pipeline(
    GAP8,
    "ONNX-imported qnn to planned dory layers for GAP8: clean up, fold requant chains, fuse, assign memory levels, tile, allocate buffers.",
)
