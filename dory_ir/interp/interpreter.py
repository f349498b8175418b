"""The reference interpreter: runs a function of a module on int64 numpy arrays.

Op semantics live in per-dialect modules (``dory_ir/interp/qnn.py``, ...) that register one
implementation per op class with `impl` (an op name only for ops without a class, such as
``func.call``). A dialect's module is imported the first time one of its
ops runs, so ``dory-run`` on a qnn module never imports backend code (and vice versa).

An implementation receives the interpreter, the op and its operand arrays, and returns the
result arrays. The interpreter checks what comes back against the op's result types (shape and
element range), so an implementation bug or a mistyped op surfaces as a located error at that op
rather than as a wrong number further down. A terminator's implementation returns the values it
passes to its parent (``func.return`` -> the function's results).
"""

from __future__ import annotations

import importlib
from typing import Callable, Sequence

import numpy as np

from dory.dory_ir.attributes import StringAttr
from dory.dory_ir.core import Block, Operation, Value
from dory.dory_ir.diagnostics import DiagnosticError, Location
from dory.dory_ir.opdef import IsTerminator
from dory.dory_ir.interp.intmath import INT64_MAX, int64_range
from dory.dory_ir.types import FunctionType, IntegerType, MemRefType, TensorType, Type

ImplFn = Callable[["Interpreter", Operation, list[np.ndarray]], list[np.ndarray]]
"""``impl(interpreter, op, operands) -> results`` for one op class."""

OnResult = Callable[[Operation, list[np.ndarray]], None]
"""Called after every executed op with its result arrays (empty for terminators)."""

# Op class (or, for an op without a registered class, its name) -> implementation; filled by `impl`.
_IMPLS: dict[type[Operation] | str, ImplFn] = {}

# Dialect name -> module whose import registers that dialect's implementations.
_IMPL_MODULES: dict[str, str] = {
    "dory": "dory.dory_ir.interp.dory",
    "func": "dory.dory_ir.interp.func",
    "qnn": "dory.dory_ir.interp.qnn",
    "test": "dory.dory_ir.interp.test",
}
_LOADED_DIALECTS: set[str] = set()


def impl(*keys: type[Operation] | str) -> Callable[[ImplFn], ImplFn]:
    """Decorator registering the implementation of op classes (``@impl(qnn.Conv2dOp)``); an op
    name stands for an op that has no registered class (``@impl("func.call")``)."""

    def register(fn: ImplFn) -> ImplFn:
        for key in keys:
            if _IMPLS.get(key, fn) is not fn:
                name = key if isinstance(key, str) else key.name
                raise ValueError(f"an interpreter implementation for '{name}' is already registered")
            _IMPLS[key] = fn
        return fn

    return register


def register_impl_module(dialect: str, module: str) -> None:
    """Tell the interpreter which module implements ``dialect``'s ops (imported on first use).
    Backends call this for their own dialects."""
    _IMPL_MODULES[dialect] = module
    _LOADED_DIALECTS.discard(dialect)


def lookup_impl(op: Operation | type[Operation]) -> ImplFn | None:
    """The implementation of ``op`` (an op, or an op class), importing its dialect's module if
    needed."""
    cls = op if isinstance(op, type) else type(op)
    name = cls.name if isinstance(op, type) else op.op_name
    dialect = name.partition(".")[0]
    if dialect in _IMPL_MODULES and dialect not in _LOADED_DIALECTS:
        _LOADED_DIALECTS.add(dialect)
        importlib.import_module(_IMPL_MODULES[dialect])
    # A registered class runs its own implementation; a generic op is known only by its name.
    return _IMPLS.get(cls) if cls.name == name and cls.name else _IMPLS.get(name)


def interpretable_dialects() -> list[str]:
    """Names of the dialects the interpreter knows how to run (for error messages); ``test``
    is left out: its module only exists to reject test ops with a clear message."""
    return sorted(d for d in _IMPL_MODULES if d != "test")


def _is_terminator(op: Operation) -> bool:
    return op.has_trait(IsTerminator)


def op_error(op: Operation, message: str) -> DiagnosticError:
    """A located error at ``op``, worded like the verifier's (``'qnn.conv2d' op ...``)."""
    return DiagnosticError(op.loc, f"'{op.op_name}' op {message}")


def shape_str(shape: Sequence[int]) -> str:
    """``1x4x4x2`` (``scalar`` for rank 0), as shapes appear in types."""
    return "x".join(str(d) for d in shape) if len(shape) else "scalar"


class InputError(ValueError):
    """A value handed to the interpreter does not match its type (wrong shape, dtype or range).

    The message has no location: `Interpreter` reports it at the function, ``dory-run`` at the
    input file the array came from.
    """


def value_layout(t: Type) -> tuple[tuple[int, ...], IntegerType] | None:
    """``(shape, element type)`` of a type the interpreter can hold as an int64 array: integer
    tensors and memrefs, and plain integers (rank 0). None for anything else."""
    if isinstance(t, (TensorType, MemRefType)) and isinstance(t.element_type, IntegerType):
        return tuple(t.shape), t.element_type
    if isinstance(t, IntegerType):
        return (), t
    return None


def coerce_value(arr: object, t: Type) -> np.ndarray:
    """Check that ``arr`` is an integer array of ``t``'s shape whose values fit ``t``'s element
    type, and return it as int64. Raises `InputError` with an expected/found message."""
    layout = value_layout(t)
    if layout is None:
        raise InputError(f"expected a value of an integer tensor type, found {t} (not supported by the interpreter)")
    shape, et = layout
    if not isinstance(arr, np.ndarray):
        raise InputError(f"expected a numpy array for {t}, found {type(arr).__name__}")
    if not (np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_):
        raise InputError(f"expected an integer array for {t}, found dtype {arr.dtype}")
    if tuple(arr.shape) != shape:
        raise InputError(f"expected shape {shape_str(shape)} for {t}, found shape {shape_str(arr.shape)}")
    if arr.size:
        # Compare as Python ints: a uint64 array may hold values no int64 comparison can express.
        lo, hi = et.min_value, et.max_value
        amin, amax = int(arr.min()), int(arr.max())
        if amin < lo or amax > hi:
            bad = amin if amin < lo else amax
            where = tuple(int(i) for i in np.argwhere(arr == bad)[0])
            raise InputError(
                f"expected values of {et} in [{lo}, {hi}], found {bad} at index {list(where)}"
            )
        if amax > INT64_MAX:
            raise InputError(f"value {amax} of {et} does not fit the interpreter's int64 arrays")
    return arr.astype(np.int64, copy=True)


def _function_ops(module: Operation) -> list[Operation]:
    if not module.regions or not module.regions[0].blocks:
        return []
    from dory.dory_ir.dialects.func import FuncOp

    return [op for op in module.regions[0].blocks[0].ops if isinstance(op, FuncOp)]


def _module_loc(module: Operation) -> Location:
    """Somewhere to point at for module-level errors: the module itself if it was written out,
    else its first op (an implicit module has no location of its own)."""
    if module.loc.line or not module.regions or not module.regions[0].blocks:
        return module.loc
    ops = module.regions[0].blocks[0].ops
    return ops[0].loc if ops else module.loc


def func_name(func: Operation) -> str:
    """The ``sym_name`` of a ``func.func`` op."""
    attr = func.properties.get("sym_name")
    assert isinstance(attr, StringAttr), "a verified func.func has a sym_name"
    return attr.value


def func_type_of(func: Operation) -> FunctionType:
    """The ``function_type`` of a ``func.func`` op, or a located error."""
    attr = func.properties.get("function_type")
    ft = getattr(attr, "type", None)
    if not isinstance(ft, FunctionType):
        raise op_error(func, f"expected a 'function_type' property holding a function type, found {attr}")
    return ft


def find_function(module: Operation, name: str | None = None) -> Operation:
    """The ``func.func`` called ``name`` (default: the first function) in ``module``."""
    funcs = _function_ops(module)
    if not funcs:
        raise DiagnosticError(_module_loc(module), "expected a 'func.func' to run, found none in the module")
    if name is None:
        return funcs[0]
    for f in funcs:
        if func_name(f) == name:
            return f
    names = ", ".join("@" + func_name(f) for f in funcs)
    raise DiagnosticError(_module_loc(module), f"expected a function named @{name}, found only {names}")


class Interpreter:
    """Runs functions of ``module`` op by op, holding one value map per active call.

    ``on_result(op, results)`` is called after every executed op (nested calls included).
    ``tiled``: a layer op carrying a ``dory.tile`` schedule runs tile by tile as scheduled
    (dory_ir/interp/tiled.py: what ``--verify-semantics`` checks a tiling with); False runs it
    whole, its schedule only validated (the same values for a schedule that is exact, much faster:
    see `dory_ir.interp.dory`).
    """

    def __init__(self, module: Operation, on_result: OnResult | None = None, tiled: bool = True):
        self.module = module
        self.on_result = on_result
        self.tiled = tiled
        self._call_stack: list[Operation] = []

    # -- functions ----------------------------------------------------------------------------
    def find_function(self, name: str | None = None) -> Operation:
        """The ``func.func`` named ``name`` (the first one if None); located error if missing."""
        return find_function(self.module, name)

    def call(self, func: Operation | str | None, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run ``func`` (an op, a name, or None for the first function) on ``inputs``.

        Inputs are checked against the function type (count, shape, integer dtype, element
        range) and converted to int64; errors are located at the function.
        """
        fn = func if isinstance(func, Operation) else self.find_function(func)
        ft = func_type_of(fn)
        name = func_name(fn)
        if len(inputs) != len(ft.inputs):
            raise op_error(fn, f"@{name} expected {len(ft.inputs)} inputs, found {len(inputs)}")
        args: list[np.ndarray] = []
        for i, (arr, t) in enumerate(zip(inputs, ft.inputs)):
            try:
                args.append(coerce_value(arr, t))
            except InputError as e:
                raise op_error(fn, f"@{name} input #{i}: {e}") from None
        if any(f is fn for f in self._call_stack):
            raise op_error(fn, f"@{name} is called recursively, which the interpreter does not run")
        blocks = fn.regions[0].blocks if fn.regions else []
        if len(blocks) != 1:
            what = "no body (a declaration)" if not blocks else f"{len(blocks)} blocks"
            raise op_error(fn, f"@{name} expected a body of exactly 1 block to run, found {what}")
        self._call_stack.append(fn)
        try:
            results = self.run_block(blocks[0], args)
        finally:
            self._call_stack.pop()
        if len(results) != len(ft.results):
            raise op_error(fn, f"@{name} expected {len(ft.results)} results, found {len(results)} returned")
        return results

    # -- blocks and ops -----------------------------------------------------------------------
    def run_block(self, block: Block, args: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Run ``block`` with its arguments bound to ``args``; returns what its terminator passes
        on (an empty list if the block has no terminator)."""
        values: dict[Value, np.ndarray] = {a: v for a, v in zip(block.args, args)}
        # Drop each value after its last use: int64 activations of a real network are 8x their
        # int8 size, and only a few are live at any time.
        dead_after: dict[int, list[Value]] = {}
        last_use: dict[Value, int] = {}
        for i, op in enumerate(block.ops):
            for v in op.operands:
                last_use[v] = i
        for v, i in last_use.items():
            dead_after.setdefault(i, []).append(v)
        for i, op in enumerate(block.ops):
            operands = []
            for k, v in enumerate(op.operands):
                if v not in values:
                    raise op_error(op, f"operand #{k} is not computed before its use (defined outside the function?)")
                operands.append(values[v])
            results = self.run_op(op, operands)
            if _is_terminator(op):
                if self.on_result is not None:
                    self.on_result(op, [])
                return results
            for r, a in zip(op.results, results):
                values[r] = a
            if self.on_result is not None:
                self.on_result(op, results)
            for v in dead_after.get(i, ()):
                values.pop(v, None)
        return []

    def run_op(self, op: Operation, operands: list[np.ndarray]) -> list[np.ndarray]:
        """Run one op on its operand arrays; non-terminator results are checked against the
        op's result types."""
        fn = lookup_impl(op)
        if fn is None:
            known = ", ".join(interpretable_dialects())
            raise op_error(op, f"has no interpreter implementation (interpretable dialects: {known})")
        # numpy turns rank-0 arithmetic into scalars; the value map holds arrays only.
        results = [np.asarray(a) if isinstance(a, np.generic) else a for a in fn(self, op, operands)]
        if _is_terminator(op):
            return results
        self._check_results(op, results)
        return results

    @staticmethod
    def _check_results(op: Operation, results: list[np.ndarray]) -> None:
        if len(results) != len(op.results):
            raise op_error(op, f"expected {len(op.results)} results, found {len(results)} computed")
        for i, (r, a) in enumerate(zip(op.results, results)):
            layout = value_layout(r.type)
            if layout is None:
                raise op_error(op, f"result #{i} expected an integer tensor type, found {r.type}")
            if not isinstance(a, np.ndarray) or a.dtype != np.int64:
                found = a.dtype if isinstance(a, np.ndarray) else type(a).__name__
                raise op_error(op, f"result #{i} expected an int64 array from the implementation, found {found}")
            shape, et = layout
            if tuple(a.shape) != shape:
                raise op_error(
                    op,
                    f"expected result #{i} of shape {shape_str(a.shape)} (from the operands and properties), "
                    f"found type {r.type}",
                )
            if a.size:
                lo, hi = int64_range(et)
                amin, amax = int(a.min()), int(a.max())
                if amin < lo or amax > hi:
                    bad = amin if amin < lo else amax
                    raise op_error(
                        op, f"result #{i} expected values of {et} in [{lo}, {hi}], found {bad} computed"
                    )


def run_function(
    module: Operation,
    inputs: Sequence[np.ndarray],
    func: str | None = None,
    on_result: OnResult | None = None,
    tiled: bool = True,
) -> list[np.ndarray]:
    """Run function ``func`` (default: the first ``func.func``) of ``module`` on ``inputs``.

    Inputs are integer arrays of the function's input shapes with values in range; results are
    int64 arrays of exact values. ``on_result(op, results)`` is called after every executed op;
    ``tiled`` as `Interpreter` takes it.
    Raises `DiagnosticError` located at the op (or function) for anything that cannot run.
    """
    return Interpreter(module, on_result, tiled).call(func, inputs)


def random_inputs(module: Operation, seed: int, func: str | None = None) -> list[np.ndarray]:
    """Seeded inputs for ``func``: uniform over each input's full element-type range
    (``ui64`` stops at 2^63 - 1, the interpreter's int64 limit), as int64 arrays."""
    fn = find_function(module, func)
    ft = func_type_of(fn)
    rng = np.random.default_rng(seed)
    out = []
    for i, t in enumerate(ft.inputs):
        layout = value_layout(t)
        if layout is None:
            raise op_error(fn, f"@{func_name(fn)} input #{i} expected an integer tensor type, found {t}")
        shape, et = layout
        lo, hi = int64_range(et)
        out.append(rng.integers(lo, hi, size=shape, dtype=np.int64, endpoint=True))
    return out
