// RUN: dory-opt %s --split-input-file -p requant-window | filecheck %s
// RUN: dory-opt %s --split-input-file -p requant-window,requant-window | filecheck %s
// RUN: dory-opt %s --split-input-file -p requant-window --verify-semantics=1 -o /dev/null

// An 8-bit conv with a one-stage floor requant gets its input window (per channel [win_lo, win_hi],
// dory_ir/analysis/requant_window.py); a narrow mul / add vector is widened to si32.
// Channel 0: m = 3, a = 100, d = 16: x*3 + 100 in [0, 4096) <=> x in [-33, 1331].
// Channel 1: m = -5 (decreasing): [-1219, -400]. Channel 2: m = 0, floor(40/16) = 2 in [0, 255]: [0, 0].
// CHECK-LABEL: sym_name = "conv_window"
"func.func"() <{function_type = (tensor<1x4x4x2xui8>, tensor<4x1x1x2xsi8>) -> tensor<1x4x4x4xui8>, sym_name = "conv_window"}> ({
^bb0(%x: tensor<1x4x4x2xui8>, %w: tensor<4x1x1x2xsi8>):
  %y = "dory.conv2d"(%x, %w) <{requant = {add = dense<[100, -2000, 40, 70000]> : tensor<4xsi32>, max = 255 : i64, min = 0 : i64, mul = dense<[3, -5, 0, 7]> : tensor<4xsi8>, shift = 4 : i64}}> : (tensor<1x4x4x2xui8>, tensor<4x1x1x2xsi8>) -> tensor<1x4x4x4xui8>
  "func.return"(%y) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()
// CHECK: "dory.conv2d"(%{{.*}}) <{requant = {add = dense<[100, -2000, 40, 70000]> : tensor<4xsi32>, max = 255 : i64, min = 0 : i64, mul = dense<[3, -5, 0, 7]> : tensor<4xsi32>, shift = 4 : i64, win_hi = dense<[1331, -400, 0, -9415]> : tensor<4xsi32>, win_lo = dense<[-33, -1219, 0, -10000]> : tensor<4xsi32>}}>

// -----

// A divisor that is not a power of two (NEMO's 2^24 - 1) and a linear layer: a window too (the C
// end divides v < 2^32 by a multiply-high); scalars stay scalars, the window is per channel.
// CHECK-LABEL: sym_name = "linear_div"
"func.func"() <{function_type = (tensor<1x8xsi8>, tensor<2x8xsi8>) -> tensor<1x2xsi8>, sym_name = "linear_div"}> ({
^bb0(%x: tensor<1x8xsi8>, %w: tensor<2x8xsi8>):
  %y = "dory.linear"(%x, %w) <{requant = {add = 1000 : i64, div = 16777215 : i64, max = 127 : i64, min = -128 : i64, mul = 43 : i64}}> : (tensor<1x8xsi8>, tensor<2x8xsi8>) -> tensor<1x2xsi8>
  "func.return"(%y) : (tensor<1x2xsi8>) -> ()
}) : () -> ()
// CHECK: "dory.linear"(%{{.*}}) <{requant = {add = 1000 : i64, div = 16777215 : i64, max = 127 : i64, min = -128 : i64, mul = 43 : i64, win_hi = dense<49941453> : tensor<2xsi32>, win_lo = dense<-49941500> : tensor<2xsi32>}}>

// -----

// A 3x3 depthwise with a shift gets its window (the ring kernel's clamp end reads it), a 5x5 one
// or a dilated one does not (their kernels would end every sum through the generic end).
// x*3 in [0, 4096) <=> x in [0, 1365].
// CHECK-LABEL: sym_name = "depthwise_window"
"func.func"() <{function_type = (tensor<1x6x6x2xui8>, tensor<2x3x3x1xsi8>, tensor<2x5x5x1xsi8>) -> (tensor<1x6x6x2xui8>, tensor<1x2x2x2xui8>, tensor<1x2x2x2xui8>), sym_name = "depthwise_window"}> ({
^bb0(%x: tensor<1x6x6x2xui8>, %d: tensor<2x3x3x1xsi8>, %e: tensor<2x5x5x1xsi8>):
  %a = "dory.depthwise"(%x, %d) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x6x6x2xui8>, tensor<2x3x3x1xsi8>) -> tensor<1x6x6x2xui8>
  %b = "dory.depthwise"(%x, %e) <{requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x6x6x2xui8>, tensor<2x5x5x1xsi8>) -> tensor<1x2x2x2xui8>
  %c = "dory.depthwise"(%x, %d) <{dilations = array<i64: 2, 2>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x6x6x2xui8>, tensor<2x3x3x1xsi8>) -> tensor<1x2x2x2xui8>
  "func.return"(%a, %b, %c) : (tensor<1x6x6x2xui8>, tensor<1x2x2x2xui8>, tensor<1x2x2x2xui8>) -> ()
}) : () -> ()
// CHECK: "dory.depthwise"(%{{.*}}) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64, win_hi = dense<1365> : tensor<2xsi32>, win_lo = dense<0> : tensor<2xsi32>}}>
// CHECK-NOT: win_lo
// CHECK: "func.return"

// -----

// No window: a trunc rounding (d > 1), a 16-bit result, a 3x3 depthwise layer dividing by a
// non-power of two (its ring kernel reads a window only with a shift), a layer without a requant,
// a two-stage chain, and |mul| > d.
// CHECK-LABEL: sym_name = "no_window"
"func.func"() <{function_type = (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>, tensor<2x3x3x1xsi8>) -> (tensor<1x4x4x2xsi8>, tensor<1x4x4x2xsi16>, tensor<1x4x4x2xui8>, tensor<1x4x4x2xsi32>, tensor<1x4x4x2xui8>, tensor<1x4x4x2xui8>), sym_name = "no_window"}> ({
^bb0(%x: tensor<1x4x4x2xsi8>, %w: tensor<2x1x1x2xsi8>, %d: tensor<2x3x3x1xsi8>):
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 127 : i64, min = -128 : i64, mul = 3 : i64, rounding = "trunc", shift = 4 : i64}}> : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xsi8>
  %b = "dory.conv2d"(%x, %w) <{requant = {max = 1000 : i64, min = -1000 : i64, mul = 3 : i64, shift = 4 : i64}}> : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xsi16>
  %c = "dory.depthwise"(%x, %d) <{pads = array<i64: 1, 1, 1, 1>, requant = {div = 3 : i64, max = 255 : i64, min = 0 : i64, mul = 3 : i64}}> : (tensor<1x4x4x2xsi8>, tensor<2x3x3x1xsi8>) -> tensor<1x4x4x2xui8>
  %e = "dory.conv2d"(%x, %w) : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xsi32>
  %f = "dory.conv2d"(%x, %w) <{requant = [{max = 1000 : i64, min = -1000 : i64, mul = 3 : i64, shift = 1 : i64}, {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}]}> : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xui8>
  %g = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 17 : i64, shift = 4 : i64}}> : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xui8>
  "func.return"(%a, %b, %c, %e, %f, %g) : (tensor<1x4x4x2xsi8>, tensor<1x4x4x2xsi16>, tensor<1x4x4x2xui8>, tensor<1x4x4x2xsi32>, tensor<1x4x4x2xui8>, tensor<1x4x4x2xui8>) -> ()
}) : () -> ()
// CHECK-NOT: win_lo
