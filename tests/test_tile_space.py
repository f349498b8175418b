"""The pruned tile space keeps the optimum over every legal tile (passes/tiling/space.py's
dominance argument), checked by exhaustive search on random small layers of every kind, on the
default (efficiency model) and the pulp (calibrated model) targets and several L1 budgets."""

from __future__ import annotations

import random

import pytest

from dory.backends.target import Target, get_target
from dory.passes.tiling import Geometry, NoFit, evaluate, l1_sizes_of, solve
from dory.passes.tiling import bestfirst
from dory.passes.tiling.space import legal_space, prune, pruned_space

TARGETS = ("gap8", "pulp")


def random_layer(rng: random.Random) -> Geometry:
    """A small random layer (exhaustive search stays cheap): conv KxK / 1-D / pointwise / grouped,
    depthwise, linear, pool (max / avg), add, with strides, dilations, pads and requant ends."""
    kind = rng.choice(["conv", "conv", "pointwise", "conv1d", "grouped", "depthwise", "linear", "pool", "add"])
    end = rng.choice(["fast", "fast", "wide", "div", "win", "slow"])
    params = rng.choice([0, 4, 8])
    if kind == "linear":
        return Geometry("linear", n=1, ho=1, wo=1, co=rng.randint(1, 40), hi=1, wi=1, ci=rng.randint(1, 80),
                        param_bytes=params, end=end)
    if kind == "add":
        h, w, c = rng.randint(1, 12), rng.randint(1, 12), rng.randint(1, 24)
        return Geometry("add", n=1, ho=h, wo=w, co=c, hi=h, wi=w, ci=c, in_bytes=2, param_bytes=params,
                        end=rng.choice(["fast", "sfused", "sloop", "loop", "generic"]), rq_inputs=rng.choice([0, 1, 2]))
    if kind == "pointwise":
        kh = kw = 1
    elif kind == "conv1d":
        kh, kw = 1, rng.choice([3, 5, 7])
    else:
        kh = kw = rng.choice([1, 3, 5] if kind in ("pool", "depthwise") else [3, 5])
    sh = sw = rng.choice([1, 1, 2])
    dh = dw = rng.choice([1, 1, 2]) if kind in ("conv", "conv1d", "depthwise") else 1
    pad = rng.choice([0, (kh - 1) // 2 * dh]) if kind != "pool" else 0
    pw = rng.choice([0, (kw - 1) // 2 * dw]) if kind != "pool" else 0
    hi = rng.randint(max(1, (kh - 1) * dh + 1 - 2 * pad), 14) if kh > 1 else rng.randint(1, 12)
    if kind == "conv1d":
        hi = rng.choice([1, rng.randint(1, 6)])
    wi = rng.randint(max(1, (kw - 1) * dw + 1 - 2 * pw), 13)
    ho = (hi + 2 * pad - (kh - 1) * dh - 1) // sh + 1
    wo = (wi + 2 * pw - (kw - 1) * dw - 1) // sw + 1
    pads = (pad, pw, pad, pw)
    if kind in ("depthwise", "pool"):
        c = rng.randint(1, 32)
        return Geometry(kind, n=1, ho=ho, wo=wo, co=c, hi=hi, wi=wi, ci=c, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh, dw=dw,
                        pads=pads, groups=c if kind == "depthwise" else 1, param_bytes=params if kind == "depthwise" else 0,
                        end=end if kind == "depthwise" else "fast", pool_avg=kind == "pool" and rng.random() < 0.5)
    if kind == "grouped":
        groups = rng.choice([2, 4])
        co, ci = groups * rng.randint(1, 6), rng.randint(1, 6)
        return Geometry("conv", n=1, ho=ho, wo=wo, co=co, hi=hi, wi=wi, ci=ci, kh=kh, kw=kw, sh=sh, sw=sw, pads=pads,
                        groups=groups, param_bytes=params, end=end)
    in_bytes = rng.choice([1, 1, 1, 2])
    return Geometry("conv", n=1, ho=ho, wo=wo, co=rng.randint(1, 36), hi=hi, wi=wi, ci=rng.randint(1, 16), kh=kh, kw=kw,
                    sh=sh, sw=sw, dh=dh, dw=dw, pads=pads, in_bytes=in_bytes, param_bytes=params, end=end)


BUDGETS = (300, 1500, 6000, 53760)


def _check(g: Geometry, hw: Target) -> None:
    """SAT over the pruned space == exhaustive search over every legal (tile, buffering) (by the
    full key), for each budget (every legal tile evaluated once per buffering)."""
    evs = [evaluate(g, t, hw, single=b) for t in legal_space(g, hw).tiles() for b in (False, True)]
    for l1 in BUDGETS:
        fit = [e for e in evs if e.l1_bytes <= l1]
        if not fit:
            with pytest.raises(NoFit) as no_fit:
                solve(g, l1, hw, space="legal")
            # the error's smallest tile: the least single-buffered footprint of the pruned space
            least = min(evaluate(g, t, hw, single=True).l1_bytes for t in pruned_space(g, hw).tiles())
            assert no_fit.value.smallest.l1_bytes == least
            continue
        best = min(fit, key=lambda e: e.key())
        sol = solve(g, l1, hw, space="legal")
        assert sol.best.key() == best.key(), (g, l1, hw.name, sol.best, best)
        assert evaluate(g, sol.best.tile, hw, single=sol.best.single) == sol.best
        # the staged enumeration of large spaces (bestfirst._enumerate), on the same small layer
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(bestfirst, "SMALL", 0)
            staged = solve(g, l1, hw, space="legal")
        assert staged.best.key() == best.key(), (g, l1, hw.name, staged.best, best)


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("seed", range(8))
def test_pruned_optimum_is_exhaustive_optimum(target: str, seed: int) -> None:
    hw = get_target(target)
    rng = random.Random(1000 * seed + len(target))
    for _ in range(8):
        _check(random_layer(rng), hw)


def test_space_is_smaller_and_legal() -> None:
    """The pruned space is a subset of the legal one, keeps the whole extent and every j's
    smallest value, and is O(sqrt(N L)) per dimension on a large layer."""
    for target in TARGETS:
        hw = get_target(target)
        g = Geometry("conv", n=1, ho=112, wo=112, co=512, hi=112, wi=112, ci=512, kh=1, kw=1)
        sp, legal = pruned_space(g, hw), legal_space(g, hw)
        for vals, all_vals in zip(sp.values, legal.values):
            assert set(vals) <= set(all_vals) and max(vals) == max(all_vals)
        n = g.co
        assert {-(-n // j) for j in range(1, n + 1)} <= set(sp.values[0])
        assert len(sp.values[0]) < 4 * int((n * 32) ** 0.5) and len(sp.values[3]) < 3 * int(n ** 0.5)


def test_prune_keeps_one_value_per_tile_count() -> None:
    # L = 1: only ceil(N / j) of each tile count j
    assert prune(10, 10, (1, 1)) == [1, 2, 3, 4, 5, 10]
    # L = 4: also the next values of each residue class mod 4 within j = 2 ([5, 9])
    assert prune(10, 10, (4, 1)) == [1, 2, 3, 4, 5, 6, 7, 8, 10]
    # a failed per-dimension check keeps the value
    assert prune(10, 10, (1, 1), lambda a, b: b != 7) == [1, 2, 3, 4, 5, 7, 10]
    assert prune(10, 10, (0, 1)) == list(range(1, 11))


@pytest.mark.parametrize("target", TARGETS)
def test_bounds_hold_on_every_legal_tile(target: str) -> None:
    """The best-first search's bounds (passes.tiling.bestfirst) are lower bounds of the exact
    model on every legal tile of random layers, both bufferings: the vectorized footprint is
    `l1_sizes_of`'s total, `cycles_bound` (and its tight form) at most `evaluate`'s cycles; and a
    tile's single-buffered cycles are never fewer than its double-buffered ones."""
    import numpy as np

    from dory.passes.tiling.bestfirst import cycles_bound, footprint_floor

    hw = get_target(target)
    rng = random.Random(7 + len(target))
    for _ in range(12):
        g = random_layer(rng)
        sp = legal_space(g, hw)
        shape = tuple(len(v) for v in sp.values)
        for single in (False, True):
            lb = np.broadcast_to(cycles_bound(g, sp.values, hw, single), shape)
            tight = np.broadcast_to(cycles_bound(g, sp.values, hw, single, tight=True), shape)
            fp = np.broadcast_to(footprint_floor(g, sp.values, hw, single), shape)
            for idx in np.ndindex(*shape):
                t = tuple(sp.values[d][i] for d, i in enumerate(idx))
                e = evaluate(g, t, hw, single=single)
                assert fp[idx] == l1_sizes_of(g, t, hw, single=single).total, (g, t, single)  # exact
                assert lb[idx] <= tight[idx] <= e.cycles, (g, t, e)
                if single:  # bestfirst.search(beat_double): single buffering never beats double on one tile
                    assert e.cycles >= evaluate(g, t, hw).cycles, (g, t, e)


def test_compute_bound_is_the_exact_compute() -> None:
    """`bestfirst.compute_bound` (the calibrated model's per-block work, vectorized) is the exact
    compute plus per-layer cost of `cost.evaluate` (less at most a cycle of rounding) on every
    legal tile of random layers of the kinds it covers, and None on the others and on a target
    without a kernel model."""
    import numpy as np

    from dory.passes.tiling.bestfirst import _Tiles, compute_bound
    from dory.passes.tiling.cost import _FIXED, kernel_features, model_coefficients

    hw = get_target("pulp")
    rng = random.Random(11)
    covered = 0
    for _ in range(40):
        g = random_layer(rng)
        assert compute_bound(g, _Tiles(legal_space(g, hw).values), get_target("gap8")) is None
        sp = legal_space(g, hw)
        shape = tuple(len(v) for v in sp.values)
        ts = _Tiles(sp.values, tuple(np.indices(shape).reshape(4, -1)))
        tb = compute_bound(g, ts, hw)
        if tb is None:
            continue
        covered += 1
        coef = model_coefficients(g, hw)
        for i, idx in enumerate(np.ndindex(*shape)):
            t = tuple(sp.values[d][j] for d, j in enumerate(idx))
            feats = kernel_features(g, t, hw)
            exact = coef.get("layer", 0.0) + sum(coef.get(f, 0.0) * v for f, v in feats.items() if f not in _FIXED)
            assert exact - 1 <= tb[i] <= exact, (g, t, tb[i], exact)
    assert covered >= 15
