"func.func"() <{function_type = (tensor<1x4x4x6xui8>) -> tensor<1x4x4x6xui8>, sym_name = "net"}> ({
^bb0(%x: tensor<1x4x4x6xui8>):
  %c = "qnn.constant"() <{value = dense<1> : tensor<1x1x1x6xui8>}> : () -> tensor<1x1x1x6xui8>
  %s = "dory.add"(%x, %c) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> : (tensor<1x4x4x6xui8>, tensor<1x1x1x6xui8>) -> tensor<1x4x4x6xui8>
  "func.return"(%s) : (tensor<1x4x4x6xui8>) -> ()
}) : () -> ()
