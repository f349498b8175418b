"""The deepest stack a cluster core of the pulp port can need, against the stacks link.ld gives.

A cluster core runs ``pulp_cluster_main`` (runtime/port/pulp/port_pulp.c), which calls the task
of every fork through a function pointer: the runtime's tile task (runtime/src/layer.c), then the
kernels and whatever they call. Its stack is what runtime/port/pulp/link.ld gives it (core 0
``__cl_stack0_size``, the others ``__cl_stack_size``); a deeper call chain silently overwrites the
stack below it (the port's one canary word per stack only catches an overflow that writes that
word: nemo_dronet_2.0 overflowed cluster core 1 on GVSOC once a kernel's frame grew 16 bytes).

This module compiles the cluster-side runtime (runtime/src, runtime/kernels, the pulp port) with a
pulp app's compiler flags (read from backends/pulp/app.py's Makefile.pulp, as tests/kernel_gvsoc.py
does) plus GCC's ``-fcallgraph-info=su`` (per function its static frame in bytes and its calls),
and finds the deepest path from ``pulp_cluster_main``:

- frames: GCC's; a frame GCC marks dynamic (alloca, VLAs) has no bound and is an error;
- calls into the toolchain's libraries (libgcc's ``__divdi3``, picolibc): their frames and calls
  read from the disassembly of the archives the link uses (``addi sp,sp,-N`` in the function);
- indirect calls: a call through a pointer in a translation unit may reach any function whose
  address that unit takes (relocations other than calls in its object file); the port's fork
  dispatch (``pulp_cluster_main``) reaches the functions whose address the units calling
  ``dory_cluster_fork`` / ``dory_cluster_fork_start`` take. An indirect call this cannot resolve,
  and recursion, are errors (no bound);
- ``ERROR_EXITS``: the port's fatal error exit counts with its own frame only;
- core 0 runs everything; cores 1..7 never run ``CORE0_ONLY`` (layer.c's ``tile_task`` calls
  ``tile_loop0`` only on core 0, which keeps the tile loop's state out of the other stacks).

The build checked is a pulp app's default one (XPULP=1, the cluster DMA; the L3 variants only
change FC code). GVSOC runs show how deep the stacks really went: the pulp app prints each
core's peak after its total line (port_pulp.c paints the stacks at boot), and
tests/test_pulp_e2e.py checks a run's peaks against this bound.

``.venv/bin/python tests/stack_depth.py`` prints, per core class, the deepest chain and every function
where a chain first overflows its stack, and exits 1 if one does; tests/test_stack_depth.py runs
the check in ``make test`` (skipped, with the reason, without riscv64-unknown-elf-gcc), allowing
only the overflows it pins.
"""

from __future__ import annotations

import functools
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = ROOT / "runtime" / "port" / "pulp"
LINK_LD = PORT / "link.ld"
SOURCES = (sorted((ROOT / "runtime" / "src").glob("*.c")) + sorted((ROOT / "runtime" / "kernels").glob("*.c"))
           + [PORT / "port_pulp.c"])
"""The C files of a pulp app that cluster cores run code of (the app's main, network.c and data.c
run on the fabric controller only)."""

ROOT_FN = "pulp_cluster_main"
FORK_FNS = ("dory_cluster_fork", "dory_cluster_fork_start")
CORE0_ONLY = ("tile_loop0",)
"""Functions only cluster core 0 runs (runtime/src/layer.c: tile_task)."""
ERROR_EXITS = ("die",)
"""The port's fatal-error exit (port_pulp.c: prints the error and ends the run): counted with its
own frame, not its printf / exit (picolibc's, which call through pointers): a run that gets there
has failed already."""

INDIRECT = "__indirect_call"  # GCC's placeholder callee of a call through a pointer
UNRESOLVED = "<unresolved indirect call>:"  # prefix of the callee standing for one (see resolve_indirect)
CALL_RELOCS = {"R_RISCV_CALL", "R_RISCV_CALL_PLT", "R_RISCV_JAL", "R_RISCV_RVC_JUMP", "R_RISCV_BRANCH",
               "R_RISCV_RVC_BRANCH", "R_RISCV_RELAX", "R_RISCV_ALIGN"}


class StackError(RuntimeError):
    """The stack depth cannot be bounded (a dynamic frame, an unresolved indirect call, recursion),
    or the build or a tool failed."""


@dataclass
class Graph:
    """Functions (by GCC's callgraph title: ``file:name`` for a static one, ``name`` else) with
    their static frame in bytes, their callees and their translation unit."""

    frame: dict[str, int] = field(default_factory=dict)
    calls: dict[str, set[str]] = field(default_factory=dict)
    unit: dict[str, str] = field(default_factory=dict)
    where: dict[str, str] = field(default_factory=dict)  # function -> "file:line" (error messages)
    tail: dict[str, set[str]] = field(default_factory=dict)  # callees a function reaches by tail calls only


TAIL_MARK = "[tail]"
"""Suffix of a chain's function that reached the next one by a tail call: its frame was gone by
then, the chain counts 0 bytes for it."""


@dataclass(frozen=True)
class Path_:
    """A call chain from the root: (function name, frame bytes) per call, and the total."""

    bytes: int
    chain: tuple[tuple[str, int], ...]

    def __str__(self) -> str:
        return " > ".join(f"{name} {size}" for name, size in self.chain)


def stack_limits(link_ld: Path = LINK_LD) -> dict[str, int]:
    """link.ld's ``__cl_stack0_size`` (core 0) and ``__cl_stack_size`` (every other core), bytes
    (backends/pulp/link_ld.py reads them, for the planner's L1 budget too)."""
    from dory.backends.pulp.link_ld import stack_sizes

    try:
        return stack_sizes(link_ld)
    except ValueError as e:
        raise StackError(str(e)) from None


def _short(title: str) -> str:
    return title.rsplit(":", 1)[-1]


@functools.lru_cache(maxsize=None)
def _rvcc_flags() -> tuple[str, list[str]]:
    """The riscv compiler and a pulp app's compile flags (with the picolibc specs, for its headers)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from gvsoc import RVCC
    from kernel_gvsoc import pulp_flags

    cflags, ldflags = pulp_flags(xpulp=True)
    specs = [f for f in ldflags if f.startswith("-specs=")]
    defs = ["-DDORY_PULP_L1_BYTES=1024", "-DDORY_PULP_L2_BYTES=1024", "-DDORY_PULP_L3_BYTES=0", "-DDORY_NUM_CORES=8"]
    return RVCC, [*cflags, *specs, *defs, f"-I{ROOT / 'runtime' / 'include'}", f"-I{PORT}"]


def _tool(name: str) -> str:
    """The binutils program ``name`` beside the riscv compiler (riscv64-unknown-elf-gcc -> ...-readelf)."""
    return _rvcc_flags()[0].replace("gcc", name)


def _run(cmd: list[str], cwd: Path | None = None) -> str:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise StackError(f"{' '.join(cmd[:3])} ... failed: {(r.stderr or r.stdout).strip()[:2000]}")
    return r.stdout


def compile_units(out_dir: Path, sources: list[Path] | None = None, extra: list[str] | None = None) -> list[Path]:
    """Compile ``sources`` (default: SOURCES) into ``out_dir`` with the pulp flags and
    ``-fcallgraph-info=su``; returns the object files (each with its ``.ci`` beside it)."""
    cc, flags = _rvcc_flags()
    objs: list[Path] = []
    for src in sources or SOURCES:
        obj = out_dir / (src.stem + ".o")
        _run([cc, *flags, *(extra or []), "-fcallgraph-info=su", "-c", str(src), "-o", str(obj)], cwd=out_dir)
        objs.append(obj)
    return objs


_NODE = re.compile(r'node: \{ title: "([^"]*)" label: "([^"]*)"')
_EDGE = re.compile(r'edge: \{ sourcename: "([^"]*)" targetname: "([^"]*)"(?: label: "([^"]*)")?')
_FRAME = re.compile(r"\\n(\d+) bytes \(([a-z, ]+)\)")


def read_callgraph(objs: list[Path]) -> Graph:
    """The functions GCC compiled (``.ci`` beside each object), their frames and calls; an
    indirect call is the callee ``__indirect_call`` (resolved by `resolve_indirect`)."""
    g = Graph()
    for obj in objs:
        text = obj.with_suffix(".ci").read_text()
        for title, label in _NODE.findall(text):
            m = _FRAME.search(label)
            if m is None:
                continue  # a callee declared here, defined elsewhere (or a library function)
            size, kind = int(m.group(1)), m.group(2)
            parts = label.split("\\n")
            if "dynamic" in kind and "bounded" not in kind:
                raise StackError(f"{parts[1] if len(parts) > 1 else obj}: {_short(title)} has a dynamic stack frame "
                                 f"(alloca or a VLA): no bound")
            g.frame[title] = size
            g.unit[title] = obj.stem
            g.where[title] = parts[1] if len(parts) > 1 else obj.stem
            g.calls.setdefault(title, set())
        for src, dst, _label in _EDGE.findall(text):
            g.calls.setdefault(src, set()).add(dst)
    return g


_RELOC = re.compile(r"^\s+[0-9a-f]+: (R_RISCV_\w+)\s+(\S+)")
_INSN = re.compile(r"^\s+[0-9a-f]+:\s+(\S+)")


def call_sites(obj: Path) -> dict[tuple[str, str], set[str]]:
    """Per (caller, callee) of ``obj``'s direct calls (``call`` / ``tail``: an R_RISCV_CALL
    relocation on ``auipc``, then ``jalr ra`` or ``jr t1``) how it calls: "call", "tail" or both.
    A tail call (GCC's sibcall: the caller's epilogue, then a jump) runs the callee on the caller's
    caller's stack depth: dory_conv2d's frame is gone when its tail call to conv_fast16 runs."""
    out: dict[tuple[str, str], set[str]] = {}
    fn, pending = "", ""
    for line in _run([_tool("objdump"), "-dr", "--no-show-raw-insn", str(obj)]).splitlines():
        m = _FN_HEAD.match(line)
        if m:
            if not m.group(1).startswith("."):  # a local label (.L123) inside the function
                fn = m.group(1)
            continue
        r = _RELOC.match(line)
        if r:
            if r.group(1) in ("R_RISCV_CALL", "R_RISCV_CALL_PLT"):
                pending = r.group(2)
            continue
        i = _INSN.match(line)
        if i and pending:
            if i.group(1) in ("jalr", "jr", "c.jr", "c.jalr"):
                tail = i.group(1) in ("jr", "c.jr") and "ra" not in line.split(i.group(1), 1)[1]
                out.setdefault((fn, pending), set()).add("tail" if tail else "call")
            pending = ""
    return out


def split_tail_calls(g: Graph, objs: list[Path]) -> None:
    """Move to ``g.tail`` the callees a function reaches by tail calls only (`call_sites`, over
    every unit: a header's static function compiled in two units is one title). A callee called
    both ways, or whose call the disassembly does not show, stays a plain call (the deeper)."""
    how: dict[tuple[str, str], set[str]] = {}
    for obj in objs:
        for pair, kinds in call_sites(obj).items():
            how.setdefault(pair, set()).update(kinds)
    for f, callees in g.calls.items():
        tail = {c for c in callees if how.get((_short(f), _short(c))) == {"tail"}}
        if tail:
            callees -= tail
            g.tail[f] = tail


def address_taken(obj: Path) -> set[str]:
    """Names of the functions whose address ``obj`` takes (a relocation other than a call's to a
    function's symbol, or to its own section under -ffunction-sections)."""
    funcs, out = set(), set()
    for line in _run([_tool("readelf"), "-sW", str(obj)]).splitlines():
        f = line.split()
        if len(f) >= 8 and f[3] == "FUNC":
            funcs.add(f[7])
    for line in _run([_tool("readelf"), "-rW", str(obj)]).splitlines():
        f = line.split()
        if len(f) < 5 or not f[2].startswith("R_RISCV_") or f[2] in CALL_RELOCS:
            continue
        sym = f[4]
        if sym.startswith(".text."):
            sym = sym[len(".text."):]
        if sym in funcs:
            out.add(sym)
    return out


def resolve_indirect(g: Graph, objs: list[Path]) -> None:
    """Replace every ``__indirect_call`` edge by edges to the functions it can reach (see the
    module docstring); raises StackError for one nothing resolves."""
    by_unit: dict[str, set[str]] = {}
    taken = {obj.stem: address_taken(obj) for obj in objs}
    for title, unit in g.unit.items():
        if _short(title) in taken.get(unit, set()):
            by_unit.setdefault(unit, set()).add(title)
    fork_units = {g.unit[f] for f, callees in g.calls.items() if f in g.unit and callees & set(FORK_FNS)}
    tasks = set().union(*(by_unit.get(u, set()) for u in fork_units)) if fork_units else set()
    for f, callees in g.calls.items():
        if INDIRECT not in callees:
            continue
        targets = tasks if _short(f) == ROOT_FN else by_unit.get(g.unit.get(f, ""), set())
        callees.discard(INDIRECT)
        # nothing to resolve it to: an error only if a cluster path reaches it (deepest)
        callees |= targets or {UNRESOLVED + f}


_FN_HEAD = re.compile(r"^[0-9a-f]+ <([^>]+)>:$")
_SP_DOWN = re.compile(r"\s(?:c\.)?addi(?:16sp)?\s+sp,(?:sp,)?-(\d+)\s*$")
_CALL = re.compile(r"\s(?:jal|call|j|tail|c\.j|c\.jal)\s+(?:ra,)?[0-9a-f]+ <([^>+]+)>")
_JALR = re.compile(r"\s(?:c\.)?jalr\s")


def _link_libraries() -> list[str]:
    """The archives a pulp link takes library functions from (the linker's own trace of a trivial
    program linked with the pulp flags: libgcc and picolibc's libc of the right multilib)."""
    import tempfile

    cc, flags = _rvcc_flags()
    arch = [f for f in flags if f.startswith(("-march=", "-mabi=", "-specs="))]
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "t.c"
        src.write_text("int main(void) { return 0; }\n")
        out = _run([cc, *arch, str(src), "-Wl,-t", "-o", str(Path(tmp) / "t.elf")])
    libs = sorted({line.strip() for line in out.splitlines() if line.strip().endswith(".a")})
    if not libs:
        raise StackError(f"{cc}: the link trace names no library archive")
    return libs


def library_frames(names: set[str]) -> tuple[dict[str, int], dict[str, set[str]]]:
    """Frames and calls of library functions (libgcc, picolibc) as the pulp link takes them:
    the largest ``addi sp,sp,-N`` in each and its direct calls, following calls within the
    libraries. A library function with an indirect call, or not found, raises StackError."""
    libs = _link_libraries()
    body: dict[str, list[str]] = {}
    for lib in libs:
        cur = None
        for line in _run([_tool("objdump"), "-d", "--no-show-raw-insn", lib]).splitlines():
            m = _FN_HEAD.match(line)
            if m:
                cur = m.group(1) if m.group(1) not in body else None
                if cur:
                    body[cur] = []
            elif cur is not None and line.strip():
                body[cur].append(line)
    frames: dict[str, int] = {}
    calls: dict[str, set[str]] = {}
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in frames:
            continue
        if name not in body:
            raise StackError(f"{name}: called on a cluster path, defined neither in the runtime nor in {', '.join(libs)}")
        lines = body[name]
        frames[name] = max((int(m.group(1)) for m in map(_SP_DOWN.search, lines) if m), default=0)
        if any(_JALR.search(x) and "ra" in x.split("jalr", 1)[1] for x in lines):
            raise StackError(f"{name} (library) calls through a pointer: cannot bound the stack")
        calls[name] = {m.group(1) for m in map(_CALL.search, lines) if m and m.group(1) != name}
        todo.extend(calls[name])
    return frames, calls


def deepest(g: Graph, root: str, skip: tuple[str, ...] = ()) -> Path_:
    """The deepest call chain from ``root``, never entering a function named in ``skip``."""
    memo: dict[str, Path_] = {}

    def walk(f: str, on: tuple[str, ...]) -> Path_:
        if f in memo:
            return memo[f]
        if f.startswith(UNRESOLVED):
            caller = f[len(UNRESOLVED):]
            raise StackError(f"{g.where.get(caller, caller)}: {_short(caller)} calls through a pointer and no function "
                             f"of its translation unit has its address taken: cannot bound the stack")
        if f in on:
            cycle = " > ".join(_short(x) for x in on[on.index(f):] + (f,))
            raise StackError(f"{g.where.get(f, f)}: recursion ({cycle}): cannot bound the stack")
        best = Path_(0, ())
        for c in sorted(g.calls.get(f, ())):
            if _short(c) in skip:
                continue
            p = walk(c, on + (f,))
            if p.bytes > best.bytes:
                best = p
        size = g.frame.get(f, 0)
        memo[f] = Path_(size + best.bytes, ((_short(f), size),) + best.chain)
        for c in sorted(g.tail.get(f, ())):  # f's frame popped before the jump
            if _short(c) in skip:
                continue
            p = walk(c, on + (f,))
            if p.bytes > memo[f].bytes:
                memo[f] = Path_(p.bytes, ((_short(f) + TAIL_MARK, 0),) + p.chain)
        return memo[f]

    return walk(root, ())


def cluster_graph(work: Path) -> Graph:
    """The runtime's cluster call graph, library functions included, indirect calls resolved."""
    objs = compile_units(work)
    g = read_callgraph(objs)
    resolve_indirect(g, objs)
    split_tail_calls(g, objs)
    for f in g.calls:
        if _short(f) in ERROR_EXITS and g.unit.get(f) == "port_pulp":
            g.calls[f] = set()
    seen, todo = set(), [ROOT_FN]
    while todo:  # only the library functions a cluster path reaches (the FC's printf is not one)
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo.extend(g.calls.get(f, ()))
            todo.extend(g.tail.get(f, ()))
    external = {c for c in seen if c not in g.frame and not c.startswith(UNRESOLVED)}
    frames, calls = library_frames(external)
    g.frame.update(frames)
    for name, callees in calls.items():
        g.calls[name] = callees
    return g


CORE_CLASSES = (("cluster core 0", "__cl_stack0_size", ()), ("cluster cores 1-7", "__cl_stack_size", CORE0_ONLY))
"""Per core class: its name, link.ld's symbol for its stack size, the functions it never runs."""


def overflows(g: Graph, limit: int, skip: tuple[str, ...] = ()) -> dict[str, Path_]:
    """Every function where a call chain from the root first needs more than ``limit`` bytes,
    with the deepest such chain (the chain cut after that function's frame)."""
    out: dict[str, Path_] = {}
    best: dict[tuple[str, int], None] = {}

    def walk(f: str, depth: int, chain: tuple[tuple[str, int], ...]) -> None:
        if (f, depth) in best:  # the same function at the same depth: the same continuations
            return
        best[(f, depth)] = None
        size = g.frame.get(f, 0)
        tail_chain = chain + ((_short(f) + TAIL_MARK, 0),)
        chain = chain + ((_short(f), size),)
        if depth + size > limit:
            name = _short(f)
            if name not in out or out[name].bytes < depth + size:
                out[name] = Path_(depth + size, chain)
            return
        for c in sorted(g.calls.get(f, ())):
            if _short(c) not in skip:
                walk(c, depth + size, chain)
        for c in sorted(g.tail.get(f, ())):  # f's frame popped before the jump
            if _short(c) not in skip:
                walk(c, depth, tail_chain)

    deepest(g, ROOT_FN, skip)  # raises for what has no bound (recursion, unresolved indirect calls)
    walk(ROOT_FN, 0, ())
    return out


def report(g: Graph, limits: dict[str, int]) -> tuple[list[str], dict[str, dict[str, Path_]]]:
    """Per core class a line with its deepest path against its link.ld limit, then one line per
    function where a chain first overflows it; and those overflows per core class."""
    lines: list[str] = []
    over: dict[str, dict[str, Path_]] = {}
    for who, sym, skip in CORE_CLASSES:
        path = deepest(g, ROOT_FN, skip)
        fits = path.bytes <= limits[sym]
        lines.append(f"{who}: {path.bytes} B {'fits' if fits else 'OVERFLOWS'} link.ld's {sym} = {limits[sym]} B: {path}")
        over[who] = overflows(g, limits[sym], skip)
        for name, p in sorted(over[who].items()):
            lines.append(f"  overflows at {name}: {p.bytes} B: {p}")
    return lines, over


def main(argv: list[str]) -> int:
    """``stack_depth.py [--work DIR]``: print the deepest path of each core class; 1 if one does not fit."""
    import tempfile

    work = Path(argv[argv.index("--work") + 1]) if "--work" in argv else None
    try:
        with tempfile.TemporaryDirectory() as tmp:
            d = work or Path(tmp)
            d.mkdir(parents=True, exist_ok=True)
            lines, over = report(cluster_graph(d), stack_limits())
    except StackError as e:
        print(f"stack_depth: {e}", file=sys.stderr)
        return 2
    print("\n".join(lines))
    return 1 if any(over.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
