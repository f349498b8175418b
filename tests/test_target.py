"""The target boundary: the `Target` registry (lazy, by name, with a clear error for an unknown
name), the planning passes' `target` option (budgets resolved at apply time, pipeline spelling
round-trips) and the kernel scratch formulas the runtime's C must agree with."""

from __future__ import annotations

import dataclasses

import pytest

from dory.backends.gap8.hw import GAP8
from dory.backends.target import DEFAULT_TARGET, Target, UnknownTarget, get_target, target_names
from dory.passes.pipeline import parse_pipeline, print_pipeline


def test_registry_finds_targets_by_name() -> None:
    assert DEFAULT_TARGET in target_names()
    assert get_target("gap8") is GAP8
    assert isinstance(GAP8, Target) and GAP8.name == "gap8"


def test_unknown_target_names_the_known_ones() -> None:
    with pytest.raises(UnknownTarget) as e:
        get_target("gap7")
    assert str(e.value) == f"unknown target 'gap7' (known targets: {', '.join(target_names())})"


def test_variant_is_a_replace() -> None:
    smaller = dataclasses.replace(GAP8, l1_bytes=32000)
    assert smaller.l1_budget == 32000 - GAP8.l1_stack_bytes
    assert GAP8.l1_budget == 64000 - 8 * 1024 - 2048  # the original is untouched (frozen)


def test_kernel_scratch_formulas() -> None:
    """The bytes the runtime's kernels need in L1 beyond their tiles (runtime/kernels must agree)."""
    c = GAP8.cores
    assert GAP8.conv_scratch_bytes(3, 3, 16) == 2 * c * 3 * 3 * 16  # pulp-nn im2col, two columns per core
    assert GAP8.conv_scratch_bytes(1, 1, 64) == 0  # a 1x1 conv has no im2col
    assert GAP8.conv_scratch_bytes(5, 5, 1) == c * (4 * 4 * 32 + 68)  # small K: 4 quads of pixel buffers, 2 weight rows
    assert GAP8.conv_scratch_bytes(3, 3, 3) == c * (4 * 4 * 32 + 68)  # K = 27
    assert GAP8.conv_scratch_bytes(3, 3, 4) == 2 * c * 36  # K = 36: the two columns (a ragged c_in tile fits them)
    assert GAP8.conv_scratch_bytes(3, 3, 11) == 2 * c * 100  # two columns beyond
    # a 1-D kernel of 9..15 channels not a multiple of 4: aligned taps (12 bytes), 12 weight rows + 2 columns a core
    assert GAP8.conv_scratch_bytes(1, 11, 11) == (12 + 2 * c) * 11 * 12
    assert GAP8.conv_scratch_bytes(1, 11, 12) == 2 * c * 132  # a multiple of 4: the two columns
    assert GAP8.conv_scratch_bytes(1, 9, 7) == 2 * c * 64  # fewer than 9 channels: the two columns
    assert GAP8.depthwise_scratch_bytes(3, 3, 10, 7, (1, 0, 1, 2)) == c * ((10 + 1 + 1) * (7 + 0 + 2) + 4)
    assert GAP8.depthwise_scratch_bytes(5, 5, 10, 7, (1, 0, 1, 2)) == c * (5 * (10 + 1 + 1) + 5) + c * 5 * 5
    assert GAP8.pool_scratch_bytes() == GAP8.add_scratch_bytes() == GAP8.linear_scratch_bytes() == 0


@pytest.mark.parametrize("text", ["tile", "tile{l1-bytes=4096}", "assign-memory{l2=1000}", "allocate-buffers{l1=100 l3=5}"])
def test_default_target_spells_nothing(text: str) -> None:
    passes = parse_pipeline(f"{text.split('{')[0]}{{target={DEFAULT_TARGET}{' ' + text.split('{')[1][:-1] if '{' in text else ''}}}")
    assert print_pipeline(passes, anchored=False) == text
    assert print_pipeline(parse_pipeline(text), anchored=False) == text


def test_budget_options_resolve_to_the_target() -> None:
    from dory.dory_ir.parser import parse_module

    module = parse_module('"builtin.module"() ({}) : () -> ()', "<test>")
    (am,) = parse_pipeline("assign-memory{l2=1000}")
    assert am.budgets(module) == (GAP8, GAP8.l1_budget, 1000, GAP8.l3_budget)  # type: ignore[attr-defined]


# -- GAP9, the second target: added without touching passes/ ------------------------------------


def test_gap9_is_registered_lazily_from_its_package() -> None:
    from dory.backends.gap9.hw import GAP9
    from dory.passes import get_pipeline_registry

    assert "gap9" in target_names()
    assert get_target("gap9") is GAP9
    assert (GAP9.cores, GAP9.l1_budget, GAP9.l2_budget) == (8, 128 * 1024 - 10 * 1024, 1536000 - 64 * 1024)
    assert get_pipeline_registry()["gap9-default"].text.count("{target=gap9}") == 3
    # the cost model is GAP8's until GAP9 is measured (backends/gap9/hw.py says so)
    assert (GAP9.conv_efficiency, GAP9.depthwise_efficiency) == (GAP8.conv_efficiency, GAP8.depthwise_efficiency)


def test_pulp_is_registered_with_gvsoc_pulp_open_sizes() -> None:
    """The GVSOC pulp-open target: L1/L2 from GVSOC's pulp_open configs (backends/pulp/hw.py cites
    them), the runtime port's stack reservation, the GVSOC-calibrated kernel model (GAP8's DMA
    model); GAP8 and GAP9 keep the efficiency model."""
    from dory.backends.gap9.hw import GAP9
    from dory.backends.pulp.hw import PULP
    from dory.passes import get_pipeline_registry

    assert get_target("pulp") is PULP
    assert (PULP.cores, PULP.l1_bytes, PULP.l2_bytes, PULP.clock_hz) == (8, 0x10000, 0x8000 + 0x180000, 50_000_000)
    # the stacks as runtime/port/pulp/link.ld sizes them (core 0 2816 B, cores 1-7 1104 B) and the port's words
    assert PULP.l1_budget == 64 * 1024 - (2816 + 7 * 1104 + 256)
    from dory.backends.pulp.link_ld import stack_sizes

    sizes = stack_sizes()
    assert PULP.l1_stack_bytes == sizes["__cl_stack0_size"] + 7 * sizes["__cl_stack_size"] + 256
    assert get_pipeline_registry()["pulp-default"].text.count("{target=pulp}") == 3
    from dory.backends.pulp import transfers as T

    # the transfer costs are pulp's measured ones (backends/pulp/transfers.py), GAP8's untouched
    assert (PULP.dma_bytes_per_cycle, PULP.dma_setup_cycles, PULP.dma_command_cycles) == (
        T.DMA_BYTES_PER_CYCLE, T.DMA_SETUP_CYCLES, T.DMA_COMMAND_CYCLES)
    assert (PULP.l3_bytes_per_cycle, PULP.l3_setup_cycles) == (T.L3_READ_BYTES_PER_CYCLE, T.L3_READ_SETUP_CYCLES)
    assert (GAP8.dma_bytes_per_cycle, GAP8.dma_setup_cycles, GAP8.dma_command_cycles) == (8, 10, None)
    assert not GAP8.l3_overlapped and PULP.l3_overlapped
    assert PULP.kernel_model is not None and "GVSOC" in PULP.kernel_model.source
    assert GAP8.kernel_model is None and GAP9.kernel_model is None


def test_target_option_round_trips() -> None:
    (tile,) = parse_pipeline("tile{target=gap9}")
    assert str(tile) == "tile{target=gap9}"
    assert print_pipeline(parse_pipeline(print_pipeline([tile])), anchored=False) == "tile{target=gap9}"


def test_passes_name_no_target() -> None:
    """The boundary: no planning code names a target (every number comes from a `Target`)."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "passes"
    hits = [f"{p.relative_to(root.parent)}:{i}" for p in sorted(root.rglob("*.py"))
            for i, line in enumerate(p.read_text().splitlines(), 1) if re.search(r"gap[0-9]", line, re.I)]
    assert hits == []


def test_pulp_l3_overlapped_matches_the_runtime() -> None:
    """pulp's ``l3_overlapped`` is runtime/src/layer.c's DORY_L3_OVERLAPPED (the C's one statement
    of whether its L3 staging overlaps the cluster), and layer.c's double-buffered staging is
    conditional on that macro (so the macro is the fact, not a comment)."""
    import re
    from pathlib import Path

    from dory.backends.pulp.hw import PULP

    src = (Path(__file__).resolve().parents[1] / "runtime" / "src" / "layer.c").read_text()
    defs = re.findall(r"^#define DORY_L3_OVERLAPPED ([01])\b", src, re.M)
    assert len(defs) == 1, f"expected one #define DORY_L3_OVERLAPPED 0|1 in layer.c, found {defs}"
    assert PULP.l3_overlapped == (defs[0] == "1")
    assert re.search(r"if \(DORY_L3_OVERLAPPED && [^{]*\{\s*dbl = 1;", src), "layer.c's overlapped staging ignores DORY_L3_OVERLAPPED"
    # the weights stream's chunk: the cost model's per-chunk setup (passes.tiling.cost.l3_cycles)
    chunks = re.findall(r"^#define W_STREAM_CHUNK (\d+)u?\b", src, re.M)
    assert chunks == [str(PULP.l3_stream_chunk_bytes)], f"expected W_STREAM_CHUNK {PULP.l3_stream_chunk_bytes}, found {chunks}"
    assert re.search(r"n = smin\(wr->bytes - done, W_STREAM_CHUNK\);", src), "layer.c's weight stream ignores W_STREAM_CHUNK"


def test_planning_pipeline_options_parse() -> None:
    """planning_pipeline's budgets land on the passes that take them, in text the pass manager parses."""
    from dory.backends.target import planning_pipeline

    text = planning_pipeline("pulp", l2=120000, l1=24576)
    assert text == ("canonicalize,fold-requant,fuse,requant-window,assign-memory{target=pulp l2=120000},"
                    "tile{target=pulp l1-bytes=24576},allocate-buffers{target=pulp l2=120000}")
    parse_pipeline(text)
    assert planning_pipeline() == "canonicalize,fold-requant,fuse,requant-window,assign-memory,tile,allocate-buffers"
    single = planning_pipeline("pulp", buffering="single")
    assert "tile{target=pulp buffering=single}" in single
    tile = next(p for p in parse_pipeline(single) if p.name == "tile")
    assert tile.buffering == "single"  # type: ignore[attr-defined]
