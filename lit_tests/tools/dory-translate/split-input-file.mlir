// dory-translate --to-c --split-input-file: each '// -----' chunk is a module of its own,
// translated on its own; the C of each (network.h then network.c) is printed on stdout and the
// outputs are separated by the marker. dory-opt's split output feeds it directly.

// RUN: dory-opt %s --split-input-file -p assign-memory,tile,allocate-buffers -o %t.mlir
// RUN: dory-translate --to-c --split-input-file %t.mlir | filecheck %s
// Without --split-input-file the second module is one more top-level op, and the emitter
// expects a single function.
// RUN: not dory-translate --to-c %t.mlir 2>&1 | filecheck %s --check-prefix=NOSPLIT
// NOSPLIT: error: 'builtin.module' op expected exactly one function to translate, found 2
// NOSPLIT-NOT: Traceback

"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x1x1x4xui8>, sym_name = "first"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %p = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 4, 4>}> : (tensor<1x4x4x4xui8>) -> tensor<1x1x1x4xui8>
  "func.return"(%p) : (tensor<1x1x1x4xui8>) -> ()
}) : () -> ()
// CHECK-LABEL: #define DORY_NET_STEPS 1
// CHECK:       const dory_net_step_t dory_net_steps[DORY_NET_STEPS] = {
// CHECK-NEXT:      {"p", "pool", 2, {{[0-9]+}}u, 4u,
// CHECK-NEXT:  };
// CHECK:       // -----

// -----

"func.func"() <{function_type = (tensor<1x4x4x8xui8>) -> tensor<1x2x2x8xui8>, sym_name = "second"}> ({
^bb0(%x: tensor<1x4x4x8xui8>):
  %a = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x4x4x8xui8>) -> tensor<1x2x2x8xui8>
  %b = "dory.pool"(%a) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x2x2x8xui8>) -> tensor<1x2x2x8xui8>
  "func.return"(%b) : (tensor<1x2x2x8xui8>) -> ()
}) : () -> ()
// CHECK-LABEL: #define DORY_NET_STEPS 2
// CHECK:       const dory_net_step_t dory_net_steps[DORY_NET_STEPS] = {
// CHECK-NEXT:      {"a", "pool", 2, {{[0-9]+}}u, 32u,
// CHECK-NEXT:      {"b", "pool", 2, {{[0-9]+}}u, 32u,
// CHECK-NEXT:  };
// CHECK-NOT:   // -----
