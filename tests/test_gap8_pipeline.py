"""The `gap8-default` pipeline (canonicalize, fold-requant, fuse, assign-memory) on real networks:
every shared network still matches every DORY reference layer after it, and generated networks
compute exactly what they computed before it."""

from __future__ import annotations

import glob
from pathlib import Path

import numpy as np
import pytest

from dory_ir.interp import random_inputs, run_function
from dory_ir.opdef import verify
from dory_ir.parser import parse_module
from dory_ir.printer import print_op
from passes.base import PassContext
from passes.manager import PassManager
from passes.pipeline import parse_pipeline

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"
NETWORKS = sorted(p.name for p in SHARED.iterdir() if p.is_dir()) if SHARED.is_dir() else []


def _run_pipeline(module) -> None:
    PassManager(parse_pipeline("gap8-default"), verify_each=True).run(PassContext(), module)


def _layer_ops(module) -> list[str]:
    return [op.op_name for op in module.body.ops[0].body.ops]


@pytest.mark.skipif(not NETWORKS, reason="../shared/models is not beside the checkout")
@pytest.mark.parametrize("name", NETWORKS)
def test_shared_network_after_gap8_default(name: str) -> None:
    from dory_ir.reference import check_layers, read_input, reference_files
    from frontend.onnx_import import import_onnx

    d = SHARED / name
    module = import_onnx(glob.glob(str(d / "*.onnx"))[0], warn=lambda m: None)
    inp = sorted(glob.glob(str(d / "input*.txt")))[0]
    x = read_input(inp, tuple(module.body.ops[0].body.args[0].type.shape))
    _run_pipeline(module)
    assert verify(module) == []
    ops = _layer_ops(module)
    assert not [o for o in ops if o.startswith("qnn.")], "everything is fused"
    # the planned IR prints, parses back identically, and still matches every reference layer
    text = print_op(module)
    module = parse_module(text)
    assert print_op(module) == text
    reports, _ = check_layers(module, [x], reference_files(str(d), inp))
    bad = [r.line() for r in reports if not r.ok]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("net", ["dronet", "mobilenet_v1_0.25_128", "mobilenet_v2_0.35_128"])
def test_generated_network_is_unchanged_by_gap8_default(net: str, tmp_path: Path) -> None:
    import onnx

    from frontend.onnx_import import import_onnx
    from tools import netgen

    path = tmp_path / f"{net}.onnx"
    model, _ = netgen.NETWORKS[net](0, "nemo")
    onnx.save(model, str(path))
    module = import_onnx(str(path), warn=lambda m: None)
    xs = random_inputs(module, 7)
    before = run_function(module, xs)
    _run_pipeline(module)
    after = run_function(module, xs)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
