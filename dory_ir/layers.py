"""What a *deployed layer* is (DORY's notion of a layer): the one definition that the ``fuse`` pass
builds layer ops by and that ``--reference`` numbers a network's layers by.

A layer starts at an *anchor* op (a conv, linear, pool or add) and takes the requantisation that
follows it (`requant_chain`): the anchor's sole user when that is a ``requant``/``clip``, and
further ones (each the sole user of the previous) as long as they do not only feed additions: a
requant feeding ``qnn.add`` rescales that add's input, so it belongs to the add layer, as in
DORY's QAdd. A requant that no anchor takes (it requantises an activation that is already some
layer's output, or a function argument: QuantLab's rescaled residual branch, `RequantShift` of a
ui8 activation into si8) and that does not rescale an add's input is a *standalone requant*, a
layer of its own (`fuse` runs it as a 1x1 max pool with that requantisation). Layout-only ops
(pad, flatten, reshape, constants) are not layers. The analysis works
on any stage of the pipeline: the ``dory`` layer ops are anchors too (each a whole layer), and
another dialect of fused layer ops registers its own with `register_anchor`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dory.dory_ir.core import Operation, Value
from dory.dory_ir.dialects import dory, qnn

QNN_ANCHORS: tuple[type[Operation], ...] = (
    qnn.Conv2dOp,
    qnn.LinearOp,
    qnn.MaxPoolOp,
    qnn.AvgPoolOp,
    qnn.GlobalAvgPoolOp,
    qnn.AddOp,
)
"""The qnn ops that start a layer."""

REQUANTS: tuple[type[Operation], ...] = (qnn.RequantOp, qnn.ClipOp)
"""The qnn ops that requantise a layer's result."""

_ANCHORS: list[type[Operation]] = [*QNN_ANCHORS, *dory.LAYER_OPS]


def register_anchor(cls: type[Operation]) -> None:
    """Declare the op class ``cls`` a layer op (used by dialects of fused layers)."""
    if cls not in _ANCHORS:
        _ANCHORS.append(cls)


def is_anchor(op: Operation) -> bool:
    """Whether ``op`` starts a layer."""
    return isinstance(op, tuple(_ANCHORS)) and len(op.results) == 1


@dataclass
class Layer:
    """One deployed layer: its ops in order and the value it produces."""

    ops: list[Operation]
    output: Value

    @property
    def anchor(self) -> Operation:
        """The op the layer starts at."""
        return self.ops[0]


def sole_user(v: Value) -> Operation | None:
    """The one op that uses ``v`` (possibly in several operands), or None."""
    users = {id(u.op): u.op for u in v.uses}
    return next(iter(users.values())) if len(users) == 1 else None


def _feeds_only_adds(v: Value) -> bool:
    return bool(v.uses) and all(isinstance(u.op, qnn.AddOp) for u in v.uses)


def requant_chain(anchor: Operation) -> list[Operation]:
    """The requant/clip ops that extend the layer started by ``anchor``, in order (see the module
    docstring). ``fuse`` folds exactly these into the layer op (when its accumulator allows). A
    standalone requant's layer stops, like an anchor's after its first requant, at a requant
    that only feeds additions."""
    chain: list[Operation] = []
    out = anchor.results[0]
    user = sole_user(out)
    started = isinstance(anchor, REQUANTS)
    while isinstance(user, REQUANTS):
        if (chain or started) and _feeds_only_adds(user.results[0]):
            break  # it rescales an input of the add: the add layer's
        chain.append(user)
        user = sole_user(user.results[0])
    return chain


def rescales_add_input(op: Operation) -> bool:
    """Whether requant ``op`` rescales an input of a ``qnn.add`` (its only user, whose operands
    differ): the add layer takes it as that input's requantisation (`fuse`, DORY's QAdd)."""
    if not isinstance(op, REQUANTS):
        return False
    user = sole_user(op.results[0])
    return isinstance(user, qnn.AddOp) and user.operands[0] is not user.operands[1]


def find_layers(func: Operation) -> list[Layer]:
    """The layers of ``func`` (a ``func.func``) in schedule (op) order: one per anchor, and one per
    standalone requant (module docstring)."""
    layers: list[Layer] = []
    taken: set[int] = set()
    for op in func.regions[0].blocks[0].ops:
        if is_anchor(op) or (isinstance(op, REQUANTS) and id(op) not in taken and not rescales_add_input(op)):
            chain = [op] + requant_chain(op)
            taken.update(id(o) for o in chain)
            layers.append(Layer(chain, chain[-1].results[0]))
    return layers
