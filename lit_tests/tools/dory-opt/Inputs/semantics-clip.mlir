"func.func"() <{function_type = (tensor<16xsi8>) -> tensor<16xsi8>, sym_name = "clip"}> ({
^bb0(%x: tensor<16xsi8>):
  %k = "qnn.clip"(%x) <{max = 100 : i64, min = -100 : i64}> : (tensor<16xsi8>) -> tensor<16xsi8>
  "func.return"(%k) : (tensor<16xsi8>) -> ()
}) : () -> ()
