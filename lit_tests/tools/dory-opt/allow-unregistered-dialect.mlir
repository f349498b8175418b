// Ops of unknown dialects are an error unless --allow-unregistered-dialect is given; then they
// are kept as generic ops with side effects (never erased or merged).

// RUN: not dory-opt %s 2>&1 | filecheck %s --check-prefix=REJECT
// REJECT: allow-unregistered-dialect.mlir:[[# @LINE + 6]]:6: error: unregistered operation 'foo.bar'

// RUN: dory-opt %s --allow-unregistered-dialect -p canonicalize,cse | filecheck %s
// CHECK:      %[[A:[a-zA-Z0-9_]+]] = "foo.bar"() {k = 1 : i64} : () -> si8
// CHECK-NEXT: %[[B:[a-zA-Z0-9_]+]] = "foo.bar"() {k = 1 : i64} : () -> si8
// CHECK-NEXT: "foo.bar"() : () -> si8
%a = "foo.bar"() {k = 1} : () -> si8
%b = "foo.bar"() {k = 1} : () -> si8
%unused = "foo.bar"() : () -> si8
