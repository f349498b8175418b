"""``dory-compile --report FILE.html``: a picture of the memory plan, as one self-contained HTML file.

The page holds inline SVG and CSS only (no script, no network access): hovering a shape shows
its SVG ``<title>`` tooltip.

- **L2 (and L3) timeline**: x = the plan's steps, y = byte offset; every buffer is a rectangle
  over the steps it is live at its offset and size, coloured by kind (network input, activation,
  network output, weights, requant vectors, L3 staging), with the budget line, the peak, the
  lower bound and the bytes live at each step.
- **Layers**: per executed step its tile (``c_out x h_out x w_out x c_in`` and the tile count),
  its L1 layout (input / weight / output ping and pong, params, scratch at their offsets within
  the L1 budget) and its modelled cycles as a bar, with the measured cycles of a run beside them
  when ``--report-log`` gives that run's output.

Every fact comes from the planned IR the C emitter reads, through the emitter's own accessors
(``backends.gap8.emit``: `Places` for the L2/L3 place of a value, ``dory.alloc`` for requant and
staging areas, ``dory.l1`` for the L1 layout, ``dory.tile`` for tiles and modelled cycles) and the
emitted step table (`EmittedNetwork.steps`), so the picture cannot disagree with ``network.c``.
Only the live ranges, which the IR does not record, come from ``allocate-buffers``' own model
(`passes.allocate_buffers.collect_slots`, the liveness the packing used).

Pure functions: `build_plan` (IR -> `Plan`), `parse_run_log` / `attach_log` (a run's per-step
lines -> measured cycles), `timeline_svg` / `layers_svg` / `render_html` (`Plan` -> text);
`write_report` writes the file. Problems are `ReportError` (a `ValueError`) with one clear line.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, replace
from typing import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

from dory.backends.gap8.emit import EmittedNetwork, Places, alloc_attrs, int_attr, loc_name
from dory.dory_ir.attributes import ArrayAttr, Attribute, DictAttr, IntegerAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.dialects import dory
from dory.dory_ir.dialects.func import ReturnOp
from dory.dory_ir.diagnostics import DiagnosticError
from dory.passes.allocate_buffers import collect_slots

# Colours per buffer kind (timeline) and per L1 role (layers); one place for both the shapes and
# the legends. Chosen to stay distinguishable side by side and in greyscale print.
KIND_COLOURS: dict[str, str] = {
    "input": "#4c78a8",
    "activation": "#72b7b2",
    "output": "#54a24b",
    "weights": "#e0b53a",
    "requant": "#f58518",
    "staging": "#e45756",
}
KIND_LABELS: dict[str, str] = {
    "input": "network input",
    "activation": "activation",
    "output": "network output",
    "weights": "weights",
    "requant": "requant vectors",
    "staging": "L3 staging",
}
ROLE_COLOURS: dict[str, str] = {
    "input": "#4c78a8",
    "weight": "#e0b53a",
    "output": "#54a24b",
    "params": "#f58518",
    "scratch": "#b279a2",
}
MODELLED_COLOUR = "#4c78a8"
MEASURED_COLOUR = "#e45756"


class ReportError(ValueError):
    """A report that cannot be made (unplanned IR, a log of another network, an unwritable file)."""


# ----------------------------------------------------------------------------------------------
# The plan, as read from the IR
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BufferBox:
    """One L2 or L3 buffer: its place (from ``dory.alloc``) and the plan steps it is live over."""

    name: str
    kind: str  # a key of KIND_COLOURS
    level: int  # 2 or 3
    offset: int
    size: int
    start: int  # first plan step it is live at
    end: int  # last plan step it is live at (inclusive)


@dataclass(frozen=True)
class L1Region:
    """One L1 buffer of a layer: ``role`` (a key of ROLE_COLOURS), ``copy`` ("ping", "pong" or
    "" for a buffer loaded once) and its byte range."""

    role: str
    copy: str
    offset: int
    size: int


@dataclass(frozen=True)
class StepPlan:
    """One executed step (a layer or a concat, numbered as the app's log numbers them)."""

    index: int
    name: str
    op: str
    plan_step: int  # its step in the liveness numbering (reshapes take a step there)
    macs: int
    n_tiles: int
    tile: tuple[tuple[str, int], ...]  # ("c_out", 32), ...; empty for a concat
    l1_total: int
    regions: tuple[L1Region, ...]
    modelled: int
    measured: int | None = None


@dataclass(frozen=True)
class Plan:
    """Everything the report draws."""

    name: str
    target: str
    pipeline: str
    step_labels: tuple[str, ...]  # per plan step: the executed step's index, or "r" for a reshape (a view)
    step_names: tuple[str, ...]  # per plan step: the op's name
    buffers: tuple[BufferBox, ...]
    steps: tuple[StepPlan, ...]
    l1_budget: int
    l2_budget: int
    l3_budget: int
    l2_peak: int
    l2_lower_bound: int
    l3_peak: int
    measured_unit: str = ""  # "cycles", "ns", ... when a run log was attached


def _dict(op: Operation, key: str) -> dict[str, Attribute]:
    """The entries of ``op``'s dictionary attribute ``key`` (empty when it has none)."""
    a = op.attributes.get(key)
    return a.as_dict() if isinstance(a, DictAttr) else {}


def _l1_regions(op: Operation) -> tuple[int, tuple[L1Region, ...]]:
    """The L1 layout of a layer from its ``dory.l1`` (the offsets the emitter copies into
    ``dory_layer_t``): each buffer runs to the next buffer's offset, as allocate-buffers lays them
    out contiguously in the order input, weight, output (ping, pong), params, scratch."""
    la = _dict(op, "dory.l1")
    if not la:
        return 0, ()
    starts: list[tuple[str, str, int]] = []
    for role in ("input", "weight", "output"):
        pair = la.get(role)
        if not isinstance(pair, ArrayAttr) or len(pair.values) != 2:
            raise ReportError(f"{loc_name(op)}: expected 'dory.l1.{role}' as [ping, pong], found {pair}")
        ping, pong = (int(v.value) for v in pair.values)  # type: ignore[attr-defined]
        if ping == pong:
            starts.append((role, "", ping))
        else:
            starts += [(role, "ping", ping), (role, "pong", pong)]
    params, scratch, total = int_attr(la, "params", op), int_attr(la, "scratch", op), int_attr(la, "total", op)
    weight_pair = [s for s in starts if s[0] == "weight"]
    if len(weight_pair) == 2:  # parameters change with the weights: a pong copy right after the ping one
        half = (scratch - params) // 2
        starts += [("params", "ping", params), ("params", "pong", params + half)]
    else:
        starts.append(("params", "", params))
    starts.append(("scratch", "", scratch))
    starts.sort(key=lambda s: s[2])
    regions = []
    for i, (role, copy, off) in enumerate(starts):
        end = starts[i + 1][2] if i + 1 < len(starts) else total
        regions.append(L1Region(role, copy, off, end - off))
    return total, tuple(regions)


def _tile(op: Operation) -> tuple[int, tuple[tuple[str, int], ...]]:
    """``dory.tile``'s tile count and L1 tile sizes (what the emitter writes as ``t_co`` ...)."""
    td = _dict(op, "dory.tile")
    l1 = td.get("l1")
    sizes = l1.as_dict() if isinstance(l1, DictAttr) else {}
    tile = tuple((k, int(v.value)) for k in ("c_out", "h_out", "w_out", "c_in") for v in [sizes.get(k)] if isinstance(v, IntegerAttr))
    return int_attr(td, "n_tiles", op, 0), tile


_OPERAND_ROLES = {1: "weights", 2: "bias"}  # a layer's constant operands (operand 0 is its input)


def build_plan(func: Operation, net: EmittedNetwork, name: str, target: str, pipeline: str) -> Plan:
    """The `Plan` of a planned, emitted function: ``func`` after the pipeline (with
    ``dory.alloc`` / ``dory.l1`` / ``dory.tile``), ``net`` what `emit_network` made of it."""
    try:
        places = Places(func)
        plan, slots = collect_slots(func)
    except DiagnosticError as e:  # an unplanned function: the emitter / allocator say what is missing
        raise ReportError(f"cannot draw the plan: {e.format()}") from None
    body = func.regions[0].blocks[0]
    returned: set[Value] = set()
    users: dict[Value, tuple[Operation, int]] = {}  # a constant's first user and operand index
    for op in body.ops:
        if isinstance(op, ReturnOp):
            returned.update(op.operands)
            continue
        for i, v in enumerate(op.operands):
            users.setdefault(v, (op, i))
    plan_step_of_value: dict[Value, int] = {}
    for t, op in enumerate(plan.steps):
        for r in op.results:
            plan_step_of_value[r] = t

    boxes: list[BufferBox] = []
    for s in slots:
        if s.kind == "value":
            v = s.values[0]
            owner = getattr(v, "op", None)
            place = places[v]
            if owner is None:  # a function argument
                kind, label = "input", "input"
                size = int_attr(list(func.attributes["dory.arg_alloc"].values)[v.index].as_dict(), "size", func)  # type: ignore[attr-defined,union-attr]
            elif isinstance(owner, dory.WeightsOp):
                kind, label = "weights", loc_name(owner)
                if v in users:
                    user, i = users[v]
                    label = f"{_OPERAND_ROLES.get(i, 'constant')} of {loc_name(user)}"
                size = int_attr(alloc_attrs(owner), "size", owner)
            else:
                kind = "output" if any(a in returned for a in s.values) else "activation"
                label = loc_name(owner)
                size = int_attr(alloc_attrs(owner), "size", owner)
            boxes.append(BufferBox(label, kind, place.mem, place.offset, size, s.start, s.end))
        else:
            assert s.op is not None
            d = alloc_attrs(s.op, s.kind)
            level = 3 if s.level == "l3" else 2
            boxes.append(BufferBox(f"{s.kind} of {loc_name(s.op)}", s.kind, level,
                                   int_attr(d, "offset", s.op), int_attr(d, "size", s.op), s.start, s.end))

    steps: list[StepPlan] = []
    labels = ["r"] * len(plan.steps)
    for st in net.steps:
        t = plan_step_of_value[st.value]
        labels[t] = str(st.index)
        op = plan.steps[t]
        n_tiles, tile = _tile(op)
        total, regions = _l1_regions(op)
        steps.append(StepPlan(st.index, st.name, st.op, t, st.macs, n_tiles, tile, total, regions, st.cycles))
    fa = _dict(func, "dory.alloc")
    mem = _dict(func, "dory.memory")
    return Plan(
        name=name, target=target, pipeline=pipeline,
        step_labels=tuple(labels), step_names=tuple(loc_name(op) for op in plan.steps),
        buffers=tuple(boxes), steps=tuple(steps),
        l1_budget=max([int_attr(mem, "l1_budget", func, 0)] + [s.l1_total for s in steps]),
        l2_budget=int_attr(mem, "l2_budget", func, net.l2_bytes), l3_budget=int_attr(mem, "l3_budget", func, net.l3_bytes),
        l2_peak=int_attr(fa, "l2_peak", func), l2_lower_bound=int_attr(fa, "l2_lower_bound", func, 0),
        l3_peak=int_attr(fa, "l3_peak", func, 0),
    )


# ----------------------------------------------------------------------------------------------
# A run's log
# ----------------------------------------------------------------------------------------------

# The per-step lines the apps print (backends/pulp/app.py's hook; backends/gap8/app.py's report):
#   pulp:  "%3d NAME OP  MACS MAC  CYCLES cycles  R MAC/cycle  MODELLED modelled  checksum X ok"
#   other: "%3d NAME OP  MACS MAC  MODELLED modelled  ELAPSED UNIT  checksum X ok"
_PULP_LINE = re.compile(r"^\s*(\d+)\s+(.+?)\s+(\S+)\s+(\d+) MAC\s+(\d+) cycles\s+\S+ MAC/cycle\s+(\d+) modelled\s+checksum ")
_HOST_LINE = re.compile(r"^\s*(\d+)\s+(.+?)\s+(\S+)\s+(\d+) MAC\s+(\d+) modelled\s+(\d+) (\S+)\s+checksum ")
_HEADER = re.compile(r"^dory: (.+): (\d+) steps, ")


@dataclass(frozen=True)
class LoggedStep:
    """One step line of a run's log."""

    index: int
    name: str
    op: str
    macs: int
    elapsed: int
    unit: str


@dataclass(frozen=True)
class RunLog:
    """The steps a run printed and the step count of its header line (when present)."""

    steps: tuple[LoggedStep, ...]
    declared_steps: int | None


def parse_run_log(text: str, path: str = "log") -> RunLog:
    """The per-step lines of ``make -C app run``'s output (GVSOC's pulp app or a host / rv32 /
    GAP app); a log with no step line is a `ReportError`."""
    steps: list[LoggedStep] = []
    declared: int | None = None
    for line in text.splitlines():
        h = _HEADER.match(line)
        if h and declared is None:
            declared = int(h.group(2))
            continue
        m = _PULP_LINE.match(line)
        if m:
            steps.append(LoggedStep(int(m.group(1)), m.group(2), m.group(3), int(m.group(4)), int(m.group(5)), "cycles"))
            continue
        m = _HOST_LINE.match(line)
        if m:
            steps.append(LoggedStep(int(m.group(1)), m.group(2), m.group(3), int(m.group(4)), int(m.group(6)), m.group(7)))
    if not steps:
        raise ReportError(f"--report-log '{path}': expected the per-step lines of 'make -C APP run', found none")
    return RunLog(tuple(steps), declared)


def attach_log(plan: Plan, log: RunLog, path: str = "log") -> Plan:
    """``plan`` with the measured time of every step ``log`` printed; the log must come from this
    network (same step count, names, ops and MACs), else a `ReportError` naming the first difference."""
    where = f"--report-log '{path}' does not match the network"
    if log.declared_steps is not None and log.declared_steps != len(plan.steps):
        raise ReportError(f"{where}: expected {len(plan.steps)} steps, found a run of {log.declared_steps}")
    units = {s.unit for s in log.steps}
    if len(units) > 1:
        raise ReportError(f"{where}: expected one time unit, found {', '.join(sorted(units))}")
    measured: dict[int, int] = {}
    for ls in log.steps:
        if ls.index >= len(plan.steps):
            raise ReportError(f"{where}: expected steps 0..{len(plan.steps) - 1}, found step {ls.index}")
        st = plan.steps[ls.index]
        if (ls.name, ls.op, ls.macs) != (st.name, st.op, st.macs):
            raise ReportError(f"{where}: step {ls.index} is {st.name} ({st.op}, {st.macs} MAC) in the plan, "
                              f"{ls.name} ({ls.op}, {ls.macs} MAC) in the log")
        measured[ls.index] = ls.elapsed
    steps = tuple(replace(s, measured=measured.get(s.index)) for s in plan.steps)
    return replace(plan, steps=steps, measured_unit=units.pop())


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------

_FONT = 11  # px, tick and label text
_CHAR_W = 6.2  # px, average glyph width of the text at _FONT (for column widths and legends)
_LABEL_W = 5.6  # px, average glyph width of a buffer label (10 px)


def fmt_bytes(n: int) -> str:
    """``n`` bytes for a label: B below 1 KiB, then KiB / MiB with at most one decimal."""
    if n < 1024:
        return f"{n} B"
    if n < 1024 * 1024:
        return f"{n / 1024:.1f} KiB".replace(".0 ", " ")
    return f"{n / (1024 * 1024):.2f} MiB"


def _fmt_int(n: int) -> str:
    """``n`` with thousands separators."""
    return f"{n:,}"


def _attr(**kw: object) -> str:
    """``key="value"`` pairs (``data_x`` becomes ``data-x``), values escaped."""
    return " ".join(f"{k.replace('_', '-')}={quoteattr(str(v))}" for k, v in kw.items())


def _num(x: float) -> str:
    """A coordinate for SVG: at most two decimals, no trailing zeros."""
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _fit(text: str, width: float, char_w: float = _CHAR_W) -> str:
    """``text`` cut (with an ellipsis) to about ``width`` px at ``char_w`` px per character."""
    n = int(width / char_w)
    if len(text) <= n:
        return text
    return text[: max(n - 1, 0)] + "\u2026" if n >= 3 else ""


def _legend(items: Sequence[tuple[str, str, bool]], x: float, y: float) -> str:
    """A one-row legend: (colour, label, striped) swatches from (x, y)."""
    out = []
    for colour, label, striped in items:
        fill = f"url(#stripes-{colour[1:]})" if striped else colour
        out.append(f'<rect x="{_num(x)}" y="{_num(y)}" width="14" height="12" fill="{fill}" stroke="#555" stroke-width="0.5"/>')
        out.append(f'<text x="{_num(x + 19)}" y="{_num(y + 10)}" class="legend">{escape(label)}</text>')
        x += 19 + len(label) * _CHAR_W + 18
    return "".join(out)


def _stripe_defs(colours: Iterable[str]) -> str:
    """Diagonal-stripe patterns (the pong copies): ``url(#stripes-RRGGBB)``."""
    out = []
    for c in sorted(set(colours)):
        out.append(
            f'<pattern id="stripes-{c[1:]}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">'
            f'<rect width="6" height="6" fill="{c}" fill-opacity="0.45"/><rect width="3" height="6" fill="{c}"/></pattern>')
    return "<defs>" + "".join(out) + "</defs>"


def live_bytes(plan: Plan, level: int) -> list[int]:
    """Bytes live at each plan step in memory ``level`` (the sum of the live buffers' sizes)."""
    live = [0] * len(plan.step_labels)
    for b in plan.buffers:
        if b.level == level:
            for t in range(b.start, b.end + 1):
                live[t] += b.size
    return live


@dataclass(frozen=True)
class YScale:
    """The timeline's byte offset -> y mapping: linear at ``ppb`` px per byte above ``brk``, and
    below it (where only buffers live for the whole run: weights, requant vectors, which
    ``allocate-buffers`` stacks at the bottom) at ``ppb_low`` (smaller, so the part that changes
    from step to step gets most of the height). ``brk`` = 0: one linear scale."""

    y0: float  # the y of offset 0
    brk: int
    ppb_low: float
    ppb: float

    def __call__(self, off: float) -> float:
        if off <= self.brk:
            return self.y0 - off * self.ppb_low
        return self.y0 - self.brk * self.ppb_low - (off - self.brk) * self.ppb


def _ticks(lo: int, hi: int, n: int) -> list[int]:
    """Byte offsets in ``[lo, hi]`` for axis ticks, about ``n`` of them, a power of two apart
    (memory sizes read best that way)."""
    step = 1 << max(math.ceil(math.log2(max(hi - lo, 1) / max(n, 1))), 0)
    first = -(-lo // step) * step
    return list(range(first, hi + 1, step))


def fmt_tick(n: int) -> str:
    """An axis tick's offset, exact: whole MiB, else whole KiB, else bytes."""
    if n and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n and n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} B"


def timeline_svg(plan: Plan, level: int = 2) -> str:
    """The memory timeline of level ``level`` (2 or 3) as one ``<svg>``: a ``rect.buf`` per
    buffer (``data-name/kind/offset/size/start/end``), the budget and peak lines, the bytes live
    per step. The plot area's scale is on ``g.plot`` (``data-x0``, ``data-step-w``; `YScale` as
    ``data-y0``, ``data-break``, ``data-px-per-byte-low``, ``data-px-per-byte``), so a test can
    check every rectangle's geometry."""
    bufs = [b for b in plan.buffers if b.level == level]
    n = len(plan.step_labels)
    budget = plan.l2_budget if level == 2 else plan.l3_budget
    peak = plan.l2_peak if level == 2 else plan.l3_peak
    top = max([peak] + [b.offset + b.size for b in bufs])
    # An L3 budget far above what is used would squash the picture: draw it only when in range.
    show_budget = budget <= top * 1.5
    y_top = int(max(top, budget if show_budget else 0) * 1.03) or 1
    left, right, top_m, plot_h = 78, 170, 46, (560 if level == 2 else 320)
    step_w = max(14.0, min(40.0, 1100.0 / max(n, 1)))
    plot_w = step_w * n
    names_h = 8 + max((len(s) for s in plan.step_names), default=0) * _CHAR_W * 0.8
    width = left + plot_w + right
    height = top_m + plot_h + 26 + names_h + 10
    y0 = top_m + plot_h
    changing = [b.offset for b in bufs if not (b.start == 0 and b.end == n - 1)]
    brk = min(changing) if changing else 0
    if brk > 0.3 * y_top:  # the whole-run band gets a fifth of the height
        low_h = 0.2 * plot_h
        Y = YScale(y0, brk, low_h / brk, (plot_h - low_h) / (y_top - brk))
    else:
        Y = YScale(y0, 0, plot_h / y_top, plot_h / y_top)

    o: list[str] = []
    o.append(f'<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="{_num(width)}" height="{_num(height)}" '
             f'viewBox="0 0 {_num(width)} {_num(height)}" {_attr(data_level=level)}>')
    o.append(f"<title>L{level} memory timeline of {escape(plan.name)}</title>")
    legend = [(KIND_COLOURS[k], KIND_LABELS[k], False) for k in KIND_COLOURS if any(b.kind == k for b in bufs)]
    o.append(_legend(legend, left, 10))
    # axes and grid
    o.append('<g class="axis">')
    ticks = [t for t in _ticks(0, Y.brk, 3) if t < 0.85 * Y.brk] + _ticks(Y.brk, y_top, 8) if Y.brk else _ticks(0, y_top, 8)
    for tick in ticks:
        o.append(f'<line x1="{left}" x2="{_num(left + plot_w)}" y1="{_num(Y(tick))}" y2="{_num(Y(tick))}" class="grid"/>')
        o.append(f'<text x="{left - 6}" y="{_num(Y(tick) + 4)}" text-anchor="end">{escape(fmt_tick(tick))}</text>')
    if Y.brk:
        yb = Y(Y.brk)
        o.append(f'<line x1="{left - 4}" x2="{_num(left + plot_w + 4)}" y1="{_num(yb)}" y2="{_num(yb)}" class="break"/>'
                 f'<path d="M{left - 9},{_num(yb + 5)} l10,-6 M{left - 9},{_num(yb + 9)} l10,-6" class="break"/>'
                 f'<text x="{_num(left + plot_w + 6)}" y="{_num(yb + 4)}" class="small">{escape(fmt_bytes(Y.brk))}: axis break</text>'
                 f'<text x="{_num(left + plot_w + 6)}" y="{_num(yb + 17)}" class="small">below: whole-run data,</text>'
                 f'<text x="{_num(left + plot_w + 6)}" y="{_num(yb + 30)}" class="small">scale \u00f7{Y.ppb / Y.ppb_low:.1f}</text>')
    o.append(f'<text transform="translate(14 {_num(top_m + plot_h / 2)}) rotate(-90)" text-anchor="middle" class="title">'
             f"L{level} offset</text>")
    o.append(f'<text x="{left - 6}" y="{_num(y0 + 15)}" text-anchor="end" class="title">step</text>')
    every = max(1, int(math.ceil(22 / step_w)))
    for t, (lab, nm) in enumerate(zip(plan.step_labels, plan.step_names)):
        cx = left + (t + 0.5) * step_w
        if lab != "r" and int(lab) % every == 0:
            o.append(f'<text x="{_num(cx)}" y="{_num(y0 + 15)}" text-anchor="middle">{escape(lab)}</text>')
        o.append(f'<text transform="translate({_num(cx + 3)} {_num(y0 + 24)}) rotate(-60)" text-anchor="end" class="stepname">'
                 f"<title>{escape((('step ' + lab) if lab != 'r' else 'a reshape (a view, no step of its own)') + ': ' + nm)}</title>{escape(nm)}</text>")
    o.append("</g>")
    # buffers
    o.append(f'<g class="plot" {_attr(data_x0=left, data_step_w=repr(step_w), data_y0=repr(y0), data_break=Y.brk, data_px_per_byte_low=repr(Y.ppb_low), data_px_per_byte=repr(Y.ppb))}>')
    o.append(f'<rect x="{left}" y="{top_m}" width="{_num(plot_w)}" height="{plot_h}" class="frame"/>')
    labels: list[str] = []
    for b in sorted(bufs, key=lambda b: (b.offset, b.start)):
        x = left + b.start * step_w
        w = (b.end - b.start + 1) * step_w
        y = Y(b.offset + b.size)
        h = Y(b.offset) - y
        first, last = plan.step_names[b.start], plan.step_names[b.end]
        tip = (f"{b.name} ({KIND_LABELS[b.kind]})\noffset {_fmt_int(b.offset)}, size {_fmt_int(b.size)} B ({fmt_bytes(b.size)})\n"
               f"live over plan steps {b.start}..{b.end} ({first} .. {last})")
        o.append(f'<rect class="buf" x="{_num(x)}" y="{_num(y)}" width="{_num(w)}" height="{_num(h)}" fill="{KIND_COLOURS[b.kind]}" '
                 f'{_attr(data_name=b.name, data_kind=b.kind, data_offset=b.offset, data_size=b.size, data_start=b.start, data_end=b.end)}>'
                 f"<title>{escape(tip)}</title></rect>")
        need = len(b.name) * _LABEL_W + 6
        if h >= 12 and w >= min(need, 9 * _LABEL_W):  # horizontal, cut to the width
            labels.append(f'<text x="{_num(x + 3)}" y="{_num(y + min(h, 24) / 2 + 4)}" class="buflabel">{escape(_fit(b.name, w - 6, _LABEL_W))}</text>')
        elif w >= 12 and h >= min(need, 9 * _LABEL_W):  # tall and narrow: upright text
            cx, cy = x + w / 2 + 3.5, y + h - 3
            labels.append(f'<text transform="translate({_num(cx)} {_num(cy)}) rotate(-90)" class="buflabel">{escape(_fit(b.name, h - 6, _LABEL_W))}</text>')
    o += labels  # after every rectangle, so no later rectangle covers a label
    # bytes live per step (the lower bound is its maximum): the gap up to the buffers is fragmentation
    live = live_bytes(plan, level)
    pts = []
    for t, v in enumerate(live):
        pts += [f"{_num(left + t * step_w)},{_num(Y(v))}", f"{_num(left + (t + 1) * step_w)},{_num(Y(v))}"]
    o.append(f'<polyline class="live" points="{" ".join(pts)}"><title>bytes live per step (max {_fmt_int(max(live, default=0))})</title></polyline>')
    o.append("</g>")
    # budget and peak
    lines = [("peak", peak, f"peak {_fmt_int(peak)} B")]
    if show_budget:
        lines.append(("budget", budget, f"budget {_fmt_int(budget)} B"))
    last_y = None
    for cls, v, text in sorted(lines, key=lambda l: l[1]):
        y = Y(v)
        o.append(f'<line class="{cls}" x1="{left}" x2="{_num(left + plot_w)}" y1="{_num(y)}" y2="{_num(y)}">'
                 f"<title>{cls} {_fmt_int(v)} B ({escape(fmt_bytes(v))})</title></line>")
        ty = y + 4 if last_y is None or abs(last_y - (y + 4)) > 13 else last_y - 13
        o.append(f'<text x="{_num(left + plot_w + 6)}" y="{_num(ty)}" class="{cls}-label">{escape(text)}</text>')
        last_y = ty
    if not show_budget:  # off the scale: say so at the top instead of squashing the picture
        o.append(f'<text x="{_num(left + plot_w + 6)}" y="{top_m + 4}" class="budget-label">budget {_fmt_int(budget)} B \u2191'
                 f"<title>the budget is off this scale: the peak uses {100.0 * peak / budget:.1f} % of it</title></text>")
    o.append("</svg>")
    return "\n".join(o)


def layers_svg(plan: Plan) -> str:
    """Per executed step one row (``g.step``, ``data-index``): name and op, the tile and tile
    count, the L1 layout as a bar of ``rect.l1`` regions (``data-role/copy/offset/size``) on a
    common 0..L1-budget scale, and the modelled (and measured) cycles as bars."""
    steps = plan.steps
    row_h = 20
    name_w = max([12.0] + [len(s.name) * _CHAR_W * 1.08 for s in steps]) + 16
    col_idx, col_name = 8, 36
    col_op = col_name + name_w
    col_tile = col_op + 82
    col_l1 = col_tile + 190
    l1_w = 430
    col_cyc = col_l1 + l1_w + 70
    cyc_w = 330
    width = col_cyc + cyc_w + 120
    head = 70
    height = head + row_h * len(steps) + 36
    l1_ppb = l1_w / max(plan.l1_budget, 1)
    has_measured = any(s.measured is not None for s in steps)
    cycles_unit = plan.measured_unit in ("", "cycles")
    cmax = max([s.modelled for s in steps] + [s.measured or 0 for s in steps if cycles_unit] + [1])
    mmax = max([s.measured or 0 for s in steps] + [1])
    o: list[str] = []
    o.append(f'<svg xmlns="http://www.w3.org/2000/svg" class="layers" width="{_num(width)}" height="{_num(height)}" '
             f'viewBox="0 0 {_num(width)} {_num(height)}" {_attr(data_l1_budget=plan.l1_budget)}>')
    o.append(f"<title>Layers of {escape(plan.name)}: tiles, L1 layout, cycles</title>")
    o.append(_stripe_defs(ROLE_COLOURS.values()))
    legend = [(c, r, False) for r, c in ROLE_COLOURS.items()] + [(ROLE_COLOURS["input"], "pong copy", True)]
    o.append(_legend(legend, col_l1, 8))
    cyc_legend = [(MODELLED_COLOUR, "modelled", False)]
    if has_measured:
        cyc_legend.append((MEASURED_COLOUR, f"measured ({plan.measured_unit})", False))
    o.append(_legend(cyc_legend, col_cyc, 28))
    hy = head - 10
    o.append(f'<g class="head"><text x="{col_idx}" y="{hy}">#</text><text x="{col_name}" y="{hy}">layer</text>'
             f'<text x="{_num(col_op)}" y="{hy}">op</text><text x="{_num(col_tile)}" y="{hy}">tile c_out\u00d7h_out\u00d7w_out\u00d7c_in</text>'
             f'<text x="{_num(col_l1)}" y="{hy}">L1 layout (0 .. {escape(fmt_bytes(plan.l1_budget))} budget)</text>'
             f'<text x="{_num(col_cyc)}" y="{hy}">cycles</text></g>')
    for i, s in enumerate(steps):
        y = head + i * row_h
        o.append(f'<g class="step" {_attr(data_index=s.index, data_name=s.name)}>')
        if i % 2:
            o.append(f'<rect x="0" y="{y}" width="{_num(width)}" height="{row_h}" class="band"/>')
        ty = y + row_h / 2 + 4
        tile = "\u00d7".join(str(v) for _, v in s.tile)
        tile_txt = f"{tile}, {s.n_tiles} tile{'s' if s.n_tiles != 1 else ''}" if s.tile else "copy"
        tile_tip = ", ".join(f"{k} {v}" for k, v in s.tile)
        o.append(f'<text x="{col_idx}" y="{_num(ty)}">{s.index}</text>'
                 f'<text x="{col_name}" y="{_num(ty)}">{escape(s.name)}<title>{escape(s.name)}: {s.op}, {_fmt_int(s.macs)} MAC</title></text>'
                 f'<text x="{_num(col_op)}" y="{_num(ty)}" class="op">{escape(s.op)}</text>'
                 f'<text x="{_num(col_tile)}" y="{_num(ty)}" class="tile">{escape(tile_txt)}'
                 f"<title>{escape(tile_tip or 'concat: a copy step, no tile')}</title></text>")
        # L1 bar
        o.append(f'<rect x="{_num(col_l1)}" y="{y + 3}" width="{l1_w}" height="{row_h - 6}" class="l1frame"/>')
        for r in s.regions:
            if r.size <= 0:
                continue
            colour = ROLE_COLOURS[r.role]
            fill = f"url(#stripes-{colour[1:]})" if r.copy == "pong" else colour
            tip = f"{s.name}: {r.role}{' ' + r.copy if r.copy else ''}, L1 offset {_fmt_int(r.offset)}, {_fmt_int(r.size)} B"
            o.append(f'<rect class="l1" x="{_num(col_l1 + r.offset * l1_ppb)}" y="{y + 3}" width="{_num(r.size * l1_ppb)}" '
                     f'height="{row_h - 6}" fill="{fill}" '
                     f'{_attr(data_role=r.role, data_copy=r.copy, data_offset=r.offset, data_size=r.size)}><title>{escape(tip)}</title></rect>')
        if s.l1_total:
            o.append(f'<text x="{_num(col_l1 + l1_w + 4)}" y="{_num(ty)}" class="small">{escape(fmt_bytes(s.l1_total))}</text>')
        # cycles bars: modelled on top, measured below (same scale when both are cycles)
        bars = [("modelled", s.modelled, MODELLED_COLOUR, cmax)]
        if has_measured:
            bars.append(("measured", s.measured, MEASURED_COLOUR, cmax if cycles_unit else mmax))
        bh = (row_h - 6) / len(bars)
        for j, (what, v, colour, vmax) in enumerate(bars):
            if v is None:
                continue
            by = y + 3 + j * bh
            bw = max(v / vmax * cyc_w, 0.5)
            unit = "cycles" if what == "modelled" else plan.measured_unit
            tip = f"{s.name}: {what} {_fmt_int(v)} {unit}"
            if what == "measured" and cycles_unit and s.modelled:
                tip += f" (model {100.0 * (s.modelled - v) / v:+.0f} %)" if v else ""
            o.append(f'<rect class="cyc {what}" x="{_num(col_cyc)}" y="{_num(by)}" width="{_num(bw)}" height="{_num(bh)}" '
                     f'fill="{colour}" {_attr(data_value=v)}><title>{escape(tip)}</title></rect>')
        vals = f"{_fmt_int(s.modelled)}" + (f" / {_fmt_int(s.measured)}" if s.measured is not None else "")
        o.append(f'<text x="{_num(col_cyc + cyc_w + 6)}" y="{_num(ty)}" class="small">{vals}</text>')
        o.append("</g>")
    fy = head + row_h * len(steps) + 22
    tot_m = sum(s.modelled for s in steps)
    total = f"total modelled {_fmt_int(tot_m)} cycles"
    if has_measured:
        total += f", measured {_fmt_int(sum(s.measured or 0 for s in steps))} {plan.measured_unit}"
    o.append(f'<text x="{_num(col_cyc)}" y="{fy}" class="title">{escape(total)}</text>')
    o.append("</svg>")
    return "\n".join(o)


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 24px 32px; color: #222; background: #fff; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 6px; }
p.summary { margin: 4px 0 12px; color: #444; } p.note { color: #666; font-size: 13px; max-width: 70em; }
table.facts { border-collapse: collapse; font-size: 13px; } table.facts td { padding: 2px 14px 2px 0; }
table.facts td.k { color: #666; }
.fig { overflow-x: auto; border: 1px solid #ddd; border-radius: 4px; padding: 6px; background: #fcfcfc; }
svg text { font-size: 11px; fill: #333; }
svg text.legend { font-size: 12px; } svg text.title { font-size: 12px; font-weight: 600; }
svg text.stepname { font-size: 9.5px; fill: #555; } svg text.small { font-size: 10px; fill: #555; }
svg text.buflabel { font-size: 10px; fill: #111; pointer-events: none; }
svg text.op { fill: #666; } svg text.tile { font-variant-numeric: tabular-nums; }
svg .grid { stroke: #e6e6e6; stroke-width: 1; } svg .frame { fill: none; stroke: #999; }
svg rect.buf { stroke: #fff; stroke-width: 0.6; fill-opacity: 0.9; }
svg rect.buf:hover, svg rect.l1:hover, svg rect.cyc:hover { stroke: #000; stroke-width: 1.5; fill-opacity: 1; }
svg rect.l1 { stroke: #fff; stroke-width: 0.5; } svg rect.l1frame { fill: #f3f3f3; stroke: #bbb; stroke-width: 0.5; }
svg rect.band { fill: #f5f7fa; } svg g.step:hover rect.band { fill: #e8eef7; }
svg .break { stroke: #777; stroke-width: 1; fill: none; stroke-dasharray: 2 2; }
svg polyline.live { fill: none; stroke: #333; stroke-width: 1.2; stroke-dasharray: 3 2; }
svg line.budget { stroke: #d62728; stroke-width: 1.6; stroke-dasharray: 6 3; } svg text.budget-label { fill: #d62728; font-weight: 600; }
svg line.peak { stroke: #222; stroke-width: 1.2; } svg text.peak-label { fill: #222; font-weight: 600; }
"""


def render_html(plan: Plan) -> str:
    """The whole report: a heading with the plan's figures, the L2 (and L3) timelines, the layers."""
    mod = sum(s.modelled for s in plan.steps)
    macs = sum(s.macs for s in plan.steps)
    n_l3 = sum(1 for b in plan.buffers if b.level == 3)
    facts = [
        ("target / pipeline", f"{plan.target} / {plan.pipeline}"),
        ("steps", f"{len(plan.steps)} executed ({len(plan.step_labels)} in the plan, reshapes are views)"),
        ("L1", f"budget {fmt_bytes(plan.l1_budget)}, most used {fmt_bytes(max([s.l1_total for s in plan.steps] + [0]))}"),
        ("L2", f"peak {_fmt_int(plan.l2_peak)} B ({fmt_bytes(plan.l2_peak)}) of the {_fmt_int(plan.l2_budget)} B budget; "
               f"lower bound {_fmt_int(plan.l2_lower_bound)} B (fragmentation {_fmt_int(plan.l2_peak - plan.l2_lower_bound)} B)"),
        ("L3", f"peak {_fmt_int(plan.l3_peak)} B ({fmt_bytes(plan.l3_peak)}), {n_l3} buffers" if n_l3 else "not used"),
        ("modelled", f"{_fmt_int(mod)} cycles, {_fmt_int(macs)} MAC" + (f", {macs / mod:.2f} MAC/cycle" if mod else "")),
    ]
    if any(s.measured is not None for s in plan.steps):
        meas = sum(s.measured or 0 for s in plan.steps)
        extra = f", {macs / meas:.2f} MAC/cycle" if plan.measured_unit == "cycles" and meas else ""
        facts.append(("measured", f"{_fmt_int(meas)} {plan.measured_unit}{extra}"))
    rows = "".join(f'<tr><td class="k">{escape(k)}</td><td>{escape(v)}</td></tr>' for k, v in facts)
    parts = [
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"/>',
        f"<title>dory plan: {escape(plan.name)}</title><style>{_CSS}</style></head><body>",
        f"<h1>Memory plan of {escape(plan.name)}</h1>",
        f'<table class="facts">{rows}</table>',
        "<h2>L2 memory timeline</h2>",
        '<p class="note">Each rectangle is one buffer at its offset, over the steps it is live. '
        "Weights and requant vectors live for the whole run and sit at the bottom; the dashed line is the "
        "bytes live at each step (its maximum is the lower bound). Hover a shape for its name, offset, size and live range.</p>",
        f'<div class="fig">{timeline_svg(plan, 2)}</div>',
    ]
    if n_l3:
        parts += ["<h2>L3 memory timeline</h2>", f'<div class="fig">{timeline_svg(plan, 3)}</div>']
    parts += [
        "<h2>Layers: tiles, L1 layout, cycles</h2>",
        '<p class="note">Per step: the L1 tile the tiler chose and the number of tiles, the L1 buffers at their offsets '
        "(striped: the pong copy of a double-buffered buffer), and the modelled cycles"
        + (" beside the measured ones" if any(s.measured is not None for s in plan.steps) else "") + ".</p>",
        f'<div class="fig">{layers_svg(plan)}</div>',
        '<p class="note">Generated by dory-compile --report from the planned IR (dory.alloc, dory.l1, dory.tile).</p>',
        "</body></html>\n",
    ]
    return "\n".join(parts)


def check_writable(path: str) -> None:
    """Fail early (`ReportError`) when ``path`` cannot be written: its folder is missing or not
    writable, or it names a folder."""
    folder = os.path.dirname(os.path.abspath(path))
    if os.path.isdir(path):
        raise ReportError(f"--report expected a file to write, found the directory '{path}'")
    if not os.path.isdir(folder):
        raise ReportError(f"--report cannot write '{path}': no such directory '{folder}'")
    if not os.access(folder, os.W_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise ReportError(f"--report cannot write '{path}': permission denied")


def write_report(path: str, plan: Plan) -> None:
    """Write ``render_html(plan)`` to ``path`` (a `ReportError` when it cannot be written)."""
    text = render_html(plan)
    try:
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
    except OSError as e:
        raise ReportError(f"--report cannot write '{path}': {e.strerror or e}") from None


__all__ = [
    "BufferBox", "L1Region", "StepPlan", "Plan", "ReportError", "LoggedStep", "RunLog",
    "build_plan", "parse_run_log", "attach_log", "timeline_svg", "layers_svg", "render_html",
    "check_writable", "write_report", "live_bytes", "fmt_bytes", "KIND_COLOURS", "ROLE_COLOURS",
]
