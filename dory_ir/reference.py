"""DORY-style reference data: ``input.txt`` / ``out_layerN.txt`` files, and the per-layer check.

File format (as DORY's examples ship them): a header line ``# name (shape [d0, d1, ...]),``
(sometimes with a trailing ``\\``), then one value per line, each followed by ``,`` or ``,\\``;
values may be written as floats (``228.000``) but are integers.

Layouts: feature maps are HWC (the header shape is ``[H, W, C]``, or ``[W, C]`` / ``[1, W, C]`` for
1-D networks). Some exports (e.g. SmartAgri-net) write CHW instead, with a ``[C, H, W]`` header;
the header decides, never the data. Inputs are in the network input's IR layout (HWC).
For ``input_K.txt`` the expected outputs are ``out_K_layerN.txt``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from dory_ir.diagnostics import DiagnosticError, Location

_HEADER_SHAPE = re.compile(r"\(shape \[([0-9,\s]*)\]\)")


@dataclass
class RefTensor:
    """One reference file: header name, header shape and the flat values."""

    path: str
    name: str
    shape: tuple[int, ...]
    values: np.ndarray


def read_txt(path: str) -> RefTensor:
    """Read a DORY ``.txt`` tensor; raises a located `DiagnosticError` on malformed lines."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError as e:
        raise DiagnosticError(Location(path), f"cannot read reference file: {e.strerror}") from None
    name, shape = "", ()
    vals: list[int] = []
    for i, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#") or (i == 1 and "(shape" in line):
            m = _HEADER_SHAPE.search(line)
            if m:
                shape = tuple(int(d) for d in m.group(1).replace(" ", "").split(",") if d)
            name = line.lstrip("#").split("(shape")[0].strip()
            continue
        tok = line.rstrip("\\").strip().rstrip(",").strip()
        try:
            v = float(tok)
        except ValueError:
            raise DiagnosticError(Location(path, i, 1), f"expected an integer value, found '{tok[:30]}'") from None
        if v != int(v):
            raise DiagnosticError(Location(path, i, 1), f"expected an integer value, found {tok}")
        vals.append(int(v))
    return RefTensor(path, name, shape, np.array(vals, dtype=np.int64))


def read_input(path: str, shape: tuple[int, ...]) -> np.ndarray:
    """An input tensor from ``.npy`` or DORY ``.txt`` (row-major in the IR layout)."""
    if path.endswith(".npy"):
        try:
            arr = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise DiagnosticError(Location(path), f"cannot read .npy input: {e}") from None
        return np.asarray(arr)
    t = read_txt(path)
    n = int(np.prod(shape))
    if t.values.size != n:
        raise DiagnosticError(
            Location(path), f"expected {n} values for an input of shape {'x'.join(map(str, shape))}, found {t.values.size}"
        )
    return t.values.reshape(shape)


def reference_files(ref_dir: str, input_path: str | None) -> list[str]:
    """``out_layerN.txt`` (or ``out_K_layerN.txt`` for ``input_K.txt``) in layer order."""
    k = None
    if input_path:
        m = re.search(r"input_(\d+)\.txt$", os.path.basename(input_path))
        if m:
            k = m.group(1)
    pat = re.compile(rf"out_{k}_layer(\d+)\.txt$" if k is not None else r"out_layer(\d+)\.txt$")
    try:
        names = os.listdir(ref_dir)
    except OSError as e:
        raise DiagnosticError(Location(ref_dir), f"cannot read reference directory: {e.strerror}") from None
    found = sorted(((int(m.group(1)), n) for n in names if (m := pat.match(n))), key=lambda t: t[0])
    if not found:
        want = f"out_{k}_layerN.txt" if k is not None else "out_layerN.txt"
        raise DiagnosticError(Location(ref_dir), f"expected reference files named {want}, found none")
    return [os.path.join(ref_dir, n) for _, n in found]


def to_ir_order(ref: RefTensor, ir_shape: tuple[int, ...]) -> tuple[np.ndarray, str]:
    """The reference values in the IR value's row-major order, and the layout that was read."""
    dims = tuple(d for d in ref.shape)
    if len(ir_shape) == 4:
        n, h, w, c = ir_shape
        strip = tuple(d for d in dims if d != 1) if dims else ()
        hwc = tuple(d for d in (h, w, c) if d != 1)
        chw = tuple(d for d in (c, h, w) if d != 1)
        if strip == hwc or not dims:
            return ref.values, "HWC"
        if strip == chw:
            return ref.values.reshape(c, h, w).transpose(1, 2, 0).reshape(-1), "CHW"
    return ref.values, "HWC" if len(ir_shape) == 4 else "flat"


@dataclass
class LayerReport:
    index: int
    name: str
    shape: str
    ok: bool
    detail: str

    def line(self) -> str:
        status = "match" if self.ok else "MISMATCH"
        return f"layer {self.index:>3}  {self.name:<28} {self.shape:<22} {status}{(': ' + self.detail) if self.detail else ''}"


def compare(actual: np.ndarray, ref: RefTensor, ir_shape: tuple[int, ...]) -> tuple[bool, str]:
    """Exact comparison; the detail says how many values differ and where the first one is."""
    flat = np.asarray(actual).reshape(-1)
    if flat.size != ref.values.size:
        return False, f"expected {ref.values.size} values ({os.path.basename(ref.path)}), found {flat.size}"
    exp, layout = to_ir_order(ref, ir_shape)
    diff = np.nonzero(flat != exp)[0]
    if diff.size == 0:
        return True, f"({layout})" if layout == "CHW" else ""
    i = int(diff[0])
    idx = list(np.unravel_index(i, ir_shape))
    return False, f"{diff.size} of {flat.size} values differ; first at {idx}: expected {exp[i]}, found {flat[i]}"
