"""Calibrate the pulp target's kernel cycle model on GVSOC, in one command:

    .venv/bin/python bench/gvsoc/calibrate.py            # measure, fit, write, report
    .venv/bin/python bench/gvsoc/calibrate.py --from build/calib/measurements.json   # refit only

1. *Measure*: every shared network (../shared/models) and the generated MobileNets (`GENERATED`)
   is compiled with ``dory-compile --target pulp`` and run on GVSOC (bench/bench_gvsoc.py's
   compile/run/parse: every step must be bit-exact); a few networks (`VARIANTS`) are compiled
   again with smaller L1 budgets (``tile{l1-bytes=N}``), so the same layers run with other tiles
   (data for the per-tile terms, and the tile-ranking check). Per step the planned geometry and
   L1 tile are recorded with GVSOC's cycles in ``build/calib/measurements.json``.
2. *Fit* (bench/gvsoc/fit.py): non-negative coefficients of `passes.tiling.cost`'s calibrated
   model minimising the relative error, with the networks of ``--holdout`` left out.
3. *Write* the coefficients into ``backends/pulp/calibration.py`` (generated, committed; its
   docstring cites the measurement: date, GVSOC commit, dory commit, networks, held-out ones).
4. *Report*: per layer modelled vs measured (all layers, fitted and held out), the share within
   ±25 %, per model kind, the held-out networks' error, the outliers, and per layer measured with
   several tiles whether the model's preferred tile is among the measured fastest.

5. *Guard*: a fit is refused (the table is not written, exit 1; ``--force`` writes it anyway) when,
   for a layer measured with several tiles (`VARIANTS`, `TILE_VARIANTS`), the tile the fit
   prefers among them is more than `RANK_TOLERANCE` slower than the measured fastest, or when the
   tiler re-run under the fit gives a calibration layer a tile some run measured that much slower
   (`repicks`; the tiles it changes to that no run measured are listed for ``--check``). Feature
   groups the fitted layers cannot tell apart (bench/gvsoc/fit.py ``collinear``) are reported.

``--check`` then recompiles and re-measures everything with the new table (the tiles the new
model picks) and reports the same tables on that run against the table (``--evaluate``, no refit):
the honest figure, since the fit saw the tiles the previous model picked.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "bench", ROOT / "tests", ROOT / "bench" / "gvsoc"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import bench_gvsoc  # noqa: E402
from fit import COLLINEAR_TOL, Collinear, Fit, Layer, collinear, fit, kernel_model, model_cycles, summary, within  # noqa: E402

from dory.passes.tiling.geometry import Geometry  # noqa: E402

GENERATED = ["mobilenet_v1_0.25_128", "mobilenet_v1_0.25_224"]
"""Generated networks measured besides the shared ones (dory-netgen names; the wider MobileNets and
MobileNetV2 do not fit pulp-open's L2 with the port's L2 stand-in for L3)."""

VARIANTS: dict[str, list[int]] = {"nemo_dscnn_test": [24576, 12288], "mobilenet_v1_0.25_128": [24576, 12288],
                                  "nemo_PenguiNet_32": [24576], "nemo1d_TCN_T": [16384]}
"""Networks compiled again with these L1 budgets (bytes) for other tiles of the same layers."""

TILE_VARIANTS: dict[str, list[tuple[str, ...]]] = {
    "nemo_dronet_2.0": [("MaxPool_12:2", "Conv_13:8", "Add_77:4", "MatMul_218:1"),
                        ("MaxPool_12:4", "Conv_37:8:5", "Add_145:8"),
                        ("MaxPool_12:8", "Conv_105:16", "Add_213:32"),
                        ("MaxPool_12:32:2", "Conv_81:32:3", "Add_77:32:5")],
    "nemo_SmartAgri-net": [("MaxPool_12:4", "MaxPool_25:8", "MaxPool_38:16:1", "MatMul_53:8"),
                           ("MaxPool_12:32:2", "MaxPool_25:64:2", "MatMul_65:8")],
    "nemo1d_TCN_test_library": [("AveragePool_31:8", "AveragePool_70:4", "AveragePool_109:8")],
    "mobilenet_v1_0.25_128": [("Conv_164:8", "Conv_302:16:2", "GlobalAveragePool_623:16")],
}
"""Networks compiled again with these per-layer tile caps (the tile pass's ``caps``: NAME:C or
NAME:C:H), one app per tuple: the same pool, depthwise, add and linear layers run with narrow
channel tiles or few rows (MaxPool_12 with 2 channels of its 100x100 map: what the reverted fit
c32865e chose, 5.6x slower on GVSOC), so the fit sees what a bad tile costs and the tile guard
has alternatives to rank for every kind."""

HOLDOUT = ["nemo_PenguiNet_32", "mobilenet_v1_0.25_224"]
"""Networks left out of the fit (the default of ``--holdout``): each has a fitted twin (NAS_Frontnet,
mobilenet_v1_0.25_128), so every model kind keeps layers to fit on (dronet_complete, held out
before, holds 4 of the 5 layers of the 16-bit-input kind ``conv16``); their error is the over-fitting check."""

TABLE = ROOT / "backends" / "pulp" / "calibration.py"
MEASUREMENTS = ROOT / "build" / "calib" / "measurements.json"
RANK_TOLERANCE = 0.10
"""The model's preferred tile counts as among the fastest when within this much of the best."""


def pipeline(l1: int | None, caps: tuple[str, ...] = (), target: str = "pulp") -> str:
    """The pulp-default pipeline, with the tile pass's L1 budget when ``l1`` is given and its
    per-layer tile ``caps``."""
    from dory.backends.target import planning_pipeline

    return planning_pipeline(target, l1=l1 or None, caps=caps)


def planned_layers(onnx: str, l1: int | None, caps: tuple[str, ...] = (),
                   target: str = "pulp") -> dict[int, tuple[str, Geometry, tuple[int, int, int, int], bool]]:
    """Per step index: the bench's layer kind, the layer's geometry, its planned L1 tile and
    whether it is single buffered, from the network planned in process with the same pipeline the
    app was compiled with."""
    from dory.backends.gap8.emit import emit_network
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline
    from dory.passes.tile import tile_buffering
    from dory.passes.tiling.geometry import geometry

    module = import_onnx(onnx, warn=lambda m: None)
    PassManager(parse_pipeline(pipeline(l1, caps, target)), verify_each=False).run(PassContext(), module)
    out: dict[int, tuple[str, Geometry, tuple[int, int, int, int], bool]] = {}
    for s in emit_network(module).steps:
        op = s.value.op  # type: ignore[attr-defined]
        tile = op.attributes.get("dory.tile")
        if tile is None:
            continue
        l1_tile = dict(dict(tile.entries)["l1"].entries)
        t = tuple(int(l1_tile[d].value) for d in ("c_out", "h_out", "w_out", "c_in"))
        g = geometry(op)
        label = "other"
        if g.kind == "conv":
            label = "pointwise" if (g.kh, g.kw) == (1, 1) else "conv3x3" if (g.kh, g.kw) == (3, 3) else "conv KxK"
        elif g.kind in bench_gvsoc.KINDS:
            label = g.kind
        out[s.index] = (label, g, t, tile_buffering(tile))  # type: ignore[assignment]
    return out


def gvsoc_commit() -> str:
    """The GVSOC source commit the install was built from (short hash), or 'unknown'."""
    import gvsoc

    install = gvsoc.gvsoc_install()
    src = (install.parent if install else gvsoc.gvsoc_location()) / "src"
    r = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


def dory_commit() -> str:
    """This tree's commit (short hash, '+dirty' with uncommitted changes)."""
    r = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    d = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"], capture_output=True, text=True)
    return r.stdout.strip() + ("+dirty" if d.stdout.strip() else "")


Job = tuple[str, str, "str | None", "int | None", tuple[str, ...]]
"""(network, onnx, input file, L1 budget or None, tile caps)."""


def measure(names: list[str], generated: list[str], variants: dict[str, list[int]], jobs: int,
            tile_variants: dict[str, list[tuple[str, ...]]] | None = None) -> dict[str, Any]:
    """Compile and run every (network, L1 budget) on GVSOC; the measurement record (JSON-able)."""
    import gvsoc

    install = gvsoc.gvsoc_install()
    if install is None:
        raise SystemExit(f"calibrate: no GVSOC: {gvsoc._skip_reason()}")
    tmp = Path(tempfile.mkdtemp(prefix="dory-calib-"))
    saved = bench_gvsoc.GENERATED
    bench_gvsoc.GENERATED = generated
    try:
        nets = bench_gvsoc.networks(names, True, tmp)
    finally:
        bench_gvsoc.GENERATED = saved
    tile_variants = tile_variants or {}
    jobs_list: list[Job] = ([(n, o, i, None, ()) for n, o, i in nets] + [(n, o, i, b, ()) for n, o, i in nets for b in variants.get(n, [])]
                            + [(n, o, i, None, c) for n, o, i in nets for c in tile_variants.get(n, [])])

    def one(job: Job) -> tuple[Job, Any]:
        name, onnx, inp, l1, caps = job
        what = f"L1 {l1}" + (f", caps {','.join(caps)}" if caps else "")
        app = tmp / f"{name}-{jobs_list.index(job)}"
        args = [onnx, "--pipeline", pipeline(l1, caps), *(["--input", inp] if inp else [])]
        try:
            run = bench_gvsoc.compile_and_run(f"{name} ({what})", args, app, install)
        except bench_gvsoc.BenchError as e:
            return job, str(e)
        print(f"calibrate: {name} ({what}): {run.cycles:,} cycles", file=sys.stderr, flush=True)
        return job, run

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, jobs_list))
    errors = [r for _, r in results if isinstance(r, str)]
    for e in errors:  # a network that fails is left out (and named), the others still calibrate
        print(f"calibrate: FAILED, left out: {e}", file=sys.stderr, flush=True)
    if len(errors) == len(results):
        raise SystemExit("calibrate: every run failed")
    layers: list[dict[str, Any]] = []
    for (name, onnx, _, l1, caps), run in results:  # planning in this thread: passes are not re-entrant
        if isinstance(run, str):
            continue
        plan = planned_layers(onnx, l1, caps)
        for s in run.steps:
            if s.index not in plan:
                continue
            label, g, t, single = plan[s.index]
            layers.append({"network": name, "step": s.index, "name": s.name, "label": label, "l1_budget": l1,
                           "caps": list(caps), "tile": list(t), "measured": s.cycles, "geometry": asdict(g),
                           **({"single": True} if single else {})})
    return {"date": datetime.date.today().isoformat(), "gvsoc": gvsoc_commit(), "dory": dory_commit(),
            "networks": sorted({x["network"] for x in layers}), "failed": errors, "variants": {k: v for k, v in variants.items() if k in {n for n, _, _ in nets}},
            "tile_variants": {k: [list(c) for c in v] for k, v in tile_variants.items() if k in {n for n, _, _ in nets}},
            "layers": layers}


def merge_records(records: list[dict[str, Any]]) -> dict[str, Any]:
    """One measurement record of several (``--from A --from B``): a later record's runs replace
    an earlier one's runs of the same (network, L1 budget, tile caps); its date, commits and
    variants are the last record's, the networks and variants the union."""
    def run(d: dict[str, Any]) -> tuple[str, int | None, tuple[str, ...]]:
        return d["network"], d["l1_budget"], tuple(d.get("caps") or ())

    out = dict(records[-1])
    layers: list[dict[str, Any]] = []
    for rec in records:
        runs = {run(d) for d in rec["layers"]}
        layers = [d for d in layers if run(d) not in runs] + list(rec["layers"])
    out["layers"] = layers
    out["networks"] = sorted({d["network"] for d in layers})
    out["variants"] = {k: v for rec in records for k, v in rec.get("variants", {}).items()}
    out["tile_variants"] = {k: v for rec in records for k, v in rec.get("tile_variants", {}).items()}
    out["failed"] = [e for rec in records for e in rec.get("failed", [])]
    if len(records) > 1:
        out["merged"] = [f"{rec['date']} dory {rec['dory']}: " + ", ".join(sorted({d['network'] for d in rec['layers']}))
                         for rec in records]
    return out


def network_files(names: list[str]) -> list[tuple[str, str, str | None]]:
    """(name, onnx, input or None) of the named networks: the shared ones and GENERATED ones
    (generated into a temporary directory)."""
    tmp = Path(tempfile.mkdtemp(prefix="dory-calib-"))
    saved = bench_gvsoc.GENERATED
    bench_gvsoc.GENERATED = [n for n in names if n not in {p.name for p in bench_gvsoc.SHARED.iterdir()}]
    try:
        return bench_gvsoc.networks(names, True, tmp)
    finally:
        bench_gvsoc.GENERATED = saved


def refresh_geometry(record: dict[str, Any]) -> None:
    """Re-read every recorded layer's geometry from its network planned by this tree (the record
    keeps step, tile and cycles; the geometry, which no tile choice changes, may have gained
    fields since it was measured)."""
    nets = network_files(sorted({d["network"] for d in record["layers"]}))
    for name, onnx, _ in nets:
        plan = planned_layers(onnx, None)
        for d in record["layers"]:
            if d["network"] == name and d["step"] in plan:
                d["geometry"] = asdict(plan[d["step"]][1])


def load_layers(record: dict[str, Any]) -> list[Layer]:
    """The measured layers of a measurement record."""
    out = []
    for d in record["layers"]:
        g = dict(d["geometry"])
        g["pads"] = tuple(g["pads"])
        out.append(Layer(d["network"], d["step"], d["name"], Geometry(**g), tuple(d["tile"]), d["measured"],  # type: ignore[arg-type]
                         d["l1_budget"], d["label"], tuple(d.get("caps") or ()), bool(d.get("single", False))))
    return out


def write_table(coef: dict[str, dict[str, float]], record: dict[str, Any], holdout: list[str], fitted: str,
                path: Path = TABLE) -> None:
    """Write the generated coefficient table (backends/pulp/calibration.py)."""
    rounded = {k: {f: float(f"{v:.4g}") for f, v in fs.items()} for k, fs in coef.items()}
    source = (f"GVSOC {record['gvsoc']} pulp-open, dory {record['dory']}, measured {record['date']}: "
              f"{len(record['networks'])} networks, held out {', '.join(holdout) or 'none'}")
    km = kernel_model(rounded, source)
    lines = [
        '"""The pulp target\'s calibrated kernel cycle model: GENERATED by bench/gvsoc/calibrate.py, do not edit.',
        "",
        "Re-run after the kernels or the runtime change (about 10 minutes on 2 cores)::",
        "",
        "    .venv/bin/python bench/gvsoc/calibrate.py",
        "",
        f"Measured {record['date']} on GVSOC (plain build, sources at {record['gvsoc']}) pulp-open, 8 cluster cores,",
        f"dory at {record['dory']}; networks: {', '.join(record['networks'])};",
        "also with smaller L1 budgets: " + "; ".join(f"{k} {v}" for k, v in record["variants"].items()) + ";",
        "and with tile caps: " + ("; ".join(f"{k} " + " / ".join(",".join(c) for c in v)
                                           for k, v in record.get("tile_variants", {}).items()) or "none") + ".",
        *([f"Merged records (a later one's runs replace an earlier one's): {'; '.join(record['merged'])}."]
          if record.get("merged") else []),
        f"Fitted on every layer but those of {', '.join(holdout) or 'no network'} (held out): {fitted}.",
        "",
        "Cycles of a layer = layer + tile * n_tiles + sum of coefficient * feature (busiest core's work summed",
        "over the tiles: passes.tiling.cost.kernel_features) + the DMA the double buffering does not hide.",
        '"""',
        "",
        "from dory.backends.target import KernelModel",
        "",
        "KERNEL_MODEL = KernelModel(",
        "    coefficients=(",
    ]
    for k, fs in km.coefficients:
        lines.append(f"        ({k!r}, (" + " ".join(f"({f!r}, {v!r})," for f, v in fs) + ")),")
    lines += ["    ),", f"    source={source!r},", ")", "", '__all__ = ["KERNEL_MODEL"]', ""]
    path.write_text("\n".join(lines))


Tile = tuple[int, int, int, int]


@dataclass(frozen=True)
class Ranking:
    """A layer measured with several tiles: per tile (measured, modelled) cycles, the tile the
    model prefers among them and the measured fastest; ``ok`` when the preferred one is within
    `RANK_TOLERANCE` of the fastest."""

    network: str
    step: int
    name: str
    kind: str
    tiles: dict[Tile, tuple[int, float]]
    pick: Tile
    best: Tile

    @property
    def ok(self) -> bool:
        return self.tiles[self.pick][0] <= self.tiles[self.best][0] * (1 + RANK_TOLERANCE)


def rankings(layers: list[Layer], coef: dict[str, dict[str, float]], hw: Any) -> list[Ranking]:
    """Per layer (network, step) measured with two tiles or more (the L1-budget and tile-cap
    variants): the model's pick among the measured tiles against the measured fastest. A tile
    measured twice keeps its last run."""
    groups: dict[tuple[str, int], dict[Tile, tuple[Layer, float]]] = defaultdict(dict)
    for x in layers:
        groups[(x.network, x.step)][x.tile] = (x, model_cycles(x, coef, hw))
    out = []
    for (net, step), alts in sorted(groups.items()):
        if len(alts) < 2:
            continue
        tiles = {t: (x.measured, m) for t, (x, m) in alts.items()}
        x0 = next(iter(alts.values()))[0]
        out.append(Ranking(net, step, x0.name, x0.kind, tiles, min(tiles, key=lambda t: (tiles[t][1], t)),
                           min(tiles, key=lambda t: (tiles[t][0], t))))
    return out


@dataclass(frozen=True)
class Repick:
    """A calibration layer's tile under a candidate fit (the tiler re-run on its network at the
    default L1 budget) against the tile it was measured with: the new tile's measured cycles when
    some run measured it (``None``: unmeasured, ``--check`` re-measures), and the layer's measured
    fastest tile."""

    network: str
    step: int
    name: str
    kind: str
    old: Tile
    new: Tile
    measured: int | None
    best: tuple[Tile, int]

    @property
    def ok(self) -> bool:
        """Not a tile the measurements show slower than `RANK_TOLERANCE` over the fastest."""
        return self.measured is None or self.measured <= self.best[1] * (1 + RANK_TOLERANCE)


@contextmanager
def candidate_target(coef: dict[str, dict[str, float]]) -> Iterator[str]:
    """A target named ``pulp-candidate``: pulp with the kernel model ``coef``, registered while
    the block runs (the planning passes find targets by name). The registry has no removal: the
    entry is taken out of backends.target's table directly, so a later fit registers its own."""
    from dory.backends import target as T
    from dory.backends.pulp.hw import PULP

    name = "pulp-candidate"
    T._TARGETS[name] = replace(PULP, name=name, kernel_model=kernel_model(coef, "candidate fit (calibrate.py)"))
    try:
        yield name
    finally:
        del T._TARGETS[name]


def repicks(layers: list[Layer], coef: dict[str, dict[str, float]], networks: list[str]) -> list[Repick]:
    """Every default-budget calibration layer of ``networks`` whose tile the tiler changes under
    ``coef`` (its network planned in process with the candidate model)."""
    measured: dict[tuple[str, int], dict[Tile, int]] = defaultdict(dict)
    default: dict[tuple[str, int], Layer] = {}
    for x in layers:
        measured[(x.network, x.step)][x.tile] = x.measured
        if x.l1_budget is None and not x.caps:
            default[(x.network, x.step)] = x
    out = []
    with candidate_target(coef) as target:
        for name, onnx, _ in network_files(networks):
            for step, (_, _, tile, single) in sorted(planned_layers(onnx, None, (), target).items()):
                x = default.get((name, step))
                if x is None or (tile, single) == (x.tile, x.single):
                    continue
                ms = measured[(name, step)]
                best = min(ms.items(), key=lambda kv: (kv[1], kv[0]))
                out.append(Repick(name, step, x.name, x.kind, x.tile, tile, ms.get(tile), best))
    return out


def guard(ranks: list[Ranking], picks: list[Repick] | None) -> list[str]:
    """Why a fit must not be written (empty: it may): a layer measured with several tiles whose
    tile the model prefers among them is more than `RANK_TOLERANCE` slower than the measured
    fastest, or a calibration layer the tiler would give a tile measured that much slower."""
    fails = [f"{r.network}/{r.name} ({r.kind}): the model prefers {_t(r.pick)} ({r.tiles[r.pick][0]:,} cycles measured), "
             f"the fastest measured is {_t(r.best)} ({r.tiles[r.best][0]:,})" for r in ranks if not r.ok]
    fails += [f"{p.network}/{p.name} ({p.kind}): the tiler would pick {_t(p.new)} ({p.measured:,} cycles measured), "
              f"the fastest measured is {_t(p.best[0])} ({p.best[1]:,})" for p in picks or [] if not p.ok]
    return fails


def _t(t: Tile) -> str:
    return ",".join(map(str, t))


def report(layers: list[Layer], coef: dict[str, dict[str, float]], holdout: list[str], hw: Any,
           picks: list[Repick] | None = None, groups: list[Collinear] | None = None) -> str:
    """The per-layer table (default-budget runs), the share within 25 %, per kind, held out,
    outliers, and the tile-ranking check over the L1 variants."""
    rows = []
    for x in layers:
        q = model_cycles(x, coef, hw) / x.measured
        rows.append((x, q))
    main = [(x, q) for x, q in rows if x.l1_budget is None and not x.caps]
    out = ["| network | step | layer | kind | model kind | tile (c,h,w,k) | measured | modelled | modelled / measured |",
           "|---|---:|---|---|---|---|---:|---:|---:|"]
    for x, q in main:
        mark = " (held out)" if x.network in holdout else ""
        out.append(f"| {x.network}{mark} | {x.step} | {x.name} | {x.label} | {x.kind} | {','.join(map(str, x.tile))} "
                   f"| {x.measured:,} | {q * x.measured:,.0f} | {q:.3f} |")
    out += ["", f"All layers (default L1 budget): {summary([q for _, q in main])}.",
            f"Fitted networks: {summary([q for x, q in main if x.network not in holdout])}.",
            f"Held out ({', '.join(holdout) or 'none'}): {summary([q for x, q in main if x.network in holdout])}.",
            f"Every run incl. the L1 variants: {summary([q for _, q in rows])}.", "",
            "| model kind | layers | within ±25 % | median modelled / measured | min | max |", "|---|---:|---:|---:|---:|---:|"]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for x, q in main:
        by_kind[x.kind].append(q)
    for k in sorted(by_kind):
        qs = by_kind[k]
        out.append(f"| {k} | {len(qs)} | {sum(within(q) for q in qs)} | {statistics.median(qs):.3f} | {min(qs):.3f} | {max(qs):.3f} |")
    bad = sorted(((x, q) for x, q in main if not within(q)), key=lambda r: r[1])
    out += ["", f"Outliers ({len(bad)}): " + (", ".join(f"{x.network}/{x.name} ({x.kind}, tile {','.join(map(str, x.tile))}) {q:.2f}"
                                                     for x, q in bad) or "none") + "."]
    ranks = rankings(layers, coef, hw)
    out += ["", "Tile ranking (layers measured with several tiles: the tile the model prefers among them, and where it "
            f"ranks by measured cycles; 'ok' when within {RANK_TOLERANCE:.0%} of the measured fastest):", "",
            "| network | layer | model kind | tiles (measured / modelled) | model's pick | measured fastest | ok |",
            "|---|---|---|---|---|---|---|"]
    for r in ranks:
        tiles = "; ".join(f"{_t(t)}: {me:,} / {mo:,.0f}" for t, (me, mo) in r.tiles.items())
        out.append(f"| {r.network} | {r.name} | {r.kind} | {tiles} | {_t(r.pick)} | {_t(r.best)} | {'ok' if r.ok else 'NO'} |")
    by: dict[str, list[bool]] = defaultdict(list)
    for r in ranks:
        by[r.kind].append(r.ok)
    out += ["", f"Model's pick among the measured tiles within {RANK_TOLERANCE:.0%} of the fastest: "
            f"{sum(r.ok for r in ranks)} of {len(ranks)} layers (" + ", ".join(f"{k} {sum(v)} of {len(v)}" for k, v in sorted(by.items())) + ")."]
    if picks is not None:
        out += ["", "The tiler's picks under this fit (every calibration network re-planned at the default L1 budget): "
                f"{len(picks)} layers change tile" + (":" if picks else "."), ""]
        if picks:
            out += ["| network | layer | model kind | measured tile | new tile | new tile measured | measured fastest | ok |",
                    "|---|---|---|---|---|---:|---|---|"]
            for p in picks:
                out.append(f"| {p.network} | {p.name} | {p.kind} | {_t(p.old)} | {_t(p.new)} | "
                           f"{'unmeasured (--check)' if p.measured is None else f'{p.measured:,}'} | {_t(p.best[0])}: {p.best[1]:,} | "
                           f"{'ok' if p.ok else 'NO'} |")
    if groups is not None:
        out += ["", f"Collinear features over the fitted layers (bench/gvsoc/fit.py collinear: directions the data cannot "
                f"pin, singular value below {COLLINEAR_TOL:g} of the largest; the fit's split between them is arbitrary): "
                + ("none." if not groups else ""), ""]
        out += [f"- {c.text()}" for c in groups]
    fails = guard(ranks, picks)
    out += ["", "Tile guard: " + ("passed." if not fails else f"FAILED ({len(fails)}):"), ""]
    out += [f"- {f}" for f in fails]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Entry point (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("networks", nargs="*", help="only these networks (default: every shared one and GENERATED)")
    ap.add_argument("--from", dest="source", action="append",
                    help="refit saved measurement records instead of measuring (repeatable: a later record's runs "
                         "replace an earlier one's of the same network, L1 budget and caps)")
    ap.add_argument("--holdout", default=",".join(HOLDOUT), help="comma-separated networks left out of the fit")
    ap.add_argument("--no-write", action="store_true", help="fit and report, but leave backends/pulp/calibration.py alone")
    ap.add_argument("--force", action="store_true",
                    help="write the table even when the tile guard fails (the report still lists the failures)")
    ap.add_argument("--check", action="store_true", help="after writing, re-measure with the new table and report again")
    ap.add_argument("--evaluate", action="store_true",
                    help="no fit: report the measurement against the table in backends/pulp/calibration.py")
    ap.add_argument("--save", default=str(MEASUREMENTS), help="where to write the measurement record")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-o", "--output", default=str(ROOT / "build" / "calib" / "report.md"))
    args = ap.parse_args(argv)
    from dory.backends.pulp.hw import PULP

    holdout = [h for h in args.holdout.split(",") if h]
    if args.source:
        record = merge_records([json.loads(Path(src).read_text()) for src in args.source])
        refresh_geometry(record)
    else:
        record = measure(args.networks, [g for g in GENERATED if not args.networks or g in args.networks], VARIANTS, args.jobs,
                         TILE_VARIANTS)
        Path(args.save).parent.mkdir(parents=True, exist_ok=True)
        Path(args.save).write_text(json.dumps(record, indent=1))
        print(f"calibrate: wrote {args.save}", file=sys.stderr)
    layers = load_layers(record)
    train = [x for x in layers if x.network not in holdout]
    if args.evaluate:
        if PULP.kernel_model is None:
            raise SystemExit("calibrate: --evaluate: the pulp target has no calibrated kernel model")
        coefs = {k: dict(v) for k, v in PULP.kernel_model.coefficients}
        result = Fit(coefs, [model_cycles(x, coefs, PULP) for x in train], 0)
        args.no_write = True
    else:
        result = fit(train, PULP)
    fitted = summary([m / x.measured for x, m in zip(train, result.modelled)])
    picks = repicks(layers, result.coefficients, sorted({x.network for x in layers}))
    groups = collinear(train, PULP)
    fails = guard(rankings(layers, result.coefficients, PULP), picks)
    coef_text = "\n".join(f"  {k}: " + ", ".join(f"{f} {v:.4g}" for f, v in sorted(fs.items())) for k, fs in sorted(result.coefficients.items()))
    text = (f"## Calibration of the pulp kernel model (GVSOC {record['gvsoc']}, dory {record['dory']}, {record['date']})\n\n"
            f"{'Table' if args.evaluate else 'Fitted'} coefficients (cycles per feature unit; {result.iterations} rounds):\n\n```\n{coef_text}\n```\n\n"
            + report(layers, result.coefficients, holdout, PULP, picks, groups) + "\n")
    for c in groups:
        print(f"calibrate: collinear over the fitted layers: {c.text()}", file=sys.stderr)
    for f in fails:
        print(f"calibrate: tile guard: {f}", file=sys.stderr)
    refused = bool(fails) and not args.evaluate and not args.force
    if refused and not args.no_write:
        print(f"calibrate: the tile guard FAILED: {TABLE} left as it was (--force writes it anyway)", file=sys.stderr)
    elif not args.no_write:
        write_table(result.coefficients, record, holdout, fitted, TABLE)
        print(f"calibrate: wrote {TABLE}", file=sys.stderr)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text)
    print(text)
    if refused:
        return 1
    if args.check and not args.no_write:  # a new process: it plans with the table just written
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--evaluate", "--holdout", args.holdout,
                            "-j", str(args.jobs), "-o", str(Path(args.output).with_name("check.md")),
                            "--save", str(Path(args.save).with_name("check.json")), *args.networks])
        return r.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
