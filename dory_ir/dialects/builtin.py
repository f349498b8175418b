"""``builtin`` dialect: the top-level ``builtin.module``."""

from __future__ import annotations

from dory.dory_ir.attributes import StringAttr
from dory.dory_ir.core import Block, Dialect, Operation, Region, register_dialect
from dory.dory_ir.diagnostics import OpVerifyError
from dory.dory_ir.opdef import IsolatedFromAbove, PropDef


class ModuleOp(Operation):
    """The root op: one region with one block holding functions (and other top-level ops)."""

    name = "builtin.module"
    operand_defs = ()
    result_defs = ()
    region_count = 1
    property_defs = (PropDef("sym_name", (StringAttr,), required=False),)
    traits = (IsolatedFromAbove(),)

    @staticmethod
    def build(ops: list[Operation] | None = None) -> "ModuleOp":
        block = Block()
        for op in ops or []:
            block.add_op(op)
        m = ModuleOp.__new__(ModuleOp)
        Operation.__init__(m, regions=[Region([block])])
        return m

    @property
    def body(self) -> Block:
        return self.regions[0].blocks[0]

    def verify_(self) -> None:
        if len(self.regions[0].blocks) != 1:
            raise OpVerifyError(f"expected a body with 1 block, found {len(self.regions[0].blocks)}")
        if self.body.args:
            raise OpVerifyError(f"expected a body block without arguments, found {len(self.body.args)}")


Builtin = register_dialect(Dialect("builtin", [ModuleOp]))
