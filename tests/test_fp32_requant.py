"""frontend/fp32_requant.py: onnxruntime's float32 requantisation in integer arithmetic, and the
integer requant fitted to it."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from dory.frontend.fp32_requant import fit_requant, fp32_scale_round, fp32_scale_round_int

scales = st.floats(min_value=float(np.float32(1e-6)), max_value=4.0, allow_nan=False, allow_infinity=False, width=32)
accs = st.integers(min_value=-(2**31), max_value=2**31 - 1)


@settings(max_examples=2000, deadline=None)
@given(accs, scales)
def test_integer_emulation_equals_numpy_float32(acc: int, scale: float) -> None:
    """Sign, 24-bit mantissa and exponent, both roundings to nearest-even: the exact-integer
    emulation is numpy's float32 multiply bit for bit (accumulators beyond 2^24 included)."""
    assert fp32_scale_round_int(acc, scale) == int(fp32_scale_round(np.array([acc]), np.float32(scale))[0])


@settings(max_examples=300, deadline=None)
@given(scales, st.integers(1, 2**22), st.integers(1, 2**22), st.sampled_from([(0, 255), (-128, 127), (-123, 132)]), st.integers(0, 2**32))
def test_fit_is_exact_on_the_whole_range(scale: float, neg: int, pos: int, out: tuple[int, int], seed: int) -> None:
    """A fit without misses equals the float computation on every accumulator of its range
    (checked at every threshold and its predecessor, which decides a monotone step function,
    and at random points); a fit with misses differs at most there, by one."""
    lo, hi = -neg, pos
    f = fit_requant(scale, lo, hi, *out)
    rng = np.random.default_rng(seed)
    acc = np.concatenate([rng.integers(lo, hi + 1, 4000), [lo, hi]])
    ref = np.clip(fp32_scale_round(acc, np.float32(scale)), *out)
    got = np.clip((acc * f.mul + f.add) >> f.shift, *out)
    if f.misses == 0:
        assert np.array_equal(ref, got)
    else:
        assert np.max(np.abs(ref - got)) <= 1
    assert 0 <= f.shift <= 62 and 0 < f.mul < 2**31


def test_ties_are_not_a_line() -> None:
    """scale 0.5 rounds half-way values to even (0.5 -> 0, 1.5 -> 2): no floor line has those
    thresholds, so the fit reports the thresholds it misses."""
    f = fit_requant(0.5, -1000, 1000, 0, 255)
    assert f.misses > 0


def test_typical_scale_is_exact() -> None:
    """A calibrated conv scale (x_scale * w_scale / y_scale of tests/ort_quantized.py's networks)."""
    f = fit_requant(float(np.float32(0.0035305857)), -2144350, 1132297, 0, 255)
    assert f.misses == 0 and f.shift <= 31


finite32 = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False, width=32)


@settings(max_examples=1000, deadline=None)
@given(finite32, finite32, finite32)
def test_fma32_rounds_once(x: float, a: float, b: float) -> None:
    """`fma32` is the exact ``x + a*b`` rounded once to float32 (nearest, ties to even), computed
    here with fractions; including sums whose float64 rounding lands half-way between floats."""
    from fractions import Fraction

    from dory.frontend.fp32_requant import _round_sig, fma32

    exact = Fraction(x) + Fraction(a) * Fraction(b)
    want = float(_round_sig(exact)) if exact != 0 else 0.0
    got = float(fma32(np.array([x], np.float32), np.array([a], np.float32), np.array([b], np.float32))[0])
    assert got == want or (abs(exact) < Fraction(2) ** -100)  # no subnormals in _round_sig


def test_fma32_double_rounding_case() -> None:
    """2^40 + 577 * (fl(1/577) * 2^16): the product is 2^16 (1 + 3.5e-10), so float64 rounds the
    sum to 2^40 + 2^16, half-way between the float32 values 2^40 and 2^40 + 2^17 (rounding that to
    even would give 2^40); the true sum is above it, so one rounding gives 2^40 + 2^17."""
    from dory.frontend.fp32_requant import fma32

    b = np.float32(np.float32(1 / 577) * np.float32(2.0**16))
    assert float(np.float64(2.0**40) + 577.0 * float(b)) == 2.0**40 + 2.0**16  # the float64 midpoint
    got = fma32(np.array([2.0**40], np.float32), np.array([577.0], np.float32), np.array([b], np.float32))
    assert float(got[0]) == 2.0**40 + 2.0**17
