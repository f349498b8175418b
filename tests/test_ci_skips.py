"""tests/ci_skips.py: under CI a skip for a missing ../shared or toolchain is a failure, others stay skips."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _run(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_x.py").write_text(
        "import pytest\n\n"
        "@pytest.mark.skipif(True, reason='no shared models at ../shared/models')\n"
        "def test_shared():\n    pass\n\n"
        "def test_toolchain():\n    pytest.skip('no RV32 toolchain (apt-get install ...)')\n\n"
        "@pytest.mark.skipif(True, reason='no GVSOC at /nowhere')\n"
        "def test_gvsoc():\n    pass\n")
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    env["PYTHONPATH"] = str(HERE)
    # an empty ini of its own (pytest >= 9.2 refuses `-c /dev/null`: not a .ini/.cfg/.toml name) keeps
    # the repo's pyproject options out of the inner run
    ini = tmp_path / "pytest.ini"
    ini.write_text("[pytest]\n")
    r = subprocess.run([sys.executable, "-m", "pytest", "-p", "ci_skips", "-q", "-n", "0", "-p", "no:cacheprovider", "-rA",
                        str(tmp_path / "test_x.py"), "--rootdir", str(tmp_path), "-c", str(ini)],
                       capture_output=True, text=True, env=env)
    return r


def test_ci_turns_missing_shared_and_toolchain_skips_into_failures(tmp_path: Path) -> None:
    r = _run(tmp_path, ci=True)
    # a skipif mark is decided at set-up, so that one reports as an error; both fail the run
    assert r.returncode == 1 and "1 failed, 1 skipped, 1 error" in r.stdout, r.stdout
    assert "SKIPPED [1]" in r.stdout and "no GVSOC" in r.stdout


def test_without_ci_they_are_skips(tmp_path: Path) -> None:
    r = _run(tmp_path, ci=False)
    assert r.returncode == 0 and "3 skipped" in r.stdout, r.stdout
