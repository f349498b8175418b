// RUN: dory-opt %s --split-input-file --verify-diagnostics | filecheck %s
// RUN: not dory-opt %s 2>&1 | filecheck %s --check-prefix=NOSPLIT

// Each chunk is parsed on its own (the same names may be defined again, aliases don't carry
// over), diagnostics carry the line numbers of the whole file, and the outputs of the chunks
// that succeed are joined by the marker. Without --split-input-file the marker is a comment.

!t = si8
%a = "test.op"() <{sym_name = "first"}> : () -> !t
// CHECK:      %a = "test.op"() <{sym_name = "first"}> : () -> si8
// CHECK-NEXT: }) : () -> ()
// CHECK-NEXT: // -----

// -----

// The same result name again: fine in a chunk of its own, an error in one big file.
// NOSPLIT: split-input-file.mlir:[[# @LINE + 1]]:1: error: redefinition of value '%a'
%a = "test.op"() <{sym_name = "second"}> : () -> si8
// CHECK-NEXT: "builtin.module"() ({
// CHECK-NEXT:   %a = "test.op"() <{sym_name = "second"}> : () -> si8
// CHECK-NEXT: }) : () -> ()
// CHECK-NEXT: // -----

// -----

// Aliases belong to their chunk; the error is located in the original file (and this chunk
// prints nothing).
// expected-error@+1 {{undefined type alias '!t'}}
%b = "test.op"() : () -> !t

// -----

// Near misses of the marker are warnings and do not split: this chunk holds two ops.
%c = "test.op"() <{sym_name = "third"}> : () -> si8
// expected-warning@+1 {{near miss with the split marker '// -----' (it must be alone on its line, spelled exactly); this line does not split the input}}
//-----
// expected-warning@+1 {{near miss with the split marker}}
// ----
// expected-warning@+1 {{near miss with the split marker}}
  // ----- not alone
"test.op"(%c) : (si8) -> ()
// CHECK-NEXT: "builtin.module"() ({
// CHECK-NEXT:   %c = "test.op"() <{sym_name = "third"}> : () -> si8
// CHECK-NEXT:   "test.op"(%c) : (si8) -> ()
// CHECK-NEXT: }) : () -> ()
// CHECK-NEXT: // -----

// An IR dump header (see print-ir.mlir) splits, so a dump can be fed back in.
// -----// IR Dump After CSE (cse) //----- //
"test.op"() <{sym_name = "fourth"}> : () -> ()
// CHECK-NEXT: "builtin.module"() ({
// CHECK-NEXT:   "test.op"() <{sym_name = "fourth"}> : () -> ()
// CHECK-NEXT: }) : () -> ()
// CHECK-NOT:  // -----
