"""Networks quantized by onnxruntime's own tool (`onnxruntime.quantization.quantize_static`), for
the QDQ / QOperator importer's tests and as a generator script:

    python tests/ort_quantized.py OUT_DIR        # writes every variant as OUT_DIR/<name>.onnx

Three float NCHW networks built with onnx.helper (`FLOAT_NETS`: a small CNN conv-relu-pool-gemm,
a depthwise-separable MobileNet-like stack with Clip(0, 6), a residual net with Add and
GlobalAveragePool), calibrated on seeded random data and quantized in each `VARIANTS` entry: QDQ or
QOperator format, per-tensor or per-channel weights, QUInt8 or QInt8 activations with QInt8
weights. Everything is seeded: the same variant gives the same file.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass(frozen=True)
class Variant:
    """One quantize_static configuration."""

    fmt: str  # "qdq" | "qop"
    per_channel: bool
    act: str  # "u8" | "s8" (weights are always QInt8)

    @property
    def tag(self) -> str:
        """``qdq-pc-u8`` style name."""
        return f"{self.fmt}-{'pc' if self.per_channel else 'pt'}-{self.act}"


VARIANTS = [Variant(f, pc, a) for f in ("qop", "qdq") for pc in (False, True) for a in ("u8", "s8")]
"""Every format x weight granularity x activation type."""


class _Net:
    """A float network under construction (NCHW), weights drawn from a seeded generator."""

    def __init__(self, name: str, shape: tuple[int, int, int, int], seed: int) -> None:
        from onnx import TensorProto, helper

        self.name, self.shape = name, shape
        self.rng = np.random.default_rng(seed)
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.n = 0
        self.cur = "input"
        self.c = shape[1]
        self.hw = shape[2]
        self.inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, list(shape))

    def _t(self, base: str) -> str:
        self.n += 1
        return f"{base}_{self.n}"

    def _init(self, arr: np.ndarray, base: str) -> str:
        from onnx import numpy_helper

        name = self._t(base)
        self.inits.append(numpy_helper.from_array(arr.astype(np.float32), name))
        return name

    def node(self, op: str, ins: list[str], **attrs: Any) -> str:
        """Append ``op`` on ``ins``; its output becomes the current tensor."""
        from onnx import helper

        out = self._t(op.lower())
        self.nodes.append(helper.make_node(op, ins, [out], name=f"{op}_{self.n}", **attrs))
        self.cur = out
        return out

    def conv(self, cout: int, k: int = 3, stride: int = 1, groups: int = 1, act: str | None = "relu") -> str:
        cin = self.c
        fan = cin // groups * k * k
        w = self.rng.normal(0, np.sqrt(2.0 / fan), (cout, cin // groups, k, k))
        b = self.rng.normal(0, 0.1, cout)
        p = k // 2
        self.node("Conv", [self.cur, self._init(w, "w"), self._init(b, "b")], kernel_shape=[k, k],
                  strides=[stride, stride], pads=[p, p, p, p], group=groups)
        self.c, self.hw = cout, (self.hw + 2 * p - k) // stride + 1
        if act == "relu":
            self.node("Relu", [self.cur])
        elif act == "relu6":
            self.node("Clip", [self.cur, self._init(np.array(0.0), "lo"), self._init(np.array(6.0), "hi")])
        return self.cur

    def maxpool(self) -> None:
        self.node("MaxPool", [self.cur], kernel_shape=[2, 2], strides=[2, 2])
        self.hw //= 2

    def gap(self) -> None:
        self.node("GlobalAveragePool", [self.cur])
        self.hw = 1

    def gemm(self, out: int) -> None:
        self.node("Flatten", [self.cur], axis=1)
        k = self.c * self.hw * self.hw
        w = self.rng.normal(0, np.sqrt(1.0 / k), (out, k))
        self.node("Gemm", [self.cur, self._init(w, "fc_w"), self._init(self.rng.normal(0, 0.1, out), "fc_b")], transB=1)
        self.c = out

    def model(self) -> Any:
        from onnx import TensorProto, helper

        out = helper.make_tensor_value_info(self.cur, TensorProto.FLOAT, None)
        g = helper.make_graph(self.nodes, self.name, [self.inp], [out], self.inits)
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="dory-tests")
        m.ir_version = 8
        return m


def small_cnn() -> Any:
    """conv-relu-pool x2, flatten, gemm."""
    n = _Net("small_cnn", (1, 3, 16, 16), 1)
    n.conv(8)
    n.maxpool()
    n.conv(16)
    n.maxpool()
    n.gemm(10)
    return n.model()


def mobilenet_like() -> Any:
    """A depthwise-separable stack with Clip(0, 6), global average pool, gemm."""
    n = _Net("mobilenet_like", (1, 3, 16, 16), 2)
    n.conv(8, stride=2, act="relu6")
    for cout, stride in ((16, 1), (32, 2), (32, 1)):
        n.conv(n.c, stride=stride, groups=n.c, act="relu6")
        n.conv(cout, k=1, act="relu6")
    n.gap()
    n.gemm(10)
    return n.model()


def residual_net() -> Any:
    """Two residual blocks (conv-relu-conv, Add with the skip, relu), global average pool, gemm."""
    n = _Net("residual_net", (1, 3, 12, 12), 3)
    n.conv(16)
    for _ in range(2):
        skip = n.cur
        n.conv(16)
        n.conv(16, act=None)
        n.node("Add", [n.cur, skip])
        n.node("Relu", [n.cur])
    n.gap()
    n.gemm(10)
    return n.model()


FLOAT_NETS: dict[str, Callable[[], Any]] = {"small_cnn": small_cnn, "mobilenet_like": mobilenet_like, "residual_net": residual_net}
"""The float networks, by name."""


def calibration_data(shape: tuple[int, ...], n: int = 16, seed: int = 0) -> list[np.ndarray]:
    """``n`` seeded calibration inputs: images in [0, 1) (so the input's QUInt8 zero point is 0)."""
    rng = np.random.default_rng(seed)
    return [rng.random(shape, dtype=np.float32) for _ in range(n)]


def quantize(float_model: Any, variant: Variant, out_path: str) -> None:
    """Run quantize_static on ``float_model`` with ``variant``'s options into ``out_path``."""
    import onnx
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    shape = tuple(d.dim_value for d in float_model.graph.input[0].type.tensor_type.shape.dim)
    data = calibration_data(shape)

    class Reader(CalibrationDataReader):  # type: ignore[misc]
        def __init__(self) -> None:
            self.it = iter([{"input": x} for x in data])

        def get_next(self) -> dict[str, np.ndarray] | None:
            return next(self.it, None)

    src = out_path + ".float.onnx"
    onnx.save(float_model, src)
    try:
        quantize_static(
            src, out_path, Reader(),
            quant_format=QuantFormat.QDQ if variant.fmt == "qdq" else QuantFormat.QOperator,
            per_channel=variant.per_channel,
            activation_type=QuantType.QUInt8 if variant.act == "u8" else QuantType.QInt8,
            weight_type=QuantType.QInt8,
        )
    finally:
        os.remove(src)


def generate(out_dir: str, nets: list[str] | None = None, variants: list[Variant] | None = None) -> list[str]:
    """Write every (network, variant) as ``out_dir/<net>-<variant.tag>.onnx``; returns the paths."""
    os.makedirs(out_dir, exist_ok=True)
    paths = []
    for name in nets or list(FLOAT_NETS):
        for v in variants or VARIANTS:
            path = os.path.join(out_dir, f"{name}-{v.tag}.onnx")
            if not os.path.exists(path):
                quantize(FLOAT_NETS[name](), v, path)
            paths.append(path)
    return paths


if __name__ == "__main__":
    for p in generate(sys.argv[1] if len(sys.argv) > 1 else "build/ort-quantized"):
        print(p)
