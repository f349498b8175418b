"""``allocate-buffers``: an independent check of every allocation, packing on random intervals,
random DAGs under random budgets, the shared networks and generated MobileNetV1/V2 at 224.

`check_allocation` recomputes from the IR alone (schedule order, uses, memref spaces, the
``dory.memory`` records) every buffer's lifetime and level, without the pass's code, and checks
the recorded ``dory.alloc``: offsets aligned, no two buffers whose lifetimes intersect share a
byte, every buffer below the peak, the peak at least the lower bound, and the lower bound equal
to the most (aligned) bytes live at one step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dory.backends.gap8.hw import GAP8
from dory.dory_ir.analysis.allocation import overlaps
from dory.dory_ir.attributes import ArrayAttr, DenseAttr, DialectAttr, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.interp import random_inputs, run_function
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.dory_ir.types import MemRefType
from dory.passes import get_pass_registry
from dory.passes.allocate_buffers import AllocateBuffersPass, Interval, L1Sizes, l1_layout, l1_sizes, lower_bound, pack
from dory.passes.assign_memory import MemoryPlan
from dory.passes.base import PassContext, PassFailed
from dory.passes.manager import PassManager
from dory.passes.pipeline import parse_pipeline

from shared_models import NETWORKS, load, requires_shared
TARGET = 0.0  # issue 13: the L2 peak at the max-live lower bound (the exact search reaches it on every network)


def run(module: Operation, pipeline: str) -> None:
    PassManager(parse_pipeline(pipeline)).run(PassContext(), module)


def the_func(module: Operation) -> Operation:
    return next(op for op in module.walk() if op.op_name == "func.func")


def _aligned(n: int) -> int:
    return (n + 3) // 4 * 4


def _bytes(v: Value) -> int:
    t = v.type
    assert isinstance(t, MemRefType)
    return t.num_elements * math.ceil(t.element_type.width / 8)  # type: ignore[attr-defined]


def _space(v: Value) -> str:
    t = v.type
    assert isinstance(t, MemRefType) and isinstance(t.memory_space, DialectAttr)
    return t.memory_space.name


def _entry(d: DictAttr, key: str) -> int:
    v = d.as_dict()[key]
    assert isinstance(v, IntegerAttr)
    return int(v.value)


@dataclass
class Buf:
    name: str
    level: str
    start: int
    end: int
    offset: int
    size: int


def check_allocation(func: Operation) -> dict[str, int]:
    """Check ``func``'s recorded allocation against liveness recomputed from the IR; returns the
    func's ``dory.alloc`` entries."""
    ops = list(func.regions[0].blocks[0].ops)
    steps = [op for op in ops if op.op_name not in ("dory.weights", "func.return")]
    last = max(len(steps) - 1, 0)
    step = {id(op): t for t, op in enumerate(steps)}
    # Union-find-free aliasing: a reshape's result is its input's buffer (the root).
    root: dict[Value, Value] = {}

    def find(v: Value) -> Value:
        while v in root:
            v = root[v]
        return v

    for op in steps:
        if op.op_name == "dory.reshape":
            root[op.results[0]] = op.operands[0]
    span: dict[Value, list[int]] = {}
    block = func.regions[0].blocks[0]
    for a in block.args:
        span[a] = [0, 0]
    bufs: list[Buf] = []
    for op in ops:
        if op.op_name == "dory.weights":
            al = op.attributes["dory.alloc"]
            assert isinstance(al, DictAttr)
            r = op.results[0]
            assert _entry(al, "size") == _bytes(r)
            bufs.append(Buf(r.name_hint or "w", _space(r), 0, last, _entry(al, "offset"), _entry(al, "size")))
            continue
        t = last if op.op_name == "func.return" else step[id(op)]
        for v in op.operands:
            rv = find(v)
            if rv in span:
                span[rv][1] = max(span[rv][1], t)
        if op.op_name == "func.return":
            continue
        if op.op_name != "dory.reshape":
            for r in op.results:
                span[r] = [t, t]
    # Activation buffers with their recorded offsets (reshapes must repeat their root's).
    args = func.attributes.get("dory.arg_alloc")
    for a in block.args:
        assert isinstance(args, ArrayAttr)
        d = args.values[a.index]
        assert isinstance(d, DictAttr) and _entry(d, "size") == _bytes(a)
        bufs.append(Buf(f"arg{a.index}", _space(a), *span[a], _entry(d, "offset"), _entry(d, "size")))
    for op in steps:
        al = op.attributes.get("dory.alloc")
        assert isinstance(al, DictAttr), op.op_name
        if op.op_name == "dory.reshape":
            src = find(op.operands[0])
            src_alloc = (func.attributes["dory.arg_alloc"].values[src.index] if src.op is None else src.op.attributes["dory.alloc"])  # type: ignore[attr-defined,union-attr]
            assert _entry(al, "offset") == _entry(src_alloc, "offset")  # type: ignore[arg-type]
            continue
        r = op.results[0]
        assert _entry(al, "size") == _bytes(r)
        bufs.append(Buf(r.name_hint or op.op_name, _space(r), *span[r], _entry(al, "offset"), _entry(al, "size")))
        mem = op.attributes["dory.memory"]
        assert isinstance(mem, DictAttr)
        d = al.as_dict()
        staging = _entry(mem, "staging_bytes")
        assert ("staging" in d) == (staging > 0)
        if staging:
            st_ = d["staging"]
            assert isinstance(st_, DictAttr) and _entry(st_, "size") == staging
            bufs.append(Buf(f"staging@{step[id(op)]}", "l2", step[id(op)], step[id(op)], _entry(st_, "offset"), staging))
        arrays = [v for key in ("requant", "lhs_requant", "rhs_requant") if isinstance(op.properties.get(key), DictAttr) for _, v in op.properties[key].entries if isinstance(v, DenseAttr)]  # type: ignore[union-attr]
        rq = sum(int(a.data.size) * math.ceil(a.element_type.width / 8) for a in arrays)  # type: ignore[attr-defined]
        assert ("requant" in d) == (rq > 0)
        if rq:
            l3roles = mem.as_dict()["l3"]
            assert isinstance(l3roles, ArrayAttr)
            level = "l3" if any(isinstance(s, StringAttr) and s.value == "requant" for s in l3roles.values) else "l2"
            rqd = d["requant"]
            assert isinstance(rqd, DictAttr) and _entry(rqd, "size") == rq
            bufs.append(Buf(f"requant@{step[id(op)]}", level, 0, last, _entry(rqd, "offset"), rq))
    fa = func.attributes["dory.alloc"]
    assert isinstance(fa, DictAttr)
    rec = {k: _entry(fa, k) for k in ("l2_peak", "l2_lower_bound", "l3_peak")}
    for level, peak_key in (("l2", "l2_peak"), ("l3", "l3_peak")):
        lv = [b for b in bufs if b.level == level]
        for b in lv:
            assert b.offset % 4 == 0, b
            assert b.offset >= 0 and b.offset + b.size <= rec[peak_key], b
        for i, a in enumerate(lv):
            for b in lv[i + 1 :]:
                if a.start <= b.end and b.start <= a.end:
                    assert a.offset + a.size <= b.offset or b.offset + b.size <= a.offset, (a, b)
        live = [sum(_aligned(b.size) for b in lv if b.start <= t <= b.end) for t in range(last + 1)]
        bound = max(live, default=0)
        assert rec[peak_key] >= bound
        if level == "l2":
            assert rec["l2_lower_bound"] == bound
            # assign-memory counts the same aligned bytes (its staging per buffer, ours per layer).
            mem = func.attributes["dory.memory"]
            assert isinstance(mem, DictAttr)
            assert bound <= _entry(mem, "l2_peak")
    return rec


# -- packing on random intervals ------------------------------------------------------------------


@st.composite
def interval_sets(draw: st.DrawFn) -> list[Interval]:
    n = draw(st.integers(0, 40))
    horizon = draw(st.integers(1, 30))
    out = []
    for k in range(n):
        s = draw(st.integers(0, horizon - 1))
        e = draw(st.integers(s, horizon - 1))
        out.append(Interval(k, s, e, 4 * draw(st.integers(1, 64))))
    return out


@settings(max_examples=300, deadline=None)
@given(interval_sets())
def test_packing_of_random_intervals(items: list[Interval]) -> None:
    p = pack(items)
    assert set(p.offsets) == {i.key for i in items}
    for i, a in enumerate(items):
        oa = p.offsets[a.key]
        assert oa >= 0 and oa + a.size <= p.peak
        for b in items[i + 1 :]:
            if a.meets(b):
                ob = p.offsets[b.key]
                assert oa + a.size <= ob or ob + b.size <= oa
    bound = lower_bound(items)
    assert p.peak >= bound
    assert p.peak == max((p.offsets[i.key] + i.size for i in items), default=0)
    assert pack(items) == p  # deterministic


def test_lower_bound_counts_bytes_live_at_once() -> None:
    items = [Interval(0, 0, 2, 8), Interval(1, 1, 1, 4), Interval(2, 2, 3, 16), Interval(3, 3, 3, 4)]
    assert lower_bound(items) == 24  # step 2: 8 + 16; step 3: 16 + 4
    assert pack(items).peak == 24


def test_whole_program_buffers_sit_at_the_bottom() -> None:
    items = [Interval(0, 0, 3, 8), Interval(1, 0, 1, 100), Interval(2, 2, 3, 100), Interval(3, 0, 3, 4)]
    p = pack(items)
    assert p.offsets[0] == 0 and p.offsets[3] == 8
    assert p.offsets[1] == p.offsets[2] == 12 and p.peak == 112


# -- random DAGs through assign-memory under random budgets ---------------------------------------


@st.composite
def dags(draw: st.DrawFn) -> str:
    """Random 1xHxWxC functions: convs (with per-channel requant arrays), pools, adds of any two
    live values, a concat, and optionally reshape + linear."""
    h, w = draw(st.integers(2, 8)), draw(st.integers(2, 8))
    c = draw(st.sampled_from([1, 2, 4, 8]))
    act = f"tensor<1x{h}x{w}x{c}xui8>"
    lines: list[str] = []
    values = ["%x"]
    for i in range(draw(st.integers(1, 9))):
        kind = draw(st.sampled_from(["conv", "pool", "add"]))
        a = draw(st.sampled_from(values))
        if kind == "conv":
            adds = ", ".join(str(j) for j in range(c))
            lines.append(f'%w{i} = "qnn.constant"() <{{value = dense<1> : tensor<{c}x3x3x{c}xsi8>}}> : () -> tensor<{c}x3x3x{c}xsi8>')
            lines.append(
                f'%v{i} = "dory.conv2d"({a}, %w{i}) <{{pads = array<i64: 1, 1, 1, 1>, requant = {{add = dense<[{adds}]> : tensor<{c}xsi32>, '
                f"max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 6 : i64}}}}> : ({act}, tensor<{c}x3x3x{c}xsi8>) -> {act}"
            )
        elif kind == "pool":
            lines.append(f'%v{i} = "dory.pool"({a}) <{{kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}}> : ({act}) -> {act}')
        else:
            b = draw(st.sampled_from(values))
            lines.append(f'%v{i} = "dory.add"({a}, {b}) <{{requant = {{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}}}> : ({act}, {act}) -> {act}')
        values.append(f"%v{i}")
    result, ret = values[-1], act
    if draw(st.booleans()):
        cat = f"tensor<1x{h}x{w}x{2 * c}xui8>"
        lines.append(f'%cat = "dory.concat"({draw(st.sampled_from(values))}, {values[-1]}) <{{axis = 3 : i64}}> : ({act}, {act}) -> {cat}')
        n = h * w * 2 * c
        lines.append(f'%flat = "dory.reshape"(%cat) : ({cat}) -> tensor<1x{n}xui8>')
        lines.append(f'%fw = "qnn.constant"() <{{value = dense<1> : tensor<3x{n}xsi8>}}> : () -> tensor<3x{n}xsi8>')
        lines.append(f'%fc = "dory.linear"(%flat, %fw) : (tensor<1x{n}xui8>, tensor<3x{n}xsi8>) -> tensor<1x3xsi32>')
        result, ret = "%fc", "tensor<1x3xsi32>"
    body = "\n  ".join(lines)
    return f'"func.func"() <{{function_type = ({act}) -> {ret}, sym_name = "dag"}}> ({{\n^bb0(%x: {act}):\n  {body}\n  "func.return"({result}) : ({ret}) -> ()\n}}) : () -> ()\n'


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dags(), st.data())
def test_random_dags_allocate_consistently(text: str, data: st.DataObject) -> None:
    # The L2 budget is drawn from the plannable range (at least every step's floor, where the step
    # runs with all it touches tiled from L3; L3 is the target's 8 MB, far above these DAGs' peaks)
    # up to more than the live peak, so every example gets a plan to allocate.
    plan = MemoryPlan(the_func(parse_module(text, "<test>")))
    floor = int(plan.floor().max())
    l2 = data.draw(st.integers(max(64, floor), max(64, floor, plan.live_peak * 13 // 10)), label="l2")
    module = parse_module(text, "<test>")
    run(module, f"assign-memory{{l2={l2}}}")
    inputs = random_inputs(module, seed=0)
    before = run_function(module, inputs)
    # assign-memory counts aligned bytes and the packing reaches the max-live bound: the same budget fits.
    run(module, f"allocate-buffers{{l2={l2}}}")
    check_allocation(the_func(module))
    assert overlaps(the_func(module)) == []  # --verify-semantics' own check agrees with check_allocation
    after = run_function(module, inputs)
    assert all((a == b).all() for a, b in zip(before, after))
    again = print_op(module)
    run(module, f"allocate-buffers{{l2={l2}}}")
    assert print_op(module) == again  # idempotent


# -- options, failures ----------------------------------------------------------------------------


def test_registered_with_hardware_defaults() -> None:
    cls = get_pass_registry()["allocate-buffers"]()
    assert cls is AllocateBuffersPass
    p = AllocateBuffersPass()
    module = parse_module('"builtin.module"() ({}) : () -> ()', "<test>")
    assert p.budgets(module) == (GAP8, GAP8.l1_budget, GAP8.l2_budget, GAP8.l3_budget)
    assert str(AllocateBuffersPass(l2=1000)) == "allocate-buffers{l2=1000}"


SMALL = """
"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x8x8x4xui8>, sym_name = "f"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x8x8x4xui8>) -> tensor<1x8x8x4xui8>
  "func.return"(%y) : (tensor<1x8x8x4xui8>) -> ()
}) : () -> ()
"""


@pytest.mark.parametrize("opt", ["l1", "l2", "l3"])
def test_options_must_be_positive(opt: str) -> None:
    module = parse_module(SMALL, "<test>")
    run(module, "assign-memory")
    with pytest.raises(PassFailed, match=f"option '{opt}' expected a positive number of bytes, found 0"):
        run(module, f"allocate-buffers{{{opt}=0}}")


def test_a_failure_leaves_the_module_untouched() -> None:
    module = parse_module(SMALL, "<test>")
    run(module, "assign-memory")
    before = print_op(module)
    with pytest.raises(PassFailed, match="L2 overflow: expected the L2 arena to fit 100 bytes .* found a peak of 512 bytes"):
        run(module, "allocate-buffers{l2=100}")
    assert print_op(module) == before


def test_l1_sizes_of_linear_depthwise_and_add() -> None:
    text = """
"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x5xsi32>, sym_name = "f"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<4x3x3x1xsi8>}> : () -> tensor<4x3x3x1xsi8>
  %d = "dory.depthwise"(%x, %w) <{strides = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 3 : i64}}> : (tensor<1x8x8x4xui8>, tensor<4x3x3x1xsi8>) -> tensor<1x4x4x4xui8>
  %s = "dory.add"(%d, %d) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> : (tensor<1x4x4x4xui8>, tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>
  %f = "dory.reshape"(%s) : (tensor<1x4x4x4xui8>) -> tensor<1x64xui8>
  %lw = "qnn.constant"() <{value = dense<1> : tensor<5x64xsi8>}> : () -> tensor<5x64xsi8>
  %lb = "qnn.constant"() <{value = dense<1> : tensor<5xsi32>}> : () -> tensor<5xsi32>
  %o = "dory.linear"(%f, %lw, %lb) : (tensor<1x64xui8>, tensor<5x64xsi8>, tensor<5xsi32>) -> tensor<1x5xsi32>
  "func.return"(%o) : (tensor<1x5xsi32>) -> ()
}) : () -> ()
"""
    module = parse_module(text, "<test>")
    ops = {op.op_name: op for op in the_func(module).regions[0].blocks[0].ops}
    # The tile pass's model. Depthwise, 2 x 2 x 1 = 4 tiles: rows (2-1)*2 + 3 = 5, columns
    # (4-1)*2 + 3 = 9 clipped to 8, 2 channels; its scratch per core one channel of the padded
    # tile, (5 + 2 pad) x (8 + 2 pad) bytes, plus 4 of slack.
    dw = l1_sizes(ops["dory.depthwise"], {"c_out": 2, "h_out": 2, "w_out": 4, "c_in": 2})
    assert dw == L1Sizes(5 * 8 * 2, 2 * 9, 2 * 4 * 2, 2 * 4, 8 * (7 * 10 + 4), 2, 2, 2)
    # Add: both operands in the input buffer; one channel tile, so nothing to double-buffer but acts.
    add = l1_sizes(ops["dory.add"], {"c_out": 4, "h_out": 2, "w_out": 4, "c_in": 4})
    assert add == L1Sizes(2 * 32, 0, 32, 0, 0, 2, 1, 2)
    # Linear over half its input features: an si32 accumulator of the 5 outputs.
    lin = l1_sizes(ops["dory.linear"], {"c_out": 5, "h_out": 1, "w_out": 1, "c_in": 32})
    assert lin == L1Sizes(32, 5 * 32, 5 * 4, 5 * 4, 5 * 4, 2, 2, 2)
    lay = l1_layout(lin)
    assert lay == {"input": (0, 32), "weight": (64, 224), "output": (384, 404), "params": 424, "scratch": 464, "total": 484}
    # One output channel per tile over all the input: every tile reads the same input, which the
    # executor loads once (runtime/src/layer.c assign_buffers), so it has one L1 copy; the
    # outputs, weights and parameters still change per tile.
    lin1 = l1_sizes(ops["dory.linear"], {"c_out": 1, "h_out": 1, "w_out": 1, "c_in": 64})
    assert lin1 == L1Sizes(64, 64, 4, 4, 0, 2, 2, 1)
    assert l1_layout(lin1)["input"] == (0, 0)
    one = l1_layout(L1Sizes(10, 6, 3, 0, 0, 1, 1, 1))  # one tile: pong = ping, sizes aligned to 4
    assert one == {"input": (0, 0), "weight": (12, 12), "output": (20, 20), "params": 24, "scratch": 24, "total": 24}


def check_l1(func: Operation, l1: int = GAP8.l1_budget) -> int:
    """Every tiled layer has a layout holding the tiler's footprint (up to alignment) within L1;
    returns how many layers were checked."""
    n = 0
    for op in func.regions[0].blocks[0].ops:
        tile = op.attributes.get("dory.tile")
        lay = op.attributes.get("dory.l1")
        assert (tile is None) == (lay is None), op.op_name
        if not isinstance(tile, DictAttr) or not isinstance(lay, DictAttr):
            continue
        total = _entry(lay, "total")
        assert _entry(tile, "l1_bytes") <= total <= _entry(tile, "l1_bytes") + 4 * 8 and total <= l1
        ends = []
        for key in ("input", "weight", "output"):
            ping, pong = lay.as_dict()[key].values  # type: ignore[attr-defined]
            assert ping.value % 4 == 0 and pong.value % 4 == 0 and ping.value <= pong.value  # type: ignore[attr-defined]
            ends.append(pong.value)  # type: ignore[attr-defined]
        assert ends == sorted(ends) and _entry(lay, "params") <= _entry(lay, "scratch") <= total
        n += 1
    return n


# -- networks -------------------------------------------------------------------------------------


def _report(name: str, rec: dict[str, int]) -> float:
    over = (rec["l2_peak"] - rec["l2_lower_bound"]) / max(rec["l2_lower_bound"], 1)
    print(f"\n{name}: l2_peak {rec['l2_peak']} lower bound {rec['l2_lower_bound']} (+{100 * over:.2f} %), l3_peak {rec['l3_peak']}")
    return over


@requires_shared
@pytest.mark.parametrize("net", NETWORKS)
def test_shared_networks(net: str) -> None:
    module = load(net).module
    run(module, "gap8-default")  # which ends with allocate-buffers
    rec = check_allocation(the_func(module))
    assert check_l1(the_func(module)) > 0  # gap8-default runs the tiler: every layer is laid out
    assert _report(net, rec) <= TARGET


@pytest.mark.parametrize("name", ["mobilenet_v1_1.0_224", "mobilenet_v2_1.0_224"])
def test_generated_mobilenets(name: str, tmp_path: Path) -> None:
    import onnx

    from dory.frontend.onnx_import import import_onnx
    from dory.driver.netgen import NETWORKS as GENERATORS

    model, _ = GENERATORS[name](0, "nemo")
    path = tmp_path / f"{name}.onnx"
    onnx.save(model, str(path))
    module = import_onnx(str(path), warn=lambda msg: None)
    run(module, "gap8-default")  # which ends with allocate-buffers
    rec = check_allocation(the_func(module))
    assert check_l1(the_func(module)) > 0  # gap8-default runs the tiler: every layer is laid out
    assert _report(name, rec) <= TARGET


def test_overlaps_sees_an_argument() -> None:
    # The pool reads the network input %x at the step that writes %y: both are live there, so
    # %y's buffer moved onto %x's bytes (offset 256 -> 128, halfway into [0, 256)) is an overlap
    # --verify-semantics must report, naming the argument.
    module = parse_module(SMALL, "<test>")
    run(module, "assign-memory")
    run(module, "allocate-buffers")
    text = print_op(module)
    assert "dory.arg_alloc = [{offset = 0 : i64, size = 256 : i64}]" in text
    assert overlaps(the_func(module)) == []
    moved = text.replace("dory.alloc = {offset = 256 : i64, size = 256 : i64}", "dory.alloc = {offset = 128 : i64, size = 256 : i64}")
    assert moved != text
    found = overlaps(the_func(parse_module(moved, "<test>")))
    assert len(found) == 1 and "%x" in found[0].message() and found[0].step == 0
