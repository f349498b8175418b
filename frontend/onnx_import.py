"""ONNX (NEMO / QuantLab integer-deployable export) -> ``qnn`` dialect: the import driver.

`import_onnx` loads a model and `OnnxImporter` walks its graph in order, keeping for every ONNX
tensor an `frontend.values.Entry` (integer IR value, pending requantisation chain, constant or
host-side float value). Each node goes to the converter registered for its op type
(`frontend.registry`, converters in ``frontend/onnx_convert/``); constant inputs are folded
first, and anything after a float post-processing op is left to the host.

Errors are `OnnxImportError`s naming the node (name and op type), what was expected and what was
found. Layout: see `frontend.values`.
"""

from __future__ import annotations

import sys
from typing import Any, Callable

import numpy as np

from dory.dory_ir.attributes import Attribute, DenseAttr, TypeAttr
from dory.dory_ir.core import Operation, Value, create_op
from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.dory_ir.dialects.builtin import ModuleOp
from dory.dory_ir.dialects.func import FuncOp, ReturnOp
from dory.dory_ir.dialects.qnn import ConstantOp
from dory.dory_ir.types import FunctionType, IntegerType, TensorType, parse_int_type
from dory.frontend.affine import Affine, AffineOverflow, Term, as_exact_int, first_non_integer
from dory.frontend import formats
from dory.frontend.registry import known_ops, lookup, lookup_folder, supported_ops
from dory.frontend.requant import emit_chain
from dory.frontend.values import Const, Entry, Host, IntVal, Layout, Pending, input_layout


class OnnxImportError(DiagnosticError):
    """A located import error: ``file: node 'Conv_3' (Conv): expected ..., found ...``."""


ONNX_INT_TYPES = {2, 3, 4, 5, 6, 7, 12, 13}
"""Element types of ONNX TensorProto.DataType that hold integers."""
ONNX_FLOAT_TYPES = {1, 10, 11, 16}
"""Element types of ONNX TensorProto.DataType that hold floats."""


class OnnxImporter:
    """Builds a ``builtin.module`` with one ``func.func @main`` from an ONNX model; the state and
    helpers every converter uses (diagnostics, attributes, constants, op emission, values)."""

    def __init__(self, model: Any, filename: str, input_type: IntegerType | None = None, warn: Callable[[str], None] | None = None):
        self.model = model
        self.filename = filename
        self.input_type = input_type
        self.warn = warn or (lambda msg: print(msg, file=sys.stderr))
        self.env: dict[str, Entry] = {}
        self.block: Any = None
        self.node_index: dict[int, int] = {}
        self.host_nodes: list[Any] = []
        self.materialised: dict[int, IntVal] = {}
        self.keepalive: list[Pending] = []

    # -- diagnostics -------------------------------------------------------------------------
    def node_label(self, node: Any) -> str:
        """``node 'name' (OpType)``; unnamed nodes are named by their index (``'#3'``)."""
        name = node.name or f"#{self.node_index.get(id(node), '?')}"
        return f"node '{name}' ({node.op_type})"

    def loc(self, node: Any) -> Location:
        """The location of ops emitted for ``node``: its name, else ``OpType_index``."""
        name = node.name or f"{node.op_type}_{self.node_index.get(id(node), 0)}"
        return Location(self.filename, name=name)

    def error(self, node: Any | None, msg: str) -> OnnxImportError:
        """An error located at ``node`` (or at the file when None)."""
        if node is None:
            return OnnxImportError(Location(self.filename), msg)
        return OnnxImportError(Location(self.filename, name=self.node_label(node)), msg)

    def unsupported(self, node: Any) -> OnnxImportError:
        """The error for an op type without a converter, listing the supported ones and every
        op type of the graph the importer does not know, with counts (one error for them all)."""
        types = [n.op_type for n in self.model.graph.node]
        counts = formats.unsupported_ops(types, known_ops())
        n = counts.get(node.op_type, 1)
        others = f"; the graph's unsupported operators: {formats.describe(counts)}" if len(counts) > 1 else ""
        return self.error(
            node,
            f"unsupported operator in a {formats.detect_onnx(types).title} graph: expected one of {', '.join(supported_ops())}, "
            f"found '{node.op_type}' ({n} node{'s' if n != 1 else ''}){others}",
        )

    # -- the graph walk --------------------------------------------------------------------------
    def run(self) -> ModuleOp:
        """Import the whole graph."""
        from dory.frontend.onnx_check import check_model
        from dory.frontend.onnx_proto import to_array

        g = self.model.graph
        check_model(self)  # before any initializer is read
        # Hold the node wrappers so their ids stay valid (unnamed nodes are located by index).
        self.nodes = list(g.node)
        for i, n in enumerate(self.nodes):
            self.node_index[id(n)] = i
        for init in g.initializer:
            self.env[init.name] = Const(to_array(init))
        inputs = [i for i in g.input if i.name not in self.env]
        if not inputs:
            raise self.error(None, "expected at least one graph input, found none")
        arg_types: list[TensorType] = []
        arg_layouts: list[tuple[tuple[int, ...], Layout]] = []
        for inp in inputs:
            shape, layout, ir_shape = self._input_shape(inp)
            # a QuantizeLinear's input is the centred quantized input (onnx_convert/qlinear.py)
            from dory.frontend.onnx_convert.qlinear import quantized_input_type

            et = self.input_type or quantized_input_type(self.model, inp.name) or IntegerType(8, "unsigned")
            arg_types.append(TensorType(ir_shape, et))
            arg_layouts.append((shape, layout))
        func = FuncOp.build("main", arg_types, [], [i.name for i in inputs])
        self.block = func.body
        for inp, arg, (shape, layout) in zip(inputs, func.body.args, arg_layouts):
            et = arg.type.element_type
            self.env[inp.name] = IntVal(arg, shape, layout, et.min_value, et.max_value)
        for node in self.nodes:
            self.visit(node)
        results = self._outputs()
        ret = ReturnOp.build([r.value for r in results])
        self.block.add_op(ret)
        func.properties["function_type"] = TypeAttr(FunctionType(tuple(arg_types), tuple(r.value.type for r in results)))
        module = ModuleOp.build([func])
        return module

    def _input_shape(self, inp: Any) -> tuple[tuple[int, ...], Layout, tuple[int, ...]]:
        tt = inp.type.tensor_type
        if not inp.type.HasField("tensor_type"):
            raise self.error(None, f"graph input '{inp.name}': expected a tensor, found another ONNX type")
        if tt.elem_type not in ONNX_INT_TYPES | ONNX_FLOAT_TYPES:
            raise self.error(None, f"graph input '{inp.name}': expected a numeric tensor, found element type {tt.elem_type}")
        dims = []
        for d in tt.shape.dim:
            if d.HasField("dim_value") and d.dim_value > 0:
                dims.append(int(d.dim_value))
            else:
                what = d.dim_param or "unknown"
                raise self.error(None, f"graph input '{inp.name}': expected a static shape, found dynamic dimension '{what}'")
        shape = tuple(dims)
        mapped = input_layout(shape)
        if mapped is None:
            raise self.error(None, f"graph input '{inp.name}': expected rank 1 to 4, found shape {list(shape)}")
        layout, ir_shape = mapped
        return shape, layout, ir_shape

    def visit(self, node: Any) -> None:
        """Import one node: check it (`frontend.onnx_check`), fold it if every input is a
        constant, leave it to the host if it is float post-processing (or follows some), else run
        its converter."""
        from dory.frontend.onnx_check import check_node

        ins = [self.env.get(n) if n else None for n in node.input]
        for name, e in zip(node.input, ins):
            if name and e is None:
                raise self.error(node, f"input '{name}' is not produced by any earlier node, initializer or graph input")
        check_node(self, node, ins)
        try:
            self._convert(node, ins)
        except AffineOverflow as e:
            raise self.error(node, f"expected the requantization arithmetic's multipliers, offsets and divisors below 2^62, found {e}") from None
        except DiagnosticError as e:
            # an IR constructor's error (a type or attribute it rejects) knows no location: the
            # node being converted is where it comes from
            if isinstance(e, OnnxImportError) or e.diagnostics[0].loc.file != Location().file:
                raise
            raise self.error(node, e.diagnostics[0].message) from None

    def _convert(self, node: Any, ins: list[Entry | None]) -> None:
        """`visit` past the checks: fold, leave to the host or convert."""
        op = node.op_type
        real = [e for e in ins if e is not None]
        fold = lookup_folder(op)
        if real and fold is not None and all(isinstance(e, Const) for e in real):
            self.bind(node, Const(fold(self, node, [e.array for e in real])))  # type: ignore[union-attr]
            return
        conv = lookup(op)
        host_in = next((e for e in real if isinstance(e, Host)), None)
        if host_in is not None and conv is not None and conv.layer:
            raise self.error(
                node,
                f"expected integer inputs, found the output of float op {self.node_label(host_in.node)}: float ops are only supported after the integer network",
            )
        if host_in is not None:
            self.leave_to_host(node)
            return
        if conv is None:
            raise self.unsupported(node)
        conv.fn(self, node, ins)

    def leave_to_host(self, node: Any) -> None:
        """Mark ``node`` as float post-processing: its outputs are host values."""
        self.host_nodes.append(node)
        for o in node.output:
            self.env[o] = Host(node)

    def bind(self, node: Any, entry: Entry, idx: int = 0) -> None:
        """Record ``entry`` as the value of the node's output ``idx``."""
        self.env[node.output[idx]] = entry

    # -- attributes and constants --------------------------------------------------------------
    def attrs(self, node: Any) -> dict[str, Any]:
        """The node's attributes as Python values."""
        from dory.frontend.onnx_proto import attribute_value

        return {a.name: attribute_value(a) for a in node.attribute}

    def int_const(self, node: Any, name: str, what: str) -> np.ndarray:
        """Tensor ``name`` as an int64 array: it must be a constant with exact integer values."""
        e = self.env.get(name)
        if not isinstance(e, Const):
            raise self.error(node, f"expected {what} '{name}' to be a constant (initializer), found a computed tensor")
        ints = as_exact_int(e.array)
        if ints is None:
            bad = first_non_integer(e.array)
            raise self.error(
                node,
                f"expected integer-valued {what} '{name}', found {bad!r} (a float model? export an integer-deployable network with NEMO or QuantLab)",
            )
        return ints

    def const_input(self, node: Any, idx: int, what: str) -> Const:
        """Input ``idx`` of ``node``, which must be a constant."""
        if idx >= len(node.input) or not node.input[idx]:
            raise self.error(node, f"expected a constant {what} as input {idx}, found none")
        e = self.env.get(node.input[idx])
        if not isinstance(e, Const):
            raise self.error(node, f"expected a constant {what}, found a computed tensor")
        return e

    # -- building --------------------------------------------------------------------------------
    def emit(
        self, node: Any, op_class: type[Operation], result_type: TensorType, operands: list[Value],
        props: dict[str, Attribute], hint: str | None = None,
    ) -> Value:
        """Append an ``op_class`` op located at ``node`` with exactly these properties; its result
        is named ``hint``, default the node's first output."""
        from dory.frontend.onnx_check import check_shape

        check_shape(self, node, result_type.shape)
        op = create_op(
            op_class.name,
            operands=operands,
            result_types=[result_type],
            properties=props,
            loc=self.loc(node),
            result_names=[hint if hint is not None else (node.output[0] if node.output else None)],
        )
        self.block.add_op(op)
        return op.results[0]

    def const_value(self, node: Any, arr: np.ndarray, elem: IntegerType, hint: str) -> Value:
        """Append a ``qnn.constant`` holding ``arr`` as ``elem``."""
        attr = DenseAttr.from_array(arr, elem)
        return self.emit(node, ConstantOp, attr.type, [], {"value": attr}, hint=hint)

    # -- values ----------------------------------------------------------------------------------
    def integer(self, node: Any, e: Entry | None, what: str = "input") -> IntVal:
        """The IR value of an input, materialising a pending requant chain if needed."""
        if isinstance(e, IntVal):
            return e
        if isinstance(e, Pending):
            return self.materialise(e)
        if isinstance(e, Host):
            raise self.error(
                node,
                f"expected an integer {what}, found the output of float op {self.node_label(e.node)} inside the integer network",
            )
        if isinstance(e, Const):
            raise self.error(node, f"expected a computed integer {what}, found a constant")
        raise self.error(node, f"expected an {what}, found none")

    def pending(self, e: Entry, node: Any) -> Pending:
        """A fresh chain starting from ``e`` (a copy if ``e`` is already a chain)."""
        if isinstance(e, Pending):
            return Pending(e.aff.copy(), e.onnx_shape, e.layout, e.node, e.name, e.sum_node)
        assert isinstance(e, IntVal)
        aff = Affine([Term(e, np.ones((), np.int64), e.lo, e.hi)], is_int=False)
        return Pending(aff, e.onnx_shape, e.layout, node, node.output[0])

    def materialise(self, p: Pending) -> IntVal:
        """Emit the ops computing a pending chain (once per chain: later uses share them)."""
        cached = self.materialised.get(id(p))
        if cached is not None:
            return cached
        res = emit_chain(self, p)
        self.materialised[id(p)] = res
        self.keepalive.append(p)  # ids must stay unique while cached
        return res

    # -- outputs -------------------------------------------------------------------------------
    def _outputs(self) -> list[IntVal]:
        from dory.frontend.onnx_check import check_results

        g = self.model.graph
        results: list[IntVal] = []
        seen: set[int] = set()

        def add(e: IntVal | Pending) -> None:
            x = e if isinstance(e, IntVal) else self.materialise(e)
            if id(x.value) not in seen:
                seen.add(id(x.value))
                results.append(x)

        host_outputs = False
        for out in g.output:
            e = self.env.get(out.name)
            if isinstance(e, Host):
                host_outputs = True
                continue
            if isinstance(e, (IntVal, Pending)):
                add(e)
        for hn in self.host_nodes:
            for name in hn.input:
                e = self.env.get(name)
                if isinstance(e, (IntVal, Pending)):
                    add(e)
        if not results:
            raise self.error(None, "expected at least one integer network output, found none" + (" (every output is float post-processing)" if host_outputs else ""))
        check_results(self, results)
        if self.host_nodes:  # only once the import succeeds: the error, if any, is the one line
            names = ", ".join(str(self.loc(n).name) for n in self.host_nodes)  # unnamed: OpType_index
            outs = ", ".join(f"'{r.value.name_hint}' ({r.type})" for r in results)
            self.warn(f"warning: {self.filename}: left {len(self.host_nodes)} float post-processing ops to the host: {names}; the network output is {outs}")
        return results


def import_onnx(path: str, input_type: str | None = None, warn: Callable[[str], None] | None = None) -> ModuleOp:
    """Load ``path`` and import it; raises `OnnxImportError` (located) on any problem."""
    from dory.frontend.onnx_proto import load

    et = None
    if input_type is not None:
        try:
            et = parse_int_type(input_type)
        except ValueError:
            raise OnnxImportError(Location(path), f"--input-type: expected an integer type like ui8 or si8, found '{input_type}'") from None
    say = warn or (lambda msg: print(msg, file=sys.stderr))
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        head = b""  # load() reports it
    ff = formats.detect_file(head)
    if ff is not None:
        fn = formats.importer_for(ff.key)
        if fn is None:
            raise OnnxImportError(Location(path), f"expected an ONNX model, found a {ff.title}, which dory does not import yet")
        return fn(None, path, et, say)
    try:
        model = load(path)
    except FileNotFoundError:
        raise OnnxImportError(Location(path), "cannot read ONNX model: file not found") from None
    except Exception as e:  # protobuf decode errors have many types
        raise OnnxImportError(Location(path), f"cannot read ONNX model: expected a valid ONNX protobuf, found corrupt or truncated data ({type(e).__name__})") from None
    if not model.graph.node:
        raise OnnxImportError(Location(path), "expected an ONNX graph with nodes, found an empty graph (corrupt or truncated file?)")
    from dory.frontend.qdq import QdqError, is_qdq, qdq_to_qoperator

    if is_qdq(model):  # onnxruntime's QDQ form -> its QOperator form (frontend/qdq.py), as its CPU EP fuses it
        try:
            model = qdq_to_qoperator(model)
        except QdqError as e:
            raise OnnxImportError(Location(path, name=f"node '{e.node.name or e.node.op_type}' ({e.node.op_type})"), str(e)) from None
    types = [n.op_type for n in model.graph.node]
    fmt = formats.detect_onnx(types)
    if fmt.key not in formats.BUILTIN:
        fn = formats.importer_for(fmt.key)
        if fn is None:
            raise OnnxImportError(Location(path), formats.unsupported_error(fmt, formats.unsupported_ops(types, known_ops())))
        return fn(model, path, et, say)
    # Float folding of a corrupt constant (x / 0, an overflow) gives inf or NaN, which the
    # converters reject as non-integer where it matters; numpy's RuntimeWarning about it would only
    # be noise printed before that one located error.
    with np.errstate(all="ignore"):
        return OnnxImporter(model, path, et, warn).run()
