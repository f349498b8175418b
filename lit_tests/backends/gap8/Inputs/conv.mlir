"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x4x1x5xui8>, sym_name = "net"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %w = "qnn.constant"() <{value = dense<[[[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]], [[[1, 2, 3, 4]]]]> : tensor<20x1x1x4xsi8>}> : () -> tensor<20x1x1x4xsi8>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> : (tensor<1x4x4x4xui8>, tensor<20x1x1x4xsi8>) -> tensor<1x4x4x20xui8>
  %p = "dory.pool"(%a) <{kind = "max", kernel = array<i64: 4, 4>}> : (tensor<1x4x4x20xui8>) -> tensor<1x1x1x20xui8>
  %r = "dory.reshape"(%p) : (tensor<1x1x1x20xui8>) -> tensor<1x4x1x5xui8>
  %s = "dory.pool"(%r) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x4x1x5xui8>) -> tensor<1x4x1x5xui8>
  "func.return"(%s) : (tensor<1x4x1x5xui8>) -> ()
}) : () -> ()
