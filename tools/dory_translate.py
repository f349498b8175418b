"""``dory-translate``: convert between dory IR and other formats.

    dory-translate --from-onnx net.onnx -o net.mlir [--input-type ui8] [--elide-large-constants]

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


def build_arg_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="dory-translate", description=__doc__.split("\n\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--from-onnx", action="store_true", help="import an ONNX model (NEMO / QuantLab integer export) into the qnn dialect")
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
