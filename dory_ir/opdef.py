"""Light declarative op definitions (xDSL's IRDL idea, much smaller) and the verifier.

An op class lists ``operand_defs``, ``result_defs`` and ``property_defs``; the generic verifier
checks counts, type constraints and property kinds, then calls the op's ``verify_()``. Every
message says what was expected and what was found.

The same declarations generate the op's accessors (`define_accessors`, run for every op class by
``Operation.__init_subclass__``): an operand def ``input`` gives ``op.input`` (None when an
optional operand is missing, a list for a variadic one), a property def ``strides`` gives
``op.strides``, the property's Python value (`PropDef.value_of`) with the declared default
applied when it is absent. An accessor the class (or a base) writes by hand wins. Builders turn
Python values back into attributes with `PropDef.attr_of` and omit default-valued properties
(`PropDef.is_default`), so a default is stated once, in its `PropDef`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from dory.dory_ir.attributes import (
    Attribute,
    BoolAttr,
    DenseArrayAttr,
    IntegerAttr,
    StringAttr,
    i64_array,
)
from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import Diagnostic, OpVerifyError
from dory.dory_ir.types import IndexType, IntegerType, MemRefType, TensorType, Type, i64


@dataclass(frozen=True)
class Constraint:
    """A named predicate on types: ``what`` reads as "expected <what>"."""

    what: str
    check: Callable[[Type], bool]

    def __call__(self, t: Type) -> bool:
        return self.check(t)


ANY = Constraint("any type", lambda t: True)
INTEGER = Constraint("an integer type", lambda t: isinstance(t, IntegerType))
INDEX = Constraint("index", lambda t: isinstance(t, IndexType))


def int_tensor(rank: int | None = None) -> Constraint:
    what = f"a rank-{rank} integer tensor" if rank is not None else "an integer tensor"
    return Constraint(
        what,
        lambda t: isinstance(t, TensorType)
        and isinstance(t.element_type, IntegerType)
        and (rank is None or t.rank == rank),
    )


def int_shaped(rank: int | None = None) -> Constraint:
    """An integer tensor or memref (ops that work before and after bufferization)."""
    what = f"a rank-{rank} integer tensor or memref" if rank is not None else "an integer tensor or memref"
    return Constraint(
        what,
        lambda t: isinstance(t, (TensorType, MemRefType))
        and isinstance(t.element_type, IntegerType)
        and (rank is None or t.rank == rank),
    )


@dataclass(frozen=True)
class OperandDef:
    """One declared operand; ``optional`` ones may be missing (only at the end), ``variadic``
    takes any number (at most one per op)."""

    name: str
    constraint: Constraint = ANY
    optional: bool = False
    variadic: bool = False


@dataclass(frozen=True)
class ResultDef:
    name: str
    constraint: Constraint = ANY


class _NoDefault:
    """The marker for "no default" (None is a legitimate default of optional properties)."""

    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()


@dataclass(frozen=True)
class DefaultFrom:
    """A default that is the value of another property of the same op (pool strides default to
    the kernel)."""

    prop: str


def attr_value(attr: Attribute) -> Any:
    """The Python value of a property attribute: int, bool, str, a tuple for ``array<i64: ...>``;
    any other attribute (a dense, a dictionary, a type) is its own value."""
    if isinstance(attr, BoolAttr):
        return attr.value
    if isinstance(attr, IntegerAttr):
        return attr.value
    if isinstance(attr, StringAttr):
        return attr.value
    if isinstance(attr, DenseArrayAttr):
        return attr.values
    return attr


def _attr_from(kind: type, value: Any) -> Attribute:
    """The attribute of class ``kind`` spelling the Python ``value`` (integers as ``i64``)."""
    if kind is BoolAttr:
        return BoolAttr(bool(value))
    if kind is IntegerAttr:
        return IntegerAttr(int(value), i64)
    if kind is StringAttr:
        return StringAttr(str(value))
    if kind is DenseArrayAttr:
        return i64_array(value)
    raise TypeError(f"no attribute of kind {kind.__name__} for the value {value!r}")


@dataclass(frozen=True)
class PropDef:
    """One declared property: the attribute class(es) it must be, whether it is required, and the
    value an absent optional property stands for (``default``; `DefaultFrom` names another
    property). ``value`` reads the attribute as a Python value (default `attr_value`), ``attr``
    spells a Python value as the attribute (default: the first kind's spelling)."""

    name: str
    kinds: tuple[type, ...]
    required: bool = True
    doc: str = ""
    check: Callable[[Attribute], str | None] | None = field(default=None, compare=False)
    default: Any = field(default=NO_DEFAULT, compare=False)
    value: Callable[[Attribute], Any] | None = field(default=None, compare=False)
    attr: Callable[[Any], Attribute] | None = field(default=None, compare=False)

    def value_of(self, attr: Attribute) -> Any:
        """The Python value of ``attr`` (a verified op's property)."""
        return self.value(attr) if self.value is not None else attr_value(attr)

    def attr_of(self, value: Any) -> Attribute:
        """The attribute spelling the Python ``value`` (an attribute is taken as is)."""
        if isinstance(value, Attribute):
            return value
        if self.attr is not None:
            return self.attr(value)
        return _attr_from(self.kinds[0], value)

    def default_for(self, op: Operation) -> Any:
        """The value the absent property stands for on ``op`` (None if it has no default)."""
        if isinstance(self.default, DefaultFrom):
            return getattr(op, self.default.prop)
        return None if self.default is NO_DEFAULT else self.default

    def read(self, op: Operation) -> Any:
        """The property's value on ``op``, the default applied when it is absent."""
        attr = op.properties.get(self.name)
        return self.default_for(op) if attr is None else self.value_of(attr)

    def is_default(self, value: Any, props: dict[str, Any]) -> bool:
        """Whether a builder may omit ``value`` (None, or equal to the default; ``props`` are the
        other Python values given, for a `DefaultFrom` default)."""
        if value is None:
            return True
        if isinstance(value, (np.ndarray, Attribute)) or self.default is NO_DEFAULT:
            return False
        default = props.get(self.default.prop) if isinstance(self.default, DefaultFrom) else self.default
        if isinstance(default, (tuple, list)) and isinstance(value, (tuple, list)):
            return tuple(int(v) for v in value) == tuple(default)
        return type(value) is type(default) and value == default


class _Accessor(property):
    """A generated accessor (a subclass regenerates it from its own declarations; a hand-written
    property is never replaced)."""


# Instance attributes every Operation sets in __init__: a declaration may not shadow them.
_RESERVED = frozenset(
    {"op_name", "operands", "results", "properties", "attributes", "regions", "loc", "parent"}
)


def _operand_accessor(defs: tuple, pos: int) -> _Accessor:
    d = defs[pos]
    after = len(defs) - pos - 1
    variadic_before = any(x.variadic for x in defs[:pos])

    def get(op: Operation) -> Any:
        ops = op.operands
        if d.variadic:
            return list(ops[pos : len(ops) - after])
        index = len(ops) - after - 1 if variadic_before else pos
        if d.optional and index >= len(ops):
            return None
        return ops[index]

    return _Accessor(get, doc=f"Operand '{d.name}'" + (" (None when absent)." if d.optional else "."))


def _prop_accessor(p: PropDef) -> _Accessor:
    def get(op: Operation) -> Any:
        return p.read(op)

    return _Accessor(get, doc=p.doc or f"Property '{p.name}' (its default when absent).")


def define_accessors(cls: type[Operation]) -> None:
    """Give ``cls`` an accessor per declared operand and property (see the module docstring)."""
    defs: list[tuple[str, _Accessor]] = []
    odefs = cls.operand_defs or ()
    defs += [(d.name, _operand_accessor(odefs, i)) for i, d in enumerate(odefs)]
    defs += [(p.name, _prop_accessor(p)) for p in cls.property_defs]
    for name, acc in defs:
        if name in _RESERVED:
            raise TypeError(f"{cls.__name__}: declaration '{name}' shadows an Operation attribute")
        existing = next((k.__dict__[name] for k in cls.__mro__ if name in k.__dict__), None)
        if existing is None or isinstance(existing, _Accessor):
            setattr(cls, name, acc)


class Trait:
    """A reusable property of ops checked by the verifier (and queried by passes)."""

    def verify(self, op: Operation) -> None:
        """Raise OpVerifyError if ``op`` breaks the trait."""


class Pure(Trait):
    """No side effects: dead instances may be erased and equal ones merged (CSE)."""


class IsTerminator(Trait):
    """Must be the last op of its block."""

    def verify(self, op: Operation) -> None:
        if op.parent is not None and op.parent.ops[-1] is not op:
            raise OpVerifyError("must be the last operation in its block")


@dataclass
class HasParent(Trait):
    """Must sit directly inside an op of one of the given classes."""

    parents: tuple[type[Operation], ...]

    def verify(self, op: Operation) -> None:
        p = op.parent_op
        if not isinstance(p, self.parents):
            want = " or ".join(f"'{c.name}'" for c in self.parents)
            found = f"'{p.op_name}'" if p is not None else "no parent"
            raise OpVerifyError(f"expects parent op {want}, found {found}")


class IsolatedFromAbove(Trait):
    """Nested ops may not use values defined outside (checked by the parser's scoping)."""


# Plain words for attribute kinds in "expected ..." messages.
_ATTR_WORDS = {
    "IntegerAttr": "an integer",
    "BoolAttr": "a boolean",
    "StringAttr": "a string",
    "DenseAttr": "a dense constant",
    "DenseArrayAttr": "an array<...>",
    "ArrayAttr": "a list [...]",
    "DictAttr": "a dictionary",
    "TypeAttr": "a type",
    "SymbolRefAttr": "a symbol reference",
    "UnitAttr": "a unit flag",
}


def _plural(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _verify_operands(op: Operation, defs: tuple) -> None:
    n = len(op.operands)
    n_req = sum(1 for d in defs if not d.optional and not d.variadic)
    n_max = None if any(d.variadic for d in defs) else len(defs)
    if n < n_req or (n_max is not None and n > n_max):
        if n_max == n_req:
            want = _plural(n_req, "operand")
        elif n_max is None:
            want = f"at least {_plural(n_req, 'operand')}"
        else:
            want = f"{n_req} to {n_max} operands"
        raise OpVerifyError(f"expected {want}, found {n}")
    idx = 0
    for pos, d in enumerate(defs):
        if d.variadic:
            # A variadic operand takes everything the required operands after it leave over.
            take = n - idx - sum(1 for x in defs[pos + 1 :] if not x.optional and not x.variadic)
            vals = op.operands[idx : idx + take]
            idx += take
        elif idx < n:
            vals = [op.operands[idx]]
            idx += 1
        else:
            vals = []
        for v in vals:
            if not d.constraint(v.type):
                raise OpVerifyError(f"operand '{d.name}' expected {d.constraint.what}, found {v.type}")


def verify_declarations(op: Operation) -> None:
    """Check ``op`` against its class's declarations (counts, type constraints, properties)."""
    cls = type(op)
    if cls.is_generic:
        return
    if cls.operand_defs is not None:
        _verify_operands(op, cls.operand_defs)
    if cls.result_defs is not None:
        rdefs = cls.result_defs
        if len(op.results) != len(rdefs):
            raise OpVerifyError(f"expected {_plural(len(rdefs), 'result')}, found {len(op.results)}")
        for d, r in zip(rdefs, op.results):
            if not d.constraint(r.type):
                raise OpVerifyError(f"result '{d.name}' expected {d.constraint.what}, found {r.type}")
    if cls.region_count is not None and len(op.regions) != cls.region_count:
        raise OpVerifyError(
            f"expected {_plural(cls.region_count, 'region')}, found {len(op.regions)}"
        )
    known = {p.name: p for p in cls.property_defs}
    for p in cls.property_defs:
        if p.name not in op.properties:
            if p.required:
                raise OpVerifyError(f"requires property '{p.name}'")
            continue
        val = op.properties[p.name]
        if not isinstance(val, p.kinds):
            want = " or ".join(_ATTR_WORDS.get(k.__name__, k.__name__) for k in p.kinds)
            raise OpVerifyError(f"property '{p.name}' expected {want}, found {val}")
        if p.check is not None:
            msg = p.check(val)
            if msg:
                raise OpVerifyError(f"property '{p.name}' {msg}")
    for k in op.properties:
        if k not in known:
            expected = ", ".join(sorted(known)) or "none"
            raise OpVerifyError(f"unknown property '{k}' (expected one of: {expected})")


def verify_op(op: Operation) -> None:
    """Verify one op (not its nested ops): declarations, traits, then ``verify_()``."""
    verify_declarations(op)
    for t in op.traits:
        t.verify(op)
    op.verify_()


def verify(root: Operation) -> list[Diagnostic]:
    """Verify ``root`` and everything nested; returns one diagnostic per failing op."""
    diags: list[Diagnostic] = []
    for op in root.walk():
        try:
            verify_op(op)
        except OpVerifyError as e:
            diags.append(Diagnostic(op.loc, f"'{op.op_name}' op {e}"))
    return diags
