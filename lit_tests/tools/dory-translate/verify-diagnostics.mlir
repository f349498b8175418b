// dory-translate --to-c --verify-diagnostics: each chunk's errors (parse, verifier, backend) are
// checked against the chunk's expectation comments instead of being printed; the exit status is
// 0 when every expectation is met and nothing else is reported.

// RUN: dory-translate --to-c %s --split-input-file --verify-diagnostics
// Without --verify-diagnostics the same errors are printed, located in the whole file, and the
// run fails.
// RUN: not dory-translate --to-c %s --split-input-file 2>&1 | filecheck %s
// A wrong expectation fails the run and says so.
// RUN: not dory-translate --to-c %S/Inputs/verify-diagnostics-mismatch.mlir --split-input-file --verify-diagnostics 2>&1 | filecheck %s --check-prefix=MISMATCH
// MISMATCH: verify-diagnostics-mismatch.mlir:2:1: error: unexpected error: 'func.func' op expected 'dory.arg_alloc' for argument #0 (run 'allocate-buffers' first), found none
// MISMATCH-NEXT: verify-diagnostics-mismatch.mlir:1:4: error: expected error "expected batch size 2" was not produced

// A module that was never planned: the backend needs buffer offsets.
// CHECK: verify-diagnostics.mlir:[[# @LINE + 2]]:1: error: 'func.func' op expected 'dory.arg_alloc' for argument #0 (run 'allocate-buffers' first), found none
// expected-error@+1 {{expected 'dory.arg_alloc' for argument #0 (run 'allocate-buffers' first), found none}}
"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x1x1x4xui8>, sym_name = "unplanned"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %p = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 4, 4>}> : (tensor<1x4x4x4xui8>) -> tensor<1x1x1x4xui8>
  "func.return"(%p) : (tensor<1x1x1x4xui8>) -> ()
}) : () -> ()

// -----

// A parse error.
// CHECK: verify-diagnostics.mlir:[[# @LINE + 2]]:13: error: use of undefined value '%nope'
// expected-error@+1 {{use of undefined value '%nope'}}
"func.func"(%nope) : (si8) -> ()

// -----

// The verifier runs first and reports every failing op.
"func.func"() <{function_type = (tensor<4xsi8>) -> tensor<4xsi8>, sym_name = "bad"}> ({
^bb0(%x: tensor<4xsi8>):
  // CHECK: verify-diagnostics.mlir:[[# @LINE + 2]]:3: error: 'qnn.clip' op
  // expected-error@+1 {{'qnn.clip' op}}
  %y = "qnn.clip"(%x) <{max = -3 : i64, min = 10 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%y) : (tensor<4xsi8>) -> ()
}) : () -> ()

// -----
// expected-error {{'builtin.module' op expected exactly one function to translate, found 2}}
// CHECK: verify-diagnostics.mlir:[[# @LINE - 1]]:1: error: 'builtin.module' op expected exactly one function to translate, found 2
"func.func"() <{function_type = () -> (), sym_name = "one"}> ({
  "func.return"() : () -> ()
}) : () -> ()
"func.func"() <{function_type = () -> (), sym_name = "two"}> ({
  "func.return"() : () -> ()
}) : () -> ()
// CHECK-NOT: error:
