// IR dumps go to stderr with MLIR's headers; stdout still gets the final IR.

// RUN: dory-opt %s -p canonicalize,cse --print-ir-after-all -o /dev/null 2>&1 | filecheck %s --check-prefix=AFTER-ALL
// AFTER-ALL:      // -----// IR Dump After Canonicalize (canonicalize) //----- //
// AFTER-ALL-NEXT: "builtin.module"() ({
// AFTER-ALL:        %[[A:[a-zA-Z0-9_]+]] = "qnn.add"
// AFTER-ALL-NEXT:   %[[B:[a-zA-Z0-9_]+]] = "qnn.add"
// AFTER-ALL-NEXT:   "func.return"(%[[A]], %[[B]])
// AFTER-ALL:      // -----// IR Dump After CSE (cse) //----- //
// AFTER-ALL-NEXT: "builtin.module"() ({
// AFTER-ALL:        %[[A:[a-zA-Z0-9_]+]] = "qnn.add"
// AFTER-ALL-NEXT:   "func.return"(%[[A]], %[[A]])
// AFTER-ALL-NOT:  IR Dump

// RUN: dory-opt %s -p canonicalize,cse --print-ir-before-all -o /dev/null 2>&1 | filecheck %s --check-prefix=BEFORE-ALL
// BEFORE-ALL:      // -----// IR Dump Before Canonicalize (canonicalize) //----- //
// BEFORE-ALL:        "qnn.clip"
// BEFORE-ALL:      // -----// IR Dump Before CSE (cse) //----- //
// BEFORE-ALL-NOT:    "qnn.clip"
// BEFORE-ALL-NOT:  IR Dump

// Selected passes only, by name: a comma-separated list, or the flag repeated.
// RUN: dory-opt %s -p canonicalize,cse --print-ir-before=cse -o /dev/null 2>&1 | filecheck %s --check-prefix=BEFORE-CSE
// BEFORE-CSE-NOT: (canonicalize)
// BEFORE-CSE:     // -----// IR Dump Before CSE (cse) //----- //
// BEFORE-CSE-NOT: IR Dump

// RUN: dory-opt %s -p canonicalize,cse --print-ir-after=canonicalize,cse -o /dev/null 2>&1 | filecheck %s --check-prefix=AFTER-BOTH
// RUN: dory-opt %s -p canonicalize,cse --print-ir-after=canonicalize --print-ir-after=cse -o /dev/null 2>&1 | filecheck %s --check-prefix=AFTER-BOTH
// AFTER-BOTH:     // -----// IR Dump After Canonicalize (canonicalize) //----- //
// AFTER-BOTH:     // -----// IR Dump After CSE (cse) //----- //
// AFTER-BOTH-NOT: IR Dump

// The header contains the split marker, so a dump reads back with --split-input-file.
// RUN: dory-opt %s -p cse --print-ir-after-all -o /dev/null 2>&1 | dory-opt --split-input-file | filecheck %s --check-prefix=FEED-BACK
// FEED-BACK:      // -----
// FEED-BACK-NEXT: "builtin.module"() ({
// FEED-BACK:        "func.return"(%[[A:[a-zA-Z0-9_]+]], %[[A]])

// Dumps honour --elide-large-constants.
// RUN: dory-opt %s -p cse --print-ir-after-all --elide-large-constants=2 -o /dev/null 2>&1 | filecheck %s --check-prefix=ELIDED
// ELIDED: "qnn.constant"() <{value = dense_resource<__elided__> : tensor<4xsi8>}>

// An unknown pass name is an error, listing the passes.
// RUN: not dory-opt %s -p cse --print-ir-after=cse,nope 2>&1 | filecheck %s --check-prefix=UNKNOWN
// UNKNOWN: dory-opt: error: unknown pass 'nope' in --print-ir-after (known passes: {{.*}}canonicalize, cse, {{.*}})

"func.func"() <{function_type = (tensor<4xsi8>) -> (tensor<4xsi8>, tensor<4xsi8>), sym_name = "f"}> ({
^bb0(%x: tensor<4xsi8>):
  %c = "qnn.constant"() <{value = dense<[1, 2, 3, 4]> : tensor<4xsi8>}> : () -> tensor<4xsi8>
  %a = "qnn.add"(%x, %c) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %b = "qnn.add"(%x, %c) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %dead = "qnn.clip"(%a) <{max = 1 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%a, %b) : (tensor<4xsi8>, tensor<4xsi8>) -> ()
}) : () -> ()
