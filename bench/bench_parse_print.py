"""Parser/printer throughput on a MobileNet-sized module.

Builds MobileNetV1 (224x224 input, 13 depthwise-separable blocks, 1000 classes; ~4.2 M int8
weights) in the qnn dialect: every conv has a weight constant (printed as a hex blob), a bias and
a per-channel requant multiplier. Then times, as the median of several runs after a warm-up:

* ``parse_module`` of the printed text and ``print_op`` of the module;
* as a baseline for "how fast can Python move this much text at all", ``json.loads`` and
  ``json.dumps`` of a payload of the same size (the same hex blobs and numbers in a JSON tree).

    python bench/bench_parse_print.py [--width 1.0] [--runs 5] [--profile parse|print]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout too

from dory.dory_ir.attributes import DenseAttr, IntegerAttr, i64_array  # noqa: E402
from dory.dory_ir.core import Operation, Value, create_op  # noqa: E402
from dory.dory_ir.dialects.builtin import ModuleOp  # noqa: E402
from dory.dory_ir.dialects.func import FuncOp, ReturnOp  # noqa: E402
from dory.dory_ir.parser import get_parser, parse_module  # noqa: E402
from dory.dory_ir.printer import print_op  # noqa: E402
from dory.dory_ir.types import IntegerType, TensorType  # noqa: E402

SI8 = IntegerType(8, "signed")
UI8 = IntegerType(8, "unsigned")
SI32 = IntegerType(32, "signed")

# MobileNetV1: (output channels, stride) of each depthwise-separable block after the stem.
BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]


class _Builder:
    """Appends qnn ops to one function body, drawing weights from a seeded generator."""

    def __init__(self, body_ops: list[Operation], seed: int):
        self.ops = body_ops
        self.rng = np.random.default_rng(seed)
        self.n_weights = 0

    def const(self, data: np.ndarray, elem: IntegerType, name: str) -> Value:
        attr = DenseAttr.from_array(data, elem)
        op = create_op("qnn.constant", result_types=[attr.type], properties={"value": attr}, result_names=[name])
        self.ops.append(op)
        return op.result

    def conv_block(self, x: Value, cout: int, k: int, stride: int, groups: int, name: str) -> Value:
        """conv (weights OHWI, int8) + bias + per-channel requant with ReLU, as the frontend emits."""
        xt = x.type
        assert isinstance(xt, TensorType)
        n, h, w, cin = xt.shape
        pad = k // 2
        ho, wo = (h + 2 * pad - k) // stride + 1, (w + 2 * pad - k) // stride + 1
        weights = self.rng.integers(-128, 128, size=(cout, k, k, cin // groups))
        self.n_weights += weights.size
        wv = self.const(weights, SI8, f"{name}_w")
        bv = self.const(self.rng.integers(-(1 << 15), 1 << 15, size=(cout,)), SI32, f"{name}_b")
        acc_t = TensorType((n, ho, wo, cout), SI32)
        props = {"strides": i64_array([stride, stride]), "pads": i64_array([pad] * 4)}
        if groups != 1:
            props["groups"] = IntegerAttr(groups, IntegerType(64))
        conv = create_op("qnn.conv2d", operands=[x, wv, bv], result_types=[acc_t], properties=props,
                         result_names=[f"{name}_acc"])
        self.ops.append(conv)
        mul = DenseAttr.from_array(self.rng.integers(1, 1 << 12, size=(cout,)), SI32)
        rq = create_op(
            "qnn.requant",
            operands=[conv.result],
            result_types=[TensorType((n, ho, wo, cout), UI8)],
            properties={"mul": mul, "shift": IntegerAttr(20, IntegerType(64)),
                        "min": IntegerAttr(0, IntegerType(64)), "max": IntegerAttr(255, IntegerType(64))},
            result_names=[name],
        )
        self.ops.append(rq)
        return rq.result


def build_mobilenet(width: float = 1.0, seed: int = 0) -> tuple[ModuleOp, int]:
    """The module and its number of int8 weight elements."""
    def ch(c: int) -> int:
        return max(8, int(c * width))

    func = FuncOp.build("mobilenet_v1", [TensorType((1, 224, 224, 3), UI8)], [TensorType((1, 1000), SI32)], ["image"])
    ops: list[Operation] = []
    b = _Builder(ops, seed)
    x = b.conv_block(func.args[0], ch(32), 3, 2, 1, "stem")
    for i, (cout, stride) in enumerate(BLOCKS):
        cin = x.type.shape[-1]  # type: ignore[attr-defined]
        x = b.conv_block(x, cin, 3, stride, cin, f"dw{i}")
        x = b.conv_block(x, ch(cout), 1, 1, 1, f"pw{i}")
    c = x.type.shape[-1]  # type: ignore[attr-defined]
    gap = create_op("qnn.global_avgpool", operands=[x], result_types=[TensorType((1, 1, 1, c), UI8)], result_names=["gap"])
    flat = create_op("qnn.flatten", operands=[gap.result], result_types=[TensorType((1, c), UI8)], result_names=["flat"])
    ops += [gap, flat]
    fc_w = b.rng.integers(-128, 128, size=(1000, c))
    b.n_weights += fc_w.size
    wv = b.const(fc_w, SI8, "fc_w")
    bv = b.const(b.rng.integers(-(1 << 15), 1 << 15, size=(1000,)), SI32, "fc_b")
    fc = create_op("qnn.linear", operands=[flat.result, wv, bv], result_types=[TensorType((1, 1000), SI32)],
                   result_names=["logits"])
    ops.append(fc)
    ops.append(ReturnOp.build([fc.result]))
    for op in ops:
        func.body.add_op(op)
    return ModuleOp.build([func]), b.n_weights


def json_payload(module: ModuleOp) -> object:
    """The module's content as plain JSON: one record per op with its properties as strings (the
    hex blobs included), so the baseline moves the same bytes through Python's fastest text codec."""
    records = []
    for op in module.walk():
        records.append({
            "op": op.op_name,
            "operands": [str(v.type) for v in op.operands],
            "results": [str(r.type) for r in op.results],
            "properties": {k: str(v) for k, v in op.properties.items()},
        })
    return records


def median_time(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm-up: caches, the Lark parse table, numpy's first-call costs
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--width", type=float, default=1.0, help="MobileNet width multiplier (default 1.0)")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per measurement (median reported)")
    ap.add_argument("--profile", choices=["parse", "print"], help="print a cProfile of one parse or print")
    args = ap.parse_args(argv)

    get_parser()
    module, n_weights = build_mobilenet(args.width)
    text = print_op(module)
    mb = len(text.encode("utf-8")) / 1e6
    assert print_op(parse_module(text, "mobilenet.mlir")) == text, "round trip changed the text"

    if args.profile:
        fn = (lambda: parse_module(text, "mobilenet.mlir")) if args.profile == "parse" else (lambda: print_op(module))
        prof = cProfile.Profile()
        prof.runcall(fn)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(25)
        return 0

    payload = json_payload(module)
    js = json.dumps(payload)
    js_mb = len(js.encode("utf-8")) / 1e6
    n_ops = sum(1 for _ in module.walk())

    rows = [
        ("parse_module", mb, median_time(lambda: parse_module(text, "mobilenet.mlir"), args.runs)),
        ("print_op", mb, median_time(lambda: print_op(module), args.runs)),
        ("json.loads (baseline)", js_mb, median_time(lambda: json.loads(js), args.runs)),
        ("json.dumps (baseline)", js_mb, median_time(lambda: json.dumps(payload), args.runs)),
    ]
    print(f"MobileNetV1 x{args.width}: {n_ops} ops, {n_weights / 1e6:.2f} M int8 weights, "
          f"{mb:.2f} MB of IR text; median of {args.runs} runs after a warm-up")
    print(f"{'step':<24}{'MB':>8}{'seconds':>10}{'MB/s':>9}")
    for name, size, secs in rows:
        print(f"{name:<24}{size:>8.2f}{secs:>10.3f}{size / secs:>9.0f}")
    total = rows[0][2] + rows[1][2]
    print(f"{'parse + print':<24}{mb:>8.2f}{total:>10.3f}{mb / total:>9.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
