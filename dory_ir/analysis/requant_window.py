"""The input window of a requantisation: where ``clip(floor((x*m + a) / d), lo, hi)`` can be
computed exactly in 32-bit unsigned arithmetic, for *every* si32 input.

The fact
--------
For one channel with multiplier ``m``, addend ``a``, divisor ``d > 0`` (``2**shift`` or ``div``),
floor rounding and bounds ``lo <= hi``, let ``t(x) = x*m + a``, ``f(x) = floor(t(x) / d)`` and
``y(x) = clip(f(x), lo, hi)``. Its *window* is the set of si32 ``x`` whose ``f(x)`` needs no clip,

    W = {x in [-2^31, 2^31) : lo*d <= t(x) < (hi + 1)*d}  =  [wl, wh],

an interval (``t`` is monotone). When

    (1) (hi - lo + 1) * d <= 2^32,   (2) |m| <= d,   (3) W is not empty (m != 0),

then for every si32 ``x``, with ``c = clamp(x, wl, wh)`` and ``v = t(c) - lo*d``:

    y(x) = lo + floor(v / d),   0 <= v < 2^32,

so ``v`` is exactly ``(u32)c * (u32)m + (u32)a - (u32)(lo*d)`` computed modulo 2^32 (only the low
32 bits of ``a`` matter), and ``floor(v / d)`` is a logical shift (``d = 2^shift``) or the
multiply-high division of runtime/kernels/requant_fast.h (``d < 2^31``, ``v < 2^32``).

Proof. Inside ``W``: ``lo*d <= t(c) < (hi + 1)*d`` gives ``0 <= v < (hi - lo + 1)*d <= 2^32``
by (1), and ``lo <= f(c) <= hi``, so ``y(c) = f(c) = lo + floor(v / d)`` (``floor((v + lo*d)/d)
= lo + floor(v/d)``). Below ``W`` (``x < wl``, only when ``wl > -2^31``, i.e. ``wl`` is where
``W`` really starts): for ``m > 0``, ``t(x) <= t(wl - 1) < lo*d`` so ``y(x) = lo``; and ``c = wl``
with ``t(wl) = t(wl - 1) + m < lo*d + m <= (lo + 1)*d`` by (2), so ``f(wl) = lo``: the same.
For ``m < 0`` the ends swap roles: below ``W``, ``t(x) >= t(wl - 1) >= (hi + 1)*d`` so
``y(x) = hi``, and ``t(wl) = t(wl - 1) + m >= (hi + 1)*d - |m| >= hi*d`` gives ``f(wl) = hi``.
Above ``W`` symmetrically (``t(wh + 1) = t(wh) + m``). ``m = 0``: ``t = a`` everywhere; the window
is ``[0, 0]`` when ``lo <= floor(a/d) <= hi`` (then ``v = a - lo*d`` is in range), else none.

The window depends only on the stage's parameters (not on the values the layer can produce), so
`window_of` is the one definition: the ``requant-window`` pass attaches it to a layer's requant
(``win_lo``/``win_hi``), the ``qnn.requant`` verifier checks it, tests check it by brute force.
"""

from __future__ import annotations

from typing import Sequence

from dory.dory_ir.analysis.ranges import FLOOR, AffineClip, per_channel

SI32_MIN = -(1 << 31)
SI32_MAX = (1 << 31) - 1


def channel_window(m: int, a: int, d: int, lo: int, hi: int) -> tuple[int, int] | None:
    """``(wl, wh)`` of one channel (see the module doc), or None when conditions (1)-(3) fail."""
    if d < 1 or lo > hi or (hi - lo + 1) * d > (1 << 32) or abs(m) > d:
        return None
    if m == 0:
        return (0, 0) if lo <= a // d <= hi else None
    bot, top = lo * d - a, (hi + 1) * d - a  # W: bot <= x*m < top
    if m > 0:
        wl, wh = -(-bot // m), -(-top // m) - 1  # ceil(bot/m), ceil(top/m) - 1
    else:
        wl, wh = top // m + 1, bot // m  # x*m < top <=> x > top/m; x*m >= bot <=> x <= bot/m
    wl, wh = max(wl, SI32_MIN), min(wh, SI32_MAX)
    return (wl, wh) if wl <= wh else None


def window_of(ac: AffineClip, channels: int) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """Per channel ``(win_lo, win_hi)`` of a floor requant over ``channels`` channels, or None
    when some channel has no window (or the rounding is trunc with ``d > 1``)."""
    if ac.rounding != FLOOR and ac.div != 1:
        return None
    ms, adds = per_channel(ac.mul, channels), per_channel(ac.add, channels)
    if len(ms) != channels or len(adds) != channels:
        return None
    lo_v: list[int] = []
    hi_v: list[int] = []
    for m, a in zip(ms, adds):
        w = channel_window(m, a, ac.div, ac.lo, ac.hi)
        if w is None:
            return None
        lo_v.append(w[0])
        hi_v.append(w[1])
    return tuple(lo_v), tuple(hi_v)


def windowed(ac: AffineClip, c: int, x: int, win: tuple[Sequence[int], Sequence[int]]) -> int:
    """The requant of si32 ``x`` in channel ``c`` computed the way the C end does with the window
    ``win`` (32-bit unsigned arithmetic): the function the tests compare with ``ac.apply``."""
    m = ac.mul[c if len(ac.mul) > 1 else 0]
    a = ac.add[c if len(ac.add) > 1 else 0]
    cl = min(max(x, win[0][c]), win[1][c])
    v = (cl * m + a - ac.lo * ac.div) & 0xFFFFFFFF
    return ac.lo + v // ac.div
