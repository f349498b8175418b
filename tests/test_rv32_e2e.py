"""End to end on the RV32 emulator (runtime/port/rv32, ``--target rv32``): every shared network and
the generated MobileNetV1-0.25-128 compiled to an rv32 app, cross-built (rv32imc, -O2 -Werror),
run on qemu-system-riscv32 with 8 harts under -icount with the rv32prof plugin, and every step's
output compared byte for byte with the reference interpreter (dumped through semihosting), the
final output also with onnxruntime's on the same input (tests/ort_oracle.py), plus
the app's own checksum and output checks (exit 0) and its per-step instruction table.

Memory: the RV32 L2 is 512 KiB for code, data, hart 0's stack and the planned L2 arena. The app is
planned as dory-compile plans it (`backends.l2_reserve.plan_to_fit`: the default plan, the app's
L2 reserve measured by linking it, a re-plan with exactly that reserve when the arena does not fit
beside it), so every network must link by default: an overflow is a failure. Skipped without the
cross toolchain (gcc-riscv64-unknown-elf, picolibc-riscv64-unknown-elf, qemu-system-misc)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app_checks import check_steps
from ort_oracle import check_final_output
from shared_models import load, requires_shared, run_pipeline, sweep

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    shutil.which("riscv64-unknown-elf-gcc") is None or shutil.which("qemu-system-riscv32") is None
    or shutil.which("cc") is None,
    reason="no RV32 toolchain (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc)")]


def build_and_run(make_module, inputs, tmp: Path, name: str, onnx_path: str) -> tuple[str, list[bytes], list[bytes]]:  # type: ignore[no-untyped-def]
    """Plan as dory-compile does (measured L2 reserve, one re-plan when needed), build and run the
    app, and check its final output against onnxruntime's on the same input (``onnx_path``, an
    oracle independent of our interpreter); returns its stdout, the dumped step outputs and the
    expected step bytes."""
    from dory.backends.gap8.app import app_files, expected_outputs, write_app
    from dory.backends.gap8.emit import emit_network, pack
    from dory.backends.l2_reserve import plan_to_fit
    from dory.backends.target import planning_pipeline

    expected: list = []

    def build(l2: int | None):  # type: ignore[no-untyped-def]
        module = make_module()
        run_pipeline(module, "gap8-default" if l2 is None else planning_pipeline(l2=l2), verify_each=False)
        net = emit_network(module)
        exp, output = expected_outputs(module, inputs, net)
        expected[:] = exp
        return net, app_files(net, inputs[0], exp, output, "rv32", name)

    net, files, fit = plan_to_fit(build, "rv32", "gap8")
    assert fit.reserve.measured and fit.fits, fit.summary()
    app, dump = tmp / "app", tmp / "dump"
    write_app(str(app), files)
    b = subprocess.run(["make", "-s", "-C", str(app), "-f", "Makefile.rv32", "app.elf"], capture_output=True, text=True)
    assert b.returncode == 0, f"{fit.summary()}\n{b.stdout}{b.stderr}"
    r = subprocess.run(["make", "-s", "-C", str(app), "-f", "Makefile.rv32", "run", f"DUMP={dump}", "TIMEOUT=300"],
                       capture_output=True, text=True, timeout=400)
    got = [(dump / f"step_{s.index:03d}.bin").read_bytes() if (dump / f"step_{s.index:03d}.bin").exists() else b""
           for s in net.steps]
    want = [pack(e, s.dtype) for e, s in zip(expected, net.steps)]
    note = fit.summary() + "\n"
    assert r.returncode == 0, f"exit {r.returncode}\n{note}{r.stdout[-5000:]}\n{r.stderr[-3000:]}"
    check_final_output(onnx_path, inputs[0], got[-1], net.steps[-1].dtype)
    print(f"{name}: {note}" + "\n".join(line for line in r.stdout.splitlines() if line.startswith(("rv32:", "dory:"))))
    return note + r.stdout, got, want


def _check(stdout: str, got: list[bytes], want: list[bytes]) -> None:
    check_steps(stdout, got, want)
    assert re.search(r"^rv32: whole run: \d+ instructions on all harts", stdout, re.M), stdout[-3000:]


@requires_shared
@pytest.mark.parametrize("name", sweep(("nemo_Residual_connection_test_1", "nemo1d_TCN_T")))
def test_shared_network_runs_bit_exact_on_rv32(name: str, tmp_path: Path) -> None:
    """Two networks in `make test` (a residual add, 1-D convs), the rest `long`."""
    net = load(name)
    from dory.frontend.onnx_import import import_onnx

    stdout, got, want = build_and_run(lambda: import_onnx(net.onnx_path, warn=lambda m: None), net.inputs, tmp_path, name, net.onnx_path)
    _check(stdout, got, want)


def test_mobilenet_v1_025_128_runs_bit_exact_on_rv32(tmp_path: Path) -> None:
    from dory.dory_ir.interp.interpreter import random_inputs
    from dory.frontend.onnx_import import import_onnx
    from dory.driver.netgen import main as netgen

    gen = "mobilenet_v1_0.25_128"
    onnx_path = tmp_path / f"{gen}.onnx"
    assert netgen([gen, "-o", str(onnx_path)]) == 0
    module = import_onnx(str(onnx_path), warn=lambda m: None)
    stdout, got, want = build_and_run(lambda: import_onnx(str(onnx_path), warn=lambda m: None), random_inputs(module, 1),
                                      tmp_path, gen, str(onnx_path))
    _check(stdout, got, want)
