"""The shared acceptance networks (``../shared/models`` beside the checkout) for the tests: where
they are, which exist, and how a test loads one (ONNX -> qnn module, its input, its reference
files) and plans it with a pipeline."""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "models"
NETWORKS = sorted(p.name for p in SHARED.iterdir() if p.is_dir()) if SHARED.is_dir() else []
requires_shared = pytest.mark.skipif(not NETWORKS, reason=f"no shared models at {SHARED}")

# The networks a sweep keeps in `make test` when the rest of it is marked `long` (`make test-long`,
# CI's `make test-all`): between them every layer kind and path the shared set exercises -- a
# residual add (Residual_connection_test_1), 1-D dilated convolutions (TCN_T), depthwise and
# CHW reference files (dscnn), pooling, linear and strided convs (dronet_complete).
REPRESENTATIVE = ("nemo_Residual_connection_test_1", "nemo1d_TCN_T", "nemo_dscnn_test", "nemo_dronet_complete")


def sweep(keep: tuple[str, ...] = REPRESENTATIVE) -> list[Any]:
    """NETWORKS as pytest params, those not in ``keep`` marked ``long``."""
    return [pytest.param(n, marks=() if n in keep else pytest.mark.long) for n in NETWORKS]


@dataclass
class Network:
    """One imported shared network with its first input and its DORY reference files."""

    name: str
    onnx_path: str
    input_path: str
    module: Any
    inputs: list[np.ndarray]
    reference_files: list[str]


def load(name: str) -> Network:
    """Import ``name`` and read its first input in the network input's IR layout."""
    from dory.driver.reference import read_input, reference_files
    from dory.frontend.onnx_import import import_onnx

    d = SHARED / name
    onnx_path = glob.glob(str(d / "*.onnx"))[0]
    module = import_onnx(onnx_path, warn=lambda msg: None)
    inp = sorted(glob.glob(str(d / "input*.txt")))[0]
    x = read_input(inp, tuple(module.body.ops[0].body.args[0].type.shape))
    return Network(name, onnx_path, inp, module, [x], reference_files(str(d), inp))


def run_pipeline(module: Any, pipeline: str = "gap8-default", verify_each: bool = True) -> None:
    """Run a pass pipeline on ``module`` in place."""
    from dory.passes.base import PassContext
    from dory.passes.manager import PassManager
    from dory.passes.pipeline import parse_pipeline

    PassManager(parse_pipeline(pipeline), verify_each=verify_each).run(PassContext(), module)
