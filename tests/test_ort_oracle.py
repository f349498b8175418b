"""tests/ort_oracle.py's own decisions: which graphs onnxruntime cannot serve as an integer oracle for."""
from __future__ import annotations

from pathlib import Path

import pytest

from ort_oracle import float_average_pools

onnx = pytest.importorskip("onnx")


def _pool_model(path: Path, op: str, side: int, **attrs: object) -> str:
    from onnx import TensorProto, helper

    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4, side, side])
    out = [1, 4, 1, 1] if op == "GlobalAveragePool" else None
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, out)
    g = helper.make_graph([helper.make_node(op, ["x"], ["y"], name="pool", **attrs)], "g", [x], [y])
    p = path / f"{op}_{side}.onnx"
    onnx.save(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]), str(p))
    return str(p)


@pytest.mark.parametrize("side,inexact", [(4, False), (7, True), (8, False), (3, True)])
def test_global_average_window(tmp_path: Path, side: int, inexact: bool) -> None:
    got = float_average_pools(_pool_model(tmp_path, "GlobalAveragePool", side))
    assert got == ([f"pool ({side * side} values)"] if inexact else [])


@pytest.mark.parametrize("k,inexact", [((2, 2), False), ((3, 3), True), ((1, 2), False)])
def test_average_pool_kernel(tmp_path: Path, k: tuple[int, int], inexact: bool) -> None:
    got = float_average_pools(_pool_model(tmp_path, "AveragePool", 8, kernel_shape=list(k), strides=list(k)))
    assert bool(got) == inexact
