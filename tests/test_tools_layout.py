"""``tools/`` holds only entry points (ARCHITECTURE.md): every module there is a shim that imports
its ``main`` from the library driver, and every console script points at one of them."""

from __future__ import annotations

import ast
import configparser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOOLS = sorted(p for p in (ROOT / "tools").glob("*.py") if p.name != "__init__.py")


@pytest.mark.parametrize("path", TOOLS, ids=lambda p: p.name)
def test_tool_module_is_a_shim(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    body = [n for n in tree.body if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]
    defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    assert not defs, f"{path.name} defines {[d.name for d in defs]}; tool logic belongs in driver/"
    mains = [
        n for n in body
        if isinstance(n, ast.ImportFrom) and (n.module or "").startswith("dory.driver.") and [a.name for a in n.names] == ["main"]
    ]
    assert len(mains) == 1, f"{path.name} should import main from one driver module"
    others = [n for n in body if not isinstance(n, (ast.Import, ast.ImportFrom, ast.If))]
    assert not others, f"{path.name} has statements beyond imports and the __main__ guard"


def test_console_scripts_point_at_the_shims() -> None:
    cfg = configparser.ConfigParser()
    cfg.read(ROOT / "setup.cfg")
    scripts = [line.split("=") for line in cfg["options.entry_points"]["console_scripts"].split("\n") if line.strip()]
    targets = {name.strip(): target.strip() for name, target in scripts}
    assert targets, "no console scripts in setup.cfg"
    shims = {f"dory.tools.{p.stem}:main" for p in TOOLS}
    assert set(targets.values()) == shims, targets
