"""End to end on GVSOC's pulp-open cluster (runtime/port/pulp, ``--target pulp``): a shared network
planned with ``pulp-default``, cross-built with Debian's riscv gcc (``make app.elf``) and run on
GVSOC (``make run GVSOC=<install>``): every step's checksum ok, the per-step cycles, MAC/cycle and
per-core counts, the total line, each cluster core's stack peak (within link.ld's stacks and within
tests/stack_depth.py's static bound), exit 0; and the same app with one expected checksum corrupted
reports MISMATCH and exits non-zero. Planned once more with a 120000-byte L2 budget, activations
go to L3 (the port's L2 stand-in for the board's HyperRAM) and the run is still bit-exact. Planned
with a 60000-byte L2 budget, weights go to L3 too, and built with ``L3=hyper`` (L3 on the board's
HyperRAM through the uDMA, the weights blob read from the host file at boot, not in the ELF) the run
is bit-exact, reporting the HyperRAM traffic of the steps that touch L3. Planned
single buffered (``tile{buffering=single}``: every layer of several tiles with one copy of each L1
buffer, runtime/src/layer.c's serial path) the run is bit-exact and the model's serial cycles of
those layers are within the bench's 25 % of GVSOC's. Built
with ``XPULP=0`` (the portable SIMD macros instead of Xpulpv2 ``pv.sdot*.b``) the same app is
bit-exact too, its ELF holds none of the dot-product words the default build holds, and it takes
more cycles.

Skipped, with the reason in the final summary, without GVSOC (tests/gvsoc.py says where it is
looked up) or without the cross compiler."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from shared_models import NETWORKS, load, requires_shared, run_pipeline
from dory.backends.target import planning_pipeline

gvsoc = pytest.importorskip("gvsoc", reason="tests/gvsoc.py (the GVSOC lookup helper) is not in this tree")

pytestmark = [pytest.mark.slow, requires_shared, gvsoc.requires_gvsoc, gvsoc.requires_rvcc]

# The smallest shared network that exercises conv, add and linear steps (~10 s on GVSOC).
NETWORK = "nemo_Residual_connection_test_1"

_STEP = re.compile(r"^\s*(\d+) (\S+)\s+(\S+)\s+(\d+) MAC\s+(\d+) cycles\s+(\d+\.\d\d) MAC/cycle\s+(\d+) modelled  "
                   r"checksum ([0-9a-f]{8}) (ok|MISMATCH)$", re.M)
_CORES = re.compile(r"^    busy/ld-stall/I\$-miss per core \(outside the barrier\):((?: \d+/\d+/\d+){8}); "
                    r"core 0: DMA wait \d+, barrier \d+$", re.M)
_TOTAL = re.compile(r"^dory: total: (\d+) cycles, (\d+) MAC, (\d+\.\d\d) MAC/cycle$", re.M)
_STACKS = re.compile(r"^dory: stack peak per cluster core \(bytes of link.ld's\):((?: \d+/\d+){8})$", re.M)


# pulp-default with an L2 budget small enough to put activations in L3.
_L3_PLAN = planning_pipeline("pulp", l2=120000)
# ... and one small enough to put weights in L3 too (25008 of the 32496 weight bytes).
_L3_WEIGHTS_PLAN = planning_pipeline("pulp", l2=60000)
_L3_LINE = re.compile(r"^    L3 \(HyperRAM\): (\d+) B read in (\d+) transfers, (\d+) B written in (\d+), (\d+) cycles$", re.M)


def _app(tmp: Path, pipeline: str = "pulp-default") -> tuple[Path, int]:
    """The pulp app of NETWORK planned with ``pipeline`` in tmp/app, built; returns its directory
    and step count."""
    from dory.backends.gap8.app import app_files, expected_outputs, write_app
    from dory.backends.gap8.emit import emit_network

    net_ = load(NETWORK)
    run_pipeline(net_.module, pipeline, verify_each=False)
    net = emit_network(net_.module)
    expected, output = expected_outputs(net_.module, net_.inputs, net)
    app = tmp / "app"
    write_app(str(app), app_files(net, net_.inputs[0], expected, output, "pulp", NETWORK))
    b = subprocess.run(["make", "-s", "-C", str(app), "app.elf"], capture_output=True, text=True)
    assert b.returncode == 0, b.stdout + b.stderr
    return app, len(net.steps)


def _run(app: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", "-s", "-C", str(app), "run", f"GVSOC={gvsoc.gvsoc_install()}", *args],
                          capture_output=True, text=True, timeout=900)


# pv.sdotsp.b / pv.sdotusp.b (runtime/include/dory/simd.h): funct7 0x5c / 0x54, funct3 1, opcode
# 0x57; the mask keeps those fields.
_SDOT_MASK, _SDOT_WORDS = 0xFE00707F, {0x5C << 25 | 1 << 12 | 0x57, 0x54 << 25 | 1 << 12 | 0x57}


def _sdot_count(elf: Path) -> int:
    """How many 32-bit instructions of elf's code are 8-bit sdot products (Xpulpv2)."""
    d = subprocess.run([gvsoc.RVCC.replace("gcc", "objdump"), "-d", str(elf)], capture_output=True, text=True,
                       check=True).stdout
    words = (int(w, 16) for w in re.findall(r"^\s*[0-9a-f]+:\s+([0-9a-f]{8})\s", d, re.M))
    return sum(1 for w in words if w & _SDOT_MASK in _SDOT_WORDS)


@pytest.mark.skipif(NETWORK not in NETWORKS, reason=f"{NETWORK} is not among the shared models")
def test_shared_network_runs_bit_exact_on_gvsoc(tmp_path: Path) -> None:
    app, n_steps = _app(tmp_path)
    r = _run(app)
    out = r.stdout
    assert r.returncode == 0, out[-3000:] + r.stderr[-2000:]
    steps = _STEP.findall(out)
    assert [int(s[0]) for s in steps] == list(range(n_steps)), out[-3000:]
    assert all(s[8] == "ok" for s in steps), out[-3000:]
    assert all(int(s[4]) > 0 for s in steps)
    for s in steps:  # MAC/cycle is the step's MACs over its cycles, to two decimals
        assert abs(float(s[5]) - int(s[3]) / int(s[4])) <= 0.006
    assert len(_CORES.findall(out)) == n_steps
    total = _TOTAL.search(out)
    assert total, out[-3000:]
    cycles, macs = int(total.group(1)), int(total.group(2))
    assert cycles == sum(int(s[4]) for s in steps) and macs == sum(int(s[3]) for s in steps)
    assert abs(float(total.group(3)) - macs / cycles) <= 0.006
    assert f"{n_steps} of {n_steps} steps match, output matches" in out

    # how deep each cluster core's stack went: within link.ld's stacks, and within the static bound
    # of tests/stack_depth.py (which would be wrong if a run went deeper than it says any can)
    import stack_depth

    stacks = _STACKS.search(out)
    assert stacks, out[-3000:]
    peaks = [tuple(map(int, x.split("/"))) for x in stacks.group(1).split()]
    limits = stack_depth.stack_limits()
    assert [s for _, s in peaks] == [limits["__cl_stack0_size"]] + [limits["__cl_stack_size"]] * 7
    assert all(0 < p <= s for p, s in peaks), peaks
    g = stack_depth.cluster_graph(tmp_path)
    assert peaks[0][0] <= stack_depth.deepest(g, stack_depth.ROOT_FN).bytes
    assert max(p for p, _ in peaks[1:]) <= stack_depth.deepest(g, stack_depth.ROOT_FN, stack_depth.CORE0_ONLY).bytes

    # a wrong expected checksum is reported, and the run fails
    data = (app / "data.c").read_text()
    first = re.search(r"0x([0-9a-f]{8})u", data.split("dory_expected_checksums", 1)[1])
    assert first
    bad = f"0x{int(first.group(1), 16) ^ 1:08x}u"
    (app / "data.c").write_text(data.replace(first.group(0), bad, 1))
    r = _run(app)
    assert r.returncode != 0
    assert re.search(r"^\s*0 .* MISMATCH$", r.stdout, re.M), r.stdout[-3000:]


@pytest.mark.skipif(NETWORK not in NETWORKS, reason=f"{NETWORK} is not among the shared models")
def test_l3_stand_in_runs_bit_exact_on_gvsoc(tmp_path: Path) -> None:
    app, n_steps = _app(tmp_path, _L3_PLAN)
    r = _run(app)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    l3 = re.search(r"^dory: .*: \d+ steps, L1 \d+ B, L2 \d+ B, L3 (\d+) B", r.stdout, re.M)
    assert l3 and int(l3.group(1)) > 1000, r.stdout[:500]
    assert f"{n_steps} of {n_steps} steps match, output matches" in r.stdout


def _weight_records(blob: bytes) -> dict[int, int]:
    """Weight bytes per memory level (2, 3) of a DORYWB01 blob."""
    n, pos, out = int.from_bytes(blob[8:12], "little"), 12, {2: 0, 3: 0}
    for _ in range(n):
        mem, _off, size = (int.from_bytes(blob[pos + 4 * i:pos + 4 * i + 4], "little") for i in range(3))
        out[mem] += size
        pos += 12 + size + (-size % 4)
    return out


@pytest.mark.skipif(NETWORK not in NETWORKS, reason=f"{NETWORK} is not among the shared models")
def test_l3_hyperram_runs_bit_exact_on_gvsoc(tmp_path: Path) -> None:
    app, n_steps = _app(tmp_path, _L3_WEIGHTS_PLAN)
    assert _weight_records((app / "weights.bin").read_bytes())[3] > 0  # the plan put weights in L3
    r = _run(app, "L3=hyper")
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    assert re.search(r"^dory: .*: \d+ steps, L1 \d+ B, L2 \d+ B, L3 \d+ B \(HyperRAM\)", r.stdout, re.M), r.stdout[:500]
    assert f"{n_steps} of {n_steps} steps match, output matches" in r.stdout
    traffic = [tuple(map(int, m)) for m in _L3_LINE.findall(r.stdout)]
    assert sum(t[0] for t in traffic) > 0 and sum(t[2] for t in traffic) > 0, r.stdout[-3000:]
    assert all(t[4] > 0 for t in traffic)
    # the blob is read from weights.bin at boot, not linked in (the default build links it)
    nm = gvsoc.RVCC.replace("gcc", "nm")
    syms = subprocess.run([nm, str(app / "app-l3hyper.elf")], capture_output=True, text=True, check=True).stdout
    assert "dory_pulp_blob" not in syms and "dory_pulp_load_blob_file" in syms


@pytest.mark.skipif(NETWORK not in NETWORKS, reason=f"{NETWORK} is not among the shared models")
def test_xpulp_off_is_bit_exact_and_slower(tmp_path: Path) -> None:
    app, n_steps = _app(tmp_path)
    runs = {x: _run(app, f"XPULP={x}") for x in ("1", "0")}
    for x, r in runs.items():
        assert r.returncode == 0, f"XPULP={x}: " + r.stdout[-3000:] + r.stderr[-2000:]
        assert f"{n_steps} of {n_steps} steps match, output matches" in r.stdout
    assert _sdot_count(app / "app.elf") > 0 and _sdot_count(app / "app-noxpulp.elf") == 0
    cycles = {x: int(m.group(1)) for x, r in runs.items() if (m := _TOTAL.search(r.stdout))}
    assert cycles["1"] < cycles["0"], cycles


@pytest.mark.skipif(NETWORK not in NETWORKS, reason=f"{NETWORK} is not among the shared models")
def test_single_buffered_plan_runs_bit_exact_on_gvsoc(tmp_path: Path) -> None:
    from dory.backends.gap8.app import app_files, expected_outputs, write_app
    from dory.backends.gap8.emit import emit_network
    from dory.passes.tile import tile_buffering

    net_ = load(NETWORK)
    run_pipeline(net_.module, planning_pipeline("pulp", buffering="single"), verify_each=False)
    net = emit_network(net_.module)
    single = {}
    for s in net.steps:
        op = s.value.op  # type: ignore[attr-defined]
        tile = op.attributes.get("dory.tile")
        if tile is not None and tile_buffering(tile):
            l1 = {k: v for k, v in op.attributes["dory.l1"].entries}
            assert all(l1[b].values[0] == l1[b].values[1] for b in ("input", "weight", "output")), l1  # pong = ping
            single[s.index] = tile.as_dict()["n_tiles"].value
    assert single and all(n > 1 for n in single.values())  # Conv_0 and Conv_12: 5 tiles each
    expected, output = expected_outputs(net_.module, net_.inputs, net)
    app = tmp_path / "app"
    write_app(str(app), app_files(net, net_.inputs[0], expected, output, "pulp", NETWORK))
    b = subprocess.run(["make", "-s", "-C", str(app), "app.elf"], capture_output=True, text=True)
    assert b.returncode == 0, b.stdout + b.stderr
    r = _run(app)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-2000:]
    n = len(net.steps)
    assert f"{n} of {n} steps match, output matches" in r.stdout
    # the serial model against GVSOC (2026-12-07: Conv_0 919,485 modelled / 863,302 measured,
    # Conv_12 585,574 / 593,557)
    for m in _STEP.finditer(r.stdout):
        if int(m[1]) in single:
            assert abs(int(m[7]) / int(m[5]) - 1) <= 0.25, m[0]
