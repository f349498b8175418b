"""The ``make bench`` report: measured RV32 instruction counts per network and layer kind, the
kernels against naive loops, compile times, memory use, and a fresh calibration of the GAP8 cost
model (backends/gap8/hw.py) from the measured counts, and (section d) the networks measured on GVSOC
by bench/bench_gvsoc.py, skipped with its reason when GVSOC or the cross compiler is absent, and
(section e) our tile plan against DORY's and Deeploy's on MobileNetV1-1.0 128 / 224, modelled
(bench/compare_plans.py; ``--measure`` there for GVSOC).

    python bench/report.py [-o build/bench/report.md] [--quick] [--no-gvsoc]

Per network (3-5 shared networks that fit the RV32 memories, plus the generated MobileNetV1-0.25-128):
``dory-compile --target rv32`` three times (median wall time), the app built for bare-metal RV32IMC and
run on qemu-system-riscv32 (-icount, rv32prof plugin) twice: 8 harts (``make -f Makefile.rv32 run``)
and 1 hart (``CORES=1``: -DDORY_NUM_CORES=1, -smp 1). Every step must match the reference
interpreter's checksum in both runs (the report fails otherwise). When the default plan does not
link in the 512 KiB RV32 L2, the network is re-planned once with the L2 budget the app's Makefile
hints (as tests/test_rv32_e2e.py does), and the report says so.

Layer kinds come from the planned IR (the same pipeline, in process): conv 3x3 / pointwise (1x1) /
conv other (5x5, 1-D, ...) / depthwise / linear / pool / add. "Work" is MACs for conv, depthwise and
linear, window taps for pool and output elements for add.

Calibration (section c): GAP8 cycles per MAC per core for each kernel kind = RV32IMC instructions per
MAC on one core (bench_kernels, the kernel alone) / the Xpulp factor. The Xpulp factor is anchored on
the 3x3 convolution: PULP-NN (Garofalo et al., 2020) reaches 15.5 MAC/cycle on 8 GAP8 cores for
8-bit convolutions, i.e. 8 / 15.5 = 0.516 cycles per MAC per core, against our conv3x3's measured
RV32IMC instructions per MAC. The factor is ~4 (sdotp4) times the rest (hardware loops, post-increment
loads); the scalar kernels (pool, add: no SIMD dot product) get only the rest (factor / 4).
"""

from __future__ import annotations

import argparse
import glob
import importlib.util
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
SHARED = ROOT.parent / "shared" / "models"

SHARED_NETS = ["nemo_dronet_2.0", "nemo_PenguiNet_32", "nemo_dscnn_test", "nemo1d_TCN_test_library"]
GENERATED = ["mobilenet_v1_0.25_128"]
KINDS = ["conv3x3", "pointwise", "conv other", "depthwise", "linear", "pool", "add", "other"]

# PULP-NN (Garofalo et al., "PULP-NN: accelerating quantized neural networks on parallel ultra-low-power
# RISC-V processors", Phil. Trans. R. Soc. A 378, 2020; arXiv:1908.11263): up to 15.5 MAC/cycle for
# INT-8 convolutions on the 8-core cluster, up to 63x faster than one RV32IMC core.
PULPNN_MAC_PER_CYCLE_8 = 15.5
PULPNN_SPEEDUP_VS_RV32IMC = 63.0
SDOTP_MACS = 4
_MARGIN = 2048


class ReportError(RuntimeError):
    pass


def _run(cmd: list[str], cwd: str | Path | None = None, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)


def networks() -> list[tuple[str, str, str | None]]:
    """(name, onnx path, input path or None) for the shared networks present and the generated ones."""
    out: list[tuple[str, str, str | None]] = []
    for name in SHARED_NETS:
        d = SHARED / name
        onnx = sorted(glob.glob(str(d / "*.onnx")))
        inp = sorted(glob.glob(str(d / "input*.txt")))
        if onnx:
            out.append((name, onnx[0], inp[0] if inp else None))
    tmp = tempfile.mkdtemp(prefix="dory-report-gen-")
    for g in GENERATED:
        p = os.path.join(tmp, f"{g}.onnx")
        r = _run([sys.executable, "-m", "dory.tools.dory_netgen", g, "-o", p], cwd=ROOT)
        if r.returncode:
            raise ReportError(f"netgen {g}: {r.stderr}")
        out.append((g, p, None))
    return out


def compile_app(onnx: str, inp: str | None, out: Path, pipeline: str | None = None) -> tuple[float, str]:
    args = [sys.executable, "-m", "dory.tools.dory_compile", onnx, "-o", str(out), "--target", "rv32"]
    args += (["--input", inp] if inp else []) + (["--pipeline", pipeline] if pipeline else [])
    t = time.perf_counter()
    r = _run(args, cwd=ROOT)
    dt = time.perf_counter() - t
    if r.returncode:
        raise ReportError(f"dory-compile {onnx}: {r.stderr[-2000:]}")
    return dt, r.stdout


_SUMMARY = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)\s*$", re.M)


def parse_summary(text: str) -> dict[str, Any]:
    steps = {int(m[1]): dict(tiles=int(m[5]), l1=int(m[6]), cycles=int(m[7])) for m in _SUMMARY.finditer(text)}
    tot = re.search(r"^\s+total\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)", text, re.M)
    l2 = re.search(r"L2 peak (\d+) B, L3 (\d+) B", text)
    return dict(steps=steps, l1=int(tot[3]) if tot else 0, cycles=int(tot[4]) if tot else 0,
                l2=int(l2[1]) if l2 else 0, l3=int(l2[2]) if l2 else 0)


_STEP = re.compile(r"^\s*(\d+) (\S+)\s+(\S+)\s+(\d+) MAC\s+(\d+) modelled\s+(\d+) instr\s+checksum \w+ (ok|MISMATCH)$", re.M)
_PROF = re.compile(r"^rv32prof region=(\d+) hart=(\d+) calls=\d+ insns=(\d+)", re.M)


def run_app(app: Path, cores: int) -> dict[int, dict[str, Any]]:
    """Run the app on ``cores`` harts; per step: all (instret), per-hart instructions. Fails on any
    mismatch or a non-zero exit."""
    r = _run(["make", "-s", "-C", str(app), "-f", "Makefile.rv32", "run", f"CORES={cores}", "TIMEOUT=300"], timeout=420)
    if r.returncode or "MISMATCH" in r.stdout or "output matches" not in r.stdout:
        raise ReportError(f"{app} on {cores} harts: exit {r.returncode}, not bit-exact\n{r.stdout[-3000:]}\n{r.stderr[-2000:]}")
    steps: dict[int, dict[str, Any]] = {}
    for m in _STEP.finditer(r.stdout):
        steps[int(m[1])] = dict(name=m[2], op=m[3], all=int(m[6]), harts={})
    prof = (app / "prof.txt").read_text()
    for m in _PROF.finditer(prof):
        s = steps.get(int(m[1]))
        if s is not None:
            s["harts"][int(m[2])] = int(m[3])
    if not steps or any(not s["harts"] for s in steps.values()):
        raise ReportError(f"{app}: no per-step counts\n{r.stdout[-2000:]}")
    return steps


def _numel(t: Any) -> int:
    n = 1
    for d in getattr(t, "shape", ()):
        n *= int(d)
    return n


def step_kinds(onnx: str, pipeline: str) -> dict[int, tuple[str, int, int]]:
    """Per step index: (layer kind, work = MACs / pool taps / add elements, bytes = elements of every
    operand and of the result: what the layer's DMA moves at least), from the planned IR."""
    from dory.backends.gap8.emit import emit_network
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline

    module = import_onnx(onnx, warn=lambda m: None)
    PassManager(parse_pipeline(pipeline), verify_each=False).run(PassContext(), module)
    net = emit_network(module)
    out: dict[int, tuple[str, int, int]] = {}
    for s in net.steps:
        op = s.value.op  # type: ignore[attr-defined]
        numel = 1
        for d in s.shape:
            numel *= d
        nbytes = numel + sum(_numel(o.type) for o in op.operands)
        if s.op == "conv2d":
            w = op.operands[1].type.shape  # (Cout, kh, kw, Cin)
            kh, kw = (w[1], w[2]) if len(w) == 4 else (w[1], 1)
            kind = "pointwise" if (kh, kw) == (1, 1) else "conv3x3" if (kh, kw) == (3, 3) else "conv other"
            out[s.index] = (kind, s.macs, nbytes)
        elif s.op in ("depthwise", "linear"):
            out[s.index] = (s.op, s.macs, nbytes)
        elif s.op == "pool":
            k = op.properties.get("kernel")
            taps = 1
            for v in (k.values if k is not None else (1,)):
                taps *= int(v)
            out[s.index] = ("pool", numel * taps, nbytes)
        elif s.op == "add":
            out[s.index] = ("add", numel, nbytes)
        else:
            out[s.index] = ("other", numel, nbytes)
    return out


def bench_network(name: str, onnx: str, inp: str | None, work: Path, repeats: int) -> dict[str, Any]:
    times = []
    summary = ""
    work.mkdir(parents=True, exist_ok=True)
    for i in range(repeats):
        dt, out = compile_app(onnx, inp, work / f"c{i}")
        times.append(dt)
        summary = summary or out
    app = work / "c0"
    pipeline = "gap8-default"
    note = ""
    b = _run(["make", "-s", "-C", str(app), "-f", "Makefile.rv32", "app.elf"])
    if "rv32: does not fit" in b.stdout:
        m = re.search(r"region .L2' overflowed by (\d+) bytes", b.stdout)
        if m is None or "L1' overflowed" in b.stdout:
            raise ReportError(f"{name} does not fit the RV32 memories: {b.stdout.strip().splitlines()[-1]}")
        l2_bytes = int(re.search(r"DORY_NET_L2_BYTES (\d+)", (app / "network.h").read_text())[1])  # type: ignore[index]
        l2 = l2_bytes - int(m[1]) - _MARGIN
        from dory.backends.target import planning_pipeline

        pipeline = planning_pipeline(l2=l2)
        note = f"re-planned with an L2 budget of {l2} B (default plan: L2 overflowed by {m[1]} B)"
        app = work / "replan"
        _, summary = compile_app(onnx, inp, app, pipeline)
        b = _run(["make", "-s", "-C", str(app), "-f", "Makefile.rv32", "app.elf"])
    if b.returncode:
        raise ReportError(f"{name}: rv32 build failed\n{b.stdout[-2000:]}\n{b.stderr[-2000:]}")
    r8 = run_app(app, 8)
    r1 = run_app(app, 1)
    model = parse_summary(summary)
    kinds = step_kinds(onnx, pipeline)
    h = (app / "network.h").read_text()
    l3 = int(re.search(r"DORY_NET_L3_BYTES (\d+)", h)[1])  # type: ignore[index]
    layers = []
    for i, s in sorted(r8.items()):
        kind, wk, nbytes = kinds.get(i, ("other", 0, 0))
        busiest = max(s["harts"].values())
        workers = [v for k, v in s["harts"].items() if k != 0]
        ms = model["steps"].get(i, dict(tiles=0, l1=0, cycles=0))
        layers.append(dict(index=i, name=s["name"], kind=kind, work=wk, bytes=nbytes, busiest=busiest, sum=sum(s["harts"].values()),
                           all=s["all"], hart0=s["harts"].get(0, 0), worker=max(workers) if workers else 0,
                           one=max(r1[i]["harts"].values()), tiles=ms["tiles"], cycles=ms["cycles"]))
    return dict(name=name, note=note, compile=statistics.median(times), compile_all=times, l1=model["l1"],
                l2=model["l2"], l3=l3 if l3 > 4 else 0, cycles=model["cycles"], layers=layers)


def _f(x: float, nd: int = 2) -> str:
    return f"{x:,.{nd}f}" if x == x and x not in (float("inf"),) else "-"


def per_kind(net: dict[str, Any]) -> list[dict[str, Any]]:
    agg: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for ly in net["layers"]:
        a = agg[ly["kind"]]
        for k in ("work", "busiest", "sum", "one", "cycles", "tiles"):
            a[k] += ly[k]
        a["n"] += 1
    rows = []
    for kind in KINDS + ["total"]:
        if kind == "total":
            a = defaultdict(float)
            for v in agg.values():
                for k in v:
                    a[k] += v[k]
        elif kind not in agg:
            continue
        else:
            a = agg[kind]
        rows.append(dict(kind=kind, **a))
    return rows


def network_table(nets: list[dict[str, Any]]) -> str:
    out = ["| network | kind | layers | work (MAC / taps / elem.) | busiest-hart instr/work (8 harts) | all-harts instr/work "
           "| 1-hart instr/work | speed-up 1 vs 8 | modelled GAP8 cycles | modelled MAC/cycle |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for net in nets:
        for j, r in enumerate(per_kind(net)):
            w = r["work"] or float("nan")
            mpc = r["work"] / r["cycles"] if r["cycles"] and r["kind"] not in ("pool", "add", "other", "total") else float("nan")
            if r["kind"] == "total":
                macs = sum(ly["work"] for ly in net["layers"] if ly["kind"] not in ("pool", "add", "other"))
                mpc = macs / r["cycles"] if r["cycles"] else float("nan")
            out.append(f"| {net['name'] if j == 0 else ''} | {r['kind']} "
                       f"| {int(r['n'])} | {int(r['work']):,} | {_f(r['busiest'] / w, 3)} | {_f(r['sum'] / w)} "
                       f"| {_f(r['one'] / w)} | {_f(r['one'] / r['busiest'])} | {int(r['cycles']):,} | {_f(mpc)} |")
    return "\n".join(out)


def resources_table(nets: list[dict[str, Any]]) -> str:
    out = ["| network | steps | compile (s, median of 3) | L1 peak (B) | L2 peak (B) | L3 (B) | RV32 busiest hart (instr, 8 harts) "
           "| 1 hart (instr) | speed-up | modelled GAP8 Mcycles | note |",
           "|---|---|---|---|---|---|---|---|---|---|---|"]
    for n in nets:
        b = sum(ly["busiest"] for ly in n["layers"])
        o = sum(ly["one"] for ly in n["layers"])
        out.append(f"| {n['name']} | {len(n['layers'])} | {n['compile']:.2f} | {n['l1']:,} | {n['l2']:,} | {n['l3']:,} "
                   f"| {b:,} | {o:,} | {o / b:.2f} | {n['cycles'] / 1e6:.3f} | {n['note'] or 'bit-exact, default plan'} |")
    return "\n".join(out)


def kernel_table(rs: list[dict[str, Any]]) -> str:
    out = ["| kernel | shape | work | dory instr/work (1 hart) | naive instr/work | naive / dory | dory 8 harts busiest (x8) "
           "| speed-up 8 vs 1 |", "|---|---|---|---|---|---|---|---|"]
    for r in rs:
        out.append(f"| {r['kernel']} | {r['shape']} | {r['macs']:,} | {r['ipm_1']:.2f} | {r['ipm_naive']:.2f} "
                   f"| {r['naive_over_dory']:.2f} | {r['ipm_8_max']:.3f} ({8 * r['ipm_8_max']:.2f}) | {r['speedup']:.2f} |")
    return "\n".join(out)


_KERNEL_KIND = {"conv3x3": "conv3x3", "pointwise": "pointwise", "depthwise3x3": "depthwise", "linear": "linear",
                "maxpool": "pool", "add": "add"}


def calibration(krows: list[dict[str, Any]], nets: list[dict[str, Any]]) -> tuple[str, dict[str, Any]]:
    from dory.backends.gap8.hw import GAP8

    ipm = {}
    for r in krows:
        k = _KERNEL_KIND.get(r["kernel"])
        if k and k not in ipm:
            ipm[k] = r["ipm_1"]
    gap8_cpm_conv = GAP8.cores / PULPNN_MAC_PER_CYCLE_8  # cycles per MAC per core
    factor = ipm["conv3x3"] / gap8_cpm_conv
    scalar = factor / SDOTP_MACS
    # in-network per-core figures: 1-hart layer instructions / work, summed over every network's layers
    tot: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for n in nets:
        for ly in n["layers"]:
            t = tot[ly["kind"]]
            t[0] += ly["work"]
            t[1] += ly["one"]
            t[2] += ly["worker"]
    current = dict(conv3x3=GAP8.conv_efficiency, pointwise=GAP8.conv_efficiency, depthwise=GAP8.depthwise_efficiency,
                   linear=GAP8.linear_efficiency)
    out = [f"Xpulp factor (anchored on conv3x3): RV32IMC {ipm['conv3x3']:.2f} instr/MAC per core / GAP8 "
           f"{gap8_cpm_conv:.3f} cycles/MAC per core (PULP-NN: {PULPNN_MAC_PER_CYCLE_8} MAC/cycle on 8 cores) = "
           f"**{factor:.2f}** (sdotp4: x{SDOTP_MACS}; hardware loops + post-increment loads: x{scalar:.2f}, "
           f"the factor applied to the scalar pool/add kernels). Cross-check: PULP-NN's {PULPNN_SPEEDUP_VS_RV32IMC:.0f}x "
           f"over one RV32IMC core means {PULPNN_SPEEDUP_VS_RV32IMC / PULPNN_MAC_PER_CYCLE_8:.2f} cycles/MAC on RV32IMC "
           f"(our {ipm['conv3x3']:.2f} instructions + load-use and multiply stalls).", "",
           "| kind | RV32 kernel instr/work, 1 core (bench_kernels) | in networks: 1-hart layer instr/work | in networks: "
           "busiest worker hart x8 instr/work | GAP8 cycles/work per core (mapped) | implied fraction of SIMD peak "
           "| hw.py now |",
           "|---|---|---|---|---|---|---|"]
    derived: dict[str, Any] = dict(factor=factor, scalar=scalar, ipm=ipm)
    for kind in ("conv3x3", "pointwise", "depthwise", "linear", "pool", "add"):
        if kind not in ipm:
            continue
        f = factor if kind not in ("pool", "add") else scalar
        cpw = ipm[kind] / f
        t = tot.get(kind, [0.0, 0.0, 0.0, 0.0])
        innet = t[1] / t[0] if t[0] else float("nan")
        worker = 8 * t[2] / t[0] if t[0] else float("nan")
        if kind in ("pool", "add"):
            ops = 1 if kind == "pool" else 2  # the model's ops per tap / per element
            implied = f"{ops / cpw:.3f} ops/cycle per core"
            now = f"{GAP8.eltwise_ops_per_cycle} ops/cycle"
        else:
            implied = f"{1 / (cpw * SDOTP_MACS):.3f}"
            now = f"{current[kind]}"
        derived[kind] = 1 / (cpw * SDOTP_MACS)
        out.append(f"| {kind} | {ipm[kind]:.2f} | {_f(innet)} | {_f(worker)} | {cpw:.3f} | {implied} | {now} |")
    # per-tile overhead: the controller's extra work on hart 0 (8-hart run: hart 0 minus the busiest worker,
    # i.e. the tile loop, the copies standing in for the DMA, L3 staging, fork/join) fitted as
    # a x tiles + b x bytes over every tiled conv/depthwise/pool layer
    import numpy as np

    pts = [(ly["tiles"], ly["bytes"], ly["hart0"] - ly["worker"]) for n in nets for ly in n["layers"]
           if ly["tiles"] and ly["kind"] in ("conv3x3", "pointwise", "conv other", "depthwise", "pool")]
    if len(pts) >= 3:
        m = np.array(pts, dtype=float)
        (per_tile, per_byte), *_ = np.linalg.lstsq(m[:, :2], m[:, 2], rcond=None)
        pred = m[:, :2] @ np.array([per_tile, per_byte])
        r2 = 1 - float(((m[:, 2] - pred) ** 2).sum()) / float(((m[:, 2] - m[:, 2].mean()) ** 2).sum())
        derived.update(tile_instr=per_tile, byte_instr=per_byte, tile_cycles=per_tile / scalar)
        out += ["", f"Per-tile overhead: hart 0's extra instructions over the busiest worker hart in each tiled layer "
                f"(8 harts: the tile loop, the DMA bookkeeping, the copies that stand in for the DMA, fork/join), fitted "
                f"over {len(pts)} layers as a x tiles + b x bytes (bytes: every operand and the result once): "
                f"a = **{per_tile:,.0f} RV32 instructions per tile**, b = {per_byte:.2f} per byte (R^2 = {r2:.2f}). "
                f"This is an upper bound, not a GAP8 figure: the RV32 port emulates each 3-D DMA job with one memcpy "
                f"call per row / channel chunk, so the per-tile term absorbs per-row call overheads, whereas GAP8's "
                f"cluster DMA runs a programmed 2-D transfer in hardware (modelled separately: "
                f"{GAP8.dma_bytes_per_cycle} B/cycle, {GAP8.dma_setup_cycles} cycles per transfer) and forks/joins "
                f"through the event unit. Scaled by the scalar Xpulp factor it would be {per_tile / scalar:,.0f} cycles; "
                f"the measurement does not isolate the bookkeeping, so hw.py keeps its estimate "
                f"({GAP8.tile_overhead_cycles} cycles per tile)."]
    return "\n".join(out), derived


def mobilenet_224_cycles() -> str:
    tmp = Path(tempfile.mkdtemp(prefix="dory-report-mn224-"))
    onnx = tmp / "mn224.onnx"
    r = _run([sys.executable, "-m", "dory.tools.dory_netgen", "mobilenet_v1_1.0_224", "-o", str(onnx)], cwd=ROOT)
    if r.returncode:
        return f"(netgen failed: {r.stderr[-500:]})"
    _, out = compile_app(str(onnx), None, tmp / "app")
    shutil.rmtree(tmp, ignore_errors=True)
    m = parse_summary(out)
    mac = re.search(r"([\d.]+) MAC/cycle modelled", out)
    return f"{m['cycles']:,} modelled GAP8 cycles ({mac[1] if mac else '?'} MAC/cycle modelled)"


def gvsoc_kernels() -> Any:
    """bench/gvsoc/bench_kernels.py (the kernels on GVSOC), loaded by path: its name is also that
    of bench/bench_kernels.py (the RV32 kernels)."""
    spec = importlib.util.spec_from_file_location("gvsoc_bench_kernels", ROOT / "bench" / "gvsoc" / "bench_kernels.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up by name
    spec.loader.exec_module(mod)
    return mod


def tile_plans() -> str:
    """bench/compare_plans.py's modelled comparison (no GVSOC runs: ``--measure`` does those), as a
    code block; a note instead when ../shared/data/plans is missing."""
    import compare_plans

    if not compare_plans.PLANS.is_dir():
        return f"Skipped: no plans at {compare_plans.PLANS}."
    with tempfile.TemporaryDirectory(prefix="dory-report-plans-") as tmp:
        nets = [compare_plans.compare(n, compare_plans.generate(n, Path(tmp)), "pulp") for n in compare_plans.NETWORKS]
    return "```\n" + "\n\n".join(compare_plans.report(n) for n in nets) + "\n```"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-o", "--output", default=str(ROOT / "build" / "bench" / "report.md"))
    ap.add_argument("--quick", action="store_true", help="one compile per network instead of three")
    ap.add_argument("--no-gvsoc", action="store_true", help="skip the GVSOC section (bench/bench_gvsoc.py)")
    args = ap.parse_args()
    t0 = time.perf_counter()
    import bench_gvsoc
    import bench_kernels

    gk = gvsoc_kernels()
    try:
        krows = bench_kernels.rows()
        nets = []
        work = Path(tempfile.mkdtemp(prefix="dory-report-"))
        for name, onnx, inp in networks():
            print(f"report: {name} ...", file=sys.stderr, flush=True)
            nets.append(bench_network(name, onnx, inp, work / name.replace("/", "_"), 1 if args.quick else 3))
        cal, _ = calibration(krows, nets)
        mn224 = mobilenet_224_cycles()
        print("report: tile plans (bench/compare_plans.py) ...", file=sys.stderr, flush=True)
        plans_md = tile_plans()
        shutil.rmtree(work, ignore_errors=True)
        gvsoc_skip = bench_gvsoc.gvsoc_missing() if not args.no_gvsoc else "--no-gvsoc"
        if gvsoc_skip:
            print(f"report: GVSOC section skipped: {gvsoc_skip}", file=sys.stderr)
            gvsoc_md = f"Skipped: {gvsoc_skip}."
        else:
            print("report: GVSOC (bench/bench_gvsoc.py) ...", file=sys.stderr, flush=True)
            gvsoc_md = bench_gvsoc.report(bench_gvsoc.measure())
            print("report: GVSOC kernels (bench/gvsoc/bench_kernels.py) ...", file=sys.stderr, flush=True)
            gvsoc_md += "\n\n### Kernels\n\n" + gk.report(gk.measure())
    except (ReportError, bench_kernels.BenchError, bench_gvsoc.BenchError, gk.BenchError,
            subprocess.TimeoutExpired) as e:
        print(f"report: FAILED: {e}", file=sys.stderr)
        return 1
    md = ["# dory benchmark report", "",
          "RV32 figures are exact instruction counts of the generated apps on qemu-system-riscv32 (rv32imc, -O2, "
          "-icount, rv32prof plugin), every step checked bit-exact against the reference interpreter on 8 harts "
          "and on 1 hart. They are RV32IMC instructions, not GAP8 cycles; the modelled cycles are the GAP8 cost "
          "model's (backends/gap8/hw.py, passes/tiling/cost.py).", "",
          "## a. Networks", "",
          resources_table(nets), "",
          "Per layer kind (work: MACs; pool: window taps; add: output elements; busiest hart = the hart with most "
          "instructions in each step, hart 0 also doing the DMA copies and L3 staging; all harts = rv32prof sum):", "",
          network_table(nets), "",
          "## b. Kernels against a naive loop (bench/bench_kernels.py, same shapes)", "",
          kernel_table(krows), "",
          "## c. Cost-model calibration", "",
          cal, "",
          f"MobileNetV1-1.0-224 with the current hw.py (dory-compile summary): {mn224}.", "",
          "## d. GVSOC (pulp-open cluster, bench/bench_gvsoc.py)", "",
          gvsoc_md, "",
          "## e. Tile plans: ours, DORY's and Deeploy's on MobileNetV1-1.0 (bench/compare_plans.py, modelled)", "",
          plans_md, "",
          f"_Report generated in {time.perf_counter() - t0:.0f} s._", ""]
    text = "\n".join(md)
    os.makedirs(os.path.dirname(os.path.abspath(args.output)), exist_ok=True)
    Path(args.output).write_text(text)
    print(text)
    print(f"report: wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
