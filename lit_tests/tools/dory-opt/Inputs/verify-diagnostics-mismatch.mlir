// Input for verify-diagnostics.mlir: every chunk gets --verify-diagnostics wrong.

// An expectation that nothing meets.
// expected-error@+1 {{this is never reported}}
"test.op"() : () -> ()

// -----

// A diagnostic that nobody expects.
"test.op"(%nope) : (si8) -> ()

// -----

// The right message on the wrong line: both unexpected and not produced.
// expected-error@+1 {{use of undefined value}}

"test.op"(%nope) : (si8) -> ()

// -----

// The wrong severity.
// expected-warning@+1 {{use of undefined value}}
"test.op"(%nope) : (si8) -> ()

// -----

// expected-error@+1 {{use of undefined value '%other'}}
"test.op"(%nope) : (si8) -> ()

// -----

// expected-error@+1 without braces
"test.op"() : () -> ()

// -----

// expected-note {{a note}}
// expected-remark@+1 {{a remark}}
"test.op"() : () -> ()

// -----

// expected-error-re {{bad {{[}} regex}}

// -----

// expected-error@unknown {{no location}}
