"""``dory-translate``: convert between dory IR and other formats.

    dory-translate --from-onnx net.onnx -o net.mlir [--input-type ui8] [--elide-large-constants]
    dory-translate --to-c planned.mlir -o dir/      (network.c, network.h, weights.bin)
    dory-translate --to-c planned.mlir              (network.h then network.c on stdout)

``--to-c`` takes a module planned by ``gap8-default`` (every layer tiled and allocated) and prints
the GAP8 backend's translation (backends/gap8/emit.py); ``dory-compile`` wraps it into a full app.

Errors are printed as one located line (``net.onnx: node 'Conv_3' (Conv): error: ...``) with exit
code 1; the output file is written only on success.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile


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

    from driver.outdir import commit_dir, fresh_dir_target

    tmp = fresh_dir_target(path, "-o", ".dory-")
    try:
        for name, content in sorted(files.items()):
            with open(os.path.join(tmp, name), "wb") as f:
                f.write(content if isinstance(content, bytes) else content.encode("utf-8"))
        commit_dir(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _to_c(args: argparse.Namespace) -> int:
    """``--to-c``: planned module -> network.c / network.h / weights.bin."""
    from backends.gap8.emit import emit_network
    from dory_ir.diagnostics import DiagnosticError, Location
    from dory_ir.opdef import verify
    from dory_ir.parser import parse_file

    module = parse_file(args.input)
    diags = verify(module)
    if diags:
        raise DiagnosticError.from_diagnostics(diags)
    net = emit_network(module)
    if args.output == "-":
        sys.stdout.write(net.network_h + net.network_c)
        return 0
    from driver.outdir import OutputDirError

    try:
        _write_dir_atomic(args.output, {"network.c": net.network_c, "network.h": net.network_h, "weights.bin": net.blob()})
    except (OSError, OutputDirError) as e:
        raise DiagnosticError(Location(args.output), str(e)) from None
    return 0


def build_arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="dory-translate", description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--from-onnx", action="store_true", help="import an ONNX model (NEMO / QuantLab integer export) into the qnn dialect")
    mode.add_argument("--to-c", action="store_true", help="translate a planned module (after gap8-default) to GAP8 C and a weights blob")
    ap.add_argument("input", help="input file")
    ap.add_argument("-o", "--output", default="-", help="output file (default: stdout)")
    ap.add_argument("--input-type", default=None, help="element type of the network input (default ui8), e.g. si8, ui8, ui4")
    ap.add_argument(
        "--elide-large-constants", nargs="?", const=16, type=int, default=None, metavar="N",
        help="print dense constants with more than N (default 16) elements as dense_resource<__elided__>",
    )
    return ap


def main(argv: list[str] | None = None) -> int:
    args = build_arg_parser().parse_args(argv)
    from dory_ir.diagnostics import DiagnosticError

    try:
        if args.to_c:
            return _to_c(args)
        from dory_ir.opdef import verify
        from dory_ir.printer import print_op
        from frontend.onnx_import import import_onnx

        module = import_onnx(args.input, args.input_type)
        diags = verify(module)
        if diags:
            raise DiagnosticError.from_diagnostics(diags)
        text = print_op(module, elide=args.elide_large_constants)
        if args.output == "-":
            sys.stdout.write(text)
        else:
            _write_atomic(args.output, text)
    except DiagnosticError as e:
        print(e.format(), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
