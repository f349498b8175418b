"""``qnn`` dialect: integer tensor ops with exact semantics (the spec is ``docs/qnn.md``).

This is what the ONNX frontend produces and what the reference interpreter runs. Besides the op
classes, the module exports the shape and property helpers the verifiers use (``conv_output_hw``,
``pool_output_hw``, ``broadcast_shapes``, ``get_array``, ``get_int``, ``round_div``, ...) so the
interpreter and passes compute exactly what the verifier checks instead of re-deriving it.

Every op verifies in the same order: declarations (operand/result kinds, property kinds and the
per-property checks attached to each `PropDef`), then ``_verify_properties`` (checks that need
several properties or operand types), then the result shape against ``infer_shape()``, then the
result element type. Accessors and defaults come from the declarations (`dory_ir.opdef`); the
one builder, `QnnOp.build`, takes operands and Python property values, omits default-valued
properties, computes the result type with the same ``infer_shape()`` and verifies the op it made,
raising a located `VerifyError` on bad input.
"""

from __future__ import annotations

from typing import Any, Callable, ClassVar, Self, Sequence

import numpy as np

from dory.dory_ir.attributes import (
    Attribute,
    BoolAttr,
    DenseArrayAttr,
    DenseAttr,
    IntegerAttr,
    StringAttr,
)
from dory.dory_ir.core import Dialect, Operation, Value, register_dialect
from dory.dory_ir.diagnostics import UNKNOWN, Location, OpVerifyError, VerifyError
from dory.dory_ir.opdef import (
    Constraint,
    DefaultFrom,
    OperandDef,
    PropDef,
    Pure,
    ResultDef,
    int_tensor,
    verify_declarations,
    verify_op,
)
from dory.dory_ir.types import IntegerType, TensorType, Type, i64, si32, si64

ROUNDINGS: tuple[str, ...] = ("floor", "trunc", "half_away")
"""Values of the ``rounding`` property; ``"floor"`` is the default (docs/qnn.md, rounding rule)."""

IntOrArray = int | np.ndarray
"""A per-tensor integer or a per-channel int64 vector (``qnn.requant``'s ``mul``/``add``)."""


# ---------------------------------------------------------------------------------------------
# Formatting (messages read "expected X, found Y")


def format_shape(shape: Sequence[int | str]) -> str:
    """``(1, 8, 8, 16)`` -> ``"1x8x8x16"``; a rank-0 shape reads ``"scalar"``."""
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


def _fmt_list(values: Sequence[int]) -> str:
    return "[" + ",".join(str(v) for v in values) + "]"


def _hw(values: Sequence[int]) -> str:
    return f"{values[0]}x{values[1]}"


# ---------------------------------------------------------------------------------------------
# Property readers (shared with the interpreter and passes)


def _prop(op: Operation, name: str, kind: type) -> Attribute | None:
    """Property ``name`` of ``op`` if present; a `TypeError` if it has the wrong kind, which a
    verified op never has (the readers are for verified ops, the verifier reports bad input)."""
    attr = op.properties.get(name)
    if attr is not None and not isinstance(attr, kind):
        raise TypeError(f"'{op.op_name}' property '{name}' is not a {kind.__name__}: {attr}")
    return attr


def get_array(op: Operation, name: str, default: Sequence[int]) -> tuple[int, ...]:
    """The values of the ``array<i64: ...>`` property ``name``, or ``default`` when it is absent."""
    attr = _prop(op, name, DenseArrayAttr)
    if attr is None:
        return tuple(int(v) for v in default)
    assert isinstance(attr, DenseArrayAttr)
    return attr.values


def get_int(op: Operation, name: str, default: int | None = None) -> int:
    """The integer property ``name``; ``default`` when it is absent (a `KeyError` if that is None:
    the property is required, so a verified op has it)."""
    attr = _prop(op, name, IntegerAttr)
    if attr is None:
        if default is None:
            raise KeyError(f"'{op.op_name}' has no property '{name}'")
        return default
    assert isinstance(attr, IntegerAttr)
    return attr.value


def get_optional_int(op: Operation, name: str) -> int | None:
    """The integer property ``name``, or None when it is absent."""
    return get_int(op, name) if name in op.properties else None


def get_bool(op: Operation, name: str, default: bool) -> bool:
    """The boolean property ``name``, or ``default`` when it is absent."""
    attr = _prop(op, name, BoolAttr)
    if attr is None:
        return default
    assert isinstance(attr, BoolAttr)
    return attr.value


def get_str(op: Operation, name: str, default: str) -> str:
    """The string property ``name``, or ``default`` when it is absent."""
    attr = _prop(op, name, StringAttr)
    if attr is None:
        return default
    assert isinstance(attr, StringAttr)
    return attr.value


def get_int_or_array(op: Operation, name: str, default: int) -> IntOrArray:
    """A property that is an integer (per tensor) or a rank-1 dense (per channel): the int, or a
    read-only int64 vector; ``default`` when absent."""
    attr = op.properties.get(name)
    if attr is None:
        return default
    if isinstance(attr, IntegerAttr):
        return attr.value
    if isinstance(attr, DenseAttr):
        return attr.data
    raise TypeError(f"'{op.op_name}' property '{name}' is neither an IntegerAttr nor a DenseAttr: {attr}")


def int_or_array_attr(value: "int | Sequence[int] | np.ndarray") -> Attribute:
    """The attribute spelling a per-tensor int (``3 : i64``) or a per-channel vector
    (``dense<[...]> : tensor<Cxsi32>``, si64 if a value does not fit si32)."""
    if isinstance(value, (int, np.integer)):
        return IntegerAttr(int(value), i64)
    arr = np.asarray(value, dtype=np.int64).reshape(-1)
    fits32 = arr.size == 0 or (si32.fits(int(arr.min())) and si32.fits(int(arr.max())))
    return DenseAttr.from_array(arr, si32 if fits32 else si64)


# ---------------------------------------------------------------------------------------------
# Shape and arithmetic helpers (the single definition of every output-size formula)


def conv_output_size(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int, dilation: int) -> int:
    """Output length of a convolution along one axis; < 1 means the window does not fit."""
    return (size + pad_begin + pad_end - dilation * (kernel - 1) - 1) // stride + 1


def conv_output_hw(
    hw: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int] = (1, 1),
    pads: Sequence[int] = (0, 0, 0, 0),
    dilations: Sequence[int] = (1, 1),
) -> tuple[int, int]:
    """``(Ho, Wo)`` of ``qnn.conv2d`` for input ``hw = (H, W)``, ``kernel = (Kh, Kw)``, ``pads``
    ``[top, left, bottom, right]``."""
    return (
        conv_output_size(hw[0], kernel[0], strides[0], pads[0], pads[2], dilations[0]),
        conv_output_size(hw[1], kernel[1], strides[1], pads[1], pads[3], dilations[1]),
    )


def pool_output_size(size: int, kernel: int, stride: int, pad_begin: int, pad_end: int, ceil_mode: bool = False) -> int:
    """Output length of a pooling window along one axis; < 1 means the window does not fit.

    In ceil mode a trailing partial window is kept, except one that would start in the end
    padding (ONNX/PyTorch rule), since such a window would only see padding.
    """
    span = size + pad_begin + pad_end - kernel
    if span < 0 or not ceil_mode:
        return span // stride + 1
    out = -(-span // stride) + 1
    if (out - 1) * stride >= size + pad_begin:
        out -= 1
    return out


def pool_output_hw(
    hw: Sequence[int],
    kernel: Sequence[int],
    strides: Sequence[int],
    pads: Sequence[int] = (0, 0, 0, 0),
    ceil_mode: bool = False,
) -> tuple[int, int]:
    """``(Ho, Wo)`` of ``qnn.maxpool``/``qnn.avgpool`` (pads ``[top, left, bottom, right]``)."""
    return (
        pool_output_size(hw[0], kernel[0], strides[0], pads[0], pads[2], ceil_mode),
        pool_output_size(hw[1], kernel[1], strides[1], pads[1], pads[3], ceil_mode),
    )


def broadcast_shapes(a: Sequence[int], b: Sequence[int]) -> tuple[int, ...] | None:
    """numpy broadcasting of two shapes, or None if they are incompatible."""
    out: list[int] = []
    for i in range(1, max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def pad_shape(shape: Sequence[int], pads: Sequence[int]) -> tuple[int, ...]:
    """Shape after ``qnn.pad`` with ONNX-ordered ``pads`` (all begins, then all ends)."""
    r = len(shape)
    return tuple(shape[i] + pads[i] + pads[r + i] for i in range(r))


def flatten_shape(shape: Sequence[int], axis: int) -> tuple[int, int]:
    """``[prod(shape[:axis]), prod(shape[axis:])]`` for ``0 <= axis <= rank``."""
    return (int(np.prod(shape[:axis], dtype=np.int64)), int(np.prod(shape[axis:], dtype=np.int64)))


def normalize_axis(axis: int, rank: int) -> int:
    """A possibly negative axis in ``[-rank, rank)`` as a non-negative one."""
    return axis + rank if axis < 0 else axis


def is_permutation(perm: Sequence[int], rank: int) -> bool:
    """Whether ``perm`` lists every axis ``0..rank-1`` exactly once."""
    return sorted(perm) == list(range(rank))


def round_div(num: IntOrArray, den: int, rounding: str = "floor") -> IntOrArray:
    """Exact ``num / den`` for a positive ``den``, rounded by the qnn rounding rule: ``"floor"``
    towards minus infinity, ``"trunc"`` towards zero, ``"half_away"`` to nearest with ties away
    from zero. Works on ints and int64 arrays."""
    q = num // den
    if rounding == "floor":
        return q
    if rounding == "half_away":
        mag = abs(num)
        qm, rem = mag // den, mag % den
        up = rem >= den - rem
        if isinstance(num, np.ndarray):
            return np.where(num < 0, -1, 1) * (qm + up)
        return -(qm + up) if num < 0 else qm + up
    # Floor division already rounds non-negative quotients toward zero; negative inexact
    # quotients are one too small.
    return q + ((num % den != 0) & (num < 0))


def type_holds(t: IntegerType, lo: int, hi: int) -> bool:
    """Whether every integer in ``[lo, hi]`` is representable in ``t``."""
    return t.min_value <= lo and hi <= t.max_value


def _range_str(t: IntegerType) -> str:
    return f"[{t.min_value}, {t.max_value}] (the range of {t})"


# ---------------------------------------------------------------------------------------------
# Per-property checks run by the generic verifier (dory_ir.opdef): each returns the message tail
# after "property '<name>' ", or None when the attribute is fine.


def _array_check(length: int | None = None, minimum: int | None = None) -> Callable[[Attribute], str | None]:
    def check(a: Attribute) -> str | None:
        assert isinstance(a, DenseArrayAttr)
        if a.element_type != i64:
            return f"expected array<i64>, found {a}"
        if length is not None and len(a.values) != length:
            return f"expected {length} entries, found {len(a.values)}"
        if minimum is not None and any(v < minimum for v in a.values):
            return f"expected entries >= {minimum}, found {a}"
        return None

    return check


MAX_SHIFT = 127
"""The largest ``qnn.requant`` shift: beyond it the divisor ``2**shift`` only costs memory (a shift
of 2^40 made the verifier's window arithmetic raise MemoryError), and no exported network comes
near (backends' C runtime takes at most 62: backends/verify_plan.py)."""


def _int_check(minimum: int | None = None) -> Callable[[Attribute], str | None]:
    def check(a: Attribute) -> str | None:
        assert isinstance(a, IntegerAttr)
        if not isinstance(a.type, IntegerType):
            return f"expected an integer attribute, found {a}"
        if minimum is not None and a.value < minimum:
            return f"expected >= {minimum}, found {a.value}"
        return None

    return check


def _rounding_check(a: Attribute) -> str | None:
    assert isinstance(a, StringAttr)
    if a.value not in ROUNDINGS:
        return f'expected "floor", "trunc" or "half_away", found {a}'
    return None


def _int_or_vector_check(a: Attribute) -> str | None:
    if isinstance(a, IntegerAttr):
        return _int_check()(a)
    assert isinstance(a, DenseAttr)
    if a.type.rank != 1:
        return f"expected an integer or a rank-1 dense, found {a.type}"
    return None


def _int_or_data(a: Attribute) -> IntOrArray:
    """The Python value of an int-or-vector property (``qnn.requant``'s ``mul``/``add``)."""
    if isinstance(a, IntegerAttr):
        return a.value
    assert isinstance(a, DenseAttr)
    return a.data


def _hw_array(name: str, minimum: int, default: Any, doc: str) -> PropDef:
    return PropDef(name, (DenseArrayAttr,), required=False, check=_array_check(2, minimum), default=default, doc=doc)


def _pads_2d() -> PropDef:
    return PropDef(
        "pads",
        (DenseArrayAttr,),
        required=False,
        check=_array_check(4, 0),
        default=(0, 0, 0, 0),
        doc="``(top, left, bottom, right)``, default zeros.",
    )


def _rounding() -> PropDef:
    return PropDef(
        "rounding",
        (StringAttr,),
        required=False,
        check=_rounding_check,
        default="floor",
        doc='``"floor"`` (default), ``"trunc"`` or ``"half_away"``.',
    )


def _div() -> PropDef:
    return PropDef(
        "div", (IntegerAttr,), required=False, check=_int_check(1), doc="The explicit divisor, if present."
    )


def _min_max() -> tuple[PropDef, PropDef]:
    return (
        PropDef("min", (IntegerAttr,), check=_int_check(), doc="Lower clip bound."),
        PropDef("max", (IntegerAttr,), check=_int_check(), doc="Upper clip bound."),
    )


_STRIDES_1 = _hw_array("strides", 1, (1, 1), "``(sh, sw)``, default ``(1, 1)``.")
_STRIDES_K = _hw_array("strides", 1, DefaultFrom("kernel"), "``(sh, sw)``, default the kernel.")


_T = int_tensor()
_T1 = int_tensor(1)
_T2 = int_tensor(2)
_T4 = int_tensor(4)


# ---------------------------------------------------------------------------------------------
# Op base


class QnnOp(Operation):
    """Common structure of qnn ops: one tensor result, pure, and a verifier that checks
    properties, then the result shape against ``infer_shape()``, then the element type."""

    traits: ClassVar[tuple] = (Pure(),)
    default_element: ClassVar[IntegerType | None] = None
    """The result element type `build` gives when none is passed (None: the first operand's)."""
    build_aliases: ClassVar[dict[str, str]] = {"min_value": "min", "max_value": "max"}
    """Builder keywords that spell a property under another name (``min`` shadows a builtin)."""

    @property
    def result_type(self) -> TensorType:
        """The type of the single result."""
        t = self.results[0].type
        assert isinstance(t, TensorType)
        return t

    def operand_type(self, index: int = 0) -> TensorType:
        """The tensor type of operand ``index``."""
        t = self.operands[index].type
        assert isinstance(t, TensorType)
        return t

    def operand_element(self, index: int = 0) -> IntegerType:
        """The integer element type of operand ``index``."""
        et = self.operand_type(index).element_type
        assert isinstance(et, IntegerType)
        return et

    @property
    def result_element(self) -> IntegerType:
        """The integer element type of the result."""
        et = self.result_type.element_type
        assert isinstance(et, IntegerType)
        return et

    def infer_shape(self) -> tuple[int, ...]:
        """The result shape the semantics give for these operands and properties (default: the
        first operand's shape). Raises `OpVerifyError` when they are inconsistent."""
        return self.operand_type(0).shape

    def shape_note(self) -> str:
        """What ``infer_shape`` derived the shape from, quoted in the mismatch message."""
        return "same as input"

    def _verify_properties(self) -> None:
        """Checks that involve several properties or operand types (declarations already hold)."""

    def _verify_element_type(self) -> None:
        """Checks on the result element type (the default accepts any integer type)."""

    def _verify_same_element(self, what: str = "same as input") -> None:
        if self.result_element != self.operand_element(0):
            raise OpVerifyError(
                f"result element type expected {self.operand_element(0)} ({what}), found {self.result_element}"
            )

    def verify_(self) -> None:
        """Properties, then result shape, then result element type (see the class docstring)."""
        self._verify_properties()
        expected = self.infer_shape()
        found = self.result_type.shape
        if tuple(expected) != tuple(found):
            raise OpVerifyError(
                f"result shape expected {format_shape(expected)} ({self.shape_note()}), found {format_shape(found)}"
            )
        self._verify_element_type()

    @classmethod
    def build(
        cls,
        *args: Any,
        result_element: IntegerType | None = None,
        name: str | None = None,
        loc: Location = UNKNOWN,
        **props: Any,
    ) -> Self:
        """The one builder: ``args`` are the operands in declaration order (a variadic operand is
        an iterable, an optional one may be None), then any properties not given by keyword, in
        declaration order (``MaxPoolOp.build(x, (2, 2))``); ``props`` are Python values (or
        attributes) by property name. Default-valued properties are omitted; the result type is
        ``infer_shape()`` with element ``result_element`` (default `default_element`); the op is
        verified, a located `VerifyError` if it is invalid."""
        operands: list[Value] = []
        rest = list(args)
        for d in cls.operand_defs or ():
            if not rest:
                break
            v = rest.pop(0)
            if d.variadic:
                operands.extend(v)
            elif v is not None:
                operands.append(v)
        values: dict[str, Any] = {cls.build_aliases.get(k, k): v for k, v in props.items()}
        pdefs = {p.name: p for p in cls.property_defs}
        for p in cls.property_defs:
            if not rest:
                break
            if p.name not in values:
                values[p.name] = rest.pop(0)
        if rest:
            raise TypeError(f"{cls.__name__}.build() got {len(args)} positional arguments, too many")
        attrs: dict[str, Attribute] = {}
        for k, v in values.items():
            p = pdefs.get(k)
            if p is None:
                raise TypeError(f"{cls.__name__}.build() got an unexpected keyword argument '{k}'")
            if not p.is_default(v, values):
                attrs[k] = p.attr_of(v)
        # Property order as declared, so the printed dictionary is the same whatever the call.
        ordered = {p.name: attrs[p.name] for p in cls.property_defs if p.name in attrs}
        return cls._create(operands, ordered, result_element or cls.default_element, name, loc)

    @classmethod
    def _create(
        cls,
        operands: Sequence[Value],
        properties: dict[str, Attribute],
        element: Type | None,
        name: str | None,
        loc: Location,
        placeholder: Type | None = None,
    ) -> Self:
        """Make an op, give it the type ``infer_shape()`` computes (element type ``element``,
        default the first operand's) and verify it; a located `VerifyError` if it is invalid."""
        if not operands and placeholder is None:
            raise VerifyError(loc, f"'{cls.name}' op expected at least 1 operand, found 0")
        op = cls.__new__(cls)
        # The result type depends on the op's own properties and operands, so build with a
        # placeholder that satisfies the result declaration, check operands and properties, then
        # infer the real type from the op itself: one code path with the verifier.
        first = placeholder if placeholder is not None else operands[0].type
        Operation.__init__(
            op, operands=operands, result_types=[first], properties=properties, loc=loc, result_names=[name]
        )
        try:
            assert cls.result_defs is not None
            constraint: Constraint = cls.result_defs[0].constraint
            if not constraint(first) and isinstance(first, TensorType):
                # Only flatten changes rank against its input; any matrix satisfies it.
                op.results[0].type = TensorType((1, 1), first.element_type)
            verify_declarations(op)
            op._verify_properties()
            elem = element if element is not None else op.operand_element(0)
            op.results[0].type = TensorType(tuple(op.infer_shape()), elem)
            verify_op(op)
        except OpVerifyError as e:
            op.drop_operand_uses()
            raise VerifyError(loc, f"'{cls.name}' op {e}") from None
        return op


# ---------------------------------------------------------------------------------------------
# Ops


class ConstantOp(QnnOp):
    """``qnn.constant``: a dense integer tensor; the result type equals the value's type."""

    name = "qnn.constant"
    operand_defs = ()
    result_defs = (ResultDef("result", _T),)
    property_defs = (PropDef("value", (DenseAttr,), doc="The constant attribute."),)
    value: DenseAttr

    @property
    def data(self) -> np.ndarray:
        """The constant's values (read-only int64 array of the result shape)."""
        return self.value.data

    def infer_shape(self) -> tuple[int, ...]:
        """The value's shape."""
        return self.value.type.shape

    def shape_note(self) -> str:
        """The shape comes from ``value``."""
        return "the shape of 'value'"

    def _verify_properties(self) -> None:
        if self.value.type != self.result_type:
            raise OpVerifyError(
                f"result type expected {self.value.type} (the type of 'value'), found {self.result_type}"
            )

    @classmethod
    def build(cls, value: DenseAttr, *, name: str | None = None, loc: Location = UNKNOWN) -> Self:  # type: ignore[override]
        """``qnn.constant`` of ``value`` (see `DenseAttr.from_array`): the type is the value's."""
        return cls._create([], {"value": value}, value.type.element_type, name, loc, placeholder=value.type)


class Conv2dOp(QnnOp):
    """``qnn.conv2d``: NHWC input, OHWI weight (``O x Kh x Kw x C/groups``), optional bias ``O``;
    grouped (incl. depthwise), strided, dilated, zero-padded; the sum wraps to the result type."""

    name = "qnn.conv2d"
    operand_defs = (OperandDef("input", _T4), OperandDef("weight", _T4), OperandDef("bias", _T1, optional=True))
    result_defs = (ResultDef("result", _T4),)
    property_defs = (
        _STRIDES_1,
        _hw_array("dilations", 1, (1, 1), "``(dh, dw)``, default ``(1, 1)``."),
        _pads_2d(),
        PropDef(
            "groups",
            (IntegerAttr,),
            required=False,
            check=_int_check(1),
            default=1,
            doc="Number of groups, default 1 (``groups == C`` is depthwise).",
        ),
    )
    default_element = si32
    input: Value
    weight: Value
    bias: Value | None
    strides: tuple[int, int]
    dilations: tuple[int, int]
    pads: tuple[int, int, int, int]
    groups: int

    @property
    def kernel(self) -> tuple[int, int]:
        """``(Kh, Kw)`` from the weight shape."""
        w = self.operand_type(1).shape
        return (w[1], w[2])

    def shape_note(self) -> str:
        """Input, kernel, strides, pads and dilations, as the spec's formula uses them."""
        return (
            f"from input {format_shape(self.operand_type(0).shape)}, kernel {_hw(self.kernel)}, "
            f"strides {_hw(self.strides)}, pads {_fmt_list(self.pads)}, dilations {_hw(self.dilations)}"
        )

    def _verify_properties(self) -> None:
        x, w = self.operand_type(0).shape, self.operand_type(1).shape
        g, c, o, cg = self.groups, x[3], w[0], w[3]
        if c % g != 0:
            raise OpVerifyError(f"input channels expected a multiple of groups {g}, found {c}")
        if cg != c // g:
            raise OpVerifyError(f"weight dimension 3 expected {c // g} (input channels {c} / groups {g}), found {cg}")
        if o % g != 0:
            raise OpVerifyError(f"output channels expected a multiple of groups {g}, found {o}")
        if self.bias is not None and self.operand_type(2).shape != (o,):
            raise OpVerifyError(
                f"bias shape expected {o} (output channels), found {format_shape(self.operand_type(2).shape)}"
            )

    def infer_shape(self) -> tuple[int, ...]:
        """``N x Ho x Wo x O`` (spec formula); the output must be at least 1x1."""
        x, w = self.operand_type(0).shape, self.operand_type(1).shape
        ho, wo = conv_output_hw((x[1], x[2]), self.kernel, self.strides, self.pads, self.dilations)
        if ho < 1 or wo < 1:
            raise OpVerifyError(f"output height and width expected >= 1, found {ho}x{wo} ({self.shape_note()})")
        return (x[0], ho, wo, w[0])

class LinearOp(QnnOp):
    """``qnn.linear``: ``y = x @ w.T + b`` for ``x: NxK``, ``w: MxK``, optional ``b: M``; wraps."""

    name = "qnn.linear"
    operand_defs = (OperandDef("input", _T2), OperandDef("weight", _T2), OperandDef("bias", _T1, optional=True))
    result_defs = (ResultDef("result", _T2),)
    default_element = si32
    input: Value
    weight: Value
    bias: Value | None

    def shape_note(self) -> str:
        """Input and weight shapes."""
        x, w = self.operand_type(0).shape, self.operand_type(1).shape
        return f"from input {format_shape(x)}, weight {format_shape(w)}"

    def _verify_properties(self) -> None:
        x, w = self.operand_type(0).shape, self.operand_type(1).shape
        if w[1] != x[1]:
            raise OpVerifyError(f"weight dimension 1 expected {x[1]} (input features), found {w[1]}")
        if self.bias is not None and self.operand_type(2).shape != (w[0],):
            raise OpVerifyError(
                f"bias shape expected {w[0]} (output features), found {format_shape(self.operand_type(2).shape)}"
            )

    def infer_shape(self) -> tuple[int, ...]:
        """``N x M``."""
        return (self.operand_type(0).shape[0], self.operand_type(1).shape[0])

def _verify_min_max(op: Operation, t: IntegerType) -> None:
    """``min``/``max`` (required ints) fit ``t`` and ``min <= max`` (requant and clip)."""
    lo, hi = get_int(op, "min"), get_int(op, "max")
    for name, v in (("min", lo), ("max", hi)):
        if not t.fits(v):
            raise OpVerifyError(f"property '{name}' expected a value in {_range_str(t)}, found {v}")
    if lo > hi:
        raise OpVerifyError(f"property 'min' expected <= max ({hi}), found {lo}")


class RequantOp(QnnOp):
    """``qnn.requant``: ``y = clip(round((x*mul + add) / d), min, max)`` with ``d = 2**shift`` or
    ``div``; ``mul``/``add`` are per tensor (int) or per channel (rank-1 dense over the last axis)."""

    name = "qnn.requant"
    operand_defs = (OperandDef("input", _T),)
    result_defs = (ResultDef("result", _T),)
    property_defs = (
        PropDef(
            "mul",
            (IntegerAttr, DenseAttr),
            check=_int_or_vector_check,
            value=_int_or_data,
            attr=int_or_array_attr,
            doc="The multiplier: an int, or an int64 vector over the last axis.",
        ),
        PropDef(
            "add",
            (IntegerAttr, DenseAttr),
            required=False,
            check=_int_or_vector_check,
            default=0,
            value=_int_or_data,
            attr=int_or_array_attr,
            doc="The addend (default 0): an int, or an int64 vector over the last axis.",
        ),
        PropDef("shift", (IntegerAttr,), required=False, check=_int_check(0), doc="The shift, if present."),
        _div(),
        *_min_max(),
        _rounding(),
        PropDef(
            "win_lo",
            (DenseAttr,),
            required=False,
            check=_int_or_vector_check,
            doc="With ``win_hi``: the per-channel input window of dory_ir/analysis/requant_window.py "
            "(clamping the input to it changes no result; the C kernels' 32-bit end). Derived, verified.",
        ),
        PropDef("win_hi", (DenseAttr,), required=False, check=_int_or_vector_check, doc="See ``win_lo``."),
    )
    input: Value
    mul: IntOrArray
    add: IntOrArray
    shift: int | None
    div: int | None
    min: int
    max: int
    rounding: str

    @property
    def divisor(self) -> int:
        """The positive divisor ``d``: ``2**shift`` or ``div``."""
        s = self.shift
        if s is not None:
            return 1 << s
        return get_int(self, "div")

    def _verify_properties(self) -> None:
        shape = self.operand_type(0).shape
        for name in ("mul", "add"):
            attr = self.properties.get(name)
            if not isinstance(attr, DenseAttr):
                continue
            if not shape:
                raise OpVerifyError(f"property '{name}' expected an integer for a rank-0 input, found {attr.type}")
            if attr.type.shape[0] != shape[-1]:
                raise OpVerifyError(
                    f"property '{name}' expected {shape[-1]} per-channel values (the last dimension of the input), "
                    f"found {attr.type.shape[0]}"
                )
        has_shift, has_div = "shift" in self.properties, "div" in self.properties
        if has_shift == has_div:
            raise OpVerifyError(
                f"expected exactly one of properties 'shift' and 'div', found {'both' if has_shift else 'neither'}"
            )
        if has_shift and (self.shift or 0) > MAX_SHIFT:
            raise OpVerifyError(f"property 'shift' expected at most {MAX_SHIFT}, found {self.shift}")
        self._verify_window(shape)

    def _verify_window(self, shape: tuple[int, ...]) -> None:
        """``win_lo``/``win_hi`` come together and are exactly the window of the requant's
        parameters (dory_ir/analysis/requant_window.py), so a kernel may trust them."""
        lo, hi = self.properties.get("win_lo"), self.properties.get("win_hi")
        if lo is None and hi is None:
            return
        if not isinstance(lo, DenseAttr) or not isinstance(hi, DenseAttr):
            raise OpVerifyError("expected both properties 'win_lo' and 'win_hi' or neither")
        if not shape or lo.type.shape[0] != shape[-1] or hi.type.shape[0] != shape[-1]:
            raise OpVerifyError(f"properties 'win_lo'/'win_hi' expected {shape[-1] if shape else 1} per-channel values")
        if lo.elided or hi.elided:
            return  # a printed-without-data op: nothing to compare
        from dory.dory_ir.analysis.ranges import affine_of  # dialect -> analysis: imported on use
        from dory.dory_ir.analysis.requant_window import window_of

        ac = affine_of(self)
        want = window_of(ac, shape[-1]) if ac is not None else None
        got = (tuple(int(v) for v in lo.data), tuple(int(v) for v in hi.data))
        if want != got:
            raise OpVerifyError("properties 'win_lo'/'win_hi' expected the requant's input window "
                                f"({'none exists' if want is None else 'they differ from it'})")

    def _verify_element_type(self) -> None:
        _verify_min_max(self, self.result_element)

class AddOp(QnnOp):
    """``qnn.add``: numpy-broadcast ``a + b``, wrapped to the result type."""

    name = "qnn.add"
    operand_defs = (OperandDef("lhs", _T), OperandDef("rhs", _T))
    result_defs = (ResultDef("result", _T),)
    default_element = si32
    lhs: Value
    rhs: Value

    def shape_note(self) -> str:
        """The two operand shapes."""
        a, b = self.operand_type(0).shape, self.operand_type(1).shape
        return f"broadcast of {format_shape(a)} and {format_shape(b)}"

    def infer_shape(self) -> tuple[int, ...]:
        """The broadcast shape of the operands."""
        a, b = self.operand_type(0).shape, self.operand_type(1).shape
        out = broadcast_shapes(a, b)
        if out is None:
            raise OpVerifyError(
                f"operand shapes expected broadcast-compatible, found {format_shape(a)} and {format_shape(b)}"
            )
        return out

class ClipOp(QnnOp):
    """``qnn.clip``: ``clamp(x, min, max)``; the bounds fit the result element type."""

    name = "qnn.clip"
    operand_defs = (OperandDef("input", _T),)
    result_defs = (ResultDef("result", _T),)
    property_defs = _min_max()
    input: Value
    min: int
    max: int

    def _verify_element_type(self) -> None:
        _verify_min_max(self, self.result_element)


class SoftmaxOp(QnnOp):
    """``qnn.softmax``: TFLite's reference int8 softmax over the last axis (gemmlowp fixed point,
    dory_ir/interp/fixedpoint.py): ``mul`` and ``left_shift`` scale the differences to the row's
    maximum into Q5.26, ``diff_min`` drops the smaller ones (they give -128); the result is int8
    with scale 1/256 and zero point -128."""

    name = "qnn.softmax"
    operand_defs = (OperandDef("input", _T),)
    result_defs = (ResultDef("result", _T),)
    property_defs = (
        PropDef("mul", (IntegerAttr,), check=_int_check(0), doc="The Q0.31 input multiplier (TFLite's input_multiplier)."),
        PropDef("left_shift", (IntegerAttr,), check=_int_check(0), doc="The left shift before the multiply (input_left_shift)."),
        PropDef("diff_min", (IntegerAttr,), check=_int_check(), doc="Differences below it give -128 (TFLite's diff_min)."),
    )
    input: Value
    mul: int
    left_shift: int
    diff_min: int

    def _verify_properties(self) -> None:
        if self.operand_element(0) != IntegerType(8, "signed"):
            raise OpVerifyError(f"operand expected si8, found {self.operand_element(0)}")
        if not self.operand_type(0).shape:
            raise OpVerifyError("operand expected rank >= 1 (the softmax runs over the last axis), found a scalar")
        if get_int(self, "mul") >= 1 << 31:
            raise OpVerifyError(f"property 'mul' expected < 2^31 (a Q0.31 multiplier), found {get_int(self, 'mul')}")
        if get_int(self, "left_shift") > 31:
            raise OpVerifyError(f"property 'left_shift' expected <= 31, found {get_int(self, 'left_shift')}")

    def _verify_element_type(self) -> None:
        self._verify_same_element()


class _PoolOp(QnnOp):
    """Shared part of ``qnn.maxpool`` and ``qnn.avgpool``: kernel/strides/pads and output size."""

    operand_defs = (OperandDef("input", _T4),)
    result_defs = (ResultDef("result", _T4),)
    window_defs: ClassVar[tuple[PropDef, ...]] = (
        PropDef("kernel", (DenseArrayAttr,), check=_array_check(2, 1), doc="``(Kh, Kw)``."),
        _STRIDES_K,
        _pads_2d(),
    )
    input: Value
    kernel: tuple[int, int]
    strides: tuple[int, int]
    pads: tuple[int, int, int, int]
    ceil_mode: bool
    """Whether output sizes round up (only ``qnn.maxpool`` has the property)."""

    def shape_note(self) -> str:
        """Input, kernel, strides, pads (and ceil mode)."""
        text = (
            f"from input {format_shape(self.operand_type(0).shape)}, kernel {_hw(self.kernel)}, "
            f"strides {_hw(self.strides)}, pads {_fmt_list(self.pads)}"
        )
        return text + (", ceil_mode" if self.ceil_mode else "")

    def _verify_properties(self) -> None:
        # Every window must see at least one input element: the max of an empty window is
        # undefined and an exclusive average would divide by zero (onnxruntime has this rule).
        (kh, kw), p = self.kernel, self.pads
        if p[0] >= kh or p[2] >= kh or p[1] >= kw or p[3] >= kw:
            raise OpVerifyError(
                f"property 'pads' expected entries smaller than the kernel {kh}x{kw}, found {_fmt_list(p)}"
            )

    def infer_shape(self) -> tuple[int, ...]:
        """``N x Ho x Wo x C``; the output must be at least 1x1."""
        x = self.operand_type(0).shape
        ho, wo = pool_output_hw((x[1], x[2]), self.kernel, self.strides, self.pads, self.ceil_mode)
        if ho < 1 or wo < 1:
            raise OpVerifyError(f"output height and width expected >= 1, found {ho}x{wo} ({self.shape_note()})")
        return (x[0], ho, wo, x[3])

class MaxPoolOp(_PoolOp):
    """``qnn.maxpool``: window maximum (padding never wins); same element type as the input."""

    name = "qnn.maxpool"
    property_defs = _PoolOp.window_defs + (
        PropDef("ceil_mode", (BoolAttr,), required=False, default=False, doc="Whether output sizes round up."),
    )

    def _verify_element_type(self) -> None:
        self._verify_same_element()

def _verify_average_type(op: QnnOp, window: int, div: int | None) -> None:
    """The result element type holds every possible result (avgpool, global_avgpool): the input
    element range for a true average, ``window/div`` times it for an explicit divisor (``div = 1``
    is a plain window sum)."""
    t, r = op.operand_element(0), op.result_element
    lo, hi = t.min_value, t.max_value
    if div is not None:
        lo, hi = (min(lo, 0) * window) // div, -((-max(hi, 0) * window) // div)
    if not type_holds(r, lo, hi):
        what = f"every possible average of {t}" if div is None else f"every window sum of {window} {t} values divided by {div}"
        raise OpVerifyError(f"result element type expected a type holding [{lo}, {hi}] ({what}), found {r}")


class AvgPoolOp(_PoolOp):
    """``qnn.avgpool``: ``round(sum(window) / n)``, ``n`` the window size if ``count_include_pad``
    else the number of in-bounds elements; the result type holds every possible average."""

    name = "qnn.avgpool"
    property_defs = _PoolOp.window_defs + (
        PropDef(
            "count_include_pad",
            (BoolAttr,),
            required=False,
            default=False,
            doc="Whether padded positions count in the divisor (default false).",
        ),
        _rounding(),
        _div(),
    )
    ceil_mode = False  # avgpool has no ceil mode
    count_include_pad: bool
    rounding: str
    div: int | None

    def _verify_element_type(self) -> None:
        # An average of values in [lo, hi] (padding zeros included, 0 is in every range) stays in
        # [lo, hi] after either rounding, and an all-max window reaches hi: the input range it is.
        kh, kw = self.kernel
        _verify_average_type(self, kh * kw, self.div)

class GlobalAvgPoolOp(QnnOp):
    """``qnn.global_avgpool``: ``round(sum over H, W / div)`` (``div`` default ``H*W``) to
    ``N x 1 x 1 x C``; the result type holds the input element range."""

    name = "qnn.global_avgpool"
    operand_defs = (OperandDef("input", _T4),)
    result_defs = (ResultDef("result", _T4),)
    property_defs = (_rounding(), _div())
    input: Value
    rounding: str
    div: int | None

    @property
    def divisor(self) -> int:
        """The divisor used: ``div``, default ``H*W``."""
        x = self.operand_type(0).shape
        return get_int(self, "div", x[1] * x[2])

    def infer_shape(self) -> tuple[int, ...]:
        """``N x 1 x 1 x C``."""
        x = self.operand_type(0).shape
        return (x[0], 1, 1, x[3])

    def shape_note(self) -> str:
        """The input shape."""
        return f"from input {format_shape(self.operand_type(0).shape)}"

    def _verify_element_type(self) -> None:
        # As for qnn.avgpool: the input range, scaled by (H*W)/div for an explicit divisor.
        x = self.operand_type(0).shape
        _verify_average_type(self, x[1] * x[2], self.div)

class PadOp(QnnOp):
    """``qnn.pad``: constant padding by ``pads`` (all begins, then all ends: ONNX order)."""

    name = "qnn.pad"
    operand_defs = (OperandDef("input", _T),)
    result_defs = (ResultDef("result", _T),)
    property_defs = (
        PropDef(
            "pads", (DenseArrayAttr,), check=_array_check(None, 0), doc="``2*rank`` entries: begins of every axis, then ends."
        ),
        PropDef("value", (IntegerAttr,), required=False, check=_int_check(), default=0, doc="The padding value (default 0)."),
    )
    input: Value
    pads: tuple[int, ...]
    value: int

    def shape_note(self) -> str:
        """Input shape and pads."""
        return f"input {format_shape(self.operand_type(0).shape)} padded by {_fmt_list(self.pads)}"

    def _verify_properties(self) -> None:
        r = self.operand_type(0).rank
        if len(self.pads) != 2 * r:
            raise OpVerifyError(f"property 'pads' expected {2 * r} entries (2 x rank {r}), found {len(self.pads)}")
        t = self.operand_element(0)
        if not t.fits(self.value):
            raise OpVerifyError(f"property 'value' expected a value in {_range_str(t)}, found {self.value}")

    def infer_shape(self) -> tuple[int, ...]:
        """Each dimension grows by its begin and end padding."""
        return pad_shape(self.operand_type(0).shape, self.pads)

    def _verify_element_type(self) -> None:
        self._verify_same_element()

class ReshapeOp(QnnOp):
    """``qnn.reshape``: row-major reshape; same element count and type."""

    name = "qnn.reshape"
    operand_defs = (OperandDef("input", _T),)
    result_defs = (ResultDef("result", _T),)
    input: Value

    def infer_shape(self) -> tuple[int, ...]:
        """The result's own shape (the target is the result type), checked for element count."""
        x, y = self.operand_type(0), self.result_type
        if x.num_elements != y.num_elements:
            raise OpVerifyError(
                f"result element count expected {x.num_elements} (from input {format_shape(x.shape)}), "
                f"found {y.num_elements} (result {format_shape(y.shape)})"
            )
        return y.shape

    def _verify_element_type(self) -> None:
        self._verify_same_element()

    @classmethod
    def build(  # type: ignore[override]
        cls, x: Value, shape: Sequence[int], *, name: str | None = None, loc: Location = UNKNOWN
    ) -> Self:
        """``qnn.reshape`` of ``x`` to ``shape`` (the target shape is the result type's)."""
        xt = x.type
        assert isinstance(xt, TensorType)
        target = TensorType(tuple(int(d) for d in shape), xt.element_type)
        return cls._create([x], {}, None, name, loc, placeholder=target)


class FlattenOp(QnnOp):
    """``qnn.flatten``: row-major to ``[prod(dims[:axis]), prod(dims[axis:])]``."""

    name = "qnn.flatten"
    operand_defs = (OperandDef("input", _T),)
    result_defs = (ResultDef("result", _T2),)
    property_defs = (
        PropDef(
            "axis", (IntegerAttr,), required=False, check=_int_check(), default=1, doc="The split axis in ``[0, rank]`` (default 1)."
        ),
    )
    input: Value
    axis: int

    def shape_note(self) -> str:
        """Input shape and axis."""
        return f"input {format_shape(self.operand_type(0).shape)} flattened at axis {self.axis}"

    def _verify_properties(self) -> None:
        r = self.operand_type(0).rank
        if not 0 <= self.axis <= r:
            raise OpVerifyError(f"property 'axis' expected a value in [0, {r}], found {self.axis}")

    def infer_shape(self) -> tuple[int, ...]:
        """``[prod(dims[:axis]), prod(dims[axis:])]``."""
        return flatten_shape(self.operand_type(0).shape, self.axis)

    def _verify_element_type(self) -> None:
        self._verify_same_element()

class TransposeOp(QnnOp):
    """``qnn.transpose``: ``y = x.transpose(perm)``."""

    name = "qnn.transpose"
    operand_defs = (OperandDef("input", _T),)
    result_defs = (ResultDef("result", _T),)
    property_defs = (PropDef("perm", (DenseArrayAttr,), check=_array_check(), doc="Result axis ``i`` is input axis ``perm[i]``."),)
    input: Value
    perm: tuple[int, ...]

    def shape_note(self) -> str:
        """Input shape and permutation."""
        return f"input {format_shape(self.operand_type(0).shape)} permuted by {_fmt_list(self.perm)}"

    def _verify_properties(self) -> None:
        r = self.operand_type(0).rank
        if not is_permutation(self.perm, r):
            raise OpVerifyError(f"property 'perm' expected a permutation of 0..{r - 1}, found {_fmt_list(self.perm)}")

    def infer_shape(self) -> tuple[int, ...]:
        """``shape[perm[i]]`` for each ``i``."""
        x = self.operand_type(0).shape
        return tuple(x[p] for p in self.perm)

    def _verify_element_type(self) -> None:
        self._verify_same_element()

class ConcatOp(QnnOp):
    """``qnn.concat``: join along ``axis`` (may be negative); other dimensions and the element
    type are equal across operands and result."""

    name = "qnn.concat"
    operand_defs = (OperandDef("inputs", _T, variadic=True),)
    result_defs = (ResultDef("result", _T),)
    property_defs = (PropDef("axis", (IntegerAttr,), check=_int_check()),)
    inputs: list[Value]

    @property
    def axis(self) -> int:
        """The concatenation axis, normalized to ``[0, rank)`` (the property may be negative)."""
        return normalize_axis(get_int(self, "axis"), self.operand_type(0).rank)

    def shape_note(self) -> str:
        """Operand shapes and axis."""
        shapes = ", ".join(format_shape(self.operand_type(i).shape) for i in range(len(self.operands)))
        return f"{shapes} joined on axis {get_int(self, 'axis')}"

    def _verify_properties(self) -> None:
        if not self.operands:
            raise OpVerifyError("expected at least 1 operand, found 0")
        first = self.operand_type(0)
        r, raw = first.rank, get_int(self, "axis")
        if not -r <= raw < r:
            raise OpVerifyError(f"property 'axis' expected a value in [{-r}, {r - 1}], found {raw}")
        ax = normalize_axis(raw, r)
        pattern = format_shape(["?" if i == ax else d for i, d in enumerate(first.shape)])
        for i in range(1, len(self.operands)):
            t = self.operand_type(i)
            if t.rank != r:
                raise OpVerifyError(f"operand {i} rank expected {r} (as operand 0), found {t.rank}")
            if t.element_type != first.element_type:
                raise OpVerifyError(
                    f"operand {i} element type expected {first.element_type} (as operand 0), found {t.element_type}"
                )
            if any(d != e for j, (d, e) in enumerate(zip(t.shape, first.shape)) if j != ax):
                raise OpVerifyError(
                    f"operand {i} shape expected {pattern} (as operand 0 off axis {raw}), found {format_shape(t.shape)}"
                )

    def infer_shape(self) -> tuple[int, ...]:
        """Operand 0's shape with the axis dimension summed over all operands."""
        ax = self.axis
        shape = list(self.operand_type(0).shape)
        shape[ax] = sum(self.operand_type(i).shape[ax] for i in range(len(self.operands)))
        return tuple(shape)

    def _verify_element_type(self) -> None:
        self._verify_same_element("same as the operands")

Qnn = register_dialect(
    Dialect(
        "qnn",
        [
            ConstantOp,
            Conv2dOp,
            LinearOp,
            RequantOp,
            AddOp,
            ClipOp,
            MaxPoolOp,
            AvgPoolOp,
            GlobalAvgPoolOp,
            PadOp,
            ReshapeOp,
            FlattenOp,
            TransposeOp,
            ConcatOp,
            SoftmaxOp,
        ],
    )
)
