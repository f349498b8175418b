"""Acceptance: every real network in ../shared/models imports and runs bit-exactly.

For each network: import the ONNX file, run the reference interpreter on the provided input, and
compare every deployed layer's output with the provided ``out_layerN.txt`` and the final output,
exactly. Then compare every layer with onnxruntime running the original ONNX on the same input.

Layouts of the expected files (see driver/reference.py): feature maps are HWC, except where the
header shape is ``[C, H, W]`` (SmartAgri-net), which the header decides.

onnxruntime as an oracle: NEMO graphs compute requantisation in float32 (Mul by kappa, Add
lambda) before casting to int64; every value involved here is an integer below 2^24 or a product
that float32 happens to hold exactly, and onnxruntime agrees with the exact integer semantics on
every layer of every NEMO network (checked below, no tolerance). QuantLab's residual adds carry
their integer requantisation as custom attributes (``in1_mul``, ``in1_shift``, ...) that
onnxruntime ignores (it adds the raw inputs), so onnxruntime is only an oracle for a QuantLab
graph after those adders are spelled out as the standard ops they stand for
(``Floor((x * mul + add) / 2^shift)`` per input, then ``Clip``); the expected files confirm that
reading (they match our interpreter, and differ from the raw ``Add`` in 14176 of the 20000 values
of the first adder).
"""

from __future__ import annotations

import glob
import os

import numpy as np
import pytest

from ort_oracle import strip_and_expand_quantlab as _strip_and_expand_quantlab
from shared_models import NETWORKS, SHARED, load, requires_shared

pytestmark = requires_shared


@pytest.mark.parametrize("name", NETWORKS)
def test_every_layer_matches_reference(name: str) -> None:
    from dory.dory_ir.opdef import verify
    from dory.driver.reference import check_layers, read_txt

    net = load(name)
    module, files = net.module, net.reference_files
    assert verify(module) == []
    reports, outputs = check_layers(module, net.inputs, files)
    bad = [r.line() for r in reports if not r.ok]
    assert not bad, "\n".join(bad)
    assert len(reports) == len(files)
    # the final integer output is the last layer's expected values
    last = read_txt(files[-1])
    assert np.array_equal(outputs[0].reshape(-1), last.values)


@pytest.mark.parametrize("name", NETWORKS)
def test_every_layer_matches_onnxruntime(name: str) -> None:
    import onnx
    import onnxruntime as ort

    from dory.dory_ir.interp import run_function
    from dory.dory_ir.layers import find_layers

    net = load(name)
    onnx_path, module, x = net.onnx_path, net.module, net.inputs[0]
    func = module.body.ops[0]
    layers = find_layers(func)
    want = {id(layer.output): layer for layer in layers}
    got: dict[str, np.ndarray] = {}

    def on_result(op, results):
        for r, a in zip(op.results, results):
            if id(r) in want:
                got[r.name_hint] = a

    run_function(module, [x], on_result=on_result)
    model = onnx.load(onnx_path)
    _strip_and_expand_quantlab(model)
    names = [layer.output.name_hint for layer in layers]
    existing = {o.name for o in model.graph.output}
    for nm in names:
        if nm not in existing:
            model.graph.output.append(onnx.helper.make_empty_tensor_value_info(nm))
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inp = model.graph.input[0]
    rank = len(inp.type.tensor_type.shape.dim)
    xin = x.transpose(0, 3, 1, 2) if rank == 4 else x.reshape(x.shape[0], x.shape[2], x.shape[3]).transpose(0, 2, 1)
    outs = sess.run(names, {inp.name: xin.astype(np.float32)})
    for layer, o in zip(layers, outs):
        a = got[layer.output.name_hint]
        o = np.asarray(o, dtype=np.float64)
        if o.ndim == 4:
            o = o.transpose(0, 2, 3, 1)
        elif o.ndim == 3:
            o = o.transpose(0, 2, 1)
        o = o.reshape(a.shape)
        diff = int((o != a).sum())
        assert diff == 0, f"{name}: layer %{layer.output.name_hint} ({layer.anchor.op_name}): {diff} of {a.size} values differ from onnxruntime"


def test_all_shared_networks_are_covered() -> None:
    """Every folder has an ONNX file, an input and expected per-layer outputs."""
    for name in NETWORKS:
        d = SHARED / name
        assert glob.glob(str(d / "*.onnx")), name
        assert glob.glob(str(d / "input*.txt")), name
        assert glob.glob(str(d / "out_*layer*.txt")), name
        assert os.path.exists(d / "SOURCE.md"), name
