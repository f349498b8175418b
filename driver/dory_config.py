"""DORY's network configuration JSON (``dory-compile --dory-config config.json``), mapped onto
dory's own options.

The keys are those of pulp-platform/dory_examples' ``config_files/*.json`` and what DORY's
``network_generate.py`` and frontends read from them:

| key | DORY | dory |
|---|---|---|
| ``onnx_file`` | the model, relative to the config's directory | the model when none is given on the command line |
| ``input_bits``, ``input_signed`` | the input's type (QuantLab frontend; uint8 unless both are given) | ``--input-type`` (``si2`` for 2 bits, signed) |
| ``n_inputs`` | runs ``input_K.txt``, K < n, from the model's directory | the same files as ``--input``, each run and checked by the app |
| ``code reserved space`` | L2 left for the code: L2 budget = L2 - reserve | noted: dory measures the app's L2 need itself (``backends/l2_reserve.py``) |
| ``BNRelu_bits`` | bits of the BN / requant constants (32 or 64) | noted: dory sizes each requant's constants from their values |
| single-layer keys (``layer_type``, ``input_channels``, ...) | DORY's one-layer generator | noted as not applying to a network |

A value dory cannot honour (``input_bits`` outside 1..32, ``n_inputs`` < 1, ``BNRelu_bits`` not 32
or 64, a type that contradicts ``--input-type``) is an error located at the config file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from dory.dory_ir.diagnostics import DiagnosticError, Location

_SINGLE_LAYER_KEYS = frozenset({
    "layer_type", "operation_type", "input_channels", "output_channels", "kernel_shape", "input_dimensions",
    "input_type", "output_bits", "output_type", "group", "padding", "stride", "weight_bits", "bias_bits",
    "intermediate_bits", "branch_in", "branch_out", "branch_change", "batchnorm",
})


@dataclass
class DoryConfig:
    """What a DORY config asks of dory-compile."""

    path: str
    model: str | None = None
    input_type: str | None = None
    inputs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _error(path: str, msg: str) -> DiagnosticError:
    return DiagnosticError(Location(path), f"--dory-config: {msg}")


def _int(path: str, conf: dict, key: str) -> int:
    v = conf[key]
    if isinstance(v, bool) or not isinstance(v, (int, float)) or int(v) != v:
        raise _error(path, f"expected '{key}' to be an integer, found {json.dumps(v)}")
    return int(v)


def load(path: str, model: str | None, input_type: str | None) -> DoryConfig:
    """Read ``path`` and map it (module docstring); ``model`` and ``input_type`` are the command
    line's, which the config may not contradict."""
    try:
        with open(path, encoding="utf-8") as f:
            conf = json.load(f)
    except OSError as e:
        raise _error(path, f"cannot read the file: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise DiagnosticError(Location(path, e.lineno, e.colno), f"--dory-config: expected JSON, found {e.msg}") from None
    if not isinstance(conf, dict):
        raise _error(path, f"expected a JSON object, found {type(conf).__name__}")
    out = DoryConfig(path)
    confdir = os.path.dirname(path)
    onnx_file = conf.get("onnx_file")
    if onnx_file is not None:
        resolved = os.path.join(confdir, str(onnx_file))
        if model is None:
            if not os.path.isfile(resolved):
                raise _error(path, f"expected 'onnx_file' to name a model (relative to the config's directory), found no file '{resolved}'")
            out.model = resolved
        elif os.path.abspath(resolved) != os.path.abspath(model):
            out.notes.append(f"'onnx_file' ({onnx_file}) ignored: the command line names the model")
    if out.model is None and model is None:
        raise _error(path, "expected 'onnx_file' or a model on the command line, found neither")
    model_path = model or out.model
    assert model_path is not None

    if "input_bits" in conf and "input_signed" in conf:
        bits = _int(path, conf, "input_bits")
        if not 1 <= bits <= 32:
            raise _error(path, f"expected 'input_bits' in 1..32, found {bits}")
        signed = conf["input_signed"]
        if not isinstance(signed, bool):
            raise _error(path, f"expected 'input_signed' to be true or false, found {json.dumps(signed)}")
        t = f"{'si' if signed else 'ui'}{bits}"
        if input_type is not None and input_type != t:
            raise _error(path, f"expected --input-type to agree with 'input_bits' / 'input_signed' ({t}), found --input-type {input_type}")
        out.input_type = t
    elif "input_bits" in conf or "input_signed" in conf:
        out.notes.append("'input_bits' without 'input_signed' (or the reverse): the input stays ui8, as DORY reads it")

    if "n_inputs" in conf:
        n = _int(path, conf, "n_inputs")
        if n < 1:
            raise _error(path, f"expected 'n_inputs' >= 1, found {n}")
        if n > 1:
            d = os.path.dirname(model_path)
            out.inputs = [os.path.join(d, f"input_{k}.txt") for k in range(n)]
            missing = [p for p in out.inputs if not os.path.isfile(p)]
            if missing:
                raise _error(path, f"expected 'n_inputs' = {n} input files input_0.txt .. input_{n - 1}.txt beside the model, found no '{missing[0]}'")

    if "BNRelu_bits" in conf:
        b = _int(path, conf, "BNRelu_bits")
        if b not in (32, 64):
            raise _error(path, f"expected 'BNRelu_bits' 32 or 64, found {b}")
        out.notes.append(f"'BNRelu_bits' ({b}) ignored: dory stores each requant's constants in 32 bits, or 64 where their values need it")
    if "code reserved space" in conf:
        r = _int(path, conf, "code reserved space")
        out.notes.append(f"'code reserved space' ({r} B) ignored: dory measures the L2 its app's code and data take (the L2 line below)")
    single = sorted(k for k in conf if k in _SINGLE_LAYER_KEYS)
    if single:
        out.notes.append(f"single-layer keys ignored ({', '.join(single)}): they describe DORY's one-layer generator, not a network")
    known = {"onnx_file", "input_bits", "input_signed", "n_inputs", "BNRelu_bits", "code reserved space"} | _SINGLE_LAYER_KEYS
    unknown = sorted(k for k in conf if k not in known)
    if unknown:
        out.notes.append(f"unknown keys ignored: {', '.join(unknown)}")
    return out
