"""The dialects dory ships; importing this package registers them all."""

from dory.dory_ir.dialects import builtin, dory, func, qnn, test  # noqa: F401
