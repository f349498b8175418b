// RUN: dory-opt %s --split-input-file -p fold-requant | filecheck %s
// RUN: dory-opt %s --split-input-file -p fold-requant | dory-opt --split-input-file -p fold-requant | filecheck %s
// RUN: dory-opt %s --split-input-file -p fold-requant --verify-semantics=1 -o /dev/null

// The second RUN line checks that a second run keeps everything the first one produced
// (idempotence); the third interprets every function before and after on random inputs over
// the full input type range, so every fold below (and every non-fold) is also checked for
// exactness.

// ===== Folds =====

// A clip after a requant: one requant with the intersected bounds and the clip's result type.
// floor(x/8) reaches both 0 and 415 for si32 x, so the bounds are [g(0), g(415)] = [0, 255].

// CHECK-LABEL: sym_name = "clip_after_requant"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi32>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 3 : i64}> : (tensor<4x8xsi32>) -> tensor<4x8xui8>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<4x8xsi32>) -> tensor<4x8xui8>, sym_name = "clip_after_requant"}> ({
^bb0(%x: tensor<4x8xsi32>):
  %r = "qnn.requant"(%x) <{max = 415 : i64, min = 0 : i64, mul = 1 : i64, shift = 3 : i64}> : (tensor<4x8xsi32>) -> tensor<4x8xui16>
  %c = "qnn.clip"(%r) <{max = 255 : i64, min = 0 : i64}> : (tensor<4x8xui16>) -> tensor<4x8xui8>
  "func.return"(%c) : (tensor<4x8xui8>) -> ()
}) : () -> ()

// -----

// A clip after a clip: one clip, [max(-300, -20), min(100, 127)], with the later result type.

// CHECK-LABEL: sym_name = "clip_after_clip"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi16>):
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 100 : i64, min = -20 : i64}> : (tensor<4x8xsi16>) -> tensor<4x8xsi8>
// CHECK-NEXT:    "func.return"(%[[C]])
"func.func"() <{function_type = (tensor<4x8xsi16>) -> tensor<4x8xsi8>, sym_name = "clip_after_clip"}> ({
^bb0(%x: tensor<4x8xsi16>):
  %a = "qnn.clip"(%x) <{max = 100 : i64, min = -300 : i64}> : (tensor<4x8xsi16>) -> tensor<4x8xsi16>
  %b = "qnn.clip"(%a) <{max = 127 : i64, min = -20 : i64}> : (tensor<4x8xsi16>) -> tensor<4x8xsi8>
  "func.return"(%b) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// A requant whose only effect is a clip (x*1 + 0, divisor 1) is a qnn.clip; the rounding
// of a divisor 1 is irrelevant and goes.

// CHECK-LABEL: sym_name = "requant_that_only_clips"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi8>):
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 10 : i64, min = -10 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
// CHECK-NEXT:    "func.return"(%[[C]])
"func.func"() <{function_type = (tensor<4x8xsi8>) -> tensor<4x8xsi8>, sym_name = "requant_that_only_clips"}> ({
^bb0(%x: tensor<4x8xsi8>):
  %r = "qnn.requant"(%x) <{max = 10 : i64, min = -10 : i64, mul = 1 : i64, rounding = "trunc", shift = 0 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  "func.return"(%r) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// A multiply-add (divisor 1) that cannot clip on si8 input (3x+2 in [-382, 383]), then a
// requant: the multipliers compose exactly, m = 3*5, a = 2*5 - 7, divisor 8.

// CHECK-LABEL: sym_name = "multiply_then_requant"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi8>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{add = 3 : i64, max = 127 : i64, min = -128 : i64, mul = 15 : i64, shift = 3 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<4x8xsi8>) -> tensor<4x8xsi8>, sym_name = "multiply_then_requant"}> ({
^bb0(%x: tensor<4x8xsi8>):
  %a = "qnn.requant"(%x) <{add = 2 : i64, max = 400 : i64, min = -400 : i64, mul = 3 : i64, shift = 0 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi16>
  %b = "qnn.requant"(%a) <{add = -7 : i64, max = 127 : i64, min = -128 : i64, mul = 5 : i64, shift = 3 : i64}> : (tensor<4x8xsi16>) -> tensor<4x8xsi8>
  "func.return"(%b) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// floor((floor(x/4) + 3) / 8) == floor((x + 12) / 32). The first clip [-1000, 1000] binds on
// si32 input; pushed through the second (monotone) requant it becomes
// [floor(-997/8), floor(1003/8)] = [-125, 125].

// CHECK-LABEL: sym_name = "floor_of_floor"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi32>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{add = 12 : i64, max = 125 : i64, min = -125 : i64, mul = 1 : i64, shift = 5 : i64}> : (tensor<4x8xsi32>) -> tensor<4x8xsi8>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<4x8xsi32>) -> tensor<4x8xsi8>, sym_name = "floor_of_floor"}> ({
^bb0(%x: tensor<4x8xsi32>):
  %a = "qnn.requant"(%x) <{max = 1000 : i64, min = -1000 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<4x8xsi32>) -> tensor<4x8xsi16>
  %b = "qnn.requant"(%a) <{add = 3 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 3 : i64}> : (tensor<4x8xsi16>) -> tensor<4x8xsi8>
  "func.return"(%b) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// trunc(trunc(x/3) / 5) == trunc(x/15) (no offset in between, so no sign can flip). The
// first clip [-128, 127] binds; through the second op it is [trunc(-128/5), trunc(127/5)].

// CHECK-LABEL: sym_name = "trunc_of_trunc"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi16>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{div = 15 : i64, max = 25 : i64, min = -25 : i64, mul = 1 : i64, rounding = "trunc"}> : (tensor<4x8xsi16>) -> tensor<4x8xsi8>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<4x8xsi16>) -> tensor<4x8xsi8>, sym_name = "trunc_of_trunc"}> ({
^bb0(%x: tensor<4x8xsi16>):
  %a = "qnn.requant"(%x) <{div = 3 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc"}> : (tensor<4x8xsi16>) -> tensor<4x8xsi8>
  %b = "qnn.requant"(%a) <{div = 5 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc"}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  "func.return"(%b) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// A clip in between that does bind (floor(x/2) reaches 127 > 10) still folds when its image
// under the second op is the same in every channel: the result is clip(floor(x/8), 0, 2)
// (g(10) = floor(10/4) = 2; the lower bound 0 cannot bind on ui8 input).

// CHECK-LABEL: sym_name = "binding_clip_in_between"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xui8>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 2 : i64, min = 0 : i64, mul = 1 : i64, shift = 3 : i64}> : (tensor<4x8xui8>) -> tensor<4x8xui8>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<4x8xui8>) -> tensor<4x8xui8>, sym_name = "binding_clip_in_between"}> ({
^bb0(%x: tensor<4x8xui8>):
  %a = "qnn.requant"(%x) <{max = 10 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<4x8xui8>) -> tensor<4x8xui8>
  %b = "qnn.requant"(%a) <{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<4x8xui8>) -> tensor<4x8xui8>
  "func.return"(%b) : (tensor<4x8xui8>) -> ()
}) : () -> ()

// -----

// Identities go by value range, not only by type: the clip keeps %c in [-50, 50], so after
// the reshape a requant x*1 >> 0 clipped to [-128, 127] is the identity. The multiply by 2
// (divisor 1, bounds covering [-100, 100], same type) changes values and stays.

// CHECK-LABEL: sym_name = "identity_by_range"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi8>):
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 50 : i64, min = -50 : i64}>
// CHECK-NEXT:    %[[S:[a-zA-Z0-9_]+]] = "qnn.reshape"(%[[C]])
// CHECK-NEXT:    %[[D:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[S]]) <{max = 127 : i64, min = -128 : i64, mul = 2 : i64, shift = 0 : i64}>
// CHECK-NEXT:    "func.return"(%[[S]], %[[D]])
"func.func"() <{function_type = (tensor<4x8xsi8>) -> (tensor<32xsi8>, tensor<32xsi8>), sym_name = "identity_by_range"}> ({
^bb0(%x: tensor<4x8xsi8>):
  %c = "qnn.clip"(%x) <{max = 50 : i64, min = -50 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  %s = "qnn.reshape"(%c) : (tensor<4x8xsi8>) -> tensor<32xsi8>
  %i = "qnn.requant"(%s) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 0 : i64}> : (tensor<32xsi8>) -> tensor<32xsi8>
  %d = "qnn.requant"(%s) <{max = 127 : i64, min = -128 : i64, mul = 2 : i64, shift = 0 : i64}> : (tensor<32xsi8>) -> tensor<32xsi8>
  "func.return"(%i, %d) : (tensor<32xsi8>, tensor<32xsi8>) -> ()
}) : () -> ()

// -----

// Normalisation: a per-channel vector of equal entries is a scalar, a zero offset and the
// default rounding go, and mul/divisor lose their common factor 6: x*6 / 12 -> x / 2, which is
// spelled as a shift.

// CHECK-LABEL: sym_name = "normalise_scalar_gcd_shift"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x4xsi32>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<2x4xsi32>) -> tensor<2x4xsi8>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<2x4xsi32>) -> tensor<2x4xsi8>, sym_name = "normalise_scalar_gcd_shift"}> ({
^bb0(%x: tensor<2x4xsi32>):
  %r = "qnn.requant"(%x) <{add = dense<0> : tensor<4xsi32>, div = 12 : i64, max = 127 : i64, min = -128 : i64, mul = dense<6> : tensor<4xsi32>, rounding = "floor"}> : (tensor<2x4xsi32>) -> tensor<2x4xsi8>
  "func.return"(%r) : (tensor<2x4xsi8>) -> ()
}) : () -> ()

// -----

// floor((x*m + a) / d) with g = gcd(m[*], d) = 3: m/3 = [1, -2, 3, 4], floor(a/3) = [0, 0, 1, 1],
// d/3 = 2; the vectors then fit si8.

// CHECK-LABEL: sym_name = "normalise_per_channel_floor"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x4xsi16>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{add = dense<[0, 0, 1, 1]> : tensor<4xsi8>, max = 127 : i64, min = -128 : i64, mul = dense<[1, -2, 3, 4]> : tensor<4xsi8>, shift = 1 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<2x4xsi16>) -> tensor<2x4xsi8>, sym_name = "normalise_per_channel_floor"}> ({
^bb0(%x: tensor<2x4xsi16>):
  %r = "qnn.requant"(%x) <{add = dense<[1, 2, 3, 4]> : tensor<4xsi32>, div = 6 : i64, max = 127 : i64, min = -128 : i64, mul = dense<[3, -6, 9, 12]> : tensor<4xsi32>}> : (tensor<2x4xsi16>) -> tensor<2x4xsi8>
  "func.return"(%r) : (tensor<2x4xsi8>) -> ()
}) : () -> ()

// -----

// When the divisor divides every multiplier the floor is exact on x's part:
// floor((8x + 5) / 4) = 2x + floor(5/4). What is left is a multiply-add (shift 0).

// CHECK-LABEL: sym_name = "normalise_divisor_divides_mul"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x4xsi8>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{add = 1 : i64, max = 127 : i64, min = -128 : i64, mul = 2 : i64, shift = 0 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<2x4xsi8>) -> tensor<2x4xsi8>, sym_name = "normalise_divisor_divides_mul"}> ({
^bb0(%x: tensor<2x4xsi8>):
  %r = "qnn.requant"(%x) <{add = 5 : i64, max = 127 : i64, min = -128 : i64, mul = 8 : i64, shift = 2 : i64}> : (tensor<2x4xsi8>) -> tensor<2x4xsi8>
  "func.return"(%r) : (tensor<2x4xsi8>) -> ()
}) : () -> ()

// -----

// trunc and floor agree under a lower bound >= 0 (a negative quotient clips to min either
// way), so the ReLU requant drops its rounding; with a negative lower bound and a possibly
// negative numerator trunc stays, and only the factor common to mul, add and the divisor
// (4) may go: (4x + 8) / 12 -> (x + 2) / 3.

// CHECK-LABEL: sym_name = "normalise_trunc"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x4xsi8>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{add = -3 : i64, div = 7 : i64, max = 255 : i64, min = 0 : i64, mul = 5 : i64}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{add = 2 : i64, div = 3 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc"}>
// CHECK-NEXT:    "func.return"(%[[A]], %[[B]])
"func.func"() <{function_type = (tensor<2x4xsi8>) -> (tensor<2x4xui8>, tensor<2x4xsi8>), sym_name = "normalise_trunc"}> ({
^bb0(%x: tensor<2x4xsi8>):
  %a = "qnn.requant"(%x) <{add = -3 : i64, div = 7 : i64, max = 255 : i64, min = 0 : i64, mul = 5 : i64, rounding = "trunc"}> : (tensor<2x4xsi8>) -> tensor<2x4xui8>
  %b = "qnn.requant"(%x) <{add = 8 : i64, div = 12 : i64, max = 127 : i64, min = -128 : i64, mul = 4 : i64, rounding = "trunc"}> : (tensor<2x4xsi8>) -> tensor<2x4xsi8>
  "func.return"(%a, %b) : (tensor<2x4xui8>, tensor<2x4xsi8>) -> ()
}) : () -> ()

// -----

// Offset into the existing bias: add = [6, -15] = mul * [2, -3], so the bias becomes
// [10 + 2, -20 - 3] and the requant loses its offset. The old bias constant is erased.

// CHECK-LABEL: sym_name = "offset_into_bias"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x2xsi8>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<{{\[\[\[\[}}1, -2]]], {{\[\[\[}}3, 4]]]]> : tensor<2x1x1x2xsi8>}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<[12, -23]> : tensor<2xsi32>}>
// CHECK-NEXT:    %[[ACC:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]], %[[B]])
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{max = 127 : i64, min = -128 : i64, mul = dense<[3, 5]> : tensor<2xsi8>, shift = 4 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<1x4x4x2xsi8>) -> tensor<1x4x4x2xsi8>, sym_name = "offset_into_bias"}> ({
^bb0(%x: tensor<1x4x4x2xsi8>):
  %w = "qnn.constant"() <{value = dense<[[[[1, -2]]], [[[3, 4]]]]> : tensor<2x1x1x2xsi8>}> : () -> tensor<2x1x1x2xsi8>
  %b = "qnn.constant"() <{value = dense<[10, -20]> : tensor<2xsi32>}> : () -> tensor<2xsi32>
  %acc = "qnn.conv2d"(%x, %w, %b) : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>, tensor<2xsi32>) -> tensor<1x4x4x2xsi32>
  %r = "qnn.requant"(%acc) <{add = dense<[6, -15]> : tensor<2xsi32>, max = 127 : i64, min = -128 : i64, mul = dense<[3, 5]> : tensor<2xsi32>, shift = 4 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xsi8>
  "func.return"(%r) : (tensor<1x4x4x2xsi8>) -> ()
}) : () -> ()

// -----

// A per-channel offset creates the bias: (2*acc + [10, -8]) / 8 normalises to
// (acc*[1, 2] + [5, -4]) / 4, whose offset is [1, 2] * [5, -2].

// CHECK-LABEL: sym_name = "offset_creates_bias"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x3x3x1xui8>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<{{\[\[\[\[}}1]], {{\[\[}}2]]], {{\[\[\[}}-1]], {{\[\[}}0]]]]> : tensor<2x2x1x1xsi8>}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<[5, -2]> : tensor<2xsi32>}>
// CHECK-NEXT:    %[[ACC:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]], %[[B]]) <{pads = array<i64: 1, 0, 0, 0>}>
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{max = 255 : i64, min = 0 : i64, mul = dense<[1, 2]> : tensor<2xsi8>, shift = 2 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<1x3x3x1xui8>) -> tensor<1x3x3x2xui8>, sym_name = "offset_creates_bias"}> ({
^bb0(%x: tensor<1x3x3x1xui8>):
  %w = "qnn.constant"() <{value = dense<[[[[1]], [[2]]], [[[-1]], [[0]]]]> : tensor<2x2x1x1xsi8>}> : () -> tensor<2x2x1x1xsi8>
  %acc = "qnn.conv2d"(%x, %w) <{pads = array<i64: 1, 0, 0, 0>}> : (tensor<1x3x3x1xui8>, tensor<2x2x1x1xsi8>) -> tensor<1x3x3x2xsi32>
  %r = "qnn.requant"(%acc) <{add = dense<[10, -8]> : tensor<2xsi32>, max = 255 : i64, min = 0 : i64, mul = dense<[2, 4]> : tensor<2xsi32>, shift = 3 : i64}> : (tensor<1x3x3x2xsi32>) -> tensor<1x3x3x2xui8>
  "func.return"(%r) : (tensor<1x3x3x2xui8>) -> ()
}) : () -> ()

// -----

// The reverse: an offset that is not a multiple of the multiplier absorbs the bias instead,
// [1 + 3*100, 2 + 7*(-50)], and the bias constant goes (one op and two values fewer).

// CHECK-LABEL: sym_name = "bias_into_offset"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x2xui8>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"()
// CHECK-NEXT:    %[[ACC:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]]) :
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{add = dense<[301, -348]> : tensor<2xsi16>, max = 255 : i64, min = 0 : i64, mul = dense<[3, 7]> : tensor<2xsi8>, shift = 5 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xui8>, sym_name = "bias_into_offset"}> ({
^bb0(%x: tensor<1x4x4x2xui8>):
  %w = "qnn.constant"() <{value = dense<[[[[1, -2]]], [[[3, 4]]]]> : tensor<2x1x1x2xsi8>}> : () -> tensor<2x1x1x2xsi8>
  %b = "qnn.constant"() <{value = dense<[100, -50]> : tensor<2xsi32>}> : () -> tensor<2xsi32>
  %acc = "qnn.conv2d"(%x, %w, %b) : (tensor<1x4x4x2xui8>, tensor<2x1x1x2xsi8>, tensor<2xsi32>) -> tensor<1x4x4x2xsi32>
  %r = "qnn.requant"(%acc) <{add = dense<[1, 2]> : tensor<2xsi32>, max = 255 : i64, min = 0 : i64, mul = dense<[3, 7]> : tensor<2xsi32>, shift = 5 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xui8>
  "func.return"(%r) : (tensor<1x4x4x2xui8>) -> ()
}) : () -> ()

// -----

// The same for qnn.linear: (4*acc + [8, -12]) / 16 normalises to (acc + [2, -3]) / 4, and
// [2, -3] becomes the bias.

// CHECK-LABEL: sym_name = "linear_offset_into_bias"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xui8>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"()
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<[2, -3]> : tensor<2xsi32>}>
// CHECK-NEXT:    %[[ACC:[a-zA-Z0-9_]+]] = "qnn.linear"(%[[X]], %[[W]], %[[B]])
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 2 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<2x3xui8>) -> tensor<2x2xsi8>, sym_name = "linear_offset_into_bias"}> ({
^bb0(%x: tensor<2x3xui8>):
  %w = "qnn.constant"() <{value = dense<[[1, 2, 3], [-4, 5, -6]]> : tensor<2x3xsi8>}> : () -> tensor<2x3xsi8>
  %acc = "qnn.linear"(%x, %w) : (tensor<2x3xui8>, tensor<2x3xsi8>) -> tensor<2x2xsi32>
  %r = "qnn.requant"(%acc) <{add = dense<[8, -12]> : tensor<2xsi32>, max = 127 : i64, min = -128 : i64, mul = 4 : i64, shift = 4 : i64}> : (tensor<2x2xsi32>) -> tensor<2x2xsi8>
  "func.return"(%r) : (tensor<2x2xsi8>) -> ()
}) : () -> ()

// ===== Non-folds: each of these would be wrong (or would not save anything) =====

// -----

// trunc, then an offset: trunc(x/2) + 3 is not trunc((x + 6)/2) when x/2 is negative
// (x = -1: 0 + 3 = 3, but trunc(5/2) = 2). The intermediate can be negative, so both stay.

// CHECK-LABEL: sym_name = "trunc_negative_intermediate"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi8>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc", shift = 1 : i64}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[A]]) <{add = 3 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 0 : i64}>
// CHECK-NEXT:    "func.return"(%[[B]])
"func.func"() <{function_type = (tensor<4x8xsi8>) -> tensor<4x8xsi8>, sym_name = "trunc_negative_intermediate"}> ({
^bb0(%x: tensor<4x8xsi8>):
  %a = "qnn.requant"(%x) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc", shift = 1 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  %b = "qnn.requant"(%a) <{add = 3 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 0 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  "func.return"(%b) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// floor then trunc: for x = -1 and x = -3 no single rounding of x/4 gives both
// trunc(floor(-1/2)/2) = 0 and trunc(floor(-3/2)/2) = -1.

// CHECK-LABEL: sym_name = "floor_then_trunc"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi8>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 1 : i64}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[A]]) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc", shift = 1 : i64}>
// CHECK-NEXT:    "func.return"(%[[B]])
"func.func"() <{function_type = (tensor<4x8xsi8>) -> tensor<4x8xsi8>, sym_name = "floor_then_trunc"}> ({
^bb0(%x: tensor<4x8xsi8>):
  %a = "qnn.requant"(%x) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  %b = "qnn.requant"(%a) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc", shift = 1 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  "func.return"(%b) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// A clip in between that can bind (floor(x/2) spans [-64, 63], clipped to [-10, 10]) and
// whose image under a per-channel second op differs per channel (floor(10/4) = 2 in channel 0,
// floor(14/4) = 3 in channel 1): the merged op would need per-channel bounds, which
// qnn.requant does not have.

// CHECK-LABEL: sym_name = "binding_clip_per_channel"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x2xsi8>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 10 : i64, min = -10 : i64, mul = 1 : i64, shift = 1 : i64}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[A]]) <{add = dense<[0, 4]> : tensor<2xsi8>, max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 2 : i64}>
// CHECK-NEXT:    "func.return"(%[[B]])
"func.func"() <{function_type = (tensor<4x2xsi8>) -> tensor<4x2xsi8>, sym_name = "binding_clip_per_channel"}> ({
^bb0(%x: tensor<4x2xsi8>):
  %a = "qnn.requant"(%x) <{max = 10 : i64, min = -10 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<4x2xsi8>) -> tensor<4x2xsi8>
  %b = "qnn.requant"(%a) <{add = dense<[0, 4]> : tensor<2xsi8>, max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<4x2xsi8>) -> tensor<4x2xsi8>
  "func.return"(%b) : (tensor<4x2xsi8>) -> ()
}) : () -> ()

// -----

// Rounding, then a multiply: 2*floor(x/2) is not floor(2x/2) (x = 1: 0 vs 1).

// CHECK-LABEL: sym_name = "round_then_multiply"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi8>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 1 : i64}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[A]]) <{max = 127 : i64, min = -128 : i64, mul = 2 : i64, shift = 0 : i64}>
// CHECK-NEXT:    "func.return"(%[[B]])
"func.func"() <{function_type = (tensor<4x8xsi8>) -> tensor<4x8xsi8>, sym_name = "round_then_multiply"}> ({
^bb0(%x: tensor<4x8xsi8>):
  %a = "qnn.requant"(%x) <{max = 127 : i64, min = -128 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  %b = "qnn.requant"(%a) <{max = 127 : i64, min = -128 : i64, mul = 2 : i64, shift = 0 : i64}> : (tensor<4x8xsi8>) -> tensor<4x8xsi8>
  "func.return"(%b) : (tensor<4x8xsi8>) -> ()
}) : () -> ()

// -----

// An intermediate with another user stays (merging would keep both ops alive).

// CHECK-LABEL: sym_name = "intermediate_with_other_user"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4x8xsi16>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[X]]) <{max = 1000 : i64, min = -1000 : i64, mul = 1 : i64, shift = 2 : i64}>
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[A]]) <{max = 127 : i64, min = 0 : i64}>
// CHECK-NEXT:    "func.return"(%[[A]], %[[B]])
"func.func"() <{function_type = (tensor<4x8xsi16>) -> (tensor<4x8xsi16>, tensor<4x8xui8>), sym_name = "intermediate_with_other_user"}> ({
^bb0(%x: tensor<4x8xsi16>):
  %a = "qnn.requant"(%x) <{max = 1000 : i64, min = -1000 : i64, mul = 1 : i64, shift = 2 : i64}> : (tensor<4x8xsi16>) -> tensor<4x8xsi16>
  %b = "qnn.clip"(%a) <{max = 127 : i64, min = 0 : i64}> : (tensor<4x8xsi16>) -> tensor<4x8xui8>
  "func.return"(%a, %b) : (tensor<4x8xsi16>, tensor<4x8xui8>) -> ()
}) : () -> ()

// -----

// The accumulator has another user: a new bias would change what that user sees.

// CHECK-LABEL: sym_name = "accumulator_with_other_user"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x2xsi8>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"()
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<[10, -20]> : tensor<2xsi32>}>
// CHECK-NEXT:    %[[ACC:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]], %[[B]])
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{add = dense<[6, -15]> : tensor<2xsi8>, max = 127 : i64, min = -128 : i64, mul = dense<[3, 5]> : tensor<2xsi8>, shift = 4 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]], %[[ACC]])
"func.func"() <{function_type = (tensor<1x4x4x2xsi8>) -> (tensor<1x4x4x2xsi8>, tensor<1x4x4x2xsi32>), sym_name = "accumulator_with_other_user"}> ({
^bb0(%x: tensor<1x4x4x2xsi8>):
  %w = "qnn.constant"() <{value = dense<[[[[1, -2]]], [[[3, 4]]]]> : tensor<2x1x1x2xsi8>}> : () -> tensor<2x1x1x2xsi8>
  %b = "qnn.constant"() <{value = dense<[10, -20]> : tensor<2xsi32>}> : () -> tensor<2xsi32>
  %acc = "qnn.conv2d"(%x, %w, %b) : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>, tensor<2xsi32>) -> tensor<1x4x4x2xsi32>
  %r = "qnn.requant"(%acc) <{add = dense<[6, -15]> : tensor<2xsi8>, max = 127 : i64, min = -128 : i64, mul = dense<[3, 5]> : tensor<2xsi8>, shift = 4 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xsi8>
  "func.return"(%r, %acc) : (tensor<1x4x4x2xsi8>, tensor<1x4x4x2xsi32>) -> ()
}) : () -> ()

// -----

// A bias that would overflow: the si16 accumulator holds 100*x in [0, 25500], but with the
// offset 10000 of channel 0 moved in it would reach 35500 > 32767 and wrap. (The offset is a
// multiple of the multiplier after normalisation, (2*acc + [20000, 2]) / 16 ->
// (acc + [10000, 1]) / 8, so only the overflow stops the fold.)

// CHECK-LABEL: sym_name = "bias_would_overflow"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x2x2x1xui8>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"()
// CHECK-NEXT:    %[[ACC:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]]) :
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{add = dense<[10000, 1]> : tensor<2xsi16>, max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 3 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<1x2x2x1xui8>) -> tensor<1x2x2x2xui8>, sym_name = "bias_would_overflow"}> ({
^bb0(%x: tensor<1x2x2x1xui8>):
  %w = "qnn.constant"() <{value = dense<100> : tensor<2x1x1x1xsi8>}> : () -> tensor<2x1x1x1xsi8>
  %acc = "qnn.conv2d"(%x, %w) : (tensor<1x2x2x1xui8>, tensor<2x1x1x1xsi8>) -> tensor<1x2x2x2xsi16>
  %r = "qnn.requant"(%acc) <{add = dense<[20000, 2]> : tensor<2xsi32>, max = 255 : i64, min = 0 : i64, mul = 2 : i64, shift = 4 : i64}> : (tensor<1x2x2x2xsi16>) -> tensor<1x2x2x2xui8>
  "func.return"(%r) : (tensor<1x2x2x2xui8>) -> ()
}) : () -> ()

// -----

// An accumulator that may already wrap (127*127*4 > 32767 in si16) keeps its offset: moving
// it across the wrap would change values.

// CHECK-LABEL: sym_name = "accumulator_may_wrap"
// CHECK:         %[[ACC:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%{{[a-zA-Z0-9_]+}}, %{{[a-zA-Z0-9_]+}}) :
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{add = dense<[4, 6]> : tensor<2xsi8>, max = 127 : i64, min = -128 : i64, mul = dense<[2, 3]> : tensor<2xsi8>, shift = 3 : i64}>
"func.func"() <{function_type = (tensor<1x2x2x4xsi8>) -> tensor<1x2x2x2xsi8>, sym_name = "accumulator_may_wrap"}> ({
^bb0(%x: tensor<1x2x2x4xsi8>):
  %w = "qnn.constant"() <{value = dense<127> : tensor<2x1x1x4xsi8>}> : () -> tensor<2x1x1x4xsi8>
  %acc = "qnn.conv2d"(%x, %w) : (tensor<1x2x2x4xsi8>, tensor<2x1x1x4xsi8>) -> tensor<1x2x2x2xsi16>
  %r = "qnn.requant"(%acc) <{add = dense<[4, 6]> : tensor<2xsi8>, max = 127 : i64, min = -128 : i64, mul = dense<[2, 3]> : tensor<2xsi8>, shift = 3 : i64}> : (tensor<1x2x2x2xsi16>) -> tensor<1x2x2x2xsi8>
  "func.return"(%r) : (tensor<1x2x2x2xsi8>) -> ()
}) : () -> ()

// -----

// A per-tensor offset and no bias: a bias would be a vector of output-channel length in place
// of one scalar, more parameters, so the offset stays.

// CHECK-LABEL: sym_name = "scalar_offset_keeps_no_bias"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x4x4x2xsi8>):
// CHECK-NEXT:    %[[W:[a-zA-Z0-9_]+]] = "qnn.constant"()
// CHECK-NEXT:    %[[ACC:[a-zA-Z0-9_]+]] = "qnn.conv2d"(%[[X]], %[[W]]) :
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.requant"(%[[ACC]]) <{add = 6 : i64, max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = 4 : i64}>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<1x4x4x2xsi8>) -> tensor<1x4x4x2xsi8>, sym_name = "scalar_offset_keeps_no_bias"}> ({
^bb0(%x: tensor<1x4x4x2xsi8>):
  %w = "qnn.constant"() <{value = dense<[[[[1, -2]]], [[[3, 4]]]]> : tensor<2x1x1x2xsi8>}> : () -> tensor<2x1x1x2xsi8>
  %acc = "qnn.conv2d"(%x, %w) : (tensor<1x4x4x2xsi8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xsi32>
  %r = "qnn.requant"(%acc) <{add = 6 : i64, max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = 4 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xsi8>
  "func.return"(%r) : (tensor<1x4x4x2xsi8>) -> ()
}) : () -> ()
