"""Converters of the requantisation arithmetic NEMO and QuantLab export between two layers
(Mul, Div, Add, Floor, Cast, Clip, Relu). None of them emits ops: each updates the exact symbolic
chain (`frontend.affine.Affine`) of its activation input, which is materialised
(`frontend.requant`) when a layer or a graph output consumes it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from dory.frontend.affine import Affine, as_exact_fraction, checked, first_non_integer
from dory.frontend.onnx_import import ONNX_INT_TYPES
from dory.frontend.registry import converter
from dory.frontend.values import Const, Entry, Host, IntVal, Pending

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


def const_and_value(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> tuple[Const, Entry]:
    """The constant and the activation operand of a binary op (in either order)."""
    if len(ins) != 2:
        raise imp.error(node, f"expected 2 inputs, found {len(ins)}")
    a, b = ins
    if isinstance(a, Const) and not isinstance(b, Const):
        return a, b  # type: ignore[return-value]
    if isinstance(b, Const) and not isinstance(a, Const):
        return b, a  # type: ignore[return-value]
    raise imp.error(node, "expected one constant and one activation operand, found two activations (elementwise product of activations is not an integer requantization)")


def pending_for_update(imp: OnnxImporter, node: Any, e: Entry | None, allow_rounded: bool = False) -> Pending:
    """A copy of the chain of activation ``e`` to extend with this node's arithmetic. Arithmetic
    after a rounding point or a clip (unless ``allow_rounded``) starts a new chain."""
    if isinstance(e, Host):
        imp.integer(node, e)  # raises the "float op inside" error
    if not isinstance(e, (IntVal, Pending)):
        raise imp.error(node, "expected an activation input, found none")
    if not allow_rounded and isinstance(e, Pending) and (e.aff.rounding is not None or e.aff.clip is not None):
        # Arithmetic after a rounding point or a clip: materialise what we have first (the
        # env's own Pending, so every consumer of that tensor shares the materialised ops).
        p = imp.pending(imp.materialise(e), node)
        p.aff.is_int = e.aff.is_int
        return p
    return imp.pending(e, node)


def update(imp: OnnxImporter, node: Any, p: Pending) -> None:
    """Bind chain ``p`` as the node's output (it is located at, and named after, this node)."""
    p.node = node
    p.name = node.output[0]
    imp.bind(node, p)


def channel_vector(imp: OnnxImporter, node: Any, c: np.ndarray, p: Pending | IntVal, what: str) -> np.ndarray:
    """An ONNX broadcast constant as a scalar () or per-channel (C,) vector in IR order."""
    shape = p.onnx_shape
    arr = np.asarray(c)
    if arr.ndim > len(shape):
        raise imp.error(node, f"expected {what} of rank <= {len(shape)}, found shape {list(arr.shape)}")
    full = (1,) * (len(shape) - arr.ndim) + arr.shape
    if all(d == 1 for d in full):
        return arr.reshape(())
    ch_axis = 1 if len(shape) >= 2 else 0
    non1 = [i for i, d in enumerate(full) if d != 1]
    if non1 != [ch_axis] or full[ch_axis] != shape[ch_axis]:
        raise imp.error(
            node,
            f"expected {what} to be a scalar or per-channel (shape with {shape[ch_axis]} on axis {ch_axis}), found shape {list(arr.shape)} for a tensor of shape {list(shape)}",
        )
    vec = arr.reshape(-1)
    if p.layout.kind == "flat":
        vec = vec[p.layout.flat_perm()]
    return vec


@converter("Mul")
def convert_mul(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Multiplication by an exact integer or power-of-two fraction (scalar or per channel)."""
    const, val = const_and_value(imp, node, ins)
    p = pending_for_update(imp, node, val)
    frac = as_exact_fraction(const.array)
    if frac is None:
        raise imp.error(node, f"expected an exact integer (or power-of-two fraction) multiplier, found {first_non_integer(const.array)!r}")
    num, den = frac
    if p.aff.is_int and den != 1:
        raise imp.error(node, "expected an integer multiplier on an int64 tensor, found a fraction")
    p.aff.scale(channel_vector(imp, node, num, p, "multiplier"), den)
    update(imp, node, p)


@converter("Div")
def convert_div(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Division by a positive scalar constant: exact on floats, truncating on int64 tensors."""
    if not isinstance(ins[1], Const):
        raise imp.error(node, "expected a constant divisor, found a computed tensor")
    frac = as_exact_fraction(ins[1].array)
    arr = np.asarray(ins[1].array)
    if frac is None or arr.size != 1:
        raise imp.error(node, f"expected a scalar exact divisor, found {arr.reshape(-1)[:4].tolist()} (shape {list(arr.shape)})")
    num, den = int(frac[0].reshape(-1)[0]), frac[1]
    if num <= 0:
        raise imp.error(node, f"expected a positive divisor, found {arr.reshape(-1)[0]}")
    p = pending_for_update(imp, node, ins[0])
    if p.aff.is_int:
        # int64 Div truncates towards zero: a rounding point
        if den != 1:
            raise imp.error(node, "expected an integer divisor on an int64 tensor, found a fraction")
        # pending_for_update materialised any earlier rounding or clip, and an int64 value
        # is an integer (div 1), so this division is the chain's only rounding point.
        p.aff.div *= num
        checked(p.aff.div)
        p.aff.rounding = "trunc"
    else:
        p.aff.scale(den, num)
    update(imp, node, p)


@converter("Add")
def convert_add(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Addition of an exact constant offset, or of two activations (a residual sum over the
    common divisor of both chains); QuantLab's DORY adder when it has ``in1_mul``/``out_mul``."""
    a = imp.attrs(node)
    if "in1_mul" in a or "out_mul" in a:
        _quantlab_add(imp, node, ins, a)
        return
    if any(isinstance(e, Const) for e in ins):
        const, val = const_and_value(imp, node, ins)
        p = pending_for_update(imp, node, val)
        frac = as_exact_fraction(const.array)
        if frac is None:
            raise imp.error(node, f"expected an exact integer offset, found {first_non_integer(const.array)!r}")
        num, den = frac
        p.aff.scale(den, den)  # keep the value, make room for a fractional offset
        vec = channel_vector(imp, node, num, p, "offset")
        p.aff.add = checked(p.aff.add.astype(object) + np.asarray(vec).astype(object) * p.aff.div)
        update(imp, node, p)
        return
    p1 = pending_for_update(imp, node, ins[0])
    p2 = pending_for_update(imp, node, ins[1])
    if p1.onnx_shape != p2.onnx_shape:
        raise imp.error(node, f"expected operands of equal shape, found {list(p1.onnx_shape)} and {list(p2.onnx_shape)}")
    if p1.layout != p2.layout:
        raise imp.error(node, "expected operands with the same layout, found a flattened and a feature-map operand")
    l_ = math.lcm(p1.aff.div, p2.aff.div)
    for p in (p1, p2):
        p.aff.scale(l_ // p.aff.div, l_ // p.aff.div)  # same value over the common divisor
    aff = Affine(p1.aff.terms + p2.aff.terms, checked(p1.aff.add.astype(object) + p2.aff.add.astype(object)), l_, None, None, p1.aff.is_int and p2.aff.is_int)
    update(imp, node, Pending(aff, p1.onnx_shape, p1.layout, node, node.output[0], sum_node=node))


def _quantlab_add(imp: OnnxImporter, node: Any, ins: list[Entry | None], a: dict[str, Any]) -> None:
    """QuantLab's DORY adder: each input optionally requantised (``(x*mul + add) >> shift``,
    floor), summed, then optionally requantised again and clipped to ``out_n_levels``."""
    parts: list[IntVal] = []
    for k, e in ((1, ins[0]), (2, ins[1])):
        x = imp.integer(node, e)
        if int(a.get(f"in{k}_rq", 1)):
            p = imp.pending(x, node)
            p.aff.terms[0].mul = np.array(int(a[f"in{k}_mul"]), np.int64)
            p.aff.add = np.array(int(a[f"in{k}_add"]), np.int64)
            p.aff.div = 1 << int(a[f"in{k}_shift"])
            p.aff.rounding = "floor"
            p.name = f"{node.output[0]}_in{k}"
            x = imp.materialise(p)
        parts.append(x)
    s = imp.pending(parts[0], node)
    s2 = imp.pending(parts[1], node)
    s.aff.terms += s2.aff.terms
    if int(a.get("out_rq", 0)):
        s = imp.pending(imp.materialise(s), node)
        s.aff.terms[0].mul = np.array(int(a["out_mul"]), np.int64)
        s.aff.add = np.array(int(a["out_add"]), np.int64)
        s.aff.div = 1 << int(a["out_shift"])
        s.aff.rounding = "floor"
    n_levels = int(a.get("out_n_levels", 256))
    s.aff.clip = (0, n_levels - 1)
    s.name = node.output[0]
    imp.bind(node, s)


@converter("Floor")
def convert_floor(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """A floor rounding point (a no-op on a value that is already an integer)."""
    p = pending_for_update(imp, node, ins[0], allow_rounded=True)
    if not p.aff.is_integer:
        p.aff.rounding = "floor"
    update(imp, node, p)


@converter("Cast")
def convert_cast(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Cast float -> int truncates a fraction; otherwise only the ONNX element kind changes."""
    to = int(imp.attrs(node)["to"])  # required, and a numeric type (frontend.onnx_check)
    e = ins[0]
    if isinstance(e, IntVal):
        imp.bind(node, e)
        return
    p = pending_for_update(imp, node, e, allow_rounded=True)
    if to in ONNX_INT_TYPES:
        if not p.aff.is_integer:
            p.aff.rounding = "trunc"  # float -> int conversion truncates towards zero
        p.aff.is_int = True
    else:
        p.aff.is_int = False
    update(imp, node, p)


@converter("Clip")
def convert_clip(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Clip with bounds from attributes (opset < 11) or constant inputs."""
    a = imp.attrs(node)
    lo_f: float | None = a.get("min")
    hi_f: float | None = a.get("max")
    if len(node.input) > 1 and node.input[1]:
        lo_f = float(np.asarray(imp.const_input(node, 1, "min").array).reshape(-1)[0])
    if len(node.input) > 2 and node.input[2]:
        hi_f = float(np.asarray(imp.const_input(node, 2, "max").array).reshape(-1)[0])
    _clip(imp, node, ins[0], lo_f, hi_f)


@converter("Relu")
def convert_relu(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Relu: a clip at 0 from below."""
    _clip(imp, node, ins[0], 0.0, None)


def _clip(imp: OnnxImporter, node: Any, e: Entry | None, lo_f: float | None, hi_f: float | None) -> None:
    p = pending_for_update(imp, node, e, allow_rounded=True)
    rlo, rhi = p.aff.value_range()
    lo = math.ceil(lo_f) if lo_f is not None and math.isfinite(lo_f) else None
    hi = math.floor(hi_f) if hi_f is not None and math.isfinite(hi_f) else None
    if (lo_f is not None and math.isfinite(lo_f) and lo != lo_f) or (hi_f is not None and math.isfinite(hi_f) and hi != hi_f):
        if not p.aff.is_integer:
            raise imp.error(node, f"expected integer clip bounds on a value that is rounded later, found [{lo_f}, {hi_f}]")
    lo = rlo if lo is None else lo
    hi = rhi if hi is None else hi
    if p.aff.clip is not None:
        lo, hi = max(lo, p.aff.clip[0]), min(hi, p.aff.clip[1])
    if lo > hi:
        raise imp.error(node, f"expected min <= max, found [{lo}, {hi}]")
    p.aff.clip = (lo, hi)
    update(imp, node, p)
