// The verifier runs after every pass by default, and its errors name the pass that broke the
// IR. test-invalid-ir exists only for this test: it adds an unknown property to a function.

// RUN: not dory-opt %s -p cse,test-invalid-ir,canonicalize 2>&1 | filecheck %s
// CHECK: verify-each.mlir:[[# @LINE + 11]]:1: error: 'func.func' op unknown property 'test_invalid' (expected one of: function_type, sym_name, sym_visibility) (after pass 'test-invalid-ir')
// CHECK-NOT: builtin.module

// --no-verify-each lets the broken IR through to the output.
// RUN: dory-opt %s -p test-invalid-ir --no-verify-each | filecheck %s --check-prefix=NO-VERIFY
// NO-VERIFY: "func.func"() <{function_type = () -> (), sym_name = "f", test_invalid}>

// The input is verified after parsing even without --verify-each.
// RUN: not dory-opt %S/Inputs/invalid-ir.mlir --no-verify-each 2>&1 | filecheck %s --check-prefix=INPUT
// INPUT: invalid-ir.mlir:3:3: error: 'func.return' op operand types expected (si8) from the function type, found ()

"func.func"() <{function_type = () -> (), sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : () -> ()

// A test pass that finds nothing to break fails with a located error.
// RUN: not dory-opt %S/Inputs/no-function.mlir -p test-invalid-ir 2>&1 | filecheck %s --check-prefix=NO-FUNC
// NO-FUNC: no-function.mlir:1:1: error: test-invalid-ir found no 'func.func' to break
