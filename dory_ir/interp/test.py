"""``test.op`` / ``test.pure`` stand for arbitrary producers in lit tests and cannot be run."""

from __future__ import annotations

import numpy as np

from dory.dory_ir.core import Operation
from dory.dory_ir.dialects.test import TestOp, TestPureOp
from dory.dory_ir.interp.interpreter import Interpreter, impl, op_error


@impl(TestOp, TestPureOp)
def not_executable(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Always fails: a test op has no semantics to execute."""
    raise op_error(
        op,
        "is not executable: test ops stand for arbitrary values; pass the value as a function input instead",
    )
