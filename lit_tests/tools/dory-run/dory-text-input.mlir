// REQUIRES: shared-models
// A real DORY input file (header line, values written as `81.000,\`) read into NHWC.
// RUN: dory-run %s --input %shared/models/nemo_dronet_2.0/input.txt | filecheck %s

// Sum 6629740 over 200x200 pixels: floor mean 165 (165.74); the largest pixel is 255.
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x200x200x1xui8>) -> (tensor<1x1x1x1xui8>, tensor<1x1x1x1xui8>), sym_name = "main"}> ({
  ^bb0(%x: tensor<1x200x200x1xui8>):
    %mean = "qnn.global_avgpool"(%x) : (tensor<1x200x200x1xui8>) -> tensor<1x1x1x1xui8>
    %max = "qnn.maxpool"(%x) <{kernel = array<i64: 200, 200>}> : (tensor<1x200x200x1xui8>) -> tensor<1x1x1x1xui8>
    "func.return"(%mean, %max) : (tensor<1x1x1x1xui8>, tensor<1x1x1x1xui8>) -> ()
  }) : () -> ()
}) : () -> ()

// CHECK:      output 0: tensor<1x1x1x1xui8>
// CHECK-NEXT: [0,0,0]: 165
// CHECK-NEXT: output 1: tensor<1x1x1x1xui8>
// CHECK-NEXT: [0,0,0]: 255
