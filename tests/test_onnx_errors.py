"""The importer's error corpus: every bad model gets one located line and exit code 1."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import onnx
import pytest

from onnx_graphs import BAD_MODELS, bad_model

TRANSLATE = [sys.executable, "-c", "import sys; from dory.tools.dory_translate import main; sys.exit(main())"]


def _run(path: Path, tmp_path: Path) -> subprocess.CompletedProcess:
    out = tmp_path / "out.mlir"
    r = subprocess.run(TRANSLATE + ["--from-onnx", str(path), "-o", str(out)], capture_output=True, text=True)
    assert not out.exists(), "no partial output on error"
    return r


@pytest.mark.parametrize("name", sorted(BAD_MODELS))
def test_bad_model_is_a_located_error(name: str, tmp_path: Path) -> None:
    path = tmp_path / f"{name}.onnx"
    onnx.save(bad_model(name), str(path))
    r = _run(path, tmp_path)
    want, where = BAD_MODELS[name]
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr
    lines = [l for l in r.stderr.splitlines() if "error:" in l]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(str(path)), lines[0]
    assert want in lines[0], lines[0]
    assert where in lines[0], lines[0]


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.onnx"
    path.write_bytes(b"\x08\x07\x12\xff\xff garbage that is not a protobuf \x00\x01")
    r = _run(path, tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "cannot read ONNX model" in r.stderr or "expected an ONNX graph" in r.stderr


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9])
def test_truncated_file(tmp_path: Path, fraction: float) -> None:
    import onnx_graphs

    data = onnx_graphs.conv_layer().SerializeToString()
    path = tmp_path / "trunc.onnx"
    path.write_bytes(data[: int(len(data) * fraction)])
    r = _run(path, tmp_path)
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert str(path) in r.stderr


def test_missing_file(tmp_path: Path) -> None:
    r = _run(tmp_path / "nope.onnx", tmp_path)
    assert r.returncode == 1 and "file not found" in r.stderr


def test_bad_input_type(tmp_path: Path) -> None:
    import onnx_graphs

    path = tmp_path / "ok.onnx"
    onnx.save(onnx_graphs.conv_layer(), str(path))
    r = subprocess.run(TRANSLATE + ["--from-onnx", str(path), "--input-type", "f32"], capture_output=True, text=True)
    assert r.returncode == 1 and "expected an integer type like ui8 or si8, found 'f32'" in r.stderr
