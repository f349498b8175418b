"""The runtime's kernels on GVSOC's pulp-open cluster (8 RI5CY cores, Xpulpv2 build) are bit-exact
with the portable C path on the host and with the reference interpreter.

The cases are tests/test_c_kernels.py's random ones (a subset: odd shapes, ragged core splits,
channels not multiple of 4, strides, pads on every border, dilation, groups, every element type
incl. 16-bit inputs, per-channel and scalar requant chains, partial sums over input-channel tiles,
pooling with per-tile pads and lead offsets) and layer-shaped tiles with >= 32 channels (odd
counts, 3x3 s1/s2, pointwise, 1-D dilated, 16-bit inputs, long linear layers) that reach the
kernels' SIMD paths with full vectors. tests/kernel_gvsoc.py builds tests/c/kernel_driver.c bare
metal with the cases in a generated C file, the kernels with ``-DDORY_XPULPV2`` and the pulp port
(fork/join onto the 8 cores, barrier, L1 arena), exactly as a pulp app is built, and runs each
batch in one GVSOC run (three runs in all, ~1 min); the host build of the same driver (portable C)
runs the same cases. Every GVSOC output must equal the host's and the reference's, and cover the
output tile.

Skipped with the reason in the summary without GVSOC (tests/gvsoc.py) or the cross compiler.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kernel_gvsoc as K
import test_c_kernels as T
from gvsoc import requires_gvsoc, requires_rvcc

U8, S8, U16, S16 = T.U8, T.S8, T.U16, T.S16

pytestmark = [pytest.mark.slow]


def layer_cases() -> list[tuple[str, dict[str, Any]]]:
    """Layer-shaped tiles with >= 32 channels (see the module docstring)."""
    conv = [
        dict(hi=6, wi=6, ci=32, co=32, k=(3, 3), pads=(1, 1, 1, 1)),
        dict(hi=7, wi=9, ci=35, co=17, k=(3, 3), s=(2, 2), pads=(1, 1, 0, 1), x_type=S8, y_type=S8),
        dict(hi=4, wi=5, ci=64, co=33),
        dict(hi=3, wi=3, ci=129, co=20, y_type=T.S32),
        dict(hi=7, wi=7, ci=33, co=8, k=(3, 3), dil=(2, 2), pads=(2, 2, 2, 2)),
        dict(hi=5, wi=5, ci=32, co=16, k=(3, 3), pads=(1, 1, 1, 1), x_type=S16),
        dict(hi=4, wi=4, ci=36, co=20, x_type=U16),
        dict(hi=1, wi=20, ci=32, co=32, k=(1, 3), dil=(1, 4), pads=(0, 8, 0, 0)),
        dict(hi=1, wi=12, ci=40, co=24, k=(1, 5), pads=(0, 2, 0, 2), x_type=S16),
        dict(hi=5, wi=6, ci=33, co=12, k=(3, 3), pads=(1, 0, 1, 0), steps=[16, 17]),
        # first layers: K = 25 / 27 (im2col zero-padded to 28, weights read across rows, the last
        # block exact), a ragged co; 16-bit 1x1 tiles with K % 4 != 0 (byte-plane steps + tail)
        dict(hi=11, wi=11, ci=1, co=32, k=(5, 5), s=(2, 2), pads=(2, 2, 1, 1)),
        dict(hi=9, wi=9, ci=3, co=18, k=(3, 3), s=(2, 2), pads=(0, 0, 1, 1), x_type=S8),
        # wider ones: quads of interior pixels (conv_px4's whole-word row copies), border pixels
        dict(hi=9, wi=46, ci=1, co=32, k=(5, 5), s=(2, 2), pads=(2, 2, 2, 2)),
        dict(hi=7, wi=36, ci=3, co=30, k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1)),
        dict(hi=3, wi=5, ci=37, co=10, x_type=U16),
        dict(hi=4, wi=3, ci=35, co=8, x_type=S16),
        # pointwise tiles with the window end (dot.h's shift <= 24 instances): an odd pixel count
        # (a lone pixel's 4 x 1 blocks), a ragged co (the last block recomputed), s8 in and out
        dict(hi=3, wi=5, ci=32, co=20, window=True),
        dict(hi=4, wi=3, ci=64, co=18, x_type=S8, y_type=S8, window=True),
        # conv2d.c's conv_pw4 (4 x 4 blocks: ci > 32 a multiple of 4, co and the pixel count
        # multiples of 4): units spanning quads on every core, u8 and s8 in
        dict(hi=4, wi=6, ci=36, co=20, window=True),
        dict(hi=2, wi=8, ci=68, co=12, x_type=S8, y_type=S8, window=True),
        # conv2d.c's conv_tap4 (12-byte aligned taps of 9..11 channels, 4 x 4 blocks of a phase's
        # pixels): phases not a multiple of 4 (their last quad through the buffer's end), co % 4 != 0
        # (the last block's co % 4 channels), taps in the right padding, u8 and s8 in; and whole
        # quads (d = 1: chains of 3 quads) with whole blocks
        dict(hi=1, wi=30, ci=11, co=11, k=(1, 11), dil=(1, 2), pads=(0, 20, 0, 0), window=True),
        dict(hi=1, wi=23, ci=9, co=6, k=(1, 7), dil=(1, 3), pads=(0, 9, 0, 9), x_type=S8, y_type=S8, window=True),
        dict(hi=1, wi=24, ci=10, co=12, k=(1, 11), pads=(0, 10, 0, 0), window=True),
    ]
    dw = [
        dict(hi=8, wi=8, ci=32, co=32, k=(3, 3), pads=(1, 1, 1, 1)),
        dict(hi=9, wi=9, ci=67, co=67, k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1)),
        # stride 2: depthwise.c's DW3_ASMQ2_ channel functions (u8, even lines), its C steps (s8)
        dict(hi=12, wi=16, ci=36, co=36, k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1)),
        dict(hi=31, wi=6, ci=33, co=33, k=(3, 3), s=(2, 2), pads=(1, 0, 0, 1), x_type=S8, y_type=S8),
        # stride 2 with the window end (u8): dw3_chans_s2_winu_'s 4-channel copy (4-byte steps of a
        # line and its last 1..3 bytes in C, a core's last c mod 4 channels copied one by one), given
        # 8x the kernel's scratch amount (its 4 slots): channels not a multiple of 4, 1-2 output
        # rows, odd widths, lines of 1..3 input bytes, every pad combination, column-major and
        # row-major tiles; the first also with the amount (one slot: the one-channel copy)
        dict(hi=9, wi=9, ci=67, co=67, k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1), window=True),
        dict(hi=9, wi=9, ci=67, co=67, k=(3, 3), s=(2, 2), pads=(1, 1, 1, 1), window=True, scratch_mode="ample"),
        dict(hi=3, wi=11, ci=37, co=37, k=(3, 3), s=(2, 2), pads=(1, 0, 0, 1), window=True, scratch_mode="ample"),
        dict(hi=2, wi=7, ci=21, co=21, k=(3, 3), s=(2, 2), pads=(0, 1, 1, 0), window=True, scratch_mode="ample"),
        dict(hi=10, wi=5, ci=36, co=36, k=(3, 3), s=(2, 2), pads=(0, 0, 0, 0), window=True, scratch_mode="ample"),
        dict(hi=6, wi=13, ci=44, co=44, k=(3, 3), s=(2, 2), pads=(1, 1, 0, 0), window=True, scratch_mode="ample"),
        dict(hi=13, wi=4, ci=40, co=40, k=(3, 3), s=(2, 2), pads=(0, 1, 1, 1), window=True, scratch_mode="ample"),
        dict(hi=4, wi=3, ci=35, co=35, k=(3, 3), s=(2, 2), pads=(1, 1, 0, 1), window=True, scratch_mode="ample"),
        dict(hi=6, wi=6, ci=33, co=33, k=(3, 3), x_type=S8, y_type=S8),
        dict(hi=7, wi=7, ci=32, co=32, k=(5, 5), pads=(2, 2, 2, 2)),
        dict(hi=7, wi=7, ci=32, co=32, k=(3, 3), dil=(2, 2), pads=(2, 2, 2, 2)),
        dict(hi=5, wi=5, ci=32, co=32, k=(3, 3), pads=(1, 1, 1, 1), x_type=U16),
        dict(hi=1, wi=16, ci=36, co=36, k=(1, 3), pads=(0, 1, 0, 1)),
    ]
    linear = [
        dict(hi=1, wi=1, ci=1024, co=10),
        dict(hi=1, wi=1, ci=257, co=35, y_type=S8),
        dict(hi=1, wi=1, ci=100, co=12, x_type=S16),
        dict(hi=1, wi=1, ci=200, co=16, steps=[64, 136]),
    ]
    out: list[tuple[str, dict[str, Any]]] = []
    for kind, specs in (("conv", conv), ("dw", dw), ("linear", linear)):
        for i, spec in enumerate(specs):
            out.append((kind, K.conv_tile(kind, seed=100 * len(out) + i, **spec)))
    out += [("pool", K.pool_tile(8, 8, 64, (2, 2), (2, 2), 0, seed=1)),
            ("pool", K.pool_tile(6, 7, 35, (3, 3), (1, 1), 1, pads=(1, 1, 1, 1), seed=2)),
            ("pool", K.pool_tile(4, 4, 100, (4, 4), (1, 1), 1, seed=3)),
            ("pool", K.pool_tile(9, 9, 33, (3, 3), (2, 2), 0, pads=(1, 1, 1, 1), x_type=S8, seed=4)),
            ("add", K.add_tile(16, 64, seed=5)),
            ("add", K.add_tile(5, 33, seed=6))]
    # the scalar-chain add paths: every chain kind of tests/test_c_kernels.py's add-net cases twice
    out += [("add", c) for c in T.cases("add-net")[:2 * len(T.ADD_NET_KINDS)]]
    return out


def random_cases(kinds: tuple[str, ...], every: int) -> list[tuple[str, dict[str, Any]]]:
    """Every ``every``-th random case of tests/test_c_kernels.py of these kinds, and every case
    with a 16-bit input."""
    out = []
    for kind in kinds:
        for i, c in enumerate(T.cases(kind)):
            wide = c.get("x_type", c.get("a_type")) in (U16, S16)
            if (i % every == 0 or wide):
                out.append((kind, c))
    return out



@functools.lru_cache(maxsize=None)
def batch(name: str) -> list[tuple[str, dict[str, Any], int]]:
    """(kind, case, ncores) of one GVSOC run: 8 cores, and every third case also on 3."""
    if name == "first":
        # the first-layer cases whose output fits the driver's L1 arena beside its inputs (outputs
        # of up to 32 bits, two copies); a run of their own (with the conv batch they overflow L2)
        cs = [kc for kc in random_cases(("first", "first-win"), 1) if kc[1]["ho"] * kc[1]["wo"] * kc[1]["co"] <= 2500]
    elif name == "conv":
        cs = random_cases(("conv", "conv-win"), 4) + [kc for kc in layer_cases() if kc[0] == "conv"]
    else:
        cs = random_cases(("dw", "linear", "pool", "add", "linear-win", "dw-win"), 4) + \
            [kc for kc in layer_cases() if kc[0] != "conv"]
        cs += [("dw", c) for c in T.dw_ring_end_cases(2)]  # every end of the 3x3 ring
    return [(k, c, n) for i, (k, c) in enumerate(cs) for n in ((8, 3) if i % 3 == 0 else (8,))]


def test_cases_reach_what_the_issue_lists() -> None:
    """The GVSOC batches hold conv KxK, pointwise, depthwise, linear, pool and add with odd
    channels, strides, pads, dilation and 16-bit inputs (guards against a drifted selection)."""
    jobs = batch("conv") + batch("first") + batch("rest")
    conv = [c for k, c, _ in jobs if k == "conv"]
    assert {(c["kh"], c["kw"]) for c in conv} >= {(1, 1), (3, 3), (5, 5), (1, 3)}
    assert any(c["ci"] >= 32 and c["ci"] % 4 for c in conv) and any(c["co"] % 4 for c in conv)
    assert any(c["sh"] == 2 for c in conv) and any(c["dh"] == 2 or c["dw"] > 1 for c in conv)
    assert any(all(c["pads"]) for c in conv) and any(len(c["steps"]) > 1 for c in conv)
    for kind in ("conv", "dw", "linear"):
        assert any(c["x_type"] in (U16, S16) for k, c, _ in jobs if k == kind), kind
    assert any(c["ci"] >= 64 and c["ci"] % 2 for k, c, _ in jobs if k == "dw")
    assert {k for k, _, _ in jobs} == {"conv", "dw", "linear", "pool", "add", "conv-win", "linear-win", "dw-win",
                                       "first", "first-win"}
    # the window end (requant-window) with both divisor kinds: its Xpulpv2 p.max / p.min clamp
    win = [c["chain"][0] for k, c, _ in jobs if k.endswith("-win")]
    assert any(st["div"] == 0 for st in win) and any(st["div"] & (st["div"] - 1) for st in win)
    assert any(n == 3 for _, _, n in jobs) and any(n == 8 for _, _, n in jobs)


@pytest.fixture(scope="module")
def host_driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return K.build_host(tmp_path_factory.mktemp("kdriver") / "kernel_driver")


@requires_gvsoc
@requires_rvcc
@pytest.mark.parametrize("name", ["conv", "first", "rest"])
def test_kernels_on_gvsoc_match_host_and_reference(name: str, host_driver: Path, tmp_path: Path) -> None:
    jobs = batch(name)
    text = "\n".join(T.fmt(k, c, n) for k, c, n in jobs) + "\n"
    got = K.run_pulp(K.build_pulp(text, tmp_path), tmp_path / "run")
    host = K.run_host(host_driver, text)
    assert len(got) == len(host) == len(jobs)
    for (kind, c, n), g, h in zip(jobs, got, host):
        where = f"ncores={n}: {T.describe(kind, c)}"
        assert g.ok == 1, f"GVSOC: the cores' shares do not cover the output tile; {where}"
        assert len(g.cycles) == 8 and all(v > 0 for v in g.cycles[:n]), where
        want = c["want"].reshape(-1)
        for label, y in (("host portable C", h.y), ("reference", want)):
            if not np.array_equal(g.y, y):
                bad = np.flatnonzero(g.y != y)
                pytest.fail(f"GVSOC vs {label}: {bad.size} of {y.size} differ (first at {bad[0]}: GVSOC {g.y[bad[0]]}, "
                            f"{label} {y[bad[0]]}); {where}")


def test_words_escape_what_one_word_cannot_carry() -> None:
    """kernel_driver.c reads one sign-extended word, or the escape word -2^31 and the value's low
    and high words: an s64 2^32 - 1 must not come back as -1 (it did before the escape)."""
    esc = -(2**31)
    assert K.words("5 -7 2147483647") == [5, -7, 2**31 - 1]
    assert K.words("4294967295") == [esc, -1, 0]
    assert K.words("-2147483648") == [esc, esc, -1]
    assert K.words(str(-(2**40))) == [esc, 0, -256]
    with pytest.raises(K.DriverError, match="does not fit 64 bits"):
        K.words(str(2**63))
