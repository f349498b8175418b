"""Deliberately wrong passes that exist only to test the driver's safety nets.

* ``test-break-semantics`` changes what the module computes while keeping it valid, so
  ``lit_tests/tools/dory-opt/verify-semantics.mlir`` can show that ``--verify-semantics`` names
  the pass that changed an output.
* ``test-invalid-ir`` makes the module fail the verifier, so
  ``lit_tests/tools/dory-opt/verify-each.mlir`` can show that ``--verify-each`` catches it (and
  that ``--no-verify-each`` lets it through).
* ``test-overlap-buffers`` moves an allocated layer's output onto the bytes of its own input (both
  live while it runs: on the chip the layer would overwrite what it reads) and changes nothing
  else, so ``lit_tests/tools/dory-opt/verify-semantics-alloc.mlir`` can show that
  ``--verify-semantics`` sees what the interpreter, which ignores offsets, cannot.

Never use them in a real pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dory.dory_ir.attributes import DenseAttr, DictAttr, IntegerAttr, UnitAttr
from dory.dory_ir.core import OpResult, Operation
from dory.dory_ir.dialects import qnn
from dory.dory_ir.dialects.func import FuncOp
from dory.passes.base import ModulePass, PassContext, PassFailed


@dataclass(frozen=True)
class TestBreakSemanticsPass(ModulePass):
    """Test only: change the first qnn.constant element (or else clamp the first qnn.clip to its min).

    The module stays valid; only the values it computes change. Used to test
    ``--verify-semantics``.
    """

    name = "test-break-semantics"
    __test__ = False  # a pass, not a pytest test class (this file is named test_*.py)

    def apply(self, ctx: PassContext, module: Operation) -> None:
        ops = list(module.walk())
        for op in ops:
            if not isinstance(op, qnn.ConstantOp):
                continue
            value = op.value
            if value.data.size and not value.elided:
                data = value.data.copy().reshape(-1)
                et = value.element_type
                # Step the first element by one, away from the edge of its type's range.
                data[0] = data[0] + 1 if data[0] < et.max_value else data[0] - 1
                op.properties["value"] = DenseAttr(value.type, np.asarray(data).reshape(value.type.shape))
                return
        for op in ops:
            if isinstance(op, qnn.ClipOp):
                op.properties["max"] = op.properties["min"]
                return
        raise PassFailed(module, "test-break-semantics found no 'qnn.constant' or 'qnn.clip' to change")


@dataclass(frozen=True)
class TestInvalidIRPass(ModulePass):
    """Test only: add an unknown property to the first func.func, which the verifier rejects.

    Used to test ``--verify-each``.
    """

    name = "test-invalid-ir"
    __test__ = False  # a pass, not a pytest test class

    def apply(self, ctx: PassContext, module: Operation) -> None:
        for op in module.walk():
            if isinstance(op, FuncOp):
                op.properties["test_invalid"] = UnitAttr()
                return
        raise PassFailed(module, "test-invalid-ir found no 'func.func' to break")


@dataclass(frozen=True)
class TestOverlapBuffersPass(ModulePass):
    """Test only: give the first allocated layer whose first operand is an op's result that
    operand's L2 offset (``dory.alloc``), so two live buffers share bytes.

    Used to test ``--verify-semantics``' allocation check.
    """

    name = "test-overlap-buffers"
    __test__ = False  # a pass, not a pytest test class

    def apply(self, ctx: PassContext, module: Operation) -> None:
        for op in module.walk():
            al = op.attributes.get("dory.alloc")
            if not isinstance(al, DictAttr) or op.op_name in ("dory.weights", "dory.reshape", "func.func") or not op.operands:
                continue
            src = op.operands[0]
            src_al = src.op.attributes.get("dory.alloc") if isinstance(src, OpResult) else None
            if isinstance(src_al, DictAttr) and "offset" in src_al.as_dict():
                entries = dict(al.as_dict())
                entries["offset"] = src_al.as_dict()["offset"]
                assert isinstance(entries["offset"], IntegerAttr)
                op.attributes["dory.alloc"] = DictAttr.of(entries)
                return
        raise PassFailed(module, "test-overlap-buffers found no allocated layer reading another op's result")
