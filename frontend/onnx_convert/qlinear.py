"""Converters of onnxruntime's quantized operators (QOperator format: QuantizeLinear at the input,
QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger, com.microsoft QGemm / QLinearAdd /
QLinearGlobalAveragePool,
DequantizeLinear at the output; QDQ graphs are first rewritten to these by `frontend.qdq`).

**Centred values.** A quantized tensor ``q`` with zero point ``z`` is held in the IR as ``q - z``
(an 8-bit tensor of range ``[qmin - z, qmax - z]``: ``ui8`` for a zero point at the bottom of the
range, as after a ReLU; ``si8`` for the middle; ``si16`` otherwise). Zero padding of a centred
tensor is padding with the zero point, as QLinearConv pads, so no border correction is needed, and
MaxPool / Flatten / Reshape act on it unchanged. The network input is the centred quantized input
(`quantized_input_type`), its outputs the centred values the final DequantizeLinear reads.

ConvInteger / MatMulInteger give the exact int32 sums (what a following integer op reads; a
float rescaling after them is float post-processing or an error, as for any ONNX graph).

**Requantisation.** The integer sums are exact; onnxruntime ends them with a float32 multiply
(``frontend.fp32_requant``), which becomes an exact integer ``qnn.requant`` where a line through
its thresholds exists, else the exact-rational rounding and a warning with the number of
thresholds it misses. QLinearAdd (onnxruntime sums in float) is fitted the same way over every
pair of 8-bit inputs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dory.dory_ir.attributes import IntegerAttr
from dory.dory_ir.dialects.qnn import GlobalAvgPoolOp
from dory.dory_ir.types import IntegerType, TensorType, i64
from dory.frontend.affine import Affine, Term
from dory.frontend.fp32_requant import fit_add, fit_requant, mlas_qlinear_add
from dory.frontend.onnx_convert.conv import conv_layer, linear_layer
from dory.frontend.onnx_convert.window import spatial
from dory.frontend.registry import converter
from dory.frontend.requant import check_32
from dory.frontend.values import SI32, Const, Entry, IntVal, Pending, choose_type

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter

QTYPES = {np.dtype(np.uint8): (0, 255), np.dtype(np.int8): (-128, 127)}
"""The quantized element types this importer takes, with their ranges."""

TRANSPARENT = {"MaxPool", "Flatten", "Reshape", "Identity", "Transpose", "Squeeze", "Unsqueeze"}
"""Ops that pass a centred tensor through unchanged (its zero point is its input's)."""


def _scale(imp: OnnxImporter, node: Any, idx: int, what: str) -> np.ndarray:
    """Input ``idx``: a constant positive float32 scale (scalar or per channel)."""
    name = node.input[idx] if idx < len(node.input) else ""
    e = imp.env.get(name) if name else None
    if not isinstance(e, Const):
        found = "no input" if not name else "a computed tensor"
        raise imp.error(node, f"expected a constant {what} scale (initializer), found {found}")
    s = np.asarray(e.array, dtype=np.float32).reshape(-1)
    if s.size == 0 or not np.all(np.isfinite(s)) or not np.all(s > 0):
        raise imp.error(node, f"expected a positive finite {what} scale, found {e.array.reshape(-1)[:4].tolist()}")
    return s


def _zero_point(imp: OnnxImporter, node: Any, idx: int, what: str, default: np.dtype | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """Input ``idx``: a constant uint8/int8 zero point -> (values as int64, quantized range)."""
    name = node.input[idx] if idx < len(node.input) else ""
    if not name:
        if default is None:
            raise imp.error(node, f"expected a {what} zero point, found no input")
        return np.zeros(1, np.int64), QTYPES[default]
    e = imp.env.get(name)
    if not isinstance(e, Const):
        raise imp.error(node, f"expected a constant {what} zero point '{name}' (initializer), found a computed tensor")
    a = np.asarray(e.array)
    if a.dtype not in QTYPES:
        raise imp.error(node, f"expected a uint8 or int8 {what} zero point '{name}', found element type {a.dtype}")
    return a.reshape(-1).astype(np.int64), QTYPES[a.dtype]


def centred_range(zp: int, qrange: tuple[int, int]) -> tuple[int, int]:
    """The range of ``q - zp`` for ``q`` in ``qrange``."""
    return qrange[0] - zp, qrange[1] - zp


def _zps(imp: OnnxImporter) -> dict[str, int]:
    """The zero point each centred ONNX tensor was centred by (kept on the importer)."""
    d: dict[str, int] = imp.__dict__.setdefault("qlinear_zero_points", {})
    return d


def _centred_zp(imp: OnnxImporter, name: str) -> int | None:
    """The zero point tensor ``name`` was centred by, looking through `TRANSPARENT` producers."""
    zps = _zps(imp)
    producers = imp.__dict__.setdefault("qlinear_producers", {o: n for n in imp.nodes for o in n.output})
    seen = 0
    while name not in zps and seen < len(producers):
        p = producers.get(name)
        if p is None or p.op_type not in TRANSPARENT or not p.input:
            return None
        name = p.input[0]
        seen += 1
    return zps.get(name)


def _activation(imp: OnnxImporter, node: Any, ins: list[Entry | None], idx: int, zp_idx: int, what: str) -> IntVal:
    """Input ``idx``, a centred tensor whose zero point must be input ``zp_idx``'s."""
    x = imp.integer(node, ins[idx], what)
    zp, _ = _zero_point(imp, node, zp_idx, what)
    if zp.size != 1:
        raise imp.error(node, f"expected a per-tensor {what} zero point, found {zp.size} values")
    had = _centred_zp(imp, node.input[idx])
    if had is None:
        raise imp.error(node, f"expected {what} '{node.input[idx]}' to be a quantized tensor (from QuantizeLinear or a QLinear op), found another producer")
    if had != int(zp[0]):
        raise imp.error(node, f"expected {what} zero point {had} (the one '{node.input[idx]}' was quantized with), found {int(zp[0])}")
    return x


def _output(imp: OnnxImporter, node: Any, zp_idx: int) -> tuple[int, tuple[int, int]]:
    """The output zero point and the centred output range."""
    zp, qr = _zero_point(imp, node, zp_idx, "output")
    if zp.size != 1:
        raise imp.error(node, f"expected a per-tensor output zero point, found {zp.size} values")
    return int(zp[0]), centred_range(int(zp[0]), qr)


def _weights(imp: OnnxImporter, node: Any, w_idx: int, zp_idx: int, channels_axis: int) -> np.ndarray:
    """A constant int8/uint8 weight minus its zero point (per tensor or per output channel)."""
    w = imp.int_const(node, node.input[w_idx], "weight")
    zp, _ = _zero_point(imp, node, zp_idx, "weight", default=np.dtype(np.int8))
    if zp.size > 1:
        if zp.size != w.shape[channels_axis]:
            raise imp.error(node, f"expected {w.shape[channels_axis]} weight zero points (one per output channel), found {zp.size}")
        shape = [1] * w.ndim
        shape[channels_axis] = zp.size
        return w - zp.reshape(shape)
    return w - zp[0]


def channel_ranges(w: np.ndarray, xlo: int, xhi: int, bias: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Exact per-output-channel bounds of ``sum w[o, ...] * x + bias[o]`` for ``x`` in
    ``[xlo, xhi]`` (``w``: output channels first, small integers)."""
    flat = w.reshape(w.shape[0], -1).astype(np.int64)
    pos, neg = np.maximum(flat, 0).sum(axis=1), np.minimum(flat, 0).sum(axis=1)
    b = np.zeros(w.shape[0], np.int64) if bias is None else bias.astype(np.int64)
    return pos * xlo + neg * xhi + b, pos * xhi + neg * xlo + b


def _bind_requant(imp: OnnxImporter, node: Any, acc: IntVal, scales: np.ndarray, zp: int, out: tuple[int, int],
                  ranges: tuple[np.ndarray, np.ndarray] | None = None) -> None:
    """Bind the node's output to ``acc`` requantised as onnxruntime does (scale per tensor or per
    channel of the last IR axis), centred by ``zp``. With per-channel accumulator ``ranges``, each
    channel's requant is fitted on its own range (fewer thresholds to meet): always for
    per-channel scales, and for a per-tensor scale when one line does not fit the whole range."""
    acc.value.name_hint = f"{node.output[0]}_acc"  # the requant's result takes the tensor's name
    fits = [fit_requant(float(s), acc.lo, acc.hi, out[0], out[1]) for s in scales]
    if ranges is not None and (len(scales) > 1 or fits[0].misses):
        per = np.broadcast_to(scales, ranges[0].shape)
        fits = [fit_requant(float(s), int(lo), int(hi), out[0], out[1]) for s, lo, hi in zip(per, *ranges)]
    shift = max(f.shift for f in fits)
    mul = np.array([f.mul << (shift - f.shift) for f in fits], dtype=object)
    add = np.array([f.add << (shift - f.shift) for f in fits], dtype=object)
    big = max(abs(acc.lo), abs(acc.hi), 1)
    if int(np.max(mul)) * big + int(np.max(np.abs(add))) >= 2**62:
        raise imp.error(node, f"expected per-channel scales within a factor 2^31 of each other, found {float(scales.min())!r} .. {float(scales.max())!r}")
    misses = sum(f.misses for f in fits)
    if misses:
        imp.warn(
            f"warning: {imp.filename}: {imp.node_label(node)}: onnxruntime's float32 requantization is not a line: "
            f"{misses} of {len(fits) * (out[1] - out[0])} thresholds differ by one accumulator value (the exact rational rounding is used there)"
        )
    m = mul.astype(np.int64) if len(fits) > 1 else np.int64(int(mul[0]))
    a = add.astype(np.int64) if len(fits) > 1 else np.int64(int(add[0]))
    aff = Affine([Term(acc, np.asarray(m, np.int64), acc.lo, acc.hi)], np.asarray(a, np.int64), 1 << shift, "floor", out)
    p = Pending(aff, acc.onnx_shape, acc.layout, node, node.output[0])
    imp.bind(node, imp.materialise(p))
    _zps(imp)[node.output[0]] = zp


@converter("QuantizeLinear")
def convert_quantize(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """QuantizeLinear of a graph input: the network's (centred) integer input."""
    graph_inputs = {i.name for i in imp.model.graph.input}
    if node.input[0] not in graph_inputs:
        raise imp.error(node, f"unsupported QDQ pattern: expected QuantizeLinear of a graph input or after a quantizable op, found it on '{node.input[0]}'")
    _scale(imp, node, 1, "input")
    zp, qr = _zero_point(imp, node, 2, "input", default=np.dtype(np.uint8))
    if zp.size != 1:
        raise imp.error(node, f"expected a per-tensor input zero point, found {zp.size} values")
    x = imp.integer(node, ins[0])
    # the input holds q - zero point (its type may be wider: si16 for an off-centre zero point)
    lo, hi = centred_range(int(zp[0]), qr)
    imp.bind(node, IntVal(x.value, x.onnx_shape, x.layout, max(x.lo, lo), min(x.hi, hi)))
    _zps(imp)[node.output[0]] = int(zp[0])


@converter("DequantizeLinear")
def convert_dequantize(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """DequantizeLinear of a quantized tensor: float from here on (the host's)."""
    _activation(imp, node, ins, 0, 2, "input") if len(node.input) > 2 and node.input[2] else imp.integer(node, ins[0])
    imp.leave_to_host(node)


@converter("QLinearConv", layer=True)
def convert_qlinear_conv(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """QLinearConv -> ``qnn.conv2d`` of the centred input and the zero-point-free weight, then
    onnxruntime's requantisation."""
    x = _activation(imp, node, ins, 0, 2, "input")
    xs = _scale(imp, node, 1, "input")
    w = _weights(imp, node, 3, 5, 0)
    ws = _scale(imp, node, 4, "weight")
    ys = _scale(imp, node, 6, "output")
    zp, out = _output(imp, node, 7)
    bias = imp.int_const(node, node.input[8], "bias") if len(node.input) > 8 and node.input[8] else None
    if ws.size not in (1, w.shape[0]):
        raise imp.error(node, f"expected 1 or {w.shape[0]} weight scales, found {ws.size}")
    conv_layer(imp, node, x, w, bias, node.input[3], node.input[8] if bias is not None else "")
    acc = imp.env[node.output[0]]
    assert isinstance(acc, IntVal)
    # onnxruntime's output scale: (x_scale * w_scale) / y_scale, each step in float32
    scales = (xs[0] * ws) / ys[0]
    # zero padding makes 0 a possible input
    _bind_requant(imp, node, acc, scales, zp, out, channel_ranges(w, min(x.lo, 0), max(x.hi, 0), bias))


@converter("ConvInteger", layer=True)
def convert_conv_integer(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """ConvInteger of a quantized tensor by a constant weight: the exact int32 sum
    ``(x - x_zero_point) * (w - w_zero_point)`` (``qnn.conv2d``, zero padding of the centred input)."""
    x = _activation(imp, node, ins, 0, 2, "input") if len(node.input) > 2 and node.input[2] else _activation_zp0(imp, node, ins)
    w = _weights(imp, node, 1, 3, 0)
    conv_layer(imp, node, x, w, None, node.input[1], "")


@converter("MatMulInteger", layer=True)
def convert_matmul_integer(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """MatMulInteger of a quantized ``[N, K]`` tensor by a constant ``K x M`` weight: the exact
    int32 products ``(a - a_zero_point) @ (b - b_zero_point)`` (``qnn.linear``)."""
    x = _activation(imp, node, ins, 0, 2, "input") if len(node.input) > 2 and node.input[2] else _activation_zp0(imp, node, ins)
    w = _weights(imp, node, 1, 3, 1)
    if w.ndim != 2:
        raise imp.error(node, f"expected a 2-D weight [K, M], found shape {list(w.shape)}")
    linear_layer(imp, node, x, w.T, None, node.input[1])


def _activation_zp0(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> IntVal:
    """Input 0 without a zero point input (zero): it must have been centred by zero."""
    x = imp.integer(node, ins[0])
    had = _centred_zp(imp, node.input[0])
    if had not in (None, 0):
        raise imp.error(node, f"expected input zero point {had} (the one '{node.input[0]}' was quantized with), found none (0)")
    return x


def _matmul(imp: OnnxImporter, node: Any, x: IntVal, wmk: np.ndarray, bias: np.ndarray | None, scales: np.ndarray, zp: int, out: tuple[int, int], bname: str) -> None:
    linear_layer(imp, node, x, wmk, bias, node.input[3], bname)
    acc = imp.env[node.output[0]]
    assert isinstance(acc, IntVal)
    _bind_requant(imp, node, acc, scales, zp, out, channel_ranges(wmk, x.lo, x.hi, bias))


@converter("QLinearMatMul", layer=True)
def convert_qlinear_matmul(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """QLinearMatMul by a constant ``K x M`` weight -> ``qnn.linear`` and the requantisation."""
    x = _activation(imp, node, ins, 0, 2, "input")
    xs = _scale(imp, node, 1, "input")
    w = _weights(imp, node, 3, 5, 1)
    if w.ndim != 2:
        raise imp.error(node, f"expected a 2-D weight [K, M], found shape {list(w.shape)}")
    ws = _scale(imp, node, 4, "weight")
    ys = _scale(imp, node, 6, "output")
    zp, out = _output(imp, node, 7)
    _matmul(imp, node, x, w.T, None, (xs[0] * ws) / ys[0], zp, out, "")


@converter("QGemm", layer=True)
def convert_qgemm(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """com.microsoft QGemm (``transA = 0``, ``alpha = 1``, quantized output) -> ``qnn.linear``."""
    a = imp.attrs(node)
    if a.get("transA", 0) != 0 or a.get("alpha", 1.0) != 1.0:
        raise imp.error(node, f"expected transA=0, alpha=1, found transA={a.get('transA', 0)}, alpha={a.get('alpha', 1.0)}")
    if len(node.input) < 8 or not node.input[7]:
        raise imp.error(node, "expected a quantized output (y_scale input), found a float output")
    x = _activation(imp, node, ins, 0, 2, "input")
    xs = _scale(imp, node, 1, "input")
    transb = bool(a.get("transB", 0))
    w = _weights(imp, node, 3, 5, 0 if transb else 1)
    if w.ndim != 2:
        raise imp.error(node, f"expected a 2-D weight, found shape {list(w.shape)}")
    wmk = w if transb else w.T
    ws = _scale(imp, node, 4, "weight")
    bias = None
    if len(node.input) > 6 and node.input[6]:
        bias = imp.int_const(node, node.input[6], "bias").reshape(-1)
        if bias.size == 1:
            bias = np.full(wmk.shape[0], int(bias[0]), dtype=np.int64)
    ys = _scale(imp, node, 7, "output")
    zp, out = _output(imp, node, 8)
    _matmul(imp, node, x, wmk, bias, (xs[0] * ws) / ys[0], zp, out, node.input[6] if bias is not None else "")


@converter("QLinearGlobalAveragePool", layer=True)
def convert_qlinear_gap(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """com.microsoft QLinearGlobalAveragePool (NCHW) -> the window sum (``qnn.global_avgpool
    {div = 1}``) requantised by ``x_scale / (y_scale * H*W)`` in float32."""
    if int(imp.attrs(node).get("channels_last", 0)) != 0:
        raise imp.error(node, "expected channels_last = 0 (NCHW), found 1")
    x = _activation(imp, node, ins, 0, 2, "input")
    xs = _scale(imp, node, 1, "input")
    ys = _scale(imp, node, 3, "output")
    zp, out = _output(imp, node, 4)
    n, h, w, c = spatial(imp, node, x, "the QLinearGlobalAveragePool input")
    lo, hi = min(x.lo * h * w, 0), max(x.hi * h * w, 0)
    check_32(imp, node, lo, hi, "the pooling sum")
    ir_shape = (n, 1, 1, c)
    res = imp.emit(node, GlobalAvgPoolOp, TensorType(ir_shape, SI32), [x.value], {"div": IntegerAttr(1, i64)}, hint=f"{node.output[0]}_sum")
    acc = IntVal(res, x.layout.feature_onnx_shape(ir_shape), x.layout, lo, hi)
    scale = xs[0] / (ys[0] * np.float32(h * w))
    _bind_requant(imp, node, acc, np.array([scale], np.float32), zp, out)


@converter("QLinearAdd", layer=True)
def convert_qlinear_add(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """com.microsoft QLinearAdd of two same-shape tensors -> ``floor((a*mul_a + b*mul_b + add) /
    2^shift)``, fitted to onnxruntime's float computation over every pair of 8-bit inputs
    (`fp32_requant.fit_add`): exact where a line exists, else the rounded ratios and a warning
    with the number of pairs that differ."""
    a = _activation(imp, node, ins, 0, 2, "first input")
    sa = _scale(imp, node, 1, "first input")
    b = _activation(imp, node, ins, 3, 5, "second input")
    sb = _scale(imp, node, 4, "second input")
    sc = _scale(imp, node, 6, "output")
    zp, out = _output(imp, node, 7)
    if tuple(a.type.shape) != tuple(b.type.shape):
        raise imp.error(node, f"expected inputs of the same shape, found {list(a.onnx_shape)} and {list(b.onnx_shape)}")
    za, zb = int(_zero_point(imp, node, 2, "first input")[0][0]), int(_zero_point(imp, node, 5, "second input")[0][0])
    ac, bc = np.meshgrid(np.arange(a.lo, a.hi + 1), np.arange(b.lo, b.hi + 1), indexing="ij")
    ac, bc = ac.reshape(-1), bc.reshape(-1)
    y = mlas_qlinear_add(ac + za, bc + zb, float(sa[0]), za, float(sb[0]), zb, float(sc[0]), zp, out[0] + zp, out[1] + zp) - zp
    fit = fit_add(ac, bc, y, float(sa[0] / sc[0]), float(sb[0] / sc[0]), out[0], out[1])
    if fit.misses:
        imp.warn(f"warning: {imp.filename}: {imp.node_label(node)}: onnxruntime's float QLinearAdd is not a line: "
                 f"{fit.misses} of {ac.size} input pairs differ by one (the rounded scale ratios are used)")
    aff = Affine([Term(a, np.int64(fit.mul_a), a.lo, a.hi), Term(b, np.int64(fit.mul_b), b.lo, b.hi)],
                 np.asarray(fit.add, np.int64), 1 << fit.shift, "floor", out)
    p = Pending(aff, a.onnx_shape, a.layout, node, node.output[0], sum_node=node)
    imp.bind(node, imp.materialise(p))
    _zps(imp)[node.output[0]] = zp


def quantized_input_type(model: Any, name: str) -> IntegerType | None:
    """The IR type of graph input ``name`` when it feeds a QuantizeLinear with a constant zero
    point: the type of the centred quantized input (see the module docstring)."""
    inits = {i.name: i for i in model.graph.initializer}
    for n in model.graph.node:
        if n.op_type == "QuantizeLinear" and n.input and n.input[0] == name:
            if len(n.input) < 3 or n.input[2] not in inits:
                return IntegerType(8, "unsigned") if len(n.input) < 3 else None
            from dory.frontend.onnx_proto import to_array

            z = to_array(inits[n.input[2]])
            if z.dtype not in QTYPES or z.size != 1:
                return None
            lo, hi = centred_range(int(z.reshape(-1)[0]), QTYPES[z.dtype])
            return choose_type(lo, hi)
    return None
