"""Exhaustive search over the tiler's candidate space: the oracle the SAT search is tested
against (same space, same bufferings, same total order, so the optimum must be the same plan)."""

from __future__ import annotations

from dory.backends.target import Target, default_target
from dory.passes.tiling.cost import Evaluation, evaluate
from dory.passes.tiling.geometry import Geometry
from dory.passes.tiling.space import candidate_space


def brute_force(g: Geometry, l1: int, hw: Target | None = None, caps: dict[str, int] | None = None, *,
                single: bool | None = None) -> Evaluation | None:
    """The best (tile, buffering) by exhaustive search over the same candidate space (for tests):
    ``single`` None tries both bufferings of every tile, True / False only that one."""
    hw = hw or default_target()
    bufferings = (False, True) if single is None else (single,)
    evs = [e for t in candidate_space(g, l1, hw, caps).tiles() for b in bufferings
           for e in (evaluate(g, t, hw, single=b),) if e.l1_bytes <= l1]
    return min(evs, key=lambda e: e.key()) if evs else None
