"""What makes dory-compile fast must not change what it writes: the expected outputs from whole
layers equal the tile-by-tile ones on the tile pass's own schedules, the checksum is FNV-1a, the
ONNX reader without the onnx package reads what onnx reads, and a re-planning compile (its passes
resumed from a snapshot, its L2 reserve measured through the object cache) writes the same app
twice."""

from __future__ import annotations

import filecmp
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from dory.backends.gap8.app import fnv1a
from dory.dory_ir.interp import random_inputs, run_function
from dory.frontend import onnx_proto

from shared_models import SHARED, load, requires_shared, run_pipeline, sweep


def _fnv1a_reference(data: bytes) -> int:
    h = 2166136261
    for b in data:
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def test_fnv1a_is_the_byte_serial_checksum() -> None:
    # published FNV-1a 32-bit vectors, then every length across the 4-byte unrolling
    assert fnv1a(b"") == 0x811C9DC5 and fnv1a(b"a") == 0xE40C292C and fnv1a(b"foobar") == 0xBF9CF968
    rng = np.random.default_rng(0)
    for n in [*range(0, 41), 4097, 65538, 200003, 5]:  # growing the kept powers, then a prefix of them
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert fnv1a(data) == _fnv1a_reference(data), n
        assert fnv1a(data) == _fnv1a_reference(data), n  # memoised


@requires_shared
@pytest.mark.parametrize("name", sweep())
@pytest.mark.parametrize("pipeline", ["gap8-default", "pulp-default"])
def test_whole_layer_outputs_equal_the_tiled_run(name: str, pipeline: str) -> None:
    net = load(name)
    module = net.module
    xs = net.inputs + random_inputs(module, 0)[1:]
    run_pipeline(module, pipeline, verify_each=False)

    def results(tiled: bool) -> list[np.ndarray]:
        got: list[np.ndarray] = []
        run_function(module, xs, on_result=lambda op, rs: got.extend(rs), tiled=tiled)
        return got

    tiled, whole = results(True), results(False)
    assert len(tiled) == len(whole) > 0
    assert all(a.dtype == b.dtype and np.array_equal(a, b) for a, b in zip(tiled, whole))


def _models() -> list[Path]:
    return sorted(SHARED.glob("*/*.onnx")) if SHARED.is_dir() else []


def _same_array(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


@requires_shared
@pytest.mark.parametrize("path", _models(), ids=lambda p: p.parent.name)
def test_onnx_proto_reads_the_shared_models_as_onnx_does(path: Path) -> None:
    model = onnx.load(str(path))
    for t in model.graph.initializer:
        assert _same_array(onnx_proto.to_array(t), numpy_helper.to_array(t)), t.name
    for n in model.graph.node:
        for a in n.attribute:
            got, want = onnx_proto.attribute_value(a), helper.get_attribute_value(a)
            assert got == want, (n.name, a.name)
            if a.HasField("t"):
                assert _same_array(onnx_proto.to_array(a.t), numpy_helper.to_array(a.t)), (n.name, a.name)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64,
                                   np.uint32, np.uint64, np.bool_])
def test_onnx_proto_to_array_every_element_type(dtype: type) -> None:
    rng = np.random.default_rng(1)
    a = (rng.integers(0, 2, (2, 3, 4)) if dtype is np.bool_ else rng.integers(0, 100, (2, 3, 4)) - (50 if np.dtype(dtype).kind in "if" else 0)).astype(dtype)
    raw = numpy_helper.from_array(a, "raw")
    fields = helper.make_tensor("fields", helper.np_dtype_to_tensor_dtype(np.dtype(dtype)), a.shape, a.flatten().tolist())
    for t in (raw, fields):
        assert _same_array(onnx_proto.to_array(t), numpy_helper.to_array(t)), (dtype, t.name)
    # another element type goes to onnx itself
    f16 = numpy_helper.from_array(a.astype(np.float16), "f16")
    assert _same_array(onnx_proto.to_array(f16), numpy_helper.to_array(f16))


def test_onnx_proto_load_without_the_onnx_package(tmp_path: Path) -> None:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])
    w = numpy_helper.from_array(np.arange(4, dtype=np.float32).reshape(1, 4), "w")
    g = helper.make_graph([helper.make_node("Mul", ["x", "w"], ["y"], name="m")], "g", [x], [y], [w])
    path = tmp_path / "m.onnx"
    onnx.save(helper.make_model(g), str(path))
    code = ("import sys, hashlib\nfrom dory.frontend import onnx_proto\n"
            f"m = onnx_proto.load({str(path)!r})\n"
            "assert 'onnx' not in sys.modules and 'ml_dtypes' not in sys.modules\n"
            "print(hashlib.sha256(m.SerializeToString(deterministic=True)).hexdigest(), onnx_proto.to_array(m.graph.initializer[0]).tolist())\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    want = hashlib.sha256(onnx.load(str(path)).SerializeToString(deterministic=True)).hexdigest()
    assert r.stdout.split(" ", 1) == [want, "[[0.0, 1.0, 2.0, 3.0]]\n"]
    with pytest.raises(FileNotFoundError):
        onnx_proto.load(str(tmp_path / "missing.onnx"))


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.funny_files:
        return False
    if filecmp.cmpfiles(a, b, cmp.common_files, shallow=False)[1:] != ([], []):
        return False
    return all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


@requires_shared
def test_a_replanning_compile_is_deterministic(tmp_path: Path) -> None:
    # PenguiNet_32 re-plans on gap8 (its default arena does not fit beside the measured reserve):
    # the second build resumes from the first's pass snapshots and hits the object cache
    model = SHARED / "nemo_PenguiNet_32" / "model_int.onnx"
    outs = []
    for i in range(2):
        out = tmp_path / f"app{i}"
        r = subprocess.run([sys.executable, "-m", "dory.tools.dory_compile", "--target", "gap8", str(model), "-o", str(out)],
                           capture_output=True, text=True, env={**os.environ})
        assert r.returncode == 0, r.stderr
        outs.append((out, r.stdout))
    assert _same_tree(outs[0][0], outs[1][0])
    if shutil.which("riscv64-unknown-elf-gcc") and shutil.which("riscv64-unknown-elf-size"):
        assert "re-planned" in outs[0][1]  # measured, and the default plan did not fit


def test_dot_product_range_matvec_equals_the_per_element_bounds() -> None:
    # groups == 1 takes two matrix-vector products (float64 below 2^53, else int64), one interval
    # for all channels (given once, or cg equal ones) two row sums, one-term weights (k = 1) their
    # clamp; the reference is the definition, per output channel, in Python ints
    from dory.dory_ir.analysis.ranges import dot_product_range, per_channel, weight_sign_sums

    rng = np.random.default_rng(3)
    for _ in range(200):
        o, k, cg = (int(v) for v in rng.integers(1, 24, 3))
        w = rng.integers(-128, 128, (o, k, k, cg))
        n = cg if rng.random() < 0.7 else 1
        scale = 1 << 30 if rng.random() < 0.3 else 1  # past float64's 2^53 (k > 1): the int64 products
        lo = tuple(int(v) * scale for v in rng.integers(-300, 10, n))
        hi = tuple(a + int(b) * scale for a, b in zip(lo, rng.integers(0, 300, n)))
        if rng.random() < 0.2:
            lo, hi = lo[:1] * n, hi[:1] * n
        xl, xh = per_channel(lo, cg), per_channel(hi, cg)
        flat = w.reshape(o, -1, cg)
        want_lo = tuple(sum(int(v) * (xl[c] if v > 0 else xh[c]) for c in range(cg) for v in flat[j, :, c]) for j in range(o))
        want_hi = tuple(sum(int(v) * (xh[c] if v > 0 else xl[c]) for c in range(cg) for v in flat[j, :, c]) for j in range(o))
        assert dot_product_range(weight_sign_sums(w), lo, hi, 1) == (want_lo, want_hi)


def test_c_byte_arrays_are_16_bytes_a_line() -> None:
    # _c_bytes joins a table look-up a byte once and cuts the lines from it; the reference spells
    # every line on its own
    from dory.backends.gap8.app import _c_bytes

    rng = np.random.default_rng(5)
    for n in (0, 1, 15, 16, 17, 32, 33, 1000):
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        body = data or b"\0"
        lines = [", ".join(f"0x{b:02x}" for b in body[i:i + 16]) for i in range(0, len(body), 16)]
        want = f"X const uint8_t a[{len(body)}] = {{\n    " + ",\n    ".join(lines) + "\n};\n"
        assert _c_bytes("a", data, "X ") == want, n


@requires_shared
@pytest.mark.parametrize("name", sweep())
@pytest.mark.parametrize("pipeline", ["gap8-default", "pulp-default"])
def test_expected_outputs_ahead_equal_the_planned_modules(name: str, pipeline: str) -> None:
    # dory-compile starts the expected outputs before assign-memory, on a copy of the module
    # (ExpectedAhead): the planned module's own run must give the same step outputs and output
    from dory.backends.gap8.app import ExpectedAhead, expected_outputs
    from dory.backends.gap8.emit import emit_network
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline

    net = load(name)
    module = net.module
    passes = parse_pipeline(pipeline)
    split = next(i for i, p in enumerate(passes) if p.name == "assign-memory")
    PassManager(passes[:split], verify_each=False).run(PassContext(), module)
    xs = net.inputs + random_inputs(module, 0)[1:]
    ahead = ExpectedAhead(module.clone(), xs)
    PassManager(passes[split:], verify_each=False).run(PassContext(), module)
    emitted = emit_network(module)
    run = ahead.take(module, xs)
    assert run is not None  # the ops correspond one for one: the thread's results are used
    got, got_out = expected_outputs(module, xs, emitted, run)
    want, want_out = expected_outputs(module, xs, emitted)
    assert len(got) == len(want) == len(emitted.steps)
    assert all(_same_array(a, b) for a, b in zip(got, want)) and _same_array(got_out, want_out)
    # other inputs: not the thread's, the caller computes them itself
    other = [x.copy() for x in xs]
    other[0].flat[0] ^= 1
    assert ahead.take(module, other) is None
    # ops that do not stand for one another (another op, other result types) are not matched
    from dory.backends.gap8.app import _same_op

    ops = [op for op in module.walk() if op.operands and op.results]
    assert all(_same_op(op, op) for op in ops)
    assert any(not _same_op(a, b) for a, b in zip(ops, ops[1:]))


def test_expected_outputs_ahead_leaves_an_error_to_the_caller() -> None:
    # the thread's interpreter error is not raised by take: the caller's own run reports it
    from dory.backends.gap8.app import ExpectedAhead

    class Broken:
        def walk(self):  # type: ignore[no-untyped-def]
            raise RuntimeError("not a module")

    assert ExpectedAhead(Broken(), [np.zeros(3, dtype=np.int64)]).take(Broken(), [np.zeros(3, dtype=np.int64)]) is None
