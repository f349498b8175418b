"""Cycles of the runtime's kernels on GVSOC's pulp-open cluster, 8 cores, one L1-resident tile per
typical layer shape, against PULP-NN's 15.5 MAC/cycle and issue 12's targets.

    python bench/gvsoc/bench_kernels.py [--json] [--portable] [-o build/bench/gvsoc_kernels.md] [--require]
                                        [--kind depthwise ...]

Each tile (the SHAPES below: conv 3x3, pointwise, depthwise 3x3 s1/s2, linear, max/average pool,
add; random u8 activations, s8 weights, s32 bias, a per-channel requant chain to u8; the add's
inputs s8 with scalar multipliers, as dory plans NEMO's residual adds) is run through
tests/c/kernel_driver.c built bare metal (tests/kernel_gvsoc.py: the kernels with -DDORY_XPULPV2 and
the pulp port, the flags of a pulp app, every buffer in L1), all tiles in one GVSOC run. The kernel
is forked onto the 8 cores; each core reads its cycle counter right before and after its call
(behind a barrier, the fork and join outside), twice (the second run, warm instruction cache, is the
one reported); a tile's cycles are the slowest core's. Every output is checked against the host
build of the same driver (the portable C path); any difference fails the bench (exit 1).
Work: MACs for conv / depthwise / linear; window taps for pooling and elements for add, whose
"MAC/cycle" column is then taps or elements per cycle. Tiles are sized to fit L1 (the pulp
target's L1 budget, 54,736 B with link.ld's stacks, for the tile, its scratch and the driver's two
output copies): a layer bigger than that is one of its tiles
(the "tile" column says which part of the layer). ``--portable`` runs the tiles once more with the
kernels built without DORY_XPULPV2 (a pulp app's XPULP=0: the portable C dot products) and adds
their MAC/cycle and the Xpulpv2 speed-up. Without GVSOC or the cross compiler it prints why
and exits 0 (``--require``: 2).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "tests"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

PULPNN = 15.5  # PULP-NN's conv MAC/cycle on 8 cores (issue 12)
# Issue 12's targets, MAC/cycle on 8 cores for layers with >= 32 channels.
TARGETS = {"conv3x3": 13.0, "pointwise": 13.0, "depthwise": 4.0, "linear": 6.0,
           # small-ci first layers (ci 1 / 3): issue 12 sets no target below 32 channels; 6 is the
           # goal its round set for them (they were 46-60 % of the dronet family's cycles)
           "first conv": 6.0}
NCORES = 8


@dataclass
class Shape:
    """One bench tile: the kernel kind (a TARGETS key or pool / add), the layer it stands for, the
    tile actually run, and the arguments of tests/kernel_gvsoc.py's tile builder."""

    kind: str
    layer: str
    tile: str
    builder: str  # conv_tile / pool_tile / add_tile
    args: dict[str, Any]


def _conv(bench_kind: str, layer: str, tile: str, **kw: Any) -> Shape:
    # the requant chain as the real networks' layers have it: an 8-bit conv / linear and a 3x3
    # depthwise with a shift (the tiles below) carry their input window after the requant-window pass
    return Shape(bench_kind, layer, tile, "conv_tile", {"window": True, **kw})


SHAPES: list[Shape] = [
    _conv("conv3x3", "conv 3x3 32->32, 16x16", "whole (pad 1)", kind="conv", hi=16, wi=16, ci=32, co=32, k=(3, 3),
          pads=(1, 1, 1, 1)),
    _conv("conv3x3", "conv 3x3 64->64, 16x16", "8 of 16 rows, 32 of 64 out ch", kind="conv", hi=9, wi=16, ci=64,
          co=32, k=(3, 3), pads=(1, 1, 0, 1)),
    _conv("first conv", "conv 5x5 s2 1->32, 200x200 (dronet)", "3 of 100 rows", kind="conv", hi=7, wi=200, ci=1,
          co=32, k=(5, 5), s=(2, 2), pads=(2, 2, 0, 1)),
    _conv("first conv", "conv 3x3 s2 3->32, 128x128 (MobileNet)", "4 of 64 rows", kind="conv", hi=9, wi=128, ci=3,
          co=32, k=(3, 3), s=(2, 2), pads=(0, 0, 0, 1)),
    _conv("pointwise", "pointwise 64->64, 16x16", "8 of 16 rows", kind="conv", hi=8, wi=16, ci=64, co=64),
    _conv("pointwise", "pointwise 128->128, 8x8", "whole", kind="conv", hi=8, wi=8, ci=128, co=128),
    _conv("pointwise", "pointwise 256->256, 8x8", "4x4 px, 128 of 256 out ch", kind="conv", hi=4, wi=4, ci=256,
          co=128),
    _conv("depthwise", "depthwise 3x3 s1, 32 ch, 16x16", "whole (pad 1)", kind="dw", hi=16, wi=16, ci=32, co=32,
          k=(3, 3), pads=(1, 1, 1, 1)),
    _conv("depthwise", "depthwise 3x3 s1, 64 ch, 16x16", "8 of 16 rows", kind="dw", hi=9, wi=16, ci=64, co=64,
          k=(3, 3), pads=(1, 1, 0, 1)),
    _conv("depthwise", "depthwise 3x3 s1, 128 ch, 8x8", "whole (pad 1)", kind="dw", hi=8, wi=8, ci=128, co=128,
          k=(3, 3), pads=(1, 1, 1, 1)),
    _conv("depthwise", "depthwise 3x3 s2, 32 ch, 16x16", "whole (pad 1)", kind="dw", hi=16, wi=16, ci=32, co=32,
          k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1)),
    _conv("depthwise", "depthwise 3x3 s2, 64 ch, 16x16", "whole (pad 1)", kind="dw", hi=16, wi=16, ci=64, co=64,
          k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1)),
    _conv("depthwise", "depthwise 3x3 s2, 128 ch, 12x12", "whole (pad 1)", kind="dw", hi=12, wi=12, ci=128, co=128,
          k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1)),
    _conv("linear", "linear 1024->64", "32 of 64 outputs", kind="linear", hi=1, wi=1, ci=1024, co=32),
    _conv("linear", "linear 256->10", "whole", kind="linear", hi=1, wi=1, ci=256, co=10),
    Shape("pool", "maxpool 2x2 s2, 64 ch, 16x16", "whole", "pool_tile",
          dict(hi=16, wi=16, ch=64, k=(2, 2), s=(2, 2), is_avg=0)),
    Shape("pool", "avgpool 4x4 (global), 1024 ch, 4x4", "whole", "pool_tile",
          dict(hi=4, wi=4, ch=1024, k=(4, 4), s=(1, 1), is_avg=1)),
    Shape("add", "add s8+s8 -> u8, 32 ch, 16x16", "whole", "add_tile", dict(rows=256, ch=32)),
]


@dataclass
class Row:
    """One measured tile."""

    kind: str
    layer: str
    tile: str
    work: int
    cycles: int
    cycles_min: int
    mac_per_cycle: float
    vs_pulpnn: float | None
    target: float | None
    portable_cycles: int | None = None  # --portable: the same tile built without DORY_XPULPV2


class BenchError(RuntimeError):
    """The bench could not build or run, or GVSOC's output differs from the host's."""


def work(s: Shape, c: dict[str, Any]) -> int:
    """MACs (conv, depthwise, linear), window taps (pool) or elements (add) of the tile."""
    if s.builder == "conv_tile":
        cw = 1 if c["kind"] == "dw" else c["ci"]
        return int(c["ho"] * c["wo"] * c["co"] * c["kh"] * c["kw"] * cw)
    if s.builder == "pool_tile":
        return int(c["ho"] * c["wo"] * c["c"] * c["kh"] * c["kw"])
    return int(c["rows"] * c["c"])


def missing() -> str | None:
    """Why the bench cannot run here, or None."""
    import gvsoc

    if gvsoc.gvsoc_install() is None:
        return gvsoc._skip_reason()
    if shutil.which(gvsoc.RVCC) is None:
        return f"no {gvsoc.RVCC} to build the driver (apt-get install gcc-riscv64-unknown-elf)"
    return None


def measure(shapes: list[Shape] | None = None, portable: bool = False) -> list[Row]:
    """Run every tile on GVSOC (one run; with ``portable`` a second one built without
    DORY_XPULPV2) and on the host; the rows, or BenchError."""
    import numpy as np

    import kernel_gvsoc as K
    import test_c_kernels as T

    shapes = shapes if shapes is not None else SHAPES
    cases = [getattr(K, s.builder)(seed=i, want=False, **s.args) for i, s in enumerate(shapes)]
    fmt = {"conv_tile": T.fmt_conv, "pool_tile": T.fmt_pool, "add_tile": T.fmt_add}
    text = "\n".join(fmt[s.builder](c, NCORES) for s, c in zip(shapes, cases)) + "\n"
    tmp = Path(tempfile.mkdtemp(prefix="dory-bench-kernels-"))
    try:
        got = K.run_pulp(K.build_pulp(text, tmp, even_shares=True), tmp / "run")
        plain = K.run_pulp(K.build_pulp(text, tmp, xpulp=False, name="portable", even_shares=True), tmp / "run_portable") \
            if portable else None
        host = K.run_host(K.build_host(tmp / "host_driver"), text)
    except K.DriverError as e:
        raise BenchError(str(e)) from e
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if len(got) != len(shapes) or len(host) != len(shapes):
        raise BenchError(f"{len(got)} GVSOC / {len(host)} host results for {len(shapes)} tiles")
    rows = []
    for i, (s, c, g, h) in enumerate(zip(shapes, cases, got, host)):
        for label, r in (("Xpulpv2", g), ("portable", plain[i] if plain else None)):
            if r is not None and (r.ok != 1 or not np.array_equal(r.y, h.y)):
                raise BenchError(f"{s.layer}: GVSOC output ({label} build) differs from the host's portable C (or "
                                 f"leaves part of the tile unwritten: ok={r.ok})")
        n = work(s, c)
        cyc = max(g.cycles[:NCORES])
        mpc = n / cyc
        target = TARGETS.get(s.kind)
        rows.append(Row(s.kind, s.layer, s.tile, n, cyc, min(g.cycles[:NCORES]), mpc,
                        mpc / PULPNN if s.kind in TARGETS else None, target,
                        max(plain[i].cycles[:NCORES]) if plain else None))
    return rows


def table(rows: list[Row]) -> str:
    """The markdown table."""
    plain = any(r.portable_cycles for r in rows)
    out = [f"| kernel | layer | tile | work | cycles (slowest of {NCORES} cores) | fastest core | MAC/cycle | "
           f"/ PULP-NN {PULPNN} | target | met |" + (" portable C MAC/cycle | Xpulpv2 speed-up |" if plain else ""),
           "|---|---|---|---:|---:|---:|---:|---:|---:|---|" + ("---:|---:|" if plain else "")]
    for r in rows:
        unit = "" if r.kind in TARGETS else (" taps/cycle" if r.kind == "pool" else " elem/cycle")
        vs = f"{r.vs_pulpnn:.2f}" if r.vs_pulpnn is not None else "—"
        tgt = f">= {r.target:g}" if r.target is not None else "—"
        met = ("yes" if r.mac_per_cycle >= r.target else "no") if r.target is not None else "—"
        line = (f"| {r.kind} | {r.layer} | {r.tile} | {r.work:,} | {r.cycles:,} | {r.cycles_min:,} | "
                f"{r.mac_per_cycle:.2f}{unit} | {vs} | {tgt} | {met} |")
        if plain:
            pc = r.portable_cycles or 0
            line += f" {r.work / pc:.2f} | {pc / r.cycles:.2f} |" if pc else " — | — |"
        out.append(line)
    return "\n".join(out)


def report(rows: list[Row]) -> str:
    """The section's markdown (without a heading)."""
    return ("Kernels alone on GVSOC pulp-open, 8 cores, one L1-resident tile each (bench/gvsoc/bench_kernels.py): "
            "cycles of the slowest core's kernel call (per-core counters around the call only), outputs bit-exact "
            "with the host's portable C. Pool: window taps per cycle; add: elements per cycle.\n\n" + table(rows))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", action="store_true", help="print the rows as JSON instead of the table")
    ap.add_argument("-o", "--output", default=str(ROOT / "build" / "bench" / "gvsoc_kernels.md"))
    ap.add_argument("--portable", action="store_true", help="also run the kernels built without DORY_XPULPV2")
    ap.add_argument("--require", action="store_true", help="exit 2 instead of 0 when GVSOC is absent")
    ap.add_argument("--kind", action="append", help="only the tiles of this kernel kind (repeatable; e.g. depthwise)")
    args = ap.parse_args()
    why = missing()
    if why:
        print(f"bench_kernels (GVSOC): skipped: {why}", file=sys.stderr)
        return 2 if args.require else 0
    try:
        shapes = [s for s in SHAPES if s.kind in args.kind] if args.kind else None
        rows = measure(shapes, portable=args.portable)
    except BenchError as e:
        print(f"bench_kernels (GVSOC): FAILED: {e}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=1))
        return 0
    text = "## GVSOC kernels\n\n" + report(rows) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    Path(args.output).write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
