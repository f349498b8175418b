"""Converters of the pools. Average pools become the exact window sum (``div = 1``, si32) with
the division by the window size left pending in the following chain, so a NEMO
``AveragePool Mul Div Floor`` rounds once, exactly."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dory.dory_ir.attributes import Attribute, BoolAttr, IntegerAttr, i64_array
from dory.dory_ir.dialects.qnn import AvgPoolOp, GlobalAvgPoolOp, MaxPoolOp, pool_output_hw
from dory.dory_ir.types import TensorType, i64
from dory.frontend.onnx_convert.window import spatial, window_attrs
from dory.frontend.registry import converter
from dory.frontend.requant import check_32
from dory.frontend.values import SI32, Entry, IntVal

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


@converter("MaxPool", layer=True)
def convert_maxpool(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """MaxPool (no dilation, row-major indices) -> ``qnn.maxpool``; the value range is kept."""
    x = imp.integer(node, ins[0])
    n, h, w, c = spatial(imp, node, x, "the MaxPool input")
    a = imp.attrs(node)
    if a.get("storage_order", 0) != 0:
        raise imp.error(node, f"expected storage_order 0, found {a['storage_order']}")
    win = window_attrs(imp, node, x)
    if win["dilations"] != [1, 1]:
        raise imp.error(node, f"expected dilations 1, found {win['dilations']}")
    ceil = bool(a.get("ceil_mode", 0))
    ho, wo = pool_output_hw((h, w), win["kernel"], win["strides"], win["pads"], ceil)
    props: dict[str, Attribute] = {
        "kernel": i64_array(win["kernel"]),
        "strides": i64_array(win["strides"]),
        "pads": i64_array(win["pads"]),
    }
    if ceil:
        props["ceil_mode"] = BoolAttr(True)
    ir_shape = (n, ho, wo, c)
    res = imp.emit(node, MaxPoolOp, TensorType(ir_shape, x.type.element_type), [x.value], props)
    imp.bind(node, IntVal(res, x.layout.feature_onnx_shape(ir_shape), x.layout, x.lo, x.hi))


@converter("AveragePool", layer=True)
def convert_avgpool(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """AveragePool with the same divisor for every window -> window sum ``qnn.avgpool {div = 1}``
    and a pending division by the window size."""
    x = imp.integer(node, ins[0])
    n, h, w, c = spatial(imp, node, x, "the AveragePool input")
    a = imp.attrs(node)
    win = window_attrs(imp, node, x)
    ceil = bool(a.get("ceil_mode", 0))
    include_pad = bool(a.get("count_include_pad", 0))
    ho, wo = pool_output_hw((h, w), win["kernel"], win["strides"], win["pads"], ceil)
    if ceil or (any(win["pads"]) and not include_pad):
        raise imp.error(node, "expected an average pool whose divisor is the same for every window (no ceil_mode, no padding unless count_include_pad=1), found a varying divisor")
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
    check_32(imp, node, lo, hi, "the pooling window sum")
    res = imp.emit(node, AvgPoolOp, TensorType(ir_shape, SI32), [x.value], props)
    s = IntVal(res, x.layout.feature_onnx_shape(ir_shape), x.layout, lo, hi)
    p = imp.pending(s, node)
    p.aff.div = k  # the average is an exact fraction until the chain rounds it
    imp.bind(node, p)


@converter("GlobalAveragePool", layer=True)
def convert_global_avgpool(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """GlobalAveragePool -> sum ``qnn.global_avgpool {div = 1}`` and a pending division by H*W."""
    x = imp.integer(node, ins[0])
    n, h, w, c = spatial(imp, node, x, "the GlobalAveragePool input")
    lo, hi = min(x.lo * h * w, 0), max(x.hi * h * w, 0)
    check_32(imp, node, lo, hi, "the pooling sum")
    ir_shape = (n, 1, 1, c)
    res = imp.emit(node, GlobalAvgPoolOp, TensorType(ir_shape, SI32), [x.value], {"div": IntegerAttr(1, i64)})
    s = IntVal(res, x.layout.feature_onnx_shape(ir_shape), x.layout, lo, hi)
    p = imp.pending(s, node)
    p.aff.div = h * w
    imp.bind(node, p)
