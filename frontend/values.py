"""What an input-format tensor is while it is being imported, and how its layout maps onto IR.

The importer keeps, for every ONNX tensor, one of:
- `IntVal`: an integer IR value (activations NHWC; weights are constants, never values),
- `Pending`: an exact symbolic requantisation chain (`frontend.affine.Affine`) on IR values,
  materialised as ``qnn.requant``/``qnn.add`` when a layer consumes it (`frontend.requant`),
- `Const`: a numpy constant (initializers, ``Constant`` nodes, shape arithmetic),
- `Host`: float post-processing after the integer network (Sigmoid, Gather, ...), not deployed.

Layout: ONNX NCHW becomes NHWC, ``[N, C, L]`` becomes ``[N, 1, L, C]``; a Flatten of a feature map
keeps the IR's HWC order ("flat") and the following Gemm/MatMul weights are permuted to match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dory.dory_ir.analysis.ranges import dot_product_range, weight_sign_sums
from dory.dory_ir.core import Value
from dory.dory_ir.types import IntegerType, TensorType
from dory.frontend.affine import Affine

SI32 = IntegerType(32, "signed")
"""The accumulator type of conv/linear/pool sums and of residual branches."""


@dataclass
class Layout:
    """How an ONNX tensor maps onto its IR value.

    ``kind``: "nchw" (ONNX rank 4 -> IR NHWC), "ncl" (ONNX ``[N, C, L]`` -> IR ``[N, 1, L, C]``),
    "plain" (same shape and order), "flat" (ONNX ``[N, C*H*W]`` in CHW order -> IR ``[N, H*W*C]``
    in HWC order; ``chw`` holds C, H, W).
    """

    kind: str
    chw: tuple[int, int, int] | None = None

    def flat_perm(self) -> np.ndarray:
        """For "flat": ONNX feature index of each IR feature position."""
        assert self.chw is not None
        c, h, w = self.chw
        return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)

    def to_ir_axes(self, per_onnx_axis: list[int]) -> list[int] | None:
        """Per-axis values (e.g. pads) in ONNX axis order -> IR axis order; None for "flat"."""
        if self.kind == "nchw":
            n, c, h, w = per_onnx_axis
            return [n, h, w, c]
        if self.kind == "ncl":
            n, c, l_ = per_onnx_axis
            return [n, 0, l_, c]
        if self.kind == "plain":
            return list(per_onnx_axis)
        return None

    def ir_axis(self, axis: int, rank: int) -> int | None:
        """The IR axis of non-negative ONNX ``axis`` of a rank-``rank`` tensor; None for "flat"."""
        return {"nchw": [0, 3, 1, 2], "ncl": [0, 3, 2], "plain": list(range(rank))}.get(self.kind, [None] * rank)[axis]

    def feature_onnx_shape(self, ir_shape: tuple[int, ...]) -> tuple[int, ...]:
        """The ONNX shape of an IR ``(N, H, W, C)`` feature map in this layout."""
        n, h, w, c = ir_shape
        if self.kind == "ncl":
            return (n, c, w)
        return (n, c, h, w)


def input_layout(shape: tuple[int, ...]) -> tuple[Layout, tuple[int, ...]] | None:
    """Layout and IR shape of a graph input of ONNX shape ``shape`` (None above rank 4)."""
    if len(shape) == 4:
        n, c, h, w = shape
        return Layout("nchw"), (n, h, w, c)
    if len(shape) == 3:
        n, c, l_ = shape
        return Layout("ncl"), (n, 1, l_, c)
    if len(shape) in (1, 2):
        return Layout("plain"), shape
    return None


@dataclass
class IntVal:
    """An integer IR value with its ONNX shape, layout and exact value range ``[lo, hi]``."""

    value: Value
    onnx_shape: tuple[int, ...]
    layout: Layout
    lo: int
    hi: int

    @property
    def type(self) -> TensorType:
        """The IR value's tensor type."""
        return self.value.type  # type: ignore[return-value]


@dataclass
class Pending:
    """An exact requantisation chain not yet emitted as ops."""

    aff: Affine
    onnx_shape: tuple[int, ...]
    layout: Layout
    node: Any  # the ONNX node that last changed it (location of the materialised op)
    name: str  # ONNX tensor name of its current value
    # The ONNX Add that summed the chain's terms (a residual addition), if any: the sum's ops
    # (`frontend.requant.emit_chain`: qnn.add and its branches' requants) are located there, so an
    # add layer is named after the Add rather than the Floor/Clip/Cast that ends the chain.
    sum_node: Any = None


@dataclass
class Const:
    """A constant tensor."""

    array: np.ndarray


@dataclass
class Host:
    """The output of float post-processing left to the host; ``node`` produced it."""

    node: Any


Entry = IntVal | Pending | Const | Host


def choose_type(lo: int, hi: int) -> IntegerType:
    """The element type of a clipped activation: a sub-byte type when the clip range is exactly
    its full range (e.g. 0..15 -> ui4), else the narrowest of 8/16/32/64 bits holding it."""
    for w in (1, 2, 4):
        for sgn in ("unsigned", "signed"):
            t = IntegerType(w, sgn)
            if (lo, hi) == (t.min_value, t.max_value):
                return t
    sgn = "unsigned" if lo >= 0 else "signed"
    for w in (8, 16, 32, 64):
        t = IntegerType(w, sgn)
        if t.fits(lo) and t.fits(hi):
            return t
    return IntegerType(64, "signed")


def weight_type(arr: np.ndarray) -> IntegerType:
    """The narrowest signed type of 8/16/32/64 bits holding every value of a constant."""
    lo, hi = int(arr.min()) if arr.size else 0, int(arr.max()) if arr.size else 0
    for w in (8, 16, 32, 64):
        t = IntegerType(w, "signed")
        if t.fits(lo) and t.fits(hi):
            return t
    return IntegerType(64, "signed")


def bias_type(bias: np.ndarray) -> IntegerType:
    """A bias is stored as si32 (the accumulator type) unless its values need 64 bits."""
    t = weight_type(bias)
    return t if t.width > 32 else SI32


def dot_range(w: np.ndarray, xlo: int, xhi: int, bias: np.ndarray | None) -> tuple[int, int]:
    """Exact bounds of ``w @ x + bias`` over all outputs (rows of ``w``) for ``x`` in [xlo, xhi]:
    the dialect's one definition of a dot product's range (`dot_product_range`, each row a full
    dot product), plus the bias, taken over every output."""
    bounds = dot_product_range(weight_sign_sums(w), (xlo,), (xhi,))
    assert bounds is not None  # one group always divides the rows
    b = [int(v) for v in bias] if bias is not None else [0] * w.shape[0]
    return min(lo + bb for lo, bb in zip(bounds[0], b)), max(hi + bb for hi, bb in zip(bounds[1], b))
