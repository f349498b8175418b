// RUN: dory-opt %s --split-input-file --verify-diagnostics

// Every error the IR parser (dory_ir/parser.py) reports, each at the line it points to.

// === Syntax: what the grammar expected, in plain words, and what it found.

// expected-error@+1 {{expected one of ')', a value name like %x, found '5'}}
"test.op"(5) : () -> ()

// -----

"test.op"() : () -> (
// expected-error@-1 {{found end of input}}

// -----

// expected-error@+1 {{unexpected character '?'; expected one of '(', ':', '<', '{'}}
"test.op"() ? : () -> ()

// -----

// The shape lexes as 4x then a bad element type.
// expected-error@+1 {{expected one of 'index', a type alias like !t, an integer type like si8, found 'f32'}}
%0 = "test.op"() : () -> tensor<4xf32>

// -----

// Widths outside 1..64 are not integer types; `i0` does not even lex as one.
// expected-error@+1 {{expected an integer width from 1 to 64, found 99 in 'i99'}}
"test.op"() {a = 1 : i99} : () -> ()

// -----

// expected-error@+1 {{found 'i0'}}
"test.op"() {a = 1 : i0} : () -> ()

// -----

// expected-error@+1 {{expected an integer width from 1 to 64, found 65 in 'si65'}}
"test.op"() {a = array<si65: 1>} : () -> ()

// -----

// expected-error@+1 {{expected an integer width from 1 to 64, found 128 in 'ui128'}}
%0 = "test.op"() : () -> ui128

// -----

// === Literals

// expected-error@+1 {{integer literal with 4400 digits is too large}}
"test.op"() {a = 99999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999999 : index} : () -> ()

// -----

// expected-error@+1 {{expected an integer that fits in si8 (-128..127), found 128}}
"test.op"() {a = 128 : si8} : () -> ()

// -----

// Signless integers accept the unsigned spelling too, but no more.
// expected-error@+1 {{expected an integer that fits in i8 (-128..255), found 256}}
"test.op"() {a = 256 : i8} : () -> ()

// -----

// expected-error@+1 {{expected an integer that fits in ui8 (0..255), found -1}}
"test.op"() {a = -1 : ui8} : () -> ()

// -----

// An untyped integer is an i64.
// expected-error@+1 {{expected an integer that fits in i64 (-9223372036854775808..18446744073709551615), found 18446744073709551616}}
"test.op"() {a = 18446744073709551616} : () -> ()

// -----

// expected-error@+1 {{expected a 64-bit index value, found 9223372036854775808}}
"test.op"() {a = 9223372036854775808 : index} : () -> ()

// -----

// expected-error@+1 {{expected a value that fits in si8, found -129}}
"test.op"() {a = array<si8: 1, -129>} : () -> ()

// -----

// expected-error@+1 {{expected an escape (\", \\, \n, \t or two hex digits) in string, found '\q'}}
"test.op"() {a = "bad \q escape"} : () -> ()

// -----

// A byte escape may only spell UTF-8: \C3 alone starts a two-byte character that never ends.
// expected-error@+1 {{string is not valid UTF-8 after decoding escapes (byte 0)}}
"test.op"() {a = "\C3"} : () -> ()

// -----

// === Names and SSA values

!t = i8
// expected-error@+1 {{redefinition of type alias '!t'}}
!t = si8

// -----

#a = 1 : i8
// expected-error@+1 {{redefinition of attribute alias '#a'}}
#a = 2 : i8

// -----

// expected-error@+1 {{undefined type alias '!missing'}}
%0 = "test.op"() : () -> !missing

// -----

// A name without a dot is an alias; with a dot it is a dialect attribute.
// expected-error@+1 {{undefined attribute alias '#missing'}}
"test.op"() {a = #missing} : () -> ()

// -----

#a = 1 : i8
// expected-error@+1 {{attribute alias '#a' takes no parameters, found 1}}
"test.op"() {a = #a<2>} : () -> ()

// -----

// expected-error@+1 {{unregistered operation 'foo.bar' (is the dialect loaded? known dialects:}}
"foo.bar"() : () -> ()

// -----

// expected-error@+1 {{use of undefined value '%nope'}}
"test.op"(%nope) : (i8) -> ()

// -----

%x = "test.op"() : () -> i8
// expected-error@+1 {{redefinition of value '%x'}}
%x = "test.op"() : () -> i8

// -----

// A region may not shadow a name from an enclosing region.
%x = "test.op"() : () -> i8
"test.op"() ({
  // expected-error@+1 {{redefinition of value '%x'}}
  %x = "test.op"() : () -> i8
}) : () -> ()

// -----

// Values defined in a region are not visible after it.
"test.op"() ({
  %inner = "test.op"() : () -> i8
}) : () -> ()
// expected-error@+1 {{use of undefined value '%inner'}}
"test.op"(%inner) : (i8) -> ()

// -----

%r:2 = "test.op"() : () -> (i8, i8)
// expected-error@+1 {{use of undefined value '%r#2'}}
"test.op"(%r#2) : (i8) -> ()

// -----

%x = "test.op"() : () -> i8
// expected-error@+1 {{use of value '%x' expected type si8 from the op's type, found i8 (its defined type)}}
"test.op"(%x) : (si8) -> ()

// -----

%x = "test.op"() : () -> i8
// expected-error@+1 {{'test.op' expected 2 operands from its type, found 1}}
"test.op"(%x) : (i8, i8) -> ()

// -----

// expected-error@+1 {{'test.op' names 2 results, but its type lists 1}}
%a, %b = "test.op"() : () -> i8

// -----

// expected-error@+1 {{'test.op' names 3 results, but its type lists 2}}
%a:3 = "test.op"() : () -> (i8, i8)

// -----

// expected-error@+1 {{'test.op' has 1 result in its type, but none are named}}
"test.op"() : () -> i8

// -----

// expected-error@+1 {{expected a result count of at least 1, found 0}}
%a:0 = "test.op"() : () -> ()

// -----

// expected-error@+1 {{expected a result name without '#N', found '%a#1'}}
%a#1 = "test.op"() : () -> i8

// -----

"test.op"() ({
// expected-error@+1 {{expected a block argument name without '#N', found '%a#0'}}
^bb0(%a#0: i8):
  "test.op"() : () -> ()
}) : () -> ()

// -----

"test.op"() ({
^bb0:
  "test.op"() : () -> ()
// expected-error@+1 {{redefinition of block '^bb0'}}
^bb0:
  "test.op"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{duplicate key 'a' in dictionary}}
"test.op"() {a = 1, b = 2, a = 3} : () -> ()

// -----

// === Types

!t = tensor<2xi8>
// expected-error@+1 {{expected an integer or index element type, found tensor<2xi8>}}
%0 = "test.op"() : () -> tensor<3x!t>

// -----

// expected-error@+1 {{expected a dimension below 2^63, found 99999999999999999999}}
%0 = "test.op"() : () -> tensor<99999999999999999999xi8>

// -----

// === Dense constants

// expected-error@+1 {{dense constant expected an integer tensor type, found memref<2xi8>}}
"test.op"() {a = dense<1> : memref<2xi8>} : () -> ()

// -----

// expected-error@+1 {{dense constant of type tensor<100000x100000xi8> has 10000000000 elements, more than 134217728}}
"test.op"() {a = dense<0> : tensor<100000x100000xi8>} : () -> ()

// -----

// expected-error@+1 {{dense value 128 does not fit in si8}}
"test.op"() {a = dense<128> : tensor<4xsi8>} : () -> ()

// -----

// expected-error@+1 {{dense value -1 does not fit in ui8}}
"test.op"() {a = dense<[1, -1]> : tensor<2xui8>} : () -> ()

// -----

// Sub-byte types take a byte each in hex, but the values must still fit.
// expected-error@+1 {{dense value 8 does not fit in si4}}
"test.op"() {a = dense<"0x08"> : tensor<3xsi4>} : () -> ()

// -----

// expected-error@+1 {{dense value 9223372036854775808 does not fit in i64}}
"test.op"() {a = dense<[9223372036854775808, 0]> : tensor<2xi64>} : () -> ()

// -----

// expected-error@+1 {{dense literal has shape 3, but its type is tensor<2x2xi8>}}
"test.op"() {a = dense<[1, 2, 3]> : tensor<2x2xi8>} : () -> ()

// -----

// expected-error@+1 {{dense literal has shape 2x2, but its type is tensor<4xi8>}}
"test.op"() {a = dense<[[1, 2], [3, 4]]> : tensor<4xi8>} : () -> ()

// -----

// expected-error@+1 {{dense literal is ragged: expected 2 elements at depth 2, found 1}}
"test.op"() {a = dense<[[1, 2], [3]]> : tensor<2x2xi8>} : () -> ()

// -----

// expected-error@+1 {{dense literal is ragged: integers appear at different nesting depths}}
"test.op"() {a = dense<[1, [2]]> : tensor<2xi8>} : () -> ()

// -----

// expected-error@+1 {{dense literal is ragged: lists and integers are mixed at one depth}}
"test.op"() {a = dense<[[], 1]> : tensor<2xi8>} : () -> ()

// -----

// expected-error@+1 {{dense literal has no elements, but its type is tensor<2xi8>}}
"test.op"() {a = dense<[]> : tensor<2xi8>} : () -> ()

// -----

// expected-error@+1 {{dense literal nested deeper than 32 levels}}
"test.op"() {a = dense<[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]> : tensor<1xi8>} : () -> ()

// -----

// expected-error@+1 {{expected a dense hex blob starting with '0x', found "0102"}}
"test.op"() {a = dense<"0102"> : tensor<2xi8>} : () -> ()

// -----

// expected-error@+1 {{expected hex digits in dense hex blob, found 'G' at offset 4}}
"test.op"() {a = dense<"0x01G2"> : tensor<2xi8>} : () -> ()

// -----

// expected-error@+1 {{expected whole bytes in dense hex blob, found 3 hex digits}}
"test.op"() {a = dense<"0x010"> : tensor<2xi8>} : () -> ()

// -----

// expected-error@+1 {{dense hex blob holds 3 bytes, not a whole number of si16 elements (2 bytes each)}}
"test.op"() {a = dense<"0x010203"> : tensor<2xsi16>} : () -> ()

// -----

// expected-error@+1 {{dense hex blob holds 3 elements of i8, but tensor<2x2xi8> needs 4}}
"test.op"() {a = dense<"0x010203"> : tensor<2x2xi8>} : () -> ()

// -----

// Constants are held as int64, so a ui64 above 2^63 - 1 cannot be represented.
// expected-error@+1 {{dense value 18446744073709551615 is too large: constants are held as 64-bit signed}}
"test.op"() {a = dense<"0xFFFFFFFFFFFFFFFF"> : tensor<1xui64>} : () -> ()

// -----

// expected-error@+1 {{expected '__elided__' in dense_resource, found 'blob1'}}
"test.op"() {a = dense_resource<blob1> : tensor<4xi8>} : () -> ()

// -----

// expected-error@+1 {{dense_resource expected an integer tensor type, found index}}
"test.op"() {a = dense_resource<__elided__> : index} : () -> ()

// -----

// expected-error@+1 {{dense constant of type tensor<4294967296xi8> has 4294967296 elements, more than 134217728}}
"test.op"() {a = dense_resource<__elided__> : tensor<4294967296xi8>} : () -> ()

// -----

// === Nesting

// expected-error@+1 {{attributes nested more than 100 levels deep}}
"test.op"() {a = [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]} : () -> ()

// -----

// expected-error@+1 {{types nested more than 100 levels deep}}
"test.op"() {a = (((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((i8) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()) -> ()} : () -> ()

// -----

// expected-error@+1 {{regions nested more than 100 levels deep}}
"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({"test.op"() ({}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()}) : () -> ()
