// RUN: dory-opt %s --split-input-file --verify-diagnostics

"func.func"() <{function_type = (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>) -> tensor<1x8x8x8xui8>, sym_name = "conv_shape"}> ({
^bb0(%x: tensor<1x8x8x4xui8>, %w: tensor<8x3x3x4xsi8>):
  // expected-error@+1 {{'dory.conv2d' op conv2d stage: result shape expected 1x6x6x8 (from input 1x8x8x4, kernel 3x3, strides 1x1, pads [0,0,0,0], dilations 1x1), found 1x8x8x8}}
  %y = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}}> : (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xui8>, tensor<8x1x1x4xsi8>) -> tensor<1x8x8x8xui8>, sym_name = "requant_bounds"}> ({
^bb0(%x: tensor<1x8x8x4xui8>, %w: tensor<8x1x1x4xsi8>):
  // expected-error@+1 {{'dory.conv2d' op requant stage: property 'max' expected a value in [0, 255] (the range of ui8), found 300}}
  %y = "dory.conv2d"(%x, %w) <{requant = {max = 300 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}}> : (tensor<1x8x8x4xui8>, tensor<8x1x1x4xsi8>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xui8>, tensor<8x1x1x4xsi8>) -> tensor<1x8x8x8xui8>, sym_name = "requant_not_dict"}> ({
^bb0(%x: tensor<1x8x8x4xui8>, %w: tensor<8x1x1x4xsi8>):
  // expected-error@+1 {{'dory.conv2d' op property 'requant' expected a dictionary or a list [...], found 3 : i64}}
  %y = "dory.conv2d"(%x, %w) <{requant = 3 : i64}> : (tensor<1x8x8x4xui8>, tensor<8x1x1x4xsi8>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xui8>, tensor<4x3x3x2xsi8>) -> tensor<1x6x6x4xsi32>, sym_name = "depthwise_weight"}> ({
^bb0(%x: tensor<1x8x8x4xui8>, %w: tensor<4x3x3x2xsi8>):
  // expected-error@+1 {{'dory.depthwise' op conv2d stage: weight dimension 3 expected 1 (input channels 4 / groups 4), found 2}}
  %y = "dory.depthwise"(%x, %w) : (tensor<1x8x8x4xui8>, tensor<4x3x3x2xsi8>) -> tensor<1x6x6x4xsi32>
  "func.return"(%y) : (tensor<1x6x6x4xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xui8>, sym_name = "pool_kind"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  // expected-error@+1 {{'dory.pool' op property 'kind' expected "max" or "avg", found "min"}}
  %y = "dory.pool"(%x) <{kernel = array<i64: 2, 2>, kind = "min"}> : (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xui8>
  "func.return"(%y) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xui8>, sym_name = "maxpool_div"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  // expected-error@+1 {{'dory.pool' op max pooling expected no 'div' property, found one}}
  %y = "dory.pool"(%x) <{div = 1 : i64, kernel = array<i64: 2, 2>, kind = "max"}> : (tensor<1x8x8x4xui8>) -> tensor<1x4x4x4xui8>
  "func.return"(%y) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x4x4x8xui8>, tensor<1x4x4x4xui8>) -> tensor<1x4x4x8xsi32>, sym_name = "add_shapes"}> ({
^bb0(%a: tensor<1x4x4x8xui8>, %b: tensor<1x4x4x4xui8>):
  // expected-error@+1 {{'dory.add' op add stage: operand shapes expected broadcast-compatible, found 1x4x4x8 and 1x4x4x4}}
  %y = "dory.add"(%a, %b) : (tensor<1x4x4x8xui8>, tensor<1x4x4x4xui8>) -> tensor<1x4x4x8xsi32>
  "func.return"(%y) : (tensor<1x4x4x8xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = () -> memref<4xsi8, #dory.l2>, sym_name = "weights_type"}> ({
  // expected-error@+1 {{'dory.weights' op result type expected the value's shape and element type (tensor<4xsi32>), found memref<4xsi8, #dory.l2>}}
  %w = "dory.weights"() <{value = dense<1> : tensor<4xsi32>}> : () -> memref<4xsi8, #dory.l2>
  "func.return"(%w) : (memref<4xsi8, #dory.l2>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x4x4x8xui8>) -> tensor<1x100xui8>, sym_name = "reshape_count"}> ({
^bb0(%a: tensor<1x4x4x8xui8>):
  // expected-error@+1 {{'dory.reshape' op reshape stage: result element count expected 128 (from input 1x4x4x8), found 100 (result 1x100)}}
  %y = "dory.reshape"(%a) : (tensor<1x4x4x8xui8>) -> tensor<1x100xui8>
  "func.return"(%y) : (tensor<1x100xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x4x4x8xui8>) -> tensor<1x4x4x8xui8>, sym_name = "concat_axis"}> ({
^bb0(%a: tensor<1x4x4x8xui8>):
  // expected-error@+1 {{'dory.concat' op concat stage: result shape expected 1x4x4x16 (1x4x4x8, 1x4x4x8 joined on axis 3), found 1x4x4x8}}
  %y = "dory.concat"(%a, %a) <{axis = 3 : i64}> : (tensor<1x4x4x8xui8>, tensor<1x4x4x8xui8>) -> tensor<1x4x4x8xui8>
  "func.return"(%y) : (tensor<1x4x4x8xui8>) -> ()
}) : () -> ()

// -----

// A channel multiplier of 2 is a valid grouped conv, but not a depthwise one.
"func.func"() <{function_type = (tensor<1x8x8x4xui8>, tensor<8x3x3x1xsi8>) -> tensor<1x6x6x8xsi32>, sym_name = "depthwise_multiplier"}> ({
^bb0(%x: tensor<1x8x8x4xui8>, %w: tensor<8x3x3x1xsi8>):
  // expected-error@+1 {{'dory.depthwise' op weight expected 4xKhxKwx1 (one filter per channel), found 8x3x3x1}}
  %y = "dory.depthwise"(%x, %w) : (tensor<1x8x8x4xui8>, tensor<8x3x3x1xsi8>) -> tensor<1x6x6x8xsi32>
  "func.return"(%y) : (tensor<1x6x6x8xsi32>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<1x8x8x4xui8>, tensor<8x1x1x4xsi8>) -> tensor<1x8x8x8xui8>, sym_name = "requant_list_item"}> ({
^bb0(%x: tensor<1x8x8x4xui8>, %w: tensor<8x1x1x4xsi8>):
  // expected-error@+1 {{'dory.conv2d' op property 'requant' expected dictionaries of qnn.requant properties, found 3 : i64}}
  %y = "dory.conv2d"(%x, %w) <{requant = [{max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 0 : i64}, 3 : i64]}> : (tensor<1x8x8x4xui8>, tensor<8x1x1x4xsi8>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()
