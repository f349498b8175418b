"""Measured cycles on GVSOC's pulp-open cluster against DORY's published figures and our cost model.

    python bench/bench_gvsoc.py [-o build/bench/gvsoc.md] [--jobs N] [--no-generated] [NETWORK ...]

Every shared network (../shared/models, tests/shared_models.py) and the generated MobileNets
(dory-netgen: V1-0.25-128, V1-1.0-128 and V2-1.0-128, the last two DORY's published networks) is
compiled with ``dory-compile --target pulp`` (pulp-default plan), built with the riscv gcc and run
on GVSOC (``make -C app run GVSOC=<install>``, install looked
up as tests/gvsoc.py does). The app prints one line per step (MACs, measured cycles, MAC/cycle, the
tile pass's modelled cycles, checksum ok/MISMATCH) and a total line; this script parses them and
writes three markdown tables:

- per network: measured cycles and MAC/cycle, next to DORY's published 8-core GVSOC figure and
  the ratio ours / DORY's, and how deep the cluster stacks went (core 0, the deepest of the others);
- per network and layer kind (conv 3x3, conv KxK, pointwise, depthwise, linear, pool, add);
- model vs measured per layer (the ``dory.tile`` modelled cycles against GVSOC's), with the share
  of layers within +-25 %, the median ratio per kind and the outliers.

Any checksum mismatch, missing total line or non-zero exit fails the bench (exit 1), except a
generated network that does not fit pulp-open's memories at link time: it is listed as not run
with the linker's message. A failed network does not lose the others' figures: the tables are
still written, with that network's row marked FAILED (the reason's first line; the whole message
on stderr), and the exit status is 1. (MobileNetV1-1.0-128 and V2-1.0-128 fit: their 4.3 / 3.6 MB of weights
go to the board's HyperRAM, which their apps' Makefile.pulp picks by default, L3=hyper.) Networks run in
parallel, up to the machine's core count. Without GVSOC (or the cross compiler) the bench prints why
and exits 0 with nothing measured (``--require`` makes that exit 2 instead).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "models"
GENERATED = ["mobilenet_v1_0.25_128", "mobilenet_v1_1.0_128", "mobilenet_v2_1.0_128"]
# What the pulp app prints when a memory overflows at link time (backends/pulp/app.py's Makefile.pulp).
NOT_FIT = "pulp: does not fit:"
PIPELINE = "pulp-default"

# DORY's published whole-network MAC/cycle on GVSOC, 8 cores (issue 12, from the DORY paper / repo).
# Keys are the shared-model directory names (or generated network names); a figure given for a
# different width of the same architecture is listed with that width and gets no ratio.
DORY_GVSOC: dict[str, tuple[float, str]] = {
    "nemo1d_TCN_test_library": (8.82, ""),
    "nemo_Residual_connection_test_1": (6.32, ""),
    "nemo_SmartAgri-net": (6.04, ""),
    "nemo_dronet_complete": (5.77, ""),
    "nemo_PenguiNet_32": (4.88, ""),
    "nemo1d_TCN_T": (4.29, ""),
    "nemo_dscnn_test": (2.97, ""),
    "nemo_eegnet_1d_8b_1xW": (0.51, ""),
    "mobilenet_v1_0.25_128": (8.60, "MobileNetV1-1.0-128"),
    "mobilenet_v1_1.0_128": (8.60, ""),
    "mobilenet_v2_1.0_128": (4.19, ""),
}
# DORY's other published figures without a network we run (listed for completeness).
DORY_OTHER: dict[str, float] = {}

KINDS = ["conv3x3", "conv KxK", "pointwise", "depthwise", "linear", "pool", "add", "other"]
MAC_KINDS = {"conv3x3", "conv KxK", "pointwise", "depthwise", "linear"}
TOLERANCE = 0.25

# The app's output (runtime/port/pulp, backends/pulp/app.py); tests/test_pulp_e2e.py pins the format.
STEP_RE = re.compile(r"^\s*(\d+) (\S+)\s+(\S+)\s+(\d+) MAC\s+(\d+) cycles\s+(\d+\.\d\d) MAC/cycle\s+(\d+) modelled  "
                     r"checksum ([0-9a-f]{8}) (ok|MISMATCH)$", re.M)
TOTAL_RE = re.compile(r"^dory: total: (\d+) cycles, (\d+) MAC, (\d+\.\d\d) MAC/cycle$", re.M)
STACK_RE = re.compile(r"^dory: stack peak per cluster core \(bytes of link.ld's\):((?: \d+/\d+)+)$", re.M)
MATCH_RE = re.compile(r"^dory: .*: (\d+) of (\d+) steps match, output (matches|MISMATCH)", re.M)


class BenchError(RuntimeError):
    """A network failed to compile, build or run, or did not run bit-exact."""


@dataclass
class Step:
    """One step of the app's GVSOC output."""

    index: int
    name: str
    op: str
    macs: int
    cycles: int
    modelled: int
    ok: bool
    kind: str = "other"


@dataclass
class Run:
    """One network's parsed GVSOC run."""

    name: str
    steps: list[Step] = field(default_factory=list)
    cycles: int = 0
    macs: int = 0
    not_run: str = ""  # a generated network that does not fit pulp-open's memories: the linker's message
    failed: str = ""  # the network failed (compile, build, run or a mismatch): the reason's first line
    stacks: list[tuple[int, int]] = field(default_factory=list)  # per cluster core: (stack peak, size) in bytes

    @property
    def mac_per_cycle(self) -> float:
        """Whole-network MACs over measured cycles."""
        return self.macs / self.cycles if self.cycles else 0.0


def parse_output(name: str, text: str) -> Run:
    """The steps and total of one app run's stdout; raises BenchError on a mismatch or a missing
    total line (the run is then not a measurement)."""
    steps = [Step(int(m[1]), m[2], m[3], int(m[4]), int(m[5]), int(m[7]), m[9] == "ok") for m in STEP_RE.finditer(text)]
    total = TOTAL_RE.search(text)
    if not steps or total is None:
        raise BenchError(f"{name}: no per-step lines or no total line in the app's output:\n{text[-2000:]}")
    bad = [s.name for s in steps if not s.ok]
    if bad:
        raise BenchError(f"{name}: checksum MISMATCH in step(s) {', '.join(bad)}")
    match = MATCH_RE.search(text)
    if match is None or match[3] != "matches" or match[1] != match[2]:
        raise BenchError(f"{name}: the output does not match:\n{text[-1500:]}")
    stacks = STACK_RE.search(text)
    peaks = [(int(p), int(n)) for p, n in (x.split("/") for x in stacks[1].split())] if stacks else []
    return Run(name, steps, int(total[1]), int(total[2]), stacks=peaks)


def layer_kinds(onnx: str) -> dict[int, str]:
    """Per step index, the layer kind, from the network planned with PIPELINE in process (the same
    steps the app runs)."""
    from dory.backends.gap8.emit import emit_network
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline

    module = import_onnx(onnx, warn=lambda m: None)
    PassManager(parse_pipeline(PIPELINE), verify_each=False).run(PassContext(), module)
    out: dict[int, str] = {}
    for s in emit_network(module).steps:
        if s.op == "conv2d":
            w = s.value.op.operands[1].type.shape  # type: ignore[attr-defined]  # (Cout, kh, kw, Cin) or (Cout, k, Cin)
            kh, kw = (w[1], w[2]) if len(w) == 4 else (w[1], 1)
            out[s.index] = "pointwise" if (kh, kw) == (1, 1) else "conv3x3" if (kh, kw) == (3, 3) else "conv KxK"
        elif s.op in ("depthwise", "linear", "pool", "add"):
            out[s.index] = s.op
        else:
            out[s.index] = "other"
    return out


def networks(names: list[str], generated: bool, tmp: Path) -> list[tuple[str, str, str | None]]:
    """(name, onnx, input or None) for the shared networks (all, or those named) and the generated ones."""
    out: list[tuple[str, str, str | None]] = []
    shared = sorted(p.name for p in SHARED.iterdir() if p.is_dir()) if SHARED.is_dir() else []
    for name in shared:
        if names and name not in names:
            continue
        onnx = sorted((SHARED / name).glob("*.onnx"))
        inp = sorted((SHARED / name).glob("input*.txt"))
        if onnx:
            out.append((name, str(onnx[0]), str(inp[0]) if inp else None))
    for g in GENERATED if generated else []:
        if names and g not in names:
            continue
        p = tmp / f"{g}.onnx"
        r = subprocess.run([sys.executable, "-m", "dory.tools.dory_netgen", g, "-o", str(p)], cwd=ROOT,
                           capture_output=True, text=True)
        if r.returncode:
            raise BenchError(f"dory-netgen {g}: {r.stderr.strip()}")
        out.append((g, str(p), None))
    return out


class RunFailed(BenchError):
    """A network that did not compile, or whose app failed on GVSOC (``stdout``: the run's output)."""

    def __init__(self, message: str, stdout: str = ""):
        super().__init__(message)
        self.stdout = stdout


def compile_and_run(label: str, args: list[str], app: Path, install: Path, timeout: int = 3600) -> Run:
    """``dory-compile ARGS -o APP --target pulp``, then the app on GVSOC: the parsed run (the one
    place the bench scripts build and run an app: bench_gvsoc, calibrate, compare_plans). Raises
    `RunFailed` when either step fails, `BenchError` when the output does not parse."""
    cmd = [sys.executable, "-m", "dory.tools.dory_compile", *args, "-o", str(app), "--target", "pulp", "-q"]
    r = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    if r.returncode:
        raise RunFailed(f"dory-compile {label}: {r.stderr.strip()[-2000:] or 'failed'}")
    r = subprocess.run(["make", "-s", "-C", str(app), "run", f"GVSOC={install}"], capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode:
        raise RunFailed(f"{label} on GVSOC: exit {r.returncode}\n{r.stdout[-2000:]}\n{r.stderr[-2000:]}", r.stdout)
    return parse_output(label, r.stdout)


def bench_network(name: str, onnx: str, inp: str | None, work: Path, install: Path) -> Run:
    """Compile, build and run one network on GVSOC; its parsed run (layer kinds not yet set)."""
    try:
        return compile_and_run(name, [onnx, *(["--input", inp] if inp else [])], work / name, install, timeout=1800)
    except RunFailed as e:
        if name in GENERATED and NOT_FIT in e.stdout:
            # not a failure of ours to hide: the table lists the network as not run, with the reason
            return Run(name, not_run=e.stdout[e.stdout.index(NOT_FIT):].splitlines()[0])
        raise


def _f(x: float, nd: int = 2) -> str:
    return f"{x:.{nd}f}" if x == x else "—"


def stack_cell(stacks: list[tuple[int, int]]) -> str:
    """How deep core 0's stack and the deepest of the others' went, of their sizes (link.ld)."""
    if len(stacks) < 2:
        return "—"
    other = max(stacks[1:])
    return f"{stacks[0][0]:,} of {stacks[0][1]:,} / {other[0]:,} of {other[1]:,}"


def network_table(runs: list[Run]) -> str:
    """Per network: measured cycles and MAC/cycle against DORY's published GVSOC figure."""
    out = ["| network | steps | MAC | measured cycles | MAC/cycle | DORY GVSOC MAC/cycle (8 cores) | ours / DORY "
           "| modelled cycles | modelled / measured | stack peak: core 0 / cores 1-7 (B) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in runs:
        pub, other = DORY_GVSOC.get(r.name, (float("nan"), ""))
        dory = f"{pub:.2f}" + (f" ({other})" if other else "") if pub == pub else "—"
        if r.failed:
            out.append(f"| {r.name} | — | — | FAILED: {r.failed.replace('|', '/')} | — | {dory} | — | — | — | — |")
            continue
        if r.not_run:
            out.append(f"| {r.name} | — | — | not run: {r.not_run} | — | {dory} | — | — | — | — |")
            continue
        ratio = _f(r.mac_per_cycle / pub) if pub == pub and not other else "—"
        modelled = sum(s.modelled for s in r.steps)
        out.append(f"| {r.name} | {len(r.steps)} | {r.macs:,} | {r.cycles:,} | {r.mac_per_cycle:.2f} | {dory} | {ratio} "
                   f"| {modelled:,} | {_f(modelled / r.cycles, 3) if r.cycles else '—'} | {stack_cell(r.stacks)} |")
    if DORY_OTHER:
        out += ["", "DORY's other published figures (no network of ours yet): "
                + ", ".join(f"{k} {v:.2f}" for k, v in DORY_OTHER.items()) + " MAC/cycle."]
    return "\n".join(out)


def kind_table(runs: list[Run]) -> str:
    """Per network and layer kind: layers, MACs, measured cycles, MAC/cycle, share of the cycles."""
    out = ["| network | kind | layers | MAC | measured cycles | MAC/cycle | share of cycles |",
           "|---|---|---:|---:|---:|---:|---:|"]
    for r in runs:
        agg: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for s in r.steps:
            a = agg[s.kind]
            a[0] += 1
            a[1] += s.macs
            a[2] += s.cycles
        first = True
        for kind in KINDS:
            if kind not in agg:
                continue
            n, macs, cyc = agg[kind]
            mpc = _f(macs / cyc) if kind in MAC_KINDS and cyc else "—"
            out.append(f"| {r.name if first else ''} | {kind} | {n} | {macs:,} | {cyc:,} | {mpc} | "
                       f"{100 * cyc / r.cycles:.1f} % |")
            first = False
    return "\n".join(out)


def model_rows(runs: list[Run]) -> list[tuple[Run, Step, float]]:
    """(run, step, modelled / measured) for every step with measured cycles."""
    return [(r, s, s.modelled / s.cycles) for r in runs for s in r.steps if s.cycles]


def model_tables(runs: list[Run]) -> str:
    """The per-layer model-vs-measured table, the share within TOLERANCE, per-kind medians, outliers."""
    rows = model_rows(runs)
    out = ["| network | layer | kind | MAC | modelled cycles | measured cycles | modelled / measured |",
           "|---|---|---|---:|---:|---:|---:|"]
    for r, s, q in rows:
        out.append(f"| {r.name} | {s.name} | {s.kind} | {s.macs:,} | {s.modelled:,} | {s.cycles:,} | {q:.3f} |")
    within = [x for x in rows if abs(x[2] - 1) <= TOLERANCE]
    share = 100 * len(within) / len(rows) if rows else 0.0
    out += ["", f"Layers within ±{TOLERANCE:.0%} of measured: {len(within)} of {len(rows)} ({share:.1f} %).", "",
            "| kind | layers | median modelled / measured | min | max | within ±25 % |", "|---|---:|---:|---:|---:|---:|"]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for _, s, q in rows:
        by_kind[s.kind].append(q)
    for kind in KINDS:
        qs = by_kind.get(kind)
        if qs:
            n_in = sum(1 for q in qs if abs(q - 1) <= TOLERANCE)
            out.append(f"| {kind} | {len(qs)} | {statistics.median(qs):.3f} | {min(qs):.3f} | {max(qs):.3f} | {n_in} |")
    if rows:
        qs = [q for _, _, q in rows]
        n_in = len(within)
        out.append(f"| all | {len(qs)} | {statistics.median(qs):.3f} | {min(qs):.3f} | {max(qs):.3f} | {n_in} |")
    outliers = sorted((x for x in rows if abs(x[2] - 1) > TOLERANCE), key=lambda x: x[2])
    if outliers:
        out += ["", f"Outliers ({len(outliers)}; modelled / measured outside [{1 - TOLERANCE:.2f}, {1 + TOLERANCE:.2f}]): "
                + ", ".join(f"{r.name}/{s.name} ({s.kind}) {q:.3f}" for r, s, q in outliers) + "."]
    return "\n".join(out)


def report(runs: list[Run]) -> str:
    """The GVSOC section's markdown (without a heading of its own)."""
    total_macs = sum(r.macs for r in runs)
    total_cycles = sum(r.cycles for r in runs)
    failed = [r.name for r in runs if r.failed]
    return "\n".join([
        f"Measured on GVSOC pulp-open (8 cluster cores), plan `{PIPELINE}`, every step bit-exact; cycles per "
        f"step on core 0 around the whole step (DMA, compute, barrier). All networks: {total_macs:,} MAC in "
        f"{total_cycles:,} cycles" + (f" (without the {len(failed)} FAILED: {', '.join(failed)})." if failed else "."),
        "",
        "### Per network", "", network_table(runs), "",
        "### Per layer kind", "", kind_table(runs), "",
        "### Cost model (dory.tile modelled cycles, backends/pulp/hw.py) against GVSOC", "", model_tables(runs)])


def failure_line(message: str) -> str:
    """A failure's one-line reason for the table: the program's own error line when it printed one
    (e.g. the pulp port's "cluster core 1 overflowed its stack"), else the message's first line."""
    lines = [x.strip() for x in message.splitlines() if x.strip()]
    for x in lines:
        if x.startswith(("dory pulp port:", "pulp:", "dory: step")) or "MISMATCH" in x:
            return x
    return lines[0] if lines else "failed"


def gvsoc_missing() -> str | None:
    """Why the bench cannot run here, or None when GVSOC and the cross compiler are present."""
    sys.path.insert(0, str(ROOT / "tests"))
    import gvsoc  # tests/gvsoc.py: the one lookup of the install

    if gvsoc.gvsoc_install() is None:
        return gvsoc._skip_reason()
    if shutil.which(gvsoc.RVCC) is None:
        return f"no {gvsoc.RVCC} to build the apps (apt-get install gcc-riscv64-unknown-elf)"
    return None


def measure(names: list[str] | None = None, generated: bool = True, jobs: int | None = None,
            log: Any = sys.stderr, keep_failed: bool = False) -> list[Run]:
    """Run the networks on GVSOC in parallel (``jobs``, default the core count); their runs in name
    order. Raises BenchError on a failure (after every started run has ended), or with
    ``keep_failed`` lists a failed network as a run with ``failed`` set instead."""
    for p in (ROOT, ROOT / "tests"):
        if str(p) not in sys.path:
            sys.path.insert(0, str(p))
    import gvsoc

    install = gvsoc.gvsoc_install()
    assert install is not None
    tmp = Path(tempfile.mkdtemp(prefix="dory-bench-gvsoc-"))
    try:
        nets = networks(names or [], generated, tmp)
        errors: list[str] = []

        def one(net: tuple[str, str, str | None]) -> Run:
            try:
                run = bench_network(*net, tmp, install)
                what = f"not run: {run.not_run}" if run.not_run else \
                    f"{run.cycles:,} cycles, {run.mac_per_cycle:.2f} MAC/cycle"
                print(f"bench_gvsoc: {run.name}: {what}", file=log, flush=True)
                return run
            except (BenchError, subprocess.TimeoutExpired) as e:
                errors.append(str(e))
                print(f"bench_gvsoc: FAILED: {e}", file=log, flush=True)
                return Run(net[0], failed=failure_line(str(e)))

        with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
            runs = list(pool.map(one, nets))
        if errors and not keep_failed:
            raise BenchError("\n".join(errors))
        onnx = {n: o for n, o, _ in nets}
        for run in runs:  # in this thread: the pass pipeline is not meant to run concurrently
            if run.failed:
                continue
            kinds = layer_kinds(onnx[run.name])
            for s in run.steps:
                s.kind = kinds.get(s.index, "other")
        return runs
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main() -> int:
    """Entry point: measure, print the tables and write them to ``-o``."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("networks", nargs="*", help="only these networks (shared-model directory names or generated names)")
    ap.add_argument("-o", "--output", default=str(ROOT / "build" / "bench" / "gvsoc.md"))
    ap.add_argument("-j", "--jobs", type=int, default=None, help="parallel GVSOC runs (default: the core count)")
    ap.add_argument("--no-generated", action="store_true", help="skip the generated MobileNets")
    ap.add_argument("--require", action="store_true", help="exit 2 instead of 0 when GVSOC is absent")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    why = gvsoc_missing()
    if why:
        print(f"bench_gvsoc: skipped: {why}", file=sys.stderr)
        return 2 if args.require else 0
    try:
        runs = measure(args.networks, not args.no_generated, args.jobs, keep_failed=True)
    except BenchError as e:  # before any network ran (dory-netgen)
        print(f"bench_gvsoc: FAILED:\n{e}", file=sys.stderr)
        return 1
    text = "## GVSOC (pulp-open cluster)\n\n" + report(runs) + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    Path(args.output).write_text(text)
    print(text)
    print(f"bench_gvsoc: wrote {args.output}", file=sys.stderr)
    failed = [r.name for r in runs if r.failed]
    if failed:
        print(f"bench_gvsoc: FAILED: {', '.join(failed)} (their rows say why; the others are measured)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
