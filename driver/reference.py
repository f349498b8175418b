"""DORY-style reference data: ``input.txt`` / ``out_layerN.txt`` files, and the per-layer check.

File format (as DORY's examples ship them): a header line ``# name (shape [d0, d1, ...]),``
(sometimes with a trailing ``\\``), then one value per line, each followed by ``,`` or ``,\\``;
values may be written as floats (``228.000``) but are integers.

Layouts: feature maps are HWC (the header shape is ``[H, W, C]``, or ``[W, C]`` / ``[1, W, C]`` for
1-D networks). Some exports write CHW instead: SmartAgri-net says so with a ``[C, H, W]`` header,
nemo_dscnn does not (its headers read ``[1, H, W, C]``). A ``[C, H, W]`` header is read as CHW; any
other header is compared as HWC first and CHW second, and the report names the layout that
matched; ``--reference-layout`` forces one. Inputs are in the network input's IR layout (HWC).
For ``input_K.txt`` the expected outputs are ``out_K_layerN.txt``.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

import numpy as np

from dory.dory_ir.diagnostics import DiagnosticError, Location

# The layouts reference feature maps can be read in (``--reference-layout``, either tool; any case).
REFERENCE_LAYOUTS = ("HWC", "CHW")

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


def to_ir_order(ref: RefTensor, ir_shape: tuple[int, ...], layout: str) -> np.ndarray | None:
    """The reference values in the IR value's row-major order, reading them as ``layout``
    ("HWC" or "CHW"); None when that layout does not apply to this value."""
    if layout == "HWC" or len(ir_shape) != 4:
        return ref.values if layout == "HWC" else None
    n, h, w, c = ir_shape
    return ref.values.reshape(n, c, h, w).transpose(0, 2, 3, 1).reshape(-1)


def layouts_to_try(ref: RefTensor, ir_shape: tuple[int, ...], forced: str | None) -> list[str]:
    """Which layouts to compare in: a forced one; else the one the header names. A header that
    reads ``[C, H, W]`` names CHW; any other header is tried as HWC and then CHW, because some
    exports (e.g. nemo_dscnn) write CHW data under an ``[N, H, W, C]`` header. The report always
    says which layout matched."""
    if len(ir_shape) != 4:
        return ["HWC"]  # a vector: no channel order to choose, whatever is forced
    if forced:
        return [forced]
    n, h, w, c = ir_shape
    strip = tuple(d for d in ref.shape if d != 1)
    hwc = tuple(d for d in (h, w, c) if d != 1)
    chw = tuple(d for d in (c, h, w) if d != 1)
    if strip == chw and strip != hwc:
        return ["CHW"]
    return ["HWC", "CHW"]


@dataclass
class LayerReport:
    index: int
    name: str
    shape: str
    ok: bool
    detail: str

    def line(self, name_width: int = 28) -> str:
        """The report's line, the name padded to ``name_width`` (`report_lines` pads every line of
        a table to its longest name, so the columns stay aligned)."""
        status = "match" if self.ok else "MISMATCH"
        return (f"layer {self.index:>3}  {self.name:<{name_width}} {self.shape:<22} "
                f"{status}{(': ' + self.detail) if self.detail else ''}")


def name_width(names: list[str]) -> int:
    """The name column's width for a table of these names: 28, or the longest name."""
    return max([28] + [len(n) for n in names])


def report_lines(reports: list[LayerReport]) -> list[str]:
    """The per-layer lines of a check, with one name column width for all of them."""
    width = name_width([r.name for r in reports])
    return [r.line(width) for r in reports]


def compare(actual: np.ndarray, ref: RefTensor, ir_shape: tuple[int, ...], forced: str | None = None) -> tuple[bool, str]:
    """Exact comparison; the detail says how many values differ and where the first one is."""
    flat = np.asarray(actual).reshape(-1)
    if flat.size != ref.values.size:
        return False, f"expected {ref.values.size} values ({os.path.basename(ref.path)}), found {flat.size}"
    first: tuple[str, np.ndarray, np.ndarray] | None = None
    for layout in layouts_to_try(ref, ir_shape, forced):
        exp = to_ir_order(ref, ir_shape, layout)
        if exp is None:
            continue
        diff = np.nonzero(flat != exp)[0]
        if diff.size == 0:
            header = "[" + ", ".join(map(str, ref.shape)) + "]"
            return True, "" if layout == "HWC" else f"(read as CHW; header {header})"
        if first is None:
            first = (layout, exp, diff)
    assert first is not None
    layout, exp, diff = first
    i = int(diff[0])
    idx = [int(v) for v in np.unravel_index(i, ir_shape)]
    return False, f"{diff.size} of {flat.size} values differ ({layout}); first at {idx}: expected {exp[i]}, found {flat[i]}"


def check_layers(
    module: "object",
    inputs: list[np.ndarray],
    files: list[str],
    func: str | None = None,
    layout: str | None = None,
    also: "object | None" = None,
) -> tuple[list[LayerReport], list[np.ndarray]]:
    """Run ``module`` on ``inputs`` and compare each deployed layer's output (schedule order) with
    ``files`` (one per layer). Returns a report per layer (plus one for a count mismatch) and the
    function's outputs. ``also(op, results)`` is called after every op (e.g. a dumper)."""
    from dory.dory_ir.dialects import qnn
    from dory.dory_ir.interp import run_function
    from dory.dory_ir.interp.interpreter import find_function
    from dory.dory_ir.layers import find_layers
    from dory.dory_ir.printer import _sanitize

    fn = find_function(module, func)  # type: ignore[arg-type]
    layers = find_layers(fn)
    # Each layer's checkpoints: its output, and, where its chain has several requants (an add's
    # requant and then NEMO's separate activation module, DORY's ``relu2``), the value after each
    # requant but the last: DORY's reference may number those as layers of their own.
    points: list[list[object]] = []
    for layer in layers:
        rqs = [op for op in layer.ops[1:] if op.results]
        inner = [op.results[0] for op in rqs[:-1]] if isinstance(layer.anchor, (qnn.AddOp,)) else []
        points.append(inner + [layer.output])
    wanted = {id(v): (i, k) for i, pts in enumerate(points) for k, v in enumerate(pts)}
    got: dict[tuple[int, int], np.ndarray] = {}

    def on_result(op: "object", results: list[np.ndarray]) -> None:
        for r, arr in zip(op.results, results):  # type: ignore[attr-defined]
            ik = wanted.get(id(r))
            if ik is not None:
                got[ik] = arr
        if also is not None:
            also(op, results)  # type: ignore[operator]

    outputs = run_function(module, inputs, func, on_result=on_result)  # type: ignore[arg-type]
    refs = [read_txt(path) for path in files]

    def check(i: int, k: int, j: int, part: bool = False) -> tuple[bool, str, str, str]:
        layer = layers[i]
        v = points[i][k]
        ir_shape = tuple(v.type.shape)  # type: ignore[attr-defined]
        ok, detail = compare(got[(i, k)], refs[j], ir_shape, layout)
        op = v.op if part and k > 0 else layer.anchor  # type: ignore[attr-defined]  # a split part: its requant
        name = f"%{_sanitize(v.name_hint or '?')} ({op.op_name})"  # type: ignore[attr-defined]
        if op.loc.name:
            name += f" {op.loc.name}"
        return ok, detail, name, "x".join(map(str, ir_shape)) + f" {v.type.element_type}"  # type: ignore[attr-defined]

    reports: list[LayerReport] = []
    j = covered = 0
    for i in range(len(layers)):
        if j >= len(refs):
            break
        covered = i + 1
        n = len(points[i])
        # DORY's layering of this layer: as one layer (its output), or split at its requants
        # when the reference's next files match each of them.
        split = None
        if n > 1 and j + n <= len(refs) and not check(i, n - 1, j)[0]:
            trial = [check(i, k, j + k, part=True) for k in range(n)]
            if all(t[0] for t in trial):
                split = trial
        for k, (ok, detail, name, shape) in enumerate(split or [check(i, n - 1, j)]):
            if split is not None and k > 0:
                detail = (detail + " " if detail else "") + "(DORY's layering: this requant after the add is a layer of its own)"
            reports.append(LayerReport(j, name, shape, ok, detail))
            j += 1
    for jj in range(j, len(refs)):
        reports.append(LayerReport(jj, refs[jj].name or os.path.basename(files[jj]), "-", False, "no such layer in the IR"))
    if len(layers) > covered:
        extra = ", ".join(f"%{layer.output.name_hint}" for layer in layers[covered:])
        reports.append(LayerReport(len(refs), "(layer count)", "-", False, f"expected {len(refs)} layers from the reference, found {j + len(layers) - covered}; unchecked: {extra}"))
    return reports, outputs
