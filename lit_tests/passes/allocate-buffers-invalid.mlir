// allocate-buffers' errors, each located (at the op, or the func for its arguments) with
// expected/found. The input is IR as assign-memory leaves it (written by hand here, so each
// case keeps its plan). Budgets: L1 800 B, L2 300 B, L3 200 B.

// RUN: dory-opt %s --split-input-file --verify-diagnostics -p 'allocate-buffers{l1=800 l2=300 l3=200}'

// Only dory ops have buffers: unfused qnn ops are rejected (assign-memory's model, checked
// before anything else).

"func.func"() <{function_type = (tensor<1x4xsi8>) -> tensor<1x4xsi8>, sym_name = "unfused"}> ({
^bb0(%x: tensor<1x4xsi8>):
  // expected-error@+1 {{cannot place the data of this op: expected a dory layer, concat, reshape or weights op (run 'fuse' first), found 'qnn.add'}}
  %y = "qnn.add"(%x, %x) : (tensor<1x4xsi8>, tensor<1x4xsi8>) -> tensor<1x4xsi8>
  "func.return"(%y) : (tensor<1x4xsi8>) -> ()
}) : () -> ()

// -----

// A function argument without a memory level (assign-memory not run): located at the func.

// expected-error@+1 {{cannot allocate this value: expected a memref in #dory.l2 or #dory.l3 (run 'assign-memory' first), found 'tensor<1x4x4x4xui8>'}}
"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>, sym_name = "unplanned_arg"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>
  "func.return"(%y) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()

// -----

// A result without a memory level: located at its producer.

"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> tensor<1x4x4x4xui8>, sym_name = "unplanned_result"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  // expected-error@+1 {{cannot allocate this value: expected a memref in #dory.l2 or #dory.l3 (run 'assign-memory' first), found 'tensor<1x4x4x4xui8>'}}
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> {dory.memory = {l2_bytes = 128 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}} : (memref<1x4x4x4xui8, #dory.l2>) -> tensor<1x4x4x4xui8>
  "func.return"(%y) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()

// -----

// A layer without assign-memory's record: its staging size is unknown.

"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "no_record"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  // expected-error@+1 {{cannot allocate this op's buffers: expected a 'dory.memory' attribute (run 'assign-memory' first), found none}}
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> : (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) : () -> ()

// -----

// Input and output (256 B each) are live together during the conv, with 16 B of weights:
// 528 B > 300 B. Located where the most bytes are live.

"func.func"() <{function_type = (memref<1x8x8x4xui8, #dory.l2>) -> memref<1x8x8x4xui8, #dory.l2>, sym_name = "l2_overflow"}> ({
^bb0(%x: memref<1x8x8x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{L2 overflow: expected the L2 arena to fit 300 bytes (the budget), found a peak of 528 bytes (lower bound 528, the most bytes live at once, reached here)}}
  %y = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> {dory.memory = {l2_bytes = 528 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}} : (memref<1x8x8x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x8x8x4xui8, #dory.l2>
  "func.return"(%y) : (memref<1x8x8x4xui8, #dory.l2>) -> ()
}) : () -> ()

// -----

// The L3 input (256 B) exceeds the 200 B L3 budget; L2 (output 16 B, weight 16 B, staging
// 256 B = 288 B) fits.

"func.func"() <{function_type = (memref<1x4x4x16xui8, #dory.l3>) -> memref<1x4x4x1xui8, #dory.l2>, sym_name = "l3_overflow"}> ({
^bb0(%x: memref<1x4x4x16xui8, #dory.l3>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<1x1x1x16xsi8>}> : () -> memref<1x1x1x16xsi8, #dory.l2>
  // expected-error@+1 {{L3 overflow: expected the L3 arena to fit 200 bytes (the budget), found a peak of 256 bytes (lower bound 256, the most bytes live at once, reached here)}}
  %y = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> {dory.memory = {l2_bytes = 288 : i64, l3 = ["input"], l3_tiling = [], staging_bytes = 256 : i64}} : (memref<1x4x4x16xui8, #dory.l3>, memref<1x1x1x16xsi8, #dory.l2>) -> memref<1x4x4x1xui8, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x1xui8, #dory.l2>) -> ()
}) : () -> ()

// -----

// A tile whose buffers exceed L1 (one tile, so nothing double buffered): 64 (input, 4 rows
// clipped from 6) + 144 (weight) + 64 (output) + 576 (im2col, 2 x 8 cores x 3 x 3 x 4) = 848 B.

"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "l1_overflow"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x3x3x4xsi8>}> : () -> memref<4x3x3x4xsi8, #dory.l2>
  // expected-error@+1 {{L1 overflow: expected the tile buffers to fit 800 bytes (the L1 budget), found 848 (input 1 x 64, weight 1 x 144, output 1 x 64, params 1 x 0, scratch 576, each 4-byte aligned)}}
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> {dory.memory = {l2_bytes = 272 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, n_tiles = 1 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x3x3x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) : () -> ()

// -----

// A `dory.tile` without its tile sizes.

"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "tile_without_l1"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  // expected-error@+1 {{cannot lay out L1: expected 'dory.tile' to hold an 'l1' dictionary of tile sizes, found '{n_tiles = 1 : i64}'}}
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> {dory.memory = {l2_bytes = 128 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {n_tiles = 1 : i64}} : (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) : () -> ()

// -----

// A tile size missing, and one that is not positive.

"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "bad_tile_sizes"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  // expected-error@+1 {{cannot lay out L1: expected 'dory.tile' l1.c_in to be a positive integer, found none}}
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> {dory.memory = {l2_bytes = 128 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {l1 = {c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}}} : (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) : () -> ()

// -----

"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "zero_tile_size"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  // expected-error@+1 {{cannot lay out L1: expected 'dory.tile' l1.h_out to be a positive integer, found '0 : i64'}}
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> {dory.memory = {l2_bytes = 128 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 0 : i64, w_out = 4 : i64}}} : (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) : () -> ()

// -----

// A buffering that is neither single nor double.

"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "bad_buffering"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  // expected-error@+1 {{cannot lay out L1: expected 'dory.tile' buffering to be "single" or "double", found '"triple"'}}
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> {dory.memory = {l2_bytes = 128 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {buffering = "triple", l1 = {c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64, c_in = 4 : i64}}} : (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%y) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) : () -> ()
