"""Checks of an ONNX model before the importer converts it: whatever a file holds, a problem is one
located `OnnxImportError` (file, node name and op type or initializer / graph input name, expected
vs found), never an exception from a converter or numpy.

`check_model` runs once where the import starts: every initializer
(element type, dims, data size vs dims) and the graph inputs' sizes. `check_node` runs on each
node before it is folded or converted:
- against its standard ONNX schema (`frontend.onnx_schemas`, a generated copy of ``onnx.defs``),
  taken over all versions of the op (`schema`: the converters accept every version's form whatever
  the model's opset): input and output counts, required inputs and attributes present, and the type
  of every attribute a version defines. Attributes no schema knows are left alone (QuantLab adds
  ``weight_bits`` and friends), except the QuantLab adder's, which its converter reads
  (`CUSTOM_ATTRS`). Nodes of other domains are left to their converter;
- value ranges the converters rely on (`VALUE_CHECKS`): windows (kernel, strides, dilations >= 1,
  pads >= 0), Conv ``group`` >= 1, finite Pad values, Clip bounds that are scalars, not NaN and
  within 64 bits (the exact range arithmetic of `frontend.affine`), Cast targets, axes within the
  input's rank, and every tensor attribute (a Constant's value) as an initializer.
`check_shape` bounds every tensor the importer creates (`OnnxImporter.emit`); `check_results`
rejects a network whose output is its input (an app with no layer).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from dory.dory_ir.diagnostics import Location
from dory.frontend.onnx_schemas import SCHEMAS
from dory.frontend.values import Const, Entry, IntVal, Pending

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter

ATTR_TYPES = {0: "UNDEFINED", 1: "FLOAT", 2: "INT", 3: "STRING", 4: "TENSOR", 5: "GRAPH", 6: "FLOATS", 7: "INTS",
              8: "STRINGS", 9: "TENSORS", 10: "GRAPHS", 11: "SPARSE_TENSOR", 12: "SPARSE_TENSORS", 13: "TYPE_PROTO",
              14: "TYPE_PROTOS"}
"""AttributeProto.AttributeType names (the schemas' spelling)."""

ELEM_SIZES = {1: 4, 2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 8, 9: 1, 10: 2, 11: 8, 12: 4, 13: 8, 16: 2}
"""TensorProto.DataType -> bytes per element in ``raw_data``, for the element types a numeric
tensor can have here (float, integers, bool, float16, double, bfloat16)."""

ELEM_FIELDS = {1: "float_data", 2: "int32_data", 3: "int32_data", 4: "int32_data", 5: "int32_data", 6: "int32_data",
               7: "int64_data", 9: "int32_data", 10: "int32_data", 11: "double_data", 12: "uint64_data",
               13: "uint64_data", 16: "int32_data"}
"""TensorProto.DataType -> the typed field holding the values when there is no ``raw_data``."""

ELEM_NAMES = {0: "UNDEFINED", 1: "FLOAT", 2: "UINT8", 3: "INT8", 4: "UINT16", 5: "INT16", 6: "INT32", 7: "INT64",
              8: "STRING", 9: "BOOL", 10: "FLOAT16", 11: "DOUBLE", 12: "UINT32", 13: "UINT64", 14: "COMPLEX64",
              15: "COMPLEX128", 16: "BFLOAT16"}
"""TensorProto.DataType names for messages (others are printed as their number)."""

CUSTOM_ATTRS = {"Add": {f"{p}_{k}": "INT" for p in ("in1", "in2", "out") for k in ("mul", "add", "shift", "rq", "n_levels")}}
"""Attributes outside the ONNX schemas that a converter reads: QuantLab's DORY adder."""

MAX_DIM = (1 << 31) - 1
"""The largest tensor dimension, window size, stride, dilation or pad accepted (the C runtime's
sizes are 32-bit at most)."""

_EXTERNAL = 1
"""TensorProto.DataLocation.EXTERNAL."""


def schema(op: str) -> tuple[int, int, int, int, dict[str, tuple[str, bool]]] | None:
    """``(min_in, max_in, min_out, max_out, {attr: (type, required)})`` of standard op ``op`` over
    all its versions (None for an op ONNX does not define): the converters read every version's
    form of an op whatever the model's opset (Clip's bounds as attributes or inputs, Gemm with or
    without C), so a node must fit some version. The fewest inputs and outputs any version takes,
    the most any takes; every attribute name any version defines, with the latest version's type
    (Cast's ``to`` was a STRING in opset 1), required when every version requires it; plus the
    converters' `CUSTOM_ATTRS`."""
    got = _SCHEMA_UNION.get(op)
    if got is None and op in SCHEMAS:
        rows = SCHEMAS[op]
        per_row = [_parse_attrs(r[5]) for r in rows]
        types: dict[str, str] = {}
        for parsed in per_row:
            types.update({k: t for k, (t, _) in parsed.items()})
        attrs = {k: (t, all(k in p and p[k][1] for p in per_row)) for k, t in types.items()}
        attrs.update({k: (t, False) for k, t in CUSTOM_ATTRS.get(op, {}).items()})
        got = (min(r[1] for r in rows), max(r[2] for r in rows), min(r[3] for r in rows), max(r[4] for r in rows), attrs)
        _SCHEMA_UNION[op] = got
    return got


_SCHEMA_UNION: dict[str, tuple[int, int, int, int, dict[str, tuple[str, bool]]]] = {}


def _parse_attrs(text: str) -> dict[str, tuple[str, bool]]:
    """``"a:INT b:INTS!"`` -> ``{"a": ("INT", False), "b": ("INTS", True)}``."""
    out: dict[str, tuple[str, bool]] = {}
    for item in text.split():
        name, kind = item.split(":")
        out[name] = (kind.rstrip("!"), kind.endswith("!"))
    return out


# -- errors --------------------------------------------------------------------------------------------

def _error(imp: OnnxImporter, where: str, msg: str) -> Exception:
    from dory.frontend.onnx_import import OnnxImportError

    return OnnxImportError(Location(imp.filename, name=where), msg)


def _elem_name(t: int) -> str:
    return f"{ELEM_NAMES[t]} ({t})" if t in ELEM_NAMES else str(t)


# -- the model -----------------------------------------------------------------------------------------

def check_model(imp: OnnxImporter) -> None:
    """The graph-level checks, before any initializer is read (see the module docstring). The
    model's opset is not checked: no check depends on it (`schema`)."""
    g = imp.model.graph
    for t in g.initializer:
        check_tensor(imp, f"initializer '{t.name}'", t)
    inits = {t.name for t in g.initializer}
    for inp in g.input:
        if inp.name in inits or not inp.type.HasField("tensor_type"):
            continue
        dims = [d.dim_value for d in inp.type.tensor_type.shape.dim if d.HasField("dim_value")]
        if math.prod(dims) > MAX_DIM:
            raise _error(imp, f"graph input '{inp.name}'", f"expected a shape of at most {MAX_DIM} elements, found {dims}")


def check_tensor(imp: OnnxImporter, where: str, t: Any) -> None:
    """A tensor (initializer or attribute) has a numeric element type, non-negative dims and as
    many values as its dims say."""
    if t.data_type not in ELEM_SIZES:
        raise _error(imp, where, f"expected a numeric element type (float, integer or bool), found {_elem_name(t.data_type)}")
    dims = list(t.dims)
    if any(d < 0 for d in dims):
        raise _error(imp, where, f"expected non-negative dims, found {dims}")
    if t.data_location == _EXTERNAL or t.HasField("segment"):
        return  # read by onnx itself (frontend.onnx_proto)
    n = math.prod(dims)
    if t.HasField("raw_data"):
        size = ELEM_SIZES[t.data_type]
        if len(t.raw_data) != n * size:
            raise _error(imp, where, f"expected {n * size} bytes of raw data for dims {dims} ({_elem_name(t.data_type)}), found {len(t.raw_data)}")
        return
    field = ELEM_FIELDS[t.data_type]
    found = len(getattr(t, field))
    if found != n:
        raise _error(imp, where, f"expected {n} values for dims {dims}, found {found} in {field}")


# -- one node ------------------------------------------------------------------------------------------

def check_node(imp: OnnxImporter, node: Any, ins: list[Entry | None]) -> None:
    """The node-level checks (see the module docstring); ``ins`` are its inputs' entries."""
    if node.domain not in ("", "ai.onnx"):
        return
    label = imp.node_label(node)
    op = node.op_type
    s = schema(op)
    attrs: dict[str, tuple[str, bool]] = dict(s[4]) if s is not None else {k: (t, False) for k, t in CUSTOM_ATTRS.get(op, {}).items()}
    if s is not None:
        min_in, max_in, min_out, max_out, _ = s
        if not min_in <= len(node.input) <= max_in:
            raise _error(imp, label, f"expected {_count(min_in, max_in, 'input')}, found {len(node.input)}")
        missing = [i for i in range(min_in) if not node.input[i]]
        if missing:
            raise _error(imp, label, f"expected input {missing[0]} (required), found an empty name")
        if not min_out <= len(node.output) <= max_out:
            raise _error(imp, label, f"expected {_count(min_out, max_out, 'output')}, found {len(node.output)}")
        if min_out and not node.output[0]:
            raise _error(imp, label, "expected output 0 (required), found an empty name")
        present = {a.name for a in node.attribute}
        for name, (_, required) in sorted(attrs.items()):
            if required and name not in present:
                raise _error(imp, label, f"expected attribute '{name}' (required), found none")
    for a in node.attribute:
        if a.ref_attr_name:
            raise _error(imp, label, f"attribute '{a.name}': expected a value, found a reference to '{a.ref_attr_name}' (only valid inside a function)")
        want = attrs[a.name][0] if a.name in attrs else None
        if want is not None and ATTR_TYPES.get(a.type) != want:
            raise _error(imp, label, f"attribute '{a.name}': expected {want}, found {ATTR_TYPES.get(a.type, a.type)}")
        if a.type == 4:
            check_tensor(imp, f"{label} attribute '{a.name}'", a.t)
        elif a.type == 9:
            for t in a.tensors:
                check_tensor(imp, f"{label} attribute '{a.name}'", t)
    fn = VALUE_CHECKS.get(op)
    if fn is not None:
        fn(imp, node, label, {a.name: a for a in node.attribute}, ins)


def _count(lo: int, hi: int, what: str) -> str:
    """``1 input``, ``2 to 3 inputs``, ``at least 1 input`` (variadic ops)."""
    if lo == hi:
        return f"{lo} {what}{'' if lo == 1 else 's'}"
    return f"at least {lo} {what}{'' if lo == 1 else 's'}" if hi >= (1 << 30) else f"{lo} to {hi} {what}s"


def check_results(imp: OnnxImporter, results: list[IntVal]) -> None:
    """No network output may be a graph input itself: the network would have no layer (an app
    with no step, whose C does not build)."""
    args = {id(a): a for a in imp.block.args}
    outputs = {id(e.value): o.name for o in imp.model.graph.output if isinstance(e := imp.env.get(o.name), IntVal)}
    for r in results:
        if id(r.value) in args:
            where = f"graph output '{outputs[id(r.value)]}'" if id(r.value) in outputs else "graph output"
            raise _error(imp, where, f"expected an output computed by the network, found graph input '{args[id(r.value)].name_hint}' itself (a network without layers)")


def check_shape(imp: OnnxImporter, node: Any, shape: tuple[int, ...]) -> None:
    """A tensor the importer creates for ``node`` is not empty (a window larger than its input)
    and has at most `MAX_DIM` elements: absurd windows (pads of 2^30) or input shapes would
    otherwise make tensors no tool can allocate."""
    if any(d < 1 for d in shape):
        raise _error(imp, imp.node_label(node), f"expected a non-empty output, found shape {list(shape)}")
    n = math.prod(shape)
    if n > MAX_DIM:
        raise _error(imp, imp.node_label(node), f"expected a tensor of at most {MAX_DIM} elements, found shape {list(shape)} ({n} elements)")


# -- value ranges ------------------------------------------------------------------------------------

Attrs = dict[str, Any]


def _ints(a: Attrs, name: str) -> list[int] | None:
    return list(a[name].ints) if name in a else None


def _check_window(imp: OnnxImporter, node: Any, label: str, a: Attrs, ins: list[Entry | None]) -> None:
    for name, lo in (("kernel_shape", 1), ("strides", 1), ("dilations", 1), ("pads", 0)):
        vals = _ints(a, name)
        if vals is not None and any(not lo <= v <= MAX_DIM for v in vals):
            raise _error(imp, label, f"expected {name} in [{lo}, {MAX_DIM}], found {vals}")
    if "group" in a and not 1 <= a["group"].i <= MAX_DIM:
        raise _error(imp, label, f"expected group >= 1, found {a['group'].i}")
    for name in ("ceil_mode", "count_include_pad", "storage_order"):
        if name in a and a[name].i not in (0, 1):
            raise _error(imp, label, f"expected {name} 0 or 1, found {a[name].i}")


def _scalar_const(imp: OnnxImporter, label: str, node: Any, ins: list[Entry | None], idx: int, what: str) -> float | None:
    """Input ``idx`` (optional) as a float scalar, when it is a constant."""
    if idx >= len(node.input) or not node.input[idx]:
        return None
    e = ins[idx]
    if not isinstance(e, Const):
        return None  # the converter says it must be a constant
    arr = np.asarray(e.array)
    if arr.size != 1 or arr.dtype.kind not in "iufb":
        raise _error(imp, label, f"expected a numeric scalar {what}, found shape {list(arr.shape)} of {arr.dtype}")
    return float(arr.reshape(-1)[0])


def _bound(imp: OnnxImporter, label: str, what: str, v: float | None) -> None:
    """A clip bound: not NaN, and infinite or within 64 bits (`frontend.affine` is exact on 64 bits)."""
    if v is None:
        return
    if math.isnan(v) or (math.isfinite(v) and abs(v) >= 2.0**63):
        raise _error(imp, label, f"expected {what} to be +-inf or within the 64-bit integer range, found {v}")


def _check_clip(imp: OnnxImporter, node: Any, label: str, a: Attrs, ins: list[Entry | None]) -> None:
    for name in ("min", "max"):
        if name in a:
            _bound(imp, label, f"clip {name}", a[name].f)
    _bound(imp, label, "clip min", _scalar_const(imp, label, node, ins, 1, "clip min"))
    _bound(imp, label, "clip max", _scalar_const(imp, label, node, ins, 2, "clip max"))


def _check_pad(imp: OnnxImporter, node: Any, label: str, a: Attrs, ins: list[Entry | None]) -> None:
    value = a["value"].f if "value" in a else _scalar_const(imp, label, node, ins, 2, "pad value")
    if value is not None and not math.isfinite(value):
        raise _error(imp, label, f"expected a finite pad value, found {value}")
    pads = _ints(a, "pads")
    if len(node.input) > 1 and node.input[1] and isinstance(ins[1], Const):
        arr = np.asarray(ins[1].array)
        if arr.dtype.kind not in "iu":
            raise _error(imp, label, f"expected integer pads, found {arr.dtype}")
        pads = [int(v) for v in arr.reshape(-1)]
    if pads is not None and any(abs(p) > MAX_DIM for p in pads):
        raise _error(imp, label, f"expected pads within {MAX_DIM}, found {pads}")


def _check_cast(imp: OnnxImporter, node: Any, label: str, a: Attrs, ins: list[Entry | None]) -> None:
    from dory.frontend.onnx_import import ONNX_FLOAT_TYPES, ONNX_INT_TYPES

    if "to" in a and a["to"].i not in ONNX_INT_TYPES | ONNX_FLOAT_TYPES:
        raise _error(imp, label, f"expected a cast to an integer or float type, found type {_elem_name(a['to'].i)}")


def _rank(e: Entry | None) -> int | None:
    if isinstance(e, (IntVal, Pending)):
        return len(e.onnx_shape)
    if isinstance(e, Const):
        return int(np.asarray(e.array).ndim)
    return None


def _axis_check(extra: int) -> Callable[[OnnxImporter, Any, str, Attrs, list[Entry | None]], None]:
    """``axis`` in ``[-r, r + extra)`` for the first input's rank r (Flatten allows ``r``)."""

    def check(imp: OnnxImporter, node: Any, label: str, a: Attrs, ins: list[Entry | None]) -> None:
        r = _rank(ins[0]) if ins else None
        if "axis" in a and r is not None and not -r <= a["axis"].i < r + extra:
            raise _error(imp, label, f"expected axis in [{-r}, {r + extra - 1}] for a rank-{r} input, found {a['axis'].i}")

    return check


def _check_gemm(imp: OnnxImporter, node: Any, label: str, a: Attrs, ins: list[Entry | None]) -> None:
    for name in ("transA", "transB"):
        if name in a and a[name].i not in (0, 1):
            raise _error(imp, label, f"expected {name} 0 or 1, found {a[name].i}")


def _check_quantlab_add(imp: OnnxImporter, node: Any, label: str, a: Attrs, ins: list[Entry | None]) -> None:
    """QuantLab's adder (``in1_mul``/``out_mul`` present): its requant parameters exist and fit."""
    if "in1_mul" not in a and "out_mul" not in a:
        return
    stages = [p for p, default in (("in1", 1), ("in2", 1), ("out", 0)) if (a[f"{p}_rq"].i if f"{p}_rq" in a else default)]
    for p in stages:
        for k in ("mul", "add", "shift"):
            if f"{p}_{k}" not in a:
                raise _error(imp, label, f"expected attribute '{p}_{k}' of the QuantLab adder ({p}_rq set), found none")
        if not 0 <= a[f"{p}_shift"].i <= 62:
            raise _error(imp, label, f"expected {p}_shift in [0, 62], found {a[f'{p}_shift'].i}")
        for k in ("mul", "add"):
            if abs(a[f"{p}_{k}"].i) >= 1 << 31:
                raise _error(imp, label, f"expected {p}_{k} within 32 bits, found {a[f'{p}_{k}'].i}")
    if "out_n_levels" in a and not 1 <= a["out_n_levels"].i <= 1 << 32:
        raise _error(imp, label, f"expected out_n_levels in [1, 2^32], found {a['out_n_levels'].i}")


VALUE_CHECKS: dict[str, Callable[[OnnxImporter, Any, str, Attrs, list[Entry | None]], None]] = {
    "Conv": _check_window, "MaxPool": _check_window, "AveragePool": _check_window,
    "Clip": _check_clip, "Pad": _check_pad, "Cast": _check_cast, "Gemm": _check_gemm, "Add": _check_quantlab_add,
    "Concat": _axis_check(0), "Flatten": _axis_check(1), "Gather": _axis_check(0),
}
"""Per op type, the value checks after the schema's (attribute types are right by then)."""
