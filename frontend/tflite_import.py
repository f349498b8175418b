"""TFLite int8 flatbuffers (``.tflite``) -> ``qnn`` dialect, bit-exact against TFLite's reference
kernels (``OpResolverType.BUILTIN_REF``).

`import_tflite` is the one entry point. The flatbuffer is read with the PyPI ``tflite`` package
(imported lazily). TFLite is NHWC like the IR, so tensors keep their shapes; an int8 tensor of
TFLite is an ``si8`` IR value holding the same integers (its zero point is applied by the ops that
read it, as TFLite's kernels do).

How each operator becomes exact ``qnn`` (docs/frontend.md, "TFLite"):
- ``CONV_2D`` / ``DEPTHWISE_CONV_2D`` / ``FULLY_CONNECTED``: TFLite accumulates
  ``sum w*(x - zp_in) + bias`` over the in-bounds taps. The IR convolves ``x`` itself, padded with
  ``zp_in`` (``qnn.pad``, when the padding is not empty and ``zp_in != 0``), with the bias
  ``bias - zp_in*sum(w)``: the same integers. The requantisation is `requant_stages`.
- Requantisation (``MultiplyByQuantizedMultiplier``): ``SaturatingRoundingDoublingHighMul`` then
  ``RoundingDivideByPOT``, then ``+ zp_out`` and the fused activation's clamp, as three
  ``qnn.requant`` ops: ``floor((x*M*2^ls + 2^30) / 2^31)`` (the doubling high multiply; M > 0
  never saturates), a ``half_away`` division by ``2^rs`` (per channel: by ``2^E`` after a multiply
  by ``2^(E - rs)``) and ``+ zp_out`` with the clamp. The multipliers are derived from the float
  scales exactly as TFLite's ``QuantizeMultiplier`` does (`quantize_multiplier`).
- ``ADD``: each input ``(x - zp) * 2^20`` rescaled by its multiplier (two requants), ``qnn.add``,
  then the output requantisation: TFLite's int8 ``Add`` step by step.
- ``AVERAGE_POOL_2D``: ``qnn.avgpool`` over the in-bounds taps with ``half_away`` rounding (the
  kernel's ``(sum +- n/2) / n``); a VALID pool of an odd window has no ties: a floor of
  ``(sum + (n-1)/2) / n`` (a sum pool and a requant, which the C runtime runs); ``MAX_POOL_2D``: ``qnn.maxpool``; both clamp to the activation.
- ``MEAN`` over H, W: the window sum (``qnn.global_avgpool {div = 1}``) requantised with the
  multiplier divided by the count, as TFLite's integer mean does (`_mean`).
- ``RESHAPE``: ``qnn.reshape`` (row-major on NHWC, as TFLite); ``CONCATENATION``: ``qnn.concat``;
  ``PAD``: ``qnn.pad`` with the zero point; ``RELU``, ``RELU6``, ``RELU_N1_TO_1`` on their own:
  a requantisation with the activation's clamp.
- ``QUANTIZE`` int8 -> int8: ``x - zp_in``, then the requantisation. A float model's input
  ``QUANTIZE`` and output ``DEQUANTIZE`` are left to the host (one warning line).
- ``SOFTMAX``: ``qnn.softmax``, TFLite's reference integer algorithm (gemmlowp fixed point,
  dory_ir/interp/fixedpoint.py) with the multiplier, shift and ``diff_min`` its prepare step
  derives (`softmax_params`).

Errors are one located line naming the operator by index and name (``op #3 (CONV_2D)``) or the
tensor, with what was expected and what was found.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from dory.dory_ir.attributes import Attribute, DenseAttr, IntegerAttr, StringAttr, TypeAttr, i64_array
from dory.dory_ir.core import Operation, Value, create_op
from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.dory_ir.dialects import qnn
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.dialects.func import FuncOp, ReturnOp
from dory.dory_ir.types import FunctionType, IntegerType, TensorType, i64
from dory.frontend.values import SI32, bias_type, weight_type
from dory.frontend import formats


class TfliteImportError(DiagnosticError):
    """A located import error: ``m.tflite: op #3 (CONV_2D): expected ..., found ...``."""


SI8 = IntegerType(8, "signed")
INT8_MIN, INT8_MAX = -128, 127
ADD_LEFT_SHIFT = 20
"""TFLite's int8 ``Add`` shifts both inputs left by 20 bits before rescaling (add.cc, ``left_shift``)."""

# TensorType enum of the TFLite schema, for messages.
_TYPE_NAMES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string", 6: "bool", 7: "int16", 9: "int8", 10: "float64"}
_INT8, _INT32 = 9, 2
# ActivationFunctionType: NONE, RELU, RELU_N1_TO_1, RELU6 are clamps; the rest are not supported.
_ACTIVATIONS = {0: "NONE", 1: "RELU", 2: "RELU_N1_TO_1", 3: "RELU6"}


def round_half_away(x: float) -> int:
    """``std::round``: to nearest, ties away from zero (TFLite's ``TfLiteRound``)."""
    r = math.floor(abs(x) + 0.5)
    return -r if x < 0 else r


def quantize_multiplier(m: float) -> tuple[int, int]:
    """TFLite's ``QuantizeMultiplier(double)``: ``(M, shift)`` with ``m ~= M * 2^(shift - 31)`` and
    ``M`` in ``[2^30, 2^31)`` (0 for a zero multiplier), from ``frexp`` and ``std::round``."""
    if m == 0.0:
        return 0, 0
    q, shift = math.frexp(m)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == 1 << 31:
        q_fixed //= 2
        shift += 1
    if shift < -31:
        return 0, 0
    if shift > 30:  # TFLite clamps: the multiplier saturates
        return (1 << 31) - 1, 30
    return q_fixed, shift


def softmax_params(beta: float, input_scale: float) -> tuple[int, int, int]:
    """``(input_multiplier, input_left_shift, diff_min)`` as TFLite's reference softmax derives
    them (``PreprocessSoftmaxScaling`` with 5 integer bits, then ``CalculateInputRadius``)."""
    real = min(beta * input_scale * (1 << 26), (1 << 31) - 1.0)
    mult, shift = quantize_multiplier(real)
    radius = math.floor(1.0 * 31 * (1 << 26) / (1 << shift))
    return mult, shift, -radius


@dataclass
class QVal:
    """An imported int8 tensor: its IR value, zero point and scale."""

    value: Value
    zp: int
    scale: float

    @property
    def shape(self) -> tuple[int, ...]:
        """The tensor's shape (NHWC)."""
        t = self.value.type
        assert isinstance(t, TensorType)
        return tuple(t.shape)


class TfliteImporter:
    """Builds a ``builtin.module`` with one ``func.func @main`` from a TFLite model's first subgraph."""

    def __init__(self, model: Any, data: bytes, filename: str, warn: Callable[[str], None] | None = None):
        self.m = model
        self.data = data
        self.filename = filename
        self.warn = warn or (lambda msg: print(msg, file=sys.stderr))
        self.g = model.Subgraphs(0)
        self.env: dict[int, QVal] = {}
        self.block: Any = None
        self.op_index = 0
        self.host_ops: list[int] = []

    # -- diagnostics -----------------------------------------------------------------------------
    def op_name(self, i: int) -> str:
        """The builtin operator name of operator ``i`` (``CONV_2D``)."""
        from tflite.utils import opcode2name

        oc = self.m.OperatorCodes(self.g.Operators(i).OpcodeIndex())
        code = max(int(oc.BuiltinCode()), int(oc.DeprecatedBuiltinCode()))
        try:
            name = str(opcode2name(code))
        except Exception:  # a code newer than the parser's schema
            return f"builtin {code}"
        if name == "CUSTOM" and oc.CustomCode():
            return f"CUSTOM '{oc.CustomCode().decode(errors='replace')}'"
        return name

    def error(self, msg: str, i: int | None = None) -> TfliteImportError:
        """An error at operator ``i`` (default: the one being imported; None: the file)."""
        where = self.op_index if i is None else i
        if where < 0:
            return TfliteImportError(Location(self.filename), msg)
        return TfliteImportError(Location(self.filename, name=f"op #{where} ({self.op_name(where)})"), msg)

    def tensor_label(self, t: int) -> str:
        """``tensor #5 'name'``."""
        name = self.g.Tensors(t).Name()
        return f"tensor #{t} '{name.decode(errors='replace') if name else ''}'"

    # -- tensors ---------------------------------------------------------------------------------
    def shape(self, t: int) -> tuple[int, ...]:
        """The static shape of tensor ``t``."""
        return tuple(int(d) for d in self.g.Tensors(t).ShapeAsNumpy()) if self.g.Tensors(t).ShapeLength() else ()

    def quant(self, t: int) -> tuple[np.ndarray, np.ndarray, int]:
        """Tensor ``t``'s scales, zero points (float64 / int64 arrays) and quantized dimension."""
        q = self.g.Tensors(t).Quantization()
        if q is None or q.ScaleLength() == 0:
            return np.zeros(0), np.zeros(0, np.int64), 0
        zps = q.ZeroPointAsNumpy() if q.ZeroPointLength() else np.zeros(q.ScaleLength(), np.int64)
        return q.ScaleAsNumpy().astype(np.float32).astype(np.float64), np.asarray(zps, np.int64), int(q.QuantizedDimension())

    def check_type(self, t: int, want: int, what: str) -> None:
        """Tensor ``t`` must have element type ``want`` (an int8 activation, an int32 bias, ...)."""
        ty = int(self.g.Tensors(t).Type())
        if ty != want:
            hint = " (a float model? convert with full-integer int8 quantization: a representative dataset and TFLITE_BUILTINS_INT8)" if ty in (0, 1, 10) else ""
            raise self.error(f"{what} {self.tensor_label(t)}: expected {_TYPE_NAMES[want]}, found {_TYPE_NAMES.get(ty, f'type {ty}')}{hint}")

    def act_quant(self, t: int, what: str) -> tuple[float, int]:
        """The per-tensor (scale, zero point) of int8 activation tensor ``t``."""
        self.check_type(t, _INT8, what)
        scales, zps, _ = self.quant(t)
        if scales.size != 1:
            raise self.error(f"{what} {self.tensor_label(t)}: expected per-tensor quantization (one scale), found {scales.size} scales")
        return float(scales[0]), int(zps[0])

    def buffer(self, t: int, dtype: Any) -> np.ndarray | None:
        """The constant data of tensor ``t`` (None when it is computed)."""
        b = self.m.Buffers(self.g.Tensors(t).Buffer())
        if b is None:
            return None
        raw: Any = b.DataAsNumpy() if b.DataLength() else None
        if raw is None and b.Offset() > 1:  # large models keep buffers after the flatbuffer
            raw = np.frombuffer(self.data, np.uint8, int(b.Size()), int(b.Offset()))
        if raw is None or isinstance(raw, int):
            return None
        return np.frombuffer(np.asarray(raw, np.uint8).tobytes(), dtype).reshape(self.shape(t)).astype(np.int64)

    def const(self, t: int, want: int, what: str) -> np.ndarray:
        """The values of constant tensor ``t`` of element type ``want``."""
        self.check_type(t, want, what)
        arr = self.buffer(t, np.int8 if want == _INT8 else np.int32)
        if arr is None:
            raise self.error(f"{what} {self.tensor_label(t)}: expected a constant, found a computed tensor")
        return arr

    def input(self, t: int, what: str = "input") -> QVal:
        """The imported activation tensor ``t``."""
        v = self.env.get(t)
        if v is None:
            raise self.error(f"{what} {self.tensor_label(t)}: expected an int8 activation computed earlier, found none (a constant?)")
        return v

    def options(self, op: Any, cls_name: str) -> Any:
        """The operator's builtin options table as ``tflite.<cls_name>``."""
        import tflite

        tab = op.BuiltinOptions()
        opt = getattr(tflite, cls_name)()
        if tab is None:
            return None
        opt.Init(tab.Bytes, tab.Pos)
        return opt

    # -- building --------------------------------------------------------------------------------
    def emit(self, cls: type[Operation], rtype: TensorType, operands: list[Value], props: dict[str, Attribute], hint: str | None = None) -> Value:
        """Append a ``cls`` op located at the current operator."""
        op = create_op(
            cls.name, operands=operands, result_types=[rtype], properties=props,
            loc=Location(self.filename, name=f"{self.op_name(self.op_index)}_{self.op_index}"), result_names=[hint],
        )
        self.block.add_op(op)
        return op.results[0]

    def constant(self, arr: np.ndarray, elem: IntegerType, hint: str) -> Value:
        """Append a ``qnn.constant``."""
        attr = DenseAttr.from_array(arr, elem)
        return self.emit(qnn.ConstantOp, attr.type, [], {"value": attr}, hint=hint)

    def bind(self, t: int, value: Value, what: str = "output") -> None:
        """Record ``value`` as int8 tensor ``t`` (the op's output)."""
        scale, zp = self.act_quant(t, what)
        value.name_hint = f"t{t}"
        self.env[t] = QVal(value, zp, scale)

    def act_range(self, act: int, scale: float, zp: int) -> tuple[int, int]:
        """TFLite's ``CalculateActivationRangeQuantized`` for an int8 output."""
        if act not in _ACTIVATIONS:
            raise self.error(f"expected a fused activation NONE, RELU, RELU_N1_TO_1 or RELU6, found activation {act}")

        def q(f: float) -> int:  # zp + TfLiteRound(f / scale), the division in float32
            return zp + round_half_away(float(np.float32(f) / np.float32(scale)))

        lo, hi = INT8_MIN, INT8_MAX
        if act == 1:
            lo = max(lo, q(0.0))
        elif act == 2:
            lo, hi = max(lo, q(-1.0)), min(hi, q(1.0))
        elif act == 3:
            lo, hi = max(lo, q(0.0)), min(hi, q(6.0))
        return lo, hi

    def requant_stages(self, acc: Value, mult: np.ndarray, shift: np.ndarray, zp: int, lo: int, hi: int, hint: str, single: bool = False) -> Value:
        """``clamp(MultiplyByQuantizedMultiplier(acc, M, shift) + zp, lo, hi)`` per channel (last
        axis) as exact ``qnn.requant`` ops; an si8 result (si32 when ``lo``/``hi`` are wider).

        One floor requant when that is exact: with ``single`` rounding always; with the double
        rounding when the clamp's ``lo >= zp`` (a fused RELU / RELU6): the half-away shift differs
        from a floor of ``(v + 2^(e-1)) / 2^e`` only for ``v < 0``, where both give a value <= 0
        that the clamp raises to ``zp``. So ``floor((x*M*2^ls + 2^30 + 2^(30+e) + zp*2^(31+e)) /
        2^(31+e))`` (the two floors composed), per channel over the largest ``e``."""
        shape = tuple(acc.type.shape)  # type: ignore[attr-defined]
        out = SI8 if (INT8_MIN <= lo and hi <= INT8_MAX) else SI32
        mult, shift = np.asarray(mult, np.int64), np.asarray(shift, np.int64)
        if single or lo >= zp:
            if single:  # floor((x*M + 2^(t-1)) / 2^t), t = 31 - shift
                total = 31 - shift
                add = np.int64(1) << (total - 1)
                mul = mult
            else:
                right = np.maximum(-shift, 0)
                total = 31 + right
                add = (np.int64(1) << 30) + np.where(right > 0, np.int64(1) << (30 + right), 0)
                mul = mult << np.maximum(shift, 0)
            e = int(total.max())
            # the per-channel scaling must keep x * mul inside int64 for accumulators below 2^22
            if e < 62 and int(np.abs(mul).max()) << int((e - total).max()) < 1 << 40:
                scale = np.int64(1) << (e - total)
                props1: dict[str, Attribute] = {
                    "mul": _int_or_vec(mul * scale), "add": _int_or_vec(add * scale + (zp << e)), "shift": IntegerAttr(e, i64),
                    "min": IntegerAttr(lo, i64), "max": IntegerAttr(hi, i64),
                }
                return self.emit(qnn.RequantOp, TensorType(shape, out), [acc], props1, hint=hint)
            if single:
                raise self.error(f"expected per-channel shifts within 9 bits of each other, found {int(total.min())} to {e}")
        v = self.requant_high_mul(acc, mult, shift, hint)
        props: dict[str, Attribute] = {"mul": IntegerAttr(1, i64), "shift": IntegerAttr(0, i64), "min": IntegerAttr(lo, i64), "max": IntegerAttr(hi, i64)}
        if zp:
            props["add"] = IntegerAttr(zp, i64)
        return self.emit(qnn.RequantOp, TensorType(shape, out), [v], props, hint=hint)

    def requant_high_mul(self, acc: Value, mult: np.ndarray, shift: np.ndarray, hint: str) -> Value:
        """``MultiplyByQuantizedMultiplier(acc, M, shift)`` into si32: the rounding doubling high
        multiply, then the rounding (half away from zero) right shift."""
        shape = tuple(acc.type.shape)  # type: ignore[attr-defined]
        mult, shift = np.asarray(mult, np.int64), np.asarray(shift, np.int64)
        smin, smax = SI32.min_value, SI32.max_value
        left = np.maximum(shift, 0)
        right = np.maximum(-shift, 0)
        props: dict[str, Attribute] = {
            "mul": _int_or_vec(mult << left), "add": IntegerAttr(1 << 30, i64), "shift": IntegerAttr(31, i64),
            "min": IntegerAttr(smin, i64), "max": IntegerAttr(smax, i64),
        }
        v = self.emit(qnn.RequantOp, TensorType(shape, SI32), [acc], props, hint=f"{hint}_hi")
        e = int(right.max()) if right.size else 0
        if e == 0:
            return v
        props = {
            "mul": _int_or_vec(np.int64(1) << (e - right)), "shift": IntegerAttr(e, i64), "rounding": StringAttr("half_away"),
            "min": IntegerAttr(smin, i64), "max": IntegerAttr(smax, i64),
        }
        return self.emit(qnn.RequantOp, TensorType(shape, SI32), [v], props, hint=f"{hint}_rs")

    # -- the walk --------------------------------------------------------------------------------
    def run(self) -> ModuleOp:
        """Import the first subgraph."""
        names = [self.op_name(i) for i in range(self.g.OperatorsLength())]
        bad = [f"#{i} {n}" for i, n in enumerate(names) if n not in _CONVERTERS]
        if bad:
            raise self.error(
                f"unsupported TFLite operators: expected only {', '.join(sorted(_CONVERTERS))}, found {', '.join(bad)}", -1
            )
        ins = [int(t) for t in self.g.InputsAsNumpy()]
        if not ins:
            raise self.error("expected at least one subgraph input, found none", -1)
        outs = [int(t) for t in self.g.OutputsAsNumpy()]
        host = self._float_boundaries(ins, outs)
        ins = [host.get(t, t) for t in ins]
        outs = [host.get(t, t) for t in outs]
        arg_types = []
        self.op_index = -1
        for t in ins:
            self.act_quant(t, "subgraph input")
            shape = self.shape(t)
            if not shape or any(d <= 0 for d in shape):
                raise self.error(f"subgraph input {self.tensor_label(t)}: expected a static shape, found {list(shape)}")
            arg_types.append(TensorType(shape, SI8))
        func = FuncOp.build("main", arg_types, [], [f"t{t}" for t in ins])
        self.block = func.body
        for t, arg in zip(ins, func.body.args):
            scale, zp = self.act_quant(t, "subgraph input")
            self.env[t] = QVal(arg, zp, scale)
        skipped = set(self.host_ops)
        for i in range(self.g.OperatorsLength()):
            if i in skipped:
                continue
            self.op_index = i
            _CONVERTERS[names[i]](self, self.g.Operators(i))
        self.op_index = -1
        if self.host_ops:
            ops = ", ".join(f"{names[i]}_{i}" for i in self.host_ops)
            self.warn(f"warning: {self.filename}: left the float conversions {ops} to the host; the network's "
                      f"input and output are int8 tensors {', '.join(f'#{t}' for t in ins)} and {', '.join(f'#{t}' for t in outs)}")
        results: list[Value] = []
        for t in outs:
            v = self.env.get(t)
            if v is None:
                raise self.error(f"subgraph output {self.tensor_label(t)}: expected a computed int8 tensor, found none")
            if v.value not in results:
                results.append(v.value)
        self.block.add_op(ReturnOp.build(results))
        func.properties["function_type"] = TypeAttr(FunctionType(tuple(arg_types), tuple(r.type for r in results)))
        return ModuleOp.build([func])


    def _float_boundaries(self, ins: list[int], outs: list[int]) -> dict[int, int]:
        """Float model inputs and outputs: a float input read only by a ``QUANTIZE`` to int8, a
        float output written by a ``DEQUANTIZE`` of int8. Those conversions are left to the host
        (`host_ops`); the map sends each such float tensor to its int8 side."""
        readers: dict[int, list[int]] = {}
        writer: dict[int, int] = {}
        for i in range(self.g.OperatorsLength()):
            op = self.g.Operators(i)
            for t in op.InputsAsNumpy():
                readers.setdefault(int(t), []).append(i)
            for t in op.OutputsAsNumpy():
                writer[int(t)] = i
        self.host_ops = []
        out: dict[int, int] = {}
        for t in ins:
            r = readers.get(t, [])
            if int(self.g.Tensors(t).Type()) == 0 and len(r) == 1 and self.op_name(r[0]) == "QUANTIZE":
                out[t] = int(self.g.Operators(r[0]).Outputs(0))
                self.host_ops.append(r[0])
        for t in outs:
            w = writer.get(t)
            if int(self.g.Tensors(t).Type()) == 0 and w is not None and self.op_name(w) == "DEQUANTIZE":
                out[t] = int(self.g.Operators(w).Inputs(0))
                self.host_ops.append(w)
        self.host_ops.sort()
        return out


def _f32(v: float) -> str:
    """A float32 scale as TFLite stores it, shortest form (0.05, not 0.05000000074505806)."""
    return str(np.float32(v))


def _int_or_vec(v: np.ndarray) -> Attribute:
    """A per-tensor integer when every channel agrees, else a per-channel si64 dense."""
    v = np.asarray(v, np.int64).reshape(-1)
    if v.size and bool(np.all(v == v[0])):
        return IntegerAttr(int(v[0]), i64)
    return DenseAttr.from_array(v, IntegerType(64, "signed"))


def _same_padding(size: int, k: int, stride: int, dil: int) -> tuple[int, int, int]:
    """TFLite's SAME padding: (output size, pad before, pad after)."""
    out = (size + stride - 1) // stride
    eff = (k - 1) * dil + 1
    total = max((out - 1) * stride + eff - size, 0)
    return out, total // 2, total - total // 2


def _padding(imp: TfliteImporter, padding: int, hw: tuple[int, int], k: tuple[int, int], s: tuple[int, int], d: tuple[int, int]) -> list[int]:
    """``[top, left, bottom, right]`` for TFLite padding SAME (0) or VALID (1)."""
    if padding == 1:
        return [0, 0, 0, 0]
    if padding != 0:
        raise imp.error(f"expected padding SAME or VALID, found padding {padding}")
    _, pt, pb = _same_padding(hw[0], k[0], s[0], d[0])
    _, pl, pr = _same_padding(hw[1], k[1], s[1], d[1])
    return [pt, pl, pb, pr]


def _conv_multipliers(imp: TfliteImporter, x: QVal, wt: int, out_scale: float, channels: int) -> tuple[np.ndarray, np.ndarray]:
    """Per output channel ``QuantizeMultiplier(in_scale * w_scale[c] / out_scale)`` in double
    (``PopulateConvolutionQuantizationParams``)."""
    scales, zps, _ = imp.quant(wt)
    if scales.size not in (1, channels):
        raise imp.error(f"weights {imp.tensor_label(wt)}: expected 1 or {channels} scales, found {scales.size}")
    if np.any(zps != 0):
        raise imp.error(f"weights {imp.tensor_label(wt)}: expected symmetric int8 weights (zero point 0), found zero point {int(zps[zps != 0][0])}")
    ms, ss = [], []
    for c in range(channels):
        ws = float(scales[c if scales.size > 1 else 0])
        m, s = quantize_multiplier(float(np.float32(x.scale)) * ws / float(np.float32(out_scale)))
        ms.append(m)
        ss.append(s)
    return np.array(ms, np.int64), np.array(ss, np.int64)


def _bias(imp: TfliteImporter, op: Any, channels: int) -> np.ndarray:
    if op.InputsLength() < 3 or op.Inputs(2) < 0:
        return np.zeros(channels, np.int64)
    b = imp.const(int(op.Inputs(2)), _INT32, "bias").reshape(-1)
    if b.size != channels:
        raise imp.error(f"bias {imp.tensor_label(int(op.Inputs(2)))}: expected {channels} values, found {b.size}")
    return b


def _window_conv(imp: TfliteImporter, op: Any, depthwise: bool) -> None:
    """``CONV_2D`` and ``DEPTHWISE_CONV_2D``."""
    x = imp.input(int(op.Inputs(0)))
    wt, out = int(op.Inputs(1)), int(op.Outputs(0))
    w = imp.const(wt, _INT8, "weights")
    if len(x.shape) != 4 or w.ndim != 4:
        raise imp.error(f"expected a 4-D input and weights, found {list(x.shape)} and {list(w.shape)}")
    n, h, wd, c = x.shape
    if depthwise:
        o_opt = imp.options(op, "DepthwiseConv2DOptions")
        mult = w.shape[3] // c if c else 0
        if w.shape[0] != 1 or mult < 1 or w.shape[3] != c * mult:
            raise imp.error(f"expected depthwise weights [1, Kh, Kw, {c} x multiplier], found {list(w.shape)}")
        w_ohwi = np.ascontiguousarray(w[0].transpose(2, 0, 1)[:, :, :, None])  # [C*mult, Kh, Kw, 1]
        groups = c
    else:
        o_opt = imp.options(op, "Conv2DOptions")
        if w.shape[3] != c:
            raise imp.error(f"expected weights [O, Kh, Kw, {c}], found {list(w.shape)}")
        w_ohwi, groups = w, 1
    o, kh, kw = w_ohwi.shape[0], w_ohwi.shape[1], w_ohwi.shape[2]
    strides = (int(o_opt.StrideH()), int(o_opt.StrideW()))
    dil = (int(o_opt.DilationHFactor()), int(o_opt.DilationWFactor()))
    pads = _padding(imp, int(o_opt.Padding()), (h, wd), (kh, kw), strides, dil)
    out_scale, out_zp = imp.act_quant(out, "output")
    bias = _bias(imp, op, o) - x.zp * w_ohwi.reshape(o, -1).sum(axis=1)
    src = x.value
    if any(pads) and x.zp != 0:
        # TFLite skips out-of-image taps, i.e. pads with the zero point: pad with it explicitly
        ph, pw = h + pads[0] + pads[2], wd + pads[1] + pads[3]
        src = imp.emit(qnn.PadOp, TensorType((n, ph, pw, c), SI8), [src], {"pads": i64_array([0, pads[0], pads[1], 0, 0, pads[2], pads[3], 0]), "value": IntegerAttr(x.zp, i64)}, hint=f"t{out}_pad")
        pads = [0, 0, 0, 0]
    ho, wo = qnn.conv_output_hw((src.type.shape[1], src.type.shape[2]), (kh, kw), strides, tuple(pads), dil)  # type: ignore[attr-defined]
    props: dict[str, Attribute] = {"strides": i64_array(list(strides)), "pads": i64_array(pads), "dilations": i64_array(list(dil))}
    if groups != 1:
        props["groups"] = IntegerAttr(groups, i64)
    operands = [src, imp.constant(w_ohwi, weight_type(w_ohwi), f"t{wt}"), imp.constant(bias, bias_type(bias), f"t{out}_bias")]
    acc = imp.emit(qnn.Conv2dOp, TensorType((n, ho, wo, o), SI32), operands, props, hint=f"t{out}_acc")
    ms, ss = _conv_multipliers(imp, x, wt, out_scale, o)
    lo, hi = imp.act_range(int(o_opt.FusedActivationFunction()), out_scale, out_zp)
    imp.bind(out, imp.requant_stages(acc, ms, ss, out_zp, lo, hi, f"t{out}"))


def _conv2d(imp: TfliteImporter, op: Any) -> None:
    _window_conv(imp, op, depthwise=False)


def _depthwise(imp: TfliteImporter, op: Any) -> None:
    _window_conv(imp, op, depthwise=True)


def _fully_connected(imp: TfliteImporter, op: Any) -> None:
    """``FULLY_CONNECTED``: ``qnn.linear`` over ``x`` with the bias corrected for ``zp_in``."""
    x = imp.input(int(op.Inputs(0)))
    wt, out = int(op.Inputs(1)), int(op.Outputs(0))
    w = imp.const(wt, _INT8, "weights")
    if w.ndim != 2:
        raise imp.error(f"weights {imp.tensor_label(wt)}: expected [M, K], found {list(w.shape)}")
    m, k = w.shape
    total = int(np.prod(x.shape))
    if total % k:
        raise imp.error(f"expected an input of a multiple of K = {k} elements, found shape {list(x.shape)}")
    src = x.value
    if len(x.shape) != 2 or x.shape[1] != k:
        src = imp.emit(qnn.ReshapeOp, TensorType((total // k, k), SI8), [src], {}, hint=f"t{out}_in")
    bias = _bias(imp, op, m) - x.zp * w.sum(axis=1)
    operands = [src, imp.constant(w, weight_type(w), f"t{wt}"), imp.constant(bias, bias_type(bias), f"t{out}_bias")]
    acc = imp.emit(qnn.LinearOp, TensorType((total // k, m), SI32), operands, {}, hint=f"t{out}_acc")
    o_opt = imp.options(op, "FullyConnectedOptions")
    out_scale, out_zp = imp.act_quant(out, "output")
    ms, ss = _conv_multipliers(imp, x, wt, out_scale, m)
    act = int(o_opt.FusedActivationFunction()) if o_opt is not None else 0
    lo, hi = imp.act_range(act, out_scale, out_zp)
    # per-channel weights: the reference kernel rounds once (64-bit), per-tensor: twice
    per_channel = imp.quant(wt)[0].size > 1
    res = imp.requant_stages(acc, ms, ss, out_zp, lo, hi, f"t{out}", single=per_channel)
    want = imp.shape(out)
    if want and tuple(want) != tuple(res.type.shape):  # type: ignore[attr-defined]
        res = imp.emit(qnn.ReshapeOp, TensorType(want, SI8), [res], {}, hint=f"t{out}")
    imp.bind(out, res)


def _clamp(imp: TfliteImporter, v: Value, lo: int, hi: int, hint: str) -> Value:
    """``v`` clamped to the activation range (nothing when it is the whole int8 range)."""
    if (lo, hi) == (INT8_MIN, INT8_MAX):
        return v
    return imp.emit(qnn.ClipOp, v.type, [v], {"min": IntegerAttr(lo, i64), "max": IntegerAttr(hi, i64)}, hint=hint)  # type: ignore[arg-type]


def _same_quant(imp: TfliteImporter, x: QVal, out: int) -> tuple[float, int]:
    """Output tensor ``out``'s scale and zero point, which must be its input ``x``'s (pools, RESHAPE
    and PAD move values without rescaling them)."""
    scale, zp = imp.act_quant(out, "output")
    if (scale, zp) != (x.scale, x.zp):
        raise imp.error(f"expected the output quantized as the input (scale {_f32(x.scale)}, zero point {x.zp}), found scale {_f32(scale)}, zero point {zp}")
    return scale, zp


def _centred(imp: TfliteImporter, v: Value, shape: tuple[int, ...], add: int, lo: int, hi: int, hint: str) -> Value:
    """``clip(v + add, lo, hi)`` as an si32 ``qnn.requant`` (mul 1, shift 0): a zero point taken
    off before a rescale."""
    return imp.emit(
        qnn.RequantOp, TensorType(shape, SI32), [v],
        {"mul": IntegerAttr(1, i64), "add": IntegerAttr(add, i64), "shift": IntegerAttr(0, i64), "min": IntegerAttr(lo, i64), "max": IntegerAttr(hi, i64)},
        hint=hint,
    )


def _pool(imp: TfliteImporter, op: Any, avg: bool) -> None:
    """``AVERAGE_POOL_2D`` / ``MAX_POOL_2D`` (input and output share scale and zero point)."""
    x = imp.input(int(op.Inputs(0)))
    out = int(op.Outputs(0))
    o_opt = imp.options(op, "Pool2DOptions")
    scale, zp = _same_quant(imp, x, out)
    n, h, w, c = x.shape
    k = (int(o_opt.FilterHeight()), int(o_opt.FilterWidth()))
    s = (int(o_opt.StrideH()), int(o_opt.StrideW()))
    pads = _padding(imp, int(o_opt.Padding()), (h, w), k, s, (1, 1))
    ho, wo = qnn.pool_output_hw((h, w), k, s, tuple(pads), False)
    props: dict[str, Attribute] = {"kernel": i64_array(list(k)), "strides": i64_array(list(s)), "pads": i64_array(pads)}
    lo, hi = imp.act_range(int(o_opt.FusedActivationFunction()), scale, zp)
    count = k[0] * k[1]
    if avg and not any(pads) and count % 2:
        # Every window holds an odd count n: no quotient is a tie, so rounding half away from
        # zero is floor((sum + (n - 1) / 2) / n), which the C runtime runs (a sum pool + requant).
        total = imp.emit(qnn.AvgPoolOp, TensorType((n, ho, wo, c), SI32), [x.value], {**props, "div": IntegerAttr(1, i64)}, hint=f"t{out}_sum")
        rq: dict[str, Attribute] = {"mul": IntegerAttr(1, i64), "add": IntegerAttr(count // 2, i64), "div": IntegerAttr(count, i64), "min": IntegerAttr(lo, i64), "max": IntegerAttr(hi, i64)}
        imp.bind(out, imp.emit(qnn.RequantOp, TensorType((n, ho, wo, c), SI8), [total], rq, hint=f"t{out}"))
        return
    if avg:
        props["rounding"] = StringAttr("half_away")
    v = imp.emit(qnn.AvgPoolOp if avg else qnn.MaxPoolOp, TensorType((n, ho, wo, c), SI8), [x.value], props, hint=f"t{out}")
    imp.bind(out, _clamp(imp, v, lo, hi, f"t{out}"))


def _avgpool(imp: TfliteImporter, op: Any) -> None:
    _pool(imp, op, avg=True)


def _maxpool(imp: TfliteImporter, op: Any) -> None:
    _pool(imp, op, avg=False)


def _add(imp: TfliteImporter, op: Any) -> None:
    """int8 ``ADD``: TFLite's ``(x - zp) << 20``, per-input and output multipliers (add.cc)."""
    a, b = imp.input(int(op.Inputs(0))), imp.input(int(op.Inputs(1)))
    out = int(op.Outputs(0))
    if a.shape != b.shape:
        raise imp.error(f"expected inputs of the same shape, found {list(a.shape)} and {list(b.shape)} (broadcasting is not supported)")
    out_scale, out_zp = imp.act_quant(out, "output")
    # the scales as add.cc computes them: 2 * max(float, float) in float, the rest in double
    sa, sb, so = (float(np.float32(v)) for v in (a.scale, b.scale, out_scale))
    twice_max = float(np.float32(2) * np.float32(max(sa, sb)))
    out_den = float(np.float32(1 << ADD_LEFT_SHIFT) * np.float32(so))
    branches = []
    for i, x in enumerate((a, b)):
        mi, si = quantize_multiplier((sa if i == 0 else sb) / twice_max)
        # (x - zp) << 20 then the high multiply: fold the offset into the first stage's add
        shifted = imp.emit(
            qnn.RequantOp, TensorType(x.shape, SI32), [x.value],
            {"mul": IntegerAttr(1 << ADD_LEFT_SHIFT, i64), "add": IntegerAttr(-x.zp << ADD_LEFT_SHIFT, i64), "shift": IntegerAttr(0, i64),
             "min": IntegerAttr(SI32.min_value, i64), "max": IntegerAttr(SI32.max_value, i64)},
            hint=f"t{out}_in{i}",
        )
        branches.append(imp.requant_high_mul(shifted, np.array([mi]), np.array([si]), f"t{out}_in{i}"))
    total = imp.emit(qnn.AddOp, TensorType(a.shape, SI32), branches, {}, hint=f"t{out}_sum")
    mo, so_ = quantize_multiplier(twice_max / out_den)
    o_opt = imp.options(op, "AddOptions")
    act = int(o_opt.FusedActivationFunction()) if o_opt is not None else 0
    lo, hi = imp.act_range(act, out_scale, out_zp)
    imp.bind(out, imp.requant_stages(total, np.array([mo]), np.array([so_]), out_zp, lo, hi, f"t{out}"))


def _reshape(imp: TfliteImporter, op: Any) -> None:
    """``RESHAPE``: row-major, the quantization unchanged."""
    x = imp.input(int(op.Inputs(0)))
    out = int(op.Outputs(0))
    scale, zp = _same_quant(imp, x, out)
    shape = imp.shape(out)
    if int(np.prod(shape)) != int(np.prod(x.shape)):
        raise imp.error(f"expected an output of {int(np.prod(x.shape))} elements, found shape {list(shape)}")
    imp.bind(out, imp.emit(qnn.ReshapeOp, TensorType(shape, SI8), [x.value], {}, hint=f"t{out}"))


def _mean(imp: TfliteImporter, op: Any) -> None:
    """int8 ``MEAN`` over H and W of a 4-D tensor (Keras' GlobalAveragePooling2D): TFLite's
    integer mean, ``MultiplyByQuantizedMultiplier(sum(x - zp_in), M', s')`` with the input/output
    multiplier divided by the element count ``n`` (``M' = (M << k) // n``, ``s' = s - k``,
    ``k = min(floor(log2 n), 32, 31 + s)``), ``+ zp_out``, clamped to int8."""
    x = imp.input(int(op.Inputs(0)))
    axes = sorted({int(a) % 4 for a in imp.const(int(op.Inputs(1)), _INT32, "axes").reshape(-1)}) if len(x.shape) == 4 else None
    if axes != [1, 2]:
        raise imp.error(f"expected MEAN over the H and W axes [1, 2] of a 4-D input, found axes {axes} of shape {list(x.shape)}")
    out = int(op.Outputs(0))
    scale, zp = imp.act_quant(out, "output")
    n_, _, _, c = x.shape
    count = x.shape[1] * x.shape[2]
    total = imp.emit(qnn.GlobalAvgPoolOp, TensorType((n_, 1, 1, c), SI32), [x.value], {"div": IntegerAttr(1, i64)}, hint=f"t{out}_sum")
    centred = _centred(imp, total, (n_, 1, 1, c), -count * x.zp, SI32.min_value, SI32.max_value, f"t{out}_acc")
    m, sh = quantize_multiplier(float(np.float32(x.scale)) / float(np.float32(scale)))
    k = min(count.bit_length() - 1, 32, 31 + sh)
    m, sh = (m << k) // count, sh - k
    v = imp.requant_stages(centred, np.array([m]), np.array([sh]), zp, INT8_MIN, INT8_MAX, f"t{out}")
    want = imp.shape(out)
    if tuple(want) != (n_, 1, 1, c):
        v.name_hint = f"t{out}_keep"
        v = imp.emit(qnn.ReshapeOp, TensorType(want, SI8), [v], {}, hint=f"t{out}")
    imp.bind(out, v)


def _relu(imp: TfliteImporter, op: Any, lo_f: float, hi_f: float | None) -> None:
    """int8 ``RELU`` / ``RELU6`` / ``RELU_N1_TO_1`` as operators of their own (TFLite's
    ``QuantizedReluX``): ``x - zp_in`` rescaled by ``QuantizeMultiplier(s_in / s_out)``,
    ``+ zp_out``, clamped to ``zp_out + round(lo / s_out)`` .. ``zp_out + round(hi / s_out)``
    (``roundf`` in float32) and int8."""
    x = imp.input(int(op.Inputs(0)))
    out = int(op.Outputs(0))
    scale, zp = imp.act_quant(out, "output")

    def q(f: float) -> int:
        return zp + round_half_away(float(np.float32(f) / np.float32(scale)))

    lo = max(INT8_MIN, q(lo_f))
    hi = INT8_MAX if hi_f is None else min(INT8_MAX, q(hi_f))
    centred = _centred(imp, x.value, tuple(x.shape), -x.zp, -256, 255, f"t{out}_in")
    m, sh = quantize_multiplier(float(np.float32(x.scale)) / float(np.float32(scale)))
    imp.bind(out, imp.requant_stages(centred, np.array([m]), np.array([sh]), zp, lo, hi, f"t{out}"))


def _pad(imp: TfliteImporter, op: Any) -> None:
    """int8 ``PAD``: ``qnn.pad`` with the zero point (TFLite pads int8 tensors with it)."""
    x = imp.input(int(op.Inputs(0)))
    out = int(op.Outputs(0))
    scale, zp = _same_quant(imp, x, out)
    pads = imp.const(int(op.Inputs(1)), _INT32, "paddings")
    rank = len(x.shape)
    if pads.shape != (rank, 2) or int(pads.min()) < 0:
        raise imp.error(f"expected non-negative paddings of shape [{rank}, 2], found {pads.tolist()}")
    flat = [int(v) for v in pads[:, 0]] + [int(v) for v in pads[:, 1]]
    shape = tuple(d + int(a) + int(b) for d, (a, b) in zip(x.shape, pads.tolist()))
    imp.bind(out, imp.emit(qnn.PadOp, TensorType(shape, SI8), [x.value], {"pads": i64_array(flat), "value": IntegerAttr(zp, i64)}, hint=f"t{out}"))


def _not_at_output(imp: TfliteImporter) -> None:
    raise imp.error("expected DEQUANTIZE only on a model output (left to the host), found it inside the network")


def _softmax(imp: TfliteImporter, op: Any) -> None:
    """int8 ``SOFTMAX``: ``qnn.softmax`` with the parameters TFLite's reference kernel derives."""
    x = imp.input(int(op.Inputs(0)))
    out = int(op.Outputs(0))
    scale, zp = imp.act_quant(out, "output")
    if (scale, zp) != (1.0 / 256, INT8_MIN):
        raise imp.error(f"expected the output quantized with scale 1/256 and zero point -128 (TFLite's int8 softmax), found scale {_f32(scale)}, zero point {zp}")
    o_opt = imp.options(op, "SoftmaxOptions")
    beta = float(np.float32(o_opt.Beta())) if o_opt is not None else 1.0
    mult, shift, diff_min = softmax_params(beta, x.scale)
    if shift < 0 or mult == 0:
        raise imp.error(f"expected beta x input scale x 2^26 > 1 (TFLite's QuantizeMultiplierGreaterThanOne), found beta {_f32(beta)}, input scale {_f32(x.scale)}")
    props: dict[str, Attribute] = {"mul": IntegerAttr(mult, i64), "left_shift": IntegerAttr(shift, i64), "diff_min": IntegerAttr(diff_min, i64)}
    imp.bind(out, imp.emit(qnn.SoftmaxOp, TensorType(x.shape, SI8), [x.value], props, hint=f"t{out}"))


def _quantize(imp: TfliteImporter, op: Any) -> None:
    """int8 -> int8 ``QUANTIZE`` (a requantisation, TFLite's ``Requantize``): ``x - zp_in``
    rescaled by ``QuantizeMultiplier(s_in / s_out)``, ``+ zp_out``, clamped to int8. A float
    ``QUANTIZE`` of the model's input is left to the host (`TfliteImporter._float_boundaries`)."""
    src = int(op.Inputs(0))
    imp.check_type(src, _INT8, "input")
    x = imp.input(src)
    out = int(op.Outputs(0))
    scale, zp = imp.act_quant(out, "output")
    centred = _centred(imp, x.value, tuple(x.shape), -x.zp, -256, 255, f"t{out}_in")
    m, sh = quantize_multiplier(float(np.float32(x.scale)) / float(np.float32(scale)))
    imp.bind(out, imp.requant_stages(centred, np.array([m]), np.array([sh]), zp, INT8_MIN, INT8_MAX, f"t{out}"))


def _concat(imp: TfliteImporter, op: Any) -> None:
    """``CONCATENATION`` of int8 tensors quantized as the output (what the converter makes)."""
    out = int(op.Outputs(0))
    scale, zp = imp.act_quant(out, "output")
    xs = [imp.input(int(t)) for t in op.InputsAsNumpy()]
    for t, x in zip(op.InputsAsNumpy(), xs):
        if (x.scale, x.zp) != (scale, zp):
            raise imp.error(f"input {imp.tensor_label(int(t))}: expected the output's quantization (scale {_f32(scale)}, zero point {zp}), found scale {_f32(x.scale)}, zero point {x.zp}")
    o_opt = imp.options(op, "ConcatenationOptions")
    axis = int(o_opt.Axis()) if o_opt is not None else 0
    rank = len(xs[0].shape)
    if not -rank <= axis < rank:
        raise imp.error(f"expected an axis in [{-rank}, {rank}), found {axis}")
    v = imp.emit(qnn.ConcatOp, TensorType(imp.shape(out), SI8), [x.value for x in xs], {"axis": IntegerAttr(axis % rank, i64)}, hint=f"t{out}")
    act = int(o_opt.FusedActivationFunction()) if o_opt is not None else 0
    lo, hi = imp.act_range(act, scale, zp)
    imp.bind(out, _clamp(imp, v, lo, hi, f"t{out}"))


_CONVERTERS: dict[str, Callable[[TfliteImporter, Any], None]] = {
    "ADD": _add,
    "AVERAGE_POOL_2D": _avgpool,
    "CONCATENATION": _concat,
    "CONV_2D": _conv2d,
    "DEQUANTIZE": lambda imp, op: _not_at_output(imp),
    "DEPTHWISE_CONV_2D": _depthwise,
    "FULLY_CONNECTED": _fully_connected,
    "MAX_POOL_2D": _maxpool,
    "MEAN": _mean,
    "PAD": _pad,
    "QUANTIZE": _quantize,
    "RELU": lambda imp, op: _relu(imp, op, 0.0, None),
    "RELU6": lambda imp, op: _relu(imp, op, 0.0, 6.0),
    "RELU_N1_TO_1": lambda imp, op: _relu(imp, op, -1.0, 1.0),
    "RESHAPE": _reshape,
    "SOFTMAX": _softmax,
}
"""The supported builtin operators, by TFLite name."""


def supported_tflite_ops() -> list[str]:
    """The names of the supported TFLite builtin operators."""
    return sorted(_CONVERTERS)


def is_tflite(path: str) -> bool:
    """Whether ``path`` holds a TFLite flatbuffer (file identifier ``TFL3`` at byte 4)."""
    try:
        with open(path, "rb") as f:
            return f.read(8)[4:8] == b"TFL3"
    except OSError:
        return False


def tflite_input_type_check(path: str, input_type: str | None) -> None:
    """A TFLite model's input is its int8 tensor: ``--input-type`` may only say ``si8``."""
    if input_type not in (None, "si8"):
        raise TfliteImportError(Location(path), f"--input-type: expected si8 or nothing for a TFLite model (its int8 input tensor), found '{input_type}'")


def import_tflite(path: str, warn: Callable[[str], None] | None = None) -> ModuleOp:
    """Load the ``.tflite`` flatbuffer at ``path`` and import it; raises `TfliteImportError`
    (located) on any problem."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise TfliteImportError(Location(path), f"cannot read TFLite model: {e.strerror or 'unreadable'}") from None
    try:
        import tflite
    except ImportError:
        raise TfliteImportError(Location(path), "cannot read TFLite model: expected the 'tflite' package (pip install 'dory[tflite]'), found it missing") from None
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise TfliteImportError(Location(path), f"cannot read TFLite model: expected a flatbuffer with identifier 'TFL3', found {data[4:8]!r}")
    try:
        model = tflite.Model.GetRootAsModel(data, 0)
        if model.SubgraphsLength() < 1:
            raise TfliteImportError(Location(path), "expected a TFLite model with a subgraph, found none")
        imp = TfliteImporter(model, data, path, warn)
        return imp.run()
    except TfliteImportError:
        raise
    except DiagnosticError:
        raise
    except Exception as e:  # flatbuffer reads past the end of corrupt data raise many types
        raise TfliteImportError(Location(path), f"cannot read TFLite model: expected a valid flatbuffer, found corrupt or truncated data ({type(e).__name__})") from None


def _formats_importer(model: Any, path: str, input_type: Any, warn: Callable[[str], None]) -> ModuleOp:
    """`frontend.formats`' entry: a ``.tflite`` given where an ONNX model is read (``dory-translate
    --from-onnx``, ``import_onnx``) is imported as such; ``input_type`` is the parsed
    ``--input-type`` (only si8 is the int8 input tensor)."""
    tflite_input_type_check(path, None if input_type is None else str(input_type))
    return import_tflite(path, warn=warn)


formats.register_importer(formats.TFLITE.key, _formats_importer)
