// dory-run --verify-diagnostics: each chunk's errors (parse, verifier, inputs, the interpreter)
// are checked against the chunk's expectation comments instead of being printed; the exit
// status is 0 when every expectation is met and nothing else is reported. Chunks that run still
// print their outputs.

// RUN: dory-run %s --split-input-file --verify-diagnostics | filecheck %s --check-prefix=OUT
// Without --verify-diagnostics the errors are printed, located in the whole file.
// RUN: not dory-run %s --split-input-file 2>&1 >/dev/null | filecheck %s
// A wrong expectation fails the run and says so.
// RUN: not dory-run %S/Inputs/verify-diagnostics-mismatch.mlir --verify-diagnostics 2>&1 | filecheck %s --check-prefix=MISMATCH
// MISMATCH: verify-diagnostics-mismatch.mlir:4:5: error: unexpected error: 'test.op' op is not executable
// MISMATCH-NEXT: verify-diagnostics-mismatch.mlir:1:4: error: expected error "is not runnable" was not produced

// An op the interpreter cannot run.
"func.func"() <{function_type = () -> tensor<2xsi8>, sym_name = "opaque"}> ({
  // CHECK: verify-diagnostics.mlir:[[# @LINE + 2]]:3: error: 'test.op' op is not executable
  // expected-error@+1 {{'test.op' op is not executable}}
  %c = "test.op"() : () -> tensor<2xsi8>
  "func.return"(%c) : (tensor<2xsi8>) -> ()
}) : () -> ()

// -----

// A parse error.
// CHECK: verify-diagnostics.mlir:[[# @LINE + 2]]:13: error: use of undefined value '%nope'
// expected-error@+1 {{use of undefined value '%nope'}}
"func.func"(%nope) : (si8) -> ()

// -----

// A verifier error: nothing runs.
"func.func"() <{function_type = (tensor<4xsi8>) -> tensor<4xsi8>, sym_name = "bad"}> ({
^bb0(%x: tensor<4xsi8>):
  // CHECK: verify-diagnostics.mlir:[[# @LINE + 2]]:3: error: 'qnn.clip' op property 'min' expected <= max (-3), found 10
  // expected-error@+1 {{'qnn.clip' op property 'min' expected <= max (-3), found 10}}
  %y = "qnn.clip"(%x) <{max = -3 : i64, min = 10 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%y) : (tensor<4xsi8>) -> ()
}) : () -> ()

// -----
// expected-error {{expected a 'func.func' to run, found none in the module}}
// CHECK: verify-diagnostics.mlir:[[# @LINE - 1]]:1: error: expected a 'func.func' to run, found none in the module
"test.op"() : () -> ()

// -----

// A near miss of the marker is a warning; the chunk still runs and prints.
// CHECK: verify-diagnostics.mlir:[[# @LINE + 2]]:1: warning: near miss with the split marker '// -----'
// expected-warning@+1 {{near miss with the split marker}}
//-----
"func.func"() <{function_type = () -> tensor<2xsi8>, sym_name = "ok"}> ({
  %c = "qnn.constant"() <{value = dense<[4, -4]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
  "func.return"(%c) : (tensor<2xsi8>) -> ()
}) : () -> ()
// OUT:      output 0: tensor<2xsi8>
// OUT-NEXT: 4 -4
// OUT-NOT:  output
// CHECK-NOT: error:
