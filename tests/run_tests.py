"""Run dory's test suites (pytest and lit) and close with one ``N passed, N failed, N skipped`` line.

    python tests/run_tests.py [--bin DIR] [--only pytest|lit] [--long exclude|include|only]
                              [extra pytest args after --]

``--long``: the pytest tests marked ``long`` (the longest sweeps) are left out by default (``make
test``), run alone with ``only`` (``make test-long``), or with everything else with ``include``
(``make test-all``, what CI runs, so its closing line still covers every test).

Both runners stream their output as usual; this script also keeps it, reads each runner's own
summary, and adds the counts up. A runner that crashes, finds no tests, or prints no summary it
can read counts as a failure, so a broken setup can never look green. The exit status is 0 only
if every test passed.

Used by ``make test`` / ``make pytest`` / ``make pytest-fast`` / ``make lit``; it is a plain
script beside the tests it runs, not an installed console script in ``tools/``, because it is
about this checkout's layout (``tests/``, ``lit_tests/``). pytest does not collect it (the name
does not match ``test_*.py``).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# pytest's closing line: "== 3 failed, 40 passed, 2 skipped, 1 error in 5.20s ==" (or, with -q,
# the same without the '=' rule). Counts come in any order.
_PYTEST_COUNT = re.compile(r"(\d+) (passed|failed|errors?|skipped|xfailed|xpassed|deselected|warnings?|rerun)\b")
_PYTEST_SUMMARY = re.compile(r"^=*\s*((?:\d+ \w+(?:, )?)+) in [\d.]+s")
_PYTEST_NO_TESTS = re.compile(r"^=*\s*no tests ran in [\d.]+s", re.M)

# lit's closing block: "  Passed: 12 (92.31%)" / "  Failed: 1 (7.69%)" and friends.
_LIT_COUNT = re.compile(r"^\s+(Passed|Failed|Unresolved|Timed Out|Unexpectedly Passed|Expectedly Failed|"
                        r"Unsupported|Skipped|Excluded)\s*:\s*(\d+)", re.M)
_LIT_FAILING = ("Failed", "Unresolved", "Timed Out", "Unexpectedly Passed")
_LIT_PASSING = ("Passed", "Expectedly Failed")
_LIT_SKIPPED = ("Unsupported", "Skipped", "Excluded")
# Skip reasons: pytest's "-rs" lines, and lit's verbose "UNSUPPORTED: dory :: path (n of m)" lines.
_PYTEST_SKIP = re.compile(r"^SKIPPED (\[\d+\] .*)$", re.M)
_LIT_UNSUPPORTED = re.compile(r"^UNSUPPORTED: (.*?)(?: \(\d+ of \d+\))?$", re.M)


@dataclass
class Result:
    """What one runner reported (``crashed`` holds why it could not be trusted, if so)."""

    name: str
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    skip_reasons: list[str] = field(default_factory=list)
    exit_code: int = 0
    crashed: str = ""

    @property
    def ok(self) -> bool:
        return not self.failed and not self.crashed and self.exit_code == 0

    def describe(self) -> str:
        # Worded differently from the closing line on purpose: CI reads "N passed, N failed"
        # lines, and only the last one, the total, should look like that.
        text = f"{self.name}: passed {self.passed}, failed {self.failed}, skipped {self.skipped}, exit {self.exit_code}"
        return text + (f" ({self.crashed})" if self.crashed else "")


def tool(bindir: str, name: str) -> str:
    """``name`` from ``bindir`` if given (the venv's bin/), else from PATH."""
    if bindir:
        return str(Path(bindir) / name)
    found = shutil.which(name)
    return found or name


def stream(cmd: list[str]) -> tuple[int, str]:
    """Run ``cmd`` in the checkout, echoing its output live and returning it too."""
    print("$ " + " ".join(cmd), flush=True)
    try:
        proc = subprocess.Popen(
            cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        )
    except OSError as e:
        return 127, f"cannot run {cmd[0]}: {e}"
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:
        sys.stdout.write(line)
        sys.stdout.flush()
        lines.append(line)
    return proc.wait(), "".join(lines)


def parse_pytest(code: int, output: str) -> Result:
    """Counts from pytest's last summary line; exit codes 2-5 (interrupted, internal error, usage
    error, no tests collected) are failures whatever the counts say."""
    r = Result("pytest", exit_code=code)
    summary = None
    for line in output.splitlines():
        m = _PYTEST_SUMMARY.match(line.strip())
        if m:
            summary = m.group(1)
    if summary is not None:
        for n, kind in _PYTEST_COUNT.findall(summary):
            if kind == "passed":
                r.passed += int(n)
            elif kind in ("failed", "error", "errors"):
                r.failed += int(n)
            elif kind in ("skipped", "xfailed"):
                r.skipped += int(n)
            elif kind == "xpassed":
                r.passed += int(n)
    # "SKIPPED [2] tests/test_x.py:12: reason" (the -rs short summary), one line per reason.
    r.skip_reasons = [m.group(1) for m in _PYTEST_SKIP.finditer(output)]
    if code == 5 or _PYTEST_NO_TESTS.search(output):
        r.crashed = "no tests collected"
    elif code not in (0, 1):
        r.crashed = f"pytest stopped with exit status {code}"
    elif summary is None:
        r.crashed = "no pytest summary line found"
    elif code == 1 and not r.failed:
        r.crashed = "pytest failed without reporting a failing test"
    return r


def parse_lit(code: int, output: str) -> Result:
    """Counts from lit's closing block; no block, or an exit status other than 0/1, is a crash."""
    r = Result("lit", exit_code=code)
    counts = {k: int(v) for k, v in _LIT_COUNT.findall(output)}
    r.passed = sum(counts.get(k, 0) for k in _LIT_PASSING)
    r.failed = sum(counts.get(k, 0) for k in _LIT_FAILING)
    r.skipped = sum(counts.get(k, 0) for k in _LIT_SKIPPED)
    r.skip_reasons = [f"{m.group(1)}: a REQUIRES feature is missing (lit_tests/lit.cfg.py)" for m in _LIT_UNSUPPORTED.finditer(output)]
    if code not in (0, 1):
        r.crashed = f"lit stopped with exit status {code}"
    elif not counts:
        r.crashed = "no lit summary found (were any tests discovered?)"
    elif r.passed + r.failed == 0:
        r.crashed = "lit ran no test"
    elif code == 1 and not r.failed:
        r.crashed = "lit failed without reporting a failing test"
    return r


def with_long(extra: list[str], long: str) -> list[str]:
    """``extra`` pytest arguments with the ``long`` mark selected as ``long`` says (``exclude``,
    ``include``, ``only``), merged into a ``-m`` expression ``extra`` already has (pytest keeps
    only the last ``-m``)."""
    if long == "include":
        return list(extra)
    want = "not long" if long == "exclude" else "long"
    out = list(extra)
    for i, a in enumerate(out):
        if a == "-m" and i + 1 < len(out):
            out[i + 1] = f"({out[i + 1]}) and {want}"
            return out
        if a.startswith("-m") and len(a) > 2:
            out[i] = f"-m({a[2:]}) and {want}"
            return out
    return out + ["-m", want]


def run_pytest(bindir: str, extra: list[str]) -> Result:
    cmd = [tool(bindir, "pytest"), "tests"]
    # Only use -n if pytest-xdist is importable by the interpreter that runs pytest: the venv's
    # when bindir is given (this script normally runs under that same interpreter).
    python = tool(bindir, "python") if bindir else sys.executable
    if Path(python).absolute() == Path(sys.executable).absolute():
        has_xdist = importlib.util.find_spec("xdist") is not None
    else:
        has_xdist = subprocess.run([python, "-c", "import xdist"], capture_output=True).returncode == 0
    if has_xdist:
        cmd += ["-n", "auto"]
    cmd += ["-q", "-rfEs", *extra]
    code, out = stream(cmd)
    if code == 127:
        return Result("pytest", exit_code=code, crashed=out)
    return parse_pytest(code, out)


def run_lit(bindir: str) -> Result:
    # The `lit` console script: `python -m lit.main` exits 0 without running anything.
    code, out = stream([tool(bindir, "lit"), "-sv", "lit_tests"])
    if code == 127:
        return Result("lit", exit_code=code, crashed=out)
    return parse_lit(code, out)


def summarize(results: list[Result]) -> tuple[str, bool]:
    """The closing line and whether everything passed. A crashed runner adds one failure if it
    reported none, so the total can never read "0 failed" after a crash."""
    passed = sum(r.passed for r in results)
    failed = sum(r.failed + (1 if r.crashed and not r.failed else 0) for r in results)
    skipped = sum(r.skipped for r in results)
    return f"{passed} passed, {failed} failed, {skipped} skipped", all(r.ok for r in results) and failed == 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    default_bin = str(ROOT / ".venv" / "bin") if (ROOT / ".venv" / "bin" / "python").exists() else ""
    ap.add_argument("--bin", default=os.environ.get("DORY_BIN", default_bin),
                    help="directory holding pytest and lit (default: .venv/bin if present, else PATH)")
    ap.add_argument("--only", choices=["pytest", "lit"], help="run just one of the suites")
    ap.add_argument("--long", choices=["exclude", "include", "only"], default="exclude",
                    help="pytest tests marked long: left out (default), run too, or run alone (no lit)")
    ap.add_argument("pytest_args", nargs="*", help="extra arguments for pytest (after --)")
    args = ap.parse_args(argv)
    bindir = args.bin.rstrip("/")

    results = []
    if args.only in (None, "pytest"):
        results.append(run_pytest(bindir, with_long(args.pytest_args, args.long)))
    if args.only in (None, "lit") and args.long != "only":
        results.append(run_lit(bindir))
    print()
    for r in results:
        print(r.describe())
    # Skips are never silent: each reason on a line above the total.
    for r in results:
        for reason in r.skip_reasons:
            print(f"skipped ({r.name}): {reason}")
    line, ok = summarize(results)
    print(line, flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
