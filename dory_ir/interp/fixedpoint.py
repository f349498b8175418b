"""gemmlowp's 32-bit fixed-point arithmetic, exactly, on int64 numpy arrays holding int32 values:
what TFLite's integer softmax (``qnn.softmax``, docs/qnn.md) is made of.

A fixed-point value with ``I`` integer bits is its raw int32 ``r`` meaning ``r / 2^(31 - I)``.
Each function below is the C function of the same name (gemmlowp ``fixedpoint.h``, TFLite
``internal/common.h``), written from its definition: products are the saturating rounding
doubling high multiply, shifts round half away from zero, and constants are the raw values
gemmlowp spells out.
"""

from __future__ import annotations

import numpy as np

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


def srdhm(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
    """``SaturatingRoundingDoublingHighMul``: ``(a*b + nudge) / 2^31`` truncated, nudge ``2^30``
    (``1 - 2^30`` for a negative product); ``INT32_MIN * INT32_MIN`` saturates."""
    a, b = np.asarray(a, np.int64), np.asarray(b, np.int64)
    # |a*b| <= 2^62: exact in int64
    ab = a * b
    num = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    q = np.where(num >= 0, num >> 31, -((-num) >> 31))  # C division truncates toward zero
    return np.where((a == INT32_MIN) & (b == INT32_MIN), INT32_MAX, q)


def rounding_divide_by_pot(x: np.ndarray, exponent: int | np.ndarray) -> np.ndarray:
    """``RoundingDivideByPOT``: ``x / 2^exponent`` rounded to nearest, ties away from zero."""
    x = np.asarray(x, np.int64)
    e = np.asarray(exponent, np.int64)
    mask = (np.int64(1) << e) - 1
    rem = x & mask
    threshold = (mask >> 1) + (x < 0)
    return (x >> e) + (rem > threshold)


def saturating_shift_left(x: np.ndarray, exponent: int) -> np.ndarray:
    """``SaturatingRoundingMultiplyByPOT<exponent>`` for ``exponent > 0``: ``x * 2^exponent``
    saturated to int32."""
    threshold = (1 << (31 - exponent)) - 1
    x = np.asarray(x, np.int64)
    return np.where(x > threshold, INT32_MAX, np.where(x < -threshold, INT32_MIN, x << exponent))


def rescale(x: np.ndarray, src_bits: int, dst_bits: int) -> np.ndarray:
    """``Rescale<dst_bits>`` of a value with ``src_bits`` integer bits."""
    e = src_bits - dst_bits
    if e > 0:
        return saturating_shift_left(x, e)
    if e < 0:
        return rounding_divide_by_pot(x, -e)
    return np.asarray(x, np.int64)


def _exp_quarter(a: np.ndarray) -> np.ndarray:
    """``exp_on_interval_between_negative_one_quarter_and_0_excl`` (Q0.31 in and out): the Taylor
    expansion around -1/8."""
    constant_term = 1895147668  # exp(-1/8)
    one_third = 715827883
    x = a + (1 << 28)  # a + 1/8
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = rounding_divide_by_pot(x4, 2)
    poly = rounding_divide_by_pot(srdhm(x4_over_4 + x3, one_third) + x2, 1)
    return constant_term + srdhm(constant_term, x + poly)


_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535), (3, 720401), (4, 242))
"""``exp(-2^k)`` in Q0.31 for the bits of the input's integer part (gemmlowp's barrel shifter)."""


def exp_on_negative_values(a: np.ndarray, integer_bits: int) -> np.ndarray:
    """``exp_on_negative_values``: ``exp(a)`` in Q0.31 for ``a <= 0`` with ``integer_bits``
    integer bits (TFLite's softmax: 5)."""
    frac = 31 - integer_bits
    quarter = 1 << (frac - 2)
    a = np.asarray(a, np.int64)
    a_mod = (a & (quarter - 1)) - quarter
    result = _exp_quarter(rescale(a_mod, integer_bits, 0))
    remainder = a_mod - a
    for k, mult in _BARREL:
        if integer_bits > k:
            bit = 1 << (frac + k)
            result = np.where((remainder & bit) != 0, srdhm(result, mult), result)
    return np.where(a == 0, INT32_MAX, result)


def one_over_one_plus_x_for_x_in_0_1(a: np.ndarray) -> np.ndarray:
    """``one_over_one_plus_x_for_x_in_0_1`` (Q0.31 in and out): three Newton-Raphson steps."""
    a = np.asarray(a, np.int64)
    s = a + INT32_MAX  # RoundingHalfSum(a, One): (a + b + sign) / 2, truncated
    half_den = np.where(s >= 0, (s + 1) // 2, -((-s + 1) // 2))
    x = 1515870810 + srdhm(half_den, -1010580540)  # 48/17 - 32/17 * d, Q2.29
    one_q2 = 1 << 29
    for _ in range(3):
        hdx = srdhm(half_den, x)
        x = x + saturating_shift_left(srdhm(x, one_q2 - hdx), 2)
    return saturating_shift_left(x, 1)  # ExactMulByPot<-1> then Rescale<0>


def count_leading_zeros(x: np.ndarray) -> np.ndarray:
    """Leading zero bits of the uint32 ``x`` (32 for 0)."""
    x = np.asarray(x, np.int64) & 0xFFFFFFFF
    n = np.full(x.shape, 32, np.int64)
    for b in range(31, -1, -1):
        n = np.where((n == 32) & (((x >> b) & 1) != 0), 31 - b, n)
    return n


def softmax_int8(x: np.ndarray, input_multiplier: int, input_left_shift: int, diff_min: int) -> np.ndarray:
    """TFLite's reference int8 softmax over the last axis (``reference_ops::Softmax``, int8 in and
    out, output scale 1/256 and zero point -128)."""
    scaled_diff_bits, accum_bits = 5, 12
    x = np.asarray(x, np.int64)
    diff = x - x.max(axis=-1, keepdims=True)
    use = diff >= diff_min
    rescaled = srdhm(diff << input_left_shift, input_multiplier)
    exps = exp_on_negative_values(np.where(use, rescaled, 0), scaled_diff_bits)
    terms = np.where(use, rescale(exps, 0, accum_bits), 0)
    total = terms.sum(axis=-1, keepdims=True)  # int32 sum: at most 256 * 2^19, no wrap
    headroom = count_leading_zeros(total)
    bits_over_unit = accum_bits - headroom
    shifted = ((total << headroom) & 0xFFFFFFFF) - (1 << 31)
    scale = one_over_one_plus_x_for_x_in_0_1(shifted)
    out = rounding_divide_by_pot(srdhm(scale, exps), bits_over_unit + 31 - 8) - 128
    return np.where(use, np.clip(out, -128, 127), -128)

