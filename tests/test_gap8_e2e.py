"""End to end on the host: every shared network and generated MobileNets compiled to C (frontend,
gap8-default, emitter, app; the shared networks also with gap9-default), built with ``-O2 -Wall -Werror`` and once with
``-fsanitize=address,undefined`` + the runtime's debug checks, run on 8 pthreads "cores", and
every step's output compared byte for byte with the reference interpreter, the final output also
with onnxruntime's on the same input (tests/ort_oracle.py: integer-exact on every network here but
MobileNetV1-1.0-224, whose float 7x7 average makes that check a skip stating the measured deviation;
QuantLab's adders spelled out first), plus the app's own checksum and final-output checks, which
must report a match and exit 0."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from app_checks import check_steps
from ort_oracle import check_final_output
from shared_models import NETWORKS, load, requires_shared, run_pipeline, sweep

pytestmark = [pytest.mark.slow, pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")]


def _expected(module, inputs, net):  # type: ignore[no-untyped-def]
    from dory.backends.gap8.app import expected_outputs

    return expected_outputs(module, inputs, net)


def build_and_run(module, inputs, tmp: Path, name: str, san: bool, onnx_path: str) -> tuple[str, list[bytes], list[bytes]]:  # type: ignore[no-untyped-def]
    """Emit, write, build and run the app, and check its final output against onnxruntime's on the
    same input (``onnx_path``: an oracle independent of our interpreter); returns its stdout, the
    dumped step outputs and the expected step bytes."""
    from dory.backends.gap8.app import app_files, write_app
    from dory.backends.gap8.emit import emit_network, pack

    net = emit_network(module)
    expected, output = _expected(module, inputs, net)
    app = tmp / "app"
    write_app(str(app), app_files(net, inputs[0], expected, output, "host", name))
    target = ["SAN=1"] if san else []
    b = subprocess.run(["make", "-s", "-C", str(app), *target, "app-san" if san else "app"], capture_output=True, text=True)
    assert b.returncode == 0, b.stdout + b.stderr
    dump = tmp / "dump"
    dump.mkdir()
    env = dict(os.environ, DORY_DUMP_DIR=str(dump))
    r = subprocess.run([f"./{'app-san' if san else 'app'}", "weights.bin"], cwd=app, capture_output=True, text=True, env=env, timeout=600)
    got = [(dump / f"step_{s.index:03d}.bin").read_bytes() if (dump / f"step_{s.index:03d}.bin").exists() else b"" for s in net.steps]
    want = [pack(e, s.dtype) for e, s in zip(expected, net.steps)]
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stdout[-4000:]}\n{r.stderr[-4000:]}"
    check_final_output(onnx_path, inputs[0], got[-1], net.steps[-1].dtype)
    return r.stdout, got, want


def _check(stdout: str, got: list[bytes], want: list[bytes]) -> None:
    check_steps(stdout, got, want)


@requires_shared
@pytest.mark.parametrize("name", NETWORKS)
def test_shared_network_runs_bit_exact(name: str, tmp_path: Path) -> None:
    """gap8-default, -O2: every shared network (the main host check)."""
    _shared_network(name, "gap8", False, tmp_path)


@requires_shared
@pytest.mark.parametrize("name", sweep())
def test_shared_network_runs_bit_exact_sanitized(name: str, tmp_path: Path) -> None:
    """gap8-default under address/undefined sanitizers and the runtime's debug checks: the
    representative networks in `make test`, the rest `long`."""
    _shared_network(name, "gap8", True, tmp_path)


@requires_shared
@pytest.mark.parametrize("name", sweep(("nemo_dronet_complete", "nemo1d_TCN_T")))
def test_shared_network_runs_bit_exact_gap9(name: str, tmp_path: Path) -> None:
    """gap9-default (128 KB L1, 1.5 MB L2), -O2: two networks in `make test`, the rest `long`."""
    _shared_network(name, "gap9", False, tmp_path)


def _shared_network(name: str, target: str, san: bool, tmp_path: Path) -> None:
    """Planned with the target's default pipeline, run on the host port with the plan's L1/L2
    arenas."""
    from dory.backends.target import get_target

    net = load(name)
    run_pipeline(net.module, f"{target}-default", verify_each=False)
    fn = net.module.body.ops[0]
    assert fn.attributes["dory.memory"].as_dict()["l1_budget"].value == get_target(target).l1_budget
    stdout, got, want = build_and_run(net.module, net.inputs, tmp_path, name, san=san, onnx_path=net.onnx_path)
    assert f"L1 {get_target(target).l1_budget} B" in stdout.splitlines()[0]  # the host's L1 arena is the plan's
    _check(stdout, got, want)


@pytest.mark.parametrize("gen,san", [("mobilenet_v1_0.25_128", False), ("mobilenet_v1_0.25_128", True),
                                     ("mobilenet_v2_0.35_128", False), ("mobilenet_v1_1.0_224", False)])
def test_generated_mobilenet_runs_bit_exact(gen: str, san: bool, tmp_path: Path) -> None:
    from dory.dory_ir.interp.interpreter import random_inputs
    from dory.frontend.onnx_import import import_onnx
    from dory.driver.netgen import main as netgen

    onnx_path = tmp_path / f"{gen}.onnx"
    assert netgen([gen, "-o", str(onnx_path)]) == 0
    module = import_onnx(str(onnx_path), warn=lambda m: None)
    run_pipeline(module, verify_each=False)
    stdout, got, want = build_and_run(module, random_inputs(module, 1), tmp_path, gen, san=san, onnx_path=str(onnx_path))
    _check(stdout, got, want)
