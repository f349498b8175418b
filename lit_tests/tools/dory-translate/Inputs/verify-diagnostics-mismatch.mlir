// expected-error@+1 {{expected batch size 2}}
"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x1x1x4xui8>, sym_name = "unplanned"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %p = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 4, 4>}> : (tensor<1x4x4x4xui8>) -> tensor<1x1x1x4xui8>
  "func.return"(%p) : (tensor<1x1x1x4xui8>) -> ()
}) : () -> ()
