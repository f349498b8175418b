"""``canonicalize``: erase dead pure ops and fold trivial ones, to a fixpoint.

The folds dispatch on the op class (`op_type_rewrite_pattern`) and read properties through the
ops' typed accessors, and each replaces an op by its input only when the types are equal, so
users never see a type change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dory.dory_ir.attributes import i64_array
from dory.dory_ir.core import Operation, OpResult
from dory.dory_ir.dialects import qnn
from dory.dory_ir.opdef import IsTerminator, Pure
from dory.dory_ir.types import IntegerType, TensorType
from dory.passes.base import ModulePass, PassContext, PassFailed
from dory.passes.rewrite import PatternRewriter, PatternRewriteWalker, RewritePattern, op_type_rewrite_pattern

# Ops that only reinterpret a tensor in row-major order: a chain of them is one reshape.
_RESHAPE_LIKE = (qnn.ReshapeOp, qnn.FlattenOp)


def _unary(op: Operation) -> bool:
    return len(op.operands) == 1 and len(op.results) == 1


def _fold_to_input(op: Operation, rewriter: PatternRewriter) -> None:
    """Replace a one-operand op by its operand when that changes no type."""
    if op.operands[0].type == op.results[0].type:
        rewriter.replace_op(op, [], [op.operands[0]])


class EraseDeadPureOp(RewritePattern):
    """A ``Pure`` op whose results are all unused (and whose nested ops are pure too) does
    nothing observable: erase it. Terminators stay; they end their block."""

    def match_and_rewrite(self, op: Operation, rewriter: PatternRewriter) -> None:
        if not op.has_trait(Pure) or op.has_trait(IsTerminator):
            return
        if any(r.uses for r in op.results):
            return
        if any(not nested.has_trait(Pure) for nested in op.walk() if nested is not op):
            return
        rewriter.erase_op(op)


class FoldNoOpReshape(RewritePattern):
    """``qnn.reshape``/``qnn.flatten`` to the type it already has -> its input."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.ReshapeOp | qnn.FlattenOp, rewriter: PatternRewriter) -> None:
        if _unary(op):
            _fold_to_input(op, rewriter)


class FoldReshapeChain(RewritePattern):
    """A reshape of a reshape (or flatten) -> one ``qnn.reshape`` of the original input: all of
    them are row-major reinterpretations, so only the final shape matters."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.ReshapeOp | qnn.FlattenOp, rewriter: PatternRewriter) -> None:
        if not _unary(op):
            return
        src = op.operands[0]
        if not isinstance(src, OpResult) or not isinstance(src.op, _RESHAPE_LIKE) or not _unary(src.op):
            return
        origin = src.op.operands[0]
        if isinstance(op, qnn.ReshapeOp):
            rewriter.set_operand(op, 0, origin)
            return
        # A flatten's shape depends on its input's rank, so a flatten of a reshape becomes a
        # plain reshape to the flatten's result type.
        new = qnn.ReshapeOp(
            operands=[origin],
            result_types=[op.results[0].type],
            loc=op.loc,
            result_names=[op.results[0].name_hint],
        )
        rewriter.replace_op(op, new)


class FoldFullRangeClip(RewritePattern):
    """``qnn.clip`` whose ``[min, max]`` covers every value of its input element type (and whose
    result type equals the input type) changes nothing -> its input."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.ClipOp, rewriter: PatternRewriter) -> None:
        if not _unary(op):
            return
        lo, hi = op.min, op.max
        ty = op.operands[0].type
        if not isinstance(ty, TensorType):
            return
        et = ty.element_type
        if isinstance(et, IntegerType) and lo <= et.min_value and hi >= et.max_value:
            _fold_to_input(op, rewriter)


class FoldTranspose(RewritePattern):
    """``qnn.transpose`` with the identity permutation -> its input; a transpose of a transpose
    -> one transpose with the composed permutation (``x.T(p).T(q) == x.T(p[q])``)."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.TransposeOp, rewriter: PatternRewriter) -> None:
        if not _unary(op):
            return
        perm = op.perm
        if perm == tuple(range(len(perm))):
            _fold_to_input(op, rewriter)
            return
        src = op.operands[0]
        if not isinstance(src, OpResult) or not isinstance(src.op, qnn.TransposeOp) or not _unary(src.op):
            return
        inner = src.op.perm
        identity = list(range(len(perm)))
        if sorted(inner) != identity or sorted(perm) != identity:
            return
        composed = tuple(inner[i] for i in perm)
        rewriter.set_property(op, "perm", i64_array(composed))
        rewriter.set_operand(op, 0, src.op.operands[0])


class FoldZeroPad(RewritePattern):
    """``qnn.pad`` with all pads 0 -> its input."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.PadOp, rewriter: PatternRewriter) -> None:
        if _unary(op) and not any(op.pads):
            _fold_to_input(op, rewriter)


class FoldSingleConcat(RewritePattern):
    """``qnn.concat`` of one tensor -> that tensor."""

    @op_type_rewrite_pattern
    def match_and_rewrite(self, op: qnn.ConcatOp, rewriter: PatternRewriter) -> None:
        if _unary(op):
            _fold_to_input(op, rewriter)


# Tried in order on every op; dead-op removal first so folds don't work on ops about to go.
CANONICALIZATION_PATTERNS: tuple[RewritePattern, ...] = (
    EraseDeadPureOp(),
    FoldNoOpReshape(),
    FoldReshapeChain(),
    FoldFullRangeClip(),
    FoldTranspose(),
    FoldZeroPad(),
    FoldSingleConcat(),
)


def _positive(value: int) -> int:
    if value < 1:
        raise ValueError(f"max-iterations must be at least 1, found {value}")
    return value


@dataclass(frozen=True)
class CanonicalizePass(ModulePass):
    """Erase unused pure ops and fold no-op reshapes, clips, transposes, pads and concats.

    Runs the patterns greedily until nothing changes or ``max-iterations`` whole-module sweeps
    have been made. Like MLIR's canonicalizer, not converging is silent unless
    ``test-convergence`` is set (then it is an error, which catches patterns that undo each
    other).
    """

    name = "canonicalize"

    max_iterations: int = field(default=10, metadata={"doc": "whole-module sweeps before giving up"})
    test_convergence: bool = field(default=False, metadata={"doc": "fail if no fixpoint was reached"})

    def __post_init__(self) -> None:
        _positive(self.max_iterations)

    def apply(self, ctx: PassContext, module: Operation) -> None:
        walker = PatternRewriteWalker(list(CANONICALIZATION_PATTERNS), max_iterations=self.max_iterations)
        walker.rewrite_module(module)
        if self.test_convergence and not walker.converged:
            raise PassFailed(
                module,
                f"canonicalize did not converge after {walker.iterations} iteration(s) "
                f"({walker.num_rewrites} rewrites)",
            )


__all__ = ["CanonicalizePass", "CANONICALIZATION_PATTERNS"]
