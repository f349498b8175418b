"""Output directories written atomically: every tool that writes a directory (dory-run
``--save-outputs``/``--dump-all``, dory-translate ``--to-c``, dory-compile) fills a temporary
sibling and renames it into place, so a failure never leaves a half-written directory."""

from __future__ import annotations

import os
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
    return tempfile.mkdtemp(prefix=prefix, dir=parent)


def commit_dir(tmp: str, path: str) -> None:
    """Move the filled temporary directory ``tmp`` to ``path`` (empty or missing, checked before)."""
    if os.path.isdir(path):
        os.rmdir(path)
    os.rename(tmp, path)
