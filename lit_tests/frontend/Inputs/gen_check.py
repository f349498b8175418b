"""Write the malformed ONNX models of the importer's checks (frontend/onnx_check.py): each case is
one small valid NEMO conv layer with one thing broken, the classes of the fuzz campaign's
tracebacks (issue 16).

    %python %S/Inputs/gen_check.py OUTDIR CASE [CASE ...]     (writes OUTDIR/CASE.onnx)
    ... 2>&1 | %python %S/Inputs/gen_check.py --one-line | filecheck %s

``--one-line`` passes its input through when it is exactly one line, and fails otherwise (an
error is one line: no traceback, no warning before it).
"""

import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests"))

if sys.argv[1:] == ["--one-line"]:  # before the imports of onnx (2 s under load)
    lines = sys.stdin.read().splitlines()
    if len(lines) != 1:
        sys.exit(f"expected one line, found {len(lines)}:\n" + "\n".join(lines))
    print(lines[0])
    sys.exit(0)

import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

from onnx_graphs import G  # noqa: E402


def base() -> G:
    """x -> Conv_2 -> NEMO requant (Mul_4 Add_5 Cast_6 Mul_8 Div_10 Cast_11 Clip_12)."""
    g = G(shape=(1, 3, 8, 8))
    g.conv(np.arange(-54, 54).reshape(4, 3, 3, 3) % 7 - 3, pad=1)
    return g.bn_requant(np.array([1, 2, 3, 4]), np.array([0, 1, 2, 3]), 1, 16)


def node(m: onnx.ModelProto, prefix: str) -> onnx.NodeProto:
    return next(n for n in m.graph.node if n.name.startswith(prefix))


def attr(n: onnx.NodeProto, name: str) -> onnx.AttributeProto:
    return next(a for a in n.attribute if a.name == name)


def set_attr(n: onnx.NodeProto, name: str, value: object) -> None:
    """Replace (or add) attribute ``name`` by one of the type helper.make_attribute infers."""
    keep = [a for a in n.attribute if a.name != name]
    del n.attribute[:]
    n.attribute.extend(keep + [helper.make_attribute(name, value)])


def case(name: str) -> onnx.ModelProto:
    m = base().model()
    conv, clip, cast = node(m, "Conv_"), node(m, "Clip_"), node(m, "Cast_")
    w = m.graph.initializer[0]
    # -- the schema: counts, required inputs and attributes, attribute types
    if name == "conv_one_input":
        del conv.input[1:]
    elif name == "div_one_input":
        del node(m, "Div_").input[1]
    elif name == "clip_no_output":
        del clip.output[:]
    elif name == "cast_no_to":
        del cast.attribute[:]
    elif name == "strides_int":
        set_attr(conv, "strides", 2)
    elif name == "group_ints":
        set_attr(conv, "group", [1, 1])
    elif name == "cast_to_string":
        set_attr(cast, "to", "int64")
    elif name == "clip_min_floats":
        set_attr(clip, "min", [0.0, 1.0])
    elif name == "pad_value_tensor":
        m.graph.node.insert(0, helper.make_node("Pad", ["x"], ["xp"], name="Pad_0", pads=[0, 0, 1, 1, 0, 0, 1, 1],
                                                value=numpy_helper.from_array(np.array(0.0, np.float32))))
        conv.input[0] = "xp"
    elif name == "attr_undefined":
        attr(conv, "strides").type = 0
    elif name == "attr_reference":
        attr(conv, "group").ref_attr_name = "g"
    # -- value ranges
    elif name == "strides_zero":
        set_attr(conv, "strides", [0, 1])
    elif name == "dilations_zero":
        set_attr(conv, "dilations", [1, 0])
    elif name == "pads_huge":
        set_attr(conv, "pads", [1 << 20, 1 << 20, 1 << 20, 1 << 20])
    elif name == "pads_negative":
        set_attr(conv, "pads", [1, 1, -1, 1])
    elif name == "group_zero":
        set_attr(conv, "group", 0)
    elif name == "maxpool_kernel_zero":
        m.graph.node.append(helper.make_node("MaxPool", [clip.output[0]], ["mp"], name="MaxPool_20", kernel_shape=[0, 2]))
        m.graph.output[0].name = "mp"
    elif name == "pad_value_inf":
        m.graph.node.insert(0, helper.make_node("Pad", ["x"], ["xp"], name="Pad_0", pads=[0, 0, 1, 1, 0, 0, 1, 1], value=float("inf")))
        conv.input[0] = "xp"
    elif name == "clip_nan":
        set_attr(clip, "max", float("nan"))
    elif name == "clip_huge":
        set_attr(clip, "max", 1e30)
    elif name == "cast_to_99":
        attr(cast, "to").i = 99
    elif name == "concat_axis":
        m.graph.node.append(helper.make_node("Concat", [clip.output[0], clip.output[0]], ["cc"], name="Concat_20", axis=5))
        m.graph.output[0].name = "cc"
    elif name == "quantlab_add_no_shift":
        m.graph.node.append(helper.make_node("Add", [clip.output[0], clip.output[0]], ["qa"], name="Add_20", in1_mul=3, in1_add=0,
                                             in2_mul=1, in2_add=0, in2_shift=1, out_n_levels=256))
        m.graph.output[0].name = "qa"
    elif name == "requant_overflow":
        big = numpy_helper.from_array(np.array(2.0**40, np.float32), "big")
        m.graph.initializer.append(big)
        m.graph.node.insert(list(m.graph.node).index(clip), helper.make_node("Mul", [clip.input[0], "big"], ["m1"], name="Mul_30"))
        m.graph.node.insert(list(m.graph.node).index(clip), helper.make_node("Mul", ["m1", "big"], ["m2"], name="Mul_31"))
        clip.input[0] = "m2"
    elif name == "fold_cast_inf":
        m.graph.node.insert(0, helper.make_node("Constant", [], ["cinf"], name="Constant_40", value=numpy_helper.from_array(np.array(np.inf, np.float32))))
        m.graph.node.insert(1, helper.make_node("Cast", ["cinf"], ["cint"], name="Cast_41", to=TensorProto.INT64))
    elif name == "fold_div_zero":
        m.graph.node.insert(0, helper.make_node("Constant", [], ["c0"], name="Constant_40", value=numpy_helper.from_array(np.array(0, np.int64))))
        m.graph.node.insert(1, helper.make_node("Div", ["c0", "c0"], ["cq"], name="Div_41"))
    elif name == "reshape_no_shape":
        m.graph.node.append(helper.make_node("Reshape", [clip.output[0]], ["rs"], name="Reshape_20"))
        m.graph.output[0].name = "rs"
    elif name == "reshape_bad_target":
        m.graph.initializer.append(numpy_helper.from_array(np.array([1, 0, 0, 0, 0], np.int64), "shp"))
        m.graph.node.append(helper.make_node("Reshape", [clip.output[0], "shp"], ["rs"], name="Reshape_20"))
        m.graph.output[0].name = "rs"
    elif name == "pool_empty_output":
        m.graph.node.append(helper.make_node("AveragePool", [clip.output[0]], ["ap"], name="AveragePool_20", kernel_shape=[9, 9]))
        m.graph.output[0].name = "ap"
    # -- initializers and constants
    elif name == "init_dims":
        w.dims[0] = 5
    elif name == "init_undefined":
        w.data_type = TensorProto.UNDEFINED
    elif name == "init_string":
        w.data_type = TensorProto.STRING
    elif name == "init_raw_short":
        w.raw_data = w.raw_data[:-3]
    elif name == "init_typed_count":
        w.ClearField("raw_data")
        w.float_data.extend([0.0] * 100)  # 108 expected
    elif name == "constant_undefined":
        attr(node(m, "Constant_"), "value").t.data_type = TensorProto.UNDEFINED
    # -- the graph
    elif name == "output_is_input":
        m.graph.output[0].name = "x"
    elif name == "identity_of_input":
        m.graph.node.append(helper.make_node("Identity", ["x"], ["xi"], name="Identity_20"))
        m.graph.output[0].name = "xi"
    elif name == "input_dim_huge":
        m.graph.input[0].type.tensor_type.shape.dim[2].dim_value = 1 << 40
    else:
        raise KeyError(name)
    return m


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: gen_check.py OUTDIR CASE [CASE ...]")
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for c in sys.argv[2:]:
        with open(os.path.join(out, c + ".onnx"), "wb") as f:
            f.write(case(c).SerializeToString())
