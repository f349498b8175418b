// verify-semantics-alloc.mlir's hand-written allocation: %b (64 B at offset 0) sits on %a's bytes
// while %a is still live (the add reads both). Every other figure is what allocate-buffers gives.
"func.func"() <{function_type = (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>, sym_name = "overlapping"}> ({
^bb0(%x: memref<1x4x4x4xui8, #dory.l2>):
  %a = "dory.pool"(%x) <{kernel = array<i64: 3, 3>, kind = "max", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}> {dory.alloc = {offset = 0 : i64, size = 64 : i64}, dory.memory = {l2_bytes = 128 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}} : (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  %b = "dory.pool"(%a) <{kernel = array<i64: 3, 3>, kind = "max", pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}> {dory.alloc = {offset = 0 : i64, size = 64 : i64}, dory.memory = {l2_bytes = 128 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}} : (memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  %s = "dory.add"(%a, %b) <{requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 1 : i64}}> {dory.alloc = {offset = 128 : i64, size = 64 : i64}, dory.memory = {l2_bytes = 192 : i64, l3 = [], l3_tiling = [], staging_bytes = 0 : i64}} : (memref<1x4x4x4xui8, #dory.l2>, memref<1x4x4x4xui8, #dory.l2>) -> memref<1x4x4x4xui8, #dory.l2>
  "func.return"(%s) : (memref<1x4x4x4xui8, #dory.l2>) -> ()
}) {dory.alloc = {l2_lower_bound = 192 : i64, l2_peak = 192 : i64, l3_peak = 0 : i64}, dory.arg_alloc = [{offset = 64 : i64, size = 64 : i64}]} : () -> ()
