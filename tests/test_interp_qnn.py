"""The reference interpreter's qnn ops against independent computations.

Window and tensor ops are compared with onnxruntime running the one-op ONNX graph (NCHW,
float32 carrying small integers, so float32 arithmetic is exact); requant, clip, rounding and
wrapping against plain Python integer arithmetic. Comparisons are exact (np.array_equal).
"""

from __future__ import annotations

import time
from fractions import Fraction
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper

from dory.dory_ir.attributes import (
    Attribute,
    BoolAttr,
    DenseAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    i64_array,
)
from dory.dory_ir.core import create_op
from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.dialects.func import FuncOp, ReturnOp
from dory.dory_ir.interp import Interpreter, random_inputs, run_function
from dory.dory_ir.types import IntegerType, TensorType

si8 = IntegerType(8, "signed")
ui8 = IntegerType(8, "unsigned")
si16 = IntegerType(16, "signed")
si32 = IntegerType(32, "signed")
si64 = IntegerType(64, "signed")
LOC = Location("test.mlir", 7, 3)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# -- building and running one-op modules --------------------------------------------------------


def t(shape: tuple[int, ...] | list[int], et: IntegerType = si32) -> TensorType:
    return TensorType(tuple(int(d) for d in shape), et)


def one_op_module(
    name: str,
    in_types: list[TensorType],
    result_type: TensorType,
    props: dict[str, Attribute] | None = None,
) -> ModuleOp:
    """``@main`` taking ``in_types``, applying op ``name`` to all inputs and returning its result."""
    f = FuncOp.build("main", list(in_types), [result_type])
    op = create_op(name, operands=list(f.args), result_types=[result_type], properties=props or {}, loc=LOC)
    f.body.add_op(op)
    f.body.add_op(ReturnOp.build([op.result]))
    return ModuleOp.build([f])


def run_op(
    name: str,
    inputs: list[np.ndarray],
    in_types: list[TensorType],
    result_type: TensorType,
    props: dict[str, Attribute] | None = None,
) -> np.ndarray:
    return run_function(one_op_module(name, in_types, result_type, props), inputs)[0]


def arr_attr(values: Any) -> Attribute:
    return i64_array(values)


def int_attr(v: int) -> IntegerAttr:
    return IntegerAttr(int(v))


# -- onnxruntime reference ---------------------------------------------------------------------


def ort_run(
    op_type: str,
    inputs: list[np.ndarray],
    attrs: dict[str, Any] | None = None,
    initializers: list[onnx.TensorProto] | None = None,
) -> np.ndarray:
    """Run a one-node ONNX graph on float32 copies of ``inputs`` (named in0, in1, ...) plus
    ``initializers`` (appended to the node's inputs) and return its only output."""
    names = [f"in{i}" for i in range(len(inputs))]
    init = list(initializers or [])
    node = helper.make_node(op_type, names + [i.name for i in init], ["out"], **(attrs or {}))
    graph = helper.make_graph(
        [node],
        "g",
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, a.shape) for n, a in zip(names, inputs)],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, None)],
        initializer=init,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10
    opts = ort.SessionOptions()
    opts.log_severity_level = 3
    sess = ort.InferenceSession(model.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    feeds = {n: a.astype(np.float32) for n, a in zip(names, inputs)}
    for a in inputs:
        # The premise of the comparison: every value is exactly representable in float32.
        assert np.all(np.abs(a) < 2**24)
    return sess.run(None, feeds)[0]


def to_int(a: np.ndarray) -> np.ndarray:
    """ORT's float32 output of an exact integer computation, as int64 (asserting exactness)."""
    r = np.rint(a)
    assert np.array_equal(r, a), "reference output is not integral"
    return r.astype(np.int64)


def nchw(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 3, 1, 2))


def nhwc(a: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(a.transpose(0, 2, 3, 1))


def rng_for(seed: int) -> np.random.Generator:
    return np.random.default_rng(seed)


# -- pure Python references --------------------------------------------------------------------


def py_round(num: int, den: int, rounding: str) -> int:
    """round(num / den) with Python's exact integers."""
    if rounding == "floor":
        return num // den
    return int(Fraction(num, den))  # int() of a Fraction truncates towards zero


def py_wrap(v: int, et: IntegerType) -> int:
    m = 1 << et.width
    if et.is_unsigned:
        return v % m
    return (v + m // 2) % m - m // 2


def py_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray | None, strides, dilations, pads, groups) -> np.ndarray:
    """Direct definition of qnn.conv2d from docs/qnn.md with Python ints (tiny shapes only)."""
    n_, h, wd, c = x.shape
    o, kh, kw, cg = w.shape
    sh, sw = strides
    dh, dw = dilations
    pt, pl, pb, pr = pads
    ho = (h + pt + pb - dh * (kh - 1) - 1) // sh + 1
    wo = (wd + pl + pr - dw * (kw - 1) - 1) // sw + 1
    og = o // groups
    out = np.empty((n_, ho, wo, o), dtype=object)
    for n in range(n_):
        for i in range(ho):
            for j in range(wo):
                for oc in range(o):
                    g = oc // og
                    s = int(b[oc]) if b is not None else 0
                    for a in range(kh):
                        for bb in range(kw):
                            y, xx = i * sh - pt + a * dh, j * sw - pl + bb * dw
                            if 0 <= y < h and 0 <= xx < wd:
                                for ci in range(cg):
                                    s += int(x[n, y, xx, g * cg + ci]) * int(w[oc, a, bb, ci])
                    out[n, i, j, oc] = s
    return out


# -- conv2d --------------------------------------------------------------------------------------


def conv_props(strides, dilations, pads, groups) -> dict[str, Attribute]:
    return {
        "strides": arr_attr(strides),
        "dilations": arr_attr(dilations),
        "pads": arr_attr(pads),
        "groups": int_attr(groups),
    }


def check_conv_against_ort(x, w, b, strides, dilations, pads, groups, result_et=si32) -> None:
    ort_inputs = [nchw(x), nchw(w)] + ([b] if b is not None else [])
    ref = nhwc(
        to_int(
            ort_run(
                "Conv",
                ort_inputs,
                dict(strides=list(strides), dilations=list(dilations), pads=list(pads), group=groups),
            )
        )
    )
    in_types = [t(x.shape, si8), t(w.shape, si8)] + ([t(b.shape, si32)] if b is not None else [])
    inputs = [x, w] + ([b] if b is not None else [])
    got = run_op("qnn.conv2d", inputs, in_types, t(ref.shape, result_et), conv_props(strides, dilations, pads, groups))
    if result_et == si32:
        assert np.array_equal(got, ref)
    else:
        wrapped = np.vectorize(lambda v: py_wrap(int(v), result_et), otypes=[np.int64])(ref)
        assert np.array_equal(got, wrapped)


@st.composite
def conv_cases(draw):
    kind = draw(st.sampled_from(["dense", "grouped", "depthwise"]))
    if kind == "dense":
        groups, cg, og = 1, draw(st.integers(1, 5)), draw(st.integers(1, 5))
    elif kind == "grouped":
        groups, cg, og = draw(st.integers(2, 3)), draw(st.integers(2, 3)), draw(st.integers(1, 3))
    else:
        groups, cg, og = draw(st.integers(1, 6)), 1, draw(st.integers(1, 2))
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    dilations = (draw(st.integers(1, 2)), draw(st.integers(1, 2)))
    pads = tuple(draw(st.integers(0, 2)) for _ in range(4))
    h = draw(st.integers(max(1, dilations[0] * (kh - 1) + 1 - pads[0] - pads[2]), 9))
    w = draw(st.integers(max(1, dilations[1] * (kw - 1) + 1 - pads[1] - pads[3]), 9))
    n = draw(st.integers(1, 2))
    with_bias = draw(st.booleans())
    seed = draw(st.integers(0, 2**32 - 1))
    return n, h, w, groups, cg, og, (kh, kw), strides, dilations, pads, with_bias, seed


@SETTINGS
@given(conv_cases())
def test_conv2d_matches_onnxruntime(case) -> None:
    n, h, w, groups, cg, og, (kh, kw), strides, dilations, pads, with_bias, seed = case
    rng = rng_for(seed)
    x = rng.integers(-128, 128, (n, h, w, cg * groups))
    wt = rng.integers(-128, 128, (og * groups, kh, kw, cg))
    b = rng.integers(-1000, 1000, (og * groups,)) if with_bias else None
    check_conv_against_ort(x, wt, b, strides, dilations, pads, groups)


@pytest.mark.parametrize(
    "groups,cg,og,strides,dilations,pads",
    [
        (1, 3, 4, (1, 1), (1, 1), (1, 1, 1, 1)),
        (1, 8, 16, (2, 2), (1, 1), (0, 0, 1, 1)),
        (8, 1, 1, (1, 1), (1, 1), (1, 1, 1, 1)),  # depthwise
        (4, 1, 2, (2, 1), (2, 1), (2, 0, 1, 2)),  # depthwise with a channel multiplier
        (2, 4, 3, (1, 2), (1, 2), (0, 2, 2, 0)),  # grouped
    ],
)
def test_conv2d_fixed_cases(groups, cg, og, strides, dilations, pads) -> None:
    rng = rng_for(groups * 100 + cg * 10 + og)
    x = rng.integers(-128, 128, (1, 7, 8, cg * groups))
    w = rng.integers(-128, 128, (og * groups, 3, 3, cg))
    b = rng.integers(-(2**20), 2**20, (og * groups,))
    check_conv_against_ort(x, w, b, strides, dilations, pads, groups)


@pytest.mark.parametrize("result_et", [si8, ui8, si16])
def test_conv2d_wraps_to_narrow_result(result_et: IntegerType) -> None:
    rng = rng_for(result_et.width)
    x = rng.integers(-128, 128, (1, 5, 5, 4))
    w = rng.integers(-128, 128, (3, 3, 3, 4))
    b = rng.integers(-5000, 5000, (3,))
    check_conv_against_ort(x, w, b, (1, 1), (1, 1), (1, 1, 1, 1), 1, result_et)


@pytest.mark.parametrize("groups,cg,og", [(1, 3, 2), (2, 2, 2), (3, 1, 2)])
def test_conv2d_int64_path_matches_python(groups: int, cg: int, og: int) -> None:
    """Magnitudes beyond 2^53 take the int64 (non-float) path; compare with Python ints."""
    rng = rng_for(cg * og)
    x = rng.integers(-(2**31), 2**31, (1, 4, 5, cg * groups))
    w = rng.integers(-(2**27), 2**27, (og * groups, 2, 3, cg))
    x[0, 0, 0, 0], w[0, 0, 0, 0] = -(2**31), -(2**27)  # make sure the bound exceeds 2^53
    b = rng.integers(-(2**40), 2**40, (og * groups,))
    props = conv_props((1, 2), (1, 1), (1, 0, 0, 1), groups)
    ref = py_conv(x, w, b, (1, 2), (1, 1), (1, 0, 0, 1), groups)
    got = run_op("qnn.conv2d", [x, w, b], [t(x.shape), t(w.shape), t(b.shape, si64)], t(ref.shape, si64), props)
    assert np.array_equal(got, ref.astype(np.int64))


def test_conv2d_defaults_and_no_bias() -> None:
    rng = rng_for(5)
    x = rng.integers(-8, 8, (1, 4, 4, 2))
    w = rng.integers(-8, 8, (3, 2, 2, 2))
    ref = py_conv(x, w, None, (1, 1), (1, 1), (0, 0, 0, 0), 1).astype(np.int64)
    got = run_op("qnn.conv2d", [x, w], [t(x.shape, si8), t(w.shape, si8)], t(ref.shape), {})
    assert np.array_equal(got, ref)


# -- linear --------------------------------------------------------------------------------------


@SETTINGS
@given(st.integers(1, 4), st.integers(1, 40), st.integers(1, 12), st.booleans(), st.integers(0, 2**32 - 1))
def test_linear_matches_onnxruntime(n: int, k: int, m: int, with_bias: bool, seed: int) -> None:
    rng = rng_for(seed)
    x = rng.integers(-128, 128, (n, k))
    w = rng.integers(-128, 128, (m, k))
    b = rng.integers(-(2**16), 2**16, (m,))
    ref = to_int(ort_run("Gemm", [x, w, b] if with_bias else [x, w], dict(transB=1)))
    inputs = [x, w, b] if with_bias else [x, w]
    types = [t(x.shape, si8), t(w.shape, si8)] + ([t(b.shape)] if with_bias else [])
    assert np.array_equal(run_op("qnn.linear", inputs, types, t((n, m))), ref)


def test_linear_wraps_and_int64_path() -> None:
    rng = rng_for(11)
    x = rng.integers(-(2**31), 2**31, (2, 9))
    w = rng.integers(-(2**24), 2**24, (3, 9))
    b = rng.integers(-(2**31), 2**31, (3,))
    exact = [[sum(int(x[i, q]) * int(w[j, q]) for q in range(9)) + int(b[j]) for j in range(3)] for i in range(2)]
    got = run_op("qnn.linear", [x, w, b], [t(x.shape), t(w.shape), t(b.shape)], t((2, 3)))
    assert got.tolist() == [[py_wrap(v, si32) for v in row] for row in exact]
    got16 = run_op("qnn.linear", [x, w, b], [t(x.shape), t(w.shape), t(b.shape)], t((2, 3), si16))
    assert got16.tolist() == [[py_wrap(v, si16) for v in row] for row in exact]


# -- pools ---------------------------------------------------------------------------------------


@st.composite
def pool_cases(draw, allow_ceil: bool = True):
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    strides = (draw(st.integers(1, 3)), draw(st.integers(1, 3)))
    # onnxruntime requires pads < kernel (so every window meets the input).
    pads = tuple(draw(st.integers(0, k - 1)) for k in (kh, kw, kh, kw))
    h = draw(st.integers(max(1, kh - pads[0] - pads[2]), 9))
    w = draw(st.integers(max(1, kw - pads[1] - pads[3]), 9))
    c = draw(st.integers(1, 4))
    ceil_mode = draw(st.booleans()) if allow_ceil else False
    seed = draw(st.integers(0, 2**32 - 1))
    return (kh, kw), strides, pads, (draw(st.integers(1, 2)), h, w, c), ceil_mode, seed


def pool_props(kernel, strides, pads, ceil_mode) -> dict[str, Attribute]:
    return {
        "kernel": arr_attr(kernel),
        "strides": arr_attr(strides),
        "pads": arr_attr(pads),
        "ceil_mode": BoolAttr(ceil_mode),
    }


@SETTINGS
@given(pool_cases())
def test_maxpool_matches_onnxruntime(case) -> None:
    kernel, strides, pads, shape, ceil_mode, seed = case
    x = rng_for(seed).integers(-128, 128, shape)  # negative values: padding must never win
    ref = nhwc(
        to_int(
            ort_run(
                "MaxPool",
                [nchw(x)],
                dict(kernel_shape=list(kernel), strides=list(strides), pads=list(pads), ceil_mode=int(ceil_mode)),
            )
        )
    )
    got = run_op("qnn.maxpool", [x], [t(shape, si8)], t(ref.shape, si8), pool_props(kernel, strides, pads, ceil_mode))
    assert np.array_equal(got, ref)


def test_maxpool_strides_default_to_kernel() -> None:
    x = rng_for(3).integers(-128, 128, (1, 6, 4, 3))
    ref = nhwc(to_int(ort_run("MaxPool", [nchw(x)], dict(kernel_shape=[3, 2], strides=[3, 2]))))
    got = run_op("qnn.maxpool", [x], [t(x.shape, si8)], t(ref.shape, si8), {"kernel": arr_attr([3, 2])})
    assert np.array_equal(got, ref)


def rounded_from_float(q: np.ndarray, rounding: str) -> np.ndarray:
    """Exact floor/trunc of a float32 quotient of small integers: the true quotient is k + j/n with
    n <= 9, so a 1e-3 nudge away from rounding error never crosses the next integer."""
    q = q.astype(np.float64)
    if rounding == "floor":
        return np.floor(q + 1e-3).astype(np.int64)
    return (np.sign(q) * np.floor(np.abs(q) + 1e-3)).astype(np.int64)


@SETTINGS
@given(pool_cases(), st.booleans(), st.sampled_from(["floor", "trunc"]))
def test_avgpool_matches_onnxruntime(case, count_include_pad: bool, rounding: str) -> None:
    kernel, strides, pads, shape, ceil_mode, seed = case
    x = rng_for(seed).integers(-128, 128, shape)
    q = ort_run(
        "AveragePool",
        [nchw(x)],
        dict(
            kernel_shape=list(kernel),
            strides=list(strides),
            pads=list(pads),
            ceil_mode=int(ceil_mode),
            count_include_pad=int(count_include_pad),
        ),
    )
    ref = nhwc(rounded_from_float(q, rounding))
    props = pool_props(kernel, strides, pads, ceil_mode)
    props["count_include_pad"] = BoolAttr(count_include_pad)
    props["rounding"] = StringAttr(rounding)
    got = run_op("qnn.avgpool", [x], [t(shape, si8)], t(ref.shape, si8), props)
    assert np.array_equal(got, ref)


@pytest.mark.parametrize("rounding", ["floor", "trunc", None])
def test_global_avgpool_matches_onnxruntime(rounding: str | None) -> None:
    x = rng_for(7).integers(-128, 128, (2, 5, 3, 4))
    ref = nhwc(rounded_from_float(ort_run("GlobalAveragePool", [nchw(x)]), rounding or "floor"))
    props = {"rounding": StringAttr(rounding)} if rounding else {}
    got = run_op("qnn.global_avgpool", [x], [t(x.shape, si8)], t((2, 1, 1, 4), si8), props)
    assert np.array_equal(got, ref)


@pytest.mark.parametrize("rounding", ["floor", "trunc"])
def test_global_avgpool_custom_div(rounding: str) -> None:
    x = rng_for(8).integers(-128, 128, (1, 4, 4, 3))
    axes = helper.make_tensor("axes", TensorProto.INT64, [2], [2, 3])
    sums = nhwc(to_int(ort_run("ReduceSum", [nchw(x)], dict(keepdims=1), [axes])))
    ref = np.vectorize(lambda s: py_round(int(s), 16 + 3, rounding), otypes=[np.int64])(sums)
    props = {"rounding": StringAttr(rounding), "div": int_attr(19)}
    got = run_op("qnn.global_avgpool", [x], [t(x.shape, si8)], t((1, 1, 1, 3), si8), props)
    assert np.array_equal(got, ref)


# -- shape ops -----------------------------------------------------------------------------------


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_pad_matches_onnxruntime(shape: list[int], data) -> None:
    rank = len(shape)
    pads = [data.draw(st.integers(0, 3)) for _ in range(2 * rank)]
    value = data.draw(st.integers(-128, 127))
    x = rng_for(sum(shape)).integers(-128, 128, shape)
    inits = [
        helper.make_tensor("pads", TensorProto.INT64, [2 * rank], pads),
        helper.make_tensor("value", TensorProto.FLOAT, [], [float(value)]),
    ]
    ref = to_int(ort_run("Pad", [x], dict(mode="constant"), inits))
    props = {"pads": arr_attr(pads), "value": int_attr(value)}
    assert np.array_equal(run_op("qnn.pad", [x], [t(shape, si8)], t(ref.shape, si8), props), ref)


def test_pad_default_value_is_zero() -> None:
    x = np.array([[1, 2], [3, 4]])
    got = run_op("qnn.pad", [x], [t((2, 2), si8)], t((3, 4), si8), {"pads": arr_attr([0, 1, 1, 1])})
    assert got.tolist() == [[0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]]


@SETTINGS
@given(st.lists(st.integers(1, 3), min_size=1, max_size=4), st.integers(1, 3), st.data())
def test_concat_matches_onnxruntime(shape: list[int], count: int, data) -> None:
    rank = len(shape)
    axis = data.draw(st.integers(-rank, rank - 1))
    xs = []
    for i in range(count):
        s = list(shape)
        s[axis] = data.draw(st.integers(1, 3))
        xs.append(rng_for(i).integers(-128, 128, s))
    ref = to_int(ort_run("Concat", xs, dict(axis=axis)))
    got = run_op("qnn.concat", xs, [t(a.shape, si8) for a in xs], t(ref.shape, si8), {"axis": int_attr(axis)})
    assert np.array_equal(got, ref)


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=4), st.data())
def test_add_matches_onnxruntime(shape: list[int], data) -> None:
    # Broadcasting: drop leading dims and set some dims to 1 on the second operand.
    keep = data.draw(st.integers(0, len(shape)))
    other = [d if data.draw(st.booleans()) else 1 for d in shape[len(shape) - keep :]]
    a = rng_for(1).integers(-128, 128, shape)
    b = rng_for(2).integers(-128, 128, other)
    swap = data.draw(st.booleans())
    lhs, rhs = (b, a) if swap else (a, b)
    ref = to_int(ort_run("Add", [lhs, rhs]))
    got = run_op("qnn.add", [lhs, rhs], [t(lhs.shape, si8), t(rhs.shape, si8)], t(ref.shape, si16))
    assert np.array_equal(got, ref)
    got8 = run_op("qnn.add", [lhs, rhs], [t(lhs.shape, si8), t(rhs.shape, si8)], t(ref.shape, si8))
    assert np.array_equal(got8, np.vectorize(lambda v: py_wrap(int(v), si8), otypes=[np.int64])(ref))


@SETTINGS
@given(st.lists(st.integers(1, 4), min_size=1, max_size=5), st.randoms(use_true_random=False))
def test_transpose_matches_onnxruntime(shape: list[int], rnd) -> None:
    perm = list(range(len(shape)))
    rnd.shuffle(perm)
    x = rng_for(len(shape)).integers(-128, 128, shape)
    ref = to_int(ort_run("Transpose", [x], dict(perm=perm)))
    got = run_op("qnn.transpose", [x], [t(shape, si8)], t(ref.shape, si8), {"perm": arr_attr(perm)})
    assert np.array_equal(got, ref)


def test_reshape_and_flatten_are_row_major() -> None:
    x = np.arange(24).reshape(1, 2, 3, 4) - 12
    assert np.array_equal(run_op("qnn.reshape", [x], [t(x.shape, si8)], t((4, 6), si8)), x.reshape(4, 6))
    ref = to_int(ort_run("Flatten", [x], dict(axis=2)))
    got = run_op("qnn.flatten", [x], [t(x.shape, si8)], t((2, 12), si8), {"axis": int_attr(2)})
    assert np.array_equal(got, ref)
    got = run_op("qnn.flatten", [x], [t(x.shape, si8)], t((1, 24), si8), {})
    assert np.array_equal(got, x.reshape(1, 24))
    got = run_op("qnn.flatten", [x], [t(x.shape, si8)], t((6, 4), si8), {"axis": int_attr(-1)})
    assert np.array_equal(got, x.reshape(6, 4))


def test_constant_returns_a_writable_copy() -> None:
    value = DenseAttr.from_array([[1, -2], [3, 4]], si8)
    f = FuncOp.build("main", [], [value.type])
    c = create_op("qnn.constant", result_types=[value.type], properties={"value": value}, loc=LOC)
    f.body.add_op(c)
    f.body.add_op(ReturnOp.build([c.result]))
    (out,) = run_function(ModuleOp.build([f]), [])
    assert out.tolist() == [[1, -2], [3, 4]] and out.dtype == np.int64
    out[0, 0] = 99  # must not write into the attribute
    assert int(value.data[0, 0]) == 1


# -- requant / clip: Python integer arithmetic ----------------------------------------------------


@st.composite
def requant_cases(draw):
    shape = draw(st.lists(st.integers(1, 3), min_size=1, max_size=3))
    c = shape[-1]
    per_channel = draw(st.booleans())
    mul_s = st.integers(-(2**31), 2**31 - 1)
    add_s = st.integers(-(2**40), 2**40)
    mul = draw(st.lists(mul_s, min_size=c, max_size=c)) if per_channel else draw(mul_s)
    add = None
    if draw(st.booleans()):
        add = draw(st.lists(add_s, min_size=c, max_size=c)) if per_channel else draw(add_s)
    if draw(st.booleans()):
        divisor = ("shift", draw(st.one_of(st.integers(0, 40), st.integers(60, 80))))
    else:
        divisor = ("div", draw(st.integers(1, 10**6)))
    et = draw(st.sampled_from([si8, ui8, si16, si32]))
    lo = draw(st.integers(et.min_value, et.max_value))
    hi = draw(st.integers(lo, et.max_value))
    rounding = draw(st.sampled_from(["floor", "trunc", None]))
    seed = draw(st.integers(0, 2**32 - 1))
    return shape, mul, add, divisor, et, lo, hi, rounding, seed


@settings(max_examples=150, deadline=None)
@given(requant_cases())
def test_requant_matches_python_integers(case) -> None:
    shape, mul, add, (dkind, dval), et, lo, hi, rounding, seed = case
    x = rng_for(seed).integers(-(2**31), 2**31, shape)
    props: dict[str, Attribute] = {"min": int_attr(lo), "max": int_attr(hi), dkind: int_attr(dval)}
    props["mul"] = DenseAttr.from_array(mul, si32) if isinstance(mul, list) else int_attr(mul)
    if add is not None:
        props["add"] = DenseAttr.from_array(add, si64) if isinstance(add, list) else int_attr(add)
    if rounding is not None:
        props["rounding"] = StringAttr(rounding)
    got = run_op("qnn.requant", [x], [t(shape)], t(shape, et), props)

    d = (1 << dval) if dkind == "shift" else dval
    flat = x.reshape(-1, shape[-1])
    want = []
    for row in flat.tolist():
        out_row = []
        for ch, v in enumerate(row):
            m = mul[ch] if isinstance(mul, list) else mul
            a = 0 if add is None else (add[ch] if isinstance(add, list) else add)
            out_row.append(min(max(py_round(v * m + a, d, rounding or "floor"), lo), hi))
        want.append(out_row)
    assert got.reshape(-1, shape[-1]).tolist() == want


@pytest.mark.parametrize(
    "v,d,floor,trunc",
    [(-7, 2, -4, -3), (7, 2, 3, 3), (-8, 2, -4, -4), (-1, 4, -1, 0), (0, 3, 0, 0), (-(2**40), 2**41, -1, 0)],
)
def test_requant_rounding_modes_on_negative_values(v: int, d: int, floor: int, trunc: int) -> None:
    x = np.array([v])
    for rounding, want in (("floor", floor), ("trunc", trunc)):
        props = {
            "mul": int_attr(1),
            "div": int_attr(d),
            "min": int_attr(-(2**31)),
            "max": int_attr(2**31 - 1),
            "rounding": StringAttr(rounding),
        }
        assert run_op("qnn.requant", [x], [t((1,), si64)], t((1,)), props).tolist() == [want]


@SETTINGS
@given(
    st.lists(st.integers(1, 4), min_size=0, max_size=3),
    st.integers(-128, 127),
    st.integers(0, 100),
    st.integers(0, 2**32 - 1),
)
def test_clip_matches_python(shape: list[int], lo: int, span: int, seed: int) -> None:
    hi = min(127, lo + span)
    x = rng_for(seed).integers(-128, 128, shape)
    got = run_op("qnn.clip", [x], [t(shape, si8)], t(shape, si8), {"min": int_attr(lo), "max": int_attr(hi)})
    want = [min(max(v, lo), hi) for v in x.reshape(-1).tolist()]
    assert got.reshape(-1).tolist() == want


# -- interpreter behaviour: callbacks, random inputs, calls ---------------------------------------


def two_op_module() -> ModuleOp:
    f = FuncOp.build("main", [t((1, 2, 2, 2), si8)], [t((1, 2, 2, 2), si8)], ["x"])
    c = create_op("qnn.clip", operands=[f.args[0]], result_types=[t((1, 2, 2, 2), si8)],
                  properties={"min": int_attr(-1), "max": int_attr(1)}, loc=LOC, result_names=["c"])
    a = create_op(
        "qnn.add", operands=[c.result, f.args[0]], result_types=[t((1, 2, 2, 2), si8)], loc=LOC, result_names=["s"]
    )
    f.body.add_op(c)
    f.body.add_op(a)
    f.body.add_op(ReturnOp.build([a.result]))
    return ModuleOp.build([f])


def test_on_result_sees_every_op_in_order() -> None:
    m = two_op_module()
    seen: list[tuple[str, list[np.ndarray]]] = []
    x = np.arange(8).reshape(1, 2, 2, 2) - 4
    (out,) = run_function(m, [x], on_result=lambda op, rs: seen.append((op.op_name, rs)))
    assert [n for n, _ in seen] == ["qnn.clip", "qnn.add", "func.return"]
    assert np.array_equal(seen[0][1][0], np.clip(x, -1, 1))
    assert np.array_equal(seen[1][1][0], out) and seen[2][1] == []


def test_random_inputs_are_seeded_and_cover_the_type_range() -> None:
    f = FuncOp.build("main", [t((64, 64), si8), t((3,), IntegerType(4, "unsigned"))], [])
    f.body.add_op(ReturnOp.build([]))
    m = ModuleOp.build([f])
    a = random_inputs(m, 3)
    b = random_inputs(m, 3)
    c = random_inputs(m, 4)
    assert all(np.array_equal(p, q) for p, q in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    assert a[0].dtype == np.int64 and a[0].shape == (64, 64)
    assert a[0].min() == -128 and a[0].max() == 127  # 4096 draws hit both ends
    assert a[1].shape == (3,) and 0 <= a[1].min() and a[1].max() <= 15


def test_func_call_runs_the_callee() -> None:
    ty = t((2,), si8)
    callee = FuncOp.build("double", [ty], [ty])
    add = create_op("qnn.add", operands=[callee.args[0], callee.args[0]], result_types=[ty])
    callee.body.add_op(add)
    callee.body.add_op(ReturnOp.build([add.result]))
    main = FuncOp.build("main", [ty], [ty])
    call = create_op(
        "func.call", operands=[main.args[0]], result_types=[ty], properties={"callee": SymbolRefAttr("double")}
    )
    main.body.add_op(call)
    main.body.add_op(ReturnOp.build([call.result]))
    m = ModuleOp.build([main, callee])
    assert run_function(m, [np.array([3, -70])])[0].tolist() == [6, 116]  # -140 wraps
    assert run_function(m, [np.array([5, 1])], func="double")[0].tolist() == [10, 2]


# -- errors are located DiagnosticErrors ----------------------------------------------------------


def expect_error(fn, *fragments: str, loc: Location | None = LOC) -> DiagnosticError:
    with pytest.raises(DiagnosticError) as info:
        fn()
    err = info.value
    text = err.format()
    for frag in fragments:
        assert frag in text, text
    if loc is not None:
        assert err.diagnostics[0].loc == loc
    return err


def test_error_elided_constant() -> None:
    ty = t((4,), si8)
    value = DenseAttr(ty, np.zeros(4, dtype=np.int64), elided=True)
    f = FuncOp.build("main", [], [ty])
    c = create_op("qnn.constant", result_types=[ty], properties={"value": value}, loc=LOC)
    f.body.add_op(c)
    f.body.add_op(ReturnOp.build([c.result]))
    expect_error(lambda: run_function(ModuleOp.build([f]), []), "'qnn.constant' op", "elided")


def test_error_unknown_op_and_test_op() -> None:
    for name, frag in (("foo.bar", "no interpreter implementation"), ("test.op", "not executable")):
        m = one_op_module(name, [t((2,), si8)], t((2,), si8))
        expect_error(lambda: run_function(m, [np.zeros(2, dtype=np.int64)]), f"'{name}' op", frag)


def test_error_bad_inputs_are_located_at_the_function() -> None:
    m = one_op_module("qnn.clip", [t((2, 2), si8)], t((2, 2), si8), {"min": int_attr(0), "max": int_attr(1)})
    floc = m.body.ops[0].loc
    expect_error(lambda: run_function(m, []), "expected 1 inputs, found 0", loc=floc)
    bad_shape = np.zeros((2, 3), np.int64)
    expect_error(lambda: run_function(m, [bad_shape]), "expected shape 2x2", "found shape 2x3", loc=floc)
    expect_error(lambda: run_function(m, [np.full((2, 2), 128)]), "[-128, 127]", "found 128", loc=floc)
    expect_error(lambda: run_function(m, [np.zeros((2, 2), np.float32)]), "expected an integer array", loc=floc)


def test_error_shape_and_property_mismatches() -> None:
    x, w = np.zeros((1, 4, 4, 3), np.int64), np.zeros((2, 3, 3, 2), np.int64)
    m = one_op_module("qnn.conv2d", [t(x.shape, si8), t(w.shape, si8)], t((1, 2, 2, 2)), {})
    expect_error(lambda: run_function(m, [x, w]), "expected input channels", "found 3")
    w3 = np.zeros((2, 3, 3, 3), np.int64)
    m = one_op_module("qnn.conv2d", [t(x.shape, si8), t(w3.shape, si8)], t((1, 4, 4, 2)), {})
    expect_error(
        lambda: run_function(m, [x, w3]), "expected result #0 of shape 1x2x2x2", "found type tensor<1x4x4x2xsi32>"
    )
    props = {"mul": int_attr(1), "min": int_attr(0), "max": int_attr(5)}
    m = one_op_module("qnn.requant", [t((3,))], t((3,), si8), props)
    expect_error(lambda: run_function(m, [np.zeros(3, np.int64)]), "exactly one of properties 'shift' and 'div'")
    m = one_op_module("qnn.clip", [t((3,))], t((3,), si8), {"min": int_attr(-300), "max": int_attr(5)})
    zeros = np.zeros(3, np.int64)
    expect_error(lambda: run_function(m, [zeros]), "property 'min' expected a value of si8", "found -300")
    m = one_op_module("qnn.reshape", [t((2, 3))], t((4, 2)))
    expect_error(lambda: run_function(m, [np.zeros((2, 3), np.int64)]), "expected a result with 6 elements")


def test_error_intermediate_beyond_int64() -> None:
    x = np.full((1, 1, 1, 4), 2**62, dtype=np.int64)
    w = np.full((1, 1, 1, 4), 4, dtype=np.int64)
    m = one_op_module("qnn.conv2d", [t(x.shape, si64), t(w.shape, si64)], t((1, 1, 1, 1), si64), {})
    err = expect_error(lambda: run_function(m, [x, w]), "expected every intermediate to fit int64", "about 2^")
    assert "accumulator" in err.format()


def test_interpreter_calls_by_name() -> None:
    ty = t((2,), si8)
    f = FuncOp.build("main", [ty], [ty])
    op = create_op("qnn.add", operands=[f.args[0], f.args[0]], result_types=[ty], loc=LOC)
    f.body.add_op(op)
    f.body.add_op(ReturnOp.build([op.result]))
    interp = Interpreter(ModuleOp.build([f]))
    assert interp.call("main", [np.array([100, -100])])[0].tolist() == [-56, 56]
    expect_error(lambda: interp.call("nope", []), "expected a function named @nope", loc=None)


def test_conv_perf_real_layer_size() -> None:
    """A 200x200x32 3x3 conv (368M MACs) runs on the float64-exact path; keep it sane."""
    rng = rng_for(0)
    x = rng.integers(-128, 128, (1, 200, 200, 32))
    w = rng.integers(-128, 128, (32, 3, 3, 32))
    start = time.perf_counter()
    types = [t(x.shape, si8), t(w.shape, si8)]
    y = run_op("qnn.conv2d", [x, w], types, t((1, 200, 200, 32)), {"pads": arr_attr([1, 1, 1, 1])})
    elapsed = time.perf_counter() - start
    # Spot-check one interior and one corner output against the definition.
    for (i, j, o) in ((100, 57, 3), (0, 0, 31)):
        want = sum(
            int(x[0, i - 1 + a, j - 1 + b, c]) * int(w[o, a, b, c])
            for a in range(3) for b in range(3) for c in range(32)
            if 0 <= i - 1 + a < 200 and 0 <= j - 1 + b < 200
        )
        assert int(y[0, i, j, o]) == want
    assert elapsed < 5.0, f"conv took {elapsed:.2f} s"


def test_exact_float_type_thresholds() -> None:
    from dory.dory_ir.interp.intmath import exact_float_type

    assert exact_float_type(0) is np.float32 and exact_float_type(1 << 24) is np.float32
    assert exact_float_type((1 << 24) + 1) is np.float64 and exact_float_type(1 << 53) is np.float64
    assert exact_float_type((1 << 53) + 1) is None


@pytest.mark.parametrize("k", [1, 2])
def test_dot_products_past_float32_stay_exact(k: int) -> None:
    """x . w = 2^24 + 1, not a float32 value: past the float32 bound the products run in float64
    (k = 2: bound 2^25), and at the bound (k = 1: 2^24, x . w = 2^24) float32 is exact."""
    x = np.array([[4096, 1][:k]], dtype=np.int64)
    w = np.array([[4096, 1][:k]], dtype=np.int64)
    want = 4096 * 4096 + (1 if k == 2 else 0)
    y = run_op("qnn.linear", [x, w], [t(x.shape, si16), t(w.shape, si16)], t((1, 1)))
    assert int(y[0, 0]) == want
    xc, wc = x.reshape(1, 1, 1, k), w.reshape(1, 1, 1, k)
    yc = run_op("qnn.conv2d", [xc, wc], [t(xc.shape, si16), t(wc.shape, si16)], t((1, 1, 1, 1)), {})
    assert int(yc[0, 0, 0, 0]) == want


@pytest.mark.parametrize("cin,groups,kernel,stride,pads", [
    (512, 1, 1, 1, 0),    # pointwise at the float32 bound's edge: 512 * 255 * 128 < 2^24
    (1024, 1, 1, 1, 0),   # past it: float64
    (32, 32, 3, 2, 1),    # depthwise, stride 2, padded
    (16, 4, 3, 1, 1),     # grouped
    (3, 1, 3, 2, 1),      # a first conv
])
def test_conv_float_paths_equal_int64(cin: int, groups: int, kernel: int, stride: int, pads: int) -> None:
    """Whole convolutions on the float32 / float64 paths equal the int64 sum of products (extreme
    int8 / uint8 operands, so the accumulator bound is reached where the data allows)."""
    rng = rng_for(cin + groups)
    x = rng.choice(np.array([0, 255, 254, 1], dtype=np.int64), (1, 6, 6, cin))
    o = max(groups, 8)
    w = rng.choice(np.array([-128, 127, -127, 0], dtype=np.int64), (o, kernel, kernel, cin // groups))
    props = {"strides": arr_attr([stride, stride]), "pads": arr_attr([pads] * 4), "groups": int_attr(groups)}
    ho = (6 + 2 * pads - kernel) // stride + 1
    y = run_op("qnn.conv2d", [x, w], [t(x.shape, ui8), t(w.shape, si8)], t((1, ho, ho, o)), props)
    xp = np.pad(x, ((0, 0), (pads, pads), (pads, pads), (0, 0)))
    cg, og = cin // groups, o // groups
    want = np.zeros((1, ho, ho, o), dtype=np.int64)
    for i in range(ho):
        for j in range(ho):
            win = xp[0, i * stride:i * stride + kernel, j * stride:j * stride + kernel, :]
            for c in range(o):
                g = c // og
                want[0, i, j, c] = int((win[:, :, g * cg:(g + 1) * cg] * w[c]).sum())
    assert np.array_equal(y, want)
