"""The tiler's L1 budget for kernel scratch against the runtime's own scratch-size functions.

The runtime owns how much scratch each kernel needs (``dory_conv2d_scratch_bytes``,
``dory_depthwise_scratch_bytes`` in runtime/include/dory/kernels.h); the executor sizes the scratch
with them, and a kernel given less aborts in DORY_DEBUG builds. The tiler budgets the same bytes in
its L1 footprint model. This test compiles tests/c/scratch_sizes.c (gcc) and compares both for a
grid of layer shapes and tiles plus random ones: any change to either side alone fails here.
"""

from __future__ import annotations

import dataclasses
import itertools
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from dory.backends.target import Target, default_target, get_target, target_names
from dory.passes.tile import Geometry, l1_sizes_of

GCC = shutil.which("gcc")
pytestmark = pytest.mark.skipif(GCC is None, reason="gcc is not installed")

ROOT = Path(__file__).resolve().parent.parent
Tile = tuple[int, int, int, int]  # (c_out, h_out, w_out, c_in)


def planner_scratch(g: Geometry, tile: Tile, target: Target) -> int:
    """The tiler's kernel scratch bytes for ``tile`` of layer ``g`` on ``target`` (the one place
    this test reads the planner: re-point it when the footprint model moves)."""
    return l1_sizes_of(g, tile, target).scratch


def with_cores(cores: int) -> Target:
    """The default target with ``cores`` kernel cores (the runtime's functions take any count)."""
    return dataclasses.replace(default_target(), cores=cores)


@dataclasses.dataclass(frozen=True)
class Case:
    """One layer, one tile of it, a target (its core count)."""

    g: Geometry
    tile: Tile
    target: Target

    def query(self) -> str:
        """The driver's query for the runtime's amount: the arguments the executor passes."""
        g, (_, h, _, k) = self.g, self.tile
        if g.kind == "conv":
            return f"0 {g.kh} {g.kw} {k} {self.target.cores}"
        rows = min(g.hi, (h - 1) * g.sh + (g.kh - 1) * g.dh + 1)  # input rows of the tile (layer.c)
        cols = min(g.wi, (self.tile[2] - 1) * g.sw + (g.kw - 1) * g.dw + 1)  # and its input columns
        pt, pl, pb, pr = g.pads
        return f"1 {g.kh} {g.kw} {rows} {cols} {pt} {pb} {pl} {pr} {self.target.cores}"


def _out(n: int, k: int, s: int, d: int, p0: int, p1: int) -> int:
    return (n + p0 + p1 - d * (k - 1) - 1) // s + 1


def window_case(kind: str, hi: int, kh: int, kw: int, sh: int, dh: int, pads: tuple[int, int, int, int], c: int,
                t_h: int, target: Target, t_w: int | None = None) -> Case | None:
    """A conv (``c`` input channels, whole: no partial sums) or depthwise (``c`` channels) layer
    over an hi x hi input, tiled to ``t_h`` output rows (and ``t_w`` output columns: all when
    None); None when the window does not fit."""
    ho = _out(hi, kh, sh, dh, pads[0], pads[2])
    wo = _out(hi, kw, sh, dh, pads[1], pads[3])
    if ho < 1 or wo < 1:
        return None
    co = c if kind == "depthwise" else 2 * c + 1
    g = Geometry(kind, n=1, ho=ho, wo=wo, co=co, hi=hi, wi=hi, ci=c, kh=kh, kw=kw, sh=sh, sw=sh, dh=dh, dw=dh,
                 pads=pads, groups=c if kind == "depthwise" else 1, param_bytes=4)
    return Case(g, (co, min(t_h, ho), min(t_w, wo) if t_w else wo, c), target)


def grid() -> list[Case]:
    """Every kernel shape class on a 1-core and every registered target."""
    targets = [with_cores(1)] + [get_target(name) for name in target_names()]
    out = []
    for kind, hi, kh, kw, sh, dh, pads, c, t_h, target in itertools.product(
            ("conv", "depthwise"), (1, 7, 30), (1, 2, 3, 5), (1, 2, 3, 7), (1, 2), (1, 2),
            ((0, 0, 0, 0), (1, 1, 1, 1), (2, 0, 1, 3)), (1, 3, 11, 16), (1, 4, 64), targets):
        case = window_case(kind, hi, kh, kw, sh, dh, pads, c, t_h, target)
        if case is not None:
            out.append(case)
    return out


def random_cases(n: int, seed: int = 11) -> list[Case]:
    rng = random.Random(seed)
    out: list[Case] = []
    while len(out) < n:
        kh, kw = rng.randint(1, 11), rng.randint(1, 11)
        pads = tuple(rng.randint(0, k - 1) for k in (kh, kw, kh, kw))
        case = window_case(rng.choice(("conv", "depthwise")), rng.randint(1, 120), kh, kw, rng.randint(1, 4),
                           rng.randint(1, 3), pads, rng.randint(1, 512), rng.randint(1, 120),  # type: ignore[arg-type]
                           with_cores(rng.randint(1, 16)), rng.choice((None, rng.randint(1, 40))))
        if case is not None:
            out.append(case)
    return out


@pytest.fixture(scope="module")
def driver(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("scratch") / "scratch_sizes"
    srcs = [ROOT / "tests" / "c" / "scratch_sizes.c", *sorted((ROOT / "runtime" / "kernels").glob("*.c"))]
    cmd = [str(GCC), "-std=c99", "-O1", "-Wall", "-Wextra", "-Werror", "-fwrapv", f"-I{ROOT / 'runtime' / 'include'}",
           *map(str, srcs), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return out


def runtime_scratch(driver: Path, cases: list[Case]) -> list[int]:
    r = subprocess.run([str(driver)], input="\n".join(c.query() for c in cases) + "\n", capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    got = [int(v) for v in r.stdout.split()]
    assert len(got) == len(cases)
    return got


@pytest.mark.parametrize("which", ["grid", "random"])
def test_planner_budgets_the_runtime_scratch(driver: Path, which: str) -> None:
    cases = grid() if which == "grid" else random_cases(600)
    assert len(cases) > 500
    assert {c.g.kind for c in cases} == {"conv", "depthwise"}
    for case, want in zip(cases, runtime_scratch(driver, cases)):
        got = planner_scratch(case.g, case.tile, case.target)
        assert got == want, (f"planner {got} != runtime {want} bytes of scratch: {case.g}, tile {case.tile}, "
                             f"{case.target.name} with {case.target.cores} cores")


def test_scratch_free_kernels() -> None:
    """Kernels without a scratch function (linear, pool, add) and a 1x1 conv get none from the
    planner (input channels whole: no accumulator)."""
    linear = Geometry("linear", n=1, ho=1, wo=1, co=10, hi=1, wi=1, ci=64)
    pool = Geometry("pool", n=1, ho=4, wo=4, co=8, hi=8, wi=8, ci=8, kh=2, kw=2, sh=2, sw=2)
    add = Geometry("add", n=1, ho=4, wo=4, co=8, hi=4, wi=4, ci=8, in_bytes=2)
    conv1x1 = Geometry("conv", n=1, ho=4, wo=4, co=8, hi=4, wi=4, ci=16)
    for g in (linear, pool, add, conv1x1):
        assert planner_scratch(g, (g.co, g.ho, g.wo, g.ci), default_target()) == 0, g
