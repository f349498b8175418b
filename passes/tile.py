"""``tile``: choose the L2->L1 tile of every layer (and the L3->L2 tile where ``assign-memory``
asks for one) with a SAT solver, under the cost model of the target named by the ``target``
option (`backends.target.Target`; default: the default target).

Input: functions of ``dory`` layer ops after ``assign-memory``. Output: the same IR with the
discardable attribute ``dory.tile`` on every layer op, exactly as docs/tiling-schema.md says::

    {dory.tile = {l1 = {c_out, h_out, w_out, c_in}, buffering = "single"?, n_tiles, l1_bytes, cycles, sat_calls,
                  solve_ms?, l3 = {c_out, h_out}?}}

*Buffering*: the search chooses, per layer, the tile together with double buffering (the
default, no ``buffering`` entry: byte-identical IR for such layers) or single buffering (every L1
buffer one copy, the steps serial: bigger tiles, no overlap; ``buffering = "single"``), whichever
the cost model prefers (`passes.tiling.sat.solve`). `tile_buffering` reads the entry back (the
allocator's layout, a plan that sets ``dory.tile`` itself).

The pass only adds attributes, so the semantics of the IR are unchanged. The model (geometry,
footprint, cycles, candidate space) is described in `passes.tiling`, the SAT encoding in
`passes.tiling.sat`; this module holds the pass, the L3 tile and the attribute.

*L3 tile* (where ``dory.memory``'s ``l3_tiling`` is non-empty): weights, bias and requant arrays
are tiled over output channels, activations over rows. The candidates are the (c_out, h_out)
pairs whose double-buffered staging fits the ``staging_bytes`` that ``assign-memory`` recorded
(`l3_candidates`); the L3 tile and the L1 tile within it are chosen together, minimizing the
layer's total modelled cycles with its L3 staging (`passes.tiling.l3search`: every candidate
evaluated or bounded out; ties to the fewest L3 tiles, then the largest). ``sat_calls`` then
counts the solver calls of every L1 solve the joint search made. A plan's layer keeps the rule's
L3 tile (`l3_tile`: the fewest L3 tiles, then the largest) and its L1 tile must lie within it.

*Plans* (``plan=FILE``, docs/tile-plans.md; `passes.tiling.plans`): the layers a plan names, by
deployed index or op name, take its L1 tile as written (never clamped) once `plan_tile_problem`
accepts it (extents, input channels, within the layer's L3 tile, the L1 budget with the entry's
buffering); the others are searched. A rejected entry fails at its ``file:line:col``, naming the
layer; so does a key that names no layer.

Errors (`PassFailed`, located at the op): a layer whose smallest tiling does not fit the L1
budget (the message gives the smallest L1 it needs and that tile), a non-positive ``l1-bytes``,
an unknown ``target``, and ops the pass cannot read (run ``fuse`` and ``assign-memory`` first).
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import ClassVar

from dory.backends.target import Target
from dory.dory_ir.attributes import ArrayAttr, Attribute, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation
from dory.dory_ir.dialects import dory
from dory.passes.base import ModulePass, PassContext, PassFailed
from dory.passes.target_option import TargetOption, over_hardware, resolve_target
from dory.passes.tiling import (
    LAYERS,
    Evaluation,
    Geometry,
    L1Sizes,
    NoFit,
    Solution,
    brute_force,
    candidate_space,
    candidates,
    cycles_floor,
    evaluate,
    geometry,
    l1_sizes_of,
    solve,
    staged_cycles,
)
from dory.passes.tiling.l3search import rounded_block, shared_memo, staging_candidates
from dory.passes.tiling.plans import BUFFERINGS, PlanEntry, read_plan, tile_text

ATTR = "dory.tile"
DIMS = ("c_out", "h_out", "w_out", "c_in")
BUFFERING = "buffering"
"""The ``dory.tile`` entry of a single-buffered layer: ``buffering = "single"`` (absent: double)."""


def tile_buffering(tile: DictAttr) -> bool:
    """Whether a ``dory.tile`` attribute asks for single buffering (``buffering = "single"``; an
    absent entry or ``"double"``: double buffering). ValueError on another value, with the
    expected/found text of a located error."""
    v = tile.as_dict().get(BUFFERING)
    if v is None:
        return False
    if not isinstance(v, StringAttr) or v.value not in BUFFERINGS:
        raise ValueError(f"expected '{ATTR}' {BUFFERING} to be \"single\" or \"double\", found '{v}'")
    return v.value == "single"


# -- L3 tiles -----------------------------------------------------------------------------------


def l3_candidates(op: Operation, g: Geometry, hw: Target) -> list[dict[str, int]] | None:
    """The L3->L2 tiles the op may use where ``dory.memory`` lists ``l3_tiling`` roles, else None:
    every candidate (c_out, h_out) whose double-buffered staging fits the recorded
    ``staging_bytes`` (less what the op's untiled L3 data take, staged whole), fewest L3 tiles
    first, then the largest (the joint search's tie-break order); candidates step by ``hw``'s
    SIMD lanes (channels) and cores (rows), as the L1 tile's do. When none fits, the smallest
    tile alone (the L1 search then reports what does not fit)."""
    mem = op.attributes.get("dory.memory")
    if not isinstance(mem, DictAttr):
        return None
    entries = dict(mem.entries)
    roles = [r.value for r in entries["l3_tiling"].values] if isinstance(entries.get("l3_tiling"), ArrayAttr) else []  # type: ignore[attr-defined]
    if not roles:
        return None
    staging = int(entries["staging_bytes"].value) if isinstance(entries.get("staging_bytes"), IntegerAttr) else 0  # type: ignore[attr-defined]
    in_l3 = [r.value for r in entries["l3"].values] if isinstance(entries.get("l3"), ArrayAttr) else []  # type: ignore[attr-defined]
    return staging_candidates(g, hw, staging, in_l3, roles)


def l3_tile(op: Operation, g: Geometry, hw: Target) -> dict[str, int] | None:
    """The rule's L3->L2 tile (a plan's layers use it; searched layers choose theirs jointly with
    the L1 tile, `passes.tiling.l3search`): the first of `l3_candidates`, the one with the fewest
    L3 tiles, then the largest; None where the op has no ``l3_tiling``."""
    cands = l3_candidates(op, g, hw)
    return cands[0] if cands else None



def _i64(v: int) -> IntegerAttr:
    return IntegerAttr(int(v))


def l3_roles(op: Operation) -> list[str]:
    """The roles of ``op``'s data whose home is L3 (``dory.memory``'s ``l3``; none without it)."""
    mem = op.attributes.get("dory.memory")
    if not isinstance(mem, DictAttr):
        return []
    l3 = dict(mem.entries).get("l3")
    return [r.value for r in l3.values] if isinstance(l3, ArrayAttr) else []  # type: ignore[attr-defined]


def tile_attr(sol: Solution, g: Geometry, l3: dict[str, int] | None, record_time: bool = False,
              cycles: int | None = None) -> DictAttr:
    """The ``dory.tile`` attribute of docs/tiling-schema.md. The solver effort is recorded as
    ``sat_calls`` (deterministic); wall time (``solve_ms``) only on request, because it differs
    from run to run and the same input must give byte-identical IR. ``cycles``: the layer's
    modelled cycles with its L3 transfers (`passes.tiling.cost.l3_cycles`), default the L1 tile's."""
    c, h, w, k = sol.best.tile
    entries: dict[str, Attribute] = {
        # c_in: the schema's count of the input tensor's channels; a grouped conv's geometry (and the
        # tile k) count one group's, and its kernel takes every group's (no partial sums)
        "l1": DictAttr.of({"c_out": _i64(c), "h_out": _i64(h), "w_out": _i64(w),
                           "c_in": _i64(c if g.cin_follows_cout else k if g.split_cin else k * g.groups)}),
        "n_tiles": _i64(sol.best.n_tiles),
        "l1_bytes": _i64(sol.best.l1_bytes),
        "cycles": _i64(sol.best.cycles if cycles is None else cycles),
        "sat_calls": _i64(sol.sat_calls),
    }
    if sol.best.single:  # only then: a double-buffered layer's attribute stays as it was
        entries[BUFFERING] = StringAttr("single")
    if record_time:
        entries["solve_ms"] = _i64(sol.solve_ms)
    if l3 is not None:
        entries["l3"] = DictAttr.of({k2: _i64(v) for k2, v in l3.items()})
    return DictAttr.of(entries)


def _loc_name(op: Operation) -> str:
    """The op's location name (its ONNX node name: how the steps are named), else ''."""
    name = getattr(getattr(op, "loc", None), "name", None)
    return name if isinstance(name, str) else ""


_tile_text = tile_text


def _layer_text(op: Operation, index: int) -> str:
    """How a plan error names the layer: its deployed index, op name (ONNX node) and op, with
    the op's file:line:col when it has one (IR text)."""
    name = _loc_name(op)
    where = f" at {op.loc.file}:{op.loc.line}:{op.loc.col}" if getattr(op.loc, "line", 0) else ""
    return f"layer {index}" + (f" '{name}'" if name else "") + f" ({op.op_name}{where})"


def _names_hint(layers: list[Operation]) -> str:
    """The first few layers' op names, for an error about a plan key that names none."""
    names = [n for n in (_loc_name(op) for op in layers) if n]
    return ", ".join(names[:4]) + (", ..." if len(names) > 4 else "") if names else "none named"


def plan_tile_problem(g: Geometry, tile: tuple[int, int, int, int], l3: dict[str, int] | None, l1: int, hw: Target,
                      single: bool = False) -> str | None:
    """Why layer ``g`` cannot run the L1 tile ``tile`` as given (never clamped), else None: a
    dimension beyond the layer's extent, a ``c_in`` its kernel does not take (all input channels
    unless it accumulates partial sums; ``c_out`` where input channels follow output channels),
    a tile outside the layer's L3 tile (what its L2 staging holds), or more L1 than ``l1`` with
    the given buffering (needed vs available bytes)."""
    c, h, w, k = tile
    for d, v, n in zip(DIMS, tile, (g.co, g.ho, g.wo, g.ci)):
        if v > n and not (d == "c_in" and g.cin_follows_cout):
            return f"tile {d}={v} exceeds the layer's {d} extent {n}"
    if g.cin_follows_cout and k != c:
        return f"expected c_in = c_out (its input channels follow its output channels), found c_out={c}, c_in={k}"
    if not g.cin_follows_cout and not g.split_cin and k != g.ci:
        return f"expected c_in={g.ci} (its kernel takes all its input channels), found c_in={k}"
    if l3 is not None and (c > l3["c_out"] or h > l3["h_out"]):
        return (f"tile ({tile_text(tile)}) exceeds its L3 tile (c_out={l3['c_out']}, h_out={l3['h_out']}: what its "
                f"L2 staging holds); the L1 tile must lie within it")
    sizes = l1_sizes_of(g, tile, hw, single=single)
    if sizes.total > l1:
        how = "one tile" if sizes.acts == 1 else "single buffered" if single else "double buffered"
        return (f"tile ({tile_text(tile)}) does not fit L1: needs {sizes.total} bytes ({how}), {l1} available "
                f"(over by {sizes.total - l1} bytes)")
    return None


def planned_attr(op: Operation, index: int, g: Geometry, l3: dict[str, int] | None, entries: list[PlanEntry],
                 l1: int, hw: Target) -> DictAttr:
    """The ``dory.tile`` of layer ``op`` (deployed index ``index``) whose tile a plan gives
    (``entries``: the plan's entries naming it, by index or by name): the tile as written, once
    `plan_tile_problem` finds nothing wrong with it; the L3 channel block is then rounded to
    whole L1 tiles as for a searched tile. Each failure is a `PassFailed` at the plan entry,
    naming the layer."""
    e = entries[0]
    what = _layer_text(op, index)
    if len(entries) > 1:
        raise PassFailed(entries[1].loc, f"{entries[1].describe()} is {what}, planned already at line {e.loc.line}")
    problem = plan_tile_problem(g, e.tile, l3, l1, hw, e.single)
    if problem:
        raise PassFailed(e.loc, f"{what}: {problem}")
    ev = evaluate(g, e.tile, hw, single=e.single)  # a one-tile layer evaluates as double (one copy either way)
    c = e.tile[0]
    if l3:
        l3 = rounded_block(g, l3, c)
    cycles = staged_cycles(g, l3_roles(op), l3, ev, hw)
    return tile_attr(Solution(ev, 0), g, l3, cycles=cycles)


@dataclass(frozen=True)
class TilePass(TargetOption, ModulePass):
    """Choose L2->L1 (and L3->L2) tiles of every layer by SAT under the target's cost model."""

    name: ClassVar[str] = "tile"

    l1_bytes: int | None = field(default=None, metadata={"doc": "L1 bytes available to a layer's tiles (default: the target's L1 budget)"})
    record_solve_time: bool = field(default=False, metadata={"doc": "also record solve_ms (makes the IR run-dependent)"})
    buffering: str = field(default="auto", metadata={
        "doc": "auto (the search picks double or single buffering per layer), double or single (every layer "
               "so: measurements of one buffering, bench/gvsoc/buffering.py)"})
    caps: tuple[str, ...] = field(default=(), metadata={
        "doc": "per named layer, caps on its L1 tile: NAME:C or NAME:C:H (c_out at most C, h_out at most H; "
               "0: uncapped); the calibration's tile variants (bench/gvsoc/calibrate.py)"})
    space: str = field(default="candidates", metadata={
        "doc": "the tile space the solver proves its optimum over: candidates (passes.tiling.space's candidate "
               "space, fast) or legal (every legal tile, pruned by dominance; best-first, slower on the calibrated model)"})
    plan: str | None = field(default=None, metadata={
        "doc": "a tile plan file (docs/tile-plans.md): the layers it names take its L1 tile and buffering, "
               "the others are searched as usual"})
    plan_columns: str | None = field(default=None, metadata={
        "doc": "for a .csv plan (../shared/data/plans/): whose columns, dory (single buffered) or deeploy (double)"})

    def layer_caps(self) -> dict[str, dict[str, int]]:
        """``caps`` per layer name (the op's location name, as the steps are named): the c_out and
        h_out caps the solver applies besides the L3 tile's. ValueError on a malformed entry."""
        out: dict[str, dict[str, int]] = {}
        for entry in self.caps:
            name, _, rest = entry.partition(":")
            try:
                nums = [int(v) for v in rest.split(":")] if rest else []
            except ValueError:
                nums = []
            if not name or not 1 <= len(nums) <= 2 or any(v < 0 for v in nums) or name in out:
                raise ValueError(f"option 'caps' expected NAME:C or NAME:C:H (non-negative, each name once), found '{entry}'")
            out[name] = {d: v for d, v in zip(("c_out", "h_out"), nums) if v > 0}
        return out

    def apply(self, ctx: PassContext, module: Operation) -> None:
        if self.l1_bytes is not None and self.l1_bytes <= 0:
            raise PassFailed(module, f"option 'l1-bytes' expected a positive number of bytes, found {self.l1_bytes}")
        if self.space not in ("candidates", "legal"):
            raise PassFailed(module, f"option 'space' expected candidates or legal, found '{self.space}'")
        if self.buffering not in ("auto",) + BUFFERINGS:
            raise PassFailed(module, f"option 'buffering' expected auto, double or single, found '{self.buffering}'")
        single = None if self.buffering == "auto" else self.buffering == "single"
        hw = resolve_target(module, self.target)
        bad = over_hardware(hw, "l1-bytes", "l1", self.l1_bytes)
        if bad:
            raise PassFailed(module, bad)
        l1 = hw.l1_budget if self.l1_bytes is None else self.l1_bytes
        try:
            forced = self.layer_caps()
        except ValueError as e:
            raise PassFailed(module, str(e)) from None
        plan = read_plan(self.plan, self.plan_columns) if self.plan is not None else None
        used: set[PlanEntry] = set()
        decided: list[tuple[Operation, DictAttr]] = []
        layers = [op for op in module.walk() if isinstance(op, dory.LAYER_OPS)]
        memo = shared_memo()  # the L1 solves and joint searches: repeated layers, assign-memory's, a re-plan's
        for index, op in enumerate(layers):
            g = geometry(op)
            entries = plan.lookup(index, _loc_name(op)) if plan is not None else []
            if entries:
                used.update(entries)
                decided.append((op, planned_attr(op, index, g, l3_tile(op, g, hw), entries, l1, hw)))
                continue
            caps = forced.get(_loc_name(op), {})
            cands = l3_candidates(op, g, hw)
            try:
                if cands:
                    # the L3 and L1 tiles together, by the layer's total cycles with its L3 staging
                    t0 = time.perf_counter()
                    choice = memo.joint(g, l3_roles(op), cands, l1, hw, caps, single=single, space=self.space)
                    sol = dataclasses.replace(choice.sol, sat_calls=choice.sat_calls,
                                              solve_ms=int(round((time.perf_counter() - t0) * 1000)))
                    l3, cycles = choice.l3, choice.cycles
                else:
                    sol = memo(g, l1, hw, caps or None, single=single, space=self.space)
                    l3, cycles = None, staged_cycles(g, l3_roles(op), None, sol.best, hw)
            except NoFit as e:
                s = e.smallest
                raise PassFailed(
                    op,
                    f"cannot tile this layer in L1: expected a tiling within {l1} bytes, found the smallest "
                    f"needs {s.l1_bytes} bytes ({_tile_text(s.tile)}{', single buffered' if s.single else ''})",
                ) from None
            decided.append((op, tile_attr(sol, g, l3, self.record_solve_time, cycles)))
        if plan is not None:
            unused = [e for e in plan.entries if e not in used]
            if unused:
                e = unused[0]
                raise PassFailed(e.loc, f"{e.describe()} of the tile plan names no layer of the network "
                                        f"(layers 0-{len(layers) - 1}, or their op names: {_names_hint(layers)})")
        # Attributes are set only once every layer has a tiling: a failure leaves the IR untouched.
        for op, attr in decided:
            op.attributes[ATTR] = attr


# The analyses live in passes.tiling; they are re-exported here for the pass's existing users.
__all__ = [
    "TilePass", "l3_tile", "l3_candidates", "l3_roles", "tile_attr", "tile_buffering", "BUFFERING", "Geometry", "geometry", "evaluate", "l1_sizes_of", "L1Sizes", "candidate_space",
    "solve", "brute_force", "candidates", "cycles_floor", "NoFit", "Evaluation", "Solution",
]
