// The input comes from stdin when the file is '-' or missing; diagnostics then name <stdin>.

// RUN: dory-opt -p cse < %s | filecheck %s
// RUN: dory-opt - -p cse < %s | filecheck %s
// CHECK:      sym_name = "f"
// CHECK-NEXT: ^bb0(%[[X:[a-zA-Z0-9_]+]]: si8):
// CHECK-NEXT:   %[[A:[a-zA-Z0-9_]+]] = "test.pure"(%[[X]])
// CHECK-NEXT:   "test.op"(%[[A]], %[[A]])

// RUN: not dory-opt < %S/Inputs/invalid-ir.mlir 2>&1 | filecheck %s --check-prefix=ERROR
// ERROR: <stdin>:3:3: error: 'func.return' op operand types expected (si8) from the function type, found ()

// --split-input-file and --verify-diagnostics work on stdin too.
// RUN: dory-opt --split-input-file --verify-diagnostics < %S/Inputs/stdin-diagnostics.mlir | filecheck %s --check-prefix=SPLIT
// SPLIT:      sym_name = "first"
// SPLIT-NEXT: }) : () -> ()
// SPLIT-NEXT: // -----
// SPLIT-NEXT: "builtin.module"

// A missing input file is an error.
// RUN: not dory-opt %t.does-not-exist.mlir 2>&1 | filecheck %s --check-prefix=MISSING
// MISSING: dory-opt: error: cannot read '{{.*}}does-not-exist.mlir': No such file or directory

"func.func"() <{function_type = (si8) -> (), sym_name = "f"}> ({
^bb0(%x: si8):
  %a = "test.pure"(%x) : (si8) -> si8
  %b = "test.pure"(%x) : (si8) -> si8
  "test.op"(%a, %b) : (si8, si8) -> ()
  "func.return"() : () -> ()
}) : () -> ()
