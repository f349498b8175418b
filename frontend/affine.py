"""Exact symbolic form of the elementwise integer arithmetic between two deployed layers.

NEMO and QuantLab export requantisation as chains of float/int64 ONNX ops (Mul, Add, Div, Floor,
Cast, Clip). Rather than matching fixed chains, the importer evaluates them symbolically:

    value = round( (sum_i x_i * M_i + A) / D )        then optionally clipped to [lo, hi]

where each ``x_i`` is an integer IR value (a conv output, a layer output), ``M_i`` and ``A`` are
exact integers (scalars or per-channel vectors), ``D`` is a positive integer and ``round`` is a
rounding point the graph applied (``Floor`` -> floor, int64 ``Div`` or float->int ``Cast`` ->
trunc). Every step is exact rational arithmetic, so when the chain is materialised as
``qnn.requant``/``qnn.add`` ops the integer semantics of the ONNX chain are preserved bit for bit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def as_exact_int(c: np.ndarray) -> np.ndarray | None:
    """``c`` as an int64 array if every element is an exact integer (float or int input)."""
    a = np.asarray(c)
    if a.dtype.kind in "iub":
        return a.astype(np.int64)
    if a.dtype.kind == "f":
        if not np.all(np.isfinite(a)):
            return None
        r = np.round(a)
        if not np.array_equal(r, a):
            return None
        if np.any(np.abs(r) > 2**62):
            return None
        return r.astype(np.int64)
    return None


EXACT_LIMIT = 1 << 62
"""Multipliers, offsets and divisors of a chain stay below this magnitude: int64 arithmetic on
them (and on their products with 32-bit values, done on Python ints) is then exact."""


class AffineOverflow(ArithmeticError):
    """A chain's multiplier, offset or divisor left the exact range (`EXACT_LIMIT`); the importer
    reports it as a located error at the node that did it."""


def checked(x: "np.ndarray | int") -> np.ndarray:
    """``x`` (computed on Python ints: an object array or int) as int64; `AffineOverflow` when a
    value reaches `EXACT_LIMIT` (numpy's int64 would wrap silently)."""
    a = np.asarray(x, dtype=object)
    if a.size and max(abs(int(v)) for v in a.reshape(-1)) >= EXACT_LIMIT:
        raise AffineOverflow(f"a value of magnitude 2^{max(abs(int(v)) for v in a.reshape(-1)).bit_length() - 1} or more")
    return a.astype(np.int64)


def first_non_integer(a: np.ndarray) -> Any:
    """The first element of ``a`` that is not an exact integer (for messages; else the first)."""
    flat = np.asarray(a).reshape(-1)
    for v in flat:
        if isinstance(v, (float, np.floating)) and (not math.isfinite(float(v)) or float(v) != round(float(v))):
            return float(v)
    return flat[0].item() if flat.size else None


def as_exact_fraction(c: np.ndarray) -> tuple[np.ndarray, int] | None:
    """``c`` as ``(numerators, denominator)`` when every element is ``n / 2^k`` exactly (what a
    float scale such as 0.25 can hold exactly); None otherwise."""
    ints = as_exact_int(c)
    if ints is not None:
        return ints, 1
    a = np.asarray(c, dtype=np.float64)
    if not np.all(np.isfinite(a)):
        return None
    for k in range(1, 40):
        scaled = a * float(1 << k)
        ints = as_exact_int(scaled)
        if ints is not None:
            return ints, 1 << k
    return None


@dataclass
class Term:
    """``x * mul`` where ``x`` is an integer IR value (held opaquely by the importer)."""

    value: object
    mul: np.ndarray  # int64, scalar () or per-channel (C,) in IR (channel-last) layout
    lo: int  # range of x
    hi: int


@dataclass
class Affine:
    """``round((sum terms + add) / div)`` with an optional clip, see the module docstring.

    ``rounding`` is None while the value is an exact rational (div may be > 1 then); once a
    rounding point is applied it holds "floor" or "trunc" and the value is an integer.
    ``is_int`` tracks the ONNX element type (int64 vs float): an int64 ``Div`` truncates.
    """

    terms: list[Term]
    add: np.ndarray = field(default_factory=lambda: np.zeros((), np.int64))
    div: int = 1
    rounding: str | None = None
    clip: tuple[int, int] | None = None
    is_int: bool = False

    def copy(self) -> "Affine":
        return Affine(
            [Term(t.value, t.mul.copy(), t.lo, t.hi) for t in self.terms],
            self.add.copy(),
            self.div,
            self.rounding,
            self.clip,
            self.is_int,
        )

    @property
    def is_integer(self) -> bool:
        """True when the value is known to be an integer (no pending fraction)."""
        return self.rounding is not None or self.div == 1

    @property
    def is_identity(self) -> bool:
        """A single term ``x * 1 + 0`` with nothing else: the plain value ``x``."""
        return (
            len(self.terms) == 1
            and self.div == 1
            and self.clip is None
            and bool(np.all(self.terms[0].mul == 1))
            and bool(np.all(self.add == 0))
        )

    def scale(self, num: "np.ndarray | int", den: int = 1) -> None:
        """Multiply the value by ``num / den`` exactly (``num`` scalar or per channel): the
        multipliers and offset take ``num``, the divisor takes ``den`` (`AffineOverflow` if one
        leaves the exact range)."""
        n = np.asarray(num).astype(object)
        for t in self.terms:
            t.mul = checked(t.mul.astype(object) * n)
        self.add = checked(self.add.astype(object) * n)
        self.div *= den
        checked(self.div)

    def pre_round_range(self) -> tuple[int, int]:
        """Exact bounds of ``sum terms + add`` (before division)."""
        lo = np.zeros((), np.int64).astype(object)
        hi = np.zeros((), np.int64).astype(object)
        for t in self.terms:
            m = t.mul.astype(object)
            a = m * t.lo
            b = m * t.hi
            lo = lo + np.minimum(a, b)
            hi = hi + np.maximum(a, b)
        lo = lo + self.add.astype(object)
        hi = hi + self.add.astype(object)
        return int(np.min(lo)), int(np.max(hi))

    def value_range(self) -> tuple[int, int]:
        """Conservative bounds of the (rounded, clipped) value."""
        lo, hi = self.pre_round_range()
        lo, hi = lo // self.div, -((-hi) // self.div)
        if self.clip is not None:
            lo = min(max(lo, self.clip[0]), self.clip[1])
            hi = max(min(hi, self.clip[1]), self.clip[0])
        return lo, hi

    def normalise(self) -> None:
        """Divide multipliers, offset and divisor by their common factor. The rational value
        (and so every rounding of it) is unchanged; the constants just get smaller."""
        g = self.div
        # each distinct value once (a set, not np.unique: that loads numpy.ma, 70 ms at start-up)
        for t in self.terms:
            for v in set(np.asarray(t.mul).ravel().tolist()):
                g = math.gcd(g, int(v))
        for v in set(np.asarray(self.add).ravel().tolist()):
            g = math.gcd(g, int(v))
        if g > 1:
            for t in self.terms:
                t.mul = t.mul // g
            self.add = self.add // g
            self.div //= g
