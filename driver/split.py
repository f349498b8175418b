"""``--split-input-file``: one input file holding several independent cases, and the per-chunk loop
every text-IR tool shares (``dory-opt``, ``dory-translate --to-c``, ``dory-run``).

Each chunk is processed on its own (parse, verify, tool work); its diagnostics are printed, or,
with ``--verify-diagnostics``, checked against the chunk's ``expected-*`` comments
(`driver.expect`). Outputs are joined by the marker line, so a lit test can ``CHECK-LABEL`` each
case. Locations keep the line numbers of the whole file.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Callable

from dory.dory_ir.diagnostics import UNKNOWN, Diagnostic, Location

if TYPE_CHECKING:  # pragma: no cover
    from dory.dory_ir.core import Operation

SPLIT_MARKER = "// -----"
# A line that looks like an attempt at the split marker but isn't one (``//-----``, ``// ----``,
# ``// ------``, ``// ----- text``); MLIR warns about these because a silently unsplit file makes
# every later case run in the wrong context.
_NEAR_MISS = re.compile(r"//\s*-{3,}")
# MLIR's IR dump headers contain the marker (``// -----// IR Dump After ...``), so a dump on
# stderr can be fed back with --split-input-file.
_DUMP_HEADER = re.compile(r"// -----//.*//----- //\Z")


@dataclass
class Chunk:
    """One piece of the input: its text and how many lines of the file come before it."""

    text: str
    line_offset: int
    warnings: list[Diagnostic] = field(default_factory=list)


def split_input(text: str, filename: str, split: bool) -> list[Chunk]:
    """Cut ``text`` at lines that are exactly the split marker (when ``split``), attaching a
    warning to the chunk of each near-miss marker line."""
    if not split:
        return [Chunk(text, 0)]
    lines = text.splitlines(keepends=True)
    chunks: list[Chunk] = []
    start = 0
    warnings: list[Diagnostic] = []
    for i, line in enumerate(lines):
        s = line.strip()
        if s == SPLIT_MARKER or _DUMP_HEADER.match(s):
            chunks.append(Chunk("".join(lines[start:i]), start, warnings))
            start, warnings = i + 1, []
        elif _NEAR_MISS.match(s):
            col = len(line) - len(line.lstrip()) + 1
            warnings.append(
                Diagnostic(
                    Location(filename, i + 1, col),
                    f"near miss with the split marker '{SPLIT_MARKER}' (it must be alone on its line, "
                    "spelled exactly); this line does not split the input",
                    "warning",
                )
            )
    chunks.append(Chunk("".join(lines[start:]), start, warnings))
    return chunks



def parse_chunk(chunk: Chunk, filename: str, allow_unregistered: bool = False) -> "Operation":
    """Parse one chunk, located in the whole file (raises `DiagnosticError`)."""
    from dory.dory_ir.parser import parse_module

    module = parse_module(chunk.text, filename, chunk.line_offset, allow_unregistered)
    if module.loc == UNKNOWN:
        # The implicit module around top-level ops: put it at the start of its chunk, so that
        # an error about the whole module (a failing pass, no function) still reports a line.
        module.loc = Location(filename, chunk.line_offset + 1, 1)
    return module


def format_diagnostic(d: Diagnostic) -> str:
    """``file:line:col: error: ...``; a diagnostic without any location still reads
    ``error: ...`` rather than ``<unknown>: error: ...``."""
    return d.format() if d.loc != UNKNOWN else f"{d.severity}: {d.message}"


ChunkProcessor = Callable[[Chunk], tuple[str | None, list[Diagnostic]]]
"""What a tool does with one chunk: its output text (None when it failed) and its diagnostics."""


def run_chunks(
    text: str, filename: str, split: bool, verify_diagnostics: bool, process: ChunkProcessor
) -> tuple[list[str], bool]:
    """Run ``process`` on every chunk of ``text`` (one chunk unless ``split``), printing each
    chunk's diagnostics to stderr as they come, or with ``verify_diagnostics`` only the mismatches
    against its ``expected-*`` comments. Returns the outputs of the chunks that succeeded and
    whether the whole run succeeded (with ``verify_diagnostics``: every expectation met, even if
    chunks failed as expected)."""
    from dory.driver.expect import check_expectations

    ok = True
    outputs: list[str] = []
    for chunk in split_input(text, filename, split):
        out, diags = process(chunk)
        if out is not None:
            outputs.append(out)
        if verify_diagnostics:
            problems = check_expectations(chunk, filename, diags)
            for d in problems:
                sys.stderr.write(format_diagnostic(d) + "\n")
            ok &= not problems
        else:
            for d in diags:
                sys.stderr.write(format_diagnostic(d) + "\n")
            ok &= out is not None and not any(d.severity == "error" for d in diags)
    return outputs, ok


def join_outputs(outputs: list[str]) -> str:
    """The chunks' outputs as one text, separated by marker lines (nothing added for one chunk)."""
    return (SPLIT_MARKER + "\n").join(outputs)
