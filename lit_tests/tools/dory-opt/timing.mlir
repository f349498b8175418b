// --timing reports the wall time of parsing, each pass, the verifier runs (one row, after
// parsing and after each pass) and printing, on stderr.

// RUN: dory-opt %s -p canonicalize,cse --timing -o /dev/null 2>&1 | filecheck %s
// CHECK:      Execution time report
// CHECK:      Total Execution Time: {{[0-9]+\.[0-9]+}} seconds
// CHECK:      ----Wall Time----  ---Count---  ----Name----
// CHECK-NEXT: {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%) {{ +}}1  Parse
// CHECK-NEXT: {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%) {{ +}}3  (V) Verifier
// CHECK-NEXT: {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%) {{ +}}1  Canonicalize (canonicalize)
// CHECK-NEXT: {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%) {{ +}}1  CSE (cse)
// CHECK-NEXT: {{[0-9]+\.[0-9]+}} ({{ *[0-9]+\.[0-9]}}%) {{ +}}1  Output
// CHECK-NEXT: {{[0-9]+\.[0-9]+}} (100.0%) {{ +}}Total

// Without --verify-each the verifier runs once, after parsing; --verify-semantics gets a row.
// RUN: dory-opt %s -p canonicalize,cse --timing --no-verify-each --verify-semantics -o /dev/null 2>&1 | filecheck %s --check-prefix=NO-VERIFY
// NO-VERIFY: {{ +}}1  (V) Verifier
// NO-VERIFY: {{ +}}3  (S) Verify semantics

// With --split-input-file the rows add up over the chunks.
// RUN: dory-opt %s -p cse --timing --split-input-file -o /dev/null 2>&1 | filecheck %s --check-prefix=SPLIT
// SPLIT: {{ +}}2  Parse
// SPLIT: {{ +}}4  (V) Verifier
// SPLIT: {{ +}}2  CSE (cse)

"func.func"() <{function_type = (tensor<4xsi8>) -> tensor<4xsi8>, sym_name = "f"}> ({
^bb0(%x: tensor<4xsi8>):
  %a = "qnn.add"(%x, %x) : (tensor<4xsi8>, tensor<4xsi8>) -> tensor<4xsi8>
  "func.return"(%a) : (tensor<4xsi8>) -> ()
}) : () -> ()

// -----

"test.op"() : () -> ()
