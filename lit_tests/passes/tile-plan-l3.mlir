// tile{plan=FILE} on a layer with an L3 tile (tile-l3.mlir's: the 36864 B weight in L3, staged
// through L2 in blocks of 4 output channels): a planned L1 tile must lie within the L3 tile,
// which is what the L2 staging that assign-memory sized holds; the plan cannot enlarge it.

// RUN: dory-opt %s -p 'assign-memory{l2=40000},tile{plan=%S/Inputs/tile-plan-l3-ok.plan}' | filecheck %s
// RUN: dory-opt %s -p 'assign-memory{l2=40000},tile{plan=%S/Inputs/tile-plan-l3-ok.plan}' --verify-semantics=1 -o /dev/null
// RUN: not dory-opt %s -p 'assign-memory{l2=40000},tile{plan=%S/Inputs/tile-plan-l3-big.plan}' 2>&1 | filecheck %s --check-prefix=BIG

"func.func"() <{function_type = (tensor<1x16x16x64xui8>) -> tensor<1x16x16x64xui8>, sym_name = "l3_weights"}> ({
^bb0(%x: tensor<1x16x16x64xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<64x3x3x64xsi8>}> : () -> tensor<64x3x3x64xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x16x16x64xui8>, tensor<64x3x3x64xsi8>) -> tensor<1x16x16x64xui8>
  "func.return"(%y) : (tensor<1x16x16x64xui8>) -> ()
}) : () -> ()

// 2 of the L3 block's 4 channels, 8 rows: 32 x 2 = 64 L1 tiles; the L3 tile stays 4 x 16.
// CHECK-LABEL: sym_name = "l3_weights"
// CHECK:       "dory.conv2d"
// CHECK-SAME:    dory.tile = {cycles = {{[0-9]+}} : i64, l1 = {c_in = 64 : i64, c_out = 2 : i64, h_out = 8 : i64, w_out = 16 : i64}, l1_bytes = {{[0-9]+}} : i64, l3 = {c_out = 4 : i64, h_out = 16 : i64}, n_tiles = 64 : i64, sat_calls = 0 : i64}

// BIG: Inputs/tile-plan-l3-big.plan:1:1: error: layer 0 (dory.conv2d at {{.*}}tile-plan-l3.mlir:{{[0-9]+}}:3): tile (c_out=8, h_out=16, w_out=16, c_in=64) exceeds its L3 tile (c_out=4, h_out=16: what its L2 staging holds); the L1 tile must lie within it
