"""The GAP9 hardware description: memory sizes, budgets, cores, DMA, clock and the kernels' cost
model, as a `backends.target.Target` registered as ``gap9``.

GAP9 (GreenWaves Technologies) keeps GAP8's organisation: a fabric controller plus a compute
cluster, now of 9 RISC-V cores (8 workers and 1 orchestrator, the cluster controller) sharing a
128 KB L1 TCDM, 1.5 MB of L2, and off-chip octo-SPI memories (RAM as our L3, flash for the weights
at boot). Our runtime forks its kernels on the 8 workers and runs the tile loop on core 0, as on
GAP8, so the target below counts 8 kernel cores.

Sources (every constant cites one; the ones that are estimates say so):

- [DORY] pulp-platform/dory, ``dory/Hardware_targets/PULP/GAP9/HW_description.json`` (commit
  be3d6dd): L1 120000 B, L2 1536000 B, L3 8000000 B, L2 bandwidth 8 B/cycle and latency 10
  cycles, peak 32 MAC/cycle at 8 bits, core frequency 370 MHz, cluster stacks 3500 + 7 x 3400 B.
- [Deeploy] pulp-platform/Deeploy, ``Deeploy/Targets/GAP9/Platform.py`` (``GAP9Platform(...,
  n_cores = 8)``) and ``DeeployTest/deeployRunner_tiled_gap9.py`` (``--cores`` default 8): kernels
  run on 8 cluster cores.
- [EEJ] "GAP9 for ML at the Edge", EE Journal (eejournal.com/article/gap9-for-ml-at-the-edge/):
  "the same eight RISC-V processor cores, plus a ninth one as overseer"; "internal memory size has
  tripled" over GAP8's (512 KB of L2 -> 1.5 MB).
- [SDK] GreenWaves-Technologies/gap_sdk, ``rtos/pmsis/pmsis_bsp/include/bsp/boards/gap9_evk/bsp.h``:
  the GAP9 EVK's default flash is the Macronix MX25U51245G (512 Mbit octo-SPI NOR, 64 MiB) and its
  default RAM an APS25xxxN octo-SPI PSRAM (``pi_default_ram_conf``).

| quantity | value | source |
|---|---|---|
| kernel cores | 8 (+1 orchestrator) | [Deeploy] n_cores = 8; [EEJ] 8 + 1; [DORY] 32 peak MAC/cycle = 8 x 4 |
| SIMD MACs per core per cycle | 4 | Xpulp ``sdotp4`` (as GAP8); [DORY] peak 32 MAC/cycle over 8 cores |
| L1 TCDM | 128 KiB = 131072 B | GreenWaves' GAP9 product brief (128 KB shared L1; not in the corpus searched here, so cross-checked): 131072 B less our 10 KiB of stacks leaves 120832 B, DORY's budget is 120000 B [DORY] |
| L1 stacks | 8 x 1 KiB + 2 KiB for the master | our runtime's reservation, as on GAP8 (DORY: 3500 + 7 x 3400 [DORY]) |
| L2 | 1536000 B | [DORY] (1.5 MB, the same rounding as its GAP8 512000); [EEJ] |
| L2 code/data reserve | 64 KiB for the first plan | estimate, as on GAP8; dory-compile measures the app's objects (as on GAP8: `backends.gap8.hw`) plus the SDK allowance and re-plans when the arena does not fit beside them |
| L2 SDK allowance | 58 KiB | GAP8's (`backends.gap8.hw.L2_SDK_ALLOWANCE`: the same PMSIS API, OS and drivers of the same SDK): an estimate, not measured on GAP9 |
| L3 RAM | 8 MiB | [DORY] 8000000 B (the EVK's octo-SPI PSRAM [SDK] is at least this; 8 MiB keeps GAP8's plans valid) |
| L3 flash | 64 MiB | [SDK] MX25U51245G, 512 Mbit |
| DMA L2<->L1 | 8 B/cycle, 10 cycles setup per transfer | [DORY] L2 bandwidth 8, latency 10 |
| L3<->L2 | ~1 B/cycle, ~300 cycles setup | estimate, GAP8's: octo-SPI DDR (8 bits per edge) behind the uDMA, not measured |
| clock | 370 MHz | [DORY] core frequency 370000000 |

Compute cost model: an estimate. GAP9's cluster cores run the same Xpulp integer ISA (``sdotp4``,
hardware loops, post-increment loads) and our kernels are the same C, so the sustained
efficiencies, the per-tile overhead and the partial-sum cost are GAP8's calibrated figures
(`backends.gap8.hw`), to be replaced by GVSOC/board measurements of GAP9.
"""

from __future__ import annotations

from dory.backends.gap8.hw import GAP8
from dory.backends.target import Target

_KB = 1024
_MB = 1024 * 1024

GAP9 = Target(
    name="gap9",
    cores=8,  # kernel cores: 8 workers (+1 orchestrator) [Deeploy] n_cores = 8, [EEJ]
    simd_macs=4,  # Xpulp sdotp4; [DORY] peak 32 MAC/cycle = 8 cores x 4
    l1_bytes=128 * _KB,  # 128 KB shared L1 TCDM (DORY budgets 120000 of it)
    core_stack_bytes=1 * _KB,  # our runtime's reservation per kernel core, as on GAP8
    master_stack_extra_bytes=2 * _KB,  # core 0 also runs the tile loop and DMA bookkeeping
    l2_bytes=1536000,  # [DORY] GAP9 HW_description: 1.5 MB
    l2_reserved_bytes=64 * _KB,  # the first plan's estimate (GAP8's); dory-compile --target gap9 measures the app's objects and re-plans (backends/l2_reserve.py)
    l2_sdk_allowance_bytes=GAP8.l2_sdk_allowance_bytes,  # the SDK's OS, drivers, libc and heap: GAP8's estimate (same SDK)
    l3_bytes=8 * _MB,  # [DORY] 8000000; the EVK's octo-SPI PSRAM [SDK]
    l3_flash_bytes=64 * _MB,  # [SDK] MX25U51245G, 512 Mbit octo-SPI flash
    dma_bytes_per_cycle=8,  # [DORY] L2 bandwidth 8 B/cycle
    dma_setup_cycles=10,  # [DORY] L2 latency 10 cycles
    l3_bytes_per_cycle=1.0,  # estimate (GAP8's): octo-SPI DDR behind the uDMA, not measured
    l3_setup_cycles=300,  # estimate (GAP8's): uDMA programming + RAM latency, not measured
    clock_hz=370_000_000,  # [DORY] core frequency 370 MHz
    # The kernels' cost model: estimates, GAP8's calibrated figures (same ISA, same kernel C).
    conv_efficiency=GAP8.conv_efficiency,
    depthwise_efficiency=GAP8.depthwise_efficiency,
    linear_efficiency=GAP8.linear_efficiency,
    eltwise_ops_per_cycle=GAP8.eltwise_ops_per_cycle,
    tile_overhead_cycles=GAP8.tile_overhead_cycles,
    column_step=GAP8.column_step,  # the same runtime kernels (4x2 dot-product blocks)
)
"""GAP9 at 370 MHz with the budgets above."""

__all__ = ["GAP9"]
