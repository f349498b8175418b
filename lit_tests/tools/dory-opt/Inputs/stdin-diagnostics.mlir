"test.op"() <{sym_name = "first"}> : () -> ()

// -----

// expected-error@+1 {{use of undefined value '%nope'}}
"test.op"(%nope) : (si8) -> ()

// -----

"test.op"() <{sym_name = "third"}> : () -> ()
