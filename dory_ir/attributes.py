"""IR attributes: compile-time constants attached to ops (properties and discardable attributes).

All attributes are immutable and hashable (CSE compares them), and ``str(a)`` is their exact
MLIR spelling, so the printer is a thin loop over these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from dory.dory_ir.types import IndexType, IntegerType, TensorType, Type, i64

_BARE_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*\Z")

# Dense constants with more elements than this print as a hex blob: exact, compact and fast to
# parse (a 5 MB weight file is one string token), at the cost of readability.
HEX_THRESHOLD = 16


class Attribute:
    """Base of every attribute."""

    __slots__ = ()


# Characters a string literal must escape; everything else is copied as is. Besides ASCII
# controls this includes the C1 controls and U+2028/U+2029, which some line splitters (Python's
# str.splitlines) treat as line breaks; those are escaped as their UTF-8 bytes (the parser reads
# ``\\XX`` as one byte of UTF-8, as MLIR does).
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f\x7f-\x9f\u2028\u2029]')


def _escape(m: "re.Match[str]") -> str:
    ch = m.group()
    if ch == "\n":
        return "\\n"
    if ch == "\t":
        return "\\t"
    if ch == '"' or ch == "\\":
        return "\\" + ch
    return "".join("\\%02X" % b for b in ch.encode("utf-8"))


def quote(text: str) -> str:
    """MLIR string literal: ``"`` and ``\\`` escaped, non-printables as ``\\XX`` hex.

    Regex-driven rather than a per-character loop: a weight constant's hex blob is megabytes of
    text with nothing to escape, and the loop made printing a MobileNet take seconds."""
    if _NEEDS_ESCAPE.search(text) is None:
        return '"' + text + '"'
    return '"' + _NEEDS_ESCAPE.sub(_escape, text) + '"'


def key_str(key: str) -> str:
    return key if _BARE_ID.match(key) else quote(key)


@dataclass(frozen=True)
class IntegerAttr(Attribute):
    """``5 : i32`` — an integer constant with its type (``index`` allowed)."""

    value: int
    type: IntegerType | IndexType = i64

    def __str__(self) -> str:
        return f"{self.value} : {self.type}"


@dataclass(frozen=True)
class BoolAttr(Attribute):
    """``true`` / ``false``."""

    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(frozen=True)
class UnitAttr(Attribute):
    """A present-or-absent flag: prints as a bare key in a dictionary, ``unit`` elsewhere."""

    def __str__(self) -> str:
        return "unit"


@dataclass(frozen=True)
class StringAttr(Attribute):
    """``"text"``."""

    value: str

    def __str__(self) -> str:
        return quote(self.value)


@dataclass(frozen=True)
class SymbolRefAttr(Attribute):
    """``@name`` — a reference to a symbol such as a function."""

    name: str

    def __str__(self) -> str:
        return "@" + (self.name if _BARE_ID.match(self.name) else quote(self.name))


@dataclass(frozen=True)
class TypeAttr(Attribute):
    """A type used as an attribute value (``function_type = (si8) -> si8``)."""

    type: Type

    def __str__(self) -> str:
        return str(self.type)


@dataclass(frozen=True)
class DenseArrayAttr(Attribute):
    """``array<i64: 1, 2>`` — a short list of integers (strides, pads, kernel sizes)."""

    element_type: IntegerType
    values: tuple[int, ...]

    def __str__(self) -> str:
        if not self.values:
            return f"array<{self.element_type}>"
        return f"array<{self.element_type}: " + ", ".join(str(v) for v in self.values) + ">"


def i64_array(values: Iterable[int]) -> DenseArrayAttr:
    return DenseArrayAttr(i64, tuple(int(v) for v in values))


@dataclass(frozen=True)
class ArrayAttr(Attribute):
    """``[a, b, c]`` — a list of arbitrary attributes."""

    values: tuple[Attribute, ...]

    def __str__(self) -> str:
        return "[" + ", ".join(str(v) for v in self.values) + "]"


@dataclass(frozen=True)
class DictAttr(Attribute):
    """``{a = 1 : i64, flag}`` — keys print sorted so output is deterministic."""

    entries: tuple[tuple[str, Attribute], ...]

    @staticmethod
    def of(d: dict[str, Attribute]) -> "DictAttr":
        return DictAttr(tuple(sorted(d.items())))

    def as_dict(self) -> dict[str, Attribute]:
        return dict(self.entries)

    def __str__(self) -> str:
        return format_dict(dict(self.entries))


def format_dict(d: dict[str, Attribute], elide: int | None = None) -> str:
    parts = []
    for k in sorted(d):
        v = d[k]
        if isinstance(v, UnitAttr):
            parts.append(key_str(k))
        else:
            parts.append(f"{key_str(k)} = {format_attr(v, elide)}")
    return "{" + ", ".join(parts) + "}"


@dataclass(frozen=True)
class DialectAttr(Attribute):
    """``#dory.l2`` or ``#dialect.name<param, ...>`` — an attribute a dialect gives meaning to."""

    dialect: str
    name: str
    params: tuple[Attribute, ...] = ()

    def __str__(self) -> str:
        body = "<" + ", ".join(str(p) for p in self.params) + ">" if self.params else ""
        return f"#{self.dialect}.{self.name}{body}"


@dataclass(frozen=True, eq=False)
class DenseAttr(Attribute):
    """``dense<...> : tensor<...>`` — an exact integer tensor constant (weights, per-channel
    multipliers). Values are held as an int64 numpy array of the tensor's shape; ``elided`` marks a
    constant read from ``dense_resource<__elided__>`` text, which has a type but no data."""

    type: TensorType
    data: np.ndarray = field(repr=False)
    elided: bool = False

    def __post_init__(self) -> None:
        self.data.setflags(write=False)

    @staticmethod
    def from_array(arr: "np.ndarray | Iterable[int]", elem: IntegerType) -> "DenseAttr":
        a = np.asarray(arr, dtype=np.int64)
        return DenseAttr(TensorType(tuple(int(d) for d in a.shape), elem), a)

    @property
    def element_type(self) -> IntegerType:
        return self.type.element_type  # type: ignore[return-value]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DenseAttr)
            and self.type == other.type
            and self.elided == other.elided
            and np.array_equal(self.data, other.data)
        )

    def __hash__(self) -> int:
        return hash((self.type, self.elided, self.data.tobytes()))

    def to_hex(self) -> str:
        et = self.element_type
        nbytes = et.storage_bytes
        kind = "u" if et.is_unsigned else "i"
        raw = self.data.astype(f"<{kind}{nbytes}").tobytes()
        return "0x" + raw.hex().upper()

    def body(self) -> str:
        if self.elided:
            return "__elided__"
        flat = self.data.reshape(-1)
        if flat.size == 0:
            return "[]" if self.type.rank else "0"
        if flat.size > 1 and bool(np.all(flat == flat[0])):
            return str(int(flat[0]))  # splat
        if flat.size > HEX_THRESHOLD:
            return quote(self.to_hex())
        if self.type.rank == 0:
            return str(int(flat[0]))

        def rec(a: np.ndarray) -> str:
            if a.ndim == 1:
                return "[" + ", ".join(str(int(v)) for v in a) + "]"
            return "[" + ", ".join(rec(s) for s in a) + "]"

        return rec(self.data)

    def __str__(self) -> str:
        if self.elided:
            return f"dense_resource<__elided__> : {self.type}"
        return f"dense<{self.body()}> : {self.type}"


def format_attr(a: Attribute, elide: int | None = None) -> str:
    """Spell an attribute; with ``elide=N`` dense constants of more than N elements are elided."""
    if elide is not None:
        if isinstance(a, DenseAttr) and a.data.size > elide:
            return f"dense_resource<__elided__> : {a.type}"
        if isinstance(a, DictAttr):
            return format_dict(dict(a.entries), elide)
        if isinstance(a, ArrayAttr):
            return "[" + ", ".join(format_attr(v, elide) for v in a.values) + "]"
    return str(a)


def dense_from_hex(text: str, type_: TensorType) -> np.ndarray:
    """Decode a ``"0x..."`` blob into an int64 array of ``type_``'s shape (ValueError if it does
    not have exactly one element per slot, or is a splat of one element)."""
    et = type_.element_type
    assert isinstance(et, IntegerType)
    raw = bytes.fromhex(text[2:])
    nbytes = et.storage_bytes
    kind = "u" if et.is_unsigned else "i"
    arr = np.frombuffer(raw, dtype=f"<{kind}{nbytes}").astype(np.int64)
    n = type_.num_elements
    if arr.size == 1 and n != 1:
        arr = np.full(n, arr[0], dtype=np.int64)
    if arr.size != n:
        raise ValueError(f"hex blob holds {arr.size} elements of {et}, but {type_} needs {n}")
    return arr.reshape(type_.shape)
