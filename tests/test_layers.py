"""One definition of a deployed layer (dory_ir/layers.py): ``--reference`` numbers the layers of
a qnn network exactly as ``fuse`` builds them, so layer N of the imported network and layer N of
the planned one produce the same values."""

from __future__ import annotations

import numpy as np

from dory.dory_ir.core import Operation
from dory.dory_ir.interp import random_inputs, run_function
from dory.dory_ir.layers import find_layers
from dory.dory_ir.parser import parse_module
from shared_models import run_pipeline

# A conv whose only requantisation is a pure rescale (multiply, no shift or offset) feeding a
# residual add. fuse gives the rescale to the conv (its first requant); a layer rule with an
# exception for "rescales feeding an add" numbered the raw accumulator as the conv's layer output
# instead, so layer 0 of the imported network disagreed with layer 0 of the planned one.
RESCALED_RESIDUAL = """
"builtin.module"() ({
  "func.func"() <{function_type = (tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xui8>, sym_name = "main"}> ({
  ^bb0(%x: tensor<1x4x4x2xui8>):
    %w = "qnn.constant"() <{value = dense<[[[[1, -2]]], [[[3, 1]]]]> : tensor<2x1x1x2xsi8>}> : () -> tensor<2x1x1x2xsi8>
    %conv = "qnn.conv2d"(%x, %w) : (tensor<1x4x4x2xui8>, tensor<2x1x1x2xsi8>) -> tensor<1x4x4x2xsi32>
    %scaled = "qnn.requant"(%conv) <{mul = 3 : i64, shift = 0 : i64, min = -2147483648 : i64, max = 2147483647 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xsi32>
    %sum = "qnn.add"(%scaled, %x) : (tensor<1x4x4x2xsi32>, tensor<1x4x4x2xui8>) -> tensor<1x4x4x2xsi32>
    %y = "qnn.requant"(%sum) <{mul = 1 : i64, shift = 4 : i64, min = 0 : i64, max = 255 : i64}> : (tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xui8>
    "func.return"(%y) : (tensor<1x4x4x2xui8>) -> ()
  }) : () -> ()
}) : () -> ()
"""


def _layer_values(module: Operation, inputs: list[np.ndarray]) -> list[np.ndarray]:
    """The output of every layer `find_layers` numbers, in its order."""
    layers = find_layers(module.regions[0].blocks[0].ops[0])
    wanted = {id(layer.output): i for i, layer in enumerate(layers)}
    got: dict[int, np.ndarray] = {}

    def on_result(op: Operation, results: list[np.ndarray]) -> None:
        for r, a in zip(op.results, results):
            if id(r) in wanted:
                got[wanted[id(r)]] = a

    run_function(module, inputs, on_result=on_result)
    return [got[i] for i in range(len(layers))]


def test_rescale_before_an_add_is_the_producing_layers() -> None:
    qnn_module = parse_module(RESCALED_RESIDUAL)
    layers = find_layers(qnn_module.regions[0].blocks[0].ops[0])
    assert [[op.op_name for op in layer.ops] for layer in layers] == [
        ["qnn.conv2d", "qnn.requant"],
        ["qnn.add", "qnn.requant"],
    ]
    inputs = random_inputs(qnn_module, 0)
    before = _layer_values(qnn_module, inputs)
    fused = parse_module(RESCALED_RESIDUAL)
    run_pipeline(fused, "fuse")
    ops = [op.op_name for op in fused.regions[0].blocks[0].ops[0].regions[0].blocks[0].ops]
    assert ops == ["qnn.constant", "dory.conv2d", "dory.add", "func.return"]
    after = _layer_values(fused, inputs)
    assert len(before) == len(after) == 2
    for a, b in zip(before, after):
        assert np.array_equal(a, b)


def test_second_requant_feeding_an_add_is_the_adds() -> None:
    """conv -> requant -> requant -> add: the second requant rescales the add's input, so the
    conv's layer ends after the first one and the add layer takes the second (as fuse does)."""
    text = RESCALED_RESIDUAL.replace(
        '%sum = "qnn.add"(%scaled, %x)',
        '%again = "qnn.requant"(%scaled) <{mul = 2 : i64, shift = 1 : i64, min = -1000 : i64, max = 1000 : i64}> : '
        "(tensor<1x4x4x2xsi32>) -> tensor<1x4x4x2xsi32>\n"
        '    %sum = "qnn.add"(%again, %x)',
    )
    module = parse_module(text)
    layers = find_layers(module.regions[0].blocks[0].ops[0])
    assert [layer.output.name_hint for layer in layers] == ["scaled", "y"]
    fused = parse_module(text)
    run_pipeline(fused, "fuse")
    add = [op for op in fused.regions[0].blocks[0].ops[0].regions[0].blocks[0].ops if op.op_name == "dory.add"][0]
    assert "lhs_requant" in add.properties
    inputs = random_inputs(module, 1)
    for a, b in zip(_layer_values(module, inputs), _layer_values(fused, inputs)):
        assert np.array_equal(a, b)
