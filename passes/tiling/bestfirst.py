"""Best-first branch and bound over the pruned legal tile space (`passes.tiling.space.pruned_space`).

The legal space of a large layer holds millions of tiles, too many to evaluate or to encode one
clause per combination. Instead the tiles get cheap lower bounds (numpy, vectorized; each
per-value quantity from the scalar function of `passes.tiling.geometry` / `backends.target`
that the cost model uses):

- their L1 footprint (`footprint_floor`: the buffers of `cost.l1_sizes_of` and their copies);
- their cycles (`cycles_bound`): ``n * overhead + max(compute, DMA floor)``, the overhead of
  `cost.tile_overhead`, the compute bound `cost.cycles_floor` or, tighter, `compute_bound` (the
  calibrated model's per-core work of every block of the tile, summed as `cost.kernel_features`
  sums it), the DMA floor the bytes `cost.dma_terms` moves over the layer at the DMA bandwidth
  (with more than one tile: a single tile's transfers are its first load and last store).

tests/test_tile_space.py checks the bounds are lower bounds of the exact functions on every
legal tile of random layers, both bufferings (the footprint is in fact exact), so the vectorized
forms cannot drift into a wrong proof, and checks the search, staged or not, against exhaustive
search. With a calibrated model (`search`), a space of more than `SMALL` tiles is never built as
the whole product: given an incumbent ``bound`` (`passes.tiling.sat` seeds it with the optimum
over the small candidate space) the tiles are enumerated dimension by dimension (``c_out``,
``h_out``, ``w_out``, ``c_in``; `_enumerate`), a partial tile dropped as soon as its tile count
alone (``n * overhead + cycles_floor``, and the DMA the count implies, with the counts of the
dimensions not yet chosen at their least) exceeds the bound or a footprint bound with the
dimensions not yet chosen at their smallest admissible values exceeds L1: so every dropped tile
either does not fit or costs more than the bound. Of the rest, it drops the tiles whose
footprint exceeds the budget or whose cheap cycle bound exceeds ``bound``, then, in chunks of
increasing cheap bound, computes the tight bound (`compute_bound`, `_tight`) and evaluates the
tiles exactly (`cost.evaluate`) in increasing tight bound until one exceeds the best exact cycles
found, stopping at the first chunk whose least cheap bound does: every tile not evaluated then
either does not fit or costs more than the best, so the best by `Evaluation.key` is the optimum
over the pruned space (and by `passes.tiling.space`'s dominance argument over every legal tile).
The result does not depend on the evaluation order: every tile whose cycles could tie or beat
the final best is evaluated. The efficiency model's search (`_search_grid`) bounds the whole
product at once: its compute bound is tight already and its small tile overhead prunes little.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING, Callable

from dory.backends.target import CONV_PX4_MAX_K, PW4_MIN_CI, PW_TINY_MAX_CI, Target
from dory.passes.tiling.cost import (Evaluation, _pw_tiny, compute_floor, cycles_floor, evaluate, model_coefficients, model_kind,
                                     tile_overhead)
from dory.passes.tiling.geometry import Geometry, _groups_touched, _in_extent, _in_total
from dory.passes.tiling.paths import DW3_WIN2_MIN_OUTS

if TYPE_CHECKING:
    import numpy as np

_ACC_BYTES = 4  # si32 partial-sum accumulator element (as cost._ACC_BYTES)
_CHUNK = 2048  # tiles `search` takes at a time in bound order for the tight bound and the exact evaluations
SMALL = 16384  # tiles of a space `search` bounds all at once (a staged enumeration costs more numpy calls)


@functools.lru_cache(maxsize=256)
def _table(g: Geometry, hw: Target | None, what: str, vals: tuple[int, ...], vals2: tuple[int, ...] = ()) -> "np.ndarray":
    """A per-value quantity of the cost model over one dimension's values ``vals`` (over the pairs
    of ``vals`` x ``vals2`` for ``eff``), computed once per layer and value set by the scalar
    function the cost model uses."""
    import numpy as np

    from dory.passes.tiling.cost import _efficiency_compute

    f: Callable[[int], int]
    if what == "value":
        return np.asarray(vals, dtype=np.int64)
    if what.startswith("count"):  # count0..count3: the tiles along dimension 0..3
        n = (g.co, g.ho, g.wo, 1 if g.cin_follows_cout else g.ci)[int(what[-1])]
        f = lambda v: -(-n // v)  # noqa: E731
    elif what == "rows":
        f = lambda h: _in_extent(h, g.sh, g.kh, g.dh, g.hi)  # noqa: E731
    elif what == "cols":
        f = lambda w: _in_extent(w, g.sw, g.kw, g.dw, g.wi)  # noqa: E731
    elif what == "rows_total":
        f = lambda h: _in_total(g.ho, h, g.sh, g.kh, g.dh, g.pads[0], g.hi)  # noqa: E731
    elif what == "cols_total":
        f = lambda w: _in_total(g.wo, w, g.sw, g.kw, g.dw, g.pads[1], g.wi)  # noqa: E731
    elif what == "groups":
        f = lambda c: _groups_touched(g.co, g.groups, c)  # noqa: E731
    elif what == "conv_scratch":
        f = lambda k: hw.conv_scratch_bytes(g.kh, g.kw, k)  # noqa: E731
    else:  # eff: the efficiency model's compute of (c_out, h_out) tiles with all columns and input channels
        k_all = g.co if g.cin_follows_cout else g.ci
        return np.asarray([[math.floor(_efficiency_compute(g, (c, h, g.wo, k_all, -(-g.co // c), -(-g.ho // h), 1, 1), hw)
                                       * (1 - 1e-9)) for h in vals2] for c in vals], dtype=np.int64)
    return np.asarray([f(v) for v in vals], dtype=np.int64)


class _Tiles:
    """A set of tiles of the product of ``values``: the whole product (``idx`` None: arrays
    broadcast over 4 axes) or the tiles at the per-dimension indices ``idx`` (1-D arrays, or one
    index for all the tiles). ``cache`` keeps the per-tile values gathered from a table by an
    index array, shared by the sets of one enumeration step (`_enumerate`)."""

    def __init__(self, values: tuple[tuple[int, ...], ...], idx: "tuple[np.ndarray | int, ...] | None" = None,
                 cache: dict | None = None):  # type: ignore[type-arg]
        self.values = values
        self.idx = idx
        self.grid: "tuple[np.ndarray, ...] | None" = None
        self.cache = {} if cache is None else cache

    def per(self, g: Geometry, hw: Target | None, d: int, what: str) -> "np.ndarray":
        """`_table` ``what`` of each tile's value along dimension ``d``."""
        return self._at(_table(g, hw, what, self.values[d]), d, what)

    def _at(self, table: "np.ndarray", d: int, what: str) -> "np.ndarray":
        if self.idx is None:
            return table.reshape([-1 if a == d else 1 for a in range(4)])
        i = self.idx[d]
        if isinstance(i, int):
            return table[i]
        key = (what, d, id(i))
        got = self.cache.get(key)
        if got is None or got[0] is not i:
            got = self.cache[key] = (i, table[i])
        return got[1]

    def dim(self, d: int) -> "np.ndarray":
        """Each tile's value along dimension ``d``."""
        return self._at(_table(None, None, "value", self.values[d]), d, "value")  # type: ignore[arg-type]

    def eff(self, g: Geometry, hw: Target) -> "np.ndarray":
        """`_table` ``eff`` of each tile's (c_out, h_out)."""
        table = _table(g, hw, "eff", self.values[0], self.values[1])
        if self.idx is None:
            return table.reshape(len(self.values[0]), len(self.values[1]), 1, 1)
        return table[self.idx[0], self.idx[1]]


def _grid(g: Geometry, ts: _Tiles) -> tuple["np.ndarray", ...]:
    """The tile dimensions (c, h, w, k: ``k`` following ``c`` where the layer ties them) and the
    tile counts (nc, nh, nw, nk) of the tiles ``ts`` (kept with them)."""
    if ts.grid is None:
        C, H, W, K = (ts.dim(d) for d in range(4))
        nc, nh, nw, nk = (ts.per(g, None, d, f"count{d}") for d in range(4))  # type: ignore[arg-type]
        if g.cin_follows_cout:
            K, nk = C, nk * 0 + 1
        ts.grid = (C, H, W, K, nc, nh, nw, nk)
    return ts.grid


def _buffers(g: Geometry, ts: _Tiles, hw: Target) -> tuple["np.ndarray", "np.ndarray", "np.ndarray"]:
    """One copy of the input tile (with halo; times the groups a grouped conv's channel tile
    touches), of the output tile and of the weights and parameters of the tiles ``ts``
    (`cost.l1_sizes_of`'s ``input``, ``output``, ``weight + params``)."""
    C, H, W, K, _, _, _, _ = _grid(g, ts)
    if g.kind == "linear":
        return K * g.in_bytes * g.n, C * g.out_bytes * g.n, _wp(g, C, K)
    in_b = ts.per(g, hw, 1, "rows") * ts.per(g, hw, 2, "cols") * K * g.in_bytes
    if g.kind == "conv" and g.groups > 1:
        in_b = in_b * ts.per(g, hw, 0, "groups")
    return in_b, H * W * C * g.out_bytes, _wp(g, C, K)


def _wp(g: Geometry, C: "np.ndarray", K: "np.ndarray") -> "np.ndarray":
    w_per_c = g.weight_bytes_per_channel // max(g.ci, 1) * K if g.split_cin else g.weight_bytes_per_channel
    return C * w_per_c + C * g.param_bytes


def _footprint(g: Geometry, ts: _Tiles, hw: Target, single: bool, k_free: bool = False,
               copies: "tuple[np.ndarray, np.ndarray, np.ndarray] | None" = None) -> "np.ndarray":
    """`footprint_floor` of the tiles ``ts``; ``k_free``: a bound for every ``c_in`` value at or
    above the tiles' (the conv scratch at its least over the ``c_in`` values, no accumulator),
    with ``copies`` of the input, output and weight buffers (at most `cost.l1_sizes_of`'s: `_enumerate`)
    or one of each."""
    import numpy as np

    C, H, W, K, nc, nh, nw, nk = _grid(g, ts)
    in_b, out_b, wp = _buffers(g, ts, hw)
    acc = (out_b // g.out_bytes) * _ACC_BYTES  # one copy, whatever the output's
    if copies is not None:
        in_b, out_b, wp = in_b * copies[0], out_b * copies[1], wp * copies[2]
    scratch = np.zeros((1,) * (4 if ts.idx is None else 1), dtype=np.int64)
    if g.kind == "conv":
        if g.cin_follows_cout:
            scratch = ts.per(g, hw, 0, "conv_scratch")
        elif k_free:
            scratch = scratch + int(_table(g, hw, "conv_scratch", ts.values[3]).min())
        else:
            scratch = ts.per(g, hw, 3, "conv_scratch")
    elif g.kind == "depthwise":  # its formula is arithmetic on the input rows and columns: elementwise
        rows, cols = ts.per(g, hw, 1, "rows"), ts.per(g, hw, 2, "cols")
        scratch = hw.depthwise_scratch_bytes(g.kh, g.kw, rows, cols, g.pads)  # type: ignore[arg-type]
    if not k_free:
        scratch = scratch + np.where(nk > 1, acc, 0)
    if single:
        return in_b + out_b + wp + scratch
    n = nc * nh * nw * nk
    loads = np.where((nk == 1) & g.split_cin, nh * nw, n)
    return (np.where(loads > 1, 2, 1) * in_b + np.where(n > 1, 2, 1) * out_b + np.where(nc * nk > 1, 2, 1) * wp
            + scratch)


def footprint_floor(g: Geometry, values: tuple[tuple[int, ...], ...], hw: Target, single: bool) -> "np.ndarray":
    """A lower bound on `cost.l1_sizes_of`'s total of every tile of the product of ``values``
    under the buffering (4-D array): the input tile with halo (times the groups a grouped conv's
    channel tile touches), output, weights, parameters, the kernel's scratch and the accumulator
    of split input channels, with `cost.l1_sizes_of`'s copies (one each when ``single``)."""
    return _footprint(g, _Tiles(values), hw, single)


def _classes(n: int, t: "np.ndarray") -> tuple[tuple["np.ndarray", "np.ndarray"], tuple["np.ndarray", "np.ndarray"]]:
    """The blocks of an extent ``n`` cut in tiles ``t`` (`geometry._blocks`): (size, count) of the
    full blocks and of the ragged last one (count 0 and size 1 when there is none)."""
    import numpy as np

    full, rem = n // t, n % t
    return (t, full), (np.maximum(rem, 1), (rem > 0).astype(np.int64))


def _cdiv(a: "np.ndarray | int", b: "np.ndarray | int") -> "np.ndarray":
    return -(-a // b)  # type: ignore[operator, return-value]


def _block_features(g: Geometry, kind: str, c: "np.ndarray", h: "np.ndarray", w: "np.ndarray", k: "np.ndarray",
                    P: int) -> dict[str, "np.ndarray"] | None:
    """`cost.tile_features` of blocks of sizes (c, h, w, k) (arrays), for the model kinds it is
    written for here (None otherwise): the features with a term of their own in the calibrated
    model, the others left out (every coefficient is non-negative, so a lower bound)."""
    import numpy as np

    f: dict[str, np.ndarray] = {}
    if kind in ("conv", "pointwise"):
        if kind == "conv" and g.kh == 1 and g.kw > 1:
            return None  # 1-D: shared rows, conv_1d_tiny (not written here)
        npairs = _cdiv(h * w * g.n, 2)
        nblk = _cdiv(c, 4)
        units = _cdiv(npairs * nblk, P)
        kk = g.kh * g.kw * k
        out = 8 * units
        f["unit"], f["mac"] = units, 8 * units * kk
        if kind == "conv":
            pairs = _cdiv(units, nblk)
            f["im2col"], f["im2col_rows"] = 2 * pairs * kk, 2 * pairs * g.kh
            f["px4"] = np.where(kk <= CONV_PX4_MAX_K, out, 0)
        f["acc"] = np.where(k < g.ci, _cdiv(h * w * c * g.n, P), 0)
        if kind == "pointwise":
            tiny = np.asarray([_pw_tiny(g, int(v)) for v in range(PW_TINY_MAX_CI + 1)], dtype=bool)[
                np.minimum(k, PW_TINY_MAX_CI)] & (k <= PW_TINY_MAX_CI)
            out = np.where(tiny, _cdiv(h * w * g.n, P) * c, out)
            f["unit"], f["mac"] = np.where(tiny, 0, f["unit"]), np.where(tiny, 0, f["mac"])
            f["tiny"] = np.where(tiny, out, 0)
            pw4 = ((PW4_MIN_CI < k) & (k == g.ci) & (k % 4 == 0) & (c % 4 == 0) & ((h * w) % 4 == 0)
                   & (g.sh == 1 and g.sw == 1 and not any(g.pads) and g.end == "win"))
            f["pw4"] = np.where(pw4, out, 0)
    elif kind == "linear":
        per = _cdiv(c, P)
        out = per * g.n
        f["out"], f["mac"], f["mac_tail"] = out, (per - per % 4) * k * g.n, (per % 4) * k * g.n
    elif kind == "depthwise":
        many = h >= P
        r, cc = np.where(many, _cdiv(h, P), h), np.where(many, c, _cdiv(c, P))
        out = r * w * cc * g.n
        f["out"], f["mac"] = out, out * g.kh * g.kw
        end_wide64 = None
        if (g.kh, g.kw) == (3, 3):
            # cost._ring_grid: the channel groups gc (a divisor of the cores) of the least cost, the first on ties
            best_cost, gc = None, None
            for gg in range(1, P + 1):
                if P % gg:
                    continue
                cost = _cdiv(c, gg) * (w * (16 * _cdiv(h, P // gg) + 120) + 600)
                if best_cost is None:
                    best_cost, gc = cost, np.full_like(cost, gg)
                else:
                    better = cost < best_cost
                    best_cost, gc = np.where(better, cost, best_cost), np.where(better, gg, gc)
            assert gc is not None
            rr = _cdiv(h, P // gc)
            f["strip"] = _cdiv(c, gc) * ((rr - 1) * g.sh + 3) * ((w - 1) * g.sw + 3) * g.n
            if g.end == "wide":
                end_wide64 = rr * w < DW3_WIN2_MIN_OUTS
        else:
            f["strip"] = cc * w * ((r - 1) * g.sh + g.kh) * g.kw * g.n
        if end_wide64 is not None:
            f["wide64"] = np.where(end_wide64, out, 0)
            f["wide"] = np.where(end_wide64, 0, out)
            f["slow"] = np.zeros_like(out)
            return f
    else:
        return None
    for path in ("wide", "div", "win", "slow"):
        if g.end == path:
            f[path] = out
    return f


def compute_bound(g: Geometry, ts: _Tiles, hw: Target) -> "np.ndarray | None":
    """A lower bound on the calibrated model's compute plus its per-layer cost (`cost.evaluate`'s
    ``compute + layer``, without the per-tile cost) of the tiles ``ts`` (1-D): `cost.tile_features`
    of every block class of the tile (full and ragged along each dimension), weighted by the class's
    block count and the target's coefficients; None for a target without a `KernelModel` or a
    kind `_block_features` does not cover."""
    import numpy as np

    if hw.kernel_model is None:
        return None
    kind = model_kind(g)
    C, H, W, K, _, _, _, _ = _grid(g, ts)
    dims = [_classes(g.co, C), _classes(g.ho, H), _classes(g.wo, W),
            ((K, np.ones_like(K)), (K, np.zeros_like(K))) if g.cin_follows_cout else _classes(g.ci, K)]
    coef = model_coefficients(g, hw)
    shape = np.broadcast_shapes(C.shape, H.shape, W.shape, K.shape)
    total = np.zeros(shape, dtype=np.float64)
    flat = len(shape) == 1
    for (c, n1) in dims[0]:
        for (h, n2) in dims[1]:
            for (w, n3) in dims[2]:
                for (k, n4) in dims[3]:
                    weight = n1 * n2 * n3 * n4
                    sel = np.flatnonzero(weight) if flat else None
                    if sel is not None and len(sel) == 0:
                        continue
                    if sel is not None and len(sel) < len(weight):  # only the tiles with such blocks
                        c_, h_, w_, k_, wt = c[sel], h[sel], w[sel], k[sel], weight[sel]
                    else:
                        c_, h_, w_, k_, wt, sel = c, h, w, k, weight, None
                    feats = _block_features(g, kind, c_, h_, w_, c_ if g.cin_follows_cout else k_, hw.cores)
                    if feats is None:
                        return None
                    part = sum(coef.get(name, 0.0) * v for name, v in feats.items() if coef.get(name, 0.0)) * wt
                    if sel is None:
                        total = total + part
                    else:
                        total[sel] += part
    return np.floor((total + coef.get("layer", 0.0)) * (1 - 1e-9) - 1e-6)


def _cycle_terms(g: Geometry, ts: _Tiles, hw: Target) -> tuple["np.ndarray", ...]:
    """`cycles_bound`'s terms independent of the buffering: the tile count, the DMA floor and the
    compute bound (arrays, broadcasting)."""
    import numpy as np

    C, H, W, K, nc, nh, nw, nk = _grid(g, ts)
    n = nc * nh * nw * nk
    out = (g.co if g.kind == "linear" else g.ho * g.wo * g.co) * g.out_bytes * g.n
    if g.kind == "linear":
        inp = g.ci * g.in_bytes * g.n * nc
    else:
        rows_t, cols_t = ts.per(g, hw, 1, "rows_total"), ts.per(g, hw, 2, "cols_total")
        inp = rows_t * cols_t * (g.co if g.cin_follows_cout else g.ci) * g.in_bytes * g.n
        if not g.cin_follows_cout:
            inp = inp * np.where((nk == 1) & g.split_cin, 1, nc)
    w_layer = (g.weight_bytes_per_channel + g.param_bytes) * g.co
    wts = w_layer * np.where(nc * nk == 1, 1, nh * nw)
    dma = np.ceil((inp + out + wts) / hw.dma_bytes_per_cycle).astype(np.int64)
    comp = np.full((1,) * (4 if ts.idx is None else 1), cycles_floor(g, hw), dtype=np.int64)
    if hw.kernel_model is None:
        comp = np.maximum(comp, ts.eff(g, hw))
    return n, dma, comp


def _combine(g: Geometry, hw: Target, single: bool, n: "np.ndarray", dma: "np.ndarray",
             comp: "np.ndarray") -> "np.ndarray":
    """`cycles_bound` from its terms."""
    import numpy as np

    out = (g.co if g.kind == "linear" else g.ho * g.wo * g.co) * g.out_bytes * g.n
    if single:
        out_once = math.ceil(out / hw.dma_bytes_per_cycle)
        rest = np.where(n > 1, comp + np.maximum(0, dma - out_once - 1), comp)
    else:
        rest = np.where(n > 1, np.maximum(dma, comp), comp)
    return n * tile_overhead(g, hw) + rest


def _tight(g: Geometry, ts: _Tiles, hw: Target, single: bool, n: "np.ndarray", dma: "np.ndarray",
           tb: "np.ndarray") -> "np.ndarray":
    """The cycle bound of the tiles ``ts`` with `compute_bound` ``tb`` (compute and per-layer cost):
    with `cost.dma_terms`'s setups counted at their least (one `Target.dma_setup_cycles` per
    output tile stored, per input tile loaded, per weight / parameter transfer: the pulp port's
    further 2-D commands and DORY's per-row setups only add) and, double buffered, the first load
    and the last store (`cost.evaluate`: ``first + last + max(compute, dma - first - last)``, at
    least ``max(compute + first + last, dma)``); one tile: its first load and last store."""
    import numpy as np

    _, _, _, _, nc, nh, nw, nk = _grid(g, ts)
    in_b, out_b, wp = _buffers(g, ts, hw)
    st = hw.dma_setup_cycles
    w_tr = (1 if g.weight_bytes_per_channel + g.param_bytes else 0) + (1 if g.param_bytes else 0)
    loads = np.where((nk == 1) & g.split_cin, nh * nw, n)
    setups = n * st + loads * st + np.where(nc * nk > 1, n, 1) * (w_tr * st)
    first_last = (2 + w_tr) * st + (in_b + np.where(wp > 0, wp, 0) + out_b) // hw.dma_bytes_per_cycle - 2
    ovh = n * tile_overhead(g, hw)
    if single:
        rest = np.where(n > 1, tb + dma + setups, tb + first_last)
    else:
        rest = np.where(n > 1, np.maximum(tb + first_last, dma + setups), tb + first_last)
    return ovh + rest


def cycles_bound(g: Geometry, values: tuple[tuple[int, ...], ...], hw: Target, single: bool,
                 tight: bool = False) -> "np.ndarray":
    """A lower bound on `cost.evaluate`'s cycles of every tile of the product of ``values`` under
    the buffering (4-D array). With ``n`` tiles: ``n * tile_overhead`` plus a compute bound
    ``comp`` (`cost.cycles_floor`; for the efficiency model at least the exact compute of the
    tile's output channels and rows with all input channels, `cost._efficiency_compute`: the
    input-channel split only adds to it and the columns do not enter it; with ``tight``, for the
    calibrated model at least `compute_bound` with the setups and first / last transfers of
    `_tight`: the bound `search` uses), and with more than one
    tile the DMA floor ``dma``: the bytes `cost.dma_terms` moves over the layer (input re-read
    per output-channel tile unless `cost.input_loads` keeps it, weights re-read per spatial tile
    when they change between tiles, the output once) over the DMA bandwidth. Double buffered the
    larger of ``comp`` and ``dma`` (the compute hides the transfers or they hide it); single
    buffered both, less the output's share ``comp`` may count (the floor may be the output
    written once)."""
    import numpy as np

    ts = _Tiles(values)
    n, dma, comp = _cycle_terms(g, ts, hw)
    lb = _combine(g, hw, single, n, dma, comp)
    if tight:
        tb = compute_bound(g, ts, hw)
        if tb is not None:
            lb = np.maximum(lb, _tight(g, ts, hw, single, n, dma, tb))
    return lb


def _bytes_once(g: Geometry, hw: Target, values: tuple[tuple[int, ...], ...]) -> int:
    """The DMA cycles of the bytes every tile of ``values`` moves at least (`cost.dma_terms`'
    layer totals at their least: the input rows and columns read at their least over the values,
    the weights and the output once)."""
    out = (g.co if g.kind == "linear" else g.ho * g.wo * g.co) * g.out_bytes * g.n
    if g.kind == "linear":
        inp = g.ci * g.in_bytes * g.n
    else:
        inp = (int(_table(g, hw, "rows_total", values[1]).min()) * int(_table(g, hw, "cols_total", values[2]).min())
               * (g.co if g.cin_follows_cout else g.ci) * g.in_bytes * g.n)
    return math.floor((inp + out + (g.weight_bytes_per_channel + g.param_bytes) * g.co) / hw.dma_bytes_per_cycle)


def _enumerate(g: Geometry, values: tuple[tuple[int, ...], ...], l1: int, hw: Target, single: bool,
               bound: float) -> _Tiles:
    """The tiles of the product of ``values`` whose tile count and single-buffered footprint do
    not already rule them out (module docstring), enumerated one dimension at a time: a partial
    tile takes along the next dimension only the values whose tile count, times the least counts
    of the dimensions not yet chosen, keeps ``n * overhead + cycles_floor`` within ``bound`` (the
    counts fall as the values grow: a suffix of the values; single buffered ``n * (overhead +
    Target.dma_setup_cycles) + cost.compute_floor + `_bytes_once` - 1``: `cost.evaluate`'s
    ``overhead + compute + dma``, ``dma`` with a store setup per tile; one tile: ``first + compute
    + last`` moves the same bytes with as many setups; double buffered also ``n * (overhead +
    Target.dma_setup_cycles) + `_bytes_once` - 1``, as ``max(compute, dma)`` is at least ``dma``); it is dropped when, for some
    dimension not yet chosen, even that dimension's smallest such value (the others at their
    smallest) overflows L1. Double buffered, a buffer counts twice once the chosen dimensions'
    counts (the others' at their least) make `cost.l1_sizes_of` double it: the output with more
    than one tile, the input with more than one (row, column) block (it is loaded at least once
    per block), the weights with more than one output-channel block."""
    import numpy as np

    counts = [np.asarray([-(-n // v) for v in vals], dtype=np.int64)
              for n, vals in zip((g.co, g.ho, g.wo, 1 if g.cin_follows_cout else g.ci), values)]
    least = [int(c.min()) for c in counts]
    ovh, floor = tile_overhead(g, hw), cycles_floor(g, hw)
    if single:  # every transfer adds to the compute: each tile's output store and the layer's bytes once
        ovh, floor = ovh + hw.dma_setup_cycles, max(floor, compute_floor(g, hw) + _bytes_once(g, hw, values) - 1)
    n_max = (bound - floor) / ovh if ovh > 0 and bound != math.inf else math.inf
    if not single and bound != math.inf:  # double: the layer's transfers, a store setup per tile, bound it too
        n_max = min(n_max, (bound - _bytes_once(g, hw, values) + 1) / (ovh + hw.dma_setup_cycles))

    def first(e: int, n_fixed: "np.ndarray", others: int) -> "np.ndarray":
        """Per partial tile, the index of the smallest value of dimension ``e`` whose count keeps
        ``n_fixed * others * count`` within ``n_max`` (``len(values[e])`` when none does)."""
        thr = n_max / (n_fixed * others) * (1 + 1e-12) + 1e-9  # a relaxation: never drops a tile that meets it
        return np.searchsorted(-counts[e], -thr, side="left")

    def copies_of(idx: list[np.ndarray], n_fixed: np.ndarray) -> tuple[np.ndarray, ...] | None:
        """The copies of (input, output, weights) the partial tiles ``idx`` need at least."""
        if single:
            return None
        d = len(idx)
        cnt = [counts[e][idx[e]] if e < d else least[e] for e in range(4)]
        rest = math.prod(least[d:])
        return (np.where(cnt[1] * cnt[2] > 1, 2, 1), np.where(n_fixed * rest > 1, 2, 1),  # type: ignore[operator]
                np.where(cnt[0] > 1, 2, 1))  # type: ignore[operator]

    idx: list[np.ndarray] = []
    n_fixed = np.ones(1, dtype=np.int64)
    for d in range(4):
        size = len(values[d])
        start = first(d, n_fixed, math.prod(least[d + 1:]))
        end = np.full(len(start), size)
        if d == 3 and g.split_cin and len(start):
            # the footprint is affine in c_in but for the scratch (at least its least) and the
            # accumulator (at least 0): a * c_in + b + scratch
            ts = _Tiles(values, tuple(idx + [0]))
            cp = copies_of(idx, n_fixed) or (1, 1, 1)
            C = ts.dim(0)
            a = cp[2] * C * (g.weight_bytes_per_channel // max(g.ci, 1)) + cp[0] * (
                g.in_bytes * g.n if g.kind == "linear" else ts.per(g, hw, 1, "rows") * ts.per(g, hw, 2, "cols") * g.in_bytes)
            _, out_b, _ = _buffers(g, ts, hw)
            b = cp[1] * out_b + cp[2] * C * g.param_bytes
            if g.kind == "conv":
                b = b + int(_table(g, hw, "conv_scratch", values[3]).min())
            # below all of c_in (every value but the last, g.ci) the accumulator is there too
            acc = out_b // g.out_bytes * _ACC_BYTES
            end = np.minimum(np.searchsorted(np.asarray(values[3], dtype=np.int64), (l1 - b - acc) // a, side="right"),
                             size - 1)
            last = (a * g.ci + b <= l1) & (start <= size - 1)
        lengths = np.maximum(end - start, 0)
        parent = np.repeat(np.arange(len(start)), lengths)
        offs = np.arange(len(parent)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        j = start[parent] + offs
        if d == 3 and g.split_cin and len(start):
            extra = np.flatnonzero(last)
            parent, j = np.concatenate([parent, extra]), np.concatenate([j, np.full(len(extra), size - 1)])
        idx = [a[parent] for a in idx] + [j]
        n_fixed = n_fixed[parent] * counts[d][j]
        free = list(range(d + 1, 4))
        cp = copies_of(idx, n_fixed)
        cache: dict = {}  # type: ignore[type-arg]
        # with a dimension not yet chosen, its check below implies this one (the footprint grows with it)
        keep = (_footprint(g, _Tiles(values, tuple(idx), cache), hw, True, False, cp) <= l1 if not free
                else np.ones(len(j), dtype=bool))
        for e in free:
            je = first(e, n_fixed, math.prod(least[f] for f in free if f != e))
            keep &= je < len(values[e])
            at = [np.minimum(je, len(values[e]) - 1) if f == e else 0 for f in free]
            keep &= _footprint(g, _Tiles(values, tuple(idx + at), cache), hw, True, d < 3, cp) <= l1
        idx = [a[keep] for a in idx]
        n_fixed = n_fixed[keep]
    return _Tiles(values, tuple(idx))


def search(g: Geometry, values: tuple[tuple[int, ...], ...], l1: int, hw: Target, single: bool,
           bound: int | None, beat_double: bool = False) -> tuple[Evaluation | None, int]:
    """The optimal tile of the product of ``values`` under one buffering (module docstring) and the
    exact evaluations it took; None when nothing fits or (with ``bound``) every fitting tile's
    cycle bound exceeds ``bound``. ``beat_double`` (single buffering, ``bound`` the cycles of the
    double-buffered optimum): the tiles that fit double buffered are skipped, as their single
    buffered cycles are never fewer than their double buffered ones, so never fewer than
    ``bound`` (`Evaluation.key` then keeps the double plan). Term by term of `cost.evaluate` with
    ``n >= 2`` tiles: single ``overhead + compute + dma``, double ``overhead + first + last +
    max(compute, dma - first - last)``, no more when ``first + last <= dma``; `cost.dma_terms`'
    ``dma`` holds the first tile's loads and the last's store (their bytes are part of the
    layer's, their setups among its per-tile and per-load setups) and at least one more output
    setup, which covers the rounding of the two ceilings: it needs ``Target.dma_setup_cycles >=
    1`` (else nothing is skipped); one tile evaluates alike either way. The double footprint of
    `footprint_floor` is the exact one (tests/test_tile_space.py)."""
    import numpy as np

    if hw.kernel_model is None:
        return _search_grid(g, values, l1, hw, single, bound, beat_double)
    if math.prod(len(v) for v in values) <= SMALL:
        ts = _Tiles(values, tuple(np.indices(tuple(len(v) for v in values)).reshape(4, -1)))
    else:
        ts = _enumerate(g, values, l1, hw, single, math.inf if bound is None else bound)
    n, dma, comp = _cycle_terms(g, ts, hw)
    keep = _footprint(g, ts, hw, single) <= l1
    if beat_double and single and hw.dma_setup_cycles >= 1:
        keep &= _footprint(g, ts, hw, False) > l1
    lb = _combine(g, hw, single, n, dma, comp)
    if bound is not None:
        keep &= lb <= bound
    assert ts.idx is not None
    ts = _Tiles(values, tuple(a[keep] for a in ts.idx))
    lb = lb[keep]
    if hw.kernel_model is not None and len(lb):  # the setups and transfers with the compute floor, then the tight bound
        n, dma, comp = _cycle_terms(g, ts, hw)
        lb = np.maximum(lb, _tight(g, ts, hw, single, n, dma, np.full(len(lb), compute_floor(g, hw))))
        if bound is not None:
            keep = lb <= bound
            ts, lb = _Tiles(values, tuple(a[keep] for a in ts.idx)), lb[keep]  # type: ignore[union-attr]
    assert ts.idx is not None
    # in chunks of increasing bound: each chunk's tight bounds (`compute_bound`), then its tiles
    # in increasing tight bound until one exceeds the best; no chunk once its least bound does
    order = np.lexsort((np.arange(len(lb)), lb))
    best: Evaluation | None = None
    done = 0
    limit = math.inf if bound is None else bound
    step = _CHUNK
    for lo in range(0, len(order), step):
        part = order[lo:lo + step]
        cut = best.cycles if best is not None else limit
        if lb[part[0]] > cut:
            break
        part = part[lb[part] <= cut]
        pts = _Tiles(values, tuple(a[part] for a in ts.idx))  # type: ignore[index]
        plb = lb[part]
        tb = compute_bound(g, pts, hw)
        if tb is not None:
            n, dma, _ = _cycle_terms(g, pts, hw)
            plb = np.maximum(plb, _tight(g, pts, hw, single, n, dma, tb))
        for i in np.lexsort((part, plb)).tolist():
            if plb[i] > (best.cycles if best is not None else limit):
                break
            t = tuple(values[d][int(pts.idx[d][i])] for d in range(4))  # type: ignore[index]
            ev = evaluate(g, t, hw, single=single)  # type: ignore[arg-type]
            done += 1
            if ev.l1_bytes <= l1 and (best is None or ev.key() < best.key()):
                best = ev
    return best, done


def _search_grid(g: Geometry, values: tuple[tuple[int, ...], ...], l1: int, hw: Target, single: bool,
                 bound: int | None, beat_double: bool) -> tuple[Evaluation | None, int]:
    """`search` for the efficiency model (a target without a `KernelModel`): its compute bound
    (`cycles_bound`: the exact compute of the tile's output channels and rows) is tight and its
    tile overhead small, so the tile count prunes little: the bounds of the whole product at once
    (arrays broadcast over the four dimensions, cheaper than gathered ones), the fitting tiles
    then evaluated in bound order."""
    import numpy as np

    shape = tuple(len(v) for v in values)
    fits = footprint_floor(g, values, hw, single) <= l1
    if beat_double and single and hw.dma_setup_cycles >= 1:
        fits = fits & (footprint_floor(g, values, hw, False) > l1)
    fits = np.broadcast_to(fits, shape).ravel()
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


__all__ = ["footprint_floor", "cycles_bound", "compute_bound", "search", "smallest"]
