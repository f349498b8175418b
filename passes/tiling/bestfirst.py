"""Best-first branch and bound over the pruned legal tile space (`passes.tiling.space.pruned_space`).

The legal space of a large layer holds millions of tiles, too many to evaluate or to encode one
clause per combination. Instead every tile of the space gets two cheap lower bounds at once
(numpy, vectorized over the product of the per-dimension value arrays; each per-value quantity
from the scalar function of `passes.tiling.geometry` / `backends.target` that the cost model
uses):

- its L1 footprint (`footprint_floor`: the buffers of `cost.l1_sizes_of` and their copies);
- its cycles (`cycles_floor_of`): ``n * overhead + max(floor, DMA floor)``, the overhead and the
  floor of `cost.tile_overhead` / `cost.cycles_floor`, the DMA floor the bytes `cost.dma_terms`
  moves over the layer at the DMA bandwidth (with more than one tile: a single tile's transfers
  are its first load and last store).

tests/test_tile_space.py checks both are lower bounds of the exact functions on every legal tile
of random layers, both bufferings, so the vectorized forms cannot drift into a wrong proof. The
search drops the tiles whose footprint bound exceeds the budget, then evaluates the others
exactly (`cost.evaluate`, `cost.l1_sizes_of`) in increasing order of their cycle bound until the
next bound exceeds the best exact cycles found: every tile not evaluated then either does not fit
or costs more than the best, so the best by `Evaluation.key` is the optimum over the pruned space
(and by `passes.tiling.space`'s dominance argument over every legal tile). The result does not
depend on the evaluation order: every tile whose cycles could tie or beat the final best is
evaluated.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

from dory.backends.target import Target
from dory.passes.tiling.cost import Evaluation, cycles_floor, evaluate, tile_overhead
from dory.passes.tiling.geometry import Geometry, _groups_touched, _in_extent, _in_total

if TYPE_CHECKING:
    import numpy as np

_ACC_BYTES = 4  # si32 partial-sum accumulator element (as cost._ACC_BYTES)


def _grid(g: Geometry, values: tuple[tuple[int, ...], ...]) -> tuple["np.ndarray", ...]:
    """The tile dimensions (c, h, w, k: ``k`` following ``c`` where the layer ties them) and the
    tile counts (nc, nh, nw, nk) as arrays broadcasting over the product of ``values``."""
    import numpy as np

    C, H, W, K = (np.asarray(v, dtype=np.int64).reshape([-1 if d == i else 1 for d in range(4)])
                  for i, v in enumerate(values))
    if g.cin_follows_cout:
        K = C
    nc, nh, nw = -(-g.co // C), -(-g.ho // H), -(-g.wo // W)
    nk = np.ones_like(K) if g.cin_follows_cout else -(-g.ci // K)
    return C, H, W, K, nc, nh, nw, nk


def _per(values: tuple[int, ...], axis: int, f) -> "np.ndarray":  # type: ignore[no-untyped-def]
    """``f`` of every value of one dimension, shaped to broadcast along ``axis``."""
    import numpy as np

    return np.asarray([f(v) for v in values], dtype=np.int64).reshape([-1 if d == axis else 1 for d in range(4)])


def footprint_floor(g: Geometry, values: tuple[tuple[int, ...], ...], hw: Target, single: bool) -> "np.ndarray":
    """A lower bound on `cost.l1_sizes_of`'s total of every tile of the product of ``values``
    under the buffering (4-D array): the input tile with halo (times the groups a grouped conv's
    channel tile touches), output, weights, parameters, the kernel's scratch and the accumulator
    of split input channels, with `cost.l1_sizes_of`'s copies (one each when ``single``)."""
    import numpy as np

    C, H, W, K, nc, nh, nw, nk = _grid(g, values)
    if g.kind == "linear":
        in_b, out_b = K * g.in_bytes * g.n, C * g.out_bytes * g.n
    else:
        rows = _per(values[1], 1, lambda h: _in_extent(h, g.sh, g.kh, g.dh, g.hi))
        cols = _per(values[2], 2, lambda w: _in_extent(w, g.sw, g.kw, g.dw, g.wi))
        in_b = rows * cols * K * g.in_bytes
        if g.kind == "conv" and g.groups > 1:
            in_b = in_b * _per(values[0], 0, lambda c: _groups_touched(g.co, g.groups, c))
        out_b = H * W * C * g.out_bytes
    w_per_c = g.weight_bytes_per_channel // max(g.ci, 1) * K if g.split_cin else g.weight_bytes_per_channel
    wp = C * w_per_c + C * g.param_bytes
    scratch = np.zeros((1, 1, 1, 1), dtype=np.int64)
    if g.kind == "conv":
        scratch = _per(values[3], 3, lambda k: hw.conv_scratch_bytes(g.kh, g.kw, k))
        if g.cin_follows_cout:
            scratch = _per(values[0], 0, lambda k: hw.conv_scratch_bytes(g.kh, g.kw, k))
    elif g.kind == "depthwise":
        rows_l = [_in_extent(h, g.sh, g.kh, g.dh, g.hi) for h in values[1]]
        cols_l = [_in_extent(w, g.sw, g.kw, g.dw, g.wi) for w in values[2]]
        scratch = np.asarray([[hw.depthwise_scratch_bytes(g.kh, g.kw, r, c, g.pads) for c in cols_l] for r in rows_l],
                             dtype=np.int64).reshape(1, len(rows_l), len(cols_l), 1)
    scratch = scratch + np.where(nk > 1, (out_b // g.out_bytes) * _ACC_BYTES, 0)
    if single:
        return in_b + out_b + wp + scratch
    n = nc * nh * nw * nk
    loads = np.where((nk == 1) & g.split_cin, nh * nw, n)
    return (np.where(loads > 1, 2, 1) * in_b + np.where(n > 1, 2, 1) * out_b + np.where(nc * nk > 1, 2, 1) * wp
            + scratch)


@functools.lru_cache(maxsize=2)  # both bufferings of one layer share it
def _cycle_terms(g: Geometry, values: tuple[tuple[int, ...], ...], hw: Target) -> tuple["np.ndarray", ...]:
    """`cycles_bound`'s terms independent of the buffering: the tile count, the DMA floor and the
    compute bound (4-D arrays, broadcasting)."""
    import numpy as np

    from dory.passes.tiling.cost import _efficiency_compute

    C, H, W, K, nc, nh, nw, nk = _grid(g, values)
    n = nc * nh * nw * nk
    out = (g.co if g.kind == "linear" else g.ho * g.wo * g.co) * g.out_bytes * g.n
    if g.kind == "linear":
        inp = g.ci * g.in_bytes * g.n * nc
    else:
        rows_t = _per(values[1], 1, lambda h: _in_total(g.ho, h, g.sh, g.kh, g.dh, g.pads[0], g.hi))
        cols_t = _per(values[2], 2, lambda w: _in_total(g.wo, w, g.sw, g.kw, g.dw, g.pads[1], g.wi))
        inp = rows_t * cols_t * (g.co if g.cin_follows_cout else g.ci) * g.in_bytes * g.n
        if not g.cin_follows_cout:
            inp = inp * np.where((nk == 1) & g.split_cin, 1, nc)
    w_layer = (g.weight_bytes_per_channel + g.param_bytes) * g.co
    wts = w_layer * np.where(nc * nk == 1, 1, nh * nw)
    dma = np.ceil((inp + out + wts) / hw.dma_bytes_per_cycle).astype(np.int64)
    floor = cycles_floor(g, hw)
    comp = np.full((1, 1, 1, 1), floor, dtype=np.int64)
    if hw.kernel_model is None:
        k_all = g.co if g.cin_follows_cout else g.ci
        ch = np.asarray([[math.floor(_efficiency_compute(g, (c, h, g.wo, k_all, -(-g.co // c), -(-g.ho // h), 1, 1), hw)
                                     * (1 - 1e-9)) for h in values[1]] for c in values[0]], dtype=np.int64)
        comp = np.maximum(comp, ch.reshape(len(values[0]), len(values[1]), 1, 1))
    return n, dma, comp


def cycles_bound(g: Geometry, values: tuple[tuple[int, ...], ...], hw: Target, single: bool) -> "np.ndarray":
    """A lower bound on `cost.evaluate`'s cycles of every tile of the product of ``values`` under
    the buffering (4-D array). With ``n`` tiles: ``n * tile_overhead`` plus a compute bound
    ``comp`` (`cost.cycles_floor`; for the efficiency model at least the exact compute of the
    tile's output channels and rows with all input channels, `cost._efficiency_compute`: the
    input-channel split only adds to it and the columns do not enter it), and with more than one
    tile the DMA floor ``dma``: the bytes `cost.dma_terms` moves over the layer (input re-read
    per output-channel tile unless `cost.input_loads` keeps it, weights re-read per spatial tile
    when they change between tiles, the output once) over the DMA bandwidth. Double buffered the
    larger of ``comp`` and ``dma`` (the compute hides the transfers or they hide it); single
    buffered both, less the output's share ``comp`` may count (the floor may be the output
    written once)."""
    import numpy as np

    n, dma, comp = _cycle_terms(g, values, hw)
    out = (g.co if g.kind == "linear" else g.ho * g.wo * g.co) * g.out_bytes * g.n
    if single:
        out_once = math.ceil(out / hw.dma_bytes_per_cycle)
        rest = np.where(n > 1, comp + np.maximum(0, dma - out_once - 1), comp)
    else:
        rest = np.where(n > 1, np.maximum(dma, comp), comp)
    return n * tile_overhead(g, hw) + rest


def search(g: Geometry, values: tuple[tuple[int, ...], ...], l1: int, hw: Target, single: bool,
           bound: int | None) -> tuple[Evaluation | None, int]:
    """The optimal tile of the product of ``values`` under one buffering (module docstring) and the
    exact evaluations it took; None when nothing fits or (with ``bound``) every fitting tile's
    cycle bound exceeds ``bound``."""
    import numpy as np

    shape = tuple(len(v) for v in values)
    fits = np.broadcast_to(footprint_floor(g, values, hw, single) <= l1, shape).ravel()
    lb = np.broadcast_to(cycles_bound(g, values, hw, single), shape).ravel()
    idx = np.flatnonzero(fits)
    lbs = lb[idx]
    if bound is not None:
        idx, lbs = idx[lbs <= bound], lbs[lbs <= bound]
    best: Evaluation | None = None
    done = 0
    chunk = 64  # the tiles taken in bound order at a time (a full sort of millions would dominate)
    while len(idx):
        if len(idx) > chunk:
            part = np.argpartition(lbs, chunk)
            head, rest = part[:chunk], part[chunk:]
        else:
            head, rest = np.arange(len(idx)), np.arange(0)
        head = head[np.argsort(lbs[head], kind="stable")]
        for flat, b in zip(idx[head].tolist(), lbs[head].tolist()):
            if best is not None and b > best.cycles:
                return best, done
            t = tuple(values[d][i] for d, i in enumerate(np.unravel_index(flat, shape)))
            ev = evaluate(g, t, hw, single=single)  # type: ignore[arg-type]
            done += 1
            if ev.l1_bytes <= l1 and (best is None or ev.key() < best.key()):
                best = ev
        idx, lbs = idx[rest], lbs[rest]
        if best is not None:
            keep = lbs <= best.cycles
            idx, lbs = idx[keep], lbs[keep]
        chunk *= 4
    return best, done


def smallest(g: Geometry, values: tuple[tuple[int, ...], ...], hw: Target, single: bool) -> Evaluation:
    """The tile of the product of ``values`` with the least exact L1 under the buffering (ties by
    `Evaluation.key`): exact evaluations in increasing footprint-bound order until the next bound
    exceeds the least exact footprint found."""
    import numpy as np

    fp = footprint_floor(g, values, hw, single)
    fp = np.broadcast_to(fp, tuple(len(v) for v in values)).ravel()
    order = np.argsort(fp, kind="stable")
    shape = tuple(len(v) for v in values)
    best: Evaluation | None = None
    for flat in order.tolist():
        if best is not None and int(fp[flat]) > best.l1_bytes:
            break
        t = tuple(values[d][i] for d, i in enumerate(np.unravel_index(flat, shape)))
        ev = evaluate(g, t, hw, single=single)  # type: ignore[arg-type]
        if best is None or (ev.l1_bytes, ev.key()) < (best.l1_bytes, best.key()):
            best = ev
    assert best is not None
    return best


__all__ = ["footprint_floor", "cycles_bound", "search", "smallest"]
