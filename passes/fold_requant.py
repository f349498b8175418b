"""``fold-requant``: merge chains of integer affine ops into single exact ``qnn.requant`` ops.

The model
---------
``qnn.requant`` and ``qnn.clip`` are both *affine clips*: for channel ``c`` (the last axis),

    y = clip(round((x*m[c] + a[c]) / d), lo, hi)

with one positive divisor ``d``, one rounding (``floor`` or ``trunc``) and scalar bounds; a clip
is ``m = 1, a = 0, d = 1`` (`AffineClip`). Neither op wraps (docs/qnn.md): the result element
type only has to hold ``[lo, hi]``, so it never changes the value computed. Below, ``raw(x)``
is the value before the clip and ``round`` is the op's rounding.

Every rewrite must be exact for every input the op can see, so each one is checked against a
sound per-channel interval of its input (`RangeAnalysis`): the element type's range, tightened
through requant/clip images, conv/linear accumulators (constant weights, the input interval with
0 added when there is zero padding, the bias) when they provably do not wrap, pools, pads, adds.
All arithmetic is on Python ints (no overflow); the per-channel maps are monotone, so the image
of an interval is the interval of its endpoints' images, which makes the analysis give the same
answer before and after every rewrite here (that is what makes the pass idempotent).

Rewrites and why each is exact
------------------------------
1. Normalisation (`normalize`), applied to every requant/clip:
   - ``trunc`` becomes ``floor`` when the numerator is never negative (they agree on
     non-negative quotients), or when ``lo >= 0``: for a negative quotient ``q``,
     ``floor(q) <= trunc(q) <= 0 <= lo``, so both clip to ``lo``.
   - ``floor``: with ``g = gcd(m[*], d)``, ``floor((x*m + a) / d) == floor((x*m/g + floor(a/g))
     / (d/g))``, because ``floor(N / (g*e)) == floor(floor(N/g) / e)`` and
     ``floor((x*m + a) / g) == x*m/g + floor(a/g)`` when ``g | m``. This divides out the common
     factor and, when ``d | m``, leaves ``d = 1`` (a plain multiply-add).
     ``trunc``: the rational ``(x*m + a) / d`` itself is unchanged by dividing ``m``, ``a`` and
     ``d`` by ``gcd(m[*], a[*], d)``.
   - ``d = 1`` needs no rounding (the property is dropped); a zero ``add`` is dropped; a
     per-channel vector with equal entries becomes a scalar; ``shift`` when ``d`` is a power of
     two, else ``div``; per-channel vectors get the narrowest of si8/si16/si32/si64.
   - ``m = 1, a = 0, d = 1`` is only a clip: it becomes ``qnn.clip``; if its bounds also cover
     the input interval and the types are equal it is the identity and is replaced by its input.
     (A multiply-add with ``d = 1`` whose bounds cover the range stays: it changes values.)
2. Composition (`compose`) of ``g(f(x))``, ``f`` and ``g`` affine clips, ``f``'s result used
   only by ``g``. First the rounding, ignoring ``f``'s clip (``F``, ``G`` are the raw parts):
   - ``f`` has ``d1 = 1``: ``F(x) = x*m1 + a1`` exactly, so ``G(F(x))`` is the affine clip with
     ``m = m1*m2, a = a1*m2 + a2, d = d2`` and ``g``'s rounding.
   - ``d1 > 1``, both ``floor`` (or ``d2 = 1``) and ``m2[c]`` in ``{0, 1}``:
     ``floor((floor(A/d1) + a2) / d2) == floor(floor((A + a2*d1)/d1) / d2)
     == floor((A + a2*d1) / (d1*d2))`` (integer shifts commute with floor; nested floors of
     positive integer divisors compose). ``m2 = 0`` channels are the constant ``floor(a2/d2)``.
   - ``d1 > 1``, both ``trunc`` (or ``d2 = 1``), ``a2 = 0`` and ``m2[c]`` in ``{0, 1}``:
     ``trunc(trunc(A/d1) / d2) == trunc(A / (d1*d2))`` (trunc is sign times floor of the
     magnitude). With ``a2 != 0`` the sign of the intermediate may flip: ``trunc(-1/2) + 1 = 1``
     but ``trunc((-1 + 2)/2) = 0``.
   Then ``f``'s clip: ``g`` is monotone in its input per channel (non-decreasing for
   ``m2 >= 0``), and a monotone non-decreasing ``g`` satisfies
   ``g(clip(v, lo1, hi1)) == clip(g(v), g(lo1), g(hi1))`` (check ``v < lo1``, ``v > hi1`` and
   the middle separately); ``g(lo1)``, ``g(hi1)`` lie in ``[lo2, hi2]``, so the composite's
   bounds are ``[g(lo1), g(hi1)]`` (swapped for ``m2 < 0``), where a side of ``f``'s clip that
   cannot bind on the input interval keeps ``g``'s own bound. This is exact even when the clip
   in between binds; it is only impossible when those bounds differ between channels
   (per-channel ``m2``/``a2``), since requant bounds are scalars.
   The composite must keep ``|x|*|m| + |a|`` within int64 for every input (the interpreter's
   and the C kernels' limit); otherwise the pair stays.
3. Offsets into the accumulator (`FoldAccumulatorOffset`), for ``requant(conv(x, w, b?))`` or
   ``linear`` whose result has no other user, constant ``w`` and constant (or no) ``b``:
   ``(acc + b)*m + a == (acc + b + k)*m`` when ``a = k*m`` per channel, so ``k`` moves into the
   bias (``si32``) and ``add`` goes; conversely, when ``a`` is not a multiple of ``m``, the bias
   moves into the offset (``a' = a + m*b``, fitting si32) and the bias constant goes. Both leave
   the numerator of every output unchanged, whatever the rounding, provided neither the old
   nor the new accumulator wraps to the conv's result type (the interpreter and the hardware
   wrap): per output channel the sum lies in ``[sum(min(w,0))*xhi + sum(max(w,0))*xlo,
   sum(max(w,0))*xhi + sum(min(w,0))*xlo] + b`` (``x``'s interval includes 0 under zero
   padding), and both intervals must fit. A bias is created only from a per-channel offset
   (turning a scalar offset into a vector would add parameters); the reverse direction only
   applies when there is a nonzero offset left (otherwise nothing is saved).

Deliberately not folded
-----------------------
- A rounding requant (``d1 > 1``) followed by a multiply ``m2`` outside ``{0, 1}``:
  ``2*floor(1/2) = 0`` but ``floor(2/2) = 1``.
- ``floor`` then ``trunc`` (or the reverse) when normalisation could not prove the trunc is a
  floor: with ``A = -1`` and ``A = -3`` over ``d1 = d2 = 2`` no single rounding of ``A/4``
  gives both ``trunc(floor(-1/2)/2) = 0`` and ``trunc(floor(-3/2)/2) = -1``.
- A clip in between whose image under the second op would need per-channel bounds.
- An intermediate with other users (both ops would stay alive: nothing is saved).
- Anything across ops that wrap or mix values (``qnn.add``, pools, pads, reshapes), and the
  offset fold when the accumulator has other users, a non-constant or elided weight/bias, a
  possible wrap before or after, or a bias value outside si32.

Dead constants: the old bias constant that an offset fold replaces is erased when it has no
other user; the pass erases nothing else, so other dead constants are left to ``canonicalize``.

Rewrites run greedily (`PatternRewriteWalker`: merge, then normalise, then the offset fold) to a
fixpoint; the walk order is the IR's, so the result is deterministic, and a second run changes
nothing (the pass fails with a located error if no fixpoint is reached).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Iterable, Sequence

import numpy as np

from dory_ir.attributes import Attribute, DenseArrayAttr, DenseAttr, IntegerAttr, StringAttr
from dory_ir.core import Operation, OpResult, Value, create_op
from dory_ir.types import IntegerType, TensorType, i64, si8, si16, si32, si64
from passes.base import ModulePass, PassContext, PassFailed
from passes.rewrite import PatternRewriter, PatternRewriteWalker, RewritePattern

FLOOR = "floor"
TRUNC = "trunc"
INT64_MAX = (1 << 63) - 1

Vec = tuple[int, ...]
"""One value per channel, or a single value that holds for every channel."""

# The ops an affine clip can be read from.
AFFINE_OPS = ("qnn.requant", "qnn.clip")
# Ops whose result is a per-channel dot product plus an optional bias (offset folding).
ACCUMULATORS = ("qnn.conv2d", "qnn.linear")
# Per-channel vectors get the narrowest of these (the order matters).
DENSE_TYPES: tuple[IntegerType, ...] = (si8, si16, si32, si64)


# ---------------------------------------------------------------------------------------------
# Per-channel integer helpers


def _bc(v: Vec, n: int) -> Vec:
    """``v`` as ``n`` values (a single value is repeated)."""
    return v * n if len(v) == 1 else v


def _squeeze(v: Vec) -> Vec:
    """A vector whose entries are all equal as that one value."""
    return v[:1] if len(v) > 1 and all(x == v[0] for x in v) else v


def _channels(*vs: Vec) -> int:
    return max(len(v) for v in vs)


def round_div(n: int, d: int, rounding: str) -> int:
    """``n / d`` for ``d > 0``, rounded towards minus infinity (floor) or zero (trunc)."""
    q = n // d
    if rounding == TRUNC and q < 0 and q * d != n:
        q += 1
    return q


def _clip(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else hi if v > hi else v


def _is_pow2(d: int) -> bool:
    return d > 0 and d & (d - 1) == 0


def _gcd(values: Iterable[int]) -> int:
    g = 0
    for v in values:
        g = math.gcd(g, v)
    return g


def narrowest_dense_type(values: Sequence[int]) -> IntegerType | None:
    """The first of si8/si16/si32/si64 holding every value (None if even si64 does not)."""
    lo, hi = min(values), max(values)
    for t in DENSE_TYPES:
        if t.min_value <= lo and hi <= t.max_value:
            return t
    return None


# ---------------------------------------------------------------------------------------------
# Value ranges


@dataclass(frozen=True)
class Range:
    """A sound interval ``[lo[c], hi[c]]`` per channel (the last axis) of an integer tensor,
    or one interval for all channels (vectors of length 1)."""

    lo: Vec
    hi: Vec

    @staticmethod
    def of_type(t: IntegerType) -> "Range":
        """Every value of ``t``."""
        return Range((t.min_value,), (t.max_value,))

    @property
    def channels(self) -> int:
        """1 for a per-tensor interval, else the channel count."""
        return len(self.lo)

    def union(self) -> "Range":
        """One interval covering every channel."""
        return Range((min(self.lo),), (max(self.hi),))

    def fit(self, n: int) -> "Range":
        """The interval usable for ``n`` channels: itself, or its union when the channel counts
        disagree (never the case for verified IR, but cheap to be safe about)."""
        return self if self.channels in (1, n) else self.union()

    def including(self, v: int) -> "Range":
        """The interval also holding ``v`` (padding values, zero padding)."""
        return Range(tuple(min(lo, v) for lo in self.lo), tuple(max(hi, v) for hi in self.hi))

    def max_abs(self) -> int:
        """The largest magnitude of any value."""
        return max(max(abs(v) for v in self.lo), max(abs(v) for v in self.hi))

    def within(self, lo: int, hi: int) -> bool:
        """Whether every value lies in ``[lo, hi]``."""
        return min(self.lo) >= lo and max(self.hi) <= hi

    def clamp_to(self, t: IntegerType) -> "Range":
        """Intersected with ``t``'s range (a value of type ``t`` is always in it)."""
        lo = tuple(max(v, t.min_value) for v in self.lo)
        hi = tuple(min(v, t.max_value) for v in self.hi)
        if any(a > b for a, b in zip(lo, hi)):
            return Range.of_type(t)
        return Range(lo, hi)


# ---------------------------------------------------------------------------------------------
# Affine clips


@dataclass(frozen=True)
class AffineClip:
    """``clip(round((x*mul[c] + add[c]) / div), lo, hi)``: what a requant or clip computes."""

    mul: Vec
    add: Vec
    div: int
    rounding: str
    lo: int
    hi: int

    @property
    def is_clip(self) -> bool:
        """Whether only the clip does anything (``x*1 + 0``, divisor 1)."""
        return self.mul == (1,) and self.add == (0,) and self.div == 1

    def raw(self, c: int, x: int) -> int:
        """The value before the clip for input ``x`` in channel ``c``."""
        m, a = self.mul[c if len(self.mul) > 1 else 0], self.add[c if len(self.add) > 1 else 0]
        return round_div(x * m + a, self.div, self.rounding)

    def apply(self, c: int, x: int) -> int:
        """The op's result for input ``x`` in channel ``c``."""
        return _clip(self.raw(c, x), self.lo, self.hi)

    def numerator_range(self, xr: Range) -> Range:
        """Per channel, the interval of ``x*mul + add`` for ``x`` in ``xr``."""
        n = _channels(self.mul, self.add)
        if n == 1:
            n = xr.channels
        xr = xr.fit(n)
        xlo, xhi, m, a = _bc(xr.lo, n), _bc(xr.hi, n), _bc(self.mul, n), _bc(self.add, n)
        lo = tuple(min(x0 * k, x1 * k) + b for x0, x1, k, b in zip(xlo, xhi, m, a))
        hi = tuple(max(x0 * k, x1 * k) + b for x0, x1, k, b in zip(xlo, xhi, m, a))
        return Range(lo, hi)

    def raw_range(self, xr: Range) -> Range:
        """Per channel, the interval of the value before the clip (rounding is monotone)."""
        num = self.numerator_range(xr)
        return Range(
            tuple(round_div(v, self.div, self.rounding) for v in num.lo),
            tuple(round_div(v, self.div, self.rounding) for v in num.hi),
        )

    def image(self, xr: Range) -> Range:
        """Per channel, the interval of results for inputs in ``xr``."""
        raw = self.raw_range(xr)
        return Range(
            tuple(_clip(v, self.lo, self.hi) for v in raw.lo),
            tuple(_clip(v, self.lo, self.hi) for v in raw.hi),
        )

    def is_identity_on(self, xr: Range) -> bool:
        """Whether every input in ``xr`` comes out unchanged."""
        return self.is_clip and xr.within(self.lo, self.hi)

    def fits_int64(self, xr: Range) -> bool:
        """Whether ``|x*mul + add|`` stays within int64 for inputs in ``xr`` (what the
        interpreter and 64-bit kernels need) and ``div`` fits an i64 property."""
        bound = xr.max_abs() * max(abs(v) for v in self.mul) + max(abs(v) for v in self.add)
        return bound <= INT64_MAX and (_is_pow2(self.div) or self.div <= INT64_MAX)


def _dense_vec(op: Operation, name: str, default: int) -> Vec | None:
    """An integer or rank-1 dense property as a vector; None if it is elided or malformed."""
    attr = op.properties.get(name)
    if attr is None:
        return (default,)
    if isinstance(attr, IntegerAttr):
        return (int(attr.value),)
    if isinstance(attr, DenseAttr) and not attr.elided and attr.data.ndim == 1 and attr.data.size:
        return tuple(int(v) for v in attr.data)
    return None


def _int(op: Operation, name: str) -> int | None:
    attr = op.properties.get(name)
    return int(attr.value) if isinstance(attr, IntegerAttr) else None


def affine_of(op: Operation) -> AffineClip | None:
    """The affine clip a ``qnn.requant`` or ``qnn.clip`` computes, or None if it cannot be read
    (elided per-channel data, missing or malformed properties: the verifier reports those)."""
    lo, hi = _int(op, "min"), _int(op, "max")
    if lo is None or hi is None or len(op.operands) != 1 or len(op.results) != 1:
        return None
    if op.op_name == "qnn.clip":
        return AffineClip((1,), (0,), 1, FLOOR, lo, hi)
    if op.op_name != "qnn.requant" or "mul" not in op.properties:
        return None
    mul, add = _dense_vec(op, "mul", 1), _dense_vec(op, "add", 0)
    shift, div = _int(op, "shift"), _int(op, "div")
    rounding = op.properties.get("rounding")
    rnd = rounding.value if isinstance(rounding, StringAttr) else FLOOR
    if mul is None or add is None or rnd not in (FLOOR, TRUNC):
        return None
    if shift is not None and div is None and shift >= 0:
        return AffineClip(mul, add, 1 << shift, rnd, lo, hi)
    if div is not None and shift is None and div >= 1:
        return AffineClip(mul, add, div, rnd, lo, hi)
    return None


def normalize(ac: AffineClip, xr: Range) -> AffineClip:
    """The canonical parameters of ``ac`` for inputs in ``xr`` (rule 1 of the module doc):
    trunc made floor where that is exact, common factors divided out, equal per-channel entries
    squeezed to a scalar. Idempotent."""
    m, a, d, rnd = ac.mul, ac.add, ac.div, ac.rounding
    if d == 1:
        rnd = FLOOR
    if rnd == TRUNC and (ac.lo >= 0 or min(ac.numerator_range(xr).lo) >= 0):
        rnd = FLOOR
    if rnd == FLOOR:
        g = _gcd((*m, d))
        m, a, d = tuple(v // g for v in m), tuple(v // g for v in a), d // g
    else:
        g = _gcd((*m, *a, d))
        m, a, d = tuple(v // g for v in m), tuple(v // g for v in a), d // g
    if d == 1:
        rnd = FLOOR
    return AffineClip(_squeeze(m), _squeeze(a), d, rnd, ac.lo, ac.hi)


def compose(f: AffineClip, g: AffineClip, xr: Range) -> AffineClip | None:
    """One affine clip equal to ``g(f(x))`` for every ``x`` in ``xr``, or None when these rules
    find none (rule 2 of the module doc). Exact for any ``f`` and ``g``; normalising them first
    lets more pairs compose (a trunc proven to be a floor, a divisor that divides out)."""
    n = _channels(f.mul, f.add, g.mul, g.add)
    m1, a1, m2, a2 = _bc(f.mul, n), _bc(f.add, n), _bc(g.mul, n), _bc(g.add, n)
    d1, d2 = f.div, g.div
    if d1 == 1:
        mul = tuple(x * y for x, y in zip(m1, m2))
        add = tuple(x * y + z for x, y, z in zip(a1, m2, a2))
        d, rnd = d2, g.rounding
    else:
        if any(v not in (0, 1) for v in m2):
            return None
        if f.rounding == FLOOR and (d2 == 1 or g.rounding == FLOOR):
            add = tuple(x * y + z * d1 for x, y, z in zip(a1, m2, a2))
        elif f.rounding == TRUNC and (d2 == 1 or g.rounding == TRUNC) and not any(a2):
            add = tuple(x * y for x, y in zip(a1, m2))
        else:
            return None
        mul = tuple(x * y for x, y in zip(m1, m2))
        d, rnd = d1 * d2, f.rounding
    # f's clip, pushed through the monotone g, per channel of the parameters or of the input
    # interval, whichever has channels (per-tensor parameters can still see per-channel ranges).
    raw1 = f.raw_range(xr)
    n = max(n, raw1.channels)
    m2 = _bc(g.mul, n) if len(m2) == 1 else m2
    raw_lo, raw_hi = _bc(raw1.lo, n), _bc(raw1.hi, n)
    lows: set[int] = set()
    highs: set[int] = set()
    for c in range(n):
        low_binds, high_binds = raw_lo[c] < f.lo, raw_hi[c] > f.hi
        g_lo, g_hi = g.apply(c, f.lo), g.apply(c, f.hi)
        if m2[c] > 0:
            lows.add(g_lo if low_binds else g.lo)
            highs.add(g_hi if high_binds else g.hi)
        elif m2[c] < 0:
            lows.add(g_hi if high_binds else g.lo)
            highs.add(g_lo if low_binds else g.hi)
        else:
            lows.add(g.lo)
            highs.add(g.hi)
    if len(lows) != 1 or len(highs) != 1:
        return None
    return AffineClip(_squeeze(mul), _squeeze(add), d, rnd, lows.pop(), highs.pop())


def _scalar_or_dense(v: Vec) -> Attribute:
    if len(v) == 1:
        return IntegerAttr(v[0], i64)
    et = narrowest_dense_type(v)
    assert et is not None  # callers checked fits_int64, so every value fits si64
    return DenseAttr.from_array(np.asarray(v, dtype=np.int64), et)


def canonical_form(ac: AffineClip) -> tuple[str, dict[str, Attribute]]:
    """The op name and properties spelling a normalised ``ac``: ``qnn.clip`` when only the clip
    is left, else ``qnn.requant`` without default-valued properties."""
    bounds: dict[str, Attribute] = {"min": IntegerAttr(ac.lo, i64), "max": IntegerAttr(ac.hi, i64)}
    if ac.is_clip:
        return "qnn.clip", bounds
    props: dict[str, Attribute] = {"mul": _scalar_or_dense(ac.mul), **bounds}
    if any(ac.add):
        props["add"] = _scalar_or_dense(ac.add)
    if _is_pow2(ac.div):
        props["shift"] = IntegerAttr(ac.div.bit_length() - 1, i64)
    else:
        props["div"] = IntegerAttr(ac.div, i64)
    if ac.div > 1 and ac.rounding == TRUNC:
        props["rounding"] = StringAttr(TRUNC)
    return "qnn.requant", props


def _build(ac: AffineClip, x: Value, like: Operation) -> Operation:
    """The canonical op computing ``ac`` on ``x``, with ``like``'s result type, name, location
    and discardable attributes (it replaces ``like``)."""
    name, props = canonical_form(ac)
    return create_op(
        name,
        operands=[x],
        result_types=[like.results[0].type],
        properties=props,
        attributes=dict(like.attributes),
        loc=like.loc,
        result_names=[like.results[0].name_hint],
    )


# ---------------------------------------------------------------------------------------------
# Range analysis


def _int_elem(v: Value) -> IntegerType | None:
    t = v.type
    if isinstance(t, TensorType) and isinstance(t.element_type, IntegerType):
        return t.element_type
    return None


def _constant(v: Value) -> DenseAttr | None:
    """The value of ``v`` if a ``qnn.constant`` with data produces it."""
    if isinstance(v, OpResult) and v.op.op_name == "qnn.constant":
        attr = v.op.properties.get("value")
        if isinstance(attr, DenseAttr) and not attr.elided:
            return attr
    return None


def _ints(op: Operation, name: str, default: Sequence[int]) -> tuple[int, ...]:
    attr = op.properties.get(name)
    return tuple(int(v) for v in attr.values) if isinstance(attr, DenseArrayAttr) else tuple(default)


_UNBOUNDED = Range((-(1 << 128),), (1 << 128,))


class RangeAnalysis:
    """Sound per-channel intervals of integer tensor values (see the module doc).

    Results are cached for the lifetime of the object, one pass run. That is sound because every
    rewrite of this pass either leaves a value's contents unchanged or gives the changed value a
    new op (a fresh `Value`); the cache holds the values themselves so ids are never reused.
    The walk is iterative, so long networks don't hit Python's recursion limit.
    """

    def __init__(self) -> None:
        self._cache: dict[int, tuple[Value, Range]] = {}
        self._weights: dict[int, tuple[DenseAttr, np.ndarray, np.ndarray]] = {}

    def _cached(self, v: Value) -> Range | None:
        hit = self._cache.get(id(v))
        return hit[1] if hit is not None and hit[0] is v else None

    def of(self, v: Value) -> Range:
        """The interval of ``v``'s values, per channel where known."""
        found = self._cached(v)
        if found is not None:
            return found
        stack = [v]
        on_stack = {id(v)}
        while stack:
            top = stack[-1]
            if self._cached(top) is not None:
                stack.pop()
                on_stack.discard(id(top))
                continue
            missing = [d for d in self._deps(top) if self._cached(d) is None]
            cyclic = [d for d in missing if id(d) in on_stack]
            for d in cyclic:
                # Only graph regions can loop; their values get no better than their type.
                self._cache[id(d)] = (d, self._type_range(d))
            missing = [d for d in missing if id(d) not in on_stack]
            if missing:
                stack.extend(missing)
                on_stack.update(id(d) for d in missing)
                continue
            self._cache[id(top)] = (top, self._compute(top))
            stack.pop()
            on_stack.discard(id(top))
        result = self._cached(v)
        assert result is not None
        return result

    @staticmethod
    def _type_range(v: Value) -> Range:
        et = _int_elem(v)
        return Range.of_type(et) if et is not None else _UNBOUNDED

    @staticmethod
    def _deps(v: Value) -> list[Value]:
        if not isinstance(v, OpResult) or len(v.op.results) != 1 or _int_elem(v) is None:
            return []
        op = v.op
        name = op.op_name
        if name in AFFINE_OPS or name in ("qnn.maxpool", "qnn.avgpool", "qnn.global_avgpool", "qnn.pad"):
            return list(op.operands[:1])
        if name in ("qnn.reshape", "qnn.flatten", "qnn.transpose", "qnn.concat", "qnn.add"):
            return list(op.operands)
        if name in ACCUMULATORS:
            return [op.operands[0]] + list(op.operands[2:3])
        return []

    def _compute(self, v: Value) -> Range:
        et = _int_elem(v)
        if et is None:
            return _UNBOUNDED
        r = self._derive(v)
        return r.clamp_to(et) if r is not None else Range.of_type(et)

    def _derive(self, v: Value) -> Range | None:
        if not isinstance(v, OpResult) or len(v.op.results) != 1:
            return None
        op = v.op
        name = op.op_name
        if name in AFFINE_OPS:
            ac = affine_of(op)
            return ac.image(self.of(op.operands[0])) if ac is not None else None
        if name == "qnn.maxpool":
            return self.of(op.operands[0])  # padding never wins, channels stay in place
        if name == "qnn.pad":
            x = self.of(op.operands[0])
            pads = _ints(op, "pads", ())
            value = _int(op, "value") or 0
            rank = len(pads) // 2
            keeps_channels = rank > 0 and pads[rank - 1] == 0 and pads[2 * rank - 1] == 0
            return (x if keeps_channels else x.union()).including(value)
        if name in ("qnn.avgpool", "qnn.global_avgpool"):
            return self._pool(op)
        if name in ("qnn.reshape", "qnn.flatten", "qnn.transpose"):
            return self.of(op.operands[0]).union()
        if name == "qnn.concat":
            parts = [self.of(x).union() for x in op.operands]
            return Range((min(p.lo[0] for p in parts),), (max(p.hi[0] for p in parts),)) if parts else None
        if name == "qnn.add":
            a, b = self.of(op.operands[0]).union(), self.of(op.operands[1]).union()
            s = Range((a.lo[0] + b.lo[0],), (a.hi[0] + b.hi[0],))
            et = _int_elem(v)
            # The sum wraps to the result type; only an in-range sum keeps its interval.
            return s if et is not None and s.within(et.min_value, et.max_value) else None
        if name in ACCUMULATORS:
            return self.accumulator(op)
        if name == "qnn.constant":
            attr = _constant(v)
            if attr is None or attr.data.size == 0:
                return None
            data = attr.data
            if data.ndim == 0:
                return Range((int(data),), (int(data),))
            flat = data.reshape(-1, data.shape[-1])
            return Range(tuple(int(x) for x in flat.min(axis=0)), tuple(int(x) for x in flat.max(axis=0)))
        return None

    def _pool(self, op: Operation) -> Range:
        x = self.of(op.operands[0])
        div = _int(op, "div")
        rnd = op.properties.get("rounding")
        rounding = rnd.value if isinstance(rnd, StringAttr) else FLOOR
        if op.op_name == "qnn.avgpool":
            kernel = _ints(op, "kernel", (1, 1))
            window = kernel[0] * kernel[1]
            padded = any(_ints(op, "pads", (0, 0, 0, 0)))
            include_pad = bool(getattr(op.properties.get("count_include_pad"), "value", False))
        else:
            shape = op.operands[0].type.shape  # type: ignore[attr-defined]
            window = shape[1] * shape[2]
            padded = include_pad = False
        if div is None:
            # An average of values in [lo, hi] stays in it; counted padding adds zeros.
            return x.including(0) if include_pad and padded else x
        # A window sum of between 1 and `window` in-bounds values (padding adds 0).
        lo = tuple(round_div(min(v, window * v), div, rounding) for v in x.lo)
        hi = tuple(round_div(max(v, window * v), div, rounding) for v in x.hi)
        return Range(lo, hi)

    def _weight_sums(self, w: DenseAttr) -> tuple[np.ndarray, np.ndarray]:
        """Per (output channel, input channel of its group): the sums of the positive and of the
        negative weights, as exact Python ints (object arrays), cached per weight attribute."""
        hit = self._weights.get(id(w))
        if hit is not None and hit[0] is w:
            return hit[1], hit[2]
        flat = w.data.reshape(w.data.shape[0], -1, w.data.shape[-1])
        # Exact in int64 while no sum can reach 2^62 (always, for real weights); object otherwise.
        if int(np.abs(w.data).max(initial=0)) * flat.shape[1] < (1 << 62):
            pos = np.where(flat > 0, flat, 0).sum(axis=1, dtype=np.int64)
            neg = np.where(flat < 0, flat, 0).sum(axis=1, dtype=np.int64)
        else:
            data = flat.astype(object)
            pos = np.where(data > 0, data, 0).sum(axis=1)
            neg = np.where(data < 0, data, 0).sum(axis=1)
        self._weights[id(w)] = (w, pos, neg)
        return pos, neg

    def dot_range(self, op: Operation) -> Range | None:
        """Per output channel, the interval of a conv's or linear's sum before the bias (None
        without constant weights)."""
        w = _constant(op.operands[1])
        if w is None or w.data.ndim not in (2, 4) or w.data.size == 0:
            return None
        pos, neg = self._weight_sums(w)
        out_ch, cg = pos.shape
        x = self.of(op.operands[0])
        groups = 1
        if op.op_name == "qnn.conv2d":
            groups = _int(op, "groups") or 1
            if any(_ints(op, "pads", (0, 0, 0, 0))):
                x = x.including(0)  # a padded tap multiplies a weight by 0
        cin = cg * groups
        x = x.fit(cin)
        if groups < 1 or out_ch % groups:
            return None
        group_of = np.arange(out_ch) // (out_ch // groups)
        idx = group_of[:, None] * cg + np.arange(cg)[None, :]
        xl, xh = _bc(x.lo, cin), _bc(x.hi, cin)
        xmax = max(max((abs(int(v)) for v in xl), default=0), max((abs(int(v)) for v in xh), default=0))
        wmax = max(int(np.abs(pos).max(initial=0)), int(np.abs(neg).max(initial=0)))
        # int64 is exact while no partial sum can reach 2^62 (real layers are far below), and
        # much faster than arrays of Python ints; otherwise compute with Python ints.
        dtype: type = np.int64 if wmax * xmax * 2 * max(cg, 1) < (1 << 62) else object
        lo_in = np.array(xl, dtype=dtype)[idx]
        hi_in = np.array(xh, dtype=dtype)[idx]
        p_, n_ = pos.astype(dtype), neg.astype(dtype)
        lo = (p_ * lo_in + n_ * hi_in).sum(axis=1)
        hi = (p_ * hi_in + n_ * lo_in).sum(axis=1)
        return Range(tuple(int(v) for v in lo), tuple(int(v) for v in hi))

    def accumulator(self, op: Operation) -> Range | None:
        """Per output channel, the interval of a conv's or linear's result, or None when it
        might wrap to the result type (or the weights are unknown)."""
        dots = self.dot_range(op)
        et = _int_elem(op.results[0])
        if dots is None or et is None:
            return None
        n = dots.channels
        lo, hi = dots.lo, dots.hi
        if len(op.operands) > 2:
            b = self.of(op.operands[2]).fit(n)
            lo = tuple(x + y for x, y in zip(lo, _bc(b.lo, n)))
            hi = tuple(x + y for x, y in zip(hi, _bc(b.hi, n)))
        r = Range(lo, hi)
        return r if r.within(et.min_value, et.max_value) else None


# ---------------------------------------------------------------------------------------------
# Patterns


def _sole_use(v: Value) -> bool:
    return len(v.uses) == 1


class MergeAffinePair(RewritePattern):
    """``g(f(x))`` for a requant/clip ``g`` reading the only use of a requant/clip ``f`` -> one
    op, when `compose` finds an exact one (rule 2); ``f`` is erased."""

    def __init__(self, ranges: RangeAnalysis):
        self.ranges = ranges

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if op.op_name not in AFFINE_OPS or len(op.operands) != 1:
            return
        src = op.operands[0]
        if not isinstance(src, OpResult) or src.op.op_name not in AFFINE_OPS or not _sole_use(src):
            return
        first = src.op
        f, g = affine_of(first), affine_of(op)
        if f is None or g is None:
            return
        x = first.operands[0]
        xr = self.ranges.of(x)
        f = normalize(f, xr)
        g = normalize(g, f.image(xr))
        h = compose(f, g, xr)
        if h is None:
            return
        h = normalize(h, xr)
        if not h.fits_int64(xr):
            return
        if h.is_identity_on(xr) and x.type == op.results[0].type:
            rewriter.replace_op(op, [], [x])
        else:
            rewriter.replace_op(op, _build(h, x, op))
        rewriter.erase_op(first)


class NormalizeAffine(RewritePattern):
    """A requant/clip whose properties are not the canonical spelling of its normalised
    parameters is rebuilt canonically; an identity (rule 1) is replaced by its input."""

    def __init__(self, ranges: RangeAnalysis):
        self.ranges = ranges

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if op.op_name not in AFFINE_OPS:
            return
        ac = affine_of(op)
        if ac is None:
            return
        x = op.operands[0]
        xr = self.ranges.of(x)
        n = normalize(ac, xr)
        if n.is_identity_on(xr) and x.type == op.results[0].type:
            rewriter.replace_op(op, [], [x])
            return
        # No int64 check needed: normalising never grows |mul|, |add| or the divisor, so the
        # result runs wherever the original did.
        name, props = canonical_form(n)
        if name == op.op_name and props == op.properties:
            return
        rewriter.replace_op(op, _build(n, x, op))


class FoldAccumulatorOffset(RewritePattern):
    """``requant(conv(x, w, b?))`` (or ``linear``) with the accumulator used only there: an
    offset that is a multiple of the multiplier moves into the bias, or a bias moves into an
    offset that is not (rule 3), when no accumulator can wrap."""

    def __init__(self, ranges: RangeAnalysis):
        self.ranges = ranges

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if op.op_name != "qnn.requant":
            return
        src = op.operands[0]
        if not isinstance(src, OpResult) or src.op.op_name not in ACCUMULATORS or not _sole_use(src):
            return
        acc = src.op
        ac = affine_of(op)
        et = _int_elem(src)
        if ac is None or et is None or not any(ac.add) or len(acc.operands) not in (2, 3):
            return
        dots = self.ranges.dot_range(acc)
        if dots is None:
            return
        n = dots.channels
        bias_value = acc.operands[2] if len(acc.operands) == 3 else None
        if bias_value is not None:
            battr = _constant(bias_value)
            if battr is None or battr.data.shape != (n,):
                return
            bias: Vec = tuple(int(v) for v in battr.data)
        else:
            bias = (0,) * n
        # The original accumulator must not wrap, or moving k across the wrap changes values.
        if not self._fits(dots, bias, et):
            return
        m, a = _bc(ac.mul, n), _bc(ac.add, n)
        multiple = all((k != 0 and v % k == 0) or (k == 0 and v == 0) for k, v in zip(m, a))
        if multiple:
            if bias_value is None and len(ac.add) == 1:
                return  # a per-channel bias from a scalar offset would add parameters
            new_bias: Vec | None = tuple(b + (v // k if k else 0) for b, v, k in zip(bias, a, m))
            new_add: Vec = (0,)
        elif bias_value is not None:
            new_bias = None
            new_add = tuple(v + k * b for v, k, b in zip(a, m, bias))
            if not all(si32.fits(v) for v in new_add):
                return
        else:
            return
        acc_bias = new_bias if new_bias is not None else (0,) * n
        if (new_bias is not None and not all(si32.fits(v) for v in new_bias)) or not self._fits(dots, acc_bias, et):
            return
        xr = Range(tuple(x + b for x, b in zip(dots.lo, acc_bias)), tuple(x + b for x, b in zip(dots.hi, acc_bias)))
        h = normalize(replace(ac, add=_squeeze(new_add)), xr)
        if not h.fits_int64(xr):
            return
        self._rewrite(rewriter, op, acc, h, new_bias)

    @staticmethod
    def _fits(dots: Range, bias: Vec, et: IntegerType) -> bool:
        return all(
            et.min_value <= lo + b and hi + b <= et.max_value for lo, hi, b in zip(dots.lo, dots.hi, bias)
        )

    @staticmethod
    def _rewrite(
        rewriter: PatternRewriter, op: Operation, acc: Operation, h: AffineClip, new_bias: Vec | None
    ) -> None:
        old_bias = acc.operands[2] if len(acc.operands) == 3 else None
        operands = list(acc.operands[:2])
        acc_name = acc.results[0].name_hint
        if new_bias is not None:
            if old_bias is not None:
                hint = old_bias.name_hint
            else:
                hint = f"{acc_name}_bias" if acc_name else None
            const = create_op(
                "qnn.constant",
                result_types=[TensorType((len(new_bias),), si32)],
                properties={"value": DenseAttr.from_array(np.asarray(new_bias, dtype=np.int64), si32)},
                loc=old_bias.op.loc if isinstance(old_bias, OpResult) else acc.loc,
                result_names=[hint],
            )
            rewriter.insert_op_before(const, acc)
            operands.append(const.results[0])
        new_acc = create_op(
            acc.op_name,
            operands=operands,
            result_types=[acc.results[0].type],
            properties=dict(acc.properties),
            attributes=dict(acc.attributes),
            loc=acc.loc,
            result_names=[acc_name],
        )
        # A new op, not an in-place operand change: the accumulator's values change, and the
        # range cache keys on values.
        rewriter.replace_op(acc, new_acc)
        rewriter.replace_op(op, _build(h, new_acc.results[0], op))
        if isinstance(old_bias, OpResult) and not old_bias.uses and old_bias.op.parent is not None:
            rewriter.erase_op(old_bias.op)


# ---------------------------------------------------------------------------------------------
# The pass


@dataclass(frozen=True)
class FoldRequantPass(ModulePass):
    """Merge requant/clip chains into single exact requants and fold offsets into conv biases.

    See the module documentation for every rewrite and its exactness argument. The rewrites run
    greedily to a fixpoint, so running the pass twice gives what running it once does.
    """

    name = "fold-requant"

    def apply(self, ctx: PassContext, module: Operation) -> None:
        ranges = RangeAnalysis()
        walker = PatternRewriteWalker(
            [MergeAffinePair(ranges), NormalizeAffine(ranges), FoldAccumulatorOffset(ranges)],
            max_iterations=50,
        )
        walker.rewrite_module(module)
        if not walker.converged:
            raise PassFailed(
                module,
                f"fold-requant did not reach a fixpoint after {walker.iterations} iteration(s) "
                f"({walker.num_rewrites} rewrites)",
            )


__all__ = [
    "AffineClip",
    "FoldRequantPass",
    "Range",
    "RangeAnalysis",
    "affine_of",
    "canonical_form",
    "compose",
    "normalize",
]
