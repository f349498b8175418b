"""Property tests: random IR modules survive print -> parse -> print unchanged.

Hypothesis builds modules from every type and attribute the IR has (dense constants of random
shapes, element types and values; nested arrays, dicts, function types) and random SSA graphs of
``test.op``/``test.pure`` with regions, block arguments and awkward name hints. For each one:

* the printed text parses, and printing the parsed module gives the same bytes (fixed point);
* the parsed module is structurally equal to the original (nothing was lost on the way, which a
  printer and parser that agree on a lossy spelling would otherwise hide).
"""

from __future__ import annotations

import re
import string

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dory.dory_ir.attributes import (
    ArrayAttr,
    Attribute,
    BoolAttr,
    DenseArrayAttr,
    DenseAttr,
    DialectAttr,
    DictAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
)
from dory.dory_ir.core import Block, Operation, Region, Value, create_op
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.diagnostics import Location
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.dory_ir.types import FunctionType, IndexType, IntegerType, MemRefType, NoneType, TensorType, Type

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------------------------------------
# Types

int_types = st.builds(
    IntegerType, st.integers(1, 64), st.sampled_from(["signless", "signed", "unsigned"])
)
# Bias towards the widths real networks use, so dense constants hit the 1-byte hex path often.
common_int_types = st.one_of(
    st.sampled_from([IntegerType(w, s) for w in (1, 2, 4, 8, 16, 32) for s in ("signless", "signed", "unsigned")]),
    int_types,
)
element_types = st.one_of(common_int_types, st.just(IndexType()))
shapes = st.lists(st.integers(0, 5), min_size=0, max_size=3).map(tuple)
identifiers = st.from_regex(r"[A-Za-z_][A-Za-z0-9_$]{0,6}", fullmatch=True)
memory_spaces = st.one_of(
    st.none(),
    st.builds(DialectAttr, st.sampled_from(["dory", "gap8"]), st.sampled_from(["l1", "l2", "l3.x"])),
    st.builds(IntegerAttr, st.integers(0, 3), st.just(IntegerType(64))),
)
scalar_types = st.one_of(element_types, st.just(NoneType()))
shaped_types = st.one_of(
    st.builds(TensorType, shapes, element_types),
    st.builds(MemRefType, shapes, element_types, memory_spaces),
)


def _function_types(inner: st.SearchStrategy[Type]) -> st.SearchStrategy[FunctionType]:
    return st.builds(
        FunctionType,
        st.lists(inner, max_size=3).map(tuple),
        st.lists(inner, max_size=3).map(tuple),
    )


value_types = st.one_of(scalar_types, shaped_types)
# Function types nest (as inputs and results) a couple of levels deep.
all_types = st.recursive(value_types, _function_types, max_leaves=6)

# ---------------------------------------------------------------------------------------------
# Attributes


@st.composite
def integer_attrs(draw: st.DrawFn) -> IntegerAttr:
    ty = draw(st.one_of(int_types, st.just(IndexType())))
    if isinstance(ty, IndexType):
        return IntegerAttr(draw(st.integers(-(1 << 63), (1 << 63) - 1)), ty)
    # Signless integers may also be spelled with their unsigned value (255 : i8).
    hi = (1 << ty.width) - 1 if ty.signedness == "signless" else ty.max_value
    return IntegerAttr(draw(st.integers(ty.min_value, hi)), ty)


@st.composite
def dense_array_attrs(draw: st.DrawFn) -> DenseArrayAttr:
    et = draw(int_types)
    return DenseArrayAttr(et, tuple(draw(st.lists(st.integers(et.min_value, et.max_value), max_size=5))))


@st.composite
def dense_attrs(draw: st.DrawFn) -> DenseAttr:
    """Random shape and integer element type; values either random, all equal (a splat) or
    elided. Sizes straddle the 16-element list/hex threshold."""
    et = draw(common_int_types)
    shape = draw(shapes)
    ty = TensorType(shape, et)
    # Constants are held as int64: a ui64 above 2^63 - 1 has no representation.
    lo, hi = et.min_value, min(et.max_value, (1 << 63) - 1)
    kind = draw(st.sampled_from(["random", "random", "splat", "elided"]))
    if kind == "elided":
        return DenseAttr(ty, np.zeros(shape, dtype=np.int64), elided=True)
    if kind == "splat":
        return DenseAttr(ty, np.full(shape, draw(st.integers(lo, hi)), dtype=np.int64))
    n = ty.num_elements
    values = draw(st.lists(st.integers(lo, hi), min_size=n, max_size=n))
    return DenseAttr(ty, np.array(values, dtype=np.int64).reshape(shape))


# Any Unicode text except surrogates (Hypothesis's default), so escapes, quotes and non-ASCII
# characters all occur.
texts = st.text(max_size=12)
leaf_attrs: st.SearchStrategy[Attribute] = st.one_of(
    integer_attrs(),
    st.builds(BoolAttr, st.booleans()),
    st.just(UnitAttr()),
    st.builds(StringAttr, texts),
    st.builds(SymbolRefAttr, st.one_of(identifiers, texts)),
    st.builds(TypeAttr, all_types),
    dense_array_attrs(),
    dense_attrs(),
    st.builds(
        DialectAttr,
        identifiers,
        st.from_regex(r"[A-Za-z0-9_$][A-Za-z0-9_$.]{0,5}", fullmatch=True),
    ),
)


def _extend_attrs(inner: st.SearchStrategy[Attribute]) -> st.SearchStrategy[Attribute]:
    return st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: ArrayAttr(tuple(xs))),
        st.dictionaries(texts, inner, max_size=3).map(DictAttr.of),
        st.builds(
            DialectAttr,
            identifiers,
            identifiers,
            st.lists(inner, min_size=1, max_size=3).map(tuple),
        ),
    )


attributes = st.recursive(leaf_attrs, _extend_attrs, max_leaves=6)
attr_dicts = st.dictionaries(st.one_of(identifiers, texts), attributes, max_size=3)

# ---------------------------------------------------------------------------------------------
# Ops

# Hints the printer must cope with: leading digits, punctuation, '#', '%', spaces, non-ASCII,
# empty, names that collide with its own numbering (`arg0`, `0`) and with `_N` de-duplication.
awkward_hints = st.one_of(
    st.none(),
    st.sampled_from(["x", "x", "x_0", "0", "12", "1abc", "arg0", "arg1", "a#1", "a b", "", "%", "-", "$.", "é", "v1"]),
    st.text(alphabet=string.ascii_letters + string.digits + "_$.-#%@ ", max_size=6),
)


class _Gen:
    """Draws one op tree, keeping track of the values in scope at each point."""

    def __init__(self, draw: st.DrawFn):
        self.draw = draw

    def op(self, scope: list[Value], depth: int) -> Operation:
        draw = self.draw
        operands = draw(st.lists(st.sampled_from(scope), max_size=3)) if scope else []
        result_types = draw(st.lists(value_types, max_size=3))
        if len(result_types) > 1 and draw(st.booleans()):
            hints = [draw(awkward_hints)] * len(result_types)  # printed as a group `%r:N`
        else:
            hints = [draw(awkward_hints) for _ in result_types]
        loc = Location(name=draw(texts)) if draw(st.integers(0, 4)) == 0 else Location()
        op = create_op(
            draw(st.sampled_from(["test.op", "test.pure"])),
            operands=operands,
            result_types=result_types,
            properties=draw(attr_dicts),
            attributes=draw(attr_dicts),
            loc=loc,
            result_names=hints,
        )
        n_regions = draw(st.integers(0, 2)) if depth < 2 else 0
        for _ in range(n_regions):
            op.add_region(self.region(scope, depth + 1))
        return op

    def region(self, scope: list[Value], depth: int) -> Region:
        region = Region()
        for _ in range(self.draw(st.integers(0, 2))):
            arg_types = self.draw(st.lists(value_types, max_size=2))
            block = Block(arg_types, [self.draw(awkward_hints) for _ in arg_types])
            region.add_block(block)
            self.fill(block, list(scope), depth)
        return region

    def fill(self, block: Block, scope: list[Value], depth: int) -> None:
        local = scope + list(block.args)
        for _ in range(self.draw(st.integers(0, 4 if depth == 0 else 3))):
            op = self.op(local, depth)
            block.add_op(op)
            local.extend(op.results)


@st.composite
def modules(draw: st.DrawFn) -> ModuleOp:
    module = ModuleOp.build()
    _Gen(draw).fill(module.body, [], 0)
    return module


# ---------------------------------------------------------------------------------------------
# Structural comparison


def assert_same_structure(a: Operation, b: Operation) -> None:
    """Ops, types, attributes, locations and SSA wiring all equal (names may differ)."""
    ids_a: dict[Value, int] = {}
    ids_b: dict[Value, int] = {}

    def number(ids: dict[Value, int], values: list) -> None:
        for v in values:
            ids[v] = len(ids)

    def walk(x: Operation, y: Operation, path: str) -> None:
        assert x.op_name == y.op_name, path
        assert [ids_a[v] for v in x.operands] == [ids_b[v] for v in y.operands], f"{path}: operands"
        assert [v.type for v in x.operands] == [v.type for v in y.operands], f"{path}: operand types"
        assert x.properties == y.properties, f"{path}: properties"
        assert x.attributes == y.attributes, f"{path}: attributes"
        assert x.loc.name == y.loc.name, f"{path}: location name"
        assert len(x.regions) == len(y.regions), f"{path}: regions"
        for ri, (rx, ry) in enumerate(zip(x.regions, y.regions)):
            assert len(rx.blocks) == len(ry.blocks), f"{path}: region {ri} blocks"
            for bi, (bx, by) in enumerate(zip(rx.blocks, ry.blocks)):
                assert [v.type for v in bx.args] == [v.type for v in by.args], f"{path}: block args"
                number(ids_a, bx.args)
                number(ids_b, by.args)
                assert len(bx.ops) == len(by.ops), f"{path}: region {ri} block {bi} ops"
                for oi, (ox, oy) in enumerate(zip(bx.ops, by.ops)):
                    walk(ox, oy, f"{path}/{ri}.{bi}.{oi}")
        assert [r.type for r in x.results] == [r.type for r in y.results], f"{path}: result types"
        number(ids_a, x.results)
        number(ids_b, y.results)

    walk(a, b, "module")


# ---------------------------------------------------------------------------------------------
# Properties


# Every printed line is an op, a block label or a closing brace: strings never carry raw line
# breaks (also none that str.splitlines sees, such as U+2028), so line-based tools stay aligned.
_PRINTED_LINE = re.compile(r' *(%|"|\^bb[0-9]+[(:]|\}[,)])')


@pytest.mark.slow
@SETTINGS
@given(modules())
def test_print_parse_print_is_a_fixed_point(module: ModuleOp) -> None:
    text = print_op(module)
    for line in text.splitlines():
        assert _PRINTED_LINE.match(line), f"unexpected printed line {line!r}"
    reparsed = parse_module(text, "<hypothesis>")
    again = print_op(reparsed)
    assert again == text
    # Printing is a fixed point from then on, too.
    assert print_op(parse_module(again, "<hypothesis>")) == again
    assert_same_structure(module, reparsed)


@SETTINGS
@given(attributes)
def test_attribute_round_trips_through_an_op(attr: Attribute) -> None:
    """Each attribute alone, as a property and as a discardable attribute, so a failure names
    the attribute rather than a whole module."""
    op = create_op("test.op", properties={"p": attr}, attributes={"a": attr})
    text = print_op(ModuleOp.build([op]))
    parsed = parse_module(text, "<hypothesis>")
    inner = parsed.body.ops[0]  # type: ignore[attr-defined]
    assert inner.properties["p"] == attr
    assert inner.attributes["a"] == attr
    assert print_op(parsed) == text


@SETTINGS
@given(all_types)
def test_type_round_trips_as_result_and_attribute(ty: Type) -> None:
    op = create_op("test.op", result_types=[ty], attributes={"t": TypeAttr(ty)})
    parsed = parse_module(print_op(ModuleOp.build([op])), "<hypothesis>")
    inner = parsed.body.ops[0]  # type: ignore[attr-defined]
    assert inner.results[0].type == ty
    assert inner.attributes["t"] == TypeAttr(ty)


@SETTINGS
@given(dense_attrs())
def test_dense_constant_values_survive_exactly(attr: DenseAttr) -> None:
    op = create_op("test.op", properties={"value": attr})
    parsed = parse_module(print_op(ModuleOp.build([op])), "<hypothesis>")
    got = parsed.body.ops[0].properties["value"]  # type: ignore[attr-defined]
    assert isinstance(got, DenseAttr)
    assert got.type == attr.type and got.elided == attr.elided
    assert got.data.dtype == np.int64 and got.data.shape == attr.type.shape
    assert np.array_equal(got.data, attr.data)
