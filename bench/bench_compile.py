"""dory-compile end to end, per network: compile time (ONNX -> app directory, median of 3), the size
of the generated C and of the weights blob, L1/L2/L3 use, modelled GAP8 cycles, and the host run
(build with -O2, run on 8 pthread cores: steps matching, wall time of the inference).

    python bench/bench_compile.py [--quick]      (markdown table on stdout)

Networks: every shared network in ../shared/models (when present) and generated MobileNets.
"""

from __future__ import annotations

import glob
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "models"


def networks(quick: bool) -> list[tuple[str, str, str | None]]:
    """(name, onnx path, input path or None)."""
    out: list[tuple[str, str, str | None]] = []
    if SHARED.is_dir():
        for d in sorted(p for p in SHARED.iterdir() if p.is_dir()):
            onnx = sorted(glob.glob(str(d / "*.onnx")))
            inp = sorted(glob.glob(str(d / "input*.txt")))
            if onnx:
                out.append((d.name, onnx[0], inp[0] if inp else None))
    gens = ["mobilenet_v1_0.25_128"] if quick else ["mobilenet_v1_0.25_128", "mobilenet_v2_1.0_224", "mobilenet_v1_1.0_224"]
    tmp = tempfile.mkdtemp(prefix="dory-bench-")
    for g in gens:
        p = os.path.join(tmp, f"{g}.onnx")
        subprocess.run([sys.executable, "-m", "dory.tools.dory_netgen", g, "-o", p], cwd=ROOT, check=True, capture_output=True)
        out.append((f"gen: {g}", p, None))
    return out


def compile_once(onnx: str, inp: str | None, out: str) -> tuple[float, str]:
    args = [sys.executable, "-m", "dory.tools.dory_compile", onnx, "-o", out] + (["--input", inp] if inp else [])
    t = time.perf_counter()
    r = subprocess.run(args, cwd=ROOT, capture_output=True, text=True)
    dt = time.perf_counter() - t
    if r.returncode:
        raise RuntimeError(r.stderr)
    return dt, r.stdout


def main() -> int:
    quick = "--quick" in sys.argv
    rows = ["| network | steps | compile (s) | network.c | weights | L1 peak | L2 peak | L3 | modelled Mcycles | host run | host ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, onnx, inp in networks(quick):
        work = tempfile.mkdtemp(prefix="dory-bench-app-")
        times = []
        for i in range(1 if quick else 3):
            dt, summary = compile_once(onnx, inp, os.path.join(work, f"app{i}"))
            times.append(dt)
        tot = re.search(r"total\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)", summary)
        app = os.path.join(work, "app0")
        net_c = os.path.getsize(os.path.join(app, "network.c"))
        blob = os.path.getsize(os.path.join(app, "weights.bin"))
        h = open(os.path.join(app, "network.h")).read()
        l1 = int(tot.group(3)) if tot else 0
        l2 = int(re.search(r"DORY_NET_L2_BYTES (\d+)u", h).group(1))  # type: ignore[union-attr]
        l3 = int(re.search(r"DORY_NET_L3_BYTES (\d+)u", h).group(1))  # type: ignore[union-attr]
        l3 = l3 if l3 > 4 else 0  # network.h reserves 4 bytes when nothing lives in L3
        steps = int(re.search(r"DORY_NET_STEPS (\d+)", h).group(1))  # type: ignore[union-attr]
        b = subprocess.run(["make", "-s", "-C", app, "app"], capture_output=True, text=True)
        if b.returncode:
            rows.append(f"| {name} | {steps} | build failed | | | | | | | | |")
            continue
        r = subprocess.run(["./app", "weights.bin"], cwd=app, capture_output=True, text=True)
        m = re.search(r"(\d+) of (\d+) steps match, output (\w+)", r.stdout)
        result = f"{m.group(1)}/{m.group(2)} steps, output {m.group(3)}" if m else f"exit {r.returncode}"
        ns = sum(int(x) for x in re.findall(r"modelled\s+(\d+) ns", r.stdout))
        cyc = int(tot.group(4)) if tot else 0
        rows.append(f"| {name} | {steps} | {statistics.median(times):.2f} | {net_c // 1024} KiB | {blob // 1024} KiB | {l1} | {l2} | {l3} | "
                    f"{cyc / 1e6:.2f} | {result} | {ns / 1e6:.1f} |")
        print(rows[-1], file=sys.stderr, flush=True)
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
