"""bench/bench_gvsoc.py's parsing of the pulp app's GVSOC output and its tables, on output captured
from a real run (nemo_Residual_connection_test_1 on GVSOC pulp-open, portable C kernels), without
GVSOC (the bench itself runs in ``make bench`` where GVSOC is present)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

import bench_gvsoc  # noqa: E402

# Captured from `make -C app run GVSOC=...` (3 of the 8 steps kept, total line recomputed for them;
# the stack peak line, which the app prints since, in its format with made-up figures).
SAMPLE = """dory: nemo_Residual_connection_test_1: 8 steps, L1 55296 B, L2 232496 B, L3 4 B; pulp-open, 8 cores
  0 Conv_0                       conv2d       4000000 MAC    6065773 cycles   0.66 MAC/cycle     264777 modelled  checksum 22c32ce9 ok
    busy/ld-stall/I$-miss per core (outside the barrier): 5976581/639344/861592 5846660/640223/814866 5845494/640193/814026 5846686/640223/814904 5845461/640193/814046 5846678/640223/814842 5843814/639786/815220 5844686/639810/815875; core 0: DMA wait 913, barrier 17943
  5 Floor_67                     add                0 MAC     271718 cycles   0.00 MAC/cycle      13087 modelled  checksum 85a1aa0e ok
    busy/ld-stall/I$-miss per core (outside the barrier): 209190/4024/11043 161017/3779/2826 161007/3779/2823 161017/3779/2815 160995/3781/2814 160975/3780/2790 160996/3781/2789 161006/3781/2794; core 0: DMA wait 98, barrier 766
  7 MatMul_81                    linear         20000 MAC     140567 cycles   0.14 MAC/cycle      10231 modelled  checksum ef18e7ea ok
    busy/ld-stall/I$-miss per core (outside the barrier): 81010/10411/3160 69327/10015/896 921/7/347 914/6/330 920/6/342 921/6/339 916/6/340 917/6/346; core 0: DMA wait 2077, barrier 202
dory: total: 6478058 cycles, 4020000 MAC, 0.62 MAC/cycle
dory: stack peak per cluster core (bytes of link.ld's): 2412/2816 700/1024 704/1024 700/1024 700/1024 700/1024 700/1024 700/1024
dory: nemo_Residual_connection_test_1: 8 of 8 steps match, output matches (8 bytes)
"""


def test_parse_steps_and_total() -> None:
    run = bench_gvsoc.parse_output("nemo_Residual_connection_test_1", SAMPLE)
    assert [(s.index, s.name, s.op) for s in run.steps] == [(0, "Conv_0", "conv2d"), (5, "Floor_67", "add"),
                                                            (7, "MatMul_81", "linear")]
    assert [(s.macs, s.cycles, s.modelled) for s in run.steps] == [
        (4000000, 6065773, 264777), (0, 271718, 13087), (20000, 140567, 10231)]
    assert (run.cycles, run.macs) == (6478058, 4020000)
    assert abs(run.mac_per_cycle - 4020000 / 6478058) < 1e-12
    assert run.stacks == [(2412, 2816)] + [(700, 1024), (704, 1024)] + [(700, 1024)] * 5


def test_mismatch_fails() -> None:
    bad = SAMPLE.replace("checksum 85a1aa0e ok", "checksum 85a1aa0e MISMATCH")
    with pytest.raises(bench_gvsoc.BenchError, match="MISMATCH in step.*Floor_67"):
        bench_gvsoc.parse_output("n", bad)
    with pytest.raises(bench_gvsoc.BenchError, match="does not match"):
        bench_gvsoc.parse_output("n", SAMPLE.replace("8 of 8 steps match", "7 of 8 steps match"))


def test_truncated_output_fails() -> None:
    with pytest.raises(bench_gvsoc.BenchError, match="no total line"):
        bench_gvsoc.parse_output("n", SAMPLE.split("dory: total")[0])


def test_tables() -> None:
    run = bench_gvsoc.parse_output("nemo_Residual_connection_test_1", SAMPLE)
    for s, kind in zip(run.steps, ["conv KxK", "add", "linear"]):
        s.kind = kind
    md = bench_gvsoc.report([run])
    # per network: ours next to DORY's 6.32 and the ratio
    assert "| nemo_Residual_connection_test_1 | 3 | 4,020,000 | 6,478,058 | 0.62 | 6.32 | 0.10 | 288,095 | 0.044 | 2,412 of 2,816 / 704 of 1,024 |" in md
    # per kind: conv KxK (Conv_0 is 5x5)'s MAC/cycle and share of the cycles; add has no MAC/cycle
    assert "| nemo_Residual_connection_test_1 | conv KxK | 1 | 4,000,000 | 6,065,773 | 0.66 | 93.6 % |" in md
    assert "|  | add | 1 | 0 | 271,718 | — | 4.2 % |" in md
    # model vs measured: per layer ratio, none within 25 %, each listed as an outlier
    assert "| nemo_Residual_connection_test_1 | Conv_0 | conv KxK | 4,000,000 | 264,777 | 6,065,773 | 0.044 |" in md
    assert "Layers within ±25% of measured: 0 of 3 (0.0 %)." in md
    assert "| linear | 1 | 0.073 | 0.073 | 0.073 | 0 |" in md
    assert "| all | 3 | 0.048 | 0.044 | 0.073 | 0 |" in md
    assert "nemo_Residual_connection_test_1/Conv_0 (conv KxK) 0.044" in md


def _gvsoc_kernel_bench() -> Any:
    """bench/gvsoc/bench_kernels.py, loaded as bench/report.py loads it."""
    sys.path.insert(0, str(ROOT / "tests"))
    import report

    return report.gvsoc_kernels()


def test_kernel_bench_tiles_fit_l1_and_table() -> None:
    """bench/gvsoc/bench_kernels.py without GVSOC: every tile (inputs, weights, scratch, the driver's
    three output copies) fits the driver's L1 arena, covers every kernel the issue lists, and the
    table marks the targets met or not."""
    import kernel_gvsoc as K

    gk = _gvsoc_kernel_bench()
    kinds = {s.kind for s in gk.SHAPES}
    assert kinds == {"conv3x3", "first conv", "pointwise", "depthwise", "linear", "pool", "add"}
    for i, s in enumerate(gk.SHAPES):
        c = getattr(K, s.builder)(seed=i, want=False, **s.args)
        if s.builder == "conv_tile":
            k = c["kh"] * c["kw"] * c["ci"]
            scratch = 2 * 8 * (-(-k // 4) * 4) if c["kind"] == "conv" and c["kh"] * c["kw"] > 1 else 0
            nbytes = c["x"].size + c["w"].size + 4 * c["co"] * 3 + 3 * c["ho"] * c["wo"] * c["co"] + scratch
        elif s.builder == "pool_tile":
            nbytes = c["x"].size + 3 * c["ho"] * c["wo"] * c["c"]
        else:
            nbytes = 5 * c["rows"] * c["c"]
        assert nbytes < K.L1_BYTES - 1024, (s.layer, nbytes)
        if s.kind in ("conv3x3", "pointwise", "depthwise"):
            assert c["ci"] >= 32
    rows = [gk.Row("conv3x3", "conv 3x3 64->64", "whole", 1000, 50, 48, 20.0, 20 / 15.5, 13.0),
            gk.Row("depthwise", "dw", "whole", 1000, 500, 400, 2.0, 2 / 15.5, 4.0),
            gk.Row("add", "add", "whole", 100, 50, 50, 2.0, None, None)]
    lines = gk.table(rows).splitlines()
    assert lines[2].endswith("| 20.00 | 1.29 | >= 13 | yes |")
    assert lines[3].endswith("| 2.00 | 0.13 | >= 4 | no |")
    assert lines[4].endswith("| 2.00 elem/cycle | — | — | — |")


def test_compile_and_run_reports_a_failed_compile(tmp_path: Path) -> None:
    """The bench scripts' one build-and-run step names the network and dory-compile's located error
    when the compile fails (before any GVSOC is needed); a bad install would fail the run instead."""
    bad = tmp_path / "missing.onnx"
    with pytest.raises(bench_gvsoc.RunFailed, match=r"dory-compile net \(L1 1\): .*missing\.onnx: error: cannot read"):
        bench_gvsoc.compile_and_run("net (L1 1)", [str(bad)], tmp_path / "app", tmp_path / "no-gvsoc")
    assert not (tmp_path / "app").exists()


OVERFLOW = ("nemo_dronet_2.0 on GVSOC: exit 2\ndory: nemo_dronet_2.0: 17 steps, L1 55296 B\n"
            "dory pulp port: cluster core 1 overflowed its stack (link.ld: core 0 2816 B, others 1024 B)\n")


def test_a_failed_network_keeps_the_others(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One network failing on GVSOC (the last session's stack overflow) does not lose the others'
    figures: measure(keep_failed=True) lists it as a FAILED row with the program's own error line,
    main writes the tables and exits 1; without keep_failed measure raises as before."""
    sys.path.insert(0, str(ROOT / "tests"))
    import gvsoc

    nets = [("nemo_Residual_connection_test_1", "r.onnx", None), ("nemo_dronet_2.0", "d.onnx", None)]

    def bench_network(name: str, onnx: str, inp: str | None, work: Path, install: Path) -> bench_gvsoc.Run:
        if name == "nemo_dronet_2.0":
            raise bench_gvsoc.RunFailed(OVERFLOW)
        return bench_gvsoc.parse_output(name, SAMPLE)

    monkeypatch.setattr(gvsoc, "gvsoc_install", lambda: tmp_path)
    monkeypatch.setattr(bench_gvsoc, "networks", lambda names, generated, tmp: nets)
    monkeypatch.setattr(bench_gvsoc, "bench_network", bench_network)
    monkeypatch.setattr(bench_gvsoc, "layer_kinds", lambda onnx: {0: "conv KxK", 5: "add", 7: "linear"})
    log = tmp_path / "log"
    with log.open("w") as f, pytest.raises(bench_gvsoc.BenchError, match="overflowed its stack"):
        bench_gvsoc.measure(jobs=1, log=f)
    with log.open("w") as f:
        runs = bench_gvsoc.measure(jobs=1, log=f, keep_failed=True)
    assert [(r.name, r.failed) for r in runs] == [
        ("nemo_Residual_connection_test_1", ""),
        ("nemo_dronet_2.0", "dory pulp port: cluster core 1 overflowed its stack (link.ld: core 0 2816 B, others 1024 B)")]
    md = bench_gvsoc.report(runs)
    assert "| nemo_Residual_connection_test_1 | 3 | 4,020,000 | 6,478,058 | 0.62 | 6.32 | 0.10 | 288,095 | 0.044 | 2,412" in md
    assert "| nemo_dronet_2.0 | — | — | FAILED: dory pulp port: cluster core 1 overflowed its stack" in md
    assert "6,478,058 cycles (without the 1 FAILED: nemo_dronet_2.0)." in md
    assert [r.name for r in runs if r.steps] == ["nemo_Residual_connection_test_1"]

    out = tmp_path / "gvsoc.md"
    monkeypatch.setattr(bench_gvsoc, "gvsoc_missing", lambda: None)
    monkeypatch.setattr(bench_gvsoc, "measure", lambda *a, **k: runs)
    monkeypatch.setattr(sys, "argv", ["bench_gvsoc.py", "-o", str(out)])
    assert bench_gvsoc.main() == 1
    assert "FAILED: dory pulp port" in out.read_text() and "| nemo_Residual_connection_test_1 | 3 |" in out.read_text()
