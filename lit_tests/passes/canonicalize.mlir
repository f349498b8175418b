// RUN: dory-opt %s --split-input-file -p canonicalize | filecheck %s
// RUN: dory-opt %s --split-input-file -p canonicalize --verify-semantics=1 -o /dev/null

// Pure ops whose results are unused go, including chains that die one after the other.

// CHECK-LABEL: sym_name = "dead_pure_ops"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi8>):
// CHECK-NEXT:    "func.return"(%[[X]])
"func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<2x3xsi8>, sym_name = "dead_pure_ops"}> ({
^bb0(%x: tensor<2x3xsi8>):
  %c = "qnn.constant"() <{value = dense<1> : tensor<2x3xsi8>}> : () -> tensor<2x3xsi8>
  %s = "qnn.add"(%x, %c) : (tensor<2x3xsi8>, tensor<2x3xsi8>) -> tensor<2x3xsi8>
  %k = "qnn.clip"(%s) <{max = 3 : i64, min = 0 : i64}> : (tensor<2x3xsi8>) -> tensor<2x3xsi8>
  "func.return"(%x) : (tensor<2x3xsi8>) -> ()
}) : () -> ()

// -----

// Generic ops: test.pure is Pure, test.op has side effects. A pure op with a region survives
// when something in the region has effects. (Test ops can't run, so these cases sit in a
// test.op container rather than a function: --verify-semantics runs functions only.)

// CHECK-LABEL: sym_name = "generic_dead_ops"
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "test.op"() : () -> si8
// CHECK-NEXT:    "test.op"(%[[A]]) : (si8) -> si8
// CHECK-NEXT:    "test.pure"() ({
// CHECK-NEXT:      "test.op"() : () -> ()
// CHECK-NEXT:    })
// CHECK-NEXT:    %[[U:[a-zA-Z0-9_]+]] = "test.pure"(%[[A]]) : (si8) -> si8
// CHECK-NEXT:    "test.op"(%[[U]]) : (si8) -> ()
// CHECK-NEXT:  })
"test.op"() <{sym_name = "generic_dead_ops"}> ({
  %a = "test.op"() : () -> si8
  %unused_effect = "test.op"(%a) : (si8) -> si8
  %d0 = "test.pure"(%a) : (si8) -> si8
  %d1 = "test.pure"(%d0, %a) : (si8, si8) -> si8
  "test.pure"(%d1) : (si8) -> ()
  "test.pure"() ({
    "test.op"() : () -> ()
  }) : () -> ()
  "test.pure"() ({
    %p = "test.pure"() : () -> si8
  }) : () -> ()
  %used = "test.pure"(%a) : (si8) -> si8
  "test.op"(%used) : (si8) -> ()
}) : () -> ()

// -----

// A reshape to the type it already has is its input.

// CHECK-LABEL: sym_name = "reshape_same_type"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi8>):
// CHECK-NEXT:    "func.return"(%[[X]])
"func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<2x3xsi8>, sym_name = "reshape_same_type"}> ({
^bb0(%x: tensor<2x3xsi8>):
  %r = "qnn.reshape"(%x) : (tensor<2x3xsi8>) -> tensor<2x3xsi8>
  "func.return"(%r) : (tensor<2x3xsi8>) -> ()
}) : () -> ()

// -----

// A reshape of a reshape is one reshape; the inner one dies.

// CHECK-LABEL: sym_name = "reshape_chain"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi8>):
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_]+]] = "qnn.reshape"(%[[X]]) : (tensor<2x3xsi8>) -> tensor<6xsi8>
// CHECK-NEXT:    "func.return"(%[[R]])
"func.func"() <{function_type = (tensor<2x3xsi8>) -> tensor<6xsi8>, sym_name = "reshape_chain"}> ({
^bb0(%x: tensor<2x3xsi8>):
  %a = "qnn.reshape"(%x) : (tensor<2x3xsi8>) -> tensor<3x2xsi8>
  %b = "qnn.reshape"(%a) : (tensor<3x2xsi8>) -> tensor<1x6xsi8>
  %c = "qnn.reshape"(%b) : (tensor<1x6xsi8>) -> tensor<6xsi8>
  "func.return"(%c) : (tensor<6xsi8>) -> ()
}) : () -> ()

// -----

// A chain back to the original type folds away completely; an intermediate reshape that has
// another user stays for that user.

// CHECK-LABEL: sym_name = "reshape_round_trip"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi8>):
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_]+]] = "qnn.reshape"(%[[X]]) : (tensor<2x3xsi8>) -> tensor<3x2xsi8>
// CHECK-NEXT:    "func.return"(%[[X]], %[[A]])
"func.func"() <{function_type = (tensor<2x3xsi8>) -> (tensor<2x3xsi8>, tensor<3x2xsi8>), sym_name = "reshape_round_trip"}> ({
^bb0(%x: tensor<2x3xsi8>):
  %a = "qnn.reshape"(%x) : (tensor<2x3xsi8>) -> tensor<3x2xsi8>
  %b = "qnn.reshape"(%a) : (tensor<3x2xsi8>) -> tensor<2x3xsi8>
  "func.return"(%b, %a) : (tensor<2x3xsi8>, tensor<3x2xsi8>) -> ()
}) : () -> ()

// -----

// A flatten of a reshape becomes one reshape to the flatten's type.

// CHECK-LABEL: sym_name = "flatten_of_reshape"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<1x2x3xsi8>):
// CHECK-NEXT:    %[[F:[a-zA-Z0-9_]+]] = "qnn.reshape"(%[[X]]) : (tensor<1x2x3xsi8>) -> tensor<3x2xsi8>
// CHECK-NEXT:    "func.return"(%[[F]])
"func.func"() <{function_type = (tensor<1x2x3xsi8>) -> tensor<3x2xsi8>, sym_name = "flatten_of_reshape"}> ({
^bb0(%x: tensor<1x2x3xsi8>):
  %r = "qnn.reshape"(%x) : (tensor<1x2x3xsi8>) -> tensor<3x2x1xsi8>
  %f = "qnn.flatten"(%r) <{axis = 1 : i64}> : (tensor<3x2x1xsi8>) -> tensor<3x2xsi8>
  "func.return"(%f) : (tensor<3x2xsi8>) -> ()
}) : () -> ()

// -----

// A clip whose bounds cover the whole input type does nothing; a narrower one stays.

// CHECK-LABEL: sym_name = "clip_full_range"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<4xsi8>, %[[U:[a-zA-Z0-9_]+]]: tensor<4xui8>):
// CHECK-NEXT:    %[[K:[a-zA-Z0-9_]+]] = "qnn.clip"(%[[X]]) <{max = 126 : i64, min = -128 : i64}>
// CHECK-NEXT:    "func.return"(%[[X]], %[[U]], %[[K]])
"func.func"() <{function_type = (tensor<4xsi8>, tensor<4xui8>) -> (tensor<4xsi8>, tensor<4xui8>, tensor<4xsi8>), sym_name = "clip_full_range"}> ({
^bb0(%x: tensor<4xsi8>, %u: tensor<4xui8>):
  %a = "qnn.clip"(%x) <{max = 127 : i64, min = -128 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  %b = "qnn.clip"(%u) <{max = 255 : i64, min = 0 : i64}> : (tensor<4xui8>) -> tensor<4xui8>
  %k = "qnn.clip"(%x) <{max = 126 : i64, min = -128 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%a, %b, %k) : (tensor<4xsi8>, tensor<4xui8>, tensor<4xsi8>) -> ()
}) : () -> ()

// -----

// A clip that changes the element type is not a no-op even over the full range.

// CHECK-LABEL: sym_name = "clip_type_change"
// CHECK:         "qnn.clip"
"func.func"() <{function_type = (tensor<4xsi8>) -> tensor<4xsi16>, sym_name = "clip_type_change"}> ({
^bb0(%x: tensor<4xsi8>):
  %a = "qnn.clip"(%x) <{max = 127 : i64, min = -128 : i64}> : (tensor<4xsi8>) -> tensor<4xsi16>
  "func.return"(%a) : (tensor<4xsi16>) -> ()
}) : () -> ()

// -----

// Identity transposes go; two transposes compose into one; two that cancel both go.

// CHECK-LABEL: sym_name = "transposes"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3x4xsi8>):
// CHECK-NEXT:    %[[T:[a-zA-Z0-9_]+]] = "qnn.transpose"(%[[X]]) <{perm = array<i64: 2, 0, 1>}> : (tensor<2x3x4xsi8>) -> tensor<4x2x3xsi8>
// CHECK-NEXT:    "func.return"(%[[X]], %[[T]], %[[X]])
"func.func"() <{function_type = (tensor<2x3x4xsi8>) -> (tensor<2x3x4xsi8>, tensor<4x2x3xsi8>, tensor<2x3x4xsi8>), sym_name = "transposes"}> ({
^bb0(%x: tensor<2x3x4xsi8>):
  %id = "qnn.transpose"(%x) <{perm = array<i64: 0, 1, 2>}> : (tensor<2x3x4xsi8>) -> tensor<2x3x4xsi8>
  %a = "qnn.transpose"(%x) <{perm = array<i64: 1, 2, 0>}> : (tensor<2x3x4xsi8>) -> tensor<3x4x2xsi8>
  %b = "qnn.transpose"(%a) <{perm = array<i64: 1, 2, 0>}> : (tensor<3x4x2xsi8>) -> tensor<4x2x3xsi8>
  %c = "qnn.transpose"(%x) <{perm = array<i64: 1, 0, 2>}> : (tensor<2x3x4xsi8>) -> tensor<3x2x4xsi8>
  %d = "qnn.transpose"(%c) <{perm = array<i64: 1, 0, 2>}> : (tensor<3x2x4xsi8>) -> tensor<2x3x4xsi8>
  "func.return"(%id, %b, %d) : (tensor<2x3x4xsi8>, tensor<4x2x3xsi8>, tensor<2x3x4xsi8>) -> ()
}) : () -> ()

// -----

// A pad of zeros everywhere and a concat of one tensor are their input.

// CHECK-LABEL: sym_name = "pad_and_concat"
// CHECK-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_]+]]: tensor<2x3xsi8>):
// CHECK-NEXT:    %[[P:[a-zA-Z0-9_]+]] = "qnn.pad"(%[[X]]) <{pads = array<i64: 0, 1, 0, 0>}>
// CHECK-NEXT:    "func.return"(%[[X]], %[[X]], %[[P]])
"func.func"() <{function_type = (tensor<2x3xsi8>) -> (tensor<2x3xsi8>, tensor<2x3xsi8>, tensor<2x4xsi8>), sym_name = "pad_and_concat"}> ({
^bb0(%x: tensor<2x3xsi8>):
  %p = "qnn.pad"(%x) <{pads = array<i64: 0, 0, 0, 0>}> : (tensor<2x3xsi8>) -> tensor<2x3xsi8>
  %c = "qnn.concat"(%x) <{axis = 0 : i64}> : (tensor<2x3xsi8>) -> tensor<2x3xsi8>
  %q = "qnn.pad"(%x) <{pads = array<i64: 0, 1, 0, 0>}> : (tensor<2x3xsi8>) -> tensor<2x4xsi8>
  "func.return"(%p, %c, %q) : (tensor<2x3xsi8>, tensor<2x3xsi8>, tensor<2x4xsi8>) -> ()
}) : () -> ()
