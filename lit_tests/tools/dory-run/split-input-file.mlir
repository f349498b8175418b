// dory-run --split-input-file: each '// -----' chunk is a module of its own, run on its own
// (the same --seed, --input and --func for every chunk); the printed outputs are separated by
// the marker, and an error in one chunk does not stop the others.

// RUN: dory-run %s --split-input-file --seed 3 | filecheck %s
// Without the flag the second function is just another function of one module (the first runs).
// RUN: dory-run %s --seed 3 | filecheck %s --check-prefix=NOSPLIT
// NOSPLIT:     output 0: tensor<3xsi8>
// NOSPLIT-NOT: output
// The same inputs for every chunk: --input files are read once per chunk, against its function;
// the last function takes no input, so that chunk fails (the run exits 1) but the others print.
// RUN: %python -c "import numpy as np; np.save(r'%t.x.npy', np.array([-5, 0, 7], dtype=np.int64))"
// RUN: not dory-run %s --split-input-file --input %t.x.npy > %t.out 2> %t.err
// RUN: filecheck %s --check-prefix=INPUT < %t.out
// RUN: filecheck %s --check-prefix=INPUTERR < %t.err

"func.func"() <{function_type = (tensor<3xsi8>) -> tensor<3xsi8>, sym_name = "clip"}> ({
^bb0(%x: tensor<3xsi8>):
  %y = "qnn.clip"(%x) <{max = 5 : i64, min = 0 : i64}> : (tensor<3xsi8>) -> tensor<3xsi8>
  "func.return"(%y) : (tensor<3xsi8>) -> ()
}) : () -> ()
// CHECK-LABEL: output 0: tensor<3xsi8>
// CHECK-NEXT:  {{[0-5] [0-5] [0-5]}}
// CHECK-NEXT:  // -----
// INPUT-LABEL: output 0: tensor<3xsi8>
// INPUT-NEXT:  0 0 5
// INPUT-NEXT:  // -----

// -----

"func.func"() <{function_type = (tensor<3xsi8>) -> tensor<3xsi32>, sym_name = "add"}> ({
^bb0(%x: tensor<3xsi8>):
  %y = "qnn.add"(%x, %x) : (tensor<3xsi8>, tensor<3xsi8>) -> tensor<3xsi32>
  "func.return"(%y) : (tensor<3xsi32>) -> ()
}) : () -> ()
// CHECK-LABEL: output 0: tensor<3xsi32>
// CHECK-NEXT:  {{-?[0-9]+ -?[0-9]+ -?[0-9]+}}
// CHECK-NEXT:  // -----
// INPUT-LABEL: output 0: tensor<3xsi32>
// INPUT-NEXT:  -10 0 14
// INPUT-NOT:   output

// -----

"func.func"() <{function_type = () -> tensor<2x2xui8>, sym_name = "const"}> ({
  %c = "qnn.constant"() <{value = dense<[[1, 2], [3, 4]]> : tensor<2x2xui8>}> : () -> tensor<2x2xui8>
  "func.return"(%c) : (tensor<2x2xui8>) -> ()
}) : () -> ()
// INPUTERR: split-input-file.mlir:[[# @LINE - 4]]:1: error: @const expected 0 --input files, found 1
// CHECK-LABEL: output 0: tensor<2x2xui8>
// CHECK-NEXT:  [0]: 1 2
// CHECK-NEXT:  [1]: 3 4
// CHECK-NOT:   // -----
