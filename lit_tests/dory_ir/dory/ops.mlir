// RUN: dory-opt %s --split-input-file | filecheck %s
// RUN: dory-opt %s --split-input-file | dory-opt --split-input-file | filecheck %s
// RUN: dory-opt %s --split-input-file --verify-semantics=3 -o /dev/null

// CHECK-LABEL: sym_name = "conv"
"builtin.module"() ({
"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x4x4x8xui8>, sym_name = "conv"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x4xsi8>}> : () -> tensor<8x3x3x4xsi8>
  %b = "qnn.constant"() <{value = dense<-7> : tensor<8xsi32>}> : () -> tensor<8xsi32>
  %y = "dory.conv2d"(%x, %w, %b) <{pads = array<i64: 1, 1, 1, 1>, requant = {add = dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xsi32>, max = 255 : i64, min = 0 : i64, mul = 3 : i64, rounding = "trunc", shift = 4 : i64}, strides = array<i64: 2, 2>}> : (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>, tensor<8xsi32>) -> tensor<1x4x4x8xui8>
  "func.return"(%y) : (tensor<1x4x4x8xui8>) -> ()
}) : () -> ()
}) : () -> ()
// CHECK: ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x4xui8>):
// CHECK: %[[Y:[a-zA-Z0-9_]+]] = "dory.conv2d"(%[[X]], %{{[a-z0-9_]+}}, %{{[a-z0-9_]+}}) <{pads = array<i64: 1, 1, 1, 1>, requant = {add = dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xsi32>, max = 255 : i64, min = 0 : i64, mul = 3 : i64, rounding = "trunc", shift = 4 : i64}, strides = array<i64: 2, 2>}>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// Without requant the result is the si32 accumulator.
// CHECK-LABEL: sym_name = "depthwise_raw"
"func.func"() <{function_type = (tensor<1x6x6x4xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "depthwise_raw"}> ({
^bb0(%x: tensor<1x6x6x4xsi8>):
  %w = "qnn.constant"() <{value = dense<2> : tensor<4x3x3x1xsi8>}> : () -> tensor<4x3x3x1xsi8>
  %y = "dory.depthwise"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x6x6x4xsi8>, tensor<4x3x3x1xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%y) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()
// CHECK: "dory.depthwise"(%{{.*}}) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x6x6x4xsi8>, tensor<4x3x3x1xsi8>) -> tensor<1x6x6x4xsi32>

// -----

// CHECK-LABEL: sym_name = "linear"
"func.func"() <{function_type = (tensor<1x16xui8>) -> tensor<1x4xsi8>, sym_name = "linear"}> ({
^bb0(%x: tensor<1x16xui8>):
  %w = "qnn.constant"() <{value = dense<-1> : tensor<4x16xsi8>}> : () -> tensor<4x16xsi8>
  %y = "dory.linear"(%x, %w) <{requant = {max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 3 : i64}}> : (tensor<1x16xui8>, tensor<4x16xsi8>) -> tensor<1x4xsi8>
  "func.return"(%y) : (tensor<1x4xsi8>) -> ()
}) : () -> ()
// CHECK: "dory.linear"(%{{.*}}) <{requant = {max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 3 : i64}}>

// -----

// CHECK-LABEL: sym_name = "pools"
"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x1x1x4xui8>, sym_name = "pools"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %m = "dory.pool"(%x) <{kernel = array<i64: 2, 2>, kind = "max", strides = array<i64: 2, 2>}> : (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xui8>
  %g = "dory.pool"(%m) <{div = 1 : i64, kernel = array<i64: 4, 4>, kind = "avg", requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 4 : i64}, strides = array<i64: 1, 1>}> : (tensor<1x4x4x4xui8>) -> tensor<1x1x1x4xui8>
  "func.return"(%g) : (tensor<1x1x1x4xui8>) -> ()
}) : () -> ()
// CHECK: %[[M:[a-zA-Z0-9_]+]] = "dory.pool"(%{{.*}}) <{kernel = array<i64: 2, 2>, kind = "max", strides = array<i64: 2, 2>}>
// CHECK-NEXT: "dory.pool"(%[[M]]) <{div = 1 : i64, kernel = array<i64: 4, 4>, kind = "avg", requant = {{.*}}, strides = array<i64: 1, 1>}>

// -----

// CHECK-LABEL: sym_name = "add"
"func.func"() <{function_type = (tensor<1x4x4x8xui8>, tensor<1x4x4x8xui8>) -> tensor<1x4x4x8xui8>, sym_name = "add"}> ({
^bb0(%a: tensor<1x4x4x8xui8>, %b: tensor<1x4x4x8xui8>):
  %y = "dory.add"(%a, %b) <{lhs_requant = {max = 765 : i64, min = 0 : i64, mul = 3 : i64, shift = 0 : i64}, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}, rhs_requant = {add = 4 : i64, max = 1000 : i64, min = 0 : i64, mul = 5 : i64, shift = 1 : i64}}> : (tensor<1x4x4x8xui8>, tensor<1x4x4x8xui8>) -> tensor<1x4x4x8xui8>
  %f = "dory.reshape"(%y) : (tensor<1x4x4x8xui8>) -> tensor<1x128xui8>
  %c = "dory.concat"(%y, %y) <{axis = 3 : i64}> : (tensor<1x4x4x8xui8>, tensor<1x4x4x8xui8>) -> tensor<1x4x4x16xui8>
  "func.return"(%y) : (tensor<1x4x4x8xui8>) -> ()
}) : () -> ()
// CHECK: ^bb0(%[[A:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xui8>, %[[B:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xui8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "dory.add"(%[[A]], %[[B]]) <{lhs_requant = {{.*}}, requant = {{.*}}, rhs_requant = {{.*}}}>
// CHECK-NEXT: "dory.reshape"(%[[Y]]) : (tensor<1x4x4x8xui8>) -> tensor<1x128xui8>
// CHECK-NEXT: "dory.concat"(%[[Y]], %[[Y]]) <{axis = 3 : i64}>

// -----

// After assign-memory: memrefs in memory levels, weights as dory.weights.
// CHECK-LABEL: sym_name = "memrefs"
"func.func"() <{function_type = (memref<1x4x4x2xui8, #dory.l2>) -> memref<1x4x4x2xsi32, #dory.l2>, sym_name = "memrefs"}> ({
^bb0(%x: memref<1x4x4x2xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<2x1x1x2xsi8>}> : () -> memref<2x1x1x2xsi8, #dory.l3>
  %y = "dory.conv2d"(%x, %w) : (memref<1x4x4x2xui8, #dory.l2>, memref<2x1x1x2xsi8, #dory.l3>) -> memref<1x4x4x2xsi32, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x2xsi32, #dory.l2>) -> ()
}) : () -> ()
// CHECK: %[[W:[a-zA-Z0-9_]+]] = "dory.weights"() <{resident = true, value = dense<1> : tensor<2x1x1x2xsi8>}> : () -> memref<2x1x1x2xsi8, #dory.l3>
// CHECK-NEXT: "dory.conv2d"(%{{.*}}, %[[W]]) : (memref<1x4x4x2xui8, #dory.l2>, memref<2x1x1x2xsi8, #dory.l3>) -> memref<1x4x4x2xsi32, #dory.l2>
