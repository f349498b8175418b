"""onnxruntime's float32 requantisation as an exact integer ``qnn.requant``.

onnxruntime's integer kernels on CPU (MLAS: QLinearConv, QLinearMatMul, QGemm, the global average
pool) end a sum ``acc`` (int32) as

    y = clip(rne(fl(fl(acc) * scale)), lo, hi)

where ``fl`` rounds to float32 (round to nearest, ties to even), ``scale`` is a float32 (e.g.
``fl(fl(x_scale * w_scale) / y_scale)``) and ``rne`` rounds to the nearest integer, ties to even
(``_mm_cvtps_epi32``). `fp32_scale_round_int` computes this with Python integers only (sign,
24-bit mantissa, exponent), `fp32_scale_round` with numpy float32; tests/test_fp32_requant.py
proves the two equal on random accumulators and scales.

``y`` is a monotone step function of ``acc``. Over an accumulator range ``[acc_lo, acc_hi]`` it is
fixed by its thresholds ``t_k`` (the least ``acc`` with ``y >= k``, `thresholds`). `fit_requant`
finds integers ``mul``, ``add``, ``shift`` such that ``clip(floor((acc*mul + add) / 2^shift), lo,
hi)`` has exactly the same thresholds, hence equals ``y`` on every accumulator of the range: the
constraints are linear in ``(mul, add)``, so the feasible ``mul`` form an interval computed
directly (`_mul_interval`), and the smallest ``shift`` with a feasible integer ``mul`` is taken.
When no shift up to `MAX_SHIFT` fits (possible in principle: the float rounding can move single
thresholds off any line), `fit_requant` returns the nearest plain rounding and the number of
thresholds it misses (the caller reports the deviation).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import numpy as np

MAX_SHIFT = 62
"""Largest shift tried. The C runtime's fast requant ends take shifts up to 31, its generic end
(``dory_requant1``, int64) any shift up to 62; `fit_requant` takes the least shift that is exact,
and only one whose ``acc*mul + add`` stays within 62 bits over the accumulator range."""


def _round_sig(num: Fraction, bits: int = 24) -> Fraction:
    """``num`` rounded to ``bits`` significant bits, ties to even (a float32 rounding when
    ``bits = 24``, no subnormals)."""
    if num == 0:
        return Fraction(0)
    sign = -1 if num < 0 else 1
    a = abs(num)
    e = a.numerator.bit_length() - a.denominator.bit_length()
    if Fraction(2) ** e > a:
        e -= 1
    # a in [2^e, 2^(e+1)): keep bits-1 bits after the leading one
    q = a / Fraction(2) ** (e - bits + 1)
    n, r = divmod(q.numerator, q.denominator)
    if 2 * r > q.denominator or (2 * r == q.denominator and n % 2 == 1):
        n += 1
    return sign * n * Fraction(2) ** (e - bits + 1)


def _rne(v: Fraction) -> int:
    """``v`` rounded to the nearest integer, ties to even."""
    n, r = divmod(v.numerator, v.denominator)
    if 2 * r > v.denominator or (2 * r == v.denominator and n % 2 == 1):
        n += 1
    return n


def fp32_scale_round_int(acc: int, scale: float) -> int:
    """``rne(fl(fl(acc) * scale))`` in exact integer arithmetic; ``scale`` must be a float32 value."""
    s = Fraction(float(np.float32(scale)))
    return _rne(_round_sig(_round_sig(Fraction(int(acc))) * s))


def fp32_scale_round(acc: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    """``rne(fl(fl(acc) * scale))`` element-wise with numpy float32 (``scale`` broadcast), as int64."""
    prod = np.asarray(acc, dtype=np.int64).astype(np.float32) * np.asarray(scale, dtype=np.float32)
    return np.rint(prod).astype(np.int64)


def thresholds(f: Callable[[np.ndarray], np.ndarray], acc_lo: int, acc_hi: int, out_lo: int, out_hi: int) -> np.ndarray:
    """For a monotone non-decreasing ``f`` (int64 array -> int64 array), the least ``acc`` in
    ``[acc_lo, acc_hi + 1]`` with ``f(acc) >= k`` for each ``k`` in ``out_lo+1 .. out_hi``
    (``acc_hi + 1`` when no accumulator of the range reaches ``k``)."""
    ks = np.arange(out_lo + 1, out_hi + 1, dtype=np.int64)
    lo = np.full(ks.shape, acc_lo, np.int64)  # invariant: answer in [lo, hi]
    hi = np.full(ks.shape, acc_hi + 1, np.int64)
    while np.any(lo < hi):
        mid = (lo + hi) // 2
        reach = f(mid) >= ks
        hi = np.where(reach & (lo < hi), mid, hi)
        lo = np.where(~reach & (lo < hi), mid + 1, lo)
    return lo


@dataclass(frozen=True)
class Fit:
    """``clip(floor((acc*mul + add) / 2^shift), lo, hi)``; ``misses``: thresholds it gets wrong
    (0: exact on the whole accumulator range)."""

    mul: int
    add: int
    shift: int
    misses: int


def _constraints(t: np.ndarray, ks: np.ndarray, acc_lo: int, acc_hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The (k, t_k) pairs giving lower bounds ``add >= k*2^s - t_k*mul`` (``t_k`` inside the
    range) and upper bounds ``add <= k*2^s - (t_k - 1)*mul - 1`` (``t_k - 1`` inside it)."""
    lo_sel = t <= acc_hi
    hi_sel = t - 1 >= acc_lo
    return ks[lo_sel], t[lo_sel], ks[hi_sel], t[hi_sel]


def _mul_interval(t: np.ndarray, ks: np.ndarray, acc_lo: int, acc_hi: int, shift: int) -> tuple[int, int]:
    """The integers ``mul >= 1`` for which some ``add`` meets every threshold constraint, as
    ``[m_lo, m_hi]`` (empty when m_lo > m_hi): each (lower k, upper j) pair requires
    ``mul*(t_j - 1 - t_k) <= (j - k)*2^shift - 1``."""
    kl, tl, kh, th = _constraints(t, ks, acc_lo, acc_hi)
    m_lo, m_hi = 1, 1 << 62
    if kl.size == 0 or kh.size == 0:
        return m_lo, m_hi
    c = th[None, :] - 1 - tl[:, None]
    dk = kh[None, :] - kl[:, None]
    # int64 while (j - k) * 2^shift < 2^(17 + 44) holds; Python integers beyond
    r = dk * (1 << shift) - 1 if shift <= 44 else dk.astype(object) * (1 << shift) - 1
    pos, neg = c > 0, c < 0
    if np.any((c == 0) & (r < 0)):
        return 1, 0
    if np.any(pos):
        m_hi = min(m_hi, int(np.min(r[pos] // c[pos])))
    if np.any(neg):
        m_lo = max(m_lo, int(np.max(-((-r[neg]) // c[neg]))))  # ceil(r / c) for c < 0
    return m_lo, m_hi


def _add_for(t: np.ndarray, ks: np.ndarray, acc_lo: int, acc_hi: int, shift: int, mul: int) -> int:
    """The least ``add`` meeting the lower-bound constraints (the upper ones hold by construction)."""
    kl, tl, _, _ = _constraints(t, ks, acc_lo, acc_hi)
    if kl.size == 0:
        kh, th = _constraints(t, ks, acc_lo, acc_hi)[2:]
        return int(np.min(kh.astype(object) * (1 << shift) - (th.astype(object) - 1) * mul - 1))
    return int(np.max(kl.astype(object) * (1 << shift) - tl.astype(object) * mul))


def _misses(t: np.ndarray, ks: np.ndarray, acc_lo: int, acc_hi: int, fit: Fit) -> int:
    """How many thresholds ``fit`` puts elsewhere than ``t``."""
    got = thresholds(lambda a: (a * fit.mul + fit.add) >> fit.shift, acc_lo, acc_hi, int(ks[0]) - 1, int(ks[-1])) if ks.size else t
    return int(np.count_nonzero(got != t))


def fit_requant(scale: float, acc_lo: int, acc_hi: int, out_lo: int, out_hi: int) -> Fit:
    """Integer ``mul, add, shift`` equal to ``clip(rne(fl(fl(acc) * scale)), out_lo, out_hi)`` on
    every ``acc`` in ``[acc_lo, acc_hi]`` (see the module docstring); ``scale > 0``."""
    sc = np.float32(scale)
    assert sc > 0
    ks = np.arange(out_lo + 1, out_hi + 1, dtype=np.int64)
    t = thresholds(lambda a: fp32_scale_round(a, sc), acc_lo, acc_hi, out_lo, out_hi)
    ideal = Fraction(float(sc))

    big = max(abs(acc_lo), abs(acc_hi), 1)

    def feasible(shift: int) -> bool:
        m_lo, m_hi = _mul_interval(t, ks, acc_lo, acc_hi, shift)
        return m_lo <= m_hi

    # Feasibility is monotone in the shift ((mul, add) at s gives (2 mul, 2 add) at s + 1): the
    # least feasible shift by bisection; its mul is the smallest, and must fit the C runtime's
    # s32 vector with ``acc*mul + add`` within 62 bits.
    if feasible(MAX_SHIFT):
        a, b = 0, MAX_SHIFT
        while a < b:
            m = (a + b) // 2
            if feasible(m):
                b = m
            else:
                a = m + 1
        m_lo, m_hi = _mul_interval(t, ks, acc_lo, acc_hi, a)
        # the feasible mul nearest the scale itself (any is exact; this one is the natural one)
        mul = min(max(round(ideal * (1 << a)), m_lo), m_hi)
        if mul < 2**31 and mul * big < 2**61:
            return Fit(mul, _add_for(t, ks, acc_lo, acc_hi, a, mul), a, 0)
    top = MAX_SHIFT
    while top > 0 and (round(ideal * (1 << top)) >= 2**31 or round(ideal * (1 << top)) * big >= 2**61):
        top -= 1
    # No line has the float thresholds: the exact rational rounding (half up) of acc * scale,
    # which differs from them only where the float product rounds across a half.
    mul = round(ideal * (1 << top))
    fit = Fit(mul, 1 << (top - 1), top, 0)
    return Fit(fit.mul, fit.add, fit.shift, _misses(t, ks, acc_lo, acc_hi, fit))


def fma32(x: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """float32 ``x + a*b`` rounded once, to nearest even (a fused multiply-add), for float32 arrays:
    the product is exact in float64, the sum's float64 rounding error is recovered exactly (Knuth's
    two-sum), and a float64 sum lying exactly half-way between two float32 values is rounded
    towards the true sum (the only case where rounding twice differs from rounding once)."""
    x = np.asarray(x, np.float32).astype(np.float64)
    p = np.asarray(a, np.float32).astype(np.float64) * np.asarray(b, np.float32).astype(np.float64)
    s = x + p
    bb = s - x
    err = (x - (s - bb)) + (p - bb)
    r = s.astype(np.float32)
    r64 = r.astype(np.float64)
    lo = np.where(r64 > s, np.nextafter(r, np.float32(-np.inf)), r)
    hi = np.where(r64 < s, np.nextafter(r, np.float32(np.inf)), r)
    mid = (lo != hi) & ((s - lo.astype(np.float64)) == (hi.astype(np.float64) - s))
    return np.where(mid & (err > 0), hi, np.where(mid & (err < 0), lo, r)).astype(np.float32)


def mlas_qlinear_add(qa: np.ndarray, qb: np.ndarray, sa: float, za: int, sb: float, zb: int, sc: float, zc: int,
                     out_lo: int, out_hi: int) -> np.ndarray:
    """onnxruntime's QLinearAdd on x86-64 with AVX2 (MLAS) on raw quantized inputs: the ratios
    ``ra = sa/sc``, ``rb = sb/sc`` and the fixed part ``zc - fma(ra, za, rb*zb)`` in float32, then
    ``rne(fma(qa, ra, fma(qb, rb, fixed)))``, saturated. Measured equal to onnxruntime 1.32 on
    every input pair of 26 u8/s8 parameter sets (26 x 65,536 pairs; the same without the fused
    multiply-adds differs in 6 pairs): tests/test_onnx_qdq.py::test_qlinear_add_model."""
    f = np.float32
    ra, rb = f(sa) / f(sc), f(sb) / f(sc)
    fixed = f(zc) - fma32(rb * f(zb), ra, f(za))
    qa32, qb32 = np.asarray(qa).astype(f), np.asarray(qb).astype(f)
    t = fma32(fma32(np.full(qb32.shape, fixed, f), qb32, rb), qa32, ra)
    return np.clip(np.rint(t), out_lo, out_hi).astype(np.int64)


@dataclass(frozen=True)
class AddFit:
    """``clip(floor((a*mul_a + b*mul_b + add) / 2^shift), lo, hi)`` on centred inputs;
    ``misses``: input pairs where it differs from the float computation (0: exact on all)."""

    mul_a: int
    mul_b: int
    add: int
    shift: int
    misses: int


def fit_add(ac: np.ndarray, bc: np.ndarray, y: np.ndarray, ra: float, rb: float, out_lo: int, out_hi: int,
            max_mul: int = 1 << 22, radius: int = 8) -> AddFit:
    """A line through a two-input table: ``y`` (centred outputs) over every pair of centred
    inputs ``ac``, ``bc`` (flat arrays). Tries the multipliers within ``radius`` of the ratios
    ``ra``, ``rb`` times ``2^shift`` (the largest shift keeping both below ``max_mul``) and, for
    each, the interval of offsets meeting every pair; else the rounded ratios and their misses."""
    shift = 31
    while shift > 1 and round(max(ra, rb) * 2**shift) >= max_mul:
        shift -= 1
    ma0, mb0 = round(ra * 2**shift), round(rb * 2**shift)
    one = 1 << shift
    inside_lo, inside_hi = y > out_lo, y < out_hi
    lower_y, upper_y = y[inside_lo] * one, (y[inside_hi] + 1) * one - 1
    mbs = np.arange(mb0 - radius, mb0 + radius + 1, dtype=np.int64)
    for d in sorted(range(-radius, radius + 1), key=abs):
        ma = ma0 + d
        if ma <= 0:
            continue
        v = ac.astype(np.int64)[:, None] * ma + bc.astype(np.int64)[:, None] * mbs[None, :]
        a_lo = np.max(lower_y[:, None] - v[inside_lo], axis=0) if lower_y.size else np.full(mbs.shape, -(1 << 40))
        a_hi = np.min(upper_y[:, None] - v[inside_hi], axis=0) if upper_y.size else np.full(mbs.shape, 1 << 40)
        ok = np.nonzero((a_lo <= a_hi) & (mbs > 0))[0]
        if ok.size:
            best = ok[np.argmin(np.abs(mbs[ok] - mb0))]
            return AddFit(int(ma), int(mbs[best]), int(a_lo[best]), shift, 0)
    got = np.clip((ac.astype(np.int64) * ma0 + bc.astype(np.int64) * mb0 + (one >> 1)) >> shift, out_lo, out_hi)
    return AddFit(ma0, mb0, one >> 1, shift, int(np.count_nonzero(got != y)))
