"""What the command-line tools share beyond splitting: the usage-error type and reading a text
input file (or stdin)."""

from __future__ import annotations

import sys


class UsageError(Exception):
    """A bad command line or output path, reported as ``<tool>: error: ...`` (no IR location) with
    exit status 1."""


def read_source(path: str) -> tuple[str, str]:
    """The text of ``path`` (``-``: stdin) and the file name diagnostics should use."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    except OSError as e:
        raise UsageError(f"cannot read '{path}': {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read '{path}': it is not UTF-8 text") from None
