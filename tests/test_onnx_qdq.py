"""onnxruntime-quantized networks (tests/ort_quantized.py: quantize_static, QDQ and QOperator,
per-tensor and per-channel, u8 and s8 activations) imported and run by the interpreter, against
onnxruntime itself with default session options (which fuses QDQ into its QLinear kernels); and
through the host C app."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pytest.importorskip("onnxruntime.quantization")

sys.path.insert(0, str(Path(__file__).parent))
from ort_quantized import FLOAT_NETS, VARIANTS, generate  # noqa: E402

from dory.dory_ir.interp.interpreter import random_inputs, run_function  # noqa: E402
from dory.frontend.onnx_import import import_onnx  # noqa: E402

CASES = [f"{n}-{v.tag}" for n in FLOAT_NETS for v in VARIANTS]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("ort-quantized")
    generate(str(d))
    return d


def _io_scales(path: str) -> tuple[np.float32, np.float32]:
    """The scale of the network's QuantizeLinear input and of its DequantizeLinear output."""
    from onnx import numpy_helper

    m = onnx.load(path)
    inits = {i.name: numpy_helper.to_array(i) for i in m.graph.initializer}
    q = next(n for n in m.graph.node if n.op_type == "QuantizeLinear")
    dq = next(n for n in m.graph.node if n.op_type == "DequantizeLinear" and n.output[0] == m.graph.output[0].name)
    return np.float32(inits[q.input[1]]), np.float32(inits[dq.input[1]])


def compare_with_onnxruntime(path: str, n_inputs: int) -> np.ndarray:
    """|ours - onnxruntime's| on the quantized output for ``n_inputs`` seeded inputs (centred
    integers: the float input is their dequantization, which onnxruntime's QuantizeLinear maps
    back exactly)."""
    module = import_onnx(path, warn=lambda s: None)
    s_in, s_out = _io_scales(path)
    sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    diffs = []
    for seed in range(n_inputs):
        (x,) = random_inputs(module, seed)
        (y,) = sess.run(None, {"input": (x.transpose(0, 3, 1, 2).astype(np.float32) * s_in).astype(np.float32)})
        ref = np.rint(y / s_out).astype(np.int64)
        assert np.array_equal(np.float32(ref) * s_out, y)  # the output is a dequantized integer
        (ours,) = run_function(module, [x])
        diffs.append(np.abs(ours.reshape(ref.shape) - ref).reshape(-1))
    return np.concatenate(diffs)


@pytest.mark.parametrize("case", CASES)
def test_matches_onnxruntime(models: Path, case: str) -> None:
    """Bit-exact, except through QLinearAdd (onnxruntime sums in float: see
    test_qlinear_add_deviation), where an output may differ by one step now and then."""
    d = compare_with_onnxruntime(str(models / f"{case}.onnx"), 8)
    if case.startswith("residual_net"):
        assert d.max() <= 1 and np.count_nonzero(d) <= 0.02 * d.size, (int(d.max()), int(np.count_nonzero(d)))
    else:
        assert d.max() == 0, f"{np.count_nonzero(d)} of {d.size} outputs differ, by up to {d.max()}"


def test_qlinear_add_deviation(tmp_path: Path) -> None:
    """QLinearAdd over every pair of u8 inputs, with residual_net-qop-pt-u8's first add's scales
    and zero points: at most 0.02 % of the 65,536 pairs differ from onnxruntime, by one."""
    from onnx import TensorProto, helper, numpy_helper

    sa, za, sb, zb, sc, zc = 0.029410046, 123, 0.012076714, 0, 0.0207208, 0
    vi = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [1, 256, 256, 1]) for n in ("a", "b")]
    inits = [numpy_helper.from_array(np.array(v, t), n) for v, t, n in
             [(sa, np.float32, "sa"), (za, np.uint8, "za"), (sb, np.float32, "sb"), (zb, np.uint8, "zb"), (sc, np.float32, "sc"), (zc, np.uint8, "zc")]]
    nodes = [helper.make_node("QuantizeLinear", ["a", "sa", "za"], ["qa"]), helper.make_node("QuantizeLinear", ["b", "sb", "zb"], ["qb"]),
             helper.make_node("QLinearAdd", ["qa", "sa", "za", "qb", "sb", "zb", "sc", "zc"], ["qy"], domain="com.microsoft", name="add"),
             helper.make_node("DequantizeLinear", ["qy", "sc", "zc"], ["y"])]
    m = helper.make_model(helper.make_graph(nodes, "g", vi, [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits),
                          opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])
    m.ir_version = 8
    path = str(tmp_path / "qadd.onnx")
    onnx.save(m, path)
    qa, qb = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    ca, cb = (qa - za).reshape(1, 256, 256, 1), (qb - zb).reshape(1, 256, 256, 1)
    (y,) = ort.InferenceSession(path, providers=["CPUExecutionProvider"]).run(
        None, {"a": (ca * np.float32(sa)).astype(np.float32), "b": (cb * np.float32(sb)).astype(np.float32)})
    ref = np.rint(y / np.float32(sc)).astype(np.int64)
    (ours,) = run_function(import_onnx(path, warn=lambda s: None), [ca.transpose(0, 2, 3, 1), cb.transpose(0, 2, 3, 1)])
    d = np.abs(ours.transpose(0, 3, 1, 2) - ref)
    assert d.max() <= 1 and np.count_nonzero(d) <= 0.0002 * d.size, int(np.count_nonzero(d))


@pytest.mark.slow
@pytest.mark.parametrize("case", ["small_cnn-qop-pc-u8", "mobilenet_like-qdq-pc-s8", "residual_net-qdq-pt-u8"])
def test_host_app(models: Path, tmp_path: Path, case: str) -> None:
    """dory-compile's host app of the network runs every layer bit-exactly against the
    interpreter (which matches onnxruntime above)."""
    if shutil.which("gcc") is None:
        pytest.skip("no C compiler (gcc is not installed)")
    app = tmp_path / "app"
    exe = Path(sys.executable).parent / "dory-compile"
    r = subprocess.run([str(exe), str(models / f"{case}.onnx"), "-o", str(app)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(["make", "-C", str(app), "run"], capture_output=True, text=True, env={**os.environ})
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert "MISMATCH" not in r.stdout and "output matches" in r.stdout
