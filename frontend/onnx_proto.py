"""Reading an ONNX model without ``import onnx``: the importer's uses of the onnx package
(``onnx.load``, ``onnx.load_from_string``, ``numpy_helper.to_array``, ``helper.get_attribute_value``)
for the files it meets.

``import onnx`` loads ``onnx.helper``, whose dtype tables load ``ml_dtypes`` (a C++ extension
registering a dozen numpy dtypes): 0.45 s of dory-compile's 2.2 s on MobileNetV1-1.0-224, more on a
loaded machine, for nothing the importer needs. The model itself is a protobuf message: this module
loads onnx's generated ``onnx/onnx_ml_pb2.py`` on its own (`_pb2`: only ``google.protobuf``), parses
the file with it and converts tensors and attributes as onnx does, for the element types the
converters use (`_DTYPES`: the plain numpy ones). Anything else goes to the onnx package itself, so
its behaviour stays the reference: a model whose tensors live in external data files or that is not
a ``.onnx`` protobuf (``onnx.load`` infers text formats from the file name), a tensor of another
element type (float16, strings, 4-bit, ...) or with ``segment``, a big-endian host, and any process
that has already imported onnx. tests/test_compile_time.py checks the conversions against onnx's
on every shared model.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from types import ModuleType
from typing import Any

import numpy as np

_DTYPES: dict[int, tuple[type, str | None, type | None]] = {
    1: (np.float32, "float_data", np.float32),  # FLOAT
    2: (np.uint8, "int32_data", np.int32),  # UINT8
    3: (np.int8, "int32_data", np.int32),  # INT8
    4: (np.uint16, None, None),  # UINT16 (int32_data, read as onnx does: `_from_int32_data`)
    5: (np.int16, None, None),  # INT16
    6: (np.int32, "int32_data", np.int32),  # INT32
    7: (np.int64, "int64_data", np.int64),  # INT64
    9: (np.bool_, None, None),  # BOOL
    11: (np.float64, "double_data", np.float64),  # DOUBLE
    12: (np.uint32, "uint64_data", np.uint64),  # UINT32
    13: (np.uint64, "uint64_data", np.uint64),  # UINT64
}
"""TensorProto data_type -> (numpy dtype, storage field, storage dtype): onnx's own mapping
(onnx._mapping.TENSOR_TYPE_MAP, helper.tensor_dtype_to_field) for the types read here."""

_EXTERNAL = 1
"""TensorProto.DataLocation.EXTERNAL."""

_PB2: ModuleType | None = None


def _onnx_loaded() -> bool:
    """The onnx package is already imported (then it is used: nothing to save)."""
    return "onnx" in sys.modules


def _pb2() -> ModuleType:
    """onnx's generated protobuf module, loaded from its file without the onnx package (whose
    ``__init__`` imports the helpers); the package's own when it is imported."""
    global _PB2
    if _onnx_loaded():
        import onnx

        return onnx.onnx_ml_pb2  # type: ignore[attr-defined,no-any-return]
    if _PB2 is None:
        spec = importlib.util.find_spec("onnx")
        if spec is None or not spec.submodule_search_locations:
            raise ModuleNotFoundError("No module named 'onnx'")
        path = os.path.join(list(spec.submodule_search_locations)[0], "onnx_ml_pb2.py")
        pspec = importlib.util.spec_from_file_location("dory.frontend._onnx_ml_pb2", path)
        if pspec is None or pspec.loader is None:  # pragma: no cover - onnx always ships the file
            raise ModuleNotFoundError(f"cannot load {path}")
        mod = importlib.util.module_from_spec(pspec)
        pspec.loader.exec_module(mod)
        _PB2 = mod
    return _PB2


def from_bytes(data: bytes) -> Any:
    """``onnx.load_from_string(data)``: the ModelProto of serialized bytes (external data not
    loaded)."""
    if _onnx_loaded():
        import onnx

        return onnx.load_from_string(data)
    model = _pb2().ModelProto()
    model.ParseFromString(data)
    return model


def _uses_external_data(model: Any) -> bool:
    """A tensor of the graph (initializer or node attribute) keeps its data in another file."""
    g = model.graph
    if any(t.data_location == _EXTERNAL for t in g.initializer):
        return True
    return any(a.t.data_location == _EXTERNAL for n in g.node for a in n.attribute if a.HasField("t"))


def load(path: str) -> Any:
    """``onnx.load(path)``: the ModelProto of the file (raises FileNotFoundError, or the protobuf
    decode error, as onnx.load does)."""
    if _onnx_loaded() or not path.endswith(".onnx") or sys.byteorder != "little":
        import onnx

        return onnx.load(path)
    with open(path, "rb") as f:
        model = from_bytes(f.read())
    if _uses_external_data(model):
        import onnx

        return onnx.load(path)
    return model


def to_array(t: Any) -> np.ndarray:
    """``onnx.numpy_helper.to_array(t)``, the same array (dtype, shape, values)."""
    info = _DTYPES.get(t.data_type)
    if info is None or t.HasField("segment") or t.data_location == _EXTERNAL or sys.byteorder != "little":
        from onnx import numpy_helper

        return numpy_helper.to_array(t)
    dtype, field, storage = info
    dims = tuple(t.dims)
    if t.HasField("raw_data"):
        return np.frombuffer(t.raw_data, dtype=dtype).reshape(dims)
    if field is None:  # 16-bit and bool values are stored one per int32_data entry
        wide = np.array(t.int32_data, dtype=np.int32).view(np.uint32)
        if dtype is np.bool_:
            return wide.astype(np.uint8).view(dtype).reshape(dims)
        return wide.astype(np.uint16).reshape(dims).view(dtype)
    return np.asarray(getattr(t, field), dtype=storage).astype(dtype).reshape(dims)


_ATTR_FIELDS = {1: "f", 2: "i", 3: "s", 4: "t", 5: "g", 11: "sparse_tensor", 13: "tp"}
"""AttributeProto type -> its single-value field."""

_ATTR_LISTS = {6: "floats", 7: "ints", 8: "strings", 9: "tensors", 10: "graphs", 12: "sparse_tensors", 14: "type_protos"}
"""AttributeProto type -> its repeated field (returned as a list)."""


def attribute_value(a: Any) -> Any:
    """``onnx.helper.get_attribute_value(a)``."""
    if a.ref_attr_name:
        raise ValueError(f"Cannot get value of reference attribute: {a}")
    if a.type in _ATTR_FIELDS:
        return getattr(a, _ATTR_FIELDS[a.type])
    if a.type in _ATTR_LISTS:
        return list(getattr(a, _ATTR_LISTS[a.type]))
    if a.type == 0:  # UNDEFINED
        return None
    raise ValueError(f"Unsupported ONNX attribute: {a}")


__all__ = ["attribute_value", "from_bytes", "load", "to_array"]
