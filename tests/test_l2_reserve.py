"""The L2 reserve is measured from the linked app (backends/l2_reserve.py), not a constant: it follows
the app's static data as it grows, and without the cross compiler the plan says it fell back to the
target's static estimate."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

import dory.backends.l2_reserve as l2r

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # plans DroNet and links its app (~60 s for the file)

needs_cross = pytest.mark.skipif(shutil.which(l2r.COMPILER) is None,
                                 reason=f"no {l2r.COMPILER} (apt-get install gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf)")


def _dronet(tmp_path: Path, target: str, l2: int | None = None):  # type: ignore[no-untyped-def]
    """Our generated DroNet planned with gap8-default (or the L2 budget ``l2``), as (net, app files)."""
    from dory.backends.gap8.app import app_files, expected_outputs
    from dory.backends.gap8.emit import emit_network
    from dory.backends.target import planning_pipeline
    from dory.dory_ir.interp.interpreter import random_inputs
    from dory.driver.netgen import main as netgen
    from dory.frontend.onnx_import import import_onnx
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline

    onnx = tmp_path / "dronet.onnx"
    if not onnx.exists():
        assert netgen(["dronet", "-o", str(onnx)]) == 0
    module = import_onnx(str(onnx), warn=lambda m: None)
    PassManager(parse_pipeline(planning_pipeline(l2=l2)), verify_each=False).run(PassContext(), module)
    net = emit_network(module)
    inputs = random_inputs(module, 3)
    expected, output = expected_outputs(module, inputs, net)
    return net, app_files(net, inputs[0], expected, output, target, "dronet")


@needs_cross
@pytest.mark.parametrize("target", ["rv32", "pulp"])
def test_reserve_follows_the_apps_static_data(tmp_path: Path, target: str) -> None:
    """Grow a table the app links (the expected checksums, declared 3000 words longer: zero-filled,
    still referenced by main) and the measured reserve grows by its 12,000 bytes, give or take the
    padding the 16-/64-byte alignments of the stacks and the arena absorb (``l2r.ALIGN``); a
    constant reserve would not move."""
    from dory.backends.gap8.app import AppFiles

    _, app = _dronet(tmp_path, target)
    before = l2r.measure(app, target)
    assert before.measured and before.region > before.reserve > 0
    data = str(app.files["data.c"])
    head = "const uint32_t dory_expected_checksums["
    i = data.index(head) + len(head)
    n = int(data[i:data.index("]", i)])
    grown = AppFiles({**app.files, "data.c": data.replace(f"{head}{n}]", f"{head}{n + 3000}]")})
    after = l2r.measure(grown, target)
    assert after.region == before.region
    assert abs(after.reserve - before.reserve - 12000) < l2r.ALIGN, (before, after)


@needs_cross
def test_rv32_default_plan_is_replanned_to_the_measured_reserve(tmp_path: Path) -> None:
    """DroNet's gap8-default arena (~444 KB) does not fit beside its RV32 code and data (~190 KB) in
    the 512 KiB L2: plan_to_fit re-plans once with the budget that leaves the measured reserve and
    the result fits; the re-planned app's reserve is the one the summary prints."""
    calls: list[int | None] = []

    def build(l2: int | None):  # type: ignore[no-untyped-def]
        calls.append(l2)
        return _dronet(tmp_path, "rv32", l2)

    net, app, fit = l2r.plan_to_fit(build, "rv32", "gap8")
    assert fit.reserve.measured and fit.fits
    assert len(calls) == 2 and calls[0] is None and calls[1] == fit.budget
    assert fit.first_arena + fit.reserve.reserve > fit.reserve.region  # the default did not fit
    assert net.l2_bytes == fit.arena <= fit.budget
    assert fit.arena + fit.reserve.reserve + l2r.ALIGN <= fit.reserve.region
    assert l2r.measure(app, "rv32") == fit.reserve
    assert f"L2 reserve {fit.reserve.reserve} B" in fit.summary() and f"L2 budget of {fit.budget} B" in fit.summary()


def test_without_the_cross_compiler_the_static_estimate_is_used_and_said(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(l2r, "COMPILER", "no-such-cross-gcc-for-dory-tests")
    calls: list[int | None] = []

    def build(l2: int | None):  # type: ignore[no-untyped-def]
        calls.append(l2)
        return _dronet(tmp_path, "rv32", l2)

    _, _, fit = l2r.plan_to_fit(build, "rv32", "gap8")
    from dory.backends.gap8.hw import GAP8

    assert calls == [None] and not fit.reserve.measured and fit.reserve.reserve == GAP8.l2_reserved_bytes
    assert "static estimate of backends/gap8/hw.py: no no-such-cross-gcc-for-dory-tests to link the app with" in fit.summary()


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))
