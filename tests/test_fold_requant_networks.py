"""``fold-requant`` on every shared network: bit-exact, idempotent, and how much it changes.

Each network in ../shared/models is imported, printed and parsed back (an independent copy),
folded with ``fold-requant`` through the pass manager (verifying the IR after the pass), and run
on the interpreter against the unfolded module: on the provided ``input.txt`` and on two seeded
random inputs over the full input type range. The folded network must also still match DORY's
per-layer reference outputs, and a second run must change nothing. Op counts before and after,
and how many ops the pass rewrote, are printed (``pytest -s``) and recorded as test properties.
"""

from __future__ import annotations

from collections import Counter
from typing import Callable

import numpy as np
import pytest

from dory.dory_ir.core import Operation

from shared_models import NETWORKS, load, requires_shared, run_pipeline

pytestmark = requires_shared


def _body(module: Operation) -> list[Operation]:
    """The ops of the module's single function, without the terminator."""
    func = module.regions[0].blocks[0].ops[0]
    return [op for op in func.regions[0].blocks[0].ops if op.op_name != "func.return"]


def _signature(op: Operation) -> tuple[str, tuple[tuple[str, str], ...], tuple[str, ...], tuple[str, ...]]:
    """What identifies an op regardless of SSA names: name, properties, operand/result types."""
    props = tuple(sorted((k, str(v)) for k, v in op.properties.items()))
    return (
        op.op_name,
        props,
        tuple(str(v.type) for v in op.operands),
        tuple(str(r.type) for r in op.results),
    )


def fold_stats(before: list[Operation], after: list[Operation]) -> dict[str, int]:
    """Op counts before/after (all, and without constants) and how many ops of the result are
    new (not an unchanged copy of an op of the input)."""
    new = Counter(_signature(op) for op in after) - Counter(_signature(op) for op in before)

    def compute(ops: list[Operation]) -> int:
        return sum(op.op_name != "qnn.constant" for op in ops)

    return {
        "ops_before": len(before),
        "ops_after": len(after),
        "compute_before": compute(before),
        "compute_after": compute(after),
        "rewritten": sum(new.values()),
    }


@pytest.mark.parametrize("name", NETWORKS)
def test_fold_requant_is_exact_on_shared_network(name: str, record_property: Callable[[str, object], None]) -> None:
    from dory.dory_ir.interp import random_inputs, run_function
    from dory.dory_ir.opdef import verify
    from dory.dory_ir.parser import parse_module
    from dory.dory_ir.printer import print_op
    from dory.driver.reference import check_layers

    net = load(name)
    original = net.module
    text = print_op(original)
    folded = parse_module(text, f"{name}.mlir")
    run_pipeline(folded, "fold-requant")
    assert verify(folded) == []

    inputs = [net.inputs]
    inputs += [random_inputs(original, seed) for seed in (1, 2)]
    for xs in inputs:
        want = run_function(original, xs)
        got = run_function(folded, xs)
        assert len(want) == len(got)
        for w, g in zip(want, got):
            assert np.array_equal(w, g)

    # The deployed layers still match DORY's expected outputs.
    reports, _ = check_layers(folded, inputs[0], net.reference_files)
    bad = [r.line() for r in reports if not r.ok]
    assert not bad, "\n".join(bad)

    once = print_op(folded)
    run_pipeline(folded, "fold-requant")
    assert print_op(folded) == once  # idempotent

    stats = fold_stats(_body(original), _body(folded))
    assert stats["compute_after"] <= stats["compute_before"]
    for key, value in stats.items():
        record_property(key, value)
    print(
        f"\n{name}: ops {stats['ops_before']} -> {stats['ops_after']} "
        f"(without constants {stats['compute_before']} -> {stats['compute_after']}), "
        f"{stats['rewritten']} rewritten"
    )
