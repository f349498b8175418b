"""The planned-IR fuzzer (issue 16): seeded, deterministic edits of the plan attributes of planned
networks, each classified by what the tool chain does with it.

A *mutant* is a planned module (``gap8-default`` on a shared network, or the small built-in
network) with one integer of its plan changed: a buffer offset or size (``dory.alloc``, the
arguments' ``dory.arg_alloc``, a layer's ``requant``/``staging`` entries), an L1 offset
(``dory.l1`` ping/pong, params, scratch, total), a tile (``dory.tile`` l1/l3), a requant
parameter (``shift``, ``div``, ``min``, ``max``, scalar ``mul``/``add``) or a budget / arena of the
function (``dory.memory``, ``dory.alloc``). New values are chosen to hit edges: off by one and by
the alignment, zero, negative, another buffer's offset, the layer's extent + 1, 2^31, 2^40, 64.

Outcomes (`Outcome`): ``error`` (a clean, located `DiagnosticError` from the op verifier, the
plan verifier or the emitter), ``traceback`` (any other exception), ``hang`` (a stage over its
time limit), ``build`` (the app's C did not compile), ``wrong`` (the app ran but a step or the
output differs from the interpreter, or it exited non-zero), ``partial`` (``dory-translate --to-c
-o DIR`` failed but left DIR, or its error was not located lines only: checked on a sample of the
mutants through the command line), ``sanitizer`` (an ASan/UBSan report
or a runtime debug-check failure), ``ok`` (bit-exact under ASan/UBSan and the runtime's debug
checks). The rule the fuzzer checks: every mutant is ``error`` or ``ok``.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

BAD = ("traceback", "hang", "partial", "build", "wrong", "sanitizer")

# The small built-in network: a 3x3 conv with a per-channel requant, a max pool and a linear
# layer, so every kind of plan entry has a site even without ../shared.
SMALL = '''"func.func"() <{function_type = (tensor<1x6x6x4xui8>) -> tensor<1x5xsi8>, sym_name = "small"}> ({
^bb0(%x: tensor<1x6x6x4xui8>):
  %w = "qnn.constant"() <{value = dense<[[[[1, -2, 3, 1]]], [[[2, 1, -1, 1]]], [[[-1, 3, 2, 2]]], [[[1, 1, 1, -3]]], [[[2, -1, 1, 1]]], [[[1, 2, -2, 1]]], [[[3, 1, 1, 1]]], [[[1, -1, 2, 2]]]]> : tensor<8x1x1x4xsi8>}> : () -> tensor<8x1x1x4xsi8>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[3, 5, 7, 2, 4, 6, 1, 3]> : tensor<8xsi32>, add = 5 : i64, shift = 3 : i64}}> : (tensor<1x6x6x4xui8>, tensor<8x1x1x4xsi8>) -> tensor<1x6x6x8xui8>
  %p = "dory.pool"(%a) <{kind = "max", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x6x6x8xui8>) -> tensor<1x3x3x8xui8>
  %r = "dory.reshape"(%p) : (tensor<1x3x3x8xui8>) -> tensor<1x72xui8>
  %v = "qnn.constant"() <{value = dense<1> : tensor<5x72xsi8>}> : () -> tensor<5x72xsi8>
  %y = "dory.linear"(%r, %v) <{requant = {max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 4 : i64}}> : (tensor<1x72xui8>, tensor<5x72xsi8>) -> tensor<1x5xsi8>
  "func.return"(%y) : (tensor<1x5xsi8>) -> ()
}) : () -> ()
'''

_PLAN_ATTRS = ("dory.alloc", "dory.arg_alloc", "dory.l1", "dory.tile", "dory.memory")
_PROPS = ("requant", "lhs_requant", "rhs_requant")
_SKIP_KEYS = {"cycles", "sat_calls", "solve_ms", "l2_lower_bound", "live_peak", "l3_weight_bytes",
              "resident_weight_bytes", "n_tiles", "l2_bytes"}  # informational: nothing reads them


@dataclass(frozen=True)
class Site:
    """One integer of the plan: the op, where it is (attribute or property) and the path of keys /
    indices down to it."""

    op_index: int  # index in module.walk() order
    kind: str  # "attr" or "prop"
    path: tuple[Any, ...]
    value: int

    def describe(self) -> str:
        return f"op #{self.op_index} {self.kind} {'.'.join(map(str, self.path))} = {self.value}"


@dataclass
class Outcome:
    """What happened to one mutant."""

    kind: str
    site: str
    new: int
    detail: str = ""


@dataclass
class Tally:
    """Outcomes counted by kind, with the first few bad ones kept for the report."""

    counts: Counter = field(default_factory=Counter)
    bad: list[Outcome] = field(default_factory=list)

    def add(self, o: Outcome) -> None:
        self.counts[o.kind] += 1
        if o.kind in BAD and len(self.bad) < 50:
            self.bad.append(o)

    def line(self) -> str:
        return ", ".join(f"{k} {self.counts[k]}" for k in ("error", "ok", *BAD)) + f" (of {sum(self.counts.values())})"


def _ints(a: Any, path: tuple[Any, ...]) -> Iterator[tuple[tuple[Any, ...], int]]:
    from dory.dory_ir.attributes import ArrayAttr, DictAttr, IntegerAttr

    if isinstance(a, IntegerAttr):
        yield path, int(a.value)
    elif isinstance(a, DictAttr):
        for k, v in a.entries:
            if k not in _SKIP_KEYS:
                yield from _ints(v, path + (k,))
    elif isinstance(a, ArrayAttr):
        for i, v in enumerate(a.values):
            yield from _ints(v, path + (i,))


def sites(module: Any) -> list[Site]:
    """Every integer of the plan of ``module`` that a mutation may change, in a fixed order."""
    out = []
    for i, op in enumerate(module.walk()):
        for name in _PLAN_ATTRS:
            if name in op.attributes:
                out.extend(Site(i, "attr", (name,) + p, v) for p, v in _ints(op.attributes[name], ()))
        for name in _PROPS:
            if name in op.properties:
                out.extend(Site(i, "prop", (name,) + p, v) for p, v in _ints(op.properties[name], ()))
    return out


def _replace(a: Any, path: tuple[Any, ...], new: int) -> Any:
    from dory.dory_ir.attributes import ArrayAttr, DictAttr, IntegerAttr

    if not path:
        assert isinstance(a, IntegerAttr)
        return IntegerAttr(new, a.type)
    if isinstance(a, DictAttr):
        d = a.as_dict()
        d[path[0]] = _replace(d[path[0]], path[1:], new)
        return DictAttr(tuple(d.items()))
    assert isinstance(a, ArrayAttr)
    vals = list(a.values)
    vals[path[0]] = _replace(vals[path[0]], path[1:], new)
    return ArrayAttr(tuple(vals))


def new_values(site: Site, all_sites: list[Site]) -> list[int]:
    """The edge values tried for ``site`` (deduplicated, the old value excluded)."""
    v = site.value
    others = sorted({s.value for s in all_sites if s.path[-1] == site.path[-1] and s.value != v})
    cands = [v - 1, v + 1, v - 4, v + 4, v * 2, v // 2, 0, -1, -4, 1, 2 ** 31, 2 ** 40, 64, 63, 62, -(v or 1)]
    cands += others[:3] + others[-3:]
    seen: list[int] = []
    for c in cands:
        if c != v and c not in seen:
            seen.append(c)
    return seen


def mutate(base: Any, site: Site, new: int) -> Any:
    """A copy of ``base`` with ``site`` set to ``new``."""
    m = base.clone()
    op = list(m.walk())[site.op_index]
    table = op.attributes if site.kind == "attr" else op.properties
    table[site.path[0]] = _replace(table[site.path[0]], site.path[1:], new)
    return m


class _Timeout(Exception):
    pass


def _with_timeout(seconds: int, fn: Callable[[], Any]) -> Any:
    """``fn()`` with a SIGALRM time limit (raises `_Timeout`); main thread only."""
    def on_alarm(signum: int, frame: Any) -> None:
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(seconds)
    try:
        return fn()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def check(module: Any, inputs: list[Any], workdir: Path, build: bool = True, time_limit: int = 60) -> tuple[str, str]:
    """Classify one planned module: (kind, detail). ``build``: run accepted modules as apps under
    ASan/UBSan (else an accepted module is ``ok`` once it translates)."""
    from dory.backends.gap8.app import app_files, expected_outputs, write_app
    from dory.backends.gap8.emit import emit_network, pack
    from dory.backends.verify_plan import verify_plan
    from dory.dory_ir.diagnostics import DiagnosticError
    from dory.dory_ir.opdef import verify

    def front() -> Any:
        diags = verify(module) or verify_plan(module)
        if diags:
            raise DiagnosticError.from_diagnostics(diags)
        net = emit_network(module)
        return net, expected_outputs(module, inputs, net)

    try:
        net, (expected, output) = _with_timeout(time_limit, front)
    except DiagnosticError as e:
        return "error", e.format().splitlines()[0]
    except _Timeout:
        return "hang", "verify/emit/interpret over the time limit"
    except Exception as e:  # noqa: BLE001 - the point: anything else is a finding
        return "traceback", f"{type(e).__name__}: {e}"[:300]
    if not build:
        return "ok", ""
    app = workdir / "app"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    write_app(str(app), app_files(net, inputs[0], expected, output, "host", "fuzz"))
    try:
        b = subprocess.run(["make", "-s", "-C", str(app), "SAN=1", "app-san"], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return "hang", "the app's build"
    if b.returncode != 0:
        return "build", (b.stdout + b.stderr)[-300:]
    dump = workdir / "dump"
    dump.mkdir()
    env = dict(os.environ, DORY_DUMP_DIR=str(dump), ASAN_OPTIONS="detect_leaks=0", UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=0")
    try:
        r = subprocess.run(["./app-san", "weights.bin"], cwd=app, capture_output=True, text=True, env=env, timeout=time_limit)
    except subprocess.TimeoutExpired:
        return "hang", "the app's run"
    err = r.stderr
    if "runtime error:" in err or "AddressSanitizer" in err or "UndefinedBehaviorSanitizer" in err:
        return "sanitizer", err[-300:]
    got = [(dump / f"step_{s.index:03d}.bin").read_bytes() if (dump / f"step_{s.index:03d}.bin").exists() else b"" for s in net.steps]
    want = [pack(e, s.dtype) for e, s in zip(expected, net.steps)]
    if r.returncode != 0 or got != want or "MISMATCH" in r.stdout:
        return "wrong", f"exit {r.returncode}: {(r.stdout + err)[-300:]}"
    return "ok", ""


def check_cli(module: Any, workdir: Path, in_process: str) -> tuple[str, str]:
    """``dory-translate --to-c`` on the printed ``module`` as a user runs it: it must agree with the
    in-process outcome ``in_process``, print only located error lines (no traceback) and leave no
    output directory when it fails."""
    import re
    import sys

    from dory.dory_ir.printer import print_op

    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    src, out = workdir / "mutant.mlir", workdir / "out"
    src.write_text(print_op(module))
    tool = Path(sys.executable).parent / "dory-translate"
    try:
        r = subprocess.run([str(tool), "--to-c", str(src), "-o", str(out)], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return "hang", "dory-translate --to-c"
    lines = r.stderr.strip().splitlines()
    if "Traceback" in r.stderr or r.returncode not in (0, 1):
        return "traceback", f"exit {r.returncode}: {r.stderr[-300:]}"
    if r.returncode == 1:
        if out.exists():
            return "partial", "failed but left the output directory"
        if not lines or not all(re.match(r"^\S+:\d+:\d+: error: ", ln) for ln in lines):
            return "partial", f"not located error lines: {r.stderr[-300:]}"
    if (r.returncode == 0) != (in_process != "error"):
        return "traceback", f"the command line (exit {r.returncode}) and the in-process check ({in_process}) disagree"
    return in_process, ""


def plan_small(pipeline: str = "gap8-default") -> Any:
    """The built-in small network, planned (its passes from assign-memory on)."""
    from dory.dory_ir.parser import parse_module
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline

    m = parse_module(SMALL, "small.mlir")
    target = pipeline.removesuffix("-default")
    PassManager(parse_pipeline(f"assign-memory{{target={target}}},tile{{target={target}}},allocate-buffers{{target={target}}}"),
                verify_each=False).run(PassContext(), m)
    return m


def run(bases: list[tuple[str, Any, list[Any]]], n: int, seed: int, workdir: Path, build: bool = True,
        max_builds: int | None = None, log: Callable[[str], None] | None = None, cli_every: int = 0) -> Tally:
    """``n`` mutants drawn (seeded) over ``bases`` (name, planned module, inputs): a site of a base,
    then one of its edge values. At most ``max_builds`` accepted mutants are built and run (the
    rest are ``ok`` once they translate; None: all)."""
    rng = random.Random(seed)
    tally = Tally()
    per_base = [(name, m, inputs, sites(m)) for name, m, inputs in bases]
    builds = 0
    for k in range(n):
        name, base, inputs, ss = per_base[rng.randrange(len(per_base))]
        site = ss[rng.randrange(len(ss))]
        new = rng.choice(new_values(site, ss))
        mutant = mutate(base, site, new)
        do_build = build and (max_builds is None or builds < max_builds)
        kind, detail = check(mutant, inputs, workdir / "app", build=do_build)
        builds += do_build and kind not in ("error", "traceback", "hang")
        if cli_every and k % cli_every == 0 and kind in ("error", "ok"):
            kind, detail = check_cli(mutant, workdir / "cli", kind)
        o = Outcome(kind, f"{name}: {site.describe()}", new, detail)
        tally.add(o)
        if log is not None and kind in BAD:
            log(f"{kind}: {o.site} -> {new}: {detail}")
    return tally


def bases(names: list[str], pipeline: str = "gap8-default") -> list[tuple[str, Any, list[Any]]]:
    """The built-in small network and the shared networks ``names`` (those present), planned with
    ``pipeline``, each with its first input (the small one: a seeded random input)."""
    from dory.dory_ir.interp.interpreter import random_inputs

    small = plan_small(pipeline)
    out = [("small", small, random_inputs(small, 0))]
    from shared_models import NETWORKS, load, run_pipeline

    for name in names:
        if name in NETWORKS:
            net = load(name)
            run_pipeline(net.module, pipeline, verify_each=False)
            out.append((name, net.module, net.inputs))
    return out


def main(argv: list[str] | None = None) -> int:
    """``make fuzz``: the long run (``--n`` mutants, ``--builds`` of the accepted ones built and run
    under ASan/UBSan); prints the tally and every bad outcome; exit 1 on any."""
    import argparse
    import sys
    import tempfile

    ap = argparse.ArgumentParser(prog="plan_fuzz", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--builds", type=int, default=200, help="accepted mutants built and run as apps (the rest translated)")
    ap.add_argument("--cli-every", type=int, default=50, help="every Nth mutant also through dory-translate --to-c (0: none)")
    ap.add_argument("--networks", default="nemo_Residual_connection_test_1,nemo_dscnn_test,nemo1d_TCN_T,nemo_PenguiNet_32")
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="plan-fuzz-") as d:
        tally = run(bases([n for n in args.networks.split(",") if n]), args.n, args.seed, Path(d),
                    max_builds=args.builds, log=lambda s: print(s, flush=True), cli_every=args.cli_every)
    print(f"plan fuzz (seed {args.seed}, {args.builds} builds at most): {tally.line()}", flush=True)
    return 1 if any(tally.counts[k] for k in BAD) else 0


if __name__ == "__main__":
    sys_path = os.path.dirname(os.path.abspath(__file__))
    import sys

    sys.path.insert(0, sys_path)
    import cc_cache  # the tests' object cache for the app builds (as tests/conftest.py installs it)

    cc_cache.install_env(os.environ)

    raise SystemExit(main())
