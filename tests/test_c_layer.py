"""The C layer executor (runtime/src/layer.c) against the untiled reference, bit for bit.

Random layers of every kind (conv KxK with stride / pad / dilation, pointwise, grouped conv with
groups = 2, a depthwise conv given as a conv with groups = ci = co, depthwise, linear, max / avg
pooling incl. ceil mode and count_include_pad, add with input requants), random L1 tiles (ragged,
1-row, t_wo < wo, t_ci < ci partial sums) and, for some, operands in L3 with l3_co / l3_ho staging.
The L1 layout is what ``passes.allocate_buffers.l1_layout(passes.tile.l1_sizes_of(...))`` gives
(a `passes.tile.Geometry` built directly), except where noted for grouped convolutions (see
`grouped_input_bytes`). Each case is serialised for tests/c/layer_test_driver.c, which runs
``dory_layer_run`` on the host port (8 threads, deferred DMA) and prints the output region;
expectations are the qnn ops of the reference interpreter (helpers of tests/test_c_kernels.py).

The driver is built twice: ``-O2 -Werror`` and ``-DDORY_DEBUG`` with AddressSanitizer + UBSan
(the host port then checks every DMA row against its arena, the DMA protocol, and fills the
arenas with garbage).
"""

from __future__ import annotations

import dataclasses
import functools
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from test_c_kernels import (pool_reference, S8, S16, S32, SI32, U8, ET, finish, pick_type, pool_out, rand_chain,
                            rand_values, ref_chain, run_qnn, wrap)

from dory.dory_ir.attributes import IntegerAttr, i64_array
from dory.dory_ir.interp.tiled import axis_span
from dory.passes.allocate_buffers import l1_layout
from dory.passes.tile import Geometry, l1_sizes_of


GCC = shutil.which("gcc")
pytestmark = [pytest.mark.slow, pytest.mark.skipif(GCC is None, reason="gcc is not installed")]

ROOT = Path(__file__).resolve().parent.parent
SOURCES = sorted((ROOT / "runtime" / "kernels").glob("*.c")) + [
    ROOT / "runtime" / "src" / "layer.c",
    ROOT / "runtime" / "port" / "host" / "port_host.c",
    ROOT / "tests" / "c" / "layer_test_driver.c",
]
BASE_FLAGS = ["-std=gnu99", "-Wall", "-Wextra", "-Werror", "-fwrapv", "-pthread",
              f"-I{ROOT / 'runtime' / 'include'}", f"-I{ROOT / 'runtime' / 'port' / 'host'}"]
BUILDS = {
    "O2": ["-O2"],
    "debug": ["-O1", "-g", "-DDORY_DEBUG", "-fsanitize=address,undefined", "-fno-sanitize-recover=all",
              "-fno-omit-frame-pointer"],
}
NP = {0: np.uint8, 1: np.int8, 2: np.uint16, 3: np.int16, 4: np.uint32, 5: np.int32}
KIND = {"conv": 0, "gconv": 0, "dwconv": 0, "dw": 1, "linear": 2, "pool": 3, "add": 4}
L2, L3 = 2, 3


def ebytes(code: int) -> int:
    return 1 if code <= S8 else 2 if code <= S16 else 4


def to_bytes(a: np.ndarray, code: int) -> bytes:
    return wrap(np.asarray(a, dtype=np.int64), code).astype(NP[code]).tobytes()


# -- random layers ----------------------------------------------------------------------------------


def conv_layer(rng: np.random.Generator, kind: str) -> dict[str, Any]:
    c: dict[str, Any] = {"kind": kind}
    if kind == "linear":
        kh = kw = sh = sw = dh = dw = 1
        pads, groups = (0, 0, 0, 0), 1
        ci, co = int(rng.integers(1, 60)), int(rng.integers(1, 24))
        hi = wi = 1
    else:
        kh, kw = [(1, 1), (3, 3), (5, 5), (1, 3), (3, 1), (2, 3), (3, 3), (1, 1)][int(rng.integers(0, 8))]
        sh, sw = int(rng.integers(1, 3)), int(rng.integers(1, 3))
        dh = 2 if rng.random() < 0.2 and kh > 1 else 1
        dw = 2 if rng.random() < 0.2 and kw > 1 else 1
        pads = tuple(int(rng.integers(0, k)) if k > 1 else int(rng.random() < 0.15) for k in (kh, kw, kh, kw))
        hi = max(int(rng.integers(1, 13)), dh * (kh - 1) + 1 - pads[0] - pads[2])
        wi = max(int(rng.integers(1, 11)), dw * (kw - 1) + 1 - pads[1] - pads[3])
        groups = 1
        if kind in ("dw", "dwconv"):
            ci = co = int(rng.integers(1, 18))
            groups = ci
        elif kind == "gconv":
            groups = 2
            ci, co = 2 * int(rng.integers(1, 8)), 2 * int(rng.integers(1, 9))
        else:
            ci, co = int(rng.integers(1, 20)), int(rng.integers(1, 18))
    ho = (hi + pads[0] + pads[2] - dh * (kh - 1) - 1) // sh + 1
    wo = (wi + pads[1] + pads[3] - dw * (kw - 1) - 1) // sw + 1
    x_type = pick_type(rng, [U8, S8])
    w_type = pick_type(rng, [S8])
    y_type = pick_type(rng, [U8, S8, S32])
    b_type = int(rng.choice([S32, S16, S8]))
    cw = 1 if kind in ("dw", "dwconv") else ci // groups
    x = rand_values(rng, x_type, (hi, wi, ci))
    w = rand_values(rng, w_type, (co, kh, kw, cw))
    bias = rand_values(rng, b_type, (co,), small=True) if rng.random() < 0.7 else None
    chain = rand_chain(rng, co, y_type)
    if kind == "linear":
        ops = [(x.reshape(1, ci), ET[x_type]), (w.reshape(co, ci), ET[w_type])]
        if bias is not None:
            ops.append((bias, ET[b_type]))
        acc = run_qnn("qnn.linear", ops, ((1, co), SI32)).reshape(1, 1, co)
    else:
        props = {"strides": i64_array([sh, sw]), "dilations": i64_array([dh, dw]), "pads": i64_array(list(pads)),
                 "groups": IntegerAttr(groups)}
        ops = [(x[None], ET[x_type]), (w, ET[w_type])]
        if bias is not None:
            ops.append((bias, ET[b_type]))
        acc = run_qnn("qnn.conv2d", ops, ((1, ho, wo, co), SI32), props)[0]
    c.update(hi=hi, wi=wi, ci=ci, ho=ho, wo=wo, co=co, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh, dw=dw, pads=pads,
             groups=groups, is_avg=0, cip=0, div=0, trunc=0, x=x, x_type=x_type, x2=None, x2_type=0, w=w,
             w_type=w_type, bias=bias, b_type=b_type, y_type=y_type, rq=chain, rq_a=[], rq_b=[],
             want=finish(acc, chain, y_type))
    return c


def pool_layer(rng: np.random.Generator, force_ceil: bool) -> dict[str, Any]:
    while True:
        kh, kw = int(rng.integers(1, 5)), int(rng.integers(1, 5))
        sh, sw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        pads = (int(rng.integers(0, kh)), int(rng.integers(0, kw)), int(rng.integers(0, kh)), int(rng.integers(0, kw)))
        hi, wi, ch = int(rng.integers(1, 14)), int(rng.integers(1, 12)), int(rng.integers(1, 12))
        ceil_mode = force_ceil or bool(rng.random() < 0.4)
        H = pool_out(hi, kh, sh, pads[0], pads[2], ceil_mode)
        W = pool_out(wi, kw, sw, pads[1], pads[3], ceil_mode)
        reach = (H - 1) * sh + kh > hi + pads[0] + pads[2] or (W - 1) * sw + kw > wi + pads[1] + pads[3]
        if H >= 1 and W >= 1 and (reach or not force_ceil):
            break
    is_avg = int(rng.random() < 0.5 or force_ceil)
    cip = int(rng.random() < 0.5 or force_ceil)
    div = int(rng.integers(1, 12)) if rng.random() < 0.3 and not force_ceil else 0
    trunc = int(rng.random() < 0.5)
    x_type = pick_type(rng, [U8, S8], 0.6)
    x = rand_values(rng, x_type, (hi, wi, ch))
    full = pool_reference(x, x_type, (kh, kw), (sh, sw), pads, ceil_mode, is_avg, cip, trunc, div, (H, W))
    y_type = pick_type(rng, [U8, S8, S32], 0.7)
    chain = rand_chain(rng, ch, y_type)
    if not chain:
        y_type = x_type if not is_avg or not div else S32
    return dict(kind="pool", hi=hi, wi=wi, ci=ch, ho=H, wo=W, co=ch, kh=kh, kw=kw, sh=sh, sw=sw, dh=1, dw=1,
                pads=pads, groups=1, is_avg=is_avg, cip=cip, div=div, trunc=trunc, ceil=ceil_mode, x=x, x_type=x_type,
                x2=None, x2_type=0, w=None, w_type=0, bias=None, b_type=0, y_type=y_type, rq=chain, rq_a=[], rq_b=[],
                want=finish(full, chain, y_type))


def add_layer(rng: np.random.Generator) -> dict[str, Any]:
    h, w, ch = int(rng.integers(1, 9)), int(rng.integers(1, 9)), int(rng.integers(1, 14))
    a_type, b_type = pick_type(rng, [U8, S8], 0.7), pick_type(rng, [U8, S8], 0.7)
    y_type = pick_type(rng, [U8, S8, S32], 0.7)
    a, b = rand_values(rng, a_type, (h, w, ch)), rand_values(rng, b_type, (h, w, ch))
    rq_a, rq_b = rand_chain(rng, ch, S32, 1), rand_chain(rng, ch, S32, 1)
    rq = rand_chain(rng, ch, y_type)
    va = ref_chain(wrap(a.reshape(h * w, ch), S32), rq_a)
    vb = ref_chain(wrap(b.reshape(h * w, ch), S32), rq_b)
    s = run_qnn("qnn.add", [(va, SI32), (vb, SI32)], ((h * w, ch), SI32))
    return dict(kind="add", hi=h, wi=w, ci=ch, ho=h, wo=w, co=ch, kh=1, kw=1, sh=1, sw=1, dh=1, dw=1,
                pads=(0, 0, 0, 0), groups=1, is_avg=0, cip=0, div=0, trunc=0, x=a, x_type=a_type, x2=b, x2_type=b_type,
                w=None, w_type=0, bias=None, b_type=0, y_type=y_type, rq=rq, rq_a=rq_a, rq_b=rq_b,
                want=finish(s, rq, y_type).reshape(h, w, ch))




# -- tiles, layout, placement -----------------------------------------------------------------------


def split_cin(c: dict[str, Any]) -> bool:
    return c["kind"] == "linear" or (c["kind"] == "conv" and c["groups"] == 1)


def pick(rng: np.random.Generator, n: int) -> int:
    """A tile size for an extent n: often 1 or n, else anything in between."""
    r = rng.random()
    if r < 0.2:
        return 1
    if r < 0.45:
        return n
    return int(rng.integers(1, n + 1))


def params_of(c: dict[str, Any]) -> list[tuple[int, int, int, int, list[int]]]:
    """Per-channel requant vectors: (type, chain, stage, field, values)."""
    out = []
    for ci_, name in enumerate(("rq", "rq_a", "rq_b")):
        for si, st in enumerate(c[name]):
            for fi, key in enumerate(("mul", "add")):
                if not isinstance(st[key], int):
                    out.append((st[key][0], ci_, si, fi, list(st[key][1])))
    return out


def geometry_of(c: dict[str, Any]) -> Geometry:
    # a conv with groups == ci ("dwconv") is sent as a conv: the executor reads it as a depthwise only
    # when groups > 1 (runtime/src/layer.c; 1 channel stays a conv, with the conv's scratch)
    kind = {"conv": "conv", "gconv": "conv", "dwconv": "conv", "dw": "depthwise", "linear": "linear",
            "pool": "pool", "add": "add"}[c["kind"]]
    pb = (ebytes(c["b_type"]) if c["bias"] is not None else 0) + sum(ebytes(t) for t, *_ in params_of(c))
    in_b = ebytes(c["x_type"]) + (ebytes(c["x2_type"]) if c["kind"] == "add" else 0)
    if kind == "conv" and c["groups"] == c["ci"] == c["co"] > 1:
        kind = "depthwise"  # as passes.tile.geometry and the executor (runtime/src/layer.c) read it
    ci = c["ci"] // c["groups"] if kind == "conv" else c["ci"]
    return Geometry(kind, n=1, ho=c["ho"], wo=c["wo"], co=c["co"], hi=c["hi"], wi=c["wi"], ci=ci, kh=c["kh"],
                    kw=c["kw"], sh=c["sh"], sw=c["sw"], dh=c["dh"], dw=c["dw"], pads=tuple(c["pads"]),
                    groups=c["groups"], in_bytes=in_b, out_bytes=ebytes(c["y_type"]),
                    w_bytes=ebytes(c["w_type"]) if c["w"] is not None else 1, param_bytes=pb)


def in_extent(out: int, s: int, k: int, d: int, n: int) -> int:
    return min(n, (out - 1) * s + (k - 1) * d + 1)


def grouped_input_bytes(c: dict[str, Any], t_co: int, t_ho: int, t_wo: int) -> int:
    """The input tile a grouped conv really needs: all input channels of the groups an output-channel
    tile touches (l1_sizes_of budgets one group's, `Geometry.ci` being per group)."""
    og, cg = c["co"] // c["groups"], c["ci"] // c["groups"]
    touched = max(((min(c0 + t_co, c["co"]) - 1) // og - c0 // og + 1) for c0 in range(0, c["co"], t_co))
    rows = in_extent(t_ho, c["sh"], c["kh"], c["dh"], c["hi"])
    cols = in_extent(t_wo, c["sw"], c["kw"], c["dw"], c["wi"])
    return rows * cols * touched * cg * ebytes(c["x_type"])


def rows_of(c: dict[str, Any], h0: int, h1: int) -> tuple[int, int]:
    if c["kind"] == "linear":
        return 0, 1
    if c["kind"] == "add":
        return h0, h1
    d = 1 if c["kind"] == "pool" else c["dh"]
    s = axis_span(h0, h1, c["kh"], c["sh"], d, c["pads"][0], c["pads"][2], c["hi"])
    return s.lo, s.hi


def staging_need(c: dict[str, Any], mem: dict[str, int], l3_co: int, l3_ho: int) -> int:
    """Bytes of single-buffered staging the executor lays out (see runtime/src/layer.c)."""
    co, ho = c["co"], (1 if c["kind"] == "linear" else c["ho"])
    l3c = min(l3_co, co) if l3_co else co
    l3h = min(l3_ho, ho) if l3_ho else ho
    if c["kind"] == "linear":
        l3h = 1
    xrows = max(rows_of(c, h0, min(h0 + l3h, ho))[1] - rows_of(c, h0, min(h0 + l3h, ho))[0] for h0 in range(0, ho, l3h))
    need = 0
    if mem["x"] == L3:
        need += xrows * c["wi"] * c["ci"] * ebytes(c["x_type"])
    if mem.get("x2") == L3:
        need += xrows * c["wi"] * c["ci"] * ebytes(c["x2_type"])
    if mem["y"] == L3:
        need += l3h * c["wo"] * c["co"] * ebytes(c["y_type"])
    if c["w"] is not None and mem["w"] == L3:
        need += l3c * c["w"][0].size * ebytes(c["w_type"])
    if c["bias"] is not None and mem["b"] == L3:
        need += l3c * ebytes(c["b_type"])
    if mem["rq"] == L3:
        need += sum(l3c * ebytes(t) for t, *_ in params_of(c))
    return need


def fmt_chain(chain: list[dict[str, Any]]) -> str:
    parts = [str(len(chain))]
    for st in chain:
        mul = st["mul"] if isinstance(st["mul"], int) else 0
        add = st["add"] if isinstance(st["add"], int) else 0
        mt = 5 if isinstance(st["mul"], int) else st["mul"][0]
        at = 5 if isinstance(st["add"], int) else st["add"][0]
        parts.append(f"{mul} {add} {mt} {at} {st['shift']} {st['div']} {st['trunc']} {st['min']} {st['max']}")
    return " ".join(parts)


def make_case(seed: int, kind: str, l3: bool, staging_slack: int = 0, patch_grouped: bool = True,
              tile: tuple[int, int, int, int] | None = None, single: bool = False,
              double_staging: bool = False) -> dict[str, Any]:
    """One random case. ``single``: every L1 buffer single-buffered (pong == ping) whatever the
    tile count (input, weights, parameters and output: the tile pass's ``buffering = "single"``),
    so that the executor's reload-after-compute path runs. ``double_staging``: an L3
    staging area of twice the single-buffered need (plus 3 bytes of word alignment for each copy
    of each of the up to 4 + DORY_MAX_PARAMS = 16 regions), as the tiler budgets it, so that the executor overlaps staging with the cluster's work."""
    rng = np.random.default_rng(70000 + 97 * seed + KIND[kind] * 7 + (kind == "gconv") * 3 + (kind == "dwconv") * 5)
    if kind == "pool":
        c = pool_layer(rng, force_ceil=seed % 3 == 1)
    elif kind == "add":
        c = add_layer(rng)
    else:
        c = conv_layer(rng, kind)
    c["seed"] = seed
    # the L1 tile
    t_co, t_ho, t_wo = pick(rng, c["co"]), pick(rng, c["ho"]), pick(rng, c["wo"])
    t_ci = pick(rng, c["ci"]) if split_cin(c) else c["ci"]
    if kind == "linear":
        t_ho = t_wo = 1
    if tile is not None:
        t_co, t_ho, t_wo, t_ci = tile
    g = geometry_of(c)
    k = t_co if g.cin_follows_cout else (t_ci if split_cin(c) else g.ci)
    sizes = l1_sizes_of(g, (t_co, t_ho, t_wo, k))
    if kind == "gconv" and patch_grouped:
        need = grouped_input_bytes(c, t_co, t_ho, t_wo)
        if need > sizes.input:
            sizes = dataclasses.replace(sizes, input=need)
            c["patched"] = True
    lay = l1_layout(sizes)
    # memories and the L3 tile
    ops = ["x", "y", "rq"] + (["x2"] if kind == "add" else []) + (["w", "b"] if c["w"] is not None else [])
    mem = {o: L2 for o in ops}
    l3_co = l3_ho = 0
    if l3:
        for o in ops:
            if rng.random() < 0.5:
                mem[o] = L3
        if all(m == L2 for m in mem.values()):
            mem[str(rng.choice(ops))] = L3
        if rng.random() < 0.7:
            l3_co = pick(rng, c["co"])
        if rng.random() < 0.7 and kind != "linear":
            l3_ho = pick(rng, c["ho"])
        # the tiler limits the L1 tile to the L3 tile
        if l3_co:
            t_co = min(t_co, l3_co)
        if l3_ho:
            t_ho = min(t_ho, l3_ho)
        if l3_co or l3_ho:
            k = t_co if g.cin_follows_cout else (t_ci if split_cin(c) else g.ci)
            sizes = l1_sizes_of(g, (t_co, t_ho, t_wo, k))
            if kind == "gconv" and patch_grouped:
                sizes = dataclasses.replace(sizes, input=max(sizes.input, grouped_input_bytes(c, t_co, t_ho, t_wo)))
            lay = l1_layout(sizes)
    if single:  # the tiler's single buffering (l1_sizes_of(single=True)): one copy of every buffer
        lay = l1_layout(dataclasses.replace(sizes, acts=1, weights=1, inputs=1))
    c.update(t_co=t_co, t_ho=t_ho, t_wo=t_wo, t_ci=t_ci, l3_co=l3_co, l3_ho=l3_ho, mem=mem, layout=lay, single=single,
             double_inputs=sizes.inputs)

    # the requant buffer: vectors at 4-aligned offsets, sometimes in reverse order / with gaps
    params = params_of(c)
    order = list(range(len(params)))
    if rng.random() < 0.3:
        order.reverse()
    rq_bytes = bytearray()
    poffs = [0] * len(params)
    for i in order:
        if rng.random() < 0.2:
            rq_bytes += bytes(4)
        poffs[i] = len(rq_bytes)
        t, *_, vals = params[i]
        rq_bytes += to_bytes(np.array(vals), t)
        rq_bytes += bytes((-len(rq_bytes)) % 4)

    # placement: L2 and L3 regions, 4-aligned, with random gaps
    blobs: dict[str, bytes] = {"x": to_bytes(c["x"], c["x_type"])}
    if kind == "add":
        blobs["x2"] = to_bytes(c["x2"], c["x2_type"])
    if c["w"] is not None:
        blobs["w"] = to_bytes(c["w"], c["w_type"])
        if c["bias"] is not None:
            blobs["b"] = to_bytes(c["bias"], c["b_type"])
    if params:
        blobs["rq"] = bytes(rq_bytes)
    ysize = c["want"].size * ebytes(c["y_type"])
    blobs["y"] = rng.integers(0, 256, ysize, dtype=np.uint8).tobytes()  # garbage: every byte must be written
    ends = {L2: int(rng.integers(0, 5)) * 4, L3: int(rng.integers(0, 5)) * 4}
    offs: dict[str, int] = {}
    for name in ("x", "x2", "w", "b", "rq", "y"):
        if name not in blobs:
            continue
        m = mem[name]
        offs[name] = ends[m]
        ends[m] += (len(blobs[name]) + 3) // 4 * 4 + int(rng.integers(0, 3)) * 4
    staging = ends[L2]
    need = staging_need(c, mem, l3_co, l3_ho) if any(m == L3 for m in mem.values()) else 0
    staging_bytes = (2 * need + 4 * 2 * (4 + 12) if double_staging else need) + staging_slack
    ends[L2] += max(staging_bytes, 0) + int(rng.integers(0, 3)) * 4
    c.update(blobs=blobs, offs=offs, poffs=poffs, staging=staging, staging_bytes=staging_bytes, staging_need=need,
             l2_bytes=ends[L2], l3_bytes=ends[L3], params=params)
    return c


def fmt_case(c: dict[str, Any]) -> str:
    lay, mem, offs = c["layout"], c["mem"], c["offs"]

    def ref(name: str) -> str:
        return f"{mem[name]} {offs[name]}" if name in offs else "0 0"

    kind = KIND[c["kind"]]
    head = [c["layout"]["total"], c["l2_bytes"], c["l3_bytes"],
            kind, c["hi"], c["wi"], c["ci"], c["ho"], c["wo"], c["co"], c["kh"], c["kw"], c["sh"], c["sw"], c["dh"],
            c["dw"], *c["pads"], c["groups"], c["is_avg"], c["cip"], c["div"], c["trunc"],
            c["t_co"], c["t_ho"], c["t_wo"], c["t_ci"], c["l3_co"], c["l3_ho"]]
    parts = [" ".join(map(str, head)),
             " ".join(ref(n) for n in ("x", "x2", "w", "b", "y", "rq")),
             f"{c['x_type']} {c['x2_type']} {c['w_type']} {c['b_type']} {c['y_type']} {c['staging']} {max(c['staging_bytes'], 0)}",
             fmt_chain(c["rq"]), fmt_chain(c["rq_a"]), fmt_chain(c["rq_b"]),
             str(len(c["params"]))]
    for (t, ch, st, fi, _), po in zip(c["params"], c["poffs"]):
        parts.append(f"{po} {t} {ch} {st} {fi}")
    inp, wt, out = lay["input"], lay["weight"], lay["output"]
    parts.append(" ".join(map(str, [inp[0], inp[1], wt[0], wt[1], out[0], out[1], lay["params"], lay["scratch"],
                                    lay["total"]])))
    parts.append(str(len(c["blobs"])))
    for name, data in c["blobs"].items():
        parts.append(f"{mem[name]} {offs[name]} {data.hex() if data else '-'}")
    parts.append(f"{mem['y']} {offs['y']} {len(c['blobs']['y'])}")
    return " ".join(parts)


# -- cases, builds, runs ----------------------------------------------------------------------------

COUNTS = {"conv": 120, "gconv": 50, "dwconv": 15, "dw": 50, "linear": 40, "pool": 80, "add": 40}


@functools.lru_cache(maxsize=None)
def cases() -> list[dict[str, Any]]:
    out = []
    for kind, n in COUNTS.items():
        for i in range(n):
            out.append(make_case(i, kind, l3=i % 3 == 2, single=i % 7 == 3, double_staging=i % 6 == 5))
    return out


@pytest.fixture(scope="module", params=sorted(BUILDS))
def driver(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("layer") / f"layer_driver_{request.param}"
    cmd = [GCC, *BASE_FLAGS, *BUILDS[request.param], *map(str, SOURCES), "-o", str(out)]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 0, f"{' '.join(cmd)}\n{r.stderr}"
    return out


def run_driver(driver: Path, cs: list[dict[str, Any]]) -> tuple[list[tuple[int, bytes]], str]:
    text = f"{len(cs)}\n" + "\n".join(fmt_case(c) for c in cs) + "\n"
    r = subprocess.run([str(driver)], input=text, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, f"driver failed ({r.returncode}):\n{r.stderr[-4000:]}"
    out = []
    for line in r.stdout.splitlines():
        rc, hx = line.split()
        out.append((int(rc), b"" if hx == "-" else bytes.fromhex(hx)))
    assert len(out) == len(cs)
    return out, r.stderr


def describe(c: dict[str, Any]) -> str:
    skip = {"x", "x2", "w", "bias", "want", "blobs", "rq", "rq_a", "rq_b", "params", "poffs"}
    return ", ".join(f"{k}={v}" for k, v in c.items() if k not in skip)


def test_layer_matches_reference(driver: Path) -> None:
    cs = cases()
    results, err = run_driver(driver, cs)
    assert err == "", err[-4000:]
    for c, (rc, raw) in zip(cs, results):
        assert rc == 0, f"dory_layer_run returned {rc}: {describe(c)}"
        got = np.frombuffer(raw, dtype=NP[c["y_type"]]).astype(np.int64)
        want = wrap(c["want"].reshape(-1), c["y_type"])
        if not np.array_equal(got, want):
            bad = np.flatnonzero(got != want)
            pytest.fail(f"{bad.size} of {want.size} differ (first at {bad[0]}: got {got[bad[0]]}, want {want[bad[0]]}); "
                        f"{describe(c)}")


def test_staging_too_small_fails_cleanly(driver: Path) -> None:
    c = make_case(2, "conv", l3=True, staging_slack=-1)
    assert c["staging_need"] > 0
    res, err = run_driver(driver, [c])
    rc = res[0][0]
    assert rc != 0
    assert "staging" in err and "error" in err


def test_tiler_budgets_the_grouped_input_tile() -> None:
    """A grouped-conv tile spanning two groups needs both groups' input channels: the tiler's
    footprint (passes.tile.l1_sizes_of) covers exactly what the executor needs for every case."""
    spanning = 0
    for seed in range(40):
        c = make_case(seed, "gconv", l3=False, patch_grouped=False)
        need = grouped_input_bytes(c, c["t_co"], c["t_ho"], c["t_wo"])
        have = l1_sizes_of(geometry_of(c), (c["t_co"], c["t_ho"], c["t_wo"], c["ci"] // 2)).input
        assert have >= need, (seed, have, need)
        spanning += need > grouped_input_bytes(c, min(c["t_co"], c["co"] // 2), c["t_ho"], c["t_wo"])
    assert spanning, "no grouped case spans two groups"


def test_cases_exercise_the_paths() -> None:
    cs = cases()
    conv = [c for c in cs if c["kind"] == "conv"]
    assert any(c["t_ci"] < c["ci"] for c in conv)
    assert any(c["t_ci"] < c["ci"] for c in cs if c["kind"] == "linear")
    assert any(c["t_wo"] < c["wo"] for c in conv) and any(c["t_ho"] == 1 and c["ho"] > 1 for c in conv)
    assert any(c["ho"] % c["t_ho"] and c["co"] % c["t_co"] for c in conv)
    assert any(c["dh"] == 2 or c["dw"] == 2 for c in conv) and any(c["kh"] == c["kw"] == 1 for c in conv)
    g = [c for c in cs if c["kind"] == "gconv"]
    og = lambda c: c["co"] // 2  # noqa: E731
    assert any(c["t_co"] % og(c) and c["t_co"] < c["co"] for c in g)  # tiles cut inside a group
    pool = [c for c in cs if c["kind"] == "pool"]
    assert sum(1 for c in pool if c["ceil"] and c["t_ho"] < c["ho"]) >= 3
    assert any(c["is_avg"] and c["cip"] for c in pool) and any(not c["is_avg"] for c in pool)
    assert any(c["rq_a"] and c["rq_b"] for c in cs if c["kind"] == "add")
    l3 = [c for c in cs if any(m == L3 for m in c["mem"].values())]
    assert any(c["l3_co"] and c["l3_ho"] and c["mem"]["x"] == L3 and c["mem"]["y"] == L3 for c in l3)
    assert any(c["l3_co"] and c["w"] is not None and c["mem"]["w"] == L3 for c in l3)
    assert any(c["mem"]["rq"] == L3 and c["params"] for c in l3)
    dbl = [c for c in l3 if c["staging_bytes"] > c["staging_need"]]  # overlapped staging
    assert any(c["l3_co"] and c["l3_co"] < c["co"] and c["mem"]["w"] == L3 for c in dbl if c["w"] is not None)
    assert any(c["l3_ho"] and c["l3_ho"] < c["ho"] and c["mem"]["x"] == L3 and c["mem"]["y"] == L3 for c in dbl)
    assert any(c["single"] and c["t_ho"] < c["ho"] for c in cs)  # single-buffered, several tiles
    assert any(c["single"] and c["t_ci"] < c["ci"] for c in conv)
    # single-buffered inputs that the double-buffered layout would ping/pong: reloaded in place
    assert sum(1 for c in cs if c["single"] and c["double_inputs"] == 2) >= 20
    assert any(c["single"] and c["t_co"] < c["co"] and c["params"] for c in cs)  # parameters reloaded in place
    assert any(c["layout"]["weight"][0] != c["layout"]["weight"][1] for c in cs)
