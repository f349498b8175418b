"""Exhaustive search over the tiler's candidate space: the oracle the SAT search is tested
against (same space, same total order, so the optimum must be the same tile)."""

from __future__ import annotations

from dory.backends.target import Target, default_target
from dory.passes.tiling.cost import Evaluation, evaluate
from dory.passes.tiling.geometry import Geometry
from dory.passes.tiling.space import candidate_space


def brute_force(g: Geometry, l1: int, hw: Target | None = None, caps: dict[str, int] | None = None) -> Evaluation | None:
    """The best tile by exhaustive search over the same candidate space (for tests)."""
    hw = hw or default_target()
    evs = [e for e in (evaluate(g, t, hw) for t in candidate_space(g, l1, hw, caps).tiles()) if e.l1_bytes <= l1]
    return min(evs, key=lambda e: e.key()) if evs else None

