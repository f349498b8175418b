// assign-memory's errors, each located at the op that cannot be placed, with expected/found.
// Budgets: L2 1000 B, L3 2000 B.

// RUN: dory-opt %s --split-input-file --verify-diagnostics -p 'assign-memory{l2=1000 l3=2000}'
// Budgets beyond the target's memories are rejected with the hardware limit (backends/<target>/hw.py).
// RUN: not dory-opt %s -p 'assign-memory{l1=1099511627776}' 2>&1 | filecheck %s --check-prefix=HWL1
// HWL1: error: option 'l1' expected at most 53760 bytes (gap8's L1 for tile buffers: 64000 B TCDM less 10240 B of stacks, backends/gap8/hw.py), found 1099511627776
// RUN: not dory-opt %s -p 'assign-memory{target=pulp l2=4294967296}' 2>&1 | filecheck %s --check-prefix=HWL2
// HWL2: error: option 'l2' expected at most 1605632 bytes (pulp's L2, backends/pulp/hw.py), found 4294967296
// RUN: not dory-opt %s -p 'allocate-buffers{l3=9999999999}' 2>&1 | filecheck %s --check-prefix=HWL3
// HWL3: error: option 'l3' expected at most 8388608 bytes (gap8's L3, backends/gap8/hw.py), found 9999999999

// Only dory ops have a memory plan: unfused qnn ops are rejected.

"func.func"() <{function_type = (tensor<1x4xsi8>) -> tensor<1x4xsi8>, sym_name = "unfused"}> ({
^bb0(%x: tensor<1x4xsi8>):
  // expected-error@+1 {{cannot place the data of this op: expected a dory layer, concat, reshape or weights op (run 'fuse' first), found 'qnn.add'}}
  %y = "qnn.add"(%x, %x) : (tensor<1x4xsi8>, tensor<1x4xsi8>) -> tensor<1x4xsi8>
  "func.return"(%y) : (tensor<1x4xsi8>) -> ()
}) : () -> ()

// -----

// A linear's input and output have no row axis, and two output channels of its weight are all
// of it: it cannot run in 1000 B of L2 whatever goes to L3.

"func.func"() <{function_type = (tensor<1x600xui8>) -> tensor<1x2xsi32>, sym_name = "linear_too_big"}> ({
^bb0(%x: tensor<1x600xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<2x600xsi8>}> : () -> tensor<2x600xsi8>
  // expected-error@+1 {{does not fit L2: expected at most 1000 bytes (the L2 budget), found it needs at least 1808 even with everything it touches tiled from L3 (input 600, weight 1200, output 8)}}
  %y = "dory.linear"(%x, %w) : (tensor<1x600xui8>, tensor<2x600xsi8>) -> tensor<1x2xsi32>
  "func.return"(%y) : (tensor<1x2xsi32>) -> ()
}) : () -> ()

// -----

// Input and output (1600 B each) and the weight (1 B, counted aligned as 4) are live together: more than L2 + L3.

"func.func"() <{function_type = (tensor<1x40x40x1xui8>) -> tensor<1x40x40x1xui8>, sym_name = "beyond_l2_plus_l3"}> ({
^bb0(%x: tensor<1x40x40x1xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<1x1x1x1xsi8>}> : () -> tensor<1x1x1x1xsi8>
  // expected-error@+1 {{does not fit L2 + L3: expected the data live at once to fit 1000 + 2000 = 3000 bytes, found 3204 bytes live here (3200 of activations, 4 of weights)}}
  %y = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}}> : (tensor<1x40x40x1xui8>, tensor<1x1x1x1xsi8>) -> tensor<1x40x40x1xui8>
  "func.return"(%y) : (tensor<1x40x40x1xui8>) -> ()
}) : () -> ()

// -----

// Every activation is 1024 B and each conv holds two of them: to fit 1000 B of L2, all three
// live in L3 and are streamed in row tiles, and while the first conv runs its input and output
// take 2048 B of L3, more than the 2000 B there are.

"func.func"() <{function_type = (tensor<1x32x32x1xui8>) -> tensor<1x32x32x1xui8>, sym_name = "l3_overflow"}> ({
^bb0(%x: tensor<1x32x32x1xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<1x1x1x1xsi8>}> : () -> tensor<1x1x1x1xsi8>
  // expected-error@+1 {{L3 overflow: expected at most 2000 bytes of L3, found 2048 in use while this op runs (0 of weights, 2048 of live activations)}}
  %y1 = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}}> : (tensor<1x32x32x1xui8>, tensor<1x1x1x1xsi8>) -> tensor<1x32x32x1xui8>
  %y2 = "dory.conv2d"(%y1, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}}> : (tensor<1x32x32x1xui8>, tensor<1x1x1x1xsi8>) -> tensor<1x32x32x1xui8>
  "func.return"(%y2) : (tensor<1x32x32x1xui8>) -> ()
}) : () -> ()
