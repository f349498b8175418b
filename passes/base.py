"""The pass abstraction: `ModulePass`, its options, `PassContext` and `PassFailed`.

A pass is a frozen dataclass whose fields are its options (xDSL's idea): the pipeline parser
builds one from ``name{opt=1 list=1,2}`` by converting each option to its field's type, and
``str(pass)`` spells it back, so a parsed pipeline prints as text that parses to an equal one.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from typing import Any, ClassVar, Union

from dory.dory_ir.core import Operation
from dory.dory_ir.diagnostics import DiagnosticError, Location

# Option values that can be written bare in a pipeline string; anything else is quoted.
_BARE_VALUE = re.compile(r"[A-Za-z0-9_.+\-]+\Z")


@dataclass(frozen=True)
class PassContext:
    """What every pass of one run shares: the settings of the driver that runs them.

    Passes must not keep state here between modules: ``dory-opt --split-input-file`` gives each
    chunk a fresh context.
    """

    allow_unregistered_dialect: bool = False


class PassFailed(DiagnosticError):
    """Raised by a pass to fail with a message located at an op (or at a given location).

    The driver prints it as ``file:line:col: error: message`` and stops the pipeline.
    """

    def __init__(self, op_or_loc: Operation | Location, message: str):
        self.op = op_or_loc if isinstance(op_or_loc, Operation) else None
        loc = op_or_loc.loc if isinstance(op_or_loc, Operation) else op_or_loc
        super().__init__(loc, message)


@dataclass(frozen=True)
class OptionInfo:
    """One option of a pass as the pipeline syntax sees it (derived from a dataclass field)."""

    field_name: str
    key: str  # kebab-case spelling: ``max_iterations`` -> ``max-iterations``
    type: Any  # the resolved annotation, e.g. ``int``, ``tuple[int, ...]``, ``int | None``
    default: Any  # ``dataclasses.MISSING`` for a required option
    doc: str

    @property
    def required(self) -> bool:
        return self.default is dataclasses.MISSING

    @property
    def type_name(self) -> str:
        return type_name(self.type)


@dataclass(frozen=True)
class ModulePass(ABC):
    """Base of every pass: subclasses are ``@dataclass(frozen=True)``, set the ``name`` ClassVar
    (the kebab-case pipeline name), declare options as fields (``int``, ``bool``, ``str``,
    ``tuple[int, ...]`` or ``X | None``; ``field(metadata={"doc": ...})`` documents one) and
    implement ``apply``. The first docstring line is the pass's summary in ``--list-passes``."""

    name: ClassVar[str] = ""

    @abstractmethod
    def apply(self, ctx: PassContext, module: Operation) -> None:
        """Transform ``module`` (a ``builtin.module``) in place; raise `PassFailed` to fail."""

    @classmethod
    def summary(cls) -> str:
        """The first line of the class docstring."""
        doc = (cls.__doc__ or "").strip()
        return doc.splitlines()[0].strip() if doc else ""

    @classmethod
    def display_name(cls) -> str:
        """The class name without ``Pass`` (``CSEPass`` -> ``CSE``), as MLIR's IR dump headers
        show it next to the pipeline name."""
        return cls.__name__.removesuffix("Pass") or cls.__name__

    @classmethod
    def options(cls) -> list[OptionInfo]:
        """The pass's options in declaration order."""
        return _options_of(cls)

    def __str__(self) -> str:
        """The pipeline spelling: ``name`` plus every option that differs from its default,
        e.g. ``p{opt=1 list=1,2}``. Parsing it gives back an equal pass."""
        parts = []
        for opt in self.options():
            value = getattr(self, opt.field_name)
            if not opt.required and _same(value, opt.default):
                continue
            parts.append(f"{opt.key}={format_option_value(value)}")
        return self.name + ("{" + " ".join(parts) + "}" if parts else "")


def _same(a: Any, b: Any) -> bool:
    # bool is an int subclass: ``True == 1`` must not hide a change of an ``int | bool`` option.
    return type(a) is type(b) and a == b


@cache
def _options_of(cls: type[ModulePass]) -> list[OptionInfo]:
    hints = typing.get_type_hints(cls)
    out = []
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        if f.default is not dataclasses.MISSING:
            default = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            default = dataclasses.MISSING
        out.append(OptionInfo(f.name, f.name.replace("_", "-"), hints[f.name], default, str(f.metadata.get("doc", ""))))
    return out


def optional_inner(tp: Any) -> Any | None:
    """``X`` for ``X | None`` (or ``Optional[X]``), else None."""
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(typing.get_args(tp)) == 2:
            return args[0]
    return None


def tuple_element(tp: Any) -> Any | None:
    """``X`` for ``tuple[X, ...]``, else None."""
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis:
            return args[0]
    return None


def type_name(tp: Any) -> str:
    """A readable spelling of an option type for messages and ``--list-passes``."""
    inner = optional_inner(tp)
    if inner is not None:
        return f"{type_name(inner)} | None"
    elem = tuple_element(tp)
    if elem is not None:
        return f"tuple[{type_name(elem)}, ...]"
    return getattr(tp, "__name__", str(tp))


def format_option_value(value: Any) -> str:
    """Spell one option value the way the pipeline parser reads it back."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, tuple):
        return ",".join(format_option_value(v) for v in value)
    text = str(value)
    # Bare words that would read back as something else (a bool, none, a number) get quotes.
    if _BARE_VALUE.match(text) and text not in ("true", "false", "none") and not _looks_numeric(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _looks_numeric(text: str) -> bool:
    try:
        int(text, 0)
    except ValueError:
        return False
    return True
