"""Exhaustive search: the oracle the SAT search is tested against, over the same space (same
space, same bufferings, same total order: the optimum must be the same plan), or over every legal
tile (``all``: `passes.tiling.space`'s dominance argument must keep that optimum in the pruned
space)."""

from __future__ import annotations

from dory.backends.target import Target, default_target
from dory.passes.tiling.cost import Evaluation, evaluate
from dory.passes.tiling.geometry import Geometry
from dory.passes.tiling.space import legal_space


def brute_force(g: Geometry, l1: int, hw: Target | None = None, caps: dict[str, int] | None = None, *,
                single: bool | None = None, space: str = "candidates") -> Evaluation | None:
    """The best (tile, buffering) by exhaustive search over `sat.space_of`'s ``space``
    (``candidates``, ``legal``: the pruned legal space) or over every legal tile (``all``; small
    layers only: it evaluates the whole product), for tests: ``single`` None tries both bufferings
    of every tile, True / False only that one."""
    from dory.passes.tiling.sat import space_of

    hw = hw or default_target()
    tiles = legal_space(g, hw, caps) if space == "all" else space_of(g, l1, hw, caps, space)
    bufferings = (False, True) if single is None else (single,)
    evs = [e for t in tiles.tiles() for b in bufferings
           for e in (evaluate(g, t, hw, single=b),) if e.l1_bytes <= l1]
    return min(evs, key=lambda e: e.key()) if evs else None
