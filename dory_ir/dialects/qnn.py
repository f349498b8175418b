"""``qnn`` dialect (filled in below)."""
from dory_ir.core import Dialect, register_dialect

Qnn = register_dialect(Dialect("qnn", []))
