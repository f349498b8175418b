"""ONNX mutation fuzzer of ``dory-translate --from-onnx`` (issue 16): seeded, deterministic
mutations of the shared networks (``../shared/models/*/*.onnx``), each run through the importer
in-process and classified.

    python tests/onnx_fuzz.py [--count N] [--seed S] [--jobs J] [--apps K] [--models a,b] [--show N]

Mutations (`MUTATORS`): attribute type and value changes, attribute and input drops, extra
inputs, dropped outputs, initializer dims / element type / data corruption, Constant values, byte
flips of the serialized model, op-type swaps, dangling edges, dropped and duplicated nodes, graph
outputs that are graph inputs, swapped and unnamed nodes, graph-input shapes and opset versions. Mutant ``i`` of a run is a
function of ``(seed, i)`` only, so any finding is reproduced by its index (``--first I --count 1
--save DIR`` writes the mutant).

Outcomes (`Outcome.kind`): ``ok`` (imported, IR written), ``error`` (one located error line, exit
1, no output file), and the findings: ``traceback`` (an exception escaped the tool), ``hang``
(over `TIMEOUT` s), ``partial`` (an output file after an error), ``unlocated`` (an error line
without a file location or with ``<unknown>``), ``noise`` (anything else on stderr: a second line,
a numpy warning). With ``--apps K`` the first K accepted mutants are also compiled to host C apps
(``dory-compile``) and run: ``app-build`` (the C does not build), ``app-wrong`` (the app reports a
mismatch against the reference interpreter or fails).
"""

from __future__ import annotations

import argparse
import contextlib
import glob
import io
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"
TIMEOUT = 20.0
"""Seconds one import may take before it counts as a hang (the slowest clean run is ~0.3 s)."""

FINDINGS = ("traceback", "hang", "partial", "unlocated", "noise", "app-build", "app-wrong")
"""Outcome kinds that are bugs."""


def shared_models() -> list[str]:
    """The shared networks' ONNX files, sorted (empty without ../shared)."""
    return sorted(glob.glob(str(SHARED / "*" / "*.onnx")))


# -- mutations -------------------------------------------------------------------------------------

INTERESTING_INTS = [0, -1, 1, 2, 3, 7, 255, 256, -128, 2**31 - 1, 2**31, -(2**31), 2**62, 2**63 - 1, -(2**63)]
INTERESTING_FLOATS = [0.0, -0.0, 0.5, -1.0, 1.0, 255.0, 256.0, 1e30, -1e30, 3.4e38, float("inf"), float("-inf"), float("nan"), 1e-30, 2.0**62]
OP_TYPES = ["Conv", "Gemm", "MatMul", "MaxPool", "AveragePool", "GlobalAveragePool", "Mul", "Div", "Add", "Sub", "Floor",
            "Cast", "Clip", "Relu", "Pad", "Flatten", "Reshape", "Transpose", "Concat", "Identity", "Dropout", "Constant",
            "Shape", "Gather", "Unsqueeze", "Squeeze", "Sigmoid", "Softmax", "Erf", "BatchNormalization", "LeakyRelu"]
ELEM_TYPES = [0, 1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 21, 99]


def _choice(rng: random.Random, seq: Any) -> Any:
    return seq[rng.randrange(len(seq))]


def _nodes_with(model: Any, pred: Callable[[Any], bool]) -> list[Any]:
    return [n for n in model.graph.node if pred(n)]


def _set_attr(a: Any, kind: int, rng: random.Random) -> None:
    """Give attribute ``a`` type ``kind`` and a value of that type (other fields cleared)."""
    from onnx import numpy_helper

    import numpy as np

    for f in ("f", "i", "s", "t", "floats", "ints", "strings"):
        a.ClearField(f)
    a.type = kind
    if kind == 1:
        a.f = _choice(rng, INTERESTING_FLOATS)
    elif kind == 2:
        a.i = _choice(rng, INTERESTING_INTS)
    elif kind == 3:
        a.s = _choice(rng, [b"", b"NOTSET", b"SAME_UPPER", b"reflect", b"\xff\xfe"])
    elif kind == 4:
        a.t.CopyFrom(numpy_helper.from_array(np.array(_choice(rng, [0.0, 1.0, 3.0]), np.float32)))
    elif kind == 6:
        a.floats.extend(_choice(rng, INTERESTING_FLOATS) for _ in range(rng.randrange(0, 5)))
    elif kind == 7:
        a.ints.extend(_choice(rng, INTERESTING_INTS) for _ in range(rng.randrange(0, 5)))
    elif kind == 8:
        a.strings.extend([b"x"] * rng.randrange(0, 3))


def m_attr_type(model: Any, rng: random.Random) -> str:
    nodes = _nodes_with(model, lambda n: len(n.attribute) > 0)
    if not nodes:
        return "noop"
    n = _choice(rng, nodes)
    a = _choice(rng, n.attribute)
    kind = _choice(rng, [0, 1, 2, 3, 4, 6, 7, 8])
    _set_attr(a, kind, rng)
    return f"attr-type {n.name}.{a.name} -> {kind}"


def m_attr_value(model: Any, rng: random.Random) -> str:
    nodes = _nodes_with(model, lambda n: any(a.type in (1, 2, 6, 7) for a in n.attribute))
    if not nodes:
        return "noop"
    n = _choice(rng, nodes)
    a = _choice(rng, [a for a in n.attribute if a.type in (1, 2, 6, 7)])
    if a.type == 1:
        a.f = _choice(rng, INTERESTING_FLOATS)
    elif a.type == 2:
        a.i = _choice(rng, INTERESTING_INTS)
    elif a.type == 6:
        vals = list(a.floats) or [0.0]
        vals[rng.randrange(len(vals))] = _choice(rng, INTERESTING_FLOATS)
        a.ClearField("floats")
        a.floats.extend(vals)
    else:
        vals = list(a.ints)
        r = rng.random()
        if r < 0.2 and vals:
            vals.pop()
        elif r < 0.3:
            vals.append(_choice(rng, INTERESTING_INTS))
        elif vals:
            vals[rng.randrange(len(vals))] = _choice(rng, INTERESTING_INTS)
        a.ClearField("ints")
        a.ints.extend(vals)
    return f"attr-value {n.name}.{a.name}"


def m_attr_drop(model: Any, rng: random.Random) -> str:
    nodes = _nodes_with(model, lambda n: len(n.attribute) > 0)
    if not nodes:
        return "noop"
    n = _choice(rng, nodes)
    i = rng.randrange(len(n.attribute))
    name = n.attribute[i].name
    del n.attribute[i]
    return f"attr-drop {n.name}.{name}"


def m_input_drop(model: Any, rng: random.Random) -> str:
    nodes = _nodes_with(model, lambda n: len(n.input) > 0)
    n = _choice(rng, nodes)
    i = rng.randrange(len(n.input))
    if rng.random() < 0.3:
        n.input[i] = ""
    else:
        del n.input[i]
    return f"input-drop {n.name}[{i}]"


def m_input_add(model: Any, rng: random.Random) -> str:
    n = _choice(rng, list(model.graph.node))
    names = [t for m in model.graph.node for t in m.output] + [i.name for i in model.graph.initializer]
    n.input.append(_choice(rng, names) if names and rng.random() < 0.7 else "")
    return f"input-add {n.name}"


def m_output_drop(model: Any, rng: random.Random) -> str:
    n = _choice(rng, list(model.graph.node))
    if rng.random() < 0.5:
        del n.output[:]
    else:
        n.output.append(f"extra_{rng.randrange(100)}")
    return f"output-change {n.name}"


def _tensors(model: Any) -> list[Any]:
    """Every initializer and every Constant node's value tensor."""
    ts = list(model.graph.initializer)
    for n in model.graph.node:
        for a in n.attribute:
            if a.name == "value" and a.HasField("t"):
                ts.append(a.t)
    return ts


def m_tensor_dims(model: Any, rng: random.Random) -> str:
    t = _choice(rng, _tensors(model))
    dims = list(t.dims)
    r = rng.random()
    if r < 0.3 and dims:
        dims.pop(rng.randrange(len(dims)))
    elif r < 0.5:
        dims.insert(rng.randrange(len(dims) + 1), _choice(rng, [1, 2, 0]))
    elif dims:
        dims[rng.randrange(len(dims))] = _choice(rng, [0, 1, 2, 3, -1, 1 << 20, 1 << 40])
    t.ClearField("dims")
    t.dims.extend(dims)
    return f"tensor-dims {t.name}"


def m_tensor_type(model: Any, rng: random.Random) -> str:
    t = _choice(rng, _tensors(model))
    t.data_type = _choice(rng, ELEM_TYPES)
    return f"tensor-type {t.name} -> {t.data_type}"


def m_tensor_data(model: Any, rng: random.Random) -> str:
    """Corrupt a tensor's values: truncate or extend raw bytes, or write an interesting float."""
    import numpy as np
    from onnx import numpy_helper

    t = _choice(rng, _tensors(model))
    r = rng.random()
    if t.HasField("raw_data") and r < 0.4:
        raw = bytearray(t.raw_data)
        if raw and rng.random() < 0.5:
            del raw[rng.randrange(len(raw)):]
        else:
            raw.extend(b"\x00" * rng.randrange(1, 9))
        t.raw_data = bytes(raw)
        return f"tensor-raw-len {t.name}"
    try:
        arr = numpy_helper.to_array(t).copy()
    except Exception:
        return "noop"
    if arr.size == 0:
        return "noop"
    flat = arr.reshape(-1)
    if arr.dtype.kind == "f":
        flat[rng.randrange(flat.size)] = _choice(rng, INTERESTING_FLOATS)
    elif arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        flat[rng.randrange(flat.size)] = _choice(rng, [info.min, info.max, 0, -1 if info.min < 0 else 1])
    t.CopyFrom(numpy_helper.from_array(arr, t.name))
    return f"tensor-value {t.name}"


def m_byte_flip(model: Any, rng: random.Random) -> bytes:
    data = bytearray(model.SerializeToString())
    for _ in range(rng.randrange(1, 5)):
        data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


def m_op_swap(model: Any, rng: random.Random) -> str:
    n = _choice(rng, list(model.graph.node))
    old = n.op_type
    n.op_type = _choice(rng, OP_TYPES)
    return f"op-swap {n.name} {old} -> {n.op_type}"


def m_dangling(model: Any, rng: random.Random) -> str:
    nodes = _nodes_with(model, lambda n: len(n.input) > 0)
    n = _choice(rng, nodes)
    i = rng.randrange(len(n.input))
    later = [t for m in model.graph.node[list(model.graph.node).index(n):] for t in m.output]
    n.input[i] = _choice(rng, later) if later and rng.random() < 0.5 else f"dangling_{rng.randrange(100)}"
    return f"dangling {n.name}[{i}]"


def m_node_drop(model: Any, rng: random.Random) -> str:
    i = rng.randrange(len(model.graph.node))
    name = model.graph.node[i].name
    del model.graph.node[i]
    return f"node-drop {name}"


def m_node_dup(model: Any, rng: random.Random) -> str:
    i = rng.randrange(len(model.graph.node))
    model.graph.node.insert(i + 1, model.graph.node[i])
    return f"node-dup {model.graph.node[i].name}"


def m_node_order(model: Any, rng: random.Random) -> str:
    """Swap two nodes (a use before its definition), or clear a node's name (located by index)."""
    g = model.graph
    i = rng.randrange(len(g.node))
    if rng.random() < 0.5:
        g.node[i].name = ""
        return "node-unnamed"
    j = min(len(g.node) - 1, i + rng.randrange(1, 4))
    a, b = type(g.node[i])(), type(g.node[j])()
    a.CopyFrom(g.node[i])
    b.CopyFrom(g.node[j])
    g.node[i].CopyFrom(b)
    g.node[j].CopyFrom(a)
    return f"node-swap {i} {j}"


def m_output_is_input(model: Any, rng: random.Random) -> str:
    g = model.graph
    inits = {i.name for i in g.initializer}
    ins = [i for i in g.input if i.name not in inits]
    if not ins or not g.output:
        return "noop"
    r = rng.random()
    if r < 0.5:
        g.output[0].name = ins[0].name
    elif r < 0.75:
        g.output[0].name = _choice(rng, [i.name for i in g.initializer] or [ins[0].name])
    else:
        # an Identity of the input as the output
        g.node.insert(0, __import__("onnx").helper.make_node("Identity", [ins[0].name], ["fuzz_id"], name="fuzz_identity"))
        g.output[0].name = "fuzz_id"
    return "output-is-input"


def m_input_shape(model: Any, rng: random.Random) -> str:
    g = model.graph
    inp = g.input[0]
    dims = inp.type.tensor_type.shape.dim
    if not dims:
        return "noop"
    d = _choice(rng, dims)
    r = rng.random()
    if r < 0.2:
        d.dim_param = "N"
    else:
        d.dim_value = _choice(rng, [0, 1, 2, 3, 1000, 1 << 31, 1 << 40])
    if rng.random() < 0.1:
        inp.type.tensor_type.elem_type = _choice(rng, ELEM_TYPES)
    return f"input-shape {inp.name}"


def m_opset(model: Any, rng: random.Random) -> str:
    for o in model.opset_import:
        if o.domain in ("", "ai.onnx"):
            o.version = _choice(rng, [0, 1, 5, 7, 11, 13, 18, 21, 25, 99])
            return f"opset -> {o.version}"
    return "noop"


MUTATORS: list[tuple[str, Callable[[Any, random.Random], Any], int]] = [
    ("attr_type", m_attr_type, 3), ("attr_value", m_attr_value, 4), ("attr_drop", m_attr_drop, 2),
    ("input_drop", m_input_drop, 3), ("input_add", m_input_add, 1), ("output_change", m_output_drop, 1),
    ("tensor_dims", m_tensor_dims, 2), ("tensor_type", m_tensor_type, 2), ("tensor_data", m_tensor_data, 3),
    ("byte_flip", m_byte_flip, 3), ("op_swap", m_op_swap, 2), ("dangling", m_dangling, 1),
    ("node_drop", m_node_drop, 1), ("node_dup", m_node_dup, 1), ("node_order", m_node_order, 1), ("output_is_input", m_output_is_input, 1),
    ("input_shape", m_input_shape, 1), ("opset", m_opset, 1),
]
"""(name, mutator, weight). A mutator edits the ModelProto in place (returns a description) or
returns the mutant's bytes (byte flips)."""

_BASE: dict[str, bytes] = {}


def mutant(models: list[str], seed: int, index: int) -> tuple[bytes, str]:
    """Mutant ``index`` of run ``seed``: its bytes and a description (one to three mutations)."""
    import onnx

    rng = random.Random(f"{seed}:{index}")
    path = models[rng.randrange(len(models))]
    if path not in _BASE:
        with open(path, "rb") as f:
            _BASE[path] = f.read()
    model = onnx.load_from_string(_BASE[path])
    names, weights = zip(*((n, w) for n, _, w in MUTATORS))
    fns = dict((n, f) for n, f, _ in MUTATORS)
    done = []
    for _ in range(1 if rng.random() < 0.7 else rng.randrange(2, 4)):
        name = rng.choices(names, weights)[0]
        res = fns[name](model, rng)
        if isinstance(res, bytes):
            done.append(name)
            return res, f"{Path(path).parent.name}: {'; '.join(done)}"
        done.append(res)
    return model.SerializeToString(), f"{Path(path).parent.name}: {'; '.join(done)}"


# -- running and classifying -----------------------------------------------------------------------

@dataclass
class Outcome:
    """How one mutant fared: ``kind`` (see the module docstring) and the detail a finding needs
    (the error line, the traceback's signature, the app's complaint)."""

    kind: str
    detail: str = ""
    signature: str = ""


class _Timeout(BaseException):
    """Raised by SIGALRM in the importer: a hang (a BaseException so no ``except Exception`` in
    the tool can swallow it)."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout()


ROOT = Path(__file__).resolve().parents[1]


def _signature(exc: BaseException) -> str:
    """``ExcType at file:function`` of the innermost frame in this checkout (else the last)."""
    tb = traceback.extract_tb(exc.__traceback__)
    frames = [f for f in tb if Path(f.filename).resolve().is_relative_to(ROOT)]
    f = (frames or tb)[-1] if (frames or tb) else None
    where = f"{Path(f.filename).name}:{f.name}" if f else "?"
    return f"{type(exc).__name__} at {where}"


def classify_translate(path: str, out: str, timeout: float = TIMEOUT) -> Outcome:
    """Run ``dory-translate --from-onnx path -o out`` in-process and classify it."""
    from dory.driver.translate import main

    if os.path.exists(out):
        os.unlink(out)
    err = io.StringIO()
    old = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    rc: Any = None
    exc: BaseException | None = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                rc = main(["--from-onnx", path, "-o", out])
        except _Timeout:
            return Outcome("hang", f"over {timeout} s")
        except SystemExit as e:  # argparse
            rc = e.code
        except BaseException as e:  # noqa: BLE001 - any escaping exception is the finding
            exc = e
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    if exc is not None:
        sig = _signature(exc)
        return Outcome("traceback", f"{type(exc).__name__}: {str(exc)[:200]}", sig)
    lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
    noise = [str(w.message)[:120] for w in caught]
    if rc == 0:
        extra = [ln for ln in lines if "float post-processing ops to the host" not in ln]
        if noise or extra:
            return Outcome("noise", "; ".join(noise + extra)[:300], "warning on success")
        return Outcome("ok")
    if os.path.exists(out):
        return Outcome("partial", lines[0] if lines else "")
    errs = [ln for ln in lines if ": error: " in ln]
    if len(errs) != 1 or len(lines) != 1 or noise:
        return Outcome("noise", " | ".join(noise + lines)[:400], "multi-line or warning")
    line = errs[0]
    if not line.startswith(path + ":") or "<unknown>" in line:
        msg = line.split(": error: ", 1)[-1]
        return Outcome("unlocated", line[:300], "unlocated: " + msg[:60])
    return Outcome("error", line[len(path) + 2:][:300])


def classify_app(path: str, work: str) -> Outcome:
    """Compile an accepted mutant to a host app (dory-compile, in-process) and build and run it."""
    from dory.driver.compile import main as compile_main

    app = os.path.join(work, "app")
    err = io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = compile_main([path, "-o", app, "--seed", "1", "--quiet"])
    except BaseException as e:  # noqa: BLE001
        return Outcome("traceback", f"dory-compile: {type(e).__name__}: {str(e)[:200]}", "dory-compile " + _signature(e))
    if rc != 0:
        lines = [ln for ln in err.getvalue().splitlines() if ln.strip()]
        return Outcome("error", "dory-compile: " + (lines[0] if lines else f"exit {rc}"))
    try:
        b = subprocess.run(["make", "-s", "-C", app, "app"], capture_output=True, text=True, timeout=600)
    except subprocess.TimeoutExpired:
        return Outcome("app-build", "make timed out")
    if b.returncode != 0:
        return Outcome("app-build", (b.stderr or b.stdout)[-400:], "C build failure")
    try:
        r = subprocess.run(["./app", "weights.bin"], cwd=app, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        return Outcome("app-wrong", "app timed out", "app hang")
    if r.returncode != 0 or "MISMATCH" in r.stdout or "output matches" not in r.stdout:
        return Outcome("app-wrong", (r.stdout + r.stderr)[-400:], f"app exit {r.returncode}")
    return Outcome("ok", "app ok")


@dataclass
class Report:
    """A run's tally and its findings (index, description, outcome)."""

    counts: Counter
    app_counts: Counter
    findings: list[tuple[int, str, Outcome]]
    errors: Counter
    seconds: float

    def signatures(self) -> Counter:
        return Counter(o.signature or o.kind for _, _, o in self.findings)


def run(models: list[str], seed: int, first: int, count: int, apps: int = 0, save: str | None = None,
        deadline: float | None = None) -> Report:
    """Fuzz mutants ``first .. first+count-1`` of run ``seed`` (stopping early at ``deadline``,
    a ``time.monotonic()`` value); compile the first ``apps`` accepted ones to host apps."""
    counts: Counter = Counter()
    app_counts: Counter = Counter()
    errors: Counter = Counter()
    findings: list[tuple[int, str, Outcome]] = []
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dory-fuzz-") as tmp:
        path = os.path.join(tmp, "mutant.onnx")
        out = os.path.join(tmp, "mutant.mlir")
        for i in range(first, first + count):
            if deadline is not None and time.monotonic() > deadline:
                break
            data, desc = mutant(models, seed, i)
            with open(path, "wb") as f:
                f.write(data)
            if save:
                Path(save).mkdir(parents=True, exist_ok=True)
                Path(save, f"mutant_{seed}_{i}.onnx").write_bytes(data)
            o = classify_translate(path, out)
            counts[o.kind] += 1
            if o.kind == "error":
                errors[o.detail.split(": error: ", 1)[-1][:50]] += 1
            if o.kind in FINDINGS:
                findings.append((i, desc, o))
            elif o.kind == "ok" and app_counts.total() < apps:
                work = os.path.join(tmp, f"app{i}")
                os.makedirs(work)
                a = classify_app(path, work)
                app_counts[a.kind] += 1
                if a.kind in FINDINGS:
                    findings.append((i, desc, a))
    return Report(counts, app_counts, findings, errors, time.monotonic() - t0)


def _worker(args: tuple[list[str], int, int, int, int]) -> Report:
    models, seed, first, count, apps = args
    return run(models, seed, first, count, apps)


def main(argv: list[str] | None = None) -> int:
    """The long run (``make fuzz-onnx``): prints the tally and every finding; exit 1 on findings."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--apps", type=int, default=0, help="compile and run this many accepted mutants (split over jobs)")
    ap.add_argument("--models", default="", help="comma-separated network directory names (default: all shared)")
    ap.add_argument("--save", default=None, help="write every mutant here (with --count small)")
    ap.add_argument("--show", type=int, default=40, help="findings to print")
    a = ap.parse_args(argv)
    if a.apps:
        # the apps compile the C runtime through the suite's object cache, as under pytest
        # (tests/conftest.py): once per compiler and flags instead of once per app
        import cc_cache

        cc_cache.install_env(os.environ)
    models = shared_models()
    if a.models:
        keep = set(a.models.split(","))
        models = [m for m in models if Path(m).parent.name in keep]
    if not models:
        print(f"onnx_fuzz: no shared models at {SHARED}", file=sys.stderr)
        return 1
    t0 = time.monotonic()
    if a.jobs > 1 and not a.save:
        import multiprocessing as mp

        per = math.ceil(a.count / a.jobs)
        chunks = [(models, a.seed, a.first + j * per, min(per, a.count - j * per), a.apps // a.jobs) for j in range(a.jobs)]
        with mp.get_context("fork").Pool(a.jobs) as pool:
            reports = pool.map(_worker, chunks)
    else:
        reports = [run(models, a.seed, a.first, a.count, a.apps, a.save)]
    counts = sum((r.counts for r in reports), Counter())
    app_counts = sum((r.app_counts for r in reports), Counter())
    errors = sum((r.errors for r in reports), Counter())
    findings = [f for r in reports for f in r.findings]
    print(f"onnx_fuzz: seed {a.seed}, mutants {a.first}..{a.first + a.count - 1} of {len(models)} networks, {time.monotonic() - t0:.0f} s")
    print("  translate: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    if a.apps:
        print("  apps:      " + ", ".join(f"{k} {v}" for k, v in sorted(app_counts.items())))
    print(f"  distinct clean errors: {len(errors)}; most common: " + "; ".join(f"{v}x {k}" for k, v in errors.most_common(8)))
    sigs = Counter(o.signature or o.kind for _, _, o in findings)
    print(f"  findings: {len(findings)} ({len(sigs)} signatures)")
    for s, v in sigs.most_common():
        ex = next((i, d, o) for i, d, o in findings if (o.signature or o.kind) == s)
        print(f"    {v:5d}  {s}   e.g. #{ex[0]} [{ex[1]}] {ex[2].detail[:160]}")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
