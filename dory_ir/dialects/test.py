"""``test`` dialect: ``test.op`` accepts anything, so tests can make values of any type without a
real producer (xDSL's idiom)."""

from __future__ import annotations

from dory.dory_ir.core import Dialect, Operation, register_dialect
from dory.dory_ir.opdef import Pure


class TestOp(Operation):
    """``"test.op"(...) : (...) -> (...)`` with any operands, results, properties and regions."""

    name = "test.op"
    is_generic = True


class TestPureOp(Operation):
    """Like ``test.op`` but side-effect free, so canonicalize may drop it and CSE may merge it."""

    name = "test.pure"
    is_generic = True

    traits = (Pure(),)


Test = register_dialect(Dialect("test", [TestOp, TestPureOp]))
