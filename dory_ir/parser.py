"""Parse dory IR text (MLIR generic syntax) into ops, with located errors.

Lark (LALR, cached on disk) turns text into a tree; `_Builder` walks it with SSA scopes, resolving
aliases, checking literal ranges and that each use matches the type the op's signature gives it.
Every problem in the input is reported as a `ParseError` at a file:line:col, never as a Python
exception of another kind: the fuzz tests (`tests/test_parser_fuzz.py`) hold the parser to that.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from typing import Any

import numpy as np
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from dory import data_path
from dory.dory_ir.attributes import (
    ArrayAttr,
    Attribute,
    BoolAttr,
    DenseArrayAttr,
    DenseAttr,
    DialectAttr,
    DictAttr,
    IntegerAttr,
    StringAttr,
    SymbolRefAttr,
    TypeAttr,
    UnitAttr,
)
from dory.dory_ir.core import Block, Operation, Region, Value, create_op, lookup_op
from dory.dory_ir.diagnostics import Location, ParseError
from dory.dory_ir.types import (
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    NoneType,
    TensorType,
    Type,
    i64,
)

_GRAMMAR_PATH = data_path("dory_ir", "grammar.lark")
_PARSER: Lark | None = None

# Nesting of regions, attributes and types deeper than this is rejected with a located error
# rather than overflowing Python's stack here or, later, in the (equally recursive) printer.
MAX_NESTING = 100
# A dense literal's rank is bounded by numpy's own limit on array dimensions.
MAX_DENSE_RANK = 32
# Splat and elided constants are materialised as int64 arrays; refuse absurd sizes (8 bytes per
# element: 2**27 elements is 1 GiB) instead of dying in numpy with a MemoryError.
MAX_DENSE_ELEMENTS = 1 << 27
# index values, shape dimensions and dense constant values are held in 64 bits.
_I64_MIN, _I64_MAX = -(1 << 63), (1 << 63) - 1

_INT_TYPE_RE = re.compile(r"(si|ui|i)([0-9]+)\Z")
_NON_HEX = re.compile(r"[^0-9A-Fa-f]")
# One escape in a string literal: \" \\ \n \t, two hex digits (a byte), or anything else (an error).
_ESCAPE = re.compile(r'\\(?:(["\\nt])|([0-9A-Fa-f]{2})|(.?))', re.S)
_SIMPLE_ESCAPES = {'"': b'"', "\\": b"\\", "n": b"\n", "t": b"\t"}
_SURROGATE = re.compile("[\ud800-\udfff]")


def _cache_path(grammar: str) -> str:
    """Where Lark keeps the compiled parse table. An explicit path (not Lark's default, which
    lit's fresh TMPDIR would defeat) keyed by the grammar's hash so edits invalidate it."""
    digest = hashlib.sha256(grammar.encode()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    d = os.path.join(base, "dory")
    try:
        os.makedirs(d, exist_ok=True)
        probe = os.path.join(d, ".w")
        with open(probe, "w"):
            pass
    except OSError:
        d = tempfile.gettempdir()
    return os.path.join(d, f"ir-grammar-{digest}.lark.pickle")


def get_parser() -> Lark:
    """The process-wide LALR parser for `grammar.lark` (built once, table cached on disk)."""
    global _PARSER
    if _PARSER is None:
        grammar = _GRAMMAR_PATH.read_text()
        try:
            _PARSER = Lark(grammar, parser="lalr", cache=_cache_path(grammar), propagate_positions=False)
        except OSError:
            _PARSER = Lark(grammar, parser="lalr", propagate_positions=False)
    return _PARSER


# Plain words for the grammar's terminals in "expected ..." messages.
_TERMINAL_WORDS = {
    "VALUE_ID": "a value name like %x",
    "BLOCK_ID": "a block label like ^bb0",
    "STRING": "a string",
    "INT": "an integer",
    "INT_TYPE": "an integer type like si8",
    "DIMS": "a shape like 1x16x",
    "TYPE_ALIAS": "a type alias like !t",
    "ATTR_ALIAS": "an attribute like #dory.l2",
    "BARE_ID": "a name",
    "SYMBOL_REF": "a symbol like @f",
    "INDEX": "'index'",
    "$END": "end of input",
}


def _describe_expected(parser: Lark, names: set[str]) -> str:
    """"one of ')', a value name like %x" for a set of terminal names."""
    words = set()
    by_name = {t.name: t for t in parser.terminals}
    for n in names:
        if n in _TERMINAL_WORDS:
            words.add(_TERMINAL_WORDS[n])
        elif n in by_name and by_name[n].pattern.type == "str":
            words.add(f"'{by_name[n].pattern.value}'")
        else:
            words.add(n.lower())
    ordered = sorted(words)
    if len(ordered) == 1:
        return ordered[0]
    return "one of " + ", ".join(ordered)


def _short(text: str, limit: int = 30) -> str:
    """Quote-free excerpt of user text for messages (a 5 MB hex blob must not fill the screen)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of input"
    return f"'{_short(str(tok))}'"


def _describe_char(ch: str) -> str:
    """A character as a reader can see it: control and blank characters by code point."""
    if ch.isprintable() and not ch.isspace():
        return f"'{ch}'"
    return f"U+{ord(ch):04X}"


def parse_module(text: str, filename: str = "<stdin>", line_offset: int = 0, allow_unregistered: bool = False) -> Operation:
    """Parse IR text into a ``builtin.module`` op (top-level ops are wrapped in one, as MLIR does).

    ``line_offset`` shifts reported lines (for ``--split-input-file`` chunks). Raises
    `ParseError` with file:line:col and plain-word expectations on any malformed input.
    """
    parser = get_parser()
    try:
        tree = parser.parse(text)
    except UnexpectedToken as e:
        tok = e.token
        if tok.type == "$END":
            # Lark gives the end token the position of the last real token: point just past it.
            line = getattr(tok, "end_line", None) or _last_line(text)
            col = getattr(tok, "end_column", None) or 1
            loc = Location(filename, line + line_offset, col)
        else:
            loc = Location(filename, e.line + line_offset, max(e.column, 1))
        raise ParseError(
            loc, f"expected {_describe_expected(parser, set(e.expected))}, found {_describe_token(tok)}"
        ) from None
    except UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else ""
        allowed = getattr(e, "allowed", None) or set()
        want = f"; expected {_describe_expected(parser, set(allowed))}" if allowed else ""
        raise ParseError(
            Location(filename, e.line + line_offset, e.column), f"unexpected character {_describe_char(ch)}{want}"
        ) from None
    except UnexpectedEOF as e:  # pragma: no cover - LALR reports the end as an UnexpectedToken
        raise ParseError(
            Location(filename, _last_line(text) + line_offset, 1),
            f"expected {_describe_expected(parser, set(e.expected))}, found end of input",
        ) from None
    except UnexpectedInput as e:  # pragma: no cover - other Lark input errors
        line = getattr(e, "line", 0) or 1
        raise ParseError(Location(filename, line + line_offset, getattr(e, "column", 1) or 1), str(e)) from None
    return _Builder(filename, line_offset, allow_unregistered).build(tree)


def _last_line(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def parse_file(path: str, allow_unregistered: bool = False) -> Operation:
    """Parse the IR file at ``path`` (UTF-8); errors are located in ``path``. A file that is not
    UTF-8 is a `ParseError` at the first bad byte (an OSError if it cannot be read at all)."""
    with open(path, "rb") as f:
        raw = f.read()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line_start = raw.rfind(b"\n", 0, e.start) + 1
        loc = Location(path, raw.count(b"\n", 0, e.start) + 1, len(raw[line_start : e.start].decode("utf-8", "replace")) + 1)
        raise ParseError(loc, f"expected UTF-8 text, found byte 0x{raw[e.start]:02X}") from None
    return parse_module(text, path, allow_unregistered=allow_unregistered)


def _first_token(t: Any) -> Token | None:
    """The leftmost token of a subtree (iterative: the subtree may be deeply nested)."""
    stack = [t]
    while stack:
        node = stack.pop()
        if isinstance(node, Token):
            return node
        if isinstance(node, Tree):
            stack.extend(reversed(node.children))
    return None


class _Builder:
    """Walks the Lark tree, building ops with scoped SSA name resolution."""

    def __init__(self, filename: str, line_offset: int, allow_unregistered: bool):
        self.filename = filename
        self.line_offset = line_offset
        self.allow_unregistered = allow_unregistered
        self.type_aliases: dict[str, Type] = {}
        self.attr_aliases: dict[str, Attribute] = {}
        self.scopes: list[dict[str, Value]] = []
        self.depth = 0
        # The op being built: errors inside subtrees without tokens of their own (`[[]]`) point here.
        self.op_tok: Token | None = None

    def loc(self, tok: Any) -> Location:
        """Where ``tok`` is in the file (lines shifted by the chunk's offset)."""
        if isinstance(tok, Token) and tok.line is not None:
            return Location(self.filename, tok.line + self.line_offset, tok.column)
        return Location(self.filename)

    def error(self, tok: Any, msg: str) -> ParseError:
        """A ParseError at ``tok`` (the caller raises it)."""
        return ParseError(self.loc(tok), msg)

    def enter(self, anchor: Any, what: str) -> None:
        """Count one level of nesting; fail cleanly instead of recursing without bound."""
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise self.error(_first_token(anchor) or self.op_tok, f"{what} nested more than {MAX_NESTING} levels deep")

    # -- literals ------------------------------------------------------------------------------
    def int_(self, tok: Token) -> int:
        """An INT token (decimal or ``0x`` hex, optional ``-``) as a Python int."""
        s = str(tok)
        neg = s.startswith("-")
        digits = s[1:] if neg else s
        try:
            v = int(digits[2:], 16) if digits.startswith("0x") else int(digits, 10)
        except ValueError:
            # Python refuses to convert decimal strings of more than ~4300 digits.
            raise self.error(tok, f"integer literal with {len(digits)} digits is too large") from None
        return -v if neg else v

    def string(self, tok: Token) -> str:
        """Decode an MLIR string literal: ``\\"``, ``\\\\``, ``\\n``, ``\\t`` and ``\\XX`` (one
        byte, so ``"\\C3\\A9"`` is "é" as in MLIR); the bytes must form valid UTF-8."""
        body = str(tok)[1:-1]
        if "\\" not in body:
            # Text read from a file cannot hold lone surrogates, but a caller's str can; they
            # are not UTF-8 and could never be written out again.
            bad = _SURROGATE.search(body)
            if bad is not None:
                raise self.error(tok, f"expected text in string, found lone surrogate U+{ord(bad.group()):04X}")
            return body
        out = bytearray()
        pos = 0
        for m in _ESCAPE.finditer(body):
            out += body[pos : m.start()].encode("utf-8", "surrogatepass")
            simple, hexbyte, other = m.groups()
            if simple is not None:
                out += _SIMPLE_ESCAPES[simple]
            elif hexbyte is not None:
                out.append(int(hexbyte, 16))
            else:
                found = f"'\\{other}'" if other else "a '\\' at the end"
                raise self.error(tok, f"expected an escape (\\\", \\\\, \\n, \\t or two hex digits) in string, found {found}")
            pos = m.end()
        out += body[pos:].encode("utf-8", "surrogatepass")
        try:
            return out.decode("utf-8")
        except UnicodeDecodeError as e:
            raise self.error(tok, f"string is not valid UTF-8 after decoding escapes (byte {e.start})") from None

    # -- top level -----------------------------------------------------------------------------
    def build(self, tree: Tree) -> Operation:
        """The module: alias definitions first, then ops (wrapped in a module unless the text is
        exactly one ``builtin.module``)."""
        from dory.dory_ir.dialects.builtin import ModuleOp

        self.scopes.append({})
        ops: list[Operation] = []
        for child in tree.children:
            if child.data in ("type_alias_def", "attr_alias_def"):
                self.op_tok = child.children[0]
            if child.data == "type_alias_def":
                name_tok, ty = child.children
                if str(name_tok) in self.type_aliases:
                    raise self.error(name_tok, f"redefinition of type alias '{name_tok}'")
                self.type_aliases[str(name_tok)] = self.type_(ty)
            elif child.data == "attr_alias_def":
                name_tok, at = child.children
                if str(name_tok) in self.attr_aliases:
                    raise self.error(name_tok, f"redefinition of attribute alias '{name_tok}'")
                self.attr_aliases[str(name_tok)] = self.attr(at)
            else:
                ops.append(self.op(child))
        if len(ops) == 1 and isinstance(ops[0], ModuleOp):
            return ops[0]
        module = ModuleOp.build()
        for op in ops:
            module.body.add_op(op)
        return module

    # -- ops -----------------------------------------------------------------------------------
    def op(self, tree: Tree) -> Operation:
        """Build one op: operands are checked against the op's type, regions are built before
        its results are defined (so a region cannot use its own op's results)."""
        ch = list(tree.children)
        results_tree = ch.pop(0) if isinstance(ch[0], Tree) and ch[0].data == "op_results" else None
        name_tok: Token = ch.pop(0)
        outer_tok, self.op_tok = self.op_tok, name_tok
        first_tok = results_tree.children[0].children[0] if results_tree is not None else name_tok
        op_loc = self.loc(first_tok)
        name = self.string(name_tok)
        values_tree = ch.pop(0)  # value_list or None
        props: dict[str, Attribute] = {}
        attrs: dict[str, Attribute] = {}
        region_trees: list[Tree] = []
        fn_tree = None
        loc_tree = None
        for c in ch:
            if c is None:
                continue
            if c.data == "props":
                props = self.dict_(c.children[0])
            elif c.data == "regions":
                region_trees = list(c.children)
            elif c.data == "dict":
                attrs = self.dict_(c)
            elif c.data == "function_type":
                fn_tree = c
            elif c.data == "location":
                loc_tree = c
        fn = self.function_type(fn_tree)
        if loc_tree is not None:
            op_loc = op_loc.with_name(self.string(loc_tree.children[0]))
        if lookup_op(name) is None and not self.allow_unregistered:
            raise self.error(
                name_tok,
                f"unregistered operation '{name}' (is the dialect loaded? known dialects: "
                f"{', '.join(sorted(_dialect_names()))})",
            )
        # operands
        use_toks = list(values_tree.children) if values_tree is not None else []
        if len(use_toks) != len(fn.inputs):
            raise self.error(
                name_tok,
                f"'{name}' expected {_plural(len(fn.inputs), 'operand')} from its type, found {len(use_toks)}",
            )
        operands = []
        for tok, ty in zip(use_toks, fn.inputs):
            v = self.lookup(tok)
            if v.type != ty:
                raise self.error(
                    tok, f"use of value '{tok}' expected type {ty} from the op's type, found {v.type} (its defined type)"
                )
            operands.append(v)
        # results
        result_names: list[tuple[Token, int]] = []
        if results_tree is not None:
            for g in results_tree.children:
                tok = g.children[0]
                if "#" in str(tok):
                    raise self.error(tok, f"expected a result name without '#N', found '{tok}'")
                count = 1
                if len(g.children) > 1 and g.children[1] is not None:
                    count = self.int_(g.children[1])
                    if count < 1:
                        raise self.error(g.children[1], f"expected a result count of at least 1, found {count}")
                result_names.append((tok, count))
        n_results = sum(c for _, c in result_names)
        if results_tree is not None and n_results != len(fn.results):
            raise self.error(
                name_tok,
                f"'{name}' names {_plural(n_results, 'result')}, but its type lists {len(fn.results)}",
            )
        if results_tree is None and fn.results:
            raise self.error(
                name_tok, f"'{name}' has {_plural(len(fn.results), 'result')} in its type, but none are named"
            )
        hints: list[str | None] = []
        for tok, count in result_names:
            # A group `%r:2` keeps its name on every member, which the printer turns back into
            # `%r:2`; purely numeric names are the printer's own numbering and are not kept.
            base = str(tok)[1:]
            hints.extend([None if base.isdigit() else base] * count)
        op = create_op(
            name,
            operands=operands,
            result_types=list(fn.results),
            properties=props,
            attributes=attrs,
            loc=op_loc,
            result_names=hints,
        )
        # regions (parsed after operands so nested ops can see enclosing values)
        for rt in region_trees:
            self.enter(rt, "regions")
            try:
                op.add_region(self.region(rt))
            finally:
                self.depth -= 1
        # define results in the current scope
        k = 0
        for tok, count in result_names:
            if count == 1:
                self.define(tok, op.results[k])
            else:
                for i in range(count):
                    self.define(tok, op.results[k + i], f"{tok}#{i}")
            k += count
        self.op_tok = outer_tok
        return op

    def region(self, tree: Tree) -> Region:
        """A region: `{}` has no blocks (MLIR's empty region, e.g. a function declaration);
        ops before the first label form an unlabelled entry block."""
        self.scopes.append({})
        region = Region()
        entry_ops = [c for c in tree.children if c.data == "op"]
        blocks = [c for c in tree.children if c.data == "block"]
        if entry_ops:
            entry = region.add_block(Block())
            for o in entry_ops:
                entry.add_op(self.op(o))
        labels: set[str] = set()
        for bt in blocks:
            label = bt.children[0]
            if str(label) in labels:
                raise self.error(label, f"redefinition of block '{label}'")
            labels.add(str(label))
            arg_types: list[Type] = []
            arg_toks: list[Token] = []
            ops_trees = []
            for c in bt.children[1:]:
                if c is None:
                    continue
                if c.data == "block_args":
                    for a in c.children:
                        if a is None:
                            continue
                        arg_toks.append(a.children[0])
                        arg_types.append(self.type_(a.children[1]))
                else:
                    ops_trees.append(c)
            names = [None if str(t)[1:].isdigit() else str(t)[1:] for t in arg_toks]
            block = region.add_block(Block(arg_types, names))
            for t, a in zip(arg_toks, block.args):
                if "#" in str(t):
                    raise self.error(t, f"expected a block argument name without '#N', found '{t}'")
                self.define(t, a)
            for o in ops_trees:
                block.add_op(self.op(o))
        self.scopes.pop()
        return region

    def define(self, tok: Token, value: Value, key: str | None = None) -> None:
        """Bind a name in the innermost scope; shadowing an enclosing scope's name is an error."""
        k = key or str(tok)
        for scope in self.scopes:
            if k in scope:
                raise self.error(tok, f"redefinition of value '{k}'")
        self.scopes[-1][k] = value

    def lookup(self, tok: Token) -> Value:
        """The value a use names, searching from the innermost scope out."""
        k = str(tok)
        for scope in reversed(self.scopes):
            if k in scope:
                return scope[k]
        raise self.error(tok, f"use of undefined value '{k}'")

    # -- attributes ----------------------------------------------------------------------------
    def dict_(self, tree: Tree) -> dict[str, Attribute]:
        """``{k = v, flag}``: keys may be quoted; a bare key is a unit attribute."""
        out: dict[str, Attribute] = {}
        for e in tree.children:
            if e is None:
                continue
            key_tok = e.children[0]
            key = self.string(key_tok) if key_tok.type == "STRING" else str(key_tok)
            if key in out:
                raise self.error(key_tok, f"duplicate key '{_short(key)}' in dictionary")
            val = e.children[1] if len(e.children) > 1 else None
            out[key] = self.attr(val) if val is not None else UnitAttr()
        return out

    def attr(self, t: Any) -> Attribute:
        """The attribute a subtree spells (aliases resolved, literals range-checked)."""
        self.enter(t, "attributes")
        try:
            return self._attr(t)
        finally:
            self.depth -= 1

    def _attr(self, t: Any) -> Attribute:
        if isinstance(t, Token):
            # An inlined single-token attribute can only be an integer without type.
            return self._int_attr(t, None)
        d = t.data
        c = t.children
        if d == "int_attr":
            return self._int_attr(c[0], c[1] if len(c) > 1 else None)
        if d == "true_attr":
            return BoolAttr(True)
        if d == "false_attr":
            return BoolAttr(False)
        if d == "unit_attr":
            return UnitAttr()
        if d == "string_attr":
            return StringAttr(self.string(c[0]))
        if d == "symbol_attr":
            s = str(c[0])[1:]
            if s.startswith('"'):
                return SymbolRefAttr(self.string(Token.new_borrow_pos("STRING", s, c[0])))
            return SymbolRefAttr(s)
        if d == "dense_array_attr":
            et = self._int_type(c[0])
            toks = [x for x in c[1:] if x is not None]
            vals = []
            for x in toks:
                v = self.int_(x)
                if not et.fits(v):
                    raise self.error(x, f"expected a value that fits in {et}, found {_short(str(v))}")
                vals.append(v)
            return DenseArrayAttr(et, tuple(vals))
        if d == "array_attr":
            return ArrayAttr(tuple(self.attr(x) for x in c if x is not None))
        if d == "dict_attr":
            return DictAttr.of(self.dict_(c[0]))
        if d == "dense_attr":
            return self._dense(t)
        if d == "dense_resource_attr":
            ty = self.type_(c[1])
            if str(c[0]) != "__elided__":
                raise self.error(c[0], f"expected '__elided__' in dense_resource, found '{_short(str(c[0]))}'")
            if not isinstance(ty, TensorType) or not isinstance(ty.element_type, IntegerType):
                raise self.error(c[0], f"dense_resource expected an integer tensor type, found {ty}")
            self._check_dense_size(c[0], ty)
            # Elided data is never read; np.zeros maps zero pages lazily, so this costs no memory.
            return DenseAttr(ty, np.zeros(ty.shape, dtype=np.int64), elided=True)
        if d == "hash_attr":
            name = str(c[0])
            params = tuple(self.attr(x) for x in c[1:] if x is not None)
            if name in self.attr_aliases:
                if params:
                    raise self.error(c[0], f"attribute alias '{name}' takes no parameters, found {len(params)}")
                return self.attr_aliases[name]
            dialect, dot, short = name[1:].partition(".")
            if not dot or not short:
                raise self.error(c[0], f"undefined attribute alias '{name}'")
            return DialectAttr(dialect, short, params)
        if d == "type_attr":
            return TypeAttr(self.type_(c[0]))
        raise self.error(_first_token(t), f"unsupported attribute syntax '{d}'")  # pragma: no cover

    def _int_attr(self, tok: Token, type_tok: Token | None) -> Attribute:
        v = self.int_(tok)
        ty: IntegerType | IndexType = i64
        if type_tok is not None:
            ty = IndexType() if str(type_tok) == "index" else self._int_type(type_tok)
        if isinstance(ty, IndexType):
            if not _I64_MIN <= v <= _I64_MAX:
                raise self.error(tok, f"expected a 64-bit index value, found {_short(str(tok))}")
        else:
            # Signless integers also accept their unsigned spelling (255 : i8), as MLIR does.
            hi = (1 << ty.width) - 1 if ty.signedness == "signless" else ty.max_value
            if not ty.min_value <= v <= hi:
                raise self.error(tok, f"expected an integer that fits in {ty} ({ty.min_value}..{hi}), found {_short(str(tok))}")
        return IntegerAttr(v, ty)

    def _check_dense_size(self, anchor: Any, ty: TensorType) -> None:
        if ty.num_elements > MAX_DENSE_ELEMENTS:
            raise self.error(
                anchor, f"dense constant of type {ty} has {ty.num_elements} elements, more than {MAX_DENSE_ELEMENTS}"
            )

    def _dense(self, t: Tree) -> DenseAttr:
        body, ty_tree = t.children
        ty = self.type_(ty_tree)
        anchor = _first_token(body) or _first_token(ty_tree)
        if not isinstance(ty, TensorType) or not isinstance(ty.element_type, IntegerType):
            raise self.error(anchor, f"dense constant expected an integer tensor type, found {ty}")
        et = ty.element_type
        self._check_dense_size(anchor, ty)
        if body.data == "dense_splat":
            v = self.int_(body.children[0])
            if not et.fits(v):
                raise self.error(anchor, f"dense value {_short(str(v))} does not fit in {et}")
            return DenseAttr(ty, np.full(ty.shape, v, dtype=np.int64))
        if body.data == "dense_hex":
            # Blobs are megabytes of hex digits with nothing to decode; `_dense_hex` rejects any
            # other character, so only a blob containing escapes needs the string decoder.
            raw_text = str(body.children[0])
            text = raw_text[1:-1] if "\\" not in raw_text else self.string(body.children[0])
            data = self._dense_hex(anchor, text, ty)
        else:
            data = self._dense_list(anchor, body.children[0] if body.data == "dense_body" else body, ty)
        if data.size:
            lo, hi = int(data.min()), int(data.max())
            if lo < et.min_value or hi > et.max_value:
                bad = lo if lo < et.min_value else hi
                raise self.error(anchor, f"dense value {bad} does not fit in {et}")
        return DenseAttr(ty, data)

    def _dense_hex(self, anchor: Token | None, s: str, ty: TensorType) -> np.ndarray:
        """Decode ``"0x..."``: little-endian elements of the element type's storage width (the
        printer's format for constants of more than 16 elements); one element is a splat."""
        et = ty.element_type
        assert isinstance(et, IntegerType)
        if not s.startswith("0x"):
            raise self.error(anchor, f"expected a dense hex blob starting with '0x', found \"{_short(s, 20)}\"")
        try:
            raw = bytes.fromhex(s[2:])
        except ValueError:
            raw = None
        # fromhex skips whitespace, so a length mismatch also means a character that is not hex.
        if raw is None or 2 * len(raw) != len(s) - 2:
            bad = _NON_HEX.search(s, 2)
            if bad is not None:
                raise self.error(
                    anchor,
                    f"expected hex digits in dense hex blob, found {_describe_char(bad.group())} at offset {bad.start()}",
                )
            raise self.error(anchor, f"expected whole bytes in dense hex blob, found {len(s) - 2} hex digits")
        width = et.storage_bytes
        if len(raw) % width:
            raise self.error(
                anchor,
                f"dense hex blob holds {len(raw)} bytes, not a whole number of {et} elements ({width} bytes each)",
            )
        n = len(raw) // width
        want = ty.num_elements
        if n != want and not (n == 1 and want != 1):
            raise self.error(anchor, f"dense hex blob holds {n} elements of {et}, but {ty} needs {want}")
        arr = np.frombuffer(raw, dtype=f"<{'u' if et.is_unsigned else 'i'}{width}")
        if arr.dtype == np.uint64 and arr.size and int(arr.max()) > _I64_MAX:
            raise self.error(anchor, f"dense value {int(arr.max())} is too large: constants are held as 64-bit signed")
        data = arr.astype(np.int64)
        if n == 1 and want != 1:
            return np.full(ty.shape, int(data[0]), dtype=np.int64)
        return data.reshape(ty.shape)

    def _dense_list(self, anchor: Token | None, tree: Any, ty: TensorType) -> np.ndarray:
        """A nested ``[[1, 2], [3, 4]]`` literal: must be rectangular and match the type's shape,
        except that ``[v]`` is a splat and ``[]`` stands for any tensor without elements."""
        flat: list[int] = []
        level_len: dict[int, int] = {}  # list length seen first at each depth
        deepest_list = 0
        leaf_depth: int | None = None  # depth of the integers (all must share it)
        has_empty = False
        # Iterative walk (the literal may be deeply nested), left to right.
        stack: list[tuple[Any, int]] = [(tree, 0)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, Token):
                if leaf_depth is None:
                    leaf_depth = depth
                elif depth != leaf_depth:
                    raise self.error(node, "dense literal is ragged: integers appear at different nesting depths")
                flat.append(self.int_(node))
                continue
            if depth >= MAX_DENSE_RANK:
                raise self.error(_first_token(node) or anchor, f"dense literal nested deeper than {MAX_DENSE_RANK} levels")
            kids = [c for c in node.children if c is not None]
            if depth in level_len and level_len[depth] != len(kids):
                raise self.error(
                    _first_token(node) or anchor,
                    f"dense literal is ragged: expected {_plural(level_len[depth], 'element')} at depth {depth + 1}, "
                    f"found {len(kids)}",
                )
            level_len.setdefault(depth, len(kids))
            deepest_list = max(deepest_list, depth)
            has_empty = has_empty or not kids
            stack.extend((k, depth + 1) for k in reversed(kids))
        if leaf_depth is None:  # no integers at all: `[]`, `[[], []]`
            if ty.num_elements == 0:
                return np.zeros(ty.shape, dtype=np.int64)
            raise self.error(anchor, f"dense literal has no elements, but its type is {ty}")
        if has_empty or deepest_list != leaf_depth - 1:
            raise self.error(anchor, "dense literal is ragged: lists and integers are mixed at one depth")
        for v in flat:
            if not _I64_MIN <= v <= _I64_MAX:
                raise self.error(anchor, f"dense value {_short(str(v))} does not fit in {ty.element_type}")
        shape = tuple(level_len[d] for d in range(leaf_depth))
        if shape == ty.shape:
            return np.array(flat, dtype=np.int64).reshape(ty.shape)
        if len(flat) == 1:  # `[5]` splats like `5`
            return np.full(ty.shape, flat[0], dtype=np.int64)
        found = "x".join(str(s) for s in shape)
        raise self.error(anchor, f"dense literal has shape {found}, but its type is {ty}")

    # -- types ---------------------------------------------------------------------------------
    def type_(self, t: Any) -> Type:
        """The type a subtree spells (aliases resolved)."""
        self.enter(t, "types")
        try:
            return self._type(t)
        finally:
            self.depth -= 1

    def _type(self, t: Any) -> Type:
        if isinstance(t, Token):
            if t.type == "INT_TYPE":
                return self._int_type(t)
            if t.type == "INDEX":
                return IndexType()
            if t.type == "TYPE_ALIAS":
                return self._alias(t)
            raise self.error(t, f"expected a type, found '{_short(str(t))}'")  # pragma: no cover - rules alias every type
        d = t.data
        c = t.children
        if d == "int_type":
            return self._int_type(c[0])
        if d == "index_type":
            return IndexType()
        if d == "none_type":
            return NoneType()
        if d == "type_alias_ref":
            return self._alias(c[0])
        if d in ("tensor_type", "memref_type"):
            dims_tok = c[0]
            shape: tuple[int, ...] = ()
            if dims_tok is not None:
                shape = tuple(self._dim(dims_tok, x) for x in str(dims_tok).split("x")[:-1])
            elem = self.type_(c[1])
            if not isinstance(elem, (IntegerType, IndexType)):
                raise self.error(_first_token(c[1]), f"expected an integer or index element type, found {elem}")
            if d == "tensor_type":
                return TensorType(shape, elem)
            space = self.attr(c[2]) if len(c) > 2 and c[2] is not None else None
            return MemRefType(shape, elem, space)
        if d == "function_type":
            return self.function_type(t)
        raise self.error(_first_token(t), f"unsupported type syntax '{d}'")  # pragma: no cover

    def _dim(self, tok: Token, text: str) -> int:
        """One dimension of a DIMS token; bounded so shapes and element counts stay int64."""
        if len(text) > 19 or int(text) > _I64_MAX:
            raise self.error(tok, f"expected a dimension below 2^63, found {_short(text)}")
        return int(text)

    def _int_type(self, tok: Token) -> IntegerType:
        """``si8`` -> IntegerType(8, "signed"), with a located error for widths outside 1..64."""
        m = _INT_TYPE_RE.match(str(tok))
        width = int(m.group(2)) if m is not None and len(m.group(2)) < 5 else None
        if m is None or width is None or not 1 <= width <= 64:
            found = m.group(2) if m is not None else str(tok)
            raise self.error(tok, f"expected an integer width from 1 to 64, found {_short(found)} in '{_short(str(tok))}'")
        signedness = {"i": "signless", "si": "signed", "ui": "unsigned"}[m.group(1)]
        return IntegerType(width, signedness)

    def _alias(self, tok: Token) -> Type:
        """The type a ``!alias`` was defined as."""
        name = str(tok)
        if name not in self.type_aliases:
            raise self.error(tok, f"undefined type alias '{name}'")
        return self.type_aliases[name]

    def function_type(self, t: Tree) -> FunctionType:
        """``(inputs) -> results``; a single result may be written with or without parentheses."""
        *ins, res = t.children
        inputs = tuple(self.type_(x) for x in ins if x is not None)
        # `-> a` and `-> (a)` mean the same single result, so both alternatives read alike.
        outputs = tuple(self.type_(x) for x in res.children if x is not None)
        return FunctionType(inputs, outputs)


def _plural(n: int, what: str) -> str:
    return f"{n} {what}" + ("" if n == 1 else "s")


def _dialect_names() -> list[str]:
    from dory.dory_ir.core import known_dialects

    return list(known_dialects())


__all__ = ["parse_module", "parse_file", "get_parser", "VisitError"]
