"""Constants: ``Constant`` nodes, ``Shape`` of an activation (static shapes), and the constant
folders of shape arithmetic and constant subgraphs (numpy semantics). A folder only runs when
every input is a constant; folding an op does not make it supported on activations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from dory.frontend.registry import converter, folder
from dory.frontend.values import Const, Entry, IntVal, Pending

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


@converter("Constant")
def convert_constant(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """A ``Constant`` node's value (any of its ``value*`` attributes)."""
    from dory.frontend.onnx_proto import to_array

    for a in node.attribute:
        if a.name == "value":
            arr = to_array(a.t)
        elif a.name == "value_float":
            arr = np.array(a.f, dtype=np.float32)
        elif a.name == "value_int":
            arr = np.array(a.i, dtype=np.int64)
        elif a.name == "value_floats":
            arr = np.array(list(a.floats), dtype=np.float32)
        elif a.name == "value_ints":
            arr = np.array(list(a.ints), dtype=np.int64)
        else:
            continue
        imp.bind(node, Const(arr))
        return
    raise imp.error(node, "expected a 'value' attribute, found none")


@converter("Shape")
def convert_shape(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """The static ONNX shape of an activation, as an int64 constant."""
    e = ins[0]
    if not isinstance(e, (IntVal, Pending)):
        # The Shape of a constant has no folder; reported as an unsupported use, as before.
        raise imp.unsupported(node)
    imp.bind(node, Const(np.array(e.onnx_shape, dtype=np.int64)))


def _axes(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> Any:
    """``axes`` of (Un)Squeeze: the attribute (opset < 13) or the second input."""
    axes = imp.attrs(node).get("axes")
    if axes is None and len(xs) > 1:
        axes = [int(v) for v in xs[1].reshape(-1)]
    return axes


@folder("Unsqueeze")
def fold_unsqueeze(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Insert the ``axes`` (of the output rank)."""
    axes = _axes(imp, node, xs)
    out = xs[0]
    r = out.ndim + len(axes)
    for ax in sorted(a % r for a in axes):
        out = np.expand_dims(out, ax)
    return out


@folder("Squeeze")
def fold_squeeze(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Drop the ``axes`` (every size-1 axis without them)."""
    axes = _axes(imp, node, xs)
    return np.squeeze(xs[0], axis=tuple(axes) if axes is not None else None)


@folder("Cast")
def fold_cast(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """numpy ``astype`` to the ONNX element type ``to``."""
    from onnx import helper

    to = int(imp.attrs(node).get("to", 1))
    dtype = np.dtype(helper.tensor_dtype_to_np_dtype(to))
    x = xs[0]
    if dtype.kind in "iub" and x.dtype.kind == "f" and x.size:
        # float -> int of NaN, inf or an out-of-range value is undefined in ONNX (numpy warns and
        # gives garbage): the model's error, not a constant to compute with
        info = np.iinfo(dtype) if dtype.kind != "b" else None
        bad = ~np.isfinite(x) if info is None else ~(np.isfinite(x) & (x >= info.min) & (x <= info.max))
        if bool(np.any(bad)):
            raise imp.error(node, f"expected values representable in {dtype}, found {x.reshape(-1)[np.argmax(bad.reshape(-1))]}")
    return x.astype(dtype)


@folder("Div")
def fold_div(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Integer division truncates towards zero (ONNX), float division is exact."""
    a, b = xs
    if a.dtype.kind in "iu" and b.dtype.kind in "iu":
        if bool(np.any(b == 0)):
            raise imp.error(node, "expected a non-zero integer divisor, found 0")
        q = np.abs(a) // np.abs(b)
        return (np.sign(a) * np.sign(b) * q).astype(a.dtype)
    return a / b


@folder("Gather")
def fold_gather(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """``np.take`` along ``axis``."""
    return np.take(xs[0], xs[1], axis=int(imp.attrs(node).get("axis", 0)))


@folder("Concat")
def fold_concat(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Concatenation along ``axis`` (scalars as 1-element vectors)."""
    return np.concatenate([np.atleast_1d(x) for x in xs], axis=int(imp.attrs(node).get("axis", 0)))


@folder("Mul")
def fold_mul(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Elementwise product."""
    return xs[0] * xs[1]


@folder("Add")
def fold_add(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Elementwise sum."""
    return xs[0] + xs[1]


@folder("Sub")
def fold_sub(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Elementwise difference."""
    return xs[0] - xs[1]


@folder("Floor")
def fold_floor(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Elementwise floor."""
    return np.floor(xs[0])


@folder("Reshape")
def fold_reshape(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """Reshape to the (constant) shape input."""
    return xs[0].reshape([int(v) for v in xs[1].reshape(-1)])


@folder("Identity")
def fold_identity(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """The input."""
    return xs[0]


@folder("Transpose")
def fold_transpose(imp: OnnxImporter, node: Any, xs: list[np.ndarray]) -> np.ndarray:
    """``np.transpose`` by ``perm`` (reversed axes without it)."""
    return np.transpose(xs[0], imp.attrs(node).get("perm"))
