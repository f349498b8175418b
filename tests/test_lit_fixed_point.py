"""`dory-opt x.mlir | dory-opt` is a fixed point for every IR chunk in the lit tests.

Every `// -----` chunk of every `.mlir` file under lit_tests/ that parses and verifies is printed,
parsed and printed again: the two texts must be identical. A chunk that does not parse or verify
must be one that exists to show an error (it carries an ``expected-error`` annotation for
``--verify-diagnostics``, or a RUN line, its own or one feeding it from ``Inputs/``, expects the
tool to fail with ``not``); any other
failing chunk fails the test, so a chunk broken by a grammar change cannot drop out unseen."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dory.dory_ir.diagnostics import DiagnosticError
from dory.dory_ir.opdef import verify
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op

LIT = Path(__file__).resolve().parents[1] / "lit_tests"
FILES = sorted(p for p in LIT.rglob("*.mlir") if "Output" not in p.parts)
SPLIT = re.compile(r"^// -----\s*$", re.MULTILINE)
# Files a lit test's RUN line feeds to a tool expected to fail (``RUN: not dory-opt %S/Inputs/x.mlir``).
_NOT_RUNS = [ln for p in LIT.rglob("*") if p.suffix in (".mlir", ".test") and "Output" not in p.parts
             for ln in p.read_text(encoding="utf-8").splitlines() if re.search(r"RUN:\s*not\b", ln)]


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(LIT)))
def test_print_parse_print_is_a_fixed_point(path: Path) -> None:
    checked = 0
    text = path.read_text(encoding="utf-8")
    expects_failure = re.search(r"RUN:\s*not\b", text) is not None or any(f"/{path.name}" in ln for ln in _NOT_RUNS)
    for i, chunk in enumerate(SPLIT.split(text)):
        try:
            module = parse_module(chunk, str(path), allow_unregistered=True)
            problem = "; ".join(str(d) for d in verify(module))
        except DiagnosticError as e:
            problem = str(e)
        if problem:
            assert expects_failure or "expected-error" in chunk, f"{path} chunk {i} fails without expecting to: {problem[:500]}"
            continue
        once = print_op(module)
        twice = print_op(parse_module(once, "<printed>", allow_unregistered=True))
        assert once == twice
        checked += 1
    if "invalid" not in path.name and "error" not in path.name:
        assert checked, f"{path}: no chunk parsed and verified"
