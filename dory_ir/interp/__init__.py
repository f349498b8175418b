"""The reference interpreter: exact int64 execution of dory IR (see docs/API.md).

``run_function(module, inputs)`` runs a function, ``random_inputs(module, seed)`` makes seeded
inputs over each input's element-type range, and `Interpreter` exposes the machinery (per-op
callbacks, nested calls). Op implementations register with `impl` in per-dialect modules that are
imported on first use.
"""

from dory.dory_ir.interp.interpreter import (
    ImplFn,
    InputError,
    Interpreter,
    OnResult,
    coerce_value,
    find_function,
    impl,
    lookup_impl,
    register_impl_module,
    random_inputs,
    run_function,
)

__all__ = [
    "ImplFn",
    "InputError",
    "Interpreter",
    "OnResult",
    "coerce_value",
    "find_function",
    "impl",
    "lookup_impl",
    "random_inputs",
    "register_impl_module",
    "run_function",
]
