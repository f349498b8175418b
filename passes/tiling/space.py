"""The candidate space of tile sizes per dimension, with the target's steps.

Per dimension of extent ``N``: every value ``1..N`` when ``N <= 16``, else ``N``, powers of two,
multiples of the dimension's step up to 8 steps, the divisors of ``N`` that are multiples of the
step, and ``ceil(N / j)`` rounded up to the step for ``j = 2..8`` (balanced tiles). The steps are
the target's: its SIMD lanes for channels (``simd_macs``), its cores for rows (``cores``), its
conv kernels' output columns for columns (``column_step``). The output rows of a KxK conv of one
group also take ``ceil(N / j)`` for ``j = 2..16`` off the step: its kernels split (pixel, channel
block) units over the cores, not rows, so 12 of 100 rows (9 tiles) is as balanced as 8 (13 tiles)
and fits L1 where 16 does not (each tile costs core 0 its transfers and bookkeeping:
Residual_connection_test_1's first two convs took 13 tiles each). Columns are split only when no
full-width tile fits, and input channels only when no tile with all input channels fits (both
cost halos/partial sums and make transfers strided; DORY never splits them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

from dory.backends.target import CONV_PX4_MAX_K, Target, default_target
from dory.passes.tiling.cost import l1_sizes_of
from dory.passes.tiling.geometry import Geometry


def candidates(n: int, step: int, cap: int | None = None, off_step: bool = False) -> list[int]:
    """Candidate tile sizes for an extent ``n`` (module docstring), at most ``cap``, ascending;
    ``off_step``: also the balanced sizes ``ceil(n / j)``, ``j = 2..16``, off the step."""
    top = n if cap is None else max(1, min(n, cap))
    if top <= 16:
        return list(range(1, top + 1))
    vals = {top}
    p = 1
    while p < top:
        vals.add(p)
        p *= 2
    vals.update(step * k for k in range(1, 9) if step * k < top)
    vals.update(d for d in range(step, top, step) if n % d == 0)
    for j in range(2, 9):
        v = math.ceil(math.ceil(n / j) / step) * step
        if v < top:
            vals.add(v)
    if off_step:
        vals.update(v for v in (math.ceil(n / j) for j in range(2, 17)) if v < top)
    return sorted(vals)



@dataclass(frozen=True)
class Space:
    """The candidate values of each tile dimension (c_out, h_out, w_out, c_in)."""

    values: tuple[tuple[int, ...], ...]

    def tiles(self) -> Iterator[tuple[int, int, int, int]]:
        """Every combination, in a fixed order."""
        import itertools

        return itertools.product(*self.values)  # type: ignore[return-value]


def candidate_space(g: Geometry, l1: int, hw: Target | None = None, caps: dict[str, int] | None = None) -> Space:
    """The candidate space of layer ``g`` (module docstring): columns and input channels are split
    only when no tile with full width / all input channels fits ``l1``."""
    hw = hw or default_target()
    caps = caps or {}
    cs = candidates(g.co, hw.simd_macs, caps.get("c_out"))
    units = g.kind == "conv" and g.groups == 1 and g.kh * g.kw > 1  # split in units, not rows (docstring)
    hs = [1] if g.kind == "linear" else candidates(g.ho, hw.cores, caps.get("h_out"), off_step=units)
    ws_all = [1] if g.kind == "linear" else candidates(g.wo, hw.column_step)
    ks_all = [g.ci] if not g.split_cin else candidates(g.ci, hw.simd_macs)
    # A dimension beyond the first is opened only when the smaller space cannot fit at all.
    ws, ks = [ws_all[-1]], [ks_all[-1]]
    if not _fits_any(g, (cs, hs, ws, ks), l1, hw):
        ws = ws_all
        if not _fits_any(g, (cs, hs, ws, ks), l1, hw):
            ks = ks_all
    if g.cin_follows_cout:
        ks = [g.ci]  # placeholder: c_in is c_out for these kernels
    return Space((tuple(cs), tuple(hs), tuple(ws), tuple(ks)))


def _fits_any(g: Geometry, vals: tuple[list[int], ...], l1: int, hw: Target) -> bool:
    """Does any tile of the box ``vals`` fit ``l1``? Along each dimension (others fixed) the
    footprint grows with the tile size except that the largest value may drop it (a whole
    dimension ends double buffering of the weights, a whole layer that of every buffer), so its
    minimum over the box is at a corner: 2^4 evaluations instead of the whole product. One
    exception along ``c_in``: a KxK conv's scratch grows when ``kh * kw * c_in`` drops to
    ``CONV_PX4_MAX_K`` or below (conv_px4's pixel buffers, ``Target.conv_scratch_bytes``), so
    the smallest ``c_in`` above that bound is a corner too; and a 1-D conv's scratch drops when
    ``c_in`` leaves 9..15 not a multiple of 4 (the aligned taps' weight copy, `conv_tap_ct`), so
    its ``c_in`` values from 9 to 16 are corners too."""
    import itertools

    ends = [{v[0], v[-1]} for v in vals]
    if len(vals) == 4 and g.kh * g.kw > 1:
        ends[3].add(min((c for c in vals[3] if g.kh * g.kw * c > CONV_PX4_MAX_K), default=vals[3][-1]))
        if g.kh == 1:
            ends[3].update(c for c in vals[3] if 8 < c <= 16)
    corners = itertools.product(*ends)
    return any(l1_sizes_of(g, t, hw).total <= l1 for t in corners)  # type: ignore[arg-type]

