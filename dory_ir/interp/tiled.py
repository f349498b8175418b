"""Tile-by-tile execution of a layer op carrying a ``dory.tile`` attribute (docs/tiling-schema.md).

A tiled kernel never sees the whole layer: for every L1 tile of the output it gets the input
window with its halo (clipped to the input, with the image-border padding supplied only where
the window actually crosses the border), the weight/bias/requant slices of the tile's output
channels and, when ``c_in`` is smaller than the input channels, one input-channel slice at a time
whose si32 partial sums it accumulates before requantising. Running exactly that here, with the
layer's own qnn stages rebuilt per tile (per-tile pads, sliced per-channel vectors), lets
``--verify-semantics`` prove a tiling exact: any halo, border or ragged-tile mistake in the
recorded schedule (or in this derivation of it) changes the numbers.

Max pooling keeps "padding never wins" and average pooling keeps its divisor (in-bounds count,
``count_include_pad`` or ``div``) because each tile's stage gets exactly the padding that lies
inside its window: the per-window tap counts are then those of the untiled op.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable, Iterator

import numpy as np

from dory.dory_ir.attributes import Attribute, DenseArrayAttr, DenseAttr, DictAttr, IntegerAttr, i64_array
from dory.dory_ir.core import Operation
from dory.dory_ir.dialects import dory, qnn
from dory.dory_ir.dialects.dory import LayerOp, Stage, as_tensor
from dory.dory_ir.interp.dory import run_stages
from dory.dory_ir.interp.interpreter import Interpreter, op_error, shape_str
from dory.dory_ir.interp.intmath import wrap
from dory.dory_ir.interp.qnn import _int_prop, _ints_prop
from dory.dory_ir.types import IntegerType, TensorType

TILE_ATTR = "dory.tile"
_L1_KEYS = ("c_out", "h_out", "w_out", "c_in")

ConvFn = Callable[[np.ndarray, np.ndarray, "np.ndarray | None", int, tuple[int, ...]], np.ndarray]
"""``conv(input, weight, bias, groups, result_shape)``: one convolution stage on tile operands."""


@dataclass(frozen=True)
class L1Tile:
    """Nominal L1 output tile sizes (the last tile of each dimension may be smaller)."""

    c_out: int
    h_out: int
    w_out: int
    c_in: int


@dataclass(frozen=True)
class Window:
    """Geometry of a sliding-window layer along H and W: kernel, stride, dilation, pads
    ``(top, left, bottom, right)``. Element-wise layers are the 1x1 / stride 1 / no-pad case."""

    kh: int
    kw: int
    sh: int
    sw: int
    dh: int
    dw: int
    pads: tuple[int, int, int, int]


@dataclass(frozen=True)
class AxisSpan:
    """What one output tile needs along one spatial axis: the input slice ``[lo, hi)`` and the
    padding inside the tile's window before (``pad_begin``) and after it (``pad_end``)."""

    lo: int
    hi: int
    pad_begin: int
    pad_end: int


def tile_attr(op: Operation) -> Attribute | None:
    """The op's ``dory.tile`` attribute, if any."""
    return op.attributes.get(TILE_ATTR)


def _l1_int(op: Operation, l1: dict[str, Attribute], key: str, default: int | None) -> int:
    """Integer ``l1.<key>`` of the tile attribute; required when ``default`` is None."""
    a = l1.get(key)
    if a is None:
        if default is None:
            raise op_error(op, f"attribute '{TILE_ATTR}' expected an integer l1.{key}, found none")
        return default
    if not isinstance(a, IntegerAttr):
        raise op_error(op, f"attribute '{TILE_ATTR}' expected an integer l1.{key}, found {a}")
    return int(a.value)


def _check_range(op: Operation, key: str, v: int, lo: int, hi: int, what: str) -> None:
    """A located error unless ``lo <= v <= hi``; ``what`` says where the bound comes from."""
    if not lo <= v <= hi:
        want = f"{lo}" if lo == hi else f"a value in [{lo}, {hi}]"
        raise op_error(op, f"attribute '{TILE_ATTR}' expected l1.{key} = {want} ({what}), found {v}")


def parse_tile(op: Operation, out_shape: tuple[int, ...], in_channels: int, channel_tied: bool,
               allow_partial: bool) -> L1Tile:
    """Read and validate the ``l1`` tile of ``op`` against its output shape.

    ``channel_tied``: input channels follow output channels (depthwise, pool, add), so ``c_in``
    must equal ``c_out``. ``allow_partial``: the kernel may split input channels (partial sums);
    otherwise ``c_in`` must be the whole ``in_channels``. ``c_in`` defaults to what is required.
    """
    a = tile_attr(op)
    if not isinstance(a, DictAttr):
        raise op_error(op, f"attribute '{TILE_ATTR}' expected a dictionary, found {a}")
    l1a = a.as_dict().get("l1")
    if not isinstance(l1a, DictAttr):
        raise op_error(op, f"attribute '{TILE_ATTR}' expected a dictionary 'l1', found {l1a if l1a is not None else 'none'}")
    l1 = l1a.as_dict()
    extra = sorted(set(l1) - set(_L1_KEYS))
    if extra:
        raise op_error(op, f"attribute '{TILE_ATTR}' expected l1 keys among {', '.join(_L1_KEYS)}, found '{extra[0]}'")
    spatial = len(out_shape) == 4
    ho, wo = (out_shape[1], out_shape[2]) if spatial else (1, 1)
    co = out_shape[-1]
    c_out = _l1_int(op, l1, "c_out", None)
    # Rank-2 layers (linear, flattened add) have no spatial tile: h_out = w_out = 1 may be omitted.
    h_out = _l1_int(op, l1, "h_out", None if spatial else 1)
    w_out = _l1_int(op, l1, "w_out", None if spatial else 1)
    _check_range(op, "c_out", c_out, 1, co, "the output channels")
    _check_range(op, "h_out", h_out, 1, ho, "the output rows")
    _check_range(op, "w_out", w_out, 1, wo, "the output columns")
    if channel_tied:
        c_in = _l1_int(op, l1, "c_in", c_out)
        _check_range(op, "c_in", c_in, c_out, c_out, "input channels follow output channels")
    elif allow_partial:
        c_in = _l1_int(op, l1, "c_in", in_channels)
        _check_range(op, "c_in", c_in, 1, in_channels, "the input channels")
    else:
        c_in = _l1_int(op, l1, "c_in", in_channels)
        _check_range(op, "c_in", c_in, in_channels, in_channels, "all input channels: no partial sums for grouped convolution")
    return L1Tile(c_out, h_out, w_out, c_in)


def _blocks(total: int, size: int) -> Iterator[tuple[int, int]]:
    """``[start, stop)`` blocks of ``size`` covering ``range(total)``; the last may be ragged."""
    for start in range(0, total, size):
        yield start, min(start + size, total)


def axis_span(o0: int, o1: int, k: int, s: int, d: int, pad_begin: int, pad_end: int, size: int) -> AxisSpan:
    """The input rows (or columns) output positions ``[o0, o1)`` read, clipped to ``[0, size)``,
    and the padding their windows cover, clipped to the layer's own padding (a ceil-mode pooling
    window may reach past it: those taps are no part of the padded input)."""
    start = o0 * s - pad_begin
    end = (o1 - 1) * s - pad_begin + (k - 1) * d + 1  # exclusive
    lo, hi = min(max(start, 0), size), min(max(end, 0), size)
    before = max(0, min(end, 0) - start)
    after = max(0, min(end, size + pad_end) - max(start, size))
    return AxisSpan(lo, max(lo, hi), before, after)


def _ceil_lead(o0: int, o1: int, k: int, s: int, pad_begin: int, pad_end: int, size: int) -> int:
    """How many output positions before ``o0`` a pooling tile must also compute so that its
    padded window (clipped to the layer's padding) is at least one kernel long: 0 except for a
    ceil-mode tail tile whose windows overhang the padded input."""
    m = 0
    while m < o0:
        sp = axis_span(o0 - m, o1, k, s, 1, pad_begin, pad_end, size)
        if sp.hi - sp.lo + sp.pad_begin + sp.pad_end >= k:
            break
        m += 1
    return m


def _window(op: Operation) -> Window:
    """The sliding window of a 4-D layer (read with the qnn defaults and checks)."""
    if isinstance(op, dory.Conv2dOp):  # and dory.DepthwiseOp
        w = op.operand_shape(1)
        sh, sw = _ints_prop(op, "strides", 2, minimum=1)
        dh, dw = _ints_prop(op, "dilations", 2, minimum=1)
        p = _ints_prop(op, "pads", 4, minimum=0)
        return Window(int(w[1]), int(w[2]), sh, sw, dh, dw, (p[0], p[1], p[2], p[3]))
    if isinstance(op, dory.PoolOp):
        kh, kw = _ints_prop(op, "kernel", 2, minimum=1)
        sh, sw = _ints_prop(op, "strides", 2, minimum=1)
        p = _ints_prop(op, "pads", 4, minimum=0)
        return Window(kh, kw, sh, sw, 1, 1, (p[0], p[1], p[2], p[3]))
    return Window(1, 1, 1, 1, 1, 1, (0, 0, 0, 0))  # dory.add: element-wise


def _slice_vector(a: Attribute, full: int, c0: int, c1: int) -> Attribute:
    """A per-channel dense vector of ``full`` values sliced to ``[c0, c1)``; anything else (a
    per-tensor integer, a broadcast operand's own vector) is kept."""
    if isinstance(a, DenseAttr) and not a.elided and a.data.shape == (full,):
        return DenseAttr.from_array(a.data[c0:c1], a.element_type)
    return a


def _tile_pads(rows: AxisSpan, cols: AxisSpan) -> DenseArrayAttr:
    """The tile's own pads ``[top, left, bottom, right]``: only the padding inside its window."""
    return i64_array((rows.pad_begin, cols.pad_begin, rows.pad_end, cols.pad_end))


def _tile_type(t: TensorType, shape: tuple[int, ...]) -> TensorType:
    """A stage's result type reshaped to one tile (the element type is what the stage needs)."""
    return TensorType(shape, t.element_type)


def _requant_for_tile(st: Stage, full_c: int, c0: int, c1: int, shape: tuple[int, ...]) -> Stage:
    """A requant stage for one tile: per-channel ``mul``/``add`` (and the input window
    ``win_lo``/``win_hi``) sliced, result shaped as the tile."""
    props = dict(st.props)
    if st.result_type.shape[-1] == full_c:  # a broadcast (1-channel) add input keeps its vectors
        for key in ("mul", "add", "win_lo", "win_hi"):
            if key in props:
                props[key] = _slice_vector(props[key], full_c, c0, c1)
    return replace(st, props=props, result_type=_tile_type(st.result_type, shape))


class TiledLayer:
    """One layer op executed tile by tile from its ``dory.tile`` attribute."""

    def __init__(self, interp: Interpreter, op: Operation, operands: list[np.ndarray]):
        assert isinstance(op, LayerOp)
        self.interp = interp
        self.op = op
        self.operands = operands
        self.stages = op.stages()
        self.out_type = as_tensor(op.results[0].type)
        self.out_shape: tuple[int, ...] = tuple(int(d) for d in self.out_type.shape)  # type: ignore[attr-defined]
        self.full_c = self.out_shape[-1]

    # -- driver -------------------------------------------------------------------------------

    def tile(self) -> tuple[L1Tile, int]:
        """The validated L1 tile of a 4-D (or flattened add) layer and its convolution groups
        (1 but for a grouped dory.conv2d); located errors for a schedule `run` cannot execute."""
        op = self.op
        rank = len(self.out_shape)
        if rank != 4 and not isinstance(op, dory.AddOp):
            raise op_error(op, f"expected a 4-D (NHWC) result to tile, found shape {shape_str(self.out_shape)}")
        plain_conv = type(op) is dory.Conv2dOp  # not a depthwise one
        groups = _int_prop(op, "groups", minimum=1) if plain_conv else 1
        in_c = int(self.operands[0].shape[-1])
        tied = isinstance(op, (dory.DepthwiseOp, dory.PoolOp, dory.AddOp))
        return parse_tile(op, self.out_shape, in_c, tied, allow_partial=plain_conv and groups == 1), groups

    def check(self) -> None:
        """Validate the schedule as `run` reads it, without running any tile."""
        if isinstance(self.op, dory.LinearOp):
            self._linear_tile()
        else:
            self.tile()

    def run(self) -> np.ndarray:
        """The layer's result, assembled from every tile (row-major over h, w, c_out blocks)."""
        op, x = self.op, self.operands[0]
        if isinstance(op, dory.LinearOp):
            return self._run_linear()
        rank = len(self.out_shape)
        tile, groups = self.tile()
        out = np.zeros(self.out_shape, dtype=np.int64)
        if rank != 4:  # a flattened dory.add: channels only
            for c0, c1 in _blocks(self.full_c, tile.c_out):
                idx = (slice(None),) * (rank - 1) + (slice(c0, c1),)
                out[..., c0:c1] = self._add_tile(idx, c0, c1, out[..., c0:c1].shape)
            return out
        win = _window(op)
        n, ho, wo, _ = self.out_shape
        h_in, w_in = int(x.shape[1]), int(x.shape[2])
        for h0, h1 in _blocks(ho, tile.h_out):
            rows = axis_span(h0, h1, win.kh, win.sh, win.dh, win.pads[0], win.pads[2], h_in)
            for w0, w1 in _blocks(wo, tile.w_out):
                cols = axis_span(w0, w1, win.kw, win.sw, win.dw, win.pads[1], win.pads[3], w_in)
                for c0, c1 in _blocks(self.full_c, tile.c_out):
                    shape = (n, h1 - h0, w1 - w0, c1 - c0)
                    if isinstance(op, dory.AddOp):
                        res = self._add_tile((slice(None), slice(h0, h1), slice(w0, w1), slice(c0, c1)), c0, c1, shape)
                    elif isinstance(op, dory.PoolOp):
                        res = self._pool_tile(win, (h0, h1), (w0, w1), c0, c1, shape)
                    else:
                        res = self._conv_tile(rows, cols, c0, c1, shape, groups, tile.c_in)
                    if res.shape != shape:  # pragma: no cover - a derivation bug, never the IR's fault
                        raise op_error(op, f"expected a tile result of shape {shape_str(shape)}, found {shape_str(res.shape)}")
                    out[:, h0:h1, w0:w1, c0:c1] = res
        return out

    def _finish(self, acc: np.ndarray, c0: int, c1: int, shape: tuple[int, ...]) -> np.ndarray:
        """Run the layer's requant stages (if any) on a tile's accumulator."""
        rest = self.stages[1:]
        if not rest:
            return acc
        tiled = [_requant_for_tile(st, self.full_c, c0, c1, shape) for st in rest]
        # the first requant reads the accumulator, handed in as operand 0
        tiled[0] = replace(tiled[0], inputs=(0,))
        return run_stages(self.interp, self.op, tiled, [acc])

    def _acc_stage(self, props: dict[str, Attribute], shape: tuple[int, ...], n_args: int) -> Stage:
        """The layer's first (accumulating) stage with ``props``, on ``n_args`` tile operands."""
        first = self.stages[0]
        return Stage(first.op, props, _tile_type(first.result_type, shape), tuple(range(n_args)))

    def _sum_partials(self, partials: list[np.ndarray]) -> np.ndarray:
        """Partial sums over input-channel tiles, wrapped as the accumulator is (modular
        wrapping commutes with the sum, so this equals the untiled accumulator)."""
        et = self.stages[0].result_type.element_type
        assert isinstance(et, IntegerType)
        total = partials[0]
        for p in partials[1:]:
            total = wrap(total + p, et)
        return total

    # -- layer kinds ---------------------------------------------------------------------------

    def _conv_tile(self, rows: AxisSpan, cols: AxisSpan, c0: int, c1: int, shape: tuple[int, ...],
                   groups: int, c_in: int) -> np.ndarray:
        """One output tile of dory.conv2d / dory.depthwise: the halo window, per-tile pads, the
        tile's weights, and partial sums over input-channel tiles."""
        op = self.op
        x = self.operands[0][:, rows.lo:rows.hi, cols.lo:cols.hi, :]
        w = self.operands[1]
        bias = self.operands[2] if len(self.operands) == 3 else None
        base = dict(self.stages[0].props)
        base["pads"] = _tile_pads(rows, cols)

        def conv(xs: np.ndarray, ws: np.ndarray, bs: np.ndarray | None, g: int, oshape: tuple[int, ...]) -> np.ndarray:
            props = dict(base)
            props["groups"] = IntegerAttr(g)
            args = [xs, ws] + ([bs] if bs is not None else [])
            return run_stages(self.interp, op, [self._acc_stage(props, oshape, len(args))], args)

        if isinstance(op, dory.DepthwiseOp):
            acc = conv(x[..., c0:c1], w[c0:c1], None if bias is None else bias[c0:c1], c1 - c0, shape)
        elif groups == 1:
            c_total = int(x.shape[-1])
            partials = []
            for k0, k1 in _blocks(c_total, c_in):
                # the bias is added once, with the first input-channel tile
                b = bias[c0:c1] if bias is not None and k0 == 0 else None
                partials.append(conv(x[..., k0:k1], w[c0:c1, :, :, k0:k1], b, 1, shape))
            acc = self._sum_partials(partials)
        else:
            acc = self._grouped_acc(conv, x, w, bias, groups, c0, c1, shape)
        return self._finish(acc, c0, c1, shape)

    def _grouped_acc(self, conv: ConvFn, x: np.ndarray, w: np.ndarray, bias: np.ndarray | None, groups: int,
                     c0: int, c1: int, shape: tuple[int, ...]) -> np.ndarray:
        """Output channels ``[c0, c1)`` of a grouped convolution: split at group boundaries
        into runs of whole groups (one grouped conv) and partial groups (a conv over that
        group's input channels), since a tile need not be group-aligned."""
        o = int(w.shape[0])
        og, cg = o // groups, int(w.shape[3])
        pieces = []
        c = c0
        while c < c1:
            g = c // og
            if c % og == 0 and c1 - c >= og:
                g_end = g + (c1 - c) // og  # whole groups [g, g_end)
                e = g_end * og
                gs = g_end - g
            else:
                e = min(c1, (g + 1) * og)
                gs = 1
                g_end = g + 1
            xs = x[..., g * cg:g_end * cg]
            pieces.append(conv(xs, w[c:e], None if bias is None else bias[c:e], gs, shape[:3] + (e - c,)))
            c = e
        return np.concatenate(pieces, axis=-1)

    def _pool_tile(self, win: Window, hs: tuple[int, int], ws: tuple[int, int], c0: int, c1: int,
                   shape: tuple[int, ...]) -> np.ndarray:
        """One output tile of dory.pool: the window with per-tile pads (so padding never wins a
        max and the average divisor counts the same taps as untiled)."""
        x = self.operands[0]
        # A ceil-mode window may reach past the padded input; if a (ragged) last tile's padded
        # window is then shorter than the kernel, qnn pooling has no window at all. Such a tile
        # starts earlier by whole output positions (recomputed, then dropped) so that its
        # padded window holds a kernel; the layer itself always does.
        (h0, h1), (w0, w1) = hs, ws
        mh = _ceil_lead(h0, h1, win.kh, win.sh, win.pads[0], win.pads[2], int(x.shape[1]))
        mw = _ceil_lead(w0, w1, win.kw, win.sw, win.pads[1], win.pads[3], int(x.shape[2]))
        rows = axis_span(h0 - mh, h1, win.kh, win.sh, 1, win.pads[0], win.pads[2], int(x.shape[1]))
        cols = axis_span(w0 - mw, w1, win.kw, win.sw, 1, win.pads[1], win.pads[3], int(x.shape[2]))
        xs = x[:, rows.lo:rows.hi, cols.lo:cols.hi, c0:c1]
        first = self.stages[0]
        props = dict(first.props)
        props["pads"] = _tile_pads(rows, cols)
        big = (shape[0], shape[1] + mh, shape[2] + mw, shape[3])
        st = Stage(first.op, props, _tile_type(first.result_type, big), (0,))
        acc = run_stages(self.interp, self.op, [st], [xs])[:, mh:, mw:, :]
        return self._finish(acc, c0, c1, shape)

    def _add_tile(self, idx: tuple[slice, ...], c0: int, c1: int, shape: tuple[int, ...]) -> np.ndarray:
        """One tile of dory.add: both inputs sliced (a broadcast axis kept whole), the input
        requants shaped like their sliced input, per-channel vectors sliced, then add and the
        output requant."""
        args = [self._bcast_slice(a, idx) for a in self.operands]
        stages = []
        for st in self.stages:
            if st.op is qnn.RequantOp:
                own = st.inputs is not None and len(st.inputs) == 1 and st.inputs[0] >= 0
                stages.append(_requant_for_tile(st, self.full_c, c0, c1, args[st.inputs[0]].shape if own else shape))  # type: ignore[index]
            else:
                stages.append(replace(st, result_type=_tile_type(st.result_type, shape)))
        return run_stages(self.interp, self.op, stages, args)

    def _bcast_slice(self, a: np.ndarray, idx: tuple[slice, ...]) -> np.ndarray:
        """``a[idx]`` for an operand that broadcasts to the result: a size-1 (or missing) axis
        is kept whole."""
        lead = len(idx) - a.ndim
        sl = tuple(slice(None) if a.shape[i] == 1 and self.out_shape[lead + i] != 1 else idx[lead + i]
                   for i in range(a.ndim))
        return a[sl]

    def _linear_tile(self) -> L1Tile:
        """The validated L1 tile of a dory.linear."""
        x, w = self.operands[0], self.operands[1]
        if len(self.out_shape) != 2 or x.ndim != 2 or w.ndim != 2:
            raise op_error(self.op, f"expected a rank-2 input and result to tile, found {shape_str(x.shape)} -> {shape_str(self.out_shape)}")
        return parse_tile(self.op, self.out_shape, int(x.shape[1]), channel_tied=False, allow_partial=True)

    def _run_linear(self) -> np.ndarray:
        """dory.linear: tiles over output features, partial sums over input-feature tiles."""
        op = self.op
        x, w = self.operands[0], self.operands[1]
        bias = self.operands[2] if len(self.operands) == 3 else None
        tile = self._linear_tile()
        out = np.zeros(self.out_shape, dtype=np.int64)
        for c0, c1 in _blocks(self.full_c, tile.c_out):
            shape = (self.out_shape[0], c1 - c0)
            partials = []
            for k0, k1 in _blocks(int(x.shape[1]), tile.c_in):
                args = [x[:, k0:k1], w[c0:c1, k0:k1]]
                if bias is not None and k0 == 0:
                    args.append(bias[c0:c1])
                partials.append(run_stages(self.interp, op, [self._acc_stage({}, shape, len(args))], args))
            out[:, c0:c1] = self._finish(self._sum_partials(partials), c0, c1, shape)
        return out


def run_tiled(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> np.ndarray:
    """Execute layer ``op`` tile by tile as its ``dory.tile`` attribute schedules it."""
    return TiledLayer(interp, op, operands).run()


def check_tiled(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> None:
    """Validate layer ``op``'s ``dory.tile`` schedule as `run_tiled` reads it (the same located
    errors), without running it."""
    TiledLayer(interp, op, operands).check()


__all__ = ["L1Tile", "AxisSpan", "Window", "TILE_ATTR", "axis_span", "parse_tile", "check_tiled", "run_tiled", "tile_attr"]
