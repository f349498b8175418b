"""The pulp port's link.ld (runtime/port/pulp/link.ld) as the one place of the cluster stacks'
sizes: the planner's L1 budget (backends/pulp/hw.py) and the stack-depth check
(tests/stack_depth.py) read them from there.
"""

from __future__ import annotations

import re
from pathlib import Path

from dory import data_path

STACK_SYMBOLS = ("__cl_stack0_size", "__cl_stack_size")
"""link.ld's cluster core 0 stack size and every other cluster core's, bytes."""


def link_ld_path() -> Path:
    """The port's linker script."""
    return data_path("runtime", "port", "pulp", "link.ld")


def stack_sizes(link_ld: Path | None = None) -> dict[str, int]:
    """link.ld's defaults of STACK_SYMBOLS (``sym = DEFINED(sym) ? sym : N;``), bytes; ValueError
    naming the script and the symbol when one has none."""
    path = link_ld or link_ld_path()
    text = path.read_text()
    out = {}
    for sym in STACK_SYMBOLS:
        m = re.search(rf"^{sym}\s*=.*:\s*(\d+)\s*;", text, re.M)
        if m is None:
            raise ValueError(f"{path}: no default for {sym} ('{sym} = DEFINED({sym}) ? {sym} : N;')")
        out[sym] = int(m.group(1))
    return out
