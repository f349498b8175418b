// tile after assign-memory: where `dory.memory` lists `l3_tiling`, `dory.tile` gets an `l3` tile
// (weights over c_out, activations over rows) whose double-buffered staging fits the recorded
// staging_bytes, and the L1 tile stays within it. L2 is 40000 B here: the 36864 B weight goes
// to L3; its staging is at least two output channels (2 x 576 B) and grows into the L2 the step
// leaves free (7220 B), so L3 tiles of 4 output channels (double buffered: 4608 B) fit.

// RUN: dory-opt %s -p 'assign-memory{l2=40000},tile' | filecheck %s
// RUN: dory-opt %s -p 'assign-memory{l2=40000},tile' --verify-semantics=1 -o /dev/null

"func.func"() <{function_type = (tensor<1x16x16x64xui8>) -> tensor<1x16x16x64xui8>, sym_name = "l3_weights"}> ({
^bb0(%x: tensor<1x16x16x64xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<64x3x3x64xsi8>}> : () -> tensor<64x3x3x64xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x16x16x64xui8>, tensor<64x3x3x64xsi8>) -> tensor<1x16x16x64xui8>
  "func.return"(%y) : (tensor<1x16x16x64xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "l3_weights"
// CHECK:       %[[W:[a-zA-Z0-9_.]+]] = "dory.weights"() <{resident = false
// CHECK:       "dory.conv2d"(%{{[a-zA-Z0-9_.]+}}, %[[W]])
// CHECK-SAME:    dory.memory = {l2_bytes = 39988 : i64, l3 = ["weight"], l3_tiling = ["weight"], staging_bytes = 7220 : i64}
// CHECK-SAME:    dory.tile = {cycles = {{[0-9]+}} : i64, l1 = {c_in = 64 : i64, c_out = 4 : i64, h_out = 16 : i64, w_out = 16 : i64}, l1_bytes = {{[0-9]+}} : i64, l3 = {c_out = 4 : i64, h_out = 16 : i64}, n_tiles = 16 : i64, sat_calls = {{[0-9]+}} : i64}
