"""The tiling SAT encoding: the optimal tile of one layer under the cost model, by lazy clause
generation with python-sat (the solver searches, the model is consulted lazily).

*Variables*: an order encoding of each dimension with more than one candidate value:
``ge[d, i]`` means ``t_d >= values[d][i]``, with ``ge[d, i+1] -> ge[d, i]``; a model decodes to
one tile. "``t_d == v``" is the conjunction of ``ge[d, i]`` and ``not ge[d, i+1]``.

*Memory* (hard, exact, compiled once): for every combination of the other dimensions (``c_out``,
``w_out``, ``c_in``; ``w_out`` and ``c_in`` are usually fixed, so this is one combination per
``c_out`` value) the footprint grows with ``h_out`` as long as more than one row block remains, so
the rows that fit are exactly those up to the largest fitting value, found by binary search. One
staircase clause per combination says so: ``[others == combo] -> not ge[h, j+1]`` (or ``-> h is
its largest value`` when that layout fits: all rows can end the double buffering of the input, or
of every buffer for a single tile). The
footprint is thus evaluated ``O(|combos| log |h values|)`` times, never on the whole product.

*Objective* (lazy): the solver proposes a tile that fits; its cycles are evaluated; every proposed
tile is then excluded by a clause over its value literals. Whenever the best cycles ``B``
improve, a *bound cut* excludes every tile whose lower bound already exceeds ``B``: since
``cycles(t) >= n_tiles(t) * overhead + floor`` (`cycles_floor`: the compute at the kernel's best
efficiency, or the output written back once) and ``n_tiles`` falls as ``h_out`` grows, the cut is
again one staircase clause per combination of the other dimensions (``-> ge[h, j]``). The search
ends when the formula is unsatisfiable: every tile was then either evaluated, or excluded by the
memory staircase or by a bound cut that only removes tiles costlier than the best. So the best
evaluated tile is a proven optimum under the model within the candidate space; the total order
(cycles, then L1 bytes, then fewer tiles, then the tile) makes it unique and deterministic.
``sat_calls`` records the solver calls (the last one is the UNSAT proof).

*Buffering*: the search runs once per buffering, double first, then single (one copy of every
buffer: the footprint grows with ``h_out`` all the way, so the same staircase holds), the
single-buffered search starting with the double optimum's bound cut (a single plan wins only
when strictly cheaper: `Evaluation.key` puts double first on equal cycles). The better of the two
by the key is the optimum over (tile, buffering); each buffering is proven optimal on its own.

*Legal space* (``space="legal"``): the pruned legal space (`pruned_space`: its optimum is the
optimum over every legal tile) is too large for a clause per combination; `passes.tiling.bestfirst`
searches it per buffering by best-first branch and bound over vectorized lower bounds instead (no
solver: ``sat_calls`` 0), with the same total order and the same buffering rule; with a calibrated
model and a large space, the double-buffered search starts from an incumbent, the optimum over
the candidate space (best-first too), and the single-buffered one skips the tiles that fit double
buffered (`bestfirst.search`'s ``beat_double``). On MobileNetV1-1.0-224
the 29 layers' candidate spaces hold 4020 tiles; the search evaluates the cost of about 900 of
them and the footprint about 1400 times (binary search), in ~0.14 s; both bufferings ~0.21 s
(2026-12-07, 2 busy cores).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from dory.backends.target import Target, default_target
from dory.passes.tiling.cost import Evaluation, cycles_floor, evaluate, l1_sizes_of, tile_overhead
from dory.passes.tiling import bestfirst
from dory.passes.tiling.geometry import Geometry
from dory.passes.tiling.space import Space, candidate_space, pruned_space


@dataclass
class Solution:
    """A solved layer: the best tile, its evaluation, and the solver time."""

    best: Evaluation
    solve_ms: int
    sat_calls: int = 0
    evaluations: int = 0  # footprint / cost evaluations the encoding and the search needed


class NoFit(Exception):
    """No candidate tile fits the budget; ``smallest`` is the evaluation with the least L1."""

    def __init__(self, smallest: Evaluation):
        super().__init__(smallest)
        self.smallest = smallest



class _Order:
    """Order encoding of the tile dimensions: ``ge(d, i)`` is the literal "t_d >= values[d][i]"
    (None when always true, i.e. i == 0), with ``ge(d, i+1) -> ge(d, i)``."""

    def __init__(self, values: tuple[tuple[int, ...], ...], pool: "object", clauses: list[list[int]]):
        self.values = values
        self.vars: list[list[int]] = []
        for d, vals in enumerate(values):
            vs = [pool.id(("ge", d, i)) for i in range(1, len(vals))]  # type: ignore[attr-defined]
            self.vars.append(vs)
            clauses.extend([[-vs[i], vs[i - 1]] for i in range(1, len(vs))])

    def ge(self, d: int, i: int) -> int | None:
        return None if i <= 0 else self.vars[d][i - 1]

    def is_(self, d: int, i: int) -> list[int]:
        """Literals whose conjunction says t_d == values[d][i] (empty for a single value)."""
        out = []
        lo, hi = self.ge(d, i), (self.vars[d][i] if i + 1 < len(self.values[d]) else None)
        if lo is not None:
            out.append(lo)
        if hi is not None:
            out.append(-hi)
        return out

    def decode(self, model: set[int]) -> tuple[int, ...]:
        return tuple(vals[sum(1 for v in self.vars[d] if v in model)] for d, vals in enumerate(self.values))

    def index(self, t: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(self.values[d].index(v) for d, v in enumerate(t))



def space_of(g: Geometry, l1: int, hw: Target, caps: dict[str, int] | None, space: str) -> Space:
    """The space `solve` searches: ``candidates`` (`candidate_space`, the pass's default; lazy SAT)
    or ``legal`` (`pruned_space`: the optimum over every legal tile; `passes.tiling.bestfirst`)."""
    if space == "legal":
        return pruned_space(g, hw, caps)
    if space != "candidates":
        raise ValueError(f"unknown tile space '{space}' (expected candidates or legal)")
    return candidate_space(g, l1, hw, caps)


class Evaluations:
    """`evaluate` and the footprint (`l1_sizes_of`'s total) of one layer on one target, kept per
    (tile, buffering): the searches of one layer under different caps (the joint L3/L1 search's L3
    candidates, ``assign-memory``'s staging budgets) propose many of the same tiles. Both are
    pure functions of the tile, so a kept answer is the one a fresh call gives."""

    def __init__(self, g: Geometry, hw: Target):
        self.g, self.hw = g, hw
        self._evals: dict[tuple[tuple[int, ...], bool], Evaluation] = {}
        self._feet: dict[tuple[tuple[int, ...], bool], int] = {}

    def evaluate(self, t: tuple[int, ...], single: bool) -> Evaluation:
        """`evaluate` of tile ``t``."""
        key = (t, single)
        ev = self._evals.get(key)
        if ev is None:
            ev = self._evals[key] = evaluate(self.g, t, self.hw, single=single)  # type: ignore[arg-type]
        return ev

    def footprint(self, t: tuple[int, ...], single: bool) -> int:
        """L1 bytes of tile ``t`` (`l1_sizes_of`)."""
        key = (t, single)
        b = self._feet.get(key)
        if b is None:
            b = self._feet[key] = l1_sizes_of(self.g, t, self.hw, single=single).total  # type: ignore[arg-type]
        return b


def solve(g: Geometry, l1: int, hw: Target | None = None, caps: dict[str, int] | None = None, *,
          single: bool | None = None, space: str = "candidates", evals: Evaluations | None = None) -> Solution:
    """The optimal (tile, buffering) of ``g`` within the space ``space`` (`space_of`) by lazy SAT,
    or best-first branch and bound over the legal space (module docstring): ``single`` None searches both bufferings (double first; the single-buffered
    search starts with the double optimum's bound cut, as only a strictly cheaper single plan can
    win under `Evaluation.key`) and keeps the better by the key; True / False searches that one
    buffering. ``sat_calls`` / ``evaluations`` are the winning search's (a plan that stays double
    buffered records what it recorded before the buffering choice). ``evals``: the layer's kept
    evaluations (`Evaluations` of ``g`` on ``hw``) to share with other solves of the layer. Raises
    `NoFit` when nothing fits ``l1`` (its ``smallest`` single-buffered, the smaller footprint, when
    both were searched)."""
    t0 = time.perf_counter()
    hw = hw or default_target()
    if evals is None or space == "legal":  # the legal space's search evaluates vectorized, not tile by tile
        evals = Evaluations(g, hw)
    assert evals.g == g and evals.hw == hw, "the kept evaluations are another layer's"
    if single is not None:
        sol = _search(g, l1, hw, caps, single, None, space, evals=evals)
        if sol is None:
            raise NoFit(_smallest(g, l1, hw, caps, single, space))
        return _timed(sol, t0)
    dbl = _search(g, l1, hw, caps, False, None, space, evals=evals)
    one = _search(g, l1, hw, caps, True, dbl.best.cycles if dbl else None, space, beat_double=dbl is not None,
                  evals=evals)
    if dbl is None and one is None:
        raise NoFit(_smallest(g, l1, hw, caps, True, space))
    best = min((s for s in (dbl, one) if s is not None), key=lambda s: s.best.key())
    return _timed(best, t0)


def _timed(sol: Solution, t0: float) -> Solution:
    """``sol`` with the wall time since ``t0``."""
    sol.solve_ms = int(round((time.perf_counter() - t0) * 1000))
    return sol


def _smallest(g: Geometry, l1: int, hw: Target | None, caps: dict[str, int] | None, single: bool,
              space: str) -> Evaluation:
    """The tile of the space with the least L1 under the buffering (what `NoFit` reports)."""
    hw = hw or default_target()
    if space == "legal":
        return bestfirst.smallest(g, pruned_space(g, hw, caps).values, hw, single)
    evs = [evaluate(g, t, hw, single=single) for t in space_of(g, l1, hw, caps, space).tiles()]
    return min(evs, key=lambda e: (e.l1_bytes, e.key()))


def _search(g: Geometry, l1: int, hw: Target | None, caps: dict[str, int] | None, single: bool,
            bound: int | None, space: str, beat_double: bool = False, *,
            evals: Evaluations | None = None) -> Solution | None:
    """The optimal tile of ``g`` under one buffering (``single``: every buffer one copy), or None
    when nothing fits; with ``bound``, tiles whose lower bound exceeds it are cut from the start
    (None also when every tile is cut). ``beat_double`` (single buffering, ``bound`` the double
    optimum's cycles): only a tile that does not fit double buffered can win
    (`bestfirst.search`), the legal space's search skips the others."""
    import itertools

    from pysat.formula import IDPool
    from pysat.solvers import Solver

    hw = hw or default_target()
    if space == "legal":
        seed_evals = 0
        values = pruned_space(g, hw, caps).values
        if bound is None and hw.kernel_model is not None and math.prod(len(v) for v in values) > bestfirst.SMALL:
            # an incumbent, the optimum over the (small) candidate space: the tile count then bounds the enumeration
            seed, seed_evals = bestfirst.search(g, candidate_space(g, l1, hw, caps).values, l1, hw, single, None)
            bound = None if seed is None else seed.cycles
        best, n_evals = bestfirst.search(g, values, l1, hw, single, bound, beat_double=beat_double)
        return None if best is None else Solution(best, 0, 0, seed_evals + n_evals)
    space_ = space_of(g, l1, hw, caps, space)
    vals = space_.values
    evals = evals or Evaluations(g, hw)
    pool = IDPool()
    clauses: list[list[int]] = []
    order = _Order(vals, pool, clauses)
    H = 1  # the staircase dimension: output rows
    others = [d for d in range(4) if d != H]
    hv = vals[H]

    def footprint(t: tuple[int, ...]) -> int:
        return evals.footprint(t, single)  # type: ignore[union-attr]

    def guard(combo: tuple[int, ...]) -> list[int]:
        """Negated literals of "the other dimensions take the values at indices combo"."""
        lits: list[int] = []
        for d, i in zip(others, combo):
            lits.extend(-x for x in order.is_(d, i))
        return lits

    # Memory (exact, a staircase per combination of the other dimensions): with c_out, w_out,
    # c_in fixed the footprint grows with h_out while more than one row block remains, so the
    # feasible rows are those up to the largest fitting value (binary search), plus all rows.
    combos = list(itertools.product(*(range(len(vals[d])) for d in others)))
    evaluations = 0
    for combo in combos:
        def tile_at(j: int) -> tuple[int, ...]:
            t = [0, 0, 0, 0]
            for d, i in zip(others, combo):
                t[d] = vals[d][i]
            t[H] = hv[j]
            return tuple(t)

        last = len(hv) - 1
        # the values below the last: the footprint grows with them (more than one row block: the
        # input and output double buffered); the last (all rows) may drop it (one tile, or one
        # input block loaded once: `l1_sizes_of`), so it is checked on its own
        top = last - 1 if last > 0 else last
        lo, hi = -1, top  # largest j <= top with footprint <= l1 (footprint monotone there)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            evaluations += 1
            if footprint(tile_at(mid)) <= l1:
                lo = mid
            else:
                hi = mid - 1
        whole_fits = top != last and footprint(tile_at(last)) <= l1
        evaluations += top != last
        if lo == last:
            continue  # every row count fits
        # forbid h_out >= values[lo + 1] (a false literal when lo = -1) unless it is the whole layer
        cl = guard(combo)
        nxt = order.ge(H, lo + 1)
        if nxt is not None:
            cl.append(-nxt)
        if whole_fits:
            top_lit = order.ge(H, last)
            if top_lit is None:
                continue  # h_out has one value, the whole layer, and it fits
            cl.append(top_lit)
        clauses.append(cl)

    floor = cycles_floor(g, hw)
    ovh = tile_overhead(g, hw)
    extents = (g.co, g.ho, g.wo, 1 if g.cin_follows_cout else g.ci)
    # What every bound cut reads, computed once a search (the cut is recomputed at every
    # improvement): each combination's guard and tile count along the other dimensions, and the
    # tile count of each h_out value.
    guards = [guard(combo) for combo in combos]
    rests = [math.prod(-(-extents[d] // vals[d][i]) for d, i in zip(others, combo)) for combo in combos]
    h_tiles = [-(-extents[H] // v) for v in hv]

    def bound_cut(bound: int) -> list[list[int]]:
        """Clauses excluding every tile whose lower bound n * overhead + floor exceeds ``bound``
        (a staircase on h_out again: the tile count falls as h_out grows)."""
        out: list[list[int]] = []
        if ovh <= 0:
            return out  # tiles cost nothing of their own: no tile count exceeds the bound
        n_max = (bound - floor) // ovh
        for cl, rest in zip(guards, rests):
            # the first h_out value whose tile count is within the bound
            first = next((j for j, nh in enumerate(h_tiles) if rest * nh <= n_max), None)
            if first is None:
                out.append(list(cl))
            elif first > 0:
                lit = order.ge(H, first)
                assert lit is not None
                out.append(cl + [lit])
        return out

    best: Evaluation | None = None
    calls = 0
    if bound is not None:
        clauses.extend(bound_cut(bound))
    with Solver(name="minisat22", bootstrap_with=clauses) as s:
        while True:
            calls += 1
            if not s.solve():
                break
            t = order.decode(set(v for v in s.get_model() if v > 0))
            ev = evals.evaluate(t, single)
            evaluations += 1
            assert ev.l1_bytes <= l1, "the memory staircase admits only fitting tiles"
            if best is None or ev.key() < best.key():
                improved = best is None or ev.cycles < best.cycles
                best = ev
                if improved:
                    for c in bound_cut(best.cycles):
                        s.add_clause(c)
            # this tile is decided: exclude it (a clause over its value literals)
            idx = order.index(t)
            s.add_clause([-x for d in range(4) for x in order.is_(d, idx[d])])
    if best is None:
        return None
    return Solution(best, 0, calls, evaluations)
