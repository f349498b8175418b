"""``dory-opt``: parse dory IR, run a pass pipeline, print the result (``mlir-opt`` for dory).

Every problem with the input, the pipeline or a pass is printed as a located diagnostic
(``file:line:col: error: ...``) and makes the exit status 1. Anything else is a bug in dory: it is
reported as ``error: internal error: ...`` with exit status 2 (set ``DORY_TRACEBACK=1`` in the
environment to get the Python traceback instead).

Each lit RUN line starts a new process, so this module imports only the IR core and the pass
machinery up front; the interpreter is imported only for ``--verify-semantics``.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import nullcontext
from dataclasses import dataclass
from typing import ContextManager, Sequence

from dory.dory_ir.diagnostics import Diagnostic, DiagnosticError
from dory.driver.cli import UsageError, interruptible, read_source
from dory.driver.instrument import IRPrinter, SemanticsChecker
from dory.driver.split import SPLIT_MARKER, Chunk, join_outputs, parse_chunk, run_chunks
from dory.passes import get_pass_registry, get_pipeline_registry
from dory.passes.base import ModulePass, PassContext
from dory.passes.manager import VERIFIER_TIMER, PassCrashed, PassInstrumentation, PassManager, TimingReport
from dory.passes.pipeline import PipelineError, parse_pipeline, print_pipeline

# Flags whose value is optional (``--elide-large-constants`` or ``--elide-large-constants=N``).
_DEFAULT_VALUES = {"--elide-large-constants": "16", "--verify-semantics": "0"}


# ---------------------------------------------------------------------------------------------
# Command line


class _ArgumentParser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so bad flags exit 1 like every other error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(f"{message} (see 'dory-opt --help')")


def _arg_parser() -> argparse.ArgumentParser:
    p = _ArgumentParser(
        prog="dory-opt",
        description="Parse dory IR, run a pass pipeline on it and print the result.",
        allow_abbrev=False,
    )
    p.add_argument("input", nargs="?", default="-", metavar="FILE", help="input file ('-' or none: stdin)")
    p.add_argument(
        "-p", "--pass-pipeline", default="", metavar="PIPELINE",
        help="passes to run: 'builtin.module(p1{opt=1 list=1,2},p2)' or 'p1,p2'",
    )
    p.add_argument("-o", "--output", default="-", metavar="FILE", help="output file (default: stdout)")
    p.add_argument(
        "--split-input-file", action="store_true",
        help=f"process each '{SPLIT_MARKER}'-separated chunk on its own; outputs are joined by the marker",
    )
    p.add_argument(
        "--verify-each", action=argparse.BooleanOptionalAction, default=True,
        help="run the verifier after every pass (default: on)",
    )
    p.add_argument(
        "--verify-diagnostics", action="store_true",
        help="check diagnostics against 'expected-error@+N {{...}}' comments instead of printing them",
    )
    p.add_argument("--print-ir-before-all", action="store_true", help="print the IR to stderr before every pass")
    p.add_argument("--print-ir-after-all", action="store_true", help="print the IR to stderr after every pass")
    p.add_argument(
        "--print-ir-before", action="append", default=[], metavar="PASS",
        help="print the IR to stderr before the named pass(es) (comma-separated; repeatable)",
    )
    p.add_argument(
        "--print-ir-after", action="append", default=[], metavar="PASS",
        help="print the IR to stderr after the named pass(es) (comma-separated; repeatable)",
    )
    p.add_argument("--timing", action="store_true", help="report the wall time of each pass (and the verifier) on stderr")
    p.add_argument("--list-passes", action="store_true", help="list the passes, their options and the named pipelines")
    p.add_argument("--dump-pass-pipeline", action="store_true", help="print the parsed pipeline to stderr")
    p.add_argument(
        "--elide-large-constants", type=int, default=None, metavar="N",
        help="--elide-large-constants[=N]: print dense constants of more than N (default 16) elements "
        "as dense_resource<__elided__>",
    )
    p.add_argument("--allow-unregistered-dialect", action="store_true", help="accept ops of unknown dialects")
    p.add_argument(
        "--verify-semantics", type=int, default=None, metavar="SEED",
        help="--verify-semantics[=SEED]: run every function on seeded random inputs before the pipeline "
        "and after each pass, and fail naming the first pass that changes an output (default seed 0)",
    )
    return p


def _fill_default_values(argv: Sequence[str]) -> list[str]:
    """``--flag`` -> ``--flag=DEFAULT`` for flags with an optional value, so that argparse never
    takes the input file name as the flag's value."""
    out: list[str] = []
    for i, a in enumerate(argv):
        if a == "--":
            return out + list(argv[i:])
        out.append(f"{a}={_DEFAULT_VALUES[a]}" if a in _DEFAULT_VALUES else a)
    return out


@dataclass
class Options:
    """The parsed command line."""

    input: str
    output: str
    passes: list[ModulePass]
    split_input_file: bool
    verify_each: bool
    verify_diagnostics: bool
    print_before_all: bool
    print_after_all: bool
    print_before: set[str]
    print_after: set[str]
    timing: bool
    elide: int | None
    allow_unregistered: bool
    semantics_seed: int | None


def _pass_names(values: list[str], flag: str) -> set[str]:
    names = {n.strip() for v in values for n in v.split(",") if n.strip()}
    known = get_pass_registry()
    for n in sorted(names):
        if n not in known:
            raise UsageError(f"unknown pass '{n}' in {flag} (known passes: {', '.join(sorted(known))})")
    return names


# ---------------------------------------------------------------------------------------------
# Driver



def process_chunk(chunk: Chunk, filename: str, opts: Options, timing: TimingReport | None) -> tuple[str | None, list[Diagnostic]]:
    """Parse, verify, run the pipeline and print one chunk: (output text or None, diagnostics)."""
    from dory.dory_ir.opdef import verify
    from dory.dory_ir.printer import print_op

    diags = list(chunk.warnings)
    try:
        with _maybe_timed(timing, "Parse"):
            module = parse_chunk(chunk, filename, opts.allow_unregistered)
    except DiagnosticError as e:
        return None, diags + e.diagnostics
    with _maybe_timed(timing, VERIFIER_TIMER):
        errors = verify(module)
    if errors:
        return None, diags + errors
    printer = IRPrinter(opts.print_before_all, opts.print_after_all, opts.print_before, opts.print_after, opts.elide)
    instrumentations: list[PassInstrumentation] = [printer]
    if opts.semantics_seed is not None:
        instrumentations.append(SemanticsChecker(opts.semantics_seed, timing))
    manager = PassManager(opts.passes, opts.verify_each, instrumentations, timing)
    try:
        manager.run(PassContext(allow_unregistered_dialect=opts.allow_unregistered), module)
    except DiagnosticError as e:
        return None, diags + e.diagnostics
    from dory.backends.verify_plan import verify_plan

    plan_errors = verify_plan(module)  # a planned output must be one the runtime can run (none: not planned)
    if plan_errors:
        return None, diags + plan_errors
    with _maybe_timed(timing, "Output"):
        text = print_op(module, elide=opts.elide)
    return text, diags


def _maybe_timed(timing: TimingReport | None, name: str) -> ContextManager[None]:
    return timing.time(name) if timing is not None else nullcontext()


def list_passes() -> str:
    """The text of ``--list-passes``: each pass with its summary and options, then pipelines."""
    from dory.passes.base import format_option_value

    lines = ["Passes:"]
    for name, factory in sorted(get_pass_registry().items()):
        cls = factory()
        lines.append(f"  {name:<24}{cls.summary()}")
        for o in cls.options():
            default = "required" if o.required else f"default {format_option_value(o.default) or '(empty)'}"
            doc = f"  {o.doc}" if o.doc else ""
            lines.append(f"      {o.key}: {o.type_name} ({default}){doc}")
    lines.append("Pipelines:")
    for name, pl in sorted(get_pipeline_registry().items()):
        lines.append(f"  {name:<24}{pl.summary}")
        lines.append(f"      = {pl.text}")
    return "\n".join(lines) + "\n"


def _parse_options(argv: Sequence[str]) -> tuple[argparse.Namespace, Options | None]:
    ns = _arg_parser().parse_args(_fill_default_values(argv))
    if ns.list_passes:
        return ns, None
    if ns.elide_large_constants is not None and ns.elide_large_constants < 0:
        raise UsageError(f"--elide-large-constants expects N >= 0, found {ns.elide_large_constants}")
    opts = Options(
        input=ns.input,
        output=ns.output,
        passes=parse_pipeline(ns.pass_pipeline),
        split_input_file=ns.split_input_file,
        verify_each=ns.verify_each,
        verify_diagnostics=ns.verify_diagnostics,
        print_before_all=ns.print_ir_before_all,
        print_after_all=ns.print_ir_after_all,
        print_before=_pass_names(ns.print_ir_before, "--print-ir-before"),
        print_after=_pass_names(ns.print_ir_after, "--print-ir-after"),
        timing=ns.timing,
        elide=ns.elide_large_constants,
        allow_unregistered=ns.allow_unregistered_dialect,
        semantics_seed=ns.verify_semantics,
    )
    return ns, opts


def run(argv: Sequence[str]) -> int:
    """The tool without the crash guard (see `main`)."""
    try:
        ns, opts = _parse_options(argv)
    except UsageError as e:
        sys.stderr.write(f"dory-opt: error: {e}\n")
        return 1
    except PipelineError as e:
        sys.stderr.write(e.format() + "\n")
        return 1
    if opts is None:
        sys.stdout.write(list_passes())
        return 0
    if ns.dump_pass_pipeline:
        sys.stderr.write(print_pipeline(opts.passes) + "\n")
    timing = TimingReport() if opts.timing else None
    try:
        text, filename = read_source(opts.input)
    except UsageError as e:
        sys.stderr.write(f"dory-opt: error: {e}\n")
        return 1
    except DiagnosticError as e:  # an ONNX file
        sys.stderr.write(e.format() + "\n")
        return 1
    outputs, ok = run_chunks(
        text, filename, opts.split_input_file, opts.verify_diagnostics,
        lambda chunk: process_chunk(chunk, filename, opts, timing),
    )
    result = join_outputs(outputs)
    if opts.output == "-":
        sys.stdout.write(result)
        sys.stdout.flush()
    elif ok:
        try:
            with open(opts.output, "w", encoding="utf-8") as f:
                f.write(result)
        except OSError as e:
            sys.stderr.write(f"dory-opt: error: cannot write '{opts.output}': {e.strerror or e}\n")
            ok = False
    if timing is not None:
        sys.stderr.write(timing.format())
    return 0 if ok else 1


@interruptible("dory-opt")
def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point: exit status 0 (success), 1 (diagnostics), 2 (internal error)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except BrokenPipeError:
        # The reader went away (``dory-opt ... | head``): not an error of ours.
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 0
    except Exception as e:  # the crash guard: a bug, reported in one line
        if os.environ.get("DORY_TRACEBACK"):
            raise
        sys.stderr.write(f"error: internal error: {_describe(e)}\n")
        return 2


def _describe(e: BaseException) -> str:
    """One line for an unexpected exception (a crashed pass already names itself)."""
    text = str(e)
    return text if isinstance(e, PassCrashed) else f"{type(e).__name__}: {text}"

