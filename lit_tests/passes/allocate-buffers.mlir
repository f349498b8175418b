// allocate-buffers: static L2/L3 offsets by lifetime, and the L1 layout of tiled layers.
// Every activation buffer gets `dory.alloc = {offset, size}` on its producer (function
// arguments: `dory.arg_alloc` on the func), weights on their `dory.weights`, a layer's requant
// arrays and L3 staging area as `requant`/`staging` entries of its `dory.alloc`; the func gets
// `{l2_peak, l2_lower_bound, l3_peak}`. Offsets and sizes are 4-byte aligned in the arena.
// Errors are in allocate-buffers-invalid.mlir.

// RUN: dory-opt %s --split-input-file -p assign-memory,allocate-buffers | filecheck %s
// Idempotent: running it again recomputes exactly the same attributes.
// RUN: dory-opt %s --split-input-file -p assign-memory,allocate-buffers,allocate-buffers | filecheck %s
// RUN: dory-opt %s --split-input-file -p assign-memory,allocate-buffers --verify-semantics=1 -o /dev/null

// A DAG with two live branches (%l and %r, 256 B each, with %a live until the concat). Resident
// weights (5120 + 36 + 16 B) and the depthwise's requant `add` array (16 B) live for the whole
// program and sit at the bottom, largest first. The activations above them reuse space once
// dead: %l takes the argument's bytes (%x dies at the first conv), the concat takes %l's
// (%l dies at the add), and the linear's output takes %a's. The reshape is a view: it repeats
// the concat's buffer. Lower bound: at the add, %a, %l, %r, %s live (4 x 256) + 5188 of weights
// = 6212, and the packing reaches it.

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x10xsi32>, sym_name = "two_branches"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w0 = "qnn.constant"() <{value = dense<1> : tensor<4x1x1x4xsi8>}> : () -> tensor<4x1x1x4xsi8>
  %a = "dory.conv2d"(%x, %w0) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 2 : i64}}> : (tensor<1x8x8x4xui8>, tensor<4x1x1x4xsi8>) -> tensor<1x8x8x4xui8>
  %w1 = "qnn.constant"() <{value = dense<1> : tensor<4x3x3x1xsi8>}> : () -> tensor<4x3x3x1xsi8>
  %l = "dory.depthwise"(%a, %w1) <{pads = array<i64: 1, 1, 1, 1>, requant = {add = dense<[0, 1, 2, 3]> : tensor<4xsi32>, max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 3 : i64}}> : (tensor<1x8x8x4xui8>, tensor<4x3x3x1xsi8>) -> tensor<1x8x8x4xui8>
  %r = "dory.pool"(%a) <{kind = "max", kernel = array<i64: 3, 3>, strides = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x8x8x4xui8>) -> tensor<1x8x8x4xui8>
  %s = "dory.add"(%l, %r) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> : (tensor<1x8x8x4xui8>, tensor<1x8x8x4xui8>) -> tensor<1x8x8x4xui8>
  %c = "dory.concat"(%s, %a) <{axis = 3 : i64}> : (tensor<1x8x8x4xui8>, tensor<1x8x8x4xui8>) -> tensor<1x8x8x8xui8>
  %f = "dory.reshape"(%c) : (tensor<1x8x8x8xui8>) -> tensor<1x512xui8>
  %w2 = "qnn.constant"() <{value = dense<1> : tensor<10x512xsi8>}> : () -> tensor<10x512xsi8>
  %o = "dory.linear"(%f, %w2) : (tensor<1x512xui8>, tensor<10x512xsi8>) -> tensor<1x10xsi32>
  "func.return"(%o) : (tensor<1x10xsi32>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "two_branches"
// CHECK:         %[[W0:[a-zA-Z0-9_.]+]] = "dory.weights"() {{.*}} {dory.alloc = {offset = 5156 : i64, size = 16 : i64}}
// CHECK-NEXT:    %[[A:[a-zA-Z0-9_.]+]] = "dory.conv2d"
// CHECK-SAME:      {dory.alloc = {offset = 5700 : i64, size = 256 : i64}, dory.memory
// CHECK-NEXT:    "dory.weights"() {{.*}} {dory.alloc = {offset = 5120 : i64, size = 36 : i64}}
// CHECK-NEXT:    %[[L:[a-zA-Z0-9_.]+]] = "dory.depthwise"(%[[A]],
// CHECK-SAME:      {dory.alloc = {offset = 5188 : i64, requant = {offset = 5172 : i64, size = 16 : i64}, size = 256 : i64}, dory.memory
// CHECK-NEXT:    %[[R:[a-zA-Z0-9_.]+]] = "dory.pool"(%[[A]])
// CHECK-SAME:      {dory.alloc = {offset = 5444 : i64, size = 256 : i64}, dory.memory
// CHECK-NEXT:    %[[S:[a-zA-Z0-9_.]+]] = "dory.add"(%[[L]], %[[R]])
// CHECK-SAME:      {dory.alloc = {offset = 5956 : i64, size = 256 : i64}, dory.memory
// CHECK-NEXT:    %[[C:[a-zA-Z0-9_.]+]] = "dory.concat"(%[[S]], %[[A]])
// CHECK-SAME:      {dory.alloc = {offset = 5188 : i64, size = 512 : i64}, dory.memory
// CHECK-NEXT:    %[[F:[a-zA-Z0-9_.]+]] = "dory.reshape"(%[[C]]) {dory.alloc = {offset = 5188 : i64, size = 512 : i64}}
// CHECK-NEXT:    "dory.weights"() {{.*}} {dory.alloc = {offset = 0 : i64, size = 5120 : i64}}
// CHECK-NEXT:    "dory.linear"(%[[F]],
// CHECK-SAME:      {dory.alloc = {offset = 5700 : i64, size = 40 : i64}, dory.memory
// CHECK:       }) {dory.alloc = {l2_lower_bound = 6212 : i64, l2_peak = 6212 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 5188 : i64, size = 256 : i64}], dory.memory

// -----

// An input larger than L2 lives in L3 (arena offset 0 there: the argument's `dory.arg_alloc`
// offset is an L3 offset, as its memref says). The pool reads it through a 14336 B L2 staging
// area (two windows of 2 rows), live only during the pool, next to its 200704 B output.

"func.func"() <{function_type = (tensor<1x224x224x16xui8>) -> tensor<1x112x112x16xui8>, sym_name = "input_in_l3"}> ({
^bb0(%x: tensor<1x224x224x16xui8>):
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x224x224x16xui8>) -> tensor<1x112x112x16xui8>
  "func.return"(%y) : (tensor<1x112x112x16xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "input_in_l3"
// CHECK:         "dory.pool"
// CHECK-SAME:      {dory.alloc = {offset = 245752 : i64, size = 200704 : i64, staging = {offset = 0 : i64, size = 245752 : i64}}, dory.memory
// CHECK:       }) {dory.alloc = {l2_lower_bound = 446456 : i64, l2_peak = 446456 : i64, l3_peak = 802816 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 802816 : i64}], dory.memory

// -----

// L1 layout from a hand-written `dory.tile` (output tile 4 rows x 8 columns x 4 of 8 channels,
// all 4 input channels: 2 x 2 = 4 tiles), sized by the tile pass's footprint model: input tile
// (4 - 1) + 3 = 6 rows x min(7 + 3, 8) = 8 columns x 4 channels = 192 B; weight tile
// 4 x 3 x 3 x 4 = 144 B; output tile 4 x 8 x 4 = 128 B; params (bias + requant add + mul, 4 B
// each per channel) 4 x 12 = 48 B; all double buffered (several tiles, weights change between
// channel tiles), params' pong right after its ping at 976. Scratch: im2col 2 x 8 cores x 3 x 3
// x 4 = 576 B. Total 1600 = the tiler's l1_bytes. The untiled pool gets no `dory.l1`.

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x8x8x8xui8>, sym_name = "l1_layout"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x4xsi8>}> : () -> tensor<8x3x3x4xsi8>
  %b = "qnn.constant"() <{value = dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xsi32>}> : () -> tensor<8xsi32>
  %y = "dory.conv2d"(%x, %w, %b) <{pads = array<i64: 1, 1, 1, 1>, requant = {add = dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xsi32>, max = 255 : i64, min = 0 : i64, mul = dense<3> : tensor<8xsi32>, shift = 4 : i64}}> {dory.tile = {l1 = {c_out = 4 : i64, h_out = 4 : i64, w_out = 8 : i64, c_in = 4 : i64}, n_tiles = 4 : i64, l1_bytes = 1600 : i64, cycles = 1000 : i64, solve_ms = 0 : i64}} : (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>, tensor<8xsi32>) -> tensor<1x8x8x8xui8>
  %z = "dory.pool"(%y) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x8x8x8xui8>) -> tensor<1x8x8x8xui8>
  "func.return"(%z) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "l1_layout"
// CHECK:         "dory.conv2d"
// CHECK-SAME:      dory.l1 = {input = [0 : i64, 192 : i64], output = [672 : i64, 800 : i64], params = 928 : i64, scratch = 1024 : i64, total = 1600 : i64, weight = [384 : i64, 528 : i64]}
// CHECK-NEXT:    "dory.pool"
// CHECK-NOT:       dory.l1
// CHECK-SAME:      -> memref

// -----

// The same layer and tile with `buffering = "single"` in its `dory.tile` (as the tile pass
// writes it, or a plan sets it): one copy of every buffer, pong = ping: input 0, weight 192,
// output 336, params 464 (48 B), scratch 512 (576 B): total 1088.

"func.func"() <{function_type = (tensor<1x8x8x4xui8>) -> tensor<1x8x8x8xui8>, sym_name = "l1_layout_single"}> ({
^bb0(%x: tensor<1x8x8x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x4xsi8>}> : () -> tensor<8x3x3x4xsi8>
  %b = "qnn.constant"() <{value = dense<[1, 2, 3, 4, 5, 6, 7, 8]> : tensor<8xsi32>}> : () -> tensor<8xsi32>
  %y = "dory.conv2d"(%x, %w, %b) <{pads = array<i64: 1, 1, 1, 1>, requant = {add = dense<[0, 1, 2, 3, 4, 5, 6, 7]> : tensor<8xsi32>, max = 255 : i64, min = 0 : i64, mul = dense<3> : tensor<8xsi32>, shift = 4 : i64}}> {dory.tile = {buffering = "single", l1 = {c_out = 4 : i64, h_out = 4 : i64, w_out = 8 : i64, c_in = 4 : i64}, n_tiles = 4 : i64, l1_bytes = 1088 : i64, cycles = 1000 : i64}} : (tensor<1x8x8x4xui8>, tensor<8x3x3x4xsi8>, tensor<8xsi32>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "l1_layout_single"
// CHECK:         "dory.conv2d"
// CHECK-SAME:      dory.l1 = {input = [0 : i64, 0 : i64], output = [336 : i64, 336 : i64], params = 464 : i64, scratch = 512 : i64, total = 1088 : i64, weight = [192 : i64, 192 : i64]}

// -----

// A two-stage requant (a graph that rounds twice: a list of requant dictionaries) gets a buffer
// for every stage's per-channel vectors (here the first stage's mul: 4 x si32).

"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>, sym_name = "two_stage_requant"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<4x1x1x4xsi8>}> : () -> tensor<4x1x1x4xsi8>
  %a = "dory.conv2d"(%x, %w) <{requant = [{max = 1000 : i64, min = -1000 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 1 : i64}, {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 2 : i64}]}> : (tensor<1x4x4x4xui8>, tensor<4x1x1x4xsi8>) -> tensor<1x4x4x4xui8>
  "func.return"(%a) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()

// CHECK-LABEL: sym_name = "two_stage_requant"
// CHECK:         "dory.conv2d"
// CHECK-SAME:      dory.alloc = {offset = {{[0-9]+}} : i64, requant = {offset = {{[0-9]+}} : i64, size = 16 : i64}, size = 64 : i64}
