"""``dory-compile --report``'s picture (driver/report.py) against the plan it draws.

The SVG is parsed (xml.etree) and every rectangle checked against facts the test reads from the
planned IR itself, by its own walk: each buffer's offset and size (``dory.alloc`` /
``dory.arg_alloc``), its live range (recomputed here from the uses, independently of
``allocate-buffers``' liveness model), its geometry on the drawn scale, that no two buffers
live at one step overlap (in bytes and in pixels), and each layer's L1 bars against ``dory.l1``
and its tile text against ``dory.tile``. Then the run-log parser and its mismatch errors, and
the command line's errors.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from dory.backends.gap8.app import default_pipeline
from dory.backends.gap8.emit import EmittedNetwork, emit_network
from dory.dory_ir.attributes import ArrayAttr, DictAttr
from dory.dory_ir.core import Operation, Value
from dory.dory_ir.dialects import dory
from dory.dory_ir.dialects.func import ReturnOp
from dory.dory_ir.interp.interpreter import find_function
from dory.driver.report import (Plan, ReportError, attach_log, build_plan, layers_svg, parse_run_log, render_html,
                           timeline_svg)
from dory.passes.base import PassContext
from dory.passes.manager import PassManager
from dory.passes.pipeline import parse_pipeline

SVG = "{http://www.w3.org/2000/svg}"


def _planned(tmp_path_factory: pytest.TempPathFactory, network: str, target: str) -> tuple[Operation, EmittedNetwork, Plan]:
    import onnx

    from dory.driver.netgen import NETWORKS
    from dory.frontend.onnx_import import import_onnx

    path = tmp_path_factory.mktemp("report") / f"{network}.onnx"
    onnx.save(NETWORKS[network](0, "nemo")[0], str(path))
    module = import_onnx(str(path), warn=lambda m: None)
    pipeline = default_pipeline(target)
    PassManager(parse_pipeline(pipeline), verify_each=False).run(PassContext(), module)
    func = find_function(module)
    net = emit_network(module)
    return func, net, build_plan(func, net, network, target, pipeline)


# MobileNetV2 on pulp has every buffer kind (L3 weights, staging areas, requant vectors); DroNet
# on the host target is the small gap8-default plan.
CASES = [("mobilenet_v2_1.0_128", "pulp"), ("dronet", "host")]


@pytest.fixture(scope="module", params=CASES, ids=[f"{n}-{t}" for n, t in CASES])
def planned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Operation, EmittedNetwork, Plan]:
    return _planned(tmp_path_factory, *request.param)


def _ir_buffers(func: Operation) -> list[tuple[int, int, int, int, int]]:
    """(level, offset, size, first step, last step) of every L2/L3 buffer, read straight from the
    IR: the step numbering is the body's ops without constants and the return; a value lives from
    its definition to its last use (a reshape's result is its input's buffer)."""
    body = func.regions[0].blocks[0]
    steps = [op for op in body.ops if not isinstance(op, (dory.WeightsOp, ReturnOp)) and op.op_name != "qnn.constant"]
    last = len(steps) - 1
    step_of = {id(op): t for t, op in enumerate(steps)}
    root: dict[Value, Value] = {}
    live: dict[Value, list[int]] = {}
    for a in body.args:
        root[a] = a
        live[a] = [0, 0]
    for op in body.ops:
        if isinstance(op, dory.WeightsOp):
            root[op.results[0]] = op.results[0]
            live[op.results[0]] = [0, last]
            continue
        if isinstance(op, ReturnOp):
            for v in op.operands:
                live[root[v]][1] = last
            continue
        t = step_of[id(op)]
        for v in op.operands:
            r = root[v]
            live[r][1] = max(live[r][1], t)
        for res in op.results:
            if isinstance(op, dory.ReshapeOp):
                root[res] = root[op.operands[0]]
            else:
                root[res] = res
                live[res] = [t, t]

    def level(v: Value) -> int:
        return 3 if v.type.memory_space.name == "l3" else 2  # type: ignore[attr-defined]

    out = []
    arg_alloc = func.attributes["dory.arg_alloc"]
    assert isinstance(arg_alloc, ArrayAttr)
    for v, (a, b) in live.items():
        owner = getattr(v, "op", None)
        d = (arg_alloc.values[v.index] if owner is None else owner.attributes["dory.alloc"]).as_dict()  # type: ignore[attr-defined]
        out.append((level(v), int(d["offset"].value), int(d["size"].value), a, b))
    for t, op in enumerate(steps):
        alloc = op.attributes.get("dory.alloc")
        if not isinstance(alloc, DictAttr):
            continue
        mem = op.attributes.get("dory.memory")
        l3 = mem.as_dict().get("l3") if isinstance(mem, DictAttr) else None
        l3roles = [s.value for s in l3.values] if isinstance(l3, ArrayAttr) else []  # type: ignore[attr-defined]
        for key in ("requant", "staging"):
            sub = alloc.as_dict().get(key)
            if isinstance(sub, DictAttr):
                d = sub.as_dict()
                lvl = 3 if key == "requant" and "requant" in l3roles else 2
                span = (0, last) if key == "requant" else (t, t)
                out.append((lvl, int(d["offset"].value), int(d["size"].value), *span))  # type: ignore[attr-defined]
    return sorted(out)


def _svgs(html: str) -> list[ET.Element]:
    return [ET.fromstring(m.group(0)) for m in re.finditer(r"<svg\b.*?</svg>", html, re.S)]


def _rect_data(r: ET.Element) -> tuple[int, int, int, int]:
    return int(r.get("data-offset", "")), int(r.get("data-size", "")), int(r.get("data-start", "")), int(r.get("data-end", ""))


def test_timeline_rectangles_are_the_plan(planned: tuple[Operation, EmittedNetwork, Plan]) -> None:
    func, net, plan = planned
    expected = _ir_buffers(func)
    drawn = []
    levels = sorted({lvl for lvl, *_ in expected})
    for level in levels:
        svg = ET.fromstring(timeline_svg(plan, level))
        assert svg.get("data-level") == str(level)
        plot = svg.find(f".//{SVG}g[@class='plot']")
        assert plot is not None
        x0, step_w, y0 = float(plot.get("data-x0", "")), float(plot.get("data-step-w", "")), float(plot.get("data-y0", ""))
        brk, low, ppb = int(plot.get("data-break", "")), float(plot.get("data-px-per-byte-low", "")), float(plot.get("data-px-per-byte", ""))

        def Y(off: int) -> float:
            return y0 - off * low if off <= brk else y0 - brk * low - (off - brk) * ppb

        rects = plot.findall(f"{SVG}rect[@class='buf']")
        boxes = []
        for r in rects:
            off, size, a, b = _rect_data(r)
            drawn.append((level, off, size, a, b))
            x, y, w, h = (float(r.get(k, "")) for k in ("x", "y", "width", "height"))
            # geometry: the rectangle is the buffer on the drawn scale (2-decimal rounding)
            assert x == pytest.approx(x0 + a * step_w, abs=0.01)
            assert w == pytest.approx((b - a + 1) * step_w, abs=0.01)
            assert y == pytest.approx(Y(off + size), abs=0.01)
            assert h == pytest.approx(Y(off) - Y(off + size), abs=0.02)
            title = r.find(f"{SVG}title")
            assert title is not None and f"offset {off:,}, size {size:,} B" in (title.text or "")
            boxes.append((off, size, a, b, x, y, w, h, r.get("data-name")))
        # no two buffers live at one step share a byte, nor a pixel of the picture
        for i, (o1, s1, a1, b1, x1, y1, w1, h1, n1) in enumerate(boxes):
            for o2, s2, a2, b2, x2, y2, w2, h2, n2 in boxes[i + 1:]:
                if a1 <= b2 and a2 <= b1 and s1 and s2:
                    assert o1 + s1 <= o2 or o2 + s2 <= o1, f"{n1} and {n2} overlap in L{level}"
                    ix = min(x1 + w1, x2 + w2) - max(x1, x2)
                    iy = min(y1 + h1, y2 + h2) - max(y1, y2)
                    assert ix <= 0.02 or iy <= 0.02, f"{n1} and {n2} overlap in the picture"
        # the peak line is the IR's l2_peak / l3_peak
        peak = svg.find(f".//{SVG}line[@class='peak']")
        assert peak is not None
        want = plan.l2_peak if level == 2 else plan.l3_peak
        assert float(peak.get("y1", "")) == pytest.approx(Y(want), abs=0.01)
    assert sorted(drawn) == expected
    fa = func.attributes["dory.alloc"].as_dict()  # type: ignore[union-attr]
    assert plan.l2_peak == int(fa["l2_peak"].value) == max(o + s for lvl, o, s, *_ in expected if lvl == 2)  # type: ignore[attr-defined]


def test_layer_rows_are_the_l1_layout_and_tiles(planned: tuple[Operation, EmittedNetwork, Plan]) -> None:
    func, net, plan = planned
    svg = ET.fromstring(layers_svg(plan))
    rows = svg.findall(f"{SVG}g[@class='step']")
    assert [int(g.get("data-index", "")) for g in rows] == [s.index for s in net.steps]
    ops = {st.name: op for op in func.regions[0].blocks[0].ops for st in net.steps if op.results and op.results[0] is st.value}
    l1_budget = int(svg.get("data-l1-budget", ""))
    for g, st in zip(rows, net.steps):
        op = ops[st.name]
        regions = [(r.get("data-role"), r.get("data-copy"), int(r.get("data-offset", "")), int(r.get("data-size", "")))
                   for r in g.findall(f"{SVG}rect[@class='l1']")]
        la = op.attributes.get("dory.l1")
        if not isinstance(la, DictAttr):
            assert not regions
            continue
        d = la.as_dict()
        total = int(d["total"].value)  # type: ignore[attr-defined]
        assert total <= l1_budget
        for role in ("input", "weight", "output"):
            ping, pong = (int(v.value) for v in d[role].values)  # type: ignore[attr-defined]
            mine = {(c, o) for rl, c, o, s in regions if rl == role}
            if ping == pong:
                assert mine <= {("", ping)}
            else:
                assert ("ping", ping) in mine and ("pong", pong) in mine
        # the bars tile [0, total) without overlap, ending where dory.l1 says
        spans = sorted((o, o + s) for *_, o, s in regions)
        for (a, b), (c, _) in zip(spans, spans[1:]):
            assert b <= c
        assert spans[-1][1] == total
        assert sum(s for *_, s in regions) <= total
        tile = op.attributes["dory.tile"].as_dict()  # type: ignore[union-attr]
        l1 = tile["l1"].as_dict()  # type: ignore[attr-defined]
        text = "".join(g.find(f"{SVG}text[@class='tile']").itertext())  # type: ignore[union-attr]
        sizes = "\u00d7".join(str(int(l1[k].value)) for k in ("c_out", "h_out", "w_out", "c_in"))  # type: ignore[attr-defined]
        n = int(tile["n_tiles"].value)  # type: ignore[attr-defined]
        assert text.startswith(f"{sizes}, {n} tile")
        bar = g.find(f"{SVG}rect[@class='cyc modelled']")
        assert bar is not None and int(bar.get("data-value", "")) == int(tile["cycles"].value) == st.cycles  # type: ignore[attr-defined]


def test_html_is_self_contained(planned: tuple[Operation, EmittedNetwork, Plan]) -> None:
    _, _, plan = planned
    html = render_html(plan)
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    svgs = _svgs(html)
    assert [s.get("class") for s in svgs] == ["timeline"] + (["timeline"] if any(b.level == 3 for b in plan.buffers) else []) + ["layers"]


def _pulp_log(plan: Plan, cycles: list[int], steps: int | None = None) -> str:
    """What backends/pulp/app.py's main prints (the lines the parser reads and a few it skips)."""
    lines = [f"dory: {plan.name}: {steps if steps is not None else len(plan.steps)} steps, L1 1 B, L2 2 B, L3 4 B (in L2); pulp-open, 8 cores"]
    for s, c in zip(plan.steps, cycles):
        lines.append(f"{s.index:3d} {s.name:<28} {s.op:<9} {s.macs:10d} MAC {c:10d} cycles   1.00 MAC/cycle {s.modelled:10d} modelled  checksum 0badf00d ok")
        lines.append("    busy/ld-stall/I$-miss per core (outside the barrier): 1/2/3; core 0: DMA wait 4, barrier 5")
    lines.append("dory: total: 1 cycles, 1 MAC, 1.00 MAC/cycle")
    return "\n".join(lines) + "\n"


def test_run_log_measured_cycles(planned: tuple[Operation, EmittedNetwork, Plan]) -> None:
    _, _, plan = planned
    cycles = [1000 + 7 * i for i in range(len(plan.steps))]
    with_log = attach_log(plan, parse_run_log(_pulp_log(plan, cycles)))
    assert [s.measured for s in with_log.steps] == cycles and with_log.measured_unit == "cycles"
    svg = ET.fromstring(layers_svg(with_log))
    got = [int(r.get("data-value", "")) for r in svg.iter(f"{SVG}rect") if r.get("class") == "cyc measured"]
    assert got == cycles
    # the host app's lines (backends/gap8/app.py's report): time in the port's unit
    host = "\n".join(f"{s.index:3d} {s.name:<28} {s.op:<9} {s.macs:10d} MAC {s.modelled:9d} modelled  {c:10d} ns     checksum 00000000 ok"
                     for s, c in zip(plan.steps, cycles))
    with_host = attach_log(plan, parse_run_log(host))
    assert [s.measured for s in with_host.steps] == cycles and with_host.measured_unit == "ns"


def test_run_log_of_another_network_is_one_clear_error(planned: tuple[Operation, EmittedNetwork, Plan]) -> None:
    _, _, plan = planned
    cycles = [1] * len(plan.steps)
    with pytest.raises(ReportError, match=r"^--report-log 'log' does not match the network: expected \d+ steps, found a run of 3$"):
        attach_log(plan, parse_run_log(_pulp_log(plan, cycles, steps=3)))
    renamed = _pulp_log(plan, cycles).replace(f" {plan.steps[1].name} ", " Conv_999999 ", 1)
    with pytest.raises(ReportError, match=rf"^--report-log 'log' does not match the network: step 1 is {plan.steps[1].name} .* Conv_999999 "):
        attach_log(plan, parse_run_log(renamed))
    with pytest.raises(ReportError, match=r"expected the per-step lines of 'make -C APP run', found none"):
        parse_run_log("hello\n")


def test_command_line_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import onnx

    from dory.driver.compile import main
    from dory.driver.netgen import NETWORKS

    model = tmp_path / "dronet.onnx"
    onnx.save(NETWORKS["dronet"](0, "nemo")[0], str(model))
    assert main([str(model), "-o", str(tmp_path / "a"), "-q", "--report", str(tmp_path / "no" / "r.html")]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"dory-compile: error: --report cannot write '{tmp_path / 'no' / 'r.html'}': no such directory '{tmp_path / 'no'}'"]
    assert not (tmp_path / "a").exists()
    assert main([str(model), "-o", str(tmp_path / "a"), "-q", "--report-log", str(model)]) == 1
    assert capsys.readouterr().err.strip() == "dory-compile: error: --report-log needs --report FILE.html"
