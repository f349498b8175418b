// RUN: dory-opt %s --split-input-file --verify-diagnostics

// Verifier errors of the builtin and func dialects (dory_ir/opdef.py, dialects/builtin.py,
// dialects/func.py), each reported at the op that breaks the rule.

// expected-error@+1 {{'func.func' op entry block arguments expected (i8) from the function type, found (si8)}}
"func.func"() <{function_type = (i8) -> (), sym_name = "f"}> ({
^bb0(%a: si8):
  "func.return"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.func' op entry block arguments expected (i8, i8) from the function type, found ()}}
"func.func"() <{function_type = (i8, i8) -> (), sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.func' op expected the body to end with 'func.return'}}
"func.func"() <{function_type = () -> (), sym_name = "f"}> ({
  "test.op"() : () -> ()
}) : () -> ()

// -----

// An empty entry block has no terminator either.
// expected-error@+1 {{'func.func' op expected the body to end with 'func.return'}}
"func.func"() <{function_type = () -> (), sym_name = "f"}> ({
^bb0:
}) : () -> ()

// -----

// A body region without blocks is a declaration, which is valid.
"func.func"() <{function_type = (i8) -> i8, sym_name = "decl", sym_visibility = "private"}> ({
}) : () -> ()

// -----

"func.func"() <{function_type = (i8) -> si8, sym_name = "f"}> ({
^bb0(%a: i8):
  // expected-error@+1 {{'func.return' op operand types expected (si8) from the function type, found (i8)}}
  "func.return"(%a) : (i8) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = () -> i8, sym_name = "f"}> ({
  // expected-error@+1 {{'func.return' op operand types expected (i8) from the function type, found ()}}
  "func.return"() : () -> ()
}) : () -> ()

// -----

"test.op"() ({
  // expected-error@+1 {{'func.return' op expects parent op 'func.func', found 'test.op'}}
  "func.return"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.return' op expects parent op 'func.func', found 'builtin.module'}}
"func.return"() : () -> ()

// -----

"test.op"() ({
  // expected-error@+1 {{'func.func' op expects parent op 'builtin.module', found 'test.op'}}
  "func.func"() <{function_type = () -> (), sym_name = "nested"}> ({
    "func.return"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.func' op expected the body to end with 'func.return'}}
"func.func"() <{function_type = () -> (), sym_name = "f"}> ({
  // expected-error@+1 {{'func.return' op must be the last operation in its block}}
  "func.return"() : () -> ()
  "test.op"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.func' op unknown property 'inline' (expected one of: function_type, sym_name, sym_visibility)}}
"func.func"() <{function_type = () -> (), sym_name = "f", inline = true}> ({
  "func.return"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.func' op requires property 'sym_name'}}
"func.func"() <{function_type = () -> ()}> ({
  "func.return"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.func' op requires property 'function_type'}}
"func.func"() <{sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : () -> ()

// -----

// Discardable attributes are not properties: the required one is still missing.
// expected-error@+1 {{'func.func' op requires property 'sym_name'}}
"func.func"() <{function_type = () -> ()}> ({
  "func.return"() : () -> ()
}) {sym_name = "f"} : () -> ()

// -----

// expected-error@+1 {{'func.func' op property 'sym_name' expected a string, found 5 : i64}}
"func.func"() <{function_type = () -> (), sym_name = 5}> ({
  "func.return"() : () -> ()
}) : () -> ()

// -----

// expected-error@+1 {{'func.func' op property 'function_type' expected a function type, found i8}}
"func.func"() <{function_type = i8, sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : () -> ()

// -----

%x = "test.op"() : () -> i8
// expected-error@+1 {{'func.func' op expected 0 operands, found 1}}
"func.func"(%x) <{function_type = () -> (), sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : (i8) -> ()

// -----

// expected-error@+1 {{'func.func' op expected 0 results, found 1}}
%f = "func.func"() <{function_type = () -> (), sym_name = "f"}> ({
  "func.return"() : () -> ()
}) : () -> i8

// -----

// expected-error@+1 {{'func.func' op expected 1 region, found 0}}
"func.func"() <{function_type = () -> (), sym_name = "f"}> : () -> ()

// -----

"test.op"() ({
  // expected-error@+1 {{'builtin.module' op expected a body with 1 block, found 2}}
  "builtin.module"() ({
    "test.op"() : () -> ()
  ^bb1:
    "test.op"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

"test.op"() ({
  // expected-error@+1 {{'builtin.module' op expected a body block without arguments, found 1}}
  "builtin.module"() ({
  ^bb0(%a: i8):
    "test.op"() : () -> ()
  }) : () -> ()
}) : () -> ()

// -----

"test.op"() ({
  // expected-error@+1 {{'builtin.module' op property 'sym_name' expected a string, found @m}}
  "builtin.module"() <{sym_name = @m}> ({
    "test.op"() : () -> ()
  }) : () -> ()
}) : () -> ()
