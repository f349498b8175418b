"""Float post-processing after the integer network (Sigmoid, Softmax, Gather, ...): not
deployed. The importer leaves these ops, and everything consuming their results, to the host; the
integer values they consume become the function's results."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dory.frontend.registry import converter
from dory.frontend.values import Entry

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


@converter("Sigmoid", "LogSoftmax", "Softmax", "Tanh", "Exp", "Log", "Gather", "Unsqueeze", "Squeeze", "ArgMax", "Sqrt", "Neg")
def convert_host_op(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Leave the node to the host."""
    imp.leave_to_host(node)
