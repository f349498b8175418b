"""The tiled interpreter (dory_ir/interp/tiled.py): a layer op carrying a ``dory.tile`` attribute,
run tile by tile (halos, border padding, ragged tiles, partial sums over input channels), computes
exactly what the untiled op computes, for every tile size; bad attributes are located errors."""

from __future__ import annotations

import time
from typing import Callable

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from dory.dory_ir.attributes import DenseAttr, DictAttr, IntegerAttr
from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import DiagnosticError
from dory.dory_ir.dialects.dory import LAYER_OPS
from dory.dory_ir.interp import random_inputs, run_function
from dory.dory_ir.interp.tiled import axis_span
from dory.dory_ir.parser import parse_module
from dory.dory_ir.types import IntegerType, si8, si16, si32

from shared_models import NETWORKS, load, requires_shared, run_pipeline
LAYER_NAMES = {cls.name for cls in LAYER_OPS}


# -- building single-layer modules ------------------------------------------------------------


def _ty(shape: tuple[int, ...], et: str) -> str:
    return f"tensor<{'x'.join(map(str, shape))}x{et}>"


def _dense(a: np.ndarray, et: IntegerType) -> str:
    return str(DenseAttr.from_array(a, et))


def _arr(xs: list[int]) -> str:
    return f"array<i64: {', '.join(map(str, xs))}>"


def _module(inputs: list[tuple[tuple[int, ...], str]], consts: list[tuple[np.ndarray, IntegerType]], op_name: str,
            props: str, out: tuple[tuple[int, ...], str]) -> str:
    """A module whose ``main`` feeds its inputs and constants to one layer op."""
    in_tys = [_ty(s, e) for s, e in inputs]
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(in_tys))
    lines = []
    names = [f"%a{i}" for i in range(len(inputs))]
    tys = list(in_tys)
    for i, (c, et) in enumerate(consts):
        t = _ty(c.shape, str(et))
        lines.append(f'    %c{i} = "qnn.constant"() <{{value = {_dense(c, et)}}}> : () -> {t}')
        names.append(f"%c{i}")
        tys.append(t)
    ot = _ty(*out)
    lines.append(f'    %y = "{op_name}"({", ".join(names)}) <{{{props}}}> : ({", ".join(tys)}) -> {ot}')
    lines.append(f'    "func.return"(%y) : ({ot}) -> ()')
    body = "\n".join(lines)
    return (f'"builtin.module"() ({{\n  "func.func"() <{{function_type = ({", ".join(in_tys)}) -> {ot}, sym_name = "main"}}> ({{\n'
            f"  ^bb0({args}):\n{body}\n  }}) : () -> ()\n}}) : () -> ()\n")


def _layer_ops(module: Operation) -> list[Operation]:
    return [op for op in module.body.ops[0].body.ops if op.op_name in LAYER_NAMES]  # type: ignore[attr-defined]


def _tile_attr(c_out: int, h_out: int, w_out: int, c_in: int) -> DictAttr:
    l1 = DictAttr.of({k: IntegerAttr(v) for k, v in (("c_out", c_out), ("h_out", h_out), ("w_out", w_out), ("c_in", c_in))})
    return DictAttr.of({"l1": l1, "n_tiles": IntegerAttr(1), "l1_bytes": IntegerAttr(0), "cycles": IntegerAttr(0),
                        "solve_ms": IntegerAttr(0)})


def _dims(op: Operation) -> tuple[int, int, int, int, bool]:
    """(Co, Ho, Wo, Cin, partial sums allowed) of a layer op."""
    shape = op.results[0].type.shape  # type: ignore[attr-defined]
    cin = op.operands[0].type.shape[-1]  # type: ignore[attr-defined]
    if op.op_name == "dory.linear":
        return shape[-1], 1, 1, cin, True
    groups = op.properties.get("groups")
    partial = op.op_name == "dory.conv2d" and (groups is None or groups.value == 1)  # type: ignore[attr-defined]
    if len(shape) == 2:
        return shape[-1], 1, 1, cin, partial
    return shape[3], shape[1], shape[2], cin, partial


def _random_tile(rng: np.random.Generator, op: Operation, max_tiles: int | None = None) -> DictAttr:
    """A random valid ``dory.tile`` for ``op`` (sizes 1..dim, often ragged); with ``max_tiles``
    the sizes are raised until the schedule has at most that many tiles (to keep networks fast)."""
    co, ho, wo, cin, partial = _dims(op)
    sizes = [int(rng.integers(1, d + 1)) for d in (co, ho, wo)]
    c_in = int(rng.integers(1, cin + 1)) if partial else (cin if op.op_name == "dory.conv2d" else sizes[0])
    if max_tiles is not None:
        dims = [co, ho, wo]

        def count() -> int:
            n = 1
            for d, s in zip(dims, sizes):
                n *= -(-d // s)
            return n * (-(-cin // c_in) if partial else 1)

        while count() > max_tiles:
            i = int(np.argmax([-(-d // s) for d, s in zip(dims, sizes)]))
            sizes[i] = min(dims[i], sizes[i] * 2)
            if partial:
                c_in = min(cin, c_in * 2)
        if not partial and op.op_name != "dory.conv2d":
            c_in = sizes[0]
    return _tile_attr(sizes[0], sizes[1], sizes[2], c_in)


def _check_tilings(text: str, tilings: list[tuple[int, int, int, int]], seed: int, generated: bool = False) -> None:
    """Run the module untiled, then with each tiling; results must be identical. A
    ``generated`` layer the untiled interpreter rejects (e.g. an int64 bound) is skipped."""
    module = parse_module(text)
    xs = random_inputs(module, seed)
    try:
        want = run_function(module, xs)[0]
    except DiagnosticError:
        if not generated:
            raise
        assume(False)  # an invalid random layer: nothing to compare
    (op,) = _layer_ops(module)
    co, ho, wo, cin, partial = _dims(op)
    for c_out, h_out, w_out, c_in in tilings:
        c_out, h_out, w_out = min(c_out, co), min(h_out, ho), min(w_out, wo)
        if partial:
            c_in = min(c_in, cin)
        elif op.op_name == "dory.conv2d":
            c_in = cin
        else:
            c_in = c_out
        op.attributes["dory.tile"] = _tile_attr(c_out, h_out, w_out, c_in)
        got = run_function(module, xs)[0]
        assert np.array_equal(got, want), f"tile c_out={c_out} h_out={h_out} w_out={w_out} c_in={c_in}\n{text}"


# -- hypothesis strategies --------------------------------------------------------------------

_tilings = st.lists(st.tuples(*[st.integers(1, 9)] * 4), min_size=1, max_size=4)


@st.composite
def _requant(draw: st.DrawFn, channels: int, out_et: str, final: bool = True) -> str:
    """A requant dictionary body (per-tensor or per-channel mul/add; shift or div)."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    parts = []
    if draw(st.booleans()):
        parts.append(f"mul = {_dense(rng.integers(-300, 300, channels), si16)}")
    else:
        parts.append(f"mul = {draw(st.integers(-300, 300))} : i64")
    if draw(st.booleans()):
        parts.append(f"add = {_dense(rng.integers(-5000, 5000, channels), si32)}")
    elif draw(st.booleans()):
        parts.append(f"add = {draw(st.integers(-5000, 5000))} : i64")
    if draw(st.booleans()):
        parts.append(f"shift = {draw(st.integers(0, 12))} : i64")
    else:
        parts.append(f"div = {draw(st.integers(1, 300))} : i64")
    parts.append(f'rounding = "{draw(st.sampled_from(["floor", "trunc"]))}"' if draw(st.booleans()) else "")
    lo, hi = {"ui8": (0, 255), "si8": (-128, 127), "si32": (-(2**31), 2**31 - 1)}[out_et]
    if not final:
        lo, hi = -100000, 100000
    parts.append(f"min = {lo} : i64")
    parts.append(f"max = {hi} : i64")
    return "{" + ", ".join(p for p in parts if p) + "}"


@st.composite
def _requant_prop(draw: st.DrawFn, channels: int) -> tuple[str, str]:
    """(``requant = ...`` property text or "", result element type)."""
    kind = draw(st.sampled_from(["none", "dict", "list"]))
    if kind == "none":
        return "", draw(st.sampled_from(["si32", "si16", "si8"]))
    et = draw(st.sampled_from(["ui8", "si8"]))
    if kind == "dict":
        return f"requant = {draw(_requant(channels, et))}", et
    first = draw(_requant(channels, et, final=False))
    return f"requant = [{first}, {draw(_requant(channels, et))}]", et


def _join(*props: str) -> str:
    return ", ".join(p for p in props if p)


@st.composite
def conv_layers(draw: st.DrawFn) -> str:
    """dory.conv2d (any groups) or dory.depthwise with random geometry."""
    depthwise = draw(st.booleans())
    groups = 1 if depthwise else draw(st.sampled_from([1, 1, 2, 3]))
    cg = 1 if depthwise else draw(st.integers(1, 4))
    c = draw(st.integers(1, 6)) if depthwise else cg * groups
    og = 1 if depthwise else draw(st.integers(1, 3))
    o = c if depthwise else og * groups
    kh, kw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    dh, dw = draw(st.integers(1, 2)), draw(st.integers(1, 2))
    pads = [draw(st.integers(0, 3)) for _ in range(4)]
    h, w = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    ho = (h + pads[0] + pads[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (w + pads[1] + pads[3] - dw * (kw - 1) - 1) // sw + 1
    assume(ho >= 1 and wo >= 1)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    consts: list[tuple[np.ndarray, IntegerType]] = [(rng.integers(-128, 128, (o, kh, kw, cg)), si8)]
    if draw(st.booleans()):
        consts.append((rng.integers(-20000, 20000, o), si32))
    rq, et = draw(_requant_prop(o))
    props = _join(f"strides = {_arr([sh, sw])}", f"dilations = {_arr([dh, dw])}", f"pads = {_arr(pads)}",
                  "" if depthwise or groups == 1 else f"groups = {groups} : i64", rq)
    in_et = draw(st.sampled_from(["ui8", "si8"]))
    name = "dory.depthwise" if depthwise else "dory.conv2d"
    return _module([((1, h, w, c), in_et)], consts, name, props, ((1, ho, wo, o), et))


@st.composite
def pool_layers(draw: st.DrawFn) -> str:
    """dory.pool max/avg with pads (< kernel), strides, count_include_pad, div, requant."""
    kind = draw(st.sampled_from(["max", "avg"]))
    kh, kw = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    sh, sw = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    pads = [draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1)), draw(st.integers(0, kh - 1)), draw(st.integers(0, kw - 1))]
    h, w, c = draw(st.integers(1, 12)), draw(st.integers(1, 12)), draw(st.integers(1, 5))
    ceil_mode = draw(st.sampled_from([False, False, True]))
    props = [f"kind = \"{kind}\"", f"kernel = {_arr([kh, kw])}", f"strides = {_arr([sh, sw])}", f"pads = {_arr(pads)}"]
    if ceil_mode:
        props.append("ceil_mode = true")

    def out_len(size: int, k: int, s: int, pb: int, pe: int) -> int:
        span = size + pb + pe - k
        if span < 0:
            return 0
        n = (-(-span // s) if ceil_mode else span // s) + 1
        if ceil_mode and (n - 1) * s >= size + pb:
            n -= 1
        return n

    ho, wo = out_len(h, kh, sh, pads[0], pads[2]), out_len(w, kw, sw, pads[1], pads[3])
    assume(ho >= 1 and wo >= 1)
    in_et = draw(st.sampled_from(["ui8", "si8"]))
    has_div = False
    if kind == "avg":
        if draw(st.booleans()):
            props.append("count_include_pad = true")
        if draw(st.booleans()):
            props.append(f"div = {draw(st.integers(1, 9))} : i64")
            has_div = True
        props.append(f'rounding = "{draw(st.sampled_from(["floor", "trunc"]))}"')
    rq, et = draw(_requant_prop(c))
    if not rq:
        et = "si32" if has_div else in_et  # a window sum / average needs no wrap in its type
    props.append(rq)
    return _module([((1, h, w, c), in_et)], [], "dory.pool", _join(*props), ((1, ho, wo, c), et))


@st.composite
def linear_layers(draw: st.DrawFn) -> str:
    n, k, m = draw(st.integers(1, 2)), draw(st.integers(1, 20)), draw(st.integers(1, 10))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    consts: list[tuple[np.ndarray, IntegerType]] = [(rng.integers(-128, 128, (m, k)), si8)]
    if draw(st.booleans()):
        consts.append((rng.integers(-20000, 20000, m), si32))
    rq, et = draw(_requant_prop(m))
    return _module([((n, k), draw(st.sampled_from(["ui8", "si8"])))], consts, "dory.linear", rq, ((n, m), et))


@st.composite
def add_layers(draw: st.DrawFn) -> str:
    """dory.add with optional per-input (per-channel) requants and output requant."""
    h, w, c = draw(st.integers(1, 8)), draw(st.integers(1, 8)), draw(st.integers(1, 6))
    # the rhs may broadcast (one value per channel, or one channel per pixel)
    rhs_shape = draw(st.sampled_from([(1, h, w, c), (1, h, w, c), (1, 1, 1, c), (1, h, w, 1)]))
    props = []
    for side, shape in (("lhs", (1, h, w, c)), ("rhs", rhs_shape)):
        if draw(st.booleans()):
            props.append(f"{side}_requant = {draw(_requant(shape[-1], 'si32'))}")
    rq, et = draw(_requant_prop(c))
    if not rq:
        et = "si32"
    props.append(rq)
    ins = [((1, h, w, c), draw(st.sampled_from(["ui8", "si8"]))), (rhs_shape, draw(st.sampled_from(["ui8", "si8"])))]
    return _module(ins, [], "dory.add", _join(*props), ((1, h, w, c), et))


_SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.mark.slow
@_SETTINGS
@given(conv_layers(), _tilings, st.integers(0, 1000))
def test_tiled_conv_is_exact(text: str, tilings: list[tuple[int, int, int, int]], seed: int) -> None:
    _check_tilings(text, tilings, seed, generated=True)


@_SETTINGS
@given(pool_layers(), _tilings, st.integers(0, 1000))
def test_tiled_pool_is_exact(text: str, tilings: list[tuple[int, int, int, int]], seed: int) -> None:
    _check_tilings(text, tilings, seed, generated=True)


@_SETTINGS
@given(linear_layers(), _tilings, st.integers(0, 1000))
def test_tiled_linear_is_exact(text: str, tilings: list[tuple[int, int, int, int]], seed: int) -> None:
    _check_tilings(text, tilings, seed, generated=True)


@_SETTINGS
@given(add_layers(), _tilings, st.integers(0, 1000))
def test_tiled_add_is_exact(text: str, tilings: list[tuple[int, int, int, int]], seed: int) -> None:
    _check_tilings(text, tilings, seed, generated=True)


# -- geometry and deterministic corner cases --------------------------------------------------


def test_axis_span_halo_and_border_padding() -> None:
    # 3-tap stride-1 window with pad 1 on a 5-row input: the first tile pads 1 row on top only
    s = axis_span(0, 2, 3, 1, 1, 1, 1, 5)
    assert (s.lo, s.hi, s.pad_begin, s.pad_end) == (0, 3, 1, 0)
    s = axis_span(2, 4, 3, 1, 1, 1, 1, 5)  # interior: halo of one row each side, no padding
    assert (s.lo, s.hi, s.pad_begin, s.pad_end) == (1, 5, 0, 0)
    s = axis_span(4, 5, 3, 1, 1, 1, 1, 5)  # ragged last tile: padding at the bottom only
    assert (s.lo, s.hi, s.pad_begin, s.pad_end) == (3, 5, 0, 1)
    # a ceil-mode window reaching past the padded input gets only the layer's own end padding
    s = axis_span(2, 3, 3, 2, 1, 0, 1, 5)
    assert (s.lo, s.hi, s.pad_begin, s.pad_end) == (4, 5, 0, 1)


def _one_conv(cout: int = 4) -> str:
    rng = np.random.default_rng(1)
    return _module([((1, 7, 9, 5), "ui8")], [(rng.integers(-128, 128, (cout, 3, 3, 5)), si8), (rng.integers(-999, 999, cout), si32)],
                   "dory.conv2d", f"pads = {_arr([1, 2, 1, 0])}, strides = {_arr([2, 1])}, requant = {{add = "
                   f"{_dense(rng.integers(-99, 99, cout), si32)}, max = 255 : i64, min = 0 : i64, mul = "
                   f"{_dense(rng.integers(1, 9, cout), si16)}, shift = 6 : i64}}", ((1, 4, 9, cout), "ui8"))


@pytest.mark.parametrize("tile", [(1, 1, 1, 1), (4, 4, 9, 5), (3, 3, 5, 2), (2, 1, 9, 5), (1, 2, 3, 4), (4, 3, 4, 3)])
def test_conv_every_tile_shape(tile: tuple[int, int, int, int]) -> None:
    _check_tilings(_one_conv(), [tile], 3)


def test_partial_sums_wrap_like_the_accumulator() -> None:
    # no requant and an si8 result: the accumulator wraps, and partial sums must wrap the same
    rng = np.random.default_rng(5)
    text = _module([((1, 4, 4, 6), "ui8")], [(rng.integers(-128, 128, (3, 1, 1, 6)), si8)], "dory.conv2d", "",
                   ((1, 4, 4, 3), "si8"))
    _check_tilings(text, [(3, 4, 4, 1), (2, 3, 1, 4), (1, 1, 1, 5)], 0)


@pytest.mark.parametrize(
    "attr, message",
    [
        ("{l1 = {c_in = 5 : i64, c_out = 0 : i64, h_out = 1 : i64, w_out = 1 : i64}}", "expected l1.c_out = a value in [1, 4] (the output channels), found 0"),
        ("{l1 = {c_in = 5 : i64, c_out = 4 : i64, h_out = 5 : i64, w_out = 1 : i64}}", "expected l1.h_out = a value in [1, 4] (the output rows), found 5"),
        ("{l1 = {c_in = 6 : i64, c_out = 4 : i64, h_out = 1 : i64, w_out = 1 : i64}}", "expected l1.c_in = a value in [1, 5] (the input channels), found 6"),
        ("{l1 = {c_in = 5 : i64, c_out = 4 : i64, h_out = 1 : i64}}", "expected an integer l1.w_out, found none"),
        ("{l1 = {c_in = 5 : i64, c_out = 4 : i64, h_out = 1 : i64, w_out = 1 : i64, z = 1 : i64}}", "expected l1 keys among c_out, h_out, w_out, c_in, found 'z'"),
        ("{n_tiles = 1 : i64}", "expected a dictionary 'l1', found none"),
        ("{l1 = {c_in = 5 : i64, c_out = \"4\", h_out = 1 : i64, w_out = 1 : i64}}", "expected an integer l1.c_out, found \"4\""),
    ],
)
@pytest.mark.parametrize("tiled", [True, False])
def test_bad_tile_attribute_is_a_located_error(attr: str, message: str, tiled: bool) -> None:
    # tiled=False (dory-compile's expected outputs) validates the schedule with the same errors
    # the attribute goes between the properties and the type signature
    text = _one_conv()
    marker = '"dory.conv2d"'
    i = text.index(marker)
    j = text.index("}> : (", i) + 2
    text = text[:j] + f" {{dory.tile = {attr}}}" + text[j:]
    module = parse_module(text)
    with pytest.raises(DiagnosticError) as e:
        run_function(module, random_inputs(module, 0), tiled=tiled)
    assert "'dory.conv2d' op attribute 'dory.tile' " + message in str(e.value)


def test_grouped_conv_rejects_partial_sums_and_depthwise_ties_channels() -> None:
    rng = np.random.default_rng(2)
    text = _module([((1, 5, 5, 4), "ui8")], [(rng.integers(-9, 9, (4, 1, 1, 2)), si8)], "dory.conv2d", "groups = 2 : i64",
                   ((1, 5, 5, 4), "si32"))
    module = parse_module(text)
    (op,) = _layer_ops(module)
    op.attributes["dory.tile"] = _tile_attr(4, 5, 5, 2)
    with pytest.raises(DiagnosticError, match="expected l1.c_in = 4 .*no partial sums for grouped convolution.*found 2"):
        run_function(module, random_inputs(module, 0))
    # group-unaligned channel tiles are fine (split at group boundaries)
    _check_tilings(text, [(3, 2, 5, 4), (1, 5, 5, 4)], 1)


# -- the shared networks ----------------------------------------------------------------------


@requires_shared
@pytest.mark.parametrize("name", NETWORKS)
def test_shared_network_random_tiling_is_exact(name: str) -> None:
    net = load(name)
    module = net.module
    xs = net.inputs + random_inputs(module, 0)[1:]  # networks with several inputs: the rest are random
    run_pipeline(module)
    layers = _layer_ops(module)
    for op in layers:  # whatever `tile` may have recorded, check our own random schedules
        op.attributes.pop("dory.tile", None)
    want = run_function(module, xs)
    rng = np.random.default_rng(sum(map(ord, name)))
    # three random schedules per network, the last with many small tiles
    for max_tiles in (16, 64, 512):
        for op in layers:
            op.attributes["dory.tile"] = _random_tile(rng, op, max_tiles=max_tiles)
        t = time.perf_counter()
        got = run_function(module, xs)
        elapsed = time.perf_counter() - t
        assert len(got) == len(want) and all(np.array_equal(a, b) for a, b in zip(got, want)), max_tiles
        assert elapsed < 30, f"tiled run with up to {max_tiles} tiles per layer took {elapsed:.1f} s"


@pytest.mark.parametrize(
    "build, tile, message",
    [
        (lambda: _module([((1, 4, 4, 3), "ui8")], [], "dory.pool", f'kind = "max", kernel = {_arr([2, 2])}', ((1, 2, 2, 3), "ui8")),
         (2, 1, 1, 3), "expected l1.c_in = 2 (input channels follow output channels), found 3"),
        (lambda: _module([((2, 6), "ui8")], [(np.ones((3, 6), dtype=np.int64), si8)], "dory.linear", "", ((2, 3), "si32")),
         (3, 2, 1, 6), "expected l1.h_out = 1 (the output rows), found 2"),
        (lambda: _module([((2, 6), "ui8")], [(np.ones((3, 6), dtype=np.int64), si8)], "dory.linear", "", ((2, 3), "si32")),
         (3, 1, 1, 7), "expected l1.c_in = a value in [1, 6] (the input channels), found 7"),
    ],
)
@pytest.mark.parametrize("tiled", [True, False])
def test_bad_tile_per_layer_kind(build: Callable[[], str], tile: tuple[int, int, int, int], message: str, tiled: bool) -> None:
    module = parse_module(build())
    (op,) = _layer_ops(module)
    op.attributes["dory.tile"] = _tile_attr(*tile)
    with pytest.raises(DiagnosticError) as e:
        run_function(module, random_inputs(module, 0), tiled=tiled)
    assert f"'{op.op_name}' op attribute 'dory.tile' {message}" in str(e.value)
