"""Light declarative op definitions (xDSL's IRDL idea, much smaller) and the verifier.

An op class lists ``operand_defs``, ``result_defs`` and ``property_defs``; the generic verifier
checks counts, type constraints and property kinds, then calls the op's ``verify_()``. Every
message says what was expected and what was found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from dory_ir.attributes import Attribute
from dory_ir.core import Operation
from dory_ir.diagnostics import Diagnostic, OpVerifyError
from dory_ir.types import IndexType, IntegerType, MemRefType, TensorType, Type


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


@dataclass(frozen=True)
class PropDef:
    """One declared property: the attribute class(es) it must be, and whether it is required."""

    name: str
    kinds: tuple[type, ...]
    required: bool = True
    doc: str = ""
    check: Callable[[Attribute], str | None] | None = field(default=None, compare=False)


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
    """Must sit directly inside an op of one of the given names."""

    parents: tuple[str, ...]

    def verify(self, op: Operation) -> None:
        p = op.parent_op
        if p is None or p.op_name not in self.parents:
            want = " or ".join(f"'{n}'" for n in self.parents)
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
