"""Tile plans as input (passes/tiling/plans.py, the tile pass's ``plan`` option, docs/tile-plans.md):
both formats' parsing and errors, the shared CSVs, a network compiled with a hand plan running
bit-exactly on the host, and bench/compare_plans.py's --json shape."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dory.passes.tiling.plans import PlanError, parse_plan, read_plan

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT.parent / "shared" / "data" / "plans"
requires_plans = pytest.mark.skipif(not (PLANS / "mobilenet_v1_1.0_128.csv").is_file(), reason=f"no shared plans at {PLANS}")


def test_dory_plan_entries() -> None:
    plan = parse_plan("# a comment\n\n0 32x8x64x3\n  Conv_26   4x32x64x4 single  # trailing comment\n7 1x1x1x1 double\n", "p.plan")
    assert [(e.key, e.tile, e.buffering) for e in plan.entries] == [
        (0, (32, 8, 64, 3), "double"), ("Conv_26", (4, 32, 64, 4), "single"), (7, (1, 1, 1, 1), "double")]
    assert [(e.loc.line, e.loc.col) for e in plan.entries] == [(3, 1), (4, 3), (5, 1)]
    assert plan.lookup(0, "Conv_3") == [plan.entries[0]]
    assert plan.lookup(1, "Conv_26") == [plan.entries[1]]
    assert plan.lookup(2, "") == []


@pytest.mark.parametrize("text, where, message", [
    ("0 32x8x64\n", (1, 3), "expected a tile C_OUTxH_OUTxW_OUTxC_IN of positive integers, found '32x8x64'"),
    ("0 32x8x64x3\n1\n", (2, 2), "expected a tile C_OUTxH_OUTxW_OUTxC_IN after the layer, found end of line"),
    ("0 32x8x64x3 single now\n", (1, 20), "expected end of line after 'LAYER TILE [single|double]', found 'now'"),
    ("0 32x8x64x3 triple\n", (1, 13), "expected buffering 'single' or 'double', found 'triple'"),
    ("0 32x0x64x3\n", (1, 3), "expected a tile of positive integers, found h_out=0 in '32x0x64x3'"),
    ("0 32x-8x64x3\n", (1, 3), "found '32x-8x64x3'"),
    ("conv 1x1x1x1\nconv 2x2x2x2\n", (2, 1), "layer 'conv' is planned twice (first at line 1)"),
])
def test_dory_plan_errors_are_located(text: str, where: tuple[int, int], message: str) -> None:
    with pytest.raises(PlanError) as e:
        parse_plan(text, "p.plan")
    d = e.value.diagnostics[0]
    assert (d.loc.file, d.loc.line, d.loc.col) == ("p.plan", *where)
    assert message in d.message


@requires_plans
def test_shared_csv_columns() -> None:
    path = str(PLANS / "mobilenet_v1_1.0_128.csv")
    dory, deeploy = read_plan(path, "dory"), read_plan(path, "deeploy")
    assert [e.key for e in dory.entries] == list(range(29)) == [e.key for e in deeploy.entries]
    assert all(e.single for e in dory.entries) and not any(e.single for e in deeploy.entries)
    assert dory.entries[1].tile == (16, 16, 64, 16)  # DORY writes a depthwise tile's c_in = c_out
    assert deeploy.entries[1].tile == (32, 64, 13, 32)  # Deeploy's per-group c_in (1) becomes c_out
    assert deeploy.entries[2].tile == (8, 64, 24, 32)  # a conv keeps its c_in
    assert deeploy.entries[27].tile == (1024, 1, 1, 1024) and dory.entries[28].tile == (8, 1, 1, 1024)
    assert (dory.entries[0].loc.line, dory.entries[28].loc.line) == (2, 30)


def test_csv_errors(tmp_path: Path) -> None:
    good = tmp_path / "p.csv"
    good.write_text("layer,op,dory_c_out,dory_h_out,dory_w_out,dory_c_in\n0,conv2d,4,4,4,3\n1,conv2d,4,x,4,3\n")
    with pytest.raises(PlanError, match="a .csv plan needs its column prefix"):
        read_plan(str(good))
    with pytest.raises(PlanError, match="plan-columns expected dory or deeploy, found 'tvm'"):
        read_plan(str(good), "tvm")
    with pytest.raises(PlanError, match=r"expected the column\(s\) layer, deeploy_c_out, deeploy_h_out, deeploy_w_out, deeploy_c_in"):
        read_csv = good.read_text().replace("layer", "index")
        (tmp_path / "q.csv").write_text(read_csv)
        read_plan(str(tmp_path / "q.csv"), "deeploy")
    with pytest.raises(PlanError) as e:
        read_plan(str(good), "dory")
    assert (e.value.diagnostics[0].loc.line, e.value.diagnostics[0].loc.col) == (3, 1)
    assert "expected integers in the columns" in str(e.value)
    plan = tmp_path / "p.plan"
    plan.write_text("0 1x1x1x1\n")
    with pytest.raises(PlanError, match="plan-columns 'dory' applies to a .csv plan only"):
        read_plan(str(plan), "dory")
    with pytest.raises(PlanError, match="cannot read the tile plan"):
        read_plan(str(tmp_path / "missing.plan"))


# The summary line dory-compile prints per step: index, name, op, MMAC, tiles, L1 bytes, cycles.
_STEP = re.compile(r"^\s*(\d+) (\S+)\s+(\S+)\s+[\d.]+\s+(\d+)\s+(\d+)\s+(\d+)$", re.M)


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_network_with_a_hand_plan_runs_bit_exact(tmp_path: Path) -> None:
    """tests/data/dronet.plan (column splits, odd rows, input-channel splits of a conv and a
    linear, two single-buffered convs, by index and by op name) compiled into the generated DroNet: the planned layers take
    the plan's tiles, and the host app matches the interpreter on every step and the output."""
    onnx = tmp_path / "dronet.onnx"
    subprocess.run([sys.executable, "-m", "dory.tools.dory_netgen", "dronet", "-o", str(onnx)], check=True, cwd=ROOT,
                   capture_output=True)
    app = tmp_path / "app"
    r = subprocess.run([sys.executable, "-m", "dory.tools.dory_compile", str(onnx), "-o", str(app),
                        "--tile-plan", str(ROOT / "tests" / "data" / "dronet.plan")], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    tiles = {m[2]: int(m[4]) for m in _STEP.finditer(r.stdout)}
    # 0: 32x12x50 of 32x100x100 -> 9 x 2; MaxPool_25: 8x10x25 of 32x50x50 -> 4 x 5 x 2;
    # 2: 16x5x13x16 of 32x25x25x32 -> 2 x 5 x 2 x 2; Add_104: 16x4x25 of 32x25x25 -> 2 x 7; 14: 2 of 6272 inputs
    # 3: 16x7 of 32x25 -> 2 x 4 (single buffered); Conv_161: 32x4 of 64x13 -> 2 x 4 (single buffered)
    assert ((tiles["Conv_3"], tiles["MaxPool_25"], tiles["Conv_28"], tiles["Conv_51"], tiles["Add_104"], tiles["Conv_161"],
             tiles["MatMul_291"]) == (18, 40, 40, 8, 14, 8, 2))
    run = subprocess.run(["make", "-s", "-C", str(app), "run"], capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "MISMATCH" not in run.stdout
    assert re.search(r"dory: \S+: 15 of 15 steps match, output matches", run.stdout), run.stdout[-2000:]


def test_compile_plan_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from dory.driver.compile import main

    model, plan = tmp_path / "net.onnx", tmp_path / "p.plan"
    model.write_bytes(b"")  # never read: the options are checked first
    plan.write_text("0 1x1x1x1\n")
    assert main([str(model), "-o", str(tmp_path / "a"), "--tile-plan", str(plan), "--pipeline", "gap8-default"]) == 1
    assert "--tile-plan applies to the default pipeline" in capsys.readouterr().err
    assert main([str(model), "-o", str(tmp_path / "a"), "--tile-plan-columns", "dory"]) == 1
    assert "--tile-plan-columns needs --tile-plan FILE.csv" in capsys.readouterr().err


@pytest.mark.slow
@requires_plans
def test_compare_plans_json_shape() -> None:
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "compare_plans.py"), "--json", "mobilenet_v1_1.0_128"],
                       cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert list(out) == ["mobilenet_v1_1.0_128"]
    net = out["mobilenet_v1_1.0_128"]
    assert list(net) == ["ours", "dory", "deeploy"]
    for who in net.values():
        assert list(who) == ["modelled", "measured"]
        assert isinstance(who["modelled"], int) and who["modelled"] > 0
        assert who["measured"] is None  # not measured without --measure
    assert net["ours"]["modelled"] != net["dory"]["modelled"] != net["deeploy"]["modelled"]
