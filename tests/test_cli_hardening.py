"""The tools under a hostile user (issue 16, CLI): Ctrl-C is one line and exit 130, a killed
dory-compile's temporary directory is removed by the next run (only when its owner is gone), and
the output-path errors are one line (lit_tests/tools/dory-translate/errors.test has those)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dory.driver import outdir
from shared_models import SHARED, requires_shared

_BIN = Path(sys.executable).parent
_NET = SHARED / "nemo_Residual_connection_test_1" / "model_int.onnx"


def _dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_stale_dirs_of_dead_owners_are_removed(tmp_path: Path) -> None:
    host = outdir._host()
    dead = tmp_path / f".dory-compile-{_dead_pid()}.{host}-abc"
    live = tmp_path / f".dory-compile-{os.getppid()}.{host}-def"  # our parent: alive
    other_host = tmp_path / f".dory-compile-{_dead_pid()}.{'0' * 8 if host != '0' * 8 else '1' * 8}-ghi"
    unnamed = tmp_path / ".dory-compile-xyz"  # an older run's name: no owner to ask
    other_prefix = tmp_path / f".dory-{_dead_pid()}.{host}-jkl"  # another tool's prefix
    for d in (dead, live, other_host, unnamed, other_prefix):
        d.mkdir()
        (d / "f").write_text("x")
    tmp = outdir.fresh_dir_target(str(tmp_path / "app"), "-o", ".dory-compile-")
    assert not dead.exists()
    assert all(d.exists() for d in (live, other_host, unnamed, other_prefix))
    assert os.path.basename(tmp).startswith(f".dory-compile-{os.getpid()}.{host}-")


def _start_compile(out: Path) -> subprocess.Popen[str]:
    """dory-compile on a shared network, returned once its temporary directory exists (after the
    first progress line)."""
    p = subprocess.Popen([str(_BIN / "dory-compile"), str(_NET), "-o", str(out)], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    assert p.stderr is not None
    for line in p.stderr:
        if line.startswith("dory-compile: imported"):
            return p
    pytest.fail(f"dory-compile ended before importing: {p.wait()}")


@requires_shared
def test_ctrl_c_is_one_line_and_exit_130(tmp_path: Path) -> None:
    out = tmp_path / "app"
    p = _start_compile(out)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=300)
    assert p.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "dory-compile: interrupted", err
    assert not out.exists() and not list(tmp_path.glob(".dory-compile-*"))  # no partial output, no temp dir


@requires_shared
def test_killed_runs_temp_dir_is_removed_by_the_next_run(tmp_path: Path) -> None:
    p = _start_compile(tmp_path / "app")
    p.kill()
    p.wait()
    left = list(tmp_path.glob(".dory-compile-*"))
    assert len(left) == 1 and left[0].name.startswith(f".dory-compile-{p.pid}.")
    outdir.fresh_dir_target(str(tmp_path / "app2"), "-o", ".dory-compile-")
    assert not left[0].exists()
