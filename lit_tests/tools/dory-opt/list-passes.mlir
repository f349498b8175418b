// --list-passes prints every pass with its summary and options, then the named pipelines, and
// needs no input.

// RUN: dory-opt --list-passes | filecheck %s
// CHECK:      Passes:
// CHECK:        canonicalize {{ +}}Erase unused pure ops and fold no-op reshapes, clips, transposes, pads and concats.
// CHECK-NEXT:       max-iterations: int (default 10)  whole-module sweeps before giving up
// CHECK-NEXT:       test-convergence: bool (default false)  fail if no fixpoint was reached
// CHECK-NEXT:   cse {{ +}}Merge identical pure ops {{.*}}
// CHECK:        test-break-semantics {{ +}}Test only: {{.*}}
// CHECK:        test-invalid-ir {{ +}}Test only: {{.*}}
// CHECK:        test-overlap-buffers {{ +}}Test only: {{.*}}
// CHECK:      Pipelines:
// CHECK-NEXT:   default {{ +}}The generic clean-up: canonicalize, then cse.
// CHECK-NEXT:       = canonicalize,cse
