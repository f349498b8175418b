"""The rewrite walker: worklist upkeep when patterns insert, replace and erase ops, iteration
and rewrite caps, walk order, and the rewriter's safety checks."""

from __future__ import annotations

import pytest

from dory.dory_ir.attributes import IntegerAttr
from dory.dory_ir.core import BlockArgument, Operation, create_op
from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.dory_ir.parser import parse_module
from dory.dory_ir.printer import print_op
from dory.dory_ir.types import IntegerType
from dory.passes.canonicalize import EraseDeadPureOp
from dory.passes.rewrite import (
    GreedyRewritePatternApplier,
    PatternCrashed,
    PatternRewriter,
    PatternRewriteWalker,
    RewritePattern,
)

si8 = IntegerType(8, "signed")


def n_of(op: Operation) -> int | None:
    a = op.attributes.get("n")
    return a.value if isinstance(a, IntegerAttr) else None


def module_of(text: str) -> Operation:
    return parse_module(text, "t.mlir")


def ops_named(module: Operation, name: str) -> list[Operation]:
    return [op for op in module.walk() if op.op_name == name]


class Spy(RewritePattern):
    """Records every op it is shown, changes nothing."""

    def __init__(self) -> None:
        self.seen: list[Operation] = []

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        self.seen.append(op)


class CountDown(RewritePattern):
    """``test.pure {n = k}`` with k > 0 -> a new ``test.pure {n = k-1}`` (replace_op)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        n = n_of(op)
        if op.op_name != "test.pure" or not n:
            return
        new = create_op(
            "test.pure",
            operands=list(op.operands),
            result_types=[r.type for r in op.results],
            attributes={"n": IntegerAttr(n - 1)},
        )
        rewriter.replace_op(op, new)


COUNTDOWN = """
%a = "test.op"() : () -> si8
%b = "test.pure"(%a) {n = 3} : (si8) -> si8
"test.op"(%b) : (si8) -> ()
"""


def test_new_ops_are_revisited_when_recursive() -> None:
    m = module_of(COUNTDOWN)
    w = PatternRewriteWalker(CountDown())
    assert w.rewrite_module(m)
    (pure,) = ops_named(m, "test.pure")
    assert n_of(pure) == 0
    # All three steps happen in the first sweep (the new op joins the worklist); a second sweep
    # finds nothing and proves the fixpoint.
    assert (w.num_rewrites, w.iterations, w.converged) == (3, 2, True)
    # The user of the replaced value now reads the final op's result.
    (user,) = [op for op in ops_named(m, "test.op") if op.operands]
    assert user.operands[0] is pure.results[0]


def test_one_walk_when_not_recursive() -> None:
    m = module_of(COUNTDOWN)
    w = PatternRewriteWalker(CountDown(), apply_recursively=False)
    assert w.rewrite_module(m)
    (pure,) = ops_named(m, "test.pure")
    assert n_of(pure) == 2
    assert (w.num_rewrites, w.iterations, w.converged) == (1, 1, False)


def test_max_iterations_reports_not_converged() -> None:
    m = module_of(COUNTDOWN)
    w = PatternRewriteWalker(CountDown(), max_iterations=1)
    w.rewrite_module(m)
    assert (w.iterations, w.converged) == (1, False)


class EraseLaterSibling(RewritePattern):
    """On ``test.op {n = 0}``, erase the next op in the block (ahead of it in the worklist)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if n_of(op) != 0:
            return
        block = op.parent
        assert block is not None
        nxt = block.ops[block.ops.index(op) + 1]
        if n_of(nxt) == 1:
            rewriter.erase_op(nxt)


def test_erased_ops_leave_the_worklist() -> None:
    m = module_of("""
"test.op"() {n = 0} : () -> ()
"test.op"() ({
  "test.op"() {n = 2} : () -> ()
}) {n = 1} : () -> ()
"test.op"() {n = 3} : () -> ()
""")
    spy = Spy()
    PatternRewriteWalker([EraseLaterSibling(), spy]).rewrite_module(m)
    # Neither the erased op nor the op nested in it is shown to a pattern afterwards.
    assert {n_of(op) for op in spy.seen} == {0, 3}
    assert [n_of(op) for op in ops_named(m, "test.op")] == [0, 3]


def test_producers_of_erased_ops_are_revisited() -> None:
    m = module_of("""
%a = "test.op"() : () -> si8
%b = "test.pure"(%a) : (si8) -> si8
%c = "test.pure"(%b) : (si8) -> si8
%d = "test.pure"(%c) : (si8) -> si8
""")
    w = PatternRewriteWalker(EraseDeadPureOp())
    w.rewrite_module(m)
    # %b and %c are visited while still used; erasing %d queues %c again, and so on, so the
    # whole chain goes in the first sweep.
    assert ops_named(m, "test.pure") == []
    assert (w.num_rewrites, w.iterations) == (3, 2)


class FoldToOperand(RewritePattern):
    """``test.pure {fold}`` -> its first operand (replace_op with no new ops)."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if op.op_name == "test.pure" and "fold" in op.attributes:
            rewriter.replace_op(op, [], [op.operands[0]])


class MarkUsers(RewritePattern):
    """Tags a ``test.op`` once its operand comes straight from a block argument."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if op.op_name == "test.op" and op.operands and "seen_arg" not in op.properties:
            if isinstance(op.operands[0], BlockArgument):
                rewriter.set_property(op, "seen_arg", IntegerAttr(1))


def test_users_of_replaced_values_are_revisited() -> None:
    m = module_of("""
"test.op"() ({
^bb0(%x: si8):
  %y = "test.pure"(%x) {fold} : (si8) -> si8
  "test.op"(%y) : (si8) -> ()
}) : () -> ()
""")
    w = PatternRewriteWalker([FoldToOperand(), MarkUsers()], walk_reverse=True)
    w.rewrite_module(m)
    # In reverse order the user is visited before the fold; the fold changes its operand, which
    # queues it again in the same sweep, so both rewrites happen in the first one.
    (user,) = [op for op in ops_named(m, "test.op") if op.operands]
    assert "seen_arg" in user.properties
    assert (w.iterations, w.num_rewrites) == (2, 2)


class ExpandAround(RewritePattern):
    """``test.pure {wrap}`` -> inserts a ``test.op {n = 7}`` before and after it."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if "wrap" in op.attributes:
            del op.attributes["wrap"]
            rewriter.insert_op_before(create_op("test.op", attributes={"n": IntegerAttr(7)}))
            rewriter.insert_op_after([create_op("test.op", attributes={"n": IntegerAttr(8)}),
                                      create_op("test.op", attributes={"n": IntegerAttr(9)})])


def test_inserted_ops_are_visited() -> None:
    m = module_of('%a = "test.pure"() {wrap} : () -> si8\n"test.op"(%a) : (si8) -> ()\n')
    spy = Spy()
    PatternRewriteWalker([ExpandAround(), spy]).rewrite_module(m)
    assert [n_of(op) for op in m.regions[0].blocks[0].ops] == [7, None, 8, 9, None]
    assert {7, 8, 9} <= {n_of(op) for op in spy.seen}


def test_walk_order() -> None:
    m = module_of("""
"test.op"() ({
  "test.op"() {n = 2} : () -> ()
}) {n = 1} : () -> ()
"test.op"() {n = 3} : () -> ()
""")
    spy = Spy()
    PatternRewriteWalker(spy).rewrite_module(m)
    assert [n_of(op) for op in spy.seen] == [1, 2, 3]
    spy = Spy()
    PatternRewriteWalker(spy, walk_reverse=True).rewrite_module(m)
    assert [n_of(op) for op in spy.seen] == [3, 2, 1]


class Flip(RewritePattern):
    """``test.op {n = 0}`` <-> ``{n = 1}``: two patterns' worth of undoing each other."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        n = n_of(op)
        if op.op_name == "test.op" and n in (0, 1):
            op.attributes["n"] = IntegerAttr(1 - n)
            rewriter.notify_op_modified(op)


def test_rewrite_cap_stops_ping_pong() -> None:
    m = module_of('"test.op"() {n = 0} : () -> ()\n')
    w = PatternRewriteWalker(Flip(), max_rewrites=25)
    assert w.rewrite_module(m)
    assert (w.num_rewrites, w.converged) == (25, False)


def test_greedy_applier_stops_at_first_match() -> None:
    m = module_of('%a = "test.pure"() {n = 2} : () -> si8\n"test.op"(%a) : (si8) -> ()\n')
    spy = Spy()
    PatternRewriteWalker(GreedyRewritePatternApplier([CountDown(), spy])).rewrite_module(m)
    # The spy never sees a test.pure that CountDown rewrote, only the final one (n = 0).
    assert [n_of(op) for op in spy.seen if op.op_name == "test.pure"] == [0, 0]


class Crash(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        raise KeyError("oops")


class Diagnose(RewritePattern):
    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        raise DiagnosticError(op.loc, "located")


def test_pattern_exceptions() -> None:
    m = module_of('"test.op"() : () -> ()\n')
    with pytest.raises(PatternCrashed, match=r"pattern Crash failed on 'test.op' at t.mlir:1:1: KeyError: 'oops'"):
        PatternRewriteWalker(Crash()).rewrite_module(m)
    with pytest.raises(DiagnosticError, match="t.mlir:1:1: error: located"):
        PatternRewriteWalker(Diagnose()).rewrite_module(m)


def test_rewriter_checks() -> None:
    m = module_of('%a = "test.op"() : () -> si8\n%b = "test.op"() : () -> i8\n"test.op"(%a) : (si8) -> ()\n')
    a_op, b_op, user = m.regions[0].blocks[0].ops
    rw = PatternRewriter(a_op)
    with pytest.raises(ValueError, match="still used"):
        rw.erase_op(a_op)
    with pytest.raises(ValueError, match="replacing 'test.op' \\(1 results\\) by 0 values"):
        rw.replace_op(a_op, [])
    with pytest.raises(ValueError, match="replacing a value of type si8 by one of type i8"):
        rw.replace_all_uses_with(a_op.results[0], b_op.results[0])
    loose = create_op("test.op")
    with pytest.raises(ValueError, match="not in a block"):
        rw.insert_op_before(create_op("test.op"), loose)
    assert not rw.has_done_action
    rw.replace_all_uses_with(a_op.results[0], a_op.results[0])  # a no-op
    assert not rw.has_done_action
    # An op already in a block is moved, not duplicated.
    rw.insert_op_after(a_op, user)
    assert m.regions[0].blocks[0].ops == [b_op, user, a_op] and rw.has_done_action
    assert print_op(m)  # still printable


def test_set_operand_requeues_the_old_producer() -> None:
    m = module_of('%a = "test.pure"() : () -> si8\n%b = "test.op"() : () -> si8\n"test.op"(%a) : (si8) -> ()\n')

    class Redirect(RewritePattern):
        def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
            if op.op_name == "test.op" and op.operands and op.operands[0].type == si8 and op.operands[0] is not b:
                rewriter.set_operand(op, 0, b)

    b = m.regions[0].blocks[0].ops[1].results[0]
    w = PatternRewriteWalker([EraseDeadPureOp(), Redirect()])
    w.rewrite_module(m)
    # %a was visited (and kept, being used) before the redirect; the redirect queued it again.
    assert ops_named(m, "test.pure") == [] and w.iterations == 2


def test_located_ops_keep_their_location_through_replace() -> None:
    m = module_of(COUNTDOWN)
    PatternRewriteWalker(CountDown()).rewrite_module(m)
    assert all(isinstance(op.loc, Location) for op in m.walk())
