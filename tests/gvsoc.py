"""Where the tests find GVSOC, how they skip without it, and how they run a program on it.

GVSOC (PULP's cycle-approximate simulator, docs/gvsoc.md) is built by ``make gvsoc``
(``bench/gvsoc/build.sh``) into a cache, never fetched by the tests: CI has no GVSOC, and there
every test marked ``requires_gvsoc`` is skipped with a reason saying where it looked and how to
build it, which the test runner prints above its closing ``N passed, N failed, N skipped`` line.

The install is looked up in this order: ``$DORY_GVSOC`` (an install directory), else
``$GVSOC_CACHE/install`` (the build script's own variable), else ``~/.cache/dory/gvsoc/install``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

# The cache the build script uses when GVSOC_CACHE is unset (bench/gvsoc/build.sh says the same).
DEFAULT_CACHE = Path.home() / ".cache" / "dory" / "gvsoc"
TARGET = "pulp-open"
RVCC = os.environ.get("RVCC", "riscv64-unknown-elf-gcc")

# gapy's report of a program that ended with a non-zero status (its own exit code is then 1).
_PLATFORM_STATUS = re.compile(r"Platform returned an error \(exitcode: (-?\d+)\)")


class GvsocError(RuntimeError):
    """GVSOC itself failed (it did not start, crashed, or the program never ended in time)."""


def gvsoc_location() -> Path:
    """The install directory the lookup order above selects, whether or not it exists."""
    if os.environ.get("DORY_GVSOC"):
        return Path(os.environ["DORY_GVSOC"])
    if os.environ.get("GVSOC_CACHE"):
        return Path(os.environ["GVSOC_CACHE"]) / "install"
    return DEFAULT_CACHE / "install"


def gvsoc_install() -> Path | None:
    """The GVSOC install to use, or None when there is none (no ``bin/gvsoc`` at the location)."""
    install = gvsoc_location()
    return install if (install / "bin" / "gvsoc").is_file() else None


def _skip_reason() -> str:
    where = gvsoc_location()
    return (f"no GVSOC at {where} (set DORY_GVSOC to an install directory, or build one with "
            f"`make gvsoc`, docs/gvsoc.md)")


# A test that runs programs on GVSOC; it also needs the RISC-V compiler that builds them.
requires_gvsoc = pytest.mark.skipif(gvsoc_install() is None, reason=_skip_reason())
requires_rvcc = pytest.mark.skipif(
    shutil.which(RVCC) is None, reason=f"no {RVCC} to build programs for GVSOC (apt-get install gcc-riscv64-unknown-elf)")


def gvsoc_command(elf: Path, workdir: Path, install: Path | None = None) -> list[str]:
    """The command line that runs ``elf`` on the pulp-open target (what docs/gvsoc.md documents).

    GVSOC writes its generated config and logs (gvsoc_config.json, trace_file.txt, ...) into
    ``workdir``; the program's output on the fabric controller's stdout channel comes out on
    GVSOC's stdout.
    """
    install = install or gvsoc_install()
    if install is None:
        raise GvsocError(_skip_reason())
    return [str(install / "bin" / "gvsoc"), f"--target={TARGET}", f"--work-dir={workdir}",
            f"--binary={elf}", "run"]


def run_elf(elf: Path, cwd: Path, timeout: float = 300.0) -> tuple[int, str]:
    """Run ``elf`` on GVSOC in the working directory ``cwd``: (the program's status, its stdout).

    The status is the one the program wrote to the end-of-computation register (0x80000000 |
    status at 0x1a1040a0): gapy exits 0 for status 0, and for any other exits 1 after naming the
    status on stderr, which this reads back. Anything else (GVSOC failing to start or crashing, no
    end of computation within ``timeout`` seconds) raises GvsocError with GVSOC's own messages.
    """
    cwd.mkdir(parents=True, exist_ok=True)
    cmd = gvsoc_command(Path(elf).resolve(), cwd.resolve())
    try:
        proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise GvsocError(f"{elf} did not end within {timeout:g} s on GVSOC; its output so far:\n{out}") from exc
    if proc.returncode == 0:
        return 0, proc.stdout
    status = _PLATFORM_STATUS.search(proc.stderr)
    if status:
        return int(status.group(1)), proc.stdout
    raise GvsocError(f"GVSOC failed on {elf} (exit {proc.returncode}): {' '.join(cmd)}\n"
                     f"{proc.stderr.strip()}\n{proc.stdout[-2000:]}")
