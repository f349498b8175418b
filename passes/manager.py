"""Running a pipeline: verification between passes, instrumentation hooks and timing.

`PassManager.run` applies each pass in turn, verifies the module after each one (unless told
not to) and calls its instrumentations around every pass: the one hook on which ``dory-opt``
hangs IR dumps and ``--verify-semantics`` (xDSL's pipeline callback, MLIR's
``PassInstrumentation``).
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Iterator, Sequence

from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import Diagnostic, DiagnosticError, VerifyError
from dory.dory_ir.opdef import verify
from dory.passes.base import ModulePass, PassContext

VERIFIER_TIMER = "(V) Verifier"


class PassCrashed(RuntimeError):
    """A pass raised something other than a located diagnostic (a bug in the pass). The
    message names the pass, so the driver's internal-error line says where to look."""


class PassInstrumentation:
    """Hooks around a pipeline run; each may raise `DiagnosticError` to stop the pipeline.
    The defaults do nothing."""

    def run_before_pipeline(self, module: Operation) -> None:
        """Called once, before the first pass (also for an empty pipeline)."""

    def run_before_pass(self, p: ModulePass, module: Operation) -> None:
        """Called before ``p`` runs."""

    def run_after_pass(self, p: ModulePass, module: Operation) -> None:
        """Called after ``p`` ran and (with ``verify_each``) the module verified."""


class TimingReport:
    """Wall time per named activity, summed over runs, in first-seen order (MLIR's
    ``--mlir-timing-display=list``). Verifier runs have their own row."""

    def __init__(self) -> None:
        self.rows: dict[str, list[float]] = {}  # name -> [seconds, count]
        self.start = time.perf_counter()

    def add(self, name: str, seconds: float) -> None:
        row = self.rows.setdefault(name, [0.0, 0])
        row[0] += seconds
        row[1] += 1

    @contextmanager
    def time(self, name: str) -> Iterator[None]:
        t0 = time.perf_counter()
        try:
            yield
        finally:
            self.add(name, time.perf_counter() - t0)

    def format(self) -> str:
        total = time.perf_counter() - self.start
        bar = "===" + "-" * 73 + "==="
        lines = [
            bar,
            "Execution time report".center(len(bar)).rstrip(),
            bar,
            f"  Total Execution Time: {total:.4f} seconds",
            "",
            "  ----Wall Time----  ---Count---  ----Name----",
        ]

        def row(seconds: float, count: str, name: str) -> str:
            pct = 100.0 * seconds / total if total > 0 else 0.0
            return f"  {seconds:8.4f} ({pct:5.1f}%)  {count:>11}  {name}"

        for name, (seconds, count) in self.rows.items():
            lines.append(row(seconds, str(int(count)), name))
        lines.append(row(total, "", "Total"))
        return "\n".join(lines) + "\n"


@dataclass
class PassManager:
    """Runs ``passes`` on a module. With ``verify_each`` the verifier runs after every pass and
    its errors say which pass broke the IR; ``timing`` (if given) gets one row per pass plus a
    verifier row."""

    passes: Sequence[ModulePass]
    verify_each: bool = True
    instrumentations: list[PassInstrumentation] = field(default_factory=list)
    timing: TimingReport | None = None

    def run(self, ctx: PassContext, module: Operation) -> None:
        """Apply the pipeline in place; raises `DiagnosticError` (a failing pass, verifier or
        instrumentation) or `PassCrashed`."""
        for inst in self.instrumentations:
            inst.run_before_pipeline(module)
        for p in self.passes:
            for inst in self.instrumentations:
                inst.run_before_pass(p, module)
            with self._timed(f"{p.display_name()} ({p.name})"):
                try:
                    p.apply(ctx, module)
                except DiagnosticError:
                    raise
                except Exception as e:
                    raise PassCrashed(f"pass '{p.name}' crashed: {type(e).__name__}: {e}") from e
            if self.verify_each:
                with self._timed(VERIFIER_TIMER):
                    diags = verify(module)
                if diags:
                    raise VerifyError.from_diagnostics(
                        [Diagnostic(d.loc, f"{d.message} (after pass '{p.name}')", d.severity, d.notes) for d in diags]
                    )
            for inst in self.instrumentations:
                inst.run_after_pass(p, module)

    @contextmanager
    def _timed(self, name: str) -> Iterator[None]:
        if self.timing is None:
            yield
        else:
            with self.timing.time(name):
                yield
