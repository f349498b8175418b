"""ONNX QDQ graphs (QuantizeLinear / DequantizeLinear around float ops, onnxruntime's
``quantize_static(quant_format=QDQ)``) rewritten to the QOperator form the importer takes
(`frontend.onnx_convert.qlinear`), as onnxruntime's CPU execution provider fuses them:

| QDQ pattern (DQ: DequantizeLinear, Q: QuantizeLinear) | becomes |
|---|---|
| DQ(x), DQ(w const), [DQ(b int32 const)] -> Conv -> Q | QLinearConv |
| DQ(x), DQ(w const), [DQ(b)] -> Gemm -> Q | com.microsoft QGemm |
| DQ(x), DQ(w const) -> MatMul -> Q | QLinearMatMul |
| DQ(a), DQ(b) -> Add -> Q | com.microsoft QLinearAdd |
| DQ(x) -> GlobalAveragePool -> Q | com.microsoft QLinearGlobalAveragePool |
| DQ(x) -> MaxPool / Flatten / Reshape / Transpose / Identity -> Q (same scale and zero point) | the op on the quantized tensor |

A DequantizeLinear left (the network's outputs, float post-processing) stays; an op between a
DequantizeLinear and a QuantizeLinear that matches no pattern is an error naming it. Node names
are kept, so errors and IR locations name the original nodes. `onnx` is imported lazily.
"""

from __future__ import annotations

from typing import Any

QUANTIZED = {"Conv", "Gemm", "MatMul", "Add", "GlobalAveragePool"}
"""Ops fused with their DequantizeLinear inputs and QuantizeLinear output."""
PASS_THROUGH = {"MaxPool", "Flatten", "Reshape", "Transpose", "Identity"}
"""Ops that run on the quantized tensor itself (same scale and zero point in and out)."""


class QdqError(ValueError):
    """An unsupported QDQ pattern: ``node`` (the ONNX node) and the message."""

    def __init__(self, node: Any, msg: str) -> None:
        super().__init__(msg)
        self.node = node


def is_qdq(model: Any) -> bool:
    """Whether some quantizable op reads a DequantizeLinear's output (a QDQ graph)."""
    dq_out = {n.output[0] for n in model.graph.node if n.op_type == "DequantizeLinear"}
    return any(n.op_type in QUANTIZED | PASS_THROUGH and any(i in dq_out for i in n.input) for n in model.graph.node)


def qdq_to_qoperator(model: Any) -> Any:
    """A copy of QDQ ``model`` in QOperator form (see the module docstring); raises `QdqError`."""
    import onnx
    from onnx import helper

    from dory.frontend.onnx_proto import to_array

    g = model.graph
    inits = {i.name: i for i in g.initializer}
    dq = {n.output[0]: n for n in g.node if n.op_type == "DequantizeLinear"}
    consumers: dict[str, list[Any]] = {}
    for n in g.node:
        for i in n.input:
            consumers.setdefault(i, []).append(n)
    graph_outputs = {o.name for o in g.output}

    def sole_q(node: Any) -> Any:
        cs = consumers.get(node.output[0], [])
        if len(cs) != 1 or cs[0].op_type != "QuantizeLinear" or node.output[0] in graph_outputs:
            raise QdqError(node, f"unsupported QDQ pattern: expected the output of {node.op_type} to feed exactly one QuantizeLinear, found {', '.join(c.op_type for c in cs) or 'none'}")
        return cs[0]

    def act(node: Any, name: str) -> Any:
        d = dq.get(name)
        if d is None or d.input[0] in inits:
            raise QdqError(node, f"unsupported QDQ pattern: expected input '{name}' of {node.op_type} to come from a DequantizeLinear of an activation, found another producer")
        return d

    def const(node: Any, name: str, what: str) -> Any:
        d = dq.get(name)
        if d is None or d.input[0] not in inits:
            raise QdqError(node, f"unsupported QDQ pattern: expected the {what} '{name}' of {node.op_type} to be a DequantizeLinear of an initializer, found another producer")
        return d

    def qparams(d: Any) -> list[str]:
        return [d.input[1], d.input[2] if len(d.input) > 2 else ""]

    def same_qparams(a: Any, b: Any) -> bool:
        pa, pb = qparams(a), qparams(b)
        if pa == pb:
            return True
        try:
            return all(x in inits and y in inits and (to_array(inits[x]) == to_array(inits[y])).all() for x, y in zip(pa, pb))
        except Exception:
            return False

    fused_q: set[int] = set()
    new_nodes: list[Any] = []
    where: dict[int, int] = {}  # a new node's position: its original's
    for k, n in enumerate(g.node):
        where[id(n)] = k
        op = n.op_type
        if op == "DequantizeLinear" or id(n) in fused_q:
            continue
        if op not in QUANTIZED | PASS_THROUGH or not any(i in dq for i in n.input):
            new_nodes.append(n)
            continue
        q = sole_q(n)
        fused_q.add(id(q))
        out = q.output[0]
        yq = [q.input[1], q.input[2] if len(q.input) > 2 else ""]
        attrs = {a.name: helper.get_attribute_value(a) for a in n.attribute}
        if op == "Conv" or op == "Gemm" or op == "MatMul":
            x = act(n, n.input[0])
            w = const(n, n.input[1], "weight")
            ins = [x.input[0], *qparams(x), w.input[0], *qparams(w)]
            b = const(n, n.input[2], "bias").input[0] if len(n.input) > 2 and n.input[2] else ""
            if op == "Conv":
                new = helper.make_node("QLinearConv", [*ins, *yq, b] if b else [*ins, *yq], [out], name=n.name, **attrs)
            elif op == "Gemm":
                new = helper.make_node("QGemm", [*ins, b, *yq], [out], name=n.name, domain="com.microsoft", **attrs)
            else:
                new = helper.make_node("QLinearMatMul", [*ins, *yq], [out], name=n.name)
        elif op == "Add":
            a, b2 = act(n, n.input[0]), act(n, n.input[1])
            new = helper.make_node("QLinearAdd", [a.input[0], *qparams(a), b2.input[0], *qparams(b2), *yq], [out], name=n.name, domain="com.microsoft")
        elif op == "GlobalAveragePool":
            x = act(n, n.input[0])
            new = helper.make_node("QLinearGlobalAveragePool", [x.input[0], *qparams(x), *yq], [out], name=n.name, domain="com.microsoft", channels_last=0)
        else:
            x = act(n, n.input[0])
            if not same_qparams(x, q):
                raise QdqError(n, f"unsupported QDQ pattern: expected {op} between a DequantizeLinear and a QuantizeLinear of the same scale and zero point, found different ones")
            new = helper.make_node(op, [x.input[0], *n.input[1:]], [out], name=n.name, **attrs)
        where[id(new)] = k
        new_nodes.append(new)
    # the DequantizeLinear of activations still read (outputs, float post-processing) stay
    used = {i for n in new_nodes for i in n.input} | graph_outputs
    kept = [d for d in g.node if d.op_type == "DequantizeLinear" and d.output[0] in used and d.input[0] not in inits]
    nodes = sorted(new_nodes + kept, key=lambda n: where[id(n)])
    out = onnx.ModelProto()
    out.CopyFrom(model)
    del out.graph.node[:]
    out.graph.node.extend(nodes)
    if not any(o.domain == "com.microsoft" for o in out.opset_import):
        out.opset_import.extend([helper.make_opsetid("com.microsoft", 1)])
    return out
