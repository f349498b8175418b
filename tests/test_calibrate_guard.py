"""bench/gvsoc/calibrate.py's safety net around a refit, without GVSOC: the pool features follow
runtime/kernels/pool.c's loops, collinear features are reported (fit.collinear), the tile guard
refuses a fit whose preferred tile is measured more than 10 % slower than the fastest (the table
is not written unless --force), records merge, and the tile pass's per-layer caps reach the tiler."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
for _p in (ROOT / "bench" / "gvsoc", ROOT / "bench", ROOT / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import calibrate  # noqa: E402
import fit  # noqa: E402

from dory.backends.pulp.hw import PULP  # noqa: E402
from dory.passes.base import PassFailed  # noqa: E402
from dory.passes.pipeline import parse_pipeline  # noqa: E402
from dory.passes.tile import TilePass  # noqa: E402
from dory.passes.tiling.cost import kernel_features  # noqa: E402
from dory.passes.tiling.geometry import Geometry  # noqa: E402

POOL = {"all": {"layer": 2000.0}, "pool": {"tile": 3000.0, "pix": 80.0, "vtap": 3.5, "ctap": 18.0, "avg": 17.0, "atap": 4.6}}
"""A pool-only 'chip' of the order the GVSOC fit found."""


def _maxpool(c: int, hw: int) -> Geometry:
    """A 2x2 stride-2 max pool of c channels on an hw x hw map."""
    return Geometry("pool", n=1, ho=hw // 2, wo=hw // 2, co=c, hi=hw, wi=hw, ci=c, kh=2, kw=2, sh=2, sw=2)


def _measured(layers: list[fit.Layer], coef: dict[str, dict[str, float]]) -> list[fit.Layer]:
    for x in layers:
        x.measured = round(fit.model_cycles(x, coef, PULP))
    return layers


def test_pool_features_follow_the_kernel_loops() -> None:
    """A tile's busiest core: its pixels, 4-channel words x taps, leftover channels x taps."""
    g = _maxpool(32, 100)  # 50 x 50 outputs
    f = kernel_features(g, (2, 50, 50, 2), PULP)  # 16 channel tiles, 50 rows: 7 rows of 50 per core
    assert (f["tile"], f["pix"], f["vtap"], f["ctap"]) == (16, 16 * 350, 0, 16 * 350 * 2 * 4)
    f = kernel_features(g, (20, 4, 50, 20), PULP)  # 4 rows < 8 cores: the pixels split, 25 a core
    n = 2 * 13  # 2 channel tiles (20 + 12) x 13 row tiles (12 of 4 rows, 1 of 2)
    assert f["tile"] == n and f["ctap"] == 0
    assert f["vtap"] == 13 * (25 * 5 * 4) * 1 - (25 - 13) * 5 * 4 + 13 * 25 * 3 * 4 - (25 - 13) * 3 * 4
    avg = dataclasses.replace(g, pool_avg=True)
    fa = kernel_features(avg, (32, 50, 50, 32), PULP)
    assert fa["vtap"] == fa["ctap"] == 0 and fa["avg"] == 350 * 32 and fa["atap"] == 350 * 32 * 4


def test_collinear_features_are_reported() -> None:
    """Every pool tile of 8 channels and a 2x2 window: vtap = 8 pix, the two cannot be told apart."""
    same = [fit.Layer("net", i, f"p{i}", _maxpool(8, s), (8, h, s // 2, 8), 0)
            for i, (s, h) in enumerate([(16, 8), (20, 5), (32, 8), (40, 4), (48, 24), (24, 3)])]
    groups = fit.collinear(_measured(same, POOL), PULP)
    assert any({("pool", "pix"), ("pool", "vtap")} <= set(c.features) for c in groups), [c.text() for c in groups]
    # layers of 2 to 16 channels per tile, on maps of several sizes, pin both
    varied = [fit.Layer("net", i, f"p{i}", _maxpool(c, s), (c, s // 2, s // 2, c), 0)
              for i, (c, s) in enumerate([(2, 32), (4, 16), (8, 24), (12, 32), (16, 40), (6, 16)])]
    varied += [fit.Layer("net", 9, "q", _maxpool(16, 32), (16, 4, 16, 16), 0)]
    assert not any(("pool", "pix") in c.features for c in fit.collinear(_measured(varied, POOL), PULP))


def _record(tmp: Path, layers: list[tuple[str, int, Geometry, tuple[int, int, int, int], int, list[str]]]) -> Path:
    rec = {"date": "2026-12-07", "gvsoc": "209c147", "dory": "0000000", "failed": [], "variants": {},
           "tile_variants": {}, "networks": sorted({n for n, *_ in layers}),
           "layers": [{"network": n, "step": s, "name": f"L{s}", "label": "pool", "l1_budget": None, "caps": caps,
                       "tile": list(t), "measured": m, "geometry": dataclasses.asdict(g)} for n, s, g, t, m, caps in layers]}
    p = tmp / "m.json"
    p.write_text(json.dumps(rec))
    return p


def test_guard_refuses_a_fit_that_picks_a_slow_tile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A layer measured with two tiles whose features order them against the measurement (the
    one tile the fit must prefer, having less of every feature, measured 3x slower): the guard
    fails, main leaves the table alone and exits 1; --force writes it."""
    g = _maxpool(64, 32)
    rows = [("net", 0, g, (64, 16, 16, 64), 300_000, []), ("net", 0, g, (4, 16, 16, 4), 100_000, ["L0:4"])]
    for i, c in enumerate([8, 16, 32, 12]):  # other layers the model fits (measured by POOL)
        x = fit.Layer("net", i + 1, "", _maxpool(c, 24), (c, 12, 12, c), 0)
        rows.append(("net", i + 1, x.geometry, x.tile, round(fit.model_cycles(x, POOL, PULP)), []))
    src = _record(tmp_path, rows)
    ranks = calibrate.rankings(calibrate.load_layers(json.loads(src.read_text())), POOL, PULP)
    assert [(r.pick, r.best, r.ok) for r in ranks] == [((64, 16, 16, 64), (4, 16, 16, 4), False)]
    assert calibrate.guard(ranks, None)[0].startswith("net/L0 (pool): the model prefers 64,16,16,64")
    table = tmp_path / "calibration.py"
    table.write_text("untouched")
    monkeypatch.setattr(calibrate, "TABLE", table)
    monkeypatch.setattr(calibrate, "refresh_geometry", lambda record: None)
    monkeypatch.setattr(calibrate, "repicks", lambda layers, coef, nets: [])
    argv = ["--from", str(src), "--holdout", "", "-o", str(tmp_path / "report.md")]
    assert calibrate.main(argv) == 1
    assert table.read_text() == "untouched"
    assert "Tile guard: FAILED (1)" in (tmp_path / "report.md").read_text()
    assert calibrate.main(argv + ["--force"]) == 0
    assert "KERNEL_MODEL = KernelModel(" in table.read_text()


def test_guard_fails_on_a_repick_measured_slow() -> None:
    """The tiler re-run under a fit gives a layer a tile some run measured > 10 % slower."""
    slow = calibrate.Repick("net", 1, "MaxPool_12", "pool", (20, 4, 50, 20), (2, 50, 50, 2), 1_389_453,
                            ((20, 4, 50, 20), 250_654))
    fresh = dataclasses.replace(slow, new=(16, 4, 50, 16), measured=None)
    assert not slow.ok and fresh.ok
    assert calibrate.guard([], [fresh]) == []
    assert "the tiler would pick 2,50,50,2 (1,389,453 cycles measured)" in calibrate.guard([], [slow])[0]


def test_merge_records_replaces_runs() -> None:
    a = {"date": "d1", "dory": "a", "layers": [{"network": "n", "l1_budget": None, "caps": [], "step": 0, "m": 1},
                                               {"network": "n", "l1_budget": 100, "step": 0, "m": 2}]}
    b = {"date": "d2", "dory": "b", "layers": [{"network": "n", "l1_budget": None, "caps": [], "step": 0, "m": 3},
                                               {"network": "n", "l1_budget": None, "caps": ["X:2"], "step": 0, "m": 4}]}
    got = calibrate.merge_records([a, b])
    assert sorted(d["m"] for d in got["layers"]) == [2, 3, 4] and got["dory"] == "b" and len(got["merged"]) == 2


def test_tile_caps_option() -> None:
    assert TilePass(caps=("MaxPool_12:2", "Conv_1:8:4", "Add_3:0:2")).layer_caps() == {
        "MaxPool_12": {"c_out": 2}, "Conv_1": {"c_out": 8, "h_out": 4}, "Add_3": {"h_out": 2}}
    for bad in ("MaxPool_12", "X:a", ":2", "X:1:2:3", "X:-1"):
        with pytest.raises(ValueError):
            TilePass(caps=(bad,)).layer_caps()
    (tile,) = parse_pipeline("tile{target=pulp caps=MaxPool_12:2,Conv_1:8:4}")
    assert isinstance(tile, TilePass) and tile.caps == ("MaxPool_12:2", "Conv_1:8:4")
    assert parse_pipeline(str(tile)) == [tile]


def test_tile_caps_reach_the_tiler() -> None:
    """dronet_2.0's MaxPool_12 capped at 2 channels plans the 2-channel tile of the reverted fit."""
    onnx = ROOT.parent / "shared" / "models" / "nemo_dronet_2.0" / "model_int.onnx"
    if not onnx.exists():
        pytest.skip("no ../shared/models")
    base = calibrate.planned_layers(str(onnx), None)
    capped = calibrate.planned_layers(str(onnx), None, ("MaxPool_12:2",))
    assert capped[1][2][0] == 2 and base[1][2][0] > 2
    assert {i: t for i, (_, _, t, _) in capped.items() if i != 1} == {i: t for i, (_, _, t, _) in base.items() if i != 1}
    with pytest.raises(PassFailed, match="option 'caps' expected NAME:C or NAME:C:H"):
        calibrate.planned_layers(str(onnx), None, ("MaxPool_12:2", "MaxPool_12:4"))
