"""IR types: integers with signedness (``i8``, ``si8``, ``ui4``), ``index``, tensors, memrefs and
function types. Types are immutable values; ``str(t)`` is their MLIR spelling."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from dory.dory_ir.attributes import Attribute


class Type:
    """Base of every IR type."""

    __slots__ = ()


@dataclass(frozen=True)
class IntegerType(Type):
    """An integer of ``width`` bits: signless (``iN``), signed (``siN``) or unsigned (``uiN``).

    Signless integers are read as two's complement wherever a value range is needed, as MLIR's
    arith ops do.
    """

    width: int
    signedness: str = "signless"  # "signless" | "signed" | "unsigned"

    def __post_init__(self) -> None:
        if self.width < 1 or self.width > 64:
            raise ValueError(f"integer width must be in 1..64, got {self.width}")
        if self.signedness not in ("signless", "signed", "unsigned"):
            raise ValueError(f"bad signedness {self.signedness!r}")

    @property
    def is_unsigned(self) -> bool:
        return self.signedness == "unsigned"

    @property
    def min_value(self) -> int:
        return 0 if self.is_unsigned else -(1 << (self.width - 1))

    @property
    def max_value(self) -> int:
        return (1 << self.width) - 1 if self.is_unsigned else (1 << (self.width - 1)) - 1

    def fits(self, value: int) -> bool:
        return self.min_value <= value <= self.max_value

    @property
    def storage_bytes(self) -> int:
        """Bytes one element takes in a dense hex blob (sub-byte types take a whole byte)."""
        return 1 if self.width <= 8 else 2 if self.width <= 16 else 4 if self.width <= 32 else 8

    def __str__(self) -> str:
        prefix = {"signless": "i", "signed": "si", "unsigned": "ui"}[self.signedness]
        return f"{prefix}{self.width}"


@dataclass(frozen=True)
class IndexType(Type):
    """The target-sized integer used for loop indices and offsets."""

    def __str__(self) -> str:
        return "index"


@dataclass(frozen=True)
class NoneType(Type):
    """MLIR's ``none``: the type of a value that carries no data."""

    def __str__(self) -> str:
        return "none"


def _shape_str(shape: tuple[int, ...]) -> str:
    return "".join(f"{d}x" for d in shape)


class _Shaped:
    """Shape queries shared by tensors and memrefs."""

    shape: tuple[int, ...]

    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def num_elements(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n


@dataclass(frozen=True)
class TensorType(_Shaped, Type):
    """An immutable value-semantics tensor, e.g. ``tensor<1x16x16x32xsi8>`` (NHWC activations)."""

    shape: tuple[int, ...]
    element_type: Type

    def __str__(self) -> str:
        return f"tensor<{_shape_str(self.shape)}{self.element_type}>"


@dataclass(frozen=True)
class MemRefType(_Shaped, Type):
    """A buffer in a memory space, e.g. ``memref<1x16x16x32xsi8, #dory.l2>``."""

    shape: tuple[int, ...]
    element_type: Type
    memory_space: "Attribute | None" = None

    def __str__(self) -> str:
        space = f", {self.memory_space}" if self.memory_space is not None else ""
        return f"memref<{_shape_str(self.shape)}{self.element_type}{space}>"


@dataclass(frozen=True)
class FunctionType(Type):
    """``(inputs) -> results``; a single non-function result prints without parentheses."""

    inputs: tuple[Type, ...]
    results: tuple[Type, ...]

    def __str__(self) -> str:
        ins = ", ".join(str(t) for t in self.inputs)
        if len(self.results) == 1 and not isinstance(self.results[0], FunctionType):
            outs = str(self.results[0])
        else:
            outs = "(" + ", ".join(str(t) for t in self.results) + ")"
        return f"({ins}) -> {outs}"


ShapedType = TensorType | MemRefType

i1 = IntegerType(1)
i8 = IntegerType(8)
i32 = IntegerType(32)
i64 = IntegerType(64)
si8 = IntegerType(8, "signed")
ui8 = IntegerType(8, "unsigned")
si16 = IntegerType(16, "signed")
si32 = IntegerType(32, "signed")
si64 = IntegerType(64, "signed")
index = IndexType()


def parse_int_type(text: str) -> IntegerType:
    """``si8`` -> IntegerType(8, "signed"); raises ValueError on anything else."""
    if text.startswith("si"):
        return IntegerType(int(text[2:]), "signed")
    if text.startswith("ui"):
        return IntegerType(int(text[2:]), "unsigned")
    if text.startswith("i"):
        return IntegerType(int(text[1:]), "signless")
    raise ValueError(f"not an integer type: {text!r}")
