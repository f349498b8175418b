"""The GAP8 hardware description: memory sizes, budgets, cores, DMA and clock, in one place.

Passes read their defaults from here (``assign-memory`` takes its L1/L2/L3 budgets from `GAP8`),
so a number changes in exactly one spot. Every constant says where it comes from; the ones that
are estimates say so. The tiling pass adds its compute cost model to `Gap8Target` as further
fields and methods, next to the transfer costs below.

GAP8 (GreenWaves Technologies) is a fabric controller plus a cluster of 8 RISC-V cores
(RV32IMC + Xpulp) sharing a 64 KB L1 TCDM, with 512 KB of L2 and off-chip HyperBus memories:
8 MB HyperRAM (read-write, our L3) and 64 MB HyperFlash (read-only here, holding the weights
at boot).

| quantity | value | source |
|---|---|---|
| cluster cores | 8 | GAP8 datasheet; DORY's ``CORES = 8`` |
| L1 TCDM budget | 64000 B | DORY ``Hardware_targets/PULP/GAP8/HW_description.json`` (64 KB part, rounded down) |
| L1 stacks | 8 x 1 KB per core + 2 KB more for the master core | our runtime's reservation (DORY: 3500 + 7 x 3400) |
| L2 | 512000 B | DORY HW_description (512 KB part, rounded down) |
| L2 code/data reserve | 64 KB | estimate of our runtime + network tables (DORY hand-sets 92000..150000 per network) |
| L3 HyperRAM | 8 MiB | 64 Mbit HyperRAM of the GAPuino/GAP8 boards (DORY uses 8000000) |
| L3 HyperFlash | 64 MiB | 512 Mbit HyperFlash of the same boards |
| DMA L2<->L1 | 8 B/cycle, 10 cycles setup per transfer | DORY's cluster-DMA model |
| L3<->L2 | ~1 B/cycle, ~300 cycles setup per transfer | estimate (HyperBus DDR at the cluster clock, plus uDMA programming through the fabric controller) |
| clock | 175 MHz | GAP8 maximum cluster/fabric frequency |

Compute cost model (used by the ``tile`` pass; all estimates, to be calibrated on the board):

| quantity | value | source |
|---|---|---|
| SIMD MACs per core per cycle | 4 | ``sdotp4`` 4 x 8-bit dot product of Xpulp (pulp-nn's inner loop) |
| conv sustained fraction of peak | 0.5 | PULP-NN paper: ~15.5 MAC/cycle of the 32 peak on 8 cores for 8-bit convs |
| depthwise sustained fraction | 0.25 | estimate: pulp-nn depthwise runs at a fraction of the conv rate (CHW reshuffle, no 4x2 reuse) |
| linear sustained fraction | 0.25 | estimate: one MAC per weight byte, load bound (no reuse) |
| pool / add | 1 output element x window per core per cycle | estimate (DORY's issue text; a load, an op, a store) |
| per-tile overhead | 200 cycles | estimate: kernel call (fork/join over 8 cores) + programming the tile's DMA transfers |
| partial-sum pass | 1 cycle per si32 element per core | estimate: re-reading and adding the accumulator when input channels are tiled |

The efficiency of a tile is scaled by how evenly it splits: rows over the cores for a conv (pulp-nn's
``conv_Ho_parallel``), channels over the cores for depthwise/linear, and output channels over the 4-way
SIMD (``Cout % 4`` leftovers take the scalar path).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

_KB = 1024
_MB = 1024 * 1024


@dataclass(frozen=True)
class Gap8Target:
    """One GAP8 configuration. All sizes are bytes, all times cluster cycles.

    Frozen, so a pass can hold one as a default; a variant is ``dataclasses.replace(GAP8,
    l2_reserved_bytes=96 * 1024)``. The ``*_budget`` properties are what planning passes may use.
    """

    cores: int = 8
    """Cluster cores that run the kernels (fork/join over all of them)."""

    l1_bytes: int = 64000
    """L1 TCDM usable for data, before stacks (DORY's GAP8 HW_description: 64000)."""

    core_stack_bytes: int = 1 * _KB
    """Stack of each cluster core while a kernel runs (our kernels keep their scratch in L1
    buffers the tiler sizes, not on the stack)."""

    master_stack_extra_bytes: int = 2 * _KB
    """Extra stack of the master core (core 0), which also runs the tile loop and the DMA
    bookkeeping."""

    l2_bytes: int = 512000
    """L2 (DORY's GAP8 HW_description: 512000)."""

    l2_reserved_bytes: int = 64 * _KB
    """L2 kept back for code, the runtime's data and the network tables: an estimate, to be
    replaced by the real size once the backend links an application."""

    l3_bytes: int = 8 * _MB
    """L3 HyperRAM: activations and weights that do not fit L2 live here."""

    l3_flash_bytes: int = 64 * _MB
    """HyperFlash: the weights blob (copied to HyperRAM or L2 at boot)."""

    dma_bytes_per_cycle: int = 8
    """Cluster DMA L2<->L1 bandwidth (DORY's model: 64 bits per cycle)."""

    dma_setup_cycles: int = 10
    """Cluster DMA cost of programming one transfer (DORY's model)."""

    l3_bytes_per_cycle: float = 1.0
    """L3<->L2 bandwidth over HyperBus: an estimate (8-bit DDR bus, cluster clock)."""

    l3_setup_cycles: int = 300
    """Cost of starting one L3<->L2 transfer (uDMA programmed via the fabric controller, plus
    HyperRAM latency): an estimate."""

    clock_hz: int = 175_000_000
    """Cluster and fabric clock."""

    simd_macs: int = 4
    """8-bit MACs one core issues per cycle (Xpulp ``sdotp4``)."""

    conv_efficiency: float = 0.5
    """Sustained fraction of the SIMD peak of a conv kernel (PULP-NN: ~15.5 of 32 MAC/cycle)."""

    depthwise_efficiency: float = 0.25
    """Sustained fraction of the SIMD peak of the depthwise kernel: an estimate."""

    linear_efficiency: float = 0.25
    """Sustained fraction of the SIMD peak of the linear kernel (load bound): an estimate."""

    eltwise_ops_per_cycle: int = 1
    """Pool/add window operations one core completes per cycle: an estimate."""

    tile_overhead_cycles: int = 200
    """Fixed cost of one L1 tile: kernel call with fork/join plus DMA programming (estimate)."""

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
        """L3 (HyperRAM) bytes available to activations and non-resident weights."""
        return self.l3_bytes

    def l2_l1_cycles(self, nbytes: int, transfers: int = 1) -> int:
        """Cycles to move ``nbytes`` between L2 and L1 in ``transfers`` DMA transfers."""
        return transfers * self.dma_setup_cycles + math.ceil(nbytes / self.dma_bytes_per_cycle)

    def l3_l2_cycles(self, nbytes: int, transfers: int = 1) -> int:
        """Cycles (an estimate) to move ``nbytes`` between L3 and L2 in ``transfers`` transfers."""
        return transfers * self.l3_setup_cycles + math.ceil(nbytes / self.l3_bytes_per_cycle)


GAP8 = Gap8Target()
"""The default target: a GAP8 at 175 MHz with the budgets above."""

__all__ = ["Gap8Target", "GAP8"]


@dataclass(frozen=True)
class MemoryBudgets:
    """The ``l1``/``l2``/``l3`` byte-budget options shared by the memory-planning passes
    (``assign-memory``, ``allocate-buffers``); defaults are the GAP8 budgets above."""

    l1: int = field(default=GAP8.l1_budget, metadata={"doc": "L1 bytes for one layer's tile buffers"})
    l2: int = field(default=GAP8.l2_budget, metadata={"doc": "L2 bytes for activations, resident weights and staging"})
    l3: int = field(default=GAP8.l3_budget, metadata={"doc": "L3 (HyperRAM) bytes"})

    def budget_error(self) -> str | None:
        """The message for the first non-positive budget, if any."""
        for key in ("l1", "l2", "l3"):
            v = getattr(self, key)
            if v <= 0:
                return f"option '{key}' expected a positive number of bytes, found {v}"
        return None
