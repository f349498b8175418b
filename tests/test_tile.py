"""The `tile` pass: the SAT optimum equals a brute-force minimum over the same candidate space,
footprints stay within the budget, results are deterministic, and real networks tile."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from shared_models import NETWORKS, load, requires_shared, run_pipeline

from dory.backends.target import Target
from dory.dory_ir.attributes import DictAttr
from dory.dory_ir.core import Operation
from dory.frontend.onnx_import import import_onnx
from dory.passes.tile import Geometry, NoFit, brute_force, evaluate, solve


@st.composite
def layers(draw: st.DrawFn) -> Geometry:
    """A small random layer of any kind with a consistent geometry."""
    kind = draw(st.sampled_from(["conv", "depthwise", "linear", "pool", "add"]))
    k = draw(st.sampled_from([1, 3])) if kind in ("conv", "depthwise", "pool") else 1
    s = draw(st.sampled_from([1, 2])) if kind != "add" else 1
    h = draw(st.integers(k, 40))
    w = draw(st.integers(k, 40))
    ci = draw(st.integers(1, 64))
    co = ci if kind in ("depthwise", "pool", "add") else draw(st.integers(1, 64))
    ho, wo = (h - k) // s + 1, (w - k) // s + 1
    if kind == "linear":
        return Geometry("linear", n=1, ho=1, wo=1, co=co, hi=1, wi=1, ci=ci * 16, param_bytes=draw(st.sampled_from([0, 8])))
    return Geometry(kind, n=1, ho=ho, wo=wo, co=co, hi=h, wi=w, ci=ci, kh=k, kw=k, sh=s, sw=s,
                    in_bytes=2 if kind == "add" else 1, param_bytes=draw(st.sampled_from([0, 4, 8])))


@settings(max_examples=60, deadline=None)
@given(layers(), st.sampled_from([600, 2000, 8000, 53760]))
def test_sat_optimum_equals_brute_force(g: Geometry, l1: int) -> None:
    best = brute_force(g, l1)
    if best is None:
        with pytest.raises(NoFit) as e:
            solve(g, l1)
        assert e.value.smallest.l1_bytes > l1
        return
    sol = solve(g, l1)
    assert sol.best.cycles == best.cycles
    assert sol.best.key() == best.key()  # the tie-break order is part of the objective
    assert sol.best.l1_bytes <= l1
    assert evaluate(g, sol.best.tile, single=sol.best.single) == sol.best


@settings(max_examples=150, deadline=None)
@given(layers(), st.sampled_from([600, 2000, 8000, 53760]))
# conv_px4's scratch makes the footprint non-monotone in c_in: only a middle c_in (4: K = 36 > 32)
# fits, neither end of the box does (the case the corner check once missed)
@example(Geometry("conv", n=1, ho=1, wo=1, co=2, hi=3, wi=3, ci=12, kh=3, kw=3), 2000)
def test_corner_check_equals_exhaustive_fit(g: Geometry, l1: int) -> None:
    """candidate_space opens w_out / c_in only when nothing fits; its corner check must agree with
    looking at every tile of the box."""
    import itertools

    from dory.backends.gap8.hw import GAP8
    from dory.passes.tiling.space import _fits_any, candidates
    from dory.passes.tiling.cost import l1_sizes_of

    for vals in ((candidates(g.co, 4), candidates(g.ho, 8), [g.wo], [g.ci]),
                 (candidates(g.co, 4), candidates(g.ho, 8), candidates(g.wo, 2), [g.ci]),
                 (candidates(g.co, 4), candidates(g.ho, 8), candidates(g.wo, 2), candidates(g.ci, 4))):
        every = any(l1_sizes_of(g, t, GAP8).total <= l1 for t in itertools.product(*vals))
        assert _fits_any(g, vals, l1, GAP8) == every


def test_whole_layer_in_one_tile_when_it_fits() -> None:
    g = Geometry("conv", n=1, ho=8, wo=8, co=8, hi=8, wi=8, ci=4, kh=3, kw=3)
    sol = solve(g, 53760)
    assert sol.best.n_tiles == 1 and sol.best.tile[:3] == (8, 8, 8)


def test_deterministic() -> None:
    g = Geometry("conv", n=1, ho=56, wo=56, co=128, hi=56, wi=56, ci=64, kh=3, kw=3)
    assert len({solve(g, 30000).best for _ in range(3)}) == 1


def _tile_network(module: Operation) -> list[DictAttr]:
    run_pipeline(module)
    attrs = []
    for op in module.walk():
        if op.op_name in ("dory.conv2d", "dory.depthwise", "dory.linear", "dory.pool", "dory.add"):
            a = op.attributes["dory.tile"]
            assert isinstance(a, DictAttr)
            d = dict(a.entries)
            assert 0 < d["l1_bytes"].value <= 53760  # type: ignore[attr-defined]
            assert d["n_tiles"].value >= 1 and d["cycles"].value > 0  # type: ignore[attr-defined]
            attrs.append(a)
    assert attrs
    return attrs


@requires_shared
@pytest.mark.parametrize("name", NETWORKS)
def test_shared_network_tiles(name: str) -> None:
    _tile_network(load(name).module)


def test_mobilenet_v1_224_tiles(tmp_path: Path) -> None:
    import subprocess
    import sys

    out = tmp_path / "mb.onnx"
    subprocess.run([sys.executable, "-m", "dory.tools.dory_netgen", "mobilenet_v1_1.0_224", "-o", str(out)], check=True,
                   cwd=Path(__file__).resolve().parents[1], capture_output=True)
    attrs = _tile_network(import_onnx(str(out), warn=lambda m: None))
    assert len(attrs) >= 29


# -- the L3 term (passes.tiling.cost.l3_cycles, as runtime/src/layer.c stages L3 data) -----------


def _l3_chips() -> tuple[Target, Target]:
    """Pulp with serial L3 staging (main's layer.c before the overlap) and pulp itself."""
    import dataclasses

    from dory.backends.pulp.hw import PULP

    return dataclasses.replace(PULP, l3_overlapped=False), PULP


def test_l3_cycles_serial_sums_every_transfer() -> None:
    from dory.passes.tiling.cost import l3_cycles

    serial, _ = _l3_chips()
    g = Geometry("linear", n=1, ho=1, wo=1, co=1000, hi=1, wi=1, ci=1024, param_bytes=8)
    assert l3_cycles(g, [], None, 1234.4, serial) == 1235  # no L3 data: the L1 model's cycles
    # weights and requant in L3, 5 channel blocks of 200: one weight read and one params read each
    got = l3_cycles(g, ["weight", "requant"], {"c_out": 200, "h_out": 1}, 500_000.0, serial)
    per_block = serial.l3_l2_cycles(200 * 1024) + serial.l3_l2_cycles(200 * 8)
    assert got == 500_000 + 5 * per_block + 4 * serial.l3_fork_cycles  # a fork per sub-problem after the first


def _stream(over: Target, nbytes: int) -> float:
    """Cycles until ``nbytes`` of streamed L3 weights are in L2: one read's latency, then the
    bytes at the stream's rate (each 8 KiB chunk's setup spread over its bytes)."""
    return over.l3_setup_cycles + nbytes * (1 / over.l3_bytes_per_cycle + over.l3_setup_cycles / over.l3_stream_chunk_bytes)


def test_l3_cycles_overlapped_hides_transfers_behind_compute() -> None:
    from dory.passes.tiling.cost import l3_cycles

    serial, over = _l3_chips()
    assert over.l3_stream_chunk_bytes == 8192 and over.l3_bytes_per_cycle == 1.0
    g = Geometry("linear", n=1, ho=1, wo=1, co=1000, hi=1, wi=1, ci=1024, param_bytes=8)
    tile = {"c_out": 200, "h_out": 1}
    forks = 4 * over.l3_fork_cycles  # the controller's join / set-up / fork between the 5 sub-problems
    # compute-bound (1,000,000 a sub-problem, 100,000 an L1 tile of 20 channels): every weight
    # read hides under the compute but the first two L1 tiles' 40 channels (double buffered,
    # core 0 waits for tile 1's weights before its share of tile 0)
    head = _stream(over, 40 * 1024)
    assert head == 318 + 40 * 1024 + 5 * 318  # 5 chunks' setups
    assert l3_cycles(g, ["weight"], tile, 5_000_000.0, over, t_co=20) == math.ceil(5_000_000 + head + forks)
    # single buffered: tile 0 waits for its own 20 channels only
    got = l3_cycles(g, ["weight"], tile, 5_000_000.0, over, t_co=20, single=True)
    assert got == math.ceil(5_000_000 + _stream(over, 20 * 1024) + forks)
    # the requant vectors of the first block are read before the cluster starts
    got = l3_cycles(g, ["weight", "requant"], tile, 5_000_000.0, over, t_co=20)
    assert got == math.ceil(5_000_000 + over.l3_l2_cycles(200 * 8) + head + forks)
    # per sub-problem compute (`sub_problem_cycles`): the same when even
    assert l3_cycles(g, ["weight"], tile, [1_000_000.0] * 5, over, t_co=20) == math.ceil(5_000_000 + head + forks)
    with pytest.raises(ValueError, match="expected the compute of 5 sub-problems, found 4"):
        l3_cycles(g, ["weight"], tile, [1.0] * 4, over)
    # one sub-problem: its weights streamed under its compute, its last two L1 tiles (20 of 1000
    # channels each) after them
    whole = _stream(over, 1000 * 1024)
    assert l3_cycles(g, ["weight"], None, 1000.0, over, t_co=20) == math.ceil(whole + 40)
    assert l3_cycles(g, ["weight"], None, 1000.0, serial) == over.l3_l2_cycles(1000 * 1024) + 1000


def test_l3_cycles_overlapped_streams_the_weights() -> None:
    """The weights as one stream (runtime/src/layer.c w_stream_in): the next sub-problem's read
    chunk by chunk while the cluster runs the current one (the controller notices the cluster is
    done half a chunk late, on average), the controller's fork between them, the rest under the
    next one's first L1 tiles."""
    from dory.passes.tiling.cost import l3_cycles

    _, over = _l3_chips()
    g = Geometry("linear", n=1, ho=1, wo=1, co=1000, hi=1, wi=1, ci=1024, param_bytes=8)
    tile = {"c_out": 200, "h_out": 1}
    block = _stream(over, 200 * 1024)
    setup, fork = over.l3_setup_cycles, over.l3_fork_cycles
    # transfer-bound (200 cycles of compute a sub-problem, one L1 tile): the stream is the
    # critical path, every block back to back, and between two blocks the controller's fork and
    # the new read's latency; then the last sub-problem's compute
    assert l3_cycles(g, ["weight"], tile, 1000.0, over) == math.ceil(5 * block + 4 * (setup + fork) + 200)
    free = dataclasses.replace(over, l3_fork_cycles=0)
    assert l3_cycles(g, ["weight"], tile, 1000.0, free) == math.ceil(5 * block + 4 * setup + 200)
    # compute-bound but close (300,000 a sub-problem, 30,000 an L1 tile of 20 channels): the
    # first sub-problem ends at head + 300,000 with the next block's read still running: the
    # controller notices half a chunk later, forks, and from then on every block is read under
    # the one before
    head = _stream(over, 40 * 1024)
    notice = (8192 + setup) / 2
    assert l3_cycles(g, ["weight"], tile, 1_500_000.0, free, t_co=20) == math.ceil(head + 1_500_000 + notice)
    # blocks that end in a partial L1 tile (blocks of 200 in tiles of 60: 60, 60, 60, 20): the
    # first sub-problem waits for its first two tiles' 120 channels
    assert l3_cycles(g, ["weight"], tile, 50_000_000.0, free, t_co=60) == math.ceil(50_000_000 + _stream(over, 120 * 1024))


def test_sub_problem_cycles_restart_the_l1_tiles_per_block() -> None:
    """runtime/src/layer.c runs an L3 sub-problem as a layer of its own channels: L1 tiles of 26
    channels in blocks of 40 are 26 + 14, two steps a block (50 for 1000 channels, not 39)."""
    from dory.backends.pulp.hw import PULP
    from dory.passes.tiling.cost import staged_cycles, sub_problem_cycles, sub_problems

    g = Geometry("linear", n=1, ho=1, wo=1, co=1000, hi=1, wi=1, ci=1024, param_bytes=8)
    assert sub_problems(g, {"c_out": 40, "h_out": 1}) == [(1, 40)] * 25
    assert sub_problems(g, {"c_out": 300, "h_out": 1}) == [(1, 300)] * 3 + [(1, 100)]
    assert sub_problems(g, None) == [(1, 1000)]
    t = (26, 1, 1, 1024)
    subs = sub_problem_cycles(g, t, {"c_out": 40, "h_out": 1}, PULP)
    one = evaluate(dataclasses.replace(g, co=40), t, PULP)
    assert one.n_tiles == 2 and subs == [one.cycles] * 25
    whole = evaluate(g, t, PULP)
    assert whole.n_tiles == 39 and sum(subs) > whole.cycles
    assert sub_problem_cycles(g, t, None, PULP) == [whole.cycles]
    # the objective of the tile pass: the L3 staging over the per-block cycles
    assert staged_cycles(g, ["weight"], {"c_out": 40, "h_out": 1}, whole, PULP) == l3_cycles_of(g, subs, t)
    assert staged_cycles(g, [], None, whole, PULP) == whole.cycles


def l3_cycles_of(g: Geometry, subs: list[int], t: tuple[int, int, int, int]) -> int:
    from dory.backends.pulp.hw import PULP
    from dory.passes.tiling.cost import l3_cycles

    return l3_cycles(g, ["weight"], {"c_out": 40, "h_out": 1}, subs, PULP, t_co=t[0])


def test_l3_cycles_rows_and_output() -> None:
    """A conv with its input and output in L3, row blocks of 4: the input rows each block's windows
    read (halo included, clipped), the output written per row block."""
    from dory.passes.tiling.cost import l3_cycles

    serial, over = _l3_chips()
    g = Geometry("conv", n=1, ho=8, wo=8, co=16, hi=8, wi=8, ci=8, kh=3, kw=3, pads=(1, 1, 1, 1), param_bytes=8)
    got = l3_cycles(g, ["input", "output"], {"c_out": 16, "h_out": 4}, 10_000.0, serial)
    read = serial.l3_l2_cycles(5 * 8 * 8)  # rows 0..4, then rows 3..7
    write = serial.l2_l3_cycles(4 * 8 * 16)
    assert got == 10_000 + 2 * read + 2 * write + serial.l3_fork_cycles
    # overlapped: the second block's read beside the first sub-problem, the first block's write
    # beside the second, the controller's fork between them; the first read and the last write
    # exposed
    want = read + max(5_000, read) + over.l3_fork_cycles + max(5_000, write) + write
    assert l3_cycles(g, ["input", "output"], {"c_out": 16, "h_out": 4}, 10_000.0, over) == want < got


@requires_shared
def test_tile_pass_records_the_l3_staging() -> None:
    """Planned with a small L2, a shared network's layers with data in L3 record their L1 tile's
    cycles with their L3 staging (`l3_cycles`), the others the L1 tile's alone."""
    import dataclasses

    from dory.passes.tile import l3_roles
    from dory.passes.tiling import geometry, l3_cycles, staged_cycles

    from dory.backends.pulp.hw import PULP

    module = load("nemo_dscnn_test").module
    run_pipeline(module, "canonicalize,fold-requant,fuse,assign-memory{target=pulp l2=24000},tile{target=pulp}")
    seen = 0
    for op in module.walk():
        td = op.attributes.get("dory.tile")
        if not isinstance(td, DictAttr):
            continue
        d = dict(td.entries)
        g = geometry(op)

        def ints(a: object) -> dict[str, int]:
            assert isinstance(a, DictAttr)
            return {k: int(v.value) for k, v in a.entries}  # type: ignore[attr-defined]

        l1t = ints(d["l1"])
        t = (l1t["c_out"], l1t["h_out"], l1t["w_out"], l1t["c_in"])
        single = "buffering" in d
        ev = evaluate(g, t, PULP, single=single)
        base = ev.cycles
        l3 = ints(d["l3"]) if "l3" in d else None
        want = staged_cycles(g, l3_roles(op), l3, ev, PULP)
        assert d["cycles"].value == want, op.op_name  # type: ignore[attr-defined]
        seen += bool(l3_roles(op))
        # the L3 reads cost something when they run between forks; overlapped, they may all hide
        serial = l3_cycles(g, l3_roles(op), l3, base, dataclasses.replace(PULP, l3_overlapped=False))
        assert want >= base and (serial > base) == bool(l3_roles(op))
    assert seen >= 2


# -- lit_tests/passes/tile.mlir's cycle figures, derived by hand ----------------------------------

_CONV_32x32 = """
"func.func"() <{function_type = (tensor<1x32x32x16xui8>) -> tensor<1x32x32x32xui8>, sym_name = "must_split"}> ({
^bb0(%x: tensor<1x32x32x16xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<32x3x3x16xsi8>}> : () -> tensor<32x3x3x16xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x32x32x16xui8>, tensor<32x3x3x16xsi8>) -> tensor<1x32x32x32xui8>
  "func.return"(%y) : (tensor<1x32x32x32xui8>) -> ()
}) : () -> ()
"""

_DEPTHWISE_S2 = """
"func.func"() <{function_type = (tensor<1x32x32x16xui8>) -> tensor<1x16x16x16xui8>, sym_name = "depthwise"}> ({
^bb0(%x: tensor<1x32x32x16xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<16x3x3x1xsi8>}> : () -> tensor<16x3x3x1xsi8>
  %y = "dory.depthwise"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x32x32x16xui8>, tensor<16x3x3x1xsi8>) -> tensor<1x16x16x16xui8>
  "func.return"(%y) : (tensor<1x16x16x16xui8>) -> ()
}) : () -> ()
"""


def _tile_record(text: str) -> dict[str, object]:
    from dory.dory_ir.parser import parse_module

    module = parse_module(text, "<test>")
    run_pipeline(module, "tile{l1-bytes=16000}")
    op = next(op for op in module.walk() if "dory.tile" in op.attributes)
    rec = op.attributes["dory.tile"]
    assert isinstance(rec, DictAttr)
    d = dict(rec.entries)
    return {"cycles": d["cycles"].value, "n_tiles": d["n_tiles"].value,  # type: ignore[attr-defined]
            "l1": {k: v.value for k, v in d["l1"].entries}}  # type: ignore[attr-defined,union-attr]


def test_tile_mlir_cycles_by_hand() -> None:
    # tile.mlir matches these two figures loosely; here they are computed from the GAP8 model's
    # formula (passes/tiling/cost.py `evaluate` without a calibrated kernel model, DORY's):
    #   n_tiles * tile_overhead + first tile's loads + last tile's store + compute,
    # compute = MACs / (cores * simd_macs * efficiency) (the tiles split evenly over the 8 cores),
    # a load or store = its setups (10 cycles each: one when the tile is contiguous in L2, else
    # one per row) + bytes / 8 bytes per cycle; the other transfers hide behind the compute.
    # The target's figures come from backends/gap8/hw.py (one place); the formula is written out here.
    from dory.backends.gap8.hw import GAP8

    overhead, setup, dma_bw = GAP8.tile_overhead_cycles, GAP8.dma_setup_cycles, GAP8.dma_bytes_per_cycle
    peak = GAP8.cores * GAP8.simd_macs
    # Conv 3x3 16->32 on 32x32, tile 8 rows x 32 cols x 4 output channels (all 16 input
    # channels): 4 x 1 x 8 = 32 tiles. First load: the input's 8 + 2 halo rows of whole 32-pixel
    # rows (contiguous: one setup) and the 4 x 3 x 3 x 16 weights (one setup); last store: 8 rows
    # of 32 x 4 bytes, one setup per row (4 of the 32 channels are not contiguous).
    conv = _tile_record(_CONV_32x32)
    assert conv["l1"] == {"c_in": 16, "c_out": 4, "h_out": 8, "w_out": 32} and conv["n_tiles"] == 32
    macs = 32 * 32 * 32 * 16 * 9
    first = setup + setup + math.ceil((10 * 32 * 16 + 4 * 9 * 16) / dma_bw)
    last = 8 * setup + math.ceil(8 * 32 * 4 / dma_bw)
    assert conv["cycles"] == math.ceil(32 * overhead + first + last + macs / (peak * GAP8.conv_efficiency))
    # Depthwise 3x3 stride 2, 16 channels, 32x32 -> 16x16, tile 4 output rows x 16 x 16 channels:
    # 4 tiles. First load: (4 - 1) * 2 + 3 = 9 input rows of 32 pixels x 16 channels (contiguous)
    # and 16 x 3 x 3 weights; last store: 4 x 16 x 16 bytes, contiguous.
    dw = _tile_record(_DEPTHWISE_S2)
    assert dw["l1"] == {"c_in": 16, "c_out": 16, "h_out": 4, "w_out": 16} and dw["n_tiles"] == 4
    macs = 16 * 16 * 16 * 9
    first = setup + setup + math.ceil((9 * 32 * 16 + 16 * 9) / dma_bw)
    last = setup + math.ceil(4 * 16 * 16 / dma_bw)
    assert dw["cycles"] == math.ceil(4 * overhead + first + last + macs / (peak * GAP8.depthwise_efficiency))


_FITS_WHOLE = """
"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x8x8x8xui8>, sym_name = "fits_whole"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x4xsi8>}> : () -> tensor<8x3x3x4xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()
"""

_LINEAR = """
"func.func"() <{function_type = (tensor<1x1024xui8>) -> tensor<1x100xsi32>, sym_name = "linear"}> ({
^bb0(%x: tensor<1x1024xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<100x1024xsi8>}> : () -> tensor<100x1024xsi8>
  %y = "dory.linear"(%x, %w) : (tensor<1x1024xui8>, tensor<100x1024xsi8>) -> tensor<1x100xsi32>
  "func.return"(%y) : (tensor<1x100xsi32>) -> ()
}) : () -> ()
"""

_POOL = """
"func.func"() <{function_type = (tensor<1x32x32x16xui8>) -> tensor<1x16x16x16xui8>, sym_name = "pool"}> ({
^bb0(%x: tensor<1x32x32x16xui8>):
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x32x32x16xui8>) -> tensor<1x16x16x16xui8>
  "func.return"(%y) : (tensor<1x16x16x16xui8>) -> ()
}) : () -> ()
"""

_ADD = """
"func.func"() <{function_type = (tensor<1x32x32x16xui8>, tensor<1x32x32x16xui8>) -> tensor<1x32x32x16xui8>, sym_name = "add"}> ({
^bb0(%a: tensor<1x32x32x16xui8>, %b: tensor<1x32x32x16xui8>):
  %y = "dory.add"(%a, %b) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> : (tensor<1x32x32x16xui8>, tensor<1x32x32x16xui8>) -> tensor<1x32x32x16xui8>
  "func.return"(%y) : (tensor<1x32x32x16xui8>) -> ()
}) : () -> ()
"""


def test_tile_mlir_other_cycles_by_hand() -> None:
    # tile.mlir's other four layers, matched loosely there, from the same GAP8 formula as
    # test_tile_mlir_cycles_by_hand: a single tile pays overhead + loads + compute + store in
    # series; several tiles hide every transfer but the first loads and the last store behind the
    # compute (each case checks that the layer's bytes and setups are below the compute).
    # Element-wise kernels run eltwise_ops_per_cycle per core (a pool: one op per window tap, an
    # add: two per element), spread over the cores by output rows.
    from dory.backends.gap8.hw import GAP8

    overhead, setup, dma_bw = GAP8.tile_overhead_cycles, GAP8.dma_setup_cycles, GAP8.dma_bytes_per_cycle
    peak, cores = GAP8.cores * GAP8.simd_macs, GAP8.cores
    # Conv 3x3 4->8 on 8x8, one tile: input 256 B and weights 288 B (one setup each: whole
    # rows, all channels), output 512 B (one setup); 8 rows on 8 cores and 8 channels in two
    # 4-lane words: the kernel runs at its full efficiency.
    whole = _tile_record(_FITS_WHOLE)
    assert whole["n_tiles"] == 1
    compute = 8 * 8 * 8 * 4 * 9 / (peak * GAP8.conv_efficiency)
    assert whole["cycles"] == math.ceil(overhead + (2 * setup + math.ceil((256 + 288) / dma_bw)) + compute
                                        + (setup + math.ceil(512 / dma_bw)))
    # Linear 1024 -> 100 (si32 out), 25 tiles of 4 output features: the 8 cores take the
    # features, so 4 of 8 work in every tile (half the efficiency). First loads: the 1024-byte
    # input (kept for every tile) and 4 x 1024 weights; last store: 4 x 4 bytes.
    lin = _tile_record(_LINEAR)
    assert lin["l1"] == {"c_in": 1024, "c_out": 4, "h_out": 1, "w_out": 1} and lin["n_tiles"] == 25
    compute = 100 * 1024 / (peak * GAP8.linear_efficiency * 0.5)
    first, last = 2 * setup + math.ceil((1024 + 4 * 1024) / dma_bw), setup + math.ceil(16 / dma_bw)
    # the layer's transfers, counting the input's bytes once per tile (an upper bound) and a
    # weight and an output setup per tile: what is not the first load or the last store hides
    all_bytes = 25 * 1024 + 100 * 1024 + 100 * 4
    assert math.ceil(all_bytes / dma_bw) + 25 * 2 * setup + setup - first - last < compute
    assert lin["cycles"] == math.ceil(25 * overhead + first + last + compute)
    # Max pool 2x2 s2, 16 channels, 32x32 -> 16x16; tiles of 8 channels x 8 output rows (4):
    # a tile's 16 input rows of 32 pixels x 8 channels are strided in L2 (one setup per row),
    # its 8 output rows of 16 x 8 bytes too.
    pool = _tile_record(_POOL)
    assert pool["l1"] == {"c_in": 8, "c_out": 8, "h_out": 8, "w_out": 16} and pool["n_tiles"] == 4
    compute = 16 * 16 * 16 * 4 / (GAP8.eltwise_ops_per_cycle * cores)
    assert math.ceil((32 * 32 * 16 + 16 * 16 * 16) / dma_bw) + 4 * (16 + 8) * setup < compute
    assert pool["cycles"] == math.ceil(4 * overhead + (16 * setup + math.ceil(16 * 32 * 8 / dma_bw))
                                       + (8 * setup + math.ceil(8 * 16 * 8 / dma_bw)) + compute)
    # Add of two 32x32x16 tensors; tiles of 8 channels x 8 rows x 32 (8): both operands' tiles
    # (2 x 2048 B) arrive in the first load, whose 8 strided rows are one setup each (the
    # operands' rows go as pairs in DORY's model); the output tile's 8 rows likewise.
    add = _tile_record(_ADD)
    assert add["l1"] == {"c_in": 8, "c_out": 8, "h_out": 8, "w_out": 32} and add["n_tiles"] == 8
    compute = 32 * 32 * 16 * 2 / (GAP8.eltwise_ops_per_cycle * cores)
    assert math.ceil(3 * 32 * 32 * 16 / dma_bw) + 8 * (2 * 8 + 8) * setup < compute
    assert add["cycles"] == math.ceil(8 * overhead + (8 * setup + math.ceil(2 * 8 * 32 * 8 / dma_bw))
                                      + (8 * setup + math.ceil(8 * 32 * 8 / dma_bw)) + compute)


# -- single or double buffering per layer (the search's choice, evaluate's serial model) --------

# The conv of lit_tests/passes/tile-target.mlir: 3x3, 64 -> 64 channels on 32x32.
_CONV_64 = Geometry("conv", n=1, ho=32, wo=32, co=64, hi=32, wi=32, ci=64, kh=3, kw=3, pads=(1, 1, 1, 1))


def test_single_buffering_has_one_copy_of_every_buffer() -> None:
    from dory.passes.tiling import l1_sizes_of

    t = (4, 7, 32, 64)  # 16 channel blocks x 5 row blocks: every buffer double buffered
    dbl, one = l1_sizes_of(_CONV_64, t), l1_sizes_of(_CONV_64, t, single=True)
    assert (dbl.inputs, dbl.weights, dbl.acts) == (2, 2, 2)
    assert (one.inputs, one.weights, one.acts) == (1, 1, 1)
    assert (one.input, one.weight, one.output, one.params, one.scratch) == (dbl.input, dbl.weight, dbl.output, dbl.params, dbl.scratch)
    assert one.total == one.input + one.weight + one.output + one.params + one.scratch
    assert dbl.total - one.total == dbl.input + dbl.weight + dbl.output + dbl.params
    # one tile: one copy of everything either way, and the same evaluation (double, no attribute)
    whole = (64, 32, 32, 64)
    assert l1_sizes_of(_CONV_64, whole) == l1_sizes_of(_CONV_64, whole, single=True)
    assert evaluate(_CONV_64, whole, single=True) == evaluate(_CONV_64, whole)
    assert not evaluate(_CONV_64, whole, single=True).single


def test_single_buffering_cycles_by_hand() -> None:
    # runtime/src/layer.c with pong == ping issues step i + 1's loads with step i's store after
    # step i's compute and waits for both before step i + 1's: nothing overlaps, so the cycles are
    # n_tiles x overhead + compute + every transfer of the layer (GAP8's model, DORY's setups).
    from dory.backends.gap8.hw import GAP8

    overhead, setup, dma_bw = GAP8.tile_overhead_cycles, GAP8.dma_setup_cycles, GAP8.dma_bytes_per_cycle
    ev = evaluate(_CONV_64, (4, 16, 32, 64), GAP8, single=True)
    assert ev.single and ev.n_tiles == 32  # 16 channel blocks x 2 row blocks
    # 16 rows on 8 cores and 4 channels in one 4-lane word: the kernel's full efficiency
    compute = 32 * 32 * 64 * 64 * 9 / (GAP8.cores * GAP8.simd_macs * GAP8.conv_efficiency)
    # the input block (17 of the 32 rows with the halo, whole rows: one setup) loaded once per row
    # block (the channel blocks share it); the weights (576 B a channel, one setup) once per tile;
    # the output tile's 16 rows of 4 of the 64 channels: a setup per row
    moved = 2 * 17 * 32 * 64 + 32 * 4 * 576 + 32 * 16 * 32 * 4
    setups = 2 * setup + 32 * setup + 32 * 16 * setup
    assert ev.cycles == math.ceil(32 * overhead + compute + math.ceil(moved / dma_bw) + setups)
    assert ev.cycles > evaluate(_CONV_64, (4, 16, 32, 64), GAP8).cycles  # the same tile double buffered overlaps


def test_search_picks_single_where_the_serial_run_is_cheaper() -> None:
    from dory.backends.gap8.hw import GAP8

    dbl, auto = solve(_CONV_64, GAP8.l1_budget, GAP8, single=False), solve(_CONV_64, GAP8.l1_budget, GAP8)
    # double buffered only 7 rows fit (80 tiles); single buffered 16 (32 tiles), fewer cycles
    assert dbl.best.tile == (4, 7, 32, 64) and not dbl.best.single
    assert auto.best.single and auto.best.tile == (4, 16, 32, 64) and auto.best.cycles < dbl.best.cycles
    assert auto.best == evaluate(_CONV_64, auto.best.tile, GAP8, single=True)


def test_search_picks_single_where_only_single_fits() -> None:
    # a conv like tile-invalid.mlir's (si32 out): its smallest tile needs 732 B double buffered
    # (input window, weights, output), 656 B single buffered
    g = Geometry("conv", n=1, ho=8, wo=8, co=8, hi=8, wi=8, ci=64, kh=3, kw=3, pads=(1, 1, 1, 1), out_bytes=4)
    with pytest.raises(NoFit) as e:
        solve(g, 700, single=False)
    assert e.value.smallest.l1_bytes == 732
    sol = solve(g, 700)
    assert sol.best.single and sol.best.l1_bytes <= 700
    assert brute_force(g, 700) == sol.best
    with pytest.raises(NoFit) as e:
        solve(g, 600)
    assert e.value.smallest.l1_bytes == 656 and e.value.smallest.single


def test_search_keeps_double_on_ties() -> None:
    # the whole layer in one tile: single and double are the same plan, recorded as double
    g = Geometry("conv", n=1, ho=8, wo=8, co=8, hi=8, wi=8, ci=4, kh=3, kw=3, pads=(1, 1, 1, 1))
    sol = solve(g, 53760)
    assert sol.best.n_tiles == 1 and not sol.best.single


@settings(max_examples=40, deadline=None)
@given(layers(), st.sampled_from([600, 2000, 8000]), st.booleans())
def test_sat_equals_brute_force_under_each_buffering(g: Geometry, l1: int, single: bool) -> None:
    best = brute_force(g, l1, single=single)
    if best is None:
        with pytest.raises(NoFit):
            solve(g, l1, single=single)
        return
    sol = solve(g, l1, single=single)
    assert sol.best.key() == best.key()
    assert sol.best.single == (single and sol.best.n_tiles > 1)
