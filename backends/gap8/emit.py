"""The GAP8 C emitter: a planned ``dory`` function (after ``gap8-default``) -> ``network.c/.h`` and
the weights blob.

The translation is deliberately dumb and deterministic: every decision was made by the passes and
is read back from the IR, nothing is re-derived here.

- Each layer op (``dory.conv2d``/``depthwise``/``linear``/``pool``/``add``) becomes one constant
  ``dory_layer_t`` descriptor (runtime/include/dory/layer.h): geometry from its types and
  properties, the L2->L1 tile from ``dory.tile.l1`` (and ``dory.tile.l3``), operand places from the
  ``dory.alloc`` of their producers (``#dory.l2`` / ``#dory.l3`` from the memref type), the L1
  ping/pong layout from ``dory.l1``, the L2 staging area from ``dory.alloc.staging``, and the
  requantisation stages (scalars inline; per-channel vectors as `dory_param_t` entries pointing
  into the layer's requant buffer).
- ``dory.concat`` becomes a ``dory_concat_t`` copy step; ``dory.reshape`` costs nothing (its
  result aliases its input's buffer).
- ``dory.weights`` constants and each layer's requant vectors go into the weights blob as
  ``(memory, offset, bytes)`` records that ``dory_network_load`` copies into L2 / L3 at start-up.
  A layer's requant buffer packs its vectors by element size, largest first, so every vector is
  naturally aligned in a 4-byte aligned buffer and the total stays within what
  ``allocate-buffers`` reserved (the sum of the vectors' bytes).

Blob format (little endian): ``"DORYWB01"``, u32 record count, then per record u32 memory (2 or 3),
u32 offset, u32 size, the bytes, zero padding to 4.

Everything the backend cannot express is a located error (`EmitError`, at the op): batch > 1,
broadcasting adds, element types wider than 32 bits, more requant stages or vectors than the
runtime holds, an op the backend has no lowering for.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from dory.dory_ir.attributes import ArrayAttr, Attribute, DenseArrayAttr, DenseAttr, DialectAttr, DictAttr, IntegerAttr, StringAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.dialects import dory
from dory.dory_ir.dialects.func import FuncOp, ReturnOp
from dory.dory_ir.diagnostics import DiagnosticError
from dory.dory_ir.types import IntegerType, MemRefType, TensorType, Type

LAYER_KINDS: dict[type[Operation], str] = {
    dory.Conv2dOp: "DORY_LAYER_CONV",
    dory.DepthwiseOp: "DORY_LAYER_DEPTHWISE",
    dory.LinearOp: "DORY_LAYER_LINEAR",
    dory.PoolOp: "DORY_LAYER_POOL",
    dory.AddOp: "DORY_LAYER_ADD",
}
MAX_REQUANT = 4  # DORY_MAX_REQUANT in runtime/include/dory/types.h
MAX_PARAMS = 12  # DORY_MAX_PARAMS in runtime/include/dory/layer.h
# dory_param_t.field: the index of a per-channel vector's field of its stage (runtime/src/layer.c)
PARAM_FIELDS = ("mul", "add", "win_lo", "win_hi")
BLOB_MAGIC = b"DORYWB01"


class EmitError(DiagnosticError):
    """An IR construct the GAP8 backend cannot translate, located at the op."""

    def __init__(self, op: Operation, message: str):
        super().__init__(op.loc, f"'{op.op_name}' op {message}")


# -- types and places ---------------------------------------------------------------------------


def dtype_of(et: Type, op: Operation) -> str:
    """The runtime dtype enumerator of an integer element type, or of a tensor/memref type's
    elements (sub-byte types take a byte)."""
    if isinstance(et, (TensorType, MemRefType)):
        et = et.element_type
    if not isinstance(et, IntegerType) or et.width > 32:
        raise EmitError(op, f"expected integer elements of at most 32 bits, found {et}")
    bits = 8 if et.width <= 8 else 16 if et.width <= 16 else 32
    return f"DORY_{'U' if et.is_unsigned else 'S'}{bits}"


_NP = {"DORY_U8": "<u1", "DORY_S8": "<i1", "DORY_U16": "<u2", "DORY_S16": "<i2", "DORY_U32": "<u4", "DORY_S32": "<i4", "DORY_S64": "<i8"}
_BYTES = {"DORY_U8": 1, "DORY_S8": 1, "DORY_U16": 2, "DORY_S16": 2, "DORY_U32": 4, "DORY_S32": 4, "DORY_S64": 8}


def param_dtype_of(et: Type, op: Operation) -> str:
    """The dtype of a requant vector: any activation dtype, or s64 (a folded offset can need it)."""
    if isinstance(et, IntegerType) and et.width > 32 and not et.is_unsigned and et.width <= 64:
        return "DORY_S64"
    return dtype_of(et, op)


def pack(values: np.ndarray, dtype: str) -> bytes:
    """Little-endian bytes of integer ``values`` stored as ``dtype`` (two's complement wrap, as a C
    cast; values are in range for every planned constant)."""
    v = np.asarray(values, dtype=np.int64).ravel()
    if dtype == "DORY_S64":
        return v.astype("<i8").tobytes()
    v = v & ((1 << (_BYTES[dtype] * 8)) - 1)
    return v.astype(_NP[dtype].replace("i", "u")).tobytes()


def unpack(data: bytes, dtype: str) -> np.ndarray:
    """The integers stored in ``data`` as ``dtype`` (little-endian), as int64: `pack`'s inverse."""
    return np.frombuffer(data, dtype=_NP[dtype]).astype(np.int64)


def _level(t: Type) -> int:
    if isinstance(t, MemRefType) and isinstance(t.memory_space, DialectAttr) and t.memory_space.name in ("l2", "l3"):
        return 2 if t.memory_space.name == "l2" else 3
    return 0


@dataclass(frozen=True)
class Place:
    """Where a buffer lives: memory level (2 or 3) and byte offset."""

    mem: int
    offset: int

    def c(self) -> str:
        return f"{{DORY_MEM_L{self.mem}, {self.offset}u}}"


def alloc_attrs(op: Operation, key: str | None = None) -> dict[str, Attribute]:
    """The op's 'dory.alloc' entries (or its sub-dictionary ``key``); an EmitError naming the op
    when the planner left none. The emitter and the plan report (driver/report.py) read places here."""
    a = op.attributes.get("dory.alloc")
    if not isinstance(a, DictAttr):
        raise EmitError(op, "expected a 'dory.alloc' attribute (run 'allocate-buffers' first), found none")
    d = a.as_dict()
    if key is not None:
        sub = d.get(key)
        if not isinstance(sub, DictAttr):
            raise EmitError(op, f"expected 'dory.alloc.{key}', found none")
        return sub.as_dict()
    return d


def int_attr(d: dict[str, Attribute], key: str, op: Operation, default: int | None = None) -> int:
    """The integer ``d[key]``, else ``default``, else an EmitError located at ``op``."""
    v = d.get(key)
    if isinstance(v, IntegerAttr):
        return int(v.value)
    if default is not None:
        return default
    raise EmitError(op, f"expected an integer '{key}', found {v if v is not None else 'none'}")


class Places:
    """The L2/L3 place of every value of a planned function."""

    def __init__(self, func: Operation):
        self.of: dict[Value, Place] = {}
        body = func.regions[0].blocks[0]
        args = func.attributes.get("dory.arg_alloc")
        arg_list = list(args.values) if isinstance(args, ArrayAttr) else []
        for i, a in enumerate(body.args):
            if i >= len(arg_list) or not isinstance(arg_list[i], DictAttr):
                raise EmitError(func, f"expected 'dory.arg_alloc' for argument #{i} (run 'allocate-buffers' first), found none")
            self.of[a] = Place(_level(a.type), int_attr(arg_list[i].as_dict(), "offset", func))  # type: ignore[attr-defined]
        for op in body.ops:
            if isinstance(op, ReturnOp) or not op.results:
                continue
            d = alloc_attrs(op)
            for r in op.results:
                lvl = _level(r.type)
                if not lvl:
                    raise EmitError(op, f"expected a memref result in #dory.l2 or #dory.l3, found {r.type}")
                self.of[r] = Place(lvl, int_attr(d, "offset", op))

    def __getitem__(self, v: Value) -> Place:
        return self.of[v]


# -- requantisation -----------------------------------------------------------------------------


@dataclass
class Stage:
    """One requant stage: C initialiser fields, and its per-channel vectors (field -> array)."""

    scalars: dict[str, int]
    vectors: dict[str, DenseAttr]


ROUND_CODES: dict[str, int] = {"floor": 0, "trunc": 1, "half_away": 2}
"""The runtime's rounding codes (``dory_requant_t.trunc``, ``dory_layer_t.trunc``: the
``DORY_ROUND_*`` of runtime/include/dory/types.h)."""


def round_code(op: Operation, rounding: str, what: str) -> int:
    """The runtime's code of ``rounding`` (a requant stage's or an average pool's)."""
    if rounding not in ROUND_CODES:
        raise EmitError(op, f"expected {what} \"floor\", \"trunc\" or \"half_away\", found \"{rounding}\"")
    return ROUND_CODES[rounding]


def _stages(op: Operation, key: str, channels: int) -> list[Stage]:
    a = op.properties.get(key)
    if a is None:
        return []
    dicts = [a] if isinstance(a, DictAttr) else list(a.values) if isinstance(a, ArrayAttr) else []
    if len(dicts) > MAX_REQUANT:
        raise EmitError(op, f"expected at most {MAX_REQUANT} requant stages in '{key}', found {len(dicts)}")
    out = []
    for d in dicts:
        assert isinstance(d, DictAttr)
        e = d.as_dict()
        st = Stage({}, {})
        for fld in ("mul", "add"):
            v = e.get(fld)
            if isinstance(v, DenseAttr):
                if v.elided:
                    raise EmitError(op, f"expected the data of '{key}.{fld}', found an elided constant")
                if v.data.size == 1:
                    st.scalars[fld] = int(v.data.ravel()[0])
                elif v.data.size == channels:
                    st.vectors[fld] = v
                else:
                    raise EmitError(op, f"expected '{key}.{fld}' of 1 or {channels} values, found {v.data.size}")
            else:
                st.scalars[fld] = int(v.value) if isinstance(v, IntegerAttr) else (1 if fld == "mul" else 0)
        for fld in ("win_lo", "win_hi"):  # the input window (requant-window): per-channel only
            v = e.get(fld)
            if isinstance(v, DenseAttr):
                if v.elided or v.data.size != channels:
                    raise EmitError(op, f"expected the {channels} values of '{key}.{fld}', found {v}")
                st.vectors[fld] = v
        st.scalars["shift"] = int(e["shift"].value) if isinstance(e.get("shift"), IntegerAttr) else 0  # type: ignore[attr-defined]
        st.scalars["div"] = int(e["div"].value) if isinstance(e.get("div"), IntegerAttr) else 0  # type: ignore[attr-defined]
        r = e.get("rounding")
        st.scalars["trunc"] = round_code(op, r.value if isinstance(r, StringAttr) else "floor", f"'{key}' rounding")
        st.scalars["min"] = int_attr(e, "min", op)
        st.scalars["max"] = int_attr(e, "max", op)
        if not (-(2**31) <= st.scalars["min"] <= st.scalars["max"] < 2**31):
            raise EmitError(op, f"expected requant bounds within si32, found [{st.scalars['min']}, {st.scalars['max']}]")
        out.append(st)
    return out


def _chain_c(stages: list[Stage]) -> str:
    if not stages:
        return "{0}"
    parts = []
    for s in stages:
        f = s.scalars
        parts.append(
            f"{{NULL, NULL, {f.get('mul', 1)}LL, {f.get('add', 0)}LL, DORY_S32, DORY_S32, {f['shift']}, {f['div']}, "
            f"{f['trunc']}, {f['min']}, {f['max']}}}"
        )
    return f"{{{len(stages)}, {{{', '.join(parts)}}}}}"


# -- the emitted network ------------------------------------------------------------------------


@dataclass(frozen=True)
class BlobRecord:
    """Bytes the loader copies to ``offset`` of memory level ``mem`` (2 = L2, 3 = L3)."""

    mem: int
    offset: int
    data: bytes


@dataclass
class StepInfo:
    """One executed step (a layer or a concat): what it writes, for checks and the summary."""

    index: int
    name: str
    op: str
    value: Value
    place: Place
    nbytes: int
    dtype: str
    shape: tuple[int, ...]
    macs: int = 0
    n_tiles: int = 0
    l1_bytes: int = 0
    cycles: int = 0


@dataclass
class EmittedNetwork:
    """``network.c``/``network.h`` text, the blob records and the step table."""

    network_c: str
    network_h: str
    records: list[BlobRecord]
    steps: list[StepInfo]
    input: StepInfo
    output: StepInfo
    l1_bytes: int
    l2_bytes: int
    l3_bytes: int
    weight_bytes: int = 0

    def blob(self) -> bytes:
        """The weights blob (module docstring)."""
        out = [BLOB_MAGIC, struct.pack("<I", len(self.records))]
        for r in self.records:
            out.append(struct.pack("<III", r.mem, r.offset, len(r.data)))
            out.append(r.data + b"\0" * (-len(r.data) % 4))
        return b"".join(out)


def loc_name(op: Operation) -> str:
    """The op's ONNX node name (its location), else its result's or op name: how steps are named."""
    loc = getattr(op, "loc", None)
    text = getattr(loc, "name", None) or getattr(loc, "text", None)
    if isinstance(text, str) and text:
        return text
    s = str(loc) if loc is not None else ""
    if s.startswith('loc("') and s.endswith('")'):
        return s[5:-2]
    return op.results[0].name_hint or op.op_name if op.results else op.op_name


def _c_string(s: str) -> str:
    return '"' + "".join(ch if ch.isalnum() or ch in " _-.:/+" else f"\\{ord(ch):03o}" for ch in s) + '"'


def _shape(t: Type) -> tuple[int, ...]:
    assert isinstance(t, (TensorType, MemRefType)), t  # verified dory IR: every buffer is shaped
    return tuple(int(d) for d in t.shape)


def _ints(op: Operation, key: str, n: int, default: tuple[int, ...]) -> tuple[int, ...]:
    a = op.properties.get(key)
    if isinstance(a, DenseArrayAttr):
        vals = tuple(int(v) for v in a.values)
        if len(vals) != n:
            raise EmitError(op, f"expected '{key}' of {n} values, found {len(vals)}")
        return vals
    return default


def _nbytes(t: Type, op: Operation) -> int:
    return int(np.prod(_shape(t))) * _BYTES[dtype_of(t, op)]


class _Emitter:
    def __init__(self, module: Operation):
        funcs = [op for op in module.walk() if isinstance(op, FuncOp)]
        if len(funcs) != 1:
            raise EmitError(module, f"expected exactly one function to translate, found {len(funcs)}")
        self.func = funcs[0]
        body = self.func.regions[0].blocks[0] if self.func.regions and self.func.regions[0].blocks else None
        if body is None:
            raise EmitError(self.func, "expected a function body, found a declaration")
        if len(body.args) != 1:
            raise EmitError(self.func, f"expected one network input, found {len(body.args)}")
        self.body = body
        self.places = Places(self.func)
        self.records: list[BlobRecord] = []
        self.decls: list[str] = []
        self.calls: list[str] = []
        # (position in calls, descriptor variable, step index) of every layer call, in order: each
        # passes the next layer to dory_layer_run_next (its set-up overlaps this layer's run)
        self.layer_calls: list[tuple[int, str, int]] = []
        self.steps: list[StepInfo] = []
        self.weight_bytes = 0

    # -- constants -------------------------------------------------------------------------------
    def weights(self, op: Operation) -> None:
        a = op.properties.get("value")
        r = op.results[0]
        if not isinstance(a, DenseAttr) or a.elided:
            raise EmitError(op, "expected the constant's data (a dense value), found an elided or missing constant")
        dt = dtype_of(r.type, op)
        data = pack(np.broadcast_to(a.data, _shape(r.type)), dt)
        self.records.append(BlobRecord(self.places[r].mem, self.places[r].offset, data))
        self.weight_bytes += len(data)

    # -- layers ----------------------------------------------------------------------------------
    def layer(self, op: Operation, index: int) -> None:
        x = op.operands[0]
        y = op.results[0]
        xs, ys = _shape(x.type), _shape(y.type)
        f: dict[str, str] = {"name": _c_string(loc_name(op)), "kind": LAYER_KINDS[type(op)]}
        if xs[0] != 1 or ys[0] != 1:
            raise EmitError(op, f"expected batch size 1, found input {xs} and result {ys}")
        geo: dict[str, int] = dict(kh=1, kw=1, sh=1, sw=1, dh=1, dw=1, pt=0, pl=0, pb=0, pr=0, groups=1)
        if isinstance(op, dory.LinearOp):
            if len(xs) != 2 or len(ys) != 2:
                raise EmitError(op, f"expected a rank-2 input and result, found {xs} -> {ys}")
            geo.update(hi=1, wi=1, ci=xs[1], ho=1, wo=1, co=ys[1])
        elif isinstance(op, dory.AddOp) and len(ys) != 4:
            c = ys[-1]
            rows = int(np.prod(ys[:-1]))
            geo.update(hi=rows, wi=1, ci=c, ho=rows, wo=1, co=c)
        else:
            if len(xs) != 4 or len(ys) != 4:
                raise EmitError(op, f"expected NHWC input and result, found {xs} -> {ys}")
            geo.update(hi=xs[1], wi=xs[2], ci=xs[3], ho=ys[1], wo=ys[2], co=ys[3])
        if isinstance(op, dory.Conv2dOp):  # and dory.DepthwiseOp
            ws = _shape(op.operands[1].type)
            geo.update(kh=ws[1], kw=ws[2])
            geo["sh"], geo["sw"] = _ints(op, "strides", 2, op.strides)
            geo["dh"], geo["dw"] = _ints(op, "dilations", 2, op.dilations)
            geo["pt"], geo["pl"], geo["pb"], geo["pr"] = _ints(op, "pads", 4, op.pads)
            if not isinstance(op, dory.DepthwiseOp):
                geo["groups"] = op.groups
        pool = dict(is_avg=0, count_include_pad=0, div=0, trunc=0)
        if isinstance(op, dory.PoolOp):
            geo["kh"], geo["kw"] = _ints(op, "kernel", 2, op.kernel)
            geo["sh"], geo["sw"] = _ints(op, "strides", 2, op.strides)
            geo["pt"], geo["pl"], geo["pb"], geo["pr"] = _ints(op, "pads", 4, op.pads)
            pool["is_avg"] = 1 if op.kind == "avg" else 0
            pool["count_include_pad"] = 1 if op.count_include_pad else 0
            pool["div"] = op.div or 0
            pool["trunc"] = round_code(op, op.rounding, "pool rounding")
        if isinstance(op, dory.AddOp):
            if _shape(op.operands[1].type) != xs or xs != ys:
                raise EmitError(op, f"expected operands of the result's shape {ys} (the GAP8 backend has no broadcasting add), "
                                    f"found {xs} and {_shape(op.operands[1].type)}")
        for key, v in geo.items():
            f[key] = str(v)
        for key, v in pool.items():
            f[key] = str(v)

        # tiles
        tile = op.attributes.get("dory.tile")
        if not isinstance(tile, DictAttr):
            raise EmitError(op, "expected a 'dory.tile' attribute (run 'tile' first), found none")
        td = tile.as_dict()
        l1 = td.get("l1")
        if not isinstance(l1, DictAttr):
            raise EmitError(op, "expected 'dory.tile.l1', found none")
        l1d = l1.as_dict()
        f["t_co"] = str(int_attr(l1d, "c_out", op))
        f["t_ho"] = str(int_attr(l1d, "h_out", op, 1))
        f["t_wo"] = str(int_attr(l1d, "w_out", op, 1))
        f["t_ci"] = str(int_attr(l1d, "c_in", op, geo["ci"]))
        l3 = td.get("l3")
        l3d = l3.as_dict() if isinstance(l3, DictAttr) else {}
        f["l3_co"] = str(int_attr(l3d, "c_out", op, 0) if l3d else 0)
        f["l3_ho"] = str(int_attr(l3d, "h_out", op, 0) if l3d else 0)

        # operands
        f["x"] = self.places[x].c()
        f["x_type"] = dtype_of(x.type, op)
        f["y"] = self.places[y].c()
        f["y_type"] = dtype_of(y.type, op)
        if isinstance(op, dory.AddOp):
            f["x2"] = self.places[op.operands[1]].c()
            f["x2_type"] = dtype_of(op.operands[1].type, op)
        elif not isinstance(op, dory.PoolOp):
            f["w"] = self.places[op.operands[1]].c()
            f["w_type"] = dtype_of(op.operands[1].type, op)
            if len(op.operands) > 2:
                f["b"] = self.places[op.operands[2]].c()
                f["b_type"] = dtype_of(op.operands[2].type, op)
        alloc = alloc_attrs(op)
        if isinstance(alloc.get("staging"), DictAttr):
            st = alloc["staging"].as_dict()  # type: ignore[union-attr]
            f["staging"] = f"{int_attr(st, 'offset', op)}u"
            f["staging_bytes"] = f"{int_attr(st, 'size', op)}u"

        # requantisation
        co = geo["co"]
        chains = {"rq": _stages(op, "requant", co)}
        if isinstance(op, dory.AddOp):
            chains["rq_a"] = _stages(op, "lhs_requant", co)
            chains["rq_b"] = _stages(op, "rhs_requant", co)
        for key, stages in chains.items():
            if stages:
                f[key] = _chain_c(stages)
        vectors = [(ci, si, fi, v) for ci, key in enumerate(("rq", "rq_a", "rq_b")) for si, s in enumerate(chains.get(key, []))
                   for fi, fld in enumerate(PARAM_FIELDS) for v in [s.vectors.get(fld)] if v is not None]
        if vectors:
            if len(vectors) > MAX_PARAMS:
                raise EmitError(op, f"expected at most {MAX_PARAMS} per-channel requant vectors, found {len(vectors)}")
            rq_alloc = alloc_attrs(op, "requant")
            mem = 3 if self._in_l3(op, "requant") else 2
            base, size = int_attr(rq_alloc, "offset", op), int_attr(rq_alloc, "size", op)
            typed = [(ci, si, fi, v, param_dtype_of(v.element_type, op)) for ci, si, fi, v in vectors]
            # largest elements first: every vector naturally aligned in a 4-aligned buffer
            order = sorted(range(len(typed)), key=lambda i: (-_BYTES[typed[i][4]], i))
            blob = b""
            params = []
            for i in order:
                ci, si, fi, v, dt = typed[i]
                params.append(f"{{{len(blob)}u, {dt}, {ci}, {si}, {fi}}}")
                blob += pack(v.data, dt)
            if len(blob) > size:
                raise EmitError(op, f"expected the requant vectors to fit the {size} bytes allocate-buffers reserved, found {len(blob)}")
            self.records.append(BlobRecord(mem, base, blob))
            self.weight_bytes += len(blob)
            f["rq_buf"] = Place(mem, base).c()
            f["n_params"] = str(len(params))
            f["params"] = "{" + ", ".join(params) + "}"

        # L1 layout
        l1a = op.attributes.get("dory.l1")
        if not isinstance(l1a, DictAttr):
            raise EmitError(op, "expected a 'dory.l1' attribute (run 'allocate-buffers' first), found none")
        la = l1a.as_dict()
        for key, cname in (("input", "l1_in"), ("weight", "l1_w"), ("output", "l1_out")):
            pair = la.get(key)
            if not isinstance(pair, ArrayAttr) or len(pair.values) != 2:
                raise EmitError(op, f"expected 'dory.l1.{key}' as [ping, pong], found {pair}")
            f[cname] = "{" + ", ".join(f"{int(v.value)}u" for v in pair.values) + "}"  # type: ignore[attr-defined]
        f["l1_params"] = f"{int_attr(la, 'params', op)}u"
        f["l1_scratch"] = f"{int_attr(la, 'scratch', op)}u"
        f["l1_total"] = f"{int_attr(la, 'total', op)}u"

        var = f"layer{index}"
        body = ",\n".join(f"    .{k} = {v}" for k, v in f.items())
        self.decls.append(f"/* {loc_name(op)}: {op.op_name} {xs} -> {ys} */\nstatic const dory_layer_t {var} = {{\n{body}\n}};\n")
        self.layer_calls.append((len(self.calls), var, index))
        self.calls.append(f"    if (dory_layer_run(&{var})) return {index + 1};")
        self._step(op, y, index, td, geo)

    def _in_l3(self, op: Operation, role: str) -> bool:
        mem = op.attributes.get("dory.memory")
        if not isinstance(mem, DictAttr):
            return False
        l3 = mem.as_dict().get("l3")
        return isinstance(l3, ArrayAttr) and any(isinstance(v, StringAttr) and v.value == role for v in l3.values)

    def _step(self, op: Operation, y: Value, index: int, td: dict[str, Attribute] | None, geo: dict[str, int] | None) -> None:
        macs = 0
        if geo is not None and isinstance(op, (dory.Conv2dOp, dory.LinearOp)):
            per = geo["kh"] * geo["kw"] * (1 if isinstance(op, dory.DepthwiseOp) else geo["ci"] // geo["groups"])
            macs = geo["ho"] * geo["wo"] * geo["co"] * per
        td = td or {}
        self.steps.append(StepInfo(
            index, loc_name(op), op.op_name.split(".", 1)[1], y, self.places[y], _nbytes(y.type, op),
            dtype_of(y.type, op), _shape(y.type), macs,
            int_attr(td, "n_tiles", op, 0), int_attr(td, "l1_bytes", op, 0), int_attr(td, "cycles", op, 0)))

    def concat(self, op: Operation, index: int) -> None:
        y = op.results[0]
        ys = _shape(y.type)
        axis_a = op.properties.get("axis")
        axis = int(axis_a.value) if isinstance(axis_a, IntegerAttr) else 0
        axis %= len(ys)
        inner = int(np.prod(ys[axis + 1:])) * _BYTES[dtype_of(y.type, op)]
        outer = int(np.prod(ys[:axis]))
        parts = []
        for v in op.operands:
            if _level(v.type) == 3 and _level(y.type) == 3:
                raise EmitError(op, "expected at most one side of a concat copy in L3, found an L3 input and an L3 result")
            parts.append(f"{{{self.places[v].c()}, {_shape(v.type)[axis] * inner}u}}")
        var = f"concat{index}"
        self.decls.append(
            f"/* {loc_name(op)}: dory.concat axis {axis} -> {ys} */\n"
            f"static const dory_concat_part_t {var}_parts[] = {{{', '.join(parts)}}};\n"
            f"static const dory_concat_t {var} = {{{self.places[y].c()}, {outer}u, {ys[axis] * inner}u, {len(parts)}, {var}_parts}};\n")
        self.calls.append(f"    if (dory_concat_run(&{var})) return {index + 1};")
        self._step(op, y, index, None, None)

    # -- whole function --------------------------------------------------------------------------
    def run(self) -> EmittedNetwork:
        index = 0
        for op in self.body.ops:
            if isinstance(op, dory.WeightsOp):
                self.weights(op)
                continue
            if isinstance(op, (dory.ReshapeOp, ReturnOp)):
                continue
            if type(op) in LAYER_KINDS:
                self.layer(op, index)
            elif isinstance(op, dory.ConcatOp):
                self.concat(op, index)
            else:
                raise EmitError(op, "has no GAP8 lowering (expected dory layer, concat, reshape or weights ops after gap8-default)")
            self.calls.append(f"    if (hook) hook(ctx, {index}, dory_perf_now() - t0);\n    t0 = dory_perf_now();")
            index += 1
        for (at, var, i), (_, nxt, _) in zip(self.layer_calls, self.layer_calls[1:]):
            self.calls[at] = f"    if (dory_layer_run_next(&{var}, &{nxt})) return {i + 1};"
        ret = self.body.ops[-1]
        if not isinstance(ret, ReturnOp) or len(ret.operands) != 1:
            raise EmitError(ret, "expected the function to return one network output")
        out_v = ret.operands[0]
        in_v = self.body.args[0]
        inp = StepInfo(-1, "input", "input", in_v, self.places[in_v], _nbytes(in_v.type, self.func),
                       dtype_of(in_v.type, self.func), _shape(in_v.type))
        outp = StepInfo(-1, "output", "output", out_v, self.places[out_v], _nbytes(out_v.type, ret),
                        dtype_of(out_v.type, ret), _shape(out_v.type))
        fa = self.func.attributes.get("dory.alloc")
        mem = self.func.attributes.get("dory.memory")
        fd = fa.as_dict() if isinstance(fa, DictAttr) else {}
        md = mem.as_dict() if isinstance(mem, DictAttr) else {}
        l1 = int_attr(md, "l1_budget", self.func, 0)
        l1 = max([l1] + [s.l1_bytes for s in self.steps])
        l2 = int_attr(fd, "l2_peak", self.func)
        # The L3 arena the app reserves and reports ("L3 N B"): the planned peak, at least 4 B so a
        # network without L3 buffers still gets a non-empty arena (no zero-size allocation in the
        # ports). dory-compile's summary prints this same figure.
        l3 = max(int_attr(fd, "l3_peak", self.func, 0), 4)
        return EmittedNetwork(self._network_c(inp, outp, l1, l2, l3), self._network_h(inp, outp, l1, l2, l3),
                              self.records, self.steps, inp, outp, l1, l2, l3, self.weight_bytes)

    def _network_h(self, inp: StepInfo, outp: StepInfo, l1: int, l2: int, l3: int) -> str:
        return f"""/* Generated by dory (backends/gap8/emit.py). Do not edit. */
#ifndef DORY_NETWORK_H
#define DORY_NETWORK_H

#include <stddef.h>
#include <stdint.h>

#define DORY_NET_STEPS {len(self.steps)}
#define DORY_NET_L1_BYTES {l1}u
#define DORY_NET_L2_BYTES {l2}u
#define DORY_NET_L3_BYTES {l3}u
#define DORY_NET_INPUT_BYTES {inp.nbytes}u
#define DORY_NET_OUTPUT_BYTES {outp.nbytes}u
/* Where the input buffer lives (2: L2, 3: L3, and its offset there): a main that streams the input
 * in writes it there with dory_network_load_record and passes input NULL to dory_network_run. */
#define DORY_NET_INPUT_MEM {inp.place.mem}
#define DORY_NET_INPUT_OFFSET {inp.place.offset}u

/* One executed step (a layer or a concat): its name, op, and the buffer it writes. */
typedef struct {{
    const char *name;
    const char *op;
    int mem;          /* 2: L2, 3: L3 */
    uint32_t offset;
    uint32_t bytes;
    uint64_t macs;
    uint64_t modelled_cycles;
}} dory_net_step_t;

extern const dory_net_step_t dory_net_steps[DORY_NET_STEPS];

/* Called after each step with the step index and the perf-counter time it took. */
typedef void (*dory_net_hook_t)(void *ctx, int step, uint64_t elapsed);

/* Bring up the port with this network's memory budgets. 0 on success. */
int dory_network_init(void);
/* Copy one weights-blob record into L2 / L3 (the loader parses the blob: see emit.py). */
int dory_network_load_record(int mem, uint32_t offset, const uint8_t *data, uint32_t bytes);
/* Parse a whole blob held in memory and load every record. 0 on success. */
int dory_network_load_blob(const uint8_t *blob, size_t bytes);
/* Run one inference: input/output are DORY_NET_*_BYTES long (input NULL: it is already in place,
 * see DORY_NET_INPUT_MEM). 0 on success, else 1 + the step that failed. */
int dory_network_run(const uint8_t *input, uint8_t *output, dory_net_hook_t hook, void *ctx);
/* FNV-1a (32 bit) of step i's output buffer as it is now (reads L3 in chunks). */
uint32_t dory_network_step_checksum(int step);
/* Copy step i's output buffer (bytes long) to dst. */
void dory_network_step_read(int step, uint8_t *dst);
void dory_network_close(void);

#endif /* DORY_NETWORK_H */
"""

    def _network_c(self, inp: StepInfo, outp: StepInfo, l1: int, l2: int, l3: int) -> str:
        steps = ",\n".join(
            f"    {{{_c_string(s.name)}, {_c_string(s.op)}, {s.place.mem}, {s.place.offset}u, {s.nbytes}u, {s.macs}ull, {s.cycles}ull}}"
            for s in self.steps)
        return f"""/* Generated by dory (backends/gap8/emit.py). Do not edit. */
#include <string.h>

#include "dory/layer.h"
#include "dory/net.h"
#include "dory/port.h"
#include "network.h"

{chr(10).join(self.decls)}
const dory_net_step_t dory_net_steps[DORY_NET_STEPS] = {{
{steps}
}};

int dory_network_init(void)
{{
    return dory_port_init(DORY_NET_L1_BYTES, DORY_NET_L2_BYTES, DORY_NET_L3_BYTES);
}}

int dory_network_load_record(int mem, uint32_t offset, const uint8_t *data, uint32_t bytes)
{{
    return dory_net_load_record(mem, offset, data, bytes, DORY_NET_L2_BYTES, DORY_NET_L3_BYTES);
}}

int dory_network_load_blob(const uint8_t *blob, size_t bytes)
{{
    return dory_net_load_blob(blob, bytes, DORY_NET_L2_BYTES, DORY_NET_L3_BYTES);
}}

uint32_t dory_network_step_checksum(int step)
{{
    const dory_net_step_t *s = &dory_net_steps[step];
    return dory_net_checksum(s->mem, s->offset, s->bytes);
}}

void dory_network_step_read(int step, uint8_t *dst)
{{
    const dory_net_step_t *s = &dory_net_steps[step];
    dory_net_read(s->mem, s->offset, dst, s->bytes);
}}

int dory_network_run(const uint8_t *input, uint8_t *output, dory_net_hook_t hook, void *ctx)
{{
    uint64_t t0;
    if (input)
        dory_net_write({inp.place.mem}, {inp.place.offset}u, input, DORY_NET_INPUT_BYTES);
    t0 = dory_perf_now();
{chr(10).join(self.calls)}
    dory_net_read({outp.place.mem}, {outp.place.offset}u, output, DORY_NET_OUTPUT_BYTES);
    (void)hook;
    (void)ctx;
    return 0;
}}

void dory_network_close(void)
{{
    dory_port_close();
}}
"""


def emit_network(module: Operation) -> EmittedNetwork:
    """Translate a planned module (one ``func.func`` after ``gap8-default``) to C and blob
    records; raises `EmitError` (located) for what the backend cannot express."""
    return _Emitter(module).run()


__all__ = ["EmitError", "EmittedNetwork", "StepInfo", "BlobRecord", "emit_network", "pack", "dtype_of"]
