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
import re
import sys
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ContextManager, Sequence

from dory_ir.core import Operation
from dory_ir.diagnostics import UNKNOWN, Diagnostic, DiagnosticError, Location
from passes import get_pass_registry, get_pipeline_registry
from passes.base import ModulePass, PassContext
from passes.manager import VERIFIER_TIMER, PassCrashed, PassInstrumentation, PassManager, TimingReport
from passes.pipeline import PipelineError, parse_pipeline, print_pipeline

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

SPLIT_MARKER = "// -----"
# A line that looks like an attempt at the split marker but isn't one (``//-----``, ``// ----``,
# ``// ------``, ``// ----- text``); MLIR warns about these because a silently unsplit file makes
# every later case run in the wrong context.
_NEAR_MISS = re.compile(r"//\s*-{3,}")
# MLIR's IR dump headers contain the marker (``// -----// IR Dump After ...``), so a dump on
# stderr can be fed back with --split-input-file.
_DUMP_HEADER = re.compile(r"// -----//.*//----- //\Z")

# Flags whose value is optional (``--elide-large-constants`` or ``--elide-large-constants=N``).
_DEFAULT_VALUES = {"--elide-large-constants": "16", "--verify-semantics": "0"}

# Directives live in comments: a directive-like word inside IR text (a string attribute) is not one.
_EXPECT_START = re.compile(r"//.*?\b(expected-(error|warning|note|remark))\b")
_EXPECT = re.compile(
    r"expected-(?P<kind>error|warning|note|remark)(?P<re>-re)?"
    r"(?:@(?P<where>[+-][0-9]+|above|below|unknown))?[ \t]*\{\{(?P<text>.*)\}\}[ \t]*$"
)


class UsageError(Exception):
    """A bad command line (reported without a location, exit status 1)."""


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
# Input splitting


@dataclass
class Chunk:
    """One piece of the input: its text and how many lines of the file come before it."""

    text: str
    line_offset: int
    warnings: list[Diagnostic] = field(default_factory=list)


def split_input(text: str, filename: str, split: bool) -> list[Chunk]:
    """Cut ``text`` at lines that are exactly the split marker (when ``split``), attaching a
    warning to the chunk of each near-miss marker line."""
    if not split:
        return [Chunk(text, 0)]
    lines = text.splitlines(keepends=True)
    chunks: list[Chunk] = []
    start = 0
    warnings: list[Diagnostic] = []
    for i, line in enumerate(lines):
        s = line.strip()
        if s == SPLIT_MARKER or _DUMP_HEADER.match(s):
            chunks.append(Chunk("".join(lines[start:i]), start, warnings))
            start, warnings = i + 1, []
        elif _NEAR_MISS.match(s):
            col = len(line) - len(line.lstrip()) + 1
            warnings.append(
                Diagnostic(
                    Location(filename, i + 1, col),
                    f"near miss with the split marker '{SPLIT_MARKER}' (it must be alone on its line, "
                    "spelled exactly); this line does not split the input",
                    "warning",
                )
            )
    chunks.append(Chunk("".join(lines[start:]), start, warnings))
    return chunks


# ---------------------------------------------------------------------------------------------
# Instrumentations


class IRPrinter(PassInstrumentation):
    """Prints the module to stderr around the selected passes, with MLIR's dump headers."""

    def __init__(self, opts: Options):
        self.opts = opts

    def _dump(self, when: str, p: ModulePass, module: Operation) -> None:
        from dory_ir.printer import print_op

        sys.stderr.write(f"// -----// IR Dump {when} {p.display_name()} ({p.name}) //----- //\n")
        sys.stderr.write(print_op(module, elide=self.opts.elide) + "\n")
        sys.stderr.flush()

    def run_before_pass(self, p: ModulePass, module: Operation) -> None:
        if self.opts.print_before_all or p.name in self.opts.print_before:
            self._dump("Before", p, module)

    def run_after_pass(self, p: ModulePass, module: Operation) -> None:
        if self.opts.print_after_all or p.name in self.opts.print_after:
            self._dump("After", p, module)


class SemanticsError(DiagnosticError):
    """``--verify-semantics`` found a pass that changed what a function computes."""


@dataclass
class _Reference:
    loc: Location
    inputs: list["np.ndarray"]
    outputs: list["np.ndarray"]


class SemanticsChecker(PassInstrumentation):
    """Runs every function with a body on seeded random inputs before the pipeline, and again
    after each pass; the first pass after which any output differs fails the run. Everything is
    integer, so outputs must be exactly equal."""

    def __init__(self, seed: int, timing: TimingReport | None):
        self.seed = seed
        self.timing = timing
        self.reference: dict[str, _Reference] = {}

    def _run(self, module: Operation, name: str, inputs: list["np.ndarray"]) -> list["np.ndarray"]:
        from dory_ir.interp import run_function

        if self.timing is None:
            return run_function(module, inputs, func=name)
        with self.timing.time("(S) Verify semantics"):
            return run_function(module, inputs, func=name)

    def run_before_pipeline(self, module: Operation) -> None:
        from dory_ir.interp import random_inputs

        for func in _functions(module):
            name = _sym_name(func)
            try:
                inputs = random_inputs(module, self.seed, func=name)
                outputs = self._run(module, name, inputs)
            except DiagnosticError as e:
                raise _prefixed(e, f"--verify-semantics cannot run function '{name}' on the input: ") from None
            self.reference[name] = _Reference(func.loc, inputs, outputs)

    def run_after_pass(self, p: ModulePass, module: Operation) -> None:
        import numpy as np

        funcs = {_sym_name(f): f for f in _functions(module)}
        for name, ref in self.reference.items():
            func = funcs.get(name)
            if func is None:
                raise SemanticsError(ref.loc, f"pass '{p.name}' removed function '{name}' (--verify-semantics)")
            where = f"pass '{p.name}' changed function '{name}'"
            try:
                got = self._run(module, name, ref.inputs)
            except DiagnosticError as e:
                raise _prefixed(e, f"after pass '{p.name}', --verify-semantics cannot run function '{name}': ") from None
            seed = f"(--verify-semantics seed {self.seed})"
            if len(got) != len(ref.outputs):
                raise SemanticsError(func.loc, f"{where}: it now returns {len(got)} outputs instead of {len(ref.outputs)} {seed}")
            for i, (want, have) in enumerate(zip(ref.outputs, got)):
                if want.shape != have.shape:
                    raise SemanticsError(
                        func.loc,
                        f"{where}: output #{i} has shape {_shape(have.shape)} instead of {_shape(want.shape)} {seed}",
                    )
                diff = np.argwhere(want != have)
                if diff.size:
                    idx = tuple(int(x) for x in diff[0])
                    raise SemanticsError(
                        func.loc,
                        f"{where}: output #{i} differs at index [{', '.join(map(str, idx))}]: "
                        f"expected {int(want[idx])}, found {int(have[idx])} {seed}",
                    )


def _shape(shape: tuple[int, ...]) -> str:
    return "x".join(str(d) for d in shape) or "scalar"


def _functions(module: Operation) -> list[Operation]:
    """Every ``func.func`` with a body, wherever it is nested."""
    return [op for op in module.walk() if op.op_name == "func.func" and op.regions and op.regions[0].blocks]


def _sym_name(func: Operation) -> str:
    attr = func.properties.get("sym_name")
    return str(getattr(attr, "value", attr))


def _prefixed(e: DiagnosticError, prefix: str) -> DiagnosticError:
    diags = [Diagnostic(d.loc, prefix + d.message if i == 0 else d.message, d.severity, d.notes) for i, d in enumerate(e.diagnostics)]
    return DiagnosticError.from_diagnostics(diags)


# ---------------------------------------------------------------------------------------------
# --verify-diagnostics


@dataclass
class Expectation:
    """One ``expected-<kind>[@where] {{text}}`` comment."""

    kind: str
    line: int | None  # None for @unknown
    pattern: re.Pattern[str] | None  # for -re
    text: str
    loc: Location  # of the directive itself
    matched: bool = False

    def matches(self, d: Diagnostic, filename: str) -> bool:
        if self.matched or d.severity != self.kind:
            return False
        if self.line is None:
            if d.loc.line:
                return False
        elif d.loc.line != self.line or d.loc.file != filename:
            return False
        return bool(self.pattern.search(d.message)) if self.pattern is not None else self.text in d.message


def _regex_of(text: str) -> re.Pattern[str]:
    """MLIR's ``-re`` form: literal text with ``{{regex}}`` parts."""
    parts = re.split(r"\{\{(.*?)\}\}", text)
    return re.compile("".join(re.escape(p) if i % 2 == 0 else f"(?:{p})" for i, p in enumerate(parts)))


def parse_expectations(chunk: Chunk, filename: str) -> tuple[list[Expectation], list[Diagnostic]]:
    """The expectations written in ``chunk``, and errors for malformed directives."""
    found: list[Expectation] = []
    errors: list[Diagnostic] = []
    for i, line in enumerate(chunk.text.splitlines()):
        lineno = chunk.line_offset + i + 1
        start = _EXPECT_START.search(line)
        if start is None:
            continue
        loc = Location(filename, lineno, start.start(1) + 1)
        m = _EXPECT.match(line, start.start(1))
        if m is None:
            errors.append(
                Diagnostic(
                    loc,
                    f"malformed '{start.group(1)}' directive: expected "
                    "'expected-<kind>[@+N|@-N|@above|@below|@unknown] {{message}}'",
                )
            )
            continue
        where = m.group("where")
        target: int | None
        if where is None:
            target = lineno
        elif where == "above":
            target = lineno - 1
        elif where == "below":
            target = lineno + 1
        elif where == "unknown":
            target = None
        else:
            target = lineno + int(where)
        text = m.group("text")
        try:
            pattern = _regex_of(text) if m.group("re") else None
        except re.error as e:
            errors.append(Diagnostic(loc, f"bad regex in 'expected-{m.group('kind')}-re': {e}"))
            continue
        found.append(Expectation(m.group("kind"), target, pattern, text, loc))
    return found, errors


def check_expectations(chunk: Chunk, filename: str, diags: list[Diagnostic]) -> list[Diagnostic]:
    """Match ``diags`` against the chunk's expectations; returns the errors (empty = all good)."""
    expectations, errors = parse_expectations(chunk, filename)
    for d in _flatten(diags):
        exp = next((e for e in expectations if e.matches(d, filename)), None)
        if exp is not None:
            exp.matched = True
        else:
            errors.append(Diagnostic(d.loc, f"unexpected {d.severity}: {d.message}"))
    for e in expectations:
        if not e.matched:
            errors.append(Diagnostic(e.loc, f'expected {e.kind} "{e.text}" was not produced'))
    return errors


def _flatten(diags: list[Diagnostic]) -> list[Diagnostic]:
    out = []
    for d in diags:
        out.append(Diagnostic(d.loc, d.message, d.severity))
        out.extend(_flatten(d.notes))
    return out


# ---------------------------------------------------------------------------------------------
# Driver


def _format(d: Diagnostic) -> str:
    # A diagnostic without any location still reads "error: ..." rather than "<unknown>: error".
    return d.format() if d.loc != UNKNOWN else f"{d.severity}: {d.message}"


def process_chunk(chunk: Chunk, filename: str, opts: Options, timing: TimingReport | None) -> tuple[str | None, list[Diagnostic]]:
    """Parse, verify, run the pipeline and print one chunk: (output text or None, diagnostics)."""
    from dory_ir.opdef import verify
    from dory_ir.parser import parse_module
    from dory_ir.printer import print_op

    diags = list(chunk.warnings)
    try:
        with _maybe_timed(timing, "Parse"):
            module = parse_module(chunk.text, filename, chunk.line_offset, opts.allow_unregistered)
    except DiagnosticError as e:
        return None, diags + e.diagnostics
    if module.loc == UNKNOWN:
        # The implicit module around top-level ops: put it at the start of its chunk, so that
        # a pass failing on the whole module still reports a line.
        module.loc = Location(filename, chunk.line_offset + 1, 1)
    with _maybe_timed(timing, VERIFIER_TIMER):
        errors = verify(module)
    if errors:
        return None, diags + errors
    instrumentations: list[PassInstrumentation] = [IRPrinter(opts)]
    if opts.semantics_seed is not None:
        instrumentations.append(SemanticsChecker(opts.semantics_seed, timing))
    manager = PassManager(opts.passes, opts.verify_each, instrumentations, timing)
    try:
        manager.run(PassContext(allow_unregistered_dialect=opts.allow_unregistered), module)
    except DiagnosticError as e:
        return None, diags + e.diagnostics
    with _maybe_timed(timing, "Output"):
        text = print_op(module, elide=opts.elide)
    return text, diags


def _maybe_timed(timing: TimingReport | None, name: str) -> ContextManager[None]:
    return timing.time(name) if timing is not None else nullcontext()


def list_passes() -> str:
    """The text of ``--list-passes``: each pass with its summary and options, then pipelines."""
    from passes.base import format_option_value

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


def _read_input(path: str) -> tuple[str, str]:
    if path == "-":
        return sys.stdin.read(), "<stdin>"
    try:
        with open(path, encoding="utf-8") as f:
            return f.read(), path
    except OSError as e:
        raise UsageError(f"cannot read '{path}': {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read '{path}': it is not UTF-8 text") from None


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
        text, filename = _read_input(opts.input)
    except UsageError as e:
        sys.stderr.write(f"dory-opt: error: {e}\n")
        return 1
    ok = True
    outputs: list[str] = []
    for chunk in split_input(text, filename, opts.split_input_file):
        out, diags = process_chunk(chunk, filename, opts, timing)
        if out is not None:
            outputs.append(out)
        if opts.verify_diagnostics:
            problems = check_expectations(chunk, filename, diags)
            for d in problems:
                sys.stderr.write(_format(d) + "\n")
            ok &= not problems
        else:
            for d in diags:
                sys.stderr.write(_format(d) + "\n")
            ok &= out is not None and not any(d.severity == "error" for d in diags)
    result = (SPLIT_MARKER + "\n").join(outputs)
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
    text = str(e)
    return text if isinstance(e, PassCrashed) else f"{type(e).__name__}: {text}"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
