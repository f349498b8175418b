"""Exact interval packing to a target peak: SAT over which buffer lies below which, with lazy cuts.

`allocate-buffers`' greedy orders (passes/allocate_buffers.py) usually reach the lower bound (the
most bytes live at one step); when they do not, `search` looks for a packing whose peak is at most
a given target, and either finds one, proves there is none, or gives up after a fixed number of
solver calls and conflicts (deterministic: the same input makes the same calls).

The encoding
------------
Every packing orders each pair of buffers whose lifetimes meet (one lies below the other): one
boolean per such pair. Conversely an *acyclic* choice of directions defines a packing by stacking
each buffer at the heaviest chain of buffers below it (its offset: the most bytes over any path
of "below" edges ending at it); the peak is the heaviest path of the whole graph. So a packing
under the target exists iff some choice of directions has no cycle and no path heavier than the
target. Those two conditions are added lazily: the solver proposes directions, the offsets are
computed, and a cycle or a too-heavy path found in them becomes one clause forbidding exactly that
combination of directions (sound: any packing choosing all of them is invalid); then solve again.
Transitivity on every triangle (three buffers live at one step: their order is a total order) is
added up front, so that most cycles never appear. The first proposal follows the greedy packing's
directions (the solver's phases), so the search starts from the heuristic's solution.

UNSAT is a proof that no packing reaches the target (every clause is implied by the problem).
``python-sat`` is imported only when a search actually runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

FOUND = "found"
INFEASIBLE = "infeasible"
BUDGET = "budget"


@dataclass(frozen=True)
class SearchResult:
    """What `search` concluded: ``status`` is `FOUND` (``offsets`` by key, from 0), `INFEASIBLE`
    (proven: no packing reaches the target) or `BUDGET` (gave up after ``rounds`` solver calls);
    ``cuts``: the lazy clauses added."""

    status: str
    offsets: dict[int, int]
    rounds: int
    cuts: int


def search(items: Sequence[tuple[int, int, int, int]], target: int, hint: dict[int, int] | None = None,
           max_rounds: int = 400, conflicts: int = 20000) -> SearchResult:
    """A packing of ``items`` (``(key, start, end, size)``, lifetimes ``[start, end]``, distinct
    keys) with a peak of at most ``target``; ``hint``: offsets by key of a packing to start from
    (its directions become the solver's first guesses). At most ``max_rounds`` solver calls of at
    most ``conflicts`` conflicts each (see the module docstring)."""
    items = sorted(items, key=lambda i: i[0])
    n = len(items)
    if n == 0:
        return SearchResult(FOUND, {}, 0, 0)
    if max(i[3] for i in items) > target:
        return SearchResult(INFEASIBLE, {}, 0, 0)
    # Pairs whose lifetimes meet, one variable each: var(a, b) true <=> a lies below b (a < b).
    var: dict[tuple[int, int], int] = {}
    nbrs: list[list[int]] = [[] for _ in range(n)]
    by_start = sorted(range(n), key=lambda i: (items[i][1], i))
    for x, a in enumerate(by_start):
        for b in by_start[x + 1:]:
            if items[b][1] > items[a][2]:
                break
            lo, hi = min(a, b), max(a, b)
            var[(lo, hi)] = len(var) + 1
            nbrs[lo].append(hi)
            nbrs[hi].append(lo)

    def below(a: int, b: int) -> int:
        """The literal 'a lies below b'."""
        return var[(a, b)] if a < b else -var[(b, a)]

    from pysat.solvers import Solver  # lazy: only a missed bound pays for the import

    clauses: list[list[int]] = []
    nset = [set(x) for x in nbrs]
    for (a, b) in var:
        for c in nbrs[b]:
            if c > b and c in nset[a]:  # a triangle a < b < c: the three directions form no cycle
                clauses.append([-below(a, b), -below(b, c), below(a, c)])
                clauses.append([-below(b, a), -below(c, b), below(c, a)])
    rounds = cuts = 0
    with Solver(name="g4", bootstrap_with=clauses) as solver:
        if hint is not None:
            keys = [i[0] for i in items]
            solver.set_phases([below(a, b) if (hint[keys[a]], a) < (hint[keys[b]], b) else -below(a, b) for (a, b) in var])
        while rounds < max_rounds:
            rounds += 1
            solver.conf_budget(conflicts)
            ok = solver.solve_limited()
            if ok is None:
                return SearchResult(BUDGET, {}, rounds, cuts)
            if not ok:
                return SearchResult(INFEASIBLE, {}, rounds, cuts)
            model = solver.get_model()
            true = set(x for x in model if x > 0)
            preds: list[list[int]] = [[] for _ in range(n)]
            for (a, b), v in var.items():
                if v in true:
                    preds[b].append(a)
                else:
                    preds[a].append(b)
            cut = _violation(items, preds, target)
            if cut is None:
                offs = _offsets(items, preds)
                return SearchResult(FOUND, {items[i][0]: offs[i] for i in range(n)}, rounds, cuts)
            solver.add_clause([-below(a, b) for a, b in cut])
            cuts += 1
    return SearchResult(BUDGET, {}, rounds, cuts)


def _order(n: int, preds: list[list[int]]) -> tuple[list[int], list[int] | None]:
    """A topological order of the 'below' graph (lowest first), and a cycle when there is one
    (as a list of nodes, each below the next, the last below the first)."""
    state = [0] * n  # 0 new, 1 on the stack, 2 done
    order: list[int] = []
    for root in range(n):
        if state[root]:
            continue
        stack = [(root, 0)]
        path = [root]
        state[root] = 1
        while stack:
            v, k = stack[-1]
            if k < len(preds[v]):
                stack[-1] = (v, k + 1)
                u = preds[v][k]
                if state[u] == 1:  # u is below v and (through the path) above it: a cycle
                    cyc = path[path.index(u):]
                    return order, cyc
                if state[u] == 0:
                    state[u] = 1
                    stack.append((u, 0))
                    path.append(u)
            else:
                state[v] = 2
                order.append(v)
                stack.pop()
                path.pop()
    return order, None


def _violation(items: Sequence[tuple[int, int, int, int]], preds: list[list[int]],
               target: int) -> list[tuple[int, int]] | None:
    """The edges ``(below, above)`` of a cycle or of a path heavier than ``target`` in the
    'below' graph, or None when its stacking fits."""
    n = len(items)
    order, cyc = _order(n, preds)
    if cyc is not None:
        # cyc[k+1] is a predecessor (below) of cyc[k]
        return [(cyc[(k + 1) % len(cyc)], cyc[k]) for k in range(len(cyc))]
    top = [0] * n
    via = [-1] * n
    for v in order:
        base = 0
        for u in preds[v]:
            if top[u] > base:
                base, via[v] = top[u], u
        top[v] = base + items[v][3]
        if top[v] > target:
            path = []
            while via[v] >= 0:
                path.append((via[v], v))
                v = via[v]
            return path
    return None


def _offsets(items: Sequence[tuple[int, int, int, int]], preds: list[list[int]]) -> list[int]:
    """Each buffer's offset: the heaviest chain below it."""
    order, _ = _order(len(items), preds)
    off = [0] * len(items)
    for v in order:
        off[v] = max((off[u] + items[u][3] for u in preds[v]), default=0)
    return off


__all__ = ["BUDGET", "FOUND", "INFEASIBLE", "SearchResult", "search"]
