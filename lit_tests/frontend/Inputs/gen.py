"""Write the small hand-made ONNX graphs the importer's lit tests use.

    %python %S/Inputs/gen.py CASE OUT.onnx [CASE OUT.onnx ...]

Several pairs in one call: one interpreter start (numpy and onnx imports, ~0.6 s of CPU) for
all of a test's graphs instead of one per graph.
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests"))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto  # noqa: E402

import onnx_graphs  # noqa: E402
from onnx_graphs import G  # noqa: E402


def nemo_conv() -> onnx.ModelProto:
    g = G(shape=(1, 2, 6, 6))
    g.conv(np.arange(-36, 36).reshape(4, 2, 3, 3) % 7 - 3, stride=2, pad=1)
    return g.bn_requant(np.array([3, 5, 7, 9]), np.array([-10, 0, 10, 20]), 3, 256).model()


def quantlab_conv() -> onnx.ModelProto:
    g = G(shape=(1, 2, 4, 4))
    g.conv(np.ones((2, 2, 1, 1)))
    return g.ql_requant(np.array([3, 4]), np.array([1, 2]), 16.0).model()


def residual() -> onnx.ModelProto:
    g = G(shape=(1, 2, 4, 4))
    g.conv(np.ones((2, 2, 1, 1))).bn_requant(np.array([1, 1]), np.array([0, 0]), 1, 2)
    a = g.cur
    g.conv(np.ones((2, 2, 3, 3)), pad=1).bn_requant(np.array([1, 1]), np.array([0, 0]), 1, 4)
    b = g.cur
    g.op("Mul", [a, g.const(np.array(3.0, np.float32))])
    ma = g.cur
    g.op("Mul", [b, g.const(np.array(5.0, np.float32))])
    g.op("Add", [ma, g.cur])
    g.op("Div", [g.cur, g.const(np.array(8.0, np.float32))])
    g.op("Floor", [g.cur])
    return g.model()


def tcn_1d() -> onnx.ModelProto:
    g = G(shape=(1, 2, 16))
    g.op("Pad", [g.cur], name="Pad_0", mode="constant", pads=[0, 0, 4, 0, 0, 0], value=0.0)
    g.conv(np.ones((3, 2, 3)), dilation=2)
    return g.bn_requant(np.array([1, 2, 3]), np.array([0, 0, 0]), 1, 8, rank=3).model()


def flatten_linear() -> onnx.ModelProto:
    g = G(shape=(1, 2, 2, 2))
    g.conv(np.ones((3, 2, 1, 1))).bn_requant(np.array([1, 1, 1]), np.array([0, 0, 0]), 1, 2)
    g.op("Flatten", [g.cur], axis=1)
    # weight rows in ONNX CHW order: row k = 100*c + 10*h + w, so the permutation is visible
    rows = np.array([100 * c + 10 * h + w for c in range(3) for h in range(2) for w in range(2)], np.float32)
    g.op("MatMul", [g.cur, g.init(rows.reshape(12, 1) % 128, "fc")])
    return g.model()


def avgpool() -> onnx.ModelProto:
    g = G(shape=(1, 2, 4, 4))
    g.op("AveragePool", [g.cur], kernel_shape=[2, 2], strides=[2, 2])
    g.op("Mul", [g.cur, g.const(np.array(4.0, np.float32))])
    g.op("Div", [g.cur, g.const(np.array(8.0, np.float32))])
    return g.op("Floor", [g.cur]).model()


def host_tail() -> onnx.ModelProto:
    g = G(shape=(1, 2, 2, 2))
    g.conv(np.ones((2, 2, 2, 2)))
    g.op("Flatten", [g.cur], axis=1)
    g.op("Gemm", [g.cur, g.init(np.ones((3, 2), np.float32), "fc")], transB=1)
    return g.op("Sigmoid", [g.cur], name="Sigmoid_9").model()


def host_tail_unnamed() -> onnx.ModelProto:
    """host_tail with unnamed float nodes (some exporters leave names empty)."""
    g = G(shape=(1, 2, 2, 2))
    g.conv(np.ones((2, 2, 2, 2)))
    g.op("Flatten", [g.cur], axis=1)
    g.op("Gemm", [g.cur, g.init(np.ones((3, 2), np.float32), "fc")], transB=1)
    g.op("Sigmoid", [g.cur], name="")
    return g.op("Softmax", [g.cur], name="", axis=1).model()


def maxpool_global() -> onnx.ModelProto:
    g = G(shape=(1, 2, 6, 6))
    g.op("MaxPool", [g.cur], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    g.op("GlobalAveragePool", [g.cur])
    return g.op("Floor", [g.cur]).model()


def rqs_conv() -> onnx.ModelProto:
    return onnx_graphs.rqs_model()


def rqs_conv_int_attrs() -> onnx.ModelProto:
    return onnx_graphs.rqs_model(div=100.0, signed=1, tensor_attrs=False)


CASES = {f.__name__: f for f in (rqs_conv, rqs_conv_int_attrs, nemo_conv, quantlab_conv, residual, tcn_1d, flatten_linear, avgpool, host_tail, host_tail_unnamed, maxpool_global)}

if __name__ == "__main__":
    args = sys.argv[1:]
    if not args or len(args) % 2:
        sys.exit("usage: gen.py CASE OUT.onnx [CASE OUT.onnx ...]")
    for case, out in zip(args[::2], args[1::2]):
        if case.startswith("format_"):
            model = onnx_graphs.format_model(case[len("format_"):])
        else:
            model = CASES[case]() if case in CASES else onnx_graphs.bad_model(case)
        onnx.save(model, out)
