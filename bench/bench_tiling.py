"""Tiling quality and compile time: per layer the chosen L1 tile, L1 utilisation, tiles and
modelled cycles of the `tile` pass, plus the compile time of the whole ONNX -> gap8-default
(which ends with `tile`) pipeline.

    python bench/bench_tiling.py [--runs 5] [--no-shared] [--quiet] [--space candidates|legal] [--target gap8|pulp]

Networks: generated MobileNetV1 1.0 at 128 and 224 (driver/netgen.py) and every shared network
(../shared/models, when beside the checkout).
"""

from __future__ import annotations

import argparse
import glob
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dory.backends.gap8.hw import GAP8  # noqa: E402
from dory.dory_ir.attributes import DictAttr  # noqa: E402
from dory.dory_ir.dialects.dory import LayerOp  # noqa: E402
from dory.frontend.onnx_import import import_onnx  # noqa: E402
from dory.passes.base import PassContext  # noqa: E402
from dory.passes.manager import PassManager  # noqa: E402
from dory.passes.pipeline import parse_pipeline  # noqa: E402

SHARED = ROOT.parent / "shared" / "models"


def compile_once(path: str, space: str = "candidates", target: str = "gap8"):
    """Import and run the gap8-default passes (tile recording its solve time, over ``space``:
    the tile pass's option; the planning passes for ``target``); returns (module, seconds)."""
    t0 = time.perf_counter()
    module = import_onnx(path, warn=lambda m: None)
    # gap8-default with the tile pass's wall time recorded (off by default: it is run-dependent)
    pipeline = (f"canonicalize,fold-requant,fuse,assign-memory{{target={target}}},"
                f"tile{{record-solve-time=true space={space} target={target}}}")
    PassManager(parse_pipeline(pipeline), verify_each=False).run(PassContext(), module)
    return module, time.perf_counter() - t0


def report(name: str, path: str, runs: int, quiet: bool, space: str = "candidates",
           target: str = "gap8") -> tuple[str, int, int, float, float]:
    """Print the per-layer table of one network; return its totals row."""
    times = []
    module = None
    for _ in range(runs):
        module, dt = compile_once(path, space, target)
        times.append(dt)
    assert module is not None
    rows = []
    solve_ms = 0
    for op in module.walk():
        if not isinstance(op, LayerOp):
            continue
        d = dict(op.attributes["dory.tile"].entries)  # type: ignore[union-attr]
        l1 = dict(d["l1"].entries)  # type: ignore[union-attr]
        tile = "x".join(str(l1[k].value) for k in ("c_out", "h_out", "w_out", "c_in"))  # type: ignore[attr-defined]
        l3 = d.get("l3")
        l3s = "x".join(str(v.value) for _, v in l3.entries) if isinstance(l3, DictAttr) else "-"  # type: ignore[attr-defined]
        used = d["l1_bytes"].value  # type: ignore[attr-defined]
        solve_ms += d["solve_ms"].value  # type: ignore[attr-defined]
        rows.append((op.op_name.split(".")[1], tile, l3s, used, d["n_tiles"].value, d["cycles"].value))  # type: ignore[attr-defined]
    if not quiet:
        print(f"\n== {name}")
        print(f"{'#':>3} {'op':<10} {'L1 tile co x h x w x ci':<24} {'L3 co x h':<10} {'L1 B':>7} {'util':>6} {'tiles':>6} {'cycles':>11}")
        for i, (op, tile, l3s, used, n, cyc) in enumerate(rows):
            print(f"{i:>3} {op:<10} {tile:<24} {l3s:<10} {used:>7} {used / GAP8.l1_budget:>6.1%} {n:>6} {cyc:>11}")
    total = sum(r[5] for r in rows)
    util = statistics.mean(r[3] / GAP8.l1_budget for r in rows)
    return name, len(rows), total, util, statistics.median(times), solve_ms  # type: ignore[return-value]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--no-shared", action="store_true")
    ap.add_argument("--quiet", action="store_true", help="totals only")
    ap.add_argument("--space", choices=("candidates", "legal"), default="candidates", help="the tile pass's space option")
    ap.add_argument("--target", default="gap8", help="the planning passes' target option")
    args = ap.parse_args()
    nets: list[tuple[str, str]] = []
    tmp = tempfile.TemporaryDirectory()
    for g in ("mobilenet_v1_1.0_128", "mobilenet_v1_1.0_224"):
        out = str(Path(tmp.name) / f"{g}.onnx")
        subprocess.run([sys.executable, "-m", "dory.tools.dory_netgen", g, "-o", out], check=True, cwd=ROOT, capture_output=True)
        nets.append((g, out))
    if not args.no_shared and SHARED.is_dir():
        for d in sorted(p for p in SHARED.iterdir() if p.is_dir()):
            onnx = glob.glob(str(d / "*.onnx"))
            if onnx:
                nets.append((d.name, onnx[0]))
    totals = [report(n, p, args.runs, args.quiet, args.space, args.target) for n, p in nets]
    print(f"\n{'network':<34} {'layers':>6} {'cycles':>12} {'ms@175MHz':>10} {'mean L1 util':>12} {'tile solve ms':>13} {'compile s (median)':>18}")
    for name, n, cyc, util, t, sms in totals:  # type: ignore[misc]
        print(f"{name:<34} {n:>6} {cyc:>12} {cyc / GAP8.clock_hz * 1000:>10.2f} {util:>12.1%} {sms:>13} {t:>18.3f}")


if __name__ == "__main__":
    main()
