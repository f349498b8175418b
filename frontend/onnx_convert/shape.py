"""Converters of the data-movement ops: Pad (-> ``qnn.pad``), Flatten and Reshape to ``[N, -1]``
(-> ``qnn.flatten``, keeping the IR's HWC order), other reshapes and transposes of plain tensors,
Concat, and the identities (Identity, Dropout, identity Transpose/Reshape)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dory.dory_ir.attributes import Attribute, IntegerAttr, i64_array
from dory.dory_ir.dialects.qnn import ConcatOp, FlattenOp, PadOp, ReshapeOp, TransposeOp, flatten_shape, is_permutation, normalize_axis, pad_shape
from dory.dory_ir.types import TensorType, i64
from dory.frontend.registry import converter
from dory.frontend.values import Entry, IntVal, Layout

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


@converter("Pad", layer=True)
def convert_pad(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Constant-mode Pad (pads from the attribute or a constant input) -> ``qnn.pad`` in IR axis
    order; all-zero pads are dropped."""
    a = imp.attrs(node)
    mode = a.get("mode", b"constant")
    mode = mode.decode() if isinstance(mode, bytes) else mode
    if mode != "constant":
        raise imp.error(node, f"expected mode 'constant', found '{mode}'")
    pads = a.get("pads")
    value = float(a.get("value", 0.0))
    if len(node.input) > 1 and node.input[1]:
        pads = [int(v) for v in np.asarray(imp.const_input(node, 1, "pads").array).reshape(-1)]
    if len(node.input) > 2 and node.input[2]:
        value = float(np.asarray(imp.const_input(node, 2, "constant_value").array).reshape(-1)[0])
    x = imp.integer(node, ins[0])
    r = len(x.onnx_shape)
    if pads is None or len(pads) != 2 * r:
        raise imp.error(node, f"expected {2 * r} pads, found {pads}")
    if any(p < 0 for p in pads):
        raise imp.error(node, f"expected non-negative pads, found {list(pads)}")
    if not all(p == 0 for p in pads):
        if value != int(value) or not x.type.element_type.fits(int(value)):
            raise imp.error(node, f"expected an integer pad value that fits {x.type.element_type}, found {value}")
        begins, ends = list(pads[:r]), list(pads[r:])
        ir_b, ir_e = x.layout.to_ir_axes(begins), x.layout.to_ir_axes(ends)
        if ir_b is None or ir_e is None:
            raise imp.error(node, f"expected padding of a feature map or a plain tensor, found layout {x.layout.kind}")
        shape = pad_shape(x.type.shape, ir_b + ir_e)
        props: dict[str, Attribute] = {"pads": i64_array(ir_b + ir_e)}
        if value:
            props["value"] = IntegerAttr(int(value), i64)
        res = imp.emit(node, PadOp, TensorType(shape, x.type.element_type), [x.value], props)
        onnx_shape = pad_shape(x.onnx_shape, begins + ends)
        x = IntVal(res, onnx_shape, x.layout, min(x.lo, int(value)), max(x.hi, int(value)))
    imp.bind(node, x)


@converter("Flatten")
def convert_flatten(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Flatten at axis 1."""
    axis = int(imp.attrs(node).get("axis", 1))
    _flatten(imp, node, ins[0], axis)


def _flatten(imp: OnnxImporter, node: Any, e: Entry | None, axis: int) -> None:
    """``[N, ...] -> [N, K]``: a feature map keeps the IR's HWC order (layout "flat"), whose
    order the next Gemm/MatMul undoes on its weight."""
    x = imp.integer(node, e)
    shape = x.onnx_shape
    axis = normalize_axis(axis, len(shape))
    if axis != 1:
        raise imp.error(node, f"expected a flatten at axis 1 (keeping the batch), found axis {axis}")
    if x.layout.kind == "plain" and len(shape) == 2:
        imp.bind(node, x)
        return
    n, k = flatten_shape(shape, 1)
    if x.layout.kind in ("nchw", "ncl"):
        _, h, w, c = x.type.shape
        # With one channel or one pixel HWC and CHW orders coincide: no permutation needed.
        layout = Layout("flat", (c, h, w)) if h * w > 1 and c > 1 else Layout("plain")
    elif x.layout.kind == "plain":
        layout = Layout("plain")
    else:
        raise imp.error(node, f"expected a feature map or plain tensor, found layout {x.layout.kind}")
    res = imp.emit(node, FlattenOp, TensorType((n, k), x.type.element_type), [x.value], {"axis": IntegerAttr(1, i64)})
    imp.bind(node, IntVal(res, (n, k), layout, x.lo, x.hi))


@converter("Reshape")
def convert_reshape(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Reshape to a constant shape: the same shape (identity), ``[N, -1]`` (a Flatten), or any
    shape of a plain tensor."""
    target = [int(v) for v in np.asarray(imp.const_input(node, 1, "shape").array).reshape(-1)]
    x = imp.integer(node, ins[0])
    shape = list(x.onnx_shape)
    total = int(np.prod(shape))
    if any(v == 0 and i >= len(shape) for i, v in enumerate(target)) or any(v < -1 for v in target) or target.count(-1) > 1:
        shown = str(target[:8])[:-1] + (", ...]" if len(target) > 8 else "]")
        raise imp.error(node, f"expected a target shape of sizes, 0 (keep, within rank {len(shape)}) and at most one -1, found {shown} ({len(target)} values)")
    out = [shape[i] if v == 0 else v for i, v in enumerate(target)]
    if out.count(-1) == 1:
        known = int(np.prod([v for v in out if v != -1]))
        out[out.index(-1)] = total // known if known else 0
    if int(np.prod(out)) != total:
        raise imp.error(node, f"expected a reshape keeping {total} elements, found target {str(target[:8])[:-1] + (', ...]' if len(target) > 8 else ']')}")
    if out == shape:
        imp.bind(node, x)
        return
    if len(out) == 2 and out[0] == shape[0]:
        _flatten(imp, node, x, 1)
        return
    if x.layout.kind == "plain":
        res = imp.emit(node, ReshapeOp, TensorType(tuple(out), x.type.element_type), [x.value], {})
        imp.bind(node, IntVal(res, tuple(out), Layout("plain"), x.lo, x.hi))
        return
    raise imp.error(node, f"expected a layout-only reshape (to [N, -1] or the same shape), found {list(shape)} -> {out}")


@converter("Transpose")
def convert_transpose(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """An identity Transpose, or any transpose of a plain tensor (-> ``qnn.transpose``)."""
    x = imp.integer(node, ins[0])
    rank = len(x.onnx_shape)
    perm = [int(p) for p in imp.attrs(node).get("perm", list(reversed(range(rank))))]
    if not is_permutation(perm, rank):
        # Checked before anything indexes the shape with it: a bad perm is the model's error.
        raise imp.error(node, f"expected perm to be a permutation of 0..{rank - 1}, found {perm}")
    if perm == list(range(rank)):
        imp.bind(node, x)
        return
    if x.layout.kind != "plain":
        raise imp.error(node, f"expected a layout-only transpose (identity perm), found perm {perm} on a feature map")
    shape = tuple(x.onnx_shape[p] for p in perm)
    res = imp.emit(node, TransposeOp, TensorType(shape, x.type.element_type), [x.value], {"perm": i64_array(perm)})
    imp.bind(node, IntVal(res, shape, Layout("plain"), x.lo, x.hi))


@converter("Concat")
def convert_concat(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Concat of feature maps or plain tensors of one layout and element type -> ``qnn.concat``
    on the corresponding IR axis."""
    xs = [imp.integer(node, e) for e in ins]
    axis = int(imp.attrs(node).get("axis", 1))
    r = len(xs[0].onnx_shape)
    axis = normalize_axis(axis, r)
    lay = xs[0].layout
    if any(x.layout != lay for x in xs) or any(x.type.element_type != xs[0].type.element_type for x in xs):
        raise imp.error(node, "expected inputs with the same layout and element type, found " + ", ".join(str(x.type) for x in xs))
    ir_axis = lay.ir_axis(axis, r)
    if ir_axis is None:
        raise imp.error(node, "expected to concatenate feature maps or plain tensors, found flattened feature maps")
    shape = list(xs[0].type.shape)
    shape[ir_axis] = sum(x.type.shape[ir_axis] for x in xs)
    onnx_shape = list(xs[0].onnx_shape)
    onnx_shape[axis] = sum(x.onnx_shape[axis] for x in xs)
    res = imp.emit(node, ConcatOp, TensorType(tuple(shape), xs[0].type.element_type), [x.value for x in xs], {"axis": IntegerAttr(ir_axis, i64)})
    imp.bind(node, IntVal(res, tuple(onnx_shape), lay, min(x.lo for x in xs), max(x.hi for x in xs)))


@converter("Identity", "Dropout")
def convert_identity(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """Identity and (inference-mode) Dropout pass their input through."""
    imp.bind(node, ins[0])  # type: ignore[arg-type]
