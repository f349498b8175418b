"""Exact integer helpers shared by the interpreter's op implementations.

Every array the interpreter handles is numpy int64 holding exact values. int64 is enough for
quantized networks (an int8 x int8 conv with 2^20 taps still needs only 35 bits), but it is not
unbounded: an implementation first computes a bound on every intermediate from the largest
magnitudes actually present and calls `check_int64_bound`, so it fails with a located error
instead of silently wrapping inside numpy.
"""

from __future__ import annotations

import numpy as np

from dory.dory_ir.types import IntegerType

INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1

# float64 represents every integer of magnitude <= 2^53 exactly. A dot product whose sum of
# absolute products stays within that bound is therefore computed exactly by float64 BLAS, in any
# summation order: every partial sum is an integer of smaller magnitude. That is ~8x faster than
# numpy's (non-BLAS) int64 matmul, which matters for convolutions of real networks.
FLOAT64_EXACT = 1 << 53

# The same argument for float32 (a 24-bit significand): a dot product whose sum of absolute
# products stays within 2^24 is exact in float32 BLAS, in any order and with fused multiply-adds
# (every product and partial sum is an integer of at most that magnitude, which float32 holds
# exactly); about twice float64's speed, and most int8 layers of up to 512 input channels qualify.
FLOAT32_EXACT = 1 << 24


def exact_float_type(bound: int) -> type | None:
    """The narrower float type (float32, else float64) in which dot products whose sum of absolute
    products is at most ``bound`` are exact, or None when neither is (compute in int64)."""
    if bound <= FLOAT32_EXACT:
        return np.float32
    if bound <= FLOAT64_EXACT:
        return np.float64
    return None

ROUNDING_MODES = ("floor", "trunc", "half_away")


def int64_range(et: IntegerType) -> tuple[int, int]:
    """The values of ``et`` an int64 array can hold: its full range, except that ``ui64`` stops
    at 2^63 - 1 (the interpreter's arrays are int64)."""
    return et.min_value, min(et.max_value, INT64_MAX)


def max_abs(a: np.ndarray | int) -> int:
    """The largest magnitude in ``a`` as a Python int (0 for an empty array). Computed from min
    and max so that ``abs(INT64_MIN)`` cannot overflow."""
    if isinstance(a, (int, np.integer)):
        return abs(int(a))
    if a.size == 0:
        return 0
    return max(-int(a.min()), int(a.max()))


def exceeds_int64(bound: int) -> bool:
    """True if a magnitude bound does not fit int64 (the caller must not compute in int64)."""
    return bound > INT64_MAX


def describe_bound(bound: int) -> str:
    """``"about 2^64"``: a short human reading of a large bound for error messages."""
    return f"{bound} (about 2^{bound.bit_length()})"


def wrap(a: np.ndarray, et: IntegerType) -> np.ndarray:
    """Reduce exact values modulo 2^width into ``et``'s range, as a C cast to that width does:
    two's complement for signless and signed types, modulo 2^N for unsigned ones.

    Raises ValueError for ``ui64`` values that wrap to 2^63 or more, which an int64 array cannot
    hold.
    """
    w = et.width
    if w == 64:
        if et.is_unsigned and a.size and int(a.min()) < 0:
            raise ValueError(f"value {int(a.min())} wraps to {int(a.min()) + (1 << 64)} in ui64, beyond int64")
        return a
    # int64 bitwise AND on two's complement keeps the low w bits of the exact value.
    low = np.bitwise_and(a, np.int64((1 << w) - 1))
    if et.is_unsigned:
        return low
    return np.where(low > et.max_value, low - np.int64(1 << w), low)


def div_round(a: np.ndarray, d: int | np.ndarray, rounding: str) -> np.ndarray:
    """``round(a / d)`` for positive integer divisors, exactly: ``"floor"`` rounds towards minus
    infinity, ``"trunc"`` towards zero. ``d`` is an int or an int64 array broadcasting against
    ``a`` (per-window counts); ``"half_away"`` to the nearest integer, ties away from zero (C's
    ``(a +- d/2) / d``: TFLite's RoundingDivideByPOT and int8 average pool). An int ``d`` may exceed
    int64 (a large ``shift``); then every ``|a| < d`` and the quotient is 0 or -1 (0 or +-1)."""
    if rounding not in ROUNDING_MODES:
        raise ValueError(f"rounding must be one of {', '.join(ROUNDING_MODES)}, found {rounding!r}")
    if isinstance(d, np.ndarray):
        if d.size and int(d.min()) <= 0:
            raise ValueError(f"divisor must be positive, found {int(d.min())}")
        div = d.astype(np.int64, copy=False)
    else:
        if d <= 0:
            raise ValueError(f"divisor must be positive, found {d}")
        if d > INT64_MAX:
            if rounding == "trunc":
                return np.zeros_like(a)
            if rounding == "half_away":
                # |a| < 2^63 < d: the quotient is +-1 exactly when 2|a| >= d (Python ints: no overflow)
                big = np.array([2 * abs(int(v)) >= d for v in np.asarray(a).reshape(-1)], dtype=bool).reshape(np.shape(a))
                return np.where(big, np.sign(a), 0).astype(np.int64)
            return np.where(a < 0, np.int64(-1), np.int64(0))
        div = np.int64(d)
    if rounding == "half_away":
        mag = np.abs(a)
        q = np.floor_divide(mag, div)
        rem = mag - q * div
        # rem >= div - rem is 2*rem >= div (a tie goes up in magnitude) without overflowing
        return np.where(a < 0, -1, 1) * (q + (rem >= div - rem))
    q = np.floor_divide(a, div)
    if rounding == "trunc":
        # floor and trunc differ exactly for negative quotients with a remainder.
        q = q + ((a < 0) & (np.remainder(a, div) != 0))
    return q


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for Python ints with ``b > 0``."""
    return -((-a) // b)
