"""Converters of the integer layers with constant weights: Conv (-> ``qnn.conv2d``, weights OIHW
-> OHWI) and Gemm/MatMul (-> ``qnn.linear``, weight columns permuted after a Flatten of a
feature map). Outputs are si32 with their exact value range."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dory.dory_ir.attributes import Attribute, IntegerAttr, i64_array
from dory.dory_ir.dialects.qnn import Conv2dOp, LinearOp, conv_output_hw
from dory.dory_ir.types import TensorType, i64
from dory.frontend.onnx_convert.window import spatial, window_attrs
from dory.frontend.registry import converter
from dory.frontend.values import SI32, Entry, IntVal, Layout, bias_type, dot_range, weight_type

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


@converter("Conv", layer=True)
def convert_conv(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Conv (1-D or 2-D, grouped, strided, dilated, zero-padded) -> ``qnn.conv2d``."""
    x = imp.integer(node, ins[0])
    wt = imp.int_const(node, node.input[1], "weight")
    bias = None
    if len(node.input) > 2 and node.input[2]:
        bias = imp.int_const(node, node.input[2], "bias")
    conv_layer(imp, node, x, wt, bias, node.input[1], node.input[2] if bias is not None else "")


def conv_layer(imp: OnnxImporter, node: Any, x: IntVal, wt: np.ndarray, bias: np.ndarray | None, wname: str, bname: str) -> None:
    """``qnn.conv2d`` of ``x`` by the OIHW (or OIL) integer weight ``wt`` with ``bias``, the
    node's attributes (group, strides, pads, dilations); binds the si32 result with its range."""
    n, h, w, c = spatial(imp, node, x, "the Conv input")
    group = int(imp.attrs(node).get("group", 1))
    if wt.ndim == 3:
        wt = wt[:, :, None, :]
    if wt.ndim != 4:
        raise imp.error(node, f"expected a 3-D or 4-D weight, found shape {list(wt.shape)}")
    o, cg, kh, kw = wt.shape
    if cg * group != c:
        raise imp.error(node, f"expected weight input channels x group = {c}, found {cg} x {group}")
    win = window_attrs(imp, node, x, [kh, kw] if len(x.onnx_shape) == 4 else [kw])
    wt_ohwi = np.ascontiguousarray(wt.transpose(0, 2, 3, 1))
    w_val = imp.const_value(node, wt_ohwi, weight_type(wt_ohwi), wname)
    operands = [x.value, w_val]
    if bias is not None:
        if bias.shape != (o,):
            raise imp.error(node, f"expected bias of shape [{o}], found {list(bias.shape)}")
        operands.append(imp.const_value(node, bias, bias_type(bias), bname))
    ho, wo = conv_output_hw((h, w), win["kernel"], win["strides"], win["pads"], win["dilations"])
    if ho < 1 or wo < 1:
        raise imp.error(node, f"expected a non-empty output, found {ho}x{wo}")
    props: dict[str, Attribute] = {
        "strides": i64_array(win["strides"]),
        "pads": i64_array(win["pads"]),
        "dilations": i64_array(win["dilations"]),
    }
    if group != 1:
        props["groups"] = IntegerAttr(group, i64)
    ir_shape = (n, ho, wo, o)
    res = imp.emit(node, Conv2dOp, TensorType(ir_shape, SI32), operands, props)
    # zero padding makes 0 a possible input
    lo, hi = dot_range(wt.reshape(o, -1), min(x.lo, 0), max(x.hi, 0), bias)
    imp.bind(node, IntVal(res, x.layout.feature_onnx_shape(ir_shape), x.layout, lo, hi))


def linear_layer(imp: OnnxImporter, node: Any, x: IntVal, wmk: np.ndarray, bias: np.ndarray | None, wname: str, bname: str = "") -> None:
    """``qnn.linear`` of ``x`` with an ``M x K`` weight in ONNX feature order (``bias`` named
    ``bname``, default the node's third input)."""
    if len(x.type.shape) != 2:
        raise imp.error(node, f"expected a rank-2 input [N, K] (Flatten first), found shape {list(x.onnx_shape)}")
    nb, k = x.type.shape
    m, kw = wmk.shape
    if kw != k:
        raise imp.error(node, f"expected weight with K = {k} input features, found {kw}")
    if x.layout.kind == "flat":
        wmk = wmk[:, x.layout.flat_perm()]
    wmk = np.ascontiguousarray(wmk)
    operands = [x.value, imp.const_value(node, wmk, weight_type(wmk), wname)]
    if bias is not None:
        operands.append(imp.const_value(node, bias, bias_type(bias), bname or node.input[2]))
    res = imp.emit(node, LinearOp, TensorType((nb, m), SI32), operands, {})
    lo, hi = dot_range(wmk, x.lo, x.hi, bias)
    imp.bind(node, IntVal(res, (nb, m), Layout("plain"), lo, hi))


@converter("MatMul", layer=True)
def convert_matmul(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """MatMul by a constant ``K x M`` weight -> ``qnn.linear``."""
    x = imp.integer(node, ins[0])
    w = imp.int_const(node, node.input[1], "weight")
    if w.ndim != 2:
        raise imp.error(node, f"expected a 2-D weight [K, M], found shape {list(w.shape)}")
    linear_layer(imp, node, x, w.T, None, node.input[1])


@converter("Gemm", layer=True)
def convert_gemm(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Gemm (``transA = 0``, ``alpha = beta = 1``) with constant weight and bias -> ``qnn.linear``."""
    a = imp.attrs(node)
    if a.get("transA", 0) != 0 or a.get("alpha", 1.0) != 1.0 or a.get("beta", 1.0) != 1.0:
        raise imp.error(node, f"expected transA=0, alpha=1, beta=1, found transA={a.get('transA', 0)}, alpha={a.get('alpha', 1.0)}, beta={a.get('beta', 1.0)}")
    x = imp.integer(node, ins[0])
    w = imp.int_const(node, node.input[1], "weight")
    if w.ndim != 2:
        raise imp.error(node, f"expected a 2-D weight, found shape {list(w.shape)}")
    wmk = w if a.get("transB", 0) else w.T
    bias = None
    if len(node.input) > 2 and node.input[2]:
        bias = imp.int_const(node, node.input[2], "bias").reshape(-1)
        if bias.size == 1:
            bias = np.full(wmk.shape[0], int(bias[0]), dtype=np.int64)
        if bias.shape != (wmk.shape[0],):
            raise imp.error(node, f"expected bias of shape [{wmk.shape[0]}], found {list(bias.shape)}")
    linear_layer(imp, node, x, wmk, bias, node.input[1])
