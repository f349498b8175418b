"""IR core: SSA values with use lists, operations, blocks, regions and the op/dialect registry.

An `Operation` is generic (name, operands, results, properties, attributes, regions, location);
registered op classes subclass it to add named accessors, declarations and ``verify_()``. The
parser builds the registered class for a known op name, so passes can ``isinstance``-dispatch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Iterator, Sequence

from dory.dory_ir.attributes import Attribute
from dory.dory_ir.diagnostics import UNKNOWN, Location
from dory.dory_ir.types import Type


@dataclass(eq=False)
class Use:
    """One operand slot that reads a value: ``op.operands[index]``."""

    op: "Operation"
    index: int


class Value:
    """An SSA value: an op result or a block argument. ``name_hint`` keeps readable names
    (``%conv1``) through passes; the printer de-duplicates them."""

    __slots__ = ("type", "name_hint", "uses")

    def __init__(self, type_: Type, name_hint: str | None = None):
        self.type = type_
        self.name_hint = name_hint
        self.uses: list[Use] = []

    def replace_all_uses_with(self, new: "Value") -> None:
        for use in list(self.uses):
            use.op.set_operand(use.index, new)

    @property
    def has_uses(self) -> bool:
        return bool(self.uses)


class OpResult(Value):
    """Result number ``index`` of ``op``."""

    __slots__ = ("op", "index")

    def __init__(self, type_: Type, op: "Operation", index: int, name_hint: str | None = None):
        super().__init__(type_, name_hint)
        self.op = op
        self.index = index

    @property
    def owner(self) -> "Operation":
        return self.op


class BlockArgument(Value):
    """Argument number ``index`` of ``block``."""

    __slots__ = ("block", "index")

    def __init__(self, type_: Type, block: "Block", index: int, name_hint: str | None = None):
        super().__init__(type_, name_hint)
        self.block = block
        self.index = index

    @property
    def owner(self) -> "Block":
        return self.block


class Block:
    """A list of ops with typed arguments, inside a region."""

    def __init__(self, arg_types: Sequence[Type] = (), arg_names: Sequence[str | None] | None = None):
        names = list(arg_names) if arg_names is not None else [None] * len(arg_types)
        self.args: list[BlockArgument] = [
            BlockArgument(t, self, i, n) for i, (t, n) in enumerate(zip(arg_types, names))
        ]
        self.ops: list[Operation] = []
        self.parent: Region | None = None

    def add_op(self, op: "Operation") -> "Operation":
        op.parent = self
        self.ops.append(op)
        return op

    def insert_op(self, index: int, op: "Operation") -> "Operation":
        op.parent = self
        self.ops.insert(index, op)
        return op

    def insert_before(self, anchor: "Operation", op: "Operation") -> "Operation":
        return self.insert_op(self.ops.index(anchor), op)

    def insert_after(self, anchor: "Operation", op: "Operation") -> "Operation":
        return self.insert_op(self.ops.index(anchor) + 1, op)

    def remove_op(self, op: "Operation") -> None:
        self.ops.remove(op)
        op.parent = None

    @property
    def parent_op(self) -> "Operation | None":
        return self.parent.parent if self.parent is not None else None


class Region:
    """A list of blocks owned by an op (a function body, a module body)."""

    def __init__(self, blocks: Sequence[Block] = ()):
        self.blocks: list[Block] = []
        self.parent: Operation | None = None
        for b in blocks:
            self.add_block(b)

    def add_block(self, block: Block) -> Block:
        block.parent = self
        self.blocks.append(block)
        return block

    @property
    def block(self) -> Block:
        """The single block of a single-block region."""
        return self.blocks[0]


class Operation:
    """A generic operation. Subclasses set ``name`` and may declare operands/results/properties
    (see `dory_ir.opdef`) and override ``verify_``."""

    name: ClassVar[str] = ""
    # Declarations used by the generic verifier (dory_ir.opdef); None means "not checked".
    operand_defs: ClassVar[tuple | None] = None
    result_defs: ClassVar[tuple | None] = None
    property_defs: ClassVar[tuple] = ()
    region_count: ClassVar[int | None] = None
    traits: ClassVar[tuple] = ()
    # Generic ops (test.op, unregistered names) skip declaration checks.
    is_generic: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: object) -> None:
        """Generate the accessors of the class's declarations (`dory_ir.opdef.define_accessors`)."""
        super().__init_subclass__(**kwargs)
        from dory.dory_ir.opdef import define_accessors  # opdef builds on this module

        define_accessors(cls)

    def __init__(
        self,
        operands: Sequence[Value] = (),
        result_types: Sequence[Type] = (),
        properties: dict[str, Attribute] | None = None,
        attributes: dict[str, Attribute] | None = None,
        regions: Sequence[Region] = (),
        loc: Location = UNKNOWN,
        result_names: Sequence[str | None] | None = None,
        op_name: str | None = None,
    ):
        if op_name is not None:
            self.op_name = op_name
        else:
            self.op_name = type(self).name
        self.operands: list[Value] = []
        for v in operands:
            self._append_operand(v)
        names = list(result_names) if result_names is not None else [None] * len(result_types)
        self.results: list[OpResult] = [
            OpResult(t, self, i, n) for i, (t, n) in enumerate(zip(result_types, names))
        ]
        self.properties: dict[str, Attribute] = dict(properties or {})
        self.attributes: dict[str, Attribute] = dict(attributes or {})
        self.regions: list[Region] = []
        for r in regions:
            self.add_region(r)
        self.loc = loc
        self.parent: Block | None = None

    # -- structure ---------------------------------------------------------------------------
    def _append_operand(self, v: Value) -> None:
        if not isinstance(v, Value):
            raise TypeError(f"operand of {self.op_name} must be a Value, got {type(v).__name__}")
        v.uses.append(Use(self, len(self.operands)))
        self.operands.append(v)

    def set_operand(self, index: int, new: Value) -> None:
        old = self.operands[index]
        old.uses = [u for u in old.uses if not (u.op is self and u.index == index)]
        self.operands[index] = new
        new.uses.append(Use(self, index))

    def set_operands(self, values: Sequence[Value]) -> None:
        self.drop_operand_uses()
        self.operands = []
        for v in values:
            self._append_operand(v)

    def drop_operand_uses(self) -> None:
        for i, v in enumerate(self.operands):
            v.uses = [u for u in v.uses if not (u.op is self and u.index == i)]

    def add_region(self, region: Region) -> Region:
        region.parent = self
        self.regions.append(region)
        return region

    @property
    def result(self) -> OpResult:
        """The single result (asserts there is exactly one)."""
        if len(self.results) != 1:
            raise ValueError(f"'{self.op_name}' has {len(self.results)} results, not 1")
        return self.results[0]

    @property
    def parent_op(self) -> "Operation | None":
        return self.parent.parent_op if self.parent is not None else None

    def walk(self, reverse: bool = False) -> Iterator["Operation"]:
        """Pre-order walk of this op and everything nested in it (post-order if ``reverse``)."""
        if not reverse:
            yield self
        regions = reversed(self.regions) if reverse else self.regions
        for r in regions:
            blocks = reversed(r.blocks) if reverse else r.blocks
            for b in blocks:
                for op in list(reversed(b.ops) if reverse else b.ops):
                    yield from op.walk(reverse)
        if reverse:
            yield self

    def erase(self) -> None:
        """Detach from the parent block and drop operand uses; results must be unused."""
        for r in self.results:
            if r.uses:
                raise ValueError(f"erasing '{self.op_name}' whose result is still used")
        for nested in list(self.walk(reverse=True)):
            nested.drop_operand_uses()
        if self.parent is not None:
            self.parent.remove_op(self)

    def clone(self, value_map: dict[Value, Value] | None = None) -> "Operation":
        """Deep copy; operands are remapped through ``value_map`` (which the clone extends)."""
        vmap = value_map if value_map is not None else {}
        new = type(self).__new__(type(self))
        Operation.__init__(
            new,
            operands=[vmap.get(v, v) for v in self.operands],
            result_types=[r.type for r in self.results],
            properties=dict(self.properties),
            attributes=dict(self.attributes),
            loc=self.loc,
            result_names=[r.name_hint for r in self.results],
            op_name=self.op_name,
        )
        for old, res in zip(self.results, new.results):
            vmap[old] = res
        for region in self.regions:
            nr = Region()
            for b in region.blocks:
                nb = Block([a.type for a in b.args], [a.name_hint for a in b.args])
                for oa, na in zip(b.args, nb.args):
                    vmap[oa] = na
                nr.add_block(nb)
            for b, nb in zip(region.blocks, nr.blocks):
                for op in b.ops:
                    nb.add_op(op.clone(vmap))
            new.add_region(nr)
        return new

    def has_trait(self, trait: type) -> bool:
        return any(isinstance(t, trait) for t in self.traits)

    # -- verification ------------------------------------------------------------------------
    def verify_(self) -> None:
        """Op-specific checks; raise `OpVerifyError` with "expected ..., found ..." text."""

    def __repr__(self) -> str:
        return f"<{self.op_name} at {self.loc}>"


# ---------------------------------------------------------------------------------------------
# Registry


class Dialect:
    """A named set of op classes (and the names of attributes it defines)."""

    def __init__(self, name: str, ops: Sequence[type[Operation]], attr_names: Sequence[str] = ()):
        self.name = name
        self.ops = list(ops)
        self.attr_names = set(attr_names)


_OPS: dict[str, type[Operation]] = {}
_DIALECTS: dict[str, Dialect] = {}
_LOADED = False


def register_dialect(d: Dialect) -> Dialect:
    _DIALECTS[d.name] = d
    for op in d.ops:
        _OPS[op.name] = op
    return d


def _load_builtin_dialects() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    # Importing a dialect module registers it.
    import dory.dory_ir.dialects  # noqa: F401


def lookup_op(name: str) -> type[Operation] | None:
    _load_builtin_dialects()
    return _OPS.get(name)


def known_dialects() -> dict[str, Dialect]:
    _load_builtin_dialects()
    return dict(_DIALECTS)


def create_op(name: str, **kwargs) -> Operation:
    """Build an op by name: the registered class if there is one, else a generic Operation."""
    cls = lookup_op(name)
    if cls is None:
        return Operation(op_name=name, **kwargs)
    op = cls.__new__(cls)
    Operation.__init__(op, op_name=name, **kwargs)
    return op

