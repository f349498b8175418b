"""Parse dory IR text (MLIR generic syntax) into ops, with located errors.

Lark (LALR, cached on disk) turns text into a tree; `_Builder` walks it with SSA scopes, resolving
aliases, checking literal ranges and that each use matches the type the op's signature gives it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from lark import Lark, Token, Tree
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from dory_ir.attributes import (
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
    dense_from_hex,
)
from dory_ir.core import Block, Operation, Region, Value, create_op, lookup_op
from dory_ir.diagnostics import Location, ParseError
from dory_ir.types import (
    FunctionType,
    IndexType,
    IntegerType,
    MemRefType,
    NoneType,
    TensorType,
    Type,
    i64,
    parse_int_type,
)

_GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")
_PARSER: Lark | None = None


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


def _describe_token(tok: Token) -> str:
    if tok.type == "$END":
        return "end of input"
    text = str(tok)
    if len(text) > 30:
        text = text[:27] + "..."
    return f"'{text}'"


def parse_module(text: str, filename: str = "<stdin>", line_offset: int = 0, allow_unregistered: bool = False) -> Operation:
    """Parse IR text into a ``builtin.module`` op (top-level ops are wrapped in one, as MLIR does).

    ``line_offset`` shifts reported lines (for ``--split-input-file`` chunks). Raises
    `ParseError` with file:line:col and plain-word expectations on any malformed input.
    """
    parser = get_parser()
    try:
        tree = parser.parse(text)
    except UnexpectedToken as e:
        loc = Location(filename, e.line + line_offset if e.line > 0 else _last_line(text) + line_offset, max(e.column, 1))
        if e.token.type == "$END":
            loc = Location(filename, _last_line(text) + line_offset, 1)
        raise ParseError(
            loc, f"expected {_describe_expected(parser, set(e.expected))}, found {_describe_token(e.token)}"
        ) from None
    except UnexpectedCharacters as e:
        ch = text[e.pos_in_stream] if e.pos_in_stream < len(text) else "?"
        allowed = getattr(e, "allowed", None) or set()
        want = f"; expected {_describe_expected(parser, set(allowed))}" if allowed else ""
        raise ParseError(
            Location(filename, e.line + line_offset, e.column), f"unexpected character '{ch}'{want}"
        ) from None
    except UnexpectedEOF as e:
        raise ParseError(
            Location(filename, _last_line(text) + line_offset, 1),
            f"unexpected end of input; expected {_describe_expected(parser, set(e.expected))}",
        ) from None
    except UnexpectedInput as e:  # pragma: no cover - other Lark input errors
        raise ParseError(Location(filename, getattr(e, "line", 0) + line_offset, getattr(e, "column", 0)), str(e)) from None
    return _Builder(filename, line_offset, allow_unregistered).build(tree)


def _last_line(text: str) -> int:
    return text.count("\n") + (0 if text.endswith("\n") else 1)


def parse_file(path: str, allow_unregistered: bool = False) -> Operation:
    with open(path, encoding="utf-8") as f:
        return parse_module(f.read(), path, allow_unregistered=allow_unregistered)


def _unquote(tok: str) -> str:
    """Decode an MLIR string literal (``\\"``, ``\\\\``, ``\\n``, ``\\t``, ``\\XX``)."""
    body = tok[1:-1]
    if "\\" not in body:
        return body
    out = []
    i = 0
    while i < len(body):
        c = body[i]
        if c == "\\" and i + 1 < len(body):
            n = body[i + 1]
            if n in '"\\':
                out.append(n)
                i += 2
                continue
            if n == "n":
                out.append("\n")
                i += 2
                continue
            if n == "t":
                out.append("\t")
                i += 2
                continue
            hx = body[i + 1 : i + 3]
            if len(hx) == 2 and all(ch in "0123456789abcdefABCDEF" for ch in hx):
                out.append(chr(int(hx, 16)))
                i += 3
                continue
        out.append(c)
        i += 1
    return "".join(out)


def _int(tok: Token) -> int:
    s = str(tok)
    neg = s.startswith("-")
    s = s.lstrip("-")
    v = int(s, 16) if s.startswith("0x") else int(s)
    return -v if neg else v


class _Builder:
    """Walks the Lark tree, building ops with scoped SSA name resolution."""

    def __init__(self, filename: str, line_offset: int, allow_unregistered: bool):
        self.filename = filename
        self.line_offset = line_offset
        self.allow_unregistered = allow_unregistered
        self.type_aliases: dict[str, Type] = {}
        self.attr_aliases: dict[str, Attribute] = {}
        self.scopes: list[dict[str, Value]] = []

    def loc(self, tok: Any) -> Location:
        if isinstance(tok, Token) and tok.line is not None:
            return Location(self.filename, tok.line + self.line_offset, tok.column)
        return Location(self.filename)

    def error(self, tok: Any, msg: str) -> ParseError:
        return ParseError(self.loc(tok), msg)

    # -- top level -----------------------------------------------------------------------------
    def build(self, tree: Tree) -> Operation:
        from dory_ir.dialects.builtin import ModuleOp

        self.scopes.append({})
        ops: list[Operation] = []
        for child in tree.children:
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
        ch = list(tree.children)
        results_tree = ch.pop(0) if isinstance(ch[0], Tree) and ch[0].data == "op_results" else None
        name_tok: Token = ch.pop(0)
        first_tok = results_tree.children[0].children[0] if results_tree is not None else name_tok
        op_loc = self.loc(first_tok)
        name = _unquote(str(name_tok))
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
            s = loc_tree.children[0]
            op_loc = op_loc.with_name(_unquote(str(s)))
        if lookup_op(name) is None and not self.allow_unregistered:
            raise self.error(name_tok, f"unregistered operation '{name}' (is the dialect loaded? known dialects: {', '.join(sorted(_dialect_names()))})")
        # operands
        use_toks = list(values_tree.children) if values_tree is not None else []
        if len(use_toks) != len(fn.inputs):
            raise self.error(
                name_tok,
                f"'{name}' has {len(use_toks)} operands but its type lists {len(fn.inputs)} operand types",
            )
        operands = []
        for tok, ty in zip(use_toks, fn.inputs):
            v = self.lookup(tok)
            if v.type != ty:
                raise self.error(tok, f"use of value '{tok}' expects type {ty}, but it was defined with type {v.type}")
            operands.append(v)
        # results
        result_names: list[tuple[Token, int]] = []
        if results_tree is not None:
            for g in results_tree.children:
                tok = g.children[0]
                count = _int(g.children[1]) if len(g.children) > 1 and g.children[1] is not None else 1
                if "#" in str(tok):
                    raise self.error(tok, f"result name '{tok}' may not carry a '#N' suffix")
                result_names.append((tok, count))
        n_results = sum(c for _, c in result_names)
        if results_tree is not None and n_results != len(fn.results):
            raise self.error(
                name_tok, f"'{name}' defines {n_results} results but its type lists {len(fn.results)} result types"
            )
        if results_tree is None and fn.results:
            raise self.error(name_tok, f"'{name}' returns {len(fn.results)} results but none are named")
        hints: list[str | None] = []
        for tok, count in result_names:
            base = str(tok)[1:]
            for _ in range(count):
                hints.append(None if base.isdigit() or count > 1 else base)
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
            op.add_region(self.region(rt))
        # define results in the current scope
        k = 0
        for tok, count in result_names:
            if count == 1:
                self.define(tok, op.results[k])
            else:
                for i in range(count):
                    self.define(tok, op.results[k + i], f"{tok}#{i}")
            k += count
        return op

    def region(self, tree: Tree) -> Region:
        self.scopes.append({})
        region = Region()
        entry_ops = [c for c in tree.children if c.data == "op"]
        blocks = [c for c in tree.children if c.data == "block"]
        if entry_ops or not blocks:
            entry = region.add_block(Block())
            for o in entry_ops:
                entry.add_op(self.op(o))
        for bt in blocks:
            rest = bt.children[1:]
            arg_types: list[Type] = []
            arg_toks: list[Token] = []
            ops_trees = []
            for c in rest:
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
                    raise self.error(t, f"block argument '{t}' may not carry a '#N' suffix")
                self.define(t, a)
            for o in ops_trees:
                block.add_op(self.op(o))
        self.scopes.pop()
        return region

    def define(self, tok: Token, value: Value, key: str | None = None) -> None:
        k = key or str(tok)
        for scope in self.scopes:
            if k in scope:
                raise self.error(tok, f"redefinition of value '{k}'")
        self.scopes[-1][k] = value

    def lookup(self, tok: Token) -> Value:
        k = str(tok)
        for scope in reversed(self.scopes):
            if k in scope:
                return scope[k]
        raise self.error(tok, f"use of undefined value '{k}'")

    # -- attributes ----------------------------------------------------------------------------
    def dict_(self, tree: Tree) -> dict[str, Attribute]:
        out: dict[str, Attribute] = {}
        for e in tree.children:
            if e is None:
                continue
            key_tok = e.children[0]
            key = _unquote(str(key_tok)) if key_tok.type == "STRING" else str(key_tok)
            if key in out:
                raise self.error(key_tok, f"duplicate key '{key}' in dictionary")
            val = e.children[1] if len(e.children) > 1 else None
            out[key] = self.attr(val) if val is not None else UnitAttr()
        return out

    def attr(self, t: Any) -> Attribute:
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
            return StringAttr(_unquote(str(c[0])))
        if d == "symbol_attr":
            s = str(c[0])[1:]
            return SymbolRefAttr(_unquote(s) if s.startswith('"') else s)
        if d == "dense_array_attr":
            et = parse_int_type(str(c[0]))
            vals = tuple(_int(x) for x in c[1:] if x is not None)
            for x, v in zip([x for x in c[1:] if x is not None], vals):
                if not et.fits(v):
                    raise self.error(x, f"value {v} does not fit in {et}")
            return DenseArrayAttr(et, vals)
        if d == "array_attr":
            return ArrayAttr(tuple(self.attr(x) for x in c if x is not None))
        if d == "dict_attr":
            return DictAttr.of(self.dict_(c[0]))
        if d == "dense_attr":
            return self._dense(t)
        if d == "dense_resource_attr":
            ty = self.type_(c[1])
            if str(c[0]) != "__elided__":
                raise self.error(c[0], f"expected '__elided__' in dense_resource, found '{c[0]}'")
            if not isinstance(ty, TensorType) or not isinstance(ty.element_type, IntegerType):
                raise self.error(c[0], f"dense_resource expects an integer tensor type, found {ty}")
            return DenseAttr(ty, np.zeros(ty.shape, dtype=np.int64), elided=True)
        if d == "hash_attr":
            name = str(c[0])
            params = tuple(self.attr(x) for x in c[1:] if x is not None)
            if name in self.attr_aliases and not params:
                return self.attr_aliases[name]
            body = name[1:]
            if "." not in body:
                raise self.error(c[0], f"undefined attribute alias '{name}'")
            dialect, _, short = body.partition(".")
            return DialectAttr(dialect, short, params)
        if d == "type_attr":
            return TypeAttr(self.type_(c[0]))
        raise self.error(None, f"unsupported attribute syntax '{d}'")  # pragma: no cover

    def _int_attr(self, tok: Token, type_tok: Token | None) -> Attribute:
        v = _int(tok)
        ty: IntegerType | IndexType = i64
        if type_tok is not None:
            ty = IndexType() if str(type_tok) == "index" else parse_int_type(str(type_tok))
        if isinstance(ty, IntegerType) and not ty.fits(v) and not (ty.signedness == "signless" and 0 <= v <= (1 << ty.width) - 1):
            raise self.error(tok, f"integer {v} does not fit in {ty}")
        return IntegerAttr(v, ty)

    def _dense(self, t: Tree) -> DenseAttr:
        body, ty_tree = t.children
        ty = self.type_(ty_tree)
        anchor = _first_token(body) or _first_token(ty_tree)
        if not isinstance(ty, TensorType) or not isinstance(ty.element_type, IntegerType):
            raise self.error(anchor, f"dense constant expects an integer tensor type, found {ty}")
        et = ty.element_type
        if body.data == "dense_splat":
            v = _int(body.children[0])
            data = np.full(ty.shape, v, dtype=np.int64)
        elif body.data == "dense_hex":
            s = _unquote(str(body.children[0]))
            if not s.startswith("0x") or len(s) % 2:
                raise self.error(anchor, f"dense hex blob must be '0x' followed by whole bytes, found {s[:20]!r}")
            try:
                data = dense_from_hex(s, ty)
            except ValueError as e:
                raise self.error(anchor, str(e)) from None
        else:
            nested = _dense_list(body.children[0] if body.data == "dense_body" else body)
            try:
                data = np.array(nested, dtype=np.int64)
            except (ValueError, OverflowError):
                raise self.error(anchor, f"dense literal is ragged or out of range for {ty}") from None
            if data.ndim == 1 and data.size == 1 and ty.num_elements != 1 and ty.rank != 1:
                data = np.full(ty.shape, int(data[0]), dtype=np.int64)
            if tuple(data.shape) != ty.shape:
                if data.size == ty.num_elements and ty.rank == 0:
                    data = data.reshape(())
                else:
                    shape = "x".join(str(s) for s in data.shape) or "scalar"
                    raise self.error(anchor, f"dense literal has shape {shape}, but its type is {ty}")
        if data.size and (int(data.min()) < et.min_value or int(data.max()) > et.max_value):
            bad = int(data.min()) if int(data.min()) < et.min_value else int(data.max())
            raise self.error(anchor, f"dense value {bad} does not fit in {et}")
        return DenseAttr(ty, data)

    # -- types ---------------------------------------------------------------------------------
    def type_(self, t: Any) -> Type:
        if isinstance(t, Token):
            if t.type == "INT_TYPE":
                return self._int_type(t)
            if t.type == "INDEX":
                return IndexType()
            if t.type == "TYPE_ALIAS":
                return self._alias(t)
            raise self.error(t, f"expected a type, found '{t}'")
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
            shape = tuple(int(x) for x in str(dims_tok).split("x")[:-1]) if dims_tok is not None else ()
            elem = self.type_(c[1])
            if d == "tensor_type":
                return TensorType(shape, elem)
            space = self.attr(c[2]) if len(c) > 2 and c[2] is not None else None
            return MemRefType(shape, elem, space)
        if d == "function_type":
            return self.function_type(t)
        raise self.error(None, f"unsupported type syntax '{d}'")  # pragma: no cover

    def _int_type(self, tok: Token) -> IntegerType:
        try:
            return parse_int_type(str(tok))
        except ValueError as e:
            raise self.error(tok, str(e)) from None

    def _alias(self, tok: Token) -> Type:
        name = str(tok)
        if name not in self.type_aliases:
            raise self.error(tok, f"undefined type alias '{name}'")
        return self.type_aliases[name]

    def function_type(self, t: Tree) -> FunctionType:
        *ins, res = t.children
        inputs = tuple(self.type_(x) for x in ins if x is not None)
        # `-> a` and `-> (a)` mean the same single result, so both alternatives read alike.
        outputs = tuple(self.type_(x) for x in res.children if x is not None)
        return FunctionType(inputs, outputs)


def _first_token(t: Any) -> Token | None:
    if isinstance(t, Token):
        return t
    if isinstance(t, Tree):
        for c in t.children:
            r = _first_token(c)
            if r is not None:
                return r
    return None


def _dense_list(t: Any) -> Any:
    if isinstance(t, Token):
        return _int(t)
    return [_dense_list(c) for c in t.children if c is not None]


def _dialect_names() -> list[str]:
    from dory_ir.core import known_dialects

    return list(known_dialects())


__all__ = ["parse_module", "parse_file", "get_parser", "VisitError"]
