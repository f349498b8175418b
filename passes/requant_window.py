"""``requant-window``: give the dot-product layers' requantisation its exact 32-bit end.

For a ``dory.conv2d`` / ``dory.linear`` whose C kernel takes the 8-bit fast
path (8-bit input and result, si8 weights: runtime/kernels/dot.h ``dory_fast_types_``), or a
one-group ``dory.conv2d`` of 16-bit input (ui16 / si16, a residual add's sum) with si8 weights and
an 8-bit result (runtime/kernels/conv2d.c ``conv_fast16``, whose byte-plane sums are the same si32
wrapping sums), and whose ``requant`` is one floor stage, the pass attaches the stage's per-channel input window
``win_lo``/``win_hi`` (dory_ir/analysis/requant_window.py, where the proof is): clamping the
requant's input into it changes no result, and inside it ``x*mul + add - min*d`` lies in
``[0, 2^32)``. The kernels' end (runtime/kernels/requant_fast.h) then computes every output with
one clamp, one 32-bit multiply-add and a shift (or a multiply-high for a divisor that is not a
power of two) instead of 64-bit arithmetic, exactly for every si32 sum, whatever the weights:
the window depends on the requant's parameters only.

The pass also widens the stage's ``mul`` vector to si32 and an ``add`` vector narrower than 32
bits to si32 (the values are unchanged), so that the C end reads them without a type switch per
channel. A layer whose stage has no window (a trunc rounding, an output range times the divisor
above 2^32, ``|mul| > d``, or a channel whose result never leaves one clip bound) is left as it
is, but for its vectors, widened as well: the kernels keep their other ends for it, and those
read s32 vectors without a type switch too (requant_fast.h's ``wide_fast`` end of modes 2 and 3
wants s32 mul; MobileNetV2's trunc projection layers, s16 mul, took the per-channel type dispatch
of ``dory_rqf_block_wide_``: ~130 cycles per output on GVSOC). A ``dory.depthwise`` is given one
only where its kernel reads it at no loss (`ring_takes_window`): the 3x3 transposed tile's clamp
end (runtime/kernels/depthwise.c ``dw3_chan_win_``) takes the window as its per-channel interval
instead of computing one per channel on every core and call (two divisions, ~300 cycles a
channel on GVSOC); its other depthwise paths, and a divisor that is not a power of two, would end
every sum through the generic end. Running the pass twice gives what running it once
does (the window of a stage is a function of its parameters).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from dory.dory_ir.analysis.ranges import affine_of_props
from dory.dory_ir.analysis.requant_window import window_of
from dory.dory_ir.attributes import DenseAttr, DictAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.dialects import dory
from dory.dory_ir.types import IntegerType, MemRefType, TensorType, si32
from dory.passes.base import ModulePass, PassContext

# The layers whose kernels end their sums through requant_fast.h's dory_rqf_init_.
DOT_LAYERS: tuple[type[Operation], ...] = (dory.Conv2dOp, dory.LinearOp)


def _elem(v: Value) -> IntegerType | None:
    t = v.type
    if isinstance(t, (TensorType, MemRefType)) and isinstance(t.element_type, IntegerType):
        return t.element_type
    return None


def takes_fast_path(op: Operation) -> bool:
    """Whether the layer's C kernel ends its sums on a fast path that reads the window: the 8-bit
    one (u8/s8 input, si8 weights, an 8-bit result), or conv2d.c's ``conv_fast16`` (a one-group
    conv of u16/s16 input, si8 weights, an 8-bit result)."""
    x, w, y = _elem(op.operands[0]), _elem(op.operands[1]), _elem(op.results[0])
    if x is None or w is None or y is None or w.width != 8 or w.is_unsigned or y.width != 8:
        return False
    if x.width == 16:
        return isinstance(op, dory.Conv2dOp) and not isinstance(op, dory.DepthwiseOp) and op.groups == 1
    return x.width == 8


# runtime/kernels/depthwise.c dw3_kind_: the clamp end stores bits k .. k + 7 of a 32-bit word
DW3_WINDOW_MAX_SHIFT = 24


def ring_takes_window(op: Operation, div: int) -> bool:
    """Whether a ``dory.depthwise`` of the 8-bit fast types reads its requant window in its 3x3
    ring's clamp end (runtime/kernels/depthwise.c ``dw3_kind_``): a 3x3 kernel without dilation
    and a divisor ``div`` = 2^k, k <= `DW3_WINDOW_MAX_SHIFT`."""
    w = op.operands[1].type
    assert isinstance(op, dory.DepthwiseOp) and isinstance(w, (TensorType, MemRefType))
    return (tuple(w.shape[1:3]) == (3, 3) and tuple(op.dilations) == (1, 1) and div & (div - 1) == 0
            and div.bit_length() - 1 <= DW3_WINDOW_MAX_SHIFT)


def _at_least_si32(v: DenseAttr) -> DenseAttr:
    """``v`` with elements of at least 32 bits (si32 unless they are already wider)."""
    if v.element_type.width >= 32 and not v.element_type.is_unsigned:
        return v
    return DenseAttr.from_array(np.asarray(v.data, dtype=np.int64), si32)


def with_window(op: Operation) -> DictAttr | None:
    """The layer's ``requant`` with its window attached (and vectors widened), or None when the
    layer does not qualify (see the module doc)."""
    rq = op.properties.get("requant")
    if not isinstance(op, DOT_LAYERS) or not isinstance(rq, DictAttr) or not takes_fast_path(op):
        return None
    y = op.results[0].type
    assert isinstance(y, (TensorType, MemRefType))
    channels = int(y.shape[-1])
    props = rq.as_dict()
    ac = affine_of_props(props)
    dw = isinstance(op, dory.DepthwiseOp)
    if dw and (ac is None or not ring_takes_window(op, ac.div)):
        return None
    win = window_of(ac, channels) if ac is not None else None
    if dw and win is None:
        return None  # its vectors as they are: the depthwise ends read any type
    if win is not None:
        props["win_lo"] = DenseAttr.from_array(np.array(win[0], dtype=np.int64), si32)
        props["win_hi"] = DenseAttr.from_array(np.array(win[1], dtype=np.int64), si32)
    elif ac is None:
        return None
    for key in ("mul", "add"):
        v = props.get(key)
        if isinstance(v, DenseAttr):
            props[key] = _at_least_si32(v)
    return DictAttr.of(props)


@dataclass(frozen=True)
class RequantWindowPass(ModulePass):
    """Attach the exact 32-bit requant window to the 8-bit dot-product layers (see module doc)."""

    name: ClassVar[str] = "requant-window"

    def apply(self, ctx: PassContext, module: Operation) -> None:
        for op in module.walk():
            rq = with_window(op)
            if rq is not None:
                op.properties["requant"] = rq
