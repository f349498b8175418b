"""The `gap8-default` pipeline (canonicalize, fold-requant, fuse, assign-memory) on real networks:
every shared network still matches every DORY reference layer after it, and generated networks
compute exactly what they computed before it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dory.dory_ir.interp import random_inputs, run_function
from dory.dory_ir.opdef import verify
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from shared_models import NETWORKS, load, requires_shared, run_pipeline


def _layer_ops(module) -> list[str]:
    return [op.op_name for op in module.body.ops[0].body.ops]


@requires_shared
@pytest.mark.parametrize("name", NETWORKS)
def test_shared_network_after_gap8_default(name: str) -> None:
    from dory.driver.reference import check_layers

    net = load(name)
    module = net.module
    run_pipeline(module)
    assert verify(module) == []
    ops = _layer_ops(module)
    assert not [o for o in ops if o.startswith("qnn.")], "everything is fused"
    # the planned IR prints, parses back identically, and still matches every reference layer
    text = print_op(module)
    module = parse_module(text)
    assert print_op(module) == text
    reports, _ = check_layers(module, net.inputs, net.reference_files)
    bad = [r.line() for r in reports if not r.ok]
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("net", ["dronet", "mobilenet_v1_0.25_128", "mobilenet_v2_0.35_128"])
def test_generated_network_is_unchanged_by_gap8_default(net: str, tmp_path: Path) -> None:
    import onnx

    from dory.frontend.onnx_import import import_onnx
    from dory.driver import netgen

    path = tmp_path / f"{net}.onnx"
    model, _ = netgen.NETWORKS[net](0, "nemo")
    onnx.save(model, str(path))
    module = import_onnx(str(path), warn=lambda m: None)
    xs = random_inputs(module, 7)
    before = run_function(module, xs)
    run_pipeline(module)
    after = run_function(module, xs)
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
