"""The footprint and cost model of one tile, evaluated against a `backends.target.Target`.

*L1 footprint* ``F(t)`` of tile ``t = (c, h, w, k)`` (bytes): input tile with its halo, output
tile, weight tile, the per-channel parameters of ``c`` channels, the kernel's scratch (the
target's `Target.conv_scratch_bytes` / `Target.depthwise_scratch_bytes`) and an si32 accumulator
when input channels are split; input and output double buffered with more than one tile, weights
and parameters when they change between tiles (`l1_sizes_of`, the one footprint model: the tiler
budgets it and ``allocate-buffers`` lays it out).

*Cycles* ``K(t)`` (`evaluate`): the target's compute model (MACs over its SIMD peak times the
kernel's sustained efficiency, scaled by how evenly the tiles split over cores and SIMD lanes)
and its DMA costs, double buffering hiding the smaller of compute and transfer; see the
``passes.tiling`` package docstring.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from backends.target import Target, default_target
from passes.tiling.geometry import Geometry, _groups_touched, _in_extent, _in_total, _steps

_ACC_BYTES = 4  # si32 partial-sum accumulator element


@dataclass(frozen=True)
class Evaluation:
    """Footprint and modelled cycles of one tile."""

    tile: tuple[int, int, int, int]  # (c_out, h_out, w_out, c_in)
    l1_bytes: int
    cycles: int
    n_tiles: int

    def key(self) -> tuple[int, int, int, tuple[int, int, int, int]]:
        """The total order of the objective: cycles, then L1 bytes, then tiles, then the tile."""
        return (self.cycles, self.l1_bytes, self.n_tiles, self.tile)



@dataclass(frozen=True)
class L1Sizes:
    """Bytes of one L1 tile's buffers, and how many copies of each the tile schedule needs:
    ``acts`` copies of the input and output tiles, ``weights`` copies of the weight tile and of
    the parameters (2 = ping/pong, 1 = loaded once). The one footprint model: the tiler budgets
    it and ``allocate-buffers`` lays it out."""

    input: int
    weight: int
    output: int
    params: int
    scratch: int
    acts: int
    weights: int

    @property
    def total(self) -> int:
        """Unaligned L1 bytes of the whole layout."""
        return self.acts * (self.input + self.output) + self.weights * (self.weight + self.params) + self.scratch


def _tiling(g: Geometry, tile: tuple[int, int, int, int]) -> tuple[int, int, int, int, int, int, int, int]:
    """Tile ``(c, h, w, k)`` with ``k`` following ``c`` where the layer ties them (depthwise,
    pool, add), and the number of tiles along each of the four dimensions."""
    c, h, w, k = tile
    if g.cin_follows_cout:
        k = c
    nk = 1 if g.cin_follows_cout else math.ceil(g.ci / k)
    return c, h, w, k, math.ceil(g.co / c), math.ceil(g.ho / h), math.ceil(g.wo / w), nk


def l1_sizes_of(g: Geometry, tile: tuple[int, int, int, int], hw: Target | None = None) -> L1Sizes:
    """The L1 buffers of tile ``(c, h, w, k)`` of layer ``g``: input tile with halo (clipped to
    the input; both operands of an add), output tile, weight tile and per-channel parameters of
    ``c`` channels, kernel scratch (im2col, plus an si32 accumulator when input channels are
    split). Input and output are double buffered when there is more than one tile; weights and
    parameters when they change between tiles."""
    hw = hw or default_target()
    c, h, w, k, nc, nh, nw, nk = _tiling(g, tile)
    rows = _in_extent(h, g.sh, g.kh, g.dh, g.hi)
    cols = _in_extent(w, g.sw, g.kw, g.dw, g.wi)
    in_b = rows * cols * k * g.in_bytes
    if g.kind == "conv" and g.groups > 1:  # a channel tile reads the inputs of every group it touches
        in_b *= _groups_touched(g.co, g.groups, c)
    out_b = h * w * c * g.out_bytes
    if g.kind == "linear":
        in_b, out_b = k * g.in_bytes * g.n, c * g.out_bytes * g.n
    w_per_c = g.weight_bytes_per_channel // max(g.ci, 1) * k if g.split_cin else g.weight_bytes_per_channel
    scratch = 0
    if g.kind == "conv":
        scratch = hw.conv_scratch_bytes(g.kh, g.kw, k)
    elif g.kind == "depthwise":
        scratch = hw.depthwise_scratch_bytes(g.kh, g.kw, rows, g.pads[0], g.pads[2])
    if nk > 1:  # partial sums over input-channel tiles need an si32 accumulator of the output tile
        scratch += (out_b // g.out_bytes) * _ACC_BYTES
    n = nc * nh * nw * nk
    return L1Sizes(in_b, c * w_per_c, out_b, c * g.param_bytes, scratch, 2 if n > 1 else 1, 2 if nc * nk > 1 else 1)



def evaluate(g: Geometry, tile: tuple[int, int, int, int], hw: Target | None = None) -> Evaluation:
    """The footprint (bytes) and the cost model's cycles of tile ``(c, h, w, k)`` of layer ``g``."""
    hw = hw or default_target()
    c, h, w, k, nc, nh, nw, nk = _tiling(g, tile)
    n = nc * nh * nw * nk
    rows = _in_extent(h, g.sh, g.kh, g.dh, g.hi)
    cols = _in_extent(w, g.sw, g.kw, g.dw, g.wi)
    sizes = l1_sizes_of(g, tile, hw)
    w_b = sizes.weight + sizes.params
    l1 = sizes.total

    # compute
    cores, simd = hw.cores, hw.simd_macs
    if g.kind == "conv":
        macs = g.n * g.ho * g.wo * g.co * g.ci * g.kh * g.kw
        eff = hw.conv_efficiency * (g.ho / (cores * _steps(g.ho, h, cores))) * (g.co / (simd * _steps(g.co, c, simd)))
        compute = macs / (hw.peak_macs_per_cycle * eff)
        if nk > 1:  # re-reading and adding the si32 accumulator once per extra input-channel tile
            compute += (nk - 1) * g.n * g.ho * g.wo * g.co / cores
    elif g.kind in ("depthwise", "linear"):
        macs = g.n * g.ho * g.wo * g.co * (g.kh * g.kw if g.kind == "depthwise" else g.ci)
        base = hw.depthwise_efficiency if g.kind == "depthwise" else hw.linear_efficiency
        eff = base * (g.co / (cores * _steps(g.co, c, cores)))
        compute = macs / (hw.peak_macs_per_cycle * eff)
        if nk > 1:
            compute += (nk - 1) * g.n * g.co / cores
    else:
        ops = g.n * g.ho * g.wo * g.co * (g.kh * g.kw if g.kind == "pool" else 2)
        compute = ops / (hw.eltwise_ops_per_cycle * cores * (g.ho / (cores * _steps(g.ho, h, cores))))

    # DMA: bytes over the whole layer and transfer setups
    if g.kind == "linear":
        in_total = g.ci * g.in_bytes * g.n * nc
        out_total = g.co * g.out_bytes * g.n
    else:
        rows_t = _in_total(g.ho, h, g.sh, g.kh, g.dh, g.pads[0], g.hi)
        cols_t = _in_total(g.wo, w, g.sw, g.kw, g.dw, g.pads[1], g.wi)
        in_total = rows_t * cols_t * (g.ci if not g.cin_follows_cout else g.co) * g.in_bytes * g.n
        if not g.cin_follows_cout:
            in_total *= nc  # the input is re-read for every output-channel tile
        out_total = g.ho * g.wo * g.co * g.out_bytes * g.n
    w_total = (g.weight_bytes_per_channel + g.param_bytes) * g.co * (1 if nc * nk == 1 else nh * nw)
    in_full = cols == g.wi and (g.cin_follows_cout and c == g.co or not g.cin_follows_cout and k == g.ci)
    in_tr = 1 if in_full or g.kind == "linear" else rows
    out_tr = 1 if (w == g.wo and c == g.co) or g.kind == "linear" else h
    w_tr = (1 if w_b else 0) + (1 if g.param_bytes else 0)
    per_tile_tr = in_tr + out_tr + (w_tr if nc * nk > 1 or n == 1 else 0)
    dma = math.ceil((in_total + out_total + (w_total if w_b else 0)) / hw.dma_bytes_per_cycle) + n * per_tile_tr * hw.dma_setup_cycles
    if nc * nk == 1 and n > 1:
        dma += w_tr * hw.dma_setup_cycles  # weights loaded once
    first = hw.l2_l1_cycles(sizes.input + w_b, in_tr + w_tr)
    last = hw.l2_l1_cycles(sizes.output, out_tr)
    if n == 1:
        cycles = hw.tile_overhead_cycles + first + compute + last
    else:
        cycles = n * hw.tile_overhead_cycles + first + last + max(compute, max(0, dma - first - last))
    return Evaluation((c, h, w, k), int(l1), int(math.ceil(cycles)), n)



def cycles_floor(g: Geometry, hw: Target | None = None) -> int:
    """A lower bound on `evaluate`'s cycles that holds for every tile, less the per-tile overhead:
    the compute at the kernel's best efficiency (every tile splits evenly over cores and SIMD
    lanes), or the output written back once, whichever is larger. So for every tile ``t``,
    ``cycles(t) >= n_tiles(t) * tile_overhead_cycles + cycles_floor``."""
    hw = hw or default_target()
    cores = hw.cores
    if g.kind == "conv":
        compute = g.n * g.ho * g.wo * g.co * g.ci * g.kh * g.kw / (hw.peak_macs_per_cycle * hw.conv_efficiency)
    elif g.kind in ("depthwise", "linear"):
        macs = g.n * g.ho * g.wo * g.co * (g.kh * g.kw if g.kind == "depthwise" else g.ci)
        compute = macs / (hw.peak_macs_per_cycle * (hw.depthwise_efficiency if g.kind == "depthwise" else hw.linear_efficiency))
    else:
        compute = g.n * g.ho * g.wo * g.co * (g.kh * g.kw if g.kind == "pool" else 2) / (hw.eltwise_ops_per_cycle * cores)
    out_once = math.ceil(g.n * g.ho * g.wo * g.co * g.out_bytes / hw.dma_bytes_per_cycle)
    return max(math.floor(compute * (1 - 1e-9)), out_once)

