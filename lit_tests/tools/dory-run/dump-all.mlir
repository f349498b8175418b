// RUN: rm -rf %t.dump
// RUN: dory-run %s --seed 7 --dump-all %t.dump | filecheck %s
// RUN: filecheck %s --check-prefix=INDEX --input-file %t.dump/index.txt
// RUN: %python -c "import numpy as np; d = r'%t.dump'; x = np.load(d + '/0000_x.npy'); c = np.load(d + '/0002_clipped.npy'); print(x.dtype, x.shape, c.shape, (c == np.clip(x, -3, 10)).all(), np.load(d + '/0004_1.npy').tolist())" | filecheck %s --check-prefix=NPY
// A second run into the same, now non-empty, directory is refused rather than mixing dumps.
// RUN: not dory-run %s --dump-all %t.dump 2>&1 | filecheck %s --check-prefix=EXISTS

"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x3x3x2xsi8>) -> tensor<1x3x3x2xsi8>, sym_name = "main"}> ({
  ^bb0(%x: tensor<1x3x3x2xsi8>):
    %c = "qnn.constant"() <{value = dense<[1, -2]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
    %clipped = "qnn.clip"(%x) <{max = 10 : i64, min = -3 : i64}> : (tensor<1x3x3x2xsi8>) -> tensor<1x3x3x2xsi8>
    %0 = "qnn.constant"() <{value = dense<[5, 6]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
    %1 = "qnn.add"(%c, %0) : (tensor<2xsi8>, tensor<2xsi8>) -> tensor<2xsi8>
    %sum = "qnn.add"(%clipped, %1) : (tensor<1x3x3x2xsi8>, tensor<2xsi8>) -> tensor<1x3x3x2xsi8>
    "func.return"(%sum) : (tensor<1x3x3x2xsi8>) -> ()
  }) : () -> ()
}) : () -> ()

// CHECK: output 0: tensor<1x3x3x2xsi8>
// CHECK-COUNT-9: {{^\[0,[0-2],[0-2]\]: -?[0-9]+ -?[0-9]+$}}

// Names are the printer's (%0 and %1 are anonymous results), inputs come first.
// INDEX:      0000_x.npy %x tensor<1x3x3x2xsi8> input #0
// INDEX-NEXT: 0001_c.npy %c tensor<2xsi8> qnn.constant {{.*}}dump-all.mlir:{{[0-9]+}}:5
// INDEX-NEXT: 0002_clipped.npy %clipped tensor<1x3x3x2xsi8> qnn.clip {{.*}}dump-all.mlir:{{[0-9]+}}:5
// INDEX-NEXT: 0003_0.npy %0 tensor<2xsi8> qnn.constant
// INDEX-NEXT: 0004_1.npy %1 tensor<2xsi8> qnn.add
// INDEX-NEXT: 0005_sum.npy %sum tensor<1x3x3x2xsi8> qnn.add
// INDEX-NOT: .npy

// NPY: int64 (1, 3, 3, 2) (1, 3, 3, 2) True [6, 4]
// EXISTS: dory-run: error: --dump-all expected a missing or empty directory, found existing '{{.*}}.dump'; remove it first
