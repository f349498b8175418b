"""The C runtime's platform ports (runtime/port/): build and run tests/c/port_test.c.

- host port (pthreads): release -O2 -Werror, debug (-DDORY_DEBUG + ASan/UBSan), ThreadSanitizer
  (skipped when TSan cannot run here); fork / barrier / 1-D..3-D DMA / deferred copies / L3 /
  perf, and the misuse cases that must abort with a message;
- pmsis port: the -fsyntax-only check against pmsis_api.h, and its DMA splitting / L3 / perf
  paths run on the host against a PMSIS mock (tests/c/port_pmsis_mock.c).
"""

import os
import platform
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
INC = ROOT / "runtime" / "include"
HOST = ROOT / "runtime" / "port" / "host"
PMSIS = ROOT / "runtime" / "port" / "pmsis"
CDIR = Path(__file__).resolve().parent / "c"

CC = shutil.which("gcc") or shutil.which("cc")
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")

BASE = ["-std=gnu99", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-pthread"]
RELEASE = BASE + ["-O2"]
DEBUG = BASE + ["-O1", "-g", "-DDORY_DEBUG", "-fsanitize=address,undefined",
                "-fno-sanitize-recover=undefined"]
TSAN = BASE + ["-O1", "-g", "-DDORY_DEBUG", "-fsanitize=thread"]

ENV = dict(os.environ, ASAN_OPTIONS="detect_leaks=1:abort_on_error=0",
           UBSAN_OPTIONS="print_stacktrace=1", TSAN_OPTIONS="halt_on_error=1")


def _build(out: Path, flags, sources, incs):
    cmd = [CC, *flags, *(f"-I{i}" for i in incs), *map(str, sources), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"build failed: {' '.join(cmd)}\n{r.stderr}"
    return out


def _run(exe: Path, *args, timeout=60):
    return subprocess.run([str(exe), *args], capture_output=True, text=True, env=ENV, timeout=timeout)


HOST_SRCS = [HOST / "port_host.c", CDIR / "port_test.c"]


@pytest.fixture(scope="module")
def bins(tmp_path_factory):
    d = tmp_path_factory.mktemp("port")
    return {
        "release": _build(d / "port_test_release", RELEASE, HOST_SRCS, [INC, HOST]),
        "debug": _build(d / "port_test_debug", DEBUG, HOST_SRCS, [INC, HOST]),
    }


def _assert_ok(r):
    assert r.returncode == 0 and "ALL OK" in r.stdout, f"rc={r.returncode}\n{r.stdout}\n{r.stderr}"


@pytest.mark.parametrize("kind", ["release", "debug"])
def test_host_port_functional(bins, kind):
    _assert_ok(_run(bins[kind]))


def test_host_port_tsan(tmp_path):
    probe_src = tmp_path / "probe.c"
    probe_src.write_text(
        "#include <pthread.h>\nstatic void *f(void *p) { return p; }\n"
        "int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); pthread_join(t, 0); return 0; }\n")
    probe = tmp_path / "probe"
    r = subprocess.run([CC, "-fsanitize=thread", "-pthread", str(probe_src), "-o", str(probe)],
                       capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot build with -fsanitize=thread: {r.stderr.strip()[:200]}")
    r = _run(probe)
    if r.returncode != 0:
        pytest.skip(f"ThreadSanitizer cannot run here: {r.stderr.strip()[:200]}")
    exe = _build(tmp_path / "port_test_tsan", TSAN, HOST_SRCS, [INC, HOST])
    r = _run(exe)
    _assert_ok(r)
    assert "ThreadSanitizer" not in r.stderr, r.stderr


# (case, message fragment) — every one must abort in a DORY_DEBUG build.
DEBUG_ABORTS = [
    ("dma_l1_oob", "L1 row (i2=0, i1=3)"),
    ("dma_l2_oob_3d", "L2 row (i2=2, i1=0)"),
    ("dma_l2_below", "outside the L2 arena"),
    ("dma_swapped", "outside the L1 arena"),
    ("dma_wait_twice", "no outstanding transfer"),
    ("dma_reissue_unwaited", "was never waited"),
    ("dma_never_waited", "never waited"),
    ("dma_src_modified", "source (L2"),
    ("dma_dst_written", "destination (L2"),
    ("dma_too_many", "more than 32 jobs outstanding"),
    ("l3_read_oob", "dory_l3_read: L3 range [8182, 8193)"),
    ("l3_write_oob", "dory_l3_write: L3 range"),
    ("l3_addr_wrap", "outside the L3 arena"),
    ("debug_check_l1", "outside the L1 arena"),
    ("barrier_outside_task", "dory_barrier called outside a forked task"),
]
# The ones that must abort in release builds too (L3 bounds are always checked).
RELEASE_ABORTS = [c for c in DEBUG_ABORTS
                  if c[0].startswith("l3_") or c[0] in ("dma_too_many", "barrier_outside_task")]


def _assert_aborts(r, fragment):
    assert r.returncode != 0, f"expected an abort, got rc=0\n{r.stdout}\n{r.stderr}"
    assert "NO ABORT" not in r.stdout
    assert "dory host port: error:" in r.stderr, r.stderr
    assert fragment in r.stderr, f"missing {fragment!r} in:\n{r.stderr}"


@pytest.mark.parametrize("case,fragment", DEBUG_ABORTS, ids=[c[0] for c in DEBUG_ABORTS])
def test_host_port_debug_aborts(bins, case, fragment):
    _assert_aborts(_run(bins["debug"], case), fragment)


@pytest.mark.parametrize("case,fragment", RELEASE_ABORTS, ids=[c[0] for c in RELEASE_ABORTS])
def test_host_port_release_aborts(bins, case, fragment):
    _assert_aborts(_run(bins["release"], case), fragment)


# ---- pmsis port ---------------------------------------------------------------------------


@pytest.mark.parametrize("extra", [[], ["-DDORY_DEBUG"]], ids=["release", "debug"])
def test_pmsis_port_syntax(extra):
    cmd = [CC, "-std=gnu99", "-fsyntax-only", "-Wall", "-Wextra", "-Werror", *extra, f"-I{INC}",
           f"-I{PMSIS}", str(PMSIS / "port_pmsis.c")]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.skipif(platform.system() != "Linux" or platform.machine() not in ("x86_64", "AMD64"),
                    reason="the PMSIS mock needs MAP_32BIT (x86-64 Linux)")
@pytest.mark.parametrize("extra", [
    [],
    # tiny limits: every transfer is split into many commands, counters are recycled early
    ["-DDORY_PMSIS_DMA_MAX=40u", "-DDORY_PMSIS_DMA_COUNTERS=3", "-DDORY_PMSIS_CMDS_PER_JOB=2"],
    # a BSP that names the board's default RAM (as the GAP8 boards' BSP does: HyperRAM; GAP9's
    # EVK names its octo-SPI PSRAM): the port opens L3 through those macros
    ["-Dpi_default_ram_conf=pi_hyperram_conf", "-Dpi_default_ram_conf_init=pi_hyperram_conf_init"],
], ids=["default", "tiny-limits", "board-default-ram"])
def test_pmsis_port_on_mock(tmp_path, extra):
    flags = DEBUG + extra + ["-DPORT_TEST_PMSIS_MOCK"]
    exe = _build(tmp_path / "port_test_pmsis", flags,
                 [PMSIS / "port_pmsis.c", CDIR / "port_pmsis_mock.c", CDIR / "port_test.c"], [INC, PMSIS])
    _assert_ok(_run(exe))
