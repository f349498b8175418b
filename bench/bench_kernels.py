"""Instructions per MAC of the runtime's compute kernels on RV32IMC (QEMU, exact counts).

    python bench/bench_kernels.py [--rv32 DIR] [-O LEVEL] [--raw]

Builds bench/kernels_rv32.c with the kernels (runtime/kernels/*.c) for the bare-metal RV32 harness
(``rv32-run --prof``: rv32imc, 8 harts, per-hart instruction counts of marked regions), runs it and
prints a markdown table: per layer shape the dory kernel's instructions per MAC on 1 hart, the
busiest hart's instructions per MAC on 8 harts (busiest hart / all the layer's MACs), the speed-up
8 vs 1 harts, a naive nested-loop reference's instructions per MAC and naive / dory (1 hart).
For pooling a "MAC" is one window tap, for add one element. The program checks the dory outputs
(1 and 8 harts) against the naive one and fails on any difference.

``rows()`` returns the table as dicts (for a ``make bench`` report). Counts are of standard
RV32IMC code, not GAP8 cycles (no Xpulp hardware loops, post-increment loads or SIMD).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PROGRAM = ROOT / "bench" / "kernels_rv32.c"
KERNELS = sorted((ROOT / "runtime" / "kernels").glob("*.c"))


def default_rv32() -> Path:
    env = os.environ.get("DORY_RV32")
    if env:
        return Path(env)
    return ROOT.parent / "shared" / "tools" / "rv32"


class BenchError(RuntimeError):
    pass


def run(rv32: Path | None = None, opt: str = "2", extra: list[str] | None = None) -> tuple[str, str]:
    """Build and run the program; returns (stdout, plugin report). Raises BenchError on failure."""
    rv32 = rv32 or default_rv32()
    tool = rv32 / "rv32-run"
    if not tool.exists():
        raise BenchError(f"{tool} not found (set DORY_RV32 or --rv32)")
    for exe in ("riscv64-unknown-elf-gcc", "qemu-system-riscv32"):
        if shutil.which(exe) is None:
            raise BenchError(f"{exe} is not installed (see {rv32 / 'README.md'})")
    cmd = [str(tool), "--prof", f"-O{opt}", "-fwrapv", f"-I{ROOT / 'runtime' / 'include'}", *(extra or []),
           str(PROGRAM), *map(str, KERNELS)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    if r.returncode != 0:
        raise BenchError(f"{' '.join(cmd)}: exit {r.returncode}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}")
    return r.stdout, r.stderr


def parse(stdout: str, report: str) -> list[dict[str, Any]]:
    summary: dict[int, tuple[int, int, int]] = {}
    for m in re.finditer(r"rv32prof region=(\d+) harts=(\d+) max_insns=(\d+) sum_insns=(\d+)", report):
        summary[int(m[1])] = (int(m[2]), int(m[3]), int(m[4]))
    rows = []
    for m in re.finditer(r"^case (\d+) (\S+) (.+) (\d+)$", stdout, re.M):
        i, name, shape, macs = int(m[1]), m[2], m[3], int(m[4])
        try:
            _, par_max, par_sum = summary[3 * i + 1]
            _, one, _ = summary[3 * i + 2]
            _, naive, _ = summary[3 * i + 3]
        except KeyError as e:
            raise BenchError(f"no profile for case {i} ({name}): region {e}") from None
        rows.append(dict(kernel=name, shape=shape, macs=macs, instr_1=one, instr_8_max=par_max, instr_8_sum=par_sum,
                         instr_naive=naive, ipm_1=one / macs, ipm_8_max=par_max / macs, ipm_8_sum=par_sum / macs,
                         speedup=one / par_max, ipm_naive=naive / macs, naive_over_dory=naive / one))
    if not rows:
        raise BenchError(f"no cases in the program's output:\n{stdout[-2000:]}")
    return rows


def rows(rv32: Path | None = None, opt: str = "2") -> list[dict[str, Any]]:
    """The benchmark's rows: kernel, shape, macs, instr_* (raw counts), ipm_1 (instr/MAC, 1 hart),
    ipm_8_max (busiest hart / MACs, 8 harts), ipm_8_sum, speedup, ipm_naive, naive_over_dory."""
    return parse(*run(rv32, opt))


def markdown(rs: list[dict[str, Any]]) -> str:
    head = ("| kernel | shape | MACs | instr/MAC 1 hart | busiest-hart instr/MAC 8 harts (x8) | sum 8 harts "
            "| speed-up 8 vs 1 | naive instr/MAC | naive / dory |")
    out = [head, "|" + "---|" * 9]
    for r in rs:
        out.append(f"| {r['kernel']} | {r['shape']} | {r['macs']} | {r['ipm_1']:.2f} | {r['ipm_8_max']:.3f} "
                   f"({8 * r['ipm_8_max']:.2f}) | {r['ipm_8_sum']:.2f} | {r['speedup']:.2f} | {r['ipm_naive']:.2f} "
                   f"| {r['naive_over_dory']:.2f} |")
    return "\n".join(out)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rv32", type=Path, default=None, help="the rv32 harness directory")
    ap.add_argument("-O", dest="opt", default="2", help="optimisation level (default 2)")
    ap.add_argument("--raw", action="store_true", help="also print the program's output and plugin report")
    args = ap.parse_args()
    try:
        stdout, report = run(args.rv32, args.opt)
        rs = parse(stdout, report)
    except BenchError as e:
        print(f"bench_kernels: {e}", file=sys.stderr)
        return 1
    if args.raw:
        print(stdout)
        print(report)
    print("Instructions per MAC on RV32IMC (exact, QEMU + rv32prof; pool: per window tap, add: per element)\n")
    print(markdown(rs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
