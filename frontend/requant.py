"""Materialising a pending requantisation chain (`frontend.affine.Affine`) as ``qnn`` ops.

A chain ``round((sum_i x_i*M_i + A) / D)`` clipped to ``[lo, hi]`` becomes: one ``qnn.requant``
per scaled residual branch (into si32), ``qnn.add`` of the branches, then one ``qnn.requant``
(or ``qnn.clip`` if only a clip is left, or nothing for a plain sum). The result element type
comes from the clip range (`frontend.values.choose_type`).
"""

from __future__ import annotations

from typing import Any, Protocol

import numpy as np

from dory.dory_ir.attributes import Attribute, DenseAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.diagnostics import DiagnosticError
from dory.dory_ir.dialects.qnn import AddOp, ClipOp, RequantOp
from dory.dory_ir.types import IntegerType, TensorType, i64
from dory.frontend.affine import Affine, Term
from dory.frontend.values import SI32, IntVal, Pending, choose_type


class Emitter(Protocol):
    """What materialisation needs from an importer: op emission and located errors."""

    def emit(
        self, node: Any, op_class: type[Operation], result_type: TensorType, operands: list[Value],
        props: dict[str, Attribute], hint: str | None = None,
    ) -> Value:
        """Append an op located at ``node``; its result is named ``hint`` (default the node's output)."""
        ...

    def error(self, node: Any | None, msg: str) -> DiagnosticError:
        """A located error at ``node``."""
        ...


def check_32(imp: Emitter, node: Any, lo: int, hi: int, what: str) -> None:
    """Reject an intermediate whose exact range ``[lo, hi]`` does not fit the si32 accumulator."""
    if not (SI32.fits(lo) and SI32.fits(hi)):
        raise imp.error(node, f"expected {what} to fit in 32 bits, found range [{lo}, {hi}]")


def int_or_dense(v: np.ndarray) -> Attribute:
    """A per-tensor int attribute if every element is equal, else a dense si32 (si64) vector."""
    v = np.asarray(v, dtype=np.int64)
    if v.ndim == 0 or bool(np.all(v == v.reshape(-1)[0])):
        return IntegerAttr(int(v.reshape(-1)[0]), i64)
    t = IntegerType(32, "signed")
    if not (t.fits(int(v.min())) and t.fits(int(v.max()))):
        t = IntegerType(64, "signed")
    return DenseAttr.from_array(v, t)


def requant_props(mul: np.ndarray, add: np.ndarray, div: int, rounding: str | None, clip: tuple[int, int]) -> dict[str, Attribute]:
    """``qnn.requant`` properties: ``shift`` for a power-of-two divisor, else ``div``; zero ``add``
    and floor rounding (the defaults) left out."""
    props: dict[str, Attribute] = {
        "mul": int_or_dense(mul),
        "min": IntegerAttr(int(clip[0]), i64),
        "max": IntegerAttr(int(clip[1]), i64),
    }
    if not np.all(add == 0):
        props["add"] = int_or_dense(add)
    if div & (div - 1) == 0:
        props["shift"] = IntegerAttr(div.bit_length() - 1, i64)
    else:
        props["div"] = IntegerAttr(div, i64)
    if div > 1 and rounding == "trunc":
        props["rounding"] = StringAttr("trunc")
    return props


def emit_chain(imp: Emitter, p: Pending) -> IntVal:
    """Emit the ops computing chain ``p`` (callers cache the result: see ``OnnxImporter.materialise``)."""
    aff = p.aff.copy()
    if aff.is_identity:
        t = aff.terms[0].value
        assert isinstance(t, IntVal)
        return t
    node = p.node
    if not aff.is_integer:
        raise imp.error(
            node,
            f"expected the requantization chain ending at '{p.name}' to produce integers, found a fraction (x/{aff.div}) with no Floor/Cast to round it",
        )
    aff.normalise()
    shape = tuple(aff.terms[0].value.type.shape)  # type: ignore[attr-defined]
    lo, hi = aff.value_range()
    if aff.clip is not None:
        lo, hi = aff.clip
        et = choose_type(lo, hi)
    else:
        check_32(imp, node, lo, hi, f"the unclipped result '{p.name}'")
        et = choose_type(min(lo, 0), max(hi, 0))
    plain_sum = len(aff.terms) > 1 and aff.div == 1 and bool(np.all(aff.add == 0)) and aff.clip is None
    # 1. sum the terms (each scaled by its multiplier) exactly
    if len(aff.terms) == 1:
        base: Value = aff.terms[0].value.value  # type: ignore[attr-defined]
        mul = aff.terms[0].mul
    else:
        at = p.sum_node if p.sum_node is not None else node  # the ONNX Add (Pending.sum_node)
        slo, shi = Affine([Term(t.value, t.mul, t.lo, t.hi) for t in aff.terms]).pre_round_range()
        check_32(imp, node, slo, shi, "the sum of a residual addition")
        acc: Value | None = None
        for i, t in enumerate(aff.terms):
            v: Value = t.value.value  # type: ignore[attr-defined]
            if not np.all(t.mul == 1):
                tlo, thi = Affine([t]).pre_round_range()
                check_32(imp, node, tlo, thi, "a scaled residual branch")
                v = imp.emit(
                    at, RequantOp, TensorType(shape, SI32), [v],
                    requant_props(t.mul, np.zeros((), np.int64), 1, None, (tlo, thi)),
                    hint=f"{p.name}_in{i}",
                )
            if acc is None:
                acc = v
            else:
                last = i == len(aff.terms) - 1
                acc = imp.emit(
                    at, AddOp, TensorType(shape, et if (last and plain_sum) else SI32), [acc, v], {},
                    hint=p.name if (last and plain_sum) else f"{p.name}_sum",
                )
        assert acc is not None
        base = acc
        mul = np.ones((), np.int64)
    # 2. the common scale, division and clip
    if plain_sum:
        res = base
    elif aff.div == 1 and bool(np.all(mul == 1)) and bool(np.all(aff.add == 0)):
        # only a clip is left
        props: dict[str, Attribute] = {"min": IntegerAttr(lo, i64), "max": IntegerAttr(hi, i64)}
        res = imp.emit(node, ClipOp, TensorType(shape, et), [base], props)
    else:
        res = imp.emit(node, RequantOp, TensorType(shape, et), [base], requant_props(mul, aff.add, aff.div, aff.rounding, (lo, hi)))
    res.name_hint = p.name  # name the value after the ONNX tensor that holds it
    return IntVal(res, p.onnx_shape, p.layout, lo, hi)
