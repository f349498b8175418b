"""Print ops in MLIR generic syntax, deterministically.

Names: a value keeps its ``name_hint`` (made unique with ``_N`` suffixes, in print order);
anonymous results print as ``%0, %1, ...`` and anonymous block arguments as ``%argN``. An op
whose results all share one hint (or all have none) prints them as a group ``%r:2``, used as
``%r#0``/``%r#1``, as MLIR does. Dict keys are sorted. The output parses back to an identical
module, and printing that gives the same text.
"""

from __future__ import annotations

import io
import re

from dory.dory_ir.attributes import Attribute, format_attr, format_dict, quote
from dory.dory_ir.core import Block, Operation, Region, Value
from dory.dory_ir.types import FunctionType

# Characters a value name may not contain (the grammar's VALUE_ID alphabet is the complement).
_BAD_CHARS = re.compile(r"[^A-Za-z0-9_$.\-]")


def _sanitize(hint: str) -> str:
    """A hint as a valid value name: bad characters become ``_``; a leading digit gets a ``v``
    (names that start with a digit are the printer's numbering, which the parser drops)."""
    s = _BAD_CHARS.sub("_", hint)
    if not s or s[0].isdigit():
        s = "v" + s
    return s


class Printer:
    """Prints one module (or op). ``elide`` > 0 replaces dense constants with more elements than
    that by ``dense_resource<__elided__>`` (for reading, not for round-trips)."""

    def __init__(self, elide: int | None = None, indent: int = 2):
        self.elide = elide
        self.indent_width = indent
        self.names: dict[Value, str] = {}
        self.used: set[str] = set()
        self.next_num = 0
        self.out = io.StringIO()

    # -- names ---------------------------------------------------------------------------------
    def _fresh(self, base: str) -> str:
        """``base``, or ``base_N`` with the smallest N not yet used."""
        if base not in self.used:
            self.used.add(base)
            return base
        i = 0
        while f"{base}_{i}" in self.used:
            i += 1
        name = f"{base}_{i}"
        self.used.add(name)
        return name

    def _number(self) -> str:
        """The next free anonymous number."""
        while str(self.next_num) in self.used:
            self.next_num += 1
        name = str(self.next_num)
        self.used.add(name)
        self.next_num += 1
        return name

    def _name_result(self, v: Value) -> str:
        name = self._fresh(_sanitize(v.name_hint)) if v.name_hint else self._number()
        self.names[v] = name
        return name

    def _name_results(self, op: Operation) -> str:
        """The ``%a, %b`` or ``%r:2`` left-hand side of ``op``."""
        results = op.results
        if len(results) > 1:
            hints = {r.name_hint or None for r in results}
            if len(hints) == 1:
                (hint,) = hints
                base = self._fresh(_sanitize(hint)) if hint else self._number()
                for i, r in enumerate(results):
                    self.names[r] = f"{base}#{i}"
                return f"%{base}:{len(results)}"
        return ", ".join("%" + self._name_result(r) for r in results)

    def _name_arg(self, v: Value, counter: list[int]) -> str:
        if v.name_hint:
            name = self._fresh(_sanitize(v.name_hint))
        else:
            while f"arg{counter[0]}" in self.used:
                counter[0] += 1
            name = f"arg{counter[0]}"
            self.used.add(name)
            counter[0] += 1
        self.names[v] = name
        return name

    def ref(self, v: Value) -> str:
        """``%name`` of a use."""
        name = self.names.get(v)
        if name is None:
            # A use of a value defined later or outside the printed op: name it now so the text
            # is still well formed (the parser will then report the real problem).
            name = self._name_result(v)
        return "%" + name

    def attr(self, a: Attribute) -> str:
        return format_attr(a, self.elide)

    # -- printing ------------------------------------------------------------------------------
    def print_op(self, op: Operation, level: int = 0) -> None:
        """Append ``op`` (and everything nested in it) at indentation ``level``."""
        w = self.out.write
        w(" " * (self.indent_width * level))
        if op.results:
            w(self._name_results(op))
            w(" = ")
        w(quote(op.op_name))
        w("(" + ", ".join(self.ref(v) for v in op.operands) + ")")
        if op.properties:
            w(" <" + format_dict(op.properties, self.elide) + ">")
        if op.regions:
            w(" (")
            for i, r in enumerate(op.regions):
                if i:
                    w(", ")
                self.print_region(r, level)
            w(")")
        if op.attributes:
            w(" " + format_dict(op.attributes, self.elide))
        fn = FunctionType(tuple(v.type for v in op.operands), tuple(r.type for r in op.results))
        w(" : " + str(fn))
        if op.loc.name is not None:
            w(f" loc({quote(op.loc.name)})")
        w("\n")

    def print_region(self, region: Region, level: int) -> None:
        """``{ ... }``; a region without blocks prints as an empty pair of braces."""
        w = self.out.write
        w("{\n")
        counter = [0]
        for i, block in enumerate(region.blocks):
            # The entry label may be left out only when nothing is lost: the entry block has no
            # arguments and holds ops (an empty `{}` means a region with no blocks at all).
            show_label = i > 0 or bool(block.args) or not block.ops
            self.print_block(block, i, level, counter, show_label)
        w(" " * (self.indent_width * level) + "}")

    def print_block(self, block: Block, index: int, level: int, counter: list[int], show_label: bool) -> None:
        """``^bbN(%args):`` (if ``show_label``) then the block's ops one level deeper."""
        w = self.out.write
        if show_label:
            w(" " * (self.indent_width * level) + f"^bb{index}")
            if block.args:
                args = ", ".join(f"%{self._name_arg(a, counter)}: {a.type}" for a in block.args)
                w(f"({args})")
            w(":\n")
        for op in block.ops:
            self.print_op(op, level + 1)

    def getvalue(self) -> str:
        return self.out.getvalue()


def print_op(op: Operation, elide: int | None = None) -> str:
    """The text of ``op`` (usually a module), ending in a newline."""
    p = Printer(elide=elide)
    p.print_op(op)
    return p.getvalue()


def format_attribute(a: Attribute, elide: int | None = None) -> str:
    """The spelling of one attribute (dense constants above ``elide`` elements elided)."""
    return format_attr(a, elide)
