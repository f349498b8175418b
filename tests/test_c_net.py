"""The weights-blob loader of the C runtime (runtime/src/net.c): tests/c/net_stream_test.c, on the
host port with ASan/UBSan, checks that dory_net_load_blob_stream (the blob read piecewise, as the
pulp port's L3=hyper boot reads weights.bin through semihosting) leaves exactly the L2 / L3
contents of dory_net_load_blob for several chunk and read sizes, and fails (1) on a blob cut at
any byte, a bad header, and a record outside its memory (writing none of it)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CC = shutil.which("gcc") or shutil.which("cc")

pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")


def test_streamed_blob_load_matches_the_whole_blob_load(tmp_path: Path) -> None:
    exe = tmp_path / "net_stream_test"
    cmd = [str(CC), "-std=gnu99", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-pthread", "-O1", "-g", "-DDORY_DEBUG",
           "-fsanitize=address,undefined", "-fno-sanitize-recover=undefined",
           f"-I{ROOT / 'runtime' / 'include'}", f"-I{ROOT / 'runtime' / 'port' / 'host'}",
           str(ROOT / "tests" / "c" / "net_stream_test.c"), str(ROOT / "runtime" / "src" / "net.c"),
           str(ROOT / "runtime" / "port" / "host" / "port_host.c"), "-o", str(exe)]
    b = subprocess.run(cmd, capture_output=True, text=True)
    assert b.returncode == 0, b.stderr
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    assert r.stdout.rstrip().endswith("ok")
    assert "outside the 256-byte memory" in r.stdout and "truncated" in r.stdout and "no DORYWB01 header" in r.stdout
