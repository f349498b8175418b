// The module is verified before anything runs; every failing op is reported.
// RUN: not dory-run %s 2>&1 | filecheck %s

"builtin.module"() ({
  "func.func"() <{function_type = (tensor<4xsi8>) -> tensor<4xsi8>, sym_name = "main"}> ({
  ^bb0(%x: tensor<4xsi8>):
    // CHECK: verify-error.mlir:[[# @LINE + 1]]:5: error: 'qnn.clip' op
    %y = "qnn.clip"(%x) <{max = -3 : i64, min = 10 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
    "func.return"(%y) : (tensor<4xsi8>) -> ()
  }) : () -> ()
}) : () -> ()
// CHECK-NOT: output
// CHECK-NOT: Traceback
