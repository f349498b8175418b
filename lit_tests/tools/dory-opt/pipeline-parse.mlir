// The anchored and the flat pipeline forms, options and named pipelines; --dump-pass-pipeline
// prints what was parsed (to stderr) in anchored form, with the options that differ from their
// defaults, and that text parses back to the same pipeline.

// RUN: dory-opt %s -p 'builtin.module(canonicalize{max-iterations=3 test-convergence}, cse)' --dump-pass-pipeline 2>&1 | filecheck %s --check-prefixes=ANCHORED,IR
// ANCHORED: builtin.module(canonicalize{max-iterations=3 test-convergence=true},cse)

// The dumped form is itself a valid pipeline and dumps identically.
// RUN: dory-opt %s -p 'builtin.module(canonicalize{max-iterations=3 test-convergence=true},cse)' --dump-pass-pipeline -o /dev/null 2>&1 | filecheck %s --check-prefix=ANCHORED

// RUN: dory-opt %s -p ' cse , canonicalize{ max-iterations=10 test-convergence=false } ' --dump-pass-pipeline 2>&1 | filecheck %s --check-prefixes=FLAT,IR
// FLAT: builtin.module(cse,canonicalize)

// snake_case keys, hexadecimal integers and 1/0 for booleans are accepted too.
// RUN: dory-opt %s -p 'canonicalize{max_iterations=0x10 test_convergence=1}' --dump-pass-pipeline -o /dev/null 2>&1 | filecheck %s --check-prefix=SPELLINGS
// SPELLINGS: builtin.module(canonicalize{max-iterations=16 test-convergence=true})

// A named pipeline expands to its passes.
// RUN: dory-opt %s -p default --dump-pass-pipeline 2>&1 | filecheck %s --check-prefixes=NAMED,IR
// NAMED: builtin.module(canonicalize,cse)

// An empty pipeline (in either form) just parses, verifies and prints.
// RUN: dory-opt %s -p '' --dump-pass-pipeline -o /dev/null 2>&1 | filecheck %s --check-prefix=EMPTY
// RUN: dory-opt %s -p 'builtin.module()' --dump-pass-pipeline -o /dev/null 2>&1 | filecheck %s --check-prefix=EMPTY
// EMPTY: builtin.module()

// The passes really ran: the duplicate add was merged and the dead clip erased.
// IR-LABEL: sym_name = "f"
// IR-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4xsi8>):
// IR-NEXT:    %[[S:[a-zA-Z0-9_]+]] = "qnn.add"(%[[X]], %[[X]])
// IR-NEXT:    "func.return"(%[[S]], %[[S]])
"func.func"() <{function_type = (tensor<4xsi8>) -> (tensor<4xsi8>, tensor<4xsi8>), sym_name = "f"}> ({
^bb0(%x: tensor<4xsi8>):
  %a = "qnn.add"(%x, %x) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %b = "qnn.add"(%x, %x) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %dead = "qnn.clip"(%a) <{max = 1 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%a, %b) : (tensor<4xsi8>, tensor<4xsi8>) -> ()
}) : () -> ()
