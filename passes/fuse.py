"""``fuse``: qnn ops -> ``dory`` layer ops, one per runtime kernel invocation.

Fusions (each exact: the dory op's stages are the qnn ops it replaces, see dory_ir/dialects/dory.py):

| qnn pattern | dory op |
|---|---|
| [``pad``] ``conv2d`` [``requant`` or ``clip``]* | ``dory.conv2d``, or ``dory.depthwise`` when ``groups = C = O > 1`` |
| ``linear`` [``requant`` or ``clip``] | ``dory.linear`` |
| [``pad``] ``maxpool`` / ``avgpool`` / ``global_avgpool`` [``requant`` or ``clip``] | ``dory.pool`` (a global average is a window of the whole input) |
| [``requant`` ->] ``add`` [<- ``requant``] [``requant`` or ``clip``] | ``dory.add`` with per-input and output requantisation |
| a standalone ``requant`` / ``clip`` [``requant`` or ``clip``]* of a feature map | ``dory.pool`` ``max`` 1x1 with that ``requant`` |
| ``flatten`` / ``reshape`` | ``dory.reshape`` (a view: NHWC data is already row-major) |
| ``concat`` | ``dory.concat`` |

A ``qnn.pad`` folds into the following conv (zero padding is the conv's own padding) and into a
pool when that is exact: a max pool over an unsigned input (zero never exceeds the window's real
values, and every window has one), a sum pool (``div`` set: zeros add nothing). Any other pad (a
non-zero value, another user) becomes ``dory.concat`` copies of constant blocks of its value
(`FusePass._pad_as_concats`). A requant is
absorbed only where the layer's accumulator is si32, the width the kernels accumulate in.

Not fused (documented, deliberate): a pool or an add directly after a conv stays a separate layer.
The runtime kernels (issue 6) compute one layer per invocation, as DORY's do; fusing conv+pool
would need a kernel that pools its own output tile, which the tiler would then have to model.

A standalone requant (`dory_ir.layers`: one no layer takes, e.g. QuantLab's `RequantShift` of a
ui8 layer output into si8 on a residual branch) is a layer of its own: a 1x1 max pool (the
identity, which keeps its input type) followed by the requantisation, which the pool kernel runs
exactly on any input type. Folding it into its consumer is not exact in general: the consumer's
own rescale would have to apply after this requant's rounding and clip (a clip that changes
values at 255), and a layer takes one requantisation per input.

A chain of several requants after a layer (two roundings no single requant reproduces) becomes a
list-valued ``requant``. Which requants a layer takes is `dory_ir.layers.requant_chain`, the one
definition of a layer that ``--reference`` numbers layers by too. Anything left that is not a
layer, a constant or a return is an error naming the op.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from dory.dory_ir.attributes import ArrayAttr, Attribute, DenseAttr, DictAttr, IntegerAttr, StringAttr, i64_array
from dory.dory_ir.core import Block, Operation, Value
from dory.dory_ir.dialects import dory, qnn
from dory.dory_ir.dialects.func import FuncOp, ReturnOp
from dory.dory_ir.layers import QNN_ANCHORS, REQUANTS, find_layers, requant_chain, sole_user
from dory.dory_ir.types import IntegerType, MemRefType, TensorType, si32
from dory.passes.base import ModulePass, PassContext, PassFailed

# Ops that stay as they are: constants and the return (and anything already fused).
_KEEP = (qnn.ConstantOp, ReturnOp, *dory.Dory.ops)


def _requant_attr(op: Operation) -> DictAttr:
    """A requant/clip op's parameters as a ``requant`` dictionary (a clip is mul 1, shift 0)."""
    if isinstance(op, qnn.ClipOp):
        return DictAttr.of({"mul": IntegerAttr(1), "shift": IntegerAttr(0), "min": op.properties["min"], "max": op.properties["max"]})
    return DictAttr.of(dict(op.properties))


def _elem(v: Value) -> IntegerType:
    t = v.type
    assert isinstance(t, (TensorType, MemRefType)) and isinstance(t.element_type, IntegerType)
    return t.element_type


def _shape(v: Value) -> tuple[int, ...]:
    t = v.type
    assert isinstance(t, (TensorType, MemRefType))
    return tuple(t.shape)


@dataclass(frozen=True)
class FusePass(ModulePass):
    """Rewrite qnn layers (with their padding and requantisation) into dory layer ops."""

    name: ClassVar[str] = "fuse"

    def apply(self, ctx: PassContext, module: Operation) -> None:
        for func in [op for op in module.walk() if isinstance(op, FuncOp)]:
            if func.regions and func.regions[0].blocks:
                standalone = {id(layer.anchor) for layer in find_layers(func) if isinstance(layer.anchor, REQUANTS)}
                self._fuse_block(func.regions[0].blocks[0], standalone)

    # -- driver ----------------------------------------------------------------------------------
    def _fuse_block(self, block: Block, standalone: set[int]) -> None:
        for op in list(block.ops):
            if op.parent is None:
                continue  # absorbed into an earlier layer
            if isinstance(op, QNN_ANCHORS):
                self._fuse_layer(op)
            elif id(op) in standalone and len(_shape(op.operands[0])) == 4:
                self._fuse_requant_layer(op)
            elif isinstance(op, (qnn.FlattenOp, qnn.ReshapeOp)):
                self._replace(op, [], dory.ReshapeOp, list(op.operands), {})
            elif isinstance(op, qnn.ConcatOp):
                self._replace(op, [], dory.ConcatOp, list(op.operands), {"axis": op.properties["axis"]})
        for op in list(block.ops):
            if isinstance(op, qnn.PadOp) and op.parent is not None:
                self._pad_as_concats(op)  # not absorbed by a layer (e.g. a non-zero value)
        for op in block.ops:
            if isinstance(op, _KEEP):
                continue
            raise PassFailed(op, self._why_unfused(op))

    def _why_unfused(self, op: Operation) -> str:
        return f"'{op.op_name}' " + self._reason(op)

    def _reason(self, op: Operation) -> str:
        if isinstance(op, REQUANTS):
            src = op.operands[0]
            producer = getattr(src, "op", None)
            what = f"'{producer.op_name}'" if producer is not None else "a function argument"
            return (
                f"could not be fused into a layer: expected it to follow a conv2d, linear, pool or add "
                f"with an si32 result whose only user it is, to rescale an add input into si32 or to requantise "
                f"a 4-D feature map on its own, found it after {what}"
            )
        return "has no dory layer: expected conv2d, linear, pools, add, requant/clip after them, pad before them, flatten, reshape, concat or constants"

    # -- layers ------------------------------------------------------------------------------------
    def _fuse_layer(self, anchor: Operation) -> None:
        absorbed: list[Operation] = []
        operands = list(anchor.operands)
        props: dict[str, Attribute] = {}
        new_cls: type[Operation]
        if isinstance(anchor, (qnn.Conv2dOp, qnn.MaxPoolOp, qnn.AvgPoolOp, qnn.GlobalAvgPoolOp)):
            operands[0], extra_pads = self._absorb_pad(anchor, absorbed)
        else:
            extra_pads = [0, 0, 0, 0]
        if isinstance(anchor, qnn.Conv2dOp):
            pads = [a + b for a, b in zip(anchor.pads, extra_pads)]
            props = {k: v for k, v in anchor.properties.items() if k in ("strides", "dilations", "groups")}
            props["pads"] = i64_array(pads)
            c, o, g = _shape(anchor.input)[-1], _shape(anchor.result)[-1], anchor.groups
            new_cls = dory.DepthwiseOp if g > 1 and g == c == o else dory.Conv2dOp
            if new_cls is dory.DepthwiseOp:
                props.pop("groups", None)
        elif isinstance(anchor, qnn.LinearOp):
            new_cls = dory.LinearOp
        elif isinstance(anchor, (qnn.MaxPoolOp, qnn.AvgPoolOp)):
            new_cls = dory.PoolOp
            props = {k: v for k, v in anchor.properties.items() if k != "pads"}
            props["kind"] = StringAttr("max" if isinstance(anchor, qnn.MaxPoolOp) else "avg")
            props["pads"] = i64_array([a + b for a, b in zip(anchor.pads, extra_pads)])
            if "strides" not in props:
                props["strides"] = i64_array(anchor.strides)  # the declared default: the kernel
        elif isinstance(anchor, qnn.GlobalAvgPoolOp):
            new_cls = dory.PoolOp
            _, h, w, _ = _shape(operands[0])
            props = {
                "kind": StringAttr("avg"),
                "kernel": i64_array([h, w]),
                "strides": i64_array([1, 1]),
                "div": IntegerAttr(anchor.divisor),
            }
            if any(extra_pads):
                props["pads"] = i64_array([0, 0, 0, 0])
            if "rounding" in anchor.properties:
                props["rounding"] = anchor.properties["rounding"]
        else:
            assert isinstance(anchor, qnn.AddOp)
            new_cls = dory.AddOp
            for i, key in enumerate(("lhs_requant", "rhs_requant")):
                v = anchor.operands[i]
                prod = getattr(v, "op", None)
                # A requant clips into [min, max], which its type holds, so it never wraps: the
                # fused op may hold its result in si32 whatever type the qnn op gave it.
                if (
                    isinstance(prod, REQUANTS)
                    and sole_user(v) is anchor
                    and not (anchor.operands[0] is anchor.operands[1])
                ):
                    props[key] = _requant_attr(prod)
                    operands[i] = prod.operands[0]
                    absorbed.append(prod)
        result = anchor.results[0]
        # the requantisation that follows, when the accumulator is the kernels' si32
        steps: list[Attribute] = []
        if self._acc_ok(anchor, props):
            for user in requant_chain(anchor):
                steps.append(_requant_attr(user))
                absorbed.append(user)
                result = user.results[0]
        if steps:
            props["requant"] = steps[0] if len(steps) == 1 else ArrayAttr(tuple(steps))
        self._replace(anchor, absorbed, new_cls, operands, props, result)

    def _fuse_requant_layer(self, op: Operation) -> None:
        """A standalone requant (and the requants that extend it) as a 1x1 max pool layer."""
        chain = [op] + requant_chain(op)
        steps: list[Attribute] = [_requant_attr(o) for o in chain]
        props: dict[str, Attribute] = {
            "kind": StringAttr("max"),
            "kernel": i64_array([1, 1]),
            "strides": i64_array([1, 1]),
            "requant": steps[0] if len(steps) == 1 else ArrayAttr(tuple(steps)),
        }
        self._replace(op, chain[1:], dory.PoolOp, [op.operands[0]], props, chain[-1].results[0])

    def _acc_ok(self, anchor: Operation, props: dict[str, Attribute]) -> bool:
        """May the requant after ``anchor`` be fused? The fused op accumulates in si32 (a max
        pool keeps its input type), so the qnn result must be si32, or provably never wrap in
        its own type (then si32 holds the same values): an add whose inputs' ranges sum inside
        its result type."""
        if isinstance(anchor, qnn.MaxPoolOp):
            return True
        et = _elem(anchor.results[0])
        if et == si32:
            return True
        if not isinstance(anchor, qnn.AddOp):
            return False
        lo = hi = 0
        for i, key in enumerate(("lhs_requant", "rhs_requant")):
            rq = props.get(key)
            if isinstance(rq, DictAttr):
                d = rq.as_dict()
                lo_attr, hi_attr = d["min"], d["max"]
                assert isinstance(lo_attr, IntegerAttr) and isinstance(hi_attr, IntegerAttr)
                lo, hi = lo + lo_attr.value, hi + hi_attr.value
            else:
                t = _elem(anchor.operands[i])
                lo, hi = lo + t.min_value, hi + t.max_value
        return et.fits(lo) and et.fits(hi) and si32.fits(lo) and si32.fits(hi)

    def _absorb_pad(self, anchor: Operation, absorbed: list[Operation]) -> tuple[Value, list[int]]:
        x = anchor.operands[0]
        pad = getattr(x, "op", None)
        none = (x, [0, 0, 0, 0])
        if not isinstance(pad, qnn.PadOp) or sole_user(x) is not anchor:
            return none
        p = pad.pads
        if len(p) != 8 or pad.value != 0:
            return none
        nb, hb, wb, cb, ne, he, we, ce = p
        if nb or cb or ne or ce:
            return none
        if isinstance(anchor, qnn.MaxPoolOp) and _elem(pad.operands[0]).min_value < 0:
            return none  # zero padding could win the max over negative values
        if isinstance(anchor, (qnn.AvgPoolOp, qnn.GlobalAvgPoolOp)) and anchor.div is None:
            return none  # the element count of a true average would change
        if isinstance(anchor, qnn.GlobalAvgPoolOp):
            # a global sum over the padded input equals the sum over the input: drop the pad
            absorbed.append(pad)
            return pad.operands[0], [0, 0, 0, 0]
        absorbed.append(pad)
        return pad.operands[0], [hb, wb, he, we]

    def _pad_as_concats(self, pad: qnn.PadOp) -> None:
        """A pad no layer absorbed, as copies: per padded axis (innermost first) a ``dory.concat``
        of a constant block of the pad value, the tensor so far, and another such block. The
        result holds the same integers as the pad (every element is the input's or the value), so
        it is exact for any value (TFLite pads an int8 tensor with its zero point, which a
        zero-padding kernel cannot do). Blocks of a padded axis span the axes already padded."""
        import numpy as np  # lazy, as the other passes' numpy uses

        cur = pad.operands[0]
        shape = list(_shape(cur))
        rank = len(shape)
        elem = _elem(cur)
        block = pad.parent
        assert block is not None
        for axis in reversed(range(rank)):
            lo, hi = pad.pads[axis], pad.pads[rank + axis]
            if not lo and not hi:
                continue
            parts: list[Value] = []
            for n, where in ((lo, "lo"), (hi, "hi")):
                if not n:
                    continue
                bshape = shape[:axis] + [n] + shape[axis + 1:]
                attr = DenseAttr.from_array(np.full(bshape, pad.value, dtype=np.int64), elem)
                const = qnn.ConstantOp(operands=[], result_types=[attr.type], properties={"value": attr}, loc=pad.loc,
                                       result_names=[f"{pad.results[0].name_hint or 'pad'}_{where}{axis}"])
                block.insert_before(pad, const)
                parts.append(const.results[0])
            if lo:
                parts.insert(1, cur)
            else:
                parts.insert(0, cur)
            shape[axis] += lo + hi
            last = all(not pad.pads[a] and not pad.pads[rank + a] for a in range(axis))
            ty = pad.results[0].type if last else TensorType(tuple(shape), elem)
            cat = dory.ConcatOp(operands=parts, result_types=[ty], properties={"axis": IntegerAttr(axis)}, loc=pad.loc,
                                result_names=[pad.results[0].name_hint if last else f"{pad.results[0].name_hint or 'pad'}_{axis}"])
            block.insert_before(pad, cat)
            cur = cat.results[0]
        pad.results[0].replace_all_uses_with(cur)
        pad.erase()

    def _replace(
        self,
        anchor: Operation,
        absorbed: list[Operation],
        new_cls: type[Operation],
        operands: list[Value],
        props: dict[str, Attribute],
        result: Value | None = None,
    ) -> None:
        result = result if result is not None else anchor.results[0]
        new = new_cls(
            operands=operands,
            result_types=[result.type],
            properties=props,
            loc=anchor.loc,
            result_names=[result.name_hint],
        )
        block = anchor.parent
        assert block is not None
        block.insert_before(anchor, new)
        result.replace_all_uses_with(new.results[0])
        # Each absorbed op is used only by later ops of the chain: erase from the last one back.
        order = {id(o): i for i, o in enumerate(block.ops)}
        for op in sorted([anchor] + absorbed, key=lambda o: -order[id(o)]):
            op.erase()


__all__ = ["FusePass"]
