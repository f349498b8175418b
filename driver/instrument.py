"""Pass instrumentations of the driver: ``--print-ir-*`` (`IRPrinter`) and ``--verify-semantics``
(`SemanticsChecker`). The interpreter is imported only when semantics are checked, so a plain
``dory-opt`` run starts fast."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dory.dory_ir.core import Operation
from dory.dory_ir.dialects.func import FuncOp
from dory.dory_ir.diagnostics import Diagnostic, DiagnosticError, Location
from dory.passes.base import ModulePass
from dory.passes.manager import PassInstrumentation, TimingReport

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np


@dataclass
class IRPrinter(PassInstrumentation):
    """Prints the module to stderr around the selected passes, with MLIR's dump headers."""

    before_all: bool = False
    after_all: bool = False
    before: set[str] = field(default_factory=set)
    after: set[str] = field(default_factory=set)
    elide: int | None = None

    def _dump(self, when: str, p: ModulePass, module: Operation) -> None:
        from dory.dory_ir.printer import print_op

        sys.stderr.write(f"// -----// IR Dump {when} {p.display_name()} ({p.name}) //----- //\n")
        sys.stderr.write(print_op(module, elide=self.elide) + "\n")
        sys.stderr.flush()

    def run_before_pass(self, p: ModulePass, module: Operation) -> None:
        if self.before_all or p.name in self.before:
            self._dump("Before", p, module)

    def run_after_pass(self, p: ModulePass, module: Operation) -> None:
        if self.after_all or p.name in self.after:
            self._dump("After", p, module)


class SemanticsError(DiagnosticError):
    """``--verify-semantics`` found a pass that changed what a function computes."""


@dataclass
class _Reference:
    loc: Location
    inputs: list["np.ndarray"]
    outputs: list["np.ndarray"]


class SemanticsChecker(PassInstrumentation):
    """Runs every function with a body on seeded random inputs before the pipeline, and again
    after each pass; the first pass after which any output differs fails the run. Everything is
    integer, so outputs must be exactly equal. The interpreter ignores buffer offsets, so an
    allocated function (``dory.alloc``) is also checked for two buffers live at once sharing
    bytes of one memory (`dory_ir.analysis.allocation`), in the input and after each pass."""

    def __init__(self, seed: int, timing: TimingReport | None):
        self.seed = seed
        self.timing = timing
        self.reference: dict[str, _Reference] = {}

    def _run(self, module: Operation, name: str, inputs: list["np.ndarray"]) -> list["np.ndarray"]:
        from dory.dory_ir.interp import run_function

        if self.timing is None:
            return run_function(module, inputs, func=name)
        with self.timing.time("(S) Verify semantics"):
            return run_function(module, inputs, func=name)

    def run_before_pipeline(self, module: Operation) -> None:
        from dory.dory_ir.interp import random_inputs

        for func in _functions(module):
            name = _sym_name(func)
            try:
                inputs = random_inputs(module, self.seed, func=name)
                outputs = self._run(module, name, inputs)
            except DiagnosticError as e:
                raise _prefixed(e, f"--verify-semantics cannot run function '{name}' on the input: ") from None
            self.reference[name] = _Reference(func.loc, inputs, outputs)
            _check_allocation(func, f"the input's function '{name}'")

    def run_after_pass(self, p: ModulePass, module: Operation) -> None:
        import numpy as np

        funcs = {_sym_name(f): f for f in _functions(module)}
        for name, ref in self.reference.items():
            func = funcs.get(name)
            if func is None:
                raise SemanticsError(ref.loc, f"pass '{p.name}' removed function '{name}' (--verify-semantics)")
            where = f"pass '{p.name}' changed function '{name}'"
            try:
                got = self._run(module, name, ref.inputs)
            except DiagnosticError as e:
                raise _prefixed(e, f"after pass '{p.name}', --verify-semantics cannot run function '{name}': ") from None
            _check_allocation(func, f"after pass '{p.name}', function '{name}'")
            seed = f"(--verify-semantics seed {self.seed})"
            if len(got) != len(ref.outputs):
                raise SemanticsError(func.loc, f"{where}: it now returns {len(got)} outputs instead of {len(ref.outputs)} {seed}")
            for i, (want, have) in enumerate(zip(ref.outputs, got)):
                if want.shape != have.shape:
                    raise SemanticsError(
                        func.loc,
                        f"{where}: output #{i} has shape {_shape(have.shape)} instead of {_shape(want.shape)} {seed}",
                    )
                diff = np.argwhere(want != have)
                if diff.size:
                    idx = tuple(int(x) for x in diff[0])
                    raise SemanticsError(
                        func.loc,
                        f"{where}: output #{i} differs at index [{', '.join(map(str, idx))}]: "
                        f"expected {int(want[idx])}, found {int(have[idx])} {seed}",
                    )


def _check_allocation(func: Operation, where: str) -> None:
    """Raise at the later buffer's op when two buffers of ``func`` live at once overlap."""
    from dory.dory_ir.analysis.allocation import overlaps

    found = overlaps(func)
    if found:
        o = found[0]
        raise SemanticsError(o.second.op.loc, f"{where}: {o.message()} (--verify-semantics)")


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape) or "scalar"


def _functions(module: Operation) -> list[Operation]:
    """Every ``func.func`` with a body, wherever it is nested."""
    return [op for op in module.walk() if isinstance(op, FuncOp) and op.regions and op.regions[0].blocks]


def _sym_name(func: Operation) -> str:
    attr = func.properties.get("sym_name")
    return str(getattr(attr, "value", attr))


def _prefixed(e: DiagnosticError, prefix: str) -> DiagnosticError:
    diags = [Diagnostic(d.loc, prefix + d.message if i == 0 else d.message, d.severity, d.notes) for i, d in enumerate(e.diagnostics)]
    return DiagnosticError.from_diagnostics(diags)

