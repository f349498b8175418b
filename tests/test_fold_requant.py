"""``fold-requant`` is exact, never adds compute ops, and is idempotent.

Hypothesis builds random chains of ``qnn.requant``/``qnn.clip`` (random multipliers, offsets,
shifts and divisors, both roundings, random bounds, per tensor and per channel, si8/ui8/si32
inputs) and random conv/linear + requant layers (with and without bias, padding, groups, narrow
accumulators that could overflow, accumulators with a second user). For each, the interpreter
must give identical outputs before and after the pass on inputs that include every extreme value
of the input type; the pass must not increase the number of ops (constants included, except that
a conv without bias may gain one bias constant in exchange for the requant's offset); and a
second run must print exactly what the first produced.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dory.dory_ir.attributes import DenseAttr
from dory.dory_ir.core import Operation
from dory.dory_ir.interp import run_function
from dory.dory_ir.opdef import verify
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.dory_ir.types import IntegerType
from dory.passes.base import PassContext
from dory.passes.fold_requant import AffineClip, Range, compose, normalize, round_div
from dory.passes.manager import PassManager
from dory.passes.pipeline import parse_pipeline

SI8 = IntegerType(8, "signed")
UI8 = IntegerType(8, "unsigned")
SI16 = IntegerType(16, "signed")
SI32 = IntegerType(32, "signed")
RESULT_TYPES = (SI8, UI8, SI16, SI32)

# FOLD_REQUANT_EXAMPLES=5000 for a longer soak than the default run.
SETTINGS = settings(
    max_examples=int(os.environ.get("FOLD_REQUANT_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


# -- running the pass ---------------------------------------------------------------------------


def fold(text: str) -> str:
    """The printed module after ``fold-requant`` (verified after the pass)."""
    module = parse_module(text, "<test>")
    PassManager(parse_pipeline("fold-requant")).run(PassContext(), module)
    assert verify(module) == []
    return print_op(module)


def body_ops(text: str) -> list[Operation]:
    """The ops of the single function's body, without the terminator."""
    module = parse_module(text, "<test>")
    func = module.body.ops[0]
    return [op for op in func.regions[0].blocks[0].ops if op.op_name != "func.return"]


def inputs_with_extremes(shape: tuple[int, ...], et: IntegerType, seed: int) -> np.ndarray:
    """Random values of ``et`` whose first rows hold min, max, 0, -1, 1, min+1, max-1 in every
    channel (the values where roundings and clips differ most)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(et.min_value, et.max_value, size=shape, dtype=np.int64, endpoint=True)
    special = [v for v in (et.min_value, et.max_value, 0, -1, 1, et.min_value + 1, et.max_value - 1) if et.fits(v)]
    flat = x.reshape(-1, shape[-1])
    for i, v in enumerate(special[: flat.shape[0]]):
        flat[i, :] = v
    return flat.reshape(shape)


def assert_same_semantics(before: str, after: str, inputs: list[np.ndarray]) -> None:
    want = run_function(parse_module(before, "<before>"), inputs)
    got = run_function(parse_module(after, "<after>"), inputs)
    assert len(want) == len(got)
    for w, g in zip(want, got):
        assert w.shape == g.shape
        assert np.array_equal(w, g), f"outputs differ:\n{before}\n---\n{after}"


# -- building IR text ---------------------------------------------------------------------------


def tensor(shape: tuple[int, ...], et: IntegerType) -> str:
    return f"tensor<{'x'.join(str(d) for d in shape)}x{et}>"


def int_or_dense(values: tuple[int, ...]) -> str:
    if len(values) == 1:
        return f"{values[0]} : i64"
    return str(DenseAttr.from_array(np.asarray(values, dtype=np.int64), SI32))


@dataclass(frozen=True)
class Step:
    """One requant or clip of a random chain."""

    kind: str
    mul: tuple[int, ...]
    add: tuple[int, ...]
    div: int
    use_shift: bool
    rounding: str
    lo: int
    hi: int
    result: IntegerType

    def text(self, src: str, dst: str, shape: tuple[int, ...], in_t: IntegerType) -> str:
        if self.kind == "clip":
            props = f"max = {self.hi} : i64, min = {self.lo} : i64"
            return f'    %{dst} = "qnn.clip"(%{src}) <{{{props}}}> : ({tensor(shape, in_t)}) -> {tensor(shape, self.result)}'
        parts = [f"mul = {int_or_dense(self.mul)}", f"min = {self.lo} : i64", f"max = {self.hi} : i64"]
        if any(self.add):
            parts.append(f"add = {int_or_dense(self.add)}")
        if self.use_shift and self.div & (self.div - 1) == 0:
            parts.append(f"shift = {self.div.bit_length() - 1} : i64")
        else:
            parts.append(f"div = {self.div} : i64")
        if self.rounding == "trunc":
            parts.append('rounding = "trunc"')
        props = ", ".join(parts)
        return f'    %{dst} = "qnn.requant"(%{src}) <{{{props}}}> : ({tensor(shape, in_t)}) -> {tensor(shape, self.result)}'


def function(name: str, args: list[tuple[str, str]], body: list[str], results: list[tuple[str, str]]) -> str:
    arg_types = ", ".join(t for _, t in args)
    res_types = ", ".join(t for _, t in results)
    sig = f"({arg_types}) -> ({res_types})"
    block_args = ", ".join(f"%{n}: {t}" for n, t in args)
    lines = [
        '"builtin.module"() ({',
        f'  "func.func"() <{{function_type = {sig}, sym_name = "{name}"}}> ({{',
        f"  ^bb0({block_args}):",
        *body,
        f'    "func.return"({", ".join("%" + n for n, _ in results)}) : ({res_types}) -> ()',
        "  }) : () -> ()",
        "}) : () -> ()",
    ]
    return "\n".join(lines) + "\n"


# -- strategies ---------------------------------------------------------------------------------

MULS = st.one_of(st.sampled_from([1, 1, 1, 0, 2, 3, 4, 8, -1, -2]), st.integers(-(2**12), 2**12))
ADDS = st.one_of(st.just(0), st.sampled_from([1, -1, 2, 64, -128]), st.integers(-(2**16), 2**16))
DIVS = st.one_of(st.sampled_from([1, 1, 2, 4, 8, 16, 256, 4096]), st.integers(1, 1000))


@st.composite
def bounds(draw: st.DrawFn, et: IntegerType) -> tuple[int, int]:
    """Bounds inside ``et``: its full range, a ReLU-like ``[0, k]``, or two random values."""
    choice = draw(st.sampled_from(["full", "relu", "random"]))
    if choice == "full":
        return et.min_value, et.max_value
    if choice == "relu":
        return 0, draw(st.integers(0, et.max_value))
    a = draw(st.integers(et.min_value, et.max_value))
    b = draw(st.integers(et.min_value, et.max_value))
    return min(a, b), max(a, b)


@st.composite
def steps(draw: st.DrawFn, channels: int) -> Step:
    kind = draw(st.sampled_from(["requant", "requant", "requant", "clip"]))
    result = draw(st.sampled_from(RESULT_TYPES))
    lo, hi = draw(bounds(result))
    per_channel = draw(st.booleans())
    n = channels if per_channel else 1
    mul = tuple(draw(st.lists(MULS, min_size=n, max_size=n)))
    # Offsets: independent, or a multiple of the multiplier (to reach the divisible cases).
    if draw(st.booleans()):
        add = tuple(draw(st.lists(ADDS, min_size=n, max_size=n)))
    else:
        k = draw(st.integers(-50, 50))
        add = tuple(m * k for m in mul)
    return Step(
        kind,
        mul,
        add,
        draw(DIVS),
        draw(st.booleans()),
        draw(st.sampled_from(["floor", "trunc"])),
        lo,
        hi,
        result,
    )


@st.composite
def chains(draw: st.DrawFn) -> tuple[str, tuple[int, ...], IntegerType]:
    channels = draw(st.sampled_from([1, 3, 4]))
    in_t = draw(st.sampled_from([SI8, UI8, SI32]))
    shape = (32, channels)
    chain = draw(st.lists(steps(channels), min_size=1, max_size=4))
    body, src, t = [], "x", in_t
    for i, s in enumerate(chain):
        body.append(s.text(src, f"v{i}", shape, t))
        src, t = f"v{i}", s.result
    text = function("chain", [("x", tensor(shape, in_t))], body, [(src, tensor(shape, t))])
    return text, shape, in_t


@pytest.mark.slow
@settings(SETTINGS)
@given(chains(), st.integers(0, 2**32 - 1))
def test_random_requant_chains_fold_exactly(case: tuple[str, tuple[int, ...], IntegerType], seed: int) -> None:
    text, shape, in_t = case
    assert verify(parse_module(text, "<test>")) == []
    folded = fold(text)
    assert_same_semantics(text, folded, [inputs_with_extremes(shape, in_t, seed)])
    assert len(body_ops(folded)) <= len(body_ops(text))
    assert fold(folded) == folded  # idempotent


@st.composite
def layers(draw: st.DrawFn) -> tuple[str, tuple[int, ...], IntegerType, bool]:
    """A conv2d or linear with constant weights and maybe a bias, a requant after it (offset
    often a multiple of the multiplier), sometimes a clip after that, and sometimes the
    accumulator also returned (a second user)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    in_t = draw(st.sampled_from([SI8, UI8]))
    acc_t = draw(st.sampled_from([SI32, SI32, SI16]))
    linear = draw(st.booleans())
    has_bias = draw(st.booleans())
    out_ch = draw(st.sampled_from([1, 2, 4]))
    body: list[str] = []
    if linear:
        k = draw(st.sampled_from([1, 3, 8]))
        shape = (4, k)
        w = rng.integers(-128, 128, size=(out_ch, k))
        acc_shape: tuple[int, ...] = (4, out_ch)
        props, cin = "", k
    else:
        cin = draw(st.sampled_from([1, 2, 4]))
        groups = draw(st.sampled_from([g for g in (1, 2, 4) if cin % g == 0 and out_ch % g == 0]))
        kh, kw = draw(st.sampled_from([1, 2, 3])), draw(st.sampled_from([1, 2, 3]))
        pads = draw(st.sampled_from([(0, 0, 0, 0), (1, 1, 1, 1), (0, 1, 2, 0)]))
        shape = (1, 5, 5, cin)
        w = rng.integers(-128, 128, size=(out_ch, kh, kw, cin // groups))
        ho = 5 + pads[0] + pads[2] - kh + 1
        wo = 5 + pads[1] + pads[3] - kw + 1
        acc_shape = (1, ho, wo, out_ch)
        props = f" <{{groups = {groups} : i64, pads = array<i64: {', '.join(map(str, pads))}>}}>"
    body.append(f'    %w = "qnn.constant"() <{{value = {DenseAttr.from_array(w, SI8)}}}> : () -> {tensor(w.shape, SI8)}')
    operands = "%x, %w"
    types = f"{tensor(shape, in_t)}, {tensor(w.shape, SI8)}"
    if has_bias:
        scale = draw(st.sampled_from([100, 100, 2**20, 2**30]))
        b = rng.integers(-scale, scale, size=(out_ch,))
        body.append(f'    %b = "qnn.constant"() <{{value = {DenseAttr.from_array(b, SI32)}}}> : () -> {tensor((out_ch,), SI32)}')
        operands += ", %b"
        types += f", {tensor((out_ch,), SI32)}"
    op = "qnn.linear" if linear else "qnn.conv2d"
    body.append(f'    %acc = "{op}"({operands}){props} : ({types}) -> {tensor(acc_shape, acc_t)}')
    per_channel = draw(st.booleans())
    n = out_ch if per_channel else 1
    mul = tuple(draw(st.lists(st.one_of(st.integers(-300, 300), st.just(0), st.just(1)), min_size=n, max_size=n)))
    if draw(st.integers(0, 2)):  # mostly a multiple of the multiplier: the foldable case
        kk = tuple(draw(st.lists(st.integers(-(2**12), 2**12), min_size=n, max_size=n)))
        add = tuple(m * k for m, k in zip(mul, kk))
    else:
        add = tuple(draw(st.lists(ADDS, min_size=n, max_size=n)))
    result = draw(st.sampled_from(RESULT_TYPES))
    lo, hi = draw(bounds(result))
    step = Step("requant", mul, add, draw(DIVS), True, draw(st.sampled_from(["floor", "trunc"])), lo, hi, result)
    body.append(step.text("acc", "y", acc_shape, acc_t))
    out, out_t = "y", result
    if draw(st.booleans()):
        clip_t = draw(st.sampled_from(RESULT_TYPES))
        clo, chi = draw(bounds(clip_t))
        body.append(Step("clip", (1,), (0,), 1, True, "floor", clo, chi, clip_t).text("y", "z", acc_shape, result))
        out, out_t = "z", clip_t
    results = [(out, tensor(acc_shape, out_t))]
    shared = draw(st.integers(0, 4)) == 0
    if shared:
        results.append(("acc", tensor(acc_shape, acc_t)))
    text = function("layer", [("x", tensor(shape, in_t))], body, results)
    return text, shape, in_t, has_bias


@pytest.mark.slow
@settings(SETTINGS)
@given(layers(), st.integers(0, 2**32 - 1))
def test_random_conv_requant_fold_exactly(case: tuple[str, tuple[int, ...], IntegerType, bool], seed: int) -> None:
    text, shape, in_t, has_bias = case
    assert verify(parse_module(text, "<test>")) == []
    folded = fold(text)
    assert_same_semantics(text, folded, [inputs_with_extremes(shape, in_t, seed)])
    before, after = body_ops(text), body_ops(folded)
    compute = [op for op in after if op.op_name != "qnn.constant"]
    assert len(compute) <= len([op for op in before if op.op_name != "qnn.constant"])
    # Only a bias-less accumulator may gain a constant (its new bias, in exchange for an offset).
    assert len(after) <= len(before) + (0 if has_bias else 1)
    assert fold(folded) == folded


# -- the algebra, checked exhaustively on small ranges ------------------------------------------


@pytest.mark.parametrize("rounding", ["floor", "trunc"])
def test_round_div_matches_fraction_rounding(rounding: str) -> None:
    import math
    from fractions import Fraction

    for n in range(-50, 51):
        for d in range(1, 9):
            q = Fraction(n, d)
            want = math.floor(q) if rounding == "floor" else math.trunc(q)
            assert round_div(n, d, rounding) == want


@settings(SETTINGS)
@given(
    st.lists(MULS, min_size=1, max_size=3),
    st.lists(ADDS, min_size=1, max_size=3),
    DIVS,
    st.sampled_from(["floor", "trunc"]),
    st.integers(-200, 200),
    st.integers(0, 300),
)
def test_normalize_is_exact_and_idempotent(
    mul: list[int], add: list[int], div: int, rounding: str, lo: int, width: int
) -> None:
    n = max(len(mul), len(add))
    mul = (mul * n)[:n] if len(mul) > 1 else mul
    add = (add * n)[:n] if len(add) > 1 else add
    ac = AffineClip(tuple(mul), tuple(add), div, rounding, lo, lo + width)
    xr = Range((-40,), (40,))
    nrm = normalize(ac, xr)
    assert normalize(nrm, xr) == nrm
    for c in range(n):
        for x in range(-40, 41):
            assert nrm.apply(c, x) == ac.apply(c, x)


ROUNDINGS = st.sampled_from(["floor", "trunc"])
DIVS_ABOVE_1 = st.one_of(st.sampled_from([2, 4, 8, 16, 256, 4096]), st.integers(2, 1000))
MULS_NOT_0_1 = st.one_of(st.sampled_from([2, 3, 4, 8, -1, -2]), st.integers(2, 2**12), st.integers(-(2**12), -1))


@st.composite
def composable(draw: st.DrawFn) -> tuple[AffineClip, AffineClip, Range]:
    """Pairs ``g(f(x))`` that compose's rules (rule 2 of passes/fold_requant.py) must answer,
    built instead of filtered: one of the three rounding cases, then ``f``'s clip chosen where it
    cannot make the composite's bounds differ between channels: any clip with one channel; with
    two (per-channel parameters or input interval), a clip covering ``f``'s raw range (it never
    binds) or, with per-tensor ``g``, one that binds on both sides in every channel."""
    n = draw(st.sampled_from([1, 1, 2]), label="parameter channels")
    per_channel_input = draw(st.booleans(), label="per-channel input")
    xr = Range((-60, -7), (60, 25)) if per_channel_input else Range((-60,), (60,))
    case = draw(st.sampled_from(["d1 = 1", "floor", "trunc"]), label="rounding case")
    d1 = 1 if case == "d1 = 1" else draw(DIVS_ABOVE_1, label="d1")
    d2 = draw(DIVS, label="d2")
    r1 = draw(ROUNDINGS) if case == "d1 = 1" else case
    r2 = draw(ROUNDINGS) if case == "d1 = 1" or d2 == 1 else case
    channels = 2 if n == 2 or per_channel_input else 1
    g_per_tensor = n == 1 or draw(st.booleans(), label="per-tensor g")
    gn = 1 if g_per_tensor else n
    m2s = MULS if case == "d1 = 1" else st.sampled_from([0, 1])
    a2s = st.just(0) if case == "trunc" else ADDS
    m2 = tuple(draw(st.lists(m2s, min_size=gn, max_size=gn), label="m2"))
    a2 = tuple(draw(st.lists(a2s, min_size=gn, max_size=gn), label="a2"))
    fn = 1 if n == 2 and g_per_tensor and draw(st.booleans(), label="per-tensor f") else n
    m1 = tuple(draw(st.lists(MULS, min_size=fn, max_size=fn), label="m1"))
    a1 = tuple(draw(st.lists(ADDS, min_size=fn, max_size=fn), label="a1"))
    g = AffineClip(m2, a2, d2, r2, *sorted(draw(st.tuples(st.integers(-300, 300), st.integers(-300, 300)), label="g clip")))
    free = AffineClip(m1, a1, d1, r1, -(2**62), 2**62)
    raw = free.raw_range(xr)
    lo, hi = min(raw.lo), max(raw.hi)
    clip = "any" if channels == 1 else draw(st.sampled_from(["covers", "binds"] if g_per_tensor and min(raw.hi) - max(raw.lo) >= 2 else ["covers"]), label="f clip")
    if clip == "any":
        lo1 = draw(st.integers(lo - 5, hi + 5), label="f lo")
        hi1 = draw(st.integers(lo1, max(lo1, hi + 5)), label="f hi")
    elif clip == "covers":
        lo1 = draw(st.integers(lo - 100, lo), label="f lo")
        hi1 = draw(st.integers(hi, hi + 100), label="f hi")
    else:  # inside every channel's raw range, strictly: both sides bind everywhere
        lo1 = draw(st.integers(max(raw.lo) + 1, min(raw.hi) - 1), label="f lo")
        hi1 = draw(st.integers(lo1, min(raw.hi) - 1), label="f hi")
    return replace(free, lo=lo1, hi=hi1), g, xr


def assert_composes(f: AffineClip, g: AffineClip, xr: Range, h: AffineClip) -> None:
    for c in range(max(len(f.mul), len(f.add), len(g.mul), len(g.add), xr.channels)):
        for x in range(xr.lo[c if xr.channels > 1 else 0], xr.hi[c if xr.channels > 1 else 0] + 1):
            assert h.apply(c, x) == g.apply(c, f.apply(c, x)), (f, g, h, c, x)


@settings(SETTINGS)
@given(composable())
def test_compose_answers_within_its_rules_and_is_exact(pair: tuple[AffineClip, AffineClip, Range]) -> None:
    f, g, xr = pair
    h = compose(f, g, xr)
    assert h is not None, (f, g, xr)
    assert_composes(f, g, xr, h)


@settings(SETTINGS)
@given(
    st.tuples(MULS, ADDS), st.tuples(MULS_NOT_0_1, ADDS), DIVS_ABOVE_1, DIVS,
    ROUNDINGS, ROUNDINGS, st.sampled_from(["m2", "rounding", "trunc add"]),
)
def test_compose_refuses_outside_its_rules(
    fp: tuple[int, int], gp: tuple[int, int], d1: int, d2: int, r1: str, r2: str, broken: str
) -> None:
    # With d1 > 1 the rounding only composes for m2 in {0, 1}, the same rounding on both sides
    # (or d2 = 1) and, for trunc, a2 = 0: break exactly one of these and compose says None.
    (m1, a1), (m2, a2) = fp, gp
    if broken == "m2":
        d2, r2 = 1, r1
    elif broken == "rounding":
        m2, d2, r2 = 1, max(d2, 2), ("trunc" if r1 == "floor" else "floor")
    else:
        m2, r1, r2, a2 = 1, "trunc", "trunc", a2 or 1
    f = AffineClip((m1,), (a1,), d1, r1, -1000, 1000)
    g = AffineClip((m2,), (a2,), d2, r2, -1000, 1000)
    assert compose(f, g, Range((-60,), (60,))) is None, (f, g)
