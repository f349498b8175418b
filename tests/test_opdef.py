"""Typed ops: accessors and defaults generated from the declarations (dory_ir/opdef.py), the one
qnn builder, and class dispatch of rewrite patterns (passes/rewrite.py)."""

from __future__ import annotations

import numpy as np
import pytest

from dory.dory_ir.attributes import DenseAttr, IntegerAttr, StringAttr, i64_array
from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import VerifyError
from dory.dory_ir.dialects import dory, qnn
from dory.dory_ir.dialects.func import FuncOp
from dory.dory_ir.opdef import PropDef
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.dory_ir.types import IntegerType, TensorType, si8, si32
from dory.passes.rewrite import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

ui8 = IntegerType(8, "unsigned")


def _args(*types: TensorType) -> list:
    return FuncOp.build("f", list(types), []).args


def test_accessors_apply_declared_defaults() -> None:
    x, w, b = _args(TensorType((1, 8, 8, 4), ui8), TensorType((6, 3, 3, 4), si8), TensorType((6,), si32))
    conv = qnn.Conv2dOp.build(x, w)
    assert conv.properties == {}  # every default omitted
    assert (conv.strides, conv.dilations, conv.pads, conv.groups) == ((1, 1), (1, 1), (0, 0, 0, 0), 1)
    assert conv.input is x and conv.weight is w and conv.bias is None
    biased = qnn.Conv2dOp.build(x, w, b, strides=(2, 2), pads=(1, 1, 1, 1))
    assert biased.bias is b and biased.strides == (2, 2) and biased.pads == (1, 1, 1, 1)
    assert list(biased.properties) == ["strides", "pads"]


def test_pool_strides_default_to_the_kernel() -> None:
    (x,) = _args(TensorType((1, 8, 8, 4), ui8))
    pool = qnn.MaxPoolOp.build(x, (2, 2))
    assert pool.strides == (2, 2) and "strides" not in pool.properties
    # a stride equal to the kernel is the default, so the builder omits it
    assert "strides" not in qnn.MaxPoolOp.build(x, (2, 2), strides=(2, 2)).properties
    assert qnn.MaxPoolOp.build(x, (2, 2), strides=(1, 1)).strides == (1, 1)
    # the dory pool reuses the qnn declaration, so its default is the same one
    d = dory.PoolOp(
        operands=[x],
        result_types=[TensorType((1, 4, 4, 4), ui8)],
        properties={"kind": StringAttr("max"), "kernel": i64_array([2, 2])},
    )
    assert d.strides == (2, 2) and d.pads == (0, 0, 0, 0) and d.rounding == "floor"


def test_int_or_vector_properties_read_as_python_values() -> None:
    (x,) = _args(TensorType((1, 2, 2, 3), si32))
    rq = qnn.RequantOp.build(x, mul=[1, 2, 3], shift=2, min_value=0, max_value=255, result_element=ui8)
    assert isinstance(rq.mul, np.ndarray) and list(rq.mul) == [1, 2, 3]
    assert rq.add == 0 and rq.shift == 2 and rq.div is None and rq.divisor == 4
    assert (rq.min, rq.max, rq.rounding) == (0, 255, "floor")
    assert list(rq.properties) == ["mul", "shift", "min", "max"]


def test_variadic_and_dense_accessors() -> None:
    a, b = _args(TensorType((1, 2), si8), TensorType((1, 3), si8))
    cat = qnn.ConcatOp.build([a, b], -1)
    assert cat.inputs == [a, b] and cat.axis == 1  # the hand-written accessor (normalised) wins
    c = qnn.ConstantOp.build(DenseAttr.from_array(np.arange(3), si8))
    assert isinstance(c.value, DenseAttr) and list(c.data) == [0, 1, 2]


def test_builder_rejects_unknown_properties_and_bad_values() -> None:
    x, w = _args(TensorType((1, 8, 8, 4), ui8), TensorType((6, 3, 3, 4), si8))
    with pytest.raises(TypeError, match="unexpected keyword argument 'stride'"):
        qnn.Conv2dOp.build(x, w, stride=(2, 2))
    with pytest.raises(VerifyError, match="'qnn.conv2d' op property 'groups' expected >= 1, found 0"):
        qnn.Conv2dOp.build(x, w, groups=0)
    assert not x.uses and not w.uses


def test_built_ops_print_like_parsed_ones() -> None:
    text = """"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x4x4x2xui8>) -> tensor<1x2x2x2xui8>, sym_name = "main"}> ({
  ^bb0(%x: tensor<1x4x4x2xui8>):
    %p = "qnn.avgpool"(%x) <{kernel = array<i64: 2, 2>, rounding = "trunc"}> : (tensor<1x4x4x2xui8>) -> tensor<1x2x2x2xui8>
    "func.return"(%p) : (tensor<1x2x2x2xui8>) -> ()
  }) : () -> ()
}) : () -> ()
"""
    module = parse_module(text)
    parsed = module.regions[0].blocks[0].ops[0].regions[0].blocks[0].ops[0]
    x = parsed.operands[0]
    built = qnn.AvgPoolOp.build(x, (2, 2), strides=(2, 2), rounding="trunc", count_include_pad=False, name="p")
    assert built.properties == parsed.properties
    assert built.results[0].type == parsed.results[0].type
    built.drop_operand_uses()
    assert print_op(module) == text


def test_hand_written_accessor_wins_over_a_declaration() -> None:
    class Probe(Operation):
        name = "test.probe"
        property_defs = (PropDef("k", (IntegerAttr,), required=False, default=7),)

    class Custom(Probe):
        @property
        def k(self) -> int:
            return -1

    class Again(Custom):
        property_defs = (PropDef("k", (IntegerAttr,), required=False, default=9),)

    assert Probe().k == 7
    assert Custom().k == -1 and Again().k == -1


def test_declarations_may_not_shadow_operation_attributes() -> None:
    with pytest.raises(TypeError, match="shadows an Operation attribute"):

        class Bad(Operation):
            name = "test.bad"
            property_defs = (PropDef("loc", (IntegerAttr,)),)


class _CountClips(RewritePattern):
    def __init__(self) -> None:
        self.seen: list[str] = []

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.ClipOp | qnn.PadOp, rewriter: PatternRewriter) -> None:
        self.seen.append(op.op_name)


def test_type_rewrite_pattern_dispatches_on_the_annotated_classes() -> None:
    module = parse_module(
        """"builtin.module"() ({
  "func.func"() <{function_type = (tensor<4xsi8>) -> tensor<6xsi8>, sym_name = "main"}> ({
  ^bb0(%x: tensor<4xsi8>):
    %c = "qnn.clip"(%x) <{min = -3 : i64, max = 3 : i64}> : (tensor<4xsi8>) -> tensor<4xsi8>
    %r = "qnn.reshape"(%c) : (tensor<4xsi8>) -> tensor<4xsi8>
    %p = "qnn.pad"(%r) <{pads = array<i64: 1, 1>}> : (tensor<4xsi8>) -> tensor<6xsi8>
    "func.return"(%p) : (tensor<6xsi8>) -> ()
  }) : () -> ()
}) : () -> ()
"""
    )
    pattern = _CountClips()
    PatternRewriteWalker(pattern).rewrite_module(module)
    assert pattern.seen == ["qnn.clip", "qnn.pad"]


def test_type_rewrite_pattern_needs_op_classes() -> None:
    with pytest.raises(TypeError, match="must be annotated with op classes"):

        class Bad(RewritePattern):
            @op_type_rewrite_pattern
            def match_and_rewrite(self, op: int, rewriter: PatternRewriter) -> None:
                pass
