"""The GAP8 / GAP9 L2 reserve (backends/l2_reserve.py `measure_objects`): the app's objects compiled
here as its Makefile.<chip> would build them, plus the SDK allowance of the target's hw.py; the
size parse, the Makefile parse and the re-plan are checked alone, the measurement on the app of a
shared network (which must then plan, emit and run bit-exact on the host with the re-planned L2)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

import dory.backends.l2_reserve as l2r
from dory.backends.gap8.app import AppFiles
from dory.backends.gap8.hw import GAP8, L2_SDK_ALLOWANCE
from dory.backends.gap9.hw import GAP9

sys.path.insert(0, str(Path(__file__).resolve().parent))
from shared_models import SHARED, requires_shared  # noqa: E402

needs_cross = pytest.mark.skipif(shutil.which(l2r.COMPILER) is None or shutil.which(l2r.SIZE) is None,
                                 reason=f"no {l2r.COMPILER} (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)")

# `size -A` of two objects as riscv64-unknown-elf-size prints them (the conv kernel's custom
# .text_dory_tail section is code too; .comment and .riscv.attributes are not loaded).
SIZE_A = """\
conv2d.o  :
section                  size   addr
.text                       0      0
.data                       0      0
.bss                        0      0
.text.dory_conv2d        4984      0
.text_dory_tail          2906      0
.rodata.cst4               16      0
.comment                   31      0
.riscv.attributes          47      0
Total                    7984


data.o  :
section                  size   addr
.srodata.x                  8      0
.rodata                 40068      0
.sdata                      4      0
.sbss                       8      0
.bss.g_kargs             7696      0
.comment                   31      0
Total                   47815
"""


def test_size_parse_counts_the_loaded_sections_of_every_object() -> None:
    assert l2r.section_bytes(SIZE_A) == 4984 + 2906 + 16 + 8 + 40068 + 4 + 8 + 7696
    assert l2r.section_bytes("") == 0
    # a "Total" row, a header and a non-numeric size are not sections
    assert l2r.section_bytes("Total 100\nsection size addr\n.text abc 0\n") == 0


def test_makefile_build_reads_the_chips_sources_and_flags() -> None:
    from dory.backends.gap8.app import _MAKEFILE_GAP8
    from dory.backends.gap9.app import MAKEFILE_GAP9

    srcs, flags = l2r.makefile_build(AppFiles({"Makefile.gap8": _MAKEFILE_GAP8}), "gap8")
    assert srcs[:3] == ["main_gap8.c", "network.c", "data.c"] and "$(wildcard runtime/kernels/*.c)" in srcs
    assert srcs[-1] == "runtime/port/pmsis/port_pmsis.c"
    assert "-O3" in flags and "-DDORY_HAVE_PMSIS" in flags
    srcs, flags = l2r.makefile_build(AppFiles({"Makefile.gap9": MAKEFILE_GAP9}), "gap9")
    assert srcs[0] == "main_gap9.c" and f"-DDORY_NUM_CORES={GAP9.cores}" in flags
    with pytest.raises(RuntimeError, match="no APP_SRCS"):
        l2r.makefile_build(AppFiles({"Makefile.gap8": "all:\n"}), "gap8")


def test_expand_wildcards_as_make(tmp_path: Path) -> None:
    (tmp_path / "k").mkdir()
    for n in ("b.c", "a.c", "a.h"):
        (tmp_path / "k" / n).write_text("")
    assert l2r._expand(["m.c", "$(wildcard k/*.c)", "$(wildcard w.c)"], tmp_path) == ["m.c", "k/a.c", "k/b.c"]


def test_the_targets_carry_the_sdk_allowance() -> None:
    assert GAP8.l2_sdk_allowance_bytes == L2_SDK_ALLOWANCE == 58 * 1024
    assert GAP9.l2_sdk_allowance_bytes == L2_SDK_ALLOWANCE


def _fake_plan(monkeypatch: pytest.MonkeyPatch, objects: int) -> tuple[list[int | None], tuple[Any, AppFiles, l2r.L2Fit]]:
    """plan_to_fit over a stand-in build (arena 400,000 B by default, the budget given otherwise)
    and a stand-in measurement (``objects`` + the allowance, GAP8's region)."""
    calls: list[int | None] = []

    def build(l2: int | None):  # type: ignore[no-untyped-def]
        calls.append(l2)
        return SimpleNamespace(l2_bytes=400_000 if l2 is None else l2 - 100), AppFiles({})

    def measure(app: AppFiles, app_target: str) -> l2r.L2Reserve:
        assert app_target == "gap8"
        return l2r.L2Reserve(objects + L2_SDK_ALLOWANCE, GAP8.l2_bytes, True, "compiled")

    monkeypatch.setattr(l2r, "can_measure", lambda t: True)
    monkeypatch.setattr(l2r, "measure", measure)
    return calls, l2r.plan_to_fit(build, "gap8", "gap8")


def test_replans_once_with_the_budget_the_measured_reserve_leaves(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, (net, _, fit) = _fake_plan(monkeypatch, 250_000)
    reserve = 250_000 + L2_SDK_ALLOWANCE
    budget = GAP8.l2_bytes - reserve - l2r.ALIGN - l2r.MARGIN
    assert calls == [None, budget] and fit.budget == budget and fit.first_arena == 400_000
    assert fit.fits and net.l2_bytes == fit.arena == budget - 100
    assert f"L2 reserve {reserve} B (compiled) + arena {budget - 100} B of the 512000-byte L2 region; re-planned" in fit.summary()


def test_a_reserve_that_leaves_no_arena_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """--weights-c-array on a big network: the blob in L2 beside the code leaves no budget; the
    error says so (it said "option 'l2' expected a positive number of bytes" before)."""
    with pytest.raises(ValueError, match=r"^gap8: the app's code and data take 569392 B of the 512000-byte L2 region "
                                         r"\(compiled\): no room is left for the network's L2 arena$"):
        _fake_plan(monkeypatch, 510_000)


def test_keeps_a_plan_that_fits_beside_the_reserve(monkeypatch: pytest.MonkeyPatch) -> None:
    calls, (_, _, fit) = _fake_plan(monkeypatch, 20_000)
    assert calls == [None] and fit.budget is None and fit.fits and "re-planned" not in fit.summary()


@needs_cross
@pytest.mark.slow  # plans DroNet and compiles its gap8 and gap9 objects (~10 s)
def test_reserve_follows_the_objects_static_data(tmp_path: Path) -> None:
    """The gap8 app of a small generated network: the reserve is its objects plus the allowance,
    and declaring the expected checksums 3000 words longer adds exactly their 12,000 bytes (the
    objects are summed, not linked: no alignment padding)."""
    from dory.backends.gap8.app import app_files, expected_outputs
    from dory.backends.gap8.emit import emit_network
    from dory.backends.target import planning_pipeline
    from dory.dory_ir.interp.interpreter import random_inputs
    from dory.driver.netgen import main as netgen
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline

    onnx = tmp_path / "dronet.onnx"
    assert netgen(["dronet", "-o", str(onnx)]) == 0
    module = import_onnx(str(onnx), warn=lambda m: None)
    PassManager(parse_pipeline(planning_pipeline("gap8")), verify_each=False).run(PassContext(), module)
    net = emit_network(module)
    inputs = random_inputs(module, 3)
    expected, output = expected_outputs(module, inputs, net)
    app = app_files(net, inputs[0], expected, output, "gap8", "dronet")
    before = l2r.measure(app, "gap8")
    assert before.measured and before.region == GAP8.l2_bytes
    m = re.match(r"(\d+) B of the app's objects compiled here \(-march=rv32imc proxy, Makefile.gap8's flags\) "
                 r"\+ (\d+) B allowance for the GAP SDK \(backends/gap8/hw.py\)$", before.how)
    assert m is not None, before.how
    objects = int(m.group(1))
    assert int(m.group(2)) == L2_SDK_ALLOWANCE and before.reserve == objects + L2_SDK_ALLOWANCE
    # at least the runtime's kernels; at most the 512 KB L2
    assert 50_000 < objects < GAP8.l2_bytes
    # the 40,000-byte input (200x200) and the expected output are flash files (DORY_DATA_IN_FS), not
    # L2 arrays: the app carries them, and a longer input array in data.c adds nothing to the reserve
    assert len(app.files["input.bin"]) == 40_000 and "input.bin expected.bin" in str(app.files["Makefile.gap8"])
    data0 = str(app.files["data.c"])
    longer = data0.replace("const uint8_t dory_input[40000] = {", "const uint8_t dory_input[43000] = {")
    assert longer != data0
    assert l2r.measure(AppFiles({**app.files, "data.c": longer}), "gap8").reserve == before.reserve
    data = str(app.files["data.c"])
    head = "const uint32_t dory_expected_checksums["
    i = data.index(head) + len(head)
    n = int(data[i:data.index("]", i)])
    grown = AppFiles({**app.files, "data.c": data.replace(f"{head}{n}]", f"{head}{n + 3000}]")})
    assert l2r.measure(grown, "gap8").reserve == before.reserve + 12000
    # the same app for gap9: the same objects (one more define), GAP9's region
    app9 = app_files(net, inputs[0], expected, output, "gap9", "dronet")
    r9 = l2r.measure(app9, "gap9")
    assert r9.region == GAP9.l2_bytes and abs(r9.reserve - before.reserve) < 1000


def _small_gap8_app(flags: str) -> AppFiles:
    """A GAP8 app of one main and one runtime source (the runtime copied in by write_app)."""
    return AppFiles({"Makefile.gap8": f"APP_SRCS = main.c runtime/src/net.c\nAPP_CFLAGS += {flags} -Iruntime/include\n",
                     "main.c": "int main(void) { return 0; }\n"})


@needs_cross
def test_runtime_figures_are_kept_per_machine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A runtime object's measured bytes are kept beside the object cache: a later process (an empty
    memo) measures the same reserve without compiling or sizing the runtime source; a damaged entry
    is ignored and rewritten; other flags are another entry; DORY_CC_CACHE=0 keeps nothing."""
    monkeypatch.setenv("DORY_CC_CACHE_DIR", str(tmp_path / "cache"))
    real = l2r._object_bytes
    compiled: list[str] = []

    def counting(cc: list[str], flags: list[str], src: str, d: Path, cache: Any = None) -> int:
        compiled.append(src)
        return real(cc, flags, src, d, cache)

    monkeypatch.setattr(l2r, "_object_bytes", counting)

    def measure(flags: str = "-O2") -> int:
        monkeypatch.setattr(l2r, "_RUNTIME_BYTES", {})  # a new process
        compiled.clear()
        return l2r.measure_objects(_small_gap8_app(flags), "gap8").reserve

    def entries() -> list[Path]:
        return sorted(p for p in (tmp_path / "cache" / "l2-bytes").rglob("*") if p.is_file())

    first = measure()
    assert sorted(compiled) == ["main.c", "runtime/src/net.c"] and len(entries()) == 1
    kept = entries()[0].read_text()
    assert re.fullmatch(r"\d+\n", kept) and int(kept) > 1000
    assert measure() == first and compiled == ["main.c"]
    entries()[0].write_text("12x\n")
    assert measure() == first and sorted(compiled) == ["main.c", "runtime/src/net.c"] and entries()[0].read_text() == kept
    measure("-O3")
    assert len(entries()) == 2
    monkeypatch.setenv("DORY_CC_CACHE", "0")
    shutil.rmtree(tmp_path / "cache")
    assert measure() == first and sorted(compiled) == ["main.c", "runtime/src/net.c"]
    assert not (tmp_path / "cache").exists()


@needs_cross
def test_without_a_working_cross_compiler_the_static_estimate_is_used_and_said(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CROSS", "/nonexistent-dory-cross/")
    calls: list[int | None] = []

    def build(l2: int | None):  # type: ignore[no-untyped-def]
        calls.append(l2)
        files = {"Makefile.gap8": "APP_SRCS = main.c\nAPP_CFLAGS += -O3\n", "main.c": "int main(void) { return 0; }\n"}
        return SimpleNamespace(l2_bytes=400_000), AppFiles(files)

    _, _, fit = l2r.plan_to_fit(build, "gap8", "gap8")
    assert calls == [None] and not fit.reserve.measured and fit.reserve.reserve == GAP8.l2_reserved_bytes
    assert fit.summary().startswith("L2 reserve 65536 B (static estimate of backends/gap8/hw.py: the measuring compile failed: "
                                    "error: cannot run the cross tools")


@needs_cross
@requires_shared
@pytest.mark.slow  # plans PenguiNet twice and builds its host app (~20 s)
def test_shared_network_gap8_plans_with_the_measured_reserve_and_runs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """dory-compile --target gap8 on PenguiNet_32: its default arena (~446 KB) does not fit beside
    the measured reserve (~320 KB) in GAP8's 512,000-byte L2, so it re-plans; the summary says
    so, the numbers add up, and the re-planned app runs bit-exact on the host."""
    from dory.driver.compile import main

    onnx = sorted((SHARED / "nemo_PenguiNet_32").glob("*.onnx"))[0]
    app = tmp_path / "app"
    rc = main([str(onnx), "-o", str(app), "--target", "gap8", "--seed", "3"])
    r = capsys.readouterr()
    assert rc == 0, r.err
    m = re.search(r"^L2 reserve (\d+) B \((\d+) B of the app's objects compiled here .*\+ (\d+) B allowance for the GAP SDK "
                  r"\(backends/gap8/hw.py\)\) \+ arena (\d+) B of the 512000-byte L2 region; re-planned with an L2 budget of "
                  r"(\d+) B \(the default plan's (\d+)-byte arena did not fit beside the reserve\)$", r.out, re.M)
    assert m is not None, r.out
    reserve, objects, allowance, arena, budget, first = map(int, m.groups())
    assert reserve == objects + allowance and allowance == L2_SDK_ALLOWANCE
    assert first + reserve > GAP8.l2_bytes and arena <= budget and arena + reserve + l2r.ALIGN <= GAP8.l2_bytes
    assert re.search(rf"^#define DORY_NET_L2_BYTES {arena}u?$", (app / "network.h").read_text(), re.M)
    run = subprocess.run(["make", "-s", "-C", str(app), "run"], capture_output=True, text=True)
    assert run.returncode == 0 and re.search(r"(\d+) of \1 steps match, output matches", run.stdout), run.stdout + run.stderr


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
