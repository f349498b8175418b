// The plan verifier (backends/verify_plan.py): every planned IR the C runtime cannot run
// exactly is one located error, before any C is written. Each case edits one fact of the same
// planned one-layer network (a 1x1 conv with a per-channel requant multiplier).

// RUN: dory-opt %s --split-input-file --verify-diagnostics -p verify-plan
// RUN: dory-opt %s --split-input-file --verify-diagnostics
// RUN: dory-translate --to-c %s --split-input-file --verify-diagnostics > /dev/null

// The plan as allocate-buffers wrote it: accepted.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "ok"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// The layer's output placed on its input (both live at step 0).
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "overlap"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected buffers live at the same time to be disjoint, found buffers overlap: %a (step 0's result) (L2 bytes [0, 64), live at steps 0..0) and %x (L2 bytes [0, 64), live at steps 0..0) are both live at step 0 in the same memory}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 0 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A negative offset (the C has uint32_t offsets).
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "negative_offset"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'dory.alloc' within [0, 2^32) (uint32_t), found offset -4 and size 64}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = -4 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// An offset off the 4-byte alignment the DMA and the kernels' word accesses need.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "misaligned"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'dory.alloc' offset a multiple of 4, found 65}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 65 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 200 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 200 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A result buffer smaller than the result.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "too_small"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected the result buffer of at least 64 bytes (its data), found 32}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 32 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A buffer past the L2 arena the app allocates (l2_peak).
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "beyond_arena"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected the result buffer [160, 224) inside the L2 arena [0, 160), found it beyond}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 160 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// Per-channel requant vectors with no buffer for them.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "no_requant_alloc"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'dory.alloc.requant' = {offset, size} (run 'allocate-buffers'), found none}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A requant buffer smaller than its vectors.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "requant_alloc_small"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'dory.alloc.requant' of at least 16 bytes (its 1 vectors), found 8}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 8 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// The L1 output ping on the input ping.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "l1_out_on_in"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected disjoint L1 buffers, found the input ping [0, 64) and the output ping [0, 64) overlapping}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [0 : i64, 0 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// The L1 weights over the input.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "l1_weight_on_in"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected the L1 input ping buffer at 0 to have 64 bytes up to the next buffer or the total (the runtime's layout, l1_cap), found 32}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [32 : i64, 32 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// An empty buffer (the 1x1 conv has no scratch) inside the output: the runtime sizes the output up to it.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "l1_empty_inside"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected the L1 output ping buffer at 80 to have 64 bytes up to the next buffer or the total (the runtime's layout, l1_cap), found 40}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 120 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// An L1 buffer past the layout's total.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "l1_beyond_total"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected the L1 params buffer [152, 168) 4-byte aligned inside [0, 160) ('dory.l1' total), found it outside}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 152 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A layout over the function's L1 budget.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "l1_over_budget"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'dory.l1' total in [1, 100] (the L1 budget), found 160}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 100 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// An L1 budget no target has (the app would die at start-up).
// expected-error@+1 {{'func.func' op expected 'dory.memory' l1_budget in [1, 120832] (the hardware's, backends/), found 1099511627776}}
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "absurd_l1_budget"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 1099511627776 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// An L2 arena over the L2 budget.
// expected-error@+1 {{'func.func' op expected 'dory.alloc' l2_peak in [0, 100] (the L2 budget), found 160}}
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "l2_over_budget"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 100 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A tile taller than the layer.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "tile_rows"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'dory.tile.l1' h_out in [1, 4] (the layer's extent), found 5}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 5 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// An empty tile.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "tile_zero"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'dory.tile.l1' c_out in [1, 4] (the layer's extent), found 0}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 0 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A shift the runtime's int64 arithmetic cannot do (UB in dory_requant1).
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "shift_64"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'requant' shift in [0, 62] (an int64 shift in dory_requant1), found 64}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 64 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A multiplier whose product with an si32 accumulator overflows int64.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "mul_wide"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  // expected-error@+1 {{'dory.conv2d' op expected 'requant' 2^31 * |mul| + |add| <= 2^63 - 1 (x * mul + add in int64 for every si32 x), found mul 4398046511104, add 0}}
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 4398046511104 : i64, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A multiplier of 2^32 - 1 (TFLite's QuantizeMultiplier reaches it) with a small add: 2^31 |mul| + |add|
// < 2^63, so x * mul + add is exact in int64 for every si32 x: accepted.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "mul_u32"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = 4294967295 : i64, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// An argument without its buffer.
// expected-error@+1 {{'func.func' op expected 'dory.arg_alloc[0]' = {offset, size} (run 'allocate-buffers'), found none}}
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "no_arg_alloc"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %w = "dory.weights"() <{resident = true, value = dense<1> : tensor<4x1x1x4xsi8>}> {dory.alloc = {offset = 128 : i64, size = 16 : i64}} : () -> memref<4x1x1x4xsi8, #dory.l2>
  %a = "dory.conv2d"(%x, %w) <{requant = {max = 255 : i64, min = 0 : i64, mul = dense<[1, 2, 3, 4]> : tensor<4xsi32>, shift = 2 : i64}}> {dory.alloc = {offset = 64 : i64, requant = {offset = 144 : i64, size = 16 : i64}, size = 64 : i64}, dory.l1 = {input = [0 : i64, 0 : i64], output = [80 : i64, 80 : i64], params = 144 : i64, scratch = 160 : i64, total = 160 : i64, weight = [64 : i64, 64 : i64]}, dory.memory = {l2_bytes = 160 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}, dory.tile = {cycles = 292 : i64, l1 = {c_in = 4 : i64, c_out = 4 : i64, h_out = 4 : i64, w_out = 4 : i64}, l1_bytes = 160 : i64, n_tiles = 1 : i64, sat_calls = 8 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<4x1x1x4xsi8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%a) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 160 : i64, l2_peak = 160 : i64, l3_peak = 0 : i64}, dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 160 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 160 : i64, resident_weight_bytes = 32 : i64}} : () -> ()

// -----

// A network whose output is its input: no step to run (network.c's step table would be empty,
// which C rejects).
// expected-error@+1 {{'func.func' op expected at least one layer or concat to run, found none (the network's output is its input)}}
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "identity"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  "func.return"(%x) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 64 : i64, l2_peak = 64 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 0 : i64, size = 64 : i64}], dory.memory = {l1_budget = 53760 : i64, l2_budget = 446464 : i64, l2_peak = 64 : i64, l3_budget = 8388608 : i64, l3_peak = 0 : i64, l3_weight_bytes = 0 : i64, live_peak = 64 : i64, resident_weight_bytes = 0 : i64}} : () -> ()
