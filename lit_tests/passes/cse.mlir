// RUN: dory-opt %s --split-input-file -p cse | filecheck %s
// RUN: dory-opt %s --split-input-file -p cse --verify-semantics=1 -o /dev/null

// Identical pure ops merge into the first; their users then see equal operands and merge too.

// CHECK-LABEL: sym_name = "merge_chain"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4xsi8>, %[[Y:[a-zA-Z0-9_]+]]: tensor<4xsi8>):
// CHECK-NEXT:    %[[S:[a-zA-Z0-9_]+]] = "qnn.add"(%[[X]], %[[Y]])
// CHECK-NEXT:    %[[K:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[S]])
// CHECK-NEXT:    "func.return"(%[[K]], %[[K]])
"func.func"() <{function_type = (tensor<4xsi8>, tensor<4xsi8>) -> (tensor<4xsi8>, tensor<4xsi8>), sym_name = "merge_chain"}> ({
^bb0(%x: tensor<4xsi8>, %y: tensor<4xsi8>):
  %s1 = "qnn.add"(%x, %y) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %s2 = "qnn.add"(%x, %y) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %k1 = "qnn.clip"(%s1) <{max = 100 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  %k2 = "qnn.clip"(%s2) <{max = 100 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%k1, %k2) : (tensor<4xsi8>, tensor<4xsi8>) -> ()
}) : () -> ()

// -----

// Anything that differs keeps ops apart: operand order, properties, attributes, result types.

// CHECK-LABEL: sym_name = "keep_apart"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4xsi8>, %[[Y:[a-zA-Z0-9_]+]]: tensor<4xsi8>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.add"(%[[X]], %[[Y]])
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "qnn.add"(%[[Y]], %[[X]])
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 1 : i64, min = 0 : i64}>
// CHECK-NEXT:    %[[D:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 2 : i64, min = 0 : i64}>
// CHECK-NEXT:    %[[E:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 2 : i64, min = 0 : i64}> {tag}
// CHECK-NEXT:    %[[F:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 2 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi16>
// CHECK-NEXT:    "func.return"(%[[A]], %[[B]], %[[C]], %[[D]], %[[E]], %[[F]])
"func.func"() <{function_type = (tensor<4xsi8>, tensor<4xsi8>) -> (tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi16>), sym_name = "keep_apart"}> ({
^bb0(%x: tensor<4xsi8>, %y: tensor<4xsi8>):
  %a = "qnn.add"(%x, %y) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %b = "qnn.add"(%y, %x) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  %c = "qnn.clip"(%x) <{max = 1 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  %d = "qnn.clip"(%x) <{max = 2 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  %e = "qnn.clip"(%x) <{max = 2 : i64, min = 0 : i64}> {tag} : (tensor<4xsi8>) -> tensor<4xsi8>
  %f = "qnn.clip"(%x) <{max = 2 : i64, min = 0 : i64}> : (tensor<4xsi8>) -> tensor<4xsi16>
  "func.return"(%a, %b, %c, %d, %e, %f) : (tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi8>, tensor<4xsi16>) -> ()
}) : () -> ()

// -----

// Constants merge when their values are equal (dense attributes compare by value).

// CHECK-LABEL: sym_name = "constants"
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<[1, 2]> : tensor<2xsi8>}>
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_]+]] = "qnn.constant"() <{value = dense<[1, 3]> : tensor<2xsi8>}>
// CHECK-NEXT:    "func.return"(%[[A]], %[[A]], %[[C]])
"func.func"() <{function_type = () -> (tensor<2xsi8>, tensor<2xsi8>, tensor<2xsi8>), sym_name = "constants"}> ({
  %a = "qnn.constant"() <{value = dense<[1, 2]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
  %b = "qnn.constant"() <{value = dense<[1, 2]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
  %c = "qnn.constant"() <{value = dense<[1, 3]> : tensor<2xsi8>}> : () -> tensor<2xsi8>
  "func.return"(%a, %b, %c) : (tensor<2xsi8>, tensor<2xsi8>, tensor<2xsi8>) -> ()
}) : () -> ()

// -----

// Ops with side effects and ops with regions are never merged. (Test ops can't run, so these
// cases sit in a test.op container: --verify-semantics runs functions only.)

// CHECK-LABEL: sym_name = "not_mergeable"
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "test.op"() : () -> si8
// CHECK-NEXT:    %[[B:[a-zA-Z0-9_]+]] = "test.op"() : () -> si8
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_]+]] = "test.pure"() ({
// CHECK-NEXT:    }) : () -> si8
// CHECK-NEXT:    %[[D:[a-zA-Z0-9_]+]] = "test.pure"() ({
// CHECK-NEXT:    }) : () -> si8
// CHECK-NEXT:    "test.op"(%[[A]], %[[B]], %[[C]], %[[D]])
"test.op"() <{sym_name = "not_mergeable"}> ({
  %a = "test.op"() : () -> si8
  %b = "test.op"() : () -> si8
  %c = "test.pure"() ({
  }) : () -> si8
  %d = "test.pure"() ({
  }) : () -> si8
  "test.op"(%a, %b, %c, %d) : (si8, si8, si8, si8) -> ()
}) : () -> ()

// -----

// Scoping: an op in a nested region reuses a dominating op of an enclosing block, but a later
// op of the enclosing block can't reuse one from inside a region, nor can sibling regions
// share. In a multi-block region, one block doesn't reuse another's ops (no CFG analysis).

// CHECK-LABEL: sym_name = "scopes"
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "test.pure"() {n = 1 : i64} : () -> si8
// CHECK-NEXT:    "test.op"() ({
// CHECK-NEXT:      %[[B:[a-zA-Z0-9_]+]] = "test.pure"() {n = 2 : i64} : () -> si8
// CHECK-NEXT:      "test.op"(%[[A]], %[[B]], %[[B]])
// CHECK-NEXT:    }, {
// CHECK-NEXT:      %[[B2:[a-zA-Z0-9_]+]] = "test.pure"() {n = 2 : i64} : () -> si8
// CHECK-NEXT:      "test.op"(%[[B2]])
// CHECK-NEXT:    })
// CHECK-NEXT:    %[[B3:[a-zA-Z0-9_]+]] = "test.pure"() {n = 2 : i64} : () -> si8
// CHECK-NEXT:    "test.op"(%[[A]], %[[B3]])
// CHECK-NEXT:    "test.op"() ({
// CHECK-NEXT:      %[[E:[a-zA-Z0-9_]+]] = "test.pure"() {n = 3 : i64} : () -> si8
// CHECK-NEXT:      "test.op"(%[[E]])
// CHECK-NEXT:    ^bb1:
// CHECK-NEXT:      %[[F:[a-zA-Z0-9_]+]] = "test.pure"() {n = 3 : i64} : () -> si8
// CHECK-NEXT:      "test.op"(%[[F]])
// CHECK-NEXT:    })
"test.op"() <{sym_name = "scopes"}> ({
  %a = "test.pure"() {n = 1} : () -> si8
  "test.op"() ({
    %a2 = "test.pure"() {n = 1} : () -> si8
    %b = "test.pure"() {n = 2} : () -> si8
    %b_again = "test.pure"() {n = 2} : () -> si8
    "test.op"(%a2, %b, %b_again) : (si8, si8, si8) -> ()
  }, {
    %b2 = "test.pure"() {n = 2} : () -> si8
    "test.op"(%b2) : (si8) -> ()
  }) : () -> ()
  %b3 = "test.pure"() {n = 2} : () -> si8
  %a3 = "test.pure"() {n = 1} : () -> si8
  "test.op"(%a3, %b3) : (si8, si8) -> ()
  "test.op"() ({
    %e = "test.pure"() {n = 3} : () -> si8
    "test.op"(%e) : (si8) -> ()
  ^bb1:
    %f = "test.pure"() {n = 3} : () -> si8
    "test.op"(%f) : (si8) -> ()
  }) : () -> ()
}) : () -> ()

// -----

// An op that is isolated from above (a nested module) starts afresh: it can't use values from
// outside, so it can't reuse them either.

// CHECK-LABEL: sym_name = "isolated"
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "test.pure"() : () -> si8
// CHECK-NEXT:    "test.op"(%[[A]])
// CHECK-NEXT:    "builtin.module"() ({
// CHECK-NEXT:      %[[B:[a-zA-Z0-9_]+]] = "test.pure"() : () -> si8
// CHECK-NEXT:      "test.op"(%[[B]])
"test.op"() <{sym_name = "isolated"}> ({
  %a = "test.pure"() : () -> si8
  "test.op"(%a) : (si8) -> ()
  "builtin.module"() ({
    %b = "test.pure"() : () -> si8
    "test.op"(%b) : (si8) -> ()
  }) : () -> ()
}) : () -> ()
