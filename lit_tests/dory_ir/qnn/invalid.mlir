// RUN: dory-opt %s --split-input-file --verify-diagnostics

// One case per qnn verifier message (dory_ir/dialects/qnn.py).

"func.func"() <{function_type = () -> tensor<2xsi32>, sym_name = "constant_type"}> ({
  // expected-error@+1 {{'qnn.constant' op result type expected tensor<2xsi8> (the type of 'value'), found tensor<2xsi32>}}
  %r = "qnn.constant"() <{value = dense<[1, 2]> : tensor<2xsi8>}> : () -> tensor<2xsi32>
  "func.return"(%r) : (tensor<2xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x16x16x8xsi8>, tensor<16x3x3x8xsi8>) -> tensor<1x7x7x16xsi32>, sym_name = "conv2d_result_shape"}> ({
^bb0(%x: tensor<1x16x16x8xsi8>, %w: tensor<16x3x3x8xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op result shape expected 1x8x8x16 (from input 1x16x16x8, kernel 3x3, strides 2x2, pads [1,1,1,1], dilations 1x1), found 1x7x7x16}}
  %r = "qnn.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}> : (tensor<1x16x16x8xsi8>, tensor<16x3x3x8xsi8>) -> tensor<1x7x7x16xsi32>
  "func.return"(%r) : (tensor<1x7x7x16xsi32>) -> ()
}) : () -> ()

// -----

// The dilated 5x5 window does not fit a 4x4 input.
"func.func"() <{function_type = (tensor<1x4x4x4xsi8>, tensor<6x3x3x4xsi8>) -> tensor<1x1x1x6xsi32>, sym_name = "conv2d_empty_output"}> ({
^bb0(%x: tensor<1x4x4x4xsi8>, %w: tensor<6x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op output height and width expected >= 1, found 0x0 (from input 1x4x4x4, kernel 3x3, strides 1x1, pads [0,0,0,0], dilations 2x2)}}
  %r = "qnn.conv2d"(%x, %w) <{dilations = array<i64: 2, 2>}> : (tensor<1x4x4x4xsi8>, tensor<6x3x3x4xsi8>) -> tensor<1x1x1x6xsi32>
  "func.return"(%r) : (tensor<1x1x1x6xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<6x3x3x1xsi8>) -> tensor<1x6x6x6xsi32>, sym_name = "conv2d_groups_input_channels"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<6x3x3x1xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op input channels expected a multiple of groups 3, found 4}}
  %r = "qnn.conv2d"(%x, %w) <{groups = 3 : i64}> : (tensor<1x8x8x4xsi8>, tensor<6x3x3x1xsi8>) -> tensor<1x6x6x6xsi32>
  "func.return"(%r) : (tensor<1x6x6x6xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<6x3x3x4xsi8>) -> tensor<1x6x6x6xsi32>, sym_name = "conv2d_weight_channels"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<6x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op weight dimension 3 expected 2 (input channels 4 / groups 2), found 4}}
  %r = "qnn.conv2d"(%x, %w) <{groups = 2 : i64}> : (tensor<1x8x8x4xsi8>, tensor<6x3x3x4xsi8>) -> tensor<1x6x6x6xsi32>
  "func.return"(%r) : (tensor<1x6x6x6xsi32>) -> ()
}) : () -> ()

// -----

// Depthwise: every group needs the same number of output channels.
"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<6x3x3x1xsi8>) -> tensor<1x6x6x6xsi32>, sym_name = "conv2d_depthwise_multiplier"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<6x3x3x1xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op output channels expected a multiple of groups 4, found 6}}
  %r = "qnn.conv2d"(%x, %w) <{groups = 4 : i64}> : (tensor<1x8x8x4xsi8>, tensor<6x3x3x1xsi8>) -> tensor<1x6x6x6xsi32>
  "func.return"(%r) : (tensor<1x6x6x6xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<6x3x3x4xsi8>, tensor<4xsi32>) -> tensor<1x6x6x6xsi32>, sym_name = "conv2d_bias_shape"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<6x3x3x4xsi8>, %b: tensor<4xsi32>):
  // expected-error@+1 {{'qnn.conv2d' op bias shape expected 6 (output channels), found 4}}
  %r = "qnn.conv2d"(%x, %w, %b) : (tensor<1x8x8x4xsi8>, tensor<6x3x3x4xsi8>, tensor<4xsi32>) -> tensor<1x6x6x6xsi32>
  "func.return"(%r) : (tensor<1x6x6x6xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "conv2d_strides_length"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<4x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op property 'strides' expected 2 entries, found 3}}
  %r = "qnn.conv2d"(%x, %w) <{strides = array<i64: 1, 1, 1>}> : (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%r) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "conv2d_strides_positive"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<4x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op property 'strides' expected entries >= 1, found array<i64: 0, 1>}}
  %r = "qnn.conv2d"(%x, %w) <{strides = array<i64: 0, 1>}> : (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%r) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "conv2d_dilations_i64"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<4x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op property 'dilations' expected array<i64>, found array<i32: 1, 1>}}
  %r = "qnn.conv2d"(%x, %w) <{dilations = array<i32: 1, 1>}> : (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%r) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "conv2d_pads_length"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<4x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op property 'pads' expected 4 entries, found 2}}
  %r = "qnn.conv2d"(%x, %w) <{pads = array<i64: 1, 1>}> : (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%r) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x5x6x4xsi32>, sym_name = "conv2d_pads_non_negative"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<4x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op property 'pads' expected entries >= 0, found array<i64: 0, 0, -1, 0>}}
  %r = "qnn.conv2d"(%x, %w) <{pads = array<i64: 0, 0, -1, 0>}> : (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x5x6x4xsi32>
  "func.return"(%r) : (tensor<1x5x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "conv2d_groups_positive"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<4x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op property 'groups' expected >= 1, found 0}}
  %r = "qnn.conv2d"(%x, %w) <{groups = 0 : i64}> : (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%r) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "conv2d_groups_index"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>, %w: tensor<4x3x3x4xsi8>):
  // expected-error@+1 {{'qnn.conv2d' op property 'groups' expected an integer attribute, found 1 : index}}
  %r = "qnn.conv2d"(%x, %w) <{groups = 1 : index}> : (tensor<1x8x8x4xsi8>, tensor<4x3x3x4xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%r) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x16xsi8>, tensor<10x8xsi8>) -> tensor<2x10xsi32>, sym_name = "linear_weight_features"}> ({
^bb0(%x: tensor<2x16xsi8>, %w: tensor<10x8xsi8>):
  // expected-error@+1 {{'qnn.linear' op weight dimension 1 expected 16 (input features), found 8}}
  %r = "qnn.linear"(%x, %w) : (tensor<2x16xsi8>, tensor<10x8xsi8>) -> tensor<2x10xsi32>
  "func.return"(%r) : (tensor<2x10xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x16xsi8>, tensor<10x16xsi8>, tensor<8xsi32>) -> tensor<2x10xsi32>, sym_name = "linear_bias_shape"}> ({
^bb0(%x: tensor<2x16xsi8>, %w: tensor<10x16xsi8>, %b: tensor<8xsi32>):
  // expected-error@+1 {{'qnn.linear' op bias shape expected 10 (output features), found 8}}
  %r = "qnn.linear"(%x, %w, %b) : (tensor<2x16xsi8>, tensor<10x16xsi8>, tensor<8xsi32>) -> tensor<2x10xsi32>
  "func.return"(%r) : (tensor<2x10xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x16xsi8>, tensor<10x16xsi8>) -> tensor<2x16xsi32>, sym_name = "linear_result_shape"}> ({
^bb0(%x: tensor<2x16xsi8>, %w: tensor<10x16xsi8>):
  // expected-error@+1 {{'qnn.linear' op result shape expected 2x10 (from input 2x16, weight 10x16), found 2x16}}
  %r = "qnn.linear"(%x, %w) : (tensor<2x16xsi8>, tensor<10x16xsi8>) -> tensor<2x16xsi32>
  "func.return"(%r) : (tensor<2x16xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x4xsi8>, sym_name = "requant_result_shape"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op result shape expected 2x8 (same as input), found 2x4}}
  %r = "qnn.requant"(%x) <{max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = 4 : i64}> : (tensor<2x8xsi32>) -> tensor<2x4xsi8>
  "func.return"(%r) : (tensor<2x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_shift_and_div"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op expected exactly one of properties 'shift' and 'div', found both}}
  %r = "qnn.requant"(%x) <{div = 4 : i64, max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = 4 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_no_divisor"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op expected exactly one of properties 'shift' and 'div', found neither}}
  %r = "qnn.requant"(%x) <{max = 127 : i64, min = -128 : i64, mul = 3 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_negative_shift"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'shift' expected >= 0, found -1}}
  %r = "qnn.requant"(%x) <{max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = -1 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

// A shift whose divisor 2^shift only costs memory (2^40 raised MemoryError in the window check).
"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_huge_shift"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'shift' expected at most 127, found 1099511627776}}
  %r = "qnn.requant"(%x) <{max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = 1099511627776 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_zero_div"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'div' expected >= 1, found 0}}
  %r = "qnn.requant"(%x) <{div = 0 : i64, max = 127 : i64, min = -128 : i64, mul = 3 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_min_range"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'min' expected a value in [-128, 127] (the range of si8), found -129}}
  %r = "qnn.requant"(%x) <{max = 127 : i64, min = -129 : i64, mul = 3 : i64, shift = 1 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xui8>, sym_name = "requant_max_range"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'max' expected a value in [0, 255] (the range of ui8), found 256}}
  %r = "qnn.requant"(%x) <{max = 256 : i64, min = 0 : i64, mul = 3 : i64, shift = 1 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xui8>
  "func.return"(%r) : (tensor<2x8xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_min_above_max"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'min' expected <= max (1), found 2}}
  %r = "qnn.requant"(%x) <{max = 1 : i64, min = 2 : i64, mul = 3 : i64, shift = 1 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_rounding"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'rounding' expected "floor", "trunc" or "half_away", found "nearest"}}
  %r = "qnn.requant"(%x) <{max = 1 : i64, min = 0 : i64, mul = 3 : i64, rounding = "nearest", shift = 1 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_per_channel_length"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'mul' expected 8 per-channel values (the last dimension of the input), found 4}}
  %r = "qnn.requant"(%x) <{max = 1 : i64, min = 0 : i64, mul = dense<1> : tensor<4xsi32>, shift = 1 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x8xsi32>) -> tensor<2x8xsi8>, sym_name = "requant_per_channel_rank"}> ({
^bb0(%x: tensor<2x8xsi32>):
  // expected-error@+1 {{'qnn.requant' op property 'add' expected an integer or a rank-1 dense, found tensor<2x8xsi32>}}
  %r = "qnn.requant"(%x) <{add = dense<1> : tensor<2x8xsi32>, max = 1 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<2x8xsi32>) -> tensor<2x8xsi8>
  "func.return"(%r) : (tensor<2x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<si32>) -> tensor<si8>, sym_name = "requant_per_channel_scalar_input"}> ({
^bb0(%x: tensor<si32>):
  // expected-error@+1 {{'qnn.requant' op property 'mul' expected an integer for a rank-0 input, found tensor<1xsi32>}}
  %r = "qnn.requant"(%x) <{max = 1 : i64, min = 0 : i64, mul = dense<1> : tensor<1xsi32>, shift = 1 : i64}> : (tensor<si32>) -> tensor<si8>
  "func.return"(%r) : (tensor<si8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x3xsi8>, tensor<4x3xsi8>) -> tensor<4x3xsi32>, sym_name = "add_incompatible"}> ({
^bb0(%a: tensor<2x3xsi8>, %b: tensor<4x3xsi8>):
  // expected-error@+1 {{'qnn.add' op operand shapes expected broadcast-compatible, found 2x3 and 4x3}}
  %r = "qnn.add"(%a, %b) : (tensor<2x3xsi8>, tensor<4x3xsi8>) -> tensor<4x3xsi32>
  "func.return"(%r) : (tensor<4x3xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x3xsi8>, tensor<1x3xsi8>) -> tensor<2x4xsi32>, sym_name = "add_result_shape"}> ({
^bb0(%a: tensor<2x3xsi8>, %b: tensor<1x3xsi8>):
  // expected-error@+1 {{'qnn.add' op result shape expected 2x3 (broadcast of 2x3 and 1x3), found 2x4}}
  %r = "qnn.add"(%a, %b) : (tensor<2x3xsi8>, tensor<1x3xsi8>) -> tensor<2x4xsi32>
  "func.return"(%r) : (tensor<2x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<3x2xsi8>, sym_name = "clip_result_shape"}> ({
^bb0(%x: tensor<2x3xsi8>):
  // expected-error@+1 {{'qnn.clip' op result shape expected 2x3 (same as input), found 3x2}}
  %r = "qnn.clip"(%x) <{max = 6 : i64, min = 0 : i64}> : (tensor<2x3xsi8>) -> tensor<3x2xsi8>
  "func.return"(%r) : (tensor<3x2xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<2x3xsi8>, sym_name = "clip_min_above_max"}> ({
^bb0(%x: tensor<2x3xsi8>):
  // expected-error@+1 {{'qnn.clip' op property 'min' expected <= max (6), found 7}}
  %r = "qnn.clip"(%x) <{max = 6 : i64, min = 7 : i64}> : (tensor<2x3xsi8>) -> tensor<2x3xsi8>
  "func.return"(%r) : (tensor<2x3xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x3xsi16>) -> tensor<2x3xsi8>, sym_name = "clip_max_range"}> ({
^bb0(%x: tensor<2x3xsi16>):
  // expected-error@+1 {{'qnn.clip' op property 'max' expected a value in [-128, 127] (the range of si8), found 200}}
  %r = "qnn.clip"(%x) <{max = 200 : i64, min = 0 : i64}> : (tensor<2x3xsi16>) -> tensor<2x3xsi8>
  "func.return"(%r) : (tensor<2x3xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi16>, sym_name = "maxpool_element_type"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.maxpool' op result element type expected si8 (same as input), found si16}}
  %r = "qnn.maxpool"(%x) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi16>
  "func.return"(%r) : (tensor<1x4x4x4xsi16>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x3x3x4xsi8>, sym_name = "maxpool_result_shape"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.maxpool' op result shape expected 1x4x4x4 (from input 1x8x8x4, kernel 2x2, strides 2x2, pads [0,0,0,0]), found 1x3x3x4}}
  %r = "qnn.maxpool"(%x) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x3x3x4xsi8>
  "func.return"(%r) : (tensor<1x3x3x4xsi8>) -> ()
}) : () -> ()

// -----

// Ceil mode keeps the partial last window: ceil((8 - 3) / 2) + 1 = 4.
"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x3x3x4xsi8>, sym_name = "maxpool_ceil_mode_shape"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.maxpool' op result shape expected 1x4x4x4 (from input 1x8x8x4, kernel 3x3, strides 2x2, pads [0,0,0,0], ceil_mode), found 1x3x3x4}}
  %r = "qnn.maxpool"(%x) <{ceil_mode = true, kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x3x3x4xsi8>
  "func.return"(%r) : (tensor<1x3x3x4xsi8>) -> ()
}) : () -> ()

// -----

// A ceil-mode window that would start in the end padding is dropped (ONNX rule).
"func.func"() <{function_type = (tensor<1x5x5x4xsi8>) -> tensor<1x4x4x4xsi8>, sym_name = "maxpool_ceil_mode_end_padding"}> ({
^bb0(%x: tensor<1x5x5x4xsi8>):
  // expected-error@+1 {{'qnn.maxpool' op result shape expected 1x3x3x4 (from input 1x5x5x4, kernel 2x2, strides 2x2, pads [1,1,1,1], ceil_mode), found 1x4x4x4}}
  %r = "qnn.maxpool"(%x) <{ceil_mode = true, kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>}> : (tensor<1x5x5x4xsi8>) -> tensor<1x4x4x4xsi8>
  "func.return"(%r) : (tensor<1x4x4x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x5x4x4xsi8>, sym_name = "maxpool_pads_below_kernel"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.maxpool' op property 'pads' expected entries smaller than the kernel 2x2, found [2,0,0,0]}}
  %r = "qnn.maxpool"(%x) <{kernel = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x5x4x4xsi8>
  "func.return"(%r) : (tensor<1x5x4x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x1x1x4xsi8>, sym_name = "maxpool_empty_output"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.maxpool' op output height and width expected >= 1, found 0x0 (from input 1x8x8x4, kernel 9x9, strides 9x9, pads [0,0,0,0])}}
  %r = "qnn.maxpool"(%x) <{kernel = array<i64: 9, 9>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x1x1x4xsi8>
  "func.return"(%r) : (tensor<1x1x1x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>, sym_name = "maxpool_kernel_length"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.maxpool' op property 'kernel' expected 2 entries, found 1}}
  %r = "qnn.maxpool"(%x) <{kernel = array<i64: 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi8>
  "func.return"(%r) : (tensor<1x4x4x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi4>, sym_name = "avgpool_element_type"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.avgpool' op result element type expected a type holding [-128, 127] (every possible average of si8), found si4}}
  %r = "qnn.avgpool"(%x) <{kernel = array<i64: 2, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x4x4x4xsi4>
  "func.return"(%r) : (tensor<1x4x4x4xsi4>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x6x6x4xsi8>, sym_name = "avgpool_result_shape"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.avgpool' op result shape expected 1x8x8x4 (from input 1x8x8x4, kernel 3x3, strides 1x1, pads [1,1,1,1]), found 1x6x6x4}}
  %r = "qnn.avgpool"(%x) <{kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x6x6x4xsi8>
  "func.return"(%r) : (tensor<1x6x6x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x4x4x8xsi8>) -> tensor<1x4x4x8xsi8>, sym_name = "global_avgpool_result_shape"}> ({
^bb0(%x: tensor<1x4x4x8xsi8>):
  // expected-error@+1 {{'qnn.global_avgpool' op result shape expected 1x1x1x8 (from input 1x4x4x8), found 1x4x4x8}}
  %r = "qnn.global_avgpool"(%x) : (tensor<1x4x4x8xsi8>) -> tensor<1x4x4x8xsi8>
  "func.return"(%r) : (tensor<1x4x4x8xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x2x2x8xsi8>) -> tensor<1x1x1x8xui8>, sym_name = "global_avgpool_element_type"}> ({
^bb0(%x: tensor<1x2x2x8xsi8>):
  // expected-error@+1 {{'qnn.global_avgpool' op result element type expected a type holding [-256, 254] (every window sum of 4 si8 values divided by 2), found ui8}}
  %r = "qnn.global_avgpool"(%x) <{div = 2 : i64}> : (tensor<1x2x2x8xsi8>) -> tensor<1x1x1x8xui8>
  "func.return"(%r) : (tensor<1x1x1x8xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x10x10x4xsi8>, sym_name = "pad_length"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.pad' op property 'pads' expected 8 entries (2 x rank 4), found 4}}
  %r = "qnn.pad"(%x) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x10x10x4xsi8>
  "func.return"(%r) : (tensor<1x10x10x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x10x9x4xsi8>, sym_name = "pad_result_shape"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.pad' op result shape expected 1x10x10x4 (input 1x8x8x4 padded by [0,1,1,0,0,1,1,0]), found 1x10x9x4}}
  %r = "qnn.pad"(%x) <{pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x10x9x4xsi8>
  "func.return"(%r) : (tensor<1x10x9x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>, sym_name = "pad_value_range"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.pad' op property 'value' expected a value in [-128, 127] (the range of si8), found 128}}
  %r = "qnn.pad"(%x) <{pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, value = 128 : i64}> : (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xui8>, sym_name = "pad_element_type"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.pad' op result element type expected si8 (same as input), found ui8}}
  %r = "qnn.pad"(%x) <{pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xui8>
  "func.return"(%r) : (tensor<1x8x8x4xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<16x15xsi8>, sym_name = "reshape_element_count"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.reshape' op result element count expected 256 (from input 1x8x8x4), found 240 (result 16x15)}}
  %r = "qnn.reshape"(%x) : (tensor<1x8x8x4xsi8>) -> tensor<16x15xsi8>
  "func.return"(%r) : (tensor<16x15xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<256x1xsi8>, sym_name = "flatten_axis"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.flatten' op property 'axis' expected a value in [0, 4], found 5}}
  %r = "qnn.flatten"(%x) <{axis = 5 : i64}> : (tensor<1x8x8x4xsi8>) -> tensor<256x1xsi8>
  "func.return"(%r) : (tensor<256x1xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x256xsi8>, sym_name = "flatten_result_shape"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.flatten' op result shape expected 8x32 (input 1x8x8x4 flattened at axis 2), found 1x256}}
  %r = "qnn.flatten"(%x) <{axis = 2 : i64}> : (tensor<1x8x8x4xsi8>) -> tensor<1x256xsi8>
  "func.return"(%r) : (tensor<1x256xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>, sym_name = "transpose_perm"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.transpose' op property 'perm' expected a permutation of 0..3, found [0,1,1,2]}}
  %r = "qnn.transpose"(%x) <{perm = array<i64: 0, 1, 1, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>, sym_name = "transpose_result_shape"}> ({
^bb0(%x: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.transpose' op result shape expected 1x4x8x8 (input 1x8x8x4 permuted by [0,3,1,2]), found 1x8x8x4}}
  %r = "qnn.transpose"(%x) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = () -> tensor<2xsi8>, sym_name = "concat_no_operands"}> ({
  // expected-error@+1 {{'qnn.concat' op expected at least 1 operand, found 0}}
  %r = "qnn.concat"() <{axis = 0 : i64}> : () -> tensor<2xsi8>
  "func.return"(%r) : (tensor<2xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>, sym_name = "concat_axis"}> ({
^bb0(%a: tensor<1x8x8x4xsi8>, %b: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.concat' op property 'axis' expected a value in [-4, 3], found 4}}
  %r = "qnn.concat"(%a, %b) <{axis = 4 : i64}> : (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<8x8x4xsi8>) -> tensor<1x8x8x4xsi8>, sym_name = "concat_rank"}> ({
^bb0(%a: tensor<1x8x8x4xsi8>, %b: tensor<8x8x4xsi8>):
  // expected-error@+1 {{'qnn.concat' op operand 1 rank expected 4 (as operand 0), found 3}}
  %r = "qnn.concat"(%a, %b) <{axis = 3 : i64}> : (tensor<1x8x8x4xsi8>, tensor<8x8x4xsi8>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi16>) -> tensor<1x8x8x4xsi8>, sym_name = "concat_operand_element_type"}> ({
^bb0(%a: tensor<1x8x8x4xsi8>, %b: tensor<1x8x8x4xsi16>):
  // expected-error@+1 {{'qnn.concat' op operand 1 element type expected si8 (as operand 0), found si16}}
  %r = "qnn.concat"(%a, %b) <{axis = 3 : i64}> : (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi16>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<1x8x7x4xsi8>) -> tensor<1x8x8x4xsi8>, sym_name = "concat_operand_shape"}> ({
^bb0(%a: tensor<1x8x8x4xsi8>, %b: tensor<1x8x7x4xsi8>):
  // expected-error@+1 {{'qnn.concat' op operand 1 shape expected 1x8x8x? (as operand 0 off axis -1), found 1x8x7x4}}
  %r = "qnn.concat"(%a, %b) <{axis = -1 : i64}> : (tensor<1x8x8x4xsi8>, tensor<1x8x7x4xsi8>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>, sym_name = "concat_result_shape"}> ({
^bb0(%a: tensor<1x8x8x4xsi8>, %b: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.concat' op result shape expected 1x8x8x8 (1x8x8x4, 1x8x8x4 joined on axis 3), found 1x8x8x4}}
  %r = "qnn.concat"(%a, %b) <{axis = 3 : i64}> : (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi8>) -> tensor<1x8x8x4xsi8>
  "func.return"(%r) : (tensor<1x8x8x4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi8>) -> tensor<1x8x8x8xsi16>, sym_name = "concat_result_element_type"}> ({
^bb0(%a: tensor<1x8x8x4xsi8>, %b: tensor<1x8x8x4xsi8>):
  // expected-error@+1 {{'qnn.concat' op result element type expected si8 (same as the operands), found si16}}
  %r = "qnn.concat"(%a, %b) <{axis = 3 : i64}> : (tensor<1x8x8x4xsi8>, tensor<1x8x8x4xsi8>) -> tensor<1x8x8x8xsi16>
  "func.return"(%r) : (tensor<1x8x8x8xsi16>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x4x4x8xui8>) -> tensor<1x2x2x8xui8>, sym_name = "avgpool_sum_element_type"}> ({
^bb0(%x: tensor<1x4x4x8xui8>):
  // expected-error@+1 {{'qnn.avgpool' op result element type expected a type holding [0, 1020] (every window sum of 4 ui8 values divided by 1), found ui8}}
  %r = "qnn.avgpool"(%x) <{div = 1 : i64, kernel = array<i64: 2, 2>}> : (tensor<1x4x4x8xui8>) -> tensor<1x2x2x8xui8>
  "func.return"(%r) : (tensor<1x2x2x8xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x2xsi32>) -> tensor<2x2xui8>, sym_name = "requant_window_wrong"}> ({
^bb0(%x: tensor<2x2xsi32>):
  // expected-error@+1 {{'qnn.requant' op properties 'win_lo'/'win_hi' expected the requant's input window (they differ from it)}}
  %r = "qnn.requant"(%x) <{max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64, win_hi = dense<1365> : tensor<2xsi32>, win_lo = dense<-1> : tensor<2xsi32>}> : (tensor<2x2xsi32>) -> tensor<2x2xui8>
  "func.return"(%r) : (tensor<2x2xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x2xsi32>) -> tensor<2x2xui8>, sym_name = "requant_window_none"}> ({
^bb0(%x: tensor<2x2xsi32>):
  // expected-error@+1 {{'qnn.requant' op properties 'win_lo'/'win_hi' expected the requant's input window (none exists)}}
  %r = "qnn.requant"(%x) <{max = 255 : i64, min = 0 : i64, mul = 17 : i64, shift = 4 : i64, win_hi = dense<1> : tensor<2xsi32>, win_lo = dense<0> : tensor<2xsi32>}> : (tensor<2x2xsi32>) -> tensor<2x2xui8>
  "func.return"(%r) : (tensor<2x2xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x2xsi32>) -> tensor<2x2xui8>, sym_name = "requant_window_half"}> ({
^bb0(%x: tensor<2x2xsi32>):
  // expected-error@+1 {{'qnn.requant' op expected both properties 'win_lo' and 'win_hi' or neither}}
  %r = "qnn.requant"(%x) <{max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64, win_lo = dense<0> : tensor<2xsi32>}> : (tensor<2x2xsi32>) -> tensor<2x2xui8>
  "func.return"(%r) : (tensor<2x2xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x2xsi32>) -> tensor<2x2xui8>, sym_name = "requant_window_ok"}> ({
^bb0(%x: tensor<2x2xsi32>):
  %r = "qnn.requant"(%x) <{max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 4 : i64, win_hi = dense<1365> : tensor<2xsi32>, win_lo = dense<0> : tensor<2xsi32>}> : (tensor<2x2xsi32>) -> tensor<2x2xui8>
  "func.return"(%r) : (tensor<2x2xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x6xsi16>) -> tensor<1x6xsi16>, sym_name = "softmax_not_int8"}> ({
^bb0(%x: tensor<1x6xsi16>):
  // expected-error@+1 {{'qnn.softmax' op operand expected si8, found si16}}
  %r = "qnn.softmax"(%x) <{diff_min = -992 : i64, left_shift = 21 : i64, mul = 1488250624 : i64}> : (tensor<1x6xsi16>) -> tensor<1x6xsi16>
  "func.return"(%r) : (tensor<1x6xsi16>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x6xsi8>) -> tensor<1x6xsi8>, sym_name = "softmax_mul_range"}> ({
^bb0(%x: tensor<1x6xsi8>):
  // expected-error@+1 {{'qnn.softmax' op property 'mul' expected < 2^31 (a Q0.31 multiplier), found 2147483648}}
  %r = "qnn.softmax"(%x) <{diff_min = -992 : i64, left_shift = 21 : i64, mul = 2147483648 : i64}> : (tensor<1x6xsi8>) -> tensor<1x6xsi8>
  "func.return"(%r) : (tensor<1x6xsi8>) -> ()
}) : () -> ()
