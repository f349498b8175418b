"""The application around an emitted network: ``main.c`` (host or GAP8), the input and the expected
results embedded at compile time, the weights blob, Makefiles, and a copy of the runtime, so an
app directory builds on its own (``make run`` on the host; ``make -f Makefile.gap8 all run`` with
the GAP SDK; with ``--target rv32`` the app's ``Makefile`` includes ``Makefile.rv32``, so ``make run``
runs it on the RV32 emulator (runtime/port/rv32) and ``make -f Makefile.host run`` on the host; it also
prints a per-step instruction table: all harts from ``instret``, the busiest hart from the
rv32prof plugin, and reports a network that does not fit the RV32 memories as such). Another chip
target's package adds its own files (``--target gap9``: `backends.gap9.app`, whose ``make run``
is the GAP SDK build and ``make -f Makefile.host run`` the host one).

What the app checks: after every step it prints the FNV-1a checksum of the step's output next to
the expected one, the perf-counter time and the modelled GAP8 cycles; after the run it compares
the whole output byte by byte. It exits 1 on any mismatch. On the host, ``DORY_DUMP_DIR=dir``
also writes every step's output bytes to ``dir/step_NNN.bin`` (the tests compare them exactly); on
RV32 ``make -f Makefile.rv32 run DUMP=dir`` does the same through semihosting.
"""

from __future__ import annotations

import hashlib
import importlib
import os
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from dory import data_path
from dory.backends.gap8.emit import EmittedNetwork, pack
from dory.backends.target import target_names

# The C runtime's sources: runtime/ in the checkout, dory/runtime/ (package data) when installed.
RUNTIME = data_path("runtime")
_RUNTIME_PARTS = ("include", "kernels", "src", "port")


_FNV1A: dict[bytes, int] = {}
"""`fnv1a`'s memo: SHA-256 of the data -> its checksum."""

_FNV_PRIME = 16777619
_FNV_BASIS = 2166136261


def fnv1a(data: bytes) -> int:
    """FNV-1a 32-bit, as runtime/src/net.c computes it (``h = (h ^ b) * PRIME`` a byte, modulo
    2^32), vectorised with numpy: a Python loop a byte took 0.35 s on MobileNetV1-1.0-224's step
    outputs. Memoised by content (dory-compile's re-plan makes the same outputs again: they do not
    depend on the plan).

    Why this is the same sum: the xor changes only the low byte, so ``h ^ b = h + e`` with
    ``e = (L ^ b) - L`` for ``L = h mod 256``, and ``h_n = h_0 P^n + sum_i e_i P^(n-i)`` (mod 2^32),
    a dot product once every ``L_i`` is known. ``L`` evolves on its own (``L' = ((L ^ b) P) mod 256``:
    a product's low bits depend only on its factors' low bits) and is found bit by bit: P is odd,
    so bit k of ``x P`` is ``x_k ^ bit_k((x mod 2^k) P)``, where ``x mod 2^k`` needs only the bits
    below k, already known for every i; bit k of ``L_(i+1)`` is then bit k of ``L_i`` xor a known
    term, a prefix parity (`_exclusive_prefix_parity`); the powers of P are kept across calls (`_fnv_powers`)."""
    key = hashlib.sha256(data).digest()
    h = _FNV1A.get(key)
    if h is None:
        h = _fnv1a(data)
        _FNV1A[key] = h
    return h


def _bit_tables() -> np.ndarray:
    """``T[k][v]``, for bit k of the low byte: bit k of ``((v mod 2^k) * P) mod 256`` xor bit k of
    ``v`` (with ``v = L ^ b``, bit k of L xor bit k of L' given the bits of v up to k: `_fnv1a`)."""
    v = np.arange(256, dtype=np.uint32)
    rows = [((((v & ((1 << k) - 1)) * (_FNV_PRIME & 0xFF)) >> k) ^ (v >> k)) & 1 for k in range(8)]
    return np.array(rows, dtype=np.uint8)


_BIT_TABLES = _bit_tables()


def _prefix_xor_table() -> np.ndarray:
    """For every byte, its bits' inclusive prefix xor (most significant bit first, packbits' order)."""
    out = np.zeros(256, dtype=np.uint8)
    for v in range(256):
        acc = 0
        for j in range(7, -1, -1):
            acc ^= (v >> j) & 1
            out[v] |= acc << j
    return out


_PREFIX_XOR = _prefix_xor_table()


def _exclusive_prefix_parity(bits: np.ndarray) -> np.ndarray:
    """``out[i] = bits[0] ^ ... ^ bits[i-1]`` (``out[0] = 0``) for 0/1 bytes: packed eight to a
    byte, each byte's prefix from a table, the bytes' parities carried by one accumulate over n/8
    (a cumulative sum over every element took 4 ns each)."""
    n = bits.size
    packed = _PREFIX_XOR[np.packbits(bits)]  # inclusive within each byte (zero padding at the end)
    par = packed & 1  # a byte's last bit: its whole parity
    carry = np.bitwise_xor.accumulate(par)
    carry ^= par  # parity of all earlier bytes
    packed ^= carry * np.uint8(0xFF)
    out = np.empty(n, dtype=np.uint8)
    out[0] = 0
    out[1:] = np.unpackbits(packed, count=n)[:-1]
    return out


def _fnv1a(data: bytes) -> int:
    """`fnv1a` without the memo."""
    n = len(data)
    if n == 0:
        return _FNV_BASIS
    b = np.frombuffer(data, dtype=np.uint8)
    low = np.zeros(n, dtype=np.uint8)  # bits 0..k-1 of every L_i so far
    for k in range(8):
        # bit k of L_(i+1) ^ bit k of L_i, from bits 0..k of L_i ^ b_i (a table per k)
        x = _BIT_TABLES[k][(low ^ b) & ((2 << k) - 1)]
        lk = _exclusive_prefix_parity(x)  # bit k of L_i ^ bit k of L_0
        lk ^= (_FNV_BASIS >> k) & 1
        lk <<= k
        low |= lk
    low32 = low.astype(np.uint32)
    e = (low ^ b).astype(np.uint32)
    e -= low32  # e_i modulo 2^32 (uint32 arithmetic wraps as the checksum does)
    powers = _fnv_powers(n)  # P^1 .. P^n
    e *= powers[::-1]
    return (_FNV_BASIS * int(powers[-1]) + int(e.sum(dtype=np.uint32))) & 0xFFFFFFFF


_POWERS = np.array([_FNV_PRIME], dtype=np.uint32)
"""P^1 .. P^N modulo 2^32 for the longest data checksummed so far (`_fnv_powers`)."""


def _fnv_powers(n: int) -> np.ndarray:
    """P^1 .. P^n modulo 2^32 (a read-only view), from powers kept across calls and grown by doubling
    (P^(m+1) .. P^(2m) = (P^1 .. P^m) * P^m: one vectorised product a doubling instead of a
    sequential accumulate, 8 ms for a 400 KB step output)."""
    global _POWERS
    while _POWERS.size < n:
        _POWERS = np.concatenate([_POWERS, _POWERS * _POWERS[-1]])  # uint32 products wrap modulo 2^32
        _POWERS.setflags(write=False)
    return _POWERS[:n]


class ExpectedAhead:
    """`expected_outputs` started early, in a background thread, on a copy of the module before
    memory planning (after ``fuse`` and ``requant-window``: the steps are the planned network's,
    ops one for one in walk order; ``assign-memory``, ``tile`` and ``allocate-buffers`` only add
    attributes and turn tensors into memrefs, and the layers run whole, so the values are the
    planned module's). The thread also computes the checksum of every result as `app_files` will
    pack it (`fnv1a` keeps it). The planning passes run meanwhile: numpy releases the GIL in its
    loops, so on two idle cores MobileNetV1-1.0-224's host compile overlaps most of its expected
    outputs (interpreter and checksums, ~0.25 s CPU) with ``assign-memory``, ``tile``,
    ``allocate-buffers`` and the emission. `take` answers only for the module and inputs it was
    started for, and only when the thread succeeded; otherwise (an interpreter error, an op
    sequence planning changed) the caller computes as before, so a failure is reported where and
    as it always was. A daemon thread: Ctrl-C or an error elsewhere never waits for it."""

    def __init__(self, module: "object", inputs: list[np.ndarray]):
        self._module = module
        self._inputs = [np.array(x, copy=True) for x in inputs]
        self._got: dict[tuple[int, int], np.ndarray] = {}
        self._outputs: list[np.ndarray] | None = None
        self._thread = threading.Thread(target=self._run, name="dory-expected-outputs", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from dory.backends.gap8.emit import dtype_of
        from dory.dory_ir.interp import run_function

        try:
            index = {id(op): i for i, op in enumerate(self._module.walk())}  # type: ignore[attr-defined]
            got: dict[tuple[int, int], np.ndarray] = {}

            def on_result(op: "object", results: list[np.ndarray]) -> None:
                for j, (r, a) in enumerate(zip(op.results, results)):  # type: ignore[attr-defined]
                    got[(index[id(op)], j)] = a
                    if not op.operands:  # type: ignore[attr-defined]
                        continue  # a constant (the weights): never a step, no checksum
                    try:
                        dt = dtype_of(r.type, op)  # type: ignore[arg-type]
                    except Exception:  # noqa: BLE001 - not an integer result: never a step's
                        continue
                    fnv1a(pack(a, dt))

            outputs = run_function(self._module, self._inputs, on_result=on_result, tiled=False)  # type: ignore[arg-type]
        except Exception:  # noqa: BLE001 - the caller recomputes and reports it at its place
            return
        self._got, self._outputs = got, outputs

    def take(self, module: "object", inputs: list[np.ndarray]) -> "Callable[[object], list[np.ndarray]] | None":
        """A ``run`` for `expected_outputs` answering from the thread's results for the planned
        ``module`` (waits for the thread), or None when they do not apply: the thread failed,
        the inputs differ, or the ops do not correspond one for one."""
        self._thread.join()
        if self._outputs is None or len(inputs) != len(self._inputs) or not all(
                np.array_equal(a, b) for a, b in zip(inputs, self._inputs)):
            return None
        ops, theirs = list(module.walk()), list(self._module.walk())  # type: ignore[attr-defined]
        if len(ops) != len(theirs) or not all(_same_op(a, b) for a, b in zip(ops, theirs)):
            return None
        got, outputs = self._got, self._outputs

        def run(on_result: "Callable[[object, list[np.ndarray]], None]") -> list[np.ndarray]:
            for i, op in enumerate(ops):
                rs = [got.get((i, j)) for j in range(len(op.results))]
                if op.results and all(r is not None for r in rs):
                    on_result(op, rs)  # type: ignore[arg-type]
            return outputs

        return run  # type: ignore[return-value]


def _same_op(planned: "object", early: "object") -> bool:
    """Does op ``planned`` of the planned module stand where ``early`` stood before planning: the
    same op (a constant may have become the weights op that holds it) with results of the same
    shapes and element types (a tensor then, a memref now)?"""
    a, b = planned, early
    if a.op_name != b.op_name and (a.operands or b.operands):  # type: ignore[attr-defined]
        return False
    if len(a.results) != len(b.results):  # type: ignore[attr-defined]
        return False
    return all(getattr(x.type, "shape", None) == getattr(y.type, "shape", None)
               and getattr(x.type, "element_type", None) == getattr(y.type, "element_type", None)
               for x, y in zip(a.results, b.results))  # type: ignore[attr-defined]


def expected_outputs(module: "object", inputs: list[np.ndarray], net: EmittedNetwork,
                     run: "object | None" = None) -> tuple[list[np.ndarray], np.ndarray]:
    """Every step's exact output and the network output, from the reference interpreter (or from
    ``run(on_result) -> outputs`` when the caller runs the interpreter itself, e.g. while checking
    DORY reference files, or has it run: `ExpectedAhead.take`). Scheduled layers run whole
    (``tiled=False``: one numpy evaluation per layer instead of one per tile, the same exact
    values, dory_ir/interp/dory.py says why), so the app checks the C against the layer's own
    semantics, not against the tile schedule it runs."""
    from dory.dory_ir.interp import run_function

    wanted = {id(s.value): s.index for s in net.steps}
    got: dict[int, np.ndarray] = {}

    def on_result(op: "object", results: list[np.ndarray]) -> None:
        for r, a in zip(op.results, results):  # type: ignore[attr-defined]
            i = wanted.get(id(r))
            if i is not None:
                got[i] = a

    if run is None:
        outputs = run_function(module, inputs, on_result=on_result, tiled=False)  # type: ignore[arg-type]
    else:
        outputs = run(on_result)  # type: ignore[operator]
    return [got[s.index] for s in net.steps], outputs[0]


_HEX_BYTE = tuple(f"0x{b:02x}" for b in range(256))
"""Every byte as `_c_bytes` spells it."""


def _c_bytes(name: str, data: bytes, attr: str = "") -> str:
    """A C array of ``data`` (16 bytes per line; at least one element), declared ``attr const``."""
    body = data if data else b"\0"
    # one table look-up a byte, joined once; every item is 4 characters, so a line of 16 is the
    # next 94 characters and the ", " after it becomes the line break
    flat = ", ".join(map(_HEX_BYTE.__getitem__, body))
    lines = [flat[i:i + 94] for i in range(0, len(flat), 96)]
    return f"{attr}const uint8_t {name}[{len(body)}] = {{\n    " + ",\n    ".join(lines) + "\n};\n"


PMSIS_TARGETS = ("gap8", "gap9")
"""Targets whose main runs on PMSIS and reads its data files from the flash file system."""


@dataclass
class AppFiles:
    """File name -> contents (text or bytes) of an app directory, runtime excluded."""

    files: dict[str, str | bytes]


def app_files(net: EmittedNetwork, input_values: np.ndarray, expected: list[np.ndarray], output: np.ndarray,
              target: str, net_name: str, weights_c_array: bool = False,
              more: "list[tuple[np.ndarray, list[np.ndarray], np.ndarray]] | None" = None) -> AppFiles:
    """Every generated file of the app for ``target`` (host, rv32 or a chip: gap8, gap9); ``expected[i]`` is step i's
    exact output (IR layout), ``output`` the network result. ``weights_c_array`` also embeds the
    weights blob as a C array (``weights.c``), which the mains then load instead of a file (for
    small networks: no file system or HyperFlash image needed). ``more``: further inputs, each
    ``(input, expected, output)``, which the host main runs and checks after the first one
    (``DORY_N_INPUTS``); the other targets' mains run one input, so they take none."""
    if more and target != "host":
        raise ValueError(f"several inputs: the host app runs and checks each, the {target} app runs one; "
                         f"give one --input for --target {target}")
    in_bytes = pack(input_values, net.input.dtype)
    out_bytes = pack(output, net.output.dtype)
    sums = [fnv1a(pack(e, s.dtype)) for e, s in zip(expected, net.steps)]
    data_c = (
        "/* Generated by dory: the input and the expected results, fixed at compile time. */\n"
        "#include <stdint.h>\n\n#include \"data.h\"\n\n"
        "#ifndef DORY_DATA_IN_FS\n"
        + _c_bytes("dory_input", in_bytes, "DORY_DATA_ATTR ") + "\n"
        + _c_bytes("dory_expected_output", out_bytes, "DORY_DATA_ATTR ")
        + "#endif\n\n"
        + f"const uint32_t dory_expected_checksums[{max(1, len(sums))}] = {{\n    "
        + ",\n    ".join(f"0x{s:08x}u" for s in (sums or [0])) + "\n};\n"
    )
    if more:
        more_sums = [fnv1a(pack(e, s.dtype)) for _, exp, _ in more for e, s in zip(exp, net.steps)]
        data_c += (
            "\n/* The further inputs (the host main runs them after dory_input), one after another. */\n"
            + _c_bytes("dory_inputs_more", b"".join(pack(x, net.input.dtype) for x, _, _ in more))
            + _c_bytes("dory_expected_outputs_more", b"".join(pack(o, net.output.dtype) for _, _, o in more))
            + f"const uint32_t dory_expected_checksums_more[{max(1, len(more_sums))}] = {{\n    "
            + ",\n    ".join(f"0x{v:08x}u" for v in (more_sums or [0])) + "\n};\n"
        )
    data_h = (
        "/* Generated by dory. */\n#ifndef DORY_DATA_H\n#define DORY_DATA_H\n\n#include <stdint.h>\n\n"
        f"#define DORY_NET_NAME \"{net_name}\"\n\n"
        "/* Where the large arrays go: nothing by default; Makefile.rv32 puts them in L3. */\n"
        "#ifndef DORY_DATA_ATTR\n#define DORY_DATA_ATTR\n#endif\n\n"
        "extern const uint32_t dory_expected_checksums[];\n"
        + (f"\n/* {1 + len(more)} inputs: the host main runs and checks each. */\n#define DORY_N_INPUTS {1 + len(more)}\n"
           "extern const uint8_t dory_inputs_more[];\nextern const uint8_t dory_expected_outputs_more[];\n"
           "extern const uint32_t dory_expected_checksums_more[];\n" if more else "")
        + ("\n/* The weights blob is compiled in (weights.c). */\n#define DORY_WEIGHTS_EMBEDDED 1\n"
           "extern DORY_DATA_ATTR const uint8_t dory_weights_blob[];\nextern const unsigned long dory_weights_blob_bytes;\n"
           if weights_c_array else "")
        + "\n/* DORY_DATA_IN_FS (the PMSIS Makefiles): the input and the expected output are read from the\n"
          " * flash file system (input.bin, expected.bin) like the weights, not held in L2 as arrays; not\n"
          " * when the weights are compiled in (then there is no file system). */\n"
          "#if defined(DORY_DATA_IN_FS) && defined(DORY_WEIGHTS_EMBEDDED)\n#undef DORY_DATA_IN_FS\n#endif\n"
          "#ifndef DORY_DATA_IN_FS\n"
          "extern DORY_DATA_ATTR const uint8_t dory_input[];\nextern DORY_DATA_ATTR const uint8_t dory_expected_output[];\n"
          "#endif\n"
        + "\n#endif\n"
    )
    files: dict[str, str | bytes] = {
        "network.c": net.network_c,
        "network.h": net.network_h,
        "data.c": data_c,
        "data.h": data_h,
        "weights.bin": net.blob(),
        "main.c": _MAIN_HOST,
        "Makefile": _MAKEFILE_HOST,
    }
    if weights_c_array:
        blob = net.blob()
        files["weights.c"] = ("/* Generated by dory: the weights blob as a C array. */\n#include <stdint.h>\n\n#include \"data.h\"\n\n"
                              + _c_bytes("dory_weights_blob", blob, "DORY_DATA_ATTR ")
                              + f"const unsigned long dory_weights_blob_bytes = {len(blob)}ul;\n")
    if target in PMSIS_TARGETS:
        # the PMSIS mains read these from the flash file system (DORY_DATA_IN_FS): an input of
        # MobileNetV1-224's 150 KB in L2 beside the code left its layers no room
        files["input.bin"] = in_bytes
        files["expected.bin"] = out_bytes
    if target == "gap8":
        files["main_gap8.c"] = _MAIN_GAP8
        files["Makefile.gap8"] = _MAKEFILE_GAP8
    elif target == "rv32":
        from dory.backends.target import planning_pipeline

        # the link's hint: the same planning with the L2 budget the Makefile works out ($$n)
        makefile = _MAKEFILE_RV32.replace("@RV32_PLAN@", planning_pipeline(l2="$$n"))
        own_build(files, "rv32", _MAIN_RV32, makefile, "on the RV32 emulator")
    elif target != "host" and target in target_names():
        # another chip's package adds its own main and Makefiles around the shared network C
        importlib.import_module(f"dory.backends.{target}.app").add_app_files(files)
    elif target != "host":
        raise ValueError(f"unknown target '{target}' (expected {', '.join(app_targets())})")
    return AppFiles(files)


_RV32_RUN_NOTE = "RV32 emulator"


def own_build(files: dict[str, str | bytes], target: str, main: str, makefile: str, runs: str) -> None:
    """Make ``make run`` the target's own build: add ``main_<target>.c`` and ``Makefile.<target>``,
    and a ``Makefile`` including it (saying it builds and runs the app ``runs``); the host build
    stays one flag away, ``make -f Makefile.host run``. Used by rv32 and every chip whose app is
    not a host app (its package's ``add_app_files``)."""
    files[f"main_{target}.c"] = main
    files[f"Makefile.{target}"] = makefile
    files["Makefile.host"] = _MAKEFILE_HOST
    files["Makefile"] = (f"# Generated by dory (--target {target}): `make run` builds and runs the app {runs}\n"
                         f"# (Makefile.{target}); the host build is `make -f Makefile.host run`.\ninclude Makefile.{target}\n")


def app_targets() -> list[str]:
    """What ``dory-compile --target`` accepts: the host and RV32 builds, and every chip target."""
    return sorted({"host", "rv32", *target_names()})


def run_note(app_target: str) -> str:
    """What ``make run`` does in an app written for ``app_target`` when it is not the host build
    ("" for the host), for dory-compile's closing hint; those apps build for the host with
    ``make -f Makefile.host run``."""
    if app_target == "rv32":
        return _RV32_RUN_NOTE
    if app_target in ("host", "gap8") or app_target not in target_names():
        return ""
    return str(importlib.import_module(f"dory.backends.{app_target}.app").RUN_NOTE)


def default_pipeline(app_target: str) -> str:
    """The pipeline ``dory-compile --target app_target`` plans with unless told otherwise: the chip
    target's ``<target>-default``; the host and RV32 apps stand in for a GAP8 (their memories are
    GAP8's), so they plan with ``gap8-default``."""
    return f"{app_target}-default" if app_target in target_names() else "gap8-default"


def write_app(path: str, app: AppFiles) -> None:
    """Write the app (and a copy of the runtime) into the new directory ``path``."""
    os.makedirs(path)
    for name, content in sorted(app.files.items()):
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(os.path.join(path, name), mode, **({} if isinstance(content, bytes) else {"encoding": "utf-8"})) as f:
            f.write(content)
    for part in _RUNTIME_PARTS:
        shutil.copytree(RUNTIME / part, os.path.join(path, "runtime", part),
                        ignore=shutil.ignore_patterns("*.o", "*.a", "__pycache__"))


_MAIN_COMMON = r"""
static int mismatches;
/* The expected step checksums of the input being run (the host main runs several: DORY_N_INPUTS). */
static const uint32_t *expected_sums = dory_expected_checksums;

static void report(int step, uint64_t elapsed, const char *unit)
{
    const dory_net_step_t *s = &dory_net_steps[step];
    uint32_t got = dory_network_step_checksum(step);
    int ok = got == expected_sums[step];
    if (!ok)
        mismatches++;
    printf("%3d %-28s %-9s %10lu MAC %9lu modelled  %10lu %-6s checksum %08lx %s\n", step, s->name, s->op,
           (unsigned long)s->macs, (unsigned long)s->modelled_cycles, (unsigned long)elapsed, unit,
           (unsigned long)got, ok ? "ok" : "MISMATCH");
}
"""

# The whole-output comparison every main ends with (it reads the mains' `mismatches` count); the
# PMSIS mains with DORY_DATA_IN_FS compare with expected.bin instead.
MAIN_CHECK_OUTPUT = r"""
/* The closing line (tests and make run read it) for `bad` differing output bytes; non-zero when
 * anything failed. */
static int output_verdict(uint32_t bad)
{
    printf("dory: %s: %d of %d steps match, output %s (%lu bytes)\n", DORY_NET_NAME, DORY_NET_STEPS - mismatches,
           DORY_NET_STEPS, bad ? "MISMATCH" : "matches", (unsigned long)DORY_NET_OUTPUT_BYTES);
    return bad || mismatches;
}

#ifndef DORY_DATA_IN_FS
static int check_output(const uint8_t *out)
{
    uint32_t i, bad = 0;
    for (i = 0; i < DORY_NET_OUTPUT_BYTES; i++)
        bad += out[i] != dory_expected_output[i];
    return output_verdict(bad);
}
#endif
"""
_MAIN_COMMON += MAIN_CHECK_OUTPUT

_MAIN_HOST = r"""/* Generated by dory: host main. Usage: ./app [weights.bin]; DORY_DUMP_DIR=dir dumps every step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "dory/port.h"
#include "network.h"
""" + _MAIN_COMMON + r"""
static const char *dump_dir;

static void hook(void *ctx, int step, uint64_t elapsed)
{
    (void)ctx;
    report(step, elapsed, dory_perf_unit());
    if (dump_dir) {
        char path[4096];
        FILE *f;
        uint8_t *buf = malloc(dory_net_steps[step].bytes ? dory_net_steps[step].bytes : 1);
        if (!buf)
            return;
        dory_network_step_read(step, buf);
        snprintf(path, sizeof path, "%s/step_%03d.bin", dump_dir, step);
        f = fopen(path, "wb");
        if (f) {
            fwrite(buf, 1, dory_net_steps[step].bytes, f);
            fclose(f);
        }
        free(buf);
    }
}

static uint8_t *read_file(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long size;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)size + 1);
    if (buf && fread(buf, 1, (size_t)size, f) != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = (size_t)size;
    return buf;
}

int main(int argc, char **argv)
{
    static uint8_t output[DORY_NET_OUTPUT_BYTES];
    const char *blob_path = argc > 1 ? argv[1] : "weights.bin";
    size_t blob_bytes = 0;
    uint8_t *blob;
    int rc;

    dump_dir = getenv("DORY_DUMP_DIR");
    if (dory_network_init() != 0) {
        fprintf(stderr, "dory: port initialisation failed\n");
        return 2;
    }
#ifdef DORY_WEIGHTS_EMBEDDED
    if (argc <= 1) { /* the compiled-in blob, unless a file is named */
        if (dory_network_load_blob(dory_weights_blob, dory_weights_blob_bytes) != 0)
            return 2;
    } else
#endif
    {
        blob = read_file(blob_path, &blob_bytes);
        if (!blob) {
            fprintf(stderr, "dory: cannot read the weights blob '%s'\n", blob_path);
            return 2;
        }
        if (dory_network_load_blob(blob, blob_bytes) != 0)
            return 2;
        free(blob);
    }
    printf("dory: %s: %d steps, L1 %lu B, L2 %lu B, L3 %lu B\n", DORY_NET_NAME, DORY_NET_STEPS,
           (unsigned long)DORY_NET_L1_BYTES, (unsigned long)DORY_NET_L2_BYTES, (unsigned long)DORY_NET_L3_BYTES);
    rc = dory_network_run(dory_input, output, hook, NULL);
    if (rc != 0) {
        printf("dory: step %d failed\n", rc - 1);
        dory_network_close();
        return 1;
    }
    rc = check_output(output);
#ifdef DORY_N_INPUTS
    {
        /* inputs 1 .. N-1 (input 0 is dory_input above), each checked step by step and whole */
        int k, failed = rc != 0;
        for (k = 1; k < DORY_N_INPUTS; k++) {
            uint32_t i, bad = 0;
            mismatches = 0;
            expected_sums = dory_expected_checksums_more + (size_t)(k - 1) * DORY_NET_STEPS;
            printf("dory: %s: input %d\n", DORY_NET_NAME, k);
            if (dory_network_run(dory_inputs_more + (size_t)(k - 1) * DORY_NET_INPUT_BYTES, output, hook, NULL) != 0) {
                printf("dory: input %d failed\n", k);
                failed = 1;
                continue;
            }
            for (i = 0; i < DORY_NET_OUTPUT_BYTES; i++)
                bad += output[i] != dory_expected_outputs_more[(size_t)(k - 1) * DORY_NET_OUTPUT_BYTES + i];
            failed |= output_verdict(bad) != 0;
        }
        printf("dory: %s: %s on all %d inputs\n", DORY_NET_NAME, failed ? "MISMATCH" : "match", DORY_N_INPUTS);
        rc = failed;
    }
#endif
    dory_network_close();
    return rc ? 1 : 0;
}
"""

_MAIN_PMSIS = r"""/* Generated by dory: @CHIP@ main (PMSIS). The weights blob is read from the @FLASH@ file
 * system (READFS) record by record into L2 / L3; with DORY_DATA_IN_FS the input and the expected
 * output too (input.bin, expected.bin), so neither takes L2 beside the code. */
#include <stdio.h>
#include <string.h>

#ifdef DORY_HAVE_PMSIS
#include "pmsis.h"
@FLASH_INCLUDE@
#include "bsp/fs.h"
#else
#include "pmsis_api.h"
#endif

#include "data.h"
#include "dory/port.h"
#include "network.h"
""" + _MAIN_COMMON + r"""
static void hook(void *ctx, int step, uint64_t elapsed)
{
    (void)ctx;
    report(step, elapsed, dory_perf_unit());
}

#ifndef DORY_WEIGHTS_EMBEDDED
static uint8_t chunk[1024];
static struct pi_device flash, fs;

/* The flash and its read-only file system, mounted once for the weights (and the data files). */
static int fs_mount(void)
{
    struct @FLASH_CONF@ flash_conf;
    struct pi_fs_conf fs_conf;

    @FLASH_CONF@_init(&flash_conf);
    pi_open_from_conf(&flash, &flash_conf);
    if (pi_flash_open(&flash))
        return 1;
    pi_fs_conf_init(&fs_conf);
    fs_conf.type = PI_FS_READ_ONLY;
    fs_conf.flash = &flash;
    pi_open_from_conf(&fs, &fs_conf);
    return pi_fs_mount(&fs) ? 1 : 0;
}

/* The next chunk of a file of `total` bytes of which `done` are read: its length (at most
 * sizeof chunk) read into chunk, 0 on a short read. */
static uint32_t next_chunk(pi_fs_file_t *file, uint32_t done, uint32_t total)
{
    uint32_t len = total - done < sizeof chunk ? total - done : (uint32_t)sizeof chunk;
    return (uint32_t)pi_fs_read(file, chunk, len) == len ? len : 0;
}

static int load_weights(void)
{
    pi_fs_file_t *file;
    uint8_t head[12];
    uint32_t i, n;

    file = pi_fs_open(&fs, "weights.bin", 0);
    if (!file || pi_fs_read(file, head, 12) != 12 || memcmp(head, "DORYWB01", 8) != 0)
        return 1;
    n = (uint32_t)head[8] | ((uint32_t)head[9] << 8) | ((uint32_t)head[10] << 16) | ((uint32_t)head[11] << 24);
    for (i = 0; i < n; i++) {
        uint32_t mem, off, size, done = 0;
        if (pi_fs_read(file, head, 12) != 12)
            return 1;
        mem = head[0] | ((uint32_t)head[1] << 8) | ((uint32_t)head[2] << 16) | ((uint32_t)head[3] << 24);
        off = head[4] | ((uint32_t)head[5] << 8) | ((uint32_t)head[6] << 16) | ((uint32_t)head[7] << 24);
        size = head[8] | ((uint32_t)head[9] << 8) | ((uint32_t)head[10] << 16) | ((uint32_t)head[11] << 24);
        while (done < size) {
            uint32_t len = next_chunk(file, done, size);
            if (!len || dory_network_load_record((int)mem, off + done, chunk, len))
                return 1;
            done += len;
        }
        if (size % 4 && (uint32_t)pi_fs_read(file, chunk, 4 - size % 4) != 4 - size % 4)
            return 1;
    }
    pi_fs_close(file);
    return 0;
}
#endif /* !DORY_WEIGHTS_EMBEDDED */

#ifdef DORY_DATA_IN_FS
/* input.bin, chunk by chunk, straight into the network's input buffer (no copy of it in L2). */
static int load_input(void)
{
    pi_fs_file_t *file = pi_fs_open(&fs, "input.bin", 0);
    uint32_t done = 0;
    if (!file)
        return 1;
    while (done < DORY_NET_INPUT_BYTES) {
        uint32_t len = next_chunk(file, done, DORY_NET_INPUT_BYTES);
        if (!len || dory_network_load_record(DORY_NET_INPUT_MEM, DORY_NET_INPUT_OFFSET + done, chunk, len)) {
            pi_fs_close(file);
            return 1;
        }
        done += len;
    }
    pi_fs_close(file);
    return 0;
}

/* The whole-output comparison against expected.bin, read chunk by chunk (a file that cannot be
 * read counts as a mismatch). */
static int check_output(const uint8_t *out)
{
    pi_fs_file_t *file = pi_fs_open(&fs, "expected.bin", 0);
    uint32_t i, done = 0, bad = !file;
    while (file && done < DORY_NET_OUTPUT_BYTES) {
        uint32_t len = next_chunk(file, done, DORY_NET_OUTPUT_BYTES);
        if (!len) {
            bad = 1;
            break;
        }
        for (i = 0; i < len; i++)
            bad += out[done + i] != chunk[i];
        done += len;
    }
    if (file)
        pi_fs_close(file);
    return output_verdict(bad);
}
#define DORY_APP_INPUT NULL
#else
#define DORY_APP_INPUT dory_input
#endif

static void app(void)
{
    static uint8_t output[DORY_NET_OUTPUT_BYTES];
    int rc = 1;
#ifdef DORY_WEIGHTS_EMBEDDED
    int loaded = dory_network_init() == 0 && dory_network_load_blob(dory_weights_blob, dory_weights_blob_bytes) == 0;
#else
    int mounted = fs_mount() == 0;
    int loaded = mounted && dory_network_init() == 0 && load_weights() == 0;
#endif
#ifdef DORY_DATA_IN_FS
    loaded = loaded && load_input() == 0;
#endif
    if (loaded) {
        rc = dory_network_run(DORY_APP_INPUT, output, hook, NULL);
        rc = rc ? 1 : check_output(output);
        dory_network_close();
    } else {
        printf("dory: initialisation failed\n");
    }
#ifndef DORY_WEIGHTS_EMBEDDED
    if (mounted)
        pi_fs_unmount(&fs);
#endif
    pmsis_exit(rc ? -1 : 0);
}

int main(void)
{
    return pmsis_kickoff((void *)app);
}
"""


def pmsis_main(chip: str, flash: str, flash_include: str, flash_conf: str) -> str:
    """The PMSIS main of a GAP chip: the weights blob is read record by record from the file system
    on the board's flash (``flash``, a name for the comment; ``flash_include`` the BSP header that
    declares ``flash_conf``, the flash driver's configuration struct, whose ``_init`` it calls)."""
    return (_MAIN_PMSIS.replace("@CHIP@", chip).replace("@FLASH@", flash).replace("@FLASH_INCLUDE@", flash_include)
            .replace("@FLASH_CONF@", flash_conf))


_MAIN_GAP8 = pmsis_main("GAP8", "HyperFlash", '#include "bsp/flash/hyperflash.h"', "pi_hyperflash_conf")


_MAKEFILE_HOST = r"""# Generated by dory: host build of the app (pthreads for the 8 cores, memcpy DMA, exact arenas).
#   make run          build with -O2 -Werror and run, exit status 1 on any mismatch
#   make run SAN=1    the same with DORY_DEBUG checks and address/undefined sanitizers
CC ?= cc
WARN = -std=gnu99 -Wall -Wextra -Werror -fwrapv -pthread
INC = -I. -Iruntime/include -Iruntime/port/host
SRCS = main.c network.c data.c $(wildcard weights.c) $(wildcard runtime/src/*.c) $(wildcard runtime/kernels/*.c) runtime/port/host/port_host.c
ifeq ($(SAN),1)
OPT ?= -O1 -g -DDORY_DEBUG -fsanitize=address,undefined -fno-sanitize-recover=all
APP = app-san
else
OPT ?= -O2
APP = app
endif

.PHONY: all run clean
all: $(APP)

$(APP): $(SRCS) network.h data.h
	$(CC) $(WARN) $(OPT) $(INC) $(SRCS) -o $@

run: $(APP)
	./$(APP)$(if $(wildcard weights.c),, weights.bin)

clean:
	rm -f app app-san
"""

_MAKEFILE_GAP8 = r"""# Generated by dory: GAP8 build with the GAP SDK (PMSIS). Source the SDK's configuration first:
#   make -f Makefile.gap8 clean all run
APP = dory_app
APP_SRCS = main_gap8.c network.c data.c $(wildcard weights.c) $(wildcard runtime/src/*.c) $(wildcard runtime/kernels/*.c) runtime/port/pmsis/port_pmsis.c
APP_CFLAGS += -O3 -fwrapv -DDORY_HAVE_PMSIS -DDORY_DATA_IN_FS -I. -Iruntime/include -Iruntime/port/pmsis
READFS_FILES = weights.bin input.bin expected.bin
PLPBRIDGE_FLAGS += -f

include $(RULES_DIR)/pmsis_rules.mk
"""

_MAIN_RV32 = r"""/* Generated by dory: RV32 main -- bare metal on qemu-system-riscv32 -M virt with 8 harts
 * (runtime/port/rv32). The weights blob is read record by record through semihosting (open/read of
 * the host's weights.bin, relative to QEMU's working directory). Every step is an rv32prof region
 * (id = step index; step 0 also copies the input). With `--dump=DIR` among the semihosting
 * arguments (make -f Makefile.rv32 run DUMP=DIR) every step's output goes to DIR/step_NNN.bin. */
#include <fcntl.h>
#include <semihost.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "dory/port.h"
#include "network.h"
#include "port_rv32.h"
#include "rv32.h"
""" + _MAIN_COMMON + r"""
static char dump_dir[200];

static void dump_step(int step)
{
    const dory_net_step_t *s = &dory_net_steps[step];
    const uint8_t *p = (s->mem == 3 ? dory_l3_base() : dory_l2_base()) + s->offset;
    char path[240];
    int fd;
    snprintf(path, sizeof path, "%s/step_%03d.bin", dump_dir, step);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, p, s->bytes) != (ssize_t)s->bytes)
        printf("dory: cannot write %s\n", path);
    if (fd >= 0)
        close(fd);
}

static void hook(void *ctx, int step, uint64_t elapsed)
{
    (void)ctx;
    dory_rv32_region_end(step);
    report(step, elapsed, dory_perf_unit());
    if (dump_dir[0])
        dump_step(step);
    if (step + 1 < DORY_NET_STEPS)
        dory_rv32_region_begin(step + 1);
}

#ifndef DORY_WEIGHTS_EMBEDDED
static uint8_t chunk[1024];

static int read_full(int fd, uint8_t *buf, uint32_t n)
{
    uint32_t done = 0;
    while (done < n) {
        ssize_t r = read(fd, buf + done, n - done);
        if (r <= 0)
            return 1;
        done += (uint32_t)r;
    }
    return 0;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static int load_weights(const char *path)
{
    uint8_t head[12];
    uint32_t i, n;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        printf("dory: cannot open the weights blob '%s' (semihosting, relative to QEMU's working directory)\n", path);
        return 1;
    }
    if (read_full(fd, head, 12) || memcmp(head, "DORYWB01", 8) != 0) {
        printf("dory: '%s' has no DORYWB01 header\n", path);
        close(fd);
        return 1;
    }
    n = rd32(head + 8);
    for (i = 0; i < n; i++) {
        uint32_t mem, off, size, done = 0;
        if (read_full(fd, head, 12))
            goto truncated;
        mem = rd32(head);
        off = rd32(head + 4);
        size = rd32(head + 8);
        while (done < size) {
            uint32_t len = size - done < sizeof chunk ? size - done : (uint32_t)sizeof chunk;
            if (read_full(fd, chunk, len))
                goto truncated;
            if (dory_network_load_record((int)mem, off + done, chunk, len)) {
                close(fd);
                return 1;
            }
            done += len;
        }
        if (size % 4 && read_full(fd, chunk, 4 - size % 4))
            goto truncated;
    }
    close(fd);
    return 0;
truncated:
    printf("dory: the weights blob '%s' is truncated at record %lu\n", path, (unsigned long)i);
    close(fd);
    return 1;
}
#endif /* !DORY_WEIGHTS_EMBEDDED */

/* `--dump=DIR` in the semihosting command line (QEMU: -semihosting-config ...,arg=--dump=DIR). */
static void parse_cmdline(void)
{
    static char cmd[256];
    const char *d;
    size_t k = 0;
    if (sys_semihost_get_cmdline(cmd, sizeof cmd) != 0)
        return;
    d = strstr(cmd, "--dump=");
    if (!d)
        return;
    for (d += 7; *d && *d != ' ' && k + 1 < sizeof dump_dir; d++)
        dump_dir[k++] = *d;
    dump_dir[k] = 0;
}

int main(int argc, char **argv)
{
    static RV32_L3 uint8_t output[DORY_NET_OUTPUT_BYTES]; /* like dory_expected_output: not L2 */
    int rc;

    (void)argc;
    (void)argv;
    parse_cmdline();
    if (dory_network_init() != 0) {
        printf("dory: port initialisation failed\n");
        return 2;
    }
#ifdef DORY_WEIGHTS_EMBEDDED
    if (dory_network_load_blob(dory_weights_blob, dory_weights_blob_bytes) != 0)
        return 2;
#else
    if (load_weights("weights.bin") != 0)
        return 2;
#endif
    printf("dory: %s: %d steps, L1 %lu B, L2 %lu B, L3 %lu B; rv32: %lu B of the 512 KiB L2 left\n", DORY_NET_NAME,
           DORY_NET_STEPS, (unsigned long)DORY_NET_L1_BYTES, (unsigned long)DORY_NET_L2_BYTES,
           (unsigned long)DORY_NET_L3_BYTES, (unsigned long)dory_rv32_l2_free());
    dory_rv32_region_begin(0);
    rc = dory_network_run(dory_input, output, hook, NULL);
    if (rc != 0) {
        dory_rv32_region_end(rc - 1);
        printf("dory: step %d failed\n", rc - 1);
        dory_network_close();
        return 1;
    }
    rc = check_output(output);
    dory_network_close();
    return rc ? 1 : 0;
}
"""

_MAKEFILE_RV32 = r"""# Generated by dory: bare-metal RV32 build of the app (runtime/port/rv32): rv32imc/ilp32 with
# Debian's riscv64-unknown-elf-gcc + picolibc (semihosting), run on qemu-system-riscv32 -M virt with
# 8 harts, -icount (exact instruction counts) and the rv32prof plugin (per-hart counts per step).
# Memory map (runtime/port/rv32/link.ld): L2 512 KiB = code + data + hart 0's stack + the
# network's L2 arena; L1 64 KiB = the network's L1 arena + the 7 worker stacks (1 KiB each);
# L3 8 MiB = the L3 arena, the embedded input, the expected and the computed output.
#   make -f Makefile.rv32 run            build and run; prints every step (checksum ok/MISMATCH,
#                                        instructions) and a per-step table; exit 1 on a mismatch
#   make -f Makefile.rv32 run DUMP=dir   also write each step's output to dir/step_NNN.bin
#   make -f Makefile.rv32 run CORES=1    the same app built with -DDORY_NUM_CORES=1 (app-1core.elf) on 1
#                                        hart: the single-core baseline of the parallel speed-up
#   make -f Makefile.rv32 app.elf        build only; prints "rv32: does not fit: ..." (and fails) if a
#                                        memory region overflows
#   make -f Makefile.rv32 l2-reserve     link the app with an empty L2 arena and print the L2 all the
#                                        rest takes (code, data, stacks): "rv32: l2 reserve: N of M bytes"
#                                        (what dory-compile plans with: backends/l2_reserve.py)
# Needs: apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf qemu-system-misc
SHELL = /bin/bash
CROSS ?= riscv64-unknown-elf-
RV32CC = $(CROSS)gcc
HOSTCC ?= cc
QEMU ?= qemu-system-riscv32
TIMEOUT ?= 600
P = runtime/port/rv32
netdef = $(shell sed -n 's/^.define $(1) \([0-9]*\)u*$$/\1/p' network.h)
L1_BYTES := $(call netdef,DORY_NET_L1_BYTES)
L2_BYTES := $(call netdef,DORY_NET_L2_BYTES)
L3_BYTES := $(call netdef,DORY_NET_L3_BYTES)
STEPS := $(call netdef,DORY_NET_STEPS)
CORES ?= 8
ELF = $(if $(filter 8,$(CORES)),app.elf,app-$(CORES)core.elf)
ARCH = -march=rv32imc -mabi=ilp32 -mcmodel=medany
CFLAGS = $(ARCH) -std=gnu99 -O2 -g -Wall -Wextra -Werror -fwrapv -ffunction-sections -fdata-sections
# the L2 arena's size: the plan's, or 0 for l2-reserve's link
L2_ARENA = $(L2_BYTES)
DEFS = -DDORY_RV32_L1_BYTES=$(L1_BYTES) -DDORY_RV32_L2_BYTES=$(L2_ARENA) -DDORY_RV32_L3_BYTES=$(L3_BYTES) -DDORY_RV32_REGIONS=$(STEPS) -DDORY_NUM_CORES=$(CORES) \
       '-DDORY_DATA_ATTR=__attribute__((section(".l3.data"), aligned(4)))'
INC = -I. -Iruntime/include -I$(P)
# integer-only printf (picolibc's __i_vfprintf: no floating-point formatting code in L2)
LDFLAGS = -specs=picolibc.specs --oslib=semihost -nostartfiles -T $(P)/link.ld -Wl,--gc-sections \
          -Wl,--defsym=vfprintf=__i_vfprintf
SRCS = main_rv32.c network.c data.c $(wildcard weights.c) $(wildcard runtime/src/*.c) $(wildcard runtime/kernels/*.c) \
       $(P)/port_rv32.c $(P)/rt.c $(P)/crt0.S
comma = ,
QEMU_FLAGS = -M virt -m 16M -smp $(CORES) -bios none -display none -monitor none -serial none \
    -chardev stdio,id=con -semihosting-config enable=on,target=native,chardev=con,arg=$(ELF)$(if $(DUMP),$(comma)arg=--dump=$(DUMP)) \
    -icount shift=0,sleep=off

.PHONY: all run clean l2-reserve
all: $(ELF)

$(ELF): $(SRCS) network.h data.h $(P)/link.ld $(P)/rv32.h $(P)/port_rv32.h
	@command -v $(RV32CC) >/dev/null || { echo "rv32: $(RV32CC) missing (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)"; exit 2; }
	@rm -f $@; $(RV32CC) $(CFLAGS) $(DEFS) $(INC) $(SRCS) $(LDFLAGS) -o $@ 2> link.log; rc=$$?; cat link.log >&2; \
	if grep -q "overflowed by" link.log; then \
	    echo "rv32: does not fit: $$(grep -o "region .[A-Z0-9]*' overflowed by [0-9]* bytes" link.log | sort -u | paste -sd ';' -)" \
	         "(L2 512 KiB holds code, data, hart 0's stack and the network's $(L2_BYTES)-byte L2 arena;" \
	         "L1 64 KiB the $(L1_BYTES)-byte L1 arena and the worker stacks; L3 8 MiB)"; \
	    over=$$(sed -n "s/.*region .L2' overflowed by \([0-9]*\) bytes.*/\1/p" link.log | head -1); \
	    if [ -n "$$over" ]; then n=$$(( $(L2_BYTES) - over - 2048 )); \
	        echo "rv32: hint: plan with a smaller L2 budget, e.g. dory-compile --target rv32 --pipeline" \
	             "'@RV32_PLAN@'"; fi; \
	    rm -f $@; exit 3; \
	fi; exit $$rc

# ld's --print-memory-usage line "L2: <used> <unit> <size> <unit> <pct>" (a unit: B, KB, MB, GB)
l2-reserve: L2_ARENA = 0
l2-reserve: $(SRCS) network.h data.h $(P)/link.ld $(P)/rv32.h $(P)/port_rv32.h
	@command -v $(RV32CC) >/dev/null || { echo "rv32: $(RV32CC) missing (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)"; exit 2; }
	@$(RV32CC) $(CFLAGS) $(DEFS) $(INC) $(SRCS) $(LDFLAGS) -Wl,--print-memory-usage -o l2-reserve.elf > l2-reserve.log 2>&1 \
	    || { cat l2-reserve.log >&2; exit 3; }; \
	awk 'function b(n, u) { return n * (u == "KB" ? 1024 : u == "MB" ? 1048576 : u == "GB" ? 1073741824 : 1) } \
	     $$1 == "L2:" { printf "rv32: l2 reserve: %d of %d bytes\n", b($$2, $$3), b($$4, $$5) }' l2-reserve.log

rv32prof.so: $(P)/prof/rv32prof.c $(P)/prof/qemu_plugin_api.h
	$(HOSTCC) -shared -fPIC -O2 -o $@ $<

run: $(ELF) rv32prof.so
	@command -v $(QEMU) >/dev/null || { echo "rv32: $(QEMU) missing (apt-get install qemu-system-misc)"; exit 2; }
	@rm -f prof.txt run.log; $(if $(DUMP),mkdir -p $(DUMP);) set -o pipefail; \
	timeout $(TIMEOUT) $(QEMU) $(QEMU_FLAGS) -plugin ./rv32prof.so,out=prof.txt -kernel $(ELF) </dev/null | tee run.log; rc=$$?; \
	case $$rc in 124) echo "rv32: timed out after $(TIMEOUT) s";; 134) echo "rv32: trap";; 135) echo "rv32: stack overflow";; esac; \
	if [ -s prof.txt ]; then awk -f $(P)/steps.awk run.log prof.txt; fi; exit $$rc

clean:
	rm -f app.elf app-*core.elf rv32prof.so link.log run.log prof.txt l2-reserve.elf l2-reserve.log
"""

__all__ = ["AppFiles", "app_files", "write_app", "fnv1a", "expected_outputs"]
