"""Where the cycles of a GVSOC run go: per step, per core, per function (or per instruction).

    python bench/gvsoc/profile.py APP_DIR [--gvsoc DIR] [--cores fc,0] [--top 12] [--step K ...]
                                  [--by function|pc] [--timeout S]

APP_DIR is a ``dory-compile --target pulp`` app (``make -C APP_DIR`` builds app.elf first if it is
missing). GVSOC runs it with instruction traces of the chosen cores streamed through a FIFO (a run
writes ~200 bytes per instruction: no file is kept). Every traced instruction is charged the cycles
up to the same core's next instruction (so stalls, I$ misses and waits land on the instruction that
suffered them), to the step running at that time: a step ends when the fabric controller enters the
app's per-step ``hook`` (backends/pulp/app.py), so the cycles of the hook itself (checksum, printing)
appear as their own functions at the start of the next step.

Instruction traces need a GVSOC built with its debug launcher: ``bench/gvsoc/build.sh --trace
--cache DIR`` (the plain build of ``make gvsoc`` refuses --trace). Looked up as --gvsoc, else
$DORY_GVSOC_TRACE, else ~/.cache/dory/gvsoc-trace/install.

Output, per step: the step's cycles per traced core, then the top functions (or, with --by pc, the
top instructions with their disassembly) and their share.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
from collections import Counter, defaultdict
from pathlib import Path

DEFAULT_INSTALL = Path.home() / ".cache" / "dory" / "gvsoc-trace" / "install"
STEP_MARK = "hook"  # the app's per-step callback, entered by the FC after each step


def _trace_path(core: str) -> str:
    return "soc/fc" if core == "fc" else f"cluster/pe{int(core)}"


def _install(arg: str | None) -> Path:
    for cand in (arg, os.environ.get("DORY_GVSOC_TRACE"), str(DEFAULT_INSTALL)):
        if cand and (Path(cand) / "bin" / "gvsoc").exists():
            return Path(cand)
    sys.exit("profile: no GVSOC with the debug launcher (build one with bench/gvsoc/build.sh --trace "
             "--cache DIR, then give --gvsoc DIR/install or DORY_GVSOC_TRACE)")


def _entry(elf: Path, symbol: str) -> str:
    """The address of symbol in elf, as the trace prints it (8 hex digits)."""
    nm = os.environ.get("NM", "riscv64-unknown-elf-nm")
    out = subprocess.run([nm, str(elf)], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[2] == symbol:
            return f"{int(f[0], 16):08x}"
    sys.exit(f"profile: {elf} has no symbol {symbol!r} (not a dory pulp app?)")


def _parse(stream, cores: list[str], by: str, mark: str) -> list[dict[str, Counter]]:
    """Per step, per core name: Counter of key -> cycles. Keys are function names or 'pc insn'.
    A new step starts when the FC executes the instruction at address mark."""
    names = {f"/chip/{_trace_path(c)}/insn": c for c in cores}
    steps: list[dict[str, Counter]] = [defaultdict(Counter)]
    last: dict[str, tuple[int, str, int]] = {}  # core -> (cycle, key, step)
    for raw in stream:
        # "<ps>: <cycles>: [<esc>/chip/cluster/pe0/insn   <esc>] func:line   M addr mnemonic operands ..."
        parts = raw.split(None, 9)
        if len(parts) < 8:
            continue
        p2 = parts[2]
        core = names.get(p2[p2.find("/chip"):])
        if core is None:
            continue
        rest = parts[4:] if parts[3].startswith("\x1b") else parts[3:]
        if len(rest) < 4:
            continue
        func = rest[0].rsplit(":", 1)[0]
        cyc = int(parts[1].rstrip(":"))
        if core == "fc" and rest[2] == mark:
            steps.append(defaultdict(Counter))
        key = func if by == "function" else f"{rest[2]} {func:24.24} {' '.join(rest[3:5])[:40]}"
        prev = last.get(core)
        if prev is not None:
            steps[prev[2]][core][prev[1]] += cyc - prev[0]
        last[core] = (cyc, key, len(steps) - 1)
    return steps


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("app", type=Path)
    ap.add_argument("--gvsoc", help="GVSOC install built with --trace")
    ap.add_argument("--cores", default="fc,0", help="comma list of fc and cluster core numbers (default fc,0)")
    ap.add_argument("--top", type=int, default=12)
    ap.add_argument("--step", type=int, action="append", help="only these steps (repeatable)")
    ap.add_argument("--by", choices=["function", "pc"], default="function")
    ap.add_argument("--timeout", type=int, default=1800)
    args = ap.parse_args(argv)
    install = _install(args.gvsoc)
    app = args.app.resolve()
    elf = app / "app.elf"
    if not elf.exists():
        subprocess.run(["make", "-C", str(app), "app.elf"], check=True, stdout=subprocess.DEVNULL)
    mark = _entry(elf, STEP_MARK)
    cores = [c.strip() for c in args.cores.split(",") if c.strip()]
    if "fc" not in cores:
        cores.insert(0, "fc")  # the steps are told apart on the FC
    with tempfile.TemporaryDirectory(prefix="dory-profile-") as tmp:
        fifo = Path(tmp) / "trace"
        os.mkfifo(fifo)
        # one --trace per core, all into the FIFO (GVSOC's trace paths take no alternation)
        traces = [f"--trace={_trace_path(c)}/insn:{fifo}" for c in cores]
        cmd = [str(install / "bin" / "gvsoc"), "--target=pulp-open", f"--work-dir={tmp}", f"--binary={elf}",
               *traces, "run"]
        out: list[str] = []
        proc = subprocess.Popen(["timeout", str(args.timeout), *cmd], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        reader = threading.Thread(target=lambda: out.extend(proc.stdout), daemon=True)
        reader.start()
        with open(fifo, errors="replace") as stream:
            steps = _parse(stream, cores, args.by, mark)
        rc = proc.wait()
        reader.join()
    print("".join(line for line in out if line.startswith(("dory:", " ", "  "))
                  or line[:3].strip().isdigit()), end="")
    if rc != 0:
        print(f"profile: GVSOC exited with {rc}", file=sys.stderr)
    for i, per_core in enumerate(steps):
        if args.step and i not in args.step:
            continue
        label = f"step {i}" if i < len(steps) - 1 else f"step {i} (after the last hook: the end of the run)"
        totals = ", ".join(f"{c}: {sum(per_core[c].values())}" for c in cores)
        print(f"\n== {label}: cycles {totals}")
        for c in cores:
            total = sum(per_core[c].values()) or 1
            print(f"  -- {c}")
            for key, cyc in per_core[c].most_common(args.top):
                print(f"    {cyc:12d} {100.0 * cyc / total:5.1f} %  {key}")
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
