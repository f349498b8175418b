"""passes/tiling/paths.py (the cost model's mirror of the runtime's requant-end and add path
decisions) against the C itself: tests/c/paths_check.c runs runtime/kernels/add.c and
requant_fast.h on the same chains and reports the path that ran; both must agree on every case.
Also: the shared networks' layers get the paths their chains call for."""

from __future__ import annotations

import random
import shutil
import subprocess
from pathlib import Path

import pytest

from dory.passes.tiling.paths import Stage, Vec, add_path_of, conv_end_of, dw_ring_end_of

ROOT = Path(__file__).resolve().parents[1]
GCC = shutil.which("gcc")
DTYPES = {"u8": 0, "s8": 1, "u16": 2, "s16": 3, "u32": 4, "s32": 5, "s64": 6}
BITS = {0: 8, 1: 8, 2: 16, 3: 16, 4: 32, 5: 32}
_RANGE = {"u8": (0, 255), "s8": (-128, 127), "u16": (0, 65535), "s16": (-32768, 32767), "u32": (0, 2**31 - 1),
          "s32": (-(2**31), 2**31 - 1), "s64": (-(2**62), 2**62)}


def _value(rng: random.Random, dtype: str, scalar: bool) -> int:
    """A mul / add value: small, near the int32 edge, or anywhere in the dtype."""
    lo, hi = _RANGE["s32" if scalar else dtype]
    if scalar and rng.random() < 0.1:
        return rng.choice([2**31, -(2**31) - 1, 2**40])  # a scalar outside int32
    return rng.choice([rng.randint(max(lo, -300), min(hi, 300)), rng.randint(lo, hi), hi, lo,
                       rng.randint(max(lo, -(2**18)), min(hi, 2**18))])


def _stage(rng: random.Random) -> Stage:
    """A random requant stage over the shapes the emitter produces."""
    def part() -> Vec | int:
        if rng.random() < 0.5:
            return _value(rng, "s32", True)
        dt = rng.choice(list(DTYPES))
        v = _value(rng, dt, False)
        return Vec(dt, abs(v) if dt[0] == "s" else v)
    mul, add = part(), part()
    r = rng.random()
    div = 0 if r < 0.5 else rng.choice([1, 2, 64, 2**20, 3, 43, 2**24 - 1, 2**23 - 1, 1000])
    shift = rng.choice([0, 1, 5, 16, 31, 32, -1]) if div == 0 else 0
    lo = rng.choice([0, -128, -(2**31), 0, 0])
    hi = rng.choice([255, 127, 2**31 - 1, 1275, 65535, 0, 3]) if rng.random() < 0.95 else lo - 1
    lo, hi = (0, -1) if hi < -(2**31) else (lo, hi)  # min > max, both int32 as dory_requant_t holds them
    return Stage(mul, add, shift, div, rng.random() < 0.2, lo, hi, rng.random() < 0.2)


def _chain(rng: random.Random, p_empty: float = 0.2) -> list[Stage]:
    if rng.random() < p_empty:
        return []
    return [_stage(rng) for _ in range(1 if rng.random() < 0.85 else 2)]


def _linear_chain(rng: random.Random) -> list[Stage]:
    """An input chain the fused adds take: x * m + d, no shift, a clip that never applies (with
    trunc, a no-op without a shift, only add_fast's fused loop takes it: add_scalar plans floor)."""
    m, d = rng.randint(-300, 300), rng.randint(-1000, 1000)
    b = 255 * abs(m) + abs(d)
    return [Stage(m, d, 0, 0, rng.random() < 0.3, -b - rng.randint(0, 3), b + rng.randint(0, 3))]


def _scalar_chain(rng: random.Random, n: int) -> list[Stage]:
    """n scalar floor stages as the exporters write them (x * m + d, a shift, a clip), some of them
    near int32's edge."""
    out = []
    for _ in range(n):
        m = rng.choice([rng.randint(-300, 300), rng.randint(-(2**23), 2**23), 2**31 - 1])
        d = rng.choice([0, rng.randint(-5000, 5000), rng.randint(-(2**30), 2**30)])
        lo, hi = rng.choice([(0, 255), (-128, 127), (0, 65535), (-(2**31), 2**31 - 1), (0, 2**20)])
        out.append(Stage(m, d, rng.choice([0, 0, 3, 8, 16]), rng.choice([0, 0, 0, 4, 3]), False, lo, hi))
    return out


def _c_chain(ch: list[Stage]) -> str:
    out = [str(len(ch))]
    for s in ch:
        for v in (s.mul, s.add):
            # a vector: its one value, negative for an odd magnitude of a signed dtype
            neg = isinstance(v, Vec) and v.dtype[0] == "s" and v.absmax is not None and v.absmax % 2 == 1
            out += [str(DTYPES[v.dtype]), str(-v.absmax if neg else v.absmax)] if isinstance(v, Vec) else ["-1", str(v)]
        out += [str(s.shift), str(s.div), str(int(s.trunc)), str(s.min), str(s.max), str(int(s.win))]
    return " ".join(out)


def _cases(seed: int, n: int) -> tuple[list[str], list[str]]:
    """n end cases, n depthwise ring cases and n add cases: the C harness's input lines and the
    mirror's answers."""
    rng = random.Random(seed)
    lines, want = [], []
    for i in range(2 * n):
        ring = i >= n
        k = 9 if ring else rng.choice([1, 9, 27, 288, 1152, 4608, 65536, 2**20])
        xs = rng.random() < 0.5
        yt = rng.choice([0, 1, 0, 1, 2, 5])
        bt = rng.choice([-1, 5, 5, 3])
        bv = 0 if bt < 0 else _value(rng, "s32" if bt == 5 else "s16", False)
        ch = _chain(rng, 0.1)
        if rng.random() < 0.3:  # the int32 shape: small mul, a shift, floor
            mul = rng.randint(1, 300) if rng.random() < 0.5 else Vec("s32", rng.randint(1, 300))
            ch = [Stage(mul, rng.randint(-1000, 1000), rng.randint(4, 20), 0, rng.random() < 0.1, 0, 255)]
        elif rng.random() < 0.2:  # the int64 shape: a large mul (batch-norm folded), a long shift
            mul = rng.randint(2**16, 2**24) if rng.random() < 0.5 else Vec("s32", rng.randint(2**16, 2**24))
            add = rng.choice([rng.randint(-(2**30), 2**30), Vec("s64", rng.choice([2**40, 2**62]))])
            ch = [Stage(mul, add, rng.randint(16, 31), 0, False, -128, 127)]
        bias = None if bt < 0 else Vec("s32" if bt == 5 else "s16", abs(bv))
        if ring:
            ho, wo = rng.choice([(7, 9), (8, 8), (14, 14), (1, 3)])  # 63 outputs (< 64: mode 2's int64 end), 64, 196, 3
            lines.append(f"dw {ho} {wo} {int(xs)} {yt} {bt} {bv} {_c_chain(ch)}")
            want.append(dw_ring_end_of(ch, xs, bias, BITS[yt], ho * wo))
        else:
            lines.append(f"end {k} {int(xs)} {yt} {bt} {bv} {_c_chain(ch)}")
            want.append(conv_end_of(ch, k, xs, 8, bias, BITS[yt]))
    for _ in range(n):
        at, bt = rng.choice([0, 1, 0, 1, 2]), rng.choice([0, 1, 0, 1, 3])
        yt = rng.choice([0, 1, 0, 2, 5])
        r = rng.random()
        ca = _linear_chain(rng) if r < 0.3 else _scalar_chain(rng, 1) if r < 0.5 else _chain(rng, 0.4)
        r = rng.random()
        cb = _linear_chain(rng) if r < 0.3 else _scalar_chain(rng, 1) if r < 0.5 else _chain(rng, 0.4)
        r = rng.random()
        cy = _chain(rng, 0.15) if r < 0.4 else _scalar_chain(rng, rng.choice([1, 2, 2, 3]))
        if rng.random() < 0.3:  # the fused shape: scalar output stage with a shift, floor
            cy = [Stage(rng.randint(-50, 50), rng.randint(-2000, 2000), rng.randint(0, 12), 0, False, 0, 255)]
        lines.append(f"add {at} {bt} {yt} {_c_chain(ca)} {_c_chain(cb)} {_c_chain(cy)}")
        want.append(add_path_of((BITS[at], at in (1, 3)), (BITS[bt], bt in (1, 3)), BITS[yt], ca, cb, cy)[0])
    return lines, want


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if GCC is None:
        pytest.skip("gcc is not installed")
    exe = tmp_path_factory.mktemp("paths") / "paths_check"
    cmd = [GCC, "-std=c99", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-O0", "-finstrument-functions",
           f"-I{ROOT / 'runtime' / 'include'}", str(ROOT / "tests" / "c" / "paths_check.c"),
           str(ROOT / "runtime" / "kernels" / "conv2d.c"), "-o", str(exe)]  # conv2d.c: depthwise's generic loop
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return exe


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_mirror_matches_the_c(harness: Path, seed: int) -> None:
    """Every random chain: the path the mirror predicts is the path the C takes; and the cases
    reach every path (so the check cannot pass by never taking one)."""
    lines, want = _cases(seed, 500)
    r = subprocess.run([str(harness)], input="\n".join(lines) + "\n", capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    got = r.stdout.split()
    assert len(got) == len(want)
    bad = [(line, g, w) for line, g, w in zip(lines, got, want) if g != w]
    assert not bad, f"{len(bad)} cases differ (C, mirror), e.g. {bad[:5]}"
    assert set(got[:500]) == {"fast", "wide", "div", "slow", "win"}
    assert set(got[500:1000]) == {"fast", "wide", "wide64", "div", "slow", "win"}
    assert set(got[1000:]) == {"sfused", "sloop", "fused", "loop", "generic"}


def test_shared_network_paths() -> None:
    """Layers of real networks take the paths their chains call for: NEMO's adds (input stages
    x * m whose clip the inputs' exact ranges never reach) fuse (``sfused``), TCN's too (two output
    stages into 8 bits: add_scalar's two-stage fused loop), QuantLab's
    adds (an input stage each with its own shift) the loop with 2 input stages; NEMO's depthwise
    convs (a non-power-of-two divisor) end ``div``."""
    from collections import Counter

    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline
    from dory.passes.tiling.geometry import LAYERS, geometry

    def paths(net: str) -> Counter[tuple[str, str, int]]:
        onnx = next((ROOT.parent / "shared" / "models" / net).glob("*.onnx"), None)
        if onnx is None:
            pytest.skip(f"../shared/models/{net} is not here")
        m = import_onnx(str(onnx), warn=lambda s: None)
        PassManager(parse_pipeline("canonicalize,fold-requant,fuse,assign-memory{target=pulp}"), verify_each=False).run(PassContext(), m)
        return Counter((g.kind, g.end, g.rq_inputs) for g in (geometry(op) for op in m.walk() if op.op_name in LAYERS))

    tcn = paths("nemo1d_TCN_T")
    assert tcn[("add", "sfused", 0)] == 3 and tcn[("add", "sloop", 0)] == 0
    assert paths("nemo_dronet_2.0")[("add", "sfused", 0)] == 3
    assert paths("quantlab_Dronet")[("add", "sloop", 2)] == 3
    assert paths("nemo_dscnn_test")[("depthwise", "div", 0)] == 4
