// tile: the joint L3/L1 choice (tile-l3.mlir: the L3 tile itself).
//
// The L3 tile and the L1 tile are chosen together (passes/tiling/l3search.py), by the layer's total
// modelled cycles. Here (L2 30000 B, the default target gap8) the 64 KiB weight and the 7x7x512
// output go to L3, and assign-memory's step 6 moves the 7x7x128 input there too (its 6272 B of
// L2 buy staging: the model prefers it), leaving 29988 B of staging for all three tiled:
// double-buffered blocks of c output channels (2 x c x 128 B) and h output rows (2 x h x 3584 B
// of output + 2 x h x 896 B of input) fit when 256c + 8960h <= 29988. The fewest L3 tiles would
// be c_out = 76, h_out = 1 (7 x 7 = 49 blocks), but a one-row block leaves the L1 tile one row,
// so one core computes: 2,191,903 modelled cycles. c_out = 12, h_out = 3 (43 x 3 = 129 blocks,
// 3072 + 26880 = 29952 B) lets the L1 tile take 3 rows: 1,047,753 cycles (the L1 tile's
// 714,538 over the whole layer, 779,285 run as the runtime runs it, a tile loop per L3 block
// with its own first load and last store: passes.tiling.cost.sub_problem_cycles; plus 268,468
// of L3 transfers, serial on this target).

// RUN: dory-opt %s -p 'assign-memory{l2=30000 staging=search},tile' | filecheck %s
// RUN: dory-opt %s -p 'assign-memory{l2=30000 staging=search},tile' --verify-semantics=1 -o /dev/null
// With assign-memory's default staging=rule the input stays in L2 and 23716 B are left for the
// weight and output blocks (256c + 7168h <= 23716): the fewest L3 tiles, c_out = 64, h_out = 1,
// model 2,188,004 cycles (one row, one core); c_out = 8, h_out = 3 model 1,090,372.
// RUN: dory-opt %s -p 'assign-memory{l2=30000},tile' | filecheck %s --check-prefix=RULE

"func.func"() <{function_type = (tensor<1x7x7x128xui8>) -> tensor<1x7x7x512xui8>, sym_name = "joint_rows_and_channels"}> ({
^bb0(%x: tensor<1x7x7x128xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<512x1x1x128xsi8>}> : () -> tensor<512x1x1x128xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 0, 0, 0, 0>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x7x7x128xui8>, tensor<512x1x1x128xsi8>) -> tensor<1x7x7x512xui8>
  "func.return"(%y) : (tensor<1x7x7x512xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "joint_rows_and_channels"
// CHECK:       "dory.conv2d"
// CHECK-SAME:    dory.memory = {l2_bytes = 29988 : i64, l3 = ["input", "weight", "output"], l3_tiling = ["input", "weight", "output"], staging_bytes = 29988 : i64}
// CHECK-SAME:    dory.tile = {cycles = 1047753 : i64, l1 = {c_in = 128 : i64, c_out = 12 : i64, h_out = 3 : i64, w_out = 7 : i64}, l1_bytes = 8952 : i64, l3 = {c_out = 12 : i64, h_out = 3 : i64}, n_tiles = 129 : i64, sat_calls = {{[0-9]+}} : i64}

// RULE-LABEL: sym_name = "joint_rows_and_channels"
// RULE:       "dory.conv2d"
// RULE-SAME:    dory.memory = {l2_bytes = 29988 : i64, l3 = ["weight", "output"], l3_tiling = ["weight", "output"], staging_bytes = 23716 : i64}
// RULE-SAME:    dory.tile = {cycles = 1090372 : i64, l1 = {c_in = 128 : i64, c_out = 8 : i64, h_out = 3 : i64, w_out = 7 : i64}, l1_bytes = 7760 : i64, l3 = {c_out = 8 : i64, h_out = 3 : i64}, n_tiles = 192 : i64, sat_calls = {{[0-9]+}} : i64}
