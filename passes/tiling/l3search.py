"""The joint L3/L1 search: the L3->L2 tile and the L2->L1 tile of one layer chosen together,
minimizing the layer's total modelled cycles (`passes.tiling.cost.l3_cycles` of the L1 tile's
cycles: the L1 model plus the L3 staging with its overlap), over every L3 tile the staging
budget allows.

*Objective*: for an L3 candidate ``(c, h)`` (from the staging that ``assign-memory`` left) and an
L1 tile ``t`` within it, ``total = staged_cycles(g, roles, block(c, t), evaluation(t))``: the L3
staging over the L1 model's cycles of ``t`` on every sub-problem of the block, ``block`` rounding
the channel block to whole L1 tiles (`whole_l1_tiles`). Those cycles are at least the L1 tile's
whole-layer cycles (more tiles, each sub-problem's first load and last store), so the whole-layer
L1 optima below bound them. Per L3 candidate the
L1 tile is the L1 optimum under the cap ``(c, h)`` (`passes.tiling.sat.solve`, through its public
interface); ties go to the candidate first in the caller's order (the pass: fewest L3 tiles,
then the largest), so the choice is deterministic.

*Exactness and speed*: every candidate is either evaluated or skipped by a lower bound on its
total that already exceeds the best (a tie goes to the better rank). The total is at least the
L3 transfers issued serially (the controller issues them one after another; rounding the channel
block only adds transfer setups) and at least the L1 cycles, their sum without the target's
``l3_overlapped``. The L1 cycles are bounded first by the compute floor plus the tile overhead of
the tiles the cap forces (`cycles_floor`, `tile_overhead`: the SAT bound cut's), then, once some
cap is solved, by its optimum for every cap whose space is a subset of its space. Candidates are
visited by ascending bound (refined lazily, best-first), so the loop stops at the first bound
above the incumbent. An L1 solve is reused when an optimum already found lies within a cap whose
space is a subset of that search's (the optimum of a superset that lies in the subset is the
subset's, under the solver's total order), and `SolveMemo` shares the solves of a network's
repeated layers (through `shared_memo`, also assign-memory's staging search's with the tile
pass, and a re-plan's with the first plan's). MobileNetV1-1.0-224 on the default target (whole
L2): 17 layers with L3 tiles, 165 candidates, 21 L1 solves (the rule solved 17: one per layer);
the 29 layers' searches ~0.30 s against ~0.20 s (min of 5, 2 busy cores, 2026-12-07); the whole
tile pass 0.21 -> 0.15 s CPU with the bound cut's tables and the kept tile evaluations
(`sat.Evaluations`; 2026-12-08, loaded machine).

*Not covered*: the L3 cost depends on the L1 tile's ``c_out`` (the first L1 tile waits for its
channels' weights; the block rounding) as well as its cycles; per cap only the L1 optimum's is
evaluated, so a costlier L1 tile with fewer channels whose smaller head would more than pay for
its extra cycles is not found.
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from dory.backends.target import Target
from dory.passes.tiling.cost import cycles_floor, l3_cycles, staged_cycles, tile_overhead
from dory.passes.tiling.geometry import Geometry, _in_extent
from dory.passes.tiling.sat import Evaluations, NoFit, Solution, solve, space_of
from dory.passes.tiling.space import candidates


def staging_candidates(g: Geometry, hw: Target, staging: int, in_l3: Sequence[str],
                       tiled: Sequence[str]) -> list[dict[str, int]]:
    """The L3->L2 tiles of layer ``g`` whose data ``in_l3`` live in L3, ``tiled`` of them tiled from
    L3 (the others staged whole), within ``staging`` bytes of L2: every candidate (c_out, h_out)
    whose double-buffered staging fits what the whole-staged data leave, fewest L3 tiles first,
    then the largest (the joint search's tie-break order); candidates step by ``hw``'s SIMD lanes
    (channels) and cores (rows), as the L1 tile's do. When none fits, the smallest tile alone (the
    L1 search then reports what does not fit)."""
    wts = [r for r in tiled if r in ("weight", "bias", "requant")]
    acts = [r for r in tiled if r not in wts]
    per_c = (g.weight_bytes_per_channel if "weight" in wts else 0) + (g.param_bytes if {"bias", "requant"} & set(wts) else 0)
    whole = {
        "weight": g.weight_bytes_per_channel * g.co,
        "input": g.hi * g.wi * g.ci * g.in_bytes * g.n,
        "output": g.ho * g.wo * g.co * g.out_bytes * g.n,
    }
    staging -= sum(whole.get(r, 0) for r in in_l3 if r not in tiled)

    def rows_bytes(h: int) -> int:
        """Double-buffered staging of ``h`` output rows of the L3 activations."""
        b = 0
        if any(r in ("input", "lhs", "rhs") for r in acts):
            b += _in_extent(h, g.sh, g.kh, g.dh, g.hi) * g.wi * g.ci * g.in_bytes
        if "output" in acts:
            b += h * g.wo * g.co * g.out_bytes
        return 2 * b

    cs = candidates(g.co, hw.simd_macs) if wts else [g.co]
    hs = candidates(g.ho, hw.cores) if acts else [g.ho]
    # Fewest L3 tiles (each costs a HyperBus setup and, with both axes tiled, weights are re-read
    # per row tile), then the largest tile; staging of weights and activations shares the budget.
    fit = [(c, h) for c in cs for h in hs if (2 * c * per_c if wts else 0) + (rows_bytes(h) if acts else 0) <= staging]
    fit.sort(key=lambda ch: (-(-g.co // ch[0]) * -(-g.ho // ch[1]), -ch[0] * ch[1], -ch[0]))
    if not fit:
        fit = [((1 if wts else g.co), (1 if acts else g.ho))]
    return [{"c_out": c, "h_out": h} for c, h in fit]


def whole_l1_tiles(co: int, l3c: int, tco: int) -> int:
    """The L3 channel block for ``co`` channels at most ``l3c`` (what the staging holds) in L1 tiles
    of ``tco``: a block that is not a whole number of L1 tiles ends in a partial tile, a step more
    per block for few channels, and a smaller block means more sub-problems (each a fork, its
    first tile's loads and its last's drain: ~27,000 cycles on GVSOC, about a 4x4 pointwise step).
    So the block of fewest steps + sub-problems, then fewest sub-problems, then the largest.
    Measured (MobileNetV1-1.0-128, GVSOC): Conv_601's 172 -> 160 (66 steps in 6 sub-problems ->
    64 in 7) 1,725,631 -> 1,699,809 cycles; Conv_555's 344 -> 320 (33 in 3 -> 32 in 4, a tie
    here, kept at 344) 845,871 -> 854,214."""

    def cost(c: int) -> tuple[int, int, int]:
        subs = -(-co // c)
        steps = (co // c) * -(-c // tco) + -(-(co % c) // tco)
        return steps + subs, subs, -c

    return min([l3c] + [m * tco for m in range(1, l3c // tco + 1)], key=cost)


def rounded_block(g: Geometry, l3: dict[str, int], tco: int) -> dict[str, int]:
    """The L3 tile ``l3`` with its channel block rounded to whole L1 tiles of ``tco`` channels
    (`whole_l1_tiles`) where it splits the channels; unchanged otherwise."""
    if 0 < tco < l3["c_out"] < g.co:
        return {**l3, "c_out": whole_l1_tiles(g.co, l3["c_out"], tco)}
    return l3


@dataclasses.dataclass
class JointChoice:
    """The joint search's answer: the L1 solution, its L3 tile (block rounded), the layer's total
    modelled cycles, and the search effort (solver calls, and L1 solves asked of ``solver``: a
    `SolveMemo` answers repeated ones without searching)."""

    sol: Solution
    l3: dict[str, int]
    cycles: int
    sat_calls: int
    solves: int


T = TypeVar("T")


def _kept(table: dict[Any, Any], key: Any, compute: Callable[[], T]) -> T:
    """``table[key]``, computed once; a `NoFit` is kept too and raised again on every ask."""
    hit = table.get(key)
    if hit is None:
        try:
            hit = compute()
        except NoFit as e:
            hit = e
        table[key] = hit
    if isinstance(hit, NoFit):
        raise hit
    return hit


class SolveMemo:
    """`solve` with its answers (a `Solution`, or the `NoFit` it raised) kept per (layer geometry,
    L1 budget, target, caps, buffering, space), for one run of the tile pass: a network's repeated
    layers (MobileNetV1's five 14x14x512 pointwise convolutions) then search their L3 candidates
    once. The answer is the solver's (deterministic), so memoizing changes no choice. The solves
    of one layer under different caps share its tile evaluations (`Evaluations`)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[object, ...], Solution | NoFit] = {}
        self._xfer: dict[tuple[object, ...], float] = {}
        self._joint: dict[tuple[object, ...], JointChoice | NoFit] = {}
        self._evals: dict[tuple[Geometry, Target], Evaluations] = {}

    def joint(self, g: Geometry, roles: Sequence[str], cands: Sequence[dict[str, int]], l1: int, hw: Target,
              forced: dict[str, int] | None = None, *, single: bool | None = None,
              space: str = "candidates") -> JointChoice:
        """`joint_search` with this memo as its solver, its answer (a `JointChoice`, or the `NoFit`
        it raised) kept per (layer, roles, candidates, L1 budget, target, caps, buffering, space):
        ``assign-memory``'s staging search asks again for every step of a moved buffer's lifetime
        at every sweep, and different staging budgets mostly give the same candidates (on
        MobileNetV1-1.0-224, 505 searches of 119 distinct candidate lists). The answer is the
        search's, deterministic, so memoizing changes no choice; a repeated answer reports the
        first search's effort (``sat_calls``, ``solves``), which the repeat would have recorded
        too (its L1 solves are this memo's)."""
        key = (g, tuple(roles), tuple(tuple(sorted(c.items())) for c in cands), l1, hw,
               tuple(sorted((forced or {}).items())), single, space)
        return _kept(self._joint, key, lambda: joint_search(g, roles, cands, l1, hw, forced, single=single, space=space,
                                                            solver=self, memo=self))

    def size(self) -> int:
        """How many answers the memo holds (solves, joint searches, transfer bounds, layers' evaluations)."""
        return len(self._seen) + len(self._joint) + len(self._xfer) + len(self._evals)

    def transfers(self, g: Geometry, roles: Sequence[str], l3: dict[str, int], hw: Target) -> float:
        """`l3_cycles` of L3 tile ``l3`` with no compute (the joint search's transfer bound),
        kept per (layer, roles, tile, target): ``assign-memory`` asks for the same candidates
        under many staging budgets."""
        key = (g, tuple(roles), tuple(sorted(l3.items())), hw)
        hit = self._xfer.get(key)
        if hit is None:
            hit = self._xfer[key] = float(l3_cycles(g, roles, l3, 0.0, hw))
        return hit

    def __call__(self, g: Geometry, l1: int, hw: Target, caps: dict[str, int] | None = None, *,
                 single: bool | None = None, space: str = "candidates") -> Solution:
        key = (g, l1, hw, tuple(sorted((caps or {}).items())), single, space)
        def fresh() -> Solution:
            evals = self._evals.get((g, hw))
            if evals is None:
                evals = self._evals[(g, hw)] = Evaluations(g, hw)
            return solve(g, l1, hw, caps, single=single, space=space, evals=evals)

        return _kept(self._seen, key, fresh)


_SHARED: SolveMemo | None = None
SHARED_LIMIT = 20000
"""Entries (solves, joint searches, layers' evaluations) past which `shared_memo` starts afresh:
a bound on a long-lived process's memory (a test session plans thousands of layers), far above
one compile's needs (MobileNetV1-1.0-224 with the staging search: about 400)."""


def shared_memo() -> SolveMemo:
    """The process's `SolveMemo`, shared by every pass and every run of them: ``assign-memory``'s
    staging search (step 6) asks for the joint searches ``tile`` then makes, and a re-planned
    compile (`backends.l2_reserve`, another L2 budget) tiles mostly the same layers under the same
    staging again. Every answer is a pure function of its key (layer, budgets, target, caps,
    buffering, space), so sharing it changes no plan; only the wall times a plan may record
    (``tile{record-solve-time}``) are the first search's."""
    global _SHARED
    if _SHARED is None or _SHARED.size() > SHARED_LIMIT:
        _SHARED = SolveMemo()
    return _SHARED


def _capped(cand: dict[str, int], forced: dict[str, int]) -> dict[str, int]:
    """The L1 caps of L3 candidate ``cand`` with the pass's forced caps."""
    caps = dict(cand)
    for d, v in forced.items():
        caps[d] = min(caps.get(d, v), v)
    return caps


def joint_search(g: Geometry, roles: Sequence[str], cands: Sequence[dict[str, int]], l1: int, hw: Target,
                 forced: dict[str, int] | None = None, *, single: bool | None = None, space: str = "candidates",
                 solver: Callable[..., Solution] = solve, memo: SolveMemo | None = None) -> JointChoice:
    """The L3 candidate of ``cands`` (``{c_out, h_out}`` each, in tie-break order) and the L1 tile
    within it of least total modelled cycles (module docstring), for layer ``g`` whose data
    ``roles`` live in L3. ``forced``: further L1 caps; ``single`` / ``space``: as `solve`'s.
    ``memo``: a `SolveMemo` whose transfer bounds to share (usually ``solver`` too).
    Raises `NoFit` when no L1 tile fits under any candidate (the smallest under the last tried)."""
    forced = forced or {}
    serial = dataclasses.replace(hw, l3_overlapped=False)
    sat_calls = solves = 0
    done: list[tuple[tuple[tuple[int, ...], ...], Solution]] = []  # (space values, optimum) per solve

    def within(vals: tuple[tuple[int, ...], ...], big: tuple[tuple[int, ...], ...]) -> bool:
        return all(set(v) <= set(b) for v, b in zip(vals, big))

    # A lower bound on a candidate's L1 cycles before any solve: every tile costs at least its
    # overhead over the layer's compute floor (`cycles_floor`, as the SAT bound cut), and the cap
    # forces at least ceil(co / c) x ceil(ho / h) tiles. (A solved cap's L1 optimum is no bound on
    # a subset cap's staged total: its per-block tile loops can cost less than the whole layer's.)
    base, ovh = cycles_floor(g, hw), tile_overhead(g, hw)
    caps_of = [_capped(c, forced) for c in cands]
    # The transfer bound of a candidate costs an `l3_cycles` walk over its sub-problems: it is
    # computed when the candidate first reaches the top of the heap (a candidate whose compute
    # bound alone exceeds the incumbent never needs it).
    xfer: list[float | None] = [None] * len(cands)
    vals_of: list[tuple[tuple[int, ...], ...] | None] = [None] * len(cands)

    def transfers(i: int) -> float:
        x = xfer[i]
        if x is None:
            x = xfer[i] = (memo.transfers(g, roles, cands[i], serial) if memo is not None
                           else float(l3_cycles(g, roles, cands[i], 0.0, serial)))
        return x

    def total_bound(i: int, compute: float) -> float:
        """The least total of candidate i with L1 cycles at least ``compute``: serial transfers add
        to the compute; overlapped, the total is at least either (module docstring)."""
        return compute + transfers(i) if not hw.l3_overlapped else max(compute, transfers(i))

    def compute_bound(i: int) -> float:
        caps = caps_of[i]
        tiles = -(-g.co // max(1, caps.get("c_out", g.co))) * -(-g.ho // max(1, caps.get("h_out", g.ho)))
        return base + tiles * ovh

    def first_bound(i: int) -> float:
        return total_bound(i, compute_bound(i))

    def l1_optimum(i: int) -> Solution:
        nonlocal sat_calls, solves
        vals = vals_of[i] if vals_of[i] is not None else space_of(g, l1, hw, caps_of[i], space).values
        for big, sol in done:  # an optimum of a superset that lies in the subset is the subset's
            if within(vals, big) and all(x in v for x, v in zip(sol.best.tile, vals)):
                return sol
        sol = solver(g, l1, hw, caps_of[i], single=single, space=space)
        sat_calls += sol.sat_calls
        solves += 1
        done.append((vals, sol))
        return sol

    # stage 0: the compute bound alone; 1: with the transfers
    heap = [(compute_bound(i), i, 0) for i in range(len(cands))]
    heapq.heapify(heap)
    best: tuple[int, int, Solution, dict[str, int]] | None = None  # (total, rank, L1 optimum, L3 tile)
    last_nofit: NoFit | None = None
    while heap:
        b, i, stage = heapq.heappop(heap)
        if best is not None and (b, i) > (best[0], best[1]):
            break  # every bound left is as high, its rank no better on a tie
        if stage == 0:
            fb = first_bound(i)
            if fb > b:
                heapq.heappush(heap, (fb, i, 1))
                continue
        # (No refinement by the L1 optima of solved caps: since the L3 model runs each block's own
        # L1 tile loop (cost.sub_problem_cycles), a block's staged total can fall below the whole
        # layer's L1 optimum plus its transfers -- hypothesis found one, tests/test_tile_l3.py --
        # so only the compute floor bounds a candidate.)
        try:
            sol = l1_optimum(i)
        except NoFit as e:
            last_nofit = e
            continue
        l3 = rounded_block(g, cands[i], sol.best.tile[0])
        total = staged_cycles(g, roles, l3, sol.best, hw)
        if best is None or (total, i) < (best[0], best[1]):
            best = (total, i, sol, l3)
    if best is None:
        assert last_nofit is not None
        raise last_nofit
    return JointChoice(best[2], best[3], best[0], sat_calls, solves)


__all__ = ["JointChoice", "SolveMemo", "joint_search", "rounded_block", "shared_memo", "staging_candidates", "whole_l1_tiles"]
