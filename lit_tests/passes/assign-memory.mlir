// assign-memory with the default GAP8 budgets (backends/gap8/hw.py: L2 446464 B, L3 8 MiB).
// Every tensor becomes a memref in #dory.l2 or #dory.l3, every qnn.constant a dory.weights with
// a resident flag, and each layer records its L2 use and its L3 data in `dory.memory`.
// Budget-driven decisions are in assign-memory-options.mlir, errors in assign-memory-invalid.mlir.

// RUN: dory-opt %s --split-input-file -p assign-memory | filecheck %s
// RUN: dory-opt %s --split-input-file -p assign-memory --verify-semantics=1 -o /dev/null

// Everything fits L2: weights, bias and the per-channel requant arrays stay resident. L2 in use
// during the conv: input 256 + output 512 + weight 288 + bias 32 + requant add/mul 2 x 32.

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x8x8x8xui8>, sym_name = "fits_l2"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x4xsi8>}> : () -> tensor<8x3x3x4xsi8>
  %b = "qnn.constant"() <{value = dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xsi32>}> : () -> tensor<8xsi32>
  %y = "dory.conv2d"(%x, %w, %b) <{pads = array<i64: 1, 1, 1, 1>, requant = {add = dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xsi32>, max = 255 : i64, min = 0 : i64, mul = dense<3> : tensor<8xsi32>, shift = 4 : i64}}> : (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>, tensor<8xsi32>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: function_type = (memref<1x8x8x4xui8, #dory.l2>) -> memref<1x8x8x8xui8, #dory.l2>, sym_name = "fits_l2"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_.]+]]: memref<1x8x8x4xui8, #dory.l2>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_.]+]] = "dory.weights"() <{resident = true, value = dense<1> : tensor<8x3x3x4xsi8>}> : () -> memref<8x3x3x4xsi8, #dory.l2>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_.]+]] = "dory.weights"() <{resident = true, value = {{.*}} : tensor<8xsi32>}> : () -> memref<8xsi32, #dory.l2>
// CHECK-NEXT:    %[[Y:[a-zA-Z0-9_.]+]] = "dory.conv2d"(%[[X]], %[[W]], %[[B]])
// CHECK-SAME:      {dory.memory = {l2_bytes = 1152 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}}
// CHECK-SAME:      -> memref<1x8x8x8xui8, #dory.l2>
// CHECK-NEXT:    "func.return"(%[[Y]]) : (memref<1x8x8x8xui8, #dory.l2>) -> ()
// CHECK-NEXT:  }) {dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 1152 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 1152 : i64, resident_weight_bytes = 384 : i64}}

// -----

// A DAG with two live branches (%l and %r) besides %a, which stays live until the concat: each
// op's l2_bytes counts every activation live while it runs (256 B each) plus the 5172 B of
// resident weights. The reshape is a view of the concat's buffer: no record of its own, and
// the concat's 512 B stay live until the linear.

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x10xsi32>, sym_name = "two_branches"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w0 = "qnn.constant"() <{value = dense<1> : tensor<4x1x1x4xsi8>}> : () -> tensor<4x1x1x4xsi8>
  %a = "dory.conv2d"(%x, %w0) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> : (tensor<1x8x8x4xui8>, tensor<4x1x1x4xsi8>) -> tensor<1x8x8x4xui8>
  %w1 = "qnn.constant"() <{value = dense<1> : tensor<4x3x3x1xsi8>}> : () -> tensor<4x3x3x1xsi8>
  %l = "dory.depthwise"(%a, %w1) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 3 : i64}}> : (tensor<1x8x8x4xui8>, tensor<4x3x3x1xsi8>) -> tensor<1x8x8x4xui8>
  %r = "dory.pool"(%a) <{kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x8x8x4xui8>) -> tensor<1x8x8x4xui8>
  %s = "dory.add"(%l, %r) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> : (tensor<1x8x8x4xui8>, tensor<1x8x8x4xui8>) -> tensor<1x8x8x4xui8>
  %c = "dory.concat"(%s, %a) <{axis = 3 : i64}> : (tensor<1x8x8x4xui8>, tensor<1x8x8x4xui8>) -> tensor<1x8x8x8xui8>
  %f = "dory.reshape"(%c) : (tensor<1x8x8x8xui8>) -> tensor<1x512xui8>
  %w2 = "qnn.constant"() <{value = dense<1> : tensor<10x512xsi8>}> : () -> tensor<10x512xsi8>
  %o = "dory.linear"(%f, %w2) : (tensor<1x512xui8>, tensor<10x512xsi8>) -> tensor<1x10xsi32>
  "func.return"(%o) : (tensor<1x10xsi32>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "two_branches"
// CHECK:         %[[A:[a-zA-Z0-9_.]+]] = "dory.conv2d"
// CHECK-SAME:      {dory.memory = {l2_bytes = 5684 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}}
// CHECK:         %[[L:[a-zA-Z0-9_.]+]] = "dory.depthwise"(%[[A]],
// CHECK-SAME:      l2_bytes = 5684 : i64
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_.]+]] = "dory.pool"(%[[A]])
// CHECK-SAME:      l2_bytes = 5940 : i64
// CHECK-NEXT:    %[[S:[a-zA-Z0-9_.]+]] = "dory.add"(%[[L]], %[[R]])
// CHECK-SAME:      l2_bytes = 6196 : i64
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_.]+]] = "dory.concat"(%[[S]], %[[A]])
// CHECK-SAME:      {dory.memory = {l2_bytes = 6196 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}}
// CHECK-NEXT:    %[[F:[a-zA-Z0-9_.]+]] = "dory.reshape"(%[[C]]) : (memref<1x8x8x8xui8, #dory.l2>) -> memref<1x512xui8, #dory.l2>
// CHECK-NEXT:    %[[W2:[a-zA-Z0-9_.]+]] = "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<10x512xsi8, #dory.l2>
// CHECK-NEXT:    "dory.linear"(%[[F]], %[[W2]]) {dory.memory = {l2_bytes = 5724 : i64,
// CHECK:       l2_peak = 6196 : i64, {{.*}}, live_peak = 6196 : i64, resident_weight_bytes = 5172 : i64

// -----

// The pass re-plans from scratch: levels and flags already present are recomputed (this
// function fits L2 under the default budgets).

"func.func"() <{function_type = (memref<1x4x4x2xui8, #dory.l3>) -> memref<1x4x4x2xui8, #dory.l3>, sym_name = "replan"}> ({
^bb0(%x: memref<1x4x4x2xui8, #dory.l3>):
  %w = "dory.weights"() <{resident = false, value = dense<2> : tensor<2x1x1x2xsi8>}> : () -> memref<2x1x1x2xsi8, #dory.l3>
  %y = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> {dory.memory = {l2_bytes = 0 : i64, l3 = ["input", "weight", "output"], l3_tiling = [], staging_bytes = 0 : i64}} : (memref<1x4x4x2xui8, #dory.l3>, memref<2x1x1x2xsi8, #dory.l3>) -> memref<1x4x4x2xui8, #dory.l3>
  "func.return"(%y) : (memref<1x4x4x2xui8, #dory.l3>) -> ()
}) : () -> ()

// CHECK-LABEL: function_type = (memref<1x4x4x2xui8, #dory.l2>) -> memref<1x4x4x2xui8, #dory.l2>, sym_name = "replan"
// CHECK:         "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<2x1x1x2xsi8, #dory.l2>
// CHECK-NEXT:    "dory.conv2d"
// CHECK-SAME:      {dory.memory = {l2_bytes = 68 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}}

// -----

// An input larger than L2 (224 x 224 x 16 = 802816 B) lives in L3, and the pool streams it in
// row windows: at least two buffers of 2 rows (its kernel height) x 3584 B = 14336 B, grown into
// the L2 the step leaves free (less 4 B of alignment slack per buffer): 245752 B of staging.

"func.func"() <{function_type = (tensor<1x224x224x16xui8>) -> tensor<1x112x112x16xui8>, sym_name = "input_in_l3"}> ({
^bb0(%x: tensor<1x224x224x16xui8>):
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x224x224x16xui8>) -> tensor<1x112x112x16xui8>
  "func.return"(%y) : (tensor<1x112x112x16xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: function_type = (memref<1x224x224x16xui8, #dory.l3>) -> memref<1x112x112x16xui8, #dory.l2>, sym_name = "input_in_l3"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_.]+]]: memref<1x224x224x16xui8, #dory.l3>):
// CHECK-NEXT:    "dory.pool"(%[[X]])
// CHECK-SAME:      {dory.memory = {l2_bytes = 446456 : i64, l3 = ["input"], l3_tiling = ["input"], staging_bytes = 245752 : i64}}
// CHECK:       l2_peak = 446456 : i64, {{.*}}, l3_peak = 802816 : i64, l3_weight_bytes = 0 : i64, live_peak = 1003520 : i64
