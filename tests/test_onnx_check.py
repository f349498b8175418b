"""frontend/onnx_check.py: its schema table is onnx.defs' (generated, not hand-edited), every shared
network passes the checks unchanged, and the checks are what they claim (the error cases
themselves are lit tests: lit_tests/frontend/onnx-check-*.test)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dory.frontend import onnx_check
from shared_models import NETWORKS, SHARED, requires_shared

ROOT = Path(__file__).resolve().parent.parent


def test_schema_table_is_onnx_defs() -> None:
    """frontend/onnx_schemas.py is exactly what tests/onnx_schema_gen.py renders from the
    installed onnx (rerun it after an onnx upgrade)."""
    from onnx_schema_gen import render

    assert (ROOT / "frontend" / "onnx_schemas.py").read_text() == render(), "python tests/onnx_schema_gen.py > frontend/onnx_schemas.py"


def test_schema_is_the_union_of_versions() -> None:
    """Gemm takes 2 inputs from opset 11 and 3 before: both forms pass; Cast's ``to`` is required
    in every version, Pad's ``pads`` attribute only before opset 11; Clip keeps its ``min``
    attribute's type although opset 11 dropped it."""
    from onnx import defs

    gemm = onnx_check.schema("Gemm")
    assert gemm is not None and gemm[:2] == (2, 3)
    assert defs.get_schema("Gemm", 9).min_input == 3 and defs.get_schema("Gemm", 13).min_input == 2
    assert onnx_check.schema("Cast")[4]["to"] == ("INT", True)  # type: ignore[index]
    assert onnx_check.schema("Pad")[4]["pads"] == ("INTS", False)  # type: ignore[index]
    assert onnx_check.schema("Clip")[4]["min"] == ("FLOAT", False)  # type: ignore[index]
    assert onnx_check.schema("NotAnOnnxOp") is None
    assert onnx_check.schema("Add")[4]["in1_mul"] == ("INT", False)  # type: ignore[index]  # QuantLab's adder


def test_element_sizes_match_onnx() -> None:
    """ELEM_SIZES / ELEM_FIELDS are onnx's own storage rules for those element types."""
    import numpy as np
    from onnx import helper

    for t, size in onnx_check.ELEM_SIZES.items():
        np_type = helper.tensor_dtype_to_np_dtype(t)
        assert np.dtype(np_type).itemsize == size or t == 16, t  # bfloat16: numpy's stand-in differs
        assert helper.tensor_dtype_to_field(t) == onnx_check.ELEM_FIELDS[t], t


@requires_shared
@pytest.mark.parametrize("name", NETWORKS)
def test_shared_network_passes_the_checks(name: str) -> None:
    """No valid network is rejected: every node and initializer of the shared networks passes."""
    import glob

    from dory.frontend.onnx_import import OnnxImporter
    from dory.frontend.onnx_proto import load

    path = glob.glob(str(SHARED / name / "*.onnx"))[0]
    imp = OnnxImporter(load(path), path, warn=lambda m: None)
    imp.run()  # raises on any check


def test_unlocated_ir_error_is_located_at_the_node(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An IR constructor's error raised while converting a node (no location of its own) is
    reported at that node, never as ``<unknown>: error:``."""
    import onnx

    import onnx_graphs
    from dory.dory_ir.diagnostics import DiagnosticError, Location
    from dory.frontend import registry
    from dory.frontend.onnx_import import OnnxImportError, import_onnx

    path = tmp_path / "m.onnx"
    onnx.save(onnx_graphs.conv_layer(), str(path))
    conv = registry.lookup("Conv")
    assert conv is not None

    def failing(imp: object, node: object, ins: object) -> None:
        raise DiagnosticError(Location(), "a type the IR rejects")

    monkeypatch.setitem(registry._CONVERTERS, "Conv", registry.Converter("Conv", failing, True))
    with pytest.raises(OnnxImportError) as e:
        import_onnx(str(path))
    text = e.value.format()
    assert text.startswith(f"{path}: node 'Conv_") and text.endswith("' (Conv): error: a type the IR rejects"), text
