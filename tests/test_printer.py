"""The printer's naming and layout rules, one at a time (the round-trip tests cover the rest)."""

from __future__ import annotations

import numpy as np

from dory.dory_ir.attributes import ArrayAttr, DenseAttr, DictAttr, IntegerAttr, StringAttr, UnitAttr
from dory.dory_ir.core import Block, Region, create_op
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.diagnostics import Location
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import Printer, print_op
from dory.dory_ir.types import IntegerType, TensorType, i8, si8

i32 = IntegerType(32)


def body_lines(module: ModuleOp) -> list[str]:
    """The printed lines between the module's braces, without indentation."""
    return [line.strip() for line in print_op(module).splitlines()[1:-1]]


def test_hints_are_kept_and_made_unique() -> None:
    a = create_op("test.op", result_types=[i8], result_names=["x"])
    b = create_op("test.op", result_types=[i8], result_names=["x"])
    c = create_op("test.op", result_types=[i8], result_names=["x_0"])
    assert body_lines(ModuleOp.build([a, b, c])) == [
        '%x = "test.op"() : () -> i8',
        '%x_0 = "test.op"() : () -> i8',
        '%x_0_0 = "test.op"() : () -> i8',
    ]


def test_awkward_hints_are_sanitized() -> None:
    ops = [
        create_op("test.op", result_types=[i8], result_names=[hint])
        for hint in ["1abc", "a b#c", "é", "$ok.-", "42"]
    ]
    names = [line.split(" = ")[0] for line in body_lines(ModuleOp.build(ops))]
    # A leading digit gets a `v` (digit-first names are the printer's numbering).
    assert names == ["%v1abc", "%a_b_c", "%_", "%$ok.-", "%v42"]


def test_anonymous_values_are_numbered_in_print_order() -> None:
    a = create_op("test.op", result_types=[i8])
    b = create_op("test.op", operands=[a.result], result_types=[i8], result_names=["named"])
    c = create_op("test.op", operands=[a.result, b.result], result_types=[si8])
    assert body_lines(ModuleOp.build([a, b, c])) == [
        '%0 = "test.op"() : () -> i8',
        '%named = "test.op"(%0) : (i8) -> i8',
        '%1 = "test.op"(%0, %named) : (i8, i8) -> si8',
    ]


def test_result_groups() -> None:
    shared = create_op("test.op", result_types=[i8, si8], result_names=["r", "r"])
    anon = create_op("test.op", result_types=[i8, i8, i8])
    mixed = create_op("test.op", result_types=[i8, i8], result_names=["p", None])
    use = create_op("test.op", operands=[shared.results[1], anon.results[2], mixed.results[1]])
    assert body_lines(ModuleOp.build([shared, anon, mixed, use])) == [
        '%r:2 = "test.op"() : () -> (i8, si8)',
        '%0:3 = "test.op"() : () -> (i8, i8, i8)',
        '%p, %1 = "test.op"() : () -> (i8, i8)',
        '"test.op"(%r#1, %0#2, %1) : (si8, i8, i8) -> ()',
    ]


def test_parser_keeps_group_names_and_drops_numbers() -> None:
    module = parse_module('%r:2 = "test.op"() : () -> (i8, i8)\n%7 = "test.op"() : () -> i8\n')
    first, second = module.body.ops  # type: ignore[attr-defined]
    assert [r.name_hint for r in first.results] == ["r", "r"]
    assert second.result.name_hint is None


def test_block_arguments() -> None:
    block = Block([i8, si8], [None, "w"])
    block.add_op(create_op("test.op", operands=list(block.args)))
    op = create_op("test.op", regions=[Region([block])])
    assert body_lines(ModuleOp.build([op])) == [
        '"test.op"() ({',
        "^bb0(%arg0: i8, %w: si8):",
        '"test.op"(%arg0, %w) : (i8, si8) -> ()',
        "}) : () -> ()",
    ]


def test_empty_region_and_empty_block_differ() -> None:
    """`{}` is a region without blocks; an empty entry block keeps its label so it survives."""
    no_blocks = create_op("test.op", regions=[Region()])
    empty_block = create_op("test.op", regions=[Region([Block()])])
    module = ModuleOp.build([no_blocks, empty_block])
    assert body_lines(module) == ['"test.op"() ({', "}) : () -> ()", '"test.op"() ({', "^bb0:", "}) : () -> ()"]
    reparsed = parse_module(print_op(module))
    a, b = reparsed.body.ops  # type: ignore[attr-defined]
    assert len(a.regions[0].blocks) == 0
    assert len(b.regions[0].blocks) == 1 and not b.regions[0].blocks[0].ops


def test_empty_entry_block_before_other_blocks_survives() -> None:
    second = Block([i8])
    second.add_op(create_op("test.op", operands=[second.args[0]]))
    op = create_op("test.op", regions=[Region([Block(), second])])
    text = print_op(ModuleOp.build([op]))
    assert "^bb0:\n" in text and "^bb1(%arg0: i8):" in text
    reparsed = parse_module(text)
    assert len(reparsed.body.ops[0].regions[0].blocks) == 2  # type: ignore[attr-defined]
    assert print_op(reparsed) == text


def test_dictionaries_are_sorted_and_units_bare() -> None:
    """Keys sort by their text (quoted or not); unit values print as the bare key."""
    op = create_op(
        "test.op",
        properties={"z": UnitAttr(), "a": IntegerAttr(1, i32), "needs quotes": StringAttr("v")},
        attributes={"b": DictAttr.of({"y": UnitAttr(), "x": ArrayAttr((UnitAttr(),))})},
    )
    assert body_lines(ModuleOp.build([op])) == [
        '"test.op"() <{a = 1 : i32, "needs quotes" = "v", z}> {b = {x = [unit], y}} : () -> ()'
    ]


def test_location_names_are_quoted() -> None:
    op = create_op("test.op", loc=Location("f.mlir", 3, 4, 'conv "1"'))
    assert body_lines(ModuleOp.build([op])) == ['"test.op"() : () -> () loc("conv \\"1\\"")']


def test_elide_replaces_large_constants_everywhere() -> None:
    big = DenseAttr.from_array(np.arange(32) % 7, IntegerType(8))
    small = DenseAttr.from_array([1, 2], IntegerType(8))
    op = create_op(
        "test.op",
        properties={"w": big, "s": small},
        attributes={"nested": ArrayAttr((DictAttr.of({"w": big}),))},
    )
    module = ModuleOp.build([op])
    elided = print_op(module, elide=4)
    assert elided.count("dense_resource<__elided__> : tensor<32xi8>") == 2
    assert "dense<[1, 2]> : tensor<2xi8>" in elided
    # Without elision the data is printed in full (as hex, above 16 elements).
    assert '"0x000102030405060001' in print_op(module)
    # The elided text still parses: the constant keeps its type but has no data.
    w = parse_module(elided).body.ops[0].properties["w"]  # type: ignore[attr-defined]
    assert isinstance(w, DenseAttr) and w.elided and w.type == TensorType((32,), IntegerType(8))


def test_use_of_a_value_from_outside_the_printed_op_gets_a_name() -> None:
    producer = create_op("test.op", result_types=[i8])
    consumer = create_op("test.op", operands=[producer.result])
    p = Printer()
    p.print_op(consumer)
    assert p.getvalue() == '"test.op"(%0) : (i8) -> ()\n'


def test_indent_width() -> None:
    block = Block()
    block.add_op(create_op("test.op"))
    p = Printer(indent=4)
    p.print_op(create_op("test.op", regions=[Region([block])]))
    assert p.getvalue().splitlines()[1] == '    "test.op"() : () -> ()'
