"""``cse``: common subexpression elimination of pure ops.

Two ops compute the same thing when they are ``Pure``, have no regions and agree on name,
operands, properties, discardable attributes and result types. The later one is replaced by the
earlier one if the earlier one dominates it. Without a CFG analysis, "dominates" is taken
conservatively: the earlier op sits before it in the same block, or in a block that encloses
it. Ops that are ``IsolatedFromAbove`` (functions, modules) start a fresh scope, so a function
never reuses a value computed in another one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable

from dory.dory_ir.core import Block, Operation
from dory.dory_ir.opdef import IsolatedFromAbove, IsTerminator, Pure
from dory.passes.base import ModulePass, PassContext

# A scope maps an op's key to the first op with that key; a stack of them follows block nesting.
_Scope = dict[Hashable, Operation]


def _key(op: Operation) -> Hashable | None:
    """What makes two ops interchangeable, or None if ``op`` must never be merged."""
    if op.regions or not op.has_trait(Pure) or op.has_trait(IsTerminator):
        return None
    return (
        op.op_name,
        # Values compare by identity: the same SSA value, not an equal-looking one.
        tuple(id(v) for v in op.operands),
        tuple(sorted(op.properties.items())),
        tuple(sorted(op.attributes.items())),
        tuple(r.type for r in op.results),
    )


@dataclass(frozen=True)
class CSEPass(ModulePass):
    """Merge identical pure ops (same name, operands, properties, attributes and result types).

    The later op's uses move to the earlier op, which must sit earlier in the same block or in an
    enclosing block; functions never share values with each other.
    """

    name = "cse"

    def apply(self, ctx: PassContext, module: Operation) -> None:
        self._visit_regions(module, [])

    def _visit_regions(self, op: Operation, scopes: list[_Scope]) -> None:
        # Inside an isolated op the enclosing values are out of reach, so nothing outside may be
        # reused there (even an operand-free op like a constant).
        inner_scopes = [] if op.has_trait(IsolatedFromAbove) else scopes
        for region in op.regions:
            for block in region.blocks:
                self._visit_block(block, inner_scopes)

    def _visit_block(self, block: Block, scopes: list[_Scope]) -> None:
        scope: _Scope = {}
        stack = scopes + [scope]
        for op in list(block.ops):
            key = _key(op)
            if key is not None:
                existing = next((s[key] for s in reversed(stack) if key in s), None)
                if existing is not None:
                    for old, new in zip(op.results, existing.results):
                        old.replace_all_uses_with(new)
                    op.erase()
                    continue
                scope[key] = op
            self._visit_regions(op, stack)
