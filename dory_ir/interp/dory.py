"""Interpreter implementations of the ``dory`` dialect: each layer op runs the qnn stages it
stands for (dory_ir/dialects/dory.py), so fused and unfused IR are compared exactly."""

from __future__ import annotations

import numpy as np

from dory.dory_ir.core import Operation
from dory.dory_ir.dialects import dory
from dory.dory_ir.dialects.dory import LayerOp, Stage, stage_inputs
from dory.dory_ir.interp.interpreter import Interpreter, impl, lookup_impl, op_error
from dory.dory_ir.types import MemRefType, TensorType


def run_stages(interp: Interpreter, op: Operation, stages: list[Stage], operands: list[np.ndarray]) -> np.ndarray:
    """Run ``stages`` on ``operands``; errors are reported at ``op``, naming the stage."""
    results: list[np.ndarray] = []
    for st in stages:
        args = stage_inputs(st, operands, results)
        fn = lookup_impl(st.op)
        if fn is None:  # pragma: no cover - every stage is a qnn op
            raise op_error(op, f"expected an interpreter implementation of stage '{st.name}', found none")
        # The qnn implementations read properties and the result type from the op they get.
        tmp = st.create([], op.loc)
        try:
            out = fn(interp, tmp, args)
        except Exception as e:  # re-locate qnn-stage errors at the layer op
            from dory.dory_ir.diagnostics import DiagnosticError

            if isinstance(e, DiagnosticError):
                raise op_error(op, f"{st.name.split('.')[1]} stage: {e.diagnostics[0].message}") from None
            raise
        results.append(out[0])
    return results[-1]


def _layer(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """A layer op: tile by tile when the ``tile`` pass scheduled it (a ``dory.tile`` attribute,
    docs/tiling-schema.md), so the recorded schedule itself is what gets checked; else whole.

    With ``interp.tiled`` False a scheduled layer runs whole too, its schedule only validated.
    The values are the same for every schedule the tiled run accepts as exact: each output element
    is computed from the same input taps with the same weights, bias and per-channel requant
    whichever tile holds it (a tile's halo, border padding and sliced vectors are exactly the
    layer's restricted to it: that is what `run_tiled` derives), and input-channel partial sums
    add up to the untiled accumulator because the accumulator wraps modulo 2^bits, which commutes
    with the sum. Only the order of the work differs, and exact integer arithmetic has none.
    """
    assert isinstance(op, LayerOp)
    if "dory.tile" in op.attributes:
        # imported here: the tiled executor builds on run_stages above
        from dory.dory_ir.interp.tiled import check_tiled, run_tiled

        if interp.tiled:
            return [run_tiled(interp, op, operands)]
        check_tiled(interp, op, operands)
    return [run_stages(interp, op, op.stages(), operands)]


impl(*dory.LAYER_OPS)(_layer)


@impl(dory.ConcatOp)
def concat(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Concatenation along ``axis``."""
    assert isinstance(op, dory.ConcatOp)
    return [np.concatenate(operands, axis=op.axis)]


@impl(dory.ReshapeOp)
def reshape(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """Row-major reshape to the result's shape."""
    t = op.results[0].type
    assert isinstance(t, (TensorType, MemRefType))
    return [operands[0].reshape(t.shape)]


@impl(dory.WeightsOp)
def weights(interp: Interpreter, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
    """The constant's values (an elided constant cannot run)."""
    assert isinstance(op, dory.WeightsOp)
    v = op.value
    if v.elided:
        raise op_error(op, "expected constant data, found an elided constant (dense_resource<__elided__>)")
    return [np.asarray(v.data, dtype=np.int64)]
