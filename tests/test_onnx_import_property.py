"""Property tests: random small NEMO/QuantLab-style graphs import and match onnxruntime exactly.

Constants are drawn small enough that onnxruntime's float32 arithmetic is exact (every
intermediate is an integer below 2^24), so any difference is an importer or interpreter bug.
"""

from __future__ import annotations

import numpy as np
import onnx
import onnxruntime as ort
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dory.dory_ir.interp import run_function
from dory.dory_ir.opdef import verify
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.frontend.onnx_import import OnnxImporter
from onnx_graphs import G


def _ort(model: onnx.ModelProto, x_onnx: np.ndarray) -> np.ndarray:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return np.asarray(sess.run(None, {model.graph.input[0].name: x_onnx.astype(np.float32)})[0])


def _ours(model: onnx.ModelProto, x_ir: np.ndarray) -> np.ndarray:
    module = OnnxImporter(model, "prop.onnx", warn=lambda m: None).run()
    assert verify(module) == []
    # the printed IR round-trips and runs identically
    module = parse_module(print_op(module))
    return run_function(module, [x_ir])[0]


def _to_onnx_layout(x_ir: np.ndarray, rank: int) -> np.ndarray:
    if rank == 4:
        return x_ir.transpose(0, 3, 1, 2)
    return x_ir[:, 0].transpose(0, 2, 1)  # [N, 1, L, C] -> [N, C, L]


def _from_onnx_layout(y: np.ndarray) -> np.ndarray:
    if y.ndim == 4:
        return y.transpose(0, 2, 3, 1)
    if y.ndim == 3:
        return y.transpose(0, 2, 1)[:, None]
    return y


layer = st.fixed_dictionaries(
    {
        "cout": st.integers(1, 6),
        "k": st.sampled_from([1, 2, 3]),
        "stride": st.integers(1, 2),
        "pad": st.integers(0, 1),
        "dilation": st.integers(1, 2),
        "depthwise": st.booleans(),
        "style": st.sampled_from(["nemo", "quantlab"]),
        "m": st.integers(1, 7),
        "d_log2": st.integers(2, 10),
        "signed": st.booleans(),
        "pool": st.sampled_from([None, "max", "avg"]),
    }
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**16),
    cin=st.integers(1, 4),
    hw=st.integers(5, 9),
    one_d=st.booleans(),
    layers=st.lists(layer, min_size=1, max_size=3),
    residual=st.booleans(),
    head=st.booleans(),
)
def test_random_nemo_graph_matches_onnxruntime(seed: int, cin: int, hw: int, one_d: bool, layers: list[dict], residual: bool, head: bool) -> None:
    rng = np.random.default_rng(seed)
    rank = 3 if one_d else 4
    shape = (1, cin, hw) if one_d else (1, cin, hw, hw)
    g = G(shape=shape)
    c = cin
    size = hw
    for spec in layers:
        k, s, p, dil = spec["k"], spec["stride"], spec["pad"], spec["dilation"]
        if size + 2 * p - dil * (k - 1) - 1 < 0:
            k, dil = 1, 1
        groups = c if spec["depthwise"] else 1
        cout = c if spec["depthwise"] else spec["cout"]
        wshape = (cout, c // groups, k) if one_d else (cout, c // groups, k, k)
        g.conv(rng.integers(-8, 8, size=wshape), stride=s, pad=p, groups=groups, dilation=dil)
        size = (size + 2 * p - dil * (k - 1) - 1) // s + 1
        lo, hi = (-128.0, 127.0) if spec["signed"] else (0.0, 255.0)
        if spec["style"] == "nemo":
            g.bn_requant(rng.integers(1, 16, size=cout), rng.integers(-300, 300, size=cout), spec["m"], 2 ** spec["d_log2"], lo, hi, rank=rank)
        else:
            if one_d:
                g.op("Mul", [g.cur, g.init(rng.integers(1, 64, size=(cout, 1)).astype(np.float32))])
                g.op("Add", [g.cur, g.init(rng.integers(-900, 900, size=(cout, 1)).astype(np.float32))])
                g.op("Div", [g.cur, g.const(np.array(float(2 ** spec["d_log2"]), np.float32))])
                g.op("Floor", [g.cur])
                g.op("Clip", [g.cur], min=lo, max=hi)
            else:
                g.ql_requant(rng.integers(1, 64, size=cout), rng.integers(-900, 900, size=cout), float(2 ** spec["d_log2"]), lo, hi)
        c = cout
        if spec["pool"] and size >= 2 and not one_d:
            if spec["pool"] == "max":
                g.op("MaxPool", [g.cur], kernel_shape=[2, 2], strides=[2, 2])
            else:
                # NEMO average: AveragePool -> Mul(4) -> Div(4) -> Floor, i.e. floor(sum / 4)
                g.op("AveragePool", [g.cur], kernel_shape=[2, 2], strides=[2, 2])
                g.op("Mul", [g.cur, g.const(np.array(4.0, np.float32))])
                g.op("Div", [g.cur, g.const(np.array(4.0, np.float32))])
                g.op("Floor", [g.cur])
            size //= 2
    if residual:
        a = g.cur
        wshape = (c, c, 1) if one_d else (c, c, 1, 1)
        g.conv(rng.integers(-8, 8, size=wshape)).bn_requant(np.ones(c, int), np.zeros(c, int), 1, 16, rank=rank)
        b = g.cur
        g.op("Mul", [a, g.const(np.array(float(rng.integers(1, 40)), np.float32))])
        ma = g.cur
        g.op("Mul", [b, g.const(np.array(float(rng.integers(1, 40)), np.float32))])
        g.op("Add", [ma, g.cur])
        g.op("Div", [g.cur, g.const(np.array(32.0, np.float32))])
        g.op("Floor", [g.cur])
        g.op("Clip", [g.cur], min=0.0, max=255.0)
    if head:
        g.op("Flatten", [g.cur], axis=1)
        feats = c * size * (1 if one_d else size)
        g.op("MatMul", [g.cur, g.init(rng.integers(-8, 8, size=(feats, 3)).astype(np.float32))])
    model = g.model()

    ir_shape = (1, 1, hw, cin) if one_d else (1, hw, hw, cin)
    x_ir = rng.integers(0, 256, size=ir_shape)
    expected = _from_onnx_layout(_ort(model, _to_onnx_layout(x_ir, rank)))
    got = _ours(model, x_ir)
    assert got.shape == expected.shape
    assert np.array_equal(got, expected.astype(np.int64)), f"{int((got != expected).sum())} values differ"
