"""The joint L3/L1 search (`passes.tiling.l3search`): its lower-bound pruning and solve reuse
change nothing (the same choice as evaluating every L3 candidate with a fresh L1 solve), it never
does worse than the former rule (fewest L3 tiles, then the L1 optimum under it), and the tile pass
records its choice."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dory.backends.gap8.hw import GAP8
from dory.backends.pulp.hw import PULP
from dory.backends.target import Target
from dory.passes.tiling import Geometry, NoFit, candidates, l3_cycles, solve, staged_cycles
from dory.passes.tiling.l3search import joint_search, rounded_block


def _exhaustive(g: Geometry, roles: list[str], cands: list[dict[str, int]], l1: int, hw: Target) -> tuple[int, int]:
    """(total, candidate index) minimal over every candidate, each with its own L1 solve."""
    best: tuple[int, int] | None = None
    for i, c in enumerate(cands):
        try:
            sol = solve(g, l1, hw, dict(c))
        except NoFit:
            continue
        total = staged_cycles(g, roles, rounded_block(g, c, sol.best.tile[0]), sol.best, hw)
        if best is None or (total, i) < best:
            best = (total, i)
    assert best is not None
    return best


def _cands(g: Geometry, hw: Target, rows: bool) -> list[dict[str, int]]:
    """Every (c_out, h_out) candidate, in the pass's order (fewest L3 tiles, then the largest)."""
    hs = candidates(g.ho, hw.cores) if rows else [g.ho]
    fit = [(c, h) for c in candidates(g.co, hw.simd_macs) for h in hs]
    fit.sort(key=lambda ch: (-(-g.co // ch[0]) * -(-g.ho // ch[1]), -ch[0] * ch[1], -ch[0]))
    return [{"c_out": c, "h_out": h} for c, h in fit]


@st.composite
def l3_layers(draw: st.DrawFn) -> tuple[Geometry, list[str], bool]:
    """A conv or linear layer with its weights (and maybe its input rows) in L3."""
    if draw(st.booleans()):
        co, ci = draw(st.integers(8, 400)), draw(st.integers(16, 256))
        return Geometry("linear", n=1, ho=1, wo=1, co=co, hi=1, wi=1, ci=ci, param_bytes=8), ["weight", "requant"], False
    k = draw(st.sampled_from([1, 3]))
    h = draw(st.integers(4, 28))
    co, ci = draw(st.integers(8, 256)), draw(st.integers(8, 256))
    g = Geometry("conv", n=1, ho=h, wo=h, co=co, hi=h, wi=h, ci=ci, kh=k, kw=k, pads=((k - 1) // 2,) * 4, param_bytes=8)
    rows = draw(st.booleans())
    return g, ["weight", "requant"] + (["input"] if rows else []), rows


@settings(max_examples=40, deadline=None)
@given(l3_layers(), st.sampled_from([PULP, GAP8]))
def test_joint_search_equals_exhaustive(case: tuple[Geometry, list[str], bool], hw: Target) -> None:
    """Pruning by the L3 lower bound and reusing solves under larger caps keep the exhaustive
    choice, and the choice is never worse than the rule's first candidate."""
    g, roles, rows = case
    cands = _cands(g, hw, rows)
    try:
        got = joint_search(g, roles, cands, hw.l1_budget, hw)
    except NoFit:
        with pytest.raises((NoFit, AssertionError)):
            _exhaustive(g, roles, cands, hw.l1_budget, hw)
        return
    total, i = _exhaustive(g, roles, cands, hw.l1_budget, hw)
    assert got.cycles == total
    assert got.solves <= len(cands) + 1
    try:
        first = solve(g, hw.l1_budget, hw, dict(cands[0]))
    except NoFit:
        return
    rule = staged_cycles(g, roles, rounded_block(g, cands[0], first.best.tile[0]), first.best, hw)
    assert got.cycles <= rule


def test_joint_search_beats_the_rule_on_a_streamed_pointwise() -> None:
    """MobileNetV1-1.0-224's last pointwise (7x7x1024 -> 1024) on GAP8 with its weights streamed
    from L3 through the staging assign-memory leaves (148 channels): the rule's largest block
    (148) exposes its first weights read and caps L1 to 2 channels; a block of 15 channels
    with 3-channel L1 tiles costs less in total (the search proves it over all 13 blocks)."""
    g = Geometry("conv", n=1, ho=7, wo=7, co=1024, hi=7, wi=7, ci=1024, param_bytes=8)
    roles = ["weight", "requant"]
    cands = [c for c in _cands(g, GAP8, False) if 2 * c["c_out"] * 1024 <= 338476]  # double-buffered weight blocks
    got = joint_search(g, roles, cands, GAP8.l1_budget, GAP8)
    first = solve(g, GAP8.l1_budget, GAP8, dict(cands[0]))
    rule = staged_cycles(g, roles, rounded_block(g, cands[0], first.best.tile[0]), first.best, GAP8)
    assert got.cycles < rule
    assert got.l3 != rounded_block(g, cands[0], first.best.tile[0])
    assert len(cands) == 13 and got.cycles == _exhaustive(g, roles, cands, GAP8.l1_budget, GAP8)[0]


def test_joint_search_forced_caps_bound_the_l1_tile() -> None:
    """The pass's per-layer caps (``caps`` option) still bound the L1 tile under every L3 block."""
    g = Geometry("conv", n=1, ho=14, wo=14, co=512, hi=14, wi=14, ci=512, param_bytes=8)
    cands = _cands(g, PULP, False)
    got = joint_search(g, ["weight", "requant"], cands, PULP.l1_budget, PULP, {"c_out": 8, "h_out": 2})
    assert got.sol.best.tile[0] <= 8 and got.sol.best.tile[1] <= 2


def test_serial_target_bound_is_the_transfers() -> None:
    """The bound the search prunes with: with overlap, a layer costs at least its L3 transfers
    issued one after another (the controller is serial) and at least its compute."""
    g = Geometry("conv", n=1, ho=7, wo=7, co=1024, hi=7, wi=7, ci=1024, param_bytes=8)
    serial = dataclasses.replace(GAP8, l3_overlapped=False)
    for c in (15, 64, 148, 1024):
        tile = {"c_out": c, "h_out": 7}
        xfer = l3_cycles(g, ["weight", "requant"], tile, 0.0, serial)
        for compute in (1e3, 1e6, 1e7):
            for t_co in (1, 4, c):
                got = l3_cycles(g, ["weight", "requant"], tile, compute, GAP8, t_co=t_co)
                assert got >= max(xfer, compute)
