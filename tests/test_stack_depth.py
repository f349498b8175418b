"""The cluster cores' deepest call chains against runtime/port/pulp/link.ld's stacks (tests/stack_depth.py).

The check that fails when a runtime change makes a chain a cluster core can run need more stack
than link.ld gives it (the last session's nemo_dronet_2.0 overflow: a depthwise kernel's frame grew
16 bytes and cluster core 1's 1 KiB stack overflowed on GVSOC, found by a bench, no test).

Every chain fits today (KNOWN is empty): tail calls (GCC's sibcalls) count on their caller's
caller's depth, and link.ld's worker stacks are the 1104 bytes of the deepest chains. KNOWN would
pin chains known to overflow: a function not listed where a chain overflows, or a listed one whose
chain got deeper, fails; a listed one that no longer overflows fails too, so the list only shrinks.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import stack_depth as sd  # noqa: E402
from gvsoc import RVCC, requires_rvcc  # noqa: E402

pytestmark = [pytest.mark.slow]

KNOWN: dict[str, dict[str, int]] = {}
"""Per core class, the functions where a chain overflows today's stacks, and its depth in bytes
(stack_depth.py prints each chain)."""


def regressions(over: dict[str, dict[str, sd.Path_]], known: dict[str, dict[str, int]]) -> list[str]:
    """What `over` (stack_depth.report's overflows) has that `known` does not allow: a new function
    where a chain overflows, a known one grown deeper, or a known one that no longer overflows."""
    out = []
    for who, found in over.items():
        allowed = known.get(who, {})
        for name, path in sorted(found.items()):
            if name not in allowed:
                out.append(f"{who}: a chain overflows its stack at {name}: {path.bytes} B: {path}")
            elif path.bytes > allowed[name]:
                out.append(f"{who}: the chain overflowing at {name} grew {allowed[name]} -> {path.bytes} B: {path}")
        for name in sorted(set(allowed) - set(found)):
            out.append(f"{who}: no chain overflows at {name} any more: remove it from KNOWN")
    return out


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> sd.Graph:
    if shutil.which(RVCC) is None:
        pytest.skip(f"no {RVCC} to build programs for GVSOC (apt-get install gcc-riscv64-unknown-elf)")
    return sd.cluster_graph(tmp_path_factory.mktemp("stack"))


def test_link_ld_limits(tmp_path: Path) -> None:
    assert sd.stack_limits() == {"__cl_stack0_size": 2816, "__cl_stack_size": 1104}
    ld = tmp_path / "link.ld"
    ld.write_text(sd.LINK_LD.read_text().replace(": 1104;", ": 768;"))
    assert sd.stack_limits(ld)["__cl_stack_size"] == 768
    ld.write_text("__cl_stack0_size = 2816;\n")
    with pytest.raises(sd.StackError, match="no default for __cl_stack0_size"):
        sd.stack_limits(ld)


def test_runtime_stacks(graph: sd.Graph) -> None:
    """The check itself: nothing overflows beyond KNOWN."""
    _, over = sd.report(graph, sd.stack_limits())
    bad = regressions(over, KNOWN)
    assert not bad, "\n".join(bad)


def test_runtime_stacks_can_fail(graph: sd.Graph) -> None:
    """Each core class's stack 16 bytes short of its deepest chain (as 16 more bytes of frame on
    it: the 16-bit conv's generic end down to its half_away division fills the worker cores' stacks
    exactly): the check fails
    and names the chains."""
    limits = {sym: sd.deepest(graph, sd.ROOT_FN, skip).bytes - 16 for _, sym, skip in sd.CORE_CLASSES}
    _, over = sd.report(graph, limits)
    bad = regressions(over, KNOWN)
    assert any(b.startswith("cluster cores 1-7: a chain overflows its stack at dory_div_half_away") for b in bad), bad
    assert any(b.startswith("cluster core 0: a chain overflows its stack at") for b in bad), bad
    # the chains a cluster core runs: through the fork's task, into the kernels
    names = {n.removesuffix(sd.TAIL_MARK) for p in over["cluster cores 1-7"].values() for n, _ in p.chain}
    assert {"pulp_cluster_main", "tile_task", "compute_conv", "dory_conv_finish_"} <= names
    assert "tile_loop0" not in names and "tile_loop0" in {n for p in over["cluster core 0"].values() for n, _ in p.chain}
    # tile_task reaches tile_loop0 by a tail call: core 0's chains do not count tile_task's frame
    assert all(("tile_task" + sd.TAIL_MARK, 0) in p.chain for p in over["cluster core 0"].values())


PORT_C = r"""
typedef void (*fn_t)(void *);
static fn_t volatile g_fn;
static void *volatile g_arg;
void dory_cluster_fork(fn_t fn, void *arg);
void pulp_cluster_main(int me);
void dory_cluster_fork(fn_t fn, void *arg) { g_arg = arg; g_fn = fn; }
void pulp_cluster_main(int me) { for (;;) g_fn(g_arg + me); }
"""

TASK_C = r"""
typedef void (*fn_t)(void *);
void dory_cluster_fork(fn_t fn, void *arg);
void start(void);
static __attribute__((noinline)) void deep(volatile char *p) { volatile char b[600]; b[0] = *p; b[599] = b[0]; }
static __attribute__((noinline)) void task(void *a) { volatile char b[200]; b[0] = *(char *)a; deep(b); }
void start(void) { dory_cluster_fork(task, 0); }
"""


def _synthetic(tmp_path: Path, task_src: str) -> tuple[sd.Graph, list[Path]]:
    """The call graph of PORT_C with ``task_src`` (pointer calls resolved) and its objects."""
    (tmp_path / "port.c").write_text(PORT_C)
    (tmp_path / "task.c").write_text(task_src)
    objs = sd.compile_units(tmp_path, [tmp_path / "port.c", tmp_path / "task.c"])
    g = sd.read_callgraph(objs)
    sd.resolve_indirect(g, objs)
    return g, objs


@requires_rvcc
def test_synthetic_chain(tmp_path: Path) -> None:
    """A fork dispatched through a pointer to a task of another unit: the chain is the sum of GCC's
    frames through both, and overflows where it crosses the limit."""
    g, _ = _synthetic(tmp_path, TASK_C)
    p = sd.deepest(g, sd.ROOT_FN)
    assert [n for n, _ in p.chain] == ["pulp_cluster_main", "task", "deep"]
    assert p.bytes == sum(f for _, f in p.chain) and p.chain[1][1] >= 200 and p.chain[2][1] >= 600
    assert sd.overflows(g, p.bytes) == {}
    over = sd.overflows(g, p.bytes - 1)
    assert list(over) == ["deep"] and over["deep"].bytes == p.bytes
    assert list(sd.overflows(g, p.chain[0][1] + p.chain[1][1] - 1)) == ["task"]


TAIL_C = r"""
typedef void (*fn_t)(void *);
void dory_cluster_fork(fn_t fn, void *arg);
void start(void);
static __attribute__((noinline)) void deep(volatile char *p) { volatile char b[600]; b[0] = *p; b[599] = b[0]; }
static __attribute__((noinline)) void mid(volatile char *p) { volatile char b[400]; b[0] = *p; b[399] = b[0]; deep(p); }
static __attribute__((noinline)) void task(void *a) { volatile char b[200]; b[0] = *(char *)a; b[199] = b[0]; mid(a); }
void start(void) { dory_cluster_fork(task, 0); }
"""


@requires_rvcc
def test_tail_call(tmp_path: Path) -> None:
    """task and mid end in a tail call (GCC's sibcall: their frames popped before the jump): the
    chain is the root's frame and deep's, not the sum of all four; without the tail calls seen
    (a plain call graph) it would be."""
    g, objs = _synthetic(tmp_path, TAIL_C)
    plain = sd.deepest(g, sd.ROOT_FN)
    assert [n for n, _ in plain.chain] == ["pulp_cluster_main", "task", "mid", "deep"]
    sd.split_tail_calls(g, objs)
    p = sd.deepest(g, sd.ROOT_FN)
    assert [n for n, _ in p.chain] == ["pulp_cluster_main", "task" + sd.TAIL_MARK, "mid" + sd.TAIL_MARK, "deep"]
    assert p.bytes == p.chain[0][1] + p.chain[3][1] and p.chain[3][1] >= 600 and p.bytes < plain.bytes
    assert list(sd.overflows(g, p.bytes - 1)) == ["deep"] and sd.overflows(g, p.bytes) == {}


@requires_rvcc
@pytest.mark.parametrize("body,message", [
    ("void deep(volatile char *p) { volatile char b[8]; b[0] = *p; if (b[0]) deep(b); *p = b[1]; }", r"recursion \(deep > deep\)"),
    ("void (*volatile hook)(void);\nvoid deep(volatile char *p) { *p = 1; hook(); }",
     r"deep\.c:\d+:\d+: deep calls through a pointer and no function of its translation unit has its address taken"),
])
def test_unbounded(tmp_path: Path, body: str, message: str) -> None:
    """No bound: one clear error naming the place, not a number."""
    (tmp_path / "port.c").write_text(PORT_C)
    (tmp_path / "task.c").write_text(
        "typedef void (*fn_t)(void *);\nvoid dory_cluster_fork(fn_t fn, void *arg);\nvoid start(void);\n"
        "void deep(volatile char *p);\n"
        "static __attribute__((noinline)) void task(void *a) { deep((volatile char *)a); }\n"
        "void start(void) { dory_cluster_fork(task, 0); }\n")
    (tmp_path / "deep.c").write_text("void deep(volatile char *p);\n" + body + "\n")
    objs = sd.compile_units(tmp_path, [tmp_path / n for n in ("port.c", "task.c", "deep.c")])
    g = sd.read_callgraph(objs)
    sd.resolve_indirect(g, objs)
    with pytest.raises(sd.StackError, match=message):
        sd.deepest(g, sd.ROOT_FN)
