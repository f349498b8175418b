// tile{plan=FILE}'s errors: each is one line located at the plan entry (file:line:col) that
// names the layer (deployed index, op name, op and its location); the IR is left untouched.

// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-unknown.plan}' 2>&1 | filecheck %s --check-prefix=UNKNOWN
// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-unknown-index.plan}' 2>&1 | filecheck %s --check-prefix=INDEX
// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-extent.plan}' 2>&1 | filecheck %s --check-prefix=EXTENT
// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-cin.plan}' 2>&1 | filecheck %s --check-prefix=CIN
// RUN: not dory-opt %s -p 'tile{l1-bytes=6000 plan=%S/Inputs/tile-plan-l1.plan}' 2>&1 | filecheck %s --check-prefix=ONE
// RUN: not dory-opt %s -p 'tile{l1-bytes=6000 plan=%S/Inputs/tile-plan.plan}' 2>&1 | filecheck %s --check-prefix=DOUBLE
// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-double.plan}' 2>&1 | filecheck %s --check-prefix=BIGDOUBLE
// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-malformed.plan}' 2>&1 | filecheck %s --check-prefix=MALFORMED
// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-buffering.plan}' 2>&1 | filecheck %s --check-prefix=BUFFERING
// RUN: not dory-opt %s -p 'tile{l1-bytes=8000 plan=%S/Inputs/tile-plan-twice.plan}' 2>&1 | filecheck %s --check-prefix=TWICE
// RUN: not dory-opt %s -p 'tile{plan=%S/Inputs/no-such.plan}' 2>&1 | filecheck %s --check-prefix=MISSING
// RUN: not dory-opt %s -p 'tile{plan=%S/Inputs/tile-plan.plan plan-columns=dory}' 2>&1 | filecheck %s --check-prefix=COLUMNS
// RUN: not dory-opt %s -p 'tile{plan=%shared/data/plans/mobilenet_v1_1.0_128.csv}' 2>&1 | filecheck %s --check-prefix=CSV

// UNKNOWN: Inputs/tile-plan-unknown.plan:2:1: error: layer 'conv9' of the tile plan names no layer of the network (layers 0-2, or their op names: conv0, dw1)
// UNKNOWN-NOT: dory.tile
// INDEX: Inputs/tile-plan-unknown-index.plan:2:1: error: layer 3 of the tile plan names no layer of the network (layers 0-2, or their op names: conv0, dw1)
// EXTENT: Inputs/tile-plan-extent.plan:1:1: error: layer 1 'dw1' (dory.depthwise at {{.*}}tile-plan-invalid.mlir:[[# @LINE + 17]]:3): tile h_out=32 exceeds the layer's h_out extent 8
// CIN: Inputs/tile-plan-cin.plan:1:1: error: layer 1 'dw1' (dory.depthwise at {{.*}}): expected c_in = c_out (its input channels follow its output channels), found c_out=8, c_in=1
// ONE: Inputs/tile-plan-l1.plan:2:1: error: layer 0 'conv0' (dory.conv2d at {{.*}}tile-plan-invalid.mlir:[[# @LINE + 13]]:3): tile (c_out=8, h_out=16, w_out=16, c_in=16) does not fit L1: needs 9600 bytes (one tile), 6000 available (over by 3600 bytes)
// DOUBLE: Inputs/tile-plan.plan:2:1: error: layer 0 'conv0' (dory.conv2d at {{.*}}): tile (c_out=8, h_out=4, w_out=16, c_in=8) does not fit L1: needs 6912 bytes (double buffered), 6000 available (over by 912 bytes)
// BIGDOUBLE: Inputs/tile-plan-double.plan:1:1: error: layer 0 'conv0' (dory.conv2d at {{.*}}): tile (c_out=8, h_out=8, w_out=16, c_in=16) does not fit L1: needs 10624 bytes (double buffered), 8000 available (over by 2624 bytes)
// MALFORMED: Inputs/tile-plan-malformed.plan:2:7: error: expected a tile C_OUTxH_OUTxW_OUTxC_IN of positive integers, found '8x2x8'
// BUFFERING: Inputs/tile-plan-buffering.plan:1:13: error: expected buffering 'single' or 'double', found 'triple'
// TWICE: Inputs/tile-plan-twice.plan:2:1: error: layer 'dw1' is layer 1 'dw1' (dory.depthwise at {{.*}}), planned already at line 1
// MISSING: Inputs/no-such.plan: error: cannot read the tile plan: No such file or directory
// COLUMNS: Inputs/tile-plan.plan: error: plan-columns 'dory' applies to a .csv plan only
// CSV: mobilenet_v1_1.0_128.csv: error: a .csv plan needs its column prefix (plan-columns: dory or deeploy)

"func.func"() <{function_type = (tensor<1x16x16x16xui8>) -> tensor<1x8x8x8xui8>, sym_name = "planned"}> ({
^bb0(%x: tensor<1x16x16x16xui8>):
  %w = "qnn.constant"() <{value = dense<1> : tensor<8x3x3x16xsi8>}> : () -> tensor<8x3x3x16xsi8>
  %y = "dory.conv2d"(%x, %w) <{pads = array<i64: 1, 1, 1, 1>, requant = {max = 255 : i64, min = 0 : i64, mul = 3 : i64, shift = 6 : i64}}> : (tensor<1x16x16x16xui8>, tensor<8x3x3x16xsi8>) -> tensor<1x16x16x8xui8> loc("conv0")
  %v = "qnn.constant"() <{value = dense<2> : tensor<8x3x3x1xsi8>}> : () -> tensor<8x3x3x1xsi8>
  %z = "dory.depthwise"(%y, %v) <{pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>, requant = {max = 255 : i64, min = 0 : i64, mul = 1 : i64, shift = 4 : i64}}> : (tensor<1x16x16x8xui8>, tensor<8x3x3x1xsi8>) -> tensor<1x8x8x8xui8> loc("dw1")
  %p = "dory.pool"(%z) <{kind = "max", kernel = array<i64: 1, 1>}> : (tensor<1x8x8x8xui8>) -> tensor<1x8x8x8xui8>
  "func.return"(%p) : (tensor<1x8x8x8xui8>) -> ()
}) : () -> ()
