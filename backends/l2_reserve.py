"""The L2 an app takes beside the network's L2 arena (code, static data, stacks), measured by linking
the app, and planning with it.

A plan leaves ``Target.l2_reserved_bytes`` of L2 for everything but the arena; that figure is a
guess, and a runtime that grows outruns it (the RV32 app of our DroNet needs ~190 KB of L2 for its
code and data, not GAP8's 64 KiB). Where the app's Makefile can link it (``--target rv32`` and
``pulp``, with Debian's riscv64-unknown-elf-gcc) its ``l2-reserve`` rule links the app as written
with an empty L2 arena and prints what the L2 region then holds: that is the reserve, exactly, for
this network's tables, input and expected output and this runtime. `plan_to_fit` plans with the
target's default first, measures, and when the arena and the measured reserve overflow the L2
region re-plans with the L2 budget that leaves exactly the measured reserve (less ``MARGIN`` for
the tables of the new plan), measuring again (a second re-plan only if the first's tables grew
past the margin). Targets whose toolchain is absent here (GAP8, GAP9: the GAP SDK) keep the static
estimate of their ``hw.py``, and say so.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from dory.backends.gap8.app import AppFiles, write_app
from dory.backends.gap8.emit import EmittedNetwork

LINKED = {"rv32": "Makefile.rv32", "pulp": "Makefile.pulp"}
"""App targets whose Makefile has the ``l2-reserve`` rule, and that Makefile."""

COMPILER = "riscv64-unknown-elf-gcc"
"""The cross compiler those Makefiles use (their ``CROSS`` default)."""

ALIGN = 64
"""Slack for the arena's alignment in the L2 region (the ports align it to 64 bytes at most)."""

MARGIN = 2048
"""L2 left over when re-planning: a new plan's tables (more L3 transfers) may take a little more."""


@dataclass(frozen=True)
class L2Reserve:
    """What an app's L2 holds beside the arena."""

    reserve: int
    """Bytes of L2 taken by everything but the network's L2 arena."""

    region: int
    """The L2 region's size (0 when not measured)."""

    measured: bool
    """True when linked; False for the target's static estimate."""

    how: str
    """Where the figure comes from, for the summary."""


@dataclass(frozen=True)
class L2Fit:
    """The outcome of `plan_to_fit`: the reserve used and what planning did with it."""

    reserve: L2Reserve
    budget: int | None
    """The L2 budget of the last re-plan, None when the first plan was kept."""

    first_arena: int
    """The first plan's L2 arena."""

    arena: int
    """The final plan's L2 arena."""

    fits: bool
    """The arena and the reserve fit the L2 region (always True for a static estimate)."""

    def summary(self) -> str:
        """The summary's line on L2."""
        r = self.reserve
        if not r.measured:
            return f"L2 reserve {r.reserve} B ({r.how}); arena {self.arena} B"
        line = (f"L2 reserve {r.reserve} B ({r.how}) + arena {self.arena} B of the {r.region}-byte L2 region"
                + ("" if self.fits else ": DOES NOT FIT"))
        if self.budget is not None:
            line += (f"; re-planned with an L2 budget of {self.budget} B (the default plan's {self.first_arena}-byte "
                     "arena did not fit beside the reserve)")
        return line

    def fix_hint(self, pipeline: str) -> str:
        """For a plan that does not fit: the budget that would."""
        n = self.reserve.region - self.reserve.reserve - ALIGN - MARGIN
        return f"plan with an L2 budget of at most {n} B (assign-memory{{l2={n}}}, allocate-buffers{{l2={n}}} in '{pipeline}')"


def static_reserve(planning_target: str, why: str) -> L2Reserve:
    """The target's hand-set ``l2_reserved_bytes``, saying why it is used."""
    from dory.backends.target import get_target

    return L2Reserve(get_target(planning_target).l2_reserved_bytes, 0, False,
                     f"static estimate of backends/{planning_target}/hw.py: {why}")


def can_measure(app_target: str) -> bool:
    """The app's Makefile can link it here (its rule exists and the cross compiler is installed)."""
    return app_target in LINKED and shutil.which(COMPILER) is not None and shutil.which("make") is not None


def measure(app: AppFiles, app_target: str) -> L2Reserve:
    """Link ``app`` (as `backends.gap8.app.app_files` wrote it for ``app_target``) with an empty L2
    arena in a temporary directory and return what the L2 region then holds. Raises RuntimeError
    with the linker's output when the link itself fails."""
    makefile = LINKED[app_target]
    with tempfile.TemporaryDirectory(prefix="dory-l2-reserve-") as tmp:
        d = Path(tmp) / "app"
        write_app(str(d), app)
        r = subprocess.run(["make", "-s", "-C", str(d), "-f", makefile, "l2-reserve"], capture_output=True, text=True)
    m = re.search(r"l2 reserve: (\d+) of (\d+) bytes", r.stdout)
    if r.returncode != 0 or m is None:
        raise RuntimeError(f"cannot measure the app's L2 reserve (make -f {makefile} l2-reserve, exit {r.returncode}):\n"
                           + (r.stdout + r.stderr)[-3000:])
    return L2Reserve(int(m.group(1)), int(m.group(2)), True, f"all but the arena, linked: make -f {makefile} l2-reserve")


def plan_to_fit(build: Callable[[int | None], tuple[EmittedNetwork, AppFiles]], app_target: str, planning_target: str,
                replan: bool = True) -> tuple[EmittedNetwork, AppFiles, L2Fit]:
    """Plan, emit and write the app with ``build(None)`` (the default budget); where the app can be
    linked here, measure its L2 reserve and, if ``replan`` and the arena does not fit beside it,
    call ``build(budget)`` with the L2 budget that does (at most twice). Returns the final network,
    app and the `L2Fit`."""
    net, app = build(None)
    first = net.l2_bytes
    if not can_measure(app_target):
        why = (f"no {COMPILER} to link the app with" if app_target in LINKED
               else "the host build" if app_target == "host" else f"no {app_target} toolchain here to link the app with")
        return net, app, L2Fit(static_reserve(planning_target, why), None, first, net.l2_bytes, True)
    try:
        r = measure(app, app_target)
    except RuntimeError as e:  # the app does not link even without its L2 arena (an L1 overflow, say)
        lines = [ln for ln in str(e).splitlines() if "overflowed" in ln or "error" in ln] or str(e).splitlines()[-1:]
        return net, app, L2Fit(static_reserve(planning_target, f"the measuring link failed: {lines[0].strip()}"),
                               None, first, net.l2_bytes, True)
    budget = None
    for _ in range(2):
        if not replan or net.l2_bytes + r.reserve + ALIGN <= r.region:
            break
        over = net.l2_bytes + r.reserve + ALIGN - r.region
        budget = r.region - r.reserve - ALIGN - MARGIN if budget is None else budget - over - MARGIN
        net, app = build(budget)
        r = measure(app, app_target)
    return net, app, L2Fit(r, budget, first, net.l2_bytes, net.l2_bytes + r.reserve + ALIGN <= r.region)


__all__ = ["L2Reserve", "L2Fit", "LINKED", "can_measure", "measure", "plan_to_fit", "static_reserve"]
