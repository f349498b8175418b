"""``tile``: choose the L2->L1 tile of every layer (and the L3->L2 tile where ``assign-memory``
asks for one) with a SAT solver, under the GAP8 cost model of `backends.gap8.hw`.

Input: functions of ``dory`` layer ops after ``assign-memory``. Output: the same IR with the
discardable attribute ``dory.tile`` on every layer op, exactly as docs/tiling-schema.md says::

    {dory.tile = {l1 = {c_out, h_out, w_out, c_in}, n_tiles, l1_bytes, cycles, sat_calls, solve_ms?, l3 = {c_out, h_out}?}}

The pass only adds attributes, so the semantics of the IR are unchanged.

The model
---------
*Geometry* comes from the layer's first stage (the conv/linear/pool/add): output ``Ho x Wo x Co``,
input ``Hi x Wi x Ci``, kernel ``kh x kw``, strides, dilations, pads ``[t, l, b, r]``. A tile is
``t = (c, h, w, k)``: output channels, output rows, output columns, input channels. ``k = Ci``
except for ``dory.conv2d`` with ``groups = 1`` and ``dory.linear``, whose kernels may accumulate
partial sums over input-channel tiles (in an si32 L1 accumulator); depthwise, pool and add have
``k = c``.

*L1 footprint* ``F(t)`` (bytes): input tile (rows ``(h-1)*sh + (kh-1)*dh + 1`` clipped to ``Hi``,
likewise columns, times ``k``; both operands for an add) + output tile + weight tile + the
per-channel parameters (bias and requant arrays) of ``c`` channels + kernel scratch (pulp-nn's
im2col ``2*cores*kh*kw*k`` for a KxK conv, ``cores*(kh*(rows+pt+pb)+kh) + cores*kh*kw`` for the
depthwise kernel, which buffers columns of *rows*, not channels) + an si32 accumulator of the output
tile when input channels are split. With more than one tile, input and output are double buffered;
weights and parameters are double buffered when they change between tiles (more than one
channel tile), else loaded once.

*Cycles* ``K(t)``: ``n * overhead + first load + last store + max(compute, rest of the DMA)`` for
``n > 1`` tiles (double buffering hides the smaller of compute and transfer, except the first
load and the last store), ``overhead + load + compute + store`` for one tile. Compute is the MACs
over the SIMD peak times the kernel's sustained efficiency, scaled by how evenly the tiles split
over the cores (rows for a conv, channels for depthwise/linear, rows for pool/add) and over the
4-way SIMD (output channels), counting the ragged last tiles exactly; split input channels add a
partial-sum pass. DMA is `Gap8Target.l2_l1_cycles` of the bytes moved (inputs re-read once per
output-channel tile, halos included; weights re-read per spatial tile unless they fit whole) plus
a setup per transfer (one per row when a tile is not contiguous in L2).

*Candidate space* per dimension of extent ``N``: every value ``1..N`` when ``N <= 16``, else ``N``,
powers of two, multiples of the dimension's step up to 8 steps, the divisors of ``N`` that are
multiples of the step, and ``ceil(N / j)`` rounded up to the step for ``j = 2..8`` (balanced
tiles). Steps: 4 for channels (4-way SIMD), 8 for rows (8 cores), 2 for columns (the 4x2 matmul
takes 2 pixels). Columns are split only when no full-width tile fits, and input channels only
when no tile with all input channels fits (both cost halos/partial sums and make transfers
strided; DORY never splits them).

The SAT encoding (lazy clause generation: the solver searches, the model is consulted lazily)
------------------------------------------------------------------------------------------------
*Variables*: an order encoding of each dimension with more than one candidate value:
``ge[d, i]`` means ``t_d >= values[d][i]``, with ``ge[d, i+1] -> ge[d, i]``; a model decodes to
one tile. "``t_d == v``" is the conjunction of ``ge[d, i]`` and ``not ge[d, i+1]``.

*Memory* (hard, exact, compiled once): for every combination of the other dimensions (``c_out``,
``w_out``, ``c_in``; ``w_out`` and ``c_in`` are usually fixed, so this is one combination per
``c_out`` value) the footprint grows with ``h_out`` as long as more than one tile remains, so the
rows that fit are exactly those up to the largest fitting value, found by binary search. One
staircase clause per combination says so: ``[others == combo] -> not ge[h, j+1]`` (or ``-> h is
the whole layer`` when the single-tile layout, whose buffers are not doubled, fits). The
footprint is thus evaluated ``O(|combos| log |h values|)`` times, never on the whole product.

*Objective* (lazy): the solver proposes a tile that fits; its cycles are evaluated; every proposed
tile is then excluded by a clause over its value literals. Whenever the best cycles ``B``
improve, a *bound cut* excludes every tile whose lower bound already exceeds ``B``: since
``cycles(t) >= n_tiles(t) * overhead + floor`` (`cycles_floor`: the compute at the kernel's best
efficiency, or the output written back once) and ``n_tiles`` falls as ``h_out`` grows, the cut is
again one staircase clause per combination of the other dimensions (``-> ge[h, j]``). The search
ends when the formula is unsatisfiable: every tile was then either evaluated, or excluded by the
memory staircase or by a bound cut that only removes tiles costlier than the best. So the best
evaluated tile is a proven optimum under the model within the candidate space; the total order
(cycles, then L1 bytes, then fewer tiles, then the tile) makes it unique and deterministic.
``sat_calls`` records the solver calls (the last one is the UNSAT proof). On MobileNetV1-1.0-224
the 29 layers' candidate spaces hold 4020 tiles; the search evaluates the cost of about 900 of
them and the footprint about 1400 times (binary search), in ~0.14 s.

*L3 tile* (where ``dory.memory``'s ``l3_tiling`` is non-empty): weights, bias and requant arrays
are tiled over output channels, activations over rows; among the candidate (c_out, h_out) pairs
whose double-buffered staging fits the ``staging_bytes`` that ``assign-memory`` recorded, the one
with the fewest L3 tiles, then the largest. The L1 tile is then limited to the L3 tile.

Errors (`PassFailed`, located at the op): a layer whose smallest tiling does not fit the L1
budget (the message gives the smallest L1 it needs and that tile), a non-positive ``l1-bytes``,
and ops the pass cannot read (run ``fuse`` and ``assign-memory`` first).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import ClassVar, Iterator

from backends.gap8.hw import GAP8, Gap8Target
from dory_ir.attributes import ArrayAttr, DenseAttr, DictAttr, IntegerAttr
from dory_ir.core import Operation
from dory_ir.dialects import dory
from dory_ir.types import IntegerType, MemRefType, TensorType, Type
from passes.base import ModulePass, PassContext, PassFailed

ATTR = "dory.tile"
LAYERS = ("dory.conv2d", "dory.depthwise", "dory.linear", "dory.pool", "dory.add")
DIMS = ("c_out", "h_out", "w_out", "c_in")
_ACC_BYTES = 4  # si32 partial-sum accumulator element


def _ebytes(t: Type) -> int:
    """Bytes per element of a tensor/memref type (sub-byte types take a byte, as in assign-memory)."""
    et = t.element_type  # type: ignore[attr-defined]
    return math.ceil(et.width / 8) if isinstance(et, IntegerType) else 4


def _hwc(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(N, H, W, C) of an activation of any rank: NHWC as is, NLC as H = L, W = 1, NC as 1 x 1."""
    s = tuple(int(x) for x in shape)
    if len(s) == 4:
        return s  # type: ignore[return-value]
    if len(s) == 3:
        return s[0], s[1], 1, s[2]
    if len(s) == 2:
        return s[0], 1, 1, s[1]
    return 1, 1, 1, (s[0] if s else 1)


@dataclass(frozen=True)
class Geometry:
    """What the tiler needs of one layer, read from its first stage."""

    kind: str  # conv | depthwise | linear | pool | add
    n: int
    ho: int
    wo: int
    co: int
    hi: int
    wi: int
    ci: int  # input channels of the full layer (per group for a grouped conv: the weight's last axis)
    kh: int = 1
    kw: int = 1
    sh: int = 1
    sw: int = 1
    dh: int = 1
    dw: int = 1
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    groups: int = 1
    in_bytes: int = 1  # bytes per input element (both operands summed for an add)
    out_bytes: int = 1
    w_bytes: int = 1
    param_bytes: int = 0  # bias + per-channel requant bytes of one output channel

    @property
    def split_cin(self) -> bool:
        """Can the kernel accumulate partial sums over input-channel tiles?"""
        return (self.kind == "conv" and self.groups == 1) or self.kind == "linear"

    @property
    def cin_follows_cout(self) -> bool:
        return self.kind in ("depthwise", "pool", "add")

    @property
    def weight_bytes_per_channel(self) -> int:
        """Weight bytes of one output channel with all its input channels."""
        if self.kind == "conv":
            return self.kh * self.kw * self.ci * self.w_bytes
        if self.kind == "depthwise":
            return self.kh * self.kw * self.w_bytes
        if self.kind == "linear":
            return self.ci * self.w_bytes
        return 0


def geometry(op: Operation) -> Geometry:
    """The `Geometry` of a layer op (raises `PassFailed` on shapes the tiler cannot read)."""
    x = op.operands[0].type
    y = op.results[0].type
    if not isinstance(x, (TensorType, MemRefType)) or not isinstance(y, (TensorType, MemRefType)):
        raise PassFailed(op, f"expected shaped operands and result, found {x} -> {y}")
    n, hi, wi, ci = _hwc(tuple(x.shape))
    _, ho, wo, co = _hwc(tuple(y.shape))
    params = 0
    if isinstance(op, (dory.Conv2dOp, dory.LinearOp)) and len(op.operands) > 2:
        params += _ebytes(op.operands[2].type)
    for key in ("requant", "lhs_requant", "rhs_requant"):
        a = op.properties.get(key)
        dicts = [a] if isinstance(a, DictAttr) else list(a.values) if isinstance(a, ArrayAttr) else []
        for d in dicts:
            if isinstance(d, DictAttr):
                params += sum(_ebytes(v.type) for _, v in d.entries if isinstance(v, DenseAttr) and v.type.num_elements > 1)
    common = dict(n=n, ho=ho, wo=wo, co=co, hi=hi, wi=wi, out_bytes=_ebytes(y), param_bytes=params)
    if isinstance(op, dory.Conv2dOp):  # and dory.DepthwiseOp
        w = op.operand_shape(1)
        if len(w) != 4 or len(tuple(x.shape)) != 4:
            raise PassFailed(op, f"expected a 4-D NHWC input and OxKhxKwxI weight, found {x} and {op.operands[1].type}")
        st, dil, pads, groups = op.strides, op.dilations, op.pads, op.groups
        kind = "depthwise" if isinstance(op, dory.DepthwiseOp) or (groups == ci == co and w[3] == 1) else "conv"
        return Geometry(kind, ci=w[3] if kind == "conv" else ci, kh=w[1], kw=w[2], sh=st[0], sw=st[1], dh=dil[0], dw=dil[1],
                        pads=pads[:4], groups=groups, in_bytes=_ebytes(x), w_bytes=_ebytes(op.operands[1].type), **common)  # type: ignore[arg-type]
    if isinstance(op, dory.LinearOp):
        k = int(tuple(x.shape)[-1])
        return Geometry("linear", **{**common, "n": int(math.prod(tuple(x.shape)[:-1])), "ho": 1, "wo": 1, "hi": 1, "wi": 1,
                                     "co": int(tuple(y.shape)[-1])}, ci=k, in_bytes=_ebytes(x), w_bytes=_ebytes(op.operands[1].type))
    if isinstance(op, dory.PoolOp):
        kern, st, pads = op.kernel, op.strides, op.pads
        return Geometry("pool", ci=ci, kh=kern[0], kw=kern[-1], sh=st[0], sw=st[-1], pads=pads[:4], in_bytes=_ebytes(x), **common)  # type: ignore[arg-type]
    if isinstance(op, dory.AddOp):
        return Geometry("add", ci=ci, in_bytes=_ebytes(x) + _ebytes(op.operands[1].type), **common)
    raise PassFailed(op, f"expected a dory layer op ({', '.join(LAYERS)}), found '{op.op_name}'")


# -- candidate values ---------------------------------------------------------------------------


def candidates(n: int, step: int, cap: int | None = None) -> list[int]:
    """Candidate tile sizes for an extent ``n`` (module docstring), at most ``cap``, ascending."""
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
    return sorted(vals)


def _blocks(n: int, t: int) -> list[int]:
    """Sizes of the tiles of an extent ``n`` cut into tiles of ``t`` (the last one ragged)."""
    full, rem = divmod(n, t)
    return [t] * full + ([rem] if rem else [])


def _steps(n: int, t: int, k: int) -> int:
    """Sum over the tiles of ceil(size / k): the parallel steps of ``k`` lanes over the tiles."""
    full, rem = divmod(n, t)
    return full * math.ceil(t / k) + (math.ceil(rem / k) if rem else 0)


def _groups_touched(co: int, groups: int, c: int) -> int:
    """The most groups any output-channel tile ``[j*c, (j+1)*c)`` of a grouped conv touches."""
    og = co // groups
    return max((min(s + c, co) - 1) // og - s // og + 1 for s in range(0, co, c))


def _in_extent(out: int, stride: int, k: int, dil: int, n_in: int) -> int:
    """Input rows (or columns) one tile of ``out`` output rows reads, at most the input."""
    return min(n_in, (out - 1) * stride + (k - 1) * dil + 1)


def _in_total(n_out: int, t: int, stride: int, k: int, dil: int, pad: int, n_in: int) -> int:
    """Input rows read over all tiles of ``t`` output rows: halos counted, padding not."""
    total, h0 = 0, 0
    for b in _blocks(n_out, t):
        lo = h0 * stride - pad
        hi = (h0 + b - 1) * stride - pad + (k - 1) * dil
        total += max(0, min(hi, n_in - 1) - max(lo, 0) + 1)
        h0 += b
    return total


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


def l1_sizes_of(g: Geometry, tile: tuple[int, int, int, int], hw: Gap8Target = GAP8) -> L1Sizes:
    """The L1 buffers of tile ``(c, h, w, k)`` of layer ``g``: input tile with halo (clipped to
    the input; both operands of an add), output tile, weight tile and per-channel parameters of
    ``c`` channels, kernel scratch (im2col, plus an si32 accumulator when input channels are
    split). Input and output are double buffered when there is more than one tile; weights and
    parameters when they change between tiles."""
    c, h, w, k = tile
    if g.cin_follows_cout:
        k = c
    nc, nh, nw = math.ceil(g.co / c), math.ceil(g.ho / h), math.ceil(g.wo / w)
    nk = 1 if g.cin_follows_cout else math.ceil(g.ci / k)
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
    if g.kind == "conv" and g.kh * g.kw > 1:
        scratch = 2 * hw.cores * g.kh * g.kw * k
    elif g.kind == "depthwise":
        scratch = hw.cores * (g.kh * (rows + g.pads[0] + g.pads[2]) + g.kh) + hw.cores * g.kh * g.kw
    if nk > 1:  # partial sums over input-channel tiles need an si32 accumulator of the output tile
        scratch += (out_b // g.out_bytes) * _ACC_BYTES
    n = nc * nh * nw * nk
    return L1Sizes(in_b, c * w_per_c, out_b, c * g.param_bytes, scratch, 2 if n > 1 else 1, 2 if nc * nk > 1 else 1)


def evaluate(g: Geometry, tile: tuple[int, int, int, int], hw: Gap8Target = GAP8) -> Evaluation:
    """The footprint (bytes) and the cost model's cycles of tile ``(c, h, w, k)`` of layer ``g``."""
    c, h, w, k = tile
    if g.cin_follows_cout:
        k = c
    nc, nh, nw = math.ceil(g.co / c), math.ceil(g.ho / h), math.ceil(g.wo / w)
    nk = 1 if g.cin_follows_cout else math.ceil(g.ci / k)
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


@dataclass(frozen=True)
class Space:
    """The candidate values of each tile dimension (c_out, h_out, w_out, c_in)."""

    values: tuple[tuple[int, ...], ...]

    def tiles(self) -> Iterator[tuple[int, int, int, int]]:
        """Every combination, in a fixed order."""
        import itertools

        return itertools.product(*self.values)  # type: ignore[return-value]


def candidate_space(g: Geometry, l1: int, hw: Gap8Target = GAP8, caps: dict[str, int] | None = None) -> Space:
    """The candidate space of layer ``g`` (module docstring): columns and input channels are split
    only when no tile with full width / all input channels fits ``l1``."""
    caps = caps or {}
    cs = candidates(g.co, 4, caps.get("c_out"))
    hs = [1] if g.kind == "linear" else candidates(g.ho, 8, caps.get("h_out"))
    ws_all = [1] if g.kind == "linear" else candidates(g.wo, 2)
    ks_all = [g.ci] if not g.split_cin else candidates(g.ci, 4)
    # A dimension beyond the first is opened only when the smaller space cannot fit at all.
    ws, ks = [ws_all[-1]], [ks_all[-1]]
    if not _fits_any(g, (cs, hs, ws, ks), l1, hw):
        ws = ws_all
        if not _fits_any(g, (cs, hs, ws, ks), l1, hw):
            ks = ks_all
    if g.cin_follows_cout:
        ks = [g.ci]  # placeholder: c_in is c_out for these kernels
    return Space((tuple(cs), tuple(hs), tuple(ws), tuple(ks)))


def _fits_any(g: Geometry, vals: tuple[list[int], ...], l1: int, hw: Gap8Target) -> bool:
    """Does any tile of the box ``vals`` fit ``l1``? Along each dimension (others fixed) the
    footprint grows with the tile size except that the largest value may drop it (a whole
    dimension ends double buffering of the weights, a whole layer that of every buffer), so its
    minimum over the box is at a corner: 2^4 evaluations instead of the whole product."""
    import itertools

    corners = itertools.product(*({v[0], v[-1]} for v in vals))
    return any(l1_sizes_of(g, t, hw).total <= l1 for t in corners)  # type: ignore[arg-type]


@dataclass
class Solution:
    """A solved layer: the best tile, its evaluation, and the solver time."""

    best: Evaluation
    solve_ms: int
    sat_calls: int = 0
    evaluations: int = 0  # footprint / cost evaluations the encoding and the search needed


class NoFit(Exception):
    """No candidate tile fits the budget; ``smallest`` is the evaluation with the least L1."""

    def __init__(self, smallest: Evaluation):
        super().__init__(smallest)
        self.smallest = smallest


def cycles_floor(g: Geometry, hw: Gap8Target = GAP8) -> int:
    """A lower bound on `evaluate`'s cycles that holds for every tile, less the per-tile overhead:
    the compute at the kernel's best efficiency (every tile splits evenly over cores and SIMD
    lanes), or the output written back once, whichever is larger. So for every tile ``t``,
    ``cycles(t) >= n_tiles(t) * tile_overhead_cycles + cycles_floor``."""
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


class _Order:
    """Order encoding of the tile dimensions: ``ge(d, i)`` is the literal "t_d >= values[d][i]"
    (None when always true, i.e. i == 0), with ``ge(d, i+1) -> ge(d, i)``."""

    def __init__(self, values: tuple[tuple[int, ...], ...], pool: "object", clauses: list[list[int]]):
        self.values = values
        self.vars: list[list[int]] = []
        for d, vals in enumerate(values):
            vs = [pool.id(("ge", d, i)) for i in range(1, len(vals))]  # type: ignore[attr-defined]
            self.vars.append(vs)
            clauses.extend([[-vs[i], vs[i - 1]] for i in range(1, len(vs))])

    def ge(self, d: int, i: int) -> int | None:
        return None if i <= 0 else self.vars[d][i - 1]

    def is_(self, d: int, i: int) -> list[int]:
        """Literals whose conjunction says t_d == values[d][i] (empty for a single value)."""
        out = []
        lo, hi = self.ge(d, i), (self.vars[d][i] if i + 1 < len(self.values[d]) else None)
        if lo is not None:
            out.append(lo)
        if hi is not None:
            out.append(-hi)
        return out

    def decode(self, model: set[int]) -> tuple[int, ...]:
        return tuple(vals[sum(1 for v in self.vars[d] if v in model)] for d, vals in enumerate(self.values))

    def index(self, t: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(self.values[d].index(v) for d, v in enumerate(t))


def solve(g: Geometry, l1: int, hw: Gap8Target = GAP8, caps: dict[str, int] | None = None) -> Solution:
    """The optimal tile of ``g`` within the candidate space by lazy SAT (module docstring);
    raises `NoFit` when nothing fits ``l1``."""
    import itertools

    from pysat.formula import IDPool
    from pysat.solvers import Solver

    t0 = time.perf_counter()
    space = candidate_space(g, l1, hw, caps)
    vals = space.values
    pool = IDPool()
    clauses: list[list[int]] = []
    order = _Order(vals, pool, clauses)
    H = 1  # the staircase dimension: output rows
    others = [d for d in range(4) if d != H]
    hv = vals[H]
    full = tuple(v[-1] for v in vals)

    def footprint(t: tuple[int, ...]) -> int:
        return l1_sizes_of(g, t, hw).total  # type: ignore[arg-type]

    def guard(combo: tuple[int, ...]) -> list[int]:
        """Negated literals of "the other dimensions take the values at indices combo"."""
        lits: list[int] = []
        for d, i in zip(others, combo):
            lits.extend(-x for x in order.is_(d, i))
        return lits

    # Memory (exact, a staircase per combination of the other dimensions): with c_out, w_out,
    # c_in fixed the footprint grows with h_out while more than one tile remains, so the feasible
    # rows are those up to the largest fitting value (binary search), plus the whole-layer tile.
    combos = list(itertools.product(*(range(len(vals[d])) for d in others)))
    evaluations = 0
    for combo in combos:
        def tile_at(j: int) -> tuple[int, ...]:
            t = [0, 0, 0, 0]
            for d, i in zip(others, combo):
                t[d] = vals[d][i]
            t[H] = hv[j]
            return tuple(t)

        last = len(hv) - 1
        top = last - 1 if tile_at(last) == full else last  # values with more than one tile
        lo, hi = -1, top  # largest j <= top with footprint <= l1 (footprint monotone there)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            evaluations += 1
            if footprint(tile_at(mid)) <= l1:
                lo = mid
            else:
                hi = mid - 1
        whole_fits = top != last and footprint(full) <= l1
        evaluations += top != last
        if lo == last:
            continue  # every row count fits
        # forbid h_out >= values[lo + 1] (a false literal when lo = -1) unless it is the whole layer
        cl = guard(combo)
        nxt = order.ge(H, lo + 1)
        if nxt is not None:
            cl.append(-nxt)
        if whole_fits:
            top_lit = order.ge(H, last)
            if top_lit is None:
                continue  # h_out has one value, the whole layer, and it fits
            cl.append(top_lit)
        clauses.append(cl)

    floor = cycles_floor(g, hw)
    ovh = hw.tile_overhead_cycles

    def tiles_along(d: int, v: int) -> int:
        n = (g.co, g.ho, g.wo, 1 if g.cin_follows_cout else g.ci)[d]
        return math.ceil(n / v)

    def bound_cut(bound: int) -> list[list[int]]:
        """Clauses excluding every tile whose lower bound n * overhead + floor exceeds ``bound``
        (a staircase on h_out again: the tile count falls as h_out grows)."""
        out = []
        n_max = (bound - floor) // ovh
        for combo in combos:
            rest = math.prod(tiles_along(d, vals[d][i]) for d, i in zip(others, combo))
            ok = [j for j in range(len(hv)) if rest * tiles_along(H, hv[j]) <= n_max]
            if not ok:
                out.append(guard(combo))
            elif ok[0] > 0:
                lit = order.ge(H, ok[0])
                assert lit is not None
                out.append(guard(combo) + [lit])
        return out

    best: Evaluation | None = None
    calls = 0
    with Solver(name="minisat22", bootstrap_with=clauses) as s:
        while True:
            calls += 1
            if not s.solve():
                break
            t = order.decode(set(v for v in s.get_model() if v > 0))
            ev = evaluate(g, t, hw)  # type: ignore[arg-type]
            evaluations += 1
            assert ev.l1_bytes <= l1, "the memory staircase admits only fitting tiles"
            if best is None or ev.key() < best.key():
                improved = best is None or ev.cycles < best.cycles
                best = ev
                if improved:
                    for c in bound_cut(best.cycles):
                        s.add_clause(c)
            # this tile is decided: exclude it (a clause over its value literals)
            idx = order.index(t)
            s.add_clause([-x for d in range(4) for x in order.is_(d, idx[d])])
    if best is None:
        evs = [evaluate(g, t, hw) for t in space.tiles()]
        raise NoFit(min(evs, key=lambda e: (e.l1_bytes, e.key())))
    ms = int(round((time.perf_counter() - t0) * 1000))
    return Solution(best, ms, calls, evaluations)


def brute_force(g: Geometry, l1: int, hw: Gap8Target = GAP8, caps: dict[str, int] | None = None) -> Evaluation | None:
    """The best tile by exhaustive search over the same candidate space (for tests)."""
    evs = [e for e in (evaluate(g, t, hw) for t in candidate_space(g, l1, hw, caps).tiles()) if e.l1_bytes <= l1]
    return min(evs, key=lambda e: e.key()) if evs else None


# -- L3 tiles -----------------------------------------------------------------------------------


def l3_tile(op: Operation, g: Geometry) -> dict[str, int] | None:
    """The L3->L2 tile where ``dory.memory`` lists ``l3_tiling`` roles, else None: the candidate
    (c_out, h_out) with the fewest L3 tiles whose double-buffered staging fits the recorded
    ``staging_bytes`` (less what the op's untiled L3 data take, staged whole)."""
    mem = op.attributes.get("dory.memory")
    if not isinstance(mem, DictAttr):
        return None
    entries = dict(mem.entries)
    roles = [r.value for r in entries["l3_tiling"].values] if isinstance(entries.get("l3_tiling"), ArrayAttr) else []  # type: ignore[attr-defined]
    if not roles:
        return None
    staging = int(entries["staging_bytes"].value) if isinstance(entries.get("staging_bytes"), IntegerAttr) else 0  # type: ignore[attr-defined]
    in_l3 = [r.value for r in entries["l3"].values] if isinstance(entries.get("l3"), ArrayAttr) else []  # type: ignore[attr-defined]
    wts = [r for r in roles if r in ("weight", "bias", "requant")]
    acts = [r for r in roles if r not in wts]
    per_c = (g.weight_bytes_per_channel if "weight" in wts else 0) + (g.param_bytes if {"bias", "requant"} & set(wts) else 0)
    whole = {
        "weight": g.weight_bytes_per_channel * g.co,
        "input": g.hi * g.wi * g.ci * g.in_bytes * g.n,
        "output": g.ho * g.wo * g.co * g.out_bytes * g.n,
    }
    staging -= sum(whole.get(r, 0) for r in in_l3 if r not in roles)

    def rows_bytes(h: int) -> int:
        """Double-buffered staging of ``h`` output rows of the L3 activations."""
        b = 0
        if any(r in ("input", "lhs", "rhs") for r in acts):
            b += _in_extent(h, g.sh, g.kh, g.dh, g.hi) * g.wi * g.ci * g.in_bytes
        if "output" in acts:
            b += h * g.wo * g.co * g.out_bytes
        return 2 * b

    cs = candidates(g.co, 4) if wts else [g.co]
    hs = candidates(g.ho, 8) if acts else [g.ho]
    # Fewest L3 tiles (each costs a HyperBus setup and, with both axes tiled, weights are re-read
    # per row tile), then the largest tile; staging of weights and activations shares the budget.
    fit = [(c, h) for c in cs for h in hs if (2 * c * per_c if wts else 0) + (rows_bytes(h) if acts else 0) <= staging]
    if fit:
        c_out, h_out = min(fit, key=lambda ch: (math.ceil(g.co / ch[0]) * math.ceil(g.ho / ch[1]), -ch[0] * ch[1], -ch[0]))
    else:
        c_out, h_out = (1 if wts else g.co), (1 if acts else g.ho)
    return {"c_out": c_out, "h_out": h_out}


def _i64(v: int) -> IntegerAttr:
    return IntegerAttr(int(v))


def tile_attr(sol: Solution, g: Geometry, l3: dict[str, int] | None, record_time: bool = False) -> DictAttr:
    """The ``dory.tile`` attribute of docs/tiling-schema.md. The solver effort is recorded as
    ``sat_calls`` (deterministic); wall time (``solve_ms``) only on request, because it differs
    from run to run and the same input must give byte-identical IR."""
    c, h, w, k = sol.best.tile
    entries = {
        "l1": DictAttr.of({"c_out": _i64(c), "h_out": _i64(h), "w_out": _i64(w), "c_in": _i64(c if g.cin_follows_cout else k)}),
        "n_tiles": _i64(sol.best.n_tiles),
        "l1_bytes": _i64(sol.best.l1_bytes),
        "cycles": _i64(sol.best.cycles),
        "sat_calls": _i64(sol.sat_calls),
    }
    if record_time:
        entries["solve_ms"] = _i64(sol.solve_ms)
    if l3 is not None:
        entries["l3"] = DictAttr.of({k2: _i64(v) for k2, v in l3.items()})
    return DictAttr.of(entries)


def _tile_text(t: tuple[int, int, int, int]) -> str:
    return ", ".join(f"{n}={v}" for n, v in zip(DIMS, t))


@dataclass(frozen=True)
class TilePass(ModulePass):
    """Choose L2->L1 (and L3->L2) tiles of every layer by SAT under the GAP8 cost model."""

    name: ClassVar[str] = "tile"

    l1_bytes: int = field(default=GAP8.l1_budget, metadata={"doc": "L1 bytes available to a layer's tiles"})
    record_solve_time: bool = field(default=False, metadata={"doc": "also record solve_ms (makes the IR run-dependent)"})

    def apply(self, ctx: PassContext, module: Operation) -> None:
        if self.l1_bytes <= 0:
            raise PassFailed(module, f"option 'l1-bytes' expected a positive number of bytes, found {self.l1_bytes}")
        decided: list[tuple[Operation, DictAttr]] = []
        for op in module.walk():
            if not isinstance(op, dory.LAYER_OPS):
                continue
            g = geometry(op)
            l3 = l3_tile(op, g)
            caps = {"c_out": l3["c_out"], "h_out": l3["h_out"]} if l3 else None
            try:
                sol = solve(g, self.l1_bytes, GAP8, caps)
            except NoFit as e:
                s = e.smallest
                raise PassFailed(
                    op,
                    f"cannot tile this layer in L1: expected a tiling within {self.l1_bytes} bytes, found the smallest "
                    f"needs {s.l1_bytes} bytes ({_tile_text(s.tile)})",
                ) from None
            decided.append((op, tile_attr(sol, g, l3, self.record_solve_time)))
        # Attributes are set only once every layer has a tiling: a failure leaves the IR untouched.
        for op, attr in decided:
            op.attributes[ATTR] = attr


__all__ = ["TilePass", "Geometry", "geometry", "evaluate", "candidate_space", "solve", "brute_force", "candidates", "NoFit", "Evaluation"]
