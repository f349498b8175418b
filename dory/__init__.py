"""dory: a compiler that deploys integer-quantized neural networks onto PULP microcontrollers.

Everything installed lives under this one namespace: ``dory.dory_ir`` (the IR), ``dory.passes``,
``dory.backends``, ``dory.frontend``, ``dory.driver``, ``dory.tools`` (the console scripts) and
``dory.runtime`` (the C runtime's sources, package data). In a wheel those are this package's
subdirectories; in the checkout (and so in an editable install) they are the repository's
top-level folders beside this one, which `__path__` then also lists, so ``import dory.passes``
works from either without copying anything. `data_path` finds the data files the same way.
"""

from __future__ import annotations

from pathlib import Path

_HERE = Path(__file__).resolve().parent
# The checkout: this package sits beside the top-level folders (``dory/``, ``passes/``, ...). A
# wheel has them inside it instead, and then nothing is added.
_CHECKOUT = _HERE.parent
if not (_HERE / "dory_ir").is_dir() and (_CHECKOUT / "dory_ir" / "__init__.py").is_file():
    __path__.append(str(_CHECKOUT))  # noqa: F821 - a package's own __path__ (PEP 302)


def data_path(*parts: str) -> Path:
    """A file or directory shipped with dory, named relative to the package root (``"runtime",
    "include"``, ``"dory_ir", "grammar.lark"``): inside the installed package (a wheel or
    ``pip install .``), else in the checkout (the repository, an editable install). The one place
    that locates dory's own files; raises FileNotFoundError naming both places when neither has it."""
    for base in (_HERE, _CHECKOUT):
        p = base.joinpath(*parts)
        if p.exists():
            return p
    raise FileNotFoundError(f"dory's data file {'/'.join(parts)} is neither in {_HERE} nor in {_CHECKOUT}: "
                            "a broken installation (reinstall dory)")
