"""The test runner's closing line (CI reads it): counts from pytest and lit, skips with reasons."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run_tests  # noqa: E402

_PYTEST_OUT = """\
..s.F
=========================== short test summary info ============================
SKIPPED [2] tests/test_x.py:12: no gvsoc at /opt/gvsoc
FAILED tests/test_y.py::test_z - assert 1 == 2
1 failed, 3 passed, 2 skipped in 1.20s
"""

_LIT_OUT = """\
PASS: dory :: a.mlir (1 of 3)
UNSUPPORTED: dory :: e2e/gvsoc.test (2 of 3)
PASS: dory :: b.mlir (3 of 3)
Total Discovered Tests: 3
  Unsupported: 1 (33.33%)
  Passed     : 2 (66.67%)
"""


def test_counts_and_skip_reasons() -> None:
    py = run_tests.parse_pytest(1, _PYTEST_OUT)
    lit = run_tests.parse_lit(0, _LIT_OUT)
    assert (py.passed, py.failed, py.skipped) == (3, 1, 2)
    assert py.skip_reasons == ["[2] tests/test_x.py:12: no gvsoc at /opt/gvsoc"]
    assert (lit.passed, lit.failed, lit.skipped) == (2, 0, 1)
    assert lit.skip_reasons[0].startswith("dory :: e2e/gvsoc.test: ")
    line, ok = run_tests.summarize([py, lit])
    assert line == "5 passed, 1 failed, 3 skipped" and not ok


def test_crashed_runner_counts_as_a_failure() -> None:
    lit = run_tests.parse_lit(2, "")
    line, ok = run_tests.summarize([lit])
    assert line == "0 passed, 1 failed, 0 skipped" and not ok


def test_long_mark_selection_merges_with_a_given_mark() -> None:
    assert run_tests.with_long([], "exclude") == ["-m", "not long"]
    assert run_tests.with_long([], "include") == []
    assert run_tests.with_long(["-x"], "only") == ["-x", "-m", "long"]
    assert run_tests.with_long(["-m", "not slow"], "exclude") == ["-m", "(not slow) and not long"]
    assert run_tests.with_long(["-mslow"], "only") == ["-m(slow) and long"]
