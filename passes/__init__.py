"""dory's passes: a lazy name -> pass-class registry and named pipelines.

Every ``dory-opt`` RUN line is a fresh process, so a pass module is imported only when its name
is used: the registry maps each name to a zero-argument factory that imports the class. Named
pipelines (MLIR's ``PassPipelineRegistration``) live in the same namespace: a pipeline string may
name either, and a name can't mean both.

Targets register their default pipelines (``<target>-default``) from their own
packages under ``backends/``: the first query of either registry imports those packages
(`backends.target.load_backends`, a few small modules), so nothing here names a target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:  # pragma: no cover
    from dory.passes.base import ModulePass

PassFactory = Callable[[], "type[ModulePass]"]


@dataclass(frozen=True)
class NamedPipeline:
    """A registered pipeline: a name standing for a pipeline string (which may itself name
    other pipelines), with a one-line summary for ``--list-passes``."""

    name: str
    text: str
    summary: str


def _canonicalize() -> "type[ModulePass]":
    from dory.passes.canonicalize import CanonicalizePass

    return CanonicalizePass


def _cse() -> "type[ModulePass]":
    from dory.passes.cse import CSEPass

    return CSEPass


def _fold_requant() -> "type[ModulePass]":
    from dory.passes.fold_requant import FoldRequantPass

    return FoldRequantPass


def _test_break_semantics() -> "type[ModulePass]":
    from dory.passes.test_passes import TestBreakSemanticsPass

    return TestBreakSemanticsPass


def _test_invalid_ir() -> "type[ModulePass]":
    from dory.passes.test_passes import TestInvalidIRPass

    return TestInvalidIRPass


def _test_overlap_buffers() -> "type[ModulePass]":
    from dory.passes.test_passes import TestOverlapBuffersPass

    return TestOverlapBuffersPass


_PASSES: dict[str, PassFactory] = {
    "canonicalize": _canonicalize,
    "cse": _cse,
    "fold-requant": _fold_requant,
    "test-break-semantics": _test_break_semantics,
    "test-invalid-ir": _test_invalid_ir,
    "test-overlap-buffers": _test_overlap_buffers,
}

_PIPELINES: dict[str, NamedPipeline] = {}


def register_pass(name: str, factory: PassFactory) -> None:
    """Add a pass under ``name`` (which must be new to both passes and pipelines)."""
    _check_new(name)
    _PASSES[name] = factory


def register_pipeline(name: str, text: str, summary: str) -> None:
    """Add a named pipeline: ``name`` in a pipeline string expands to ``text``."""
    _check_new(name)
    _PIPELINES[name] = NamedPipeline(name, text, summary)


def _check_new(name: str) -> None:
    if name in _PASSES or name in _PIPELINES:
        raise ValueError(f"'{name}' is already registered as a pass or pipeline")


_backends_loaded = False


def _load_backends() -> None:
    """Let every target package register its pipelines, once (on the first registry query)."""
    global _backends_loaded
    if _backends_loaded:
        return
    _backends_loaded = True  # first: a backend's registrations must not come back here
    from dory.backends.target import load_backends

    load_backends()


def get_pass_registry() -> dict[str, PassFactory]:
    """Pass name -> zero-argument factory returning the pass class (a copy; import is lazy)."""
    _load_backends()
    return dict(_PASSES)


def get_pipeline_registry() -> dict[str, NamedPipeline]:
    """Pipeline name -> `NamedPipeline` (a copy), the targets' default pipelines included."""
    _load_backends()
    return dict(_PIPELINES)


register_pipeline("default", "canonicalize,cse", "The generic clean-up: canonicalize, then cse.")


def _fuse() -> "type[ModulePass]":
    from dory.passes.fuse import FusePass

    return FusePass


register_pass("fuse", _fuse)


def _requant_window() -> "type[ModulePass]":
    from dory.passes.requant_window import RequantWindowPass

    return RequantWindowPass


register_pass("requant-window", _requant_window)


def _assign_memory() -> "type[ModulePass]":
    from dory.passes.assign_memory import AssignMemoryPass

    return AssignMemoryPass


register_pass("assign-memory", _assign_memory)


def _allocate_buffers() -> "type[ModulePass]":
    from dory.passes.allocate_buffers import AllocateBuffersPass

    return AllocateBuffersPass


register_pass("allocate-buffers", _allocate_buffers)


def _tile() -> "type[ModulePass]":
    from dory.passes.tile import TilePass

    return TilePass


register_pass("tile", _tile)


def _verify_plan() -> "type[ModulePass]":
    from dory.passes.verify_plan import VerifyPlanPass

    return VerifyPlanPass


register_pass("verify-plan", _verify_plan)
