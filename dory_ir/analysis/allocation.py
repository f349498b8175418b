"""Overlapping buffers in an allocated function: two buffers live at the same step whose recorded
byte ranges (``dory.alloc`` / ``dory.arg_alloc``, docs/tiling-schema.md) intersect in the same
memory level.

The interpreter computes on values and ignores offsets, so a wrong allocation (two live buffers
sharing bytes: on the chip one overwrites the other) passes ``--verify-semantics``'s output check;
`overlaps` is the check it adds for allocated functions (driver/instrument.py). It recomputes the
lifetimes from the IR itself, not through ``allocate-buffers``' own model (`MemoryPlan`), so a
lifetime mistake there is caught rather than shared:

- the schedule is the body's ops but ``dory.weights`` and ``func.return``; op ``t`` is step ``t``;
- an activation (an op result, or a function argument from step 0) lives from its step to its
  last use (a value the function returns: to the last step); a ``dory.reshape`` result is a view
  of its input's buffer, so its uses extend that buffer's life (and its own ``dory.alloc`` must
  repeat the buffer's, else it is a buffer of its own and checked as one);
- weights and a layer's ``requant`` arrays live for the whole program, in the level of the
  weight's memref, resp. L3 when the layer's ``dory.memory.l3`` lists ``requant``, else L2;
- a layer's ``staging`` area lives during its own step, in L2.

Functions without a ``dory.alloc`` record (not allocated yet) have nothing to check.
"""

from __future__ import annotations

from dataclasses import dataclass

from dory.dory_ir.attributes import ArrayAttr, DialectAttr, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import BlockArgument, OpResult, Operation, Value
from dory.dory_ir.types import MemRefType

ALLOC = "dory.alloc"
ARG_ALLOC = "dory.arg_alloc"


@dataclass(frozen=True)
class Placed:
    """One buffer as recorded: what it is, its level, its live steps and its byte range."""

    what: str
    level: str
    start: int
    end: int
    offset: int
    size: int
    op: Operation

    def describe(self) -> str:
        return (f"{self.what} ({self.level.upper()} bytes [{self.offset}, {self.offset + self.size}), "
                f"live at steps {self.start}..{self.end})")


@dataclass(frozen=True)
class Overlap:
    """Two buffers live at once whose bytes intersect; ``step`` is the first step both are live."""

    first: Placed
    second: Placed
    step: int

    def message(self) -> str:
        return (f"buffers overlap: {self.second.describe()} and {self.first.describe()} are both live at step "
                f"{self.step} in the same memory")


def _int(d: DictAttr, key: str) -> int | None:
    v = d.as_dict().get(key)
    return int(v.value) if isinstance(v, IntegerAttr) else None


def _range(d: object) -> tuple[int, int] | None:
    """``{offset, size}`` of an alloc record, None when it is not one."""
    if not isinstance(d, DictAttr):
        return None
    offset, size = _int(d, "offset"), _int(d, "size")
    return None if offset is None or size is None else (offset, size)


def _level(v: Value) -> str | None:
    t = v.type
    if isinstance(t, MemRefType) and isinstance(t.memory_space, DialectAttr):
        return t.memory_space.name
    return None


def _requant_level(op: Operation) -> str:
    mem = op.attributes.get("dory.memory")
    l3 = mem.as_dict().get("l3") if isinstance(mem, DictAttr) else None
    in_l3 = isinstance(l3, ArrayAttr) and any(isinstance(s, StringAttr) and s.value == "requant" for s in l3.values)
    return "l3" if in_l3 else "l2"


def _name(v: Value, fallback: str) -> str:
    hint = getattr(v, "name_hint", None)
    return f"%{hint}" if hint else fallback


def placed_buffers(func: Operation) -> list[Placed]:
    """Every buffer of an allocated ``func`` with its recorded range and recomputed lifetime."""
    block = func.regions[0].blocks[0]
    ops = list(block.ops)
    steps = [op for op in ops if op.op_name not in ("dory.weights", "func.return")]
    last = max(len(steps) - 1, 0)
    step = {id(op): t for t, op in enumerate(steps)}
    alias: dict[Value, Value] = {}  # a reshape result -> the value whose buffer it views

    def root(v: Value) -> Value:
        while v in alias:
            v = alias[v]
        return v

    for op in steps:
        if op.op_name == "dory.reshape" and op.operands and _range(op.attributes.get(ALLOC)) == _alloc_of(func, op.operands[0]):
            alias[op.results[0]] = op.operands[0]
    life: dict[Value, list[int]] = {a: [0, 0] for a in block.args}
    for op in ops:
        if op.op_name == "dory.weights":
            continue
        t = last if op.op_name == "func.return" else step[id(op)]
        for v in op.operands:
            r = root(v)
            if r in life:
                life[r][1] = max(life[r][1], t)
        if op.op_name != "func.return":
            for r in op.results:
                if r not in alias:
                    life[r] = [t, t]

    out: list[Placed] = []
    for a in block.args:
        rng = _alloc_of(func, a)
        level = _level(a)
        if rng is not None and level is not None:
            out.append(Placed(_name(a, f"argument #{a.index}"), level, *life[a], *rng, func))
    for op in ops:
        al = op.attributes.get(ALLOC)
        if not isinstance(al, DictAttr):
            continue
        rng = _range(al)
        if op.op_name == "dory.weights":
            level = _level(op.results[0]) if op.results else None
            if rng is not None and level is not None:
                out.append(Placed(_name(op.results[0], "a weight"), level, 0, last, *rng, op))
            continue
        t = step.get(id(op))
        if t is None:
            continue
        for r in op.results[:1]:
            level = _level(r)
            if rng is not None and level is not None and r not in alias:
                out.append(Placed(f"{_name(r, op.op_name)} (step {t}'s result)", level, *life[r], *rng, op))
        d = al.as_dict()
        rq = _range(d.get("requant"))
        if rq is not None:
            out.append(Placed(f"step {t}'s requant arrays", _requant_level(op), 0, last, *rq, op))
        sg = _range(d.get("staging"))
        if sg is not None:
            out.append(Placed(f"step {t}'s staging area", "l2", t, t, *sg, op))
    return out


def _alloc_of(func: Operation, v: Value) -> tuple[int, int] | None:
    """The recorded range of ``v``'s buffer (its producer's, or the argument's)."""
    if isinstance(v, OpResult):
        return _range(v.op.attributes.get(ALLOC))
    if isinstance(v, BlockArgument):
        args = func.attributes.get(ARG_ALLOC)
        return _range(args.values[v.index]) if isinstance(args, ArrayAttr) and v.index < len(args.values) else None
    return None


def overlaps(func: Operation) -> list[Overlap]:
    """The pairs of buffers of ``func`` live at once in the same level with intersecting bytes
    (empty-sized buffers never overlap), in program order; empty when ``func`` is not allocated."""
    if not isinstance(func.attributes.get(ALLOC), DictAttr) or not func.regions or not func.regions[0].blocks:
        return []
    bufs = [b for b in placed_buffers(func) if b.size > 0]
    found = []
    for i, a in enumerate(bufs):
        for b in bufs[i + 1:]:
            if (a.level == b.level and a.start <= b.end and b.start <= a.end
                    and a.offset < b.offset + b.size and b.offset < a.offset + a.size):
                found.append(Overlap(a, b, max(a.start, b.start)))
    return sorted(found, key=lambda o: (o.step, o.second.start))
