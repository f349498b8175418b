"""Single against double buffering: what the tile pass picks, and the serial model on GVSOC.

    python bench/gvsoc/buffering.py [--target T | --gvsoc [--buffering single|auto | --compare]] [--jobs N] [NETWORK ...]

Without ``--gvsoc`` (planning only, in process, ``--target pulp`` or the one named): per network (the shared
networks and the generated MobileNetV1-1.0-128 / -224, or those named) the layers the search
makes single buffered (``tile{buffering=auto}``, `passes.tiling.sat.solve`) and the modelled
total (the ``dory.tile`` cycles of every layer) with double buffering only
(``buffering=double``, the plans before the choice) and with the choice.

With ``--gvsoc``: every network compiled with ``--target pulp`` and the tile pass's
``buffering`` (default ``single``: every layer of more than one tile single buffered, so the
runtime's serial path, runtime/src/layer.c with pong == ping, is measured on every layer), run on
GVSOC (``make -C app run GVSOC=<install>``, bit-exact or the run fails), and per single-buffered
step the modelled cycles (`passes.tiling.cost.evaluate`'s serial formula) against the measured
ones: the ratio per step, its median and the share within +-25 % (bench_gvsoc's tolerance).
With ``--compare``: every network run twice, ``buffering=double`` and ``auto``: the modelled and
measured totals of both plans, and per layer the choice made single buffered its tiles, modelled
and measured cycles both ways (does the choice pick the faster plan on GVSOC?).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))

import bench_gvsoc  # noqa: E402

GENERATED = ["mobilenet_v1_1.0_128", "mobilenet_v1_1.0_224"]


def plan(onnx: str, buffering: str, target: str = "pulp") -> list[tuple[int, str, int, bool, int]]:
    """Per layer of ``onnx`` planned for ``target`` with the tile pass's ``buffering``: (step
    index, step name, tiles, single buffered, modelled cycles), in step order."""
    from dory.backends.gap8.emit import emit_network
    from dory.backends.target import planning_pipeline
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline
    from dory.passes.tile import tile_buffering

    module = import_onnx(onnx, warn=lambda m: None)
    PassManager(parse_pipeline(planning_pipeline(target, buffering=buffering)), verify_each=False).run(PassContext(), module)
    out = []
    for s in emit_network(module).steps:
        tile = s.value.op.attributes.get("dory.tile")  # type: ignore[attr-defined]
        if tile is None:
            continue
        d = tile.as_dict()
        out.append((s.index, s.name, int(d["n_tiles"].value), tile_buffering(tile), int(d["cycles"].value)))
    return out


def plan_table(nets: list[tuple[str, str, str | None]], target: str = "pulp") -> str:
    """The planning table for ``target``: per network, single-buffered layers and modelled totals."""
    rows = ["| network | layers | single | modelled, double only | modelled, with the choice | change |",
            "|---|---:|---:|---:|---:|---:|"]
    tot = [0, 0, 0, 0]
    for name, onnx, _ in nets:
        dbl, auto = plan(onnx, "double", target), plan(onnx, "auto", target)
        a, b = sum(r[4] for r in dbl), sum(r[4] for r in auto)
        n1 = sum(r[3] for r in auto)
        picked = ", ".join(f"{r[1]} ({r[2]} tiles)" for r in auto if r[3])
        rows.append(f"| {name} | {len(auto)} | {n1} | {a:,} | {b:,} | {100 * (b - a) / a:+.2f} % |"
                    + (f" <!-- {picked} -->" if picked else ""))
        tot = [tot[0] + len(auto), tot[1] + n1, tot[2] + a, tot[3] + b]
    rows.append(f"| all | {tot[0]} | {tot[1]} | {tot[2]:,} | {tot[3]:,} | {100 * (tot[3] - tot[2]) / tot[2]:+.2f} % |")
    return "\n".join(rows)


def run_app(name: str, onnx: str, inp: str | None, buffering: str, work: Path, install: Path) -> "bench_gvsoc.Run":
    """One network compiled for pulp with the tile pass's ``buffering`` and run on GVSOC."""
    from dory.backends.target import planning_pipeline

    app = work / f"{name}-{buffering}"
    cmd = [sys.executable, "-m", "dory.tools.dory_compile", onnx, "-o", str(app), "--target", "pulp", "-q",
           "--pipeline", planning_pipeline("pulp", buffering=buffering)]
    r = subprocess.run(cmd + (["--input", inp] if inp else []), cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"dory-compile {name}: {r.stderr.strip()[-2000:]}")
    r = subprocess.run(["make", "-s", "-C", str(app), "run", f"GVSOC={install}"], capture_output=True, text=True,
                       timeout=3600)
    if r.returncode:
        raise SystemExit(f"{name} on GVSOC: exit {r.returncode}\n{r.stdout[-2000:]}")
    return bench_gvsoc.parse_output(name, r.stdout)


def measure(name: str, onnx: str, inp: str | None, buffering: str, work: Path, install: Path) -> list[str]:
    """One network on GVSOC with the tile pass's ``buffering``: table rows (step, tiles, modelled,
    measured, ratio) of its single-buffered steps."""
    run = run_app(name, onnx, inp, buffering, work, install)
    planned = {p[0]: p for p in plan(onnx, buffering)}
    rows = []
    for s in run.steps:
        p = planned.get(s.index)
        if p is None or not p[3]:
            continue
        rows.append((name, s.name, p[2], s.modelled, s.cycles))
    print(f"buffering: {name}: {run.cycles:,} cycles, {len(rows)} single-buffered steps", file=sys.stderr, flush=True)
    return [f"| {n} | {st} | {t} | {m:,} | {c:,} | {m / c:.3f} |" for n, st, t, m, c in rows]


def compare(name: str, onnx: str, inp: str | None, work: Path, install: Path) -> tuple[str, list[str]]:
    """One network on GVSOC double buffered only and with the search's choice: the totals row
    (modelled and measured, both plans) and per layer the choice made single buffered, its
    measured cycles both ways."""
    dbl, auto = run_app(name, onnx, inp, "double", work, install), run_app(name, onnx, inp, "auto", work, install)
    pd, pa = plan(onnx, "double"), plan(onnx, "auto")
    md, ma = sum(p[4] for p in pd), sum(p[4] for p in pa)
    print(f"buffering: {name}: double {dbl.cycles:,}, auto {auto.cycles:,} cycles", file=sys.stderr, flush=True)
    total = (f"| {name} | {sum(p[3] for p in pa)} | {md:,} | {ma:,} | {dbl.cycles:,} | {auto.cycles:,} | "
             f"{100 * (auto.cycles - dbl.cycles) / dbl.cycles:+.2f} % |")
    sd, sa = {s.index: s for s in dbl.steps}, {s.index: s for s in auto.steps}
    pdi = {p[0]: p for p in pd}
    rows = []
    for p in pa:
        if not p[3] or p[0] not in sd or p[0] not in sa:
            continue
        d, a = sd[p[0]], sa[p[0]]
        rows.append(f"| {name} | {p[1]} | {pdi[p[0]][2]} -> {p[2]} | {d.modelled:,} -> {a.modelled:,} | "
                    f"{d.cycles:,} -> {a.cycles:,} | {100 * (a.cycles - d.cycles) / d.cycles:+.1f} % |")
    return total, rows


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("names", nargs="*", help="networks (default: every shared one and the generated MobileNets)")
    ap.add_argument("--gvsoc", action="store_true", help="run on GVSOC and compare the model with the measurement")
    ap.add_argument("--buffering", default="single", choices=("single", "auto"), help="the tile pass's buffering on GVSOC")
    ap.add_argument("--compare", action="store_true",
                    help="on GVSOC: double buffering only against the search's choice, per network and changed layer")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--target", default="pulp", help="the target of the planning table (without --gvsoc)")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="dory-buffering-"))
    saved = bench_gvsoc.GENERATED
    bench_gvsoc.GENERATED = GENERATED
    try:
        nets = bench_gvsoc.networks(args.names, True, tmp)
    finally:
        bench_gvsoc.GENERATED = saved
    if not args.gvsoc:
        print(plan_table(nets, args.target))
        return 0
    import gvsoc

    install = gvsoc.gvsoc_install()
    if install is None:
        raise SystemExit(f"buffering: no GVSOC: {gvsoc._skip_reason()}")
    if args.compare:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            cmp = list(pool.map(lambda n: compare(*n, tmp, install), nets))
        print("| network | single layers | modelled, double | modelled, choice | GVSOC, double | GVSOC, choice | change |\n"
              "|---|---:|---:|---:|---:|---:|---:|")
        print("\n".join(t for t, _ in cmp))
        print("\n| network | layer | tiles | modelled | GVSOC | change |\n|---|---|---|---|---|---:|")
        print("\n".join(r for _, rs in cmp for r in rs))
        return 0
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda n: measure(*n, args.buffering, tmp, install), nets))
    rows = [r for rs in results for r in rs]
    ratios = [float(r.rsplit("|", 2)[1]) for r in rows]
    print("| network | step | tiles | modelled | measured | model / GVSOC |\n|---|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    if ratios:
        within = sum(abs(q - 1) <= bench_gvsoc.TOLERANCE for q in ratios)
        print(f"\n{len(ratios)} single-buffered steps: median model / GVSOC {statistics.median(ratios):.3f}, "
              f"min {min(ratios):.3f}, max {max(ratios):.3f}, {within} within +-25 %")
    return 0


if __name__ == "__main__":
    sys.exit(main())
