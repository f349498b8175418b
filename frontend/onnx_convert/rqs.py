"""QuantLab / Deeploy's ``RequantShift`` (the integerised BatchNorm + activation of a layer, or
the rescaling of a residual branch): ``RequantShift(x, mul, add)`` with attributes ``div``,
``n_levels_out`` (older exports: ``n_levels``) and ``signed`` is

    y = clip(floor((x * mul + add + div // 2) / div), lo, hi)

with ``[lo, hi] = [0, n - 1]`` when ``signed`` is 0, else ``[-n/2, n/2 - 1]``. Facts checked on
Deeploy's sources (``RQSParserInterface``, the generic ``RequantShift`` kernel, which always passes
``rounding = 1``, i.e. adds ``div / 2`` before the shift) and on its MLPerf Tiny test networks:
the op is in the default ONNX domain, ``div`` / ``n_levels_out`` / ``signed`` are float32 tensor
attributes (scalar or shape [1]) there and plain ints in other exports, ``mul`` and ``add`` are
float32 initializers of shape ``[C, 1, 1]`` (per channel, NCHW broadcast) or ``[]`` (scalar).

Like NEMO's chains, the op only extends the exact symbolic chain of its input
(`frontend.affine.Affine`); it is materialised as one ``qnn.requant`` when a layer consumes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dory.frontend.affine import as_exact_int, first_non_integer
from dory.frontend.onnx_convert.chain import channel_vector, pending_for_update, update
from dory.frontend.registry import converter
from dory.frontend.values import Entry

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


def int_attr(imp: OnnxImporter, node: Any, attrs: dict[str, Any], names: tuple[str, ...]) -> int:
    """The integer value of the first attribute in ``names`` the node has: an int, a float or a
    one-element tensor attribute holding an exact integer."""
    from dory.frontend.onnx_proto import to_array

    name = next((n for n in names if n in attrs), None)
    if name is None:
        raise imp.error(node, f"expected attribute '{names[0]}', found none")
    v = attrs[name]
    arr = to_array(v) if hasattr(v, "data_type") else np.asarray(v)
    ints = as_exact_int(arr) if arr.size == 1 else None
    if ints is None:
        shown = first_non_integer(arr) if arr.size == 1 else arr.reshape(-1)[:4].tolist()
        raise imp.error(node, f"expected attribute '{name}' to be one integer, found {shown!r}")
    return int(ints.reshape(-1)[0])


@converter("RequantShift")
def convert_requant_shift(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """``clip(floor((x*mul + add + div//2) / div))`` on the chain of ``x`` (module docstring)."""
    if len(ins) != 3:
        raise imp.error(node, f"expected 3 inputs (x, mul, add), found {len(ins)}")
    a = imp.attrs(node)
    div = int_attr(imp, node, a, ("div",))
    n = int_attr(imp, node, a, ("n_levels_out", "n_levels"))
    signed = int_attr(imp, node, a, ("signed",))
    if div <= 0:
        raise imp.error(node, f"expected a positive 'div', found {div}")
    if n < 2:
        raise imp.error(node, f"expected 'n_levels_out' >= 2, found {n}")
    if signed not in (0, 1):
        raise imp.error(node, f"expected 'signed' 0 or 1, found {signed}")
    mul = imp.int_const(node, node.input[1], "multiplier")
    add = imp.int_const(node, node.input[2], "offset")
    p = pending_for_update(imp, node, ins[0])
    mul_v = channel_vector(imp, node, mul, p, "multiplier")
    add_v = channel_vector(imp, node, add, p, "offset")
    p.aff.scale(mul_v)
    p.aff.add = p.aff.add + (add_v + div // 2) * p.aff.div
    p.aff.div *= div
    p.aff.rounding = "floor"
    p.aff.clip = (-(n // 2), n // 2 - 1) if signed else (0, n - 1)
    p.aff.is_int = False  # QuantLab's graphs carry integers in float tensors
    update(imp, node, p)
