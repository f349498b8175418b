"""The target boundary: what a planning pass may know about the hardware, and a registry by name.

A `Target` describes one chip the way the planning passes (``assign-memory``, ``tile``,
``allocate-buffers``) see it: cluster cores and SIMD lanes, the L1/L2/L3 sizes and what is kept
back from them, the DMA and L3 transfer costs, the clock, the kernels' cost model and their L1
scratch sizes. The passes take a ``target`` option (a name) and hold no hardware numbers; every
number lives in ``backends/<name>/``, next to the source it was taken from.

Targets are registered lazily: ``get_target("gap9")`` imports the package ``backends.gap9``,
whose ``__init__`` calls `register_target` (and registers the target's default pipeline). A
target's package is any subpackage of ``backends`` (`target_names` lists them without importing
anything), so adding a target is adding a folder: no pass and no registry list changes.
"""

from __future__ import annotations

import importlib
import math
import pkgutil
from dataclasses import dataclass, field

DEFAULT_TARGET = "gap8"
"""The target a planning pass plans for when its ``target`` option is not given."""



CONV_PX4_MAX_K = 32
"""The largest ``kh * kw * c_in`` (KxK, 8-bit input, one group) the runtime's conv kernel runs in
blocks of 4 pixels (runtime/kernels/conv2d.c ``conv_px4``, DORY_PX4_XS: 32-byte pixel buffers):
first layers such as 5x5 ``c_in`` 1 (25) and 3x3 ``c_in`` 3 (27)."""

CONV_PX4_BATCH = 4
"""How many blocks of 4 pixels ``conv_px4`` copies into its scratch at a time (DORY_PX4_BATCH)."""

PW_TINY_MAX_CI = 3
"""The most input channels of a 1x1 conv the runtime's conv kernel runs in its per-channel loop over
the pixels (runtime/kernels/conv2d.c ``conv_1x1_tiny``, DORY_PW_TINY_MAX_CI)."""

PW4_MIN_CI = 8
"""A 1x1 conv takes the runtime's blocks of 4 output channels x 4 pixels (runtime/kernels/conv2d.c
``conv_pw4``, Xpulpv2 only) above this many input channels (DORY_PW4_MIN_CI: from 3 trips of its
k loop on, with its block end in the asm, faster than the 4 x 2 blocks on GVSOC)."""

CONV_1D_TINY_MAX_CI = 2
"""The most input channels of a 1-D conv (one row, stride and dilation 1, whole input channels) the
runtime's conv kernel runs in its per-channel loop over the pixels with the weights in registers
(runtime/kernels/conv2d.c ``conv_1d_tiny``, DORY_C1D_MAX_CI)."""

CONV_1D_TINY_MAX_CO = 16
"""The most output channels of a tile ``conv_1d_tiny`` takes (DORY_C1D_MAX_CO)."""

CONV_1D_TINY_MAX_K = 24
"""The longest dot product ``kw * c_in`` of ``conv_1d_tiny`` (4 x DORY_C1D_MAX_NW: its weight words
in registers); the shortest is 4."""

CONV_TAPW_MAX_CO = 12
"""The most output channels whose weights the conv kernel's aligned taps copy into a core's scratch
(runtime/kernels/conv2d.c DORY_TAPW_MAX_CO; `conv_tap_ct`)."""

TAP4_MIN_KW = 7
"""The shortest 1-D kernel (``kw``) whose 12-byte aligned taps the conv kernel runs in blocks of 4
output channels x 4 pixels of a phase (runtime/kernels/conv2d.c ``conv_tap4``, Xpulpv2 only,
DORY_TAP4_MIN_KW: its im2col chain then holds a quad and 4 spare taps)."""


def conv_tap_ct(kh: int, c_in: int) -> int:
    """The runtime's conv kernel's aligned taps (runtime/kernels/conv2d.c ``dory_conv_tap_ct_``):
    for a 1-D kernel (``kh == 1``) of 9..15 input channels not a multiple of 4 each tap of the
    im2col and of a per-core copy of the weights takes ``ceil4(c_in)`` bytes (every word of the
    dot products aligned); the tap stride, else 0."""
    return (c_in + 3) // 4 * 4 if kh == 1 and 8 < c_in < 16 and c_in % 4 else 0

@dataclass(frozen=True)
class KernelModel:
    """A calibrated cycle model of the runtime's kernels: per model kind (`passes.tiling.cost.
    model_kind`: ``conv``, ``pointwise``, ``conv16``, ``conv_generic``,
    ``depthwise``, ``linear``, ``pool``, ``add``), non-negative cycles per unit of each of the kind's features
    (`passes.tiling.cost.kernel_features`: ``layer`` = once per layer, ``tile`` = once per L1
    tile, and work units on the busiest core such as ``mac``, ``unit``, ``out``). Fitted on
    measurements (bench/gvsoc/calibrate.py writes the table into the backend); ``source`` says
    which measurement."""

    coefficients: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]
    source: str = ""

    def of(self, kind: str) -> dict[str, float]:
        """The coefficients of one model kind (empty for a kind the table lacks)."""
        for k, cs in self.coefficients:
            if k == kind:
                return dict(cs)
        return {}


@dataclass(frozen=True)
class Target:
    """One chip (or one configuration of it). All sizes are bytes, all times cluster cycles.

    Frozen, so a pass can hold one; a variant is ``dataclasses.replace(target,
    l2_reserved_bytes=96 * 1024)``. The ``*_budget`` properties are what planning passes may use;
    every field's value and source is documented where the target is defined
    (``backends/<name>/hw.py``)."""

    name: str
    """The registry name (the planning passes' ``target`` option)."""

    cores: int
    """Cluster cores that run the kernels (fork/join over all of them)."""

    simd_macs: int
    """8-bit MACs one core issues per cycle (SIMD lanes of its dot-product instruction)."""

    l1_bytes: int
    """L1 (cluster TCDM) usable for data, before the stacks."""

    core_stack_bytes: int
    """Stack of each kernel core while a kernel runs (the kernels keep their scratch in L1
    buffers the tiler sizes, not on the stack)."""

    master_stack_extra_bytes: int
    """Extra stack of the core that also runs the tile loop and the DMA bookkeeping."""

    l2_bytes: int
    """L2 (on-chip SoC memory)."""

    l2_reserved_bytes: int
    """L2 kept back for code, the runtime's data and the network tables."""

    l3_bytes: int
    """Off-chip read-write memory (L3) for activations and weights that do not fit L2."""

    l3_flash_bytes: int
    """Off-chip flash holding the weights blob at boot."""

    dma_bytes_per_cycle: float
    """Cluster DMA L2<->L1 bandwidth."""

    dma_setup_cycles: int
    """Cluster DMA cost of programming one transfer."""

    l3_bytes_per_cycle: float
    """L3<->L2 bandwidth."""

    l3_setup_cycles: int
    """Cost of starting one L3<->L2 transfer."""

    clock_hz: int
    """Cluster clock."""

    conv_efficiency: float
    """Sustained fraction of the SIMD peak of the conv kernel."""

    depthwise_efficiency: float
    """Sustained fraction of the SIMD peak of the depthwise kernel."""

    linear_efficiency: float
    """Sustained fraction of the SIMD peak of the linear kernel."""

    eltwise_ops_per_cycle: float
    """Pool/add window operations one core completes per cycle."""

    tile_overhead_cycles: int
    """Fixed cost of one L1 tile: kernel call with fork/join plus DMA programming."""

    column_step: int
    """Output columns the conv kernels compute together: the tiler's step for ``w_out``
    candidates (as ``cores`` is its step for rows and ``simd_macs`` for channels)."""

    kernel_model: KernelModel | None = field(default=None, compare=True)
    """The calibrated kernel cycle model, or None for the efficiency model above
    (``*_efficiency``, ``eltwise_ops_per_cycle``, ``tile_overhead_cycles``)."""

    dma_command_cycles: float | None = None
    """The runtime's DMA moves a tile in one call of multi-dimensional commands (the pulp port:
    one 2-D command per slab, strided lines free): the cost of each command after the first, on
    top of ``dma_setup_cycles`` per call. None: DORY's model, a ``dma_setup_cycles`` per
    strided row (`passes.tiling.cost.dma_terms`)."""

    l3_write_bytes_per_cycle: float | None = None
    """L2->L3 bandwidth when it differs from ``l3_bytes_per_cycle`` (None: the same)."""

    l3_write_setup_cycles: int | None = None
    """Cost of starting one L2->L3 transfer when it differs from ``l3_setup_cycles``."""

    l2_sdk_allowance_bytes: int | None = None
    """L2 that the chip's SDK takes beside the objects of the app dory writes (its OS, drivers,
    libc and run-time heap), added to those objects' compiled size where the app cannot be linked
    here (GAP8, GAP9: `backends.l2_reserve`); None for targets whose app links whole here or is
    not measured."""

    l3_overlapped: bool = False
    """The runtime overlaps a layer's L3 staging with the cluster's compute (runtime/src/layer.c:
    the weights one stream under the tiles that use them, the next sub-problem's operands read
    and the previous row block written while the cluster runs, double-buffered in the tiler's
    staging budget). False: every L3 transfer runs between forks
    (`passes.tiling.cost.l3_cycles`)."""

    l3_stream_chunk_bytes: int = 0
    """With ``l3_overlapped``: the runtime streams a sub-problem's L3 weights in reads of this
    many bytes, each a transfer setup (0: one read per block)."""

    l3_fork_cycles: int = 0
    """With ``l3_overlapped``: the controller's cycles between the cluster finishing one L3
    sub-problem and the fork of the next (the join, the next sub-problem's tile-loop set-up, the
    fork), during which it reads no L3 data (`passes.tiling.cost.l3_cycles`)."""

    # -- budgets ----------------------------------------------------------------------------------
    @property
    def peak_macs_per_cycle(self) -> int:
        """Cluster peak: every core issuing a SIMD dot product each cycle."""
        return self.cores * self.simd_macs

    @property
    def l1_stack_bytes(self) -> int:
        """L1 taken by the cluster stacks: one per core, plus the master's extra."""
        return self.cores * self.core_stack_bytes + self.master_stack_extra_bytes

    @property
    def l1_budget(self) -> int:
        """L1 bytes available to tiles (buffers, im2col scratch): TCDM minus the stacks."""
        return self.l1_bytes - self.l1_stack_bytes

    @property
    def l2_budget(self) -> int:
        """L2 bytes available to activations, resident weights and L3 staging buffers."""
        return self.l2_bytes - self.l2_reserved_bytes

    @property
    def l3_budget(self) -> int:
        """L3 bytes available to activations and non-resident weights."""
        return self.l3_bytes

    # -- transfer costs -------------------------------------------------------------------------
    def l2_l1_cycles(self, nbytes: int, transfers: int = 1) -> int:
        """Cycles to move ``nbytes`` between L2 and L1 in ``transfers`` DMA transfers."""
        return transfers * self.dma_setup_cycles + math.ceil(nbytes / self.dma_bytes_per_cycle)

    def l3_l2_cycles(self, nbytes: int, transfers: int = 1) -> int:
        """Cycles to move ``nbytes`` between L3 and L2 in ``transfers`` transfers."""
        return transfers * self.l3_setup_cycles + math.ceil(nbytes / self.l3_bytes_per_cycle)

    def l2_l3_cycles(self, nbytes: int, transfers: int = 1) -> int:
        """Cycles to write ``nbytes`` from L2 to L3 in ``transfers`` transfers."""
        setup = self.l3_setup_cycles if self.l3_write_setup_cycles is None else self.l3_write_setup_cycles
        bw = self.l3_bytes_per_cycle if self.l3_write_bytes_per_cycle is None else self.l3_write_bytes_per_cycle
        return transfers * setup + math.ceil(nbytes / bw)

    # -- kernel scratch (the runtime's kernels; runtime/kernels must agree byte for byte) --------
    def conv_scratch_bytes(self, kh: int, kw: int, c_in: int) -> int:
        """L1 scratch of the conv kernel on a tile with ``c_in`` input channels: pulp-nn's
        im2col, two ``kh x kw x c_in`` columns per core, each rounded up to 4 bytes (the kernel
        zero-pads them for its 4-way dot products); for ``kh x kw x c_in <= 32`` (first layers)
        what its blocks of 4 pixels take if more: per core ``CONV_PX4_BATCH`` x four 32-byte pixel buffers and a 68-byte
        copy of the last two weight rows (a ragged last ``c_in`` tile fits the two columns, and
        takes the blocks of 4 pixels only when the scratch holds them); none for a 1x1 conv (no
        im2col); for the aligned taps of a 1-D kernel (`conv_tap_ct`) a copy of the weights of
        ``CONV_TAPW_MAX_CO`` output channels and per core two columns of ``kw`` taps if more."""
        if kh * kw <= 1 or c_in <= 0:
            return 0
        k = kh * kw * c_in
        two = 2 * (-(-k // 4) * 4)
        if k <= CONV_PX4_MAX_K:
            # CONV_PX4_BATCH x 4 pixel buffers, 2 weight rows + 4 zeros
            two = max(two, 4 * CONV_PX4_BATCH * CONV_PX4_MAX_K + 2 * CONV_PX4_MAX_K + 4)
        ct = conv_tap_ct(kh, c_in)
        if ct:  # the weights' copy (one for all the cores) and each core's two columns
            return max(self.cores * two, (CONV_TAPW_MAX_CO + 2 * self.cores) * kw * ct)
        return self.cores * two

    def depthwise_scratch_bytes(self, kh: int, kw: int, in_rows: int, in_cols: int, pads: tuple[int, int, int, int]) -> int:
        """L1 scratch of the depthwise kernel on a tile reading ``in_rows`` x ``in_cols`` input
        pixels with ``pads`` (top, left, bottom, right): per core, for 3x3 one channel of the
        padded tile (``(in_rows + pt + pb) * (in_cols + pl + pr) + 4``: the kernel transposes a
        channel at a time, plus a word load's slack), else a column buffer of the padded rows
        (``kh * (in_rows + pt + pb) + kh``; the kernel buffers columns of rows, not channels) plus
        one ``kh x kw`` weight slice."""
        pt, pl, pb, pr = pads
        if (kh, kw) == (3, 3):
            return self.cores * ((in_rows + pt + pb) * (in_cols + pl + pr) + 4)
        return self.cores * (kh * (in_rows + pt + pb) + kh) + self.cores * kh * kw

    def pool_scratch_bytes(self) -> int:
        """L1 scratch of the pool kernel: none (it reads its window in place)."""
        return 0

    def add_scratch_bytes(self) -> int:
        """L1 scratch of the add kernel: none (element-wise)."""
        return 0

    def linear_scratch_bytes(self) -> int:
        """L1 scratch of the linear kernel: none (dot products straight from the tiles)."""
        return 0


_TARGETS: dict[str, Target] = {}


def register_target(target: Target) -> None:
    """Add ``target`` under ``target.name`` (a name may be registered once)."""
    if target.name in _TARGETS and _TARGETS[target.name] != target:
        raise ValueError(f"target '{target.name}' is already registered")
    _TARGETS[target.name] = target


def planning_pipeline(target: str = DEFAULT_TARGET, l2: int | str | None = None, l1: int | None = None,
                      caps: tuple[str, ...] = (), buffering: str | None = None, plan: str | None = None,
                      plan_columns: str | None = None, staging: str | None = None) -> str:
    """The planning pipeline every target shares, as text: clean up, fold requant chains, fuse,
    attach the 8-bit layers' requant windows (the kernels' 32-bit end), then assign memory levels,
    tile and allocate buffers for ``target``. ``l2``: the L2 budget of assign-memory and
    allocate-buffers (an int, or a shell/make variable such as ``$$n`` for generated Makefiles);
    ``l1``: the tile pass's L1 budget; ``caps``: the tile pass's per-layer tile caps; ``buffering``:
    the tile pass's buffering (auto, double, single; default its own); ``plan`` and ``plan_columns``:
    its tile plan file (docs/tile-plans.md); ``staging``: assign-memory's (rule, search; default its
    own). The default target's options name no target, so its
    pipeline reads as before targets existed. ``<target>-default`` is this with no budgets."""
    from dory.passes.base import format_option_value

    tgt = [] if target == DEFAULT_TARGET else [f"target={target}"]

    def opts(*extra: str) -> str:
        words = tgt + [e for e in extra if e]
        return "{" + " ".join(words) + "}" if words else ""

    mem = f"l2={l2}" if l2 is not None else ""
    stg = f"staging={staging}" if staging else ""
    tile = f"l1-bytes={l1}" if l1 is not None else ""
    cap = "caps=" + ",".join(caps) if caps else ""
    buf = f"buffering={buffering}" if buffering else ""
    pl = f"plan={format_option_value(plan)}" if plan is not None else ""
    plc = f"plan-columns={format_option_value(plan_columns)}" if plan_columns is not None else ""
    return (f"canonicalize,fold-requant,fuse,requant-window,assign-memory{opts(mem, stg)},tile{opts(tile, cap, buf, pl, plc)},"
            f"allocate-buffers{opts(mem)}")


def register_default_pipeline(target: Target, summary: str) -> None:
    """Register ``<target>-default``: planning_pipeline for ``target`` with its own budgets."""
    from dory.passes import register_pipeline

    register_pipeline(f"{target.name}-default", planning_pipeline(target.name), summary)


def target_names() -> list[str]:
    """Every known target name: the registered ones and the packages under ``backends/`` (which
    register theirs when imported), sorted. Imports nothing."""
    from dory import backends

    found = {m.name for m in pkgutil.iter_modules(backends.__path__) if m.ispkg}
    return sorted(found | set(_TARGETS))


def get_target(name: str) -> Target:
    """The target registered as ``name``, importing ``backends.<name>`` on first use; raises
    `UnknownTarget` (a ValueError) naming the known targets for any other name."""
    if name not in _TARGETS and name in target_names():
        importlib.import_module(f"dory.backends.{name}")
    if name not in _TARGETS:
        raise UnknownTarget(name)
    return _TARGETS[name]


def default_target() -> Target:
    """The target named `DEFAULT_TARGET` (what the tiling and memory-planning helpers use when
    their caller names none)."""
    return get_target(DEFAULT_TARGET)


def load_backends() -> None:
    """Import every target package, so each registers its target and default pipeline (called
    by the pass registry when it is first queried)."""
    for name in target_names():
        importlib.import_module(f"dory.backends.{name}")


class UnknownTarget(ValueError):
    """A target name no backend registers."""

    def __init__(self, name: str):
        super().__init__(f"unknown target '{name}' (known targets: {', '.join(target_names()) or 'none'})")
        self.name = name


__all__ = ["Target", "KernelModel", "DEFAULT_TARGET", "register_target", "register_default_pipeline", "get_target", "default_target", "target_names", "load_backends", "UnknownTarget"]
