"""Network inputs read from files: ``.npy``, ``.npz`` as Deeploy / QuantLab write them
(``inputs.npz``: ``input_K`` for input K, in the ONNX layout NCHW / NCL, converted to the IR's
NHWC / N1LC), or DORY text files (``input.txt``: ``#`` header lines,
then one integer per line such as ``81`` or ``81.000``, optionally followed by ``,`` or ``,\\``),
checked against the type of the function input they feed (``dory-run --input``,
``dory-compile --input``)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np

from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.dory_ir.interp import InputError, coerce_value
from dory.dory_ir.interp.interpreter import func_name
from dory.dory_ir.interp.intmath import INT64_MAX, INT64_MIN
from dory.dory_ir.types import Type

_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGIC = b"PK\x03\x04"  # an .npz is a zip of .npy files
# One value of the DORY text format: anything between separators (commas, blanks, line
# continuation backslashes); int() then decides whether it is an integer.
_TEXT_TOKEN = re.compile(r"[^,\s\\]+")


def _read_npz(path: str, index: int, t: Type) -> np.ndarray:
    """Input ``index`` of an ``.npz`` (key ``input_<index>``, or its only array), from the ONNX
    layout to the IR's when the shapes say so."""
    try:
        with np.load(path, allow_pickle=False) as z:
            keys = list(z.files)
            key = f"input_{index}" if f"input_{index}" in keys else (keys[0] if len(keys) == 1 else None)
            if key is None:
                raise DiagnosticError(Location(path), f"expected an array 'input_{index}' in the .npz, found {', '.join(keys) or 'none'}")
            arr = z[key]
    except (OSError, ValueError, EOFError) as e:
        raise DiagnosticError(Location(path), f"cannot read .npz input: {e}") from None
    arr = _integers(path, arr)
    # always the producer's ONNX layout (a shape alone cannot tell NCHW from NHWC when C = H = W)
    shape = tuple(getattr(t, "shape", ()))
    if arr.ndim == 4:
        arr = arr.transpose(0, 2, 3, 1)  # NCHW -> NHWC
    elif arr.ndim == 3 and len(shape) == 4:
        arr = arr.transpose(0, 2, 1)[:, None]  # NCL -> N1LC
    return arr


def _read_npy(path: str) -> np.ndarray:
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise DiagnosticError(Location(path), f"cannot read .npy input: {e}") from None
    if not isinstance(arr, np.ndarray):
        raise DiagnosticError(Location(path), f"expected one array in the .npy file, found {type(arr).__name__}")
    return _integers(path, arr)


def _integers(path: str, arr: np.ndarray) -> np.ndarray:
    if np.issubdtype(arr.dtype, np.floating):
        # Float files carrying integers (e.g. ONNX test data) are accepted when every value is
        # an exact integer; anything else would silently change the computation.
        bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (np.abs(arr) >= 2.0**63)
        if bad.any():
            where = [int(i) for i in np.argwhere(bad)[0]]
            raise DiagnosticError(
                Location(path), f"expected integer values, found {arr[tuple(where)]} at index {where}"
            )
        arr = arr.astype(np.int64)
    return arr


def _read_text(path: str) -> np.ndarray:
    """DORY text format: ``#`` header/comment lines, then integers one per line, written as
    ``81`` or ``81.000``, optionally followed by ``,`` or ``,\\`` (several values on a line,
    separated by commas or blanks, are accepted too)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise DiagnosticError(Location(path), f"cannot read input: {e}") from None
    values: list[int] = []
    for lineno, line in enumerate(lines, start=1):
        if line.lstrip().startswith("#"):
            continue
        for m in _TEXT_TOKEN.finditer(line):
            v = _integer_literal(m.group())
            if v is None:
                loc = Location(path, lineno, m.start() + 1)
                raise DiagnosticError(loc, f"expected an integer, found '{m.group()}'")
            values.append(v)
    if any(not INT64_MIN <= v <= INT64_MAX for v in values):
        bad = next(v for v in values if not INT64_MIN <= v <= INT64_MAX)
        raise DiagnosticError(Location(path), f"expected values within int64, found {bad}")
    return np.array(values, dtype=np.int64)


def _integer_literal(text: str) -> int | None:
    """``-3`` or an integral decimal such as ``81.000`` (DORY writes its golden files with
    three decimals); None for anything else, e.g. ``1.5``. Decimal keeps this exact."""
    try:
        return int(text)
    except ValueError:
        pass
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    if not d.is_finite() or d != d.to_integral_value():
        return None
    return int(d)


def load_input(path: str, index: int, t: Type, fn: Operation, what: str | None = None) -> np.ndarray:
    """Read input ``index`` of ``fn`` from ``path`` and check it against its type ``t``; errors
    name it as ``what`` (default ``input #i of @fn``)."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(_NPY_MAGIC))
    except OSError as e:
        raise DiagnosticError(Location(path), f"cannot read input: {e.strerror}") from None
    what = what or f"input #{index} of @{func_name(fn)}"
    if head == _NPY_MAGIC:
        arr = _read_npy(path)
    elif head.startswith(_ZIP_MAGIC):
        arr = _read_npz(path, index, t)
    else:
        flat = _read_text(path)
        shape = getattr(t, "shape", ())
        count = int(np.prod(shape, dtype=np.int64))
        if flat.size != count:
            raise DiagnosticError(Location(path), f"{what} expected {count} values for {t}, found {flat.size}")
        arr = flat.reshape(shape)
    try:
        return coerce_value(arr, t)
    except InputError as e:
        hint = type_hint(arr, t) if str(e).startswith("expected values of") else ""
        raise DiagnosticError(Location(path), f"{what}: {e}{hint}") from None


def type_hint(arr: np.ndarray, t: Type) -> str:
    """When ``arr``'s values do not fit ``t``'s element type: which ``--input-type`` would hold
    them (signed when one is negative, the narrowest of 1..32 bits), as a message suffix."""
    from dory.dory_ir.types import IntegerType

    et = getattr(t, "element_type", None)
    if not isinstance(et, IntegerType) or not np.issubdtype(arr.dtype, np.integer) or not arr.size:
        return ""
    lo, hi = int(arr.min()), int(arr.max())
    if et.fits(lo) and et.fits(hi):
        return ""
    sign = "signed" if lo < 0 else "unsigned"
    fit = next((IntegerType(w, sign) for w in (1, 2, 4, 8, 16, 32) if IntegerType(w, sign).fits(lo) and IntegerType(w, sign).fits(hi)), None)
    if fit is None:
        return ""
    return f" (the input's values span [{lo}, {hi}]: import the network with --input-type {fit}, as dory-translate --from-onnx and dory-compile take it)"

