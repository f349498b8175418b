"""Helpers shared by the windowed converters (Conv and the pools): feature-map shapes and the
kernel/strides/pads/dilations attributes in IR ``[h, w]`` form."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dory.frontend.values import IntVal

if TYPE_CHECKING:
    from dory.frontend.onnx_import import OnnxImporter


def spatial(imp: OnnxImporter, node: Any, x: IntVal, what: str) -> tuple[int, int, int, int]:
    """IR (N, H, W, C) of a feature map; an error if ``x`` is not one."""
    if x.layout.kind not in ("nchw", "ncl"):
        raise imp.error(node, f"expected a feature map ([N, C, H, W] or [N, C, L]) as {what}, found shape {list(x.onnx_shape)}")
    n, h, w, c = x.type.shape
    return n, h, w, c


def window_attrs(imp: OnnxImporter, node: Any, x: IntVal, kernel: list[int] | None = None) -> dict[str, list[int]]:
    """kernel/strides/pads/dilations of a Conv/Pool in IR [h, w] form (1-D gets h = 1); pads are
    ``[top, left, bottom, right]``. ``kernel`` overrides ``kernel_shape`` (Conv takes the weight's)."""
    a = imp.attrs(node)
    nd = len(x.onnx_shape) - 2
    if a.get("auto_pad", b"NOTSET") not in (b"NOTSET", "NOTSET"):
        raise imp.error(node, f"expected auto_pad NOTSET (explicit pads), found {a['auto_pad']!r}")
    k = list(kernel if kernel is not None else a.get("kernel_shape", []))
    s = list(a.get("strides", [1] * nd))
    d = list(a.get("dilations", [1] * nd))
    p = list(a.get("pads", [0] * (2 * nd)))
    if len(k) != nd or len(s) != nd or len(d) != nd or len(p) != 2 * nd:
        raise imp.error(node, f"expected {nd}-D kernel_shape/strides/dilations and {2 * nd} pads, found {k}, {s}, {d}, {p}")
    if nd == 1:
        return {"kernel": [1, k[0]], "strides": [1, s[0]], "dilations": [1, d[0]], "pads": [0, p[0], 0, p[1]]}
    return {"kernel": k, "strides": s, "dilations": d, "pads": [p[0], p[1], p[2], p[3]]}
