"""The plan verifier: a planned ``dory`` function (after ``gap8-default`` / ``pulp-default`` /
``gap9-default``) checked against what the C runtime will do with it, before any C is written.

The op verifier (`dory_ir.opdef.verify`) checks what an op *means*; it does not read the plan
attributes (``dory.tile``, ``dory.alloc``, ``dory.l1``, docs/tiling-schema.md), and the
interpreter ignores offsets. So a plan edited by hand (or by a buggy pass) could place two live
buffers on the same bytes, an L1 output ping on the input, a tile larger than the layer, or a
requant shift the C types cannot hold, and still translate: the app then computes garbage,
crashes, or ``network.c`` does not compile. `verify_plan` rejects all of these, each as one
error located at the op (file:line:col), before `emit_network` runs (``dory-translate --to-c``,
``dory-compile``) and at the end of ``dory-opt`` on planned IR (the ``verify-plan`` pass, run by
the driver on every planned output):

- *L2/L3 buffers* (`dory_ir.analysis.allocation.placed_buffers`: activations, weights, requant
  arrays, staging areas, with lifetimes recomputed from the IR): every buffer recorded (``dory.alloc``
  on each op with a result, ``dory.arg_alloc`` per argument, ``requant`` where a layer has
  per-channel vectors, ``staging`` where ``dory.memory.staging_bytes`` > 0), at a 4-byte aligned
  offset, at least as large as its data, inside its arena (``[0, l2_peak)`` / ``[0, l3_peak)``,
  the arenas the app allocates), the arena within its budget (``dory.memory`` of the function),
  no two buffers live at the same step sharing bytes (`overlaps`), a ``dory.reshape`` on its
  input's bytes (it is a view: the emitter gives it no copy).
- *L1 layouts* (``dory.l1``): every ping/pong buffer, the parameters (two copies when the
  weights are double buffered) and the scratch, at the sizes the tile needs (the tiler's own
  footprint model, `passes.allocate_buffers.l1_sizes`), inside ``[0, total)``, pairwise disjoint,
  and ``total`` within the function's L1 budget, itself within the hardware's (`backends`).
- *Tiles* (``dory.tile``): ``1 <= tile <= layer`` on every axis (``h_out = w_out = 1`` for a
  linear layer), the L3 tile ``0 <= l3 <= layer``.
- *C types* (runtime/include/dory/types.h, layer.h): at most ``DORY_MAX_REQUANT`` stages and
  ``DORY_MAX_PARAMS`` vectors; ``shift`` in ``[0, 62]`` (``dory_requant1`` computes
  ``(int64_t)1 << shift`` and ``v >> shift`` on int64); ``div`` and the bounds in ``int32_t``;
  ``|mul| <= 2^31`` and ``|add| <= 2^62`` so ``x * mul + add`` (x an si32 accumulator, int64
  arithmetic) never overflows; every offset, size and budget in ``uint32_t``.
"""

from __future__ import annotations

from typing import Iterable

from dory.backends.gap8.emit import MAX_PARAMS, MAX_REQUANT, PARAM_FIELDS
from dory.backends.target import Target, get_target, target_names
from dory.dory_ir.attributes import ArrayAttr, Attribute, DenseAttr, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.diagnostics import Diagnostic
from dory.dory_ir.dialects import dory
from dory.dory_ir.dialects.func import FuncOp
from dory.dory_ir.types import IntegerType, MemRefType, TensorType

# The C types of runtime/include/dory/types.h (dory_requant_t) and layer.h (dory_ref_t,
# dory_layer_t): int32_t shift/div/min/max, int64_t arithmetic in dory_requant1, uint32_t
# offsets and sizes.
_I32_MIN, _I32_MAX = -(1 << 31), (1 << 31) - 1
_U32_MAX = (1 << 32) - 1
_MAX_SHIFT = 62  # (int64_t)1 << shift must stay positive: shift <= 62
_I64_MAX = (1 << 63) - 1  # dory_requant1's int64_t x * mul + add
_ALIGN = 4  # every buffer offset (allocate-buffers' alignment; the DMA and kernels' word accesses)
_ALLOC, _ARG_ALLOC, _L1, _TILE, _MEMORY = "dory.alloc", "dory.arg_alloc", "dory.l1", "dory.tile", "dory.memory"


class _Checker:
    """Collects the errors of one function (one per op and fact, in program order)."""

    def __init__(self, func: Operation, hw: Target | None):
        self.func = func
        self.hw = hw
        self.diags: list[Diagnostic] = []
        self._reported: set[tuple[int, str]] = set()

    def error(self, op: Operation, message: str) -> None:
        key = (id(op), message)
        if key not in self._reported:
            self._reported.add(key)
            self.diags.append(Diagnostic(op.loc, f"'{op.op_name}' op {message}"))


def _int(d: dict[str, Attribute], key: str) -> int | None:
    v = d.get(key)
    return int(v.value) if isinstance(v, IntegerAttr) else None


def _dict(a: Attribute | None) -> dict[str, Attribute] | None:
    return a.as_dict() if isinstance(a, DictAttr) else None


def _level(v: Value) -> str | None:
    t = v.type
    space = t.memory_space if isinstance(t, MemRefType) else None
    return getattr(space, "name", None)


def _bytes(v: Value) -> int:
    """Bytes of a shaped value as the runtime stores it (sub-byte types take a byte)."""
    t = v.type
    assert isinstance(t, (TensorType, MemRefType)) and isinstance(t.element_type, IntegerType)
    return t.num_elements * -(-t.element_type.width // 8)


def hardware_limits(hw: Target | None) -> tuple[int, int, int]:
    """The largest L1 (tile buffers), L2 and L3 budgets a plan may ask for: ``hw``'s, or without a
    target the largest of every registered target's (backends/<name>/hw.py)."""
    targets = [hw] if hw is not None else [get_target(n) for n in target_names()]
    return (max(t.l1_budget for t in targets), max(t.l2_bytes for t in targets), max(t.l3_bytes for t in targets))


def _stage_dicts(op: Operation, key: str) -> list[dict[str, Attribute]]:
    a = op.properties.get(key)
    items = [a] if isinstance(a, DictAttr) else list(a.values) if isinstance(a, ArrayAttr) else []
    return [d.as_dict() for d in items if isinstance(d, DictAttr)]


def _values(a: Attribute | None) -> list[int]:
    if isinstance(a, IntegerAttr):
        return [int(a.value)]
    if isinstance(a, DenseAttr) and not a.elided:
        return [int(v) for v in a.data.ravel()]
    return []


def _channels(op: Operation) -> int:
    t = op.results[0].type
    assert isinstance(t, (TensorType, MemRefType))
    return int(t.shape[-1]) if t.shape else 1


def requant_vector_bytes(op: Operation) -> tuple[int, int]:
    """(count, bytes) of the per-channel requant vectors the emitter stores for ``op`` (its
    ``requant`` buffer): every dense ``mul``/``add``/``win_lo``/``win_hi`` of more than one value,
    at its element size (an si64 vector takes 8 bytes)."""
    count = nbytes = 0
    for key in ("requant", "lhs_requant", "rhs_requant"):
        for d in _stage_dicts(op, key):
            for fld in PARAM_FIELDS:
                v = d.get(fld)
                if isinstance(v, DenseAttr) and v.data.size > 1:
                    count += 1
                    et = v.element_type
                    nbytes += v.data.size * (8 if isinstance(et, IntegerType) and et.width > 32 else -(-et.width // 8))
    return count, nbytes


def _check_requant(ck: _Checker, op: Operation) -> None:
    """Every requant parameter representable in the runtime's C types (module docstring)."""
    for key in ("requant", "lhs_requant", "rhs_requant"):
        stages = _stage_dicts(op, key)
        if len(stages) > MAX_REQUANT:
            ck.error(op, f"expected at most {MAX_REQUANT} requant stages in '{key}' (DORY_MAX_REQUANT), found {len(stages)}")
        for i, d in enumerate(stages):
            where = f"'{key}'" + (f" stage {i}" if len(stages) > 1 else "")
            shift = _int(d, "shift")
            if shift is not None and not 0 <= shift <= _MAX_SHIFT:
                ck.error(op, f"expected {where} shift in [0, {_MAX_SHIFT}] (an int64 shift in dory_requant1), found {shift}")
            div = _int(d, "div")
            if div is not None and not 0 <= div <= _I32_MAX:
                ck.error(op, f"expected {where} div in [1, {_I32_MAX}] (int32_t), found {div}")
            for fld in ("min", "max"):
                v = _int(d, fld)
                if v is not None and not _I32_MIN <= v <= _I32_MAX:
                    ck.error(op, f"expected {where} {fld} within int32_t [{_I32_MIN}, {_I32_MAX}], found {v}")
            # dory_requant1 computes x * mul + add in int64 (mul_scalar / add_scalar are int64_t):
            # exact for every si32 x when 2^31 |mul| + |add| < 2^63 (TFLite's multipliers reach
            # 2^32 - 1 with small adds, onnxruntime's adds reach 2^61 with small multipliers).
            muls, adds = _values(d.get("mul")), _values(d.get("add"))
            m = max((abs(v) for v in muls), default=0)
            a = max((abs(v) for v in adds), default=0)
            if (1 << 31) * m + a > _I64_MAX:
                ck.error(op, f"expected {where} 2^31 * |mul| + |add| <= 2^63 - 1 (x * mul + add in int64 for every si32 x), found mul {max(muls, key=abs) if muls else 0}, add {max(adds, key=abs) if adds else 0}")
            for fld in ("win_lo", "win_hi"):
                vals = _values(d.get(fld))
                if vals and not all(_I32_MIN <= v <= _I32_MAX for v in vals):
                    ck.error(op, f"expected {where} {fld} within int32_t, found {next(v for v in vals if not _I32_MIN <= v <= _I32_MAX)}")
    count, _ = requant_vector_bytes(op)
    if count > MAX_PARAMS:
        ck.error(op, f"expected at most {MAX_PARAMS} per-channel requant vectors (DORY_MAX_PARAMS), found {count}")
    if isinstance(op, dory.PoolOp) and op.div is not None and not 0 < op.div <= _I32_MAX:
        ck.error(op, f"expected the pool div in [1, {_I32_MAX}] (int32_t), found {op.div}")


def _range(ck: _Checker, op: Operation, d: dict[str, Attribute] | None, what: str) -> tuple[int, int] | None:
    """``(offset, size)`` of a ``{offset, size}`` record, reporting a missing or malformed one."""
    if d is None:
        ck.error(op, f"expected '{what}' = {{offset, size}} (run 'allocate-buffers'), found none")
        return None
    offset, size = _int(d, "offset"), _int(d, "size")
    if offset is None or size is None:
        ck.error(op, f"expected integer 'offset' and 'size' in '{what}', found {d}")
        return None
    if offset < 0 or size < 0 or offset + size > _U32_MAX:
        ck.error(op, f"expected '{what}' within [0, 2^32) (uint32_t), found offset {offset} and size {size}")
        return None
    if offset % _ALIGN:
        ck.error(op, f"expected '{what}' offset a multiple of {_ALIGN}, found {offset}")
    return offset, size


def _check_buffers(ck: _Checker, arenas: dict[str, int]) -> None:
    """Every L2/L3 buffer recorded, big enough, aligned and inside its arena; no two live at once
    on the same bytes."""
    from dory.dory_ir.analysis.allocation import overlaps

    func = ck.func
    body = func.regions[0].blocks[0]
    args = func.attributes.get(_ARG_ALLOC)
    arg_list = list(args.values) if isinstance(args, ArrayAttr) else []

    def place(op: Operation, v: Value, rng: tuple[int, int] | None, what: str, need: int, level: str | None) -> None:
        if rng is None:
            return
        offset, size = rng
        if level not in arenas:
            ck.error(op, f"expected {what} in #dory.l2 or #dory.l3, found {v.type}")
            return
        if size < need:
            ck.error(op, f"expected {what} of at least {need} bytes (its data), found {size}")
        if offset + max(size, need) > arenas[level]:
            ck.error(op, f"expected {what} [{offset}, {offset + max(size, need)}) inside the {level.upper()} arena "
                         f"[0, {arenas[level]}), found it beyond")

    for i, a in enumerate(body.args):
        rec = _dict(arg_list[i]) if i < len(arg_list) else None
        place(func, a, _range(ck, func, rec, f"dory.arg_alloc[{i}]"), f"argument #{i}", _bytes(a), _level(a))
    for op in body.ops:
        if not op.results or op.op_name == "func.return":
            continue
        al = _dict(op.attributes.get(_ALLOC))
        r = op.results[0]
        rng = _range(ck, op, al, _ALLOC)
        place(op, r, rng, "the result buffer", _bytes(r), _level(r))
        if isinstance(op, dory.ReshapeOp) and rng is not None:
            src = op.operands[0]
            src_rec = _dict(src.op.attributes.get(_ALLOC)) if hasattr(src, "op") else (
                _dict(arg_list[src.index]) if src.index < len(arg_list) else None)  # type: ignore[attr-defined]
            src_off = _int(src_rec, "offset") if src_rec else None
            if src_off is not None and (src_off != rng[0] or _level(src) != _level(r)):
                ck.error(op, f"expected the reshape's buffer at its input's offset {src_off} "
                             f"(a reshape is a view of it), found {rng[0]}")
        if not isinstance(op, dory.LAYER_OPS) or al is None:
            continue
        count, need = requant_vector_bytes(op)
        if count:
            mem = _dict(op.attributes.get(_MEMORY)) or {}
            l3 = mem.get("l3")
            in_l3 = isinstance(l3, ArrayAttr) and any(isinstance(s, StringAttr) and s.value == "requant" for s in l3.values)
            rq = _range(ck, op, _dict(al.get("requant")), "dory.alloc.requant")
            if rq is not None:
                level = "l3" if in_l3 else "l2"
                if rq[1] < need:
                    ck.error(op, f"expected 'dory.alloc.requant' of at least {need} bytes (its {count} vectors), found {rq[1]}")
                if rq[0] + max(rq[1], need) > arenas[level]:
                    ck.error(op, f"expected 'dory.alloc.requant' [{rq[0]}, {rq[0] + max(rq[1], need)}) inside the "
                                 f"{level.upper()} arena [0, {arenas[level]}), found it beyond")
        staging = _int(_dict(op.attributes.get(_MEMORY)) or {}, "staging_bytes") or 0
        if staging > 0 or "staging" in al:
            sg = _range(ck, op, _dict(al.get("staging")), "dory.alloc.staging")
            if sg is not None:
                if sg[1] < staging:
                    ck.error(op, f"expected 'dory.alloc.staging' of at least {staging} bytes (dory.memory.staging_bytes), found {sg[1]}")
                if sg[0] + sg[1] > arenas["l2"]:
                    ck.error(op, f"expected 'dory.alloc.staging' [{sg[0]}, {sg[0] + sg[1]}) inside the L2 arena "
                                 f"[0, {arenas['l2']}), found it beyond")
    if ck.diags:
        return  # a buffer out of place already reported: its overlaps would say the same again
    for o in overlaps(func):
        ck.error(o.second.op, f"expected buffers live at the same time to be disjoint, found {o.message()}")


def _tile(ck: _Checker, op: Operation) -> dict[str, int] | None:
    """The L1 tile of ``op`` if it lies within the layer (reported otherwise)."""
    td = _dict(op.attributes.get(_TILE))
    l1 = _dict(td.get("l1")) if td is not None else None
    if td is None or l1 is None:
        return None  # not tiled (yet): nothing to check here; the emitter requires a tile
    xs = op.operands[0].type.shape  # type: ignore[attr-defined]
    ys = op.results[0].type.shape  # type: ignore[attr-defined]
    linear = isinstance(op, dory.LinearOp) or len(ys) != 4
    rows = 1 if linear else int(ys[1])
    cols = 1 if linear else int(ys[2])
    if isinstance(op, dory.AddOp) and len(ys) != 4:  # the emitter's rows x 1 x C view of an add
        rows, linear = int(_prod(ys[:-1])), False
    limits = {"c_out": int(ys[-1]), "h_out": rows, "w_out": cols, "c_in": int(xs[-1])}
    tile: dict[str, int] = {}
    ok = True
    for key, hi in limits.items():
        v = _int(l1, key)
        if v is None and key in ("h_out", "w_out", "c_in"):
            v = 1 if key != "c_in" else hi  # the emitter's defaults
        if v is None or not 1 <= v <= hi:
            ck.error(op, f"expected 'dory.tile.l1' {key} in [1, {hi}] (the layer's extent), found {v if v is not None else 'none'}")
            ok = False
        else:
            tile[key] = v
    l3 = _dict(td.get("l3"))
    for key in ("c_out", "h_out"):
        v = _int(l3, key) if l3 else None
        hi = limits[key]
        if v is not None and not 0 <= v <= hi:
            ck.error(op, f"expected 'dory.tile.l3' {key} in [0, {hi}] (0: not tiled; the layer's extent), found {v}")
            ok = False
    return tile if ok else None


def _prod(xs: Iterable[int]) -> int:
    out = 1
    for x in xs:
        out *= int(x)
    return out


def _check_l1(ck: _Checker, op: Operation, tile: dict[str, int], l1_budget: int) -> None:
    """The L1 layout holds the tile's buffers, disjoint, within ``total`` and the budget."""
    from dory.passes.allocate_buffers import align, l1_sizes
    from dory.passes.base import PassFailed

    la = _dict(op.attributes.get(_L1))
    if la is None:
        return  # no layout (yet): the emitter requires one
    pairs: dict[str, tuple[int, int]] = {}
    for key in ("input", "weight", "output"):
        p = la.get(key)
        vals = [int(v.value) for v in p.values if isinstance(v, IntegerAttr)] if isinstance(p, ArrayAttr) else []
        if len(vals) != 2 or len(p.values) != 2:  # type: ignore[union-attr]
            ck.error(op, f"expected 'dory.l1.{key}' as [ping, pong], found {p}")
            return
        pairs[key] = (vals[0], vals[1])
    scalars: dict[str, int] = {}
    for key in ("params", "scratch", "total"):
        v = _int(la, key)
        if v is None:
            ck.error(op, f"expected an integer 'dory.l1.{key}', found {la.get(key)}")
            return
        scalars[key] = v
    total = scalars["total"]
    if not 0 < total <= l1_budget:
        ck.error(op, f"expected 'dory.l1' total in [1, {l1_budget}] (the L1 budget), found {total}")
        return
    try:
        sizes = l1_sizes(op, tile, ck.hw)
    except (PassFailed, ValueError) as e:
        ck.error(op, f"cannot size the L1 tile buffers: {e}")
        return
    regions: list[tuple[str, int, int]] = []
    for key, n in (("input", sizes.input), ("weight", sizes.weight), ("output", sizes.output)):
        ping, pong = pairs[key]
        regions.append((f"{key} ping", ping, n))
        if pong != ping:
            regions.append((f"{key} pong", pong, n))
    params_copies = 2 if pairs["weight"][0] != pairs["weight"][1] else 1
    regions.append(("params", scalars["params"], params_copies * align(sizes.params) if sizes.params else 0))
    regions.append(("scratch", scalars["scratch"], sizes.scratch))
    for name, off, n in regions:
        if off < 0 or off % _ALIGN or off + n > total:
            ck.error(op, f"expected the L1 {name} buffer [{off}, {off + n}) 4-byte aligned inside [0, {total}) "
                         f"('dory.l1' total), found it {'misaligned' if off >= 0 and off % _ALIGN and off + n <= total else 'outside'}")
            return
    # The runtime sizes each buffer as the bytes up to the next larger offset of the layout, or
    # `total` (l1_cap in runtime/src/layer.c): an empty buffer placed inside another shrinks it.
    offsets = [*pairs["input"], *pairs["weight"], *pairs["output"], scalars["params"], scalars["scratch"]]
    for name, off, n in regions:
        cap = min([o for o in offsets if o > off] + [total]) - off
        need = align(sizes.params) if name == "params" and sizes.params else n  # one copy at least
        if cap < need:
            ck.error(op, f"expected the L1 {name} buffer at {off} to have {need} bytes up to the next buffer or "
                         f"the total (the runtime's layout, l1_cap), found {cap}")
            return
    live = [(name, off, n) for name, off, n in regions if n > 0]
    for i, (a, ao, an) in enumerate(live):
        for b, bo, bn in live[i + 1:]:
            if ao < bo + bn and bo < ao + an:
                ck.error(op, f"expected disjoint L1 buffers, found the {a} [{ao}, {ao + an}) and the {b} [{bo}, {bo + bn}) overlapping")
                return


def verify_function(func: Operation, hw: Target | None = None) -> list[Diagnostic]:
    """The plan errors of one planned function (empty for a function not allocated yet)."""
    if not isinstance(func.attributes.get(_ALLOC), DictAttr) or not func.regions or not func.regions[0].blocks:
        return []
    ck = _Checker(func, hw)
    fa = _dict(func.attributes.get(_ALLOC)) or {}
    mem = _dict(func.attributes.get(_MEMORY)) or {}
    l1_hw, l2_hw, l3_hw = hardware_limits(hw)
    budgets = {"l1_budget": l1_hw, "l2_budget": l2_hw, "l3_budget": l3_hw}
    for key, hw_limit in budgets.items():
        v = _int(mem, key)
        if v is not None and not 0 < v <= hw_limit:
            ck.error(func, f"expected 'dory.memory' {key} in [1, {hw_limit}] (the hardware's, backends/), found {v}")
        elif v is not None:
            budgets[key] = v
    arenas: dict[str, int] = {}
    for level, key, budget in (("l2", "l2_peak", budgets["l2_budget"]), ("l3", "l3_peak", budgets["l3_budget"])):
        v = _int(fa, key)
        if v is None:
            ck.error(func, f"expected an integer 'dory.alloc' {key}, found none")
            v = 0
        elif not 0 <= v <= budget:
            ck.error(func, f"expected 'dory.alloc' {key} in [0, {budget}] (the {level.upper()} budget), found {v}")
            v = max(0, v)  # the arena the app would allocate: its buffers are checked against it
        arenas[level] = v
    steps = [op for op in func.regions[0].blocks[0].ops if isinstance(op, (*dory.LAYER_OPS, dory.ConcatOp))]
    if not steps:  # network.c would declare a zero-length step table, which C rejects
        ck.error(func, "expected at least one layer or concat to run, found none (the network's output is its input)")
    _check_buffers(ck, arenas)
    l1_budget = budgets["l1_budget"]
    for op in func.regions[0].blocks[0].ops:
        if not isinstance(op, dory.LAYER_OPS):
            continue
        _check_requant(ck, op)
        tile = _tile(ck, op)
        if tile is not None:
            _check_l1(ck, op, tile, l1_budget)
    return ck.diags


def verify_plan(module: Operation, hw: Target | None = None) -> list[Diagnostic]:
    """The plan errors of every planned function of ``module`` (module docstring), in program
    order; ``hw``: the target the plan is for (None: the L1/L2/L3 limits of the largest target)."""
    diags: list[Diagnostic] = []
    for op in module.walk():
        if isinstance(op, FuncOp):
            diags.extend(verify_function(op, hw))
    return diags


__all__ = ["verify_plan", "verify_function", "hardware_limits", "requant_vector_bytes"]
