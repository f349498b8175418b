// The planning passes' `target` option: an unknown target is an error at the module that names
// the known targets (each a folder of backends/), for every planning pass; the default target
// spells no option, so a pipeline prints as it was given.

// RUN: dory-opt %s -p 'assign-memory{target=gap7}' --verify-diagnostics
// RUN: dory-opt %s -p 'tile{target=gap7}' --verify-diagnostics
// RUN: dory-opt %s -p 'allocate-buffers{target=gap7}' --verify-diagnostics
// RUN: not dory-opt %s -p 'tile{target=gap7}' 2>&1 | filecheck %s --check-prefix=UNKNOWN
// UNKNOWN: target-option.mlir:[[# @LINE + 6]]:1: error: option 'target': unknown target 'gap7' (known targets: gap8{{(, [a-z0-9_]+)*}})

// RUN: dory-opt %s -p 'assign-memory{target=gap8},tile{target=gap8 l1-bytes=4096}' --dump-pass-pipeline -o /dev/null 2>&1 | filecheck %s --check-prefix=SPELL
// SPELL: builtin.module(assign-memory,tile{l1-bytes=4096})

// expected-error-re@+1 {{option 'target': unknown target 'gap7' (known targets: {{.*}}gap8{{.*}})}}
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>, sym_name = "pool"}> ({
  ^bb0(%x: tensor<1x4x4x4xui8>):
    %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>
    "func.return"(%y) : (tensor<1x4x4x4xui8>) -> ()
  }) : () -> ()
}) : () -> ()
