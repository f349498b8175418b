"""What the command-line tools share beyond splitting: the usage-error type and reading a text
input file (or stdin)."""

from __future__ import annotations

import functools
import sys
from typing import Callable, Sequence, TypeVar


class UsageError(Exception):
    """A bad command line or output path, reported as ``<tool>: error: ...`` (no IR location) with
    exit status 1."""


ONNX_HINT = "this is an ONNX file: run dory-translate --from-onnx first"


def looks_like_onnx(path: str, data: bytes) -> bool:
    """Whether a file given to a text-IR tool is an ONNX model: named ``.onnx``, or binary (not
    UTF-8) and starting as a serialized ModelProto does (field 1, ``ir_version``: tag byte 0x08)."""
    if path.lower().endswith(".onnx"):
        return True
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return data[:1] == b"\x08"
    return False


def read_source(path: str) -> tuple[str, str]:
    """The text of ``path`` (``-``: stdin) and the file name diagnostics should use. An ONNX model
    is a located `DiagnosticError` saying to translate it first; other binary files a `UsageError`."""
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise UsageError(f"cannot read '{path}': {e.strerror or e}") from None
    if looks_like_onnx(path, data):
        from dory.dory_ir.diagnostics import DiagnosticError, Location

        raise DiagnosticError(Location(path), ONNX_HINT)
    try:
        return data.decode("utf-8"), path
    except UnicodeDecodeError:
        raise UsageError(f"cannot read '{path}': it is not UTF-8 text") from None


INTERRUPTED = 130  # the shell's status for a process ended by SIGINT (128 + 2)

_Main = TypeVar("_Main", bound=Callable[..., int])


def interruptible(tool: str) -> Callable[[_Main], _Main]:
    """Decorate a tool's ``main``: Ctrl-C (KeyboardInterrupt) anywhere in it is one line
    (``<tool>: interrupted``) and exit status 130, never a traceback. The tools write their
    outputs atomically (driver/outdir.py), so an interrupted run leaves no partial output."""

    def wrap(main: _Main) -> _Main:
        @functools.wraps(main)
        def guarded(argv: Sequence[str] | None = None) -> int:
            try:
                return main(argv)
            except KeyboardInterrupt:
                print(f"{tool}: interrupted", file=sys.stderr)
                return INTERRUPTED

        return guarded  # type: ignore[return-value]

    return wrap
