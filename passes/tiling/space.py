"""The tile spaces the search runs over, with the target's steps.

*Candidate space* (`candidate_space`, what the ``tile`` pass searches by default): per dimension of extent ``N``: every value ``1..N`` when ``N <= 16``, else ``N``, powers of two,
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

*Pruned legal space* (`pruned_space`; `solve` with ``space="legal"``): every tile size the runtime executes
(`legal_space`), less the values a proved dominance argument removes (each pruned value has a kept value that is no worse under the cost model for
*every* choice of the other dimensions), so the optimum over the pruned space is the optimum over
every legal tile (tests/test_tile_space.py checks it against exhaustive search).

The legal space
---------------
runtime/src/layer.c runs any tile ``(c_out, h_out, w_out, c_in)`` with ``1 <= t_d <= N_d``: it
walks the blocks ``[i*t, min((i+1)*t, N))`` of each dimension, the last one ragged, and every
kernel takes any block size (ragged blocks are what a non-divisor tile gives anyway). Real
restrictions: ``c_in`` is split only where the kernel accumulates partial sums
(`Geometry.split_cin`: a conv of one group, a linear); depthwise, pool and add read the channels
they write (``c_in`` follows ``c_out``, a placeholder ``N`` here); a linear has one row and one
column. Columns and input channels are always open. An L3 tile caps ``c_out`` / ``h_out``.

Dominance, value by value
-------------------------
Along a dimension of extent ``N``, a tile ``t`` makes ``j = ceil(N / t)`` blocks: ``j - 1`` of
``t`` and a last one of ``r = N - (j - 1) t`` (``1 <= r <= t``). The values with the same ``j``
form the range ``[ceil(N / j), ceil(N / (j - 1)) - 1]``. A value ``t`` is pruned for ``t' = t -
L`` when ``t'`` has the same ``j`` (and the side conditions below hold); by induction every
pruned value has a kept dominator. Why ``t'`` is no worse, term by term of `passes.tiling.cost`:

1. *Counts.* Everything that depends on the tile counts only (``n``, the double-buffer copies of
   `l1_sizes_of`, `input_loads`, the weight re-reads ``w_total``, the per-tile setups, the
   overhead ``n x tile``, "split or whole" tests such as ``k < Ci``, ``c == Co``, ``w == Wo``)
   is equal: ``j`` is.
2. *Sizes, monotone.* The footprint's buffers (input rows/columns `_in_extent`, output, weights,
   parameters, the depthwise scratch), the first load and last store, the row setups of a
   strided transfer (``rows``, ``h``) all grow with ``t``; `evaluate`'s cycles are
   ``overhead + max(first + last + compute, first + last, dma)`` (one tile: ``j = 1`` on every
   dimension, never pruned), non-decreasing in each of them. Per-dimension exceptions, checked
   numerically for each pair (``t'``, ``t``) instead of assumed: the input rows / columns read
   over the layer (`_in_total`: halos and padding clipping depend on where blocks fall) must not
   grow; the conv scratch (`Target.conv_scratch_bytes`: larger for ``kh kw c_in <= 32`` and for
   a 1-D kernel's aligned taps) must not grow; a grouped conv's input groups per channel tile
   (`_groups_touched`) must not grow; and ``t'``, ``t`` must be on the same side of the column
   count whose input window covers the whole input width (a transfer then folds into one
   command: DORY's ``in_full``, pulp's ``cols < Wi``), a step the other way.
3. *Compute.* It is a sum over the blocks of a per-block function ``F`` (the efficiency model's
   `_steps`: ``ceil(b / lanes)``; the calibrated model's `tile_features`, summed by
   `kernel_features`). If ``F(b + L) = F(b) + C`` with ``C`` independent of ``b`` (for every
   choice of the other dimensions' blocks) on ``b >= T``, then with ``j`` fixed
   ``(j - 1) F(t) + F(r)`` is the same for ``t`` and ``t - L`` (``r`` grows by ``(j - 1) L``),
   provided ``t - L`` and the smaller ``r`` are ``>= T``. Periods ``L`` and thresholds ``T``
   (cores ``P`` = 8, SIMD lanes ``S`` = 4 on both targets; `_periods`):

   - efficiency model (no `KernelModel`): a conv's compute goes with ``_steps(Co, c, S) x
     _steps(Ho, h, P)``: ``c``: ``L = S``, ``h``: ``L = P``; depthwise, linear: ``c``: ``L = P``;
     pool, add: ``h``: ``L = P``; every other dimension ``L = 1`` (only ``j`` matters): one
     value per ``j``, ``ceil(N / j)``, plus the side conditions of 2.
   - calibrated: conv fast path (KxK): units ``ceil(ceil(h w / 2) ceil(c / 4) / P)``,
     ``acc = ceil(h w c / P)``, pw4's ``c % 4``, ``h w % 4``: ``c``: ``L = 4P``, ``h``, ``w``:
     ``L = 2P``; ``c_in``: linear (``mac``, ``im2col``) but for conv_px4's ``kh kw c_in <= 32``:
     ``L = 1``, ``T = 32 // (kh kw) + 1``. 1-D kernels (``kh = 1 < kw``): one output row pairs
     pixels in shared buffers (`_shared_row`: ``h = 1``, ``c <= 16``, aligned taps of 9..15
     ``c_in``, chains of pairs over ``w``): ``h``: ``T = 2``, ``c``: ``T = 17``, ``w`` and
     ``c_in`` not pruned. pointwise: as conv, ``c_in`` ``L = 1`` (tiny / pw4 need all of
     ``c_in``: ``j = 1``). conv16: ``c``: ``4P``, ``h``, ``w``: ``P``, ``c_in``: 1. Generic conv,
     depthwise strip / generic: `_split` (rows when ``rows >= P``, else channels):
     ``h``: ``L = P``, ``T = P``; ``c``: ``L = P``; ``w``, ``c_in``: 1. Depthwise 3x3 (the ring's
     grid `_ring_grid`, an argmin over the core split that is periodic in none of ``c``, ``h``,
     ``w``, and its ``wide64`` end): not pruned. linear: ``per = ceil(c / P)`` in blocks of 4:
     ``c``: ``L = 4P``; ``c_in``: 1. pool: rows ``>= P`` take `_split`'s rows: ``h``: ``L = P``,
     ``T = P``; ``c`` and ``w`` not pruned (`_pool_split`'s pixel-or-channel choice). add:
     ``ceil(h w c / P)``: ``L = P`` on each.

   ``L = 0`` means not pruned. The key's last tie-break, the tile itself, prefers ``t'`` too, so
   `Evaluation.key` of the best tile is exactly the exhaustive one.

Size: per dimension about ``2 sqrt(N L)`` values (every ``t`` below ``sqrt(N L)``, then at most
``L`` per ``j``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterator

from dory.backends.target import CONV_1D_TINY_MAX_CO, CONV_PX4_MAX_K, CONV_TAPW_MAX_CO, Target, default_target
from dory.passes.tiling.cost import l1_sizes_of, model_kind
from dory.passes.tiling.geometry import Geometry, _groups_touched, _in_extent, _in_total


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

    @property
    def size(self) -> int:
        """The number of tiles."""
        return math.prod(len(v) for v in self.values)


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


_Period = tuple[int, int]
"""(L, T) of one dimension (module docstring): prune ``t`` for ``t - L`` when both and the smaller
last block are ``>= T``; ``L = 0``: keep every value."""


def _periods(g: Geometry, hw: Target) -> tuple[_Period, _Period, _Period, _Period]:
    """(L, T) of (c_out, h_out, w_out, c_in) under ``hw``'s cost model (module docstring, 3.)."""
    P, S = hw.cores, hw.simd_macs
    one: _Period = (1, 1)
    if hw.kernel_model is None:
        if g.kind == "conv":
            return (S, 1), (P, 1), one, one
        if g.kind in ("depthwise", "linear"):
            return (P, 1), one, one, one
        return one, (P, 1), one, one  # pool, add
    kind = model_kind(g)
    if kind == "conv":
        if g.kh == 1 and g.kw > 1:  # 1-D: one output row's shared pairs
            return (4 * P, max(17, CONV_1D_TINY_MAX_CO + 1, CONV_TAPW_MAX_CO + 1)), (2 * P, 2), (0, 1), (0, 1)
        return (4 * P, 1), (2 * P, 1), (2 * P, 1), (1, CONV_PX4_MAX_K // (g.kh * g.kw) + 1)
    if kind == "pointwise":
        return (4 * P, 1), (2 * P, 1), (2 * P, 1), one
    if kind == "conv16":
        return (4 * P, 1), (P, 1), (P, 1), one
    if kind == "depthwise" and (g.kh, g.kw) == (3, 3):
        return (0, 1), (0, 1), (0, 1), one
    if kind in ("conv_generic", "depthwise", "depthwise_generic"):
        return (P, 1), (P, P), one, one
    if kind == "linear":
        return (4 * P, 1), one, one, one
    if kind == "pool":
        return (0, 1), (P, P), (0, 1), one
    return (P, 1), (P, 1), (P, 1), one  # add


def prune(n: int, top: int, period: _Period, no_worse: Callable[[int, int], bool] = lambda a, b: True) -> list[int]:
    """The values ``1..top`` of an extent ``n`` that no smaller value dominates (module
    docstring): ``t`` goes when ``t - L`` makes as many blocks, ``t - L`` and the last block of
    ``t`` are ``>= T``, and ``no_worse(t - L, t)`` (the per-dimension checks of 2.)."""
    L, T = period
    keep = []
    for t in range(1, top + 1):
        s = t - L
        if L > 0 and s >= T:
            j = -(-n // t)
            if -(-n // s) == j and n - (j - 1) * t >= T and no_worse(s, t):
                continue
        keep.append(t)
    return keep


def pruned_space(g: Geometry, hw: Target | None = None, caps: dict[str, int] | None = None) -> Space:
    """The pruned legal space of layer ``g`` (module docstring): the legal values less those a
    smaller value dominates; ``caps`` limits ``c_out`` / ``h_out`` (an L3 tile)."""
    return _space(g, hw or default_target(), caps or {}, pruned=True)


def legal_space(g: Geometry, hw: Target | None = None, caps: dict[str, int] | None = None) -> Space:
    """Every legal tile of ``g`` (module docstring), unpruned: the exhaustive oracle's space."""
    return _space(g, hw or default_target(), caps or {}, pruned=False)


def _space(g: Geometry, hw: Target, caps: dict[str, int], pruned: bool) -> Space:
    def top(n: int, key: str) -> int:
        cap = caps.get(key)
        return n if cap is None else max(1, min(n, cap))

    flat = g.kind == "linear"
    tops = (top(g.co, "c_out"), 1 if flat else top(g.ho, "h_out"), 1 if flat else g.wo,
            g.ci)
    if not pruned:
        ks = range(1, g.ci + 1) if g.split_cin else [g.ci]
        return Space((tuple(range(1, tops[0] + 1)), tuple(range(1, tops[1] + 1)), tuple(range(1, tops[2] + 1)),
                      tuple(ks)))
    pc, ph, pw, pk = _periods(g, hw)
    grouped = g.kind == "conv" and g.groups > 1
    cs = prune(g.co, tops[0], pc,
               (lambda a, b: _groups_touched(g.co, g.groups, a) <= _groups_touched(g.co, g.groups, b)) if grouped
               else (lambda a, b: True))
    if flat:
        hs, ws = [1], [1]
    else:
        def rows_total(t: int) -> int:
            return _in_total(g.ho, t, g.sh, g.kh, g.dh, g.pads[0], g.hi)

        def cols_total(t: int) -> int:
            return _in_total(g.wo, t, g.sw, g.kw, g.dw, g.pads[1], g.wi)

        def whole_width(t: int) -> bool:
            return _in_extent(t, g.sw, g.kw, g.dw, g.wi) == g.wi

        hs = prune(g.ho, tops[1], ph, lambda a, b: rows_total(a) <= rows_total(b))
        ws = prune(g.wo, tops[2], pw,
                   lambda a, b: whole_width(a) == whole_width(b) and cols_total(a) <= cols_total(b))
    if g.split_cin:
        if g.kind == "conv":
            ks = prune(g.ci, g.ci, pk, lambda a, b: hw.conv_scratch_bytes(g.kh, g.kw, a) <= hw.conv_scratch_bytes(g.kh, g.kw, b))
        else:
            ks = prune(g.ci, g.ci, pk)
    else:
        ks = [g.ci]  # placeholder: c_in is c_out (depthwise, pool, add) or all of them (grouped conv)
    return Space((tuple(cs), tuple(hs), tuple(ws), tuple(ks)))
