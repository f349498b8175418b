// RUN: dory-opt %s | filecheck %s
// RUN: dory-opt %s | dory-opt | filecheck %s

// Every type, attribute form and structural construct of the generic syntax, printed back in
// canonical form: aliases expanded, dictionary keys sorted, constants of more than 16 elements
// as hex blobs, all-equal constants as splats. The second RUN line feeds the printed text back
// in, so the canonical form must be a fixed point.

!act = tensor<1x16x16x32xsi8>
!l2buf = memref<64xi32, #dory.l2>
!fn = (i8) -> (i8)
#pads = array<i64: 1, 1, 1, 1>
#space = #dory.l1

// Top-level ops are wrapped in a module.
// CHECK:      "builtin.module"() ({

// Scalar types, as a result group `%s:10` whose members are used as `%s#N`.
%s:10 = "test.op"() : () -> (i1, i8, si8, ui8, si4, ui2, i32, si32, index, none)
"test.op"(%s#0, %s#9, %s#3) : (i1, none, ui8) -> ()
// CHECK-NEXT:   %s:10 = "test.op"() : () -> (i1, i8, si8, ui8, si4, ui2, i32, si32, index, none)
// CHECK-NEXT:   "test.op"(%s#0, %s#9, %s#3) : (i1, none, ui8) -> ()

// Tensors, including rank 0 and zero-sized; a use through an alias matches the spelled-out type.
%t:5 = "test.op"() : () -> (tensor<si8>, tensor<4xi8>, !act, tensor<0x3xui2>, tensor<2xindex>)
"test.op"(%t#2) : (tensor<1x16x16x32xsi8>) -> ()
// CHECK-NEXT:   %t:5 = "test.op"() : () -> (tensor<si8>, tensor<4xi8>, tensor<1x16x16x32xsi8>, tensor<0x3xui2>, tensor<2xindex>)
// CHECK-NEXT:   "test.op"(%t#2) : (tensor<1x16x16x32xsi8>) -> ()

// Memrefs with and without a memory space (also through an attribute alias).
%m:4 = "test.op"() : () -> (memref<8x8xi8>, memref<64xi32, #dory.l2>, !l2buf, memref<4xindex, #space>)
"test.op"(%m#1, %m#2) : (!l2buf, memref<64xi32, #dory.l2>) -> ()
// CHECK-NEXT:   %m:4 = "test.op"() : () -> (memref<8x8xi8>, memref<64xi32, #dory.l2>, memref<64xi32, #dory.l2>, memref<4xindex, #dory.l1>)
// CHECK-NEXT:   "test.op"(%m#1, %m#2) : (memref<64xi32, #dory.l2>, memref<64xi32, #dory.l2>) -> ()

// Function types: no, one and several results; nested function types keep their parentheses.
"test.op"() {f0 = () -> (), f1 = (i8) -> (si8), f2 = (i8, index) -> (i1, i32, tensor<2xi8>),
             f3 = ((i8) -> i8) -> ((si8) -> (), i1), f4 = () -> ((i1) -> i1), f5 = !fn} : () -> ()
// CHECK-NEXT:   "test.op"() {f0 = () -> (), f1 = (i8) -> si8, f2 = (i8, index) -> (i1, i32, tensor<2xi8>),
// CHECK-SAME:   f3 = ((i8) -> i8) -> ((si8) -> (), i1), f4 = () -> ((i1) -> i1), f5 = (i8) -> i8} : () -> ()

// Integers (an untyped one is i64; hex is read, decimal printed), booleans and unit flags.
"test.op"() {i_default = 7, i_neg = -128 : si8, i_index = 42 : index, i_hex = 0x7F : i32,
             i_unsigned = 255 : ui8, i_signless_high = 255 : i8, i_min = -9223372036854775808 : i64,
             b_true = true, b_false = false, u_bare, u_explicit = unit} : () -> ()
// CHECK-NEXT:   "test.op"() {b_false = false, b_true = true, i_default = 7 : i64, i_hex = 127 : i32,
// CHECK-SAME:   i_index = 42 : index, i_min = -9223372036854775808 : i64, i_neg = -128 : si8,
// CHECK-SAME:   i_signless_high = 255 : i8, i_unsigned = 255 : ui8, u_bare, u_explicit} : () -> ()

// Strings: escapes print back canonically (\XX bytes are UTF-8, control characters stay escaped);
// keys that are not bare identifiers and symbol names with spaces are quoted.
"test.op"() {s_escapes = "tab\there \"quoted\" back\\slash\nbell\07 byte-escaped \C3\A9",
             s_empty = "", "quoted key" = "x", sym = @main, sym_quoted = @"with space"} : () -> ()
// CHECK-NEXT:   "test.op"() {"quoted key" = "x", s_empty = "",
// CHECK-SAME:   s_escapes = "tab\there \"quoted\" back\\slash\nbell\07 byte-escaped é",
// CHECK-SAME:   sym = @main, sym_quoted = @"with space"} : () -> ()

// Properties with dense arrays (also via an alias, and empty), arrays and nested dictionaries.
"test.op"() <{pads = #pads, strides = array<i64: 2, 2>, none_yet = array<i64>, small = array<si8: -128, 127>}>
            {list = [1 : i8, "x", [], [true, @f]], dict = {inner = {deep = 1 : i32}, flag, "a-b" = 2 : index}}
            : () -> ()
// CHECK-NEXT:   "test.op"() <{none_yet = array<i64>, pads = array<i64: 1, 1, 1, 1>, small = array<si8: -128, 127>,
// CHECK-SAME:   strides = array<i64: 2, 2>}> {dict = {"a-b" = 2 : index, flag, inner = {deep = 1 : i32}},
// CHECK-SAME:   list = [1 : i8, "x", [], [true, @f]]} : () -> ()

// Types as attribute values.
"test.op"() {ty_tensor = tensor<2xsi8>, ty_fn = (i8) -> i8, ty_none = none, ty_index = index} : () -> ()
// CHECK-NEXT:   "test.op"() {ty_fn = (i8) -> i8, ty_index = index, ty_none = none, ty_tensor = tensor<2xsi8>} : () -> ()

// Dense constants: nested lists, splats (also from a one-element list or hex blob), rank 0, empty,
// 16 elements (still a list), 17 elements (a hex blob), wider elements (little-endian hex), elided.
"test.op"() {d_list = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>, d_splat = dense<3> : tensor<4x4xsi8>,
             d_rank0 = dense<-5> : tensor<si32>, d_empty = dense<[]> : tensor<0x3xi8>,
             d_sixteen = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<16xui8>,
             d_to_hex = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, -1]> : tensor<17xsi8>,
             d_hex16 = dense<"0x0100FFFF0200FEFF0300FDFF0400FCFF0500FBFF0600FAFF0700F9FF0800F8FF0900F7FF"> : tensor<2x9xsi16>,
             d_hex_splat = dense<"0x05"> : tensor<20xi8>, d_big_splat = dense<[7]> : tensor<3x3xui8>,
             d_elided = dense_resource<__elided__> : tensor<64x3x3x32xsi8>} : () -> ()
// CHECK-NEXT:   "test.op"() {d_big_splat = dense<7> : tensor<3x3xui8>,
// CHECK-SAME:   d_elided = dense_resource<__elided__> : tensor<64x3x3x32xsi8>, d_empty = dense<[]> : tensor<0x3xi8>,
// CHECK-SAME:   d_hex16 = dense<"0x0100FFFF0200FEFF0300FDFF0400FCFF0500FBFF0600FAFF0700F9FF0800F8FF0900F7FF"> : tensor<2x9xsi16>,
// CHECK-SAME:   d_hex_splat = dense<5> : tensor<20xi8>, d_list = dense<{{\[\[}}1, -2], [3, 4]]> : tensor<2x2xi8>,
// CHECK-SAME:   d_rank0 = dense<-5> : tensor<si32>,
// CHECK-SAME:   d_sixteen = dense<[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]> : tensor<16xui8>,
// CHECK-SAME:   d_splat = dense<3> : tensor<4x4xsi8>, d_to_hex = dense<"0x000102030405060708090A0B0C0D0E0FFF"> : tensor<17xsi8>} : () -> ()

// Dialect attributes, bare and with (nested) parameters.
"test.op"() {space = #dory.l2, tile = #gap8.tile<8 : i64, [1, 2], "s">, nested = #gap8.outer<#gap8.inner<1>>} : () -> ()
// CHECK-NEXT:   "test.op"() {nested = #gap8.outer<#gap8.inner<1 : i64>>, space = #dory.l2,
// CHECK-SAME:   tile = #gap8.tile<8 : i64, [1 : i64, 2 : i64], "s">} : () -> ()

// Regions: an unlabelled entry block, labelled blocks with arguments (renumbered ^bbN), uses of
// enclosing values, an empty region (no blocks) and an empty labelled entry block.
%outer = "test.op"() : () -> i8
%x = "test.op"() ({
  %x_in = "test.op"(%outer) : (i8) -> si8
  "test.op"(%x_in) : (si8) -> ()
^bb7(%a: si8, %b: index):
  "test.op"(%a, %outer) : (si8, i8) -> ()
^next:
  "test.op"() : () -> ()
}, {
^entry(%arg0: tensor<4xi8>):
  %y:2 = "test.op"(%arg0) : (tensor<4xi8>) -> (i8, i8)
  "test.op"(%y#1) : (i8) -> ()
}, {
}, {
^bb0:
^bb1:
  "test.op"() : () -> ()
}) : () -> i32
// CHECK-NEXT:   %outer = "test.op"() : () -> i8
// CHECK-NEXT:   %x = "test.op"() ({
// CHECK-NEXT:     %x_in = "test.op"(%outer) : (i8) -> si8
// CHECK-NEXT:     "test.op"(%x_in) : (si8) -> ()
// CHECK-NEXT:   ^bb1(%a: si8, %b: index):
// CHECK-NEXT:     "test.op"(%a, %outer) : (si8, i8) -> ()
// CHECK-NEXT:   ^bb2:
// CHECK-NEXT:     "test.op"() : () -> ()
// CHECK-NEXT:   }, {
// CHECK-NEXT:   ^bb0(%arg0: tensor<4xi8>):
// CHECK-NEXT:     %y:2 = "test.op"(%arg0) : (tensor<4xi8>) -> (i8, i8)
// CHECK-NEXT:     "test.op"(%y#1) : (i8) -> ()
// CHECK-NEXT:   }, {
// CHECK-NEXT:   }, {
// CHECK-NEXT:   ^bb0:
// CHECK-NEXT:   ^bb1:
// CHECK-NEXT:     "test.op"() : () -> ()
// CHECK-NEXT:   }) : () -> i32

// Sibling regions may reuse a name; the printer keeps every name unique. Numeric names are
// renumbered from %0; a group keeps its name.
%dup = "test.op"() ({
  %v = "test.op"() : () -> i8
}, {
  %v = "test.op"() : () -> i8
}) : () -> i1
%42 = "test.op"(%dup) : (i1) -> i1
%r:2 = "test.op"() : () -> (si8, si8)
// CHECK-NEXT:   %dup = "test.op"() ({
// CHECK-NEXT:     %v = "test.op"() : () -> i8
// CHECK-NEXT:   }, {
// CHECK-NEXT:     %v_0 = "test.op"() : () -> i8
// CHECK-NEXT:   }) : () -> i1
// CHECK-NEXT:   %[[N:[0-9]+]] = "test.op"(%dup) : (i1) -> i1
// CHECK-NEXT:   %r:2 = "test.op"() : () -> (si8, si8)

// Named locations survive.
"test.op"() : () -> () loc("conv1")
"test.op"() : () -> () loc("a \"quoted\" name")
// CHECK-NEXT:   "test.op"() : () -> () loc("conv1")
// CHECK-NEXT:   "test.op"() : () -> () loc("a \"quoted\" name")

// Registered ops nest like any other: a function and a declaration (a body region without blocks).
"func.func"() <{function_type = (tensor<4xsi8>) -> tensor<4xsi8>, sym_name = "main"}> ({
^bb0(%in: tensor<4xsi8>):
  %0 = "test.pure"(%in) : (tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%0) : (tensor<4xsi8>) -> ()
}) : () -> ()
"func.func"() <{function_type = (i8) -> (), sym_name = "decl", sym_visibility = "private"}> ({
}) : () -> ()
// CHECK-NEXT:   "func.func"() <{function_type = (tensor<4xsi8>) -> tensor<4xsi8>, sym_name = "main"}> ({
// CHECK-NEXT:   ^bb0(%in: tensor<4xsi8>):
// CHECK-NEXT:     %[[SUM:[0-9]+]] = "test.pure"(%in) : (tensor<4xsi8>) -> tensor<4xsi8>
// CHECK-NEXT:     "func.return"(%[[SUM]]) : (tensor<4xsi8>) -> ()
// CHECK-NEXT:   }) : () -> ()
// CHECK-NEXT:   "func.func"() <{function_type = (i8) -> (), sym_name = "decl", sym_visibility = "private"}> ({
// CHECK-NEXT:   }) : () -> ()
// CHECK-NEXT: }) : () -> ()
