"""Which values of a network are the outputs of its *deployed layers* (DORY's notion of a layer).

A layer starts at an *anchor* op (a conv, linear, pool or add) and absorbs the requantisation
that follows it: the first ``requant``/``clip`` after the anchor, and further ones as long as they
do not feed an addition (a requant feeding ``qnn.add`` rescales that add's input, so it belongs
to the add layer, as DORY's QAdd does). Layout-only ops (pad, flatten, reshape, constants) are
not layers. The analysis works on any stage of the pipeline: later dialects register their layer
ops as anchors with `register_anchor`.
"""

from __future__ import annotations

from dataclasses import dataclass

from dory_ir.core import Operation, Value

_ANCHORS: set[str] = {
    "qnn.conv2d",
    "qnn.linear",
    "qnn.maxpool",
    "qnn.avgpool",
    "qnn.global_avgpool",
    "qnn.add",
}
_REQUANT: set[str] = {"qnn.requant", "qnn.clip"}


def register_anchor(op_name: str) -> None:
    """Declare ``op_name`` a layer op (used by dialects that fuse layers)."""
    _ANCHORS.add(op_name)


def register_requant(op_name: str) -> None:
    """Declare ``op_name`` a requantisation step that extends the preceding layer."""
    _REQUANT.add(op_name)


@dataclass
class Layer:
    """One deployed layer: its ops in order and the value it produces."""

    ops: list[Operation]
    output: Value

    @property
    def anchor(self) -> Operation:
        return self.ops[0]


def _sole_user(v: Value) -> Operation | None:
    users = {id(u.op): u.op for u in v.uses}
    return next(iter(users.values())) if len(users) == 1 else None


def _feeds_add(v: Value) -> bool:
    return bool(v.uses) and all(u.op.op_name == "qnn.add" for u in v.uses)


def find_layers(func: Operation) -> list[Layer]:
    """The layers of ``func`` (a ``func.func``) in schedule (op) order."""
    layers: list[Layer] = []
    for op in func.regions[0].blocks[0].ops:
        if op.op_name not in _ANCHORS or len(op.results) != 1:
            continue
        chain = [op]
        out = op.results[0]
        while True:
            user = _sole_user(out)
            if user is None or user.op_name not in _REQUANT or len(user.results) != 1:
                break
            if len(chain) > 1 and _feeds_add(user.results[0]):
                break
            if len(chain) == 1 and op.op_name != "qnn.add" and _feeds_add(user.results[0]) and _is_rescale(user):
                break
            chain.append(user)
            out = user.results[0]
        layers.append(Layer(chain, out))
    return layers


def _is_rescale(op: Operation) -> bool:
    """A requant that only multiplies (no offset, no division): an add-input rescale."""
    from dory_ir.attributes import IntegerAttr

    if op.op_name != "qnn.requant":
        return False
    shift = op.properties.get("shift")
    div = op.properties.get("div")
    no_div = (shift is None or (isinstance(shift, IntegerAttr) and shift.value == 0)) and (
        div is None or (isinstance(div, IntegerAttr) and div.value == 1)
    )
    add = op.properties.get("add")
    no_add = add is None or (isinstance(add, IntegerAttr) and add.value == 0)
    return no_div and no_add
