"""The generated GAP8 / GAP9 main (PMSIS) run on the host: tests/c/pmsis_host_fs.c stands in for
the SDK's boot, flash and read-only file system (the working directory), so the main's own loading
of weights.bin, its streaming of input.bin into the network's input buffer and its chunked
comparison with expected.bin (DORY_DATA_IN_FS, set by Makefile.gap8 / .gap9) run as written; the
runtime is the host port's. Nothing here runs the SDK: its drivers are only stood in for."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", params=["gap8", "gap9"])
def pmsis_app(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated network compiled for the chip, its PMSIS main built for the host."""
    from dory.driver.compile import main as compile_main
    from dory.driver.netgen import main as netgen

    chip = request.param
    d = tmp_path_factory.mktemp(f"pmsis-{chip}")
    onnx = d / "dronet.onnx"
    assert netgen(["dronet", "-o", str(onnx)]) == 0
    app = d / "app"
    assert compile_main([str(onnx), "-o", str(app), "--target", chip, "--seed", "5", "-q"]) == 0
    assert "-DDORY_DATA_IN_FS" in (app / f"Makefile.{chip}").read_text()
    shutil.copy(ROOT / "tests" / "c" / "pmsis_host_fs.c", app)
    srcs = (f"main_{chip}.c network.c data.c $(wildcard runtime/src/*.c) $(wildcard runtime/kernels/*.c) "
            "runtime/port/host/port_host.c pmsis_host_fs.c")
    host_mk = ["-f", "Makefile.host"] if (app / "Makefile.host").exists() else []  # gap9: Makefile is the SDK's
    b = subprocess.run(["make", "-s", "-C", str(app), *host_mk, "APP=app-pmsis", "INC=-I. -Iruntime/include -Iruntime/port/host "
                        "-Iruntime/port/pmsis", "OPT=-O1 -DDORY_DATA_IN_FS", f"SRCS={srcs}", "app-pmsis"],
                       capture_output=True, text=True)
    assert b.returncode == 0, b.stdout + b.stderr
    return app


def _run(app: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["./app-pmsis"], cwd=app, capture_output=True, text=True, timeout=300)


def test_pmsis_main_loads_its_files_and_matches(pmsis_app: Path) -> None:
    r = _run(pmsis_app)
    assert r.returncode == 0 and "dory: dronet: 15 of 15 steps match, output matches (8 bytes)" in r.stdout, r.stdout


def test_the_input_comes_from_input_bin(pmsis_app: Path) -> None:
    """Another input in the file: the steps' checksums no longer match (the data.c array is not
    compiled in: the run read the file)."""
    f = pmsis_app / "input.bin"
    good = f.read_bytes()
    try:
        f.write_bytes(bytes(b ^ 0x5A for b in good))
        r = _run(pmsis_app)
    finally:
        f.write_bytes(good)
    assert r.returncode == 1 and "MISMATCH" in r.stdout and "15 of 15 steps match" not in r.stdout, r.stdout


def test_the_output_is_compared_with_expected_bin(pmsis_app: Path) -> None:
    f = pmsis_app / "expected.bin"
    good = f.read_bytes()
    try:
        f.write_bytes(good[:-1] + bytes([good[-1] ^ 1]))
        r = _run(pmsis_app)
    finally:
        f.write_bytes(good)
    assert r.returncode == 1 and "15 of 15 steps match, output MISMATCH (8 bytes)" in r.stdout, r.stdout


@pytest.mark.parametrize("name", ["input.bin", "expected.bin"])
def test_a_missing_data_file_fails(pmsis_app: Path, name: str) -> None:
    f = pmsis_app / name
    good = f.read_bytes()
    try:
        f.unlink()
        r = _run(pmsis_app)
    finally:
        f.write_bytes(good)
    assert r.returncode == 1, r.stdout
    assert ("dory: initialisation failed" if name == "input.bin" else "output MISMATCH") in r.stdout, r.stdout
