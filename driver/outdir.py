"""Output directories written atomically: every tool that writes a directory (dory-run
``--save-outputs``/``--dump-all``, dory-translate ``--to-c``, dory-compile) fills a temporary
sibling and renames it into place, so a failure never leaves a half-written directory.

A run killed outright (SIGKILL, a power cut) cannot remove its temporary directory, so each one
is named after its owner (``<prefix><pid>.<host>-`` and mkdtemp's random suffix) and the next run writing to the same
parent removes those whose owner is gone: same host, same user, and no process with that pid.
Directories of live runs, of other hosts or users, and anything named otherwise are left alone.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import tempfile


class OutputDirError(Exception):
    """The requested output directory cannot be used (message says why)."""


def fresh_dir_target(path: str, flag: str, prefix: str) -> str:
    """Check that ``path`` can become an output directory (missing or empty, parent present) and
    return a new temporary sibling to fill; `commit_dir` moves it into place."""
    if os.path.exists(path) and (not os.path.isdir(path) or os.listdir(path)):
        raise OutputDirError(f"{flag} expected a missing or empty directory, found existing '{path}'; remove it first")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise OutputDirError(f"{flag} expected an existing parent directory, found none for '{path}'")
    remove_stale(parent, prefix)
    return tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}.{_host()}-", dir=parent)


def _host() -> str:
    """A short, file-name-safe tag of this machine (temporary directories may be on a shared disk)."""
    return hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]


def _alive(pid: int) -> bool:
    """Whether a process ``pid`` exists on this machine (signal 0 checks without sending)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def remove_stale(parent: str, prefix: str) -> list[str]:
    """Remove the temporary directories under ``parent`` that `fresh_dir_target` made with
    ``prefix`` for runs that are gone (module docstring); returns their paths."""
    pattern = re.compile(re.escape(prefix) + r"(\d+)\.([0-9a-f]{8})-[^/]+$")
    removed = []
    try:
        names = os.listdir(parent)
    except OSError:
        return removed
    for name in sorted(names):
        m = pattern.match(name)
        if not m or m.group(2) != _host():
            continue
        pid = int(m.group(1))
        path = os.path.join(parent, name)
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if not os.path.isdir(path) or os.path.islink(path) or st.st_uid != os.getuid() or pid == os.getpid() or _alive(pid):
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def commit_dir(tmp: str, path: str) -> None:
    """Move the filled temporary directory ``tmp`` to ``path`` (empty or missing, checked before)."""
    if os.path.isdir(path):
        os.rmdir(path)
    os.rename(tmp, path)
