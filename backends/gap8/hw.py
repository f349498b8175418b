"""The GAP8 hardware description: memory sizes, budgets, cores, DMA and clock, in one place.

`GAP8` is a `backends.target.Target` registered as ``gap8`` (the planning passes' default
``target``): the passes read every budget, transfer cost and the kernels' cost model from it, so
a number changes in exactly one spot. Every constant says where it comes from; the ones that are
estimates say so.

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
| L2 code/data reserve | 64 KB for the first plan | estimate; dory-compile then measures the app's (below) and re-plans when the arena does not fit beside it |
| L2 SDK allowance | 58 KiB (59392 B) | added to the measured objects; itemised below, partly estimated |
| L3 HyperRAM | 8 MiB | 64 Mbit HyperRAM of the GAPuino/GAP8 boards (DORY uses 8000000) |
| L3 HyperFlash | 64 MiB | 512 Mbit HyperFlash of the same boards |
| DMA L2<->L1 | 8 B/cycle, 10 cycles setup per transfer | DORY's cluster-DMA model |
| L3<->L2 | ~1 B/cycle, ~300 cycles setup per transfer | estimate (HyperBus DDR at the cluster clock, plus uDMA programming through the fabric controller) |
| clock | 175 MHz | GAP8 maximum cluster/fabric frequency |
| conv output columns per step | 2 | our runtime's 4x2 dot-product blocks take 2 output pixels |

Compute cost model (used by the ``tile`` pass), calibrated on exact RV32 instruction counts
(``make bench``: bench/report.py, bench/bench_kernels.py; build/bench/report.md has the full tables):

| quantity | value | source |
|---|---|---|
| SIMD MACs per core per cycle | 4 | ``sdotp4`` 4 x 8-bit dot product of Xpulp (the runtime's 4x2 dot-product blocks, as pulp-nn) |
| conv sustained fraction of peak | 0.5 | PULP-NN: 15.5 MAC/cycle of the 32 peak on 8 cores; RV32 measurement maps to 0.48 (3x3), 0.41 (1x1) |
| depthwise sustained fraction | 0.13 | measured: the depthwise kernel costs 3.7x the 3x3 conv's instructions per MAC (was 0.25, an estimate) |
| linear sustained fraction | 0.4 | measured maps to 0.45; bounded by the sdotp loop (2 outputs: 3 loads + 2 sdotp4 per 8 MACs) (was 0.25) |
| pool / add | 0.3 window taps (add: 2 operations per element) per core per cycle | measured: maxpool 4.26 RV32 instr/tap, add 11.48 per element, / 1.6 (was 1, an estimate) |
| per-tile overhead | 200 cycles | estimate, kept: kernel call (fork/join over 8 cores) + programming the tile's DMA transfers |
| partial-sum pass | 1 cycle per si32 element per core | estimate: re-reading and adding the accumulator when input channels are tiled |

Calibration (bench/report.py section c; QEMU rv32imc -O2, exact counts, one core, the kernel alone on
bench_kernels' shapes). RV32IMC instructions per MAC: conv 3x3 3.30, pointwise 3.86, depthwise 3x3
12.09, linear 3.56; maxpool 4.26 per window tap, add 11.48 per element (after their fast paths:
32.8 and 252 through the generic element path before). Inside the five benchmark
networks (per-core equivalent of the busiest worker hart on 8 harts) the ratios hold: conv 3x3 6.0,
pointwise 5.6, depthwise 22.4 instr/MAC (depthwise / conv = 3.7 both ways; the absolute in-network
figures are higher: small channel counts, tile borders, requantisation per tile).

Mapping to GAP8 (Xpulp): one factor F = RV32 instr/MAC / GAP8 cycles/MAC, anchored on the 3x3 conv.
PULP-NN (Garofalo et al., "PULP-NN: accelerating quantized neural networks on parallel ultra-low-power
RISC-V processors", Phil. Trans. R. Soc. A 378, 2020, arXiv:1908.11263) reports up to 15.5 MAC/cycle
for 8-bit convolutions on the 8-core cluster, i.e. 8 / 15.5 = 0.516 cycles per MAC per core, and 63x
over one RV32IMC core (4.06 cycles/MAC on RV32IMC, consistent with our 3.30 instructions plus
load-use and multiply stalls). F = 3.30 / 0.516 = 6.4: sdotp4 does 4 MACs per instruction (x4) and
hardware loops (no counter update and branch per iteration) plus post-increment loads (no pointer
increments) give the remaining x1.6. Depthwise (12.09 / 6.4 = 1.89 cycles/MAC: 0.13 of the SIMD
peak), pointwise (0.41, the conv constant stays 0.5, PULP-NN's figure) and linear (0.45, capped at the
0.4 of its sdotp loop, which reuses no weight) take F; the scalar kernels (pool, add: no dot product)
take only the x1.6: maxpool 4.26 / 1.6 = 2.7 cycles per tap per core (0.38 taps per cycle), add
11.48 / 1.6 = 7.2 cycles per element, i.e. 3.6 per operation (0.28 operations per cycle, two per
element); the shared constant is 0.3. Per-tile overhead: hart 0's extra work per tile on RV32 fits at ~19,400
instructions per tile plus ~7.4 per byte, but that includes the RV32 port's per-row memcpy calls that
emulate the 3-D DMA (GAP8 runs them as one hardware transfer), so it does not isolate the bookkeeping
and the 200-cycle estimate is kept. Effect: MobileNetV1-1.0-224 (``dory-compile`` summary) 117,575,254
modelled cycles (4.84 MAC/cycle) before the calibration, 120,534,677 (4.72 MAC/cycle) after:
its layers are mostly bound by the L3 and L2-L1 transfers, so the slower depthwise moves it by 2.5%.
(Those two figures are of that day's planner; today's comes from ``dory-netgen mobilenet_v1_1.0_224
-o m.onnx && dory-compile m.onnx -o app --target gap8``, the summary's total: 126,612,688 modelled
cycles, 4.49 MAC/cycle, on 2026-12-07.)

L2 reserve (``backends/l2_reserve.py``, dory-compile ``--target gap8``): the app cannot be linked here
(its main and port include the GAP SDK's PMSIS headers), so every object the app's ``Makefile.gap8``
builds (``APP_SRCS``: main_gap8.c, network.c, data.c, weights.c, the runtime and the PMSIS port) is
compiled with ``riscv64-unknown-elf-gcc`` and that Makefile's ``APP_CFLAGS`` (-O3 -fwrapv ...), the
port and main against ``runtime/port/pmsis/pmsis_api.h`` (the SDK's declarations, no SDK code), and
their ``.text* .rodata* .srodata* .data* .sdata* .bss* .sbss*`` summed (``size -A``). The GAP SDK's
FreeRTOS rules (gap_sdk ``rtos/freeRTOS/vendors/gwt/rules/freeRTOS_rules.mk``) compile with
``-march=rv32imcxgap8 -mPE=8 -mFC=1`` (GAP9: ``rv32imcxgap9``), ``-ffunction-sections
-fdata-sections`` and link with ``--gc-sections``; we pass the two section flags too but sum every
object without collecting unused sections, which over-counts by the runtime functions a network does
not call (about 1.5 KB, 0.5 %, on DroNet: a relocatable link with ``--gc-sections -e main`` here).
``-march``: Debian's GCC does not know ``rv32imcxgap8`` (RV32IMC + Xpulpv2); we compile for
``rv32imc -mabi=ilp32`` with ``-DDORY_XPULPV2``, the pulp
target's GVSOC build of the same cores (RI5CY, Xpulpv2): the kernels' Xpulpv2 instructions (sdotp,
hardware loops) are then emitted as ``.insn`` words, 4 bytes each as the SDK compiler's builtins
would be, and the rest is the same C at the same -O3. What the proxy misses is the SDK compiler's
own use of Xpulpv2 in plain C (post-increment loads, hardware loops, ``p.extract``): each replaces
one or two RV32IMC instructions (2-4 bytes compressed) by one 4-byte instruction, so the code size
moves by a few per cent either way, small beside the allowance below.

The allowance (``L2_SDK_ALLOWANCE``) is what only the SDK provides; the objects reference it as
undefined symbols (pi_cluster_*, pi_cl_dma_*, pi_ram_*, pi_fs_*, pi_perf_*, pi_l2_malloc, printf,
memcpy, the 64-bit division helpers ...):

| part | bytes | source |
|---|---|---|
| OS kernel (the SDK's FreeRTOS build: list, queue, tasks, timers, event groups, stream buffers, its RI5CY port) | 10 KiB | FreeRTOS FAQ "How much ROM/Flash does FreeRTOS use?" (freertos.org/FAQMem.html): "about 5 to 10 KBytes"; its upper end (``-Os``, as freeRTOS_rules.mk compiles it) |
| PMSIS drivers and BSP the app calls (cluster delegation and team, cluster DMA, L1/L2 allocators, fc events, FLL/PMU/pad set-up, timer, perf, uDMA + HyperBus for the flash and the RAM, UART for printf, ReadFS) | 32 KiB | estimate: no published size found (gap_sdk sources, issues and docs searched); the sources are those of gap_sdk ``rtos/freeRTOS/vendors/gwt/gap8/pmsis/src.mk`` the app reaches (unused drivers: gc'd). ~4x our bare-metal pulp port, which does the cluster boot, fork/join, barrier, DMA and counters in 8,726 B (port_pulp.c, -O2, measured here), as the SDK's drivers are asynchronous and generic |
| libc and libgcc the objects reference | 8 KiB | measured here: printf / fprintf / puts / fputc / fwrite / mem* with picolibc's integer printf and libgcc's 64-bit helpers link to 7,284 B (rv32imc -Os, crt0 included); the SDK links its own printf (gwt ``libs/printf``) |
| run-time L2 heap the SDK takes before the arena (main and idle tasks' stacks and control blocks, driver and ReadFS state) | 8 KiB | estimate: freeRTOS_rules.mk's main task stack ``MAIN_STACK_SIZE ?= 2048`` (+1024 with printf on the UART); FreeRTOS FAQ: 64 B per task plus its stack; gap_sdk ``rtos/freeRTOS/vendors/gwt/gap8/src/device/ld/GAP8.ld`` puts the FC stack (0x1000) and the IRQ stack (0x400) in the FC TCDM, not in L2 |

That link script's L2 is 0x80000 = 524288 B; plans use DORY's 512000 (``l2_bytes``), so 12,288 B of
L2 are headroom neither counted nor used.

The efficiency of a tile is scaled by how evenly it splits: rows over the cores for a conv (pulp-nn's
``conv_Ho_parallel``), channels over the cores for depthwise/linear, and output channels over the 4-way
SIMD (``Cout % 4`` leftovers take the scalar path).
"""

from __future__ import annotations

from dory.backends.target import Target

_KB = 1024
_MB = 1024 * 1024

L2_SDK_ALLOWANCE = (10 + 32 + 8 + 8) * _KB
"""L2 the GAP SDK takes beside the app's own objects: OS kernel 10 KiB (FreeRTOS FAQ, upper end) + PMSIS
drivers and BSP 32 KiB (an estimate) + libc/libgcc 8 KiB (measured with picolibc) + run-time heap
8 KiB (an estimate); the table in the module docstring cites each."""

GAP8 = Target(
    name="gap8",
    cores=8,  # cluster cores running the kernels (GAP8 datasheet; DORY's CORES = 8)
    simd_macs=4,  # Xpulp sdotp4: 4 x 8-bit MACs per instruction
    l1_bytes=64000,  # TCDM for data before stacks (DORY's GAP8 HW_description: 64000)
    core_stack_bytes=1 * _KB,  # per cluster core while a kernel runs (our runtime's reservation)
    master_stack_extra_bytes=2 * _KB,  # core 0 also runs the tile loop and DMA bookkeeping
    l2_bytes=512000,  # DORY's GAP8 HW_description: 512000
    l2_reserved_bytes=64 * _KB,  # the first plan's estimate; dory-compile --target gap8 measures the app's objects + L2_SDK_ALLOWANCE and re-plans (backends/l2_reserve.py)
    l2_sdk_allowance_bytes=L2_SDK_ALLOWANCE,  # the SDK's OS, drivers, libc and heap in L2 (cited above)
    l3_bytes=8 * _MB,  # HyperRAM of the GAPuino/GAP8 boards
    l3_flash_bytes=64 * _MB,  # HyperFlash of the same boards (the weights blob at boot)
    dma_bytes_per_cycle=8,  # cluster DMA L2<->L1, 64 bits per cycle (DORY's model)
    dma_setup_cycles=10,  # programming one cluster-DMA transfer (DORY's model)
    l3_bytes_per_cycle=1.0,  # HyperBus, 8-bit DDR at the cluster clock: an estimate
    l3_setup_cycles=300,  # uDMA programmed via the fabric controller + HyperRAM latency: an estimate
    clock_hz=175_000_000,  # GAP8 maximum cluster/fabric frequency
    conv_efficiency=0.5,  # PULP-NN: ~15.5 of 32 MAC/cycle (RV32 calibration: 0.48 3x3, 0.41 1x1)
    depthwise_efficiency=0.13,  # calibrated: 3.7x the conv's RV32 instructions per MAC
    linear_efficiency=0.4,  # calibrated 0.45, capped by the sdotp loop's 3 loads per 2 dot products
    eltwise_ops_per_cycle=0.3,  # calibrated: maxpool 0.38 taps, add 0.28 operations per core-cycle
    tile_overhead_cycles=200,  # kernel call with fork/join + DMA programming: an estimate, kept
    column_step=2,  # the runtime's 4x2 dot-product blocks take 2 output pixels
)
"""The default target: a GAP8 at 175 MHz with the budgets above."""

__all__ = ["GAP8", "L2_SDK_ALLOWANCE"]
