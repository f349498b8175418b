"""``verify-plan``: check a planned module against what the C runtime will do with it (the plan
verifier of backends/verify_plan.py: buffers inside their arenas and disjoint while live,
L1 layouts, tiles within the layer, requant parameters representable in the runtime's C types).

It changes nothing; it fails at the first op with errors, reporting every error found. dory-opt
runs the same check on every planned output (driver/opt.py), so the pass is for pipelines that
want it at a given point, or with a ``target`` to check the L1/L2/L3 budgets against.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import DiagnosticError
from dory.passes.base import ModulePass, PassContext
from dory.passes.target_option import resolve_target


@dataclass(frozen=True)
class VerifyPlanPass(ModulePass):
    """Check every planned function's tiles, L1 layouts, L2/L3 buffers and requant parameters."""

    name: ClassVar[str] = "verify-plan"
    target: str = field(default="", metadata={"doc": "the target whose hardware limits the budgets must respect (default: the largest target's)"})

    def apply(self, ctx: PassContext, module: Operation) -> None:
        from dory.backends.verify_plan import verify_plan

        hw = resolve_target(module, self.target) if self.target else None
        diags = verify_plan(module, hw)
        if diags:
            raise DiagnosticError.from_diagnostics(diags)
