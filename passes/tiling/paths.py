"""Which runtime path a layer's requantisation end and an add take, decided from the layer's
chain by the same rules as the C (a mirror of runtime/kernels/requant_fast.h ``dory_rqf_init_`` /
``dory_rqf_win_plan_`` / ``dory_rqf_plan_wide_`` / ``dory_rqf_block_``, runtime/kernels/
depthwise.c ``dw3_kind_`` / ``dw3_chan_`` and runtime/kernels/add.c ``dory_add``: ``add_scalar``'s
``add_plan``, then ``add_fast``), so the calibrated cost model (`passes.tiling.cost`) can charge each
path its own cost.

tests/test_paths.py compiles the C with a host harness (tests/c/paths_check.c) and checks this
mirror against the path the C really runs on the same random chains: change both together.

The C plans per kernel call over the channels of the call; this mirror plans over all channels of
the layer (the same mode unless one tile's channels have much smaller bounds than the layer's).

- `conv_end` (conv, depthwise other than the 3x3 ring, linear; ``dory_rqf_block_`` /
  ``dory_rqf_finish_``): ``win`` (requant-window's window end, mode 4), ``fast`` (mode 1: int32
  math, s32 vectors, floor, 8-bit output), ``wide`` (mode 2, an 8-bit output: int64
  ``t = s * mul + add`` and a shift), ``div`` (mode 3, an 8-bit output: int64 t and a division by
  multiplication), ``slow`` (everything else: mode 1 or 2 through the typed loads, or mode 0, the
  generic chain).
- `dw_ring_end` (the depthwise 3x3 ring's own ends): ``fast``, ``wide``, ``wide64``, ``div``,
  ``win``, ``slow`` (`dw_ring_end_of`).
- `add_path` (``dory_add``): ``sfused`` / ``sloop`` (add_scalar: the fused multiply-add with one
  output stage, or two with an 8-bit output, or its planned loop with ``n`` input stages), ``fused`` / ``loop`` (add_fast) or
  ``generic`` (the generic chains).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dory.dory_ir.attributes import ArrayAttr, DenseAttr, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.types import IntegerType, MemRefType, TensorType

INT32_MAX = 2**31 - 1
INT32_MIN = -(2**31)
UINT32_MAX = 2**32 - 1


@dataclass(frozen=True)
class Vec:
    """A per-channel requant vector as the emitter lowers it: its dtype (``u8`` .. ``s64``) and the
    largest magnitude of its values (None when the constant's data is not at hand)."""

    dtype: str
    absmax: int | None


@dataclass(frozen=True)
class Stage:
    """One requant stage as the runtime's ``dory_requant_t`` holds it: ``mul`` / ``add`` a
    per-channel `Vec` or a scalar."""

    mul: Vec | int
    add: Vec | int
    shift: int
    div: int
    trunc: bool
    min: int
    max: int
    win: bool = False  # the stage carries requant-window's input window (win_lo / win_hi)
    half_away: bool = False  # rounds half away from zero: only the generic end runs it


def _dtype(et: IntegerType) -> str:
    """The runtime dtype of a requant vector's elements (the emitter's ``param_dtype_of``)."""
    if et.width > 32:
        return "s64"
    bits = 8 if et.width <= 8 else 16 if et.width <= 16 else 32
    return f"{'u' if et.is_unsigned else 's'}{bits}"


def _value(v: object, default: int) -> Vec | int:
    if isinstance(v, DenseAttr):
        if v.type.num_elements == 1:
            return int(np.asarray(v.data).ravel()[0]) if not v.elided else default
        return Vec(_dtype(v.type.element_type), None if v.elided else int(np.abs(np.asarray(v.data, dtype=object)).max()))
    if isinstance(v, IntegerAttr):
        return int(v.value)
    return default


def chain_of(op: Operation, key: str) -> list[Stage]:
    """The requant chain ``key`` (``requant``, ``lhs_requant``, ``rhs_requant``) of a layer op as
    the emitter lowers it (the shared emitter's ``_stages``): no chain is an empty list."""
    a = op.properties.get(key)
    dicts = [a] if isinstance(a, DictAttr) else list(a.values) if isinstance(a, ArrayAttr) else []
    out = []
    for d in dicts:
        if not isinstance(d, DictAttr):
            continue
        e = dict(d.entries)
        r = e.get("rounding")

        def num(k: str, default: int) -> int:
            v = e.get(k)
            return int(v.value) if isinstance(v, IntegerAttr) else default

        out.append(Stage(_value(e.get("mul"), 1), _value(e.get("add"), 0), num("shift", 0), num("div", 0),
                         isinstance(r, StringAttr) and r.value == "trunc", num("min", INT32_MIN), num("max", INT32_MAX),
                         isinstance(e.get("win_lo"), DenseAttr) and isinstance(e.get("win_hi"), DenseAttr),
                         isinstance(r, StringAttr) and r.value == "half_away"))
    return out


def _absmax(v: Vec | int) -> int:
    """``dory_rqf_absmax_``: max |value| (a vector without data: its dtype's largest magnitude)."""
    if isinstance(v, int):
        return abs(v)
    if v.absmax is not None:
        return v.absmax
    bits = {"u8": 8, "s8": 7, "u16": 16, "s16": 15, "u32": 32, "s32": 31, "s64": 63}[v.dtype]
    return 1 << bits


def _vec_ok(v: Vec | int) -> bool:
    """``dory_rqf_vec_ok_``: a vector of at most 32 bits other than u32, or an int32 scalar."""
    if isinstance(v, Vec):
        return v.dtype not in ("u32", "s64")
    return INT32_MIN <= v <= INT32_MAX


def _pow2(d: int) -> bool:
    return d > 0 and d & (d - 1) == 0


def _div_plan(st: Stage) -> bool:
    """``dory_rqf_div_plan_`` succeeds: min <= max and U = (max - min + 1) d - 1 < 2^32 (an S with
    M < 2^33 then exists, by the proof in requant_fast.h)."""
    return st.min <= st.max and (st.max - st.min + 1) * st.div - 1 <= UINT32_MAX


@dataclass(frozen=True)
class Plan:
    """What ``dory_rqf_plan_wide_`` decides: the mode (0 generic, 1 int32, 2 int64, 3 int64 and a
    division by multiplication), ``fast`` (mode 1 with s32 vectors, floor, 8-bit output) and
    whether add is an s64 vector."""

    mode: int
    fast: bool = False
    add64: bool = False


def plan(chain: list[Stage], bound: int, y_bits: int, allow64: bool) -> Plan:
    """``dory_rqf_plan_wide_`` of ``chain`` for values ``|v| <= bound`` and a ``y_bits`` output."""
    if len(chain) != 1:
        return Plan(0)
    st = chain[0]
    if st.half_away:  # the planned ends round floor or trunc only
        return Plan(0)
    shift = st.div.bit_length() - 1 if _pow2(st.div) else st.shift
    if (st.div <= 0 or _pow2(st.div)) and not 0 <= shift <= 31:
        return Plan(0)
    if not _vec_ok(st.mul):
        return Plan(0)
    add64 = allow64 and isinstance(st.add, Vec) and st.add.dtype == "s64"
    if not add64 and not _vec_ok(st.add):
        return Plan(0)
    if st.div > 0 and not _pow2(st.div):
        return Plan(3 if _div_plan(st) else 0, add64=add64)
    m = _absmax(st.mul)
    d = 2**63 - 1 if add64 else _absmax(st.add)
    mode = 1 if 0 <= bound <= INT32_MAX and (m == 0 or bound <= (INT32_MAX - d) // m) and d <= INT32_MAX else 2
    s32 = lambda v: not isinstance(v, Vec) or v.dtype == "s32"  # noqa: E731
    fast = mode == 1 and not st.trunc and y_bits <= 8 and s32(st.mul) and s32(st.add)
    return Plan(mode, fast, add64)


def _elem_bits(v: Value) -> tuple[int, bool]:
    """(bits, signed) of an activation's elements (sub-byte types take a byte)."""
    t = v.type
    et = t.element_type if isinstance(t, (TensorType, MemRefType)) else t
    assert isinstance(et, IntegerType), f"expected integer elements, found {et}"
    return (8 if et.width <= 8 else 16 if et.width <= 16 else 32), not et.is_unsigned


def _bias(op: Operation) -> Vec | None:
    """The bias (operand 2 of a conv / linear) as a `Vec`, None without one."""
    if len(op.operands) < 3:
        return None
    b = op.operands[2]
    src = getattr(b, "op", None)
    attr = src.properties.get("value") if src is not None else None
    t = b.type
    et = t.element_type if isinstance(t, (TensorType, MemRefType)) else t
    assert isinstance(et, IntegerType)
    if isinstance(attr, DenseAttr) and not attr.elided:
        return Vec(_dtype(et), int(np.abs(np.asarray(attr.data, dtype=object)).max(initial=0)))
    return Vec(_dtype(et), None)


def _win_plan(chain: list[Stage], bias: Vec | None, y_bits: int) -> bool:
    """``dory_rqf_win_plan_`` plans the window end: one stage with a window, an 8-bit output, bias
    and mul s32 (or none / a scalar), add s32 or s64 (or a scalar), a shift in 0..31 or a divisor
    (a non-power of two one with mode 3's constants)."""
    if len(chain) != 1 or not chain[0].win or y_bits > 8 or (bias is not None and bias.dtype != "s32"):
        return False
    if chain[0].trunc or chain[0].half_away:  # a floor's window only (the compiler gives no other)
        return False
    st = chain[0]
    return ((not isinstance(st.mul, Vec) or st.mul.dtype == "s32")
            and (not isinstance(st.add, Vec) or st.add.dtype in ("s32", "s64"))
            and (st.div > 0 or 0 <= st.shift <= 31)
            and (st.div <= 0 or _pow2(st.div) or _div_plan(st)))  # never fails for a real window


def _end_bound(chain: list[Stage], k: int, x_signed: bool, x_bits: int, bias: Vec | None) -> int:
    """``dory_rqf_init_``'s bound on the sums: ``k`` products of ``x_bits`` inputs (8, or 16 for
    the generic 16-bit conv: the bound of 257 k u8 / 256 k s8 products) and s8 weights, plus the
    bias unless the chain divides by a non-power of two."""
    if x_bits > 8:
        k *= 256 if x_signed else 257
    bound = k * (128 if x_signed else 255) * 128
    if bias is not None and not (len(chain) == 1 and chain[0].div > 0 and not _pow2(chain[0].div)):
        bound += _absmax(bias)
    return bound


def conv_end_of(chain: list[Stage], k: int, x_signed: bool, x_bits: int, bias: Vec | None, y_bits: int) -> str:
    """`conv_end` from the parts: ``k`` products per output of ``x_bits`` inputs and s8 weights.
    ``win``: requant-window's window end (``dory_rqf_block_win_``: a clamp, a 32-bit multiply-add
    and a shift or a multiply-high per output), planned before any other."""
    if _win_plan(chain, bias, y_bits):
        return "win"
    p = plan(chain, _end_bound(chain, k, x_signed, x_bits, bias), y_bits, True)
    if p.mode == 0:
        return "slow"
    if p.fast and (bias is None or bias.dtype == "s32"):
        return "fast"
    if p.mode >= 2 and y_bits <= 8:  # dory_rqf_block_wfast_ / _wide_: a shift (mode 2) or a division (3)
        return "div" if p.mode == 3 else "wide"
    return "slow"


DW3_WIN2_MIN_OUTS = 16
"""runtime/kernels/depthwise.c ``dw_3x3_ring``: a mode-2 end with fewer outputs per channel on a
core than this takes the int64 end per sum (``wide64``) instead of the window interval."""


def dw_ring_end_of(chain: list[Stage], x_signed: bool, bias: Vec | None, y_bits: int, outs: int | None = None) -> str:
    """The end the depthwise 3x3 ring (runtime/kernels/depthwise.c ``dw3_kind_`` / ``dw3_chan_``)
    takes for 8-bit inputs: ``fast`` (DW3_I32: mode 1 in int32), ``wide`` (DW3_WIN2: mode 2 by the
    window interval of the sums), ``wide64`` (DW3_WIN2L: mode 2 in int64 per sum, when the window
    is 2^32 wide or more, or with fewer than `DW3_WIN2_MIN_OUTS` outputs ``outs`` per channel on
    the core: None leaves that to the tile), ``div`` (DW3_WIN3: mode 3), ``win`` (the window end:
    DW3_WINDOW, the clamp end with requant-window's interval, no per-channel division, for a shift
    up to 24, the only windows passes/requant_window.py gives a depthwise; else the generic end
    per sum) or ``slow`` (the generic end per sum: mode 0, trunc, outputs
    wider than 8 bits, an s64 add in mode 1, a bias beyond 2^30 or an add beyond 2^61)."""
    if _win_plan(chain, bias, y_bits):
        return "win"
    p = plan(chain, _end_bound(chain, 9, x_signed, 8, bias), y_bits, True)
    if p.mode == 0:
        return "slow"
    st = chain[0]
    if st.trunc or y_bits > 8 or st.min > st.max:
        return "slow"
    if p.mode == 1:
        return "slow" if p.add64 else "fast"
    b = 0 if bias is None else _absmax(bias)
    if b > 2**30 or _absmax(st.add) > 2**61:  # dw3_chan_: the channel takes the generic end
        return "slow"
    if p.mode == 3:
        return "div"
    shift = st.div.bit_length() - 1 if _pow2(st.div) else st.shift
    if ((st.max - st.min + 1) << shift) - 1 > UINT32_MAX or (outs is not None and outs < DW3_WIN2_MIN_OUTS):
        return "wide64"
    return "wide"


def conv_end(op: Operation, k: int) -> str:
    """The end a conv / depthwise / linear op's outputs take when input channels are whole
    (``dory_rqf_init_`` then ``dory_rqf_block_``), ``k`` products per output."""
    x_bits, xs = _elem_bits(op.operands[0])
    return conv_end_of(chain_of(op, "requant"), k, xs, x_bits, _bias(op), _elem_bits(op.results[0])[0])


def dw_ring_end(op: Operation, kh: int, kw: int, dilated: bool) -> str | None:
    """`dw_ring_end_of` for a depthwise op the 3x3 ring runs (runtime/kernels/depthwise.c
    ``dory_depthwise_l1``: 8-bit input, s8 weights, 3x3, no dilation; its outputs per core are the
    tile's: `DW3_WIN2_MIN_OUTS` is applied per tile by the cost model), else None."""
    x_bits, xs = _elem_bits(op.operands[0])
    w_bits, ws = _elem_bits(op.operands[1])
    if x_bits != 8 or w_bits != 8 or not ws or (kh, kw) != (3, 3) or dilated:
        return None
    return dw_ring_end_of(chain_of(op, "requant"), xs, _bias(op), _elem_bits(op.results[0])[0])


def pool_end(op: Operation, taps: int) -> str:
    """The end of a ``dory.pool`` (runtime/kernels/pool.c: ``p.end``): ``fast`` without a chain or
    with one ``dory_rqf_plan_`` plans (any non-zero mode), else ``slow`` (the generic chain)."""
    bits, xs = _elem_bits(op.operands[0])
    chain = chain_of(op, "requant")
    if bits != 8:  # pool_fast takes 8-bit inputs only
        return "slow"
    if getattr(op, "kind", None) == "avg" and getattr(op, "rounding", "floor") == "half_away":
        return "slow"  # pool_fast_ok: its divisions round floor or trunc
    if not chain:
        return "fast"
    bound = (taps if getattr(op, "kind", None) == "avg" else 1) * (128 if xs else 255)
    return "fast" if plan(chain, bound, _elem_bits(op.results[0])[0], False).mode else "slow"


def _linear_in(st: Stage, x: int) -> bool:
    """``add_linear_in``: x * m + d with scalars, no shift and a clip that never applies."""
    if not isinstance(st.mul, int) or not isinstance(st.add, int) or st.shift != 0:
        return False
    b = x * abs(st.mul) + abs(st.add)
    return -b >= st.min and b <= st.max


def _scalar_stage(st: Stage, lo: int, hi: int) -> tuple[int, int, bool] | None:
    """``add_st_plan``: stage ``st`` over inputs in ``[lo, hi]``, planned when it is a scalar floor
    stage with a power-of-two divisor (or none), min <= max, and x * m + d stays inside int32 for
    every such x; then (its outputs' range, whether it is x * m + d exactly). None otherwise."""
    if isinstance(st.mul, Vec) or isinstance(st.add, Vec) or st.trunc or st.half_away or st.min > st.max:
        return None
    if st.div > 0 and not _pow2(st.div):
        return None
    sh = st.div.bit_length() - 1 if st.div > 0 else st.shift
    m, d = st.mul, st.add
    if not 0 <= sh <= 31 or not INT32_MIN <= m <= INT32_MAX or not INT32_MIN <= d <= INT32_MAX:
        return None
    tl, th = sorted((lo * m + d, hi * m + d))
    if tl < INT32_MIN or th > INT32_MAX:
        return None
    lin = sh == 0 and tl >= st.min and th <= st.max
    tl, th = tl >> sh, th >> sh
    return min(max(tl, st.min), st.max), min(max(th, st.min), st.max), lin


def _scalar_plan(a: tuple[int, bool], b: tuple[int, bool], y_bits: int, rq_a: list[Stage], rq_b: list[Stage],
                 rq: list[Stage]) -> tuple[bool, int] | None:
    """``add_plan`` (add_scalar's plan): None when it does not apply, else (fused, output stages)."""
    if a[0] != 8 or b[0] != 8 or y_bits > 16:
        return None
    total = [0, 0]
    lins = []
    for (_, signed), ch in ((a, rq_a), (b, rq_b)):
        lo, hi = (-128, 127) if signed else (0, 255)
        if not ch:
            lins.append(True)
        else:
            r = _scalar_stage(ch[0], lo, hi) if len(ch) == 1 else None
            if r is None:
                return None
            lo, hi, lin = r
            lins.append(lin)
        total[0] += lo
        total[1] += hi
    lo, hi = total
    if lo < INT32_MIN or hi > INT32_MAX:
        return None
    if len(rq) > 2:
        return None
    for st in rq:
        r = _scalar_stage(st, lo, hi)
        if r is None:
            return None
        lo, hi, _ = r
    return all(lins), max(len(rq), 1)


def add_path_of(a: tuple[int, bool], b: tuple[int, bool], y_bits: int, rq_a: list[Stage], rq_b: list[Stage],
                rq: list[Stage]) -> tuple[str, int]:
    """`add_path` from the operands' (bits, signed), the output's bits and the three chains: first
    ``add_scalar`` (``sfused``: the fused multiply-add with one output stage, 8- or 16-bit output,
    or two output stages and an 8-bit output; ``sloop``: its planned loop, staged inputs or two
    output stages into 16 bits, with the input stages it
    applies per element: 0 when they fold into the first output stage), then ``add_fast`` (``fused`` / ``loop``), else ``generic``."""
    sp = _scalar_plan(a, b, y_bits, rq_a, rq_b, rq)
    if sp is not None:
        fused, nst = sp
        if fused:  # the input stages folded into the first output stage
            return ("sfused", 0) if nst == 1 or y_bits == 8 else ("sloop", 0)
        return "sloop", len([c for c in (rq_a, rq_b) if c])
    if a[0] != 8 or b[0] != 8:
        return "generic", 0
    ranges = []
    planned = []
    for (_, signed), ch in ((a, rq_a), (b, rq_b)):
        x = 128 if signed else 255
        lo, hi = (-128, 127) if signed else (0, 255)
        if ch:
            p = plan(ch, x, 32, False)
            if p.mode != 1:
                return "generic", 0
            st = ch[0]
            bnd = x * _absmax(st.mul) + _absmax(st.add)
            shift = st.div.bit_length() - 1 if _pow2(st.div) else st.shift
            lo = min(max(-bnd >> shift, st.min), st.max)
            hi = min(max(bnd >> shift, st.min), st.max)
            planned.append((st, x))
        ranges.append((lo, hi))
    (la, ha), (lb, hb) = ranges
    if la + lb < INT32_MIN or ha + hb > INT32_MAX:
        return "generic", 0
    s = max(-(la + lb), ha + hb, 0)
    if rq:
        p = plan(rq, s, y_bits, False)
        if p.mode != 1:
            return "generic", 0
        st = rq[0]
        if (p.fast and isinstance(st.mul, int) and isinstance(st.add, int) and st.min <= st.max
                and all(_linear_in(s_, x) for s_, x in planned)):
            return "fused", 0
    return "loop", len(planned)


def add_path(op: Operation) -> tuple[str, int]:
    """The path of a ``dory.add`` (runtime/kernels/add.c ``dory_add``: ``add_scalar``, then
    ``add_fast``): ``sfused``, ``sloop``, ``fused``, ``loop`` or ``generic``, and the number of
    input stages the loop (``sloop`` / ``loop``) applies."""
    return add_path_of(_elem_bits(op.operands[0]), _elem_bits(op.operands[1]), _elem_bits(op.results[0])[0],
                       chain_of(op, "lhs_requant"), chain_of(op, "rhs_requant"), chain_of(op, "requant"))
