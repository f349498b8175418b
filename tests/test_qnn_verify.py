"""Verifier, accessor, builder and helper tests for the ``qnn`` dialect (dory_ir/dialects/qnn.py).

Each IR case wraps one qnn op in a function whose arguments are the op's operands, parses it with
`parse_module` and checks the messages `verify` returns.
"""

from __future__ import annotations

import numpy as np
import pytest

from dory.dory_ir.attributes import DenseAttr
from dory.dory_ir.core import OpResult
from dory.dory_ir.diagnostics import Location, VerifyError
from dory.dory_ir.dialects import qnn
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.dialects.func import FuncOp, ReturnOp
from dory.dory_ir.opdef import verify
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.dory_ir.types import IntegerType, TensorType, Type, si8, si16, si32, ui8


def one_op(op: str, props: str, operands: list[str], result: str) -> ModuleOp:
    """A module with one function ``f(operands) -> result`` whose body is the single op."""
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(operands))
    uses = ", ".join(f"%a{i}" for i in range(len(operands)))
    ins = ", ".join(operands)
    prop_text = f" <{{{props}}}>" if props else ""
    text = f"""
"builtin.module"() ({{
  "func.func"() <{{function_type = ({ins}) -> {result}, sym_name = "f"}}> ({{
  ^bb0({args}):
    %r = "qnn.{op}"({uses}){prop_text} : ({ins}) -> {result}
    "func.return"(%r) : ({result}) -> ()
  }}) : () -> ()
}}) : () -> ()
"""
    return parse_module(text, "test.mlir")


def messages(op: str, props: str, operands: list[str], result: str) -> list[str]:
    """Verifier messages for ``one_op``."""
    return [d.message for d in verify(one_op(op, props, operands, result))]


def the_op(module: ModuleOp) -> qnn.QnnOp:
    """The qnn op of a ``one_op`` module."""
    func = module.body.ops[0]
    assert isinstance(func, FuncOp)
    op = func.body.ops[0]
    assert isinstance(op, qnn.QnnOp)
    return op


# ---------------------------------------------------------------------------------------------
# Valid ops

VALID = [
    ("constant", "value = dense<[1, 2]> : tensor<2xsi32>", [], "tensor<2xsi32>"),
    ("conv2d", "", ["tensor<1x8x8x4xsi8>", "tensor<16x3x3x4xsi8>"], "tensor<1x6x6x16xsi32>"),
    (
        "conv2d",
        "pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>",
        ["tensor<1x16x16x8xsi8>", "tensor<16x3x3x8xsi8>", "tensor<16xsi32>"],
        "tensor<1x8x8x16xsi32>",
    ),
    (
        "conv2d",
        "dilations = array<i64: 2, 2>, groups = 2 : i64",
        ["tensor<1x9x9x8xsi8>", "tensor<6x3x3x4xsi8>"],
        "tensor<1x5x5x6xi16>",
    ),
    # depthwise with channel multiplier 2
    ("conv2d", "groups = 8", ["tensor<1x4x4x8xsi8>", "tensor<16x3x3x1xsi8>"], "tensor<1x2x2x16xsi32>"),
    ("linear", "", ["tensor<2x16xsi8>", "tensor<10x16xsi8>", "tensor<10xsi32>"], "tensor<2x10xsi32>"),
    ("requant", "max = 127, min = -128, mul = 3, shift = 4", ["tensor<1x4x4x8xsi32>"], "tensor<1x4x4x8xsi8>"),
    (
        "requant",
        'add = dense<[1, 2]> : tensor<2xsi32>, div = 3, max = 255, min = 0, mul = dense<[5, 6]> : tensor<2xsi32>, rounding = "trunc"',
        ["tensor<3x2xsi32>"],
        "tensor<3x2xui8>",
    ),
    ("add", "", ["tensor<1x4x4x8xsi8>", "tensor<8xsi8>"], "tensor<1x4x4x8xsi32>"),
    ("add", "", ["tensor<4x1xsi8>", "tensor<1x3xsi8>"], "tensor<4x3xsi16>"),
    ("clip", "max = 6, min = 0", ["tensor<2x3xsi8>"], "tensor<2x3xsi8>"),
    ("maxpool", "kernel = array<i64: 2, 2>", ["tensor<1x8x8x4xsi8>"], "tensor<1x4x4x4xsi8>"),
    (
        "maxpool",
        "ceil_mode = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>",
        ["tensor<1x8x8x4xsi8>"],
        "tensor<1x5x5x4xsi8>",
    ),
    (
        "avgpool",
        'count_include_pad = true, kernel = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, rounding = "trunc", strides = array<i64: 1, 1>',
        ["tensor<1x8x8x4xsi8>"],
        "tensor<1x8x8x4xsi16>",
    ),
    ("global_avgpool", "", ["tensor<1x4x4x8xsi8>"], "tensor<1x1x1x8xsi8>"),
    ("global_avgpool", 'div = 2, rounding = "trunc"', ["tensor<1x2x2x8xsi8>"], "tensor<1x1x1x8xsi16>"),
    ("pad", "pads = array<i64: 0, 1, 1, 0, 0, 2, 2, 0>, value = -3", ["tensor<1x4x4x8xsi8>"], "tensor<1x7x7x8xsi8>"),
    ("reshape", "", ["tensor<1x4x4x8xsi8>"], "tensor<16x8xsi8>"),
    ("flatten", "", ["tensor<2x4x4x8xsi8>"], "tensor<2x128xsi8>"),
    ("flatten", "axis = 0", ["tensor<2x4xsi8>"], "tensor<1x8xsi8>"),
    ("transpose", "perm = array<i64: 0, 3, 1, 2>", ["tensor<1x4x5x8xsi8>"], "tensor<1x8x4x5xsi8>"),
    ("concat", "axis = -1", ["tensor<1x4x4x8xsi8>", "tensor<1x4x4x3xsi8>"], "tensor<1x4x4x11xsi8>"),
    ("concat", "axis = 0", ["tensor<2xsi8>"], "tensor<2xsi8>"),
]


@pytest.mark.parametrize("op,props,operands,result", VALID)
def test_valid(op: str, props: str, operands: list[str], result: str) -> None:
    assert messages(op, props, operands, result) == []


# ---------------------------------------------------------------------------------------------
# Invalid ops: (op, props, operands, result, expected message after "'qnn.<op>' op ")

X4 = "tensor<1x8x8x4xsi8>"
INVALID = [
    # constant
    ("constant", "value = dense<[1, 2]> : tensor<2xsi8>", [], "tensor<2xsi32>",
     "result type expected tensor<2xsi8> (the type of 'value'), found tensor<2xsi32>"),
    # conv2d
    ("conv2d", "pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>",
     ["tensor<1x16x16x8xsi8>", "tensor<16x3x3x8xsi8>"], "tensor<1x7x7x16xsi32>",
     "result shape expected 1x8x8x16 (from input 1x16x16x8, kernel 3x3, strides 2x2, pads [1,1,1,1], "
     "dilations 1x1), found 1x7x7x16"),
    ("conv2d", "strides = array<i64: 1, 1, 1>", [X4, "tensor<4x3x3x4xsi8>"], "tensor<1x6x6x4xsi32>",
     "property 'strides' expected 2 entries, found 3"),
    ("conv2d", "strides = array<i64: 0, 1>", [X4, "tensor<4x3x3x4xsi8>"], "tensor<1x6x6x4xsi32>",
     "property 'strides' expected entries >= 1, found array<i64: 0, 1>"),
    ("conv2d", "dilations = array<i32: 1, 1>", [X4, "tensor<4x3x3x4xsi8>"], "tensor<1x6x6x4xsi32>",
     "property 'dilations' expected array<i64>, found array<i32: 1, 1>"),
    ("conv2d", "pads = array<i64: 0, 0, -1, 0>", [X4, "tensor<4x3x3x4xsi8>"], "tensor<1x6x6x4xsi32>",
     "property 'pads' expected entries >= 0, found array<i64: 0, 0, -1, 0>"),
    ("conv2d", "groups = 0", [X4, "tensor<4x3x3x4xsi8>"], "tensor<1x6x6x4xsi32>",
     "property 'groups' expected >= 1, found 0"),
    ("conv2d", "groups = 1 : index", [X4, "tensor<4x3x3x4xsi8>"], "tensor<1x6x6x4xsi32>",
     "property 'groups' expected an integer attribute, found 1 : index"),
    ("conv2d", "groups = 3", [X4, "tensor<6x3x3x1xsi8>"], "tensor<1x6x6x6xsi32>",
     "input channels expected a multiple of groups 3, found 4"),
    ("conv2d", "groups = 2", [X4, "tensor<6x3x3x4xsi8>"], "tensor<1x6x6x6xsi32>",
     "weight dimension 3 expected 2 (input channels 4 / groups 2), found 4"),
    ("conv2d", "groups = 4", [X4, "tensor<6x3x3x1xsi8>"], "tensor<1x6x6x6xsi32>",
     "output channels expected a multiple of groups 4, found 6"),
    ("conv2d", "", [X4, "tensor<6x3x3x4xsi8>", "tensor<4xsi32>"], "tensor<1x6x6x6xsi32>",
     "bias shape expected 6 (output channels), found 4"),
    ("conv2d", "", ["tensor<1x2x2x4xsi8>", "tensor<6x3x3x4xsi8>"], "tensor<1x1x1x6xsi32>",
     "output height and width expected >= 1, found 0x0 (from input 1x2x2x4, kernel 3x3, strides 1x1, "
     "pads [0,0,0,0], dilations 1x1)"),
    ("conv2d", "", ["tensor<8x8x4xsi8>", "tensor<6x3x3x4xsi8>"], "tensor<1x6x6x6xsi32>",
     "operand 'input' expected a rank-4 integer tensor, found tensor<8x8x4xsi8>"),
    ("conv2d", "padding = array<i64: 1, 1, 1, 1>", [X4, "tensor<4x3x3x4xsi8>"], "tensor<1x6x6x4xsi32>",
     "unknown property 'padding' (expected one of: dilations, groups, pads, strides)"),
    # linear
    ("linear", "", ["tensor<2x16xsi8>", "tensor<10x8xsi8>"], "tensor<2x10xsi32>",
     "weight dimension 1 expected 16 (input features), found 8"),
    ("linear", "", ["tensor<2x16xsi8>", "tensor<10x16xsi8>", "tensor<8xsi32>"], "tensor<2x10xsi32>",
     "bias shape expected 10 (output features), found 8"),
    ("linear", "", ["tensor<2x16xsi8>", "tensor<10x16xsi8>"], "tensor<2x16xsi32>",
     "result shape expected 2x10 (from input 2x16, weight 10x16), found 2x16"),
    # requant
    ("requant", "max = 127, min = -128, mul = 3, shift = 4", ["tensor<2x8xsi32>"], "tensor<2x4xsi8>",
     "result shape expected 2x8 (same as input), found 2x4"),
    ("requant", "max = 127, min = -128, mul = 3, div = 4, shift = 4", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "expected exactly one of properties 'shift' and 'div', found both"),
    ("requant", "max = 127, min = -128, mul = 3", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "expected exactly one of properties 'shift' and 'div', found neither"),
    ("requant", "max = 127, min = -128, mul = 3, shift = -1", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "property 'shift' expected >= 0, found -1"),
    ("requant", "div = 0, max = 127, min = -128, mul = 3", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "property 'div' expected >= 1, found 0"),
    ("requant", "max = 127, min = -129, mul = 3, shift = 1", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "property 'min' expected a value in [-128, 127] (the range of si8), found -129"),
    ("requant", "max = 256, min = 0, mul = 3, shift = 1", ["tensor<2x8xsi32>"], "tensor<2x8xui8>",
     "property 'max' expected a value in [0, 255] (the range of ui8), found 256"),
    ("requant", "max = 1, min = 2, mul = 3, shift = 1", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "property 'min' expected <= max (1), found 2"),
    ("requant", 'max = 1, min = 0, mul = 3, rounding = "nearest", shift = 1', ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     'property \'rounding\' expected "floor", "trunc" or "half_away", found "nearest"'),
    ("requant", "max = 1, min = 0, mul = dense<1> : tensor<4xsi32>, shift = 1", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "property 'mul' expected 8 per-channel values (the last dimension of the input), found 4"),
    ("requant", "add = dense<1> : tensor<2x4xsi32>, max = 1, min = 0, mul = 1, shift = 1", ["tensor<2x8xsi32>"],
     "tensor<2x8xsi8>", "property 'add' expected an integer or a rank-1 dense, found tensor<2x4xsi32>"),
    ("requant", "max = 1, min = 0, mul = dense<1> : tensor<1xsi32>, shift = 1", ["tensor<si32>"], "tensor<si8>",
     "property 'mul' expected an integer for a rank-0 input, found tensor<1xsi32>"),
    ("requant", 'max = 1, min = 0, mul = "x", shift = 1', ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "property 'mul' expected an integer or a dense constant, found \"x\""),
    ("requant", "max = 1, mul = 1, shift = 1", ["tensor<2x8xsi32>"], "tensor<2x8xsi8>",
     "requires property 'min'"),
    # add
    ("add", "", ["tensor<2x3xsi8>", "tensor<4x3xsi8>"], "tensor<4x3xsi32>",
     "operand shapes expected broadcast-compatible, found 2x3 and 4x3"),
    ("add", "", ["tensor<2x3xsi8>", "tensor<1x3xsi8>"], "tensor<2x4xsi32>",
     "result shape expected 2x3 (broadcast of 2x3 and 1x3), found 2x4"),
    # clip
    ("clip", "max = 6, min = 0", ["tensor<2x3xsi8>"], "tensor<3x2xsi8>",
     "result shape expected 2x3 (same as input), found 3x2"),
    ("clip", "max = 6, min = 7", ["tensor<2x3xsi8>"], "tensor<2x3xsi8>", "property 'min' expected <= max (6), found 7"),
    ("clip", "max = 200, min = 0", ["tensor<2x3xsi16>"], "tensor<2x3xsi8>",
     "property 'max' expected a value in [-128, 127] (the range of si8), found 200"),
    # maxpool
    ("maxpool", "kernel = array<i64: 2, 2>", [X4], "tensor<1x4x4x4xsi16>",
     "result element type expected si8 (same as input), found si16"),
    ("maxpool", "kernel = array<i64: 2, 2>", [X4], "tensor<1x3x3x4xsi8>",
     "result shape expected 1x4x4x4 (from input 1x8x8x4, kernel 2x2, strides 2x2, pads [0,0,0,0]), found 1x3x3x4"),
    ("maxpool", "ceil_mode = true, kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>", [X4], "tensor<1x3x3x4xsi8>",
     "result shape expected 1x4x4x4 (from input 1x8x8x4, kernel 3x3, strides 2x2, pads [0,0,0,0], ceil_mode), "
     "found 1x3x3x4"),
    ("maxpool", "kernel = array<i64: 2, 2>, pads = array<i64: 2, 0, 0, 0>", [X4], "tensor<1x5x4x4xsi8>",
     "property 'pads' expected entries smaller than the kernel 2x2, found [2,0,0,0]"),
    ("maxpool", "kernel = array<i64: 9, 9>", [X4], "tensor<1x1x1x4xsi8>",
     "output height and width expected >= 1, found 0x0 (from input 1x8x8x4, kernel 9x9, strides 9x9, pads [0,0,0,0])"),
    ("maxpool", "strides = array<i64: 2, 2>", [X4], "tensor<1x4x4x4xsi8>", "requires property 'kernel'"),
    ("maxpool", "kernel = array<i64: 2, 2>, ceil_mode = 1", [X4], "tensor<1x4x4x4xsi8>",
     "property 'ceil_mode' expected a boolean, found 1 : i64"),
    # avgpool
    ("avgpool", "kernel = array<i64: 2, 2>", [X4], "tensor<1x4x4x4xsi4>",
     "result element type expected a type holding [-128, 127] (every possible average of si8), found si4"),
    ("avgpool", "kernel = array<i64: 2, 2>, ceil_mode = true", [X4], "tensor<1x4x4x4xsi8>",
     "unknown property 'ceil_mode' (expected one of: count_include_pad, div, kernel, pads, rounding, strides)"),
    # global_avgpool
    ("global_avgpool", "", ["tensor<1x4x4x8xsi8>"], "tensor<1x4x4x8xsi8>",
     "result shape expected 1x1x1x8 (from input 1x4x4x8), found 1x4x4x8"),
    ("global_avgpool", "div = 2", ["tensor<1x2x2x8xsi8>"], "tensor<1x1x1x8xui8>",
     "result element type expected a type holding [-256, 254] (every window sum of 4 si8 values divided by 2), found ui8"),
    ("global_avgpool", "div = 0", ["tensor<1x2x2x8xsi8>"], "tensor<1x1x1x8xsi8>", "property 'div' expected >= 1, found 0"),
    # pad
    ("pad", "pads = array<i64: 1, 1, 1, 1>", [X4], "tensor<1x10x10x4xsi8>",
     "property 'pads' expected 8 entries (2 x rank 4), found 4"),
    ("pad", "pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>", [X4], "tensor<1x10x9x4xsi8>",
     "result shape expected 1x10x10x4 (input 1x8x8x4 padded by [0,1,1,0,0,1,1,0]), found 1x10x9x4"),
    ("pad", "pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>, value = 128", [X4], X4,
     "property 'value' expected a value in [-128, 127] (the range of si8), found 128"),
    ("pad", "pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 0>", [X4], "tensor<1x8x8x4xui8>",
     "result element type expected si8 (same as input), found ui8"),
    # reshape
    ("reshape", "", [X4], "tensor<16x15xsi8>",
     "result element count expected 256 (from input 1x8x8x4), found 240 (result 16x15)"),
    ("reshape", "", [X4], "tensor<16x16xsi16>", "result element type expected si8 (same as input), found si16"),
    # flatten
    ("flatten", "axis = 5", [X4], "tensor<256x1xsi8>", "property 'axis' expected a value in [0, 4], found 5"),
    ("flatten", "axis = 2", [X4], "tensor<1x256xsi8>",
     "result shape expected 8x32 (input 1x8x8x4 flattened at axis 2), found 1x256"),
    ("flatten", "", [X4], "tensor<1x4x4x16xsi8>", "result 'result' expected a rank-2 integer tensor, found tensor<1x4x4x16xsi8>"),
    # transpose
    ("transpose", "perm = array<i64: 0, 1, 1, 2>", [X4], X4, "property 'perm' expected a permutation of 0..3, found [0,1,1,2]"),
    ("transpose", "perm = array<i64: 0, 1, 2>", [X4], X4, "property 'perm' expected a permutation of 0..3, found [0,1,2]"),
    ("transpose", "perm = array<i64: 0, 3, 1, 2>", [X4], X4,
     "result shape expected 1x4x8x8 (input 1x8x8x4 permuted by [0,3,1,2]), found 1x8x8x4"),
    # concat
    ("concat", "axis = 0", [], "tensor<2xsi8>", "expected at least 1 operand, found 0"),
    ("concat", "axis = 4", [X4, X4], X4, "property 'axis' expected a value in [-4, 3], found 4"),
    ("concat", "axis = 3", [X4, "tensor<8x8x4xsi8>"], X4, "operand 1 rank expected 4 (as operand 0), found 3"),
    ("concat", "axis = 3", [X4, "tensor<1x8x8x4xsi16>"], X4,
     "operand 1 element type expected si8 (as operand 0), found si16"),
    ("concat", "axis = -1", [X4, "tensor<1x8x7x4xsi8>"], X4,
     "operand 1 shape expected 1x8x8x? (as operand 0 off axis -1), found 1x8x7x4"),
    ("concat", "axis = 3", [X4, X4], X4, "result shape expected 1x8x8x8 (1x8x8x4, 1x8x8x4 joined on axis 3), found 1x8x8x4"),
    ("concat", "axis = 3", [X4, X4], "tensor<1x8x8x8xsi16>",
     "result element type expected si8 (same as the operands), found si16"),
]


@pytest.mark.parametrize("op,props,operands,result,message", INVALID)
def test_invalid(op: str, props: str, operands: list[str], result: str, message: str) -> None:
    assert messages(op, props, operands, result) == [f"'qnn.{op}' op {message}"]


def test_diagnostic_is_located_at_the_op() -> None:
    module = one_op("clip", "max = 6, min = 7", ["tensor<2x3xsi8>"], "tensor<2x3xsi8>")
    (diag,) = verify(module)
    assert (diag.loc.file, diag.loc.line) == ("test.mlir", 5)


# ---------------------------------------------------------------------------------------------
# Accessors


def test_conv_accessors() -> None:
    op = the_op(one_op(*VALID[2][:4]))
    assert isinstance(op, qnn.Conv2dOp)
    assert (op.strides, op.dilations, op.pads, op.groups, op.kernel) == ((2, 2), (1, 1), (1, 1, 1, 1), 1, (3, 3))
    assert op.bias is op.operands[2]
    default = the_op(one_op(*VALID[1][:4]))
    assert isinstance(default, qnn.Conv2dOp)
    assert (default.strides, default.pads, default.groups, default.bias) == ((1, 1), (0, 0, 0, 0), 1, None)


def test_requant_accessors() -> None:
    per_tensor = the_op(one_op(*VALID[6][:4]))
    assert isinstance(per_tensor, qnn.RequantOp)
    assert (per_tensor.mul, per_tensor.add, per_tensor.shift, per_tensor.div) == (3, 0, 4, None)
    assert (per_tensor.divisor, per_tensor.min, per_tensor.max, per_tensor.rounding) == (16, -128, 127, "floor")
    per_channel = the_op(one_op(*VALID[7][:4]))
    assert isinstance(per_channel, qnn.RequantOp)
    assert isinstance(per_channel.mul, np.ndarray) and per_channel.mul.tolist() == [5, 6]
    assert isinstance(per_channel.add, np.ndarray) and per_channel.add.tolist() == [1, 2]
    assert (per_channel.divisor, per_channel.rounding) == (3, "trunc")


def test_pool_and_shape_op_accessors() -> None:
    mp = the_op(one_op(*VALID[12][:4]))
    assert isinstance(mp, qnn.MaxPoolOp)
    assert (mp.kernel, mp.strides, mp.pads, mp.ceil_mode) == ((3, 3), (2, 2), (1, 1, 1, 1), True)
    plain = the_op(one_op(*VALID[11][:4]))
    assert isinstance(plain, qnn.MaxPoolOp)
    assert (plain.strides, plain.ceil_mode) == ((2, 2), False)  # strides default to the kernel
    ap = the_op(one_op(*VALID[13][:4]))
    assert isinstance(ap, qnn.AvgPoolOp)
    assert (ap.count_include_pad, ap.rounding) == (True, "trunc")
    gap = the_op(one_op(*VALID[14][:4]))
    assert isinstance(gap, qnn.GlobalAvgPoolOp)
    assert (gap.div, gap.divisor, gap.rounding) == (None, 16, "floor")
    pad = the_op(one_op(*VALID[16][:4]))
    assert isinstance(pad, qnn.PadOp)
    assert (pad.pads, pad.value) == ((0, 1, 1, 0, 0, 2, 2, 0), -3)
    cat = the_op(one_op(*VALID[21][:4]))
    assert isinstance(cat, qnn.ConcatOp)
    assert (cat.axis, len(cat.inputs)) == (3, 2)
    fl = the_op(one_op(*VALID[18][:4]))
    assert isinstance(fl, qnn.FlattenOp) and fl.axis == 1


# ---------------------------------------------------------------------------------------------
# Builders


def tensor(shape: tuple[int, ...], et: Type = si8) -> TensorType:
    return TensorType(shape, et)


def test_builders_make_a_verified_network() -> None:
    f = FuncOp.build(
        "net",
        [tensor((1, 16, 16, 8)), tensor((16, 3, 3, 8)), tensor((16,), si32)],
        [tensor((1, 10))],
        ["x", "w", "b"],
    )
    module = ModuleOp.build([f])
    x, w, b = f.args

    def add(op: qnn.QnnOp) -> OpResult:
        f.body.add_op(op)
        return op.result

    conv = add(qnn.Conv2dOp.build(x, w, b, strides=(2, 2), pads=(1, 1, 1, 1), name="conv"))
    assert conv.type == tensor((1, 8, 8, 16), si32) and conv.name_hint == "conv"
    rq = add(qnn.RequantOp.build(conv, mul=list(range(16)), shift=3, min_value=-128, max_value=127, result_element=si8))
    assert rq.type == tensor((1, 8, 8, 16))
    mp = add(qnn.MaxPoolOp.build(rq, (3, 3), strides=(2, 2), ceil_mode=True))
    assert mp.type == tensor((1, 4, 4, 16))
    ap = add(qnn.AvgPoolOp.build(mp, (2, 2), strides=(1, 1), pads=(1, 1, 0, 0), rounding="trunc"))
    assert ap.type == tensor((1, 4, 4, 16))
    pd = add(qnn.PadOp.build(ap, (0, 0, 0, 0, 0, 1, 1, 0), value=-1))
    cl = add(qnn.ClipOp.build(pd, min_value=0, max_value=127))
    tr = add(qnn.TransposeOp.build(cl, (0, 3, 1, 2)))
    assert tr.type == tensor((1, 16, 5, 5))
    rs = add(qnn.ReshapeOp.build(tr, (1, 16, 25)))
    tr2 = add(qnn.TransposeOp.build(rs, (0, 2, 1)))
    rs2 = add(qnn.ReshapeOp.build(tr2, (1, 5, 5, 16)))
    cat = add(qnn.ConcatOp.build([rs2, rs2], -1))
    assert cat.type == tensor((1, 5, 5, 32))
    gap = add(qnn.GlobalAvgPoolOp.build(cat))
    fl = add(qnn.FlattenOp.build(gap))
    assert fl.type == tensor((1, 32))
    wl = add(qnn.ConstantOp.build(DenseAttr.from_array(np.ones((10, 32), dtype=np.int64), si8)))
    bl = add(qnn.ConstantOp.build(DenseAttr.from_array(np.arange(10), si32)))
    lin = add(qnn.LinearOp.build(fl, wl, bl))
    assert lin.type == tensor((1, 10), si32)
    sm = add(qnn.AddOp.build(lin, bl, result_element=si16))
    assert sm.type == tensor((1, 10), si16)
    out = add(qnn.RequantOp.build(sm, mul=1, add=3, div=3, min_value=-128, max_value=127, result_element=si8,
                                  rounding="trunc"))
    f.body.add_op(ReturnOp.build([out]))
    assert verify(module) == []
    # The built IR round-trips through text.
    text = print_op(module)
    assert print_op(parse_module(text, "built.mlir")) == text
    # Defaults are not spelled out.
    assert "dilations" not in text and "groups" not in text and "ceil_mode = true" in text


def test_builder_raises_located_error() -> None:
    f = FuncOp.build("g", [tensor((1, 8, 8, 4)), tensor((6, 3, 3, 4))], [])
    x, w = f.args
    loc = Location("model.onnx", 0, 0, "conv1")
    with pytest.raises(VerifyError) as err:
        qnn.Conv2dOp.build(x, w, groups=2, loc=loc)
    assert err.value.diagnostics[0].loc == loc
    assert err.value.diagnostics[0].message == (
        "'qnn.conv2d' op weight dimension 3 expected 2 (input channels 4 / groups 2), found 4"
    )
    assert not x.uses and not w.uses  # a failed build leaves no dangling uses
    with pytest.raises(VerifyError, match="expected 2 entries, found 1"):
        qnn.Conv2dOp.build(x, w, strides=(1,))
    with pytest.raises(VerifyError, match="found neither"):
        qnn.RequantOp.build(x, mul=1, min_value=0, max_value=1, result_element=ui8)
    with pytest.raises(VerifyError, match="at least 1 operand"):
        qnn.ConcatOp.build([], 0)


# ---------------------------------------------------------------------------------------------
# Helpers


def test_conv_output_hw() -> None:
    assert qnn.conv_output_hw((16, 16), (3, 3), (2, 2), (1, 1, 1, 1), (1, 1)) == (8, 8)
    assert qnn.conv_output_hw((9, 10), (3, 3), (1, 1), (0, 0, 0, 0), (2, 3)) == (5, 4)
    assert qnn.conv_output_hw((5, 5), (1, 1), (2, 2), (0, 0, 1, 0)) == (3, 3)


def test_pool_output_size_ceil_mode() -> None:
    assert qnn.pool_output_size(8, 3, 2, 0, 0) == 3
    assert qnn.pool_output_size(8, 3, 2, 0, 0, ceil_mode=True) == 4
    # A ceil-mode window that would start in the end padding is dropped (ONNX/PyTorch rule):
    # span 6 + 1 + 1 - 2 = 6, ceil(6 / 3) + 1 = 3 windows starting at 0, 3, 6; 6 >= 6 + 1 is false.
    assert qnn.pool_output_size(6, 2, 3, 1, 1, ceil_mode=True) == 3
    # size 5, kernel 2, stride 2, pads 1/1: ceil(5/2)+1 = 4 windows at 0, 2, 4, 6; 6 >= 5 + 1 drops one.
    assert qnn.pool_output_size(5, 2, 2, 1, 1, ceil_mode=True) == 3
    assert qnn.pool_output_size(2, 3, 1, 0, 0, ceil_mode=True) == 0


def test_broadcast_and_shapes() -> None:
    assert qnn.broadcast_shapes((1, 4, 4, 8), (8,)) == (1, 4, 4, 8)
    assert qnn.broadcast_shapes((4, 1), (1, 3)) == (4, 3)
    assert qnn.broadcast_shapes((), (2,)) == (2,)
    assert qnn.broadcast_shapes((2, 3), (4, 3)) is None
    assert qnn.pad_shape((1, 4), (0, 1, 2, 3)) == (3, 8)
    assert qnn.flatten_shape((2, 3, 4), 0) == (1, 24)
    assert qnn.flatten_shape((2, 3, 4), 3) == (24, 1)
    assert qnn.normalize_axis(-1, 4) == 3


def test_round_div() -> None:
    assert [qnn.round_div(n, 4) for n in (7, -7, 8, -8)] == [1, -2, 2, -2]
    assert [qnn.round_div(n, 4, "trunc") for n in (7, -7, 8, -8)] == [1, -1, 2, -2]
    arr = np.array([7, -7, 8, -8, 0, -1], dtype=np.int64)
    assert qnn.round_div(arr, 4).tolist() == [1, -2, 2, -2, 0, -1]
    trunc = qnn.round_div(arr, 4, "trunc")
    assert isinstance(trunc, np.ndarray) and trunc.dtype == np.int64
    assert trunc.tolist() == [1, -1, 2, -2, 0, 0]


def test_property_readers() -> None:
    op = the_op(one_op(*VALID[7][:4]))
    assert qnn.get_int(op, "div") == 3
    assert qnn.get_int(op, "shift", 0) == 0
    assert qnn.get_str(op, "rounding", "floor") == "trunc"
    assert qnn.get_array(op, "strides", (1, 1)) == (1, 1)
    assert qnn.get_bool(op, "ceil_mode", False) is False
    assert qnn.type_holds(IntegerType(16, "signed"), -128, 127)
    assert not qnn.type_holds(ui8, -1, 3)
    assert qnn.int_or_array_attr(np.array([1, 2])).type == TensorType((2,), si32)  # type: ignore[attr-defined]
    assert qnn.int_or_array_attr([1 << 40]).type == TensorType((1,), IntegerType(64, "signed"))  # type: ignore[attr-defined]


def test_all_ops_registered_and_pure() -> None:
    from dory.dory_ir.core import lookup_op
    from dory.dory_ir.opdef import Pure

    names = ["constant", "conv2d", "linear", "requant", "add", "clip", "maxpool", "avgpool", "global_avgpool",
             "pad", "reshape", "flatten", "transpose", "concat", "softmax"]
    assert sorted(op.name for op in qnn.Qnn.ops) == sorted(f"qnn.{n}" for n in names)
    for n in names:
        cls = lookup_op(f"qnn.{n}")
        assert cls is not None and any(isinstance(t, Pure) for t in cls.traits)
