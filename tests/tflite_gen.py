"""Generate full-integer int8 ``.tflite`` test networks with TensorFlow's own converter.

    python tests/tflite_gen.py OUTDIR [NAME ...]

Each network is a small Keras model with seeded random weights, converted by
``tf.lite.TFLiteConverter`` with a representative dataset (``Optimize.DEFAULT``, builtin int8 ops
only, int8 input and output): exactly what a TFLite Micro user deploys. Needs ``tensorflow``
(``pip install tensorflow-cpu``, the ``tflite-gen`` extra); tests that use it skip when it is
absent. `build_all` writes ``OUTDIR/NAME.tflite``; tests cache OUTDIR under ``build/`` keyed by
this file's hash (tests/tflite_models.py), so an edit here regenerates every model.
"""

from __future__ import annotations

import os
import sys
from typing import Any, Callable

NETWORKS = ("small_cnn", "dw_separable", "residual_softmax", "float_io_concat", "relu_valid")
"""The generated networks: a small CNN (conv, max/avg pool, a depthwise conv with multiplier 2,
fully connected), a MobileNet-like depthwise-separable stack (SAME/VALID, stride 2, RELU6, a
SAME average pool whose windows differ in size), a residual net with ADD, RESHAPE, a per-tensor
quantized FULLY_CONNECTED and an int8 SOFTMAX at the end, and a float-input/output model (QUANTIZE
and DEQUANTIZE at its ends, as the converter leaves them without int8 I/O) with a CONCATENATION
and a MEAN (GlobalAveragePooling2D); relu_valid uses only what the C runtime runs today (VALID
padding, fused RELU/RELU6 on every conv, an odd VALID average pool, a per-channel FULLY_CONNECTED):
the host app test."""


_B = {"bias_initializer": "random_normal"}
"""Random (not zero) biases, so the bias path and its zero-point correction are exercised."""


def _small_cnn(k: Any) -> Any:
    inp = k.Input((16, 16, 3), batch_size=1)
    x = k.layers.Conv2D(8, 3, padding="same", activation="relu", **_B)(inp)
    x = k.layers.MaxPooling2D(2)(x)
    x = k.layers.DepthwiseConv2D(3, depth_multiplier=2, padding="same", **_B)(x)
    x = k.layers.Conv2D(16, 3, padding="valid", activation="relu", **_B)(x)
    x = k.layers.AveragePooling2D(2)(x)
    x = k.layers.Flatten()(x)
    x = k.layers.Dense(10, **_B)(x)
    return k.Model(inp, x)


def _dw_separable(k: Any) -> Any:
    inp = k.Input((24, 24, 3), batch_size=1)
    x = k.layers.Conv2D(8, 3, strides=2, padding="same", activation="relu6", **_B)(inp)
    for ch, stride in ((16, 1), (24, 2), (24, 1)):
        x = k.layers.DepthwiseConv2D(3, strides=stride, padding="same", activation="relu6", **_B)(x)
        x = k.layers.Conv2D(ch, 1, activation="relu6", **_B)(x)
    x = k.layers.DepthwiseConv2D(3, padding="valid", **_B)(x)
    x = k.layers.AveragePooling2D(3, strides=2, padding="same")(x)
    x = k.layers.Reshape((-1,))(x)
    x = k.layers.Dense(5, **_B)(x)
    return k.Model(inp, x)


def _residual_softmax(k: Any) -> Any:
    inp = k.Input((12, 12, 4), batch_size=1)
    x = k.layers.Conv2D(8, 3, padding="same", activation="relu", **_B)(inp)
    y = k.layers.Conv2D(8, 3, padding="same", activation="relu", **_B)(x)
    y = k.layers.Conv2D(8, 3, padding="same", **_B)(y)
    x = k.layers.ReLU()(k.layers.Add()([x, y]))
    z = k.layers.Conv2D(8, 1, **_B)(x)
    x = k.layers.Add()([x, z])
    x = k.layers.MaxPooling2D(3, strides=2, padding="same")(x)
    x = k.layers.Reshape((-1,))(x)
    x = k.layers.Dense(6, **_B)(x)
    x = k.layers.Softmax()(x)
    return k.Model(inp, x)


def _float_io_concat(k: Any) -> Any:
    inp = k.Input((10, 10, 3), batch_size=1)
    x = k.layers.ZeroPadding2D(1)(inp)
    x = k.layers.Conv2D(8, 3, activation="relu", **_B)(x)
    y = k.layers.Conv2D(4, 1, **_B)(x)
    z = k.layers.DepthwiseConv2D(3, padding="same", activation="relu", **_B)(x)
    x = k.layers.Concatenate()([y, z])
    x = k.layers.GlobalAveragePooling2D()(x)
    x = k.layers.Dense(4, **_B)(x)
    return k.Model(inp, x)


def _relu_valid(k: Any) -> Any:
    inp = k.Input((16, 16, 3), batch_size=1)
    x = k.layers.Conv2D(8, 3, activation="relu", **_B)(inp)
    x = k.layers.MaxPooling2D(2)(x)
    x = k.layers.Conv2D(16, 3, activation="relu6", **_B)(x)
    x = k.layers.DepthwiseConv2D(3, activation="relu", **_B)(x)
    x = k.layers.Conv2D(8, 1, activation="relu", **_B)(x)
    x = k.layers.AveragePooling2D(3)(x)
    x = k.layers.Flatten()(x)
    x = k.layers.Dense(10, **_B)(x)
    return k.Model(inp, x)


_BUILDERS: dict[str, Callable[[Any], Any]] = {
    "small_cnn": _small_cnn,
    "dw_separable": _dw_separable,
    "residual_softmax": _residual_softmax,
    "float_io_concat": _float_io_concat,
    "relu_valid": _relu_valid,
}


def build(name: str, seed: int = 0) -> bytes:
    """The ``.tflite`` flatbuffer of network ``name`` (seeded: the same bytes on every run)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    tf.keras.utils.set_random_seed(seed)
    model = _BUILDERS[name](tf.keras)
    shape = tuple(int(d) for d in model.inputs[0].shape)
    rng = np.random.default_rng(seed)
    samples = [rng.uniform(-1.0, 1.0, shape).astype(np.float32) for _ in range(32)]

    def representative() -> Any:
        for s in samples:
            yield [s]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    if name != "float_io_concat":
        conv.inference_input_type = tf.int8
        conv.inference_output_type = tf.int8
    if name == "residual_softmax":
        # per-tensor FULLY_CONNECTED weights here (per-channel in the others): both requant paths
        conv._experimental_disable_per_channel_quantization_for_dense_layers = True
    return bytes(conv.convert())


def build_all(outdir: str, names: tuple[str, ...] = NETWORKS) -> list[str]:
    """Write ``outdir/NAME.tflite`` for every name; returns the paths."""
    os.makedirs(outdir, exist_ok=True)
    paths = []
    for name in names:
        path = os.path.join(outdir, f"{name}.tflite")
        data = build(name)
        with open(path + ".tmp", "wb") as f:
            f.write(data)
        os.replace(path + ".tmp", path)
        paths.append(path)
    return paths


def main(argv: list[str]) -> int:
    """Command line: ``tflite_gen.py OUTDIR [NAME ...]``."""
    if not argv:
        print("usage: tflite_gen.py OUTDIR [NAME ...]", file=sys.stderr)
        return 2
    names = tuple(argv[1:]) or NETWORKS
    bad = [n for n in names if n not in _BUILDERS]
    if bad:
        print(f"tflite_gen.py: unknown network '{bad[0]}', expected one of {', '.join(NETWORKS)}", file=sys.stderr)
        return 2
    for p in build_all(argv[0], names):
        print(p)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
