"""Where the cycles of one kernel tile go on GVSOC: bench_kernels.py's tiles, per function or per
instruction, for one cluster core in the tile's warm run.

    python bench/gvsoc/profile_kernels.py [--list] [--tile N ...] [--core 1] [--by function|pc]
                                          [--top 30] [--gvsoc DIR]

The tiles (``--list``; default: every depthwise one) are built into one bare-metal driver as
bench_kernels.py builds them (tests/kernel_gvsoc.py, every buffer in L1, core 0's share uncut) and
run once with the instruction trace of the FC and the chosen core (profile.py's parser and GVSOC
debug build). The driver forks each tile twice (kernel_driver.c's run_cores: a cold and a warm
run); a fork is a step here (the FC entering dory_cluster_fork), and the warm run's step is the one
printed: the run bench_kernels.py reports, whose counters bracket the kernel call. The step also
holds the driver's few hundred cycles around the call (run_kernel, kernel_task, stats_add); the
idle loop waiting for the next fork is left out. Outputs are not checked here (bench_kernels.py and
tests/test_gvsoc_kernels.py do).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import threading
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "tests", ROOT / "bench" / "gvsoc"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

# profile.py by path under its own name: "profile" is also a standard-library module
_SPEC = importlib.util.spec_from_file_location("dory_gvsoc_profile", Path(__file__).with_name("profile.py"))
assert _SPEC and _SPEC.loader
P = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(P)

FORK_MARK = "dory_cluster_fork"  # the FC enters it once per kernel run


def warm_step(i: int) -> int:
    """The parser's step holding the warm run of the i-th tile of the driver: step 0 is before the
    first fork, tile i's cold run step 2 i + 1, its warm run step 2 i + 2."""
    return 2 * i + 2


def main(argv: list[str] | None = None) -> int:
    import bench_kernels as B
    import kernel_gvsoc as K
    import test_c_kernels as T

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="list the tiles and exit")
    ap.add_argument("--tile", type=int, action="append", help="bench_kernels.SHAPES index (repeatable)")
    ap.add_argument("--core", default="1", help="the cluster core traced (default 1)")
    ap.add_argument("--by", choices=["function", "pc"], default="function")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--gvsoc", help="GVSOC install built with --trace (as profile.py)")
    args = ap.parse_args(argv)
    if args.list:
        for i, s in enumerate(B.SHAPES):
            print(f"{i:3d}  {s.kind:10s} {s.layer} ({s.tile})")
        return 0
    idx = args.tile or [i for i, s in enumerate(B.SHAPES) if s.kind == "depthwise"]
    shapes = [B.SHAPES[i] for i in idx]
    fmt = {"conv_tile": T.fmt_conv, "pool_tile": T.fmt_pool, "add_tile": T.fmt_add}
    cases = [getattr(K, s.builder)(seed=i, want=False, **s.args) for i, s in zip(idx, shapes)]
    text = "\n".join(fmt[s.builder](c, B.NCORES) for s, c in zip(shapes, cases)) + "\n"
    install = P._install(args.gvsoc)
    cores = ["fc", args.core]
    with tempfile.TemporaryDirectory(prefix="dory-profile-kernels-") as tmp:
        elf = K.build_pulp(text, Path(tmp), even_shares=True)  # the seeds and shares of bench_kernels.py
        fifo = Path(tmp) / "trace"
        os.mkfifo(fifo)
        cmd = [str(install / "bin" / "gvsoc"), "--target=pulp-open", f"--work-dir={tmp}", f"--binary={elf}",
               *[f"--trace={P._trace_path(c)}/insn:{fifo}" for c in cores], "run"]
        out: list[str] = []
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True)
        reader = threading.Thread(target=lambda: out.extend(proc.stdout or []), daemon=True)
        reader.start()
        with open(fifo, errors="replace") as stream:
            steps = P._parse(stream, cores, args.by, P._entry(elf, FORK_MARK))
        rc = proc.wait()
        reader.join()
    if rc != 0:
        print("".join(out[-20:]), end="", file=sys.stderr)
        print(f"profile_kernels: GVSOC exited with {rc}", file=sys.stderr)
        return 1
    for n, (i, s) in enumerate(zip(idx, shapes)):
        st = warm_step(n)
        per: Counter = steps[st][args.core] if st < len(steps) else Counter()
        # the idle loop waiting for the next fork is not the tile's
        busy = Counter({k: v for k, v in per.items() if "pulp_cluster_main" not in k})
        total = sum(busy.values()) or 1
        print(f"\n== tile {i}: {s.layer} ({s.tile}), core {args.core}, warm run: {total} cycles outside the idle loop")
        for key, cyc in busy.most_common(args.top):
            print(f"    {cyc:10d} {100.0 * cyc / total:5.1f} %  {key}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
