"""The joint L3/L1 search: the L3->L2 tile and the L2->L1 tile of one layer chosen together,
minimizing the layer's total modelled cycles (`passes.tiling.cost.l3_cycles` of the L1 tile's
cycles: the L1 model plus the L3 staging with its overlap), over every L3 tile the staging
budget allows.

*Objective*: for an L3 candidate ``(c, h)`` (from the staging that ``assign-memory`` left) and an
L1 tile ``t`` within it, ``total = l3_cycles(g, roles, block(c, t), cycles(t), t_co=t.c_out)``,
``block`` rounding the channel block to whole L1 tiles (`whole_l1_tiles`). Per L3 candidate the
L1 tile is the L1 optimum under the cap ``(c, h)`` (`passes.tiling.sat.solve`, through its public
interface); ties go to the candidate first in the caller's order (the pass: fewest L3 tiles,
then the largest), so the choice is deterministic.

*Exactness and speed*: every candidate is either evaluated or skipped by a lower bound that
already exceeds the best total: ``total >= max(compute, transfers)`` where ``compute`` is the L1
optimum with no L3 cap (no capped L1 optimum is cheaper) and ``transfers`` every L3 read and
write of the block serially (the controller issues them one after another; rounding the channel
block only adds transfer setups). The candidates are visited by ascending bound, so the loop stops
at the first bound above the incumbent. An L1 solve under a cap is reused when an optimum already
found under larger caps lies within it and the capped space is a subset of that search's (the
optimum of a superset that lies in the subset is the subset's, under the solver's total order):
on MobileNetV1-1.0-224 (gap8) most candidates reuse the uncapped solve.

*Not covered*: the L3 cost depends on the L1 tile's ``c_out`` (the first L1 tile waits for its
channels' weights; the block rounding) as well as its cycles; per cap only the L1 optimum's is
evaluated, so a costlier L1 tile with fewer channels whose smaller head would more than pay for
its extra cycles is not found.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from dory.backends.target import Target
from dory.passes.tiling.cost import l3_cycles
from dory.passes.tiling.geometry import Geometry
from dory.passes.tiling.sat import NoFit, Solution, solve, space_of


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
    modelled cycles, and the search effort (solver calls and L1 solves over every candidate)."""

    sol: Solution
    l3: dict[str, int]
    cycles: int
    sat_calls: int
    solves: int


def _capped(cand: dict[str, int], forced: dict[str, int]) -> dict[str, int]:
    """The L1 caps of L3 candidate ``cand`` with the pass's forced caps."""
    caps = dict(cand)
    for d, v in forced.items():
        caps[d] = min(caps.get(d, v), v)
    return caps


def joint_search(g: Geometry, roles: Sequence[str], cands: Sequence[dict[str, int]], l1: int, hw: Target,
                 forced: dict[str, int] | None = None, *, single: bool | None = None, space: str = "candidates",
                 solver: Callable[..., Solution] = solve) -> JointChoice:
    """The L3 candidate of ``cands`` (``{c_out, h_out}`` each, in tie-break order) and the L1 tile
    within it of least total modelled cycles (module docstring), for layer ``g`` whose data
    ``roles`` live in L3. ``forced``: further L1 caps; ``single`` / ``space``: as `solve`'s.
    Raises `NoFit` when no L1 tile fits under any candidate (the smallest under the last tried)."""
    forced = forced or {}
    serial = dataclasses.replace(hw, l3_overlapped=False)
    sat_calls = solves = 0
    done: list[tuple[tuple[tuple[int, ...], ...], Solution]] = []  # (space values, optimum)

    def l1_optimum(caps: dict[str, int] | None) -> Solution:
        nonlocal sat_calls, solves
        vals = space_of(g, l1, hw, caps, space).values
        for big, sol in done:
            if all(set(v) <= set(b) for v, b in zip(vals, big)) and all(x in v for x, v in zip(sol.best.tile, vals)):
                return sol
        sol = solver(g, l1, hw, caps, single=single, space=space)
        sat_calls += sol.sat_calls
        solves += 1
        done.append((vals, sol))
        return sol

    try:
        floor = l1_optimum(forced or None).best.cycles
    except NoFit:  # a cap's space adds the cap itself as a value: search the candidates anyway
        floor = 0
    bounds = [max(floor, l3_cycles(g, roles, c, 0.0, serial)) for c in cands]
    best: tuple[int, int, Solution, dict[str, int]] | None = None
    last_nofit: NoFit | None = None
    for i in sorted(range(len(cands)), key=lambda i: (bounds[i], i)):
        if best is not None and (bounds[i], i) > (best[0], best[1]):
            break  # every later candidate's bound is as high, and its rank no better on a tie
        try:
            sol = l1_optimum(_capped(cands[i], forced))
        except NoFit as e:
            last_nofit = e
            continue
        l3 = rounded_block(g, cands[i], sol.best.tile[0])
        total = l3_cycles(g, roles, l3, sol.best.cycles, hw, t_co=sol.best.tile[0])
        if best is None or (total, i) < (best[0], best[1]):
            best = (total, i, sol, l3)
    if best is None:
        assert last_nofit is not None
        raise last_nofit
    return JointChoice(best[2], best[3], best[0], sat_calls, solves)


__all__ = ["JointChoice", "joint_search", "rounded_block", "whole_l1_tiles"]
