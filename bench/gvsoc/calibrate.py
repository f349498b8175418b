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
from dataclasses import asdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "bench", ROOT / "tests", ROOT / "bench" / "gvsoc"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

import bench_gvsoc  # noqa: E402
from fit import Fit, Layer, fit, kernel_model, model_cycles, summary, within  # noqa: E402

from dory.passes.tiling.geometry import Geometry  # noqa: E402

GENERATED = ["mobilenet_v1_0.25_128", "mobilenet_v1_0.25_224"]
"""Generated networks measured besides the shared ones (dory-netgen names; the wider MobileNets and
MobileNetV2 do not fit pulp-open's L2 with the port's L2 stand-in for L3)."""

VARIANTS: dict[str, list[int]] = {"nemo_dscnn_test": [24576, 12288], "mobilenet_v1_0.25_128": [24576, 12288],
                                  "nemo_PenguiNet_32": [24576], "nemo1d_TCN_T": [16384]}
"""Networks compiled again with these L1 budgets (bytes) for other tiles of the same layers."""

HOLDOUT = ["nemo_PenguiNet_32", "mobilenet_v1_0.25_224"]
"""Networks left out of the fit (the default of ``--holdout``): each has a fitted twin (NAS_Frontnet,
mobilenet_v1_0.25_128), so every model kind keeps layers to fit on (dronet_complete, held out
before, holds 4 of the 5 layers of the 16-bit-input kind ``conv16``)."""
"""Networks left out of the fit by default (their error is the over-fitting check)."""

TABLE = ROOT / "backends" / "pulp" / "calibration.py"
MEASUREMENTS = ROOT / "build" / "calib" / "measurements.json"
RANK_TOLERANCE = 0.10
"""The model's preferred tile counts as among the fastest when within this much of the best."""


def pipeline(l1: int | None) -> str:
    """The pulp-default pipeline, with the tile pass's L1 budget when ``l1`` is given."""
    from dory.backends.target import planning_pipeline

    return planning_pipeline("pulp", l1=l1 or None)


def planned_layers(onnx: str, l1: int | None) -> dict[int, tuple[str, Geometry, tuple[int, int, int, int]]]:
    """Per step index: the bench's layer kind, the layer's geometry and its planned L1 tile, from
    the network planned in process with the same pipeline the app was compiled with."""
    from dory.backends.gap8.emit import emit_network
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline
    from dory.passes.tiling.geometry import geometry

    module = import_onnx(onnx, warn=lambda m: None)
    PassManager(parse_pipeline(pipeline(l1)), verify_each=False).run(PassContext(), module)
    out: dict[int, tuple[str, Geometry, tuple[int, int, int, int]]] = {}
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
        out[s.index] = (label, g, t)  # type: ignore[assignment]
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


def measure(names: list[str], generated: list[str], variants: dict[str, list[int]], jobs: int) -> dict[str, Any]:
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
    jobs_list = [(n, o, i, None) for n, o, i in nets] + [(n, o, i, b) for n, o, i in nets for b in variants.get(n, [])]

    def one(job: tuple[str, str, str | None, int | None]) -> tuple[tuple[str, str, str | None, int | None], Any]:
        name, onnx, inp, l1 = job
        app = tmp / f"{name}-{l1 or 'default'}"
        cmd = [sys.executable, "-m", "dory.tools.dory_compile", onnx, "-o", str(app), "--target", "pulp", "-q",
               "--pipeline", pipeline(l1)]
        r = subprocess.run(cmd + (["--input", inp] if inp else []), cwd=ROOT, capture_output=True, text=True)
        if r.returncode:
            return job, f"dory-compile {name} (L1 {l1}): {r.stderr.strip()[-1500:]}"
        r = subprocess.run(["make", "-s", "-C", str(app), "run", f"GVSOC={install}"], capture_output=True, text=True,
                           timeout=3600)
        if r.returncode:
            return job, f"{name} (L1 {l1}) on GVSOC: exit {r.returncode}\n{r.stdout[-1500:]}"
        try:
            run = bench_gvsoc.parse_output(name, r.stdout)
        except bench_gvsoc.BenchError as e:
            return job, str(e)
        print(f"calibrate: {name} (L1 {l1 or 'default'}): {run.cycles:,} cycles", file=sys.stderr, flush=True)
        return job, run

    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, jobs_list))
    errors = [r for _, r in results if isinstance(r, str)]
    for e in errors:  # a network that fails is left out (and named), the others still calibrate
        print(f"calibrate: FAILED, left out: {e}", file=sys.stderr, flush=True)
    if len(errors) == len(results):
        raise SystemExit("calibrate: every run failed")
    layers: list[dict[str, Any]] = []
    for (name, onnx, _, l1), run in results:  # planning in this thread: passes are not re-entrant
        if isinstance(run, str):
            continue
        plan = planned_layers(onnx, l1)
        for s in run.steps:
            if s.index not in plan:
                continue
            label, g, t = plan[s.index]
            layers.append({"network": name, "step": s.index, "name": s.name, "label": label, "l1_budget": l1,
                           "tile": list(t), "measured": s.cycles, "geometry": asdict(g)})
    return {"date": datetime.date.today().isoformat(), "gvsoc": gvsoc_commit(), "dory": dory_commit(),
            "networks": sorted({x["network"] for x in layers}), "failed": errors, "variants": {k: v for k, v in variants.items() if k in {n for n, _, _ in nets}},
            "layers": layers}


def refresh_geometry(record: dict[str, Any]) -> None:
    """Re-read every recorded layer's geometry from its network planned by this tree (the record
    keeps step, tile and cycles; the geometry, which no tile choice changes, may have gained
    fields since it was measured)."""
    tmp = Path(tempfile.mkdtemp(prefix="dory-calib-"))
    names = sorted({d["network"] for d in record["layers"]})
    saved = bench_gvsoc.GENERATED
    bench_gvsoc.GENERATED = [n for n in names if n not in {p.name for p in bench_gvsoc.SHARED.iterdir()}]
    try:
        nets = bench_gvsoc.networks(names, True, tmp)
    finally:
        bench_gvsoc.GENERATED = saved
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
                         d["l1_budget"], d["label"]))
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
        "also with smaller L1 budgets: " + "; ".join(f"{k} {v}" for k, v in record["variants"].items()) + ".",
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


def report(layers: list[Layer], coef: dict[str, dict[str, float]], holdout: list[str], hw: Any) -> str:
    """The per-layer table (default-budget runs), the share within 25 %, per kind, held out,
    outliers, and the tile-ranking check over the L1 variants."""
    rows = []
    for x in layers:
        q = model_cycles(x, coef, hw) / x.measured
        rows.append((x, q))
    main = [(x, q) for x, q in rows if x.l1_budget is None]
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
    out += ["", "Tile ranking (layers measured with several tiles: the tile the model prefers among them, and where it "
            f"ranks by measured cycles; 'ok' when within {RANK_TOLERANCE:.0%} of the measured fastest):", "",
            "| network | layer | tiles (measured / modelled) | model's pick | measured fastest | ok |", "|---|---|---|---|---|---|"]
    groups: dict[tuple[str, int], list[tuple[Layer, float]]] = defaultdict(list)
    for x, q in rows:
        groups[(x.network, x.step)].append((x, q * x.measured))
    n_ok = n_all = 0
    for (net, _), xs in sorted(groups.items()):
        uniq = {x.tile: (x, m) for x, m in xs}
        if len(uniq) < 2:
            continue
        alts = list(uniq.values())
        pick = min(alts, key=lambda a: a[1])[0]
        best = min(alts, key=lambda a: a[0].measured)[0]
        ok = pick.measured <= best.measured * (1 + RANK_TOLERANCE)
        n_ok += ok
        n_all += 1
        tiles = "; ".join(f"{','.join(map(str, x.tile))}: {x.measured:,} / {m:,.0f}" for x, m in alts)
        out.append(f"| {net} | {alts[0][0].name} | {tiles} | {','.join(map(str, pick.tile))} | "
                   f"{','.join(map(str, best.tile))} | {'ok' if ok else 'NO'} |")
    out += ["", f"Model's pick among the measured tiles within {RANK_TOLERANCE:.0%} of the fastest: {n_ok} of {n_all} layers."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Entry point (module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("networks", nargs="*", help="only these networks (default: every shared one and GENERATED)")
    ap.add_argument("--from", dest="source", help="refit a saved measurement record instead of measuring")
    ap.add_argument("--holdout", default=",".join(HOLDOUT), help="comma-separated networks left out of the fit")
    ap.add_argument("--no-write", action="store_true", help="fit and report, but leave backends/pulp/calibration.py alone")
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
        record = json.loads(Path(args.source).read_text())
        refresh_geometry(record)
    else:
        record = measure(args.networks, [g for g in GENERATED if not args.networks or g in args.networks], VARIANTS, args.jobs)
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
    coef_text = "\n".join(f"  {k}: " + ", ".join(f"{f} {v:.4g}" for f, v in sorted(fs.items())) for k, fs in sorted(result.coefficients.items()))
    text = (f"## Calibration of the pulp kernel model (GVSOC {record['gvsoc']}, dory {record['dory']}, {record['date']})\n\n"
            f"{'Table' if args.evaluate else 'Fitted'} coefficients (cycles per feature unit; {result.iterations} rounds):\n\n```\n{coef_text}\n```\n\n"
            + report(layers, result.coefficients, holdout, PULP) + "\n")
    if not args.no_write:
        write_table(result.coefficients, record, holdout, fitted)
        print(f"calibrate: wrote {TABLE}", file=sys.stderr)
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(text)
    print(text)
    if args.check and not args.no_write:  # a new process: it plans with the table just written
        r = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--evaluate", "--holdout", args.holdout,
                            "-j", str(args.jobs), "-o", str(Path(args.output).with_name("check.md")),
                            "--save", str(Path(args.save).with_name("check.json")), *args.networks])
        return r.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
