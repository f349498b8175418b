"""Interpreter implementations of the ``qnn`` dialect, exactly as docs/qnn.md specifies.

All arithmetic is exact int64. Before an op multiplies or sums, it bounds the magnitude of every
intermediate from the largest operand magnitudes actually present and fails with a located error
if that bound exceeds int64 (see `dory_ir.interp.intmath`); sums and products are then wrapped to
the result type (the wrap rule) and quotients rounded with the op's ``rounding`` mode.

Properties are read by name from ``op.properties``; an absent one stands for the default its
declaration gives (dory_ir/dialects/qnn.py, as docs/qnn.md says), and output sizes follow the
dialect's shape rules (``conv_output_size``, ``pool_output_size``). Every
precondition the semantics rely on (ranks, channel counts, property ranges, output sizes) is
checked again here, because the interpreter also runs unverified IR built by passes and tests;
messages read "expected ..., found ..." and are located at the op.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dory.dory_ir.attributes import Attribute, BoolAttr, DenseArrayAttr, DenseAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation
from dory.dory_ir.dialects import qnn
from dory.dory_ir.interp.interpreter import Interpreter, impl, op_error, shape_str, value_layout
from dory.dory_ir.interp.intmath import (
    INT64_MAX,
    INT64_MIN,
    ROUNDING_MODES,
    describe_bound,
    div_round,
    exact_float_type,
    exceeds_int64,
    int64_range,
    max_abs,
    wrap,
)
from dory.dory_ir.types import IntegerType

# -- properties -------------------------------------------------------------------------------


def _default(op: Operation, name: str) -> Any:
    """The value the declaration of ``op``'s property ``name`` gives when it is absent (None when
    the property is required or has no default)."""
    for p in type(op).property_defs:
        if p.name == name:
            return p.default_for(op)
    return None


def _prop(op: Operation, name: str, kinds: tuple[type, ...], what: str) -> Attribute | None:
    """Property ``name`` if present (checked to be one of ``kinds``), else None."""
    a = op.properties.get(name)
    if a is not None and not isinstance(a, kinds):
        raise op_error(op, f"property '{name}' expected {what}, found {a}")
    return a


def _int_prop(op: Operation, name: str, minimum: int | None = None, default: int | None = None) -> int:
    """An integer property (``IntegerAttr``); absent, its declared default (or ``default``, for
    a default that depends on the operands), required when there is none."""
    a = _prop(op, name, (IntegerAttr,), "an integer")
    if a is None:
        default = _default(op, name) if default is None else default
        if default is None:
            raise op_error(op, f"expected property '{name}', found none")
        return default
    assert isinstance(a, IntegerAttr)
    v = int(a.value)
    if minimum is not None and v < minimum:
        raise op_error(op, f"property '{name}' expected a value >= {minimum}, found {v}")
    return v


def _ints_prop(op: Operation, name: str, count: int, minimum: int | None = None) -> tuple[int, ...]:
    """An ``array<i64: ...>`` property of exactly ``count`` values (absent: its declared default)."""
    a = _prop(op, name, (DenseArrayAttr,), f"an array of {count} integers")
    if a is None:
        default = _default(op, name)
        if default is None:
            raise op_error(op, f"expected property '{name}', found none")
        return tuple(default)
    assert isinstance(a, DenseArrayAttr)
    vals = tuple(int(v) for v in a.values)
    if len(vals) != count:
        raise op_error(op, f"property '{name}' expected {count} values, found {len(vals)}")
    if minimum is not None and any(v < minimum for v in vals):
        raise op_error(op, f"property '{name}' expected values >= {minimum}, found {list(vals)}")
    return vals


def _bool_prop(op: Operation, name: str) -> bool:
    """A boolean property (absent: its declared default, false when the op does not declare it)."""
    a = _prop(op, name, (BoolAttr,), "true or false")
    assert a is None or isinstance(a, BoolAttr)
    return bool(_default(op, name)) if a is None else a.value


def _rounding(op: Operation) -> str:
    a = _prop(op, "rounding", (StringAttr,), "a string")
    assert a is None or isinstance(a, StringAttr)
    mode = _default(op, "rounding") if a is None else a.value
    if mode not in ROUNDING_MODES:
        want = " or ".join(f'"{m}"' for m in ROUNDING_MODES)
        raise op_error(op, f"property 'rounding' expected {want}, found \"{mode}\"")
    return mode


def _dense_data(op: Operation, name: str, a: DenseAttr) -> np.ndarray:
    if a.elided:
        raise op_error(
            op,
            f"property '{name}' expected constant data, found an elided constant "
            "(dense_resource<__elided__>); print the IR without elision to run it",
        )
    return np.asarray(a.data, dtype=np.int64)


def _per_channel_prop(op: Operation, name: str, channels: int) -> int | np.ndarray:
    """An integer (per tensor) or a rank-1 dense of ``channels`` values (per channel, last axis)."""
    a = _prop(op, name, (IntegerAttr, DenseAttr), "an integer or a rank-1 dense constant")
    if a is None:
        default = _default(op, name)
        if default is None:
            raise op_error(op, f"expected property '{name}', found none")
        return default
    if isinstance(a, IntegerAttr):
        v = int(a.value)
        if not INT64_MIN <= v <= INT64_MAX:
            # Possible for a signless i64 attribute written as an unsigned literal.
            raise op_error(op, f"property '{name}' expected a value within int64, found {v}")
        return v
    assert isinstance(a, DenseAttr)
    data = _dense_data(op, name, a)
    if data.shape != (channels,):
        raise op_error(
            op,
            f"property '{name}' expected a per-channel constant of shape {channels} (the last axis), "
            f"found {shape_str(data.shape)}",
        )
    return data


def _in_range_prop(op: Operation, name: str, et: IntegerType) -> int:
    """A required integer property that must be a value of the result element type."""
    v = _int_prop(op, name)
    lo, hi = int64_range(et)
    if not lo <= v <= hi:
        raise op_error(op, f"property '{name}' expected a value of {et} in [{lo}, {hi}], found {v}")
    return v


def _min_max(op: Operation, et: IntegerType) -> tuple[int, int]:
    lo = _in_range_prop(op, "min", et)
    hi = _in_range_prop(op, "max", et)
    if lo > hi:
        raise op_error(op, f"expected min <= max, found min = {lo} and max = {hi}")
    return lo, hi


# -- operands and results ---------------------------------------------------------------------


def _count(op: Operation, operands: list[np.ndarray], lo: int, hi: int | None = None) -> None:
    """Check the operand count is in ``[lo, hi]`` (exactly ``lo`` if ``hi`` is None)."""
    n = len(operands)
    top = lo if hi is None else hi
    if not lo <= n <= top:
        want = f"{lo}" if top == lo else f"{lo} to {top}"
        raise op_error(op, f"expected {want} operand{'' if want == '1' else 's'}, found {n}")


def _rank(op: Operation, a: np.ndarray, what: str, rank: int, layout: str) -> None:
    if a.ndim != rank:
        raise op_error(op, f"operand '{what}' expected rank {rank} ({layout}), found shape {shape_str(a.shape)}")


def _result_layout(op: Operation, index: int = 0) -> tuple[tuple[int, ...], IntegerType]:
    """Shape and element type of result ``index`` (an integer tensor, else a located error)."""
    if index >= len(op.results):
        raise op_error(op, f"expected at least {index + 1} results, found {len(op.results)}")
    layout = value_layout(op.results[index].type)
    if layout is None:
        raise op_error(op, f"result #{index} expected an integer tensor type, found {op.results[index].type}")
    return layout


def _result_elem(op: Operation) -> IntegerType:
    return _result_layout(op)[1]


def _check_bound(op: Operation, bound: int, what: str) -> None:
    if exceeds_int64(bound):
        raise op_error(
            op,
            f"expected every intermediate to fit int64, found {what} bounded by {describe_bound(bound)} "
            "for these operand values",
        )


def _wrap(op: Operation, a: np.ndarray, bound: int | None = None) -> np.ndarray:
    """``a`` wrapped to the result type; ``bound`` (a proven bound on ``|a|``), when the type
    holds all of ``[-bound, bound]``, says there is nothing to wrap (saves two passes over a
    layer's accumulator)."""
    et = _result_elem(op)
    if bound is not None and et.min_value <= -bound and bound <= et.max_value:
        return a
    try:
        return wrap(a, et)
    except ValueError as e:
        raise op_error(op, str(e)) from None


def _div(op: Operation, a: np.ndarray, d: int | np.ndarray, rounding: str) -> np.ndarray:
    try:
        return div_round(a, d, rounding)
    except ValueError as e:
        raise op_error(op, str(e)) from None


# -- window geometry --------------------------------------------------------------------------


def _conv_out(op: Operation, axis: str, size: int, k: int, stride: int, dil: int, pb: int, pe: int) -> int:
    n = qnn.conv_output_size(size, k, stride, pb, pe, dil)
    if n < 1:
        raise op_error(
            op,
            f"expected an output {axis} >= 1, found {n} ({axis} {size}, pads {pb}+{pe}, kernel {k}, "
            f"dilation {dil}, stride {stride})",
        )
    return n


def _pool_out(op: Operation, axis: str, size: int, k: int, stride: int, pb: int, pe: int, ceil_mode: bool) -> int:
    n = qnn.pool_output_size(size, k, stride, pb, pe, ceil_mode)
    if n < 1:
        raise op_error(
            op,
            f"expected an output {axis} >= 1, found {n} ({axis} {size}, pads {pb}+{pe}, kernel {k}, stride {stride})",
        )
    return n


def _inside_counts(n_out: int, size: int, k: int, stride: int, pad_begin: int) -> np.ndarray:
    """For each output position along one axis, how many window taps fall inside [0, size)."""
    starts = np.arange(n_out, dtype=np.int64) * stride - pad_begin
    return np.clip(np.minimum(starts + k, size) - np.maximum(starts, 0), 0, None)


def _padded(x: np.ndarray, pads: tuple[int, int, int, int], need_h: int, need_w: int, fill: int) -> np.ndarray:
    """``x`` (NHWC) padded by ``pads`` [top, left, bottom, right] with ``fill``, extended at the
    bottom/right (ceil-mode windows may reach past the padding) to at least need_h x need_w."""
    pt, pl, pb, pr = pads
    _, h, w, _ = x.shape
    pb += max(0, need_h - (h + pt + pb))
    pr += max(0, need_w - (w + pl + pr))
    return np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)), mode="constant", constant_values=fill)


def _window_slices(
    xp: np.ndarray, kh: int, kw: int, dh: int, dw: int, sh: int, sw: int, ho: int, wo: int
) -> np.ndarray:
    """The input elements that kernel tap (kh, kw) meets at every output position: an
    N x Ho x Wo x C strided view of the padded input."""
    h0, w0 = kh * dh, kw * dw
    return xp[:, h0 : h0 + (ho - 1) * sh + 1 : sh, w0 : w0 + (wo - 1) * sw + 1 : sw, :]


# -- ops --------------------------------------------------------------------------------------


@impl(qnn.ConstantOp)
def constant(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """The ``value`` constant (a copy: callers may keep or modify results)."""
    _count(op, operands, 0)
    a = _prop(op, "value", (DenseAttr,), "a dense constant")
    if a is None:
        raise op_error(op, "expected property 'value', found none")
    assert isinstance(a, DenseAttr)
    return [_dense_data(op, "value", a).copy()]


@impl(qnn.Conv2dOp)
def conv2d(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Grouped 2-D convolution, NHWC x OHWI (+ bias), zero padding, wrapped to the result type."""
    _count(op, operands, 2, 3)
    x, w = operands[0], operands[1]
    _rank(op, x, "input", 4, "NxHxWxC")
    _rank(op, w, "weight", 4, "OxKhxKwxCg")
    n, h, wd, c = x.shape
    o, kh, kw, cg = w.shape
    sh, sw = _ints_prop(op, "strides", 2, minimum=1)
    dh, dw = _ints_prop(op, "dilations", 2, minimum=1)
    pads = _ints_prop(op, "pads", 4, minimum=0)
    groups = _int_prop(op, "groups", minimum=1)
    if c != cg * groups:
        raise op_error(
            op, f"expected input channels = weight channels ({cg}) * groups ({groups}) = {cg * groups}, found {c}"
        )
    if o % groups:
        raise op_error(op, f"expected output channels divisible by groups ({groups}), found {o}")
    bias = None
    if len(operands) == 3:
        bias = operands[2]
        if bias.shape != (o,):
            found = shape_str(bias.shape)
            raise op_error(op, f"operand 'bias' expected shape {o} (one per output channel), found {found}")
    ho = _conv_out(op, "height", h, kh, sh, dh, pads[0], pads[2])
    wo = _conv_out(op, "width", wd, kw, sw, dw, pads[1], pads[3])

    acc_bound = kh * kw * cg * max_abs(x) * max_abs(w)
    _check_bound(op, acc_bound + (max_abs(bias) if bias is not None else 0), "the accumulator")
    acc = _conv_accumulate(x, w, groups, (sh, sw), (dh, dw), pads, ho, wo, exact_float_type(acc_bound))
    if bias is not None:
        acc += bias  # acc is this op's own fresh array
    return [_wrap(op, acc, acc_bound + (max_abs(bias) if bias is not None else 0))]


def _conv_accumulate(
    x: np.ndarray,
    w: np.ndarray,
    groups: int,
    strides: tuple[int, int],
    dilations: tuple[int, int],
    pads: tuple[int, ...],
    ho: int,
    wo: int,
    float_type: type | None,
) -> np.ndarray:
    """The exact convolution sums as int64 (N x Ho x Wo x O).

    One matrix product per kernel tap (Kh*Kw of them) over a strided view of the padded input
    keeps memory at one activation-sized slice (no full im2col matrix). The products run in
    ``float_type`` BLAS when given (`exact_float_type`: every partial sum is an integer the type
    holds exactly, so the result is exact), else in int64.
    """
    n = x.shape[0]
    o, kh, kw, cg = w.shape
    og = o // groups
    dtype = float_type if float_type is not None else np.int64
    xp = x.astype(dtype, copy=False)
    if any(pads):  # zero padding, written around the converted input (one copy, not two)
        xp = _padded(xp, (pads[0], pads[1], pads[2], pads[3]), 0, 0, 0)
    wg = w.reshape(groups, og, kh, kw, cg).astype(dtype, copy=False)
    m = n * ho * wo
    acc: np.ndarray | None = None
    for i in range(kh):
        for j in range(kw):
            xs = _window_slices(xp, i, j, dilations[0], dilations[1], strides[0], strides[1], ho, wo)
            xs = xs.reshape(m, groups, cg)
            wt = wg[:, :, i, j, :]  # groups x og x cg
            if cg == 1:
                # Depthwise (and depth multipliers): an elementwise product per channel.
                part = xs * wt[:, :, 0]
            elif groups == 1 and float_type is not None:
                part = xs[:, 0, :] @ wt[0].T
            elif groups == 1:
                part = np.einsum("mc,oc->mo", xs[:, 0, :], wt[0])
            elif float_type is not None:
                part = np.matmul(xs.transpose(1, 0, 2), wt.transpose(0, 2, 1)).transpose(1, 0, 2)
            else:
                part = np.einsum("mgc,goc->mgo", xs, wt)
            part = part.reshape(m, o)  # channel g*og + k, as the weight's output axis
            # every product above is a new array: the first tap's is the accumulator itself
            if acc is None:
                acc = part
            else:
                acc += part
    assert acc is not None  # a kernel has at least one tap
    return acc.astype(np.int64).reshape(n, ho, wo, o)


@impl(qnn.LinearOp)
def linear(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """``x @ w.T + b`` (x: N x K, w: M x K, b: M), wrapped to the result type."""
    _count(op, operands, 2, 3)
    x, w = operands[0], operands[1]
    _rank(op, x, "input", 2, "NxK")
    _rank(op, w, "weight", 2, "MxK")
    if x.shape[1] != w.shape[1]:
        raise op_error(op, f"expected weight of shape Mx{x.shape[1]} (the input features), found {shape_str(w.shape)}")
    bias = operands[2] if len(operands) == 3 else None
    if bias is not None and bias.shape != (w.shape[0],):
        raise op_error(op, f"operand 'bias' expected shape {w.shape[0]}, found {shape_str(bias.shape)}")
    acc_bound = x.shape[1] * max_abs(x) * max_abs(w)
    _check_bound(op, acc_bound + (max_abs(bias) if bias is not None else 0), "the accumulator")
    ft = exact_float_type(acc_bound)
    if ft is not None:
        acc = (x.astype(ft) @ w.astype(ft).T).astype(np.int64)
    else:
        acc = np.einsum("nk,mk->nm", x, w)
    if bias is not None:
        acc = acc + bias
    return [_wrap(op, acc, acc_bound + (max_abs(bias) if bias is not None else 0))]


@impl(qnn.RequantOp)
def requant(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """``clip(round((x * mul + add) / d), min, max)`` with per-tensor or per-channel mul/add."""
    _count(op, operands, 1)
    x = operands[0]
    et = _result_elem(op)
    channels = x.shape[-1] if x.ndim else 1
    mul = _per_channel_prop(op, "mul", channels)
    add = _per_channel_prop(op, "add", channels)
    if x.ndim == 0 and (isinstance(mul, np.ndarray) or isinstance(add, np.ndarray)):
        raise op_error(op, "expected an input of rank >= 1 for per-channel 'mul'/'add', found a scalar")
    has_shift, has_div = "shift" in op.properties, "div" in op.properties
    if has_shift == has_div:
        found = "both" if has_shift else "neither"
        raise op_error(op, f"expected exactly one of properties 'shift' and 'div', found {found}")
    if has_shift:
        # Every |x * mul + add| is below 2^63, so any shift past 64 rounds exactly like 64 does;
        # capping it avoids building an enormous Python int for an absurd shift.
        d = 1 << min(_int_prop(op, "shift", minimum=0), 64)
    else:
        d = _int_prop(op, "div", minimum=1)
    lo, hi = _min_max(op, et)
    rounding = _rounding(op)
    _check_bound(op, max_abs(x) * max_abs(mul) + max_abs(add), "x * mul + add")
    y = _div(op, x * mul + add, d, rounding)
    return [np.clip(y, lo, hi)]


@impl(qnn.AddOp)
def add(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """``a + b`` with numpy broadcasting, wrapped to the result type."""
    _count(op, operands, 2)
    a, b = operands
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise op_error(
            op, f"expected operand shapes that broadcast, found {shape_str(a.shape)} and {shape_str(b.shape)}"
        ) from None
    _check_bound(op, max_abs(a) + max_abs(b), "the sum")
    return [_wrap(op, a + b)]


@impl(qnn.SoftmaxOp)
def softmax(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """TFLite's reference int8 softmax over the last axis (dory_ir/interp/fixedpoint.py)."""
    from dory.dory_ir.interp.fixedpoint import softmax_int8

    _count(op, operands, 1)
    return [softmax_int8(operands[0], _int_prop(op, "mul", minimum=0), _int_prop(op, "left_shift", minimum=0), _int_prop(op, "diff_min"))]


@impl(qnn.ClipOp)
def clip(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """``clamp(x, min, max)``."""
    _count(op, operands, 1)
    lo, hi = _min_max(op, _result_elem(op))
    return [np.clip(operands[0], lo, hi)]


def _pool_params(op: Operation) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int, int, int]]:
    kernel = _ints_prop(op, "kernel", 2, minimum=1)
    strides = _ints_prop(op, "strides", 2, minimum=1)
    pads = _ints_prop(op, "pads", 4, minimum=0)
    return (kernel[0], kernel[1]), (strides[0], strides[1]), (pads[0], pads[1], pads[2], pads[3])


def _check_windows_nonempty(op: Operation, counts: np.ndarray, axis: str) -> None:
    """Every window must meet the input: the max or mean of padding alone is not defined."""
    empty = np.flatnonzero(counts == 0)
    if empty.size:
        raise op_error(
            op,
            f"expected every window to cover input elements, found output {axis} {int(empty[0])} covering only padding",
        )


@impl(qnn.MaxPoolOp)
def maxpool(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Max over each window; padded positions are ignored (never win)."""
    _count(op, operands, 1)
    x = operands[0]
    _rank(op, x, "input", 4, "NxHxWxC")
    (kh, kw), (sh, sw), pads = _pool_params(op)
    ceil_mode = _bool_prop(op, "ceil_mode")
    _, h, w, _ = x.shape
    ho = _pool_out(op, "height", h, kh, sh, pads[0], pads[2], ceil_mode)
    wo = _pool_out(op, "width", w, kw, sw, pads[1], pads[3], ceil_mode)
    _check_windows_nonempty(op, _inside_counts(ho, h, kh, sh, pads[0]), "row")
    _check_windows_nonempty(op, _inside_counts(wo, w, kw, sw, pads[1]), "column")
    # INT64_MIN never beats a real value (and ties with one give that same value).
    xp = _padded(x, pads, (ho - 1) * sh + kh, (wo - 1) * sw + kw, INT64_MIN)
    y = None
    for i in range(kh):
        for j in range(kw):
            s = _window_slices(xp, i, j, 1, 1, sh, sw, ho, wo)
            y = s.copy() if y is None else np.maximum(y, s)
    assert y is not None
    return [y]


@impl(qnn.AvgPoolOp)
def avgpool(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """``round(sum(window) / n)``; n is ``div`` when given, else it counts in-bounds elements, or
    with ``count_include_pad`` every tap inside the padded input (Kh*Kw except for ceil-mode
    windows reaching past it)."""
    _count(op, operands, 1)
    x = operands[0]
    _rank(op, x, "input", 4, "NxHxWxC")
    (kh, kw), (sh, sw), pads = _pool_params(op)
    ceil_mode = _bool_prop(op, "ceil_mode")
    include_pad = _bool_prop(op, "count_include_pad")
    rounding = _rounding(op)
    _, h, w, _ = x.shape
    ho = _pool_out(op, "height", h, kh, sh, pads[0], pads[2], ceil_mode)
    wo = _pool_out(op, "width", w, kw, sw, pads[1], pads[3], ceil_mode)
    in_h = _inside_counts(ho, h, kh, sh, pads[0])
    in_w = _inside_counts(wo, w, kw, sw, pads[1])
    _check_windows_nonempty(op, in_h, "row")
    _check_windows_nonempty(op, in_w, "column")
    if include_pad:
        cnt_h = _inside_counts(ho, h + pads[0] + pads[2], kh, sh, 0)
        cnt_w = _inside_counts(wo, w + pads[1] + pads[3], kw, sw, 0)
    else:
        cnt_h, cnt_w = in_h, in_w
    _check_bound(op, kh * kw * max_abs(x), "the window sum")
    xp = _padded(x, pads, (ho - 1) * sh + kh, (wo - 1) * sw + kw, 0)
    total = np.zeros((x.shape[0], ho, wo, x.shape[3]), dtype=np.int64)
    for i in range(kh):
        for j in range(kw):
            total += _window_slices(xp, i, j, 1, 1, sh, sw, ho, wo)
    if "div" in op.properties:
        # an explicit divisor replaces the element count (div = 1: the exact window sum)
        return [_div(op, total, _int_prop(op, "div", minimum=1), rounding)]
    counts = np.outer(cnt_h, cnt_w)[None, :, :, None]
    return [_div(op, total, counts, rounding)]


@impl(qnn.GlobalAvgPoolOp)
def global_avgpool(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """``round(sum over H, W / div)`` with ``div`` defaulting to H*W."""
    _count(op, operands, 1)
    x = operands[0]
    _rank(op, x, "input", 4, "NxHxWxC")
    _, h, w, _ = x.shape
    if h * w == 0 and "div" not in op.properties:
        raise op_error(op, f"expected a non-empty HxW window, found {h}x{w}")
    d = _int_prop(op, "div", minimum=1, default=h * w)
    rounding = _rounding(op)
    _check_bound(op, h * w * max_abs(x), "the sum")
    return [_div(op, x.sum(axis=(1, 2), keepdims=True, dtype=np.int64), d, rounding)]


@impl(qnn.PadOp)
def pad(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Constant padding; ``pads`` holds all begins then all ends (ONNX order)."""
    _count(op, operands, 1)
    x = operands[0]
    pads = _ints_prop(op, "pads", 2 * x.ndim, minimum=0)
    value = _int_prop(op, "value")
    et = _result_elem(op)
    lo, hi = int64_range(et)
    if not lo <= value <= hi:
        raise op_error(op, f"property 'value' expected a value of {et} in [{lo}, {hi}], found {value}")
    widths = list(zip(pads[: x.ndim], pads[x.ndim :]))
    return [np.pad(x, widths, mode="constant", constant_values=value)]


@impl(qnn.ReshapeOp)
def reshape(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Row-major reshape to the result type's shape."""
    _count(op, operands, 1)
    x = operands[0]
    shape = _result_layout(op)[0]
    if int(np.prod(shape, dtype=np.int64)) != x.size:
        raise op_error(
            op, f"expected a result with {x.size} elements (input {shape_str(x.shape)}), found {op.results[0].type}"
        )
    return [x.reshape(shape)]


@impl(qnn.FlattenOp)
def flatten(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Row-major reshape to ``[prod(dims[:axis]), prod(dims[axis:])]``."""
    _count(op, operands, 1)
    x = operands[0]
    axis = _int_prop(op, "axis")
    if not -x.ndim <= axis <= x.ndim:
        raise op_error(op, f"property 'axis' expected a value in [{-x.ndim}, {x.ndim}], found {axis}")
    if axis < 0:
        axis += x.ndim
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    return [x.reshape(outer, int(np.prod(x.shape[axis:], dtype=np.int64)))]


@impl(qnn.TransposeOp)
def transpose(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """``x.transpose(perm)``."""
    _count(op, operands, 1)
    x = operands[0]
    perm = _ints_prop(op, "perm", x.ndim)
    if sorted(perm) != list(range(x.ndim)):
        raise op_error(op, f"property 'perm' expected a permutation of 0..{x.ndim - 1}, found {list(perm)}")
    return [np.ascontiguousarray(x.transpose(perm))]


@impl(qnn.ConcatOp)
def concat(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Concatenation along ``axis`` (negative counts from the end)."""
    if not operands:
        raise op_error(op, "expected at least 1 operand, found 0")
    rank = operands[0].ndim
    axis = _int_prop(op, "axis")
    if not -rank <= axis < rank:
        raise op_error(op, f"property 'axis' expected a value in [{-rank}, {rank - 1}], found {axis}")
    axis %= rank
    first = operands[0].shape
    for i, a in enumerate(operands[1:], start=1):
        same = a.ndim == rank and all(a.shape[k] == first[k] for k in range(rank) if k != axis)
        if not same:
            want = "x".join("?" if k == axis else str(first[k]) for k in range(rank))
            found = shape_str(a.shape)
            raise op_error(op, f"operand #{i} expected shape {want} (as operand #0 but for axis {axis}), found {found}")
    return [np.concatenate(operands, axis=axis)]

