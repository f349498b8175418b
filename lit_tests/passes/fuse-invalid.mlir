// RUN: dory-opt %s --split-input-file -p fuse --verify-diagnostics

// A standalone requant that is not of a 4-D feature map has no layer to run it (a 1x1 max pool).
"func.func"() <{function_type = (tensor<1x8xui8>) -> tensor<1x8xui8>, sym_name = "requant_of_vector"}> ({
^bb0(%x: tensor<1x8xui8>):
  // expected-error@+1 {{'qnn.requant' could not be fused into a layer: expected it to follow a conv2d, linear, pool or add with an si32 result whose only user it is, to rescale an add input into si32 or to requantise a 4-D feature map on its own, found it after a function argument}}
  %r = "qnn.requant"(%x) <{max = 127 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}> : (tensor<1x8xui8>) -> tensor<1x8xui8>
  "func.return"(%r) : (tensor<1x8xui8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<3x2xsi8>, sym_name = "transpose"}> ({
^bb0(%x: tensor<2x3xsi8>):
  // expected-error@+1 {{'qnn.transpose' has no dory layer: expected conv2d, linear, pools, add, requant/clip after them, pad before them, flatten, reshape, concat or constants}}
  %t = "qnn.transpose"(%x) <{perm = array<i64: 1, 0>}> : (tensor<2x3xsi8>) -> tensor<3x2xsi8>
  "func.return"(%t) : (tensor<3x2xsi8>) -> ()
}) : () -> ()
