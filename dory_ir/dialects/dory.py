"""``dory`` dialect: fused layer ops, one per runtime kernel, produced by the ``fuse`` pass.

Each layer op stands for a fixed chain of ``qnn`` ops (its *stages*) and has exactly their
semantics: the verifier checks the op by building those qnn ops and verifying them, and the
interpreter runs them (dory_ir/interp/dory.py). So ``--verify-semantics`` compares fused and
unfused IR exactly, and every shape/type rule is written once, in the qnn dialect.

| op | stands for | kernel |
|---|---|---|
| ``dory.conv2d(x, w, b?)`` | ``qnn.conv2d`` (si32 accumulator) then ``qnn.requant`` | general KxK / pointwise / grouped conv |
| ``dory.depthwise(x, w, b?)`` | ``qnn.conv2d`` with ``groups = C = O`` then ``qnn.requant`` | depthwise conv |
| ``dory.linear(x, w, b?)`` | ``qnn.linear`` then ``qnn.requant`` | fully connected (8- or 32-bit out) |
| ``dory.pool(x)`` | ``qnn.maxpool`` or ``qnn.avgpool`` (si32 sum when requantised) then ``qnn.requant`` | max/avg pooling, incl. global average |
| ``dory.add(a, b)`` | ``qnn.requant`` per input (si32), ``qnn.add``, then ``qnn.requant`` | residual add with per-input rescale |
| ``dory.concat(xs...)`` | ``qnn.concat`` | copies into slices |
| ``dory.reshape(x)`` | ``qnn.reshape`` (row-major, so a view) | none: aliases its input |
| ``dory.weights`` | ``qnn.constant`` in a memory level | data in L2 / L3 |

The requantisation of a layer is the dictionary property ``requant`` holding exactly the
properties of a ``qnn.requant`` (``mul``, ``add``, ``shift`` or ``div``, ``rounding``, ``min``,
``max``), or a list of such dictionaries applied in order when the graph rounds more than once
and no single requant is equivalent (``fold-requant`` merges every chain it can); without it the
layer's result is the raw accumulator wrapped to the result type.
``dory.add`` has ``lhs_requant``/``rhs_requant`` for its inputs. All of these operate on tensors
or, after ``assign-memory``, on memrefs in ``#dory.l2``/``#dory.l3``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from dory.dory_ir.attributes import ArrayAttr, Attribute, BoolAttr, DenseAttr, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Dialect, Operation, Value, register_dialect
from dory.dory_ir.diagnostics import UNKNOWN, Location, OpVerifyError
from dory.dory_ir.dialects import qnn
from dory.dory_ir.opdef import ANY, OperandDef, PropDef, Pure, ResultDef, int_shaped, verify_op
from dory.dory_ir.types import IntegerType, MemRefType, TensorType, Type, si32

_S = int_shaped()
_ACC = si32  # every accumulator (conv, linear, avg-pool sum, add inputs) is 32-bit, as on GAP8


def _stage_props(*defs: PropDef) -> tuple[PropDef, ...]:
    """A qnn stage's property declarations on a layer op: the same names, kinds and defaults
    (stated once, in the qnn dialect), without the value checks, which the stage's verification
    reports (naming the stage)."""
    return tuple(replace(p, check=None) for p in defs)


CONV_PROPS = _stage_props(*qnn.Conv2dOp.property_defs)
POOL_PROPS = _stage_props(*qnn.MaxPoolOp.property_defs, *qnn.AvgPoolOp.property_defs[3:])


def as_tensor(t: Type) -> Type:
    """The tensor type with a memref's shape and element type (qnn stages work on tensors)."""
    if isinstance(t, MemRefType):
        return TensorType(t.shape, t.element_type)
    return t


def with_element(t: Type, et: IntegerType) -> TensorType:
    assert isinstance(t, (TensorType, MemRefType))
    return TensorType(tuple(t.shape), et)


@dataclass
class Stage:
    """One qnn op of a layer's expansion: its class, properties and result type. ``inputs``:
    ``i >= 0`` is the layer's operand ``i``, ``i < 0`` the result of stage ``-i - 1``; None means
    the previous stage's result."""

    op: type[qnn.QnnOp]
    props: dict[str, Attribute]
    result_type: TensorType
    inputs: tuple[int, ...] | None = None

    @property
    def name(self) -> str:
        """The stage op's name (``qnn.conv2d``)."""
        return self.op.name

    def create(self, operands: list[Value], loc: "Location" = UNKNOWN) -> qnn.QnnOp:
        """The stage as an unattached op on ``operands`` (its result typed ``result_type``)."""
        return self.op(operands=operands, result_types=[self.result_type], properties=dict(self.props), loc=loc)


def stage_inputs(st: Stage, operands: list, results: list) -> list:
    """The inputs of ``st`` given the layer's operands and the earlier stages' results."""
    if st.inputs is None:
        return [results[-1]]
    return [operands[i] if i >= 0 else results[-i - 1] for i in st.inputs]


def requant_dict(op: Operation, key: str = "requant") -> dict[str, Attribute] | None:
    """The ``qnn.requant`` properties in the dictionary property ``key``, if it is one."""
    a = op.properties.get(key)
    return dict(a.entries) if isinstance(a, DictAttr) else None


class LayerOp(Operation):
    """Base of the fused layer ops: an expansion into qnn stages, verified and run through them."""

    traits = (Pure(),)
    result_defs = (ResultDef("result", _S),)

    def stages(self) -> list[Stage]:
        """The qnn ops this layer stands for, in order (overridden per op)."""
        return []

    def _requant_stage(self) -> list[Stage]:
        """The output requantisation: one dictionary, or a list of them applied in order (a
        graph may round twice, e.g. an add's shift and then a requant, which no single requant
        reproduces). Intermediate steps are held in si32: a requant clips into its bounds, so
        it never wraps whatever its original type."""
        a = self.properties.get("requant")
        steps = [a] if isinstance(a, DictAttr) else list(a.values) if isinstance(a, ArrayAttr) else []
        out = []
        for i, d in enumerate(steps):
            if not isinstance(d, DictAttr):
                raise OpVerifyError(f"property 'requant' expected dictionaries of qnn.requant properties, found {d}")
            last = i == len(steps) - 1
            t = with_element(self.results[0].type, self.result_element if last else _ACC)
            out.append(Stage(qnn.RequantOp, dict(d.entries), t))
        return out

    def _acc_type(self) -> TensorType:
        """The first stage's result: the accumulator when requantised, else the layer result."""
        if "requant" in self.properties:
            return with_element(self.results[0].type, _ACC)
        return with_element(self.results[0].type, self.result_element)

    @property
    def result_element(self) -> IntegerType:
        """The element type of the layer's result."""
        t = self.results[0].type
        assert isinstance(t, (TensorType, MemRefType)) and isinstance(t.element_type, IntegerType)
        return t.element_type

    def operand_shape(self, index: int = 0) -> tuple[int, ...]:
        """The shape of operand ``index`` (a tensor or memref)."""
        t = self.operands[index].type
        assert isinstance(t, (TensorType, MemRefType))
        return tuple(t.shape)

    def verify_(self) -> None:
        verify_stages(self, self.stages())


def verify_stages(op: Operation, stages: list[Stage]) -> None:
    """Build each stage as a qnn op on placeholder values of the right types and verify it; a
    failure is reported on the layer op, naming the stage."""
    from dory.dory_ir.core import Block

    operand_types = [as_tensor(v.type) for v in op.operands]
    results: list[Type] = []
    for st in stages:
        types = stage_inputs(st, operand_types, results)
        holder = Block(types)  # placeholder values, never attached to the IR
        tmp = st.create(list(holder.args))
        try:
            verify_op(tmp)
        except OpVerifyError as e:
            raise OpVerifyError(f"{st.name.split('.')[1]} stage: {e}") from None
        finally:
            tmp.drop_operand_uses()
        results.append(st.result_type)


def _pick(op: Operation, defs: tuple[PropDef, ...]) -> dict[str, Attribute]:
    """The properties of ``op`` that ``defs`` declare (a layer's stage properties)."""
    names = {p.name for p in defs}
    return {k: v for k, v in op.properties.items() if k in names}


def _requant_prop() -> PropDef:
    return PropDef("requant", (DictAttr, ArrayAttr), required=False)


class Conv2dOp(LayerOp):
    """``dory.conv2d``: convolution (any kernel, stride, padding, dilation, groups) accumulated
    in si32, then the optional requantisation."""

    name = "dory.conv2d"
    operand_defs = (OperandDef("input", _S), OperandDef("weight", _S), OperandDef("bias", _S, optional=True))
    property_defs = CONV_PROPS + (_requant_prop(),)
    input: Value
    weight: Value
    bias: Value | None
    strides: tuple[int, int]
    dilations: tuple[int, int]
    pads: tuple[int, int, int, int]
    groups: int

    def stages(self) -> list[Stage]:
        """The convolution (si32 accumulator), then the requantisation."""
        ins = tuple(range(len(self.operands)))
        return [Stage(qnn.Conv2dOp, _pick(self, CONV_PROPS), self._acc_type(), ins)] + self._requant_stage()


class DepthwiseOp(Conv2dOp):
    """``dory.depthwise``: one filter per channel (``groups = C = O``, weight ``C x Kh x Kw x 1``)."""

    name = "dory.depthwise"
    property_defs = tuple(p for p in Conv2dOp.property_defs if p.name != "groups")

    @property
    def groups(self) -> int:
        """One group per channel: ``C``."""
        return self.operand_shape(0)[-1]

    def stages(self) -> list[Stage]:
        """The convolution with ``groups = C`` (si32 accumulator), then the requantisation."""
        props = _pick(self, CONV_PROPS)
        props["groups"] = IntegerAttr(self.groups)
        ins = tuple(range(len(self.operands)))
        return [Stage(qnn.Conv2dOp, props, self._acc_type(), ins)] + self._requant_stage()

    def verify_(self) -> None:
        super().verify_()
        c = self.groups
        w = self.operand_shape(1)
        if w[0] != c or w[3] != 1:
            raise OpVerifyError(f"weight expected {c}xKhxKwx1 (one filter per channel), found {'x'.join(map(str, w))}")


class LinearOp(LayerOp):
    """``dory.linear``: ``x @ w.T + b`` in si32, then the optional requantisation."""

    name = "dory.linear"
    operand_defs = (OperandDef("input", _S), OperandDef("weight", _S), OperandDef("bias", _S, optional=True))
    property_defs = (_requant_prop(),)
    input: Value
    weight: Value
    bias: Value | None

    def stages(self) -> list[Stage]:
        """The product (si32 accumulator), then the requantisation."""
        ins = tuple(range(len(self.operands)))
        return [Stage(qnn.LinearOp, {}, self._acc_type(), ins)] + self._requant_stage()


class PoolOp(LayerOp):
    """``dory.pool``: ``kind = "max"`` or ``"avg"`` window pooling (a global average is a window
    of the whole input), then the optional requantisation."""

    name = "dory.pool"
    operand_defs = (OperandDef("input", _S),)
    property_defs = (PropDef("kind", (StringAttr,), doc='``"max"`` or ``"avg"``.'),) + POOL_PROPS + (_requant_prop(),)
    input: Value
    kind: str
    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]
    ceil_mode: bool
    count_include_pad: bool
    rounding: str
    div: int | None

    def stages(self) -> list[Stage]:
        """The pooling (a max keeps the input type, an average sums in si32 when requantised),
        then the requantisation."""
        props = _pick(self, POOL_PROPS)
        if self.kind == "max":
            in_type = self.operands[0].type
            assert isinstance(in_type, (TensorType, MemRefType)) and isinstance(in_type.element_type, IntegerType)
            t = with_element(self.results[0].type, in_type.element_type if "requant" in self.properties else self.result_element)
            first = Stage(qnn.MaxPoolOp, props, t, (0,))
        else:
            first = Stage(qnn.AvgPoolOp, props, self._acc_type(), (0,))
        return [first] + self._requant_stage()

    def verify_(self) -> None:
        if self.kind not in ("max", "avg"):
            raise OpVerifyError(f"property 'kind' expected \"max\" or \"avg\", found \"{self.kind}\"")
        if self.kind == "max":
            extra = [k for k in ("count_include_pad", "div", "rounding") if k in self.properties]
            if extra:
                raise OpVerifyError(f"max pooling expected no '{extra[0]}' property, found one")
        super().verify_()


class AddOp(LayerOp):
    """``dory.add``: each input optionally requantised into si32 (``lhs_requant``,
    ``rhs_requant``), added, then the optional output requantisation."""

    name = "dory.add"
    operand_defs = (OperandDef("lhs", _S), OperandDef("rhs", _S))
    property_defs = (
        PropDef("lhs_requant", (DictAttr,), required=False),
        PropDef("rhs_requant", (DictAttr,), required=False),
        _requant_prop(),
    )
    lhs: Value
    rhs: Value

    def stages(self) -> list[Stage]:
        """Each input's rescale (if any), the sum, then the requantisation."""
        out: list[Stage] = []
        refs: list[int] = []
        for i, key in enumerate(("lhs_requant", "rhs_requant")):
            rq = requant_dict(self, key)
            if rq is None:
                refs.append(i)
            else:
                out.append(Stage(qnn.RequantOp, rq, with_element(self.operands[i].type, _ACC), (i,)))
                refs.append(-len(out))  # the stage just added
        out.append(Stage(qnn.AddOp, {}, self._acc_type(), tuple(refs)))
        return out + self._requant_stage()


class ConcatOp(Operation):
    """``dory.concat``: ``qnn.concat`` of layer outputs (the runtime copies into slices)."""

    name = "dory.concat"
    traits = (Pure(),)
    operand_defs = (OperandDef("inputs", _S, variadic=True),)
    result_defs = (ResultDef("result", _S),)
    property_defs = (PropDef("axis", (IntegerAttr,)),)
    inputs: list[Value]
    axis: int

    def verify_(self) -> None:
        t = self.results[0].type
        assert isinstance(t, (TensorType, MemRefType))
        stage = Stage(qnn.ConcatOp, dict(self.properties), TensorType(t.shape, t.element_type), tuple(range(len(self.operands))))
        verify_stages(self, [stage])


class ReshapeOp(Operation):
    """``dory.reshape``: a row-major reshape; it costs nothing (the result aliases the input)."""

    name = "dory.reshape"
    traits = (Pure(),)
    operand_defs = (OperandDef("input", _S),)
    result_defs = (ResultDef("result", _S),)
    property_defs = ()
    input: Value

    def verify_(self) -> None:
        t = self.results[0].type
        assert isinstance(t, (TensorType, MemRefType))
        verify_stages(self, [Stage(qnn.ReshapeOp, {}, TensorType(t.shape, t.element_type), (0,))])


class WeightsOp(Operation):
    """``dory.weights``: a constant (weights, bias) placed in a memory level by ``assign-memory``;
    ``resident`` says it stays in L2 across inferences."""

    name = "dory.weights"
    traits = (Pure(),)
    operand_defs = ()
    result_defs = (ResultDef("result", ANY),)
    property_defs = (
        PropDef("value", (DenseAttr,), doc="The constant."),
        PropDef("resident", (BoolAttr,), required=False, default=False, doc="Whether it stays in L2."),
    )
    value: DenseAttr
    resident: bool

    def verify_(self) -> None:
        v = self.value
        t = self.results[0].type
        if as_tensor(t) != v.type:
            raise OpVerifyError(f"result type expected the value's shape and element type ({v.type}), found {t}")


LAYER_OPS = (Conv2dOp, DepthwiseOp, LinearOp, PoolOp, AddOp)

Dory = register_dialect(
    Dialect("dory", [Conv2dOp, DepthwiseOp, LinearOp, PoolOp, AddOp, ConcatOp, ReshapeOp, WeightsOp], ["l1", "l2", "l3"])
)

__all__ = ["Stage", "LayerOp", "LAYER_OPS", "requant_dict", "as_tensor", "stage_inputs"]
