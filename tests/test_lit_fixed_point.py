"""`dory-opt x.mlir | dory-opt` is a fixed point for every IR chunk in the lit tests.

Every `// -----` chunk of every `.mlir` file under lit_tests/ that parses and verifies is printed,
parsed and printed again: the two texts must be identical (chunks that exist to show an error
are skipped, since they have no valid print)."""

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


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(LIT)))
def test_print_parse_print_is_a_fixed_point(path: Path) -> None:
    checked = 0
    for chunk in SPLIT.split(path.read_text(encoding="utf-8")):
        try:
            module = parse_module(chunk, str(path), allow_unregistered=True)
        except DiagnosticError:
            continue
        if verify(module):
            continue
        once = print_op(module)
        twice = print_op(parse_module(once, "<printed>", allow_unregistered=True))
        assert once == twice
        checked += 1
    if "invalid" not in path.name and "error" not in path.name:
        assert checked, f"{path}: no chunk parsed and verified"
