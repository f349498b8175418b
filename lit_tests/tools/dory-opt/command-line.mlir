// Bad command lines are reported in one line with exit status 1 (not argparse's 2).

// RUN: not dory-opt %s --no-such-flag 2>&1 | filecheck %s --check-prefix=UNKNOWN-FLAG
// UNKNOWN-FLAG: dory-opt: error: unrecognized arguments: --no-such-flag (see 'dory-opt --help')

// RUN: not dory-opt %s --verify-semantics=x 2>&1 | filecheck %s --check-prefix=BAD-SEED
// BAD-SEED: dory-opt: error: argument --verify-semantics: invalid int value: 'x' (see 'dory-opt --help')

// RUN: not dory-opt %s %s 2>&1 | filecheck %s --check-prefix=TWO-FILES
// TWO-FILES: dory-opt: error: unrecognized arguments: {{.*}}command-line.mlir

// RUN: dory-opt --help | filecheck %s --check-prefix=HELP
// HELP: usage: dory-opt
// HELP: --pass-pipeline PIPELINE
// HELP: --split-input-file
// HELP: --verify-each, --no-verify-each
// HELP: --verify-diagnostics
// HELP: --print-ir-before-all
// HELP: --print-ir-after-all
// HELP: --print-ir-before PASS
// HELP: --print-ir-after PASS
// HELP: --timing
// HELP: --list-passes
// HELP: --dump-pass-pipeline
// HELP: --elide-large-constants N
// HELP: --allow-unregistered-dialect
// HELP: --verify-semantics SEED

"test.op"() : () -> ()
