"""The fitting half of the GVSOC calibration (bench/gvsoc/calibrate.py): measured layers in, the
`backends.target.KernelModel` coefficients out. No GVSOC, no compiler: only the layers' geometry,
tile and measured cycles, so the tests can fit synthetic data with known constants.

The model (`passes.tiling.cost`): a layer's cycles are ``layer + tile * n_tiles + sum_f coef_f *
feature_f + dma_f``, the features being the kernel work on the busiest core summed over the tiles
(`passes.tiling.cost.kernel_features`) and ``dma_f`` the DMA the double buffering does not hide
(first load, last store, transfers beyond the compute; all of it for a single-buffered layer). It is linear in the coefficients except
for that hiding; `fit` alternates a non-negative least-squares fit of the coefficients with
re-evaluating which layers' DMA shows.

The fit minimises the squared *relative* error ``(modelled - measured) / measured`` over the
layers, so a 20K-cycle layer counts as much as a 2M-cycle one (the target is a share of layers
within 25 %, not total cycles).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

import numpy as np

from dory.backends.target import KernelModel, Target
from dory.passes.tiling.cost import CLASS_FEATURES, MODEL_FEATURES, dma_terms, kernel_features, model_kind
from dory.passes.tiling.geometry import Geometry

SHARED = "all"
"""The model kind of the coefficients every kind shares (the per-layer cost)."""

SHARED_FEATURES = ("layer",)


@dataclass
class Layer:
    """One measured layer: where it comes from, its geometry, its L1 tile and GVSOC's cycles."""

    network: str
    step: int
    name: str
    geometry: Geometry
    tile: tuple[int, int, int, int]
    measured: int
    l1_budget: int | None = None  # the tile pass's L1 budget (None: the target's)
    label: str = ""  # the bench's layer kind (conv3x3, pointwise, ...) for the tables
    caps: tuple[str, ...] = ()  # the tile pass's per-layer caps of the run (calibrate.py TILE_VARIANTS)
    single: bool = False  # single buffered (dory.tile buffering = "single"): every transfer shows

    @property
    def kind(self) -> str:
        """The calibrated model's kind of this layer (`passes.tiling.cost.model_kind`)."""
        return model_kind(self.geometry)


@dataclass
class Fit:
    """The fitted coefficients and the fit's per-layer results."""

    coefficients: dict[str, dict[str, float]]
    modelled: list[float] = field(default_factory=list)  # per layer of the fitted set, in order
    iterations: int = 0


MIN_SUPPORT = 3
"""A path-class feature (`passes.tiling.cost.CLASS_FEATURES`) is fitted only when some layer of
its kind takes the path and at least this many do not; otherwise it cannot be told from the
kind's base cost (e.g. every measured depthwise ends ``div``) and is left at 0 (the table keeps
the zero, and a refit on data with both paths picks it up)."""


def columns(layers: list[Layer], hw: Target | None = None) -> list[tuple[str, str]]:
    """The unknowns: (kind, feature) pairs of every kind present, plus the shared ones; a
    path-class feature only where ``layers`` tell it apart (`MIN_SUPPORT`)."""
    kinds = sorted({x.kind for x in layers})
    support: dict[tuple[str, str], list[int]] = {}
    for x in layers:
        feats = kernel_features(x.geometry, x.tile, hw) if hw is not None else {}
        for f in CLASS_FEATURES:
            if f in MODEL_FEATURES[x.kind]:
                counts = support.setdefault((x.kind, f), [0, 0])
                counts[0 if feats.get(f, 0.0) > 0 else 1] += 1
    return [(SHARED, f) for f in SHARED_FEATURES] + [
        (k, f) for k in kinds for f in MODEL_FEATURES[k]
        if f not in CLASS_FEATURES or (support.get((k, f), [0, 0])[0] >= 1 and support[(k, f)][1] >= MIN_SUPPORT)]


def design(layers: list[Layer], hw: Target) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """The feature matrix (one row per layer, one column per unknown)."""
    cols = columns(layers, hw)
    index = {c: i for i, c in enumerate(cols)}
    a = np.zeros((len(layers), len(cols)))
    for r, x in enumerate(layers):
        for f, v in kernel_features(x.geometry, x.tile, hw).items():
            key = (SHARED, f) if f in SHARED_FEATURES else (x.kind, f)
            if key in index:
                a[r, index[key]] = v
    return a, cols


COLLINEAR_TOL = 1e-3
"""A direction of the (relative-error weighted, column-normalised) design matrix whose singular
value is below this share of the largest is one the calibration set cannot pin: the features
that span it are reported as collinear (`collinear`)."""


@dataclass(frozen=True)
class Collinear:
    """Features the measured layers cannot tell apart: ``weights`` (feature -> its share of the
    near-null direction; opposite signs trade off against each other) and the direction's
    singular value relative to the largest."""

    features: tuple[tuple[str, str], ...]
    weights: tuple[float, ...]
    singular: float

    def text(self) -> str:
        """``pool pix +0.71 / pool vtap -0.70 (singular value 2.1e-05)``."""
        return " / ".join(f"{k} {f} {w:+.2f}" for (k, f), w in zip(self.features, self.weights)) + \
            f" (singular value {self.singular:.1e})"


def collinear(layers: list[Layer], hw: Target, tol: float = COLLINEAR_TOL, share: float = 0.1) -> list[Collinear]:
    """The near-collinear feature groups of ``layers``, per model kind: the fit's matrix of the
    kind's layers and the columns they exercise (the kind's features and the shared per-layer
    cost; rows weighted by 1 / measured, as `fit` weighs them; columns scaled to unit norm;
    features no layer exercises are left out: they are fitted as 0), every right singular vector
    whose singular value is below ``tol`` of the largest, named by the features with at least
    ``share`` of it. A feature pair that moves together over every layer (the pool's per-pixel and
    per-tap terms when every pool tile has the same channels and window; a base cost and its path
    classes when every layer takes one of the paths) shows up here, and `fit`'s split between
    them is arbitrary: the tile guard of bench/gvsoc/calibrate.py then decides."""
    a, cols = design(layers, hw)
    m = np.array([float(x.measured) for x in layers])
    w = a / m[:, None]
    out = []
    for kind in sorted({x.kind for x in layers}):
        rows = np.array([x.kind == kind for x in layers])
        keep = [i for i, (k, _) in enumerate(cols) if k in (kind, SHARED) and np.linalg.norm(w[rows, i]) > 0]
        if not keep:
            continue
        s = w[np.ix_(rows, keep)]
        s = s / np.linalg.norm(s, axis=0)
        _, sv, vt = np.linalg.svd(s, full_matrices=True)
        sv = np.concatenate([sv, np.zeros(len(keep) - len(sv))])
        top = float(sv.max())
        for val, v in zip(sv, vt):
            if top <= 0 or val >= tol * top:
                continue
            idx = [i for i in np.argsort(-np.abs(v)) if abs(v[i]) >= share]
            out.append(Collinear(tuple(cols[keep[i]] for i in idx), tuple(float(v[i]) for i in idx), float(val / top)))
    return out


def nnls(a: np.ndarray, b: np.ndarray, iters: int = 500) -> np.ndarray:
    """min ||a x - b|| subject to x >= 0 (Lawson and Hanson's active-set method, on columns
    scaled to unit norm so that cycles-per-MAC and cycles-per-layer weigh alike)."""
    norms = np.linalg.norm(a, axis=0)
    norms[norms == 0] = 1.0
    s = a / norms
    n = s.shape[1]
    x = np.zeros(n)
    passive = np.zeros(n, dtype=bool)
    w = s.T @ (b - s @ x)
    for _ in range(iters):
        if passive.all() or w[~passive].max(initial=-np.inf) <= 1e-12:
            break
        j = int(np.argmax(np.where(passive, -np.inf, w)))
        passive[j] = True
        while True:
            z = np.zeros(n)
            z[passive] = np.linalg.lstsq(s[:, passive], b, rcond=None)[0]
            if (z[passive] > 0).all():
                x = z
                break
            neg = passive & (z <= 0)
            alpha = np.min(x[neg] / (x[neg] - z[neg]))
            x = x + alpha * (z - x)
            passive &= x > 1e-12
            x[~passive] = 0.0
        w = s.T @ (b - s @ x)
    return x / norms


def model_cycles(layer: Layer, coef: dict[str, dict[str, float]], hw: Target) -> float:
    """The model's cycles of a measured layer under ``coef`` (as `passes.tiling.cost.evaluate`
    computes them, without rounding)."""
    kc = {**coef.get(SHARED, {}), **coef.get(layer.kind, {})}
    feats = kernel_features(layer.geometry, layer.tile, hw)
    compute = sum(kc.get(f, 0.0) * v for f, v in feats.items() if f not in ("layer", "tile"))
    overhead = kc.get("layer", 0.0) + kc.get("tile", 0.0) * feats["tile"]
    first, last, dma = dma_terms(layer.geometry, layer.tile, hw)
    if feats["tile"] == 1:
        return overhead + first + compute + last
    if layer.single:
        return overhead + compute + dma
    return overhead + first + last + max(compute, dma - first - last)


def fit(layers: list[Layer], hw: Target, rounds: int = 40) -> Fit:
    """Non-negative coefficients minimising the squared relative error of `model_cycles` over
    ``layers``: NNLS with the DMA terms held at their values under the previous round's
    coefficients (round 0: compute assumed to hide all but the first load and last store), until
    they settle (DMA-bound layers, whose exposed DMA depends on the compute, take a few dozen rounds
    with the measured DMA setups) or ``rounds`` have run."""
    a, cols = design(layers, hw)
    m = np.array([float(x.measured) for x in layers])
    dmas = [dma_terms(x.geometry, x.tile, hw) for x in layers]
    n_tiles = [kernel_features(x.geometry, x.tile, hw)["tile"] for x in layers]
    compute_mask = np.array([[f not in ("layer", "tile") for _, f in cols]], dtype=float)
    exposed = np.zeros(len(layers))
    coef: dict[str, dict[str, float]] = {}
    for it in range(rounds):
        # a single-buffered layer's DMA shows whole (no hiding to re-evaluate: its exposed part stays 0)
        fixed = np.array([d[2] if x.single and t > 1 else d[0] + d[1] for x, t, d in zip(layers, n_tiles, dmas)]) + exposed
        x = nnls(a / m[:, None], (m - fixed) / m)
        coef = {}
        for (k, f), v in zip(cols, x):
            coef.setdefault(k, {})[f] = float(v)
        for k in {x.kind for x in layers}:  # the features left out of the fit: 0
            for f in MODEL_FEATURES[k]:
                coef.setdefault(k, {}).setdefault(f, 0.0)
        compute = (a * compute_mask) @ x
        new = np.array([0.0 if t == 1 or x.single else max(0.0, d[2] - d[0] - d[1] - c)
                        for x, t, d, c in zip(layers, n_tiles, dmas, compute)])
        if it and np.allclose(new, exposed):
            break
        exposed = new
    return Fit(coef, [model_cycles(x, coef, hw) for x in layers], it + 1)


def kernel_model(coef: dict[str, dict[str, float]], source: str) -> KernelModel:
    """The `KernelModel` of fitted coefficients (kinds and features sorted; zero terms kept, so
    the table shows what the fit dropped)."""
    return KernelModel(tuple((k, tuple(sorted(v.items()))) for k, v in sorted(coef.items())), source)


def within(ratio: float, tol: float = 0.25) -> bool:
    """Is modelled / measured within ``tol`` of 1?"""
    return abs(ratio - 1) <= tol


def summary(ratios: list[float], tol: float = 0.25) -> str:
    """``k of n within +-tol (p %), median |ratio - 1| e %``."""
    if not ratios:
        return "no layers"
    k = sum(within(q, tol) for q in ratios)
    med = statistics.median(abs(q - 1) for q in ratios)
    return f"{k} of {len(ratios)} within ±{tol:.0%} ({100 * k / len(ratios):.1f} %), median |error| {100 * med:.1f} %"


def geo_mean(xs: list[float]) -> float:
    """The geometric mean (of ratios)."""
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else float("nan")
