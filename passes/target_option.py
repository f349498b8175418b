"""The ``target`` option of the planning passes and the budgets that default to the target's.

``assign-memory``, ``tile`` and ``allocate-buffers`` plan for a `backends.target.Target` chosen
by name (``tile{target=NAME}``); a budget option left unset (``None``) takes the target's budget
when the pass runs, so the passes hold no hardware numbers and ``str(pass)`` spells only what
was given.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dory.backends.target import DEFAULT_TARGET, Target, UnknownTarget, get_target
from dory.dory_ir.core import Operation
from dory.passes.base import PassFailed


def resolve_target(module: Operation, name: str) -> Target:
    """The target named by a pass's ``target`` option; an unknown name fails at ``module``."""
    try:
        return get_target(name)
    except UnknownTarget as e:
        raise PassFailed(module, f"option 'target': {e}") from None


@dataclass(frozen=True)
class TargetOption:
    """The ``target`` option: the name of the target a planning pass plans for."""

    target: str = field(default=DEFAULT_TARGET, metadata={"doc": "the target to plan for (backends/<target>/)"})


def hardware_limit(hw: Target, level: str) -> tuple[int, str]:
    """The most bytes a budget of memory ``level`` (``l1``, ``l2``, ``l3``) may ask of target
    ``hw`` and what that limit is (backends/<target>/hw.py): L1 is the TCDM less the cluster
    stacks, L2 and L3 the whole memories (an L2 reserve smaller than the target's estimate may
    leave more than its default budget)."""
    if level == "l1":
        return hw.l1_budget, f"{hw.name}'s L1 for tile buffers: {hw.l1_bytes} B TCDM less {hw.l1_stack_bytes} B of stacks"
    if level == "l2":
        return hw.l2_bytes, f"{hw.name}'s L2"
    return hw.l3_bytes, f"{hw.name}'s L3"


def over_hardware(hw: Target, option: str, level: str, value: int | None) -> str | None:
    """The message for a budget option ``option`` of ``value`` bytes beyond ``hw``'s memory
    ``level`` (an absurd budget would plan an app that cannot start), else None."""
    if value is None:
        return None
    limit, what = hardware_limit(hw, level)
    if value > limit:
        return f"option '{option}' expected at most {limit} bytes ({what}, backends/{hw.name}/hw.py), found {value}"
    return None


@dataclass(frozen=True)
class MemoryBudgets(TargetOption):
    """The ``target`` option and the ``l1``/``l2``/``l3`` byte budgets shared by the
    memory-planning passes (``assign-memory``, ``allocate-buffers``); an unset budget is the
    target's."""

    l1: int | None = field(default=None, metadata={"doc": "L1 bytes for one layer's tile buffers (default: the target's L1 budget)"})
    l2: int | None = field(default=None, metadata={"doc": "L2 bytes for activations, resident weights and staging (default: the target's)"})
    l3: int | None = field(default=None, metadata={"doc": "L3 bytes (default: the target's)"})

    def budget_error(self) -> str | None:
        """The message for the first non-positive budget given, if any."""
        for key in ("l1", "l2", "l3"):
            v = getattr(self, key)
            if v is not None and v <= 0:
                return f"option '{key}' expected a positive number of bytes, found {v}"
        return None

    def budgets(self, module: Operation) -> tuple[Target, int, int, int]:
        """The target and the L1, L2, L3 budgets to plan with (raises `PassFailed` at ``module``
        for an unknown target or a non-positive budget)."""
        bad = self.budget_error()
        if bad:
            raise PassFailed(module, bad)
        hw = resolve_target(module, self.target)
        for key in ("l1", "l2", "l3"):
            bad = over_hardware(hw, key, key, getattr(self, key))
            if bad:
                raise PassFailed(module, bad)
        l1 = hw.l1_budget if self.l1 is None else self.l1
        l2 = hw.l2_budget if self.l2 is None else self.l2
        l3 = hw.l3_budget if self.l3 is None else self.l3
        return hw, l1, l2, l3
