"""The pulp app of the largest generated networks links with the default plan, no GVSOC needed.

The first plan leaves ``Target.l2_reserved_bytes`` of L2 for code and data (backends/pulp/hw.py);
dory-compile then links the app, measures what it takes beside the arena and re-plans when the
arena does not fit beside that (backends/l2_reserve.py); the app's Makefile picks the HyperRAM for
L3 when the L2 stand-in,
the input and the expected output would not fit beside the arena. Before the reserve was measured
it was a guess a growing runtime outran (MobileNetV2's link overflowed L2 by 2,880 bytes once the
kernels grew); the Makefile's choice still is an estimate (MobileNetV1-0.25-224's 147 KiB input
made the L2 stand-in overflow by 18,320 bytes).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(
    shutil.which("riscv64-unknown-elf-gcc") is None,
    reason="no riscv64-unknown-elf-gcc (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)")]


@pytest.mark.parametrize("network", ["mobilenet_v2_1.0_128", "mobilenet_v1_0.25_224"])
def test_generated_network_links(tmp_path: Path, network: str) -> None:
    onnx, app = tmp_path / "net.onnx", tmp_path / "app"
    subprocess.run([sys.executable, "-m", "dory.tools.dory_netgen", network, "-o", str(onnx)], cwd=ROOT, check=True,
                   capture_output=True)
    c = subprocess.run([sys.executable, "-m", "dory.tools.dory_compile", str(onnx), "-o", str(app), "-q", "--target", "pulp"],
                       cwd=ROOT, capture_output=True, text=True)
    assert c.returncode == 0, c.stdout + c.stderr
    b = subprocess.run(["make", "-s", "-C", str(app), "app.elf"], capture_output=True, text=True)
    assert b.returncode == 0 and (app / "app.elf").is_file(), b.stdout + b.stderr
