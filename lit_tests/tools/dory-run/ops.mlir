// RUN: dory-run %s | filecheck %s
// RUN: dory-run %s --func rounding | filecheck %s --check-prefix=ROUND
// RUN: dory-run %s --func pools | filecheck %s --check-prefix=POOL

// Hand-computed results on constant inputs (no function inputs, so no --input or --seed).

"builtin.module"() ({
  // 2x2 all-ones conv over 1..9 plus bias 10: 22 26 34 38; requant *3 >> 2 (floor):
  // 16.5 -> 16, 19.5 -> 19, 25.5 -> 25, 28.5 -> 28; then a 2x2 maxpool: 28.
  "func.func"() <{function_type = () -> (tensor<1x2x2x1xsi8>, tensor<1x1x1x1xsi8>), sym_name = "main"}> ({
    %x = "qnn.constant"() <{value = dense<[[[[1], [2], [3]], [[4], [5], [6]], [[7], [8], [9]]]]> : tensor<1x3x3x1xsi8>}> : () -> tensor<1x3x3x1xsi8>
    %w = "qnn.constant"() <{value = dense<1> : tensor<1x2x2x1xsi8>}> : () -> tensor<1x2x2x1xsi8>
    %b = "qnn.constant"() <{value = dense<10> : tensor<1xsi32>}> : () -> tensor<1xsi32>
    %acc = "qnn.conv2d"(%x, %w, %b) : (tensor<1x3x3x1xsi8>, tensor<1x2x2x1xsi8>, tensor<1xsi32>) -> tensor<1x2x2x1xsi32>
    %q = "qnn.requant"(%acc) <{max = 127 : i64, min = -128 : i64, mul = 3 : i64, shift = 2 : i64}> : (tensor<1x2x2x1xsi32>) -> tensor<1x2x2x1xsi8>
    %m = "qnn.maxpool"(%q) <{kernel = array<i64: 2, 2>}> : (tensor<1x2x2x1xsi8>) -> tensor<1x1x1x1xsi8>
    "func.return"(%q, %m) : (tensor<1x2x2x1xsi8>, tensor<1x1x1x1xsi8>) -> ()
  }) : () -> ()
  // CHECK:      output 0: tensor<1x2x2x1xsi8>
  // CHECK-NEXT: [0,0,0]: 16
  // CHECK-NEXT: [0,0,1]: 19
  // CHECK-NEXT: [0,1,0]: 25
  // CHECK-NEXT: [0,1,1]: 28
  // CHECK-NEXT: output 1: tensor<1x1x1x1xsi8>
  // CHECK-NEXT: [0,0,0]: 28

  // Division by 2 of -7 -6 5 7: trunc gives -3 -3 2 3, floor -4 -3 2 3; an si8 add wraps 100+100.
  "func.func"() <{function_type = () -> (tensor<4xsi8>, tensor<4xsi8>, tensor<2xsi8>), sym_name = "rounding"}> ({
    %v = "qnn.constant"() <{value = dense<[-7, -6, 5, 7]> : tensor<4xsi32>}> : () -> tensor<4xsi32>
    %t = "qnn.requant"(%v) <{div = 2 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64, rounding = "trunc"}> : (tensor<4xsi32>) -> tensor<4xsi8>
    %f = "qnn.requant"(%v) <{div = 2 : i64, max = 127 : i64, min = -128 : i64, mul = 1 : i64}> : (tensor<4xsi32>) -> tensor<4xsi8>
    %h = "qnn.constant"() <{value = dense<[100, -100]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
    %s = "qnn.add"(%h, %h) : (tensor<2xsi8>, tensor<2xsi8>) -> tensor<2xsi8>
    "func.return"(%t, %f, %s) : (tensor<4xsi8>, tensor<4xsi8>, tensor<2xsi8>) -> ()
  }) : () -> ()
  // ROUND:      output 0: tensor<4xsi8>
  // ROUND-NEXT: -3 -3 2 3
  // ROUND-NEXT: output 1: tensor<4xsi8>
  // ROUND-NEXT: -4 -3 2 3
  // ROUND-NEXT: output 2: tensor<2xsi8>
  // ROUND-NEXT: -56 56

  // avgpool 2x2 stride 1 with 1 pixel of padding, not counting padding, floor rounding,
  // over [[1, 2], [3, -4]]: corners 1 2 3 -4, edges (1+2)/2 -> 1, (1+3)/2 -> 2, (2-4)/2 -> -1,
  // (3-4)/2 -> -1 (floor of -0.5), centre 2/4 -> 0. global_avgpool: 2/4 -> 0.
  "func.func"() <{function_type = () -> (tensor<1x3x3x1xsi8>, tensor<1x1x1x1xsi8>), sym_name = "pools"}> ({
    %x = "qnn.constant"() <{value = dense<[[[[1], [2]], [[3], [-4]]]]> : tensor<1x2x2x1xsi8>}> : () -> tensor<1x2x2x1xsi8>
    %a = "qnn.avgpool"(%x) <{kernel = array<i64: 2, 2>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}> : (tensor<1x2x2x1xsi8>) -> tensor<1x3x3x1xsi8>
    %g = "qnn.global_avgpool"(%x) : (tensor<1x2x2x1xsi8>) -> tensor<1x1x1x1xsi8>
    "func.return"(%a, %g) : (tensor<1x3x3x1xsi8>, tensor<1x1x1x1xsi8>) -> ()
  }) : () -> ()
  // POOL:      output 0: tensor<1x3x3x1xsi8>
  // POOL-NEXT: [0,0,0]: 1
  // POOL-NEXT: [0,0,1]: 1
  // POOL-NEXT: [0,0,2]: 2
  // POOL-NEXT: [0,1,0]: 2
  // POOL-NEXT: [0,1,1]: 0
  // POOL-NEXT: [0,1,2]: -1
  // POOL-NEXT: [0,2,0]: 3
  // POOL-NEXT: [0,2,1]: -1
  // POOL-NEXT: [0,2,2]: -4
  // POOL-NEXT: output 1: tensor<1x1x1x1xsi8>
  // POOL-NEXT: [0,0,0]: 0
}) : () -> ()
