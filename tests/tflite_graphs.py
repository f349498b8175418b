"""Small hand-made ``.tflite`` flatbuffers for the TFLite importer's error and lit tests (no
TensorFlow needed: written with the ``flatbuffers`` builder and the ``tflite`` package's schema).

    python tests/tflite_graphs.py CASE OUT.tflite [CASE OUT.tflite ...]

`CASES` maps each case name to a builder; `graph` builds any chain of operators.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

INT8, INT32, FLOAT32 = 9, 2, 0


@dataclass
class T:
    """A tensor: shape, TFLite element type, constant data (None: computed), scales, zero points."""

    shape: tuple[int, ...]
    type: int = INT8
    data: np.ndarray | None = None
    scale: tuple[float, ...] = (0.05,)
    zp: tuple[int, ...] = (0,)
    qdim: int = 0


@dataclass
class Op:
    """An operator: builtin code name, input / output tensor indices, options (name, fields)."""

    code: str
    inputs: list[int]
    outputs: list[int]
    options: tuple[str, dict[str, int]] | None = None


@dataclass
class Graph:
    """Tensors, operators and the subgraph's inputs and outputs."""

    tensors: list[T] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)
    outputs: list[int] = field(default_factory=list)


def _vec(b: Any, start: Callable[[Any, int], None], items: list[Any], scalar: str | None = None) -> int:
    start(b, len(items))
    for it in reversed(items):
        getattr(b, f"Prepend{scalar}")(it) if scalar else b.PrependUOffsetTRelative(it)
    return b.EndVector()


def to_bytes(g: Graph) -> bytes:
    """The flatbuffer of ``g`` (one subgraph, identifier ``TFL3``)."""
    import flatbuffers
    import tflite
    from tflite.BuiltinOperator import BuiltinOperator
    from tflite.BuiltinOptions import BuiltinOptions

    b = flatbuffers.Builder(1024)
    # buffers: 0 is the empty sentinel, then one per constant tensor
    buf_offsets = []
    tflite.BufferStart(b)
    buf_offsets.append(tflite.BufferEnd(b))
    buf_index = []
    for t in g.tensors:
        if t.data is None:
            buf_index.append(0)
            continue
        raw = np.ascontiguousarray(t.data.astype(np.int8 if t.type == INT8 else np.int32 if t.type == INT32 else np.float32)).tobytes()
        data = b.CreateByteVector(raw)
        tflite.BufferStart(b)
        tflite.BufferAddData(b, data)
        buf_index.append(len(buf_offsets))
        buf_offsets.append(tflite.BufferEnd(b))
    tensors = []
    for i, t in enumerate(g.tensors):
        name = b.CreateString(f"t{i}")
        shape = _vec(b, tflite.TensorStartShapeVector, list(t.shape), "Int32")
        scale = _vec(b, tflite.QuantizationParametersStartScaleVector, list(t.scale), "Float32")
        zp = _vec(b, tflite.QuantizationParametersStartZeroPointVector, list(t.zp), "Int64")
        tflite.QuantizationParametersStart(b)
        tflite.QuantizationParametersAddScale(b, scale)
        tflite.QuantizationParametersAddZeroPoint(b, zp)
        tflite.QuantizationParametersAddQuantizedDimension(b, t.qdim)
        q = tflite.QuantizationParametersEnd(b)
        tflite.TensorStart(b)
        tflite.TensorAddShape(b, shape)
        tflite.TensorAddType(b, t.type)
        tflite.TensorAddBuffer(b, buf_index[i])
        tflite.TensorAddName(b, name)
        tflite.TensorAddQuantization(b, q)
        tensors.append(tflite.TensorEnd(b))
    codes = sorted({op.code for op in g.ops})
    code_offsets = []
    for c in codes:
        v = getattr(BuiltinOperator, c)
        tflite.OperatorCodeStart(b)
        tflite.OperatorCodeAddDeprecatedBuiltinCode(b, min(v, 127))
        tflite.OperatorCodeAddBuiltinCode(b, v)
        tflite.OperatorCodeAddVersion(b, 1)
        code_offsets.append(tflite.OperatorCodeEnd(b))
    ops = []
    for op in g.ops:
        opt_off, opt_type = None, 0
        if op.options is not None:
            cls, fields = op.options
            getattr(tflite, f"{cls}Start")(b)
            for k, v in fields.items():
                getattr(tflite, f"{cls}Add{k}")(b, v)
            opt_off = getattr(tflite, f"{cls}End")(b)
            opt_type = getattr(BuiltinOptions, cls)
        ins = _vec(b, tflite.OperatorStartInputsVector, op.inputs, "Int32")
        outs = _vec(b, tflite.OperatorStartOutputsVector, op.outputs, "Int32")
        tflite.OperatorStart(b)
        tflite.OperatorAddOpcodeIndex(b, codes.index(op.code))
        tflite.OperatorAddInputs(b, ins)
        tflite.OperatorAddOutputs(b, outs)
        if opt_off is not None:
            tflite.OperatorAddBuiltinOptionsType(b, opt_type)
            tflite.OperatorAddBuiltinOptions(b, opt_off)
        ops.append(tflite.OperatorEnd(b))
    tv = _vec(b, tflite.SubGraphStartTensorsVector, tensors)
    ov = _vec(b, tflite.SubGraphStartOperatorsVector, ops)
    iv = _vec(b, tflite.SubGraphStartInputsVector, g.inputs, "Int32")
    outv = _vec(b, tflite.SubGraphStartOutputsVector, g.outputs, "Int32")
    tflite.SubGraphStart(b)
    tflite.SubGraphAddTensors(b, tv)
    tflite.SubGraphAddOperators(b, ov)
    tflite.SubGraphAddInputs(b, iv)
    tflite.SubGraphAddOutputs(b, outv)
    sg = tflite.SubGraphEnd(b)
    sgv = _vec(b, tflite.ModelStartSubgraphsVector, [sg])
    cv = _vec(b, tflite.ModelStartOperatorCodesVector, code_offsets)
    bv = _vec(b, tflite.ModelStartBuffersVector, buf_offsets)
    tflite.ModelStart(b)
    tflite.ModelAddVersion(b, 3)
    tflite.ModelAddOperatorCodes(b, cv)
    tflite.ModelAddSubgraphs(b, sgv)
    tflite.ModelAddBuffers(b, bv)
    m = tflite.ModelEnd(b)
    b.Finish(m, file_identifier=b"TFL3")
    return bytes(b.Output())


def _conv(in_t: T, relu: bool = False, padding: int = 1) -> Graph:
    """input -> CONV_2D 3x3 (4 output channels, per-channel scales) -> output."""
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, (4, 3, 3, in_t.shape[3]))
    g = Graph()
    g.tensors = [
        in_t,
        T(w.shape, INT8, w, scale=(0.01, 0.02, 0.005, 0.013), zp=(0, 0, 0, 0)),
        T((4,), INT32, np.array([100, -200, 3000, -4]), scale=(0.0005, 0.001, 0.00025, 0.00065), zp=(0, 0, 0, 0)),
        T((1, in_t.shape[1] - 2 if padding == 1 else in_t.shape[1], in_t.shape[2] - 2 if padding == 1 else in_t.shape[2], 4), scale=(0.11,), zp=(-3,)),
    ]
    g.ops = [Op("CONV_2D", [0, 1, 2], [3], ("Conv2DOptions", {"Padding": padding, "StrideH": 1, "StrideW": 1, "DilationHFactor": 1, "DilationWFactor": 1, "FusedActivationFunction": 1 if relu else 0}))]
    g.inputs, g.outputs = [0], [3]
    return g


def conv() -> Graph:
    """A VALID 3x3 conv with RELU (input zero point 0: no explicit pad)."""
    return _conv(T((1, 5, 5, 2), scale=(0.05,), zp=(0,)), relu=True)


def conv_linear() -> Graph:
    """The same conv without activation, input zero point 4 and SAME padding (a zero-point pad)."""
    return _conv(T((1, 5, 5, 2), scale=(0.05,), zp=(4,)), relu=False, padding=0)


def conv_linear_valid() -> Graph:
    """The conv without activation, VALID (no pad): only its half-away shift is not C-ready."""
    return _conv(T((1, 5, 5, 2), scale=(0.05,), zp=(0,)), relu=False, padding=1)


def unsupported() -> Graph:
    """CONV_2D, then TANH and LOGISTIC: both named, with their indices."""
    g = _conv(T((1, 5, 5, 2)))
    g.tensors += [T((1, 3, 3, 4), scale=(1 / 128,), zp=(0,)), T((1, 3, 3, 4), scale=(1 / 256,), zp=(-128,))]
    g.ops += [Op("TANH", [3], [4]), Op("LOGISTIC", [4], [5])]
    g.outputs = [5]
    return g


def float_input() -> Graph:
    """A float32 input tensor (a float model)."""
    return _conv(T((1, 5, 5, 2), FLOAT32))


def uint8_act() -> Graph:
    """A conv whose output tensor is uint8 (the legacy quantization)."""
    g = _conv(T((1, 5, 5, 2)))
    g.tensors[3].type = 3
    return g


def softmax_scale() -> Graph:
    """A SOFTMAX whose output is not quantized as TFLite's int8 softmax requires."""
    g = Graph()
    g.tensors = [T((1, 4)), T((1, 4), scale=(0.05,), zp=(0,))]
    g.ops = [Op("SOFTMAX", [0], [1], ("SoftmaxOptions", {"Beta": 1.0}))]
    g.inputs, g.outputs = [0], [1]
    return g


CASES: dict[str, Callable[[], Graph]] = {
    "conv": conv,
    "conv_linear": conv_linear,
    "conv_linear_valid": conv_linear_valid,
    "unsupported": unsupported,
    "float_input": float_input,
    "uint8_act": uint8_act,
    "softmax_scale": softmax_scale,
}


def main(argv: list[str]) -> int:
    """Write each ``CASE OUT.tflite`` pair."""
    for case, out in zip(argv[::2], argv[1::2]):
        with open(out, "wb") as f:
            f.write(to_bytes(CASES[case]()))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
