"""Import + interpret time of real networks: the shared acceptance set (if ../shared is beside
the checkout) and our generated examples (driver/netgen.py).

    python bench/bench_networks.py [--runs 3] [--no-generated]

Prints one row per network: ONNX nodes, qnn ops, deployed layers, MACs, median import time and
median interpret time (with ``--runs`` repetitions), plus the import time of
``onnx.load`` alone as an in-process baseline (so the ratio reads independently of the machine).
"""

from __future__ import annotations

import argparse
import glob
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def macs(module) -> int:
    """Multiply-accumulates of the conv and linear ops of the first function."""
    from dory.dory_ir.dialects import qnn

    total = 0
    for op in module.body.ops[0].body.ops:
        if isinstance(op, qnn.Conv2dOp):
            n, ho, wo, o = op.results[0].type.shape
            _, kh, kw, cg = op.operands[1].type.shape
            total += n * ho * wo * o * kh * kw * cg
        elif isinstance(op, qnn.LinearOp):
            n, m = op.results[0].type.shape
            total += n * m * op.operands[1].type.shape[1]
    return total


def median_time(fn, runs: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    import numpy as np
    import onnx

    from dory.dory_ir.interp import random_inputs, run_function
    from dory.dory_ir.layers import find_layers
    from dory.driver.reference import read_input
    from dory.frontend.onnx_import import import_onnx
    from dory.driver import netgen

    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-generated", action="store_true")
    args = ap.parse_args(argv)

    nets: list[tuple[str, str, str | None]] = []
    shared = ROOT.parent / "shared" / "models"
    if shared.is_dir():
        for d in sorted(shared.iterdir()):
            f = glob.glob(str(d / "*.onnx"))
            inp = sorted(glob.glob(str(d / "input*.txt")))
            if f:
                nets.append((d.name, f[0], inp[0] if inp else None))
    tmp = tempfile.mkdtemp(prefix="dory-bench-")
    if not args.no_generated:
        for name in ("dronet", "mobilenet_v1_0.25_128", "mobilenet_v1_1.0_224", "mobilenet_v2_0.35_128", "mobilenet_v2_1.0_224"):
            path = os.path.join(tmp, name + ".onnx")
            model, _ = netgen.NETWORKS[name](0, "nemo")
            onnx.save(model, path)
            nets.append(("gen:" + name, path, None))

    print(f"{'network':<34} {'nodes':>5} {'qnn ops':>7} {'layers':>6} {'MMAC':>8} {'onnx.load':>9} {'import':>8} {'interpret':>9}")
    for name, path, inp in nets:
        t_load, model = median_time(lambda: onnx.load(path), args.runs)
        t_imp, module = median_time(lambda: import_onnx(path, warn=lambda m: None), args.runs)
        fn = module.body.ops[0]
        arg = fn.body.args[0]
        x = read_input(inp, tuple(arg.type.shape)) if inp else random_inputs(module, 0)[0]
        t_run, _ = median_time(lambda: run_function(module, [np.asarray(x)]), args.runs)
        n_ops = sum(1 for op in fn.body.ops if op.op_name.startswith("qnn."))
        print(
            f"{name:<34} {len(model.graph.node):>5} {n_ops:>7} {len(find_layers(fn)):>6} {macs(module) / 1e6:>8.1f} "
            f"{t_load * 1e3:>7.0f}ms {t_imp * 1e3:>6.0f}ms {t_run * 1e3:>7.0f}ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
