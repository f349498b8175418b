"""``dory-translate``: convert between dory IR and other formats.

    dory-translate --from-onnx net.onnx -o net.mlir [--input-type ui8] [--elide-large-constants]
    dory-translate --to-c planned.mlir -o dir/      (network.c, network.h, weights.bin)
    dory-translate --to-c planned.mlir              (network.h then network.c on stdout)
    dory-translate --to-c cases.mlir --split-input-file [--verify-diagnostics]

``--to-c`` takes a module planned by ``gap8-default`` (every layer tiled and allocated) and prints
the GAP8 backend's translation (backends/gap8/emit.py); ``dory-compile`` wraps it into a full app.
With ``--split-input-file`` each ``// -----``-separated module is translated on its own and the
results are separated by the marker on stdout; ``--verify-diagnostics`` checks each module's
errors against its ``expected-error`` comments. Both apply to ``--to-c`` only (an ONNX file has
neither chunks nor comments) and print on stdout only.

Errors are printed as one located line (``net.onnx: node 'Conv_3' (Conv): error: ...``) with exit
code 1; the output file is written only on success.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import TYPE_CHECKING, Sequence

from dory.driver.cli import UsageError, interruptible, read_source
from dory.driver.split import SPLIT_MARKER

if TYPE_CHECKING:  # pragma: no cover
    from dory.backends.gap8.emit import EmittedNetwork
    from dory.dory_ir.core import Operation
    from dory.dory_ir.diagnostics import Diagnostic
    from dory.driver.split import Chunk


def _write_atomic(path: str, text: str) -> None:
    """Write via a temporary file in the same directory so a failure never leaves partial output."""
    d = os.path.dirname(os.path.abspath(path)) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".dory-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes 0600; give the file normal permissions
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _write_dir_atomic(path: str, files: dict[str, str | bytes]) -> None:
    """Create directory ``path`` (missing or empty) with ``files``, via a temporary sibling."""
    import shutil

    from dory.driver.outdir import commit_dir, fresh_dir_target

    tmp = fresh_dir_target(path, "-o", ".dory-")
    try:
        for name, content in sorted(files.items()):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        commit_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _emit(module: "Operation") -> "EmittedNetwork":
    """Verify a planned module and translate it to C (raises `DiagnosticError`)."""
    from dory.backends.gap8.emit import emit_network
    from dory.dory_ir.diagnostics import DiagnosticError
    from dory.dory_ir.opdef import verify

    from dory.backends.verify_plan import verify_plan

    diags = verify(module) or verify_plan(module)  # a plan the runtime cannot run never becomes C
    if diags:
        raise DiagnosticError.from_diagnostics(diags)
    return emit_network(module)


def to_c(args: argparse.Namespace) -> int:
    """``--to-c``: planned module -> network.c / network.h / weights.bin."""
    from dory.dory_ir.diagnostics import DiagnosticError, Location
    from dory.dory_ir.parser import parse_file

    if args.split_input_file or args.verify_diagnostics:
        return _to_c_chunks(args)
    if args.input == "-" or os.path.isdir(args.input):
        module = _parse_text(*read_source(args.input))  # a directory: read_source's one-line error
    else:
        try:
            module = parse_file(args.input)
        except OSError as e:
            raise UsageError(f"cannot read '{args.input}': {e.strerror or e}") from None
    net = _emit(module)
    if args.output == "-":
        sys.stdout.write(net.network_h + net.network_c)
        return 0
    from dory.driver.outdir import OutputDirError

    try:
        _write_dir_atomic(args.output, {"network.c": net.network_c, "network.h": net.network_h, "weights.bin": net.blob()})
    except (OSError, OutputDirError) as e:
        raise DiagnosticError(Location(args.output), str(e)) from None
    return 0


def _parse_text(text: str, filename: str) -> "Operation":
    from dory.dory_ir.parser import parse_module

    return parse_module(text, filename)


def _to_c_chunks(args: argparse.Namespace) -> int:
    """``--to-c`` with ``--split-input-file`` / ``--verify-diagnostics``: each chunk is translated
    on its own; the C of those that succeed goes to stdout, separated by the marker."""
    from dory.dory_ir.diagnostics import DiagnosticError
    from dory.driver.split import join_outputs, parse_chunk, run_chunks

    mode = "--split-input-file" if args.split_input_file else "--verify-diagnostics"
    if args.output != "-":
        raise UsageError(f"{mode} prints every case's C on stdout; it cannot be combined with -o")
    text, filename = read_source(args.input)

    def process(chunk: "Chunk") -> tuple[str | None, list["Diagnostic"]]:
        diags = list(chunk.warnings)
        try:
            net = _emit(parse_chunk(chunk, filename))
        except DiagnosticError as e:
            return None, diags + e.diagnostics
        return net.network_h + net.network_c, diags

    outputs, ok = run_chunks(text, filename, args.split_input_file, args.verify_diagnostics, process)
    sys.stdout.write(join_outputs(outputs))
    return 0 if ok else 1


def _check_output_file(path: str) -> None:
    """A located error when ``path`` (``-o``) cannot become the output file: a directory, or a
    missing parent directory."""
    from dory.dory_ir.diagnostics import DiagnosticError, Location

    if path == "-":
        return
    if os.path.isdir(path):
        raise DiagnosticError(Location(path), "-o expected a file to write the IR to, found a directory")
    parent = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(parent):
        raise DiagnosticError(Location(path), f"-o expected an existing parent directory, found none ('{parent}')")


def from_onnx(args: argparse.Namespace) -> int:
    """``--from-onnx`` / ``--from-tflite``: ONNX or TFLite model -> qnn-dialect IR text."""
    from dory.dory_ir.diagnostics import DiagnosticError
    from dory.dory_ir.opdef import verify
    from dory.dory_ir.printer import print_op
    from dory.frontend.onnx_import import import_onnx

    for flag in ("split_input_file", "verify_diagnostics"):
        if getattr(args, flag):
            raise UsageError(f"--{flag.replace('_', '-')} expected a text IR input (--to-c), found --from-{'tflite' if args.from_tflite else 'onnx'}")
    _check_output_file(args.output)  # before the import: a bad -o fails at once, with nothing else printed
    notes: list[str] = []  # the importer's warning is printed only on success: an error is one line
    if args.from_tflite:
        from dory.frontend.tflite_import import import_tflite, tflite_input_type_check

        tflite_input_type_check(args.input, args.input_type)
        module = import_tflite(args.input, warn=notes.append)
    else:
        module = import_onnx(args.input, args.input_type, warn=notes.append)
    diags = verify(module)
    if diags:
        raise DiagnosticError.from_diagnostics(diags)
    for note in notes:
        print(note, file=sys.stderr)
    text = print_op(module, elide=args.elide_large_constants)
    if args.output == "-":
        sys.stdout.write(text)
        return 0
    from dory.dory_ir.diagnostics import Location

    try:
        _write_atomic(args.output, text)
    except OSError as e:
        raise DiagnosticError(Location(args.output), f"cannot write the output: {e.strerror or e}") from None
    return 0


def build_arg_parser() -> argparse.ArgumentParser:
    """The command line of ``dory-translate``."""
    ap = argparse.ArgumentParser(prog="dory-translate", description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--from-onnx", action="store_true", help="import an ONNX model (NEMO / QuantLab integer export) into the qnn dialect")
    mode.add_argument("--from-tflite", action="store_true", help="import a full-integer int8 TFLite flatbuffer (.tflite) into the qnn dialect")
    mode.add_argument("--to-c", action="store_true", help="translate a planned module (after gap8-default) to GAP8 C and a weights blob")
    ap.add_argument("input", help="input file")
    ap.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    ap.add_argument("--input-type", default=None, help="element type of the network input (default ui8), e.g. si8, ui8, ui4")
    ap.add_argument(
        "--elide-large-constants", nargs="?", const=16, type=int, default=None, metavar="N",
        help="print dense constants with more than N (default 16) elements as dense_resource<__elided__>",
    )
    ap.add_argument(
        "--split-input-file", action="store_true",
        help=f"--to-c: translate each '{SPLIT_MARKER}'-separated module on its own; outputs are separated by the marker",
    )
    ap.add_argument(
        "--verify-diagnostics", action="store_true",
        help="--to-c: check errors against 'expected-error@+N {{...}}' comments instead of printing them",
    )
    return ap


@interruptible("dory-translate")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dory-translate`` console script; returns the exit status."""
    args = build_arg_parser().parse_args(argv)
    from dory.dory_ir.diagnostics import DiagnosticError

    try:
        return to_c(args) if args.to_c else from_onnx(args)
    except DiagnosticError as e:
        print(e.format(), file=sys.stderr)
        return 1
    except UsageError as e:
        print(f"dory-translate: error: {e}", file=sys.stderr)
        return 1
