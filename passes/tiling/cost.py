"""The footprint and cost model of one tile, evaluated against a `backends.target.Target`.

*L1 footprint* ``F(t)`` of tile ``t = (c, h, w, k)`` (bytes): input tile with its halo, output
tile, weight tile, the per-channel parameters of ``c`` channels, the kernel's scratch (the
target's `Target.conv_scratch_bytes` / `Target.depthwise_scratch_bytes`) and an si32 accumulator
when input channels are split; input and output double buffered with more than one tile, weights
and parameters when they change between tiles, the input when its block does (`input_loads`);
single buffered (``single``), one copy of every buffer
(`l1_sizes_of`, the one footprint model: the tiler budgets it and ``allocate-buffers`` lays it
out).

*Cycles* ``K(t)`` (`evaluate`): the target's compute model (MACs over its SIMD peak times the
kernel's sustained efficiency, scaled by how evenly the tiles split over cores and SIMD lanes)
and its DMA costs, double buffering hiding the smaller of compute and transfer (single
buffering: every transfer adds to the compute, the runtime's serial steps); see the
``passes.tiling`` package docstring. A target with a calibrated `backends.target.KernelModel`
(pulp) replaces the efficiency compute and the per-tile overhead by its linear model over
`kernel_features` (the runtime's own work split; fitted by bench/gvsoc/calibrate.py); the DMA
terms (`dma_terms`) are the same for both. `l3_cycles` adds a layer's L3 staging.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

from dory.backends.target import (CONV_1D_TINY_MAX_CI, CONV_1D_TINY_MAX_CO, CONV_1D_TINY_MAX_K, CONV_PX4_MAX_K,
                                  CONV_TAPW_MAX_CO, PW4_MIN_CI, PW_TINY_MAX_CI, TAP4_MIN_KW, Target, conv_tap_ct,
                                  default_target)
from dory.passes.tiling.geometry import Geometry, _blocks, _groups_touched, _in_extent, _in_total, _steps
from dory.passes.tiling.paths import DW3_WIN2_MIN_OUTS

_ACC_BYTES = 4  # si32 partial-sum accumulator element


@dataclass(frozen=True)
class Evaluation:
    """Footprint and modelled cycles of one tile."""

    tile: tuple[int, int, int, int]  # (c_out, h_out, w_out, c_in)
    l1_bytes: int
    cycles: int
    n_tiles: int
    single: bool = False  # every buffer one copy, steps run serially (only with more than one tile)

    def key(self) -> tuple[int, bool, int, int, tuple[int, int, int, int]]:
        """The total order of the objective: cycles, then double before single buffering (a tie
        keeps the double-buffered plan), then L1 bytes, then tiles, then the tile."""
        return (self.cycles, self.single, self.l1_bytes, self.n_tiles, self.tile)



@dataclass(frozen=True)
class L1Sizes:
    """Bytes of one L1 tile's buffers, and how many copies of each the tile schedule needs:
    ``acts`` copies of the output tile, ``weights`` copies of the weight tile and of the
    parameters, ``inputs`` copies of the input tile (2 = ping/pong, 1 = loaded once). The one
    footprint model: the tiler budgets it and ``allocate-buffers`` lays it out."""

    input: int
    weight: int
    output: int
    params: int
    scratch: int
    acts: int
    weights: int
    inputs: int

    @property
    def total(self) -> int:
        """Unaligned L1 bytes of the whole layout."""
        return (self.inputs * self.input + self.acts * self.output + self.weights * (self.weight + self.params)
                + self.scratch)


def _tiling(g: Geometry, tile: tuple[int, int, int, int]) -> tuple[int, int, int, int, int, int, int, int]:
    """Tile ``(c, h, w, k)`` with ``k`` following ``c`` where the layer ties them (depthwise,
    pool, add), and the number of tiles along each of the four dimensions."""
    c, h, w, k = tile
    # integer ceilings (the model's hottest function: a float division and math.ceil each cost more)
    if g.cin_follows_cout:
        k, nk = c, 1
    else:
        nk = -(-g.ci // k)
    return c, h, w, k, -(-g.co // c), -(-g.ho // h), -(-g.wo // w), nk


def input_loads(g: Geometry, tile: tuple[int, int, int, int]) -> int:
    """How many times runtime/src/layer.c loads an input tile of layer ``g`` over the layer: once
    per step, except where the input block depends only on the (row, column, input-channel)
    block (a conv with one group, a linear: `Geometry.split_cin`) and consecutive steps share it
    (output-channel blocks innermost with no input-channel split: ``nk == 1``); then once per
    (row, column) block, and a layer with one such block keeps its input in one L1 copy."""
    _, _, _, _, nc, nh, nw, nk = _tiling(g, tile)
    if g.split_cin and nk == 1:
        return nh * nw
    return nc * nh * nw * nk


def l1_sizes_of(g: Geometry, tile: tuple[int, int, int, int], hw: Target | None = None, *,
                single: bool = False) -> L1Sizes:
    """The L1 buffers of tile ``(c, h, w, k)`` of layer ``g``: input tile with halo (clipped to
    the input; both operands of an add), output tile, weight tile and per-channel parameters of
    ``c`` channels, kernel scratch (im2col, plus an si32 accumulator when input channels are
    split). Input and output are double buffered when there is more than one tile; weights and
    parameters when they change between tiles; the input only when its block does
    (`input_loads`). ``single``: every buffer one copy (runtime/src/layer.c then reloads a buffer
    only after the compute that reads it: `evaluate`'s serial steps)."""
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
        scratch = hw.depthwise_scratch_bytes(g.kh, g.kw, rows, cols, g.pads)
    if nk > 1:  # partial sums over input-channel tiles need an si32 accumulator of the output tile
        scratch += (out_b // g.out_bytes) * _ACC_BYTES
    n = nc * nh * nw * nk
    if single:
        return L1Sizes(in_b, c * w_per_c, out_b, c * g.param_bytes, scratch, 1, 1, 1)
    return L1Sizes(in_b, c * w_per_c, out_b, c * g.param_bytes, scratch, 2 if n > 1 else 1, 2 if nc * nk > 1 else 1,
                   2 if input_loads(g, tile) > 1 else 1)



# -- the calibrated kernel model (a target with a `KernelModel`) ------------------------------------

_FIXED = ("layer", "tile")
"""Features that are counts of fixed costs (once per layer, once per tile), not kernel work."""

MODEL_FEATURES: dict[str, tuple[str, ...]] = {
    "conv": ("tile", "unit", "mac", "im2col", "im2col_rows", "acc", "wide", "div", "slow", "win", "px4", "tiny",
             "tap4"),
    "pointwise": ("tile", "unit", "mac", "acc", "tiny", "pw4", "wide", "div", "slow", "win"),
    "conv16": ("tile", "unit", "mac", "im2col", "im2col_rows", "acc", "wide", "div", "slow", "win"),
    "conv_generic": ("tile", "out", "mac", "wide", "div", "slow", "win"),
    "depthwise": ("tile", "out", "mac", "strip", "wide", "wide64", "div", "slow", "win"),
    "depthwise_generic": ("tile", "out", "mac", "wide", "div", "slow", "win"),
    "linear": ("tile", "out", "mac", "mac_tail", "wide", "div", "slow", "win"),
    "pool": ("tile", "pix", "vtap", "ctap", "avg", "atap", "slow"),
    "add": ("tile", "elem", "sfused", "sloop", "sloop_in", "loop", "loop_in", "generic"),
}
"""Per model kind, the features `kernel_features` returns besides ``layer`` (shared by every
kind: the per-step cost outside the tile loop), in the order the calibration fits them."""

CLASS_FEATURES = ("wide", "wide64", "div", "slow", "win", "sfused", "sloop", "sloop_in", "loop", "loop_in", "generic",
                  "px4", "pw4", "tap4")
"""Features that count the work of one runtime path (`passes.tiling.paths`) besides the kind's base
cost: the fit needs layers on and off the path to tell them apart (bench/gvsoc/fit.py)."""


def model_kind(g: Geometry) -> str:
    """The runtime path a layer takes, as the calibrated model tells them apart: the conv fast
    path (8-bit input, one group, any dilation) with im2col (``conv``) or in place (``pointwise``),
    the 16-bit input one (``conv16``: runtime/kernels/conv2d.c ``conv_fast16``, one group, 8-bit
    weights; KxK and 1x1 in one kind, as few layers of the calibration take it: the ``im2col``
    features tell them apart), else the generic window loop (``conv_generic``: groups, wider input);
    the depthwise strip path or its generic loop; ``linear``, ``pool``, ``add``."""
    if g.kind == "conv":
        if g.in_bytes == 2 and g.w_bytes == 1 and g.groups == 1:
            return "conv16"
        if g.groups > 1 or g.in_bytes > 1:
            return "conv_generic"
        return "pointwise" if g.kh * g.kw == 1 else "conv"
    if g.kind == "depthwise":
        return "depthwise_generic" if g.dh > 1 or g.dw > 1 or g.in_bytes > 1 else "depthwise"
    return g.kind


def _pool_split(rows: int, cols: int, chans: int, cores: int, fast: bool) -> tuple[int, int]:
    """Output pixels and channels of the busiest core of a pooling tile (runtime/kernels/pool.c
    ``dory_pool_l1``): with fewer rows than cores the fast path (8-bit input) splits the output
    pixels, every core all the channels, when that loads the busiest core no more than a split over
    channels; otherwise `_split` (rows, else channels)."""
    npix = rows * cols
    if fast and rows < cores and npix >= cores:
        per_pix = math.ceil(npix / cores)
        if per_pix * chans <= math.ceil(chans / cores) * npix:
            return per_pix, chans
    r, cc = _split(rows, chans, cores)
    return r * cols, cc


def _split(rows: int, chans: int, cores: int) -> tuple[int, int]:
    """Rows and channels of the busiest core under the runtime's ``dory_share_rows_or_channels_``:
    rows split in balanced ranges when there are at least as many rows as cores, else channels."""
    if rows >= cores:
        return math.ceil(rows / cores), chans
    return rows, math.ceil(chans / cores)


def _ring_grid(rows: int, cols: int, chans: int, cores: int) -> int:
    """The channel groups of a depthwise 3x3 ring tile's split over the cores (runtime/kernels/
    depthwise.c ``dw3_grid_``: gc channel groups, gc a divisor of the cores, by cores / gc row
    groups, the gc of the least cost of the busiest core in its cycle weights)."""
    best, best_cost = 1, -1
    for g in range(1, cores + 1):
        gr = cores // g
        if cores % g:
            continue
        cost = math.ceil(chans / g) * (cols * (16 * math.ceil(rows / gr) + 120) + 600)
        if best_cost < 0 or cost < best_cost:
            best, best_cost = g, cost
    return best


def _ring_outs(rows: int, cols: int, chans: int, cores: int) -> int:
    """Outputs per channel of the busiest core of a depthwise 3x3 ring tile (`_ring_grid`)."""
    return math.ceil(rows / (cores // _ring_grid(rows, cols, chans, cores))) * cols


def _shared_row(g: Geometry, h: int, c: int, k: int) -> bool:
    """Whether runtime/kernels/conv2d.c ``conv_fast`` pairs a tile's pixels in shared buffers: one
    output row (``h``) of a 1-D kernel at stride 1, of ``k`` input channels a multiple of 4, or
    of at most 16 output channels (``c``) and a dot-product length of 8 or more."""
    return (h == 1 and g.kh == 1 and g.kw > 1 and g.sw == 1
            and (k % 4 == 0 or (c <= 16 and g.kh * g.kw * k >= 8)))


def _pw_tiny(g: Geometry, k: int) -> bool:
    """Whether runtime/kernels/conv2d.c takes ``conv_1x1_tiny`` for a 1x1 tile of ``k`` input
    channels: at most ``PW_TINY_MAX_CI`` of them, all of the layer's (no partial sums), stride 1,
    no padding, a window end (the runtime's: of a shift with vector multipliers and adds, which
    ``Geometry.end`` does not tell from the others; the cores split the pixels, per channel one
    small loop over them)."""
    return (g.kh * g.kw == 1 and k <= PW_TINY_MAX_CI and k == g.ci and g.sh == 1 and g.sw == 1
            and not any(g.pads) and g.end == "win")


def _pw4(g: Geometry, h: int, w: int, c: int, k: int) -> bool:
    """Whether runtime/kernels/conv2d.c takes ``conv_pw4`` (blocks of 4 output channels x 4 pixels,
    Xpulpv2) for a 1x1 tile of ``h`` x ``w`` pixels, ``c`` output and ``k`` input channels: more
    than ``PW4_MIN_CI`` input channels, all of the layer's (no partial sums), ``k``, ``c`` and the
    pixel count multiples of 4, stride 1, no padding, a window end (as `_pw_tiny`: the runtime's of
    a shift <= 24 with vector multipliers and adds)."""
    return (g.kh * g.kw == 1 and PW4_MIN_CI < k == g.ci and k % 4 == 0 and c % 4 == 0 and (h * w) % 4 == 0
            and g.sh == 1 and g.sw == 1 and not any(g.pads) and g.end == "win")


def _tap4(g: Geometry, kt: int, k: int) -> bool:
    """Whether runtime/kernels/conv2d.c ``conv_fast`` goes on to ``conv_tap4`` (blocks of 4 output
    channels x 4 pixels of a phase, Xpulpv2) for a tile of `_shared_row` pixels with aligned taps of
    ``kt`` bytes (`conv_tap_ct`, 0 without) and ``k`` input channels: taps of 12 bytes, a kernel of
    ``TAP4_MIN_KW`` taps or more, all of the layer's input channels (no partial sums), a window end
    (as `_pw4`: the runtime's of a shift <= 24 with vector multipliers and adds)."""
    return kt == 12 and g.kw >= TAP4_MIN_KW and k == g.ci and g.end == "win"


def _conv1d_tiny(g: Geometry, h: int, c: int, k: int) -> bool:
    """Whether runtime/kernels/conv2d.c takes ``conv_1d_tiny`` for a tile of ``h`` output rows,
    ``c`` output channels and ``k`` input channels: a 1-D kernel over one input row (one output
    row), at most ``CONV_1D_TINY_MAX_CI`` input channels, all of the layer's (no partial sums), at
    most ``CONV_1D_TINY_MAX_CO`` output channels, a dot length ``kw * k`` of 4 to
    ``CONV_1D_TINY_MAX_K``, stride and dilation 1, no top / bottom padding, a window end (as
    `_pw_tiny`: the runtime's of a shift with vector multipliers and adds; the cores split the
    pixels, per channel one small loop over them)."""
    return (g.kh == 1 and g.hi == 1 and h == 1 and k <= CONV_1D_TINY_MAX_CI and k == g.ci
            and c <= CONV_1D_TINY_MAX_CO and 4 <= g.kw * k <= CONV_1D_TINY_MAX_K and g.sw == 1 and g.dw == 1
            and g.pads[0] == 0 and g.pads[2] == 0 and g.end == "win")


def _shared_pairs(w: int, dw: int) -> int:
    """The pixel pairs of a 1-D row of ``w`` output pixels in runtime/kernels/conv2d.c
    ``conv_fast``'s shared buffers: pairs (q, q + dw) within each group of 2 dw pixels, the last
    group's pixels without a partner alone."""
    return w // (2 * dw) * dw + min(w % (2 * dw), dw)


def _shared_chains(g: Geometry, pairs: int, k: int) -> int:
    """The im2col copies of a core's ``pairs`` shared pairs (``k`` input channels) in
    runtime/kernels/conv2d.c ``conv_fast``: the pairs in phase-major order (pairs (q, q + dw) of
    the same q mod dw follow each other), chains of up to m consecutive pairs of a phase sharing
    one copy of kw + 2m - 1 taps, m bounded by the core's two im2col columns (2 x ceil4(K) bytes),
    one more where the core's range crosses into another phase."""
    kx = (g.kw * k + 3) // 4 * 4
    m = max(1, (2 * kx // k - g.kw + 1) // 2)
    return min(pairs, math.ceil(pairs / m) + (1 if g.dw > 1 else 0))


def tile_features(g: Geometry, tile: tuple[int, int, int, int], cores: int) -> dict[str, float]:
    """The kernel work of ONE tile of actual sizes ``(c, h, w, k)`` on its busiest core (what the
    tile's fork/join waits for), split over ``cores`` as the runtime's kernels split it:

    - conv fast path (runtime/kernels/conv2d.c ``conv_fast``): units of (pixel pair, 4 output
      channels) in balanced ranges: ``unit`` units, ``mac`` = 8 x K MACs per unit (K = kh*kw*k),
      ``im2col`` = 2 x K bytes copied per pixel pair of the core (KxK only) in ``im2col_rows`` =
      2 x kh copies (one per kernel row), ``acc`` the si32 partial sums it adds when input
      channels are split; ``px4`` the same outputs again when K <= ``CONV_PX4_MAX_K`` (first
      layers: ``conv_px4``'s blocks of 4 pixels x 4 channels, whole-word row copies; its cost
      is the base one corrected by this path class); otherwise a tile of one output row of a 1-D kernel at stride 1 pairs pixels q
      and q + dw in shared buffers (`_shared_row`, `_shared_pairs`), consecutive pairs of a phase
      in one copy (`_shared_chains`): 2 x k bytes per pair and (kw - 1) x k per copy; ``tap4``
      the same outputs again when such a tile's aligned taps take ``conv_tap4`` (`_tap4`: blocks
      of 4 pixels x 4 channels, its cost the base one corrected by this path class);
    - 16-bit input (``conv_fast16``): units of (pixel, 4 output channels) in balanced ranges:
      ``unit``, ``mac`` = 4 x K MACs per unit, ``im2col`` = K values split into byte planes per
      pixel of the core (KxK only; a 1x1 pixel is split in registers) in ``im2col_rows`` = kh
      runs, ``acc`` as above;
    - generic conv / depthwise / pool: rows, or channels when the tile has fewer rows than cores
      (``dory_share_rows_or_channels_``; a pool's fast path splits the output pixels instead when
      that loads the busiest core less: `_pool_split`): ``out`` outputs, ``mac`` (or ``tap``)
      window products;
      the depthwise strip path also copies ``strip`` bytes (per channel and output column, the
      padded input rows of the core's rows times kw; for 3x3 the transposed tile: per channel,
      with the `_ring_grid` split of the cores, the padded rows times padded columns it reads);
    - pool (runtime/kernels/pool.c ``pool_fast``, its loops): ``pix``, the output pixels of the
      core (the window is clipped and the channel loop entered once per pixel, whatever its
      channels: a 2-channel tile pays it per 2 outputs); a max pool's channels go in 4-channel
      words (``pool_max_words``' lane-wise SIMD max; ``pool_pixel``'s blocks of 8 and 4 with a
      chain), ``vtap`` = pixels x words x taps, the channels left over one at a time, ``ctap`` =
      pixels x (channels mod 4) x taps (a scalar load, compare and store each: what a 2-channel
      tile pays on every channel); an average pool sums every channel's taps (``atap`` = outputs
      x taps) and divides once per output (``avg``);
    - linear: output channels in balanced ranges: ``out``, ``mac`` in blocks of 4 channels and
      ``mac_tail`` in the channels left over (one dot product each);
    - add: ``elem`` elements, of which (``Geometry.end``, passes.tiling.paths: runtime/kernels/
      add.c's own decision) ``sfused`` go through add_scalar's fused multiply-add, ``sloop``
      through its planned loop (``sloop_in`` = elements x the input stages it applies), ``loop``
      through add_fast's per-element loop (``loop_in`` likewise) and ``generic`` through the
      generic chains, the others through add_fast's fused multiply-add (the base cost);
    - conv, depthwise, linear, pool: the core's outputs whose requant end (``Geometry.end``,
      passes.tiling.paths: the runtime's own decision, runtime/kernels/requant_fast.h and the
      depthwise ring's) is ``wide`` (int64 math and a shift: mode 2; the depthwise ring: by the
      window interval of the sums), ``wide64`` (the ring's int64 end per sum, also for a ``wide``
      tile with fewer than ``DW3_WIN2_MIN_OUTS`` outputs per channel on a core), ``div`` (mode 3's
      division by multiplication), ``win`` (requant-window's window end) or ``slow`` (typed loads
      or the generic chain); the ``fast`` int32 end is the kind's base cost."""
    c, h, w, k = tile
    kind = model_kind(g)
    f: dict[str, float] = {}
    if kind in ("conv", "pointwise"):
        # conv_px4 takes a small K before conv_fast's shared 1-D pairs (runtime/kernels/conv2d.c)
        shared = kind == "conv" and g.kh * g.kw * k > CONV_PX4_MAX_K and _shared_row(g, h, c, k)
        npairs = g.n * _shared_pairs(w, g.dw) if shared else math.ceil(h * w * g.n / 2)
        nblk = math.ceil(c / 4)
        units = math.ceil(npairs * nblk / cores)
        # the aligned taps (conv_tap_ct: the dot products and the im2col at ceil4(k) bytes a tap)
        # when the core's scratch holds them (Target.conv_scratch_bytes sized it for the tile)
        kt = conv_tap_ct(g.kh, k) if shared and c <= CONV_TAPW_MAX_CO else 0
        kk = g.kh * g.kw * (kt or k)
        f["unit"] = units
        f["mac"] = 8 * units * kk
        if kind == "conv":
            pairs = math.ceil(units / nblk)
            chains = _shared_chains(g, pairs, k) if shared else 0
            f["im2col"] = (2 * pairs + chains * (g.kw - 1)) * (kt or k) if shared else 2 * pairs * kk
            f["im2col_rows"] = chains if shared else 2 * pairs * g.kh
        f["acc"] = math.ceil(h * w * c * g.n / cores) if k < g.ci else 0
        out = 8 * units
        if kind == "conv" and _conv1d_tiny(g, h, c, k):
            # conv_1d_tiny: the core's pixels x every output channel, no blocks, no im2col
            out = math.ceil(w * g.n / cores) * c
            f["unit"] = f["mac"] = f["im2col"] = f["im2col_rows"] = f["px4"] = f["tap4"] = 0
            f["tiny"] = out
        elif kind == "conv":
            f["px4"] = out if kk <= CONV_PX4_MAX_K else 0
            f["tiny"] = 0
            # conv_tap4's 4 x 4 blocks: the same work counted in conv_fast's 4 x 2 units (unit, mac,
            # im2col); the path's outputs as their own class feature, for the fit to tell them apart
            f["tap4"] = out if _tap4(g, kt, k) else 0
        elif _pw_tiny(g, k):
            # conv_1x1_tiny: the core's pixels x every output channel, no blocks
            out = math.ceil(h * w * g.n / cores) * c
            f["unit"] = f["mac"] = 0
            f["tiny"] = out
        if kind == "pointwise":
            # conv_pw4's 4 x 4 blocks: the same work counted in conv_fast's 4 x 2 units (unit, mac);
            # the path's outputs as their own class feature, for the fit to tell the two apart
            f["pw4"] = out if _pw4(g, h, w, c, k) else 0
    elif kind == "conv16":
        nblk = math.ceil(c / 4)
        units = math.ceil(h * w * g.n * nblk / cores)
        kk = g.kh * g.kw * k
        f["unit"] = units
        f["mac"] = 4 * units * kk
        if g.kh * g.kw > 1:
            pixels = math.ceil(units / nblk)
            f["im2col"] = pixels * kk
            f["im2col_rows"] = pixels * g.kh
        f["acc"] = math.ceil(h * w * c * g.n / cores) if k < g.ci else 0
        out = 4 * units
    elif kind == "linear":
        per = math.ceil(c / cores)
        out = per * g.n
        f["out"] = out
        f["mac"] = (per - per % 4) * k * g.n
        f["mac_tail"] = (per % 4) * k * g.n
    elif kind == "add":
        out = math.ceil(h * w * c * g.n / cores)
        f["elem"] = out
        for path in ("sfused", "sloop", "loop", "generic"):
            f[path] = out if g.end == path else 0
        f["sloop_in"] = out * g.rq_inputs if g.end == "sloop" else 0
        f["loop_in"] = out * g.rq_inputs if g.end == "loop" else 0
        return f
    elif kind == "pool":
        pix, cc = _pool_split(h, w, c, cores, g.in_bytes == 1)
        out = pix * cc * g.n
        taps = g.kh * g.kw
        f["pix"] = pix * g.n
        f["vtap"] = 0 if g.pool_avg else pix * g.n * (cc // 4) * taps
        f["ctap"] = 0 if g.pool_avg else pix * g.n * (cc % 4) * taps
        f["avg"] = out if g.pool_avg else 0
        f["atap"] = out * taps if g.pool_avg else 0
    else:
        r, cc = _split(h, c, cores)
        out = r * w * cc * g.n
        f["out"] = out
        taps = g.kh * g.kw * (k if kind == "conv_generic" else 1)
        f["mac"] = out * taps
        if kind == "depthwise" and (g.kh, g.kw) == (3, 3):
            # the 3x3 transposed tile: per channel of the busiest core (its `_ring_grid` split)
            # every padded input byte of its rows, copied once
            gc = _ring_grid(h, w, c, cores)
            cc3, rr = math.ceil(c / gc), math.ceil(h / (cores // gc))
            f["strip"] = cc3 * ((rr - 1) * g.sh + 3) * ((w - 1) * g.sw + 3) * g.n
        elif kind == "depthwise":
            f["strip"] = cc * w * ((r - 1) * g.sh + g.kh) * g.kw * g.n
    end = g.end
    if kind == "depthwise" and (g.kh, g.kw) == (3, 3) and end == "wide" and _ring_outs(h, w, c, cores) < DW3_WIN2_MIN_OUTS:
        end = "wide64"  # the ring's int64 end per sum (passes.tiling.paths.dw_ring_end_of)
    if kind != "pool":
        for path in ("wide", "div", "win"):
            f[path] = out if end == path else 0
    if kind == "depthwise":
        f["wide64"] = out if end == "wide64" else 0
    f["slow"] = out if end == "slow" else 0
    return f


def kernel_features(g: Geometry, tile: tuple[int, int, int, int], hw: Target | None = None) -> dict[str, float]:
    """The features of the calibrated model for tile ``(c, h, w, k)`` of layer ``g``: ``layer``
    (1), ``tile`` (the number of tiles) and `tile_features` summed over every tile of the layer,
    ragged last tiles counted at their own sizes. The model's cycles are the features weighted by
    the target's `KernelModel` coefficients (plus the DMA terms of `evaluate`)."""
    hw = hw or default_target()
    c, h, w, k, nc, nh, nw, nk = _tiling(g, tile)
    total: dict[str, float] = {"layer": 1.0, "tile": float(nc * nh * nw * nk)}
    dims = [_blocks(g.co, c), _blocks(g.ho, h), _blocks(g.wo, w), [k] if g.cin_follows_cout else _blocks(g.ci, k)]
    classes = [sorted({b: bs.count(b) for b in bs}.items()) for bs in dims]
    for (cc, n1), (hh, n2), (ww, n3), (kk, n4) in itertools.product(*classes):
        kk = cc if g.cin_follows_cout else kk
        for name, v in tile_features(g, (cc, hh, ww, kk), hw.cores).items():
            total[name] = total.get(name, 0.0) + n1 * n2 * n3 * n4 * v
    return total


def model_coefficients(g: Geometry, hw: Target) -> dict[str, float]:
    """The target's calibrated coefficients for layer ``g``: the shared ones (kind ``all``: the
    per-layer cost) overlaid by those of ``model_kind(g)``."""
    assert hw.kernel_model is not None
    return {**hw.kernel_model.of("all"), **hw.kernel_model.of(model_kind(g))}


def tile_overhead(g: Geometry, hw: Target | None = None) -> float:
    """Cycles every L1 tile of ``g`` costs at least (the SAT search's bound cut counts them):
    the calibrated ``tile`` coefficient, or the target's `Target.tile_overhead_cycles`."""
    hw = hw or default_target()
    if hw.kernel_model is None:
        return hw.tile_overhead_cycles
    return model_coefficients(g, hw).get("tile", 0.0)



def _efficiency_compute(g: Geometry, tiling: tuple[int, int, int, int, int, int, int, int], hw: Target) -> float:
    """Compute cycles of the efficiency model (a target without a `KernelModel`): MACs over the
    SIMD peak times the kernel's sustained efficiency, scaled by how evenly the tiles split."""
    c, h, w, k, nc, nh, nw, nk = tiling
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
    return compute


def dma_terms(g: Geometry, tile: tuple[int, int, int, int], hw: Target | None = None) -> tuple[int, int, int]:
    """The L2<->L1 DMA cycles of tile ``(c, h, w, k)`` of layer ``g``: the first tile's loads,
    the last tile's store, and the whole layer's transfers (bytes moved over the target's DMA
    bandwidth plus the setups: DORY's one per row when a tile is not contiguous in L2, or, with
    the target's ``dma_command_cycles``, one per call plus one per further 2-D command, as the
    pulp port issues them). `evaluate` hides the layer's transfers other than the first and last behind the compute."""
    hw = hw or default_target()
    c, h, w, k, nc, nh, nw, nk = _tiling(g, tile)
    n = nc * nh * nw * nk
    rows = _in_extent(h, g.sh, g.kh, g.dh, g.hi)
    cols = _in_extent(w, g.sw, g.kw, g.dw, g.wi)
    sizes = l1_sizes_of(g, tile, hw)
    w_b = sizes.weight + sizes.params
    # DMA: bytes over the whole layer and transfer setups
    if g.kind == "linear":
        in_total = g.ci * g.in_bytes * g.n * nc
        out_total = g.co * g.out_bytes * g.n
    else:
        rows_t = _in_total(g.ho, h, g.sh, g.kh, g.dh, g.pads[0], g.hi)
        cols_t = _in_total(g.wo, w, g.sw, g.kw, g.dw, g.pads[1], g.wi)
        in_total = rows_t * cols_t * (g.ci if not g.cin_follows_cout else g.co) * g.in_bytes * g.n
        if not g.cin_follows_cout and input_loads(g, tile) == n:
            in_total *= nc  # the input is re-read for every output-channel tile
        out_total = g.ho * g.wo * g.co * g.out_bytes * g.n
    w_total = (g.weight_bytes_per_channel + g.param_bytes) * g.co * (1 if nc * nk == 1 else nh * nw)
    w_tr = (1 if w_b else 0) + (1 if g.param_bytes else 0)
    if hw.dma_command_cycles is None:  # DORY's model: a transfer setup per strided row
        in_full = cols == g.wi and (g.cin_follows_cout and c == g.co or not g.cin_follows_cout and k == g.ci)
        in_tr = 1 if in_full or g.kind == "linear" else rows
        out_tr = 1 if (w == g.wo and c == g.co) or g.kind == "linear" else h
        in_setup, out_setup = in_tr * hw.dma_setup_cycles, out_tr * hw.dma_setup_cycles
    else:
        # the port's calls (runtime/src/layer.c dma3 folds contiguous dimensions): a tile is one
        # call of one 2-D command, or of one per row (slab) when both its channels and its
        # columns are a part of the layer's
        cmd = hw.dma_command_cycles
        in_split = (c < g.co) if g.cin_follows_cout else (k < g.ci)
        in_cmds = rows if in_split and cols < g.wi and g.kind != "linear" else 1
        out_cmds = h if c < g.co and w < g.wo and g.kind != "linear" else 1
        in_setup = hw.dma_setup_cycles + (in_cmds - 1) * cmd
        out_setup = hw.dma_setup_cycles + (out_cmds - 1) * cmd
    w_setup = w_tr * hw.dma_setup_cycles
    per_tile = out_setup + (w_setup if nc * nk > 1 or n == 1 else 0)
    dma = (math.ceil((in_total + out_total + (w_total if w_b else 0)) / hw.dma_bytes_per_cycle) + n * per_tile
           + input_loads(g, tile) * in_setup)
    if nc * nk == 1 and n > 1:
        dma += w_setup  # weights loaded once
    first = in_setup + w_setup + math.ceil((sizes.input + w_b) / hw.dma_bytes_per_cycle)
    last = out_setup + math.ceil(sizes.output / hw.dma_bytes_per_cycle)
    return first, last, dma


L3_ACTS = ("input", "lhs", "rhs")
"""The L3 roles of a layer's activations read per row block (an add's operands: lhs, rhs)."""


def l3_blocks(g: Geometry, l3_tile: dict[str, int] | None) -> tuple[int, int]:
    """The output rows and channels of one L3 sub-problem of layer ``g`` under ``l3_tile``
    (``c_out``, ``h_out``, 0 or absent: the whole extent; a linear layer's rows are one block),
    as runtime/src/layer.c cuts it."""
    l3c = min(l3_tile["c_out"], g.co) if l3_tile and l3_tile.get("c_out", 0) > 0 else g.co
    l3h = min(l3_tile["h_out"], g.ho) if l3_tile and l3_tile.get("h_out", 0) > 0 else g.ho
    return (1 if g.kind == "linear" else l3h), l3c


def sub_problems(g: Geometry, l3_tile: dict[str, int] | None) -> list[tuple[int, int]]:
    """(output rows, output channels) of every L3 sub-problem of layer ``g`` in the order
    runtime/src/layer.c runs them: row blocks outer, channel blocks inner, the last of each
    ragged."""
    l3h, l3c = l3_blocks(g, l3_tile)
    return [(min(l3h, g.ho - h0), min(l3c, g.co - c0)) for h0 in range(0, g.ho, l3h) for c0 in range(0, g.co, l3c)]


def sub_problem_cycles(g: Geometry, tile: tuple[int, int, int, int], l3_tile: dict[str, int] | None,
                       hw: Target | None = None, *, single: bool = False) -> list[int]:
    """The L2->L1 model's cycles (`evaluate`) of L1 tile ``tile`` on every L3 sub-problem of
    ``g`` (`sub_problems`): runtime/src/layer.c runs each sub-problem as a layer of its rows and
    channels, its L1 tiles restarting at the block's edge, so a block that is not a whole number
    of L1 tiles ends in a partial one (a step more per block: MobileNetV1-1.0-128's classifier,
    L3 blocks of 40 channels in L1 tiles of 26, runs 50 steps where the whole layer would take 39).
    One sub-problem (no L3 tile): the layer's own `evaluate`. A row block reads its windows'
    input rows (the layer's padding kept: an approximation for the inner blocks)."""
    hw = hw or default_target()
    subs = sub_problems(g, l3_tile)
    if len(subs) == 1:
        return [evaluate(g, tile, hw, single=single).cycles]
    c, h, w, k = tile
    seen: dict[tuple[int, int], int] = {}
    out = []
    for rows, chans in subs:
        hit = seen.get((rows, chans))
        if hit is None:
            gs = replace(g, ho=rows, co=chans, hi=min(g.hi, _in_extent(rows, g.sh, g.kh, g.dh, g.hi)))
            hit = seen[(rows, chans)] = evaluate(gs, (min(c, chans), min(h, rows), w, min(k, chans) if g.cin_follows_cout else k),
                                                 hw, single=single).cycles
        out.append(hit)
    return out


def l3_cycles(g: Geometry, roles: list[str] | tuple[str, ...], l3_tile: dict[str, int] | None,
              compute: float | Sequence[float], hw: Target | None = None, t_co: int | None = None, *,
              single: bool = False) -> int:
    """Cycles of layer ``g`` whose data ``roles`` (``dory.memory``'s ``l3``: input, lhs, rhs,
    weight, bias, requant, output) live in L3, split into L3 sub-problems by ``l3_tile``
    (``c_out``, ``h_out``; None: one sub-problem), ``compute`` being the L2->L1 model's cycles:
    per sub-problem (`sub_problem_cycles`, in `sub_problems`' order), or of the whole layer
    (`evaluate`; shared evenly). As runtime/src/layer.c runs it: row blocks outer, channel blocks
    inner; the activations are read once per row block (the input rows its windows read, halo
    included), weights / bias / requant once per channel block change, the output written once
    per row block, each a blocking call of the target's L3 costs (`Target.l3_l2_cycles`,
    `Target.l2_l3_cycles`), and between two sub-problems the controller's join and fork
    (``l3_fork_cycles``). Without the target's ``l3_overlapped`` every transfer adds to
    ``compute``.

    With the target's ``l3_overlapped`` the controller moves data while the cluster computes,
    the weights as one stream of reads of ``l3_stream_chunk_bytes`` (each a transfer setup):
    during sub-problem k it reads the rest of k's weights, writes back the previous row block,
    reads k + 1's other operands, then k + 1's weights, chunk by chunk, until the cluster is done
    with k (it looks between chunks); it then joins, sets up and forks k + 1
    (``l3_fork_cycles``, no L3 read meanwhile), whose remaining weights arrive under its first
    tiles. Within a sub-problem the cluster runs its L1 tiles of ``t_co`` channels (None: one
    tile), each taking its channels' share of the sub-problem's compute, and the runtime's core 0
    waits for a tile's weights before it issues their DMA: double buffered, during the previous
    tile (that tile's own compute waits), single buffered (``single``) after it. So a tile ends
    at the later of the previous tile's end and the arrival of the weights it waits for, plus its
    compute; only the first sub-problem's other reads and the last write are exposed."""
    hw = hw or default_target()
    role_set = set(roles)
    subs = sub_problems(g, l3_tile)
    shares = [float(compute) / len(subs)] * len(subs) if isinstance(compute, (int, float)) else [float(x) for x in compute]
    if len(shares) != len(subs):
        raise ValueError(f"expected the compute of {len(subs)} sub-problems, found {len(shares)}")
    if not role_set:
        return int(math.ceil(sum(shares)))
    l3h, l3c = l3_blocks(g, l3_tile)
    n_h, n_c = -(-g.ho // l3h), -(-g.co // l3c)
    acts = [r for r in L3_ACTS if r in role_set]
    row_bytes = g.wi * g.ci * g.in_bytes * g.n // (2 if g.kind == "add" else 1)  # an add's in_bytes sums both operands
    params = [r for r in ("bias", "requant") if r in role_set]
    wpc = g.weight_bytes_per_channel if "weight" in role_set else 0

    def reads(h: int, c: int, prev: tuple[int, int] | None, ch: int | None = None) -> tuple[int, int]:
        """The reads that stage sub-problem (row block h, channel block c) after ``prev``: (the
        weights' bytes, the others' cycles)."""
        cyc, wbytes = 0, 0
        if prev is None or prev[0] != h:
            lo = max(0, h * l3h * g.sh - g.pads[0])
            hi = min(g.hi, (min(g.ho, (h + 1) * l3h) - 1) * g.sh - g.pads[0] + (g.kh - 1) * g.dh + 1)
            cyc += sum(hw.l3_l2_cycles((hi - lo) * row_bytes) for _ in acts)
        if prev is None or prev[1] != c:
            ch = min(g.co, (c + 1) * l3c) - c * l3c
            wbytes = ch * wpc
            if params:
                cyc += hw.l3_l2_cycles(ch * g.param_bytes, len(params))
        return wbytes, cyc

    def write_rows(rows: int) -> int:
        """The write-back of a row block of ``rows`` output rows."""
        if "output" not in role_set:
            return 0
        return hw.l2_l3_cycles(rows * g.wo * g.co * g.out_bytes * g.n)

    def write(h: int) -> int:
        """The write-back of row block h's output."""
        return write_rows(min(g.ho, (h + 1) * l3h) - h * l3h)

    if not hw.l3_overlapped:
        # Serial: the sum over the sub-problems in O(n_h + n_c): each row block's activations are
        # read once; each channel block's weights / bias / requant once per row block when there
        # are several channel blocks (the channel block changes at every sub-problem), else once.
        acts_cyc = sum(reads(h, 0, (h - 1, 0))[1] for h in range(n_h))

        def staged(c: int) -> int:
            wbytes, cyc = reads(0, c, (0, c - 1) if c else (0, -1))
            return cyc + (hw.l3_l2_cycles(wbytes) if wbytes else 0)

        per_c = sum(staged(c) for c in range(n_c))
        return int(math.ceil(sum(shares) + acts_cyc + per_c * (n_h if n_c > 1 else 1)
                             + sum(write(h) for h in range(n_h)) + (len(subs) - 1) * hw.l3_fork_cycles))

    chunk = hw.l3_stream_chunk_bytes
    # The stream's rate, each chunk's setup spread over its bytes; a read pays one setup of
    # latency. The controller notices the cluster is done only between chunks: on average half a
    # chunk late (the exact phase depends on cycles the model does not resolve: taken as exact it
    # misranked MobileNetV1-1.0-128's Conv_601 blocks by +-4,000 cycles a sub-problem).
    per_byte = 1 / hw.l3_bytes_per_cycle + (hw.l3_setup_cycles / chunk if chunk else 0.0)
    notice = (chunk * per_byte) / 2 if chunk else 0.0

    def rd(nbytes: float) -> float:
        """Cycles until ``nbytes`` more of the weights stream are in L2."""
        return hw.l3_setup_cycles + nbytes * per_byte if nbytes > 0 else 0.0

    order = [(h, c) for h in range(n_h) for c in range(n_c)]
    stage = [reads(h, c, order[i - 1] if i else None) for i, (h, c) in enumerate(order)]
    look = 0 if single else 1
    fork = float(stage[0][1])  # when the cluster starts the current sub-problem
    pre = 0.0  # bytes of its weights read before that
    for i, (h, c) in enumerate(order):
        wbytes, ch = stage[i][0], subs[i][1]
        tc = min(t_co or ch, ch)
        cum = [min(ch, j + tc) for j in range(0, ch, tc)]  # channels in place through each L1 tile
        end = fork
        for j, cj in enumerate(cum):
            need = cum[min(len(cum) - 1, j + look)] * wpc if wbytes else 0
            arrive = fork + rd(need - pre) if need > pre else fork
            end = max(end, arrive) + shares[i] * (cj - (cum[j - 1] if j else 0)) / ch
        ctrl = fork + rd(wbytes - pre) + (write(h - 1) if i > 0 and c == 0 else 0)
        if i + 1 == len(order):
            fork = max(end, ctrl)
            break
        ctrl += stage[i + 1][1]
        nxt, pre = stage[i + 1][0], 0.0
        if nxt and end > ctrl:  # k + 1's weights until the cluster is done (noticed `notice` late)
            if ctrl + rd(nxt) <= end:
                pre, ctrl = float(nxt), ctrl + rd(nxt)
            else:
                stop = end + notice
                pre = min(float(nxt), max(0.0, stop - ctrl - hw.l3_setup_cycles) / per_byte)
                ctrl = stop
        fork = max(end, ctrl) + hw.l3_fork_cycles
    return int(math.ceil(fork + write(n_h - 1)))


def staged_cycles(g: Geometry, roles: list[str] | tuple[str, ...], l3_tile: dict[str, int] | None, ev: Evaluation,
                  hw: Target | None = None) -> int:
    """The modelled cycles of layer ``g`` run with the L1 tile and buffering of ``ev`` (its
    `evaluate`) and the L3 tile ``l3_tile``, its data ``roles`` in L3: `l3_cycles` over the L1
    model's cycles of every sub-problem (`sub_problem_cycles`). The one objective of a layer with
    L3 data (the tile pass, the joint L3/L1 search, assign-memory's staging search)."""
    if not roles:
        return ev.cycles if l3_tile is None else sum(sub_problem_cycles(g, ev.tile, l3_tile, hw, single=ev.single))
    return l3_cycles(g, roles, l3_tile, sub_problem_cycles(g, ev.tile, l3_tile, hw, single=ev.single), hw,
                     t_co=ev.tile[0], single=ev.single)


def evaluate(g: Geometry, tile: tuple[int, int, int, int], hw: Target | None = None, *,
             single: bool = False) -> Evaluation:
    """The footprint (bytes) and the cost model's cycles of tile ``(c, h, w, k)`` of layer ``g``,
    double buffered (the compute hides the transfers other than the first load and the last
    store, or they hide it) or with ``single`` every buffer one copy: runtime/src/layer.c then
    issues step i + 1's loads with step i's store after step i's compute and waits for both
    before step i + 1's, so every transfer adds to the compute (the one-tile formula, whose
    first load and last store are its only transfers, over the whole layer). A one-tile layer
    has one copy of everything either way: it evaluates as double buffered (``single`` False)."""
    hw = hw or default_target()
    c, h, w, k, nc, nh, nw, nk = _tiling(g, tile)
    n = nc * nh * nw * nk
    single = single and n > 1
    l1 = l1_sizes_of(g, tile, hw, single=single).total

    model = hw.kernel_model
    if model is not None:
        coef = model_coefficients(g, hw)
        feats = kernel_features(g, tile, hw)
        compute = sum(coef.get(f, 0.0) * v for f, v in feats.items() if f not in _FIXED)
        overhead = coef.get("layer", 0.0) + n * coef.get("tile", 0.0)
    else:
        compute = _efficiency_compute(g, (c, h, w, k, nc, nh, nw, nk), hw)
        overhead = n * hw.tile_overhead_cycles

    first, last, dma = dma_terms(g, tile, hw)
    if n == 1:
        cycles = overhead + first + compute + last
    elif single:
        cycles = overhead + compute + dma
    else:
        cycles = overhead + first + last + max(compute, max(0, dma - first - last))
    return Evaluation((c, h, w, k), int(l1), int(math.ceil(cycles)), n, single)


def cycles_floor(g: Geometry, hw: Target | None = None) -> int:
    """A lower bound on `evaluate`'s cycles that holds for every tile, less the per-tile overhead:
    the compute at the kernel's best efficiency (every tile splits evenly over cores and SIMD
    lanes), or the output written back once, whichever is larger. So for every tile ``t``,
    ``cycles(t) >= n_tiles(t) * tile_overhead(g) + cycles_floor``. For the calibrated model the
    compute bound is the per-layer cost plus each feature's whole-layer work on one core spread
    evenly over the cores (a core's share of any split is at least that; the coefficients are
    non-negative)."""
    hw = hw or default_target()
    out_once = math.ceil(g.n * g.ho * g.wo * g.co * g.out_bytes / hw.dma_bytes_per_cycle)
    return max(compute_floor(g, hw), out_once)


def compute_floor(g: Geometry, hw: Target | None = None) -> int:
    """`cycles_floor`'s compute part: a lower bound on `evaluate`'s compute (plus, for the
    calibrated model, its per-layer cost) of every tile."""
    hw = hw or default_target()
    cores = hw.cores
    if hw.kernel_model is not None:
        coef = model_coefficients(g, hw)
        whole = tile_features(g, (g.co, g.ho, g.wo, g.co if g.cin_follows_cout else g.ci), 1)
        if "mac_tail" in whole:  # a core's MACs fall in blocks or in the tail depending on the split
            cheaper = min(coef.get("mac", 0.0), coef.get("mac_tail", 0.0))
            coef = {**coef, "mac": cheaper, "mac_tail": cheaper}
        if "vtap" in whole:  # a pool's channel taps fall in 4-channel words or one at a time by the tile
            whole = {**whole, "vtap": 0.0, "ctap": 4 * whole["vtap"] + whole["ctap"]}
            coef = {**coef, "ctap": min(coef.get("vtap", 0.0) / 4, coef.get("ctap", 0.0))}
        compute = coef.get("layer", 0.0) + sum(coef.get(f, 0.0) * v / cores for f, v in whole.items()
                                               if f != "acc" and (f != "strip" or g.kh >= g.sh))
    elif g.kind == "conv":
        compute = g.n * g.ho * g.wo * g.co * g.ci * g.kh * g.kw / (hw.peak_macs_per_cycle * hw.conv_efficiency)
    elif g.kind in ("depthwise", "linear"):
        macs = g.n * g.ho * g.wo * g.co * (g.kh * g.kw if g.kind == "depthwise" else g.ci)
        compute = macs / (hw.peak_macs_per_cycle * (hw.depthwise_efficiency if g.kind == "depthwise" else hw.linear_efficiency))
    else:
        compute = g.n * g.ho * g.wo * g.co * (g.kh * g.kw if g.kind == "pool" else 2) / (hw.eltwise_ops_per_cycle * cores)
    return math.floor(compute * (1 - 1e-9))
