"""QuantLab / Deeploy-style integer networks with `RequantShift`, written as the producer writes
them: ``network.onnx`` (NCHW, default-domain ``RequantShift`` with float32 tensor attributes ``div``,
``n_levels_out``, ``signed``, or the older int attributes with ``n_levels``; ``mul`` / ``add``
float32 initializers of shape ``[C, 1, 1]`` or ``[]``), ``inputs.npz`` (``input_0``) and
``outputs.npz`` (``output_0``), int64 in the ONNX layout, as Deeploy's MLPerf Tiny test networks.

The expected outputs come from this module's own int64 numpy evaluation of every op while the
graph is built (independent of dory's importer and interpreter), with RequantShift as Deeploy's
kernels compute it: ``clip(floor((x*mul + add + div//2) / div))``. ``mul`` is chosen per channel
from the accumulator's range on the given input so that activations spread over their range.

    python tests/rqs_graphs.py OUT_DIR [NAME ...]     # NAME in NETWORKS; default all
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

DIV = 1 << 16
"""QuantLab's requant divisor (2^16 in every MLPerf Tiny network Deeploy ships)."""


@dataclass
class Net:
    """A graph under construction with the int64 value of every tensor on one input."""

    x: np.ndarray
    old_attrs: bool = False  # int attributes and 'n_levels' instead of float32 tensors and 'n_levels_out'
    seed: int = 0
    nodes: list[Any] = field(default_factory=list)
    inits: list[Any] = field(default_factory=list)
    vals: dict[str, np.ndarray] = field(default_factory=dict)
    n: int = 0

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.vals["input"] = self.x.astype(np.int64)

    def _name(self, op: str) -> str:
        self.n += 1
        return f"{op}_{self.n}"

    def _init(self, arr: np.ndarray, name: str) -> str:
        from onnx import numpy_helper

        self.inits.append(numpy_helper.from_array(np.asarray(arr, np.float32), name))
        return name

    def _node(self, op: str, ins: list[str], value: np.ndarray, **attrs: Any) -> str:
        from onnx import helper

        name = self._name(op)
        out = f"t{self.n}"
        self.nodes.append(helper.make_node(op, ins, [out], name=name, **attrs))
        self.vals[out] = value
        return out

    # -- integer layers (weights int8) -----------------------------------------------------------
    def conv(self, x: str, cout: int, k: int, stride: int = 1, pad: int = 0, groups: int = 1, kw: int | None = None) -> str:
        v = self.vals[x]
        cin = v.shape[1]
        kw = k if kw is None else kw
        w = self.rng.integers(-128, 128, size=(cout, cin // groups, k, kw))
        y = _conv(v, w, stride, pad, groups)
        wn = self._init(w, f"{self.n}.weight")
        return self._node("Conv", [x, wn], y, kernel_shape=[k, kw], strides=[stride, stride], pads=[pad] * 4, group=groups, dilations=[1, 1])

    def gemm(self, x: str, cout: int, bias: bool = True) -> str:
        v = self.vals[x]
        w = self.rng.integers(-128, 128, size=(cout, v.shape[1]))
        b = self.rng.integers(-2000, 2000, size=cout) if bias else None
        y = v @ w.T + (b if b is not None else 0)
        ins = [x, self._init(w, f"{self.n}.weight")] + ([self._init(b, f"{self.n}.bias")] if b is not None else [])
        return self._node("Gemm", ins, y, alpha=1.0, beta=1.0, transA=0, transB=1)

    def rqs(self, x: str, signed: bool = False, per_channel: bool = True, n_levels: int = 256, mul: int | None = None) -> str:
        """RequantShift scaling the accumulator's spread on this input to about half the output's
        positive range, with a random per-channel offset; ``mul``: this scalar multiplier instead
        (and no offset)."""
        from onnx import helper, numpy_helper

        v = self.vals[x]
        c = v.shape[1]
        red = tuple(i for i in range(v.ndim) if i != 1)
        if per_channel and v.ndim > 2:
            spread = np.maximum(np.percentile(np.abs(v), 99, axis=red), 1)
        else:  # one sample of a linear layer: each channel's spread is its own value, use the tensor's
            spread = max(float(np.percentile(np.abs(v), 99)), 1.0) * (self.rng.uniform(0.5, 1.5, size=c) if per_channel else 1.0)
        target = n_levels // 4 if signed else n_levels // 2
        m = np.maximum(np.round(DIV * target / spread), 1).astype(np.int64) if mul is None else np.int64(mul)
        add = (self.rng.integers(-DIV // 4, DIV // 4, size=c) if per_channel and mul is None else np.int64(0)).astype(np.int64)
        bshape = (c,) + (1,) * (v.ndim - 2) if per_channel and mul is None else ()
        mul, add = m.reshape(bshape), add.reshape(bshape)
        lo, hi = (-(n_levels // 2), n_levels // 2 - 1) if signed else (0, n_levels - 1)
        y = np.clip(np.floor_divide(v * mul + add + DIV // 2, DIV), lo, hi)
        mn = self._init(mul, f"{self.n}.mul")
        an = self._init(add, f"{self.n}.add")
        if self.old_attrs:
            attrs = {"div": DIV, "n_levels": n_levels, "signed": int(signed)}
        else:
            t = lambda nm, a: numpy_helper.from_array(np.asarray(a, np.float32), nm)  # noqa: E731
            attrs = {"div": t("div", DIV), "n_levels_out": t("n_levels_out", [n_levels]), "signed": t("signed", [float(signed)])}
        name = self._name("RequantShift")
        out = f"t{self.n}"
        self.nodes.append(helper.make_node("RequantShift", [x, mn, an], [out], name=name, **attrs))
        self.vals[out] = y
        return out

    def add(self, a: str, b: str) -> str:
        return self._node("Add", [a, b], self.vals[a] + self.vals[b])

    def maxpool(self, x: str, k: int) -> str:
        v = self.vals[x]
        n, c, h, w = v.shape
        y = v[:, :, : h // k * k, : w // k * k].reshape(n, c, h // k, k, w // k, k).max(axis=(3, 5))
        return self._node("MaxPool", [x], y, kernel_shape=[k, k], strides=[k, k], pads=[0, 0, 0, 0])

    def avgpool(self, x: str) -> str:
        """A whole-map AveragePool (QuantLab's integer average: the float mean, floored by the
        RequantShift after it). Its value here is the window sum; `rqs_after_avg` divides."""
        v = self.vals[x]
        n, c, h, w = v.shape
        return self._node("AveragePool", [x], v.sum(axis=(2, 3), keepdims=True), kernel_shape=[h, w], strides=[1, 1], pads=[0, 0, 0, 0])

    def reshape(self, x: str) -> str:
        v = self.vals[x]
        shape = f"{self.n}.shape"
        self.inits.append(_int64_tensor(np.array([v.shape[0], -1]), shape))  # int64, as torch exports it
        return self._node("Reshape", [x, shape], v.reshape(v.shape[0], -1))

    def model(self, out: str, name: str) -> Any:
        from onnx import TensorProto, helper

        g = helper.make_graph(
            self.nodes, name,
            [helper.make_tensor_value_info("input", TensorProto.FLOAT, list(self.x.shape))],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, list(self.vals[out].shape))],
            self.inits,
        )
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 10)], producer_name="dory-tests rqs_graphs")
        m.ir_version = 6
        return m


def _int64_tensor(a: np.ndarray, name: str) -> Any:
    from onnx import numpy_helper

    return numpy_helper.from_array(a.astype(np.int64), name)


def _conv(x: np.ndarray, w: np.ndarray, stride: int, pad: int, groups: int) -> np.ndarray:
    """Exact int64 NCHW convolution."""
    n, cin, h, wd = x.shape
    cout, cg, kh, kw = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    ho, wo = (h + 2 * pad - kh) // stride + 1, (wd + 2 * pad - kw) // stride + 1
    y = np.zeros((n, cout, ho, wo), np.int64)
    og = cout // groups
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * og:(g + 1) * og]
        for i in range(kh):
            for j in range(kw):
                patch = xs[:, :, i:i + stride * ho:stride, j:j + stride * wo:stride]
                y[:, g * og:(g + 1) * og] += np.einsum("nchw,oc->nohw", patch, ws[:, :, i, j])
    return y


def _avg_rqs(net: Net, x: str, signed: bool = False) -> str:
    """RequantShift of a whole-map average: ``floor((sum/k * mul + add + div//2) / div)`` exactly
    (the average's value stored in ``vals`` is the window sum; the float mean is sum / k)."""
    pool = next(nd for nd in net.nodes if nd.output[0] == x)
    k = int(np.prod([a.ints for a in pool.attribute if a.name == "kernel_shape"][0]))
    s = net.vals[x]
    net.vals[x] = s // k  # a rough spread for choosing mul
    out = net.rqs(x, signed=signed)
    mul = np.asarray([_arr(i) for i in net.inits if i.name == net.nodes[-1].input[1]][0], np.int64)
    add = np.asarray([_arr(i) for i in net.inits if i.name == net.nodes[-1].input[2]][0], np.int64)
    lo, hi = (-128, 127) if signed else (0, 255)
    net.vals[x] = s
    net.vals[out] = np.clip(np.floor_divide(s * mul + (add + DIV // 2) * k, DIV * k), lo, hi)
    return out


def _arr(t: Any) -> np.ndarray:
    from onnx import numpy_helper

    return numpy_helper.to_array(t)


# -- the networks ----------------------------------------------------------------------------------
def resnet8(seed: int = 1) -> tuple[Any, np.ndarray, np.ndarray]:
    """MLPerf Tiny image classification's ResNet-8 as QuantLab integerises it: each residual block's
    identity / 1x1 shortcut and its second conv requantised into si8, added, requantised into ui8;
    the first block's shortcut is a *standalone* RequantShift of the ui8 stem output (a clip that
    changes the values at 255)."""
    rng = np.random.default_rng(seed)
    net = Net(rng.integers(0, 256, size=(1, 3, 32, 32)), seed=seed)
    x = net.rqs(net.conv("input", 16, 3, pad=1))
    # the standalone requant of a ui8 activation: x / 2 rounded, into si8 (255 -> 128 -> 127)
    shortcut = net.rqs(x, signed=True, per_channel=False, mul=DIV // 2)
    y = net.rqs(net.conv(x, 16, 3, pad=1))
    y = net.rqs(net.conv(y, 16, 3, pad=1), signed=True)
    x = net.rqs(net.add(shortcut, y), per_channel=False)
    for c in (32, 64):
        y = net.rqs(net.conv(x, c, 3, stride=2, pad=1))
        y = net.rqs(net.conv(y, c, 3, pad=1), signed=True)
        s = net.rqs(net.conv(x, c, 1, stride=2), signed=True)
        x = net.rqs(net.add(s, y), per_channel=False)
    x = net.reshape(net.maxpool(x, 8))
    out = net.rqs(net.gemm(x, 10), signed=True, per_channel=False)
    return net.model(out, "resnet8_rqs"), net.x, net.vals[out]


def dscnn(seed: int = 2) -> tuple[Any, np.ndarray, np.ndarray]:
    """MLPerf Tiny keyword spotting's DS-CNN: a 10x4 stride-2 conv, four depthwise + pointwise
    blocks, a whole-map average, a linear layer; older export (int attributes, ``n_levels``)."""
    rng = np.random.default_rng(seed)
    net = Net(rng.integers(0, 256, size=(1, 1, 49, 10)), old_attrs=True, seed=seed)
    x = net.rqs(net.conv("input", 32, 10, stride=2, pad=4, kw=4))
    for _ in range(4):
        x = net.rqs(net.conv(x, 32, 3, pad=1, groups=32))
        x = net.rqs(net.conv(x, 32, 1))
    x = _avg_rqs(net, net.avgpool(x))
    out = net.rqs(net.gemm(net.reshape(x), 12), signed=True, per_channel=False)
    return net.model(out, "dscnn_rqs"), net.x, net.vals[out]


def mobilenet(seed: int = 3) -> tuple[Any, np.ndarray, np.ndarray]:
    """A MobileNetV1-like network with signed activations (si8 everywhere after the stem),
    stride-2 depthwise layers, a residual add of two si8 branches and a linear classifier."""
    rng = np.random.default_rng(seed)
    net = Net(rng.integers(0, 256, size=(1, 3, 24, 24)), seed=seed)
    x = net.rqs(net.conv("input", 16, 3, stride=2, pad=1), signed=True)
    for c, s in ((32, 1), (32, 2), (64, 2)):
        cin = net.vals[x].shape[1]
        x = net.rqs(net.conv(x, cin, 3, stride=s, pad=1, groups=cin), signed=True)
        x = net.rqs(net.conv(x, c, 1), signed=True)
    y = net.rqs(net.conv(x, 64, 1), signed=True)
    x = net.rqs(net.add(x, y), signed=True, per_channel=False)
    x = net.reshape(net.maxpool(x, 3))
    out = net.rqs(net.gemm(x, 5, bias=False), signed=True, per_channel=False)
    return net.model(out, "mobilenet_rqs"), net.x, net.vals[out]


def autoencoder(seed: int = 4) -> tuple[Any, np.ndarray, np.ndarray]:
    """MLPerf Tiny anomaly detection's fully connected autoencoder (2-D [1, 128] input)."""
    rng = np.random.default_rng(seed)
    net = Net(rng.integers(0, 256, size=(1, 128)), seed=seed)
    x = "input"
    for c in (64, 32, 8, 32, 64):
        x = net.rqs(net.gemm(x, c))
    out = net.rqs(net.gemm(x, 128), signed=True)
    return net.model(out, "autoencoder_rqs"), net.x, net.vals[out]


NETWORKS: dict[str, Callable[[], tuple[Any, np.ndarray, np.ndarray]]] = {
    "resnet8": resnet8, "dscnn": dscnn, "mobilenet": mobilenet, "autoencoder": autoencoder,
}


def write(name: str, out_dir: str) -> str:
    """Write ``out_dir/name/{network.onnx, inputs.npz, outputs.npz}``; returns the directory."""
    import onnx

    model, x, y = NETWORKS[name]()
    d = os.path.join(out_dir, name)
    os.makedirs(d, exist_ok=True)
    onnx.save(model, os.path.join(d, "network.onnx"))
    np.savez(os.path.join(d, "inputs.npz"), input_0=x.astype(np.int64))
    np.savez(os.path.join(d, "outputs.npz"), output_0=y.astype(np.int64))
    return d


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for nm in sys.argv[2:] or list(NETWORKS):
        print(write(nm, sys.argv[1]))
