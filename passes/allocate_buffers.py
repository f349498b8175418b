"""``allocate-buffers``: static offsets for every L2 and L3 buffer, and each tiled layer's L1 layout.

Input: functions after ``assign-memory`` (every activation and weight a ``memref`` in ``#dory.l2``
or ``#dory.l3``, layers and concats carrying ``dory.memory``). Output: the same IR with the
``dory.alloc`` / ``dory.l1`` attributes of docs/tiling-schema.md. Running it again recomputes the
same attributes from scratch (stale ones are dropped first).

The model (shared with ``assign-memory``, whose `MemoryPlan` builds the buffers and lifetimes)
---------------------------------------------------------------------------------------------
*Schedule*: the body's ops except weights and the return, in order; op ``t`` is step ``t``.
*Buffers* of a memory level, each with a lifetime ``[first step, last step]`` and a size:

- activations (an op result or function argument, with the ``dory.reshape`` results that alias
  it: a reshape is a view, so it shares its input's buffer and extends its lifetime);
- weights (``dory.weights``) and each layer's per-channel requantisation arrays: they live for
  the whole program (resident in L2, or held in L3 when not resident);
- per layer, the L2 *staging area* for its L3 data (``dory.memory.staging_bytes``), live only
  during that layer.

Sizes are rounded up to 4 bytes and offsets are multiples of 4 (the DMA and the kernels' word
accesses want aligned buffers).

Packing (dynamic storage allocation with known lifetimes)
--------------------------------------------------------
Buffers that live for the whole program (weights, requant arrays) are stacked at the bottom
first: that is without loss of optimality (compacting any valid packing by sliding every other
buffer down by the whole-program bytes below it keeps it valid and lowers its top by exactly
their total). The rest is packed by greedy placement on the interval graph: in a given order,
each buffer goes into a gap between the already-placed buffers whose lifetimes intersect its
own, either the lowest such gap (first fit) or the tightest (best fit). Several orders are tried
(size, size x lifetime, lifetime start, lifetime length) with both policies; the packing with the
lowest peak wins (ties: the first found, so the result is deterministic), and the orders stop as
soon as one reaches the lower bound. When none does, the exact search of
``passes.exact_packing`` (SAT over which buffer lies below which, started from the greedy's
packing) looks for a packing at the bound; if it proves there is none, it bisects between the
bound and the greedy's peak for the least feasible peak, so the result is then proven minimal
(`Packing.optimal`). Its budget is fixed (`_EXACT_ROUNDS`, `_EXACT_CONFLICTS`); only if it runs
out does a bounded, seeded local search (swaps in the greedy's best order) have the last word.

*Lower bound*: the most (aligned) bytes live at one step. Any packing needs at least that much,
so ``l2_peak - l2_lower_bound`` is the fragmentation the packing leaves.

L1 layout (per layer with a ``dory.tile``)
------------------------------------------
The buffers of the output tile ``{c_out, h_out, w_out, c_in}`` are sized by the ``tile`` pass's
own footprint model (its `geometry` and formulas, so the layout holds exactly what the tiler
budgeted in ``l1_bytes``, up to alignment): the input tile with the kernel's halo (``(h_out - 1)
* stride + (kh - 1) * dilation + 1`` rows, likewise columns, clipped to the input; for
``dory.add`` both operands' tiles in one buffer), the weight tile, the output tile, the
per-channel parameters (bias and dense requant arrays of ``c_out`` channels) and the kernel
scratch (pulp-nn's im2col; an si32 accumulator when input channels are split). Input and output
are double buffered (ping/pong) when the layer has more than one tile, weights and parameters
when they change between tiles; a buffer loaded once has pong = ping, and so has every buffer of a
layer whose ``dory.tile`` says ``buffering = "single"``. Laid out contiguously,
4-byte aligned: input, weight, output, params, scratch.

Recorded attributes (sizes in bytes, ``i64``)
---------------------------------------------
- On each op producing an activation (layers, concats, reshapes: a reshape repeats its input's
  buffer) and each ``dory.weights``: ``dory.alloc = {offset, size}``: the offset in L2, or in L3
  for a ``#dory.l3`` result. On layer ops two more entries where present: ``requant = {offset,
  size}`` (the layer's requantisation arrays, in L3 when ``dory.memory.l3`` lists ``requant``,
  else in L2) and ``staging = {offset, size}`` (the L2 staging area for its L3 data).
- On ``func.func``: ``dory.alloc = {l2_peak, l2_lower_bound, l3_peak}`` (``l3_peak`` is the L3
  arena's top), and ``dory.arg_alloc = [{offset, size}, ...]``, one per argument.
- On each layer op with ``dory.tile``: ``dory.l1 = {input = [a, b], weight = [c, d], output =
  [e, f], params = g, scratch = h, total = T}`` (offsets; ``total`` is the L1 bytes used).

Errors (located, with expected/found): options that are not positive, IR not planned by
``assign-memory`` (tensor types, a missing ``dory.memory``), ops that are not dory ops, a
malformed ``dory.tile``, an L2 or L3 arena over its budget, an L1 layout over the L1 budget.

Buffers, sizes and lifetimes come from ``passes.assign_memory``'s `MemoryPlan`; the L1 sizes
from ``passes.tiling``'s `geometry` and `l1_sizes_of` against the ``target`` option's target
(imported on purpose, so the layout and the tiler agree on every byte).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Callable, ClassVar, Sequence

from dory.backends.target import Target
from dory.dory_ir.attributes import ArrayAttr, Attribute, DialectAttr, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.dialects import dory
from dory.dory_ir.dialects.func import FuncOp
from dory.dory_ir.types import MemRefType
from dory.passes.assign_memory import ACTIVATION, ALIGN, L2, L3, WEIGHT, MemoryPlan, align
from dory.passes.base import ModulePass, PassContext, PassFailed
from dory.passes.exact_packing import BUDGET, FOUND, search
from dory.passes.target_option import MemoryBudgets
from dory.passes.tile import tile_buffering
from dory.passes.tiling import L1Sizes, geometry, l1_sizes_of

ALLOC = "dory.alloc"
ARG_ALLOC = "dory.arg_alloc"
L1_ATTR = "dory.l1"
TILE = "dory.tile"
MEMORY = "dory.memory"

# Local-search budget: neighbour swaps tried when the greedy orders miss the bound and the exact
# search gives up (bounded so big graphs stay fast).
_SEARCH_STEPS = 300
_SEARCH_SEED = 0
# Exact-search budget per target peak (passes/exact_packing.py): solver calls (one lazy clause
# each) and conflicts per call. The plans the greedy orders missed took 24 calls (MobileNetV2-1.0-128's
# re-plan beside its measured L2 reserve, 16 ms) and 87 (MobileNetV2-1.0-224's); a call is a few ms on ~150 buffers, so the
# budget bounds a pathological case to seconds. Deterministic: the same input ends the same way.
_EXACT_ROUNDS = 2000
_EXACT_CONFLICTS = 20000


# ----------------------------------------------------------------------------------------------
# Interval packing
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Interval:
    """One buffer to place: a size (already aligned) live over steps ``[start, end]``.
    ``key`` identifies it to the caller and breaks ties deterministically."""

    key: int
    start: int
    end: int
    size: int

    def meets(self, other: "Interval") -> bool:
        """Do the two lifetimes intersect (so the buffers may not share bytes)?"""
        return self.start <= other.end and other.start <= self.end


@dataclass
class Packing:
    """Offsets by interval key and the arena size they need (the highest buffer end);
    ``optimal``: no packing of the same intervals has a lower peak (the peak is the lower bound,
    or the exact search proved every lower peak infeasible)."""

    offsets: dict[int, int] = field(default_factory=dict)
    peak: int = 0
    optimal: bool = True


def lower_bound(items: Sequence[Interval]) -> int:
    """The most bytes live at any one step: no packing can have a smaller peak."""
    if not items:
        return 0
    events: dict[int, int] = {}
    for it in items:
        events[it.start] = events.get(it.start, 0) + it.size
        events[it.end + 1] = events.get(it.end + 1, 0) - it.size
    live = best = 0
    for t in sorted(events):
        live += events[t]
        best = max(best, live)
    return best


def _place(order: Sequence[Interval], best_fit: bool, base: int) -> Packing:
    """Greedy placement in ``order`` from offset ``base`` up: each interval goes into a gap
    between the placed intervals whose lifetimes meet its own (the lowest gap that fits, or with
    ``best_fit`` the smallest, lowest on ties), else on top of them."""
    placed: list[tuple[Interval, int]] = []
    out = Packing(peak=base)
    for it in order:
        busy = sorted((off, off + p.size) for p, off in placed if p.meets(it))
        cur = base
        chosen: int | None = None
        chosen_gap = math.inf
        for lo, hi in busy:
            gap = lo - cur
            if gap >= it.size:
                if not best_fit:
                    chosen = cur
                    break
                if gap < chosen_gap:
                    chosen, chosen_gap = cur, gap
            cur = max(cur, hi)
        if chosen is None:
            chosen = cur
        placed.append((it, chosen))
        out.offsets[it.key] = chosen
        out.peak = max(out.peak, chosen + it.size)
    return out


_ORDERS: tuple[Callable[[Interval], tuple[int, ...]], ...] = (
    lambda i: (-i.size, i.start, i.key),
    lambda i: (-i.size * (i.end - i.start + 1), i.start, i.key),
    lambda i: (i.start, -i.size, i.key),
    lambda i: (-(i.end - i.start), -i.size, i.key),
    lambda i: (-i.end, -i.size, i.key),
)


def pack(items: Sequence[Interval], search_steps: int = _SEARCH_STEPS) -> Packing:
    """Place ``items`` (distinct keys) so that no two with intersecting lifetimes share a byte,
    with a small peak; deterministic. See the module docstring for the method."""
    if not items:
        return Packing()
    # Whole-program intervals sit at the bottom (optimal, see the module docstring).
    first = min(i.start for i in items)
    last = max(i.end for i in items)
    always = sorted((i for i in items if i.start == first and i.end == last), key=lambda i: (-i.size, i.key))
    rest = [i for i in items if not (i.start == first and i.end == last)]
    out = Packing()
    base = 0
    for it in always:
        out.offsets[it.key] = base
        base += it.size
    bound = lower_bound(items)
    best: Packing | None = None
    best_order: list[Interval] = []
    best_policy = False
    for key in _ORDERS:
        order = sorted(rest, key=key)
        for policy in (False, True):
            p = _place(order, policy, base)
            if best is None or p.peak < best.peak:
                best, best_order, best_policy = p, order, policy
            if best.peak <= bound:
                break
        if best is not None and best.peak <= bound:
            break
    assert best is not None
    optimal = best.peak <= bound
    if not optimal:
        best, optimal = _exact(rest, base, bound, best)
    if not optimal:
        best = _local_search(best, best_order, best_policy, base, bound, search_steps)
    out.offsets.update(best.offsets)
    out.peak = max(base, best.peak)
    out.optimal = optimal
    return out


def _exact(rest: Sequence[Interval], base: int, bound: int, best: Packing) -> tuple[Packing, bool]:
    """The greedy ``best`` missed the lower ``bound``: look for a packing of ``rest`` above
    ``base`` at the bound with the exact search (`passes.exact_packing`, started from ``best``);
    when that is proven infeasible, bisect between the bound and ``best``'s peak for the least
    feasible peak. Returns the best packing found and whether its peak is proven minimal (False
    when a search ran out of its budget)."""
    items = [(i.key, i.start, i.end, i.size) for i in rest]
    hint = {k: o - base for k, o in best.offsets.items()}
    infeasible = bound - ALIGN  # the highest peak known to be infeasible
    target = bound
    while best.peak - infeasible > ALIGN:
        r = search(items, target - base, hint, _EXACT_ROUNDS, _EXACT_CONFLICTS)
        if r.status == BUDGET:
            return best, False
        if r.status == FOUND:
            offs = {k: o + base for k, o in r.offsets.items()}
            best = Packing(offs, max(o + i.size for i, o in zip(rest, (offs[i.key] for i in rest))))
            hint = r.offsets
        else:
            infeasible = target
        target = align((infeasible + best.peak) // 2 + 1)
        target = min(max(target, infeasible + ALIGN), best.peak - ALIGN)
    return best, True


def _local_search(best: Packing, best_order: list[Interval], best_policy: bool, base: int, bound: int,
                  search_steps: int) -> Packing:
    """Seeded local search from the greedy's best order: swap two buffers, keep the swap if it is
    no worse (sideways moves let it cross plateaus). Fixed seed and step count: deterministic.
    The fallback when the exact search runs out of budget."""
    rng = random.Random(_SEARCH_SEED)
    n = len(best_order)
    if n >= 2:
        for _ in range(search_steps):
            if best.peak <= bound:
                break
            a, b = rng.randrange(n), rng.randrange(n)
            if a == b:
                continue
            order = list(best_order)
            order[a], order[b] = order[b], order[a]
            p = _place(order, best_policy, base)
            if p.peak <= best.peak:
                best, best_order = p, order
    return best


# ----------------------------------------------------------------------------------------------
# Buffers of a planned function
# ----------------------------------------------------------------------------------------------


@dataclass
class Slot:
    """A buffer to allocate: its level, exact size, lifetime, and what owns it (for the
    attributes): an activation/weight buffer of the plan, a layer's requant arrays, or a layer's
    staging area."""

    key: int
    level: str
    nbytes: int
    start: int
    end: int
    kind: str  # "value", "requant" or "staging"
    op: Operation | None = None  # the layer of a requant/staging slot
    values: list[Value] = field(default_factory=list)

    def interval(self) -> Interval:
        """The slot as a packing interval (size rounded up to the alignment)."""
        return Interval(self.key, self.start, self.end, align(self.nbytes))


def _level_of(v: Value, where: Operation) -> str:
    """The memory level ``assign-memory`` gave a value (its memref space)."""
    t = v.type
    if not isinstance(t, MemRefType) or not isinstance(t.memory_space, DialectAttr) or t.memory_space.name not in (L2, L3):
        raise PassFailed(
            where,
            f"cannot allocate this value: expected a memref in #dory.l2 or #dory.l3 (run 'assign-memory' first), found '{t}'",
        )
    return t.memory_space.name


def _memory_record(op: Operation) -> dict[str, Attribute]:
    """``assign-memory``'s ``dory.memory`` record of a layer or concat (required: it holds the
    staging size and which of the op's data are in L3)."""
    rec = op.attributes.get(MEMORY)
    if not isinstance(rec, DictAttr):
        raise PassFailed(op, f"cannot allocate this op's buffers: expected a '{MEMORY}' attribute (run 'assign-memory' first), found none")
    return rec.as_dict()


def collect_slots(func: Operation) -> tuple[MemoryPlan, list[Slot]]:
    """The buffers of a planned ``func`` with levels taken from the IR (types, ``dory.memory``)."""
    plan = MemoryPlan(func)  # builds buffers and lifetimes; raises on non-dory ops
    slots: list[Slot] = []
    rq_step = {id(b): t for t, b in plan.requant_of.items()}
    for b in plan.buffers:
        if b.kind == ACTIVATION or (b.kind == WEIGHT and b.values):
            where = b.values[0].op if hasattr(b.values[0], "op") else func  # type: ignore[attr-defined]
            level = _level_of(b.values[0], where)
            slots.append(Slot(len(slots), level, b.nbytes, b.start, b.end, "value", values=list(b.values)))
        else:  # a layer's requant arrays: no value of their own; their level is in dory.memory
            op = plan.steps[rq_step[id(b)]]
            l3roles = _memory_record(op).get("l3")
            in_l3 = isinstance(l3roles, ArrayAttr) and any(isinstance(s, StringAttr) and s.value == "requant" for s in l3roles.values)
            slots.append(Slot(len(slots), L3 if in_l3 else L2, b.nbytes, b.start, b.end, "requant", op=op))
    for t, op in enumerate(plan.steps):
        if isinstance(op, dory.ReshapeOp):
            continue
        staging = _memory_record(op).get("staging_bytes")
        nbytes = staging.value if isinstance(staging, IntegerAttr) else 0
        if nbytes > 0:
            slots.append(Slot(len(slots), L2, int(nbytes), t, t, "staging", op=op))
    return plan, slots


# ----------------------------------------------------------------------------------------------
# L1 layout
# ----------------------------------------------------------------------------------------------


def _tile_sizes(op: Operation) -> dict[str, int]:
    tile = op.attributes.get(TILE)
    l1 = tile.as_dict().get("l1") if isinstance(tile, DictAttr) else None
    if not isinstance(l1, DictAttr):
        raise PassFailed(op, f"cannot lay out L1: expected '{TILE}' to hold an 'l1' dictionary of tile sizes, found '{tile}'")
    d = l1.as_dict()
    out: dict[str, int] = {}
    for key in ("c_out", "h_out", "w_out", "c_in"):
        v = d.get(key)
        if not isinstance(v, IntegerAttr) or v.value <= 0:
            found = "none" if v is None else f"'{v}'"
            raise PassFailed(op, f"cannot lay out L1: expected '{TILE}' l1.{key} to be a positive integer, found {found}")
        out[key] = int(v.value)
    return out


def _single(op: Operation) -> bool:
    """Whether ``op``'s ``dory.tile`` asks for single buffering (`passes.tile.tile_buffering`)."""
    tile = op.attributes.get(TILE)
    if not isinstance(tile, DictAttr):
        return False
    try:
        return tile_buffering(tile)
    except ValueError as e:
        raise PassFailed(op, f"cannot lay out L1: {e}") from None


def l1_sizes(op: Operation, tile: dict[str, int], hw: Target | None = None, single: bool | None = None) -> L1Sizes:
    """The L1 buffers of layer ``op`` for tile ``tile`` on target ``hw`` (default: the default
    target): the ``tile`` pass's own footprint model (`passes.tiling.l1_sizes_of`), so the layout
    holds exactly what the tiler budgeted; single buffered (one copy of every buffer) when
    ``single``, or by default when ``op``'s ``dory.tile`` says ``buffering = "single"``."""
    if single is None:
        single = _single(op)
    return l1_sizes_of(geometry(op), (tile["c_out"], tile["h_out"], tile["w_out"], tile["c_in"]), hw, single=single)


def l1_layout(sizes: L1Sizes) -> dict[str, int | tuple[int, int]]:
    """Contiguous 4-byte-aligned offsets: input ping/pong, weight ping/pong, output ping/pong,
    params, scratch; ``total`` is the end of the last buffer. A buffer loaded once has
    pong = ping; double-buffered parameters keep their pong copy right after the ping one
    (at ``params`` + their aligned size)."""
    cur = 0

    def take(n: int, copies: int) -> tuple[int, int]:
        nonlocal cur
        ping = cur
        cur += align(n)
        pong = ping
        if copies == 2:
            pong = cur
            cur += align(n)
        return ping, pong

    layout: dict[str, int | tuple[int, int]] = {}
    layout["input"] = take(sizes.input, sizes.inputs)
    layout["weight"] = take(sizes.weight, sizes.weights)
    layout["output"] = take(sizes.output, sizes.acts)
    layout["params"] = take(sizes.params, sizes.weights)[0]
    layout["scratch"] = take(sizes.scratch, 1)[0]
    layout["total"] = cur
    return layout


# ----------------------------------------------------------------------------------------------
# The pass
# ----------------------------------------------------------------------------------------------


def _i64(v: int) -> IntegerAttr:
    """An ``i64`` integer attribute."""
    return IntegerAttr(int(v))


def _ofs(offset: int, size: int) -> DictAttr:
    """``{offset, size}`` of one buffer."""
    return DictAttr.of({"offset": _i64(offset), "size": _i64(size)})


@dataclass
class FuncAllocation:
    """The result for one function: slots, offsets, peaks and bounds per level."""

    func: Operation
    plan: MemoryPlan
    slots: list[Slot]
    offsets: dict[int, int]
    l2_peak: int
    l2_lower_bound: int
    l3_peak: int
    l3_lower_bound: int


def allocate_function(func: Operation) -> FuncAllocation:
    """Pack the L2 and L3 buffers of a planned ``func`` (no IR change)."""
    plan, slots = collect_slots(func)
    offsets: dict[int, int] = {}
    peaks: dict[str, tuple[int, int]] = {}
    for level in (L2, L3):
        items = [s.interval() for s in slots if s.level == level]
        p = pack(items)
        offsets.update(p.offsets)
        peaks[level] = (p.peak, lower_bound(items))
    return FuncAllocation(func, plan, slots, offsets, peaks[L2][0], peaks[L2][1], peaks[L3][0], peaks[L3][1])


def _overflow_op(fa: FuncAllocation, level: str) -> Operation:
    """Where to report an overflow: the step where the most bytes are live."""
    steps = fa.plan.steps
    if not steps:
        return fa.func
    live = [0] * len(steps)
    for s in fa.slots:
        if s.level == level:
            for t in range(s.start, min(s.end, len(steps) - 1) + 1):
                live[t] += align(s.nbytes)
    return steps[max(range(len(steps)), key=lambda t: (live[t], -t))]


def apply_allocation(fa: FuncAllocation) -> None:
    """Write the ``dory.alloc`` attributes of one function (schema in the module docstring)."""
    func = fa.func
    block = fa.plan.block
    for op in block.ops:
        op.attributes.pop(ALLOC, None)
    func.attributes.pop(ARG_ALLOC, None)
    per_op: dict[int, dict[str, Attribute]] = {}
    arg_alloc: dict[int, DictAttr] = {}
    for s in fa.slots:
        off = fa.offsets[s.key]
        if s.kind == "value":
            for v in s.values:
                owner = getattr(v, "op", None)
                if owner is None:
                    arg_alloc[v.index] = _ofs(off, s.nbytes)  # type: ignore[attr-defined]
                else:
                    per_op.setdefault(id(owner), {}).update({"offset": _i64(off), "size": _i64(s.nbytes)})
        else:
            assert s.op is not None
            per_op.setdefault(id(s.op), {})[s.kind] = _ofs(off, s.nbytes)
    for op in block.ops:
        entries = per_op.get(id(op))
        if entries:
            op.attributes[ALLOC] = DictAttr.of(entries)
    if block.args:
        func.attributes[ARG_ALLOC] = ArrayAttr(tuple(arg_alloc[a.index] for a in block.args))
    func.attributes[ALLOC] = DictAttr.of(
        {"l2_peak": _i64(fa.l2_peak), "l2_lower_bound": _i64(fa.l2_lower_bound), "l3_peak": _i64(fa.l3_peak)}
    )


@dataclass(frozen=True)
class AllocateBuffersPass(MemoryBudgets, ModulePass):
    """Give every L2/L3 buffer a static offset (lifetime-aware packing) and lay out each tiled layer's L1 buffers."""

    name: ClassVar[str] = "allocate-buffers"


    def apply(self, ctx: PassContext, module: Operation) -> None:
        hw, l1_budget, l2_budget, l3_budget = self.budgets(module)
        funcs = [op for op in module.walk() if isinstance(op, FuncOp) and op.regions and op.regions[0].blocks]
        # Compute everything before writing anything, so a failure leaves the module untouched.
        allocs = [allocate_function(f) for f in funcs]
        layouts: list[tuple[Operation, dict[str, int | tuple[int, int]] | None]] = []
        for fa in allocs:
            if fa.l2_peak > l2_budget:
                raise PassFailed(
                    _overflow_op(fa, L2),
                    f"L2 overflow: expected the L2 arena to fit {l2_budget} bytes (the budget), found a peak of "
                    f"{fa.l2_peak} bytes (lower bound {fa.l2_lower_bound}, the most bytes live at once, reached here)",
                )
            if fa.l3_peak > l3_budget:
                raise PassFailed(
                    _overflow_op(fa, L3),
                    f"L3 overflow: expected the L3 arena to fit {l3_budget} bytes (the budget), found a peak of "
                    f"{fa.l3_peak} bytes (lower bound {fa.l3_lower_bound}, the most bytes live at once, reached here)",
                )
            for op in fa.plan.steps:
                if not isinstance(op, dory.LAYER_OPS) or TILE not in op.attributes:
                    layouts.append((op, None))
                    continue
                sizes = l1_sizes(op, _tile_sizes(op), hw)
                layout = l1_layout(sizes)
                total = int(layout["total"])  # type: ignore[arg-type]
                if total > l1_budget:
                    raise PassFailed(
                        op,
                        f"L1 overflow: expected the tile buffers to fit {l1_budget} bytes (the L1 budget), found {total} "
                        f"(input {sizes.inputs} x {sizes.input}, weight {sizes.weights} x {sizes.weight}, output {sizes.acts} x {sizes.output}, "
                        f"params {sizes.weights} x {sizes.params}, scratch {sizes.scratch}, each 4-byte aligned)",
                    )
                layouts.append((op, layout))
        for fa in allocs:
            apply_allocation(fa)
        for op, layout in layouts:
            op.attributes.pop(L1_ATTR, None)
            if layout is None:
                continue
            entries: dict[str, Attribute] = {}
            for key, v in layout.items():
                if isinstance(v, tuple):
                    entries[key] = ArrayAttr((_i64(v[0]), _i64(v[1])))
                else:
                    entries[key] = _i64(v)
            op.attributes[L1_ATTR] = DictAttr.of(entries)


__all__ = [
    "AllocateBuffersPass",
    "Interval",
    "Packing",
    "Slot",
    "L1Sizes",
    "FuncAllocation",
    "align",
    "pack",
    "lower_bound",
    "collect_slots",
    "allocate_function",
    "l1_sizes",
    "l1_layout",
]
