"""dory-compile --reference with DORY's layering of a requant after a residual add (NEMO's
separate activation module, DORY's relu2): the planned add layer holds both requants, the reference
numbers the second as a layer of its own; the compile checks it on the imported network and builds
(it refused before, although every value was right)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest

from onnx_graphs import G


def _model() -> onnx.ModelProto:
    """conv -> requant (a), conv -> requant (b), Add(a*3, b*5) -> Div 8 -> Floor, then a separate
    NEMO activation: Cast -> Mul 58 -> Div 64 (int64) -> Cast -> Clip, then a 1x1 conv."""
    from onnx import TensorProto

    rng = np.random.default_rng(5)
    g = G(shape=(1, 2, 6, 6))
    g.conv(rng.integers(-8, 8, size=(4, 2, 1, 1))).bn_requant(np.ones(4), np.zeros(4), 1, 2)
    a = g.cur
    g.conv(rng.integers(-8, 8, size=(4, 4, 3, 3)), pad=1).bn_requant(np.ones(4), np.zeros(4), 1, 4)
    b = g.cur
    g.op("Mul", [a, g.const(np.array(3.0, np.float32))])
    ma = g.cur
    g.op("Mul", [b, g.const(np.array(5.0, np.float32))])
    g.op("Add", [ma, g.cur], name="Add_20")
    g.op("Div", [g.cur, g.const(np.array(8.0, np.float32))])
    g.op("Floor", [g.cur])
    g.op("Cast", [g.cur], to=TensorProto.INT64)
    g.op("Mul", [g.cur, g.const(np.array(58, np.int64))])
    g.op("Div", [g.cur, g.const(np.array(64, np.int64))])
    g.op("Cast", [g.cur], to=TensorProto.FLOAT)
    g.op("Clip", [g.cur], min=0.0, max=255.0)
    g.conv(rng.integers(-8, 8, size=(2, 4, 1, 1))).bn_requant(np.ones(2), np.zeros(2), 1, 8)
    return g.model()


def _write(path: Path, name: str, arr: np.ndarray) -> None:
    path.write_text(f"# {name} (shape {list(arr.shape[1:])}),\n" + "".join(f"{int(v)}.000,\n" for v in arr.reshape(-1)))


@pytest.mark.slow
def test_compile_accepts_dory_layering_of_a_requant_after_an_add(tmp_path: Path) -> None:
    from dory.dory_ir.interp import run_function
    from dory.dory_ir.layers import find_layers
    from dory.driver.compile import main
    from dory.frontend.onnx_import import import_onnx

    onnx_path = tmp_path / "net.onnx"
    onnx.save(_model(), str(onnx_path))
    module = import_onnx(str(onnx_path), warn=lambda m: None)
    fn = module.body.ops[0]
    layers = find_layers(fn)
    add = next(lay for lay in layers if lay.anchor.op_name == "qnn.add")
    assert len(add.ops) == 3  # add, its requant, the activation's requant: one layer of ours
    # DORY's numbering: the add's value, then the activation as a layer of its own
    points = [v for lay in layers for v in ([lay.ops[1].results[0]] if lay is add else []) + [lay.output]]
    got: dict[int, np.ndarray] = {}
    x = np.random.default_rng(0).integers(0, 256, size=(1, 6, 6, 2))
    run_function(module, [x], on_result=lambda op, res: got.update({id(r): a for r, a in zip(op.results, res)}))
    ref = tmp_path / "ref"
    ref.mkdir()
    for i, v in enumerate(points):
        _write(ref / f"out_layer{i}.txt", f"layer{i}", got[id(v)])
    np.save(tmp_path / "x.npy", x)
    rc = main([str(onnx_path), "-o", str(tmp_path / "app"), "-q", "--input", str(tmp_path / "x.npy"), "--reference", str(ref)])
    assert rc == 0 and (tmp_path / "app" / "network.c").exists()
    # one value wrong in the activation's file: still refused
    bad = ref / f"out_layer{points.index(add.output)}.txt"
    lines = bad.read_text().splitlines()
    lines[1] = "1234.000,"
    bad.write_text("\n".join(lines) + "\n")
    assert main([str(onnx_path), "-o", str(tmp_path / "app2"), "-q", "--input", str(tmp_path / "x.npy"), "--reference", str(ref)]) == 1
    assert not (tmp_path / "app2").exists()
