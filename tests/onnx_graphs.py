"""Small NEMO/QuantLab-style ONNX graphs built with the onnx helper API, for the importer's tests
(pytest and the lit tests' Inputs/ generator). Values are kept small enough that onnxruntime's
float32 arithmetic is exact, so it can serve as an exact oracle."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper


@dataclass
class G:
    """A graph under construction: ``G().conv(...).requant(...).model()``."""

    shape: tuple[int, ...] = (1, 3, 8, 8)
    input_name: str = "x"
    nodes: list = field(default_factory=list)
    inits: list = field(default_factory=list)
    n: int = 0
    cur: str = ""
    opset: int = 10
    output_names: list[str] | None = None

    def __post_init__(self) -> None:
        self.cur = self.input_name

    def _name(self, base: str) -> str:
        self.n += 1
        return f"{base}{self.n}"

    def init(self, arr: np.ndarray, base: str = "w") -> str:
        name = self._name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(arr), name))
        return name

    def const(self, arr: Any, base: str = "c") -> str:
        out = self._name(base)
        self.nodes.append(helper.make_node("Constant", [], [out], name=self._name("Constant_"), value=numpy_helper.from_array(np.asarray(arr), out + "v")))
        return out

    def op(self, op_type: str, inputs: list[str], name: str | None = None, **attrs: Any) -> "G":
        out = self._name("t")
        self.nodes.append(helper.make_node(op_type, inputs, [out], name=name if name is not None else self._name(op_type + "_"), **attrs))
        self.cur = out
        return self

    # -- NEMO idioms ----------------------------------------------------------------------------
    def conv(self, w: np.ndarray, stride: int = 1, pad: int = 0, groups: int = 1, dilation: int = 1, bias: np.ndarray | None = None) -> "G":
        nd = w.ndim - 2
        ins = [self.cur, self.init(w.astype(np.float32), "weight")]
        if bias is not None:
            ins.append(self.init(bias.astype(np.float32), "bias"))
        return self.op(
            "Conv", ins, kernel_shape=list(w.shape[2:]), strides=[stride] * nd, pads=[pad] * (2 * nd),
            group=groups, dilations=[dilation] * nd,
        )

    def bn_requant(self, kappa: np.ndarray, lamda: np.ndarray, m: int, d: int, lo: float = 0.0, hi: float = 255.0, rank: int = 4) -> "G":
        """NEMO BNRelu: Mul(kappa) -> Add(lambda) -> Cast(int64) -> Mul(m) -> Div(d) -> Cast(float) -> Clip."""
        shape = (1, -1) + (1,) * (rank - 2)
        self.op("Mul", [self.init(kappa.reshape(shape).astype(np.float32), "kappa"), self.cur])
        self.op("Add", [self.cur, self.init(lamda.reshape(shape).astype(np.float32), "lamda")])
        self.op("Cast", [self.cur], to=TensorProto.INT64)
        self.op("Mul", [self.cur, self.const(np.array([m], np.int64))])
        self.op("Div", [self.cur, self.const(np.array(d, np.int64))])
        self.op("Cast", [self.cur], to=TensorProto.FLOAT)
        return self.op("Clip", [self.cur], min=lo, max=hi)

    def ql_requant(self, mul: np.ndarray, add: np.ndarray, div: float, lo: float = 0.0, hi: float = 255.0) -> "G":
        """QuantLab: Mul(per-ch) -> Add(per-ch) -> Div(float) -> Floor -> Clip."""
        self.op("Mul", [self.cur, self.init(mul.reshape(-1, 1, 1).astype(np.float32), "mul")])
        self.op("Add", [self.cur, self.init(add.reshape(-1, 1, 1).astype(np.float32), "add")])
        self.op("Div", [self.cur, self.const(np.array(div, np.float32))])
        self.op("Floor", [self.cur])
        return self.op("Clip", [self.cur], min=lo, max=hi)

    def model(self, input_type: int = TensorProto.FLOAT, dims: list[Any] | None = None) -> Any:
        outs = self.output_names or [self.cur]
        g = helper.make_graph(
            self.nodes,
            "g",
            [helper.make_tensor_value_info(self.input_name, input_type, dims if dims is not None else list(self.shape))],
            [helper.make_tensor_value_info(o, TensorProto.FLOAT, None) for o in outs],
            self.inits,
        )
        m = helper.make_model(g, opset_imports=[helper.make_opsetid("", self.opset)], producer_name="dory-tests")
        m.ir_version = 7
        return m


def conv_layer(seed: int = 0, cin: int = 3, cout: int = 4, k: int = 3, stride: int = 1, pad: int = 1, groups: int = 1, hw: int = 8, dilation: int = 1) -> Any:
    """One NEMO conv + BN-requant + ReLU layer with small random integer constants."""
    rng = np.random.default_rng(seed)
    g = G(shape=(1, cin, hw, hw))
    g.conv(rng.integers(-8, 8, size=(cout, cin // groups, k, k)), stride, pad, groups, dilation)
    g.bn_requant(rng.integers(1, 16, size=cout), rng.integers(-500, 500, size=cout), int(rng.integers(1, 8)), 64)
    return g.model()


BAD_MODELS: dict[str, tuple[str, str]] = {
    # name -> (what the error must mention, a fragment of the located node label)
    "unsupported_op": ("unsupported operator", "Erf"),
    "non_integer_weight": ("expected integer-valued weight", "Conv"),
    "fraction_chain": ("produce integers, found a fraction", "Div"),
    "dynamic_shape": ("expected a static shape, found dynamic dimension 'N'", "graph input"),
    "float_inside": ("float op", "Sigmoid"),
    "two_activation_mul": ("found two activations", "Mul"),
    "non_constant_divisor": ("expected a constant divisor", "Div"),
    "bad_transpose_perm": ("expected perm to be a permutation of 0..1, found [0, 2]", "Transpose"),
    "rqs_zero_div": ("expected a positive 'div', found 0", "RequantShift"),
    "rqs_no_levels": ("expected attribute 'n_levels_out', found none", "RequantShift"),
    "rqs_bad_signed": ("expected 'signed' 0 or 1, found 3", "RequantShift"),
    "rqs_fraction_mul": ("expected integer-valued multiplier 'rqs_mul4', found 0.5", "RequantShift"),
}


def bad_model(name: str) -> Any:
    """A model the importer must reject with a located, one-line error."""
    rng = np.random.default_rng(0)
    w = rng.integers(-8, 8, size=(4, 3, 3, 3))
    if name == "unsupported_op":
        return _unsupported()
    if name == "non_integer_weight":
        g = G()
        g.conv(w + 0.5, pad=1)
        return g.bn_requant(np.ones(4), np.zeros(4), 1, 2).model()
    if name == "fraction_chain":
        g = G()
        g.conv(w, pad=1)
        g.op("Div", [g.cur, g.const(np.array(3.0, np.float32))], name="Div_9")
        g.conv(rng.integers(-8, 8, size=(4, 4, 1, 1)))
        return g.model()
    if name == "dynamic_shape":
        g = G()
        g.conv(w, pad=1).bn_requant(np.ones(4), np.zeros(4), 1, 2)
        return g.model(dims=["N", 3, 8, 8])
    if name == "float_inside":
        g = G()
        g.conv(w, pad=1).bn_requant(np.ones(4), np.zeros(4), 1, 2)
        g.op("Sigmoid", [g.cur], name="Sigmoid_3")
        g.conv(rng.integers(-8, 8, size=(4, 4, 1, 1)))
        return g.model()
    if name == "two_activation_mul":
        g = G()
        g.conv(w, pad=1).bn_requant(np.ones(4), np.zeros(4), 1, 2)
        a = g.cur
        g.op("Mul", [a, a], name="Mul_5")
        return g.model()
    if name == "non_constant_divisor":
        g = G()
        g.conv(w, pad=1).bn_requant(np.ones(4), np.zeros(4), 1, 2)
        a = g.cur
        g.op("Div", [a, a], name="Div_5")
        return g.model()
    if name == "bad_transpose_perm":
        g = G()
        g.conv(w, pad=1).bn_requant(np.ones(4), np.zeros(4), 1, 2)
        g.op("Flatten", [g.cur], axis=1)
        g.op("Transpose", [g.cur], name="Transpose_6", perm=[0, 2])
        return g.model()
    if name == "two_unsupported":
        m = _unsupported()
        g = m.graph
        from onnx import helper

        g.node.extend([helper.make_node("Celu", [g.node[-1].output[0]], ["c1"], name="Celu_8"), helper.make_node("Celu", ["c1"], ["c2"], name="Celu_9")])
        return m
    if name.startswith("rqs_"):
        return rqs_model(**{
            "rqs_zero_div": {"div": 0},
            "rqs_no_levels": {"n_levels": None},
            "rqs_bad_signed": {"signed": 3},
            "rqs_fraction_mul": {"mul": 0.5},
        }[name])
    raise KeyError(name)


def format_model(fmt: str) -> Any:
    """A small graph in another quantized format (`dory.frontend.formats`): ``qdq``
    (QuantizeLinear / DequantizeLinear around a float Conv), ``qoperator`` (QLinearConv),
    ``qonnx`` (Brevitas-style Quant nodes), ``qonnx_mixed`` (Quant nodes and an Erf)."""
    from onnx import helper

    g = G(shape=(1, 2, 4, 4))
    sc, zp = g.init(np.array(0.05, np.float32), "scale"), g.init(np.array(0, np.uint8), "zp")
    w = g.init(np.ones((2, 2, 1, 1), np.float32), "weight")
    if fmt == "qdq":
        g.op("QuantizeLinear", [g.cur, sc, zp]).op("DequantizeLinear", [g.cur, sc, zp])
        g.op("Conv", [g.cur, w])
        g.op("QuantizeLinear", [g.cur, sc, zp]).op("DequantizeLinear", [g.cur, sc, zp])
        return g.model()
    if fmt == "qoperator":
        g.op("QuantizeLinear", [g.cur, sc, zp])
        wq = g.init(np.ones((2, 2, 1, 1), np.uint8), "wq")
        g.op("QLinearConv", [g.cur, sc, zp, wq, sc, zp, sc, zp])
        return g.op("DequantizeLinear", [g.cur, sc, zp]).model()
    if fmt in ("qonnx", "qonnx_mixed"):
        bits = g.init(np.array(8.0, np.float32), "bits")
        for x in (g.cur, w):
            out = g._name("t")
            g.nodes.append(helper.make_node("Quant", [x, sc, g.init(np.array(0.0, np.float32), "zero"), bits], [out], name=g._name("Quant_"), domain="qonnx.custom_op.general", signed=1, narrow=0, rounding_mode="ROUND"))
            if x == g.cur:
                xq = out
            else:
                wq = out
        g.cur = xq
        g.op("Conv", [g.cur, wq])
        if fmt == "qonnx_mixed":
            g.op("Erf", [g.cur])
        return g.model()
    raise KeyError(fmt)


def rqs_model(div: float = 256.0, n_levels: int | None = 256, signed: int = 0, mul: float = 3.0, tensor_attrs: bool = True) -> Any:
    """One conv + QuantLab/Deeploy ``RequantShift`` (node 'RequantShift_5'), attributes as float32
    tensors as Deeploy's networks carry them (``tensor_attrs``) or as ints."""
    g = G(shape=(1, 2, 4, 4))
    g.conv(np.arange(8).reshape(4, 2, 1, 1) - 3)
    ins = [g.cur, g.init(np.full((4, 1, 1), mul, np.float32), "rqs_mul"), g.init(np.array([-2.0, 0.0, 2.0, 4.0], np.float32).reshape(4, 1, 1), "rqs_add")]
    vals = {"div": div, "n_levels_out": n_levels, "signed": signed}
    if tensor_attrs:
        attrs = {k: numpy_helper.from_array(np.array([v], np.float32), k) for k, v in vals.items() if v is not None}
    else:
        attrs = {k: int(v) for k, v in vals.items() if v is not None}
    return g.op("RequantShift", ins, name="RequantShift_5", **attrs).model()


def _unsupported() -> Any:
    rng = np.random.default_rng(0)
    g = G()
    g.conv(rng.integers(-8, 8, size=(4, 3, 3, 3)), pad=1).bn_requant(np.ones(4), np.zeros(4), 1, 2)
    return g.op("Erf", [g.cur], name="Erf_7").model()
