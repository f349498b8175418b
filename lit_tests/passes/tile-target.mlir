// tile{target=...}: the same layer planned for GAP8 (53760 B of L1 for tiles) and GAP9 (120832 B).
// A 3x3 conv 64 -> 64 channels on 32x32: GAP8's L1 holds 4 output channels x 16 rows single
// buffered (32 tiles; double buffered only 7 rows fit: 80 tiles, 2,967,914 cycles under GAP8's
// model); GAP9's holds 16 channels x 8 rows double buffered (16 tiles, 76800 B, more than GAP8
// has), at fewer modelled cycles.

// RUN: dory-opt %s -p 'tile{target=gap8}' | filecheck %s --check-prefix=GAP8
// RUN: dory-opt %s -p 'tile' | filecheck %s --check-prefix=GAP8
// RUN: dory-opt %s -p 'tile{target=gap9}' | filecheck %s --check-prefix=GAP9
// An unset l1-bytes is the target's L1 budget.
// RUN: dory-opt %s -p 'tile' > %t.default && dory-opt %s -p 'tile{l1-bytes=53760}' | diff %t.default -
// RUN: dory-opt %s -p 'tile{target=gap9}' > %t.gap9 && dory-opt %s -p 'tile{target=gap9 l1-bytes=120832}' | diff %t.gap9 -

// GAP8: "dory.conv2d"{{.*}}dory.tile = {buffering = "single", cycles = 2397268 : i64, l1 = {c_in = 64 : i64, c_out = 4 : i64, h_out = 16 : i64, w_out = 32 : i64}, l1_bytes = 50432 : i64, n_tiles = 32 : i64
// GAP9: "dory.conv2d"{{.*}}dory.tile = {cycles = 2366820 : i64, l1 = {c_in = 64 : i64, c_out = 16 : i64, h_out = 8 : i64, w_out = 32 : i64}, l1_bytes = 76800 : i64, n_tiles = 16 : i64

"func.func"() <{function_type = (tensor<1x32x32x64xui8>) -> tensor<1x32x32x64xui8>, sym_name = "conv"}> ({
^bb0(%x: tensor<1x32x32x64xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<64x3x3x64xsi8>}> : () -> tensor<64x3x3x64xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 8 : i64}}> : (tensor<1x32x32x64xui8>, tensor<64x3x3x64xsi8>) -> tensor<1x32x32x64xui8>
  "func.return"(%y) : (tensor<1x32x32x64xui8>) -> ()
}) : () -> ()
