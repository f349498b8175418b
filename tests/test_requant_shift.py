"""QuantLab / Deeploy ``RequantShift`` networks (tests/rqs_graphs.py writes them as the producer
does: network.onnx, inputs.npz, outputs.npz in the ONNX layout): the import and the reference
interpreter match the producer's expected outputs exactly, and the host C app (gap8-default,
-O2) matches the interpreter at every step and outputs.npz at the end. resnet8 has a standalone
RequantShift of a ui8 activation on its residual branch (fuse's standalone requant layer)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import onnx
import pytest

import rqs_graphs


def _ir_layout(a: np.ndarray) -> np.ndarray:
    return a.transpose(0, 2, 3, 1) if a.ndim == 4 else a


def _load(name: str, tmp_path: Path) -> tuple[str, np.ndarray, np.ndarray]:
    d = Path(rqs_graphs.write(name, str(tmp_path)))
    x = np.load(d / "inputs.npz")["input_0"]
    y = np.load(d / "outputs.npz")["output_0"]
    return str(d / "network.onnx"), _ir_layout(x), _ir_layout(y)


@pytest.mark.parametrize("name", sorted(rqs_graphs.NETWORKS))
def test_import_matches_producer_outputs(name: str, tmp_path: Path) -> None:
    from dory.dory_ir.interp import run_function
    from dory.frontend.onnx_import import import_onnx

    path, x, y = _load(name, tmp_path)
    module = import_onnx(path, warn=lambda m: None)
    (got,) = run_function(module, [x])
    assert got.shape == y.shape and np.array_equal(got, y), f"{name}: {int((got != y).sum())} of {y.size} values differ"


def test_resnet8_shortcut_is_a_standalone_requant_clipping_at_255(tmp_path: Path) -> None:
    """The shortcut requant takes the ui8 stem output into si8 and clips (x + 1) >> 1 at 127."""
    from dory.dory_ir.dialects import qnn
    from dory.dory_ir.layers import find_layers
    from dory.frontend.onnx_import import import_onnx

    path, _, _ = _load("resnet8", tmp_path)
    fn = import_onnx(path, warn=lambda m: None).body.ops[0]
    standalone = [lay.anchor for lay in find_layers(fn) if isinstance(lay.anchor, qnn.RequantOp)]
    assert len(standalone) == 1
    op = standalone[0]
    assert str(op.operands[0].type.element_type) == "ui8" and str(op.results[0].type.element_type) == "si8"
    assert {k: v.value for k, v in op.properties.items()} == {"mul": 1, "add": 1, "shift": 1, "min": -128, "max": 127}


@pytest.mark.parametrize("attrs,want", [
    ({"div": 0.0, "n_levels_out": 256, "signed": 0}, "expected a positive 'div', found 0"),
    ({"div": 256.5, "n_levels_out": 256, "signed": 0}, "expected attribute 'div' to be one integer, found 256.5"),
    ({"div": 256, "signed": 0}, "expected attribute 'n_levels_out', found none"),
    ({"div": 256, "n_levels": 256, "signed": 2}, "expected 'signed' 0 or 1, found 2"),
])
def test_bad_attributes_are_located_errors(attrs: dict, want: str, tmp_path: Path) -> None:
    from onnx import helper

    from dory.dory_ir.diagnostics import DiagnosticError
    from dory.frontend.onnx_import import import_onnx

    model, _, _ = rqs_graphs.autoencoder()
    node = next(n for n in model.graph.node if n.op_type == "RequantShift")
    del node.attribute[:]
    node.attribute.extend(helper.make_attribute(k, v) for k, v in attrs.items())
    path = tmp_path / "bad.onnx"
    onnx.save(model, str(path))
    with pytest.raises(DiagnosticError) as e:
        import_onnx(str(path), warn=lambda m: None)
    assert f"node '{node.name}' (RequantShift): error: {want}" in str(e.value)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
@pytest.mark.parametrize("name", sorted(rqs_graphs.NETWORKS))
def test_host_app_is_bit_exact(name: str, tmp_path: Path) -> None:
    """gap8-default on the host port: every step equals the interpreter, the final output equals
    the producer's outputs.npz."""
    from app_checks import check_steps
    from shared_models import run_pipeline

    from dory.backends.gap8.app import app_files, expected_outputs, write_app
    from dory.backends.gap8.emit import emit_network, pack
    from dory.frontend.onnx_import import import_onnx

    path, x, y = _load(name, tmp_path)
    module = import_onnx(path, warn=lambda m: None)
    run_pipeline(module, "gap8-default", verify_each=False)
    net = emit_network(module)
    expected, output = expected_outputs(module, [x], net)
    app = tmp_path / "app"
    write_app(str(app), app_files(net, x, expected, output, "host", name))
    b = subprocess.run(["make", "-s", "-C", str(app), "app"], capture_output=True, text=True)
    assert b.returncode == 0, b.stdout + b.stderr
    dump = tmp_path / "dump"
    dump.mkdir()
    r = subprocess.run(["./app", "weights.bin"], cwd=app, capture_output=True, text=True, env=dict(os.environ, DORY_DUMP_DIR=str(dump)), timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    got = [(dump / f"step_{s.index:03d}.bin").read_bytes() for s in net.steps]
    check_steps(r.stdout, got, [pack(e, s.dtype) for e, s in zip(expected, net.steps)])
    assert got[-1] == pack(y.reshape(expected[-1].shape), net.steps[-1].dtype)
