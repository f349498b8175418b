// dory-translate --to-c: a planned module (assign-memory, tile, allocate-buffers) becomes one
// constant dory_layer_t per layer, a concat step, the step table and the run function. The
// descriptors repeat what the passes decided (tile sizes, L1 ping/pong offsets, L2 offsets);
// per-channel requant vectors become params entries (largest element type first), scalars stay
// inline. The reshape is a view and emits nothing.

// RUN: dory-opt %s -p assign-memory,tile,allocate-buffers -o %t.mlir
// RUN: dory-translate --to-c %t.mlir | filecheck %s
// Deterministic: a second translation is byte-identical.
// RUN: dory-translate --to-c %t.mlir > %t.1.c
// RUN: dory-translate --to-c %t.mlir > %t.2.c
// RUN: cmp %t.1.c %t.2.c
// The directory form writes the three files, and the generated C compiles warning-free.
// RUN: rm -rf %t.dir && dory-translate --to-c %t.mlir -o %t.dir
// RUN: ls %t.dir | filecheck --check-prefix=FILES %s
// RUN: cc -std=gnu99 -Wall -Wextra -Werror -fsyntax-only -I%t.dir -I%S/../../../runtime/include %t.dir/network.c
// FILES: network.c
// FILES-NEXT: network.h
// FILES-NEXT: weights.bin

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x10xsi32>, sym_name = "net"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w0 = "qnn.constant"() <{value = dense<1> : tensor<6x1x1x4xsi8>}> : () -> tensor<6x1x1x4xsi8>
  %a = "dory.conv2d"(%x, %w0) <{requant = {add = dense<[0, 1, 2, 3, 4, 5]> : tensor<6xsi32>, mul = dense<[1, 2, 1, 2, 1, 2]> : tensor<6xsi16>, max = 255 : i64, min = 0 : i64, shift = 2 : i64}}> : (tensor<1x8x8x4xui8>, tensor<6x1x1x4xsi8>) -> tensor<1x8x8x6xui8> loc("Conv_a")
  %w1 = "qnn.constant"() <{value = dense<1> : tensor<6x3x3x1xsi8>}> : () -> tensor<6x3x3x1xsi8>
  %l = "dory.depthwise"(%a, %w1) <{pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, requant = {max = 127 : i64, min = -128 : i64, mul = 3 : i64, div = 5 : i64, rounding = "trunc"}}> : (tensor<1x8x8x6xui8>, tensor<6x3x3x1xsi8>) -> tensor<1x4x4x6xsi8> loc("Dw_l")
  %r = "dory.pool"(%a) <{kind = "avg", kernel = array<i64: 2, 2>, count_include_pad = true}> : (tensor<1x8x8x6xui8>) -> tensor<1x4x4x6xui8> loc("Pool_r")
  %s = "dory.add"(%r, %r) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> : (tensor<1x4x4x6xui8>, tensor<1x4x4x6xui8>) -> tensor<1x4x4x6xui8> loc("Add_s")
  %c = "dory.concat"(%s, %s) <{axis = 3 : i64}> : (tensor<1x4x4x6xui8>, tensor<1x4x4x6xui8>) -> tensor<1x4x4x12xui8> loc("Concat_c")
  %f = "dory.reshape"(%c) : (tensor<1x4x4x12xui8>) -> tensor<1x192xui8>
  %w2 = "qnn.constant"() <{value = dense<2> : tensor<10x192xsi8>}> : () -> tensor<10x192xsi8>
  %b2 = "qnn.constant"() <{value = dense<7> : tensor<10xsi32>}> : () -> tensor<10xsi32>
  %y = "dory.linear"(%f, %w2, %b2) : (tensor<1x192xui8>, tensor<10x192xsi8>, tensor<10xsi32>) -> tensor<1x10xsi32> loc("Fc_y")
  "func.return"(%y) : (tensor<1x10xsi32>) -> ()
}) : () -> ()

// CHECK-LABEL: #define DORY_NET_STEPS 6
// CHECK: #define DORY_NET_INPUT_BYTES 256u
// CHECK: #define DORY_NET_OUTPUT_BYTES 40u
// CHECK-LABEL: /* Conv_a: dory.conv2d (1, 8, 8, 4) -> (1, 8, 8, 6) */
// CHECK: static const dory_layer_t [[CONV:layer0]] = {
// CHECK: .kind = DORY_LAYER_CONV,
// CHECK: .co = 6,
// CHECK: .t_co = [[TCO:[0-9]+]],
// CHECK: .x = {DORY_MEM_L2, [[XOFF:[0-9]+]]u},
// CHECK: .w_type = DORY_S8,
// CHECK: .rq = {1, {{[{][{]}}NULL, NULL, 1LL, 0LL, DORY_S32, DORY_S32, 2, 0, 0, 0, 255}}},
// The si32 `add` vector first, then the si16 `mul` (6 x 4 bytes later).
// CHECK: .n_params = 2,
// CHECK-NEXT: .params = {{[{][{]}}0u, DORY_S32, 0, 0, 1}, {24u, DORY_S16, 0, 0, 0}},
// CHECK: .l1_in = {0u, {{[0-9]+}}u},
// CHECK-LABEL: /* Dw_l: dory.depthwise (1, 8, 8, 6) -> (1, 4, 4, 6) */
// CHECK: .kind = DORY_LAYER_DEPTHWISE,
// CHECK: .sh = 2,
// CHECK: .pt = 1,
// CHECK: .y_type = DORY_S8,
// CHECK: .rq = {1, {{[{][{]}}NULL, NULL, 3LL, 0LL, DORY_S32, DORY_S32, 0, 5, 1, -128, 127}}},
// CHECK-NOT: .params =
// CHECK-LABEL: /* Pool_r: dory.pool (1, 8, 8, 6) -> (1, 4, 4, 6) */
// CHECK: .kind = DORY_LAYER_POOL,
// CHECK: .is_avg = 1,
// CHECK-NEXT: .count_include_pad = 1,
// CHECK-LABEL: /* Add_s: dory.add (1, 4, 4, 6) -> (1, 4, 4, 6) */
// CHECK: .kind = DORY_LAYER_ADD,
// CHECK: .x = {DORY_MEM_L2, [[R:[0-9]+]]u},
// CHECK: .x2 = {DORY_MEM_L2, [[R]]u},
// CHECK-LABEL: /* Concat_c: dory.concat axis 3 -> (1, 4, 4, 12) */
// CHECK: static const dory_concat_t concat4 = {{[{][{]}}DORY_MEM_L2, {{[0-9]+}}u}, 16u, 12u, 2, concat4_parts};
// CHECK-LABEL: /* Fc_y: dory.linear (1, 192) -> (1, 10) */
// CHECK: .kind = DORY_LAYER_LINEAR,
// CHECK: .ci = 192,
// CHECK: .b_type = DORY_S32,
// CHECK-LABEL: const dory_net_step_t dory_net_steps[DORY_NET_STEPS] = {
// CHECK-NEXT: {"Conv_a", "conv2d", 2, {{[0-9]+}}u, 384u, 1536ull,
// CHECK-NEXT: {"Dw_l", "depthwise", 2,
// CHECK-LABEL: int dory_network_run(
// CHECK: dory_net_write(2, [[XOFF]]u, input, DORY_NET_INPUT_BYTES);
// CHECK: if (dory_layer_run_next(&[[CONV]], &layer1)) return 1;
// CHECK: if (dory_layer_run_next(&layer3, &layer5)) return 4;
// CHECK: if (dory_concat_run(&concat4)) return 5;
// CHECK: if (dory_layer_run(&layer5)) return 6;
