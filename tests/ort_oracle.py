"""onnxruntime as an independent oracle for the end-to-end tests: the network's final deployed
layer computed by onnxruntime from the original ONNX file, on the same input, in the IR's layout
(NHWC / NLC), to compare with the C app's own final output bytes.

Where onnxruntime is integer-exact (see tests/test_shared_models.py's docstring): NEMO graphs
requantise in float32 with values float32 holds exactly; QuantLab's DORY adders carry their integer
requantisation in custom attributes onnxruntime ignores, so they are spelled out first
(`strip_and_expand_quantlab`). Our generated networks (driver/netgen.py) are NEMO-style.
"""
from __future__ import annotations

import numpy as np


def strip_and_expand_quantlab(model) -> None:  # type: ignore[no-untyped-def]
    """Drop QuantLab's extra attributes (onnxruntime rejects them) and spell its DORY adders out as
    standard ONNX ops with the same integer semantics."""
    from onnx import helper, numpy_helper

    new_nodes = []
    for n in model.graph.node:
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type == "Add" and "in1_mul" in attrs:
            ins = []
            for k, x in ((1, n.input[0]), (2, n.input[1])):
                if int(attrs.get(f"in{k}_rq", 1)):
                    c = lambda v, s: (s, numpy_helper.from_array(np.array(float(v), np.float32), s))  # noqa: E731
                    mname, mt = c(attrs[f"in{k}_mul"], f"{n.name}_m{k}")
                    aname, at = c(attrs[f"in{k}_add"], f"{n.name}_a{k}")
                    dname, dt = c(2 ** int(attrs[f"in{k}_shift"]), f"{n.name}_d{k}")
                    model.graph.initializer.extend([mt, at, dt])
                    t = f"{n.name}_in{k}"
                    new_nodes += [
                        helper.make_node("Mul", [x, mname], [t + "m"]),
                        helper.make_node("Add", [t + "m", aname], [t + "a"]),
                        helper.make_node("Div", [t + "a", dname], [t + "d"]),
                        helper.make_node("Floor", [t + "d"], [t]),
                    ]
                    x = t
                ins.append(x)
            assert not int(attrs.get("out_rq", 0))
            new_nodes += [
                helper.make_node("Add", ins, [n.output[0] + "_sum"]),
                helper.make_node("Clip", [n.output[0] + "_sum"], [n.output[0]], min=0.0, max=float(int(attrs.get("out_n_levels", 256)) - 1)),
            ]
            continue
        keep = [a for a in n.attribute if a.name not in ("weight_bits", "bias_bits", "mult_bits", "add_bits", "out_bits")]
        del n.attribute[:]
        n.attribute.extend(keep)
        new_nodes.append(n)
    del model.graph.node[:]
    model.graph.node.extend(new_nodes)


def final_layer_onnxruntime(onnx_path: str, x: np.ndarray) -> np.ndarray:
    """The last deployed layer's output (as `dory_ir.layers.find_layers` orders them on the imported
    network) computed by onnxruntime on ``x`` (the IR-layout input), in the IR's layout, as int64
    (every value checked integral: a fraction would say onnxruntime is not an integer oracle here)."""
    import onnx
    import onnxruntime as ort

    from dory.dory_ir.layers import find_layers
    from dory.frontend.onnx_import import import_onnx

    module = import_onnx(onnx_path, warn=lambda m: None)
    name = find_layers(module.body.ops[0])[-1].output.name_hint
    model = onnx.load(onnx_path)
    strip_and_expand_quantlab(model)
    if name not in {o.name for o in model.graph.output}:
        model.graph.output.append(onnx.helper.make_empty_tensor_value_info(name))
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    inp = model.graph.input[0]
    rank = len(inp.type.tensor_type.shape.dim)
    xin = x.transpose(0, 3, 1, 2) if rank == 4 else x.reshape(x.shape[0], x.shape[2], x.shape[3]).transpose(0, 2, 1)
    (o,) = sess.run([name], {inp.name: xin.astype(np.float32)})
    o = np.asarray(o, dtype=np.float64)
    if o.ndim == 4:
        o = o.transpose(0, 2, 3, 1)
    elif o.ndim == 3:
        o = o.transpose(0, 2, 1)
    assert np.array_equal(o, np.floor(o)), f"{onnx_path}: onnxruntime's {name} is not integral"
    return o.astype(np.int64)


def float_average_pools(onnx_path: str) -> list[str]:
    """The (Global)AveragePool nodes of the graph whose window holds a count of values that is not a
    power of two: onnxruntime divides their float32 sums, which rounds (a 7x7 window: / 49), where
    the deployed network (and NEMO's own integer semantics) floors an integer division; downstream
    requantisation and a classifier amplify a one-step difference. Empty: onnxruntime is exact."""
    import onnx
    from onnx import helper, shape_inference

    model = shape_inference.infer_shapes(onnx.load(onnx_path))
    shapes = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim]
              for v in list(model.graph.value_info) + list(model.graph.input) + list(model.graph.output)}
    out = []
    for n in model.graph.node:
        if n.op_type == "AveragePool":
            k = helper.get_attribute_value(next(a for a in n.attribute if a.name == "kernel_shape"))
            count = int(np.prod(k))
        elif n.op_type == "GlobalAveragePool":
            dims = shapes.get(n.input[0], [])
            count = int(np.prod(dims[2:])) if len(dims) > 2 and all(dims[2:]) else 0
        else:
            continue
        if count & (count - 1):
            out.append(f"{n.name or n.op_type} ({count} values)")
    return out


class NotAnOracle(Exception):
    """onnxruntime computes this network's final output in float where the deployed network does not
    (`float_average_pools`): the two differ by design, which says nothing about the app."""


def assert_final_output_matches_onnxruntime(onnx_path: str, x: np.ndarray, got: bytes, dtype: str) -> None:
    """The C app's final output bytes ``got`` (the last step's, element type ``dtype``) equal
    onnxruntime's final layer on the same input, packed the same way. A difference raises
    AssertionError, or NotAnOracle (with the measured deviation) where onnxruntime is not exact."""
    from dory.backends.gap8.emit import pack, unpack

    o = final_layer_onnxruntime(onnx_path, x)
    want = pack(o, dtype)
    assert len(got) == len(want), f"{onnx_path}: the app's final output has {len(got)} bytes, onnxruntime's {len(want)}"
    if got == want:
        return
    gv = unpack(got, dtype).reshape(o.shape)
    deviation = (f"{int((gv != o).sum())} of {o.size} final values differ, max |difference| "
                 f"{int(np.abs(gv - o).max())} of max |value| {int(np.abs(o).max())}")
    inexact = float_average_pools(onnx_path)
    if inexact:
        raise NotAnOracle(f"onnxruntime is not an integer oracle here: {', '.join(inexact)} average in float32 over "
                          f"a window that is not a power of two (measured: {deviation})")
    raise AssertionError(f"{onnx_path}: the app's final output differs from onnxruntime's: {deviation}")


def check_final_output(onnx_path: str, x: np.ndarray, got: bytes, dtype: str) -> None:
    """`assert_final_output_matches_onnxruntime` for the pytest end-to-end tests, which have checked
    the app bit-exact against the reference interpreter first: where onnxruntime is not an oracle
    the test is skipped with the measured deviation, never passed silently."""
    import pytest

    try:
        assert_final_output_matches_onnxruntime(onnx_path, x, got, dtype)
    except NotAnOracle as e:
        pytest.skip(f"{e}; the app is bit-exact with the reference interpreter")


def main(argv: list[str]) -> int:
    """``python tests/ort_oracle.py MODEL.onnx INPUT.npy FINAL_STEP.bin``: check an app's dumped final
    output (the last step's ``step_NNN.bin``) against onnxruntime on the input the app was compiled
    with (dory-compile --input INPUT.npy, IR layout), for the lit tests. The element size is the
    dump's size over the output's element count; in-range values pack to the same bytes signed or
    unsigned."""
    import sys

    onnx_path, input_path, dump_path = argv
    o = final_layer_onnxruntime(onnx_path, np.load(input_path))
    with open(dump_path, "rb") as f:
        got = f.read()
    size = len(got) // max(1, o.size)
    dtype = {1: "DORY_S8", 2: "DORY_S16", 4: "DORY_S32", 8: "DORY_S64"}.get(size)
    if dtype is None or size * o.size != len(got):
        print(f"ort_oracle: {dump_path}: {len(got)} bytes for {o.size} values", file=sys.stderr)
        return 1
    try:
        assert_final_output_matches_onnxruntime(onnx_path, np.load(input_path), got, dtype)
    except AssertionError as e:
        print(f"ort_oracle: MISMATCH: {e}")
        return 1
    except NotAnOracle as e:
        print(f"ort_oracle: {e}", file=sys.stderr)
        return 2
    print(f"ort_oracle: the final output matches onnxruntime ({o.size} values, {len(got)} bytes)")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
