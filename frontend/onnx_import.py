"""ONNX (NEMO / QuantLab integer-deployable export) -> ``qnn`` dialect.

The importer walks the graph in order, keeping for every ONNX tensor one of:
- `IntVal`: an integer IR value (activations NHWC; weights are constants, never values),
- `Pending`: an exact symbolic requantisation chain (`frontend.affine.Affine`) on IR values, which
  is materialised as ``qnn.requant``/``qnn.add`` when a layer consumes it,
- `Const`: a numpy constant (initializers, ``Constant`` nodes, shape arithmetic),
- `Host`: float post-processing after the integer network (Sigmoid, Gather, ...), not deployed.

Errors are `OnnxImportError`s naming the node (name and op type), what was expected and what was
found. Layout: ONNX NCHW becomes NHWC, ``[N, C, L]`` becomes ``[N, 1, L, C]``; weights become
OHWI; a Flatten of a feature map keeps the IR's HWC order and the following Gemm/MatMul weights
are permuted to match (as DORY does).
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from dory_ir.attributes import (
    Attribute,
    BoolAttr,
    DenseAttr,
    IntegerAttr,
    StringAttr,
    TypeAttr,
    i64_array,
)
from dory_ir.core import Value, create_op
from dory_ir.diagnostics import DiagnosticError, Location
from dory_ir.dialects.builtin import ModuleOp
from dory_ir.dialects.func import FuncOp, ReturnOp
from dory_ir.types import FunctionType, IntegerType, TensorType, i64, parse_int_type
from frontend.affine import Affine, Term, as_exact_fraction, as_exact_int


class OnnxImportError(DiagnosticError):
    """A located import error: ``file: node 'Conv_3' (Conv): expected ..., found ...``."""


# Element types of ONNX TensorProto.DataType that hold integers / floats.
_ONNX_INT_TYPES = {2, 3, 4, 5, 6, 7, 12, 13}
_ONNX_FLOAT_TYPES = {1, 10, 11, 16}
# Float-only post-processing: left to the host when it follows the integer network.
_HOST_OPS = {"Sigmoid", "LogSoftmax", "Softmax", "Tanh", "Exp", "Log", "Gather", "Unsqueeze", "Squeeze", "ArgMax", "Sqrt", "Neg"}
# Integer layers: a float (host) input to one of these means a float op inside the network.
_LAYER_OPS = {"Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "Pad"}


@dataclass
class Layout:
    """How an ONNX tensor maps onto its IR value.

    ``kind``: "nchw" (ONNX rank 4 -> IR NHWC), "ncl" (ONNX ``[N, C, L]`` -> IR ``[N, 1, L, C]``),
    "plain" (same shape and order), "flat" (ONNX ``[N, C*H*W]`` in CHW order -> IR ``[N, H*W*C]``
    in HWC order; ``chw`` holds C, H, W).
    """

    kind: str
    chw: tuple[int, int, int] | None = None

    def flat_perm(self) -> np.ndarray:
        """For "flat": ONNX feature index of each IR feature position."""
        assert self.chw is not None
        c, h, w = self.chw
        return np.arange(c * h * w).reshape(c, h, w).transpose(1, 2, 0).reshape(-1)


@dataclass
class IntVal:
    value: Value
    onnx_shape: tuple[int, ...]
    layout: Layout
    lo: int
    hi: int

    @property
    def type(self) -> TensorType:
        return self.value.type  # type: ignore[return-value]


@dataclass
class Pending:
    aff: Affine
    onnx_shape: tuple[int, ...]
    layout: Layout
    node: Any  # the ONNX node that last changed it (location of the materialised op)
    name: str  # ONNX tensor name of its current value


@dataclass
class Const:
    array: np.ndarray


@dataclass
class Host:
    node: Any


Entry = IntVal | Pending | Const | Host


def choose_type(lo: int, hi: int) -> IntegerType:
    """The element type of a clipped activation: a sub-byte type when the clip range is exactly
    its full range (e.g. 0..15 -> ui4), else the narrowest of 8/16/32/64 bits holding it."""
    for w in (1, 2, 4):
        for sgn in ("unsigned", "signed"):
            t = IntegerType(w, sgn)
            if (lo, hi) == (t.min_value, t.max_value):
                return t
    sgn = "unsigned" if lo >= 0 else "signed"
    for w in (8, 16, 32, 64):
        t = IntegerType(w, sgn)
        if t.fits(lo) and t.fits(hi):
            return t
    return IntegerType(64, "signed")


def _weight_type(arr: np.ndarray) -> IntegerType:
    lo, hi = int(arr.min()) if arr.size else 0, int(arr.max()) if arr.size else 0
    for w in (8, 16, 32, 64):
        t = IntegerType(w, "signed")
        if t.fits(lo) and t.fits(hi):
            return t
    return IntegerType(64, "signed")


SI32 = IntegerType(32, "signed")


class OnnxImporter:
    """Builds a ``builtin.module`` with one ``func.func @main`` from an ONNX model."""

    def __init__(self, model: Any, filename: str, input_type: IntegerType | None = None, warn: Callable[[str], None] | None = None):
        self.model = model
        self.filename = filename
        self.input_type = input_type
        self.warn = warn or (lambda msg: print(msg, file=sys.stderr))
        self.env: dict[str, Entry] = {}
        self.block = None
        self.node_index: dict[int, int] = {}
        self.host_nodes: list[Any] = []
        self.materialised: dict[int, IntVal] = {}
        self.keepalive: list[Pending] = []

    # -- diagnostics -------------------------------------------------------------------------
    def node_label(self, node: Any) -> str:
        name = node.name or f"#{self.node_index.get(id(node), '?')}"
        return f"node '{name}' ({node.op_type})"

    def loc(self, node: Any) -> Location:
        name = node.name or f"{node.op_type}_{self.node_index.get(id(node), 0)}"
        return Location(self.filename, name=name)

    def error(self, node: Any | None, msg: str) -> OnnxImportError:
        if node is None:
            return OnnxImportError(Location(self.filename), msg)
        return OnnxImportError(Location(self.filename, name=self.node_label(node)), msg)

    # -- entry -------------------------------------------------------------------------------
    def run(self) -> ModuleOp:
        from onnx import numpy_helper

        g = self.model.graph
        # Hold the node wrappers so their ids stay valid (unnamed nodes are located by index).
        self.nodes = list(g.node)
        for i, n in enumerate(self.nodes):
            self.node_index[id(n)] = i
        for init in g.initializer:
            self.env[init.name] = Const(numpy_helper.to_array(init))
        inputs = [i for i in g.input if i.name not in self.env]
        if not inputs:
            raise self.error(None, "expected at least one graph input, found none")
        arg_types: list[TensorType] = []
        arg_layouts: list[tuple[tuple[int, ...], Layout]] = []
        for inp in inputs:
            shape, layout, ir_shape = self._input_shape(inp)
            et = self.input_type or IntegerType(8, "unsigned")
            arg_types.append(TensorType(ir_shape, et))
            arg_layouts.append((shape, layout))
        func = FuncOp.build("main", arg_types, [], [i.name for i in inputs])
        self.block = func.body
        for inp, arg, (shape, layout) in zip(inputs, func.body.args, arg_layouts):
            et = arg.type.element_type
            self.env[inp.name] = IntVal(arg, shape, layout, et.min_value, et.max_value)
        for node in self.nodes:
            self.visit(node)
        results = self._outputs()
        ret = ReturnOp.build([r.value for r in results])
        self.block.add_op(ret)
        func.properties["function_type"] = TypeAttr(FunctionType(tuple(arg_types), tuple(r.value.type for r in results)))
        module = ModuleOp.build([func])
        return module

    def _input_shape(self, inp: Any) -> tuple[tuple[int, ...], Layout, tuple[int, ...]]:
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type"):
            raise self.error(None, f"graph input '{inp.name}': expected a tensor, found another ONNX type")
        if tt.elem_type not in _ONNX_INT_TYPES | _ONNX_FLOAT_TYPES:
            raise self.error(None, f"graph input '{inp.name}': expected a numeric tensor, found element type {tt.elem_type}")
        dims = []
        for d in tt.shape.dim:
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            else:
                what = d.dim_param or "unknown"
                raise self.error(None, f"graph input '{inp.name}': expected a static shape, found dynamic dimension '{what}'")
        shape = tuple(dims)
        if len(shape) == 4:
            n, c, h, w = shape
            return shape, Layout("nchw"), (n, h, w, c)
        if len(shape) == 3:
            n, c, l_ = shape
            return shape, Layout("ncl"), (n, 1, l_, c)
        if len(shape) in (1, 2):
            return shape, Layout("plain"), shape
        raise self.error(None, f"graph input '{inp.name}': expected rank 1 to 4, found shape {list(shape)}")

    def visit(self, node: Any) -> None:
        op = node.op_type
        ins = [self.env.get(n) if n else None for n in node.input]
        for name, e in zip(node.input, ins):
            if name and e is None:
                raise self.error(node, f"input '{name}' is not produced by any earlier node, initializer or graph input")
        real = [e for e in ins if e is not None]
        # Constant folding for shape arithmetic and constant subgraphs.
        if op == "Constant":
            self._set(node, 0, Const(self._const_attr(node)))
            return
        if real and all(isinstance(e, Const) for e in real) and op in _FOLDABLE:
            self._set(node, 0, Const(_FOLDABLE[op](self, node, [e.array for e in real])))  # type: ignore[union-attr]
            return
        if op == "Shape":
            e = ins[0]
            if isinstance(e, (IntVal, Pending)):
                self._set(node, 0, Const(np.array(e.onnx_shape, dtype=np.int64)))
                return
        host_in = next((e for e in real if isinstance(e, Host)), None)
        if host_in is not None and op in _LAYER_OPS:
            raise self.error(
                node,
                f"expected integer inputs, found the output of float op {self.node_label(host_in.node)}: float ops are only supported after the integer network",
            )
        if host_in is not None or op in _HOST_OPS:
            self.host_nodes.append(node)
            for o in node.output:
                self.env[o] = Host(node)
            return
        handler = getattr(self, f"op_{op}", None)
        if handler is None:
            raise self.error(node, f"unsupported operator: expected one of {', '.join(sorted(SUPPORTED_OPS))}, found '{op}'")
        handler(node, ins)

    def _set(self, node: Any, idx: int, entry: Entry) -> None:
        self.env[node.output[idx]] = entry

    def _const_attr(self, node: Any) -> np.ndarray:
        from onnx import numpy_helper

        for a in node.attribute:
            if a.name == "value":
                return numpy_helper.to_array(a.t)
            if a.name == "value_float":
                return np.array(a.f, dtype=np.float32)
            if a.name == "value_int":
                return np.array(a.i, dtype=np.int64)
            if a.name == "value_floats":
                return np.array(list(a.floats), dtype=np.float32)
            if a.name == "value_ints":
                return np.array(list(a.ints), dtype=np.int64)
        raise self.error(node, "expected a 'value' attribute, found none")

    def attrs(self, node: Any) -> dict[str, Any]:
        from onnx import helper

        return {a.name: helper.get_attribute_value(a) for a in node.attribute}

    # -- building helpers --------------------------------------------------------------------
    def emit(
        self, node: Any, name: str, result_type: TensorType, operands: list[Value], props: dict[str, Attribute], hint: str | None = None
    ) -> Value:
        op = create_op(
            name,
            operands=operands,
            result_types=[result_type],
            properties=props,
            loc=self.loc(node),
            result_names=[hint if hint is not None else (node.output[0] if node.output else None)],
        )
        self.block.add_op(op)
        return op.results[0]

    def const_value(self, node: Any, arr: np.ndarray, elem: IntegerType, hint: str) -> Value:
        attr = DenseAttr.from_array(arr, elem)
        op = create_op(
            "qnn.constant", result_types=[attr.type], properties={"value": attr}, loc=self.loc(node), result_names=[hint]
        )
        self.block.add_op(op)
        return op.results[0]

    def int_const(self, node: Any, name: str, what: str) -> np.ndarray:
        e = self.env.get(name)
        if not isinstance(e, Const):
            raise self.error(node, f"expected {what} '{name}' to be a constant (initializer), found a computed tensor")
        ints = as_exact_int(e.array)
        if ints is None:
            bad = _first_non_integer(e.array)
            raise self.error(
                node,
                f"expected integer-valued {what} '{name}', found {bad!r} (a float model? export an integer-deployable network with NEMO or QuantLab)",
            )
        return ints

    def integer(self, node: Any, e: Entry | None, what: str = "input") -> IntVal:
        """The IR value of an input, materialising a pending requant chain if needed."""
        if isinstance(e, IntVal):
            return e
        if isinstance(e, Pending):
            return self.materialise(e)
        if isinstance(e, Host):
            raise self.error(
                node,
                f"expected an integer {what}, found the output of float op {self.node_label(e.node)} inside the integer network",
            )
        if isinstance(e, Const):
            raise self.error(node, f"expected a computed integer {what}, found a constant")
        raise self.error(node, f"expected an {what}, found none")

    def pending(self, e: Entry, node: Any) -> Pending:
        if isinstance(e, Pending):
            return Pending(e.aff.copy(), e.onnx_shape, e.layout, e.node, e.name)
        assert isinstance(e, IntVal)
        aff = Affine([Term(e, np.ones((), np.int64), e.lo, e.hi)], is_int=False)
        return Pending(aff, e.onnx_shape, e.layout, node, node.output[0])

    def channel_vector(self, node: Any, c: np.ndarray, p: Pending | IntVal, what: str) -> np.ndarray:
        """An ONNX broadcast constant as a scalar () or per-channel (C,) vector in IR order."""
        shape = p.onnx_shape
        arr = np.asarray(c)
        if arr.ndim > len(shape):
            raise self.error(node, f"expected {what} of rank <= {len(shape)}, found shape {list(arr.shape)}")
        full = (1,) * (len(shape) - arr.ndim) + arr.shape
        if all(d == 1 for d in full):
            return arr.reshape(())
        ch_axis = 1 if len(shape) >= 2 else 0
        non1 = [i for i, d in enumerate(full) if d != 1]
        if non1 != [ch_axis] or full[ch_axis] != shape[ch_axis]:
            raise self.error(
                node,
                f"expected {what} to be a scalar or per-channel (shape with {shape[ch_axis]} on axis {ch_axis}), found shape {list(arr.shape)} for a tensor of shape {list(shape)}",
            )
        vec = arr.reshape(-1)
        if p.layout.kind == "flat":
            vec = vec[p.layout.flat_perm()]
        return vec

    # -- materialisation -----------------------------------------------------------------------
    def materialise(self, p: Pending) -> IntVal:
        """Emit the ops computing a pending chain (once per chain: later uses share them)."""
        cached = self.materialised.get(id(p))
        if cached is not None:
            return cached
        res = self._materialise(p)
        self.materialised[id(p)] = res
        self.keepalive.append(p)  # ids must stay unique while cached
        return res

    def _materialise(self, p: Pending) -> IntVal:
        aff = p.aff.copy()
        if aff.is_identity:
            t = aff.terms[0].value
            assert isinstance(t, IntVal)
            return t
        node = p.node
        if not aff.is_integer:
            raise self.error(
                node,
                f"expected the requantization chain ending at '{p.name}' to produce integers, found a fraction (x/{aff.div}) with no Floor/Cast to round it",
            )
        aff.normalise()
        shape = tuple(aff.terms[0].value.type.shape)  # type: ignore[attr-defined]
        lo, hi = aff.value_range()
        if aff.clip is not None:
            lo, hi = aff.clip
            et = choose_type(lo, hi)
        else:
            self._check_32(node, lo, hi, f"the unclipped result '{p.name}'")
            et = choose_type(min(lo, 0), max(hi, 0))
        plain_sum = len(aff.terms) > 1 and aff.div == 1 and bool(np.all(aff.add == 0)) and aff.clip is None
        # 1. sum the terms (each scaled by its multiplier) exactly
        if len(aff.terms) == 1:
            base: Value = aff.terms[0].value.value  # type: ignore[attr-defined]
            mul = aff.terms[0].mul
        else:
            slo, shi = Affine([Term(t.value, t.mul, t.lo, t.hi) for t in aff.terms]).pre_round_range()
            self._check_32(node, slo, shi, "the sum of a residual addition")
            acc: Value | None = None
            for i, t in enumerate(aff.terms):
                v: Value = t.value.value  # type: ignore[attr-defined]
                if not np.all(t.mul == 1):
                    tlo, thi = Affine([t]).pre_round_range()
                    self._check_32(node, tlo, thi, "a scaled residual branch")
                    v = self.emit(
                        node, "qnn.requant", TensorType(shape, SI32), [v],
                        self._requant_props(t.mul, np.zeros((), np.int64), 1, None, (tlo, thi)),
                        hint=f"{p.name}_in{i}",
                    )
                if acc is None:
                    acc = v
                else:
                    last = i == len(aff.terms) - 1
                    acc = self.emit(
                        node, "qnn.add", TensorType(shape, et if (last and plain_sum) else SI32), [acc, v], {},
                        hint=p.name if (last and plain_sum) else f"{p.name}_sum",
                    )
            assert acc is not None
            base = acc
            mul = np.ones((), np.int64)
        if plain_sum:
            res = base
        elif aff.div == 1 and bool(np.all(mul == 1)) and bool(np.all(aff.add == 0)):
            # only a clip is left
            props: dict[str, Attribute] = {"min": IntegerAttr(lo, i64), "max": IntegerAttr(hi, i64)}
            res = self.emit(node, "qnn.clip", TensorType(shape, et), [base], props)
        else:
            res = self.emit(
                node, "qnn.requant", TensorType(shape, et), [base],
                self._requant_props(mul, aff.add, aff.div, aff.rounding, (lo, hi)),
            )
        res.name_hint = p.name  # name the value after the ONNX tensor that holds it
        return IntVal(res, p.onnx_shape, p.layout, lo, hi)

    def _check_32(self, node: Any, lo: int, hi: int, what: str) -> None:
        if not (SI32.fits(lo) and SI32.fits(hi)):
            raise self.error(node, f"expected {what} to fit in 32 bits, found range [{lo}, {hi}]")

    def _requant_props(self, mul: np.ndarray, add: np.ndarray, div: int, rounding: str | None, clip: tuple[int, int]) -> dict[str, Attribute]:
        props: dict[str, Attribute] = {
            "mul": _int_or_dense(mul),
            "min": IntegerAttr(int(clip[0]), i64),
            "max": IntegerAttr(int(clip[1]), i64),
        }
        if not np.all(add == 0):
            props["add"] = _int_or_dense(add)
        if div & (div - 1) == 0:
            props["shift"] = IntegerAttr(div.bit_length() - 1, i64)
        else:
            props["div"] = IntegerAttr(div, i64)
        if div > 1 and rounding == "trunc":
            props["rounding"] = StringAttr("trunc")
        return props

    # -- layout helpers ------------------------------------------------------------------------
    def spatial(self, node: Any, x: IntVal, what: str) -> tuple[int, int, int, int]:
        """IR (N, H, W, C) of a feature map."""
        if x.layout.kind not in ("nchw", "ncl"):
            raise self.error(node, f"expected a feature map ([N, C, H, W] or [N, C, L]) as {what}, found shape {list(x.onnx_shape)}")
        n, h, w, c = x.type.shape
        return n, h, w, c

    def window_attrs(self, node: Any, x: IntVal, kernel: list[int] | None = None) -> dict[str, list[int]]:
        """kernel/strides/pads/dilations of a Conv/Pool in IR [h, w] form (1-D gets h = 1)."""
        a = self.attrs(node)
        nd = len(x.onnx_shape) - 2
        if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
            raise self.error(node, f"expected auto_pad NOTSET (explicit pads), found {a['auto_pad']!r}")
        k = list(kernel if kernel is not None else a.get("kernel_shape", []))
        s = list(a.get("strides", [1] * nd))
        d = list(a.get("dilations", [1] * nd))
        p = list(a.get("pads", [0] * (2 * nd)))
        if len(k) != nd or len(s) != nd or len(d) != nd or len(p) != 2 * nd:
            raise self.error(node, f"expected {nd}-D kernel_shape/strides/dilations and {2 * nd} pads, found {k}, {s}, {d}, {p}")
        if nd == 1:
            return {"kernel": [1, k[0]], "strides": [1, s[0]], "dilations": [1, d[0]], "pads": [0, p[0], 0, p[1]]}
        return {"kernel": k, "strides": s, "dilations": d, "pads": [p[0], p[1], p[2], p[3]]}

    def feature_onnx_shape(self, x: IntVal, ir_shape: tuple[int, ...]) -> tuple[int, ...]:
        n, h, w, c = ir_shape
        if x.layout.kind == "ncl":
            return (n, c, w)
        return (n, c, h, w)

    # -- operators -----------------------------------------------------------------------------
    def op_Conv(self, node: Any, ins: list[Entry | None]) -> None:
        x = self.integer(node, ins[0])
        n, h, w, c = self.spatial(node, x, "the Conv input")
        wt = self.int_const(node, node.input[1], "weight")
        group = int(self.attrs(node).get("group", 1))
        if wt.ndim == 3:
            wt = wt[:, :, None, :]
        if wt.ndim != 4:
            raise self.error(node, f"expected a 3-D or 4-D weight, found shape {list(wt.shape)}")
        o, cg, kh, kw = wt.shape
        if cg * group != c:
            raise self.error(node, f"expected weight input channels x group = {c}, found {cg} x {group}")
        win = self.window_attrs(node, x, [kh, kw] if len(x.onnx_shape) == 4 else [kw])
        wt_ohwi = np.ascontiguousarray(wt.transpose(0, 2, 3, 1))
        w_val = self.const_value(node, wt_ohwi, _weight_type(wt_ohwi), node.input[1])
        operands = [x.value, w_val]
        bias = None
        if len(node.input) > 2 and node.input[2]:
            bias = self.int_const(node, node.input[2], "bias")
            if bias.shape != (o,):
                raise self.error(node, f"expected bias of shape [{o}], found {list(bias.shape)}")
            operands.append(self.const_value(node, bias, _weight_type(bias) if _weight_type(bias).width > 32 else SI32, node.input[2]))
        kh_, kw_ = win["kernel"]
        sh, sw = win["strides"]
        dh, dw = win["dilations"]
        pt, pl, pb, pr = win["pads"]
        ho = (h + pt + pb - dh * (kh_ - 1) - 1) // sh + 1
        wo = (w + pl + pr - dw * (kw_ - 1) - 1) // sw + 1
        if ho < 1 or wo < 1:
            raise self.error(node, f"expected a non-empty output, found {ho}x{wo}")
        props: dict[str, Attribute] = {
            "strides": i64_array([sh, sw]),
            "pads": i64_array([pt, pl, pb, pr]),
            "dilations": i64_array([dh, dw]),
        }
        if group != 1:
            props["groups"] = IntegerAttr(group, i64)
        ir_shape = (n, ho, wo, o)
        res = self.emit(node, "qnn.conv2d", TensorType(ir_shape, SI32), operands, props)
        # zero padding makes 0 a possible input
        lo, hi = _dot_range(wt.reshape(o, -1), min(x.lo, 0), max(x.hi, 0), bias)
        self._set(node, 0, IntVal(res, self.feature_onnx_shape(x, ir_shape), x.layout, lo, hi))

    def _linear(self, node: Any, x: IntVal, wmk: np.ndarray, bias: np.ndarray | None, wname: str) -> None:
        if len(x.type.shape) != 2:
            raise self.error(node, f"expected a rank-2 input [N, K] (Flatten first), found shape {list(x.onnx_shape)}")
        nb, k = x.type.shape
        m, kw = wmk.shape
        if kw != k:
            raise self.error(node, f"expected weight with K = {k} input features, found {kw}")
        if x.layout.kind == "flat":
            wmk = wmk[:, x.layout.flat_perm()]
        wmk = np.ascontiguousarray(wmk)
        operands = [x.value, self.const_value(node, wmk, _weight_type(wmk), wname)]
        if bias is not None:
            operands.append(self.const_value(node, bias, SI32 if _weight_type(bias).width <= 32 else _weight_type(bias), node.input[2]))
        res = self.emit(node, "qnn.linear", TensorType((nb, m), SI32), operands, {})
        lo, hi = _dot_range(wmk, x.lo, x.hi, bias)
        self._set(node, 0, IntVal(res, (nb, m), Layout("plain"), lo, hi))

    def op_MatMul(self, node: Any, ins: list[Entry | None]) -> None:
        x = self.integer(node, ins[0])
        w = self.int_const(node, node.input[1], "weight")
        if w.ndim != 2:
            raise self.error(node, f"expected a 2-D weight [K, M], found shape {list(w.shape)}")
        self._linear(node, x, w.T, None, node.input[1])

    def op_Gemm(self, node: Any, ins: list[Entry | None]) -> None:
        a = self.attrs(node)
        if a.get("transA", 0) != 0 or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
            raise self.error(node, f"expected transA=0, alpha=1, beta=1, found transA={a.get('transA', 0)}, alpha={a.get('alpha', 1.0)}, beta={a.get('beta', 1.0)}")
        x = self.integer(node, ins[0])
        w = self.int_const(node, node.input[1], "weight")
        if w.ndim != 2:
            raise self.error(node, f"expected a 2-D weight, found shape {list(w.shape)}")
        wmk = w if a.get("transB", 0) else w.T
        bias = None
        if len(node.input) > 2 and node.input[2]:
            bias = self.int_const(node, node.input[2], "bias").reshape(-1)
            if bias.size == 1:
                bias = np.full(wmk.shape[0], int(bias[0]), dtype=np.int64)
            if bias.shape != (wmk.shape[0],):
                raise self.error(node, f"expected bias of shape [{wmk.shape[0]}], found {list(bias.shape)}")
        self._linear(node, x, wmk, bias, node.input[1])

    def op_Mul(self, node: Any, ins: list[Entry | None]) -> None:
        const, val = self._const_and_value(node, ins)
        p = self._pending_for_update(node, val)
        frac = as_exact_fraction(const.array)
        if frac is None:
            raise self.error(node, f"expected an exact integer (or power-of-two fraction) multiplier, found {_first_non_integer(const.array)!r}")
        num, den = frac
        if p.aff.is_int and den != 1:
            raise self.error(node, "expected an integer multiplier on an int64 tensor, found a fraction")
        p.aff.scale(self.channel_vector(node, num, p, "multiplier"), den)
        self._update(node, p)

    def op_Div(self, node: Any, ins: list[Entry | None]) -> None:
        if not isinstance(ins[1], Const):
            raise self.error(node, "expected a constant divisor, found a computed tensor")
        frac = as_exact_fraction(ins[1].array)
        arr = np.asarray(ins[1].array)
        if frac is None or arr.size != 1:
            raise self.error(node, f"expected a scalar exact divisor, found {arr.reshape(-1)[:4].tolist()} (shape {list(arr.shape)})")
        num, den = int(frac[0].reshape(-1)[0]), frac[1]
        if num <= 0:
            raise self.error(node, f"expected a positive divisor, found {arr.reshape(-1)[0]}")
        p = self._pending_for_update(node, ins[0])
        if p.aff.is_int:
            # int64 Div truncates towards zero: a rounding point
            if den != 1:
                raise self.error(node, "expected an integer divisor on an int64 tensor, found a fraction")
            # _pending_for_update materialised any earlier rounding or clip, and an int64 value
            # is an integer (div 1), so this division is the chain's only rounding point.
            p.aff.div *= num
            p.aff.rounding = "trunc"
        else:
            p.aff.scale(den, num)
        self._update(node, p)

    def op_Add(self, node: Any, ins: list[Entry | None]) -> None:
        a = self.attrs(node)
        if "in1_mul" in a or "out_mul" in a:
            self._quantlab_add(node, ins, a)
            return
        if any(isinstance(e, Const) for e in ins):
            const, val = self._const_and_value(node, ins)
            p = self._pending_for_update(node, val)
            frac = as_exact_fraction(const.array)
            if frac is None:
                raise self.error(node, f"expected an exact integer offset, found {_first_non_integer(const.array)!r}")
            num, den = frac
            p.aff.scale(den, den)  # keep the value, make room for a fractional offset
            vec = self.channel_vector(node, num, p, "offset")
            p.aff.add = p.aff.add + vec * p.aff.div
            self._update(node, p)
            return
        p1 = self._pending_for_update(node, ins[0])
        p2 = self._pending_for_update(node, ins[1])
        if p1.onnx_shape != p2.onnx_shape:
            raise self.error(node, f"expected operands of equal shape, found {list(p1.onnx_shape)} and {list(p2.onnx_shape)}")
        if p1.layout != p2.layout:
            raise self.error(node, "expected operands with the same layout, found a flattened and a feature-map operand")
        l_ = math.lcm(p1.aff.div, p2.aff.div)
        for p in (p1, p2):
            p.aff.scale(l_ // p.aff.div, l_ // p.aff.div)  # same value over the common divisor
        aff = Affine(p1.aff.terms + p2.aff.terms, p1.aff.add + p2.aff.add, l_, None, None, p1.aff.is_int and p2.aff.is_int)
        self._update(node, Pending(aff, p1.onnx_shape, p1.layout, node, node.output[0]))

    def _quantlab_add(self, node: Any, ins: list[Entry | None], a: dict[str, Any]) -> None:
        """QuantLab's DORY adder: each input optionally requantised (``(x*mul + add) >> shift``,
        floor), summed, then optionally requantised again and clipped to ``out_n_levels``."""
        parts: list[IntVal] = []
        for k, e in ((1, ins[0]), (2, ins[1])):
            x = self.integer(node, e)
            if int(a.get(f"in{k}_rq", 1)):
                p = self.pending(x, node)
                p.aff.terms[0].mul = np.array(int(a[f"in{k}_mul"]), np.int64)
                p.aff.add = np.array(int(a[f"in{k}_add"]), np.int64)
                p.aff.div = 1 << int(a[f"in{k}_shift"])
                p.aff.rounding = "floor"
                p.name = f"{node.output[0]}_in{k}"
                x = self.materialise(p)
            parts.append(x)
        s = self.pending(parts[0], node)
        s2 = self.pending(parts[1], node)
        s.aff.terms += s2.aff.terms
        if int(a.get("out_rq", 0)):
            s = self.pending(self.materialise(s), node)
            s.aff.terms[0].mul = np.array(int(a["out_mul"]), np.int64)
            s.aff.add = np.array(int(a["out_add"]), np.int64)
            s.aff.div = 1 << int(a["out_shift"])
            s.aff.rounding = "floor"
        n_levels = int(a.get("out_n_levels", 256))
        s.aff.clip = (0, n_levels - 1)
        s.name = node.output[0]
        self._set(node, 0, s)

    def op_Floor(self, node: Any, ins: list[Entry | None]) -> None:
        p = self._pending_for_update(node, ins[0], allow_rounded=True)
        if not p.aff.is_integer:
            p.aff.rounding = "floor"
        self._update(node, p)

    def op_Cast(self, node: Any, ins: list[Entry | None]) -> None:
        to = int(self.attrs(node).get("to", 1))
        e = ins[0]
        if to not in _ONNX_INT_TYPES | _ONNX_FLOAT_TYPES:
            raise self.error(node, f"expected a cast to an integer or float type, found type {to}")
        if isinstance(e, IntVal):
            self._set(node, 0, e)
            return
        p = self._pending_for_update(node, e, allow_rounded=True)
        if to in _ONNX_INT_TYPES:
            if not p.aff.is_integer:
                p.aff.rounding = "trunc"  # float -> int conversion truncates towards zero
            p.aff.is_int = True
        else:
            p.aff.is_int = False
        self._update(node, p)

    def op_Clip(self, node: Any, ins: list[Entry | None]) -> None:
        a = self.attrs(node)
        lo_f: float | None = a.get("min")
        hi_f: float | None = a.get("max")
        if len(node.input) > 1 and node.input[1]:
            lo_f = float(np.asarray(self._const_input(node, 1, "min").array).reshape(-1)[0])
        if len(node.input) > 2 and node.input[2]:
            hi_f = float(np.asarray(self._const_input(node, 2, "max").array).reshape(-1)[0])
        self._clip(node, ins[0], lo_f, hi_f)

    def op_Relu(self, node: Any, ins: list[Entry | None]) -> None:
        self._clip(node, ins[0], 0.0, None)

    def _clip(self, node: Any, e: Entry | None, lo_f: float | None, hi_f: float | None) -> None:
        p = self._pending_for_update(node, e, allow_rounded=True)
        rlo, rhi = p.aff.value_range()
        lo = math.ceil(lo_f) if lo_f is not None and math.isfinite(lo_f) else None
        hi = math.floor(hi_f) if hi_f is not None and math.isfinite(hi_f) else None
        if (lo_f is not None and math.isfinite(lo_f) and lo != lo_f) or (hi_f is not None and math.isfinite(hi_f) and hi != hi_f):
            if not p.aff.is_integer:
                raise self.error(node, f"expected integer clip bounds on a value that is rounded later, found [{lo_f}, {hi_f}]")
        lo = rlo if lo is None else lo
        hi = rhi if hi is None else hi
        if p.aff.clip is not None:
            lo, hi = max(lo, p.aff.clip[0]), min(hi, p.aff.clip[1])
        if lo > hi:
            raise self.error(node, f"expected min <= max, found [{lo}, {hi}]")
        p.aff.clip = (lo, hi)
        self._update(node, p)

    def op_MaxPool(self, node: Any, ins: list[Entry | None]) -> None:
        x = self.integer(node, ins[0])
        n, h, w, c = self.spatial(node, x, "the MaxPool input")
        a = self.attrs(node)
        if a.get("storage_order", 0) != 0:
            raise self.error(node, f"expected storage_order 0, found {a['storage_order']}")
        win = self.window_attrs(node, x)
        if win["dilations"] != [1, 1]:
            raise self.error(node, f"expected dilations 1, found {win['dilations']}")
        ceil = bool(a.get("ceil_mode", 0))
        ho, wo = _pool_out(h, w, win, ceil)
        props: dict[str, Attribute] = {
            "kernel": i64_array(win["kernel"]),
            "strides": i64_array(win["strides"]),
            "pads": i64_array(win["pads"]),
        }
        if ceil:
            props["ceil_mode"] = BoolAttr(True)
        ir_shape = (n, ho, wo, c)
        res = self.emit(node, "qnn.maxpool", TensorType(ir_shape, x.type.element_type), [x.value], props)
        self._set(node, 0, IntVal(res, self.feature_onnx_shape(x, ir_shape), x.layout, x.lo, x.hi))

    def op_AveragePool(self, node: Any, ins: list[Entry | None]) -> None:
        x = self.integer(node, ins[0])
        n, h, w, c = self.spatial(node, x, "the AveragePool input")
        a = self.attrs(node)
        win = self.window_attrs(node, x)
        ceil = bool(a.get("ceil_mode", 0))
        include_pad = bool(a.get("count_include_pad", 0))
        ho, wo = _pool_out(h, w, win, ceil)
        if ceil or (any(win["pads"]) and not include_pad):
            raise self.error(node, "expected an average pool whose divisor is the same for every window (no ceil_mode, no padding unless count_include_pad=1), found a varying divisor")
        kh, kw = win["kernel"]
        props: dict[str, Attribute] = {
            "kernel": i64_array(win["kernel"]),
            "strides": i64_array(win["strides"]),
            "pads": i64_array(win["pads"]),
            "div": IntegerAttr(1, i64),
        }
        if include_pad:
            props["count_include_pad"] = BoolAttr(True)
        ir_shape = (n, ho, wo, c)
        k = kh * kw
        lo, hi = min(x.lo * k, 0), max(x.hi * k, 0)
        self._check_32(node, lo, hi, "the pooling window sum")
        res = self.emit(node, "qnn.avgpool", TensorType(ir_shape, SI32), [x.value], props)
        s = IntVal(res, self.feature_onnx_shape(x, ir_shape), x.layout, lo, hi)
        p = self.pending(s, node)
        p.aff.div = k  # the average is an exact fraction until the chain rounds it
        self._update(node, p)

    def op_GlobalAveragePool(self, node: Any, ins: list[Entry | None]) -> None:
        x = self.integer(node, ins[0])
        n, h, w, c = self.spatial(node, x, "the GlobalAveragePool input")
        lo, hi = min(x.lo * h * w, 0), max(x.hi * h * w, 0)
        self._check_32(node, lo, hi, "the pooling sum")
        ir_shape = (n, 1, 1, c)
        res = self.emit(node, "qnn.global_avgpool", TensorType(ir_shape, SI32), [x.value], {"div": IntegerAttr(1, i64)})
        s = IntVal(res, self.feature_onnx_shape(x, ir_shape), x.layout, lo, hi)
        p = self.pending(s, node)
        p.aff.div = h * w
        self._update(node, p)

    def op_Pad(self, node: Any, ins: list[Entry | None]) -> None:
        a = self.attrs(node)
        mode = a.get("mode", b"constant")
        mode = mode.decode() if isinstance(mode, bytes) else mode
        if mode != "constant":
            raise self.error(node, f"expected mode 'constant', found '{mode}'")
        pads = a.get("pads")
        value = float(a.get("value", 0.0))
        if len(node.input) > 1 and node.input[1]:
            pads = [int(v) for v in np.asarray(self._const_input(node, 1, "pads").array).reshape(-1)]
        if len(node.input) > 2 and node.input[2]:
            value = float(np.asarray(self._const_input(node, 2, "constant_value").array).reshape(-1)[0])
        x = self.integer(node, ins[0])
        r = len(x.onnx_shape)
        if pads is None or len(pads) != 2 * r:
            raise self.error(node, f"expected {2 * r} pads, found {pads}")
        if any(p < 0 for p in pads):
            raise self.error(node, f"expected non-negative pads, found {list(pads)}")
        if not all(p == 0 for p in pads):
            if value != int(value) or not x.type.element_type.fits(int(value)):
                raise self.error(node, f"expected an integer pad value that fits {x.type.element_type}, found {value}")
            begins, ends = list(pads[:r]), list(pads[r:])
            ir_b, ir_e = _to_ir_axes(x.layout, begins), _to_ir_axes(x.layout, ends)
            if ir_b is None or ir_e is None:
                raise self.error(node, f"expected padding of a feature map or a plain tensor, found layout {x.layout.kind}")
            shape = tuple(d + b + e for d, b, e in zip(x.type.shape, ir_b, ir_e))
            props: dict[str, Attribute] = {"pads": i64_array(ir_b + ir_e)}
            if value:
                props["value"] = IntegerAttr(int(value), i64)
            res = self.emit(node, "qnn.pad", TensorType(shape, x.type.element_type), [x.value], props)
            onnx_shape = tuple(d + b + e for d, b, e in zip(x.onnx_shape, begins, ends))
            x = IntVal(res, onnx_shape, x.layout, min(x.lo, int(value)), max(x.hi, int(value)))
        self._set(node, 0, x)

    def op_Flatten(self, node: Any, ins: list[Entry | None]) -> None:
        axis = int(self.attrs(node).get("axis", 1))
        self._flatten(node, ins[0], axis)

    def _flatten(self, node: Any, e: Entry | None, axis: int) -> None:
        x = self.integer(node, e)
        shape = x.onnx_shape
        if axis < 0:
            axis += len(shape)
        if axis != 1:
            raise self.error(node, f"expected a flatten at axis 1 (keeping the batch), found axis {axis}")
        if x.layout.kind == "plain" and len(shape) == 2:
            self._set(node, 0, x)
            return
        n = shape[0]
        k = int(np.prod(shape[1:]))
        if x.layout.kind in ("nchw", "ncl"):
            _, h, w, c = x.type.shape
            layout = Layout("flat", (c, h, w)) if h * w > 1 and c > 1 else Layout("plain")
        elif x.layout.kind == "plain":
            layout = Layout("plain")
        else:
            raise self.error(node, f"expected a feature map or plain tensor, found layout {x.layout.kind}")
        res = self.emit(node, "qnn.flatten", TensorType((n, k), x.type.element_type), [x.value], {"axis": IntegerAttr(1, i64)})
        self._set(node, 0, IntVal(res, (n, k), layout, x.lo, x.hi))

    def op_Reshape(self, node: Any, ins: list[Entry | None]) -> None:
        target = [int(v) for v in np.asarray(self._const_input(node, 1, "shape").array).reshape(-1)]
        x = self.integer(node, ins[0])
        shape = list(x.onnx_shape)
        total = int(np.prod(shape))
        out = [shape[i] if v == 0 else v for i, v in enumerate(target)]
        if out.count(-1) == 1:
            known = int(np.prod([v for v in out if v != -1]))
            out[out.index(-1)] = total // known if known else 0
        if int(np.prod(out)) != total:
            raise self.error(node, f"expected a reshape keeping {total} elements, found target {target}")
        if out == shape:
            self._set(node, 0, x)
            return
        if len(out) == 2 and out[0] == shape[0]:
            self._flatten(node, x, 1)
            return
        if x.layout.kind == "plain":
            res = self.emit(node, "qnn.reshape", TensorType(tuple(out), x.type.element_type), [x.value], {})
            self._set(node, 0, IntVal(res, tuple(out), Layout("plain"), x.lo, x.hi))
            return
        raise self.error(node, f"expected a layout-only reshape (to [N, -1] or the same shape), found {list(shape)} -> {out}")

    def op_Transpose(self, node: Any, ins: list[Entry | None]) -> None:
        x = self.integer(node, ins[0])
        perm = list(self.attrs(node).get("perm", list(reversed(range(len(x.onnx_shape))))))
        if perm == list(range(len(perm))):
            self._set(node, 0, x)
            return
        if x.layout.kind != "plain":
            raise self.error(node, f"expected a layout-only transpose (identity perm), found perm {perm} on a feature map")
        shape = tuple(x.onnx_shape[p] for p in perm)
        res = self.emit(node, "qnn.transpose", TensorType(shape, x.type.element_type), [x.value], {"perm": i64_array(perm)})
        self._set(node, 0, IntVal(res, shape, Layout("plain"), x.lo, x.hi))

    def op_Concat(self, node: Any, ins: list[Entry | None]) -> None:
        xs = [self.integer(node, e) for e in ins]
        axis = int(self.attrs(node).get("axis", 1))
        r = len(xs[0].onnx_shape)
        if axis < 0:
            axis += r
        lay = xs[0].layout
        if any(x.layout != lay for x in xs) or any(x.type.element_type != xs[0].type.element_type for x in xs):
            raise self.error(node, "expected inputs with the same layout and element type, found " + ", ".join(str(x.type) for x in xs))
        ir_axis = {"nchw": [0, 3, 1, 2], "ncl": [0, 3, 2], "plain": list(range(r))}.get(lay.kind, [None] * r)[axis]
        if ir_axis is None:
            raise self.error(node, "expected to concatenate feature maps or plain tensors, found flattened feature maps")
        shape = list(xs[0].type.shape)
        shape[ir_axis] = sum(x.type.shape[ir_axis] for x in xs)
        onnx_shape = list(xs[0].onnx_shape)
        onnx_shape[axis] = sum(x.onnx_shape[axis] for x in xs)
        res = self.emit(node, "qnn.concat", TensorType(tuple(shape), xs[0].type.element_type), [x.value for x in xs], {"axis": IntegerAttr(ir_axis, i64)})
        self._set(node, 0, IntVal(res, tuple(onnx_shape), lay, min(x.lo for x in xs), max(x.hi for x in xs)))

    def op_Identity(self, node: Any, ins: list[Entry | None]) -> None:
        self._set(node, 0, ins[0])  # type: ignore[arg-type]

    op_Dropout = op_Identity

    # -- chain helpers -------------------------------------------------------------------------
    def _const_input(self, node: Any, idx: int, what: str) -> Const:
        e = self.env.get(node.input[idx])
        if not isinstance(e, Const):
            raise self.error(node, f"expected a constant {what}, found a computed tensor")
        return e

    def _const_and_value(self, node: Any, ins: list[Entry | None]) -> tuple[Const, Entry]:
        if len(ins) != 2:
            raise self.error(node, f"expected 2 inputs, found {len(ins)}")
        a, b = ins
        if isinstance(a, Const) and not isinstance(b, Const):
            return a, b  # type: ignore[return-value]
        if isinstance(b, Const) and not isinstance(a, Const):
            return b, a  # type: ignore[return-value]
        raise self.error(node, "expected one constant and one activation operand, found two activations (elementwise product of activations is not an integer requantization)")

    def _pending_for_update(self, node: Any, e: Entry | None, allow_rounded: bool = False) -> Pending:
        if isinstance(e, Host):
            self.integer(node, e)  # raises the "float op inside" error
        if not isinstance(e, (IntVal, Pending)):
            raise self.error(node, "expected an activation input, found none")
        if not allow_rounded and isinstance(e, Pending) and (e.aff.rounding is not None or e.aff.clip is not None):
            # Arithmetic after a rounding point or a clip: materialise what we have first (the
            # env's own Pending, so every consumer of that tensor shares the materialised ops).
            p = self.pending(self.materialise(e), node)
            p.aff.is_int = e.aff.is_int
            return p
        return self.pending(e, node)

    def _update(self, node: Any, p: Pending) -> None:
        p.node = node
        p.name = node.output[0]
        self._set(node, 0, p)

    # -- outputs -------------------------------------------------------------------------------
    def _outputs(self) -> list[IntVal]:
        g = self.model.graph
        results: list[IntVal] = []
        seen: set[int] = set()

        def add(e: IntVal | Pending) -> None:
            x = e if isinstance(e, IntVal) else self.materialise(e)
            if id(x.value) not in seen:
                seen.add(id(x.value))
                results.append(x)

        host_outputs = False
        for out in g.output:
            e = self.env.get(out.name)
            if isinstance(e, Host):
                host_outputs = True
                continue
            if isinstance(e, (IntVal, Pending)):
                add(e)
        if self.host_nodes:
            for hn in self.host_nodes:
                for name in hn.input:
                    e = self.env.get(name)
                    if isinstance(e, (IntVal, Pending)):
                        add(e)
            names = ", ".join(n.name or n.op_type for n in self.host_nodes)
            outs = ", ".join(f"'{r.value.name_hint}' ({r.type})" for r in results)
            self.warn(f"warning: {self.filename}: left {len(self.host_nodes)} float post-processing ops to the host: {names}; the network output is {outs}")
        if not results:
            raise self.error(None, "expected at least one integer network output, found none" + (" (every output is float post-processing)" if host_outputs else ""))
        return results


def _dot_range(w: np.ndarray, xlo: int, xhi: int, bias: np.ndarray | None) -> tuple[int, int]:
    """Exact bounds of ``w @ x + bias`` over all outputs (rows of ``w``) for ``x`` in [xlo, xhi]."""
    pos = np.maximum(w, 0).sum(axis=1).astype(object)
    neg = np.minimum(w, 0).sum(axis=1).astype(object)
    b = bias.astype(object) if bias is not None else np.zeros(w.shape[0], dtype=object)
    return int(np.min(pos * xlo + neg * xhi + b)), int(np.max(pos * xhi + neg * xlo + b))


def _pool_out(h: int, w: int, win: dict[str, list[int]], ceil: bool) -> tuple[int, int]:
    kh, kw = win["kernel"]
    sh, sw = win["strides"]
    pt, pl, pb, pr = win["pads"]

    def one(size: int, k: int, s: int, p0: int, p1: int) -> int:
        span = size + p0 + p1 - k
        if ceil:
            o = -(-span // s) + 1
            if (o - 1) * s >= size + p0:  # last window must start inside the input (ONNX)
                o -= 1
            return o
        return span // s + 1

    return one(h, kh, sh, pt, pb), one(w, kw, sw, pl, pr)


def _to_ir_axes(layout: Layout, per_onnx_axis: list[int]) -> list[int] | None:
    if layout.kind == "nchw":
        n, c, h, w = per_onnx_axis
        return [n, h, w, c]
    if layout.kind == "ncl":
        n, c, l_ = per_onnx_axis
        return [n, 0, l_, c]
    if layout.kind == "plain":
        return list(per_onnx_axis)
    return None


def _int_or_dense(v: np.ndarray) -> Attribute:
    v = np.asarray(v, dtype=np.int64)
    if v.ndim == 0 or bool(np.all(v == v.reshape(-1)[0])):
        return IntegerAttr(int(v.reshape(-1)[0]), i64)
    t = IntegerType(32, "signed")
    if not (t.fits(int(v.min())) and t.fits(int(v.max()))):
        t = IntegerType(64, "signed")
    return DenseAttr.from_array(v, t)


def _first_non_integer(a: np.ndarray) -> Any:
    flat = np.asarray(a).reshape(-1)
    for v in flat:
        if isinstance(v, (float, np.floating)) and (not math.isfinite(float(v)) or float(v) != round(float(v))):
            return float(v)
    return flat[0].item() if flat.size else None


# Constant folding (shape arithmetic and constant subgraphs), numpy semantics.
def _fold_unsqueeze(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    axes = imp.attrs(node).get("axes")
    if axes is None and len(xs) > 1:
        axes = [int(v) for v in xs[1].reshape(-1)]
    out = xs[0]
    r = out.ndim + len(axes)
    for ax in sorted(a % r for a in axes):
        out = np.expand_dims(out, ax)
    return out


def _fold_squeeze(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    axes = imp.attrs(node).get("axes")
    if axes is None and len(xs) > 1:
        axes = [int(v) for v in xs[1].reshape(-1)]
    return np.squeeze(xs[0], axis=tuple(axes) if axes is not None else None)


def _fold_cast(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    from onnx import helper

    to = int(imp.attrs(node).get("to", 1))
    return xs[0].astype(helper.tensor_dtype_to_np_dtype(to))


def _fold_div(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    a, b = xs
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        q = np.abs(a) // np.abs(b)
        return (np.sign(a) * np.sign(b) * q).astype(a.dtype)
    return a / b


_FOLDABLE: dict[str, Callable[[OnnxImporter, Any, list[np.ndarray]], np.ndarray]] = {
    "Gather": lambda imp, n, xs: np.take(xs[0], xs[1], axis=int(imp.attrs(n).get("axis", 0))),
    "Unsqueeze": _fold_unsqueeze,
    "Squeeze": _fold_squeeze,
    "Concat": lambda imp, n, xs: np.concatenate([np.atleast_1d(x) for x in xs], axis=int(imp.attrs(n).get("axis", 0))),
    "Cast": _fold_cast,
    "Mul": lambda imp, n, xs: xs[0] * xs[1],
    "Add": lambda imp, n, xs: xs[0] + xs[1],
    "Sub": lambda imp, n, xs: xs[0] - xs[1],
    "Div": _fold_div,
    "Floor": lambda imp, n, xs: np.floor(xs[0]),
    "Reshape": lambda imp, n, xs: xs[0].reshape([int(v) for v in xs[1].reshape(-1)]),
    "Identity": lambda imp, n, xs: xs[0],
    "Transpose": lambda imp, n, xs: np.transpose(xs[0], imp.attrs(n).get("perm")),
}

SUPPORTED_OPS = {
    "Conv", "Gemm", "MatMul", "Mul", "Div", "Add", "Floor", "Cast", "Clip", "Relu", "MaxPool",
    "AveragePool", "GlobalAveragePool", "Pad", "Flatten", "Reshape", "Transpose", "Concat",
    "Identity", "Dropout", "Constant", "Shape",
} | _HOST_OPS


def import_onnx(path: str, input_type: str | None = None, warn: Callable[[str], None] | None = None) -> ModuleOp:
    """Load ``path`` and import it; raises `OnnxImportError` (located) on any problem."""
    import onnx

    try:
        model = onnx.load(path)
    except FileNotFoundError:
        raise OnnxImportError(Location(path), "cannot read ONNX model: file not found") from None
    except Exception as e:  # protobuf decode errors have many types
        raise OnnxImportError(Location(path), f"cannot read ONNX model: expected a valid ONNX protobuf, found corrupt or truncated data ({type(e).__name__})") from None
    if not model.graph.node:
        raise OnnxImportError(Location(path), "expected an ONNX graph with nodes, found an empty graph (corrupt or truncated file?)")
    et = None
    if input_type is not None:
        try:
            et = parse_int_type(input_type)
        except ValueError:
            raise OnnxImportError(Location(path), f"--input-type: expected an integer type like ui8 or si8, found '{input_type}'") from None
    return OnnxImporter(model, path, et, warn).run()
