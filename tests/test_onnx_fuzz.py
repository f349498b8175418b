"""The ONNX mutation fuzzer (tests/onnx_fuzz.py) in the suite: a bounded deterministic run of
``dory-translate --from-onnx`` on mutants of the shared networks (every one a clean located error
or an import), one accepted mutant compiled to a host app and run bit-exact, and the harness's own
classification checked on planted failures. The long run is ``make fuzz-onnx``."""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import pytest

import onnx_fuzz
from shared_models import requires_shared

BOUNDED = 200
"""Mutants in `make test` (~25 s on a loaded 2-core machine; `make fuzz-onnx` runs 10,000)."""

SEED = 2016
"""Not the long run's seed (16), so the two cover different mutants."""


def _describe(report: onnx_fuzz.Report) -> str:
    return "\n".join(f"#{i} [{d}] {o.kind}: {o.signature} {o.detail}" for i, d, o in report.findings[:20]) + (
        f"\nreproduce one: python tests/onnx_fuzz.py --seed {SEED} --first I --count 1 --jobs 1 --save DIR")


@requires_shared
def test_bounded_fuzz_run_has_no_findings() -> None:
    """Every mutant is imported or is one located error line (no traceback, hang, partial output,
    unlocated error or warning noise); both outcomes occur, so the run exercises both paths."""
    report = onnx_fuzz.run(onnx_fuzz.shared_models(), SEED, 0, BOUNDED)
    assert not report.findings, _describe(report)
    assert report.counts["error"] > BOUNDED // 2 and report.counts["ok"] > 0, report.counts


def test_mutants_are_deterministic() -> None:
    """Mutant i of a seed is a function of (seed, i) only: a finding is reproduced by its index."""
    models = onnx_fuzz.shared_models()
    if not models:
        pytest.skip(f"no shared models at {onnx_fuzz.SHARED}")
    a = [onnx_fuzz.mutant(models, 7, i) for i in range(12)]
    onnx_fuzz._BASE.clear()
    b = [onnx_fuzz.mutant(models, 7, i) for i in range(12)]
    assert a == b
    assert len({m for m, _ in a}) == 12


@requires_shared
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cc") is None and shutil.which("gcc") is None, reason="no C compiler")
def test_accepted_mutant_builds_and_runs(tmp_path: Path) -> None:
    """The first accepted mutant of the small networks compiles to a host app that builds and
    matches the reference interpreter on every step."""
    models = [m for m in onnx_fuzz.shared_models() if "eegnet" in m or "TCN_T" in m]
    for i in range(200):
        data, desc = onnx_fuzz.mutant(models, SEED, i)
        path = tmp_path / f"m{i}.onnx"
        path.write_bytes(data)
        if onnx_fuzz.classify_translate(str(path), str(tmp_path / "m.mlir")).kind == "ok":
            work = tmp_path / f"w{i}"
            work.mkdir()
            o = onnx_fuzz.classify_app(str(path), str(work))
            assert o.kind in ("ok", "error"), f"#{i} [{desc}] {o.kind}: {o.detail}"
            if o.kind == "ok":
                return
    pytest.fail("no accepted mutant among 200 compiled to an app")


def test_harness_sees_tracebacks_noise_and_partial_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The classifier is not vacuous: an escaping exception is a traceback (with its signature), a
    numpy warning before the error is noise, an output file after an error is partial output, an
    error without the file's location is unlocated."""
    import dory.driver.translate as translate
    from dory.dory_ir.diagnostics import DiagnosticError, Location

    path = str(tmp_path / "m.onnx")
    out = str(tmp_path / "m.mlir")

    def crash(*a: object, **k: object) -> None:
        [][1]

    monkeypatch.setattr(translate, "from_onnx", crash)
    o = onnx_fuzz.classify_translate(path, out)
    assert o.kind == "traceback" and o.signature.startswith("IndexError at test_onnx_fuzz.py:crash"), o

    def noisy(*a: object, **k: object) -> int:
        warnings.warn("overflow encountered in multiply", RuntimeWarning)
        raise DiagnosticError(Location(path, name="node 'Mul_1' (Mul)"), "expected ...")

    monkeypatch.setattr(translate, "from_onnx", noisy)
    assert onnx_fuzz.classify_translate(path, out).kind == "noise"

    def partial(*a: object, **k: object) -> int:
        Path(out).write_text("half")
        raise DiagnosticError(Location(path), "expected ...")

    monkeypatch.setattr(translate, "from_onnx", partial)
    assert onnx_fuzz.classify_translate(path, out).kind == "partial"

    def unlocated(*a: object, **k: object) -> int:
        raise DiagnosticError(Location(), "expected ...")

    monkeypatch.setattr(translate, "from_onnx", unlocated)
    assert onnx_fuzz.classify_translate(path, out).kind == "unlocated"

    def clean(*a: object, **k: object) -> int:
        raise DiagnosticError(Location(path, name="node 'Mul_1' (Mul)"), "expected ...")

    monkeypatch.setattr(translate, "from_onnx", clean)
    assert onnx_fuzz.classify_translate(path, out).kind == "error"


def test_harness_sees_hangs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An import over the timeout is a hang (SIGALRM), not a wait forever."""
    import time

    import dory.driver.translate as translate

    monkeypatch.setattr(translate, "from_onnx", lambda *a, **k: time.sleep(5))
    o = onnx_fuzz.classify_translate(str(tmp_path / "m.onnx"), str(tmp_path / "m.mlir"), timeout=0.2)
    assert o.kind == "hang"
