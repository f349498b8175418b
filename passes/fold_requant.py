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

from dory.dory_ir.analysis.ranges import (
    ACCUMULATORS,
    AFFINE_OPS,
    FLOOR,
    TRUNC,
    AffineClip,
    Range,
    RangeAnalysis,
    Vec,
    affine_of,
    channel_count,
    constant_of,
    int_element,
    is_pow2,
    per_channel,
    round_div,
)
from dory.dory_ir.attributes import Attribute, DenseAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation, OpResult, Value
from dory.dory_ir.dialects import qnn
from dory.dory_ir.types import IntegerType, TensorType, i64, si8, si16, si32, si64
from dory.passes.base import ModulePass, PassContext, PassFailed
from dory.passes.rewrite import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

# Per-channel vectors get the narrowest of these (the order matters).
DENSE_TYPES: tuple[IntegerType, ...] = (si8, si16, si32, si64)


# ---------------------------------------------------------------------------------------------
# Per-channel integer helpers


def _squeeze(v: Vec) -> Vec:
    """A vector whose entries are all equal as that one value."""
    return v[:1] if len(v) > 1 and all(x == v[0] for x in v) else v


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
    n = channel_count(f.mul, f.add, g.mul, g.add)
    m1, a1, m2, a2 = per_channel(f.mul, n), per_channel(f.add, n), per_channel(g.mul, n), per_channel(g.add, n)
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
    m2 = per_channel(g.mul, n) if len(m2) == 1 else m2
    raw_lo, raw_hi = per_channel(raw1.lo, n), per_channel(raw1.hi, n)
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


def canonical_form(ac: AffineClip) -> tuple[type[qnn.QnnOp], dict[str, Attribute]]:
    """The op class and properties spelling a normalised ``ac``: ``qnn.clip`` when only the clip
    is left, else ``qnn.requant`` without default-valued properties."""
    bounds: dict[str, Attribute] = {"min": IntegerAttr(ac.lo, i64), "max": IntegerAttr(ac.hi, i64)}
    if ac.is_clip:
        return qnn.ClipOp, bounds
    props: dict[str, Attribute] = {"mul": _scalar_or_dense(ac.mul), **bounds}
    if any(ac.add):
        props["add"] = _scalar_or_dense(ac.add)
    if is_pow2(ac.div):
        props["shift"] = IntegerAttr(ac.div.bit_length() - 1, i64)
    else:
        props["div"] = IntegerAttr(ac.div, i64)
    if ac.div > 1 and ac.rounding == TRUNC:
        props["rounding"] = StringAttr(TRUNC)
    return qnn.RequantOp, props


def _build(ac: AffineClip, x: Value, like: Operation) -> Operation:
    """The canonical op computing ``ac`` on ``x``, with ``like``'s result type, name, location
    and discardable attributes (it replaces ``like``)."""
    cls, props = canonical_form(ac)
    return cls(
        operands=[x],
        result_types=[like.results[0].type],
        properties=props,
        attributes=dict(like.attributes),
        loc=like.loc,
        result_names=[like.results[0].name_hint],
    )


# ---------------------------------------------------------------------------------------------
# Patterns


def _sole_use(v: Value) -> bool:
    return len(v.uses) == 1


class MergeAffinePair(RewritePattern):
    """``g(f(x))`` for a requant/clip ``g`` reading the only use of a requant/clip ``f`` -> one
    op, when `compose` finds an exact one (rule 2); ``f`` is erased."""

    def __init__(self, ranges: RangeAnalysis):
        self.ranges = ranges

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.RequantOp | qnn.ClipOp, rewriter: PatternRewriter) -> None:
        if len(op.operands) != 1:
            return
        src = op.operands[0]
        if not isinstance(src, OpResult) or not isinstance(src.op, AFFINE_OPS) or not _sole_use(src):
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

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.RequantOp | qnn.ClipOp, rewriter: PatternRewriter) -> None:
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
        cls, props = canonical_form(n)
        if type(op) is cls and props == op.properties:
            return
        rewriter.replace_op(op, _build(n, x, op))


class FoldAccumulatorOffset(RewritePattern):
    """``requant(conv(x, w, b?))`` (or ``linear``) with the accumulator used only there: an
    offset that is a multiple of the multiplier moves into the bias, or a bias moves into an
    offset that is not (rule 3), when no accumulator can wrap."""

    def __init__(self, ranges: RangeAnalysis):
        self.ranges = ranges

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.RequantOp, rewriter: PatternRewriter) -> None:
        src = op.operands[0]
        if not isinstance(src, OpResult) or not isinstance(src.op, ACCUMULATORS) or not _sole_use(src):
            return
        acc = src.op
        ac = affine_of(op)
        et = int_element(src)
        if ac is None or et is None or not any(ac.add) or len(acc.operands) not in (2, 3):
            return
        dots = self.ranges.dot_range(acc)
        if dots is None:
            return
        n = dots.channels
        bias_value = acc.operands[2] if len(acc.operands) == 3 else None
        if bias_value is not None:
            battr = constant_of(bias_value)
            if battr is None or battr.data.shape != (n,):
                return
            bias: Vec = tuple(int(v) for v in battr.data)
        else:
            bias = (0,) * n
        # The original accumulator must not wrap, or moving k across the wrap changes values.
        if not self._fits(dots, bias, et):
            return
        m, a = per_channel(ac.mul, n), per_channel(ac.add, n)
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
        tlo, thi = et.min_value, et.max_value  # properties: read once, not per channel
        return all(tlo <= lo + b and hi + b <= thi for lo, hi, b in zip(dots.lo, dots.hi, bias))

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
            const = qnn.ConstantOp(
                result_types=[TensorType((len(new_bias),), si32)],
                properties={"value": DenseAttr.from_array(np.asarray(new_bias, dtype=np.int64), si32)},
                loc=old_bias.op.loc if isinstance(old_bias, OpResult) else acc.loc,
                result_names=[hint],
            )
            rewriter.insert_op_before(const, acc)
            operands.append(const.results[0])
        new_acc = type(acc)(
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
    "round_div",
]
