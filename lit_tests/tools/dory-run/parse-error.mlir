// RUN: not dory-run %s 2>&1 | filecheck %s
// RUN: not dory-run %t.does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=NOFILE

"builtin.module"() ({
  "func.func"() <{function_type = () -> (), sym_name = "main"}> ({
    // CHECK: parse-error.mlir:[[# @LINE + 1]]:{{[0-9]+}}: error: use of undefined value '%nope'
    "func.return"(%nope) : (tensor<4xsi8>) -> ()
  }) : () -> ()
}) : () -> ()
// CHECK-NOT: Traceback
// NOFILE: dory-run: error: cannot read '{{.*}}does-not-exist.mlir': No such file or directory
