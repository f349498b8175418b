// RUN: dory-opt %s --split-input-file | filecheck %s
// RUN: dory-opt %s --split-input-file | dory-opt --split-input-file | filecheck %s

// Round-trip of every qnn op, with and without each optional property and operand.

// CHECK-LABEL: sym_name = "constant"
"func.func"() <{function_type = () -> (tensor<2x2xsi8>, tensor<4xsi32>), sym_name = "constant"}> ({
  %a = "qnn.constant"() <{value = dense<[[1, -2], [3, 4]]> : tensor<2x2xsi8>}> : () -> tensor<2x2xsi8>
  %b = "qnn.constant"() <{value = dense<3> : tensor<4xsi32>}> : () -> tensor<4xsi32>
  "func.return"(%a, %b) : (tensor<2x2xsi8>, tensor<4xsi32>) -> ()
}) : () -> ()
// CHECK:      %[[A:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<{{\[\[}}1, -2], [3, 4]]> : tensor<2x2xsi8>}> : () -> tensor<2x2xsi8>
// CHECK-NEXT: %[[B:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<3> : tensor<4xsi32>}> : () -> tensor<4xsi32>
// CHECK-NEXT: "func.return"(%[[A]], %[[B]])

// -----

// CHECK-LABEL: sym_name = "conv2d"
"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<16x3x3x4xsi8>) -> tensor<1x6x6x16xsi32>, sym_name = "conv2d"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<16x3x3x4xsi8>):
  %y = "qnn.conv2d"(%x, %w) : (tensor<1x8x8x4xsi8>, tensor<16x3x3x4xsi8>) -> tensor<1x6x6x16xsi32>
  "func.return"(%y) : (tensor<1x6x6x16xsi32>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x4xsi8>, %[[W:[a-zA-Z0-9_]+]]: tensor<16x3x3x4xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]]) : (tensor<1x8x8x4xsi8>, tensor<16x3x3x4xsi8>) -> tensor<1x6x6x16xsi32>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "conv2d_bias_all_props"
"func.func"() <{function_type = (tensor<1x16x16x8xsi8>, tensor<16x3x3x4xsi8>, tensor<16xsi32>) -> tensor<1x7x7x16xsi32>, sym_name = "conv2d_bias_all_props"}> ({
^bb0(%x: tensor<1x16x16x8xsi8>, %w: tensor<16x3x3x4xsi8>, %b: tensor<16xsi32>):
  %y = "qnn.conv2d"(%x, %w, %b) <{dilations = array<i64: 2, 2>, groups = 2 : i64, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>}> : (tensor<1x16x16x8xsi8>, tensor<16x3x3x4xsi8>, tensor<16xsi32>) -> tensor<1x7x7x16xsi32>
  "func.return"(%y) : (tensor<1x7x7x16xsi32>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x16x16x8xsi8>, %[[W:[a-zA-Z0-9_]+]]: tensor<16x3x3x4xsi8>, %[[B:[a-zA-Z0-9_]+]]: tensor<16xsi32>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]], %[[B]]) <{dilations = array<i64: 2, 2>, groups = 2 : i64, pads = array<i64: 1, 1, 0, 0>, strides = array<i64: 2, 2>}>
// CHECK-SAME: : (tensor<1x16x16x8xsi8>, tensor<16x3x3x4xsi8>, tensor<16xsi32>) -> tensor<1x7x7x16xsi32>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// Depthwise: groups == input channels, one input channel per group, channel multiplier 2.
// CHECK-LABEL: sym_name = "conv2d_depthwise"
"func.func"() <{function_type = (tensor<1x8x8x8xsi8>, tensor<16x3x3x1xsi8>) -> tensor<1x8x8x16xi16>, sym_name = "conv2d_depthwise"}> ({
^bb0(%x: tensor<1x8x8x8xsi8>, %w: tensor<16x3x3x1xsi8>):
  %y = "qnn.conv2d"(%x, %w) <{groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x8x8x8xsi8>, tensor<16x3x3x1xsi8>) -> tensor<1x8x8x16xi16>
  "func.return"(%y) : (tensor<1x8x8x16xi16>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x8xsi8>, %[[W:[a-zA-Z0-9_]+]]: tensor<16x3x3x1xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]]) <{groups = 8 : i64, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x8x8x8xsi8>, tensor<16x3x3x1xsi8>) -> tensor<1x8x8x16xi16>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "linear"
"func.func"() <{function_type = (tensor<2x16xsi8>, tensor<10x16xsi8>) -> tensor<2x10xsi32>, sym_name = "linear"}> ({
^bb0(%x: tensor<2x16xsi8>, %w: tensor<10x16xsi8>):
  %y = "qnn.linear"(%x, %w) : (tensor<2x16xsi8>, tensor<10x16xsi8>) -> tensor<2x10xsi32>
  "func.return"(%y) : (tensor<2x10xsi32>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x16xsi8>, %[[W:[a-zA-Z0-9_]+]]: tensor<10x16xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.linear"(%[[X]], %[[W]]) : (tensor<2x16xsi8>, tensor<10x16xsi8>) -> tensor<2x10xsi32>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "linear_bias"
"func.func"() <{function_type = (tensor<2x16xsi8>, tensor<10x16xsi8>, tensor<10xsi32>) -> tensor<2x10xsi32>, sym_name = "linear_bias"}> ({
^bb0(%x: tensor<2x16xsi8>, %w: tensor<10x16xsi8>, %b: tensor<10xsi32>):
  %y = "qnn.linear"(%x, %w, %b) : (tensor<2x16xsi8>, tensor<10x16xsi8>, tensor<10xsi32>) -> tensor<2x10xsi32>
  "func.return"(%y) : (tensor<2x10xsi32>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x16xsi8>, %[[W:[a-zA-Z0-9_]+]]: tensor<10x16xsi8>, %[[B:[a-zA-Z0-9_]+]]: tensor<10xsi32>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.linear"(%[[X]], %[[W]], %[[B]]) : (tensor<2x16xsi8>, tensor<10x16xsi8>, tensor<10xsi32>) -> tensor<2x10xsi32>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// Per-tensor multiplier, power-of-two divisor, default add and rounding.
// CHECK-LABEL: sym_name = "requant_shift"
"func.func"() <{function_type = (tensor<1x4x4x8xsi32>) -> tensor<1x4x4x8xsi8>, sym_name = "requant_shift"}> ({
^bb0(%x: tensor<1x4x4x8xsi32>):
  %y = "qnn.requant"(%x) <{max = 127, min = -128, mul = 3, shift = 4}> : (tensor<1x4x4x8xsi32>) -> tensor<1x4x4x8xsi8>
  "func.return"(%y) : (tensor<1x4x4x8xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xsi32>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = 4 : i64}> : (tensor<1x4x4x8xsi32>) -> tensor<1x4x4x8xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// Per-channel multiplier and addend, integer divisor, truncating rounding.
// CHECK-LABEL: sym_name = "requant_div_per_channel"
"func.func"() <{function_type = (tensor<3x2xsi32>) -> tensor<3x2xui8>, sym_name = "requant_div_per_channel"}> ({
^bb0(%x: tensor<3x2xsi32>):
  %y = "qnn.requant"(%x) <{add = dense<[1, -2]> : tensor<2xsi32>, div = 3 : i64, max = 255 : i64, min = 0 : i64, mul = dense<[5, 6]> : tensor<2xsi32>, rounding = "trunc"}> : (tensor<3x2xsi32>) -> tensor<3x2xui8>
  "func.return"(%y) : (tensor<3x2xui8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<3x2xsi32>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{add = dense<[1, -2]> : tensor<2xsi32>, div = 3 : i64, max = 255 : i64, min = 0 : i64, mul = dense<[5, 6]> : tensor<2xsi32>, rounding = "trunc"}>
// CHECK-SAME: : (tensor<3x2xsi32>) -> tensor<3x2xui8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// numpy broadcasting: 4x1 + 1x3 -> 4x3.
// CHECK-LABEL: sym_name = "add"
"func.func"() <{function_type = (tensor<4x1xsi8>, tensor<1x3xsi8>) -> tensor<4x3xsi16>, sym_name = "add"}> ({
^bb0(%a: tensor<4x1xsi8>, %b: tensor<1x3xsi8>):
  %c = "qnn.add"(%a, %b) : (tensor<4x1xsi8>, tensor<1x3xsi8>) -> tensor<4x3xsi16>
  "func.return"(%c) : (tensor<4x3xsi16>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[A:[a-zA-Z0-9_]+]]: tensor<4x1xsi8>, %[[B:[a-zA-Z0-9_]+]]: tensor<1x3xsi8>):
// CHECK-NEXT: %[[C:[a-zA-Z0-9_]+]] = "qnn.add"(%[[A]], %[[B]]) : (tensor<4x1xsi8>, tensor<1x3xsi8>) -> tensor<4x3xsi16>
// CHECK-NEXT: "func.return"(%[[C]])

// -----

// CHECK-LABEL: sym_name = "clip"
"func.func"() <{function_type = (tensor<2x3xsi32>) -> tensor<2x3xsi8>, sym_name = "clip"}> ({
^bb0(%x: tensor<2x3xsi32>):
  %y = "qnn.clip"(%x) <{max = 6 : i64, min = 0 : i64}> : (tensor<2x3xsi32>) -> tensor<2x3xsi8>
  "func.return"(%y) : (tensor<2x3xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi32>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 6 : i64, min = 0 : i64}> : (tensor<2x3xsi32>) -> tensor<2x3xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// Strides default to the kernel.
// CHECK-LABEL: sym_name = "maxpool"
"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>, sym_name = "maxpool"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  %y = "qnn.maxpool"(%x) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>
  "func.return"(%y) : (tensor<1x4x4x4xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x4xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.maxpool"(%[[X]]) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// Ceil mode: (8 + 1 + 1 - 3) / 2 rounds up to 4, plus one window.
// CHECK-LABEL: sym_name = "maxpool_all_props"
"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x5x5x4xui8>, sym_name = "maxpool_all_props"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %y = "qnn.maxpool"(%x) <{ceil_mode = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}> : (tensor<1x8x8x4xui8>) -> tensor<1x5x5x4xui8>
  "func.return"(%y) : (tensor<1x5x5x4xui8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x4xui8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.maxpool"(%[[X]]) <{ceil_mode = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}>
// CHECK-SAME: : (tensor<1x8x8x4xui8>) -> tensor<1x5x5x4xui8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "avgpool"
"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>, sym_name = "avgpool"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  %y = "qnn.avgpool"(%x) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>
  "func.return"(%y) : (tensor<1x4x4x4xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x4xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.avgpool"(%[[X]]) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// A wider result type than the input is fine; it must hold every average.
// CHECK-LABEL: sym_name = "avgpool_all_props"
"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi16>, sym_name = "avgpool_all_props"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  %y = "qnn.avgpool"(%x) <{count_include_pad = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, rounding = "trunc", strides = array<i64: 1, 1>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi16>
  "func.return"(%y) : (tensor<1x8x8x4xsi16>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x4xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.avgpool"(%[[X]]) <{count_include_pad = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, rounding = "trunc", strides = array<i64: 1, 1>}>
// CHECK-SAME: : (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi16>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// div = 1: the exact window sum (what the frontend emits before requantising an average).
// CHECK-LABEL: sym_name = "avgpool_sum"
"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xsi32>, sym_name = "avgpool_sum"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %y = "qnn.avgpool"(%x) <{div = 1 : i64, kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xsi32>
  "func.return"(%y) : (tensor<1x4x4x4xsi32>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x8x8x4xui8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.avgpool"(%[[X]]) <{div = 1 : i64, kernel = array<i64: 2, 2>}>

// -----

// CHECK-LABEL: sym_name = "global_avgpool"
"func.func"() <{function_type = (tensor<1x4x4x8xsi8>) -> tensor<1x1x1x8xsi8>, sym_name = "global_avgpool"}> ({
^bb0(%x: tensor<1x4x4x8xsi8>):
  %y = "qnn.global_avgpool"(%x) : (tensor<1x4x4x8xsi8>) -> tensor<1x1x1x8xsi8>
  "func.return"(%y) : (tensor<1x1x1x8xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.global_avgpool"(%[[X]]) : (tensor<1x4x4x8xsi8>) -> tensor<1x1x1x8xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// A custom divisor (here half the window) and truncating rounding; si16 leaves room for the larger quotients.
// CHECK-LABEL: sym_name = "global_avgpool_div"
"func.func"() <{function_type = (tensor<1x2x2x8xsi8>) -> tensor<1x1x1x8xsi16>, sym_name = "global_avgpool_div"}> ({
^bb0(%x: tensor<1x2x2x8xsi8>):
  %y = "qnn.global_avgpool"(%x) <{div = 2 : i64, rounding = "trunc"}> : (tensor<1x2x2x8xsi8>) -> tensor<1x1x1x8xsi16>
  "func.return"(%y) : (tensor<1x1x1x8xsi16>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x2x2x8xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.global_avgpool"(%[[X]]) <{div = 2 : i64, rounding = "trunc"}> : (tensor<1x2x2x8xsi8>) -> tensor<1x1x1x8xsi16>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// pads: all begins, then all ends (ONNX order).
// CHECK-LABEL: sym_name = "pad"
"func.func"() <{function_type = (tensor<1x4x4x8xsi8>) -> tensor<1x7x7x8xsi8>, sym_name = "pad"}> ({
^bb0(%x: tensor<1x4x4x8xsi8>):
  %y = "qnn.pad"(%x) <{pads = array<i64: 0, 1, 1, 0, 0, 2, 2, 0>}> : (tensor<1x4x4x8xsi8>) -> tensor<1x7x7x8xsi8>
  "func.return"(%y) : (tensor<1x7x7x8xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.pad"(%[[X]]) <{pads = array<i64: 0, 1, 1, 0, 0, 2, 2, 0>}> : (tensor<1x4x4x8xsi8>) -> tensor<1x7x7x8xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "pad_value"
"func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<3x5xsi8>, sym_name = "pad_value"}> ({
^bb0(%x: tensor<2x3xsi8>):
  %y = "qnn.pad"(%x) <{pads = array<i64: 1, 0, 0, 2>, value = -128 : i64}> : (tensor<2x3xsi8>) -> tensor<3x5xsi8>
  "func.return"(%y) : (tensor<3x5xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.pad"(%[[X]]) <{pads = array<i64: 1, 0, 0, 2>, value = -128 : i64}> : (tensor<2x3xsi8>) -> tensor<3x5xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "reshape"
"func.func"() <{function_type = (tensor<1x4x4x8xsi8>) -> tensor<16x8xsi8>, sym_name = "reshape"}> ({
^bb0(%x: tensor<1x4x4x8xsi8>):
  %y = "qnn.reshape"(%x) : (tensor<1x4x4x8xsi8>) -> tensor<16x8xsi8>
  "func.return"(%y) : (tensor<16x8xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.reshape"(%[[X]]) : (tensor<1x4x4x8xsi8>) -> tensor<16x8xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "flatten"
"func.func"() <{function_type = (tensor<2x4x4x8xsi8>) -> tensor<2x128xsi8>, sym_name = "flatten"}> ({
^bb0(%x: tensor<2x4x4x8xsi8>):
  %y = "qnn.flatten"(%x) : (tensor<2x4x4x8xsi8>) -> tensor<2x128xsi8>
  "func.return"(%y) : (tensor<2x128xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x4x4x8xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.flatten"(%[[X]]) : (tensor<2x4x4x8xsi8>) -> tensor<2x128xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// CHECK-LABEL: sym_name = "flatten_axis"
"func.func"() <{function_type = (tensor<2x4x4x8xsi8>) -> tensor<8x32xsi8>, sym_name = "flatten_axis"}> ({
^bb0(%x: tensor<2x4x4x8xsi8>):
  %y = "qnn.flatten"(%x) <{axis = 2 : i64}> : (tensor<2x4x4x8xsi8>) -> tensor<8x32xsi8>
  "func.return"(%y) : (tensor<8x32xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x4x4x8xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.flatten"(%[[X]]) <{axis = 2 : i64}> : (tensor<2x4x4x8xsi8>) -> tensor<8x32xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// NHWC -> NCHW.
// CHECK-LABEL: sym_name = "transpose"
"func.func"() <{function_type = (tensor<1x4x5x8xsi8>) -> tensor<1x8x4x5xsi8>, sym_name = "transpose"}> ({
^bb0(%x: tensor<1x4x5x8xsi8>):
  %y = "qnn.transpose"(%x) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<1x4x5x8xsi8>) -> tensor<1x8x4x5xsi8>
  "func.return"(%y) : (tensor<1x8x4x5xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x5x8xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.transpose"(%[[X]]) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<1x4x5x8xsi8>) -> tensor<1x8x4x5xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])

// -----

// Three operands, negative axis (channels).
// CHECK-LABEL: sym_name = "concat"
"func.func"() <{function_type = (tensor<1x4x4x8xsi8>, tensor<1x4x4x3xsi8>, tensor<1x4x4x1xsi8>) -> tensor<1x4x4x12xsi8>, sym_name = "concat"}> ({
^bb0(%a: tensor<1x4x4x8xsi8>, %b: tensor<1x4x4x3xsi8>, %c: tensor<1x4x4x1xsi8>):
  %y = "qnn.concat"(%a, %b, %c) <{axis = -1 : i64}> : (tensor<1x4x4x8xsi8>, tensor<1x4x4x3xsi8>, tensor<1x4x4x1xsi8>) -> tensor<1x4x4x12xsi8>
  "func.return"(%y) : (tensor<1x4x4x12xsi8>) -> ()
}) : () -> ()
// CHECK:      ^bb0(%[[A:[a-zA-Z0-9_]+]]: tensor<1x4x4x8xsi8>, %[[B:[a-zA-Z0-9_]+]]: tensor<1x4x4x3xsi8>, %[[C:[a-zA-Z0-9_]+]]: tensor<1x4x4x1xsi8>):
// CHECK-NEXT: %[[Y:[a-zA-Z0-9_]+]] = "qnn.concat"(%[[A]], %[[B]], %[[C]]) <{axis = -1 : i64}>
// CHECK-SAME: : (tensor<1x4x4x8xsi8>, tensor<1x4x4x3xsi8>, tensor<1x4x4x1xsi8>) -> tensor<1x4x4x12xsi8>
// CHECK-NEXT: "func.return"(%[[Y]])
