// --verify-semantics[=SEED] runs every function on seeded random inputs before the pipeline
// and after each pass, and fails naming the first pass after which an output changed (which
// function, which output, the first differing index and both values).
// test-break-semantics exists only for this test: it bumps the first element of the first
// qnn.constant in the module (here the one in @with_constant).

// RUN: not dory-opt -p test-break-semantics --verify-semantics=1 %s 2>&1 | filecheck %s
// CHECK: verify-semantics.mlir:[[# @LINE + 20]]:1: error: pass 'test-break-semantics' changed function 'with_constant': output #0 differs at index [0, 0]: expected {{-?[0-9]+}}, found {{-?[0-9]+}} (--verify-semantics seed 1)
// CHECK-NOT: builtin.module

// The first pass that changes an output is named, not a later one; correct passes before it
// pass the check.
// RUN: not dory-opt -p canonicalize,cse,test-break-semantics,canonicalize --verify-semantics=1 %s 2>&1 | filecheck %s

// Semantics-preserving pipelines pass, with any seed (0 without a value).
// RUN: dory-opt -p canonicalize,cse --verify-semantics %s | filecheck %s --check-prefix=OK
// RUN: dory-opt -p canonicalize,cse --verify-semantics=12345 %s | filecheck %s --check-prefix=OK
// OK: sym_name = "no_constant"
// OK: sym_name = "with_constant"

"func.func"() <{function_type = (tensor<2x2xsi8>) -> tensor<2x2xsi8>, sym_name = "no_constant"}> ({
^bb0(%x: tensor<2x2xsi8>):
  %a = "qnn.add"(%x, %x) : (tensor<2x2xsi8>, tensor<2x2xsi8>) -> tensor<2x2xsi8>
  %b = "qnn.add"(%x, %x) : (tensor<2x2xsi8>, tensor<2x2xsi8>) -> tensor<2x2xsi8>
  "func.return"(%b) : (tensor<2x2xsi8>) -> ()
}) : () -> ()

"func.func"() <{function_type = (tensor<2x2xsi8>) -> tensor<2x2xsi16>, sym_name = "with_constant"}> ({
^bb0(%x: tensor<2x2xsi8>):
  %c = "qnn.constant"() <{value = dense<[[1, 2], [3, 4]]> : tensor<2x2xsi8>}> : () -> tensor<2x2xsi8>
  %r = "qnn.reshape"(%c) : (tensor<2x2xsi8>) -> tensor<2x2xsi8>
  %s = "qnn.add"(%x, %r) : (tensor<2x2xsi8>, tensor<2x2xsi8>) -> tensor<2x2xsi16>
  "func.return"(%s) : (tensor<2x2xsi16>) -> ()
}) : () -> ()

// Without a constant, test-break-semantics clamps a clip to its lower bound instead.
// RUN: not dory-opt -p test-break-semantics --verify-semantics=3 %S/Inputs/semantics-clip.mlir 2>&1 | filecheck %s --check-prefix=CLIP
// CLIP: semantics-clip.mlir:1:1: error: pass 'test-break-semantics' changed function 'clip': output #0 differs at index [{{[0-9]+}}]: expected {{-?[0-9]+}}, found -100 (--verify-semantics seed 3)

// A function the interpreter cannot run is an error before any pass runs.
// RUN: not dory-opt -p canonicalize --verify-semantics %S/Inputs/semantics-unrunnable.mlir 2>&1 | filecheck %s --check-prefix=UNRUNNABLE
// UNRUNNABLE: semantics-unrunnable.mlir:3:3: error: --verify-semantics cannot run function 'opaque' on the input: {{.*}}'test.op'{{.*}}

// ... and test-break-semantics without anything to break fails with a located error.
// RUN: not dory-opt -p test-break-semantics %S/Inputs/semantics-unrunnable.mlir 2>&1 | filecheck %s --check-prefix=NOTHING
// NOTHING: semantics-unrunnable.mlir:1:1: error: test-break-semantics found no 'qnn.constant' or 'qnn.clip' to change
