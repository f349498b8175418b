"""TFLite int8 import (frontend/tflite_import.py): bit-exact against TFLite's reference kernels.

The oracle is ``ai-edge-litert``'s interpreter with ``OpResolverType.BUILTIN_REF`` (its optimized
kernels round differently). Every intermediate int8 tensor the IR names (``%tK`` is TFLite tensor
K) is compared, on random inputs, for the three networks tests/tflite_gen.py builds with
TensorFlow's converter (cached under build/tflite-models/<hash of the generator>/) and for the
hand-made graphs of tests/tflite_graphs.py. Without tensorflow or ai-edge-litert those tests skip
with the reason.

Measured with these tests (2026-12-07): conv, depthwise and add round twice (the doubling high
multiply, then a half-away-from-zero shift); a per-channel FULLY_CONNECTED rounds once, in 64 bits
(the double-rounding import of it mismatched 3 of 300 random inputs of small_cnn by 1). """

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dory.dory_ir.interp import Interpreter, find_function
from dory.dory_ir.interp.intmath import div_round
from dory.dory_ir.opdef import verify
from dory.frontend.tflite_import import TfliteImportError, import_tflite, quantize_multiplier

import tflite_graphs

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("tflite") is None or importlib.util.find_spec("flatbuffers") is None,
    reason="the 'tflite' flatbuffer parser is not installed (pip install -e '.[test]')",
)

ROOT = Path(__file__).resolve().parents[1]
GEN = ROOT / "tests" / "tflite_gen.py"
TRANSLATE = [sys.executable, "-c", "import sys; from dory.tools.dory_translate import main; sys.exit(main())"]


def _need(module: str, why: str) -> None:
    if importlib.util.find_spec(module) is None:
        pytest.skip(f"{module} is not installed ({why}; pip install 'dory[tflite-gen]')")


@pytest.fixture(scope="module")
def generated() -> dict[str, Path]:
    """The generator's networks, built once per version of tests/tflite_gen.py."""
    _need("tensorflow", "the TFLite converter generates the test networks")
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    key = hashlib.sha256(GEN.read_bytes()).hexdigest()[:16]
    out = ROOT / "build" / "tflite-models" / key
    sys.path.insert(0, str(GEN.parent))
    try:
        import tflite_gen
    finally:
        sys.path.pop(0)
    paths = {n: out / f"{n}.tflite" for n in tflite_gen.NETWORKS}
    missing = tuple(n for n, p in paths.items() if not p.exists())
    if missing:
        tflite_gen.build_all(str(out), missing)
    return paths


def _compare(path: Path, trials: int, seed: int = 1, small_every: int = 0) -> tuple[int, list[int]]:
    """Run ``trials`` random inputs through the IR and the REF interpreter; the number of
    mismatching (tensor, input) pairs and the compared tensors."""
    from ai_edge_litert.interpreter import Interpreter as LiteRt
    from ai_edge_litert.interpreter import OpResolverType

    mod = import_tflite(str(path), warn=lambda m: None)
    assert not verify(mod)
    fn = find_function(mod, "main")
    ref = LiteRt(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF, experimental_preserve_all_tensors=True)
    ref.allocate_tensors()
    inp = ref.get_input_details()[0]
    rng = np.random.default_rng(seed)
    bad, names = 0, []
    arg = fn.body.args[0].name_hint
    for _ in range(trials):
        if inp["dtype"] == np.float32:  # a float model: the IR starts at the QUANTIZE's int8 output
            ref.set_tensor(inp["index"], rng.uniform(-1.2, 1.2, inp["shape"]).astype(np.float32))
            ref.invoke()
            x = ref.get_tensor(int(arg[1:]))
        else:
            x = rng.integers(-128, 128, inp["shape"], dtype=np.int8)
            if small_every and _ % small_every == 0:
                x = (x // 16).astype(np.int8)
            ref.set_tensor(inp["index"], x)
            ref.invoke()
        got: dict[int, np.ndarray] = {}

        def on_result(op: Any, vals: list[np.ndarray]) -> None:
            for r, v in zip(op.results, vals):
                if op.name != "qnn.constant" and r.name_hint and r.name_hint[0] == "t" and r.name_hint[1:].isdigit():
                    got[int(r.name_hint[1:])] = v

        outs = Interpreter(mod, on_result).call(fn, [x.astype(np.int64)])
        assert outs
        names = sorted(got)
        for k, v in got.items():
            want = ref.get_tensor(k)
            if want.shape != v.shape or not np.array_equal(want.astype(np.int64), v):
                bad += 1
    return bad, names


@pytest.mark.slow
@pytest.mark.parametrize("name", ["small_cnn", "dw_separable", "residual_softmax", "float_io_concat", "relu_valid"])
def test_generated_network_bit_exact(generated: dict[str, Path], name: str) -> None:
    bad, names = _compare(generated[name], trials=60)
    assert len(names) >= 6  # every layer's output is compared, not just the last
    assert bad == 0


def test_generated_softmax_in_ir(generated: dict[str, Path]) -> None:
    mod = import_tflite(str(generated["residual_softmax"]))
    ret = find_function(mod, "main").body.ops[-1]
    assert ret.operands[0].owner.name == "qnn.softmax"
    assert str(ret.operands[0].type) == "tensor<1x6xsi8>"


def test_softmax_scales_and_betas(tmp_path: Path) -> None:
    """Softmax alone over 7 input scales x 3 betas, 100 random inputs each (a third of them with
    small differences, where the fixed-point exp is most used): bit-exact vs BUILTIN_REF."""
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    bad = 0
    for scale in (0.001, 0.01, 0.0216, 0.05, 0.1, 0.3, 1.0):
        for beta in (1.0, 0.5, 2.0):
            g = tflite_graphs.Graph()
            g.tensors = [tflite_graphs.T((3, 10), scale=(scale,), zp=(5,)), tflite_graphs.T((3, 10), scale=(1 / 256,), zp=(-128,))]
            g.ops = [tflite_graphs.Op("SOFTMAX", [0], [1], ("SoftmaxOptions", {"Beta": beta}))]
            g.inputs, g.outputs = [0], [1]
            p = tmp_path / f"sm_{scale}_{beta}.tflite"
            p.write_bytes(tflite_graphs.to_bytes(g))
            b, names = _compare(p, trials=100, small_every=3)
            assert names == [1]
            bad += b
    assert bad == 0


def test_float_io_left_to_host(generated: dict[str, Path]) -> None:
    msgs: list[str] = []
    mod = import_tflite(str(generated["float_io_concat"]), warn=msgs.append)
    assert len(msgs) == 1 and "left the float conversions QUANTIZE_0, DEQUANTIZE_" in msgs[0]
    fn = find_function(mod, "main")
    assert str(fn.body.args[0].type) == "tensor<1x10x10x3xsi8>"
    assert any(op.name == "qnn.concat" for op in fn.body.ops)


def test_requantize(tmp_path: Path) -> None:
    """int8 -> int8 QUANTIZE (a requantisation) between two zero points and scales."""
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    for s_in, z_in, s_out, z_out in ((0.05, 3, 0.02, -7), (0.01, -128, 0.3, 100), (0.1, 0, 0.1, 5)):
        g = tflite_graphs.Graph()
        g.tensors = [tflite_graphs.T((2, 40), scale=(s_in,), zp=(z_in,)), tflite_graphs.T((2, 40), scale=(s_out,), zp=(z_out,))]
        g.ops = [tflite_graphs.Op("QUANTIZE", [0], [1])]
        g.inputs, g.outputs = [0], [1]
        p = tmp_path / "q.tflite"
        p.write_bytes(tflite_graphs.to_bytes(g))
        bad, names = _compare(p, trials=20)
        assert names == [1] and bad == 0


@pytest.mark.parametrize("hw", [(4, 5), (4, 4), (7, 7), (10, 10), (1, 3)])
def test_mean(hw: tuple[int, int], tmp_path: Path) -> None:
    """MEAN over H, W (keep_dims both ways), three scale/zero-point pairs: bit-exact."""
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    for keep in (0, 1):
        for s_in, z_in, s_out, z_out in ((0.05, 3, 0.02, -7), (0.0117, -34, 0.00186, -110), (0.1, 0, 0.1, 0)):
            g = tflite_graphs.Graph()
            g.tensors = [
                tflite_graphs.T((1, *hw, 8), scale=(s_in,), zp=(z_in,)), tflite_graphs.T((2,), tflite_graphs.INT32, np.array([1, 2])),
                tflite_graphs.T((1, 1, 1, 8) if keep else (1, 8), scale=(s_out,), zp=(z_out,)),
            ]
            g.ops = [tflite_graphs.Op("MEAN", [0, 1], [2], ("ReducerOptions", {"KeepDims": keep}))]
            g.inputs, g.outputs = [0], [2]
            p = tmp_path / "mean.tflite"
            p.write_bytes(tflite_graphs.to_bytes(g))
            bad, names = _compare(p, trials=40)
            assert names == [2] and bad == 0, (keep, s_in, z_in, s_out, z_out)


HOST_APPS = ("relu_valid", "dw_separable", "float_io_concat", "small_cnn")
"""The generated networks dory-compile builds into C apps (not residual_softmax: an ADD input's
rescale after a conv with two users, and softmax, have no C layer yet)."""


@pytest.mark.slow
@pytest.mark.parametrize("name", HOST_APPS)
def test_host_app_bit_exact(generated: dict[str, Path], tmp_path: Path, name: str) -> None:
    """A generated network through dory-compile and the host C app: the app's output equals the
    interpreter's (its own check, every step) and the interpreter's equals TFLite's reference
    kernels (asserted here) on the same input (a float model: the int8 tensor its QUANTIZE makes)."""
    from ai_edge_litert.interpreter import Interpreter as LiteRt
    from ai_edge_litert.interpreter import OpResolverType

    if subprocess.run(["sh", "-c", "command -v cc || command -v gcc"], capture_output=True).returncode:
        pytest.skip("no C compiler")
    path = generated[name]
    mod = import_tflite(str(path), warn=lambda m: None)
    fn = find_function(mod, "main")
    ref = LiteRt(model_path=str(path), experimental_op_resolver_type=OpResolverType.BUILTIN_REF, experimental_preserve_all_tensors=True)
    ref.allocate_tensors()
    inp = ref.get_input_details()[0]
    rng = np.random.default_rng(7)
    if inp["dtype"] == np.float32:
        ref.set_tensor(inp["index"], rng.uniform(-1.2, 1.2, inp["shape"]).astype(np.float32))
        ref.invoke()
        x = ref.get_tensor(int(fn.body.args[0].name_hint[1:]))
    else:
        x = rng.integers(-128, 128, inp["shape"], dtype=np.int8)
        ref.set_tensor(inp["index"], x)
        ref.invoke()
    got = Interpreter(mod).call(fn, [x.astype(np.int64)])[0]
    ret = fn.body.ops[-1].operands[0].name_hint
    assert np.array_equal(got, ref.get_tensor(int(ret[1:])).astype(np.int64))
    np.save(tmp_path / "x.npy", x)
    app = tmp_path / "app"
    c = subprocess.run([sys.executable, "-c", "import sys; from dory.tools.dory_compile import main; sys.exit(main())",
                        str(path), "-o", str(app), "--input", str(tmp_path / "x.npy"), "-q"], capture_output=True, text=True)
    assert c.returncode == 0, c.stderr
    r = subprocess.run(["make", "-s", "-C", str(app), "run"], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "MISMATCH" not in r.stdout and "output matches" in r.stdout


@pytest.mark.parametrize("code", ["RELU", "RELU6", "RELU_N1_TO_1"])
def test_standalone_relu(code: str, tmp_path: Path) -> None:
    """RELU / RELU6 / RELU_N1_TO_1 as operators of their own, rescaling between quantizations."""
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    for s_in, z_in, s_out, z_out in ((0.05, 3, 0.02, -128), (0.01, -20, 0.03, -100), (0.1, 0, 0.1, 0)):
        g = tflite_graphs.Graph()
        g.tensors = [tflite_graphs.T((2, 60), scale=(s_in,), zp=(z_in,)), tflite_graphs.T((2, 60), scale=(s_out,), zp=(z_out,))]
        g.ops = [tflite_graphs.Op(code, [0], [1])]
        g.inputs, g.outputs = [0], [1]
        p = tmp_path / "r.tflite"
        p.write_bytes(tflite_graphs.to_bytes(g))
        bad, names = _compare(p, trials=20)
        assert names == [1] and bad == 0, (s_in, z_in, s_out, z_out)


@pytest.mark.parametrize("k, pad, relu", [((3, 3), 1, 0), ((5, 3), 1, 1), ((2, 2), 1, 0), ((3, 3), 0, 0)])
def test_average_pool(k: tuple[int, int], pad: int, relu: int, tmp_path: Path) -> None:
    """AVERAGE_POOL_2D: odd VALID windows (a floor requant), even ones and SAME (half_away)."""
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    h, w = 9, 7
    ho, wo = ((h - k[0]) // 2 + 1, (w - k[1]) // 2 + 1) if pad == 1 else ((h + 1) // 2, (w + 1) // 2)
    g = tflite_graphs.Graph()
    g.tensors = [tflite_graphs.T((1, h, w, 4), zp=(-9,)), tflite_graphs.T((1, ho, wo, 4), zp=(-9,))]
    g.ops = [tflite_graphs.Op("AVERAGE_POOL_2D", [0], [1], ("Pool2DOptions", {"Padding": pad, "StrideH": 2, "StrideW": 2, "FilterHeight": k[0], "FilterWidth": k[1], "FusedActivationFunction": relu}))]
    g.inputs, g.outputs = [0], [1]
    p = tmp_path / "avg.tflite"
    p.write_bytes(tflite_graphs.to_bytes(g))
    bad, names = _compare(p, trials=30)
    assert names == [1] and bad == 0


def test_pad(tmp_path: Path) -> None:
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    g = tflite_graphs.Graph()
    g.tensors = [tflite_graphs.T((1, 4, 5, 3), zp=(-7,)), tflite_graphs.T((4, 2), tflite_graphs.INT32, np.array([[0, 0], [1, 2], [0, 1], [0, 0]])),
                 tflite_graphs.T((1, 7, 6, 3), zp=(-7,))]
    g.ops = [tflite_graphs.Op("PAD", [0, 1], [2])]
    g.inputs, g.outputs = [0], [2]
    p = tmp_path / "pad.tflite"
    p.write_bytes(tflite_graphs.to_bytes(g))
    bad, names = _compare(p, trials=5)
    assert names == [2] and bad == 0


def test_import_deterministic(generated: dict[str, Path]) -> None:
    from dory.dory_ir.printer import print_op

    p = str(generated["dw_separable"])
    assert print_op(import_tflite(p, warn=lambda m: None)) == print_op(import_tflite(p, warn=lambda m: None))


@pytest.mark.parametrize("case", ["conv", "conv_linear"])
def test_hand_made_conv_bit_exact(case: str, tmp_path: Path) -> None:
    _need("ai_edge_litert", "the reference interpreter is the oracle")
    p = tmp_path / "conv.tflite"
    p.write_bytes(tflite_graphs.to_bytes(tflite_graphs.CASES[case]()))
    bad, names = _compare(p, trials=50)
    assert names == [3] and bad == 0


@pytest.mark.parametrize(
    "m, want",
    [
        (0.0, (0, 0)),
        (0.5, (1 << 30, 0)),
        (1.0, (1 << 30, 1)),
        (0.75, (3 << 29, 0)),
        (2.0**-40, (0, 0)),  # below 2^-31 * 2^-1: TFLite flushes it to zero
        (0.0015607958322497034, (1716113166, -9)),  # small_cnn's FULLY_CONNECTED channel 4
    ],
)
def test_quantize_multiplier(m: float, want: tuple[int, int]) -> None:
    assert quantize_multiplier(m) == want


def _rdbpot(x: int, e: int) -> int:
    """gemmlowp's RoundingDivideByPOT, written as the C does it (mask and threshold)."""
    mask = (1 << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if rem > threshold else 0)


def test_half_away_is_rounding_divide_by_pot() -> None:
    xs = np.arange(-70, 71, dtype=np.int64)
    for e in range(0, 6):
        got = div_round(xs, 1 << e, "half_away")
        assert got.tolist() == [_rdbpot(int(x), e) for x in xs]


def test_half_away_average() -> None:
    # the int8 average pool's (sum +- n/2) / n with C's truncating division
    for n in (1, 2, 3, 4, 6, 9):
        xs = np.arange(-40, 41, dtype=np.int64)
        want = [int((s + n // 2) / n) if s > 0 else -int((-s + n // 2) / n) for s in xs.tolist()]
        assert div_round(xs, n, "half_away").tolist() == want


@pytest.mark.parametrize(
    "case, want",
    [
        ("unsupported", "error: unsupported TFLite operators: expected only ADD, AVERAGE_POOL_2D, CONCATENATION, CONV_2D, DEPTHWISE_CONV_2D, DEQUANTIZE, FULLY_CONNECTED, MAX_POOL_2D, MEAN, PAD, QUANTIZE, RELU, RELU6, RELU_N1_TO_1, RESHAPE, SOFTMAX, found #1 TANH, #2 LOGISTIC"),
        ("float_input", "error: subgraph input tensor #0 't0': expected int8, found float32"),
        ("uint8_act", "op #0 (CONV_2D): error: output tensor #3 't3': expected int8, found uint8"),
        ("softmax_scale", "op #0 (SOFTMAX): error: expected the output quantized with scale 1/256 and zero point -128 (TFLite's int8 softmax), found scale 0.05, zero point 0"),
    ],
)
def test_errors_one_located_line(case: str, want: str, tmp_path: Path) -> None:
    p = tmp_path / f"{case}.tflite"
    p.write_bytes(tflite_graphs.to_bytes(tflite_graphs.CASES[case]()))
    out = tmp_path / "out.mlir"
    r = subprocess.run(TRANSLATE + ["--from-tflite", str(p), "-o", str(out)], capture_output=True, text=True)
    assert r.returncode == 1
    assert not out.exists()
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr
    assert lines[0].startswith(str(p)) and want in lines[0]


def test_corrupt_and_missing(tmp_path: Path) -> None:
    p = tmp_path / "bad.tflite"
    p.write_bytes(b"\x10\x00\x00\x00TFL3" + b"\xff" * 8)
    with pytest.raises(TfliteImportError, match="cannot read TFLite model"):
        import_tflite(str(p))
    p.write_bytes(b"not a flatbuffer")
    with pytest.raises(TfliteImportError, match="identifier 'TFL3'"):
        import_tflite(str(p))
    with pytest.raises(TfliteImportError, match="cannot read TFLite model"):
        import_tflite(str(tmp_path / "missing.tflite"))
