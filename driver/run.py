"""``dory-run``: run a function of a dory IR file with the reference interpreter.

    dory-run FILE.mlir [--input X ...] [--seed N] [--func NAME]
                       [--dump-all DIR] [-o OUT.npy | --save-outputs DIR]
    dory-run FILE.mlir --split-input-file [--verify-diagnostics] [--input X ...] [--seed N] [--func NAME]

Inputs are ``.npy`` files or DORY text files (`driver.inputs`), one per function
input, in order. Their shape must be the input type's (layout conversions such as NCHW -> NHWC
are the caller's job); text values are read in row-major order. Without ``--input``, ``--seed``
(default 0) draws random inputs over each element type's range.

Every output is printed as a header line ``output 0: tensor<1x10xsi32>`` followed by one line per
innermost row, ``[i,j,...]: v0 v1 ...`` (just the values for rank 1, one value for rank 0), so
FileCheck can match any row. ``--dump-all DIR`` writes every value (inputs, then each op result
in execution order) as ``DIR/<index>_<name>.npy`` with the names the printer gives them, plus
``DIR/index.txt``. Arrays are saved as int64.

``--split-input-file`` runs each ``// -----``-separated case on its own (the same ``--input``,
``--seed`` and ``--func`` for each) and separates their printed outputs by the marker;
``--verify-diagnostics`` checks each case's errors against its ``expected-error`` comments. Both
print on stdout only, so they do not combine with the file outputs or ``--reference``.

Errors (parse, verify, bad inputs, ops the interpreter cannot run) are printed as
``file:line:col: error: ...`` and exit with status 1; output files and directories are only
created once the whole run has succeeded.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from typing import Callable, Sequence

import numpy as np

from dory.dory_ir.core import Operation, Value
from dory.dory_ir.diagnostics import Diagnostic, DiagnosticError
from dory.dory_ir.interp import Interpreter, find_function, random_inputs
from dory.dory_ir.interp.interpreter import func_name, func_type_of
from dory.dory_ir.opdef import verify
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import Printer
from dory.dory_ir.types import FunctionType, Type
from dory.driver.cli import UsageError, interruptible, read_source
from dory.driver.inputs import load_input
from dory.driver.reference import REFERENCE_LAYOUTS
from dory.driver.outdir import OutputDirError, commit_dir, fresh_dir_target
from dory.driver.split import SPLIT_MARKER, Chunk, join_outputs, parse_chunk, run_chunks


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of ``dory-run`` (argparse exits with status 2 on bad flags)."""
    p = argparse.ArgumentParser(
        prog="dory-run",
        description="Run a function of a dory IR file with the exact integer reference interpreter.",
    )
    p.add_argument("file", help="IR file to run ('-' reads standard input)")
    p.add_argument(
        "--input",
        "-i",
        action="append",
        default=[],
        metavar="X",
        help="input file (.npy or DORY input.txt format), once per function input, in order",
    )
    p.add_argument("--seed", type=int, default=None, help="seed for random inputs when no --input is given (default 0)")
    p.add_argument("--func", default=None, metavar="NAME", help="function to run (default: the first one)")
    p.add_argument("--dump-all", default=None, metavar="DIR", help="save every intermediate value into DIR")
    p.add_argument(
        "--reference",
        default=None,
        metavar="DIR",
        help="compare every deployed layer (schedule order) with DORY reference files DIR/out_layerN.txt "
        "(out_K_layerN.txt for input_K.txt), and the final integer output with the last one; "
        "prints one line per layer, exits 1 on any mismatch",
    )
    p.add_argument(
        "--reference-layout",
        type=str.upper,
        choices=REFERENCE_LAYOUTS,
        default=None,
        help="read reference feature maps in this order (HWC or CHW, any case) (default: a [C, H, W] header means CHW, "
        "anything else is tried as HWC, then CHW, and the report says which matched)",
    )
    out = p.add_mutually_exclusive_group()
    out.add_argument("-o", "--output", default=None, metavar="OUT.npy", help="save the single output as .npy")
    out.add_argument("--save-outputs", default=None, metavar="DIR", help="save every output as DIR/output_<i>.npy")

    p.add_argument(
        "--split-input-file", action="store_true",
        help=f"run each '{SPLIT_MARKER}'-separated chunk on its own; outputs are separated by the marker",
    )
    p.add_argument(
        "--verify-diagnostics", action="store_true",
        help="check errors against 'expected-error@+N {{...}}' comments instead of printing them",
    )
    return p.parse_args(argv)


# -- output formatting ----------------------------------------------------------------------


def format_value(index: int, t: Type, arr: np.ndarray) -> str:
    """The printed form of output ``index``: a header line and one line per innermost row."""
    lines = [f"output {index}: {t}"]
    if arr.ndim == 0:
        lines.append(str(int(arr)))
    elif arr.ndim == 1:
        lines.append(" ".join(str(v) for v in arr.tolist()))
    elif arr.size:
        rows = arr.reshape(-1, arr.shape[-1]).tolist()
        for idx, row in zip(np.ndindex(*arr.shape[:-1]), rows):
            lines.append("[" + ",".join(str(i) for i in idx) + "]: " + " ".join(str(v) for v in row))
    return "\n".join(lines) + "\n"


# -- output files ---------------------------------------------------------------------------


def _fresh_dir_target(path: str, flag: str) -> str:
    """A temporary sibling of output directory ``path`` to fill (`driver.outdir`)."""
    try:
        return fresh_dir_target(path, flag, ".dory-run-")
    except OutputDirError as e:
        raise UsageError(str(e)) from None


def _save_npy(path: str, arr: np.ndarray) -> None:
    with open(path, "wb") as f:
        np.save(f, arr)


class _Dumper:
    """``--dump-all``: writes each value as it is computed into a temporary directory."""

    def __init__(self, module: Operation, tmp: str):
        printer = Printer(elide=0)  # only the names are wanted; elision keeps weights unprinted
        printer.print_op(module)
        self.names: dict[Value, str] = printer.names
        self.tmp = tmp
        self.count = 0
        self.index: list[str] = []

    def save(self, value: Value, arr: np.ndarray, origin: str) -> None:
        name = self.names.get(value, f"v{self.count}")
        fname = f"{self.count:04d}_{name}.npy"
        _save_npy(os.path.join(self.tmp, fname), arr)
        self.index.append(f"{fname} %{name} {value.type} {origin}")
        self.count += 1

    def on_result(self, op: Operation, results: list[np.ndarray]) -> None:
        for r, a in zip(op.results, results):
            self.save(r, a, f"{op.op_name} {op.loc}")

    def finish(self) -> None:
        with open(os.path.join(self.tmp, "index.txt"), "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in self.index))


# -- driver ---------------------------------------------------------------------------------


def _read_module(path: str) -> Operation:
    text, filename = read_source(path)
    return parse_module(text, filename)


def _prepare(module: Operation, args: argparse.Namespace) -> tuple[Operation, FunctionType, list[np.ndarray]]:
    """Verify ``module``, pick the function to run and its inputs (``--input`` files or seeded
    random values)."""
    diags = verify(module)
    if diags:
        raise DiagnosticError.from_diagnostics(diags)
    fn = find_function(module, args.func)
    ft = func_type_of(fn)
    if args.input:
        if len(args.input) != len(ft.inputs):
            raise DiagnosticError(
                fn.loc, f"@{func_name(fn)} expected {len(ft.inputs)} --input files, found {len(args.input)}"
            )
        inputs = [load_input(p, i, t, fn) for i, (p, t) in enumerate(zip(args.input, ft.inputs))]
    else:
        inputs = random_inputs(module, 0 if args.seed is None else args.seed, func_name(fn))
    return fn, ft, inputs


def _format_outputs(ft: FunctionType, outputs: list[np.ndarray]) -> str:
    return "".join(format_value(i, t, a) for i, (t, a) in enumerate(zip(ft.results, outputs)))


def run(args: argparse.Namespace) -> int:
    """Run ``dory-run`` with parsed arguments; returns the exit status (errors raise
    `DiagnosticError`, `UsageError` or `OSError`, which `main` prints)."""
    if args.split_input_file or args.verify_diagnostics:
        return _run_chunks(args)
    module = _read_module(args.file)
    fn, ft, inputs = _prepare(module, args)
    if args.output is not None:
        if len(ft.results) != 1:
            raise UsageError(f"-o expected a function with 1 result, found {len(ft.results)}; use --save-outputs DIR")
        if not os.path.isdir(os.path.dirname(os.path.abspath(args.output))):
            raise UsageError(f"-o expected an existing directory for '{args.output}', found none")

    if (
        args.dump_all is not None
        and args.save_outputs is not None
        and os.path.abspath(args.dump_all) == os.path.abspath(args.save_outputs)
    ):
        raise UsageError("--dump-all and --save-outputs expected different directories, found the same one")

    temps: list[str] = []
    try:
        dumper = None
        on_result: Callable[[Operation, list[np.ndarray]], None] | None = None
        if args.dump_all is not None:
            temps.append(_fresh_dir_target(args.dump_all, "--dump-all"))
            dumper = _Dumper(module, temps[-1])
            for i, (a, arr) in enumerate(zip(_entry_args(fn), inputs)):
                dumper.save(a, arr, f"input #{i}")
            on_result = dumper.on_result
        save_dir = None
        if args.save_outputs is not None:
            temps.append(_fresh_dir_target(args.save_outputs, "--save-outputs"))
            save_dir = temps[-1]

        if args.reference is not None:
            return _check_reference(args, module, fn, inputs, on_result)
        outputs = Interpreter(module, on_result).call(fn, inputs)

        if dumper is not None:
            dumper.finish()
        if save_dir is not None:
            for i, arr in enumerate(outputs):
                _save_npy(os.path.join(save_dir, f"output_{i}.npy"), arr)
        if args.output is not None:
            _write_file_atomically(args.output, outputs[0])
        if dumper is not None:
            commit_dir(dumper.tmp, args.dump_all)
            temps.remove(dumper.tmp)
        if save_dir is not None:
            commit_dir(save_dir, args.save_outputs)
            temps.remove(save_dir)
    finally:
        for tmp_dir in temps:
            shutil.rmtree(tmp_dir, ignore_errors=True)

    sys.stdout.write(_format_outputs(ft, outputs))
    return 0


def _run_chunks(args: argparse.Namespace) -> int:
    """``--split-input-file`` / ``--verify-diagnostics``: each chunk is parsed and run on its own,
    its printed outputs go to stdout (separated by the marker) and its errors to stderr."""
    mode = "--split-input-file" if args.split_input_file else "--verify-diagnostics"
    for flag, value in (
        ("-o", args.output), ("--save-outputs", args.save_outputs), ("--dump-all", args.dump_all), ("--reference", args.reference),
    ):
        if value is not None:
            raise UsageError(f"{mode} prints every case's outputs on stdout; it cannot be combined with {flag}")
    text, filename = read_source(args.file)

    def process(chunk: Chunk) -> tuple[str | None, list[Diagnostic]]:
        diags = list(chunk.warnings)
        try:
            module = parse_chunk(chunk, filename)
            fn, ft, inputs = _prepare(module, args)
            outputs = Interpreter(module).call(fn, inputs)
        except DiagnosticError as e:
            return None, diags + e.diagnostics
        return _format_outputs(ft, outputs), diags

    outputs, ok = run_chunks(text, filename, args.split_input_file, args.verify_diagnostics, process)
    sys.stdout.write(join_outputs(outputs))
    return 0 if ok else 1


def _check_reference(
    args: argparse.Namespace,
    module: Operation,
    fn: Operation,
    inputs: list[np.ndarray],
    on_result: Callable[[Operation, list[np.ndarray]], None] | None,
) -> int:
    """``--reference``: one line per deployed layer, then the final output, then a summary."""
    from dory.driver.reference import check_layers, compare, name_width, read_txt, reference_files

    first_input = args.input[0] if args.input else None
    files = reference_files(args.reference, first_input)
    reports, outputs = check_layers(module, inputs, files, func_name(fn), args.reference_layout, on_result)
    width = name_width([r.name for r in reports])
    lines = [r.line(width) for r in reports]
    ok = all(r.ok for r in reports)
    # The final integer output is the last deployed layer's, so the last file checks it; say so
    # explicitly (also when some layer mismatched: the output may still match, and that is worth
    # knowing) whenever every file was paired with a layer.
    if outputs and reports and len(reports) == len(files):
        last = read_txt(files[-1])
        good, _ = compare(outputs[-1], last, tuple(outputs[-1].shape), args.reference_layout)
        lines.append(f"output     {'(function result)':<{width}} {'x'.join(map(str, outputs[-1].shape)):<22} "
                     f"{'match' if good else 'MISMATCH'}")
        ok = ok and good
    n_ok = sum(1 for r in reports if r.ok)
    lines.append(f"{n_ok} of {len(reports)} layers match" + ("" if ok else "; MISMATCH"))
    sys.stdout.write("\n".join(lines) + "\n")
    return 0 if ok else 1


def _entry_args(fn: Operation) -> list[Value]:
    """The entry block arguments of a function (none for a declaration)."""
    if fn.regions and fn.regions[0].blocks:
        return list(fn.regions[0].blocks[0].args)
    return []


def _write_file_atomically(path: str, arr: np.ndarray) -> None:
    parent = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".dory-run-", suffix=".npy", dir=parent)
    try:
        with os.fdopen(fd, "wb") as f:
            np.save(f, arr)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@interruptible("dory-run")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dory-run`` console script; returns the exit status."""
    args = parse_args(argv)
    try:
        return run(args)
    except DiagnosticError as e:
        sys.stderr.write(e.format() + "\n")
        return 1
    except (UsageError, OSError) as e:
        sys.stderr.write(f"dory-run: error: {e}\n")
        return 1
