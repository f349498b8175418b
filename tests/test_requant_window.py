"""The requant input window (dory_ir/analysis/requant_window.py, the ``requant-window`` pass):
the 32-bit end it licenses equals the requant for every si32 input -- by brute force over small
parameters, by hypothesis over large ones, and over the accumulator ranges of the real networks'
layers (their weights and biases)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dory.dory_ir.analysis.ranges import AffineClip, dot_product_range, per_channel, weight_sign_sums
from dory.dory_ir.analysis.requant_window import SI32_MAX, SI32_MIN, channel_window, window_of, windowed
from dory.dory_ir.attributes import DenseAttr, DictAttr
from dory.dory_ir.analysis.ranges import affine_of_props
from dory.dory_ir.dialects import dory
from dory.frontend.onnx_import import import_onnx
from dory.passes.base import PassContext
from dory.passes.manager import PassManager
from dory.passes.pipeline import parse_pipeline

ROOT = Path(__file__).resolve().parents[1]
MODELS = ROOT.parent / "shared" / "models"
EDGES = (SI32_MIN, SI32_MIN + 1, -1, 0, 1, SI32_MAX - 1, SI32_MAX)


def _check(ac: AffineClip, xs: list[int]) -> None:
    win = window_of(ac, 1)
    assert win is not None
    for x in xs:
        assert windowed(ac, 0, x, win) == ac.apply(0, x), (ac, x, win)


def _near(win: tuple[tuple[int, ...], tuple[int, ...]], r: int = 3) -> list[int]:
    """The inputs around both ends of a one-channel window, within si32."""
    return [x for e in (win[0][0], win[1][0]) for x in range(e - r, e + r + 1) if SI32_MIN <= x <= SI32_MAX]


def test_brute_force_small() -> None:
    """Every small divisor (powers of two and others), every multiplier |m| <= d + 1, addends and
    clip ranges around them: every input in [-300, 300] and the si32 extremes. A window exists
    exactly when the module doc's conditions hold (and then the end is exact)."""
    found = 0
    for d in (1, 2, 3, 4, 5, 7, 8, 12, 16):
        for m in range(-d - 1, d + 2):
            for a in (-37 * d, -d - 1, -1, 0, 5, d, 3 * d + 1, 41 * d):
                for lo, hi in ((0, 3), (-2, 1), (0, 0), (-5, 9)):
                    ac = AffineClip((m,), (a,), d, "floor", lo, hi)
                    w = channel_window(m, a, d, lo, hi)
                    if abs(m) > d or (m == 0 and not lo <= a // d <= hi):
                        assert w is None
                        continue
                    assert w is not None
                    found += 1
                    _check(ac, list(range(-300, 301)) + list(EDGES))
    assert found > 1000


def test_no_window_when_the_range_is_too_wide() -> None:
    """(hi - lo + 1) * d must fit 2^32: an 8-bit range takes d <= 2^24, not 2^25."""
    assert channel_window(1, 0, 1 << 24, 0, 255) is not None
    assert channel_window(1, 0, 1 << 25, 0, 255) is None
    assert window_of(AffineClip((3,), (0,), 16, "trunc", -128, 127), 1) is None  # trunc, d > 1
    assert window_of(AffineClip((1,), (0,), 1, "trunc", -128, 127), 1) is not None  # d = 1 rounds nothing
    assert window_of(AffineClip((3,), (0,), 1, "floor", -128, 127), 1) is None  # |m| > d


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(st.integers(0, 24).map(lambda k: 1 << k), st.integers(3, 1 << 24)),
    st.data(),
    st.sampled_from([(0, 255), (-128, 127), (0, 127), (0, 6), (-1, 1)]),
)
def test_window_end_is_exact(d: int, data: st.DataObject, bounds: tuple[int, int]) -> None:
    """Large divisors (2^0..2^24 and any other up to 2^24: NEMO's 2^k - 1, MobileNet's shifts),
    any |m| <= d, addends up to 2^40 (the s64 folded offsets): the end equals the requant at the
    window's edges, at the si32 extremes and at random inputs."""
    lo, hi = bounds
    m = data.draw(st.integers(-d, d))
    a = data.draw(st.integers(-(1 << 40), 1 << 40))
    ac = AffineClip((m,), (a,), d, "floor", lo, hi)
    win = window_of(ac, 1)
    if win is None:  # m = 0 with a constant outside [lo, hi], or the window outside si32
        return
    xs = _near(win) + list(EDGES) + data.draw(st.lists(st.integers(SI32_MIN, SI32_MAX), max_size=30))
    _check(ac, xs)


def _window_layers(model: Path) -> list[dory.Conv2dOp | dory.LinearOp]:
    module = import_onnx(str(model), "ui8", warn=lambda _m: None)
    PassManager(parse_pipeline("canonicalize,fold-requant,fuse,requant-window"), verify_each=True).run(PassContext(), module)
    return [op for op in module.walk() if isinstance(op, (dory.Conv2dOp, dory.LinearOp))
            and isinstance(op.properties.get("requant"), DictAttr) and "win_lo" in op.properties["requant"].as_dict()]


def _sum_ranges(op: dory.Conv2dOp | dory.LinearOp) -> tuple[np.ndarray, np.ndarray]:
    """Per output channel, the exact range of bias + sum of the layer over its input type
    (padding included as 0), from the weights (ranges.dot_product_range)."""
    x, w = op.operands[0].type, op.operands[1].op.properties["value"]  # type: ignore[attr-defined]
    et = x.element_type  # type: ignore[attr-defined]
    lo, hi = (et.min_value, et.max_value)
    groups = getattr(op, "groups", 1) if isinstance(op, dory.Conv2dOp) else 1
    lo = min(lo, 0)
    r = dot_product_range(weight_sign_sums(w.data), (lo,), (hi,), groups)
    assert r is not None
    slo, shi = np.array(r[0], dtype=np.int64), np.array(r[1], dtype=np.int64)
    if len(op.operands) > 2:
        b = op.operands[2].op.properties["value"].data.astype(np.int64)  # type: ignore[attr-defined]
        slo, shi = slo + b, shi + b
    return slo, shi


NETWORKS = ["nemo_PenguiNet_32", "nemo_dronet_complete", "nemo_Residual_connection_test_1", "quantlab_Dronet"]


@pytest.mark.parametrize("name", NETWORKS)
def test_real_networks(name: str) -> None:
    """Every layer the pass gives a window: per output channel, the window end equals the requant
    over the sums the layer can produce (edges of its range and of the window, 400 random sums),
    so the C kernels' 32-bit end is exact on these networks whatever their inputs."""
    models = sorted((MODELS / name).glob("*.onnx"))
    if not models:
        pytest.skip(f"{MODELS / name} not present")
    layers = _window_layers(models[0])
    assert layers, "the pass gave no layer a window"
    rng = np.random.default_rng(0)
    for op in layers:
        props = op.properties["requant"].as_dict()  # type: ignore[union-attr]
        ac = affine_of_props(props)
        assert ac is not None
        slo, shi = _sum_ranges(op)
        n = len(slo)
        wl = props["win_lo"].data.astype(np.int64)  # type: ignore[union-attr]
        wh = props["win_hi"].data.astype(np.int64)  # type: ignore[union-attr]
        assert (slo >= SI32_MIN).all() and (shi <= SI32_MAX).all()
        m = np.array(per_channel(ac.mul, n), dtype=np.int64)
        a = np.array(per_channel(ac.add, n), dtype=np.int64)
        assert (np.abs(slo) * np.abs(m) + np.abs(a) < 1 << 62).all() and (np.abs(shi) * np.abs(m) < 1 << 62).all()
        cols = [slo, shi] + [np.clip(e + k, slo, shi) for e in (wl, wh) for k in (-2, -1, 0, 1, 2)]
        cols += [slo + (rng.random(n) * (shi - slo + 1)).astype(np.int64) for _ in range(400)]
        s = np.stack(cols, axis=1)  # channels x samples
        want = np.clip(np.floor_divide(s * m[:, None] + a[:, None], ac.div), ac.lo, ac.hi)
        c = np.clip(s, wl[:, None], wh[:, None])
        v = (c * m[:, None] + a[:, None] - ac.lo * ac.div) & 0xFFFFFFFF  # the C end's uint32 arithmetic
        got = ac.lo + v // ac.div
        bad = np.argwhere(got != want)
        assert bad.size == 0, f"{op.loc}: channel {bad[0][0]}, s = {s[tuple(bad[0])]}"


def test_pipeline_runs_the_pass() -> None:
    """Every target's default pipeline attaches the windows (after fuse, before tiling sizes L1)."""
    from dory.passes import get_pipeline_registry

    for name, p in get_pipeline_registry().items():
        if name.endswith("-default"):
            assert "fuse,requant-window,assign-memory" in p.text, name


def test_pass_widens_narrow_vectors() -> None:
    """The pass widens an si16 mul to si32 (values kept) so the C end reads s32."""
    from dory.dory_ir.parser import parse_module
    from dory.passes.requant_window import RequantWindowPass

    text = '''"func.func"() <{function_type = (tensor<1x2x2x2xui8>, tensor<2x1x1x2xsi8>) -> tensor<1x2x2x2xui8>, sym_name = "f"}> ({
^bb0(%x: tensor<1x2x2x2xui8>, %w: tensor<2x1x1x2xsi8>):
  %y = "dory.conv2d"(%x, %w) <{requant = {add = dense<[1, 2]> : tensor<2xsi8>, max = 255 : i64, min = 0 : i64, mul = dense<[300, -7]> : tensor<2xsi16>, shift = 10 : i64}}> : (tensor<1x2x2x2xui8>, tensor<2x1x1x2xsi8>) -> tensor<1x2x2x2xui8>
  "func.return"(%y) : (tensor<1x2x2x2xui8>) -> ()
}) : () -> ()'''
    module = parse_module(text)
    RequantWindowPass().apply(PassContext(), module)
    op = next(o for o in module.walk() if isinstance(o, dory.Conv2dOp))
    rq = op.properties["requant"].as_dict()  # type: ignore[union-attr]
    for key in ("mul", "add", "win_lo", "win_hi"):
        v = rq[key]
        assert isinstance(v, DenseAttr) and v.element_type.width == 32
    assert rq["mul"].data.tolist() == [300, -7] and rq["add"].data.tolist() == [1, 2]  # type: ignore[union-attr]
