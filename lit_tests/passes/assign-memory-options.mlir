// assign-memory's budgets: l2/l3 change the decisions, and every budget must be positive.
// Two convs: %x 256 B -> %y1 512 B -> %y2 1024 B, weights %w1 288 B and %w2 128 B. The peak is
// the second conv: %y1 + %y2 + both weights = 1952 B.

// RUN: dory-opt %s -p assign-memory | filecheck %s --check-prefix=ALL-L2
// RUN: dory-opt %s -p 'assign-memory{l2=1900}' | filecheck %s --check-prefix=WEIGHT-L3
// RUN: dory-opt %s -p 'assign-memory{l2=1200}' | filecheck %s --check-prefix=ACT-L3-RULE
// RUN: dory-opt %s -p 'assign-memory{l2=1000}' | filecheck %s --check-prefix=BOTH-TILED-RULE
// RUN: dory-opt %s -p 'assign-memory{l2=1200 staging=search}' | filecheck %s --check-prefix=ACT-L3
// RUN: dory-opt %s -p 'assign-memory{l2=1000 staging=search}' | filecheck %s --check-prefix=BOTH-TILED
// RUN: dory-opt %s -p 'assign-memory{l2=1000 staging=search}' --verify-semantics=1 -o /dev/null
// RUN: dory-opt %s -p 'assign-memory{l2=1900}' --verify-semantics=1 -o /dev/null
// RUN: dory-opt %s -p 'assign-memory{l2=1200}' --verify-semantics=1 -o /dev/null
// RUN: dory-opt %s -p 'assign-memory{l2=1000}' --verify-semantics=1 -o /dev/null

// Budgets that are not positive are rejected, at the module.
// RUN: dory-opt %s -p 'assign-memory{l1=0}' --verify-diagnostics
// RUN: dory-opt %s -p 'assign-memory{l2=0}' --verify-diagnostics
// RUN: dory-opt %s -p 'assign-memory{l3=-1}' --verify-diagnostics
// RUN: not dory-opt %s -p 'assign-memory{l1=0}' 2>&1 | filecheck %s --check-prefix=L1-ZERO
// RUN: not dory-opt %s -p 'assign-memory{l2=0}' 2>&1 | filecheck %s --check-prefix=L2-ZERO
// RUN: not dory-opt %s -p 'assign-memory{l3=-1}' 2>&1 | filecheck %s --check-prefix=L3-NEGATIVE
// L1-ZERO: assign-memory-options.mlir:[[# @LINE + 8]]:1: error: option 'l1' expected a positive number of bytes, found 0
// L2-ZERO: error: option 'l2' expected a positive number of bytes, found 0
// L3-NEGATIVE: error: option 'l3' expected a positive number of bytes, found -1
// RUN: not dory-opt %s -p 'assign-memory{staging=best}' 2>&1 | filecheck %s --check-prefix=STAGING-BAD
// STAGING-BAD: assign-memory-options.mlir:[[# @LINE + 4]]:1: error: option 'staging' expected rule or search, found 'best'

// The module line carries the expectation of the three --verify-diagnostics runs above.
// expected-error-re@+1 {{option 'l{{[123]}}' expected a positive number of bytes, found {{-?[0-9]+}}}}
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x8x8x16xui8>, sym_name = "two_convs"}> ({
  ^bb0(%x: tensor<1x8x8x4xui8>):
    %w1 = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x4xsi8>}> : () -> tensor<8x3x3x4xsi8>
    %y1 = "dory.conv2d"(%x, %w1) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 6 : i64}}> : (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>) -> tensor<1x8x8x8xui8>
    %w2 = "qnn.constant"() <{value = dense<-1> : tensor<16x1x1x8xsi8>}> : () -> tensor<16x1x1x8xsi8>
    %y2 = "dory.conv2d"(%y1, %w2) <{requant = {add = 2048 : i64, max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 3 : i64}}> : (tensor<1x8x8x8xui8>, tensor<16x1x1x8xsi8>) -> tensor<1x8x8x16xui8>
    "func.return"(%y2) : (tensor<1x8x8x16xui8>) -> ()
  }) : () -> ()
}) : () -> ()

// Default budgets: everything in L2, both weights resident.
// ALL-L2-LABEL: sym_name = "two_convs"
// ALL-L2:         "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<8x3x3x4xsi8, #dory.l2>
// ALL-L2:         "dory.conv2d"{{.*}}{dory.memory = {l2_bytes = 1184 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}}
// ALL-L2:         "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<16x1x1x8xsi8, #dory.l2>
// ALL-L2:         "dory.conv2d"{{.*}}{dory.memory = {l2_bytes = 1952 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}}
// ALL-L2:       l2_peak = 1952 : i64, {{.*}}, live_peak = 1952 : i64, resident_weight_bytes = 416 : i64

// l2=1900: 52 B too many at the second conv. Moving %w1, which that conv does not use, is the
// cheapest fix: it goes to L3 (not resident) and is staged whole for the first conv, where
// 256 + 512 + 128 + 288 B fit.
// WEIGHT-L3-LABEL: sym_name = "two_convs"
// WEIGHT-L3-NEXT:  ^bb0(%[[X:[a-zA-Z0-9_.]+]]: memref<1x8x8x4xui8, #dory.l2>):
// WEIGHT-L3-NEXT:    %[[W1:[a-zA-Z0-9_.]+]] = "dory.weights"() <{resident = false, {{.*}}}> : () -> memref<8x3x3x4xsi8, #dory.l3>
// WEIGHT-L3-NEXT:    %[[Y1:[a-zA-Z0-9_.]+]] = "dory.conv2d"(%[[X]], %[[W1]])
// WEIGHT-L3-SAME:      {dory.memory = {l2_bytes = 1184 : i64, l3 = ["weight"], l3_tiling = [], staging_bytes = 288 : i64}}
// WEIGHT-L3-NEXT:    %[[W2:[a-zA-Z0-9_.]+]] = "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<16x1x1x8xsi8, #dory.l2>
// WEIGHT-L3-NEXT:    "dory.conv2d"(%[[Y1]], %[[W2]])
// WEIGHT-L3-SAME:      {dory.memory = {l2_bytes = 1664 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}}
// WEIGHT-L3:       l2_budget = 1900 : i64, l2_peak = 1664 : i64, {{.*}}, l3_weight_bytes = 288 : i64, live_peak = 1952 : i64, resident_weight_bytes = 128 : i64

// l2=1200, staging=rule (the default): %y2 in L3, staged in row tiles in the 256 B left.
// ACT-L3-RULE-LABEL: -> memref<1x8x8x16xui8, #dory.l3>, sym_name = "two_convs"
// ACT-L3-RULE:           "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<8x3x3x4xsi8, #dory.l2>
// ACT-L3-RULE:           "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<16x1x1x8xsi8, #dory.l2>
// ACT-L3-RULE-NEXT:      "dory.conv2d"
// ACT-L3-RULE-SAME:        {dory.memory = {l2_bytes = 1184 : i64, l3 = ["output"], l3_tiling = ["output"], staging_bytes = 256 : i64}}

// l2=1000, staging=rule: %y2 and %w1 in L3, %w1 streamed over output channels.
// BOTH-TILED-RULE-LABEL: sym_name = "two_convs"
// BOTH-TILED-RULE:         "dory.weights"() <{resident = false, {{.*}}}> : () -> memref<8x3x3x4xsi8, #dory.l3>
// BOTH-TILED-RULE-NEXT:    "dory.conv2d"
// BOTH-TILED-RULE-SAME:      {dory.memory = {l2_bytes = 980 : i64, l3 = ["weight"], l3_tiling = ["weight"], staging_bytes = 84 : i64}}
// BOTH-TILED-RULE:         "dory.conv2d"
// BOTH-TILED-RULE-SAME:      {dory.memory = {l2_bytes = 980 : i64, l3 = ["output"], l3_tiling = ["output"], staging_bytes = 340 : i64}}
// BOTH-TILED-RULE:       l2_peak = 980 : i64, {{.*}}, l3_peak = 1312 : i64

// l2=1200 (staging=search below): 752 B too many. Weights alone cannot free that much; the cheapest cover is the
// result %y2 in L3, written in row tiles (two of 128 B) since it does not fit next to the rest.
// Then step 6 (the tiling model) also moves %w1 to L3, staged whole for the first conv: its
// 288 B go to %y2's staging at the second conv (256 -> 540 B, fewer L3 row tiles), which the
// model prefers to one more 288-byte L3 read.
// ACT-L3-LABEL: -> memref<1x8x8x16xui8, #dory.l3>, sym_name = "two_convs"
// ACT-L3:           "dory.weights"() <{resident = false, {{.*}}}> : () -> memref<8x3x3x4xsi8, #dory.l3>
// ACT-L3-NEXT:      "dory.conv2d"
// ACT-L3-SAME:        {dory.memory = {l2_bytes = 1184 : i64, l3 = ["weight"], l3_tiling = [], staging_bytes = 288 : i64}}
// ACT-L3:           "dory.weights"() <{resident = true, {{.*}}}> : () -> memref<16x1x1x8xsi8, #dory.l2>
// ACT-L3-NEXT:      %[[Y2:[a-zA-Z0-9_.]+]] = "dory.conv2d"
// ACT-L3-SAME:        {dory.memory = {l2_bytes = 1180 : i64, l3 = ["output"], l3_tiling = ["output"], staging_bytes = 540 : i64}}
// ACT-L3-SAME:        -> memref<1x8x8x16xui8, #dory.l3>
// ACT-L3-NEXT:      "func.return"(%[[Y2]]) : (memref<1x8x8x16xui8, #dory.l3>) -> ()

// l2=1000: steps 3-6 put %y2 and %w1 in L3, the first conv streaming %w1 over output channels
// (no room for its 288 B next to 256 + 512 + 128 B of L2 data). Step 6 (the tiling model) then
// moves %y1 and %w2 to L3 too: with L2 holding only staging, the first conv stages %w1 whole
// and writes %y1 in row tiles, the second reads %y1 and writes %y2 in row tiles with all of L2
// (980 B: the budget less 4 B of alignment slack per buffer), fewer L3 transfers in the model.
// BOTH-TILED-LABEL: sym_name = "two_convs"
// BOTH-TILED:         "dory.weights"() <{resident = false, {{.*}}}> : () -> memref<8x3x3x4xsi8, #dory.l3>
// BOTH-TILED-NEXT:    "dory.conv2d"
// BOTH-TILED-SAME:      {dory.memory = {l2_bytes = 980 : i64, l3 = ["weight", "output"], l3_tiling = ["output"], staging_bytes = 724 : i64}}
// BOTH-TILED:         "dory.weights"() <{resident = false, {{.*}}}> : () -> memref<16x1x1x8xsi8, #dory.l3>
// BOTH-TILED-NEXT:    "dory.conv2d"
// BOTH-TILED-SAME:      {dory.memory = {l2_bytes = 980 : i64, l3 = ["input", "weight", "output"], l3_tiling = ["input", "output"], staging_bytes = 980 : i64}}
// BOTH-TILED:       l2_peak = 980 : i64, {{.*}}, l3_peak = 1952 : i64, l3_weight_bytes = 416 : i64
