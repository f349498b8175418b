"""Format detection (frontend/formats.py): which format a model is, the importer hook, and the one
error for a format dory does not import."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

import rqs_graphs
from onnx_graphs import conv_layer, format_model

from dory.dory_ir.diagnostics import DiagnosticError
from dory.frontend import formats


@pytest.mark.parametrize("fmt,key", [
    ("qdq", "onnx-qdq"), ("qoperator", "onnx-qoperator"), ("qonnx", "qonnx"), ("qonnx_mixed", "qonnx"),
])
def test_detects_other_formats(fmt: str, key: str) -> None:
    assert formats.detect_onnx([n.op_type for n in format_model(fmt).graph.node]).key == key


def test_detects_builtin_formats() -> None:
    assert formats.detect_onnx([n.op_type for n in conv_layer().graph.node]).key == "nemo-quantlab"
    model, _, _ = rqs_graphs.autoencoder()
    assert formats.detect_onnx([n.op_type for n in model.graph.node]).key == "quantlab-requantshift"


def test_detects_tflite_by_its_bytes() -> None:
    assert formats.detect_file(b"\x1c\x00\x00\x00TFL3") is formats.TFLITE
    assert formats.detect_file(conv_layer().SerializeToString()[:8]) is None


def test_unsupported_format_lists_every_unknown_op_once(tmp_path: Path) -> None:
    from dory.frontend.onnx_import import import_onnx

    # QONNX has no importer yet (QDQ and QOperator now go to the built-in one, frontend/qdq.py)
    path = tmp_path / "qonnx.onnx"
    onnx.save(format_model("qonnx_mixed"), str(path))
    with pytest.raises(DiagnosticError) as e:
        import_onnx(str(path))
    msg = str(e.value)
    assert "QONNX" in msg and "'Quant' (2), 'Erf' (1)" in msg and "'Conv'" not in msg


def test_registered_importer_takes_its_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The hook other importers plug into: the loaded model goes to the format's importer."""
    from dory.frontend.onnx_import import import_onnx

    seen: list[tuple[object, str, object]] = []
    monkeypatch.setattr(formats, "_IMPORTERS", {})
    formats.register_importer("qonnx", lambda model, path, et, warn: seen.append((model.graph.node[0].op_type, path, et)) or "module")  # type: ignore[func-returns-value]
    path = tmp_path / "qonnx.onnx"
    onnx.save(format_model("qonnx"), str(path))
    assert import_onnx(str(path), "si8") == "module"
    assert seen and seen[0][0] == "Quant" and seen[0][1] == str(path) and str(seen[0][2]) == "si8"
    with pytest.raises(ValueError):
        formats.register_importer("nemo-quantlab", lambda *a: None)  # type: ignore[arg-type,return-value]
