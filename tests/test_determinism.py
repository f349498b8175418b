"""Printing is deterministic: same module, same bytes, in one process and across processes.

Pass output is diffed and FileChecked, and the lit fixed-point RUN lines pipe one process into
another, so nothing may depend on dict insertion order, hash seeds (sets of values or strings)
or object identity.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from dory.dory_ir.attributes import DenseAttr, DictAttr, IntegerAttr, StringAttr, UnitAttr
from dory.dory_ir.core import Block, Operation, Region, create_op
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.dory_ir.types import IndexType, IntegerType, TensorType

ROOT = Path(__file__).resolve().parent.parent
ROUNDTRIP = ROOT / "lit_tests" / "dory_ir" / "roundtrip.mlir"

# Run in a child: parse the file named on the command line, print it to stdout as UTF-8 bytes.
CHILD = """
import sys
from dory.dory_ir.parser import parse_file
from dory.dory_ir.printer import print_op
sys.stdout.buffer.write(print_op(parse_file(sys.argv[1])).encode("utf-8"))
"""


def build_module(seed: int, key_order: str = "forward") -> ModuleOp:
    """A module with many dictionary keys, names, groups, regions and dense constants. The keys
    are inserted in ``key_order`` so callers can check insertion order does not leak out."""
    rng = np.random.default_rng(seed)
    canonical = [f"k{i}" for i in range(12)] + ["zeta", "alpha", "needs quoting", "Éclair"]
    keys = list(canonical)
    if key_order == "reverse":
        keys = keys[::-1]
    elif key_order == "shuffled":
        # Its own generator, so the values drawn below are the same for every order.
        keys = [keys[i] for i in np.random.default_rng(seed + 1).permutation(len(keys))]
    ops: list[Operation] = []
    prev = None
    for i in range(20):
        values = {k: int(rng.integers(-100, 100)) for k in canonical}
        props = {k: IntegerAttr(values[k], IntegerType(32)) for k in keys}
        weights = DenseAttr.from_array(rng.integers(-128, 128, size=(4, 3, 3, 2)), IntegerType(8, "signed"))
        attrs = {"w": weights, "flag": UnitAttr(), "d": DictAttr.of({k: StringAttr(k) for k in keys})}
        hint = ["conv", "conv", None, "relu"][i % 4]
        op = create_op(
            "test.op",
            operands=[prev] if prev is not None else [],
            result_types=[TensorType((1, 4), IntegerType(8, "signed")), IndexType()],
            properties=props,
            attributes=attrs,
            result_names=[hint, hint],
        )
        if i % 5 == 0:
            block = Block([IndexType()], [None])
            block.add_op(create_op("test.pure", operands=[block.args[0]], result_types=[IndexType()]))
            op.add_region(Region([block]))
        ops.append(op)
        prev = op.results[0]
    return ModuleOp.build(ops)


def test_printing_twice_gives_the_same_text() -> None:
    module = build_module(0)
    assert print_op(module) == print_op(module)


@pytest.mark.parametrize("order", ["reverse", "shuffled"])
def test_insertion_order_does_not_matter(order: str) -> None:
    assert print_op(build_module(1, order)) == print_op(build_module(1, "forward"))


def test_parse_print_is_identical_across_processes(tmp_path: Path) -> None:
    """Two fresh interpreters with different hash seeds print byte-identical text, equal to this
    process's own printout."""
    src = tmp_path / "in.mlir"
    # The roundtrip test first: its aliases must head the file.
    src.write_text(ROUNDTRIP.read_text(encoding="utf-8") + print_op(build_module(2)), encoding="utf-8")
    expected = print_op(parse_module(src.read_text(encoding="utf-8"), str(src))).encode("utf-8")
    outputs = []
    for seed in ("0", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed)
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, str(src)], capture_output=True, env=env, cwd=ROOT, check=False
        )
        assert proc.returncode == 0, proc.stderr.decode()
        outputs.append(proc.stdout)
    assert outputs[0] == outputs[1] == expected
