// tile{plan=FILE}: the layers a plan names (by deployed index or op name) take its L1 tile as
// written; the others are searched as usual (docs/tile-plans.md). The pass only adds attributes:
// --verify-semantics runs the tiled layers tile by tile against the untiled ones.

// RUN: dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan.plan}' | filecheck %s
// RUN: dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan.plan}' --verify-semantics=1 -o /dev/null
// RUN: dory-opt %s -p 'tile{l1-bytes=8000}' | filecheck %s --check-prefix=SEARCHED
// RUN: dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-single.plan}' | filecheck %s --check-prefix=SINGLE
// RUN: dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-single.plan}' --verify-semantics=1 -o /dev/null

"func.func"() <{function_type = (tensor<1x16x16x16xui8>) -> tensor<1x8x8x8xui8>, sym_name = "planned"}> ({
^bb0(%x: tensor<1x16x16x16xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x16xsi8>}> : () -> tensor<8x3x3x16xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 6 : i64}}> : (tensor<1x16x16x16xui8>, tensor<8x3x3x16xsi8>) -> tensor<1x16x16x8xui8> loc("conv0")
  %v = "qnn.constant"() <{value = dense<2> : tensor<8x3x3x1xsi8>}> : () -> tensor<8x3x3x1xsi8>
  %z = "dory.depthwise"(%y, %v) <{pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 4 : i64}}> : (tensor<1x16x16x8xui8>, tensor<8x3x3x1xsi8>) -> tensor<1x8x8x8xui8> loc("dw1")
  %p = "dory.pool"(%z) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x8x8x8xui8>) -> tensor<1x8x8x8xui8>
  "func.return"(%p) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// Layer 0 by index: 8 of 16 input channels (partial sums in si32), 4 rows: 2 x 4 = 8 tiles. No
// solver ran (sat_calls = 0).
// CHECK-LABEL: sym_name = "planned"
// CHECK:       "dory.conv2d"
// CHECK-SAME:    {dory.tile = {cycles = {{[0-9]+}} : i64, l1 = {c_in = 8 : i64, c_out = 8 : i64, h_out = 4 : i64, w_out = 16 : i64}, l1_bytes = {{[0-9]+}} : i64, n_tiles = 8 : i64, sat_calls = 0 : i64}}
// Layer 1 by name: 2 of 8 output rows, c_in follows c_out.
// CHECK:       "dory.depthwise"
// CHECK-SAME:    {dory.tile = {cycles = {{[0-9]+}} : i64, l1 = {c_in = 8 : i64, c_out = 8 : i64, h_out = 2 : i64, w_out = 8 : i64}, l1_bytes = {{[0-9]+}} : i64, n_tiles = 4 : i64, sat_calls = 0 : i64}}
// Layer 2 is not in the plan: searched (the solver ran).
// CHECK:       "dory.pool"
// CHECK-SAME:    {dory.tile = {cycles = {{[0-9]+}} : i64, l1 = {c_in = 8 : i64, c_out = 8 : i64, h_out = 8 : i64, w_out = 8 : i64}, l1_bytes = {{[0-9]+}} : i64, n_tiles = 1 : i64, sat_calls = {{[1-9][0-9]*}} : i64}}

// Without the plan the solver keeps every input channel of the conv.
// SEARCHED:    "dory.conv2d"
// SEARCHED-SAME: c_in = 16 : i64

// A single-buffered entry: 8 rows of all 16 input channels fit 8000 B with one copy of each buffer
// (7040 B; double buffered they need 10624 B, tile-plan-invalid.mlir), recorded as such.
// SINGLE:      "dory.conv2d"
// SINGLE-SAME:   {dory.tile = {buffering = "single", cycles = {{[0-9]+}} : i64, l1 = {c_in = 16 : i64, c_out = 8 : i64, h_out = 8 : i64, w_out = 16 : i64}, l1_bytes = 7040 : i64, n_tiles = 2 : i64, sat_calls = 0 : i64}}
