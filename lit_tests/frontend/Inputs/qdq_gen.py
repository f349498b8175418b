"""Write the small QOperator / QDQ graphs the quantized importer's lit tests use (onnx.helper only).

    %python %S/Inputs/qdq_gen.py CASE OUT.onnx [CASE OUT.onnx ...]
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def _model(nodes: list, inits: dict, out: str = "y") -> onnx.ModelProto:
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 4])
    y = helper.make_tensor_value_info(out, TensorProto.FLOAT, None)
    g = helper.make_graph(nodes, "g", [x], [y], [numpy_helper.from_array(np.asarray(v), k) for k, v in inits.items()])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid("com.microsoft", 1)])
    m.ir_version = 8
    return m


def _qop(x_zp: int = 0, y_scale: str = "ys", in_zp: object = np.uint8(0)) -> onnx.ModelProto:
    inits = {"xs": np.float32(0.01), "xz": in_zp, "w": np.ones((3, 2, 3, 3), np.int8), "ws": np.float32(0.02),
             "wz": np.int8(0), "ys": np.float32(0.05), "yz": np.uint8(0), "xz2": np.uint8(x_zp)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"], name="quant_in"),
             helper.make_node("QLinearConv", ["xq", "xs", "xz2", "w", "ws", "wz", y_scale, "yz"], ["yq"], name="conv", pads=[1, 1, 1, 1]),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"], name="dequant_out")]
    return _model(nodes, inits)


def qop_conv() -> onnx.ModelProto:
    return _qop()


def non_constant_scale() -> onnx.ModelProto:
    return _qop(y_scale="xq")


def zero_point_type() -> onnx.ModelProto:
    return _qop(in_zp=np.int32(0))


def zero_point_mismatch() -> onnx.ModelProto:
    return _qop(x_zp=3)


def qdq_relu_between() -> onnx.ModelProto:
    """DQ -> Conv -> Relu -> Q: the Relu is between the Conv and its QuantizeLinear."""
    inits = {"xs": np.float32(0.01), "xz": np.uint8(0), "w": np.ones((3, 2, 3, 3), np.int8), "ws": np.float32(0.02),
             "wz": np.int8(0), "ys": np.float32(0.05), "yz": np.uint8(0)}
    nodes = [helper.make_node("QuantizeLinear", ["x", "xs", "xz"], ["xq"]),
             helper.make_node("DequantizeLinear", ["xq", "xs", "xz"], ["xd"]),
             helper.make_node("DequantizeLinear", ["w", "ws", "wz"], ["wd"]),
             helper.make_node("Conv", ["xd", "wd"], ["c"], name="conv"),
             helper.make_node("Relu", ["c"], ["r"], name="relu"),
             helper.make_node("QuantizeLinear", ["r", "ys", "yz"], ["yq"]),
             helper.make_node("DequantizeLinear", ["yq", "ys", "yz"], ["y"])]
    return _model(nodes, inits)


if __name__ == "__main__":
    args = sys.argv[1:]
    for case, path in zip(args[::2], args[1::2]):
        onnx.save(globals()[case](), path)
