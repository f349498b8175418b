"""The ONNX converter registry: which function turns each ONNX op type into ``qnn`` ops.

Converter modules (``frontend/onnx_convert/``) register with ``@converter("Conv")``; the importer
dispatches on the registry, and both its "unsupported operator" message and the list in
docs/frontend.md are `supported_ops()` (tests/test_onnx_registry.py checks the document).
Constant folding has its own table (``@folder("Mul")``): folding an op on constants does not make
it supported on activations (``Sub`` only folds), so folders do not count as supported ops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, TypeVar

import numpy as np

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter
    from dory.frontend.values import Entry

ConvertFn = Callable[["OnnxImporter", Any, "list[Entry | None]"], None]
"""``fn(importer, node, inputs)``: binds the node's outputs (``importer.bind``), emitting ops as needed."""

FoldFn = Callable[["OnnxImporter", Any, "list[np.ndarray]"], np.ndarray]
"""``fn(importer, node, constant_inputs)``: the node's output when every input is a constant."""

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True)
class Converter:
    """A registered converter. ``layer``: an integer layer, so a float (host) input to it is an
    error rather than more float post-processing."""

    op_type: str
    fn: ConvertFn
    layer: bool


_CONVERTERS: dict[str, Converter] = {}
_FOLDERS: dict[str, FoldFn] = {}


def converter(*op_types: str, layer: bool = False) -> Callable[[F], F]:
    """Register the decorated function as the converter of each ONNX op type in ``op_types``."""

    def register(fn: F) -> F:
        for t in op_types:
            if t in _CONVERTERS:
                raise ValueError(f"ONNX op type '{t}' has two converters: {_CONVERTERS[t].fn.__qualname__} and {fn.__qualname__}")
            _CONVERTERS[t] = Converter(t, fn, layer)
        return fn

    return register


def folder(*op_types: str) -> Callable[[F], F]:
    """Register the decorated function as the constant folder of each ONNX op type in ``op_types``."""

    def register(fn: F) -> F:
        for t in op_types:
            if t in _FOLDERS:
                raise ValueError(f"ONNX op type '{t}' has two constant folders")
            _FOLDERS[t] = fn
        return fn

    return register


def _load() -> None:
    # Importing the package runs every converter module's registrations (once). Done on first
    # use rather than at import time so converter modules can import this one.
    import dory.frontend.onnx_convert  # noqa: F401


def lookup(op_type: str) -> Converter | None:
    """The converter registered for ``op_type``, or None if the op is unsupported."""
    _load()
    return _CONVERTERS.get(op_type)


def lookup_folder(op_type: str) -> FoldFn | None:
    """The constant folder registered for ``op_type``, if any."""
    _load()
    return _FOLDERS.get(op_type)


def supported_ops() -> list[str]:
    """Every ONNX op type with a converter, sorted: the supported-op list."""
    _load()
    return sorted(_CONVERTERS)


def known_ops() -> set[str]:
    """Every ONNX op type the importer can take somewhere: converters and constant folders (a
    folder-only op is an error only where it meets an activation, at that node)."""
    _load()
    return set(_CONVERTERS) | set(_FOLDERS)
