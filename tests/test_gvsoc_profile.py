"""bench/gvsoc/profile.py's attribution of GVSOC instruction-trace cycles to steps, cores and
functions, on trace lines in the format the pinned GVSOC debug build writes (copied from a real
``--trace=cluster/pe0/insn`` run, addresses and cycles then edited to a small story), without GVSOC."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Loaded by path under its own name: "profile" is also a standard-library module.
_SPEC = importlib.util.spec_from_file_location("dory_gvsoc_profile", ROOT / "bench" / "gvsoc" / "profile.py")
assert _SPEC and _SPEC.loader
gvsoc_profile = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gvsoc_profile)

ESC, END = "\x1b[34m", "\x1b[0m"


def line(ps: int, cyc: int, path: str, func: str, addr: str, insn: str) -> str:
    return f"{ps}: {cyc}: [{ESC}/chip/{path}/insn{' ' * 20}{END}] {func}:0{' ' * 10} M {addr} {insn}\n"


def test_cycles_go_to_the_instruction_before_them_per_core_and_step() -> None:
    hook = "1c000100"
    trace = [
        line(10, 100, "soc/fc", "main", "1c000000", "jal ra, 4"),
        line(11, 100, "cluster/pe0", "kernel", "1c001000", "lw a0, 0(a1)"),
        line(12, 103, "cluster/pe0", "kernel", "1c001004", "addi a0, a0, 1"),
        line(13, 110, "soc/fc", "hook", hook, "addi sp, sp, -16"),  # step 0 ends: 10 FC cycles in main
        line(14, 104, "cluster/pe0", "wait", "1c002000", "lw a2, 0(a3)"),
        line(15, 111, "soc/fc", "printf", "1c000200", "addi sp, sp, -32"),
        line(16, 120, "cluster/pe0", "wait", "1c002004", "bnez a2, -4"),
        line(17, 130, "soc/fc", "hook", hook, "addi sp, sp, -16"),  # step 1 ends
        line(18, 125, "cluster/pe0", "kernel", "1c001000", "lw a0, 0(a1)"),
        line(19, 131, "soc/fc", "main", "1c000004", "ret"),
        line(20, 126, "cluster/pe1", "kernel", "1c001000", "lw a0, 0(a1)"),  # an untraced core
        "garbage line\n",
    ]
    steps = gvsoc_profile._parse(iter(trace), ["fc", "0"], "function", hook)
    assert len(steps) == 3
    assert dict(steps[0]["fc"]) == {"main": 10}
    # pe0: the lw stalled 3 cycles (charged to it), the addi then waited for the next instruction
    assert dict(steps[0]["0"]) == {"kernel": 3 + 1}
    assert dict(steps[1]["fc"]) == {"hook": 1, "printf": 19}
    assert dict(steps[1]["0"]) == {"wait": 16 + 5}
    assert dict(steps[2]["fc"]) == {"hook": 1}
    assert "1" not in steps[2]


def test_by_pc_keys_name_the_instruction() -> None:
    trace = [line(1, 1, "cluster/pe0", "kernel", "1c001000", "lw a0, 0(a1)"),
             line(2, 4, "cluster/pe0", "kernel", "1c001004", "addi a0, a0, 1")]
    steps = gvsoc_profile._parse(iter(trace), ["fc", "0"], "pc", "ffffffff")
    (key, cycles), = steps[0]["0"].items()
    assert cycles == 3 and key.startswith("1c001000 kernel") and "lw a0," in key


def test_profile_kernels_prints_each_tiles_warm_run() -> None:
    """profile_kernels.py's steps: one per fork (the FC entering dory_cluster_fork), each tile
    forked twice (cold, warm); warm_step(i) must be tile i's second fork."""
    spec = importlib.util.spec_from_file_location("dory_gvsoc_profile_kernels",
                                                  ROOT / "bench" / "gvsoc" / "profile_kernels.py")
    assert spec and spec.loader
    pk = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pk)
    fork = "1c000300"
    trace, t = [], 0
    for tile in range(3):
        for run in range(2):  # cold, warm: the warm run of tile k takes 10 k + 5 cycles on pe1
            t += 1
            trace.append(line(t, t, "soc/fc", "dory_cluster_fork", fork, "addi sp, sp, -16"))
            cyc = 100 * t
            trace.append(line(t, cyc, "cluster/pe1", f"kernel{tile}", "1c001000", "lw a0, 0(a1)"))
            trace.append(line(t, cyc + (10 * tile + 5 if run else 50), "cluster/pe1", "idle", "1c002000",
                              "wfi"))
    steps = gvsoc_profile._parse(iter(trace), ["fc", "1"], "function", fork)
    for tile in range(3):
        assert dict(steps[pk.warm_step(tile)]["1"]).get(f"kernel{tile}") == 10 * tile + 5
