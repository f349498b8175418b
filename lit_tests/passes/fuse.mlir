// RUN: dory-opt %s --split-input-file -p fuse | filecheck %s
// RUN: dory-opt %s --split-input-file -p fuse --verify-semantics=1 -o /dev/null

// A zero pad of H/W folds into the conv's padding; the requant becomes the layer's requant.
// CHECK-LABEL: sym_name = "pad_conv_requant"
"func.func"() <{function_type = (tensor<1x6x6x2xui8>) -> tensor<1x8x6x4xui8>, sym_name = "pad_conv_requant"}> ({
^bb0(%x: tensor<1x6x6x2xui8>):
  %p = "qnn.pad"(%x) <{pads = array<i64: 0, 2, 0, 0, 0, 2, 0, 0>}> : (tensor<1x6x6x2xui8>) -> tensor<1x10x6x2xui8>
  %w = "qnn.constant"() <{value = dense<[[[[1, -1]], [[2, 0]], [[0, 3]]], [[[1, 1]], [[-2, 0]], [[0, 1]]], [[[1, 2]], [[2, 2]], [[0, -3]]], [[[4, -1]], [[2, 1]], [[1, 3]]]]> : tensor<4x3x1x2xsi8>}> : () -> tensor<4x3x1x2xsi8>
  %c = "qnn.conv2d"(%p, %w) <{pads = array<i64: 0, 0, 0, 0>}> : (tensor<1x10x6x2xui8>, tensor<4x3x1x2xsi8>) -> tensor<1x8x6x4xsi32>
  %r = "qnn.requant"(%c) <{add = 5 : i64, max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 2 : i64}> : (tensor<1x8x6x4xsi32>) -> tensor<1x8x6x4xui8>
  "func.return"(%r) : (tensor<1x8x6x4xui8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x6x6x2xui8>):
// CHECK-NEXT: %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"()
// CHECK-NEXT: %[[R:[a-zA-Z0-9_]+]] = "dory.conv2d"(%[[X]], %[[W]]) <{pads = array<i64: 2, 0, 2, 0>, requant = {add = 5 : i64, max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 2 : i64}}> : (tensor<1x6x6x2xui8>, tensor<4x3x1x2xsi8>) -> tensor<1x8x6x4xui8>
// CHECK-NEXT: "func.return"(%[[R]])

// -----

// groups = C = O: a depthwise layer; a clip becomes a requant {mul 1, shift 0}.
// CHECK-LABEL: sym_name = "depthwise_clip"
"func.func"() <{function_type = (tensor<1x5x5x3xsi8>) -> tensor<1x5x5x3xsi8>, sym_name = "depthwise_clip"}> ({
^bb0(%x: tensor<1x5x5x3xsi8>):
  %w = "qnn.constant"() <{value = dense<3> : tensor<3x3x3x1xsi8>}> : () -> tensor<3x3x3x1xsi8>
  %c = "qnn.conv2d"(%x, %w) <{groups = 3 : i64, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x5x5x3xsi8>, tensor<3x3x3x1xsi8>) -> tensor<1x5x5x3xsi32>
  %r = "qnn.clip"(%c) <{max = 127 : i64, min = -128 : i64}> : (tensor<1x5x5x3xsi32>) -> tensor<1x5x5x3xsi8>
  "func.return"(%r) : (tensor<1x5x5x3xsi8>) -> ()
}) : () -> ()
// CHECK: "dory.depthwise"(%{{.*}}) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 0 : i64}}> : (tensor<1x5x5x3xsi8>, tensor<3x3x3x1xsi8>) -> tensor<1x5x5x3xsi8>
// CHECK-NOT: qnn.

// -----

// CHECK-LABEL: sym_name = "pools_and_linear"
"func.func"() <{function_type = (tensor<1x6x6x4xui8>) -> tensor<1x3xsi32>, sym_name = "pools_and_linear"}> ({
^bb0(%x: tensor<1x6x6x4xui8>):
  %p = "qnn.pad"(%x) <{pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>}> : (tensor<1x6x6x4xui8>) -> tensor<1x8x8x4xui8>
  %m = "qnn.maxpool"(%p) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xui8>
  %s = "qnn.avgpool"(%m) <{div = 1 : i64, kernel = array<i64: 2, 2>}> : (tensor<1x4x4x4xui8>) -> tensor<1x2x2x4xsi32>
  %r = "qnn.requant"(%s) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<1x2x2x4xsi32>) -> tensor<1x2x2x4xui8>
  %g = "qnn.global_avgpool"(%r) <{div = 1 : i64}> : (tensor<1x2x2x4xui8>) -> tensor<1x1x1x4xsi32>
  %q = "qnn.requant"(%g) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<1x1x1x4xsi32>) -> tensor<1x1x1x4xui8>
  %f = "qnn.flatten"(%q) : (tensor<1x1x1x4xui8>) -> tensor<1x4xui8>
  %w = "qnn.constant"() <{value = dense<[[1, 2, 3, 4], [-1, -2, -3, -4], [5, 0, 5, 0]]> : tensor<3x4xsi8>}> : () -> tensor<3x4xsi8>
  %y = "qnn.linear"(%f, %w) : (tensor<1x4xui8>, tensor<3x4xsi8>) -> tensor<1x3xsi32>
  "func.return"(%y) : (tensor<1x3xsi32>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x6x6x4xui8>):
// CHECK-NEXT: %[[M:[a-zA-Z0-9_]+]] = "dory.pool"(%[[X]]) <{kernel = array<i64: 2, 2>, kind = "max", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}> : (tensor<1x6x6x4xui8>) -> tensor<1x4x4x4xui8>
// CHECK-NEXT: %[[A:[a-zA-Z0-9_]+]] = "dory.pool"(%[[M]]) <{div = 1 : i64, kernel = array<i64: 2, 2>, kind = "avg", pads = array<i64: 0, 0, 0, 0>, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}, strides = array<i64: 2, 2>}>
// CHECK-NEXT: %[[G:[a-zA-Z0-9_]+]] = "dory.pool"(%[[A]]) <{div = 1 : i64, kernel = array<i64: 2, 2>, kind = "avg", requant = {{.*}}, strides = array<i64: 1, 1>}>
// CHECK-NEXT: %[[F:[a-zA-Z0-9_]+]] = "dory.reshape"(%[[G]]) : (tensor<1x1x1x4xui8>) -> tensor<1x4xui8>
// CHECK:      "dory.linear"(%[[F]], %{{.*}}) : (tensor<1x4xui8>, tensor<3x4xsi8>) -> tensor<1x3xsi32>

// -----

// Input rescales and the output requant of a residual add become one dory.add.
// CHECK-LABEL: sym_name = "residual_add"
"func.func"() <{function_type = (tensor<1x4x4x8xui8>, tensor<1x4x4x8xui8>) -> tensor<1x4x4x16xui8>, sym_name = "residual_add"}> ({
^bb0(%a: tensor<1x4x4x8xui8>, %b: tensor<1x4x4x8xui8>):
  %ra = "qnn.requant"(%a) <{max = 765 : i64, min = 0 : i64, mul = 3 : i64, shift = 0 : i64}> : (tensor<1x4x4x8xui8>) -> tensor<1x4x4x8xsi32>
  %rb = "qnn.requant"(%b) <{add = 1 : i64, max = 127 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<1x4x4x8xui8>) -> tensor<1x4x4x8xui8>
  %s = "qnn.add"(%ra, %rb) : (tensor<1x4x4x8xsi32>, tensor<1x4x4x8xui8>) -> tensor<1x4x4x8xsi32>
  %y = "qnn.requant"(%s) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<1x4x4x8xsi32>) -> tensor<1x4x4x8xui8>
  %c = "qnn.concat"(%y, %a) <{axis = 3 : i64}> : (tensor<1x4x4x8xui8>, tensor<1x4x4x8xui8>) -> tensor<1x4x4x16xui8>
  "func.return"(%c) : (tensor<1x4x4x16xui8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[A:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xui8>, %[[B:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xui8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "dory.add"(%[[A]], %[[B]]) <{lhs_requant = {max = 765 : i64, min = 0 : i64, mul = 3 : i64, shift = 0 : i64}, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}, rhs_requant = {add = 1 : i64, max = 127 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}>
// CHECK-NEXT: "dory.concat"(%[[Y]], %[[A]]) <{axis = 3 : i64}>

// -----

// A sum that never wraps its ui16 type may feed a requant: the fused add holds it in si32.
// CHECK-LABEL: sym_name = "narrow_sum_clip"
"func.func"() <{function_type = (tensor<1x2x2x4xui8>, tensor<1x2x2x4xui8>) -> tensor<1x2x2x4xui8>, sym_name = "narrow_sum_clip"}> ({
^bb0(%a: tensor<1x2x2x4xui8>, %b: tensor<1x2x2x4xui8>):
  %s = "qnn.add"(%a, %b) : (tensor<1x2x2x4xui8>, tensor<1x2x2x4xui8>) -> tensor<1x2x2x4xui16>
  %y = "qnn.clip"(%s) <{max = 255 : i64, min = 0 : i64}> : (tensor<1x2x2x4xui16>) -> tensor<1x2x2x4xui8>
  "func.return"(%y) : (tensor<1x2x2x4xui8>) -> ()
}) : () -> ()
// CHECK: "dory.add"(%{{.*}}, %{{.*}}) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}}>

// -----

// Two roundings no single requant reproduces (floor(s/128) then floor(27x/32)) stay a list.
// CHECK-LABEL: sym_name = "two_roundings"
"func.func"() <{function_type = (tensor<1x2x2x4xui8>, tensor<1x2x2x4xui8>) -> tensor<1x2x2x4xui8>, sym_name = "two_roundings"}> ({
^bb0(%a: tensor<1x2x2x4xui8>, %b: tensor<1x2x2x4xui8>):
  %s = "qnn.add"(%a, %b) : (tensor<1x2x2x4xui8>, tensor<1x2x2x4xui8>) -> tensor<1x2x2x4xsi32>
  %r1 = "qnn.requant"(%s) <{max = 3 : i64, min = 0 : i64, mul = 1 : i64, shift = 7 : i64}> : (tensor<1x2x2x4xsi32>) -> tensor<1x2x2x4xui8>
  %r2 = "qnn.requant"(%r1) <{max = 255 : i64, min = 0 : i64, mul = 27 : i64, shift = 5 : i64}> : (tensor<1x2x2x4xui8>) -> tensor<1x2x2x4xui8>
  "func.return"(%r2) : (tensor<1x2x2x4xui8>) -> ()
}) : () -> ()
// CHECK: "dory.add"(%{{.*}}, %{{.*}}) <{requant = [{max = 3 : i64, min = 0 : i64, mul = 1 : i64, shift = 7 : i64}, {max = 255 : i64, min = 0 : i64, mul = 27 : i64, shift = 5 : i64}]}>
// CHECK-NOT: qnn.requant

// -----

// A standalone requant (QuantLab's RequantShift of a ui8 layer output into si8 on a residual
// branch: the conv layer's output has two users, so no layer takes it) is a layer of its own, a
// 1x1 max pool with that requantisation; the add still takes its rescale of that branch.
// CHECK-LABEL: sym_name = "standalone_requant"
"func.func"() <{function_type = (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xui8>, sym_name = "standalone_requant"}> ({
^bb0(%x: tensor<1x4x4x2xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<2x1x1x2xsi8>}> : () -> tensor<2x1x1x2xsi8>
  %c = "qnn.conv2d"(%x, %w) : (tensor<1x4x4x2xui8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xsi32>
  %a = "qnn.requant"(%c) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xui8>
  %s8 = "qnn.requant"(%a) <{add = 1 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xsi8>
  %in0 = "qnn.requant"(%s8) <{max = 508 : i64, min = -512 : i64, mul = 4 : i64, shift = 0 : i64}> : (tensor<1x4x4x2xsi8>) -> tensor<1x4x4x2xsi32>
  %sum = "qnn.add"(%in0, %a) : (tensor<1x4x4x2xsi32>, tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xsi32>
  %y = "qnn.requant"(%sum) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xui8>
  "func.return"(%y) : (tensor<1x4x4x2xui8>) -> ()
}) : () -> ()
// CHECK:      %[[A:[a-zA-Z0-9_]+]] = "dory.conv2d"(%{{.*}}, %{{.*}}) <{pads = array<i64: 0, 0, 0, 0>, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}}>
// CHECK-NEXT: %[[S:[a-zA-Z0-9_]+]] = "dory.pool"(%[[A]]) <{kernel = array<i64: 1, 1>, kind = "max", requant = {add = 1 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 1 : i64}, strides = array<i64: 1, 1>}> : (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xsi8>
// CHECK-NEXT: "dory.add"(%[[S]], %[[A]]) <{lhs_requant = {max = 508 : i64, min = -512 : i64, mul = 4 : i64, shift = 0 : i64}, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}>
// CHECK-NOT: qnn.requant

// -----

// A requant of a function argument, and the requant that follows it, is one standalone layer.
// CHECK-LABEL: sym_name = "requant_of_argument"
"func.func"() <{function_type = (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xui8>, sym_name = "requant_of_argument"}> ({
^bb0(%x: tensor<1x4x4x2xui8>):
  %r = "qnn.requant"(%x) <{max = 127 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xui8>
  %q = "qnn.clip"(%r) <{max = 100 : i64, min = 3 : i64}> : (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xui8>
  "func.return"(%q) : (tensor<1x4x4x2xui8>) -> ()
}) : () -> ()
// CHECK: "dory.pool"(%{{.*}}) <{kernel = array<i64: 1, 1>, kind = "max", requant = [{max = 127 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}, {max = 100 : i64, min = 3 : i64, mul = 1 : i64, shift = 0 : i64}], strides = array<i64: 1, 1>}> : (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xui8>
// CHECK-NOT: qnn.

// -----

// Zero padding could exceed negative values, so a max pool of si8 does not absorb the pad: the pad
// becomes copies (innermost padded axis first), constant blocks of the value around the tensor.
// CHECK-LABEL: sym_name = "signed_maxpool_pad"
// CHECK: %[[W0:.*]] = "qnn.constant"() <{value = dense<-3> : tensor<1x4x1x2xsi8>}>
// CHECK: %[[W1:.*]] = "qnn.constant"() <{value = dense<-3> : tensor<1x4x1x2xsi8>}>
// CHECK: %[[W:.*]] = "dory.concat"(%[[W0]], %x, %[[W1]]) <{axis = 2 : i64}> : (tensor<1x4x1x2xsi8>, tensor<1x4x4x2xsi8>, tensor<1x4x1x2xsi8>) -> tensor<1x4x6x2xsi8>
// CHECK: %[[H0:.*]] = "qnn.constant"() <{value = dense<-3> : tensor<1x1x6x2xsi8>}>
// CHECK: %[[H1:.*]] = "qnn.constant"() <{value = dense<-3> : tensor<1x2x6x2xsi8>}>
// CHECK: %p = "dory.concat"(%[[H0]], %[[W]], %[[H1]]) <{axis = 1 : i64}> : ({{.*}}) -> tensor<1x7x6x2xsi8>
// CHECK: "dory.pool"(%p)
// CHECK-NOT: qnn.pad
"func.func"() <{function_type = (tensor<1x4x4x2xsi8>) -> tensor<1x3x3x2xsi8>, sym_name = "signed_maxpool_pad"}> ({
^bb0(%x: tensor<1x4x4x2xsi8>):
  %p = "qnn.pad"(%x) <{pads = array<i64: 0, 1, 1, 0, 0, 2, 1, 0>, value = -3 : i64}> : (tensor<1x4x4x2xsi8>) -> tensor<1x7x6x2xsi8>
  %m = "qnn.maxpool"(%p) <{kernel = array<i64: 2, 2>}> : (tensor<1x7x6x2xsi8>) -> tensor<1x3x3x2xsi8>
  "func.return"(%m) : (tensor<1x3x3x2xsi8>) -> ()
}) : () -> ()
