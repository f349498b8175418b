"""The runtime's C kernels (runtime/kernels/*.c) against the reference interpreter.

The kernels and tests/c/kernel_driver.c are compiled three times: ``-O2 -Werror``, with
``-DDORY_DEBUG`` (the kernels' scratch checks) + AddressSanitizer + UBSan (no recovery), and with
``-DDORY_KERNELS_SDOTP4`` (the 4-way SIMD shape of the blocked dot products) + the sanitizers. The driver
sizes a kernel's scratch with the kernel's own ``dory_*_scratch_bytes`` (none, exact, more, 8 times, or one
byte short: the generic path in the release build, an abort in the debug build). The driver reads cases on stdin, runs each kernel on every
core in turn (core = 0 .. ncores-1, ncores 1, 3 and 8), checks that the cores' shares of the output
are disjoint and cover it, and prints the output. Expected outputs come from the qnn ops of
``dory_ir/interp/qnn.py`` (conv2d, linear, maxpool, avgpool, add, requant) run through
``run_function``, followed by the wrap of ``dory_store``.

Random odd shapes (seeded): ragged core splits, channels not multiple of 4, strides 2, pads on
every border, 1-row tiles (channel splits), dilation 2, groups 2, 1x1 / 3x3 / 5x5 / 1xK kernels,
first layers (ci 1..3, 3x3 / 5x5 / 7x7, strides 1 and 2: conv2d's blocks of 4 pixels),
every element type (and 16-bit inputs over their whole range with s8 weights: conv2d's 16-bit
fast path), per-channel and scalar requant chains with shift and div, floor and trunc,
partial sums over input-channel tiles, pooling with per-tile pads and lead offsets.
"""

from __future__ import annotations

import functools
import itertools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from dory.dory_ir.analysis.ranges import AffineClip
from dory.dory_ir.analysis.requant_window import window_of
from dory.dory_ir.attributes import Attribute, BoolAttr, DenseAttr, IntegerAttr, StringAttr, i64_array
from dory.dory_ir.core import create_op
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.dialects.func import FuncOp, ReturnOp
from dory.dory_ir.interp import run_function
from dory.dory_ir.types import IntegerType, TensorType

GCC = shutil.which("gcc")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(GCC is None, reason="gcc is not installed")]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "runtime" / "kernels").glob("*.c")) + [ROOT / "tests" / "c" / "kernel_driver.c"]
BASE_FLAGS = ["-std=c99", "-Wall", "-Wextra", "-Werror", "-fwrapv", f"-I{ROOT / 'runtime' / 'include'}"]
BUILDS = {
    "O2": ["-O2"],
    "sanitize": ["-O1", "-g", "-DDORY_DEBUG", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
                 "-fno-omit-frame-pointer"],
    # the 4-way SIMD shape of the blocked dot products (GAP8's and the pulp target's), in portable C
    "sdotp4": ["-O1", "-g", "-DDORY_KERNELS_SDOTP4", "-fsanitize=address,undefined", "-fno-sanitize-recover=all"],
}
NCORES = (1, 3, 8)

# dory_dtype_t codes and their IR element types.
U8, S8, U16, S16, U32, S32, S64 = range(7)  # S64: requant vectors only
ET = {
    U8: IntegerType(8, "unsigned"),
    S8: IntegerType(8, "signed"),
    U16: IntegerType(16, "unsigned"),
    S16: IntegerType(16, "signed"),
    U32: IntegerType(32, "unsigned"),
    S32: IntegerType(32, "signed"),
}
SI32 = ET[S32]
SI64 = IntegerType(64, "signed")
RANGE = {U8: (0, 255), S8: (-128, 127), U16: (0, 65535), S16: (-32768, 32767), U32: (0, 2**32 - 1), S32: (-(2**31), 2**31 - 1)}
ROUNDINGS = ("floor", "trunc", "half_away")
"""The rounding of each runtime code (``dory_requant_t.trunc``: DORY_ROUND_FLOOR, _TRUNC, _HALF_AWAY)."""


def rounding_of(u: float) -> int:
    """A random rounding code from one uniform draw ``u`` (the draw the cases took for floor or
    trunc before half_away: floor's cases stay the same): half_away (the generic end's only) for
    u < 0.2, trunc below 0.5, else floor."""
    return 2 if u < 0.2 else 1 if u < 0.5 else 0


# -- the reference: one qnn op at a time through the interpreter ---------------------------------


def run_qnn(name: str, inputs: list[tuple[np.ndarray, IntegerType]], result: tuple[tuple[int, ...], IntegerType],
            props: dict[str, Attribute] | None = None) -> np.ndarray:
    in_types = [TensorType(tuple(int(d) for d in a.shape), et) for a, et in inputs]
    rtype = TensorType(tuple(int(d) for d in result[0]), result[1])
    f = FuncOp.build("main", in_types, [rtype])
    op = create_op(name, operands=list(f.args), result_types=[rtype], properties=props or {})
    f.body.add_op(op)
    f.body.add_op(ReturnOp.build([op.result]))
    return run_function(ModuleOp.build([f]), [np.asarray(a, dtype=np.int64) for a, _ in inputs])[0]


def wrap(a: np.ndarray, code: int) -> np.ndarray:
    """What dory_store keeps of exact values: a C cast to the width of dtype ``code``."""
    et = ET[code]
    m = np.int64(1) << np.int64(et.width)
    low = np.bitwise_and(np.asarray(a, dtype=np.int64), m - 1)
    return low if et.is_unsigned else np.where(low > et.max_value, low - m, low)


def ref_chain(x: np.ndarray, chain: list[dict[str, Any]]) -> np.ndarray:
    """qnn.requant stage by stage (si32 in between; the last stage's min/max fit the output)."""
    for st in chain:
        props: dict[str, Attribute] = {"min": IntegerAttr(st["min"]), "max": IntegerAttr(st["max"])}
        for k in ("mul", "add"):
            v = st[k]
            props[k] = IntegerAttr(v) if isinstance(v, int) else DenseAttr.from_array(v[1], SI64)
        props["div" if st["div"] > 0 else "shift"] = IntegerAttr(st["div"] if st["div"] > 0 else st["shift"])
        props["rounding"] = StringAttr(ROUNDINGS[st["trunc"]])
        x = run_qnn("qnn.requant", [(x, SI32)], (x.shape, SI32), props)
    return x


def finish(acc_si32: np.ndarray, chain: list[dict[str, Any]], y_type: int) -> np.ndarray:
    return wrap(ref_chain(wrap(acc_si32, S32), chain), y_type)


# -- random case material -------------------------------------------------------------------------


def rand_values(rng: np.random.Generator, code: int, shape: Any, small: bool = False) -> np.ndarray:
    lo, hi = RANGE[code]
    if small or code in (U32, S32):
        lo, hi = max(lo, -(2**20)), min(hi, 2**20)
    if code in (U16, S16) and not small:
        lo, hi = max(lo, -3000), min(hi, 3000)
    return rng.integers(lo, hi + 1, size=shape, dtype=np.int64)


def rand_chain(rng: np.random.Generator, channels: int, out_type: int, max_stages: int = 2,
               s64_add: bool = False) -> list[dict[str, Any]]:
    """A random requant chain; ``s64_add``: an add vector may be s64 (the kernel driver's folded
    offsets), within 32 bits or beyond."""
    n = int(rng.integers(0, max_stages + 1))
    chain = []
    for s in range(n):
        st: dict[str, Any] = {}
        per = rng.random() < 0.5
        if per:
            code = int(rng.choice([S8, U8, S16, S32]))
            lo, hi = RANGE[code]
            st["mul"] = (code, rng.integers(max(lo, -(2**18)), min(hi, 2**18) + 1, channels).tolist())
        else:
            st["mul"] = int(rng.integers(-(2**18), 2**18))
        if s64_add and rng.random() < 0.15:  # a folded offset as an s64 vector, within 32 bits or not
            big = 2**24 if rng.random() < 0.6 else 2**33
            st["add"] = (S64, rng.integers(-big, big, channels).tolist())
        elif rng.random() < 0.5:
            st["add"] = (S32, rng.integers(-(2**24), 2**24, channels).tolist())
        else:
            st["add"] = int(rng.integers(-(2**30), 2**30))
        if rng.random() < 0.6:
            st["shift"], st["div"] = int(rng.integers(0, 24)), 0
        else:
            st["shift"], st["div"] = 0, int(rng.integers(1, 5000))
        st["trunc"] = rounding_of(rng.random())
        lo, hi = RANGE[out_type] if s == n - 1 else RANGE[S32]
        lo, hi = max(lo, -(2**31)), min(hi, 2**31 - 1)
        a, b = sorted(int(v) for v in rng.integers(lo, hi + 1, 2))
        if rng.random() < 0.5:
            a, b = lo, hi
        st["min"], st["max"] = a, b
        chain.append(st)
    return chain


# NEMO's divisors: 2^24 - 1 (its "Div 16777215"), primes, small odd numbers, random non-powers of two.
DIVISORS = (16777215, 1000003, 65535, 12345, 255, 7, 3)


def rand_div_chain(rng: np.random.Generator, channels: int, out_type: int) -> list[dict[str, Any]]:
    """One NEMO-style requant stage with a divisor that is not a power of two (mode 3 of
    requant_fast.h when the types bound the sums): a small scalar or per-channel mul (negative
    ones too, as batch norms give), an add, floor or trunc, the output range or a ReLU-like clip."""
    if rng.random() < 0.5:
        mul: Any = (S32, rng.integers(-100, 101, channels).tolist())
    else:
        mul = int(rng.integers(1, 101))
    add: Any = (S32, rng.integers(-(2**20), 2**20, channels).tolist()) if rng.random() < 0.5 \
        else int(rng.integers(-(2**20), 2**20))
    if rng.random() < 0.3:  # an s64 add vector, as a folded offset beyond int32 gets
        add = (S64, rng.integers(-(2**40), 2**40, channels).tolist())
    d = int(rng.choice(DIVISORS)) if rng.random() < 0.7 else int(rng.integers(3, 2**24))
    if d & (d - 1) == 0:
        d += 1
    shift = 0
    if rng.random() < 0.2:  # a power of two instead (as a shift, or as a div of 2^k)
        shift = int(rng.integers(8, 31))
        d = 0 if rng.random() < 0.5 else 2 ** int(rng.integers(1, 31))
    lo, hi = RANGE[out_type]
    lo, hi = max(lo, -(2**31)), min(hi, 2**31 - 1)
    if rng.random() < 0.3:
        lo, hi = max(lo, 0), min(hi, 127)
    return [dict(mul=mul, add=add, shift=shift, div=d, trunc=rounding_of(rng.random()), min=lo, max=hi)]


# -- the driver's input format (see tests/c/kernel_driver.c) ----------------------------------------


def fmt_array(code: int, a: np.ndarray | None) -> str:
    if a is None:
        return f"{code} 0"
    flat = np.asarray(a, dtype=np.int64).reshape(-1)
    return f"{code} {flat.size} " + " ".join(map(str, flat.tolist()))


def fmt_chain(chain: list[dict[str, Any]]) -> str:
    parts = [str(len(chain))]
    for st in chain:
        for k in ("mul", "add"):
            v = st[k]
            parts.append(f"0 {v}" if isinstance(v, int) else "1 " + fmt_array(v[0], np.array(v[1])))
        parts.append(f"{st['shift']} {st['div']} {st['trunc']} {st['min']} {st['max']}")
        win = st.get("win")  # the input window (requant-window): 1 and its two s32 vectors, or 0
        parts.append("0" if win is None else "1 " + fmt_array(S32, np.array(win[0])) + " " + fmt_array(S32, np.array(win[1])))
    return " ".join(parts)


def stage_window(st: dict[str, Any], channels: int) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The input window the requant-window pass would attach to a one-stage chain ``st``
    (dory_ir/analysis/requant_window.py), or None."""
    vec = lambda v: (v,) if isinstance(v, int) else tuple(int(x) for x in v[1])  # noqa: E731
    d = st["div"] if st["div"] > 0 else 1 << st["shift"]
    ac = AffineClip(vec(st["mul"]), vec(st["add"]), d, ROUNDINGS[st["trunc"]], st["min"], st["max"])
    return window_of(ac, channels)


def rand_win_chain(rng: np.random.Generator, channels: int, out_type: int) -> list[dict[str, Any]]:
    """One floor stage that has an input window, the window attached (the requant-window pass's
    layers: MobileNet's shift 19..24 with s64 adds, NEMO's divisors 2^k - 1): d = 2^shift or a
    divisor up to 2^24, |mul| <= d per channel (0 and negative ones too) or a scalar, an add that
    puts the window where the test's sums fall (s32, s64 beyond 32 bits, or a scalar)."""
    while True:
        if rng.random() < 0.5:
            shift, div = int(rng.integers(0, 25)), 0
            d = 1 << shift
        else:
            shift, div = 0, int(rng.choice(DIVISORS[:-2])) if rng.random() < 0.5 else int(rng.integers(3, 2**24))
            d = div
        lo, hi = RANGE[out_type]
        if rng.random() < 0.3:
            lo, hi = max(lo, 0), min(hi, 127)
        if (hi - lo + 1) * d > 2**32:
            continue
        top = max(1, min(d, 2**31 - 1))
        if rng.random() < 0.7:  # |m| from d down to d / 2^14: windows of 2 to 2^22 sums
            m = rng.integers(-top, top + 1, channels) >> rng.integers(0, 15, channels)
            m[rng.random(channels) < 0.05] = 0
            mul: Any = (S32, m.tolist())
            mabs = np.abs(m)
        else:
            mul = int(rng.integers(1, top + 1)) >> int(rng.integers(0, 15))
            mabs = np.full(channels, mul)
        # t = s * m + add around the clip window for sums s near 0 (the tests' sums: ~+-2^14)
        centre = -(rng.integers(-(2**10), 2**10, channels) * mabs) + (lo + hi) // 2 * d
        spread = rng.integers(-(hi - lo + 1) * d, (hi - lo + 1) * d + 1, channels)
        addv = centre + spread
        r = rng.random()
        add: Any = (S64, (addv + (2**40 if r < 0.1 else 0)).tolist()) if r < 0.3 else \
            (S32, np.clip(addv, -(2**31), 2**31 - 1).tolist()) if r < 0.8 else int(np.clip(addv[0], -(2**31), 2**31 - 1))
        st = dict(mul=mul, add=add, shift=shift, div=div, trunc=0, min=int(lo), max=int(hi))
        win = stage_window(st, channels)
        if win is not None:
            st["win"] = win
            return [st]


# -- convolution cases ------------------------------------------------------------------------------


def pick_type(rng: np.random.Generator, common: list[int], p_common: float = 0.8) -> int:
    return int(rng.choice(common)) if rng.random() < p_common else int(rng.integers(0, 6))


def conv_case(seed: int, kind: str, wide_x: int | None = None) -> dict[str, Any]:
    """A random conv2d ('conv'), depthwise ('dw') or linear ('linear') tile and its expected output;
    with the suffix '-div' (e.g. 'conv-div') 8-bit tiles requantised by rand_div_chain, with '-win'
    8-bit tiles requantised by rand_win_chain (the window end of requant_fast.h).
    ``wide_x`` (U16 / S16): that input type over its whole range, s8 weights, scratch given (the
    16-bit fast path of conv2d; with '-win' its window ends, as requant-window gives every
    one-group 16-bit conv)."""
    div_chain, win_chain = kind.endswith("-div"), kind.endswith("-win")
    kind = kind.removesuffix("-div").removesuffix("-win")
    first = kind == "first"  # a first layer: ci 1..3, K x K for K 3, 5, 7 (conv2d's blocks of 4 pixels)
    kind = "conv" if first else kind
    rng = np.random.default_rng(1000 + seed + (77777 if div_chain else 0) + (55555 if win_chain else 0)
                                + (0 if wide_x is None else 77000))
    if kind == "linear":
        kh = kw = sh = sw = dh = dw = 1
        groups, pads = 1, (0, 0, 0, 0)
        ci, co = int(rng.integers(1, 70)), int(rng.integers(1, 20))
        hi = wi = 1
    else:
        kh, kw = [(1, 1), (3, 3), (5, 5), (1, 3), (1, 5), (3, 1), (2, 3), (3, 3)][seed % 8]
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        dh = 2 if rng.random() < 0.2 and kh > 1 else 1
        dw = 2 if rng.random() < 0.2 and kw > 1 else 1
        pads = tuple(int(rng.integers(0, k)) if k > 1 else int(rng.random() < 0.15) for k in (kh, kw, kh, kw))
        groups = 2 if kind == "conv" and rng.random() < 0.2 else 1
        hi = max(int(rng.integers(1, 10)), dh * (kh - 1) + 1 - pads[0] - pads[2])
        wi = max(int(rng.integers(1, 10)), dw * (kw - 1) + 1 - pads[1] - pads[3])
        if rng.random() < 0.2:  # a 1-row output tile: split over channels
            hi = max(1, dh * (kh - 1) + 1 - pads[0] - pads[2])
        if kind == "dw":
            ci = co = int(rng.integers(1, 20))
        else:
            ci = groups * int(rng.integers(1, 14))
            co = groups * int(rng.integers(1, 10))
        if first:  # interior pixels, strides 1 and 2, any pads, co around the cores' blocks of 4
            kh = kw = (3, 5, 7)[seed % 3]
            sh = sw = 1 + (seed // 3) % 2
            dh = dw = 1
            groups = 1
            pads = tuple(int(rng.integers(0, kh)) for _ in range(4))
            hi, wi = int(rng.integers(kh, 18)), int(rng.integers(kh, 22))
            ci, co = 1 + (seed // 6) % 3, int(rng.integers(1, 41))
    ho = (hi + pads[0] + pads[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (wi + pads[1] + pads[3] - dw * (kw - 1) - 1) // sw + 1
    x_type = pick_type(rng, [U8, S8])
    w_type = pick_type(rng, [S8])
    y_type = pick_type(rng, [U8, S8, S32])
    bias_type = int(rng.choice([S32, S16, S8]))
    if wide_x is not None:
        x_type, w_type, groups = wide_x, S8, 1
        ci = int(rng.integers(1, 40))
    cw = 1 if kind == "dw" else ci // groups
    if wide_x is not None:
        lo, hi_v = RANGE[wide_x]
        x = rng.integers(lo, hi_v + 1, size=(hi, wi, ci), dtype=np.int64)
    else:
        x = rand_values(rng, x_type, (hi, wi, ci))
    w = rand_values(rng, w_type, (co, kh, kw, cw))
    bias = rand_values(rng, bias_type, (co,), small=True) if rng.random() < 0.7 else None
    chain = rand_chain(rng, co, y_type, s64_add=not div_chain)  # div cases: their own draws below
    if div_chain:  # the shapes above; 8-bit types, an s32 bias and a rand_div_chain
        x_type, w_type, y_type, bias_type = int(rng.choice([U8, S8])), S8, int(rng.choice([U8, S8])), S32
        x = rand_values(rng, x_type, (hi, wi, ci))
        w = rand_values(rng, w_type, (co, kh, kw, cw))
        bias = rng.integers(-(2**16), 2**16, co) if rng.random() < 0.7 else None
        chain = rand_div_chain(rng, co, y_type)
    if win_chain:  # the shapes above; 8-bit types (or wide_x), an s32 bias or none, a rand_win_chain
        w_type, y_type, bias_type = S8, int(rng.choice([U8, S8])), S32
        if wide_x is None:
            x_type = int(rng.choice([U8, S8]))
            x = rand_values(rng, x_type, (hi, wi, ci))
        w = rand_values(rng, w_type, (co, kh, kw, cw))
        bias = rng.integers(-(2**16), 2**16, co) if rng.random() < 0.5 else None
        chain = rand_win_chain(rng, co, y_type)
    elif len(chain) == 1 and rng.random() < 0.5:  # a window where one exists: read only where it applies
        win = stage_window(chain[0], co)
        if win is not None:
            chain[0]["win"] = win

    # input-channel tiles (partial sums) for ordinary convolutions and linear layers
    steps = [ci]
    use_acc = 0
    if kind != "dw" and groups == 1 and rng.random() < 0.4:
        use_acc = 1
        n = int(rng.integers(1, min(ci, 3) + 1))
        cuts = sorted(rng.choice(np.arange(1, ci), n - 1, replace=False).tolist()) if n > 1 else []
        bounds = [0] + cuts + [ci]
        steps = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]

    # expected output
    if kind == "linear":
        ops = [(x.reshape(1, ci), ET[x_type]), (w.reshape(co, ci), ET[w_type])]
        if bias is not None:
            ops.append((bias, ET[bias_type]))
        acc = run_qnn("qnn.linear", ops, ((1, co), SI32)).reshape(1, 1, co)
    else:
        g = ci if kind == "dw" else groups
        props = {"strides": i64_array([sh, sw]), "dilations": i64_array([dh, dw]), "pads": i64_array(list(pads)),
                 "groups": IntegerAttr(g)}
        ops = [(x[None], ET[x_type]), (w, ET[w_type])]
        if bias is not None:
            ops.append((bias, ET[bias_type]))
        acc = run_qnn("qnn.conv2d", ops, ((1, ho, wo, co), SI32), props)[0]
    want = finish(acc, chain, y_type)

    scratch_mode = ["exact", "none", "more"][int(rng.integers(0, 3))]
    if wide_x is not None:
        scratch_mode = "exact" if seed % 2 else "more"
    return dict(kind=kind, hi=hi, wi=wi, ci=ci, co=co, ho=ho, wo=wo, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh, dw=dw,
                pads=pads, groups=groups, x=x, x_type=x_type, w=w, w_type=w_type, bias=bias, bias_type=bias_type,
                y_type=y_type, chain=chain, steps=steps, use_acc=use_acc, scratch_mode=scratch_mode, want=want)


SCRATCH_MODES = {"none": 0, "exact": 1, "more": 2, "short": 3, "ample": 4}  # the driver sizes it by the kernel's own function


def fmt_conv(c: dict[str, Any], ncores: int) -> str:
    kind = {"conv": 0, "dw": 1, "linear": 2}[c["kind"]]
    head = [kind, ncores, c["hi"], c["wi"], c["co"], c["ho"], c["wo"], c["kh"], c["kw"], c["sh"], c["sw"], c["dh"],
            c["dw"], *c["pads"], c["groups"], c["y_type"], c["use_acc"], SCRATCH_MODES[c["scratch_mode"]], len(c["steps"])]
    parts = [" ".join(map(str, head)), fmt_chain(c["chain"]), fmt_array(c["bias_type"], c["bias"])]
    lo = 0
    for n in c["steps"]:
        xs = c["x"][..., lo : lo + n]
        ws = c["w"] if c["kind"] == "dw" else c["w"][..., lo : lo + n]
        parts += [str(n), fmt_array(c["x_type"], xs), fmt_array(c["w_type"], ws)]
        lo += n
    return " ".join(parts)


# -- pooling cases ----------------------------------------------------------------------------------


def pool_out(size: int, k: int, s: int, pb: int, pe: int, ceil_mode: bool) -> int:
    span = size + pb + pe - k
    n = (-((-span) // s) if ceil_mode and span >= 0 else span // s) + 1
    if ceil_mode and (n - 1) * s >= size + pb:
        n -= 1
    return n


def pool_reference(x: np.ndarray, x_type: int, kernel: tuple[int, int], strides: tuple[int, int],
                   pads: tuple[int, ...], ceil_mode: bool, is_avg: int, cip: int, trunc: int, div: int,
                   out_hw: tuple[int, int]) -> np.ndarray:
    """The untiled HWC result of qnn.avgpool (si64) or qnn.maxpool on ``x`` (HWC), from the
    reference interpreter."""
    props: dict[str, Attribute] = {"kernel": i64_array(list(kernel)), "strides": i64_array(list(strides)),
                                   "pads": i64_array(list(pads)), "ceil_mode": BoolAttr(ceil_mode)}
    shape = (1, out_hw[0], out_hw[1], int(x.shape[-1]))
    if not is_avg:
        return run_qnn("qnn.maxpool", [(x[None], ET[x_type])], (shape, ET[x_type]), props)[0]
    props["count_include_pad"] = BoolAttr(bool(cip))
    props["rounding"] = StringAttr(ROUNDINGS[trunc])
    if div:
        props["div"] = IntegerAttr(div)
    return run_qnn("qnn.avgpool", [(x[None], ET[x_type])], (shape, SI64), props)[0]


def pool_case(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(5000 + seed)
    while True:
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        if seed % 5 == 0:
            kh = 1
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        pads = (int(rng.integers(0, kh)), int(rng.integers(0, kw)), int(rng.integers(0, kh)), int(rng.integers(0, kw)))
        hi, wi, c = int(rng.integers(1, 10)), int(rng.integers(1, 10)), int(rng.integers(1, 11))
        ceil_mode = bool(rng.random() < 0.5) or seed % 4 == 1
        H = pool_out(hi, kh, sh, pads[0], pads[2], ceil_mode)
        W = pool_out(wi, kw, sw, pads[1], pads[3], ceil_mode)
        reach = (H - 1) * sh + kh > hi + pads[0] + pads[2] or (W - 1) * sw + kw > wi + pads[1] + pads[3]
        if H >= 1 and W >= 1 and (reach or seed % 4 != 1):
            break
    is_avg = int(rng.random() < 0.5 or seed % 4 == 1)
    cip = int(rng.random() < 0.5 or seed % 4 == 1)
    div = int(rng.integers(1, 12)) if rng.random() < 0.3 and seed % 4 != 1 else 0
    trunc = rounding_of(rng.random())
    x_type = pick_type(rng, [U8, S8], 0.6)
    x = rand_values(rng, x_type, (hi, wi, c))
    full = pool_reference(x, x_type, (kh, kw), (sh, sw), pads, ceil_mode, is_avg, cip, trunc, div, (H, W))
    # a tile of the output: rows lead_h .. lead_h + ho (the window of row r starts at (lead_h + r) * sh - pt)
    lead_h, lead_w = int(rng.integers(0, H)), int(rng.integers(0, W))
    ho, wo = int(rng.integers(1, H - lead_h + 1)), int(rng.integers(1, W - lead_w + 1))
    if rng.random() < 0.5 or seed % 4 == 1:
        ho, wo = H - lead_h, W - lead_w
    y_type = pick_type(rng, [U8, S8, S32], 0.7)
    chain = rand_chain(rng, c, y_type)
    if seed % 3 == 2:  # a NEMO-style stage (mode 3 of requant_fast.h)
        y_type = int(rng.choice([U8, S8]))
        chain = rand_div_chain(rng, c, y_type)
    if not chain:
        y_type = x_type if not is_avg or not div else S32
    want = finish(full[lead_h : lead_h + ho, lead_w : lead_w + wo], chain, y_type)
    # does a window of the tile reach past the padded input (ceil mode: those taps are not counted)?
    beyond = (lead_h + ho - 1) * sh + kh > hi + pads[0] + pads[2] or (lead_w + wo - 1) * sw + kw > wi + pads[1] + pads[3]
    return dict(beyond=beyond, hi=hi, wi=wi, c=c, ho=ho, wo=wo, kh=kh, kw=kw, sh=sh, sw=sw, pads=pads, lead_h=lead_h,
                lead_w=lead_w, is_avg=is_avg, cip=cip, div=div, trunc=trunc, x=x, x_type=x_type, y_type=y_type,
                chain=chain, want=want)


def fmt_pool(c: dict[str, Any], ncores: int) -> str:
    head = [3, ncores, c["hi"], c["wi"], c["c"], c["ho"], c["wo"], c["kh"], c["kw"], c["sh"], c["sw"], *c["pads"],
            c["lead_h"], c["lead_w"], c["is_avg"], c["cip"], c["div"], c["trunc"], c["y_type"]]
    return " ".join([" ".join(map(str, head)), fmt_chain(c["chain"]), fmt_array(c["x_type"], c["x"])])


# -- add cases --------------------------------------------------------------------------------------


def add_case(seed: int) -> dict[str, Any]:
    rng = np.random.default_rng(9000 + seed)
    rows, c = int(rng.integers(1, 8)), int(rng.integers(1, 14))
    a_type, b_type = pick_type(rng, [U8, S8], 0.7), pick_type(rng, [U8, S8], 0.7)
    y_type = pick_type(rng, [U8, S8, S32], 0.7)
    a, b = rand_values(rng, a_type, (rows, c)), rand_values(rng, b_type, (rows, c))
    rq_a, rq_b = rand_chain(rng, c, S32, 1), rand_chain(rng, c, S32, 1)
    rq = rand_chain(rng, c, y_type)
    va = ref_chain(wrap(a, S32), rq_a)  # a u32 input is read as si32, as dory_load does
    vb = ref_chain(wrap(b, S32), rq_b)
    s = run_qnn("qnn.add", [(va, SI32), (vb, SI32)], ((rows, c), SI32))
    want = finish(s, rq, y_type)
    return dict(rows=rows, c=c, a=a, a_type=a_type, b=b, b_type=b_type, y_type=y_type, rq_a=rq_a, rq_b=rq_b,
                rq=rq, want=want)


def _stage(mul: int, add: int = 0, shift: int = 0, lo: int = -(2**31), hi: int = 2**31 - 1, div: int = 0,
           trunc: int = 0) -> dict[str, Any]:
    return dict(mul=mul, add=add, shift=shift, div=div, trunc=trunc, min=lo, max=hi)


ADD_NET_KINDS = ("scaled", "two", "staged", "plain", "avg", "div")


def add_net_case(seed: int) -> dict[str, Any]:
    """An add with the scalar chains the exporters give (runtime/kernels/add.c's scalar-chain
    paths), by kind: "scaled" (NEMO / MobileNetV2: each input x * m, clipped to its exact range or
    ReLU-like, the sum shifted into 8 bits), "two" (TCN: a two-stage output chain), "staged"
    (QuantLab: each input (x * m + d) >> s clipped, the sum clipped), "plain" (no chains: u8 + u8
    into 16 or 32 bits), "avg" ((a + b) >> 1), "div" (a divisor that is not a power of two, or
    trunc: the planned-per-channel or generic paths). Odd element counts and channels; sometimes
    multipliers whose int32 math could overflow (the plan must refuse them)."""
    rng = np.random.default_rng(12000 + seed)
    kind = ADD_NET_KINDS[seed % len(ADD_NET_KINDS)]
    rows, c = int(rng.integers(1, 9)), int(rng.integers(1, 70))
    a_type, b_type = pick_type(rng, [U8, S8], 0.5), pick_type(rng, [U8, S8], 0.5)
    y_type = pick_type(rng, [U8, S8], 0.8)
    relu = rng.random() < 0.5

    def scaled(t: int) -> list[dict[str, Any]]:
        m = int(rng.integers(-8, 200)) if rng.random() < 0.9 else int(rng.integers(2**24, 2**26))
        lo, hi = sorted((max(RANGE[t][0] * m, -(2**31)), min(RANGE[t][1] * m, 2**31 - 1)))
        return [_stage(m, 0, 0, 0 if relu else lo, hi)]

    def staged(t: int) -> list[dict[str, Any]]:
        sh = int(rng.integers(10, 20))
        return [_stage(int(rng.integers(1, 2**sh)), int(rng.integers(0, 2**sh)), sh, 0, int(rng.integers(60, 140)))]

    rq_a: list[dict[str, Any]] = []
    rq_b: list[dict[str, Any]] = []
    rq: list[dict[str, Any]] = []
    out_lo, out_hi = max(RANGE[y_type][0], -(2**31)), min(RANGE[y_type][1], 2**31 - 1)
    if kind in ("scaled", "two", "div"):
        rq_a, rq_b = scaled(a_type), scaled(b_type)
        rq = [_stage(1, int(rng.integers(-64, 64)), int(rng.integers(0, 9)), out_lo, out_hi)]
        if kind == "two":
            rq = [_stage(1, 0, int(rng.integers(4, 8)), 0, int(rng.integers(200, 400))),
                  _stage(int(rng.integers(1, 40)), 0, int(rng.integers(2, 6)), out_lo, out_hi)]
        if kind == "div":
            rq[0]["div"] = int(rng.integers(3, 300)) | 1 if rng.random() < 0.7 else 64
            rq[0]["trunc"] = rounding_of(rng.random())
    elif kind == "staged":
        rq_a, rq_b = staged(a_type), staged(b_type)
        rq = [_stage(1, 0, 0, out_lo, out_hi)]
    elif kind == "plain":
        y_type = pick_type(rng, [U16, S16, S32], 0.8)
    else:  # avg
        rq = [_stage(1, 0, 1, out_lo, out_hi)]
    a, b = rand_values(rng, a_type, (rows, c)), rand_values(rng, b_type, (rows, c))
    va = ref_chain(wrap(a, S32), rq_a)
    vb = ref_chain(wrap(b, S32), rq_b)
    s = run_qnn("qnn.add", [(va, SI32), (vb, SI32)], ((rows, c), SI32))
    want = finish(s, rq, y_type)
    return dict(rows=rows, c=c, a=a, a_type=a_type, b=b, b_type=b_type, y_type=y_type, rq_a=rq_a, rq_b=rq_b,
                rq=rq, want=want, net_kind=kind)


def fmt_add(c: dict[str, Any], ncores: int) -> str:
    return " ".join([f"4 {ncores} {c['rows']} {c['c']} {c['y_type']}", fmt_chain(c["rq_a"]), fmt_chain(c["rq_b"]),
                     fmt_chain(c["rq"]), fmt_array(c["a_type"], c["a"]), fmt_array(c["b_type"], c["b"])])


# -- cases, builds, runs ----------------------------------------------------------------------------

WIDE_CONV = 40  # extra conv cases with 16-bit input
WIDE_CONV_WIN = 32  # extra conv-win cases with 16-bit input (conv_fast16's window ends)
COUNTS = {"first": 60, "first-win": 60, "conv": 200, "dw": 120, "linear": 60, "pool": 200, "add": 80, "add-net": 120, "conv-div": 60, "dw-div": 40,
          "linear-div": 30, "conv-win": 80, "dw-win": 30, "linear-win": 40}


@functools.lru_cache(maxsize=None)
def cases(kind: str) -> list[dict[str, Any]]:
    n = COUNTS[kind]
    if kind == "pool":
        return [pool_case(i) for i in range(n)]
    if kind == "add":
        return [add_case(i) for i in range(n)]
    if kind == "add-net":
        return [add_net_case(i) for i in range(n)]
    out = [conv_case(i, kind) for i in range(n)]
    if kind == "conv":  # the 16-bit input fast path, whole u16 / s16 ranges
        out += [conv_case(i, kind, U16 if i % 2 else S16) for i in range(WIDE_CONV)]
    if kind == "conv-win":  # the same with the window end (inline in its blocks)
        out += [conv_case(i, kind, U16 if i % 2 else S16) for i in range(WIDE_CONV_WIN)]
    return out


def fmt(kind: str, c: dict[str, Any], ncores: int) -> str:
    if kind == "pool":
        return fmt_pool(c, ncores)
    if kind.startswith("add"):
        return fmt_add(c, ncores)
    return fmt_conv(c, ncores)


@pytest.fixture(scope="module", params=sorted(BUILDS))
def driver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("kernels") / f"kernel_driver_{request.param}"
    cmd = [GCC, *BASE_FLAGS, *BUILDS[request.param], *map(str, SOURCES), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return out


def run_driver(driver: Path, text: str) -> list[tuple[int, np.ndarray]]:
    r = subprocess.run([str(driver)], input=text, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"driver failed ({r.returncode}):\n{r.stderr[-4000:]}"
    assert r.stderr == "", r.stderr[-4000:]
    out = []
    for line in r.stdout.splitlines():
        v = [int(t) for t in line.split()]
        assert v[1] == len(v) - 2
        out.append((v[0], np.array(v[2:], dtype=np.int64)))
    return out


def describe(kind: str, c: dict[str, Any]) -> str:
    skip = {"x", "w", "bias", "want", "a", "b"}
    return f"{kind}: " + ", ".join(f"{k}={v}" for k, v in c.items() if k not in skip)


@pytest.mark.parametrize("kind", sorted(COUNTS))
def test_kernel_matches_reference(driver: Path, kind: str) -> None:
    cs = cases(kind)
    jobs = [(c, n) for c in cs for n in NCORES]
    results = run_driver(driver, "\n".join(fmt(kind, c, n) for c, n in jobs) + "\n")
    assert len(results) == len(jobs)
    for (c, n), (ok, y) in zip(jobs, results):
        assert ok == 1, f"core shares not disjoint / not covering with ncores={n}: {describe(kind, c)}"
        want = c["want"].reshape(-1)
        if not np.array_equal(y, want):
            bad = np.flatnonzero(y != want)
            pytest.fail(f"ncores={n}: {bad.size} of {want.size} differ (first at {bad[0]}: got {y[bad[0]]}, "
                        f"want {want[bad[0]]}); {describe(kind, c)}")


def test_cases_exercise_the_paths() -> None:
    """The random cases cover what the brief lists (guards against a generator that drifted)."""
    conv = cases("conv")
    assert any(c["groups"] == 2 for c in conv)
    for kind in ("first", "first-win"):  # conv2d's blocks of 4 pixels: K <= 32, quads of 4 pixels, odd co
        first = cases(kind)
        assert {(c["kh"], c["ci"], c["sh"]) for c in first if c["kh"] * c["kw"] * c["ci"] <= 32} >= \
            {(3, 1, 1), (3, 2, 2), (3, 3, 1), (3, 3, 2), (5, 1, 1), (5, 1, 2)}
        assert any(c["ho"] * c["wo"] % 4 for c in first) and any(c["co"] % 2 for c in first)
        assert any(all(c["pads"]) for c in first) and any(c["kh"] == 7 for c in first)
    fw = cases("first-win")  # conv_px4's window instances with and without a bias (px4_win24nb_*, px4_windnb_*),
    # on rows of 2 quads or more (its batches of full interior quads)
    for has_div in (False, True):
        assert any(c["bias"] is None and (c["chain"][0]["div"] > 0) == has_div and c["wo"] >= 8 for c in fw)
        assert any(c["bias"] is not None and (c["chain"][0]["div"] > 0) == has_div for c in fw)
    assert any(c["dh"] == 2 or c["dw"] == 2 for c in conv)
    assert any(len(c["steps"]) > 1 for c in conv) and any(len(c["steps"]) > 1 for c in cases("linear"))
    assert any(c["ho"] == 1 for c in conv) and any(c["ho"] % 3 for c in conv)
    wide = [c for c in conv if c["x_type"] in (U16, S16) and c["w_type"] == S8 and c["kh"] * c["kw"] > 1
            and c["scratch_mode"] != "none" and c["groups"] == 1]
    assert any(c["x_type"] in (U16, S16) and c["w_type"] == S8 and c["kh"] * c["kw"] == 1 and any(c["pads"])
               for c in conv)  # the 16-bit 1x1 path, padding pixels included
    assert {c["x_type"] for c in wide} == {U16, S16} and any(c["dh"] == 2 or c["dw"] == 2 for c in wide)
    assert any(c["ci"] % 4 and c["co"] % 4 for c in wide) and any(c["kh"] == 1 and c["kw"] > 1 for c in wide)
    fast8 = [c for c in conv if c["x_type"] in (U8, S8) and c["w_type"] == S8 and c["groups"] == 1
             and c["scratch_mode"] != "none" and c["kh"] * c["kw"] > 1]
    assert any(c["dh"] == 2 or c["dw"] == 2 for c in fast8) and any(c["ho"] == 1 for c in fast8)
    assert any(c["sh"] == 2 for c in conv) and any(all(c["pads"]) for c in conv)
    assert {(c["kh"], c["kw"]) for c in conv} >= {(1, 1), (3, 3), (5, 5), (1, 3), (1, 5)}
    assert any(c["x_type"] == U8 and c["w_type"] == S8 and c["scratch_mode"] != "none" for c in conv)
    assert any(c["x_type"] == S8 and c["w_type"] == S8 for c in cases("dw"))
    assert any(c["kw"] > c["kh"] > 0 and c["ho"] > 3 and c["scratch_mode"] != "none" for c in cases("dw"))  # strip chunks
    assert any(len(c["chain"]) == 2 for c in conv)
    assert any(st["div"] > 0 for c in conv for st in c["chain"])
    assert any(not isinstance(st["mul"], int) for c in conv for st in c["chain"])
    s64 = [st["add"][1] for c in conv for st in c["chain"] if not isinstance(st["add"], int) and st["add"][0] == S64]
    assert any(max(map(abs, v)) < 2**31 for v in s64) and any(max(map(abs, v)) >= 2**31 for v in s64)
    pool = cases("pool")
    assert any(c["is_avg"] and c["cip"] for c in pool) and any(c["is_avg"] and c["div"] for c in pool)
    assert sum(1 for c in pool if c["is_avg"] and c["cip"] and not c["div"] and c["beyond"]) >= 5
    assert any(not c["is_avg"] and c["lead_h"] for c in pool) and any(c["trunc"] == 1 and c["is_avg"] for c in pool)
    assert any(c["trunc"] == 2 and c["is_avg"] and c["chain"] for c in pool)
    assert any(st["trunc"] == 2 for c in conv for st in c["chain"]) and any(st["trunc"] == 2 for c in cases("add") for st in c["rq"])
    assert any(c["rq_a"] and c["rq_b"] for c in cases("add"))
    nets = cases("add-net")
    assert {c["net_kind"] for c in nets} == set(ADD_NET_KINDS)
    assert {(c["a_type"], c["b_type"]) for c in nets} >= {(U8, U8), (U8, S8), (S8, U8), (S8, S8)}
    assert {U8, S8, U16, S16, S32} <= {c["y_type"] for c in nets} and any(c["rows"] * c["c"] % 4 for c in nets)
    for kind in ("conv-div", "dw-div", "linear-div"):
        div = cases(kind)
        assert all(len(c["chain"]) == 1 for c in div)
        assert sum(1 for c in div if c["chain"][0]["div"] & (c["chain"][0]["div"] - 1)) > len(div) // 2
        assert any(not isinstance(c["chain"][0]["add"], int) and c["chain"][0]["add"][0] == S64 for c in div)
        assert {c["chain"][0]["trunc"] for c in div} == {0, 1, 2}
        assert any(not isinstance(c["chain"][0]["mul"], int) for c in div)
        assert any(c["chain"][0]["div"] == 16777215 for c in div)
    assert any(c["chain"] and c["chain"][0]["div"] & (c["chain"][0]["div"] - 1) and c["chain"][0]["shift"] == 0
               for c in pool)
    assert any(len(c["chain"]) == 1 and "win" in c["chain"][0] for c in conv)
    wide_win = [c for c in cases("conv-win") if c["x_type"] in (U16, S16)]
    assert {c["x_type"] for c in wide_win} == {U16, S16}
    assert any(c["kh"] * c["kw"] == 1 and c["ci"] % 4 for c in wide_win)  # 1x1: the 4-way steps + tail
    assert any(c["kh"] * c["kw"] > 1 and c["co"] % 4 for c in wide_win)  # KxK: blocks + last channels
    assert any(c["bias"] is not None for c in wide_win) and any(c["chain"][0]["div"] & (c["chain"][0]["div"] - 1)
                                                               for c in wide_win)
    for kind, wide in (("conv-win", False), ("conv-win", True), ("dw-win", False), ("linear-win", False)):
        win = [c for c in cases(kind) if (c["x_type"] in (U16, S16)) == wide]
        sts = [c["chain"][0] for c in win]
        assert all(len(c["chain"]) == 1 and "win" in c["chain"][0] for c in win)
        assert any(st["div"] == 0 for st in sts) and any(st["div"] & (st["div"] - 1) for st in sts)
        assert any(not isinstance(st["add"], int) and st["add"][0] == S64 and max(map(abs, st["add"][1])) >= 2**31
                   for st in sts)
        assert any(not isinstance(st["mul"], int) and min(st["mul"][1]) < 0 for st in sts)
        # outputs inside the clip range and at both clip bounds: the window's inside and both ends
        # (16-bit sums, up to 2^16 times the 8-bit ones, leave the chains' windows more often)
        ys = np.concatenate([c["want"].reshape(-1) - c["chain"][0]["min"] for c in win])
        spans = np.concatenate([np.full(c["want"].size, c["chain"][0]["max"] - c["chain"][0]["min"]) for c in win])
        inner = ((ys > 0) & (ys < spans)).mean()
        assert (ys == 0).any() and (ys == spans).any() and inner > (0.05 if wide else 0.2)


RQF_DIV_CHECK = ROOT / "tests" / "c" / "rqf_div_check.c"


def test_rqf_division_by_multiplication(tmp_path: Path) -> None:
    """requant_fast.h's mode 3 (floor / trunc of t / d by a multiply and a shift) against C's
    division, by brute force: every t in [-T, T] for small bounds, the edges and random t for large
    ones, over small and NEMO-sized divisors; and the plan is found where NEMO's layers need it."""
    exe = tmp_path / "rqf_div_check"
    cmd = [GCC, *BASE_FLAGS, "-O2", f"-I{ROOT / 'runtime' / 'kernels'}", str(RQF_DIV_CHECK), "-o", str(exe)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "checked" in r.stdout, r.stdout


def _short_scratch_cases() -> list[tuple[str, dict[str, Any]]]:
    """Cases whose fast path needs scratch (8-bit, groups 1, dilation 1 (any for conv); depthwise not 3x3), given
    one byte too few."""
    out = []
    for kind, name in (("conv", "dory_conv2d"), ("dw", "dory_depthwise")):
        for c in cases(kind):
            if c["x_type"] in (U8, S8) and c["groups"] == 1 and c["dh"] == c["dw"] == 1 and c["kh"] * c["kw"] > 1 \
                    and (kind == "conv" or (c["kh"], c["kw"]) != (3, 3)):
                out.append((name, {**c, "scratch_mode": "short"}))
                break
    assert [n for n, _ in out] == ["dory_conv2d", "dory_depthwise"]
    return out


@pytest.mark.parametrize("case", [0, 1], ids=["conv2d", "depthwise"])
def test_short_scratch(driver: Path, case: int) -> None:
    """A kernel given less scratch than its dory_*_scratch_bytes: the generic path (same result)
    in the release build, an abort naming the kernel in the debug (DORY_DEBUG) build."""
    name, c = _short_scratch_cases()[case]
    kind = "conv" if name == "dory_conv2d" else "dw"
    text = fmt(kind, c, 3) + "\n"
    if driver.name.endswith("sanitize"):
        r = subprocess.run([str(driver)], input=text, capture_output=True, text=True, timeout=120)
        assert r.returncode != 0 and f"{name}: given " in r.stderr and "_scratch_bytes" in r.stderr, r.stderr[-2000:]
        return
    [(ok, y)] = run_driver(driver, text)
    assert ok == 1 and np.array_equal(y, c["want"].reshape(-1))


def dw_ring_case(seed: int, sh: int, x_type: int, shape: tuple[int, int, int, tuple[int, int, int, int]] | None = None
                 ) -> dict[str, Any]:
    """A 3x3 depthwise tile for the transposed-tile path (x 8-bit, one power-of-two floor stage
    into u8, scratch given) with many channels (a channel split on 8 cores) and a multiplier large
    enough that some sums take the int64 end and others the int32 one; ``shape`` (hi, wi, co,
    pads) instead of the default 9 x 7 x 40."""
    rng = np.random.default_rng(7000 + seed)
    hi, wi, co = 9, 7, 40
    pads = (1, 1, 1, 1) if seed % 2 == 0 else (0, 1, 1, 0)
    if shape is not None:
        hi, wi, co, pads = shape
    ho = (hi + pads[0] + pads[2] - 3) // sh + 1
    wo = (wi + pads[1] + pads[3] - 3) // sh + 1
    x = rand_values(rng, x_type, (hi, wi, co))
    w = rand_values(rng, S8, (co, 3, 3, 1))
    bias = rng.integers(-(2**16), 2**16, co).astype(np.int64)
    props = {"strides": i64_array([sh, sh]), "dilations": i64_array([1, 1]), "pads": i64_array(list(pads)),
             "groups": IntegerAttr(co)}
    acc = run_qnn("qnn.conv2d", [(x[None], ET[x_type]), (w, ET[S8]), (bias, ET[S32])], ((1, ho, wo, co), SI32),
                  props)[0]
    chain = [{"mul": (S32, rng.integers(2**8, 2**16, co).tolist()), "add": (S32, rng.integers(-(2**20), 2**20, co).tolist()),
              "shift": 24, "div": 0, "trunc": 0, "min": 0, "max": 255}]
    return dict(kind="dw", hi=hi, wi=wi, ci=co, co=co, ho=ho, wo=wo, kh=3, kw=3, sh=sh, sw=sh, dh=1, dw=1, pads=pads,
                groups=1, x=x, x_type=x_type, w=w, w_type=S8, bias=bias, bias_type=S32, y_type=U8, chain=chain,
                steps=[co], use_acc=0, scratch_mode="exact", want=finish(acc, chain, U8), acc=acc)


def dilated_1d_case(seed: int, ci: int, kw: int, dw: int, wi: int = 40, causal: bool = False,
                    sw: int = 1, win: bool = False, x_type: int | None = None,
                    vec_shift: bool = False) -> dict[str, Any]:
    """A 1-row conv tile with dilated taps and few input channels (TCN's 1x11 convs): the im2col
    word copies of conv2d.c for the interior pixels (ci 2..15), the byte copies for the others
    (padding, ci = 1 or >= 16); co not a multiple of 4 (conv_fast's tail block), scratch given.
    Padded on both sides (same length out), or on the left only (``causal``: TCN's); stride sw;
    ``win``: requantised by rand_win_chain (the window end), else rand_chain; ``vec_shift``: a
    window end of a shift with vector multipliers and adds (conv_1x1_tiny's / conv_1d_tiny's);
    ``x_type``: the input's type (else u8 or s8 at random)."""
    rng = np.random.default_rng(8000 + seed)
    co = int(rng.choice([3, 5, 11, 13]))
    pl = (kw - 1) * dw if causal else (kw - 1) * dw // 2
    pads = (0, pl, 0, (kw - 1) * dw - pl)
    wo = (wi - 1) // sw + 1  # the pads total (kw - 1) dw: the taps span it
    x_type = int(rng.choice([U8, S8])) if x_type is None else x_type
    x = rand_values(rng, x_type, (1, wi, ci))
    w = rand_values(rng, S8, (co, 1, kw, ci))
    bias = rng.integers(-(2**12), 2**12, co).astype(np.int64)
    props = {"strides": i64_array([1, sw]), "dilations": i64_array([1, dw]), "pads": i64_array(list(pads)),
             "groups": IntegerAttr(1)}
    acc = run_qnn("qnn.conv2d", [(x[None], ET[x_type]), (w, ET[S8]), (bias, ET[S32])], ((1, 1, wo, co), SI32),
                  props)[0]
    chain = rand_win_chain(rng, co, U8) if win or vec_shift else rand_chain(rng, co, U8)
    while vec_shift and (chain[0]["div"] or not isinstance(chain[0]["mul"], tuple)
                         or not isinstance(chain[0]["add"], tuple)):
        chain = rand_win_chain(rng, co, U8)
    return dict(kind="conv", hi=1, wi=wi, ci=ci, co=co, ho=1, wo=wo, kh=1, kw=kw, sh=1, sw=sw, dh=1, dw=dw, pads=pads,
                groups=1, x=x, x_type=x_type, w=w, w_type=S8, bias=bias, bias_type=S32, y_type=U8, chain=chain,
                steps=[ci], use_acc=0, scratch_mode="exact", want=finish(acc, chain, U8))


def test_dilated_1d_small_ci(driver: Path) -> None:
    """Dilated 1-D convs of 1..16 input channels on 1, 3 and 8 cores equal the reference (the im2col
    word copies spill into the next tap, never past the row: a 1-channel row would)."""
    seed = 0
    for ci in (1, 2, 3, 5, 11, 15, 16):
        for kw, dw in ((3, 2), (5, 3), (11, 2)):
            c = dilated_1d_case(seed, ci, kw, dw)
            seed += 1
            jobs = [fmt_conv(c, n) for n in NCORES]
            for n, (ok, y) in zip(NCORES, run_driver(driver, "\n".join(jobs) + "\n")):
                assert ok == 1 and np.array_equal(y, c["want"].reshape(-1)), f"ncores={n} ci={ci} kw={kw} dw={dw}"


def test_conv_1d_shared_pairs(driver: Path) -> None:
    """1-D convs of one output row at stride 1 (conv2d.c conv_fast's shared pairs: pixels q and
    q + dw from one buffer of kw + 1 taps, at the exact length K) on 1, 3 and 8 cores equal the
    reference: dilations 1, 2, 4, 8, rows whose last group of 2 dw pixels is ragged (pixels
    without a partner), causal and centred padding, 1..16 input channels (multiples of 4, and
    others with K = kw ci >= 8 and co <= 16: misaligned second pixels, K % 4 scalar steps), co
    not a multiple of 4; K < 8 and stride 2 (the per-pixel buffers) alongside."""
    seed = 100
    for dw in (1, 2, 4, 8):
        for ci, kw, wi, causal, sw in ((1, 3, 37, True, 1), (3, 2, 21, False, 1), (4, 5, 40, True, 1),
                                       (11, 11, 140, True, 1), (16, 3, 27, False, 1), (7, 4, 33, True, 2),
                                       (1, 11, 50, True, 1), (2, 11, 45, True, 1), (5, 4, 31, False, 1)):
            c = dilated_1d_case(seed, ci, kw, dw, wi=wi, causal=causal, sw=sw)
            seed += 1
            jobs = [fmt_conv(c, n) for n in NCORES]
            for n, (ok, y) in zip(NCORES, run_driver(driver, "\n".join(jobs) + "\n")):
                assert ok == 1 and np.array_equal(y, c["want"].reshape(-1)), \
                    f"ncores={n} ci={ci} kw={kw} dw={dw} wi={wi} causal={causal} sw={sw}"


def test_conv_1x1_tiny(driver: Path) -> None:
    """1x1 convs of 1..3 input channels, unpadded at stride 1 (conv2d.c conv_1x1_tiny: the cores
    split the pixels, one loop per output channel; TCN_T's 2 -> 11 downsample) on 1, 3 and 8 cores
    equal the reference: u8 / s8 input, random chains (window ends and the others), co not a
    multiple of 4, rows shorter than the cores; window ends of a shift and of a division, s32 and
    s64 adds, vector and scalar multipliers (most of the window ends the path's: a shift, vector
    multipliers and adds; 2 channels: its halfword dot product, u8 and s8)."""
    seed = 400
    for ci in (1, 2, 3):
        for wi, win in ((5, False), (37, False), (140, False), (5, True), (37, True), (140, True), (61, True)):
            c = dilated_1d_case(seed, ci, 1, 1, wi=wi, win=win, x_type=(U8, S8)[seed % 2], vec_shift=win and wi != 61)
            seed += 1
            jobs = [fmt_conv(c, n) for n in NCORES]
            for n, (ok, y) in zip(NCORES, run_driver(driver, "\n".join(jobs) + "\n")):
                assert ok == 1 and np.array_equal(y, c["want"].reshape(-1)), f"ncores={n} ci={ci} wi={wi}"


def test_conv_1d_tiny(driver: Path) -> None:
    """1-D convs of 1..2 input channels at stride and dilation 1 with K = kw ci 4..24 (conv2d.c
    conv_1d_tiny: the cores split the pixels, a chunk's input span copied with the padding's zeros,
    per output channel the weights as words in registers; TCN_T's first two convs) on 1, 3 and 8
    cores equal the reference: u8 and s8 input, causal and centred padding, rows shorter than the
    cores and rows of several chunks (600 / 1200 pixels on one core), 1..3 and 4..6 weight words
    (K 4..12, 13..24, not multiples of 4), window ends (the path) and other chains (conv_px4)."""
    seed = 500
    for ci, kw in ((1, 4), (1, 11), (1, 13), (1, 24), (2, 2), (2, 5), (2, 11), (2, 12)):
        for wi, causal, vec in ((5, True, True), (37, False, True), (140, True, True),
                                (140, True, False), (600 if ci == 2 else 1200, True, True)):
            c = dilated_1d_case(seed, ci, kw, 1, wi=wi, causal=causal, win=True, x_type=(U8, S8)[seed % 2],
                                vec_shift=vec)
            seed += 1
            jobs = [fmt_conv(c, n) for n in NCORES]
            for n, (ok, y) in zip(NCORES, run_driver(driver, "\n".join(jobs) + "\n")):
                assert ok == 1 and np.array_equal(y, c["want"].reshape(-1)), f"ncores={n} ci={ci} kw={kw} wi={wi}"


@pytest.mark.parametrize("sh", [1, 2])
def test_depthwise_ring(driver: Path, sh: int) -> None:
    """The 3x3 transposed tile on 1, 3 and 8 cores, u8 and s8 inputs, padded or not: equal to the
    reference, and the sums cross the int32 / int64 end boundary both ways."""
    for seed, x_type in ((0, U8), (1, S8), (2, S8), (3, U8)):
        c = dw_ring_case(seed, sh, x_type)
        st = c["chain"][0]
        t = np.abs(c["acc"].astype(np.int64)) * np.array(st["mul"][1]) + np.abs(np.array(st["add"][1]))
        assert (t > 2**31 - 1).any() and (t <= 2**31 - 1).any()  # both ends of the kernel are taken
        jobs = [fmt_conv(c, n) for n in NCORES]
        for n, (ok, y) in zip(NCORES, run_driver(driver, "\n".join(jobs) + "\n")):
            assert ok == 1 and np.array_equal(y, c["want"].reshape(-1)), f"ncores={n} seed={seed} sh={sh}"


def dw3_shapes(sh: int) -> list[tuple[int, int, int, tuple[int, int, int, int]]]:
    """Tile shapes of the 3x3 path: channels 1..9 (fewer than the cores, not multiples of 4), rows
    and columns 1 and odd, every padding of each side (0 or 1), the window always inside."""
    out = []
    for i, pads in enumerate(itertools.product((0, 1), repeat=4)):
        for hi, wi in ((1, 5), (5, 1), (3, 3), (7, 4), (4, 9)):
            if hi + pads[0] + pads[2] >= 3 and wi + pads[1] + pads[3] >= 3:
                out.append((hi, wi, 1 + (i + hi + wi + sh) % 9, pads))
    return out


@pytest.mark.parametrize("sh", [1, 2])
def test_depthwise_3x3_shapes(driver: Path, sh: int) -> None:
    """The 3x3 transposed tile on odd and 1-wide tiles, every padding, 1..9 channels, u8 and s8
    inputs, on 1, 3 and 8 cores: equal to the reference."""
    shapes = dw3_shapes(sh)
    assert {c for _, _, c, _ in shapes} == set(range(1, 10)) and len({p for *_, p in shapes}) == 16
    cases = [dw_ring_case(10 + i, sh, (U8, S8)[i % 2], shape) for i, shape in enumerate(shapes)]
    jobs = [fmt_conv(c, n) for c in cases for n in NCORES]
    got = run_driver(driver, "\n".join(jobs) + "\n")
    for j, (ok, y) in enumerate(got):
        c = cases[j // len(NCORES)]
        assert ok == 1 and np.array_equal(y, c["want"].reshape(-1)), f"{c['hi']}x{c['wi']}x{c['co']} {c['pads']} sh={sh}"


# The ends of the 3x3 ring's sums (runtime/kernels/depthwise.c): its inline int32 one (mode 1),
# clip-window ones (mode 2 shift, mode 3 divisor, s64 adds) and the generic one (trunc, wider
# outputs, a two-stage chain (the deepest calls, on the 1 KiB cluster stacks), a bias beyond the
# window's bound), and requant-window's window (the clamp end with its interval: a shift; the
# generic end: a divisor).
RING_ENDS = ("i32", "win2", "win3", "add64", "trunc", "wide", "bigbias", "chain2", "clamp", "window")


def dw_ring_end_case(seed: int, end: str) -> dict[str, Any]:
    """A 3x3 depthwise tile for the ring (x 8-bit, scratch given) whose requant takes the ring's
    end ``end`` (RING_ENDS); strides 1 to 3, pads on any border, channel counts not multiple of 4."""
    rng = np.random.default_rng(9000 + 17 * seed + RING_ENDS.index(end))
    sh = int(rng.integers(1, 4))
    sw = int(rng.integers(1, 4))
    hi, wi = int(rng.integers(4, 12)), int(rng.integers(4, 12))
    if end == "win2":  # >= 64 outputs per channel (a whole column set on one core): the interval end
        sh = sw = 1
        hi, wi = int(rng.integers(9, 14)), int(rng.integers(9, 14))
    co = int(rng.choice([5, 13, 37, 40]))
    if end == "clamp":  # mode 2 by the branchless clamp, few channels (the cores' channel x row grid)
        hi, wi = int(rng.integers(12, 20)), int(rng.integers(12, 20))
        co = int(rng.choice([2, 3, 4, 6]))
    pads = tuple(int(v) for v in rng.integers(0, 2, 4))
    x_type = int(rng.choice([U8, S8]))
    y_type = U8 if rng.random() < 0.5 else S8
    ho = (hi + pads[0] + pads[2] - 3) // sh + 1
    wo = (wi + pads[1] + pads[3] - 3) // sw + 1
    x = rand_values(rng, x_type, (hi, wi, co))
    w = rand_values(rng, S8, (co, 3, 3, 1))
    bias = rng.integers(-(2**16), 2**16, co).astype(np.int64)
    lo, hi_ = RANGE[y_type]
    st: dict[str, Any] = dict(mul=(S32, rng.integers(1, 2**8, co).tolist()),
                              add=(S32, rng.integers(-(2**20), 2**20, co).tolist()), shift=12, div=0, trunc=0,
                              min=lo, max=hi_)
    if end == "win2":  # the plan's bound beyond int32: mode 2
        st["mul"] = (S32, rng.integers(-(2**16), 2**16, co).tolist())
        st["shift"] = int(rng.integers(16, 30))
    elif end == "clamp":  # |mul| <= 2^shift, shift <= 24; adds that clip on both sides
        st["mul"] = (S32, (rng.integers(2**12, 2**14, co) * rng.choice([-1, 1], co)).tolist())
        st["shift"] = int(rng.integers(20, 25))
        st["add"] = (S32, rng.integers(-(2**30), 2**30, co).tolist())
    elif end in ("win3", "add64", "trunc"):
        st = rand_div_chain(rng, co, y_type)[0]
        st["trunc"] = int(end == "trunc")
        if end == "add64":
            st["add"] = (S64, rng.integers(-(2**40), 2**40, co).tolist())
            if seed % 2:  # with a shift (mode 2) instead of a divisor
                st["shift"], st["div"] = int(rng.integers(20, 31)), 0
    elif end == "wide":
        y_type = S32
        st["min"], st["max"] = -(2**31), 2**31 - 1
        st["shift"] = 2
    elif end == "bigbias":  # mode 2, some |bias| > 2^30: those channels take the generic end
        bias = rng.integers(-(2**31), 2**31, co).astype(np.int64)
        st["shift"] = 28
    if end == "window":  # the window the pass attaches (shifts and divisors), biases up to 2^30 (dw3_chan_win_)
        st = rand_win_chain(rng, co, y_type)[0]
        while seed % 3 != 2 and st["div"]:  # mostly a shift (DW3_WINDOW), else a divisor (the generic end)
            st = rand_win_chain(rng, co, y_type)[0]
        bias = rng.integers(-(2**10), 2**10, co).astype(np.int64)
        bias[rng.random(co) < 0.2] = rng.choice([2**30, -(2**30), 2**30 + 1])
    chain = [st]
    if end == "chain2":  # the generic chain (mode 0), stage by stage
        chain = [dict(mul=3, add=(S32, rng.integers(-(2**10), 2**10, co).tolist()), shift=2, div=0, trunc=1,
                      min=-(2**31), max=2**31 - 1), st]
    if rng.random() < 0.3 and end not in ("wide", "window"):  # a ReLU-like clip inside the output range
        st["min"], st["max"] = max(st["min"], 0), min(st["max"], 100)
    props = {"strides": i64_array([sh, sw]), "dilations": i64_array([1, 1]), "pads": i64_array(list(pads)),
             "groups": IntegerAttr(co)}
    acc = run_qnn("qnn.conv2d", [(x[None], ET[x_type]), (w, ET[S8]), (bias, ET[S32])], ((1, ho, wo, co), SI32),
                  props)[0]
    return dict(kind="dw", hi=hi, wi=wi, ci=co, co=co, ho=ho, wo=wo, kh=3, kw=3, sh=sh, sw=sw, dh=1, dw=1,
                pads=pads, groups=1, x=x, x_type=x_type, w=w, w_type=S8, bias=bias, bias_type=S32, y_type=y_type,
                chain=chain, steps=[co], use_acc=0, scratch_mode="exact", want=finish(acc, chain, y_type))


def dw_ring_end_cases(per_end: int) -> list[dict[str, Any]]:
    return [dw_ring_end_case(seed, end) for end in RING_ENDS for seed in range(per_end)]


def test_depthwise_ring_ends(driver: Path) -> None:
    """The 3x3 ring with every end it takes, on 1, 3 and 8 cores: equal to the reference."""
    cs = dw_ring_end_cases(6)
    jobs = [(c, n) for c in cs for n in NCORES]
    got = run_driver(driver, "\n".join(fmt_conv(c, n) for c, n in jobs) + "\n")
    for (c, n), (ok, y) in zip(jobs, got):
        assert ok == 1 and np.array_equal(y, c["want"].reshape(-1)), \
            f"ncores={n} sh={c['sh']} sw={c['sw']} co={c['co']} pads={c['pads']} chain={c['chain']}"
