"""The ONNX op converters, one module per job; importing the package registers them all
(`frontend.registry`):

- `conv`: Conv, Gemm, MatMul (integer layers with constant weights),
- `pool`: MaxPool, AveragePool, GlobalAveragePool,
- `chain`: the requantisation arithmetic (Mul, Div, Add incl. QuantLab's adder, Floor, Cast,
  Clip, Relu), evaluated symbolically,
- `rqs`: QuantLab / Deeploy's RequantShift, into the same symbolic chain,
- `shape`: Pad, Flatten, Reshape, Transpose, Concat, Identity, Dropout,
- `fold`: Constant, Shape and the constant folders of shape arithmetic,
- `host`: float post-processing left to the host,
- `qlinear`: onnxruntime's quantized operators (QOperator; QDQ after `frontend.qdq`).
"""

from dory.frontend.onnx_convert import chain, conv, fold, host, pool, qlinear, rqs, shape  # noqa: F401
