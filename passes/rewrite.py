"""Rewrite patterns and the greedy worklist driver that applies them (xDSL/MLIR style).

A pattern looks at one op and either does nothing ("no match") or changes the IR through the
`PatternRewriter` it is given. Every change goes through the rewriter, which tells its listener
(the `PatternRewriteWalker`) so the walker's worklist stays right: erased ops leave it, new ops
and ops whose operands changed join it, and the producers of an erased op's operands are
revisited because they may have just become dead.
"""

from __future__ import annotations

import functools
import types
import typing
from abc import ABC, abstractmethod
from collections import deque
from typing import Callable, Iterable, Sequence, TypeVar

from dory.dory_ir.attributes import Attribute
from dory.dory_ir.core import Operation, OpResult, Value
from dory.dory_ir.diagnostics import DiagnosticError


class RewritePattern(ABC):
    """One local rewrite. ``match_and_rewrite`` returns without touching the IR when ``op``
    doesn't match; otherwise it makes its change through ``rewriter`` (never directly)."""

    @abstractmethod
    def match_and_rewrite(self, op: Operation, rewriter: "PatternRewriter") -> None:
        """Rewrite ``op`` if it matches; all mutation via ``rewriter``."""


_P = TypeVar("_P", bound=RewritePattern)
_MatchFn = Callable[[_P, Operation, "PatternRewriter"], None]


def op_type_rewrite_pattern(fn: Callable[[_P, typing.Any, "PatternRewriter"], None]) -> _MatchFn[_P]:
    """Decorate ``match_and_rewrite`` so it only runs on ops of the class its ``op`` parameter
    is annotated with (a union names several): the dispatch is on the op's class, never on its
    name (xDSL's decorator of the same name)."""
    hints = typing.get_type_hints(fn)
    annotation = hints["op"]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        classes: tuple[type, ...] = typing.get_args(annotation)
    else:
        classes = (annotation,)
    if not all(isinstance(c, type) and issubclass(c, Operation) for c in classes):
        raise TypeError(f"{fn.__qualname__}: 'op' must be annotated with op classes, found {annotation}")

    @functools.wraps(fn)
    def match(self: _P, op: Operation, rewriter: "PatternRewriter") -> None:
        if isinstance(op, classes):
            fn(self, op, rewriter)

    return match


class GreedyRewritePatternApplier(RewritePattern):
    """Tries its patterns in order on an op and stops at the first one that changes the IR."""

    def __init__(self, patterns: Sequence[RewritePattern]):
        self.patterns = list(patterns)

    def match_and_rewrite(self, op: Operation, rewriter: "PatternRewriter") -> None:
        for p in self.patterns:
            p.match_and_rewrite(op, rewriter)
            if rewriter.has_done_action:
                return


class RewriteListener:
    """Told about every change a `PatternRewriter` makes (the walker keeps its worklist with
    this). The default methods ignore the notifications."""

    def notify_op_inserted(self, op: Operation) -> None:
        """``op`` (with whatever is nested in it) was put into a block."""

    def notify_op_erased(self, op: Operation) -> None:
        """``op`` is about to be erased (it is still in its block)."""

    def notify_op_modified(self, op: Operation) -> None:
        """``op``'s operands or properties changed in place."""


class PatternRewriter:
    """The only way a pattern changes the IR. ``current_op`` is the op the pattern was given;
    ``has_done_action`` records whether anything changed."""

    def __init__(self, current_op: Operation, listener: RewriteListener | None = None):
        self.current_op = current_op
        self.listener = listener if listener is not None else RewriteListener()
        self.has_done_action = False

    # -- insertion -----------------------------------------------------------------------------
    def insert_op_before(self, new_ops: Operation | Sequence[Operation], anchor: Operation | None = None) -> None:
        """Insert ``new_ops`` (in order) right before ``anchor`` (default: the matched op)."""
        target = self.current_op if anchor is None else anchor
        block = target.parent
        if block is None:
            raise ValueError(f"cannot insert before '{target.op_name}': it is not in a block")
        for op in _as_list(new_ops):
            self._detach(op)
            block.insert_before(target, op)
            self._inserted(op)

    def insert_op_after(self, new_ops: Operation | Sequence[Operation], anchor: Operation | None = None) -> None:
        """Insert ``new_ops`` (in order) right after ``anchor`` (default: the matched op)."""
        target = self.current_op if anchor is None else anchor
        block = target.parent
        if block is None:
            raise ValueError(f"cannot insert after '{target.op_name}': it is not in a block")
        for op in _as_list(new_ops):
            self._detach(op)
            block.insert_after(target, op)
            self._inserted(op)
            target = op

    def _detach(self, op: Operation) -> None:
        # Moving an op that is already in a block: take it out first so it isn't in two places.
        if op.parent is not None:
            op.parent.remove_op(op)

    def _inserted(self, op: Operation) -> None:
        self.has_done_action = True
        self.listener.notify_op_inserted(op)

    # -- uses and in-place changes -------------------------------------------------------------
    def replace_all_uses_with(self, old: Value, new: Value) -> None:
        """Make every user of ``old`` read ``new`` instead (the users are revisited)."""
        if old is new:
            return
        if old.type != new.type:
            raise ValueError(f"replacing a value of type {old.type} by one of type {new.type}")
        users = _unique(u.op for u in old.uses)
        if not users:
            return
        old.replace_all_uses_with(new)
        self.has_done_action = True
        for user in users:
            self.listener.notify_op_modified(user)

    def set_operand(self, op: Operation, index: int, new: Value) -> None:
        """``op.operands[index] = new``, with the walker told. The type may differ (a reshape
        may read a value of another shape); the op's verifier judges the result."""
        old = op.operands[index]
        if old is new:
            return
        op.set_operand(index, new)
        self.has_done_action = True
        self.listener.notify_op_modified(op)
        # The old producer may be dead now: let the walker look at it again.
        if isinstance(old, OpResult) and old.op.parent is not None:
            self.listener.notify_op_modified(old.op)

    def set_property(self, op: Operation, name: str, value: Attribute) -> None:
        """``op.properties[name] = value``, with the walker told."""
        op.properties[name] = value
        self.has_done_action = True
        self.listener.notify_op_modified(op)

    def notify_op_modified(self, op: Operation) -> None:
        """Say that ``op`` was changed in place by other means than the methods above."""
        self.has_done_action = True
        self.listener.notify_op_modified(op)

    # -- erasure and replacement ---------------------------------------------------------------
    def erase_op(self, op: Operation) -> None:
        """Erase ``op`` (its results must be unused); the producers of its operands are revisited."""
        for r in op.results:
            if r.uses:
                raise ValueError(f"erasing '{op.op_name}' whose result #{r.index} is still used")
        producers = _unique(v.op for v in op.operands if isinstance(v, OpResult))
        self.listener.notify_op_erased(op)
        op.erase()
        self.has_done_action = True
        for p in producers:
            if p.parent is not None:
                self.listener.notify_op_modified(p)

    def erase_matched_op(self) -> None:
        """Erase the op the pattern was given."""
        self.erase_op(self.current_op)

    def replace_op(
        self,
        op: Operation,
        new_ops: Operation | Sequence[Operation],
        new_results: Sequence[Value] | None = None,
    ) -> None:
        """Insert ``new_ops`` before ``op``, redirect ``op``'s results to ``new_results``
        (default: the results of the last new op) and erase ``op``. ``new_ops`` may be empty to
        replace ``op`` by values that already exist (a fold)."""
        ops = _as_list(new_ops)
        if new_results is None:
            new_results = list(ops[-1].results) if ops else []
        if len(new_results) != len(op.results):
            raise ValueError(
                f"replacing '{op.op_name}' ({len(op.results)} results) by {len(new_results)} values"
            )
        self.insert_op_before(ops, op)
        for old, new in zip(op.results, new_results):
            self.replace_all_uses_with(old, new)
        self.erase_op(op)

    def replace_matched_op(self, new_ops: Operation | Sequence[Operation], new_results: Sequence[Value] | None = None) -> None:
        """`replace_op` on the op the pattern was given."""
        self.replace_op(self.current_op, new_ops, new_results)


def _as_list(ops: Operation | Sequence[Operation]) -> list[Operation]:
    return [ops] if isinstance(ops, Operation) else list(ops)


def _unique(ops: Iterable[Operation]) -> list[Operation]:
    seen: dict[int, Operation] = {}
    for op in ops:
        seen.setdefault(id(op), op)
    return list(seen.values())


class PatternCrashed(RuntimeError):
    """A pattern raised something other than a located diagnostic: a bug in the pattern. The
    message names the pattern and the op so the driver's internal-error line is actionable."""


class _Worklist:
    """Ops waiting to be visited, each at most once; removal is lazy (O(1))."""

    def __init__(self) -> None:
        self.queue: deque[Operation] = deque()
        self.members: set[int] = set()

    def push(self, op: Operation) -> None:
        if id(op) not in self.members:
            self.members.add(id(op))
            self.queue.append(op)

    def remove(self, op: Operation) -> None:
        self.members.discard(id(op))

    def pop(self) -> Operation | None:
        while self.queue:
            op = self.queue.popleft()
            if id(op) in self.members:
                self.members.discard(id(op))
                return op
        return None

    def __len__(self) -> int:
        return len(self.members)


class PatternRewriteWalker(RewriteListener):
    """Applies patterns to every op nested in a module until nothing changes.

    Each iteration visits every op (pre-order, or post-order when ``walk_reverse``) and tries
    the patterns in order until one acts. With ``apply_recursively`` the ops a rewrite creates
    or touches are queued again in the same iteration, and iterations repeat until one changes
    nothing (a fixpoint) or ``max_iterations`` is reached; without it there is exactly one
    iteration and only the original ops are visited. ``max_rewrites`` bounds the rewrites of one
    iteration (default: 50 per op, at least 1000), so two patterns that undo each other stop
    instead of looping. After `rewrite_module`, ``converged`` says whether a fixpoint was seen.
    """

    def __init__(
        self,
        patterns: RewritePattern | Sequence[RewritePattern],
        apply_recursively: bool = True,
        walk_reverse: bool = False,
        max_iterations: int = 10,
        max_rewrites: int | None = None,
    ):
        self.patterns = [patterns] if isinstance(patterns, RewritePattern) else list(patterns)
        self.apply_recursively = apply_recursively
        self.walk_reverse = walk_reverse
        self.max_iterations = max_iterations
        self.max_rewrites = max_rewrites
        self.converged = False
        self.iterations = 0
        self.num_rewrites = 0
        self._worklist = _Worklist()
        self._erased: set[int] = set()

    # -- listener ------------------------------------------------------------------------------
    def notify_op_inserted(self, op: Operation) -> None:
        for nested in op.walk():
            self._erased.discard(id(nested))
            if self.apply_recursively:
                self._worklist.push(nested)

    def notify_op_erased(self, op: Operation) -> None:
        for nested in op.walk():
            self._erased.add(id(nested))
            self._worklist.remove(nested)

    def notify_op_modified(self, op: Operation) -> None:
        if self.apply_recursively and id(op) not in self._erased:
            self._worklist.push(op)

    # -- driver --------------------------------------------------------------------------------
    def rewrite_module(self, module: Operation) -> bool:
        """Rewrite everything nested in ``module`` (not ``module`` itself); True if anything
        changed."""
        changed_any = False
        self.converged = False
        self.iterations = 0
        self.num_rewrites = 0
        while self.iterations < self.max_iterations:
            self.iterations += 1
            changed = self._iterate(module)
            changed_any |= changed
            if not changed:
                self.converged = True
                break
            if not self.apply_recursively:
                # One walk was asked for; whether it reached a fixpoint is unknown.
                break
        return changed_any

    def _iterate(self, module: Operation) -> bool:
        self._worklist = _Worklist()
        self._erased = set()
        ops = [op for op in module.walk(reverse=self.walk_reverse) if op is not module]
        for op in ops:
            self._worklist.push(op)
        limit = self.max_rewrites if self.max_rewrites is not None else max(1000, 50 * len(ops))
        changed = False
        rewrites = 0
        while True:
            next_op = self._worklist.pop()
            if next_op is None:
                return changed
            if id(next_op) in self._erased or next_op.parent is None:
                continue
            if self._apply_one(next_op):
                changed = True
                rewrites += 1
                self.num_rewrites += 1
                if rewrites >= limit:
                    # Patterns that keep undoing each other: stop here, not converged.
                    self.iterations = self.max_iterations
                    return True

    def _apply_one(self, op: Operation) -> bool:
        for pattern in self.patterns:
            rewriter = PatternRewriter(op, self)
            try:
                pattern.match_and_rewrite(op, rewriter)
            except DiagnosticError:
                raise
            except Exception as e:
                raise PatternCrashed(
                    f"pattern {type(pattern).__name__} failed on '{op.op_name}' at {op.loc}: "
                    f"{type(e).__name__}: {e}"
                ) from e
            if rewriter.has_done_action:
                return True
        return False
