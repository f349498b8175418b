"""``dory-compile``: the one-command main job -- ONNX network in, buildable C application out.

    dory-compile net.onnx -o app/ [--pipeline gap8-default] [--target host|gap8|gap9|rv32] [--input FILE]
                 [--seed N] [--reference DIR] [--input-type ui8] [--weights-c-array] [--quiet]
                 [--tile-plan FILE [--tile-plan-columns dory|deeploy]] [--staging rule|search]
                 [--report FILE.html [--report-log RUN.log]]

Steps: import the ONNX model (frontend), run the pass pipeline (default ``gap8-default``: fusion,
requant folding, memory levels, SAT tiling, buffer allocation), run the planned network on the
reference interpreter for the expected output of every step (on ``--input``, DORY ``.txt`` or
``.npy``, else a seeded random input), with ``--reference`` check those against DORY's per-layer
files first (the compile fails if they differ), emit ``network.c`` and the weights blob, and write
the app directory (main, data, Makefiles, a copy of the runtime). ``make -C app run`` then builds
and runs it on the host and checks every step bit-exactly; with ``--target rv32``,
``make -C app run`` does the same on the RV32 emulator (runtime/port/rv32)
and ``make -C app -f Makefile.host run`` builds for the host.

For ``--target rv32`` and ``pulp`` (with the cross compiler here) the app is linked once with an
empty L2 arena to measure the L2 its code and data take, and re-planned with exactly that reserve
when the default plan's arena does not fit beside it (`backends.l2_reserve`); for ``gap8`` and
``gap9`` (no GAP SDK to link with) the app's objects are compiled instead and the SDK's allowance of
the target's hw.py added; elsewhere (or without the cross compiler) the target's static estimate is
used. The summary's L2 line says which.

Prints a per-layer summary (op, MACs, tiles, L1 use, modelled GAP8 cycles). Errors are one
located line and exit 1; the output directory is written atomically (a temporary sibling renamed
into place), so a failure never leaves a partial app.

The input is an ONNX file, so ``--split-input-file`` and ``--verify-diagnostics`` do not apply
(they are `driver.split`'s, for the text-IR tools).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from typing import Sequence

from dory.driver.cli import UsageError, interruptible
from dory.driver.reference import REFERENCE_LAYOUTS


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line of ``dory-compile``."""
    ap = argparse.ArgumentParser(prog="dory-compile", description=__doc__.split("\n\n")[0])
    ap.add_argument("model", nargs="?", default=None,
                    help="quantized ONNX model (NEMO / QuantLab integer export, QuantLab RequantShift, onnxruntime QDQ / QOperator) "
                         "or full-integer int8 TFLite model (.tflite); default: --dory-config's onnx_file")
    ap.add_argument("-o", "--output", required=True, help="application directory to create (missing or empty)")
    ap.add_argument("--pipeline", default=None, help="pass pipeline (default: gap9-default for --target gap9, pulp-default for --target pulp, else gap8-default)")
    ap.add_argument("--target", choices=("host", "gap8", "gap9", "pulp", "rv32"), default="host",
                    help="host: pthreads port and host Makefile; gap8: also main_gap8.c and a GAP SDK Makefile; "
                         "gap9: planned for GAP9, main_gap9.c and Makefile.gap9 (make run: GAP SDK; Makefile.host: host); "
                         "pulp: planned for GVSOC's pulp-open cluster, main_pulp.c and Makefile.pulp (make run: GVSOC); "
                         "rv32: also main_rv32.c and Makefile.rv32 (bare-metal RV32 on QEMU, 8 harts)")
    ap.add_argument("--tile-plan", default=None, metavar="FILE",
                    help="plan the layers FILE names with its L1 tiles (docs/tile-plans.md; a .csv of ../shared/data/plans "
                         "with --tile-plan-columns), the others as usual; with the default pipeline only")
    ap.add_argument("--staging", choices=("rule", "search"), default=None,
                    help="assign-memory's L3 staging: rule (default) or search (the tiling model moves buffers to L3 "
                         "while the modelled cycles drop; slower compile); with the default pipeline only")
    ap.add_argument("--tile-plan-columns", choices=("dory", "deeploy"), default=None,
                    help="for a .csv --tile-plan: whose tiles, DORY's (single buffered) or Deeploy's (double buffered)")
    ap.add_argument("--input", action="append", default=None,
                    help="network input (.txt as DORY writes it, or .npy); default: seeded random. Repeated: the host app runs and checks each")
    ap.add_argument("--dory-config", default=None, metavar="CONFIG.json",
                    help="a DORY network configuration (onnx_file, input_bits / input_signed, n_inputs, ...; driver/dory_config.py)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the random input (default 0)")
    ap.add_argument("--reference", default=None, metavar="DIR",
                    help="DORY-style out_layerN.txt files to check the expected outputs against")
    ap.add_argument("--reference-layout", type=str.upper, choices=REFERENCE_LAYOUTS, default=None,
                    help="force the layout of the reference files (HWC or CHW, any case)")
    ap.add_argument("--input-type", default=None, help="element type of the network input (default ui8)")
    ap.add_argument("--weights-c-array", action="store_true",
                    help="also compile the weights blob into the app as a C array (weights.c; for small networks)")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="print nothing on success (no progress lines, summary table or closing line); "
                         "warnings and errors still go to stderr")
    ap.add_argument("--report", default=None, metavar="FILE.html",
                    help="also write a picture of the plan: L2/L3 timeline, per-layer L1 layout, tiles and cycles (self-contained HTML)")
    ap.add_argument("--report-log", default=None, metavar="RUN.log",
                    help="with --report: the output of 'make -C APP run' for this network, to draw measured cycles beside the modelled ones")
    return ap.parse_args(argv)


class _Progress:
    """The progress lines on stderr: each step with its own time (since the previous line), not
    the running total (the closing line gives that)."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.start = self.last = time.perf_counter()

    def step(self, what: str) -> None:
        now = time.perf_counter()
        if not self.quiet:
            print(f"dory-compile: {what} ({now - self.last:.2f} s)", file=sys.stderr, flush=True)
        self.last = now

    def total(self) -> float:
        return time.perf_counter() - self.start


# ONNX graph names exporters write whatever the network is (PyTorch: torch-jit-export, main_graph).
_GENERIC_GRAPH_NAMES = frozenset({"", "torch-jit-export", "torch_jit", "main_graph", "graph", "model", "network"})
# File stems that say nothing about the network: the parent directory names it instead.
_GENERIC_STEMS = frozenset({"model", "model_int", "network"})


def app_name(model_path: str) -> str:
    """The name the app prints (``dory: NAME: ...``): the ONNX graph's name when it is a real one,
    else the file's stem (its directory's name for model.onnx / model_int.onnx / network.onnx)
    plus 6 hex digits of the file's SHA-256, so two different networks saved under the same name
    (eegnet_id_8b.onnx twice) never print the same name. Made C-string safe."""
    import hashlib
    import re

    from dory.frontend.onnx_proto import from_bytes

    with open(model_path, "rb") as f:
        data = f.read()
    # a TFLite flatbuffer has no graph name worth printing: the file's stem names it
    graph_name = "" if data[4:8] == b"TFL3" else from_bytes(data).graph.name.strip()
    if graph_name.lower() not in _GENERIC_GRAPH_NAMES:
        name = graph_name
    else:
        name = os.path.splitext(os.path.basename(model_path))[0]
        if name.lower() in _GENERIC_STEMS:
            name = os.path.basename(os.path.dirname(os.path.abspath(model_path))) or name
        name += "_" + hashlib.sha256(data).hexdigest()[:6]
    return re.sub(r"[^A-Za-z0-9_.+-]", "_", name)


def _target_dir(path: str) -> str:
    from dory.driver.outdir import OutputDirError, fresh_dir_target

    try:
        return fresh_dir_target(path, "-o", ".dory-compile-")
    except OutputDirError as e:
        raise UsageError(str(e)) from None


def summary(net: "object") -> str:
    """The per-layer table dory-compile prints."""
    steps = net.steps  # type: ignore[attr-defined]
    rows = [f"{'#':>3} {'layer':<28} {'op':<9} {'MMAC':>8} {'tiles':>6} {'L1 B':>7} {'cycles':>10}"]
    for s in steps:
        rows.append(f"{s.index:>3} {s.name[:28]:<28} {s.op:<9} {s.macs / 1e6:>8.3f} {s.n_tiles:>6} {s.l1_bytes:>7} {s.cycles:>10}")
    macs = sum(s.macs for s in steps)
    cyc = sum(s.cycles for s in steps)
    rows.append(f"{'':>3} {'total':<28} {'':<9} {macs / 1e6:>8.3f} {sum(s.n_tiles for s in steps):>6} "
                f"{max([s.l1_bytes for s in steps] or [0]):>7} {cyc:>10}")
    rows.append(f"L2 peak {net.l2_bytes} B, L3 {net.l3_bytes} B, weights {net.weight_bytes} B"  # type: ignore[attr-defined]
                + (f", {macs / cyc:.2f} MAC/cycle modelled" if cyc else ""))
    return "\n".join(rows)


def run(args: argparse.Namespace) -> int:
    """Compile with parsed arguments; returns the exit status (errors raise `DiagnosticError`,
    `UsageError` or `ValueError`, which `main` prints)."""
    from dory.backends.gap8.app import ExpectedAhead, app_files, default_pipeline, expected_outputs, run_note, write_app
    from dory.backends.gap8.emit import emit_network
    from dory.backends.verify_plan import verify_plan
    from dory.backends.target import get_target
    from dory.dory_ir.diagnostics import DiagnosticError, Location
    from dory.dory_ir.interp.interpreter import find_function, random_inputs
    from dory.dory_ir.opdef import verify
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline
    from dory.driver.outdir import commit_dir

    progress = _Progress(args.quiet)
    if args.dory_config is not None:
        from dory.driver import dory_config

        conf = dory_config.load(args.dory_config, args.model, args.input_type)
        args.model = args.model or conf.model
        args.input_type = args.input_type or conf.input_type
        if conf.inputs and not args.input:
            args.input = conf.inputs
        for note in conf.notes:
            print(f"dory-compile: note: {args.dory_config}: {note}", file=sys.stderr)
    if args.model is None:
        raise UsageError("expected a model (NET.onnx) or --dory-config CONFIG.json, found neither")
    if args.input and len(args.input) > 1 and args.target != "host":
        raise UsageError(f"--input given {len(args.input)} times: the host app runs and checks each input, the {args.target} app runs one")
    if not os.path.isfile(args.model):
        raise DiagnosticError(Location(args.model), "cannot read the model: no such file")
    if args.reference is not None and not os.path.isdir(args.reference):
        raise UsageError(f"--reference expected a directory of out_layerN.txt files, found '{args.reference}'")
    run_log = None
    if args.report_log is not None:
        if args.report is None:
            raise UsageError("--report-log needs --report FILE.html")
        from dory.driver.report import parse_run_log

        try:
            with open(args.report_log, encoding="utf-8", errors="replace") as f:
                run_log = parse_run_log(f.read(), args.report_log)
        except OSError as e:
            raise UsageError(f"--report-log cannot read '{args.report_log}': {e.strerror or e}") from None
    if args.report is not None:
        from dory.driver.report import check_writable

        check_writable(args.report)
    from dory.backends.l2_reserve import plan_to_fit
    from dory.backends.target import planning_pipeline

    replan = args.pipeline is None  # a pipeline given on the command line is planned as given
    default = default_pipeline(args.target)
    planning_target = default.removesuffix("-default")
    if args.tile_plan_columns is not None and args.tile_plan is None:
        raise UsageError("--tile-plan-columns needs --tile-plan FILE.csv")
    if args.staging is not None and args.pipeline is not None:
        raise UsageError("--staging applies to the default pipeline; with --pipeline give assign-memory "
                         "its option yourself: assign-memory{staging=search}")
    if args.tile_plan is not None:
        if args.pipeline is not None:
            raise UsageError("--tile-plan applies to the default pipeline; with --pipeline give the tile pass "
                             "its plan yourself: tile{plan=FILE}")
    if args.tile_plan is not None or args.staging is not None:
        default = planning_pipeline(planning_target, plan=args.tile_plan, plan_columns=args.tile_plan_columns,
                                    staging=args.staging)
    args.pipeline = args.pipeline or default
    parse_pipeline(args.pipeline)  # a malformed --pipeline fails before anything else
    tmp = _target_dir(args.output)
    state: dict = {}

    def build(l2: int | None) -> tuple:
        """Import, plan (the pipeline, or the default one with the L2 budget ``l2``), run the
        reference for the expected outputs and make the app's files."""
        pipeline = args.pipeline if l2 is None else planning_pipeline(planning_target, l2=l2, plan=args.tile_plan,
                                                                      plan_columns=args.tile_plan_columns,
                                                                      staging=args.staging)
        if "imported" not in state:  # imported once: a re-plan starts from a copy of the same import
            from dory.frontend.tflite_import import import_tflite, is_tflite, tflite_input_type_check

            if is_tflite(args.model):
                tflite_input_type_check(args.model, args.input_type)
                imported = import_tflite(args.model, warn=lambda m: print(m, file=sys.stderr))
            else:
                imported = import_onnx(args.model, args.input_type, warn=lambda m: print(m, file=sys.stderr))
            diags = verify(imported)
            if diags:
                raise DiagnosticError.from_diagnostics(diags)
            state["imported"] = imported
        progress.step("imported")
        if args.input:
            # Read and check --input against the imported network (a tensor type named after the
            # ONNX input), before planning turns the argument into an L2/L3 memref.
            from dory.driver.inputs import load_input

            fn0 = find_function(state["imported"])
            arg = fn0.regions[0].blocks[0].args[0]
            runs = [[load_input(p, 0, arg.type, fn0, f"the model's input '{arg.name_hint}'")] for p in args.input]
            inputs = runs[0]
        # A re-plan changes only the budgets of the pipeline's tail (assign-memory, tile,
        # allocate-buffers): it starts from a copy of the module after the longest prefix of
        # passes an earlier build already ran (fold-requant's range analysis is most of it).
        passes = parse_pipeline(pipeline)
        keys = [str(p) for p in passes]
        snapshots: dict = state.setdefault("snapshots", {(): state["imported"]})
        k = max(i for i in range(len(keys) + 1) if tuple(keys[:i]) in snapshots)
        module = snapshots[tuple(keys[:k])].clone()  # the passes rewrite the module in place
        fn = find_function(module)
        for i in range(k, len(passes)):
            if passes[i].name == "assign-memory" and "ahead" not in state and not args.reference:
                # the expected outputs do not depend on the plan: computed meanwhile (ExpectedAhead)
                ahead_module = module.clone()
                state["ahead"] = ExpectedAhead(ahead_module, inputs if args.input else random_inputs(ahead_module, args.seed))
            PassManager([passes[i]], verify_each=False).run(PassContext(), module)
            if i + 1 < len(passes):
                snapshots[tuple(keys[:i + 1])] = module.clone()
        progress.step(f"planned with {pipeline}")
        if not args.input:
            inputs = random_inputs(module, args.seed)
            runs = [inputs]
        plan_errors = verify_plan(module, get_target(planning_target) if replan else None)
        if plan_errors:  # whatever the runtime or the C compiler would reject is a located error first
            raise DiagnosticError.from_diagnostics(plan_errors)
        net = emit_network(module)
        more = [(xs[0], *expected_outputs(module, xs, net)) for xs in runs[1:]]
        if args.reference:
            from dory.driver.reference import check_layers, reference_files, report_lines

            for path, xs in zip(args.input[1:] if args.input else [], runs[1:]):
                others, _ = check_layers(state["imported"], xs, reference_files(args.reference, path), None, args.reference_layout)
                if any(not r.ok for r in others):
                    lines = "\n".join(report_lines(others))
                    raise DiagnosticError(Location(args.reference), f"the network on {path} does not match the reference files:\n{lines}")
            files = reference_files(args.reference, args.input[0] if args.input else None)
            checked: list = []

            def run_checked(on_result: object) -> list:
                reports, outputs = check_layers(module, inputs, files, None, args.reference_layout, on_result)
                checked.extend(reports)
                return outputs

            expected, output = expected_outputs(module, inputs, net, run_checked)
            if any(not r.ok for r in checked):
                # A planned add layer holds all of its requants; DORY's reference may number the
                # last of them as a layer of its own (relu2): the imported network shows each.
                imported_reports, _ = check_layers(state["imported"], inputs, files, None, args.reference_layout)
                if all(r.ok for r in imported_reports):
                    checked[:] = imported_reports
                    progress.step("the reference numbers a requant after an add as a layer of its own: checked on the imported network")
            if any(not r.ok for r in checked):
                lines = "\n".join(report_lines(checked))
                raise DiagnosticError(Location(args.reference), f"the planned network does not match the reference files:\n{lines}")
            progress.step(f"{len(checked)} layers match {args.reference}" + (f" on each of {len(runs)} inputs" if len(runs) > 1 else ""))
        else:
            ahead = state["ahead"].take(module, inputs) if "ahead" in state else None
            expected, output = expected_outputs(module, inputs, net, ahead)
        progress.step("expected outputs computed")
        state.update(fn=fn, pipeline=pipeline)
        if "name" not in state:
            state["name"] = app_name(args.model)
        return net, app_files(net, inputs[0], expected, output, args.target, state["name"], args.weights_c_array, more)

    try:
        net, app, fit = plan_to_fit(build, args.target, planning_target, replan)
        if fit.reserve.measured:
            progress.step(f"L2 reserve measured: {fit.reserve.reserve} B")
        if not fit.fits:
            print(f"dory-compile: warning: the app does not fit L2: {fit.summary()}; {fit.fix_hint(state['pipeline'])}",
                  file=sys.stderr)
        fn, name = state["fn"], state["name"]
        plan = None
        if args.report is not None:  # drawn (and the log checked) before anything is written
            from dory.driver.report import attach_log, build_plan

            plan = build_plan(fn, net, name, args.target, state["pipeline"])
            if run_log is not None:
                plan = attach_log(plan, run_log, args.report_log)
        os.rmdir(tmp)
        write_app(tmp, app)
        commit_dir(tmp, args.output)
        tmp = ""
    finally:
        if tmp and os.path.exists(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
    if plan is not None:
        from dory.driver.report import write_report

        write_report(args.report, plan)
        progress.step(f"wrote the report {args.report}")
    if args.quiet:
        return 0
    print(summary(net))
    print(fit.summary())
    c_bytes = len(net.network_c.encode())
    note = run_note(args.target)
    print(f"dory-compile: wrote {args.output} ({len(net.steps)} steps, network.c {c_bytes} B, weights {len(net.blob())} B) "
          f"in {progress.total():.2f} s; run: make -C {args.output} run"
          + (f" ({note}; host: make -C {args.output} -f Makefile.host run)" if note else ""))
    return 0


@interruptible("dory-compile")
def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``dory-compile`` console script; returns the exit status."""
    args = parse_args(argv)
    from dory.dory_ir.diagnostics import DiagnosticError

    try:
        return run(args)
    except DiagnosticError as e:
        print(e.format(), file=sys.stderr)
    except UsageError as e:
        print(f"dory-compile: error: {e}", file=sys.stderr)
    except ValueError as e:  # a malformed --pipeline string, a --report problem (driver.report.ReportError)
        print(f"dory-compile: error: {e}", file=sys.stderr)
    return 1

