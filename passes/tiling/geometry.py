"""The layer geometry the tiler works on, read from a dory layer op, and the extent helpers
(input rows a tile reads, tiles of an extent) shared by the footprint and the cost model.

*Geometry* comes from the layer's first stage (the conv/linear/pool/add): output ``Ho x Wo x Co``,
input ``Hi x Wi x Ci``, kernel ``kh x kw``, strides, dilations, pads ``[t, l, b, r]``. Nothing here
depends on the target.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dory.dory_ir.attributes import ArrayAttr, DenseAttr, DictAttr
from dory.dory_ir.core import Operation
from dory.dory_ir.dialects import dory
from dory.dory_ir.types import IntegerType, MemRefType, TensorType, Type
from dory.passes.base import PassFailed
from dory.passes.tiling.paths import add_path, conv_end, dw_ring_end, pool_end

LAYERS = ("dory.conv2d", "dory.depthwise", "dory.linear", "dory.pool", "dory.add")


def _ebytes(t: Type) -> int:
    """Bytes per element of a tensor/memref type (sub-byte types take a byte, as in assign-memory)."""
    et = t.element_type  # type: ignore[attr-defined]
    return math.ceil(et.width / 8) if isinstance(et, IntegerType) else 4


def _hwc(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """(N, H, W, C) of an activation of any rank: NHWC as is, NLC as H = L, W = 1, NC as 1 x 1."""
    s = tuple(int(x) for x in shape)
    if len(s) == 4:
        return s  # type: ignore[return-value]
    if len(s) == 3:
        return s[0], s[1], 1, s[2]
    if len(s) == 2:
        return s[0], 1, 1, s[1]
    return 1, 1, 1, (s[0] if s else 1)


@dataclass(frozen=True)
class Geometry:
    """What the tiler needs of one layer, read from its first stage."""

    kind: str  # conv | depthwise | linear | pool | add
    n: int
    ho: int
    wo: int
    co: int
    hi: int
    wi: int
    ci: int  # input channels of the full layer (per group for a grouped conv: the weight's last axis)
    kh: int = 1
    kw: int = 1
    sh: int = 1
    sw: int = 1
    dh: int = 1
    dw: int = 1
    pads: tuple[int, int, int, int] = (0, 0, 0, 0)
    groups: int = 1
    in_bytes: int = 1  # bytes per input element (both operands summed for an add)
    out_bytes: int = 1
    w_bytes: int = 1
    param_bytes: int = 0  # bias + per-channel requant bytes of one output channel
    end: str = "fast"  # the runtime path of the outputs' requant end, or of an add (passes.tiling.paths)
    rq_inputs: int = 0  # an add's input requant stages its "loop" / "sloop" path applies per element
    pool_avg: bool = False  # an average pool (its kernel divides every window sum)

    @property
    def split_cin(self) -> bool:
        """Can the kernel accumulate partial sums over input-channel tiles?"""
        return (self.kind == "conv" and self.groups == 1) or self.kind == "linear"

    @property
    def cin_follows_cout(self) -> bool:
        return self.kind in ("depthwise", "pool", "add")

    @property
    def weight_bytes_per_channel(self) -> int:
        """Weight bytes of one output channel with all its input channels."""
        if self.kind == "conv":
            return self.kh * self.kw * self.ci * self.w_bytes
        if self.kind == "depthwise":
            return self.kh * self.kw * self.w_bytes
        if self.kind == "linear":
            return self.ci * self.w_bytes
        return 0


def geometry(op: Operation) -> Geometry:
    """The `Geometry` of a layer op (raises `PassFailed` on shapes the tiler cannot read)."""
    x = op.operands[0].type
    y = op.results[0].type
    if not isinstance(x, (TensorType, MemRefType)) or not isinstance(y, (TensorType, MemRefType)):
        raise PassFailed(op, f"expected shaped operands and result, found {x} -> {y}")
    n, hi, wi, ci = _hwc(tuple(x.shape))
    _, ho, wo, co = _hwc(tuple(y.shape))
    params = 0
    if isinstance(op, (dory.Conv2dOp, dory.LinearOp)) and len(op.operands) > 2:
        params += _ebytes(op.operands[2].type)
    for key in ("requant", "lhs_requant", "rhs_requant"):
        a = op.properties.get(key)
        dicts = [a] if isinstance(a, DictAttr) else list(a.values) if isinstance(a, ArrayAttr) else []
        for d in dicts:
            if isinstance(d, DictAttr):
                params += sum(_ebytes(v.type) for _, v in d.entries if isinstance(v, DenseAttr) and v.type.num_elements > 1)
    common = dict(n=n, ho=ho, wo=wo, co=co, hi=hi, wi=wi, out_bytes=_ebytes(y), param_bytes=params)
    if isinstance(op, dory.Conv2dOp):  # and dory.DepthwiseOp
        w = op.operand_shape(1)
        if len(w) != 4 or len(tuple(x.shape)) != 4:
            raise PassFailed(op, f"expected a 4-D NHWC input and OxKhxKwxI weight, found {x} and {op.operands[1].type}")
        st, dil, pads, groups = op.strides, op.dilations, op.pads, op.groups
        kind = "depthwise" if isinstance(op, dory.DepthwiseOp) or (groups == ci == co and w[3] == 1) else "conv"
        ring = dw_ring_end(op, w[1], w[2], dil[0] > 1 or dil[1] > 1) if kind == "depthwise" else None
        common["end"] = ring or conv_end(op, w[1] * w[2] * (w[3] if kind == "conv" else 1))
        return Geometry(kind, ci=w[3] if kind == "conv" else ci, kh=w[1], kw=w[2], sh=st[0], sw=st[1], dh=dil[0], dw=dil[1],
                        pads=pads[:4], groups=groups, in_bytes=_ebytes(x), w_bytes=_ebytes(op.operands[1].type), **common)  # type: ignore[arg-type]
    if isinstance(op, dory.LinearOp):
        k = int(tuple(x.shape)[-1])
        common["end"] = conv_end(op, k)
        return Geometry("linear", **{**common, "n": int(math.prod(tuple(x.shape)[:-1])), "ho": 1, "wo": 1, "hi": 1, "wi": 1,
                                     "co": int(tuple(y.shape)[-1])}, ci=k, in_bytes=_ebytes(x), w_bytes=_ebytes(op.operands[1].type))
    if isinstance(op, dory.PoolOp):
        kern, st, pads = op.kernel, op.strides, op.pads
        common["end"] = pool_end(op, kern[0] * kern[-1])
        return Geometry("pool", ci=ci, kh=kern[0], kw=kern[-1], sh=st[0], sw=st[-1], pads=pads[:4], in_bytes=_ebytes(x),
                        pool_avg=op.kind == "avg", **common)  # type: ignore[arg-type]
    if isinstance(op, dory.AddOp):
        common["end"], common["rq_inputs"] = add_path(op)
        return Geometry("add", ci=ci, in_bytes=_ebytes(x) + _ebytes(op.operands[1].type), **common)
    raise PassFailed(op, f"expected a dory layer op ({', '.join(LAYERS)}), found '{op.op_name}'")



def _blocks(n: int, t: int) -> list[int]:
    """Sizes of the tiles of an extent ``n`` cut into tiles of ``t`` (the last one ragged)."""
    full, rem = divmod(n, t)
    return [t] * full + ([rem] if rem else [])


def _steps(n: int, t: int, k: int) -> int:
    """Sum over the tiles of ceil(size / k): the parallel steps of ``k`` lanes over the tiles."""
    full, rem = divmod(n, t)
    return full * math.ceil(t / k) + (math.ceil(rem / k) if rem else 0)


def _groups_touched(co: int, groups: int, c: int) -> int:
    """The most groups any output-channel tile ``[j*c, (j+1)*c)`` of a grouped conv touches."""
    og = co // groups
    return max((min(s + c, co) - 1) // og - s // og + 1 for s in range(0, co, c))


def _in_extent(out: int, stride: int, k: int, dil: int, n_in: int) -> int:
    """Input rows (or columns) one tile of ``out`` output rows reads, at most the input."""
    return min(n_in, (out - 1) * stride + (k - 1) * dil + 1)


def _in_total(n_out: int, t: int, stride: int, k: int, dil: int, pad: int, n_in: int) -> int:
    """Input rows read over all tiles of ``t`` output rows: halos counted, padding not."""
    total, h0 = 0, 0
    for b in _blocks(n_out, t):
        lo = h0 * stride - pad
        hi = (h0 + b - 1) * stride - pad + (k - 1) * dil
        total += max(0, min(hi, n_in - 1) - max(lo, 0) + 1)
        h0 += b
    return total

