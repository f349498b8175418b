"""Our tile plan against DORY's and Deeploy's on MobileNetV1-1.0 (128 and 224), modelled and measured.

    python bench/compare_plans.py [--json] [--measure] [--target pulp] [--jobs N] [NETWORK ...]

The other compilers' tiles are ../shared/data/plans/<network>.csv (its README: DORY's from its
tiled graph, single buffered as DORY runs them; Deeploy's double buffered, as it runs them with
``--doublebuffer``). Each network is generated (``dory-netgen``) and planned with
``<target>-default`` in process; every deployed layer's tile of each plan is then costed by the
same model, `passes.tiling.cost.evaluate` (L2<->L1 transfers and compute; a layer's L3 staging
is left out, as it is the same for every L1 tile within its L3 tile), with the plan's own
buffering, and checked as the ``tile`` pass checks a planned tile (`passes.tile.plan_tile_problem`:
extents, input channels, the L3 tile, the target's L1 with that buffering): ``fits`` says
whether our runtime can run it as given.

Prints per layer the three tiles, their modelled cycles and whether they fit, the totals, and the
targets' verdicts: modelled ours / DORY's <= 0.80, no layer of ours more than 2 % above the better
of DORY's and Deeploy's tile (counted over every tile, and over the tiles that fit), measured ours
/ DORY's <= 0.85. ``--json`` prints one object instead, whole-network cycles::

    {"mobilenet_v1_1.0_128": {"ours": {"modelled": N, "measured": N | null}, "dory": {...},
     "deeploy": {...}}, "mobilenet_v1_1.0_224": {...}}

``--measure`` (GVSOC found as tests/gvsoc.py finds it: ``DORY_GVSOC``) compiles each plan for the
pulp target (``dory-compile --target pulp [--tile-plan CSV --tile-plan-columns dory|deeploy]``)
and runs it on GVSOC (bench/bench_gvsoc.py); a plan with layers our runtime cannot run as given
has no whole-plan measurement (null), and is measured instead with only its fitting layers
planned (the others ours; text output only, labelled with how many layers it planned).
``measured`` is null wherever nothing was measured. Our own plan's layers are single or double
buffered as the tile pass chose (``dory.tile``'s ``buffering``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PLANS = ROOT.parent / "shared" / "data" / "plans"
NETWORKS = ("mobilenet_v1_1.0_128", "mobilenet_v1_1.0_224")
OTHERS = ("dory", "deeploy")
WHO = ("ours",) + OTHERS
MODELLED_TARGET = 0.80  # ours / DORY's, modelled (issue 13)
MEASURED_TARGET = 0.85  # ours / DORY's plan on the same runtime, measured on GVSOC (issue 13)
LAYER_MARGIN = 0.02  # no layer of ours above the better of DORY's and Deeploy's tile by more (issue 13)


@dataclass
class Cost:
    """One plan's tile of one layer: the tile, its buffering, the model's cycles and L1 bytes, and
    why our runtime cannot run it as given (empty: it can)."""

    tile: tuple[int, int, int, int]
    single: bool
    cycles: int
    l1_bytes: int
    problem: str = ""

    @property
    def fits(self) -> bool:
        """Whether the tile runs as given on our runtime."""
        return not self.problem


@dataclass
class Layer:
    """One deployed layer and each plan's tile of it."""

    index: int
    name: str
    op: str
    costs: dict[str, Cost]


@dataclass
class Network:
    """One network's comparison: per-layer costs, and the measured totals per plan (None: not
    measured), with a note per plan on what was measured."""

    name: str
    target: str
    l1: int
    layers: list[Layer]
    measured: dict[str, int | None] = field(default_factory=lambda: {w: None for w in WHO})
    notes: dict[str, str] = field(default_factory=dict)

    def modelled(self, who: str) -> int:
        """The plan's whole-network modelled cycles."""
        return sum(layer.costs[who].cycles for layer in self.layers)

    def fitting(self, who: str) -> int:
        """How many of the plan's layers run as given."""
        return sum(layer.costs[who].fits for layer in self.layers)

    def above_best(self, only_fitting: bool) -> list[int]:
        """Layers where our tile is more than LAYER_MARGIN above the better of DORY's and Deeploy's
        (over every tile, or over those that fit our runtime)."""
        out = []
        for layer in self.layers:
            others = [layer.costs[w].cycles for w in OTHERS if layer.costs[w].fits or not only_fitting]
            if others and layer.costs["ours"].cycles > (1 + LAYER_MARGIN) * min(others):
                out.append(layer.index)
        return out

    def json(self) -> dict[str, dict[str, int | None]]:
        """The issue's object for this network."""
        return {w: {"modelled": self.modelled(w), "measured": self.measured[w]} for w in WHO}


def generate(name: str, out: Path) -> Path:
    """The generated network ``name`` as ONNX (dory-netgen)."""
    path = out / f"{name}.onnx"
    r = subprocess.run([sys.executable, "-m", "dory.tools.dory_netgen", name, "-o", str(path)], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"compare_plans: dory-netgen {name}: {r.stderr.strip()}")
    return path


def compare(name: str, onnx: Path, target: str) -> Network:
    """Plan ``onnx`` with ``<target>-default`` and cost every layer's tile of ours, DORY's and
    Deeploy's under the same model."""
    from dory.backends.target import get_target
    from dory.dory_ir.dialects import dory
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline
    from dory.passes.tile import _loc_name, l3_tile, plan_tile_problem, tile_buffering
    from dory.passes.tiling import evaluate, geometry
    from dory.passes.tiling.plans import read_plan

    hw = get_target(target)
    l1 = hw.l1_budget
    module = import_onnx(str(onnx), warn=lambda m: None)
    PassManager(parse_pipeline(f"{target}-default"), verify_each=False).run(PassContext(), module)
    csv_path = str(PLANS / f"{name}.csv")
    plans = {w: {e.key: e for e in read_plan(csv_path, w).entries} for w in OTHERS}
    layers: list[Layer] = []
    for index, op in enumerate(o for o in module.walk() if isinstance(o, dory.LAYER_OPS)):
        g = geometry(op)
        attr = op.attributes["dory.tile"]
        l1_tile = dict(dict(attr.entries)["l1"].entries)  # type: ignore[union-attr]
        ours = tuple(int(l1_tile[d].value) for d in ("c_out", "h_out", "w_out", "c_in"))
        tiles = {"ours": (ours, tile_buffering(attr))} | {w: (plans[w][index].tile, plans[w][index].single) for w in OTHERS}  # type: ignore[arg-type]
        l3 = l3_tile(op, g, hw)
        costs: dict[str, Cost] = {}
        for who, (tile, single) in tiles.items():
            ev = evaluate(g, tile, hw, single=single)  # type: ignore[arg-type]
            problem = plan_tile_problem(g, tile, l3, l1, hw, single) or ""  # type: ignore[arg-type]
            if who == "ours":  # our searched tile may lie outside the unrounded L3 tile; it runs by construction
                problem = ""
            costs[who] = Cost(tile, single, ev.cycles, ev.l1_bytes, problem)  # type: ignore[arg-type]
        layers.append(Layer(index, _loc_name(op), op.op_name.removeprefix("dory."), costs))
    return Network(name, target, l1, layers)


def fitting_plan(net: Network, who: str) -> str:
    """A dory plan (docs/tile-plans.md) of the layers whose ``who`` tile runs as given."""
    lines = [f"# {who}'s tiles of {net.name} that fit our runtime ({net.fitting(who)} of {len(net.layers)} layers)"]
    for layer in net.layers:
        c = layer.costs[who]
        if c.fits:
            lines.append(f"{layer.index} {'x'.join(map(str, c.tile))} {'single' if c.single else 'double'}  # {layer.name}")
    return "\n".join(lines) + "\n"


def measure(nets: list[tuple[Network, Path]], jobs: int) -> None:
    """Compile each plan of each network for the pulp target and run it on GVSOC; fills
    ``measured`` (whole plans only) and ``notes`` (what was run, partial plans included)."""
    sys.path.insert(0, str(ROOT / "tests"))
    sys.path.insert(0, str(ROOT / "bench"))
    import gvsoc

    install = gvsoc.gvsoc_install()
    if install is None:
        for net, _ in nets:
            net.notes = {w: f"not measured: {gvsoc._skip_reason()}" for w in WHO}
        return
    with tempfile.TemporaryDirectory(prefix="dory-plans-") as tmp:
        _measure(nets, jobs, Path(tmp), install)


def _measure(nets: list[tuple[Network, Path]], jobs: int, work: Path, install: Path) -> None:
    """`measure` with the apps in ``work``."""
    import bench_gvsoc

    runs: list[tuple[Network, str, list[str], bool]] = []
    for net, onnx in nets:
        csv_path = PLANS / f"{net.name}.csv"
        runs.append((net, "ours", [str(onnx)], True))
        for w in OTHERS:
            if net.fitting(w) == len(net.layers):
                runs.append((net, w, [str(onnx), "--tile-plan", str(csv_path), "--tile-plan-columns", w], True))
            else:
                part = work / f"{net.name}-{w}-fitting.plan"
                part.write_text(fitting_plan(net, w))
                runs.append((net, w, [str(onnx), "--tile-plan", str(part)], False))

    def one(job: tuple[Network, str, list[str], bool]) -> tuple[int | None, str]:
        net, who, args, whole = job
        app = work / f"{net.name}-{who}"
        t0 = time.time()
        try:
            run = bench_gvsoc.compile_and_run(f"{net.name} {who}", args, app, install)
        except bench_gvsoc.BenchError as e:
            return None, f"not measured: {str(e).strip().splitlines()[-1] if str(e).strip() else e}"
        secs = time.time() - t0
        if whole:
            return run.cycles, f"measured {run.cycles} cycles (compile + GVSOC {secs:.0f} s)"
        return None, (f"partial: {net.fitting(who)} of {len(net.layers)} layers from the plan, the rest ours: "
                      f"{run.cycles} cycles (compile + GVSOC {secs:.0f} s)")

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = list(pool.map(one, runs))
    for (net, who, _, _), (cycles, note) in zip(runs, results):
        net.measured[who] = cycles
        net.notes[who] = note


def _tile(c: Any) -> str:
    return "x".join(map(str, c.tile)) + ("s" if c.single else "")


def report(net: Network) -> str:
    """The per-layer table, totals and verdicts of one network."""
    out = [f"== {net.name} (target {net.target}, L1 {net.l1} B; modelled: passes.tiling.cost.evaluate, L2<->L1 and compute; "
           f"a tile's trailing s: single buffered)"]
    head = f"{'#':>3} {'layer':<22} {'op':<9}"
    for w in WHO:
        head += f" | {w + ' tile':>18} {'cycles':>9} {'fits':>4}"
    out.append(head)
    for layer in net.layers:
        row = f"{layer.index:>3} {layer.name[:22]:<22} {layer.op:<9}"
        for w in WHO:
            c = layer.costs[w]
            row += f" | {_tile(c):>18} {c.cycles:>9} {'yes' if c.fits else 'no':>4}"
        out.append(row)
    tot = {w: net.modelled(w) for w in WHO}
    out.append("total modelled: " + ", ".join(f"{w} {tot[w]:,} ({net.fitting(w)} of {len(net.layers)} layers fit)" for w in WHO))
    for w in WHO:
        bad = [f"{layer.index}: {layer.costs[w].problem}" for layer in net.layers if not layer.costs[w].fits]
        if bad:
            out.append(f"  {w}'s tiles our runtime cannot run as given: " + "; ".join(bad[:3]) + (" ..." if len(bad) > 3 else ""))
    r = tot["ours"] / tot["dory"]
    out.append(f"verdict modelled: ours / DORY = {r:.3f} (target <= {MODELLED_TARGET:.2f}: {'met' if r <= MODELLED_TARGET else 'NOT met'}); "
               f"ours / Deeploy = {tot['ours'] / tot['deeploy']:.3f}")
    for only, label in ((False, "every tile"), (True, "tiles that fit")):
        above = net.above_best(only)
        out.append(f"verdict per layer ({label}): {len(above)} layers of ours > {LAYER_MARGIN:.0%} above min(DORY, Deeploy)"
                   + (f": {', '.join(map(str, above))}" if above else "") + " (target 0)")
    if net.notes:
        for w in WHO:
            out.append(f"GVSOC {w}: {net.notes.get(w, 'not measured')}")
        m = net.measured
        if m["ours"] and m["dory"]:
            rm = m["ours"] / m["dory"]
            out.append(f"verdict measured: ours / DORY = {rm:.3f} (target <= {MEASURED_TARGET:.2f}: {'met' if rm <= MEASURED_TARGET else 'NOT met'})")
        else:
            out.append("verdict measured: no ratio (DORY's plan or ours not measured whole)")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("networks", nargs="*", default=list(NETWORKS), help=f"networks (default: {' '.join(NETWORKS)})")
    ap.add_argument("--json", action="store_true", help="print one JSON object of whole-network cycles")
    ap.add_argument("--measure", action="store_true", help="also measure each plan on GVSOC (DORY_GVSOC)")
    ap.add_argument("--target", default="pulp", help="the target whose model costs the tiles (default pulp)")
    ap.add_argument("--jobs", type=int, default=2, help="GVSOC runs in parallel (default 2)")
    args = ap.parse_args(argv)
    unknown = [n for n in args.networks if n not in NETWORKS]
    if unknown:
        print(f"compare_plans: error: no plans for {', '.join(unknown)} (known: {', '.join(NETWORKS)})", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="dory-compare-plans-") as tmp:
        nets = []
        for name in args.networks:
            onnx = generate(name, Path(tmp))
            nets.append((compare(name, onnx, args.target), onnx))
        if args.measure:
            measure(nets, args.jobs)
    if args.json:
        print(json.dumps({net.name: net.json() for net, _ in nets}, indent=1))
    else:
        print("\n\n".join(report(net) for net, _ in nets))
    return 0


if __name__ == "__main__":
    sys.exit(main())
