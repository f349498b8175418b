"""``func`` dialect: functions and returns."""

from __future__ import annotations

from dory.dory_ir.attributes import Attribute, StringAttr, TypeAttr
from dory.dory_ir.core import Block, Dialect, Operation, Region, Value, register_dialect
from dory.dory_ir.diagnostics import OpVerifyError
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.opdef import ANY, HasParent, OperandDef, IsolatedFromAbove, IsTerminator, Pure, PropDef
from dory.dory_ir.types import FunctionType, Type


def _type_of(a: Attribute) -> Type:
    """The type a ``TypeAttr`` holds."""
    assert isinstance(a, TypeAttr)
    return a.type


class FuncOp(Operation):
    """``func.func``: a named function whose body's entry block takes the inputs."""

    name = "func.func"
    operand_defs = ()
    result_defs = ()
    region_count = 1
    property_defs = (
        PropDef("sym_name", (StringAttr,), doc="The function's symbol name."),
        PropDef("function_type", (TypeAttr,), value=_type_of, doc="The signature (a verified op's is a function type)."),
        PropDef("sym_visibility", (StringAttr,), required=False),
    )
    traits = (IsolatedFromAbove(), HasParent((ModuleOp,)))
    sym_name: str
    function_type: FunctionType

    @staticmethod
    def build(
        sym_name: str, inputs: list[Type], results: list[Type], arg_names: list[str | None] | None = None
    ) -> "FuncOp":
        f = FuncOp.__new__(FuncOp)
        block = Block(inputs, arg_names)
        Operation.__init__(
            f,
            properties={
                "sym_name": StringAttr(sym_name),
                "function_type": TypeAttr(FunctionType(tuple(inputs), tuple(results))),
            },
            regions=[Region([block])],
        )
        return f

    @property
    def body(self) -> Block:
        return self.regions[0].blocks[0]

    @property
    def args(self) -> list:
        return self.body.args

    def verify_(self) -> None:
        ft: Type = self.function_type
        if not isinstance(ft, FunctionType):
            raise OpVerifyError(f"property 'function_type' expected a function type, found {ft}")
        blocks = self.regions[0].blocks
        if not blocks:
            return  # a declaration
        args = [a.type for a in blocks[0].args]
        if tuple(args) != ft.inputs:
            found = "(" + ", ".join(str(t) for t in args) + ")"
            want = "(" + ", ".join(str(t) for t in ft.inputs) + ")"
            raise OpVerifyError(f"entry block arguments expected {want} from the function type, found {found}")
        for b in blocks:
            if not b.ops or not isinstance(b.ops[-1], ReturnOp):
                raise OpVerifyError("expected the body to end with 'func.return'")


class ReturnOp(Operation):
    """``func.return``: ends a function, its operands match the function's result types."""

    name = "func.return"
    operand_defs = (OperandDef("values", ANY, variadic=True),)
    result_defs = ()
    traits = (IsTerminator(), HasParent((FuncOp,)), Pure())

    @staticmethod
    def build(values: list[Value]) -> "ReturnOp":
        r = ReturnOp.__new__(ReturnOp)
        Operation.__init__(r, operands=values)
        return r

    def verify_(self) -> None:
        func = self.parent_op
        if not isinstance(func, FuncOp):
            return
        ft = func.properties.get("function_type")
        if not isinstance(ft, TypeAttr) or not isinstance(ft.type, FunctionType):
            return  # the function reports its own missing or malformed type
        want = ft.type.results
        found = tuple(v.type for v in self.operands)
        if want != found:
            w = "(" + ", ".join(str(t) for t in want) + ")"
            f = "(" + ", ".join(str(t) for t in found) + ")"
            raise OpVerifyError(f"operand types expected {w} from the function type, found {f}")


Func = register_dialect(Dialect("func", [FuncOp, ReturnOp]))
