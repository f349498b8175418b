"func.func"() <{function_type = (tensor<2x4x4x4xui8>) -> tensor<2x4x4x4xui8>, sym_name = "net"}> ({
^bb0(%x: tensor<2x4x4x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<4x1x1x4xsi8>}> : () -> tensor<4x1x1x4xsi8>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> : (tensor<2x4x4x4xui8>, tensor<4x1x1x4xsi8>) -> tensor<2x4x4x4xui8>
  "func.return"(%a) : (tensor<2x4x4x4xui8>) -> ()
}) : () -> ()
