"""dory-compile's command-line details (issue 15's rough edges): the app's name and the progress
lines' per-step times."""

from __future__ import annotations

import shutil
from pathlib import Path

import onnx
import pytest
from onnx import TensorProto, helper

from dory.driver import compile as dc


def _model(path: Path, graph_name: str, bias: float) -> Path:
    """A one-node ONNX model; ``bias`` makes two otherwise equal models differ in their bytes."""
    node = helper.make_node("Add", ["x", "b"], ["y"], name="Add_0")
    g = helper.make_graph([node], graph_name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1])],
                          [helper.make_tensor("b", TensorProto.FLOAT, [1], [bias])])
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(helper.make_model(g), str(path))
    return path


def test_app_name_is_the_graph_name_when_it_has_one(tmp_path: Path) -> None:
    assert dc.app_name(str(_model(tmp_path / "x.onnx", "my net/v2", 1.0))) == "my_net_v2"


def test_app_names_of_different_networks_differ(tmp_path: Path) -> None:
    """Two different networks exported under the same file name and the generic graph name
    (the two shared eegnets: eegnet_id_8b.onnx, torch-jit-export) get different names; the same
    bytes get the same name."""
    a = dc.app_name(str(_model(tmp_path / "a" / "eegnet_id_8b.onnx", "torch-jit-export", 1.0)))
    b = dc.app_name(str(_model(tmp_path / "b" / "eegnet_id_8b.onnx", "torch-jit-export", 2.0)))
    assert a != b and a.startswith("eegnet_id_8b_") and b.startswith("eegnet_id_8b_")
    shutil.copy(tmp_path / "a" / "eegnet_id_8b.onnx", tmp_path / "copy.onnx")
    assert dc.app_name(str(tmp_path / "copy.onnx")) == a.replace("eegnet_id_8b", "copy")


def test_app_name_of_a_generic_file_name_is_its_directory(tmp_path: Path) -> None:
    name = dc.app_name(str(_model(tmp_path / "nemo_net" / "model_int.onnx", "main_graph", 1.0)))
    assert name.startswith("nemo_net_") and len(name) == len("nemo_net_") + 6


def test_progress_times_are_per_step(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    clock = iter([10.0, 11.0, 13.0, 16.0, 16.5])
    monkeypatch.setattr(dc.time, "perf_counter", lambda: next(clock))
    p = dc._Progress(quiet=False)
    for what in ("imported", "planned", "computed"):
        p.step(what)
    assert p.total() == 6.5
    err = capsys.readouterr().err.splitlines()
    assert err == ["dory-compile: imported (1.00 s)", "dory-compile: planned (2.00 s)", "dory-compile: computed (3.00 s)"]


def test_quiet_progress_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    p = dc._Progress(quiet=True)
    p.step("imported")
    assert capsys.readouterr() == ("", "")
