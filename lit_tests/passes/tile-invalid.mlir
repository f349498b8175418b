// tile's errors: a layer no candidate tiling fits (the message gives the smallest L1 it needs)
// and a bad option.

// RUN: dory-opt %s --split-input-file --verify-diagnostics -p 'tile{l1-bytes=150}'
// RUN: not dory-opt %s -p 'tile{l1-bytes=0}' 2>&1 | filecheck %s --check-prefix=ZERO
// RUN: not dory-opt %s -p 'tile{l1-bytes=lots}' 2>&1 | filecheck %s --check-prefix=NOTINT
// RUN: not dory-opt %s -p 'tile{space=all}' 2>&1 | filecheck %s --check-prefix=SPACE

// ZERO: error: option 'l1-bytes' expected a positive number of bytes, found 0
// NOTINT: error: option 'l1-bytes' of pass 'tile' expects an integer, found 'lots'
// SPACE: error: option 'space' expected candidates or legal, found 'all'
// An L1 budget beyond the target's L1 (an app planned with it could not start), on every target.
// RUN: not dory-opt %s -p 'tile{l1-bytes=1099511627776}' 2>&1 | filecheck %s --check-prefix=ABSURD
// ABSURD: error: option 'l1-bytes' expected at most 53760 bytes (gap8's L1 for tile buffers: 64000 B TCDM less 10240 B of stacks, backends/gap8/hw.py), found 1099511627776
// RUN: not dory-opt %s -p 'tile{target=gap9 l1-bytes=120833}' 2>&1 | filecheck %s --check-prefix=ABSURD9
// ABSURD9: error: option 'l1-bytes' expected at most 120832 bytes (gap9's L1 for tile buffers: 131072 B TCDM less 10240 B of stacks, backends/gap9/hw.py), found 120833
// RUN: not dory-opt %s -p 'tile{buffering=triple}' 2>&1 | filecheck %s --check-prefix=BUFFERING
// BUFFERING: error: option 'buffering' expected auto, double or single, found 'triple'

// Budget 150 B. The smallest tile of this 3x3 conv (one output element, four input channels,
// accumulated over the 64 input channels) needs 653 B single buffered (one copy of every buffer,
// the least any buffering needs): the 3x3x4 input window, the output byte, the 36 B weight slice
// and its 8 B of parameters, 2 x 8 cores x 36 B of im2col and the 4 B si32 accumulator.

"func.func"() <{function_type = (tensor<1x8x8x64xui8>) -> tensor<1x8x8x8xui8>, sym_name = "no_fit"}> ({
^bb0(%x: tensor<1x8x8x64xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x64xsi8>}> : () -> tensor<8x3x3x64xsi8>
  // expected-error@+1 {{cannot tile this layer in L1: expected a tiling within 150 bytes, found the smallest needs 653 bytes (c_out=1, h_out=1, w_out=1, c_in=4, single buffered)}}
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>}> : (tensor<1x8x8x64xui8>, tensor<8x3x3x64xsi8>) -> tensor<1x8x8x8xui8>
  "func.return"(%y) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()

// -----

// A small layer next to it is fine (the budget applies per layer).

"func.func"() <{function_type = (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>, sym_name = "fits"}> ({
^bb0(%x: tensor<1x4x4x4xui8>):
  %y = "dory.pool"(%x) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x4x4x4xui8>) -> tensor<1x4x4x4xui8>
  "func.return"(%y) : (tensor<1x4x4x4xui8>) -> ()
}) : () -> ()
