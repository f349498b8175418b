// -o saves the single output, --save-outputs every output, as int64 .npy files.
// RUN: dory-run %s --seed 3 -o %t.out.npy > %t.printed
// RUN: %python -c "import numpy as np; a = np.load(r'%t.out.npy'); print(a.dtype, a.shape, a.min() >= -3, a.max() <= 10)" | filecheck %s --check-prefix=NPY
// RUN: rm -rf %t.outs
// RUN: dory-run %s --seed 3 --save-outputs %t.outs --func pair | filecheck %s --check-prefix=PAIR
// RUN: %python -c "import numpy as np; print(np.load(r'%t.outs/output_0.npy').tolist(), np.load(r'%t.outs/output_1.npy').tolist())" | filecheck %s --check-prefix=SAVED

// Random inputs are a pure function of the seed (and default to seed 0).
// RUN: dory-run %s --seed 3 > %t.a
// RUN: diff %t.a %t.printed
// RUN: dory-run %s > %t.default
// RUN: dory-run %s --seed 0 > %t.zero
// RUN: diff %t.default %t.zero
// RUN: dory-run - --seed 3 < %s > %t.stdin
// RUN: diff %t.a %t.stdin
// RUN: filecheck %s --input-file %t.a

"builtin.module"() ({
  "func.func"() <{function_type = (tensor<2x3xui4>) -> tensor<2x3xsi8>, sym_name = "main"}> ({
  ^bb0(%x: tensor<2x3xui4>):
    %y = "qnn.clip"(%x) <{max = 10 : i64, min = -3 : i64}> : (tensor<2x3xui4>) -> tensor<2x3xsi8>
    "func.return"(%y) : (tensor<2x3xsi8>) -> ()
  }) : () -> ()
  "func.func"() <{function_type = () -> (tensor<2xsi8>, tensor<si8>), sym_name = "pair"}> ({
    %a = "qnn.constant"() <{value = dense<[7, -7]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
    %b = "qnn.constant"() <{value = dense<-5> : tensor<si8>}> : () -> tensor<si8>
    "func.return"(%a, %b) : (tensor<2xsi8>, tensor<si8>) -> ()
  }) : () -> ()
}) : () -> ()

// CHECK:      output 0: tensor<2x3xsi8>
// CHECK-NEXT: {{^\[0\]: [0-9]+ [0-9]+ [0-9]+$}}
// CHECK-NEXT: {{^\[1\]: [0-9]+ [0-9]+ [0-9]+$}}
// NPY: int64 (2, 3) True True
// PAIR:      output 0: tensor<2xsi8>
// PAIR-NEXT: 7 -7
// PAIR-NEXT: output 1: tensor<si8>
// PAIR-NEXT: -5
// SAVED: [7, -7] -5
