// RUN: dory-opt %s --split-input-file --verify-diagnostics -p 'canonicalize{max-iterations=1 test-convergence}'
// RUN: not dory-opt %S/Inputs/verify-diagnostics-mismatch.mlir --split-input-file --verify-diagnostics 2>&1 | filecheck %s --check-prefix=MISMATCH

// Every diagnostic must be expected on the line it is reported at, and every expectation met:
// then the exit status is 0 and nothing is printed for the failing chunks. Parse errors,
// verifier errors (all of them) and pass failures are covered; the directive forms are
// @+N, @-N, @above, @below, bare (same line) and -re (with {{regex}} parts).

// expected-error@+1 {{use of undefined value '%nope'}}
"test.op"(%nope) : (si8) -> ()

// -----

"test.op"(%nope) : (si8) -> () // expected-error {{use of undefined value}}

// -----

"test.op"(%nope) : (si8) -> ()
// expected-error@-1 {{undefined value}}

// -----

"test.op"(%nope) : (si8) -> ()
// expected-error@above {{undefined value}}

// -----

// expected-error@below {{undefined value}}
"test.op"(%nope) : (si8) -> ()

// -----

// expected-error-re@+1 {{use of undefined value '%{{[a-z]+}}'}}
"test.op"(%nope) : (si8) -> ()

// -----

// The verifier reports every failing op, not just the first.
"func.func"() <{function_type = (si8) -> si8, sym_name = "two_errors"}> ({
^bb0(%a: si8):
  // expected-error@+1 {{'func.return' op must be the last operation in its block}}
  "func.return"(%a) : (si8) -> ()
  // expected-error@+1 {{'func.return' op operand types expected (si8) from the function type, found ()}}
  "func.return"() : () -> ()
}) : () -> ()

// -----

// A pass failure (PassFailed) located at the module: one sweep is not enough to show a fixpoint.
// expected-error@+1 {{canonicalize did not converge after 1 iteration(s)}}
"builtin.module"() ({
  %x = "test.op"() : () -> si8
  %dead = "test.pure"(%x) : (si8) -> si8
}) : () -> ()

// -----

// A chunk without diagnostics and without expectations is fine; directives are only read in
// comments, not in the IR's own strings.
"test.op"() {note = "expected-error {{not a directive}}"} : () -> ()

// -----

// Warnings are checked too.
// expected-warning@+1 {{near miss with the split marker}}
// ---

// MISMATCH: verify-diagnostics-mismatch.mlir:4:4: error: expected error "this is never reported" was not produced
// MISMATCH: verify-diagnostics-mismatch.mlir:10:11: error: unexpected error: use of undefined value '%nope'
// MISMATCH: verify-diagnostics-mismatch.mlir:17:11: error: unexpected error: use of undefined value '%nope'
// MISMATCH: verify-diagnostics-mismatch.mlir:15:4: error: expected error "use of undefined value" was not produced
// MISMATCH: verify-diagnostics-mismatch.mlir:23:11: error: unexpected error: use of undefined value '%nope'
// MISMATCH: verify-diagnostics-mismatch.mlir:22:4: error: expected warning "use of undefined value" was not produced
// MISMATCH: verify-diagnostics-mismatch.mlir:28:11: error: unexpected error: use of undefined value '%nope'
// MISMATCH: verify-diagnostics-mismatch.mlir:27:4: error: expected error "use of undefined value '%other'" was not produced
// MISMATCH: verify-diagnostics-mismatch.mlir:32:4: error: malformed '{{expected}}-error' directive: {{.*}}
// MISMATCH: verify-diagnostics-mismatch.mlir:37:4: error: expected note "a note" was not produced
// MISMATCH: verify-diagnostics-mismatch.mlir:38:4: error: expected remark "a remark" was not produced
// MISMATCH: verify-diagnostics-mismatch.mlir:43:4: error: bad regex in '{{expected}}-error-re': {{.*}}
// MISMATCH: verify-diagnostics-mismatch.mlir:47:4: error: expected error "no location" was not produced
// MISMATCH-NOT: error
