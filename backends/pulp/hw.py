"""The PULP-cluster target of GVSOC's ``pulp-open``: memory sizes, budgets, cores and the kernels'
cost model, as a `backends.target.Target` registered as ``pulp``.

``pulp-open`` is the open-source PULP platform as GVSOC models it (github.com/gvsoc/gvsoc at
209c147, submodule ``pulp`` at 748a706; ../shared/tools/gvsoc/README.md): a fabric controller and
one cluster of RI5CY cores with Xpulpv2 sharing an L1 TCDM, a cluster DMA (mchan), an L2 and,
on the board, a HyperRAM behind the uDMA. The runtime's port is ``runtime/port/pulp``.

Sources (files of the ``pulp`` submodule at 748a706):

- [cluster] ``pulp/chips/pulp_open/cluster.json``: ``nb_pe`` 9 (8 workers + the cluster
  controller), L1 ``mapping/size`` 0x00010000 (64 KiB) at 0x10000000.
- [soc] ``pulp/chips/pulp_open/soc.json``: L2 0x190000 bytes at 0x1C000000: ``priv0`` 32 KiB (left
  to the boot ROM's loader), ``priv1`` 32 KiB at 0x1C008000 and ``shared`` 1.5 MiB at 0x1C010000;
  the port's link.ld uses priv1 + shared, 0x188000 bytes.
- [board] ``pulp/chips/pulp_open/pulp_open_board.py``: a ``Hyperram`` on the board (our L3 size
  is GAP8's 8 MiB; the port does not drive it yet, see runtime/port/pulp/port_pulp.c).
- [clock] ``pulp/chips/pulp_open/pulp_open.py``: SoC and cluster clock domains at 50 MHz.

| quantity | value | source |
|---|---|---|
| kernel cores | 8 | [cluster] nb_pe 9: 8 workers + 1 cluster controller (the port boots 8) |
| SIMD MACs per core per cycle | 4 | Xpulpv2 ``pv.sdotsp.b`` (4 x 8-bit) |
| L1 TCDM | 65536 B | [cluster] |
| L1 stacks | 8 x 1 KiB + 2 KiB for core 0 | the port's link.ld (core 0 2816 B + the fork/barrier words) |
| L2 | 0x188000 = 1605632 B | [soc] priv1 + shared |
| L2 code/data reserve | 256 KiB | measured: MobileNetV2-1.0-128's app (64 steps) holds 65 KiB code + 128 KiB rodata (its 48 KiB input, the step and layer tables, the expected checksums) + 15 KiB other bss + the 4 KiB FC stack; the link fails if code + data + arenas do not fit |
| L3 | 8 MiB | [board] HyperRAM (runtime/port/pulp/l3_hyper.c through the uDMA; small L3s can use an L2 stand-in) |
| clock | 50 MHz | [clock] |

Everything else -- DMA and L3 transfer costs, the kernels' efficiencies, the per-tile overhead --
is GAP8's (`backends.gap8.hw`), NOT YET CALIBRATED on GVSOC (issue 12's cost-model step).
"""

from __future__ import annotations

from dataclasses import replace

from backends.gap8.hw import GAP8
from backends.target import Target

_KB = 1024
_MB = 1024 * 1024

PULP = replace(
    GAP8,  # not yet calibrated: GAP8's DMA, L3 and kernel cost model
    name="pulp",
    cores=8,  # [cluster] nb_pe 9 = 8 workers + the cluster controller
    simd_macs=4,  # Xpulpv2 pv.sdotsp.b
    l1_bytes=64 * _KB,  # [cluster] l1 mapping/size 0x00010000
    core_stack_bytes=1 * _KB,  # runtime/port/pulp/link.ld: cores 1..7
    master_stack_extra_bytes=2 * _KB,  # core 0's larger stack and the port's fork/barrier words
    l2_bytes=0x188000,  # [soc] priv1 (32 KiB) + shared (1.5 MiB), contiguous from 0x1C008000
    l2_reserved_bytes=256 * _KB,  # code, rodata (input, tables, checksums), FC stack: MobileNetV2-1.0-128 needs 212 KiB
    l3_bytes=8 * _MB,  # [board] HyperRAM; GAP8's size
    clock_hz=50_000_000,  # [clock] cluster and SoC clock domains
)
"""GVSOC's pulp-open cluster with the budgets above (cost model: GAP8's, uncalibrated)."""

__all__ = ["PULP"]
