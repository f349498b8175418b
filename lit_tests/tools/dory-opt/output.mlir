// -o writes the result to a file instead of stdout.

// RUN: rm -f %t.mlir
// RUN: dory-opt %s -p cse -o %t.mlir
// RUN: filecheck %s --input-file %t.mlir
// CHECK:      sym_name = "f"
// CHECK-NEXT: ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4xsi8>):
// CHECK-NEXT:   %[[A:[a-zA-Z0-9_]+]] = "qnn.add"(%[[X]], %[[X]])
// CHECK-NEXT:   "func.return"(%[[A]], %[[A]])

// Split outputs are joined by the marker in the file too.
// RUN: dory-opt %s --split-input-file -o %t.split.mlir
// RUN: filecheck %s --input-file %t.split.mlir --check-prefix=SPLIT
// SPLIT: sym_name = "f"
// SPLIT: // -----
// SPLIT: sym_name = "g"

// On failure the output file is not written.
// RUN: rm -f %t.bad.mlir
// RUN: not dory-opt %S/Inputs/invalid-ir.mlir -o %t.bad.mlir
// RUN: not cat %t.bad.mlir

// A file that can't be written is an error.
// RUN: not dory-opt %s -o %t.missing-dir/out.mlir 2>&1 | filecheck %s --check-prefix=UNWRITABLE
// UNWRITABLE: dory-opt: error: cannot write '{{.*}}missing-dir/out.mlir': No such file or directory

"func.func"() <{function_type = (tensor<4xsi8>) -> (tensor<4xsi8>, tensor<4xsi8>), sym_name = "f"}> ({
^bb0(%x: tensor<4xsi8>):
  %a = "qnn.add"(%x, %x) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %b = "qnn.add"(%x, %x) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%a, %b) : (tensor<4xsi8>, tensor<4xsi8>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = () -> (), sym_name = "g"}> ({
  "func.return"() : () -> ()
}) : () -> ()
