"""Which quantized-network format a model file is, and which importer takes it.

`detect_file` looks at a file's first bytes (a TFLite flatbuffer carries ``TFL3`` at offset 4);
`detect_onnx` at a loaded ONNX graph's op types, from the most specific format down:

| format | recognised by |
|---|---|
| ``qonnx`` | ``Quant`` / ``BipolarQuant`` / ``Trunc`` nodes (Brevitas, FINN) |
| ``onnx-qoperator`` | ``QLinearConv``, ``QLinearMatMul``, ``ConvInteger``, ``MatMulInteger``, ``QGemm``, ... |
| ``onnx-qdq`` | ``QuantizeLinear`` / ``DequantizeLinear`` around float ops |
| ``quantlab-requantshift`` | QuantLab / Deeploy ``RequantShift`` nodes |
| ``nemo-quantlab`` | anything else: NEMO / QuantLab integer-deployable graphs |

Importers plug in by format: a module of its own under ``frontend/`` (e.g. the QDQ / QOperator and
TFLite importers) calls `register_importer` when imported and is listed in `IMPORTER_MODULES`
(imported on first use, so tools that import nothing load nothing):
``fn(model, path, input_type, warn) -> ModuleOp`` for an
ONNX format (``model`` is the loaded ``ModelProto``), ``fn(None, path, input_type, warn)`` for a
file format. `frontend.onnx_import.import_onnx` dispatches through `importer_for`; a format with no
importer is one error naming it and every op the built-in importer does not support, with counts
(`unsupported_error`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from dory.dory_ir.dialects.builtin import ModuleOp
    from dory.dory_ir.types import IntegerType

Importer = Callable[[Any, str, "IntegerType | None", Callable[[str], None]], "ModuleOp"]
"""``fn(model_or_None, path, input_type, warn)``: the imported ``builtin.module``."""


@dataclass(frozen=True)
class Format:
    """A quantized-network format: its key, how users call it, and the ops that mark it."""

    key: str
    title: str
    marks: frozenset[str]


FORMATS: tuple[Format, ...] = (
    Format("qonnx", "QONNX (Brevitas / FINN Quant nodes)", frozenset({"Quant", "BipolarQuant", "Trunc", "MultiThreshold"})),
    Format(
        "onnx-qoperator", "ONNX QOperator (onnxruntime QLinear* / *Integer ops)",
        frozenset({
            "QLinearConv", "QLinearMatMul", "ConvInteger", "MatMulInteger", "QGemm", "QLinearAdd", "QLinearMul",
            "QLinearGlobalAveragePool", "QLinearAveragePool", "QLinearConcat", "QLinearSigmoid", "QLinearLeakyRelu",
            "QLinearSoftmax", "QLinearReduceMean", "QLinearWhere", "DynamicQuantizeLinear",
        }),
    ),
    Format("onnx-qdq", "ONNX QDQ (QuantizeLinear / DequantizeLinear around float ops)", frozenset({"QuantizeLinear", "DequantizeLinear"})),
    Format("quantlab-requantshift", "QuantLab / Deeploy RequantShift", frozenset({"RequantShift"})),
    Format("nemo-quantlab", "NEMO / QuantLab integer ONNX", frozenset()),
)
"""The ONNX formats, most specific first (`detect_onnx` takes the first whose marks occur)."""

TFLITE = Format("tflite", "TFLite flatbuffer", frozenset())
"""A file format, recognised by its bytes (`detect_file`)."""

BUILTIN = frozenset({"nemo-quantlab", "quantlab-requantshift", "onnx-qoperator", "onnx-qdq"})
"""The formats `frontend.onnx_import.OnnxImporter` itself imports (QDQ after `frontend.qdq` rewrote it
to the QOperator form, whose ops `frontend/onnx_convert/qlinear.py` converts)."""

IMPORTER_MODULES: tuple[str, ...] = ("dory.frontend.tflite_import",)
"""The modules that register an importer for a format (`register_importer`), imported by
`importer_for` on first use."""

_IMPORTERS: dict[str, Importer] = {}
_loaded = False


def register_importer(key: str, fn: Importer) -> None:
    """Make ``fn`` the importer of format ``key`` (one of `FORMATS` or ``"tflite"``)."""
    if key not in {f.key for f in FORMATS} | {TFLITE.key}:
        raise ValueError(f"unknown model format '{key}'")
    if key in _IMPORTERS or key in BUILTIN:
        raise ValueError(f"model format '{key}' already has an importer")
    _IMPORTERS[key] = fn


def importer_for(key: str) -> Importer | None:
    """The importer registered for a non-built-in format, or None."""
    global _loaded
    if not _loaded:
        import importlib

        _loaded = True
        for m in IMPORTER_MODULES:
            importlib.import_module(m)
    return _IMPORTERS.get(key)


def detect_file(head: bytes) -> Format | None:
    """The file format of a file starting with ``head`` (its first 8 bytes or more), or None for
    anything else (ONNX protobufs have no magic)."""
    return TFLITE if len(head) >= 8 and head[4:8] == b"TFL3" else None


def detect_onnx(op_types: list[str]) -> Format:
    """The ONNX format of a graph with these node op types (module docstring)."""
    present = set(op_types)
    return next(f for f in FORMATS if not f.marks or f.marks & present)


def unsupported_ops(op_types: list[str], supported: set[str]) -> Counter[str]:
    """How many nodes of each op type outside ``supported`` the graph has."""
    return Counter(t for t in op_types if t not in supported)


def describe(counts: Counter[str]) -> str:
    """``'QuantizeLinear' (12), 'Erf' (1)``: most frequent first, then by name."""
    return ", ".join(f"'{t}' ({n})" for t, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def unsupported_error(fmt: Format, counts: Counter[str]) -> str:
    """The message for a format no importer takes (the accepted ones named from `BUILTIN`)."""
    ops = f": found {describe(counts)} that the built-in importer does not support" if counts else ""
    accepted = ", ".join(f.title for f in FORMATS if f.key in BUILTIN)
    return f"expected one of the formats dory imports ({accepted}), found the {fmt.title} format, which dory does not import yet{ops}"
