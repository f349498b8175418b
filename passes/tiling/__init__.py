"""The tiling analyses of the ``tile`` pass, one concern per module, every hardware number from a
`backends.target.Target`:

- `passes.tiling.geometry`: what the tiler reads of a layer op (`Geometry`, `geometry`);
- `passes.tiling.cost`: the L1 footprint (`l1_sizes_of`) and the cycle model (`evaluate`,
  `cycles_floor`) of one tile against a target;
- `passes.tiling.space`: the tile spaces: the candidate tile sizes the pass searches
  (`candidates`, `candidate_space`), every legal tile (`legal_space`) and the legal space less
  the values a proved dominance argument removes (`pruned_space`);
- `passes.tiling.sat`: the optimal tile (`solve`, ``space=``; `NoFit`): by lazy SAT over the
  candidate space, by `passes.tiling.bestfirst` (best-first branch and bound over vectorized lower
  bounds) over the pruned legal space;
- `passes.tiling.brute`: the same optimum by exhaustive search (`brute_force`, for tests; over
  every legal tile with ``space="all"``).

The model
---------
*Geometry* comes from the layer's first stage (the conv/linear/pool/add): output ``Ho x Wo x Co``,
input ``Hi x Wi x Ci``, kernel ``kh x kw``, strides, dilations, pads ``[t, l, b, r]``. A tile is
``t = (c, h, w, k)``: output channels, output rows, output columns, input channels. ``k = Ci``
except for ``dory.conv2d`` with ``groups = 1`` and ``dory.linear``, whose kernels may accumulate
partial sums over input-channel tiles (in an si32 L1 accumulator); depthwise, pool and add have
``k = c``.

*L1 footprint* ``F(t)`` (bytes), double buffered: input tile (rows ``(h-1)*sh + (kh-1)*dh + 1`` clipped to ``Hi``,
likewise columns, times ``k``; both operands for an add) + output tile + weight tile + the
per-channel parameters (bias and requant arrays) of ``c`` channels + kernel scratch (the target's
`Target.conv_scratch_bytes`: pulp-nn's im2col ``2*cores*ceil4(kh*kw*k)`` for a KxK conv;
`Target.depthwise_scratch_bytes`: for 3x3 ``cores*((rows+pt+pb)*(cols+pl+pr)+4)``, the depthwise
kernel transposing one channel of the padded tile at a time, else ``cores*(kh*(rows+pt+pb)+kh) +
cores*kh*kw``, the kernel buffering columns of *rows*, not channels) + an si32 accumulator of the output
tile when input channels are split. With more than one tile, input and output are double buffered;
weights and parameters are double buffered when they change between tiles (more than one
channel tile), else loaded once; so is the input of a conv (one group) or linear whose tiles all
read the same input block (one row, column and input-channel block: `cost.input_loads`).

*Buffering*: a tile of more than one step may instead be *single buffered* (``single``: every
buffer one copy; runtime/src/layer.c then reloads a buffer only after the compute that reads
it): a smaller footprint, so bigger tiles, but nothing overlaps. The search
(`passes.tiling.sat.solve`, `passes.tiling.brute.brute_force`) chooses the tile and the buffering
together; `Evaluation.key` orders double before single on equal cycles.

*Cycles* ``K(t)``: ``n * overhead + first load + last store + max(compute, rest of the DMA)`` for
``n > 1`` tiles double buffered (double buffering hides the smaller of compute and transfer,
except the first load and the last store), ``n * overhead + compute + all the DMA`` single
buffered (the serial steps), ``overhead + load + compute + store`` for one tile. Compute is the MACs
over the SIMD peak times the kernel's sustained efficiency, scaled by how evenly the tiles split
over the cores (rows for a conv, channels for depthwise/linear, rows for pool/add) and over the
SIMD lanes (output channels), counting the ragged last tiles exactly; split input channels add a
partial-sum pass. A target with a calibrated `backends.target.KernelModel` (pulp: fitted on GVSOC
by bench/gvsoc/calibrate.py) replaces that compute and the per-tile overhead by ``layer + tile * n +
sum_f coef_f * feature_f``: per runtime path (`cost.model_kind`: conv fast path with im2col,
pointwise, the 16-bit input conv, generic conv, depthwise strip path, generic depthwise, linear, pool, add), the kernel
work on the busiest core of every tile as the runtime splits it (`cost.tile_features`: conv
units of (pixel pair x 4 channels) in balanced ranges, depthwise/pool rows or channels, linear
channels, add elements), summed over the tiles (`cost.kernel_features`). DMA is `Target.l2_l1_cycles` of the bytes moved (inputs re-read once per
output-channel tile, halos included; weights re-read per spatial tile unless they fit whole) plus
a setup per transfer: one per row when a tile is not contiguous in L2 (DORY's model), or, for a
target with ``dma_command_cycles`` (pulp, measured on GVSOC by bench/gvsoc/dma_bench.py), one per
call plus one per further 2-D command as the port issues them. A layer with data in L3 costs its
L3 staging (`cost.l3_cycles`, mirroring runtime/src/layer.c: serial, or overlapped with the
cluster when the target's runtime does so) over the L1 tile's cycles on each L3 sub-problem
(`cost.sub_problem_cycles`: the runtime restarts the L1 tiles at every block's edge), as
`cost.staged_cycles`; the joint L3/L1 search (`l3search`) minimizes that.

*Candidate space* per dimension of extent ``N``: every value ``1..N`` when ``N <= 16``, else ``N``,
powers of two, multiples of the dimension's step up to 8 steps, the divisors of ``N`` that are
multiples of the step, and ``ceil(N / j)`` rounded up to the step for ``j = 2..8`` (balanced
tiles). Steps (the target's): its SIMD lanes for channels, its cores for rows, its conv kernels'
output columns per step for columns. Columns are split only when no full-width tile fits, and input channels only
when no tile with all input channels fits (both cost halos/partial sums and make transfers
strided; DORY never splits them). So the pass's "optimal" is optimal within that space only.

*Legal space* (`solve(..., space="legal")`): every value ``1..N`` of every dimension the runtime
runs (columns and input channels always open), pruned per dimension by the dominance argument of
`passes.tiling.space` (among the values with the same tile count, only those a smaller value of
the model's period cannot match), checked against exhaustive search over all legal tiles by
tests/test_tile_space.py: its optimum is optimal over all legal tiles. Searched best-first
(`passes.tiling.bestfirst`): lower bounds of the tiles' footprint and cycles (numpy), then exact
evaluations in bound order until the next bound exceeds the best. With a calibrated model the
bound is near exact (the per-core work of every block class, vectorized: `bestfirst.compute_bound`,
plus the DMA setups and the first / last transfers), an incumbent from the candidate space bounds
the tile count, and the tiles are enumerated one dimension at a time, never as the whole product.
Not the pass's default yet: summed over MobileNetV1-1.0-128/224 and the shared networks the tile
pass takes 1.3-1.5x the candidate space's time on every target with a cost model (calibrated or
not), but MobileNetV1-1.0-224 2-2.5x (pulp: ~300 ms against ~120 ms of CPU time, 2026-12-07, loaded machine): its pointwise
layers' single-buffered searches still bound ~10^4 tiles exactly.
"""

from dory.passes.tiling.brute import brute_force
from dory.passes.tiling.cost import (Evaluation, L1Sizes, cycles_floor, evaluate, kernel_features, l1_sizes_of, l3_cycles, model_kind,
                                     staged_cycles, sub_problem_cycles, sub_problems)
from dory.passes.tiling.geometry import LAYERS, Geometry, geometry
from dory.passes.tiling.sat import NoFit, Solution, solve
from dory.passes.tiling.space import Space, candidate_space, candidates, legal_space, pruned_space

__all__ = [
    "LAYERS", "Geometry", "geometry", "Evaluation", "L1Sizes", "l1_sizes_of", "evaluate", "cycles_floor", "kernel_features", "l3_cycles",
    "model_kind", "staged_cycles", "sub_problem_cycles", "sub_problems",
    "Space", "candidates", "candidate_space", "legal_space", "pruned_space", "Solution", "NoFit", "solve", "brute_force",
]
