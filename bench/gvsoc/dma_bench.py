"""Measure the pulp port's transfer costs on GVSOC and fit the pulp target's DMA and L3 constants:

    .venv/bin/python bench/gvsoc/dma_bench.py            # build, run, fit, write backends/pulp/transfers.py
    .venv/bin/python bench/gvsoc/dma_bench.py --from build/calib/dma.txt   # refit a saved run's output

1. *Measure*: bench/gvsoc/dma_bench.c, built bare metal with the pulp port (runtime/port/pulp, the
   HyperRAM L3 of l3_hyper.c) and the flags of a pulp app (tests/kernel_gvsoc.py's ``pulp_flags``),
   run on GVSOC (one run, a few seconds): the cluster DMA (mchan) through ``dory_dma_3d`` +
   ``dory_dma_wait`` on cluster core 0, L2 -> L1 and L1 -> L2, 1-D (64 B .. 32 KiB), 2-D (1..64
   strided lines of 16..512 B: one 2-D command), 3-D (1..64 slabs of 2 lines: one 2-D command per
   slab) and per-line 1-D commands, each with cores 1..7 idle and with them running an L1 load/store
   loop; and the HyperRAM through ``dory_l3_read`` / ``dory_l3_write`` on the FC, 64 B .. 68 KiB
   (the 64 KiB chunking of l3_hyper.c included). The output is saved to ``build/calib/dma.txt``.
2. *Fit* (`fit_dma`, `fit_l3`: ordinary least squares, deterministic): mchan cycles of one call
   = setup + per extra command x (commands - 1) + bytes / bandwidth over every case; HyperRAM cycles
   per direction = setup + bytes / bandwidth.
3. *Write* ``backends/pulp/transfers.py`` (GENERATED, committed): the constants, each with its
   source (this command, the C file, the date, GVSOC's commit) and the measured figures it was
   fitted on; ``backends/pulp/hw.py`` reads them into the pulp `Target`.
"""

from __future__ import annotations

import argparse
import datetime
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
for _p in (ROOT, ROOT / "tests", ROOT / "bench" / "gvsoc"):
    if str(_p) not in sys.path:
        sys.path.insert(0, str(_p))

SOURCE_C = ROOT / "bench" / "gvsoc" / "dma_bench.c"
TABLE = ROOT / "backends" / "pulp" / "transfers.py"
SAVED = ROOT / "build" / "calib" / "dma.txt"
COMMAND = ".venv/bin/python bench/gvsoc/dma_bench.py"


@dataclass(frozen=True)
class DmaCase:
    """One mchan measurement (a ``dma`` line of dma_bench.c)."""

    to_l2: bool  # L1 -> L2 (else L2 -> L1)
    loaded: bool  # cores 1..7 ran an L1 load/store loop meanwhile
    shape: str  # 1d, 2d, 3d, rows
    length: int  # bytes per line
    rows: int  # lines (2d, rows), slabs (3d), 1 (1d)
    issue: int  # core 0's cycles in dory_dma_3d
    total: int  # cycles from the issue to the end of dory_dma_wait

    @property
    def nbytes(self) -> int:
        """Bytes moved."""
        return self.length * self.rows * (2 if self.shape == "3d" else 1)

    @property
    def commands(self) -> int:
        """mchan commands the port pushes for the call (runtime/port/pulp/port_pulp.c dory_dma_3d)."""
        return self.rows if self.shape in ("3d", "rows") else 1


@dataclass(frozen=True)
class L3Case:
    """One HyperRAM measurement (an ``l3`` line)."""

    write: bool
    nbytes: int
    cycles: int


def parse(text: str) -> tuple[list[DmaCase], list[L3Case]]:
    """The cases of dma_bench.c's output; raises ValueError on a malformed line or a run that did not
    reach ``# end``."""
    dma: list[DmaCase] = []
    l3: list[L3Case] = []
    ended = False
    for line in text.splitlines():
        t = line.split()
        if not t:
            continue
        if t[0] == "dma":
            if len(t) != 8 or t[3] not in ("1d", "2d", "3d", "rows"):
                raise ValueError(f"malformed dma line: {line!r}")
            dma.append(DmaCase(t[1] == "1", t[2] == "1", t[3], int(t[4]), int(t[5]), int(t[6]), int(t[7])))
        elif t[0] == "l3":
            if len(t) != 4:
                raise ValueError(f"malformed l3 line: {line!r}")
            l3.append(L3Case(t[1] == "1", int(t[2]), int(t[3])))
        elif line.startswith("# end"):
            ended = True
    if not ended:
        raise ValueError("dma_bench did not reach '# end'")
    return dma, l3


@dataclass(frozen=True)
class DmaFit:
    """mchan call cycles = setup + command x (commands - 1) + bytes / bytes_per_cycle."""

    setup: float
    command: float
    bytes_per_cycle: float
    issue: float  # mean cycles core 0 spends issuing a one-command transfer
    max_rel_error: float  # over the fitted cases
    floor: float  # mean cycles of a one-command call of 512 B or less (latency-bound)


@dataclass(frozen=True)
class L3Fit:
    """HyperRAM transfer cycles (one direction) = setup + bytes / bytes_per_cycle."""

    setup: float
    bytes_per_cycle: float
    max_rel_error: float  # over the cases of 1 KiB and more


def _lstsq(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    x, *_ = np.linalg.lstsq(a, y, rcond=None)
    return x


def fit_dma(cases: list[DmaCase]) -> DmaFit:
    """Least-squares fit of the mchan model over ``cases`` (both directions, both loads), in two
    steps: setup and bandwidth over the one-command cases of 1 KiB and more (below that a call
    sits at its latency floor, `DmaFit.floor`), then the cost of each further command over the
    3-D cases of lines up to 64 B (issue-bound: core 0 pushes one 2-D command per slab;
    with longer lines several commands stream at once, faster than one)."""
    one = [c for c in cases if c.commands == 1 and c.nbytes >= 1024]
    many = [c for c in cases if c.shape == "3d" and c.length <= 64]
    if len(one) < 2 or not many:
        raise ValueError("need one-command cases of 1 KiB and more and 3-D cases of short lines")
    a = np.array([[1.0, float(c.nbytes)] for c in one])
    setup, per_byte = _lstsq(a, np.array([float(c.total) for c in one]))
    rest = np.array([c.total - setup - per_byte * c.nbytes for c in many])
    (command,) = _lstsq(np.array([[c.commands - 1.0] for c in many]), rest)
    fitted = one + many
    model = [setup + command * (c.commands - 1) + per_byte * c.nbytes for c in fitted]
    err = max(abs(m - c.total) / c.total for m, c in zip(model, fitted))
    issue = float(np.mean([c.issue for c in cases if c.commands == 1]))
    floor = float(np.mean([c.total for c in cases if c.commands == 1 and c.nbytes <= 512]))
    return DmaFit(float(setup), float(command), float(1.0 / per_byte), issue, err, floor)


def fit_l3(cases: list[L3Case], write: bool) -> L3Fit:
    """Least-squares fit of one HyperRAM direction."""
    sel = [c for c in cases if c.write == write]
    if len(sel) < 2:
        raise ValueError(f"need two or more l3 {'write' if write else 'read'} cases")
    a = np.array([[1.0, float(c.nbytes)] for c in sel])
    y = np.array([float(c.cycles) for c in sel])
    setup, per_byte = _lstsq(a, y)
    model = a @ np.array([setup, per_byte])
    big = [abs(m - c.cycles) / c.cycles for m, c in zip(model, sel) if c.nbytes >= 1024]
    return L3Fit(float(setup), float(1.0 / per_byte), max(big, default=0.0))


def contention(cases: list[DmaCase]) -> float:
    """The largest relative difference of a case's cycles with cores 1..7 loading L1 against idle."""
    idle = {(c.to_l2, c.shape, c.length, c.rows): c.total for c in cases if not c.loaded}
    d = [abs(c.total - idle[k]) / idle[k] for c in cases if c.loaded
         for k in [(c.to_l2, c.shape, c.length, c.rows)] if k in idle]
    return max(d, default=0.0)


# -- measuring ------------------------------------------------------------------------------------


def build(out_dir: Path) -> Path:
    """dma_bench.c with the pulp port and its HyperRAM L3, the flags of a pulp app."""
    import kernel_gvsoc as K
    from gvsoc import RVCC

    out_dir.mkdir(parents=True, exist_ok=True)
    cflags, ldflags = K.pulp_flags(True)
    port = ROOT / "runtime" / "port" / "pulp"
    elf = out_dir / "dma_bench.elf"
    cmd = [RVCC, *cflags, "-DDORY_PULP_L1_BYTES=1", "-DDORY_PULP_L2_BYTES=1", f"-DDORY_PULP_L3_BYTES={1 << 20}",
           "-DDORY_PULP_L3_HYPER", f"-I{ROOT / 'runtime' / 'include'}", f"-I{port}", str(SOURCE_C),
           str(port / "port_pulp.c"), str(port / "l3_hyper.c"), str(port / "crt0.S"), *ldflags, "-o", str(elf)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode:
        raise SystemExit(f"dma_bench: build failed: {' '.join(cmd)}\n{r.stderr[-4000:]}")
    return elf


def measure(out_dir: Path) -> str:
    """Build and run the bench on GVSOC; its output."""
    from gvsoc import run_elf

    elf = build(out_dir)
    status, out = run_elf(elf, out_dir / "gvsoc", timeout=600)
    if status != 0:
        raise SystemExit(f"dma_bench: status {status} on GVSOC\n{out[-3000:]}")
    return out


# -- the generated table --------------------------------------------------------------------------


def _figures(dma: list[DmaCase], l3: list[L3Case]) -> list[str]:
    """The measured figures the table cites (cores 1..7 idle; the loaded run is the contention check)."""
    rows = ["| transfer | bytes | cycles (L2->L1 / L1->L2) |", "|---|---|---|"]
    by = {(c.to_l2, c.shape, c.length, c.rows): c.total for c in dma if not c.loaded}
    for shape, length, n in [("1d", 64, 1), ("1d", 1024, 1), ("1d", 8192, 1), ("1d", 32768, 1), ("2d", 64, 64),
                             ("2d", 512, 64), ("3d", 64, 64), ("rows", 64, 64)]:
        if (False, shape, length, n) in by:
            what = {"1d": "1-D", "2d": f"2-D, {n} lines of {length} B", "3d": f"3-D, {n} slabs of 2 x {length} B",
                    "rows": f"{n} 1-D commands of {length} B"}[shape]
            nb = length * n * (2 if shape == "3d" else 1)
            rows.append(f"| mchan {what} | {nb} | {by[(False, shape, length, n)]} / {by.get((True, shape, length, n), '-')} |")
    rd = {c.nbytes: c.cycles for c in l3 if not c.write}
    wr = {c.nbytes: c.cycles for c in l3 if c.write}
    for nb in sorted(rd):
        rows.append(f"| HyperRAM read / write | {nb} | {rd[nb]} / {wr.get(nb, '-')} |")
    return rows


def write_table(dma: list[DmaCase], l3: list[L3Case], date: str, gvsoc: str, dory: str, path: Path = TABLE) -> str:
    """Write backends/pulp/transfers.py from the cases; returns its text."""
    d = fit_dma(dma)
    rd = fit_l3(l3, write=False)
    wr = fit_l3(l3, write=True)
    cont = contention(dma)
    src = f"GVSOC {gvsoc} pulp-open, dory {dory}, measured {date}: {COMMAND} (bench/gvsoc/dma_bench.c)"
    lines = [
        '"""The pulp target\'s transfer costs: GENERATED by bench/gvsoc/dma_bench.py, do not edit.',
        "",
        "Re-run after the port's DMA or L3 code changes (a few seconds)::",
        "",
        f"    {COMMAND}",
        "",
        f"Measured {date} on GVSOC (plain build, sources at {gvsoc}) pulp-open, dory at {dory}, by",
        "bench/gvsoc/dma_bench.c through the port's own calls (runtime/port/pulp: dory_dma_3d +",
        "dory_dma_wait on cluster core 0; dory_l3_read / dory_l3_write on the FC, l3_hyper.c). Fitted",
        f"by least squares over {len(dma)} mchan cases (both directions, cores 1..7 idle and loading L1)",
        f"and {len(l3)} HyperRAM cases:",
        "",
        "- DMA_SETUP_CYCLES, DMA_COMMAND_CYCLES, DMA_BYTES_PER_CYCLE: cycles of one dory_dma_3d call to",
        "  the end of its wait = setup + command x (2-D commands - 1) + bytes / bandwidth (the port",
        "  pushes one 2-D command per slab, the strided lines of a slab cost nothing more). Fitted:",
        f"  setup {d.setup:.1f}, {d.bytes_per_cycle:.3f} B/cycle over the one-command cases of 1 KiB and",
        f"  more, command {d.command:.2f} over the 3-D cases of lines up to 64 B (issue-bound);",
        f"  max error {100 * d.max_rel_error:.1f} % on those. A call of 512 B or less takes {d.floor:.0f} cycles",
        f"  (its latency floor); core 0 spends {d.issue:.0f} cycles issuing a one-command transfer; with",
        "  longer lines several commands stream at once, faster than the model (it errs high).",
        "  Cores 1..7 loading L1 change no case by more than",
        f"  {100 * cont:.1f} % (GVSOC models no TCDM contention against the DMA), so 1 and 8 cores share",
        "  the constants.",
        f"- L3_READ_SETUP_CYCLES, L3_READ_BYTES_PER_CYCLE: HyperRAM -> L2 (dory_l3_read, blocking on the FC),",
        f"  setup {rd.setup:.1f}, {rd.bytes_per_cycle:.4f} B/cycle, max error {100 * rd.max_rel_error:.1f} %.",
        f"- L3_WRITE_SETUP_CYCLES, L3_WRITE_BYTES_PER_CYCLE: L2 -> HyperRAM (dory_l3_write),",
        f"  setup {wr.setup:.1f}, {wr.bytes_per_cycle:.4f} B/cycle, max error {100 * wr.max_rel_error:.1f} %.",
        "",
        "Measured figures (the second of two runs, cores 1..7 idle):",
        "",
        *_figures(dma, l3),
        '"""',
        "",
        f"SOURCE = {src!r}",
        '"""What measured the constants below (the command, the C file, the date, the GVSOC and dory commits)."""',
        "",
        f"DMA_SETUP_CYCLES = {round(d.setup)}  # one dory_dma_3d call + its wait, fitted intercept",
        f"DMA_COMMAND_CYCLES = {round(max(d.command, 0.0))}  # each 2-D command after the first (a 3-D slab)",
        f"DMA_BYTES_PER_CYCLE = {float(f'{d.bytes_per_cycle:.3g}')}  # mchan bandwidth L2 <-> L1",
        f"L3_READ_SETUP_CYCLES = {round(rd.setup)}  # dory_l3_read: uDMA programming + HyperRAM latency",
        f"L3_READ_BYTES_PER_CYCLE = {float(f'{rd.bytes_per_cycle:.3g}')}  # HyperRAM -> L2",
        f"L3_WRITE_SETUP_CYCLES = {round(wr.setup)}  # dory_l3_write",
        f"L3_WRITE_BYTES_PER_CYCLE = {float(f'{wr.bytes_per_cycle:.3g}')}  # L2 -> HyperRAM",
        "",
        '__all__ = ["SOURCE", "DMA_SETUP_CYCLES", "DMA_COMMAND_CYCLES", "DMA_BYTES_PER_CYCLE", "L3_READ_SETUP_CYCLES",',
        '           "L3_READ_BYTES_PER_CYCLE", "L3_WRITE_SETUP_CYCLES", "L3_WRITE_BYTES_PER_CYCLE"]',
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text)
    return text


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="src", help="refit a saved dma_bench output instead of running GVSOC")
    ap.add_argument("-o", "--output", default=str(TABLE))
    args = ap.parse_args()
    import calibrate

    if args.src:
        text = Path(args.src).read_text()
    else:
        text = measure(ROOT / "build" / "calib" / "dma_bench")
        SAVED.parent.mkdir(parents=True, exist_ok=True)
        SAVED.write_text(text)
    dma, l3 = parse(text)
    write_table(dma, l3, datetime.date.today().isoformat(), calibrate.gvsoc_commit(), calibrate.dory_commit(),
                Path(args.output))
    d, rd, wr = fit_dma(dma), fit_l3(l3, False), fit_l3(l3, True)
    print(f"mchan: setup {d.setup:.1f} + command {d.command:.2f} x (commands - 1) + bytes / {d.bytes_per_cycle:.3f}; "
          f"max error {100 * d.max_rel_error:.1f} % (fitted cases); floor {d.floor:.0f}; contention {100 * contention(dma):.1f} %")
    print(f"HyperRAM read: {rd.setup:.1f} + bytes / {rd.bytes_per_cycle:.4f}; write: {wr.setup:.1f} + bytes / "
          f"{wr.bytes_per_cycle:.4f}")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
