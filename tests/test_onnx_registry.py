"""The converter registry is the supported-op list: docs/frontend.md and the "unsupported
operator" error list exactly the registered ONNX op types."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dory.dory_ir.diagnostics import DiagnosticError
from dory.frontend.onnx_import import OnnxImporter
from dory.frontend.registry import converter, lookup, lookup_folder, supported_ops
from onnx_graphs import bad_model

DOC = Path(__file__).resolve().parents[1] / "docs" / "frontend.md"


def _documented() -> list[str]:
    text = DOC.read_text()
    m = re.search(r"<!-- supported-ops[^>]*-->(.*?)<!-- /supported-ops -->", text, re.S)
    assert m, "docs/frontend.md has no supported-ops block"
    return re.findall(r"`([A-Za-z]+)`", m.group(1))


def test_documented_list_is_the_registry() -> None:
    documented = _documented()
    assert documented == sorted(documented), "keep the documented list sorted"
    assert set(documented) == set(supported_ops()), (
        f"missing from docs: {sorted(set(supported_ops()) - set(documented))}, "
        f"documented without a converter: {sorted(set(documented) - set(supported_ops()))}"
    )
    assert len(documented) == len(set(documented))


def test_unsupported_error_lists_the_registry() -> None:
    with pytest.raises(DiagnosticError) as err:
        OnnxImporter(bad_model("unsupported_op"), "u.onnx", warn=lambda m: None).run()
    msg = str(err.value)
    listed = re.search(r"expected one of (.*), found 'Erf'", msg)
    assert listed, msg
    assert listed.group(1).split(", ") == supported_ops()


def test_every_converter_is_documented_by_a_docstring() -> None:
    for op in supported_ops():
        conv = lookup(op)
        assert conv is not None and conv.op_type == op
        assert conv.fn.__doc__, f"converter of {op} has no docstring"


def test_folding_does_not_make_an_op_supported() -> None:
    # Sub folds on constants (shape arithmetic) but has no converter for activations.
    assert lookup_folder("Sub") is not None
    assert lookup("Sub") is None and "Sub" not in supported_ops()


def test_a_second_converter_for_an_op_is_rejected() -> None:
    before = lookup("Conv")
    with pytest.raises(ValueError, match="'Conv' has two converters"):
        converter("Conv")(lambda imp, node, ins: None)
    assert lookup("Conv") is before


def test_layer_ops_reject_float_inputs() -> None:
    layers = sorted(op for op in supported_ops() if lookup(op).layer)  # type: ignore[union-attr]
    assert layers == ["AveragePool", "Conv", "ConvInteger", "Gemm", "GlobalAveragePool", "MatMul", "MatMulInteger", "MaxPool", "Pad",
                      "QGemm", "QLinearAdd", "QLinearConv", "QLinearGlobalAveragePool", "QLinearMatMul"]
