"""Interpreter implementations of the ``func`` dialect: ``func.return`` and ``func.call``."""

from __future__ import annotations

import numpy as np

from dory.dory_ir.attributes import SymbolRefAttr
from dory.dory_ir.core import Operation
from dory.dory_ir.dialects.func import ReturnOp
from dory.dory_ir.interp.interpreter import Interpreter, impl, op_error


@impl(ReturnOp)
def return_(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """The function's results are the returned operands."""
    return list(operands)


@impl("func.call")
def call(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Run the callee (a ``func.func`` of the same module) with a fresh value map."""
    callee = op.properties.get("callee")
    if not isinstance(callee, SymbolRefAttr):
        raise op_error(op, f"expected a 'callee' property holding a symbol like @f, found {callee}")
    fn = interp.find_function(callee.name)
    return interp.call(fn, operands)
