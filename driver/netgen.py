"""Deterministic NEMO/QuantLab-style integer networks of real architectures, with random weights.

The shared acceptance networks cannot ship in this repository, so demos, benchmarks and tests use
these instead. Each network is built with the ONNX helper API exactly as NEMO's
"integer-deployable" export spells it (Conv with integer-valued float weights, then
``Mul(kappa) -> Add(lambda) -> Cast(int64) -> Mul(m) -> Div(2^d) -> Cast(float) -> Clip``;
residual adds as ``Mul(x1, c1) + Mul(x2, c2) -> Div -> Floor -> Clip``), or in QuantLab's spelling
(``Mul -> Add -> Div(float) -> Floor -> Clip``). Requantisation constants are calibrated on a random
input with an exact integer forward pass so activations use the 8-bit range.

    dory-netgen mobilenet_v1_0.25_128 -o mbv1.onnx     (or: python -m dory.tools.dory_netgen ...)
    dory-netgen list
"""

from __future__ import annotations

from dory.driver.cli import interruptible
import argparse
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class _Act:
    """A tensor of the network being built: its ONNX name and a calibration sample (NCHW ints)."""

    name: str
    sample: np.ndarray
    lo: int = 0
    hi: int = 255


@dataclass
class NetBuilder:
    """Accumulates ONNX nodes/initializers while running an exact integer forward pass."""

    seed: int
    style: str = "nemo"  # "nemo" | "quantlab"
    nodes: list = field(default_factory=list)
    inits: list = field(default_factory=list)
    counter: int = 0
    macs: int = 0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)

    def fresh(self, base: str) -> str:
        self.counter += 1
        return f"{base}_{self.counter}"

    def init(self, name: str, arr: np.ndarray) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(arr, name))
        return name

    def node(self, op: str, inputs: list[str], **attrs: Any) -> str:
        from onnx import helper

        out = self.fresh(op.lower())
        self.nodes.append(helper.make_node(op, inputs, [out], name=self.fresh(op), **attrs))
        return out

    def const(self, value: np.ndarray) -> str:
        from onnx import helper, numpy_helper

        out = self.fresh("c")
        self.nodes.append(
            helper.make_node("Constant", [], [out], name=self.fresh("Constant"), value=numpy_helper.from_array(np.asarray(value), out + "_v"))
        )
        return out

    # -- layers ---------------------------------------------------------------------------------
    def conv(self, x: _Act, cout: int, k: int, stride: int = 1, groups: int = 1, relu: bool = True, signed_out: bool = False) -> _Act:
        """Conv + BN-style per-channel requant + clip: one DORY layer."""
        cin = x.sample.shape[1]
        w = self.rng.integers(-64, 64, size=(cout, cin // groups, k, k)).astype(np.float32)
        pad = k // 2
        wname = self.init(self.fresh("conv") + ".weight", w)
        y = self.node("Conv", [x.name, wname], kernel_shape=[k, k], strides=[stride, stride], pads=[pad] * 4, group=groups, dilations=[1, 1])
        acc = _conv_nchw(x.sample, w.astype(np.int64), stride, pad, groups)
        self.macs += int(acc.size // acc.shape[0]) * (cin // groups) * k * k
        return self.requant(y, acc, per_channel=True, relu=relu, signed_out=signed_out)

    def requant(self, yname: str, acc: np.ndarray, per_channel: bool, relu: bool, signed_out: bool = False) -> _Act:
        c = acc.shape[1]
        kappa = self.rng.integers(1024, 2048, size=c).astype(np.int64) if per_channel else np.ones(c, np.int64)
        scaled = acc * kappa.reshape(1, c, *([1] * (acc.ndim - 2)))
        centre = np.median(scaled, axis=tuple(i for i in range(acc.ndim) if i != 1))
        lamda = (-centre + self.rng.integers(-2, 3, size=c) * np.abs(centre) // 8).astype(np.int64) if relu else -centre.astype(np.int64)
        v = scaled + lamda.reshape(1, c, *([1] * (acc.ndim - 2)))
        spread = max(float(np.percentile(np.abs(v), 99)), 1.0)
        target = 200.0 if relu else 100.0
        d = 24
        m = max(1, int(round(target * (1 << d) / spread)))
        while m > 255 and d > 0:
            d -= 1
            m = max(1, int(round(target * (1 << d) / spread)))
        shape = (1, c) + (1,) * (acc.ndim - 2)
        lo, hi = (0, 255) if relu or not signed_out else (-128, 127)
        if self.style == "nemo":
            t = self.node("Mul", [self.init(self.fresh("bn") + ".kappa", kappa.reshape(shape).astype(np.float32)), yname])
            t = self.node("Add", [t, self.init(self.fresh("bn") + ".lamda", lamda.reshape(shape).astype(np.float32))])
            t = self.node("Cast", [t], to=7)
            t = self.node("Mul", [t, self.const(np.array([m], np.int64))])
            t = self.node("Div", [t, self.const(np.array(1 << d, np.int64))])
            t = self.node("Cast", [t], to=1)
            out = _trunc_div((v * m), 1 << d)
        else:
            t = self.node("Mul", [yname, self.init(self.fresh("rq") + ".mul", (kappa * m).reshape(shape[1:]).astype(np.float32))])
            t = self.node("Add", [t, self.init(self.fresh("rq") + ".add", (lamda * m).reshape(shape[1:]).astype(np.float32))])
            t = self.node("Div", [t, self.const(np.array(float(1 << d), np.float32))])
            t = self.node("Floor", [t])
            out = np.floor_divide(v * m, 1 << d)
        t = self.node("Clip", [t], min=float(lo), max=float(hi))
        return _Act(t, np.clip(out, lo, hi), lo, hi)

    def add(self, a: _Act, b: _Act) -> _Act:
        """NEMO residual: Mul(a, ca) + Mul(b, cb) -> Div -> Floor -> Clip(0, 255)."""
        ca, cb = int(self.rng.integers(16, 48)), int(self.rng.integers(16, 48))
        t1 = self.node("Mul", [a.name, self.const(np.array(float(ca), np.float32))])
        t2 = self.node("Mul", [b.name, self.const(np.array(float(cb), np.float32))])
        s = self.node("Add", [t1, t2])
        div = 64
        s = self.node("Div", [s, self.const(np.array(float(div), np.float32))])
        s = self.node("Floor", [s])
        s = self.node("Clip", [s], min=0.0, max=255.0)
        val = np.clip(np.floor_divide(a.sample * ca + b.sample * cb, div), 0, 255)
        return _Act(s, val)

    def maxpool(self, x: _Act, k: int, s: int) -> _Act:
        y = self.node("MaxPool", [x.name], kernel_shape=[k, k], strides=[s, s], pads=[0, 0, 0, 0])
        n, c, h, w = x.sample.shape
        ho, wo = (h - k) // s + 1, (w - k) // s + 1
        win = np.lib.stride_tricks.sliding_window_view(x.sample, (k, k), axis=(2, 3))[:, :, ::s, ::s][:, :, :ho, :wo]
        return _Act(y, win.max(axis=(-1, -2)), x.lo, x.hi)

    def global_avgpool(self, x: _Act) -> _Act:
        """NEMO-style global average: GlobalAveragePool -> Mul(n) -> Div(n) -> Floor (exact)."""
        n, c, h, w = x.sample.shape
        y = self.node("GlobalAveragePool", [x.name])
        y = self.node("Mul", [y, self.const(np.array(float(h * w), np.float32))])
        y = self.node("Div", [y, self.const(np.array(float(h * w), np.float32))])
        y = self.node("Floor", [y])
        return _Act(y, np.floor_divide(x.sample.sum(axis=(2, 3), keepdims=True), h * w), x.lo, x.hi)

    def linear(self, x: _Act, cout: int) -> _Act:
        flat = self.node("Flatten", [x.name], axis=1)
        xs = x.sample.reshape(x.sample.shape[0], -1)
        w = self.rng.integers(-64, 64, size=(xs.shape[1], cout)).astype(np.float32)
        y = self.node("MatMul", [flat, self.init(self.fresh("fc") + ".weight", w)])
        self.macs += xs.shape[1] * cout
        return _Act(y, xs @ w.astype(np.int64), -(2**31), 2**31 - 1)

    def model(self, inp: _Act, out: _Act, name: str) -> Any:
        from onnx import TensorProto, helper

        g = helper.make_graph(
            self.nodes,
            name,
            [helper.make_tensor_value_info(inp.name, TensorProto.FLOAT, list(inp.sample.shape))],
            [helper.make_tensor_value_info(out.name, TensorProto.FLOAT, None)],
            self.inits,
        )
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 10)], producer_name="dory-netgen")
        m.ir_version = 7
        return m


def _trunc_div(a: np.ndarray, d: int) -> np.ndarray:
    q = np.abs(a) // d
    return np.where(a < 0, -q, q)


def _conv_nchw(x: np.ndarray, w: np.ndarray, stride: int, pad: int, groups: int) -> np.ndarray:
    """Exact integer NCHW convolution (calibration only)."""
    n, c, h, wd = x.shape
    o, cg, k, _ = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))[:, :, ::stride, ::stride]
    og = o // groups
    outs = []
    for g in range(groups):
        xg = win[:, g * cg : (g + 1) * cg]
        wg = w[g * og : (g + 1) * og]
        outs.append(np.einsum("nchwij,ocij->nohw", xg, wg, optimize=True))
    return np.concatenate(outs, axis=1)


def _input(b: NetBuilder, c: int, h: int, w: int) -> _Act:
    return _Act("input", b.rng.integers(0, 256, size=(1, c, h, w)).astype(np.int64))


def mobilenet_v1(width: float = 0.25, resolution: int = 128, seed: int = 0, style: str = "nemo", classes: int = 1000) -> tuple[Any, int]:
    """MobileNetV1: 3x3 s2 stem, 13 depthwise-separable blocks, global average, classifier."""
    b = NetBuilder(seed, style)
    x = inp = _input(b, 3, resolution, resolution)
    ch = lambda c: max(8, int(c * width))  # noqa: E731
    x = b.conv(x, ch(32), 3, 2)
    cfg = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]
    for cout, s in cfg:
        cin = x.sample.shape[1]
        x = b.conv(x, cin, 3, s, groups=cin)
        x = b.conv(x, ch(cout), 1)
    x = b.global_avgpool(x)
    y = b.linear(x, classes)
    return b.model(inp, y, f"mobilenet_v1_{width}_{resolution}"), b.macs


def mobilenet_v2(width: float = 1.0, resolution: int = 224, seed: int = 0, style: str = "nemo", classes: int = 1000) -> tuple[Any, int]:
    """MobileNetV2: inverted residual blocks with linear (signed 8-bit) bottlenecks and adds."""
    b = NetBuilder(seed, style)
    x = inp = _input(b, 3, resolution, resolution)
    ch = lambda c: max(8, int(c * width))  # noqa: E731
    x = b.conv(x, ch(32), 3, 2)
    cfg = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    for t, c, n, s in cfg:
        for i in range(n):
            stride = s if i == 0 else 1
            cin = x.sample.shape[1]
            h = b.conv(x, cin * t, 1) if t != 1 else x
            h = b.conv(h, cin * t, 3, stride, groups=cin * t)
            h = b.conv(h, ch(c), 1, relu=False, signed_out=True)
            x = b.add(x, h) if stride == 1 and cin == ch(c) else h
    x = b.conv(x, 1280 if width <= 1.0 else ch(1280), 1)
    x = b.global_avgpool(x)
    y = b.linear(x, classes)
    return b.model(inp, y, f"mobilenet_v2_{width}_{resolution}"), b.macs


def dronet(resolution: int = 200, seed: int = 0, style: str = "nemo") -> tuple[Any, int]:
    """DroNet / ResNet-8-like: 5x5 s2 stem, max pool, three residual blocks with 1x1 bypass."""
    b = NetBuilder(seed, style)
    x = inp = _input(b, 1, resolution, resolution)
    x = b.conv(x, 32, 5, 2)
    x = b.maxpool(x, 2, 2)
    for c in (32, 64, 128):
        h = b.conv(x, c, 3, 2)
        h = b.conv(h, c, 3, 1)
        by = b.conv(x, c, 1, 2)
        x = b.add(h, by)
    y = b.linear(x, 2)
    return b.model(inp, y, "dronet"), b.macs


NETWORKS: dict[str, Callable[..., tuple[Any, int]]] = {
    "mobilenet_v1_0.25_128": lambda seed, style: mobilenet_v1(0.25, 128, seed, style),
    "mobilenet_v1_0.5_128": lambda seed, style: mobilenet_v1(0.5, 128, seed, style),
    "mobilenet_v1_1.0_128": lambda seed, style: mobilenet_v1(1.0, 128, seed, style),
    "mobilenet_v1_0.25_224": lambda seed, style: mobilenet_v1(0.25, 224, seed, style),
    "mobilenet_v1_0.5_224": lambda seed, style: mobilenet_v1(0.5, 224, seed, style),
    "mobilenet_v1_1.0_224": lambda seed, style: mobilenet_v1(1.0, 224, seed, style),
    "mobilenet_v2_0.35_128": lambda seed, style: mobilenet_v2(0.35, 128, seed, style),
    "mobilenet_v2_1.0_128": lambda seed, style: mobilenet_v2(1.0, 128, seed, style),
    "mobilenet_v2_1.0_224": lambda seed, style: mobilenet_v2(1.0, 224, seed, style),
    "dronet": lambda seed, style: dronet(200, seed, style),
}


@interruptible("dory-netgen")
def main(argv: list[str] | None = None) -> int:
    """The ``dory-netgen`` command: write one generated network as ONNX (``list`` names them)."""
    ap = argparse.ArgumentParser(prog="dory-netgen", description=__doc__.split("\n\n")[0])
    ap.add_argument("network", help="network name, or 'list'")
    ap.add_argument("-o", "--output", help="output .onnx path")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--style", choices=["nemo", "quantlab"], default="nemo")
    args = ap.parse_args(argv)
    if args.network == "list":
        for name in NETWORKS:
            print(name)
        return 0
    if args.network not in NETWORKS:
        print(f"error: unknown network '{args.network}'; expected one of: {', '.join(NETWORKS)}", file=sys.stderr)
        return 1
    if not args.output:
        print("error: -o/--output is required", file=sys.stderr)
        return 1
    import onnx

    model, macs = NETWORKS[args.network](args.seed, args.style)
    onnx.save(model, args.output)
    print(f"{args.network}: {len(model.graph.node)} nodes, {macs / 1e6:.1f} MMAC -> {args.output}")
    return 0

