// An .npz input as Deeploy / QuantLab write them (inputs.npz: input_0, ONNX layout NCHW, float64
// holding integers): read as input #0 and transposed to the IR's NHWC.
// RUN: %python -c "import numpy as np; np.savez(r'%t.in.npz', input_0=np.arange(8, dtype=np.float64).reshape(1, 2, 2, 2))"
// RUN: dory-run %s --input %t.in.npz | filecheck %s
// NCHW [c][h][w] = 4c + 2h + w, so NHWC order reads 0 4 1 5 2 6 3 7.
// CHECK:      [0,0,0]: 0 4
// CHECK-NEXT: [0,0,1]: 1 5
// CHECK-NEXT: [0,1,0]: 2 6
// CHECK-NEXT: [0,1,1]: 3 7
// RUN: %python -c "import numpy as np; np.savez(r'%t.two.npz', a=np.zeros(8), b=np.zeros(8))"
// RUN: not dory-run %s --input %t.two.npz 2>&1 | filecheck %s --check-prefix=KEY
// KEY: two.npz: error: expected an array 'input_0' in the .npz, found a, b

"func.func"() <{function_type = (tensor<1x2x2x2xui8>) -> tensor<1x2x2x2xui8>, sym_name = "main"}> ({
^bb0(%x: tensor<1x2x2x2xui8>):
  "func.return"(%x) : (tensor<1x2x2x2xui8>) -> ()
}) : () -> ()
