// RUN: %python -c "import numpy as np; np.save(r'%t.npy', np.arange(8, dtype=np.int8).reshape(1, 2, 2, 2) - 4)"
// RUN: dory-run %s --input %t.npy | filecheck %s
// RUN: dory-run %s --input %S/Inputs/x-1x2x2x2.txt | filecheck %s
// The same values as float32 (ONNX-style data carrying integers) are accepted too.
// RUN: %python -c "import numpy as np; np.save(r'%t.f32.npy', np.arange(8, dtype=np.float32).reshape(1, 2, 2, 2) - 4)"
// RUN: dory-run %s -i %t.f32.npy | filecheck %s

// x[0,h,w,c] = -4 + 4h + 2w + c; NHWC -> NCHW then flatten gives -4 -2 0 2 -3 -1 1 3.
// Row 0 of the weight sums it (-4), row 1 weighs it by 1..8 (10); bias 100, -100.
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x2x2x2xsi8>) -> tensor<1x2xsi32>, sym_name = "main"}> ({
  ^bb0(%x: tensor<1x2x2x2xsi8>):
    %t = "qnn.transpose"(%x) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<1x2x2x2xsi8>) -> tensor<1x2x2x2xsi8>
    %f = "qnn.flatten"(%t) : (tensor<1x2x2x2xsi8>) -> tensor<1x8xsi8>
    %w = "qnn.constant"() <{value = dense<[[1, 1, 1, 1, 1, 1, 1, 1], [1, 2, 3, 4, 5, 6, 7, 8]]> : tensor<2x8xsi8>}> : () -> tensor<2x8xsi8>
    %b = "qnn.constant"() <{value = dense<[100, -100]> : tensor<2xsi32>}> : () -> tensor<2xsi32>
    %y = "qnn.linear"(%f, %w, %b) : (tensor<1x8xsi8>, tensor<2x8xsi8>, tensor<2xsi32>) -> tensor<1x2xsi32>
    "func.return"(%y) : (tensor<1x2xsi32>) -> ()
  }) : () -> ()
}) : () -> ()

// CHECK:      output 0: tensor<1x2xsi32>
// CHECK-NEXT: [0]: 96 -90
// CHECK-NOT: output
